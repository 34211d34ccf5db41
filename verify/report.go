package verify

import (
	"slices"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/source"
)

// Check identifies one of verify's checks. The identifiers are stable: they
// appear in JSON output and GitHub annotations and are never renamed.
type Check string

// The checks, in the order they run and are reported.
const (
	// CheckHygiene: file names golang-migrate would silently skip, duplicate
	// versions, a down file without its up (errors); gaps in sequential
	// versions, unless gaps are the history's pattern (one warning for all),
	// up and down files of one version with different titles (one warning
	// for all: they are paired by version, as golang-migrate pairs them); a
	// statement PostgreSQL refuses inside a transaction block in a file
	// with other statements (error).
	CheckHygiene Check = "hygiene"
	// CheckSum: the files match the sum file (guard.sum); a recorded file
	// that was edited or removed, or an unrecorded one below the newest
	// recorded version, is an error; no sum file is a warning.
	CheckSum Check = "sum"
	// CheckApply: every migration applies in order from an empty database.
	CheckApply Check = "apply"
	// CheckDown: for each version, up → down → up again, and the schema
	// after down equals the schema before up. Versions without a down file
	// are one warning for all (an error each with WithRequireDown). A down
	// file that leaves enum values behind (PostgreSQL cannot drop one) is a
	// warning when the up file applies again, an error when it does not.
	CheckDown Check = "down"
	// CheckContract: the final schema against the committed contract;
	// every change its lock mode blocks is an error.
	CheckContract Check = "contract"
	// CheckQueries: every statement of the WithQueries files prepares
	// against the final schema.
	CheckQueries Check = "queries"
)

// checks is every check in the order they run and are reported.
var checks = [...]Check{CheckHygiene, CheckSum, CheckApply, CheckDown, CheckContract, CheckQueries}

// AllChecks returns every check in the order they run and are reported (a
// new slice on each call).
func AllChecks() []Check { return slices.Clone(checks[:]) }

// rank returns the place of c in the order of the checks.
func rank(c Check) int { return slices.Index(checks[:], c) }

// Severity is how bad a finding is: an error fails verification, a warning
// is reported and does not.
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Status is the outcome of a verification, or of one check.
type Status string

// The outcomes. A Report's Status is Passed, Failed or Blocked; a check's is
// Passed, Warned, Failed or Skipped.
const (
	// StatusPassed: no error (warnings allowed on a report).
	StatusPassed Status = "passed"
	// StatusWarned: a check found warnings only.
	StatusWarned Status = "warned"
	// StatusFailed: a check found an error. A report is Failed when any
	// check other than the contract found one, even if the contract also
	// blocks: the history must be sound before the contract is judged.
	StatusFailed Status = "failed"
	// StatusBlocked: the contract blocks a change and every other check
	// passed (promoting the contract, after review, is what is left).
	StatusBlocked Status = "blocked"
	// StatusSkipped: a check did not run (not asked for, or an earlier
	// failure left nothing to check); Detail says why.
	StatusSkipped Status = "skipped"
)

// Report is the result of Run. Its JSON field names are part of guard's
// public output and do not change.
type Report struct {
	// Source names the migrations folder (WithSourceDir), or "." when the
	// caller did not say.
	Source string `json:"source"`
	// Migrations is the number of versions in the history; Head the highest.
	Migrations int            `json:"migrations"`
	Head       source.Version `json:"head"`
	// Status is passed, failed or blocked (see Status).
	Status Status `json:"status"`
	// Checks has one entry per check, in the order of AllChecks.
	Checks []CheckResult `json:"checks"`
	// Findings lists every problem, grouped by check in the order of
	// AllChecks, then in the order found. Never null.
	Findings []Finding `json:"findings"`
	// Contract is the final schema judged against the contract: every
	// change of every table, blocked or not. Absent when no contract was
	// checked.
	Contract *contract.Report `json:"contract,omitempty"`
	// Hazards are what each file's statements did while they ran in the
	// shadow (see package hazard) that lasts longer the bigger the table
	// is, on the shadow's own tables: no sizes, and no brief locks (a
	// plan against the target reports those). Absent when there are none.
	Hazards []hazard.Hazard `json:"hazards,omitempty"`
	// Summary counts the findings.
	Summary Summary `json:"summary"`
}

// CheckResult says what one check did.
type CheckResult struct {
	Check  Check  `json:"check"`
	Status Status `json:"status"` // passed, warned, failed or skipped
	Detail string `json:"detail"` // one line: what was checked, or why it was skipped
}

// Finding is one problem found by a check.
type Finding struct {
	Check    Check    `json:"check"`
	Severity Severity `json:"severity"`
	// File is the file the problem is in, when there is one: a migration
	// file (joined to WithSourceDir), the sum file, a queries file as
	// given to WithQueries, or the contract file.
	File string `json:"file,omitempty"`
	// Line and Column are 1-based; 0 (absent) when the problem is not at
	// a place in the file.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Object is the schema object concerned, qualified (down and contract
	// findings), e.g. "public.users.email".
	Object string `json:"object,omitempty"`
	// Message says what is wrong, in one line; for a statement that
	// failed, it carries PostgreSQL's message and SQLSTATE.
	Message string `json:"message"`
	// Hint says what to do about it.
	Hint string `json:"hint,omitempty"`
}

// Summary counts a report's findings.
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	// Blocked is true when the contract blocks a change, whatever else
	// failed.
	Blocked bool `json:"blocked"`
}

// Check returns the result of check c.
func (r *Report) Check(c Check) CheckResult {
	for _, cr := range r.Checks {
		if cr.Check == c {
			return cr
		}
	}
	return CheckResult{Check: c, Status: StatusSkipped}
}

// FindingsOf returns the findings of check c.
func (r *Report) FindingsOf(c Check) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Check == c {
			out = append(out, f)
		}
	}
	return out
}
