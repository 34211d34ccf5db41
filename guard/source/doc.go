// Package source is guard's migration source: the files of a golang-migrate
// history, their versions and directions. It is the one type every guard
// package takes (the runner, shadows, verify, readiness and the CLI), and it
// links nothing of golang-migrate: an app that only mounts readiness does
// not pull in the migration engine.
//
// Files are named the way golang-migrate names them,
// {version}_{title}.up.{ext} and {version}_{title}.down.{ext}, and paired
// the way golang-migrate pairs them, by version and direction: the titles
// of a version's up and down files may differ. Unlike golang-migrate, a
// .sql file whose name does not parse is an error rather than silently
// skipped, and duplicate versions are reported by file name (with several
// bad files, the one of the lowest version).
//
// Usage:
//
//	src, err := source.Load(migrations.FS, ".", "migrations") // an embed.FS
//	if err != nil {
//		return err // *source.Error: names the file, and has a Hint
//	}
//	for _, m := range src.Upto(source.V(3), src.Head()) {
//		body, err := src.Read(m.File(source.Up))
//		…
//	}
package source
