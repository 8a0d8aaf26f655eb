package events

import (
	"strconv"
	"strings"
	"time"

	"flyover/probe"
)

// Event is one Sentinel Pub/Sub message, parsed. Sentinel publishes on a
// channel named after the event ("+switch-master", "+sdown", ...), with a
// message that is either "<type> <name> <ip> <port> @ <master> <mip> <mport>"
// or, for a few events, its own format.
type Event struct {
	Time     time.Time `json:"time"`
	Sentinel string    `json:"sentinel"` // the Sentinel that published it
	Type     string    `json:"type"`     // the channel: "+switch-master", "-failover-abort-no-good-slave", ...
	Message  string    `json:"message"`  // as published

	// Instance details, when the message has them.
	InstanceType string `json:"instance_type,omitempty"` // master, slave, sentinel
	Name         string `json:"name,omitempty"`
	IP           string `json:"ip,omitempty"`
	Port         int    `json:"port,omitempty"`
	MasterName   string `json:"master_name,omitempty"`
	MasterIP     string `json:"master_ip,omitempty"`
	MasterPort   int    `json:"master_port,omitempty"`

	// For +switch-master: the old and new primary addresses.
	OldAddr string `json:"old_addr,omitempty"`
	NewAddr string `json:"new_addr,omitempty"`
}

// Addr is the instance the event is about, as "ip:port".
func (e Event) Addr() string {
	if e.IP == "" {
		return ""
	}
	return probe.JoinHostPort(e.IP, e.Port)
}

// IsAbort reports whether the event is one of the -failover-abort-* events.
func (e Event) IsAbort() bool { return strings.HasPrefix(e.Type, "-failover-abort") }

// ParseEvent parses one Pub/Sub message from a Sentinel.
func ParseEvent(sentinel, channel, message string, at time.Time) Event {
	e := Event{Time: at, Sentinel: sentinel, Type: channel, Message: message}
	f := strings.Fields(message)
	switch channel {
	case "+switch-master":
		// <master name> <oldip> <oldport> <newip> <newport>
		if len(f) == 5 {
			e.InstanceType = "master"
			e.Name, e.MasterName = f[0], f[0]
			e.OldAddr = probe.JoinHostPort(f[1], atoiInt(f[2]))
			e.NewAddr = probe.JoinHostPort(f[3], atoiInt(f[4]))
			e.IP, e.Port = f[3], atoiInt(f[4])
		}
		return e
	case "+tilt", "-tilt":
		return e
	}
	// "<instance-type> <name> <ip> <port> [@ <master-name> <master-ip> <master-port>]"
	if len(f) >= 4 {
		e.InstanceType, e.Name, e.IP, e.Port = f[0], f[1], f[2], atoiInt(f[3])
		if e.InstanceType == "master" {
			e.MasterName = e.Name
		}
	}
	if len(f) >= 8 && f[4] == "@" {
		e.MasterName, e.MasterIP, e.MasterPort = f[5], f[6], atoiInt(f[7])
	}
	return e
}

func atoiInt(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
