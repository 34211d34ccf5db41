// Package contract is guard's schema contract: the locked snapshot of the
// tables that consumers depend on, stored as canonical JSON in a file
// (guard.contract.json by default) committed next to the migrations, so
// that accepting a breaking change is a reviewed diff in a pull request.
//
// A contract has a lock mode (none, auto, strict), which a locked table may
// override. Drift compares the locked snapshots with a live schema;
// Evaluate judges any list of changes against the modes, and Blocks is the
// single policy every part of guard asks:
//
//	c, err := contract.Load("guard.contract.json")
//	if err != nil {
//		return err
//	}
//	live, err := schema.Inspect(ctx, conn)
//	if err != nil {
//		return err
//	}
//	report := c.Evaluate(c.Drift(live))
//	if report.Blocked {
//		// refuse to ship: a locked table changed in a way its mode forbids
//	}
//
// A Contract is a plain value: not safe for concurrent mutation.
package contract
