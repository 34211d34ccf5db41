// Package migrator is guard's adapter around golang-migrate, with one job:
// run exactly the migration step it is given (DB.Run), or force the
// version, so that the version table is exactly what plain golang-migrate
// writes. No golang-migrate type leaves this package. Planning, judging and
// recording steps are the caller's.
package migrator
