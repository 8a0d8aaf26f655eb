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
	fs.IntVar(&o.ValueSize, "value-size", 0, "bytes per preloaded value (0: small values); --keys 2000000 --value-size 512 is about 1.2 GB")
	fs.StringVar(&o.SourceReplicaBufferLimit, "replica-buffer-limit", "", `the source's client-output-buffer-limit for replicas, "HARD SOFT SECONDS" such as "0 0 0" (default: Redis's)`)
	fs.BoolVar(&o.StandInResumes, "stand-in-resumes", false, "let the stand-in target resume a dropped link as Redis does (default: a new full sync after every drop, as Dragonfly)")
	fs.DurationVar(&o.DownAfter, "down-after", 5*time.Second, "Sentinel down-after-milliseconds")
	fs.DurationVar(&o.FailoverTimeout, "failover-timeout", 60*time.Second, "Sentinel failover-timeout")
	pwEnv := fs.String("password-env", "", "protect the lab with the password in this environment variable")
	masters := fs.Int("masters", 0, "start a fleet: this many sources, each with its target, under one Sentinel set")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.ValueSize < 0 || o.PreloadKeys < 0 {
		fmt.Fprintln(stderr, "flyover lab: --keys and --value-size must not be negative")
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
	fmt.Fprintf(stdout, "  sentinels %s (master %q, quorum %d)\n", strings.Join(l.SentinelAddrs(), ","), o.MasterName, l.Opts.Quorum)
	if o.ValueSize > 0 {
		fmt.Fprintf(stdout, "  dataset   %d keys of %d B on the source\n", o.PreloadKeys, o.ValueSize)
	}
	if v := o.SourceReplicaBufferLimit; v != "" {
		fmt.Fprintf(stdout, "  source    client-output-buffer-limit replica %s\n", v)
	}
	if r := l.StandInResync(); r.Active {
		fmt.Fprintln(stdout, "  the stand-in starts over with a new full sync after every link drop, as Dragonfly does")
	}
	fmt.Fprintln(stdout)
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
