// Package verify proves a migration history in CI: it replays the history
// in a fresh shadow database and reports, with file, line and PostgreSQL's
// message, anything that would hurt in production. It is what
// `guard verify` runs.
//
// The checks, in the order they run (see Check for each identifier):
//
//	hygiene   file names golang-migrate would silently skip, duplicate versions, a down
//	          file without its up (errors); gaps in sequential versions (warnings);
//	          CREATE INDEX CONCURRENTLY and other statements PostgreSQL refuses inside a
//	          transaction block, in a file with other statements (error)
//	sum       the files match guard.sum (sha256 per file, chained total): a recorded file
//	          edited or removed, or a new file numbered below the newest recorded version
//	          (out of order), is an error; no guard.sum is a warning
//	apply     every migration applies in order from an empty database
//	down      for each version: up, down, up again; the schema after down must equal
//	          the schema before up (the first difference is reported by object); a
//	          missing down file is a warning (an error with WithRequireDown)
//	contract  the final schema against the committed contract: what its lock mode
//	          blocks is an error, attributed to the migration that made the change
//	queries   every statement of the application's SQL files (WithQueries) is prepared,
//	          not executed, against the final schema
//
// A file that fails to apply stops the history: the checks that need the
// final schema (contract, queries) are then skipped.
//
// Run returns a Report, whose Status is passed (no error; warnings allowed),
// failed (a check other than the contract found an error) or blocked (the
// contract blocks a change and nothing else failed). `guard verify` exits
// 0, 1 and 3 for them.
//
// Usage:
//
//	src, err := verify.LoadSource(os.DirFS("."), "migrations", "migrations")
//	if err != nil {
//		return err // no migrations folder, nothing usable in it
//	}
//	rep, err := verify.Run(ctx, src,
//		verify.WithSourceDir("migrations"),
//		verify.WithContract("guard.contract.json"),
//		verify.WithQueries("db/queries"),
//	)
//	if err != nil {
//		return err // could not verify at all: bad option, no shadow database, …
//	}
//	rep.WriteText(os.Stdout)
//	if rep.Status != verify.StatusPassed {
//		os.Exit(1)
//	}
//
// Run takes any *source.Source; LoadSource reads a folder the way the
// hygiene check wants it, setting aside (and Run then reporting) the files
// that source.Load refuses, where source.Load would fail on the first.
//
// Without WithShadowURL (or WithShadowProvider) the shadow database lives on
// an ephemeral PostgreSQL cluster started from the server binaries on the
// machine, so CI needs no database service.
package verify
