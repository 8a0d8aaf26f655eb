package events

import (
	"testing"
	"time"
)

func TestParseEvents(t *testing.T) {
	at := time.Unix(0, 0)
	e := ParseEvent("s1:1", "+switch-master", "flyover 127.0.0.1 6379 127.0.0.1 6380", at)
	if e.OldAddr != "127.0.0.1:6379" || e.NewAddr != "127.0.0.1:6380" || e.MasterName != "flyover" {
		t.Errorf("%+v", e)
	}
	e = ParseEvent("s1:1", "+slave", "slave 127.0.0.1:6380 127.0.0.1 6380 @ flyover 127.0.0.1 6379", at)
	if e.InstanceType != "slave" || e.Addr() != "127.0.0.1:6380" || e.MasterName != "flyover" || e.MasterPort != 6379 {
		t.Errorf("%+v", e)
	}
	e = ParseEvent("s1:1", "+sdown", "master flyover 127.0.0.1 6379", at)
	if e.InstanceType != "master" || e.MasterName != "flyover" || e.Port != 6379 {
		t.Errorf("%+v", e)
	}
	if !ParseEvent("s", "-failover-abort-no-good-slave", "master flyover 127.0.0.1 6379", at).IsAbort() {
		t.Error("abort events are recognised")
	}
	e = ParseEvent("s", "+tilt", "#tilt mode entered", at)
	if e.Type != "+tilt" || e.IP != "" {
		t.Errorf("%+v", e)
	}
}
