package verify

import (
	"fmt"

	"github.com/schemaguard/guard/guard/schema"
)

// checkContract judges the final schema against the contract: every change
// its lock mode blocks is an error, attributed to the migration that made
// it where the replay can tell.
func (r *run) checkContract(final *schema.Schema) {
	c := r.o.contract
	if c == nil {
		r.skip(CheckContract, "no contract file")
		return
	}
	rep := c.Evaluate(c.Drift(final))
	r.rep.Contract = rep
	changes, blocked := 0, 0
	for _, tr := range rep.Tables {
		for _, it := range tr.Items {
			changes++
			if !it.Blocked {
				continue
			}
			blocked++
			f := Finding{Check: CheckContract, Severity: SeverityError, File: r.o.contractPath, Object: it.Object,
				Message: fmt.Sprintf("%s %s blocked (table %s is locked, mode %s): %s", it.Impact, it.Kind, tr.Table, tr.Mode, it.Message),
				Hint:    joinHints(it.Hint, fmt.Sprintf("if consumers are ready, accept it with `guard contract promote --table %s` and commit the contract", tr.Table))}
			if up := r.madeBy(string(it.Kind) + "\x00" + it.Object); up != "" {
				f.File = r.o.file(up)
			}
			r.add(f)
		}
	}
	r.done(CheckContract, fmt.Sprintf("mode %s, %s locked: %s, %d blocked", c.Mode, plural(len(c.Tables), "table"), plural(changes, "change"), blocked))
}

// madeBy returns the up file of the migration that made a contract change
// (by its drift key), when the schemas around it were inspected: the last
// migration before which the change was not there yet.
func (r *run) madeBy(key string) string {
	n := len(r.src.Migrations)
	for k := n - 1; k >= 0; k-- {
		keys, known := r.drift[k]
		if !known {
			return ""
		}
		if !keys[key] {
			return r.src.Migrations[k].Up
		}
	}
	return ""
}
