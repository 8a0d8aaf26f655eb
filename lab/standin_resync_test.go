package lab_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// A link drop in steady state costs the source a whole new full sync, as
// with Dragonfly (DRAGONFLY.md: sync_full from 1 to 2, no partial
// resync), and not the partial resync a redis-server replica makes by
// itself (StandInResumes). Writes keep coming during the drop.
func TestStandInStartsOverAfterALinkDrop(t *testing.T) {
	for _, tc := range []struct {
		name    string
		resumes bool
	}{{"as Dragonfly", false}, {"resuming, as Redis", true}} {
		t.Run(tc.name, func(t *testing.T) {
			l := labtest.Start(t, lab.Options{StandIn: true, StandInResumes: tc.resumes, PreloadKeys: 2000, ValueSize: 100})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			src, tgt := l.Source.Client(), l.Target.Client()
			defer src.Close()
			defer tgt.Close()
			if n := src.DBSize(ctx).Val(); n != 2000 {
				t.Fatalf("the source holds %d keys after the preload, want 2000", n)
			}
			if v := src.Get(ctx, "preload:7").Val(); len(v) != 100 {
				t.Fatalf("preload:7 is %d bytes, want 100", len(v))
			}
			if err := l.AttachTarget(ctx); err != nil {
				t.Fatal(err)
			}
			inSync := func() bool {
				i := probe.ParseInfo(tgt.Info(ctx, "replication").Val())
				return i["master_link_status"] == "up" && i["master_sync_in_progress"] == "0"
			}
			labtest.Wait(t, 30*time.Second, "the target in sync", inSync)
			if !tc.resumes {
				labtest.Wait(t, 10*time.Second, "the supervisor armed", func() bool { return l.StandInResync().Armed })
			}

			stop := writeWhile(ctx, src)
			before := probe.ParseInfo(src.Info(ctx, "stats").Val())
			if err := src.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err(); err != nil {
				t.Fatal(err)
			}
			labtest.Wait(t, 30*time.Second, "the target back in sync after the drop", func() bool {
				after := probe.ParseInfo(src.Info(ctx, "stats").Val())
				moved := after.Int("sync_full")+after.Int("sync_partial_ok") > before.Int("sync_full")+before.Int("sync_partial_ok")
				return moved && inSync()
			})
			written := stop()
			after := probe.ParseInfo(src.Info(ctx, "stats").Val())
			full := after.Int("sync_full") - before.Int("sync_full")
			partial := after.Int("sync_partial_ok") - before.Int("sync_partial_ok")
			t.Logf("%d writes during the drop; sync_full +%d, sync_partial_ok +%d, sync_partial_err +%d; %+v",
				written, full, partial, after.Int("sync_partial_err")-before.Int("sync_partial_err"), l.StandInResync())
			if tc.resumes {
				if full != 0 || partial != 1 {
					t.Errorf("resuming: sync_full +%d, sync_partial_ok +%d, want +0 and +1", full, partial)
				}
				return
			}
			if full != 1 || partial != 0 {
				t.Errorf("sync_full +%d, sync_partial_ok +%d, want +1 and +0 (a new full sync, as Dragonfly)", full, partial)
			}
			if r := l.StandInResync().Restarts; r != 1 {
				t.Errorf("the supervisor counted %d restarts, want 1", r)
			}
			labtest.Wait(t, 10*time.Second, "the same keys on both", func() bool {
				return src.DBSize(ctx).Val() == tgt.DBSize(ctx).Val()
			})
			labtest.Wait(t, 10*time.Second, "the supervisor armed again", func() bool { return l.StandInResync().Armed })
		})
	}
}

// writeWhile writes to c until the returned stop is called, which says
// how many writes were acknowledged.
func writeWhile(ctx context.Context, c *redis.Client) (stop func() int) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	n := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			if c.Set(ctx, fmt.Sprintf("during-drop:%d", i), i, 0).Err() == nil {
				n++
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return func() int { cancel(); wg.Wait(); return n }
}
