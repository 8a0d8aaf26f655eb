package commands

import (
	"context"
	"io"

	"flyover/ui/status"
)

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	cmd, fs, c := oneShot("status", stderr)
	asJSON := fs.Bool("json", false, "print the snapshot as JSON (schema in the README)")
	targets := fs.String("targets", "", "with --sentinel and no --master: the fleet's targets file (see flyover fleet)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.master == "" && c.source == "" && c.target == "" && c.sentinels != "" {
		return cmdStatusFleet(c, *targets, *asJSON, stdout, stderr)
	}
	p := cmd.connect(context.Background(), c, false)
	if p == nil {
		return 2
	}
	defer p.Close()
	snap := p.Poll(context.Background())
	var err error
	if *asJSON {
		err = status.WriteStatusJSON(stdout, snap)
	} else {
		err = status.WriteStatusTable(stdout, snap, "")
	}
	return cmd.exit(err, !snap.AllReachable())
}
