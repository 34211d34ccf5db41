package guard

import (
	"time"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/source"
)

// The JSON field names of every result are part of guard's public output
// (the CLI prints them with --format json) and do not change. A version is
// a number, or null for "no migration applied".

// Direction is the way a migration file goes.
type Direction = source.Direction

// The two directions.
const (
	Up   = source.Up
	Down = source.Down
)

// Migration is one version of the migration source: its up file and
// optional down file.
type Migration = source.Migration

// Step is one migration file run, or to run, in one direction.
type Step = source.Step

// PlannedStep is a step of a plan with what its file changes, as replayed in
// the shadow database, judged table by table against the contract (tables
// that are not locked are reported too).
type PlannedStep struct {
	Step
	Changes *contract.Report `json:"changes"`
	// Hazards are what the file's statements do to a live system while
	// they run (see package hazard), sized by the target's statistics.
	Hazards []hazard.Hazard `json:"hazards"`
}

// ShadowInfo says where the shadow database of a plan lived and how it was
// built.
type ShadowInfo struct {
	Placement string `json:"placement"` // "shadow-url", "target-server" or "ephemeral"
	// Warm is true when the shadow was copied from a cached template of the
	// applied history instead of replaying it.
	Warm bool `json:"warm"`
	// View is true when the pending files ran in a transaction on the
	// cached template, rolled back afterwards, rather than in a copy.
	View    bool    `json:"view"`
	BuildMS float64 `json:"build_ms"` // time to have the shadow at the current version
	// Start is where the dry-run started from: "history" (the applied
	// migrations, replayed) or "live-copy" (a schema-only copy of the live
	// database, when the live schema is not what its history produces, or
	// a pending file needs an object the history does not create);
	// StartReason says why a copy was used, or why it could not be.
	Start       string `json:"start"`
	StartReason string `json:"start_reason,omitempty"`
}

// Where a dry-run starts from (ShadowInfo.Start).
const (
	StartHistory  = "history"
	StartLiveCopy = "live-copy"
)

// Plan is what applying the pending migrations (or reverting some) would do,
// found out in a shadow database without touching the target.
type Plan struct {
	Database  string         `json:"database"` // the target, described without password
	Source    string         `json:"source"`
	Version   source.Version `json:"version"` // the database's version now
	Head      source.Version `json:"head"`    // the source's last version
	Ahead     bool           `json:"ahead"`   // the database is at a version newer than the source's head
	Direction Direction      `json:"direction,omitempty"`
	Target    source.Version `json:"target"` // the version after the plan
	Steps     []PlannedStep  `json:"steps"`
	// HistoryDrift is how the live schema differs from what the applied
	// migrations produce (hand-made changes), from the shadow's schema at
	// the current version to the live one.
	HistoryDrift []diff.Change `json:"history_drift"`
	// Contract is the gate: the contract's drift of the schema the plan
	// leads to, judged by the lock modes.
	Contract *contract.Report `json:"contract"`
	Blocked  bool             `json:"blocked"`   // the contract blocks the plan
	DataLoss bool             `json:"data_loss"` // the plan removes tables or columns
	// HazardsBlocked is true when the contract's hazard policy
	// (HazardPolicy, described) blocks a hazard of a step.
	HazardsBlocked bool        `json:"hazards_blocked"`
	HazardPolicy   string      `json:"hazard_policy,omitempty"`
	Shadow         *ShadowInfo `json:"shadow,omitempty"`
	Warnings       []string    `json:"warnings"`
}

// AppliedStep is a migration file that ran on the target.
type AppliedStep struct {
	Step
	DurationMS float64 `json:"duration_ms"`
	Attempts   int     `json:"attempts"` // more than 1 when it was retried after lock_timeout
}

// Result is what Up, Down and Goto did.
type Result struct {
	Plan    *Plan          `json:"plan"`
	Applied []AppliedStep  `json:"applied"` // empty when there was nothing to do
	Version source.Version `json:"version"` // the database's version afterwards
	// AllowedBreaking is true when the contract blocked the plan and it was
	// applied anyway (WithAllowBreaking).
	AllowedBreaking bool `json:"allowed_breaking"`
	// Promoted lists the locked tables in auto mode whose safe changes were
	// promoted into the contract file.
	Promoted []string `json:"promoted"`
	Warnings []string `json:"warnings"`
}

// Status is the state of the database against the migration source.
type Status struct {
	Database string         `json:"database"`
	Source   string         `json:"source"`
	Version  source.Version `json:"version"`
	Dirty    bool           `json:"dirty"`
	Head     source.Version `json:"head"`
	Ahead    bool           `json:"ahead"` // at a version newer than the source's head (an older binary)
	Pending  []Migration    `json:"pending"`
	// Running names the session holding guard's (or golang-migrate's) lock:
	// a migration is in progress.
	Running *LockHolder `json:"running,omitempty"`
	// Diagnosis says what a dirty database's schema matches.
	Diagnosis *Diagnosis `json:"diagnosis,omitempty"`
	// HistoryDrift is reported when DriftChecked (Status with CheckDrift):
	// building the history's schema takes a shadow database.
	HistoryDrift []diff.Change    `json:"history_drift"`
	DriftChecked bool             `json:"drift_checked"`
	Contract     *contract.Report `json:"contract"` // the contract's drift of the live schema
	Edited       []EditedFile     `json:"edited"`   // applied files changed since
	LastApplied  *HistoryEntry    `json:"last_applied,omitempty"`
	// Enforcement is the contract enforced inside the database (guard
	// contract enforce), when installed, compared with the contract file:
	// InSync false when they disagree (with a warning).
	Enforcement *enforce.State `json:"enforcement,omitempty"`
	Warnings    []string       `json:"warnings"`
}

// DirtyState is what a dirty database's live schema turned out to be.
type DirtyState string

// The states of a dirty database.
const (
	// StateNotApplied: the interrupted migration left no trace; the schema
	// is the one before it.
	StateNotApplied DirtyState = "not_applied"
	// StateApplied: the migration's changes are all there, but golang-migrate
	// did not record it (applied but unrecorded).
	StateApplied DirtyState = "applied_unrecorded"
	// StatePartial: the schema matches neither side; Candidates holds the
	// exact differences.
	StatePartial DirtyState = "partial"
	// StateAmbiguous: the schema matches more than one version (the
	// migration changes no schema, only data), so it cannot tell.
	StateAmbiguous DirtyState = "ambiguous"
)

// Diagnosis is what guard found out about a dirty database by building its
// neighbouring versions in a shadow and comparing each with the live schema.
type Diagnosis struct {
	Version source.Version `json:"version"` // the dirty version
	State   DirtyState     `json:"state"`
	Message string         `json:"message"` // one line for people
	// Recoverable is true when the state is unambiguous; RecoverTo is then
	// the version Recover sets.
	Recoverable bool           `json:"recoverable"`
	RecoverTo   source.Version `json:"recover_to"`
	// InvalidIndexes, on a partial state, are the INVALID indexes (an
	// interrupted CREATE INDEX CONCURRENTLY) that are its only difference
	// from version RecoverTo: Recover drops them before setting it, so the
	// file runs again.
	InvalidIndexes []string    `json:"invalid_indexes,omitempty"`
	Candidates     []Candidate `json:"candidates"`
}

// Candidate is a version the live schema of a dirty database could be at.
type Candidate struct {
	Version source.Version `json:"version"`
	Meaning string         `json:"meaning"` // what it would mean, e.g. "000004_x did not run"
	Matches bool           `json:"matches"`
	// Differences are the changes from the candidate's schema to the live
	// schema: what the live database has that the candidate does not.
	Differences []diff.Change `json:"differences"`
	// Unreachable, when set, says why the live schema cannot be at this
	// version: its file fails on the version before it, and a file that
	// runs in one transaction leaves nothing when it fails.
	Unreachable string `json:"unreachable,omitempty"`
}

// EditedFile is an applied migration whose up file changed since guard
// applied it.
type EditedFile struct {
	Version  uint64 `json:"version"`
	File     string `json:"file"`
	Recorded string `json:"recorded_sha256"`
	Current  string `json:"current_sha256"`
}

// HistoryEntry is a row of guard's history table.
type HistoryEntry struct {
	Version    source.Version `json:"version"` // None (null): a forced "no version"
	Name       string         `json:"name"`
	Direction  string         `json:"direction"` // "up", "down", or "force" (Force and Recover)
	SHA256     string         `json:"sha256"`    // of the file run; empty for force
	AppliedAt  time.Time      `json:"applied_at"`
	DurationMS float64        `json:"duration_ms"`
	AppliedBy  string         `json:"applied_by"` // the database user
	ClientHost string         `json:"client_host"`
	ClientPID  int            `json:"client_pid"`
}

// LockHolder is the session holding a migration lock. PostgreSQL hides
// part of another role's session from a role without pg_read_all_stats:
// ClientAddr is then "" and Since zero (omitted in JSON), unknown rather
// than absent.
type LockHolder struct {
	PID             int       `json:"pid"` // the server process
	ApplicationName string    `json:"application_name"`
	User            string    `json:"user"`
	ClientAddr      string    `json:"client_addr,omitempty"` // "" when local (a Unix socket) or unknown
	Since           time.Time `json:"since,omitzero"`        // the session's start; zero when unknown
	Lock            string    `json:"lock"`                  // "guard" or "golang-migrate"
}

// ForceResult is what Force did.
type ForceResult struct {
	Previous source.Version `json:"previous"`
	WasDirty bool           `json:"was_dirty"`
	Version  source.Version `json:"version"`
}

// RecoverResult is what Recover did.
type RecoverResult struct {
	Dirty     bool           `json:"dirty"` // the database was dirty
	Diagnosis *Diagnosis     `json:"diagnosis,omitempty"`
	Recovered bool           `json:"recovered"`
	Version   source.Version `json:"version"`
}

// EventKind says what an Event reports.
type EventKind string

// The kinds of event.
const (
	EventLockWait   EventKind = "lock_wait"   // another session holds guard's (or golang-migrate's) lock: Lock, Holder
	EventLocked     EventKind = "locked"      // guard's lock is taken, after Duration of waiting
	EventShadow     EventKind = "shadow"      // the shadow is at the current version, after Duration (Warm)
	EventStepStart  EventKind = "step_start"  // Step starts on the target
	EventStepDone   EventKind = "step_done"   // Step ran in Duration
	EventStepRetry  EventKind = "step_retry"  // Step hit lock_timeout (Err) and is retried after Wait
	EventStepFailed EventKind = "step_failed" // Step failed (Err)
)

// Event is progress reported to WithProgress.
type Event struct {
	Kind     EventKind
	Step     Step
	Duration time.Duration
	Attempt  int           // EventStepRetry: the attempt that failed, from 1
	Wait     time.Duration // EventStepRetry: the backoff before the next attempt
	Err      error
	Lock     string // EventLockWait: the lock waited for, "guard" or "golang-migrate"
	Holder   *LockHolder
	Warm     bool
}

// Created is what CreateMigration wrote.
type Created struct {
	Version uint64 `json:"version"`
	Up      string `json:"up"`   // path of the up file
	Down    string `json:"down"` // path of the down file
	// Recorded are the files newly recorded in the folder's sum file, by
	// name, when it has one.
	Recorded []string `json:"recorded,omitempty"`
}
