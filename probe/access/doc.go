// Package access reads what flyover is allowed to do on each server:
// the commands it will send (ACLNeed, per endpoint and version), the
// user's permissions (ACL DRYRUN, else the rules of ACL GETUSER judged
// here) and whether the target will authenticate to the source
// (replauth.go). Everything it sends reads.
//
//	probe/readiness ──▶ probe/access ──▶ probe
//
// It may import probe. It must never import probe's other rooms, steps,
// the driver, the ui or the commands.
package access
