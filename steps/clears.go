package steps

// A block clears by itself when it is a moment of the live topology, not
// a setting: a Sentinel's flag right after a partition heals, an endpoint
// that comes back, a link that reconnects, a lag that catches up, a
// replica the Sentinels have not listed yet, a failover that ends. An
// unattended run gives such a block --blocked-for before it stops; one
// that cannot clear by itself (Functions loaded, a target that holds
// keys, a wrong address) stops it at once, since waiting changes nothing.

// Clears marks c as a block that may clear by itself.
func Clears(c Check) Check {
	c.Clears = true
	return c
}

// Lasting are the blocks among cs that cannot clear by themselves.
func Lasting(cs []Check) []Check {
	var out []Check
	for _, c := range cs {
		if c.Level == Block && !c.Clears {
			out = append(out, c)
		}
	}
	return out
}
