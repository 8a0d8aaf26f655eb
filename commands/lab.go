package commands

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"flyover/lab"
)

func cmdLab(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o lab.Options
	fs.StringVar(&o.MasterName, "master", "flyover", "master name the Sentinels monitor")
	fs.IntVar(&o.Sentinels, "sentinels", 3, "number of Sentinels")
	fs.IntVar(&o.Quorum, "quorum", 0, "Sentinel quorum (default: a majority)")
	fs.IntVar(&o.ExtraReplicas, "replicas", 0, "extra Redis replicas of the source")
	fs.IntVar(&o.PreloadKeys, "keys", 0, "keys to preload on the source")
	fs.DurationVar(&o.DownAfter, "down-after", 5*time.Second, "Sentinel down-after-milliseconds")
	fs.DurationVar(&o.FailoverTimeout, "failover-timeout", 60*time.Second, "Sentinel failover-timeout")
	pwEnv := fs.String("password-env", "", "protect the lab with the password in this environment variable")
	masters := fs.Int("masters", 0, "start a fleet: this many sources, each with its target, under one Sentinel set")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pwEnv != "" {
		if o.Password = os.Getenv(*pwEnv); o.Password == "" {
			fmt.Fprintf(stderr, "flyover lab: --password-env %s: the variable is empty or unset\n", *pwEnv)
			return 2
		}
	}
	ctx, stop := signalContext()
	defer stop()
	if *masters > 0 {
		return runFleetLab(ctx, lab.FleetOptions{Masters: *masters, Sentinels: o.Sentinels, Quorum: o.Quorum,
			PreloadKeys: o.PreloadKeys, Password: o.Password, DownAfter: o.DownAfter, FailoverTimeout: o.FailoverTimeout}, stdout, stderr)
	}
	fmt.Fprintln(stderr, "starting lab...")
	l, err := lab.Start(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "flyover lab: %v\n", err)
		return 1
	}
	defer l.Stop()
	fmt.Fprintf(stdout, "lab running in %s (target: %s)\n\n", l.Dir, l.TargetLabel())
	fmt.Fprintf(stdout, "  source    %s\n  target    %s\n", l.Source.Addr(), l.Target.Addr())
	for i, s := range l.Replicas {
		fmt.Fprintf(stdout, "  replica %d %s\n", i+1, s.Addr())
	}
	fmt.Fprintf(stdout, "  sentinels %s (master %q, quorum %d)\n\n", strings.Join(l.SentinelAddrs(), ","), o.MasterName, l.Opts.Quorum)
	env := ""
	if *pwEnv != "" {
		env = fmt.Sprintf("FLYOVER_SOURCE_PASSWORD=\"$%s\" FLYOVER_TARGET_PASSWORD=\"$%s\" ", *pwEnv, *pwEnv)
	}
	fmt.Fprintf(stdout, "point flyover at it:\n  %sflyover %s\n  %sflyover status %s\n\nCtrl-C stops the lab and removes its files.\n",
		env, strings.Join(l.FlyoverArgs(), " "), env, strings.Join(l.FlyoverArgs(), " "))
	<-ctx.Done()
	fmt.Fprintln(stderr, "\nstopping lab...")
	return 0
}
