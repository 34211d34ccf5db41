package migrator

import (
	"strconv"

	"github.com/golang-migrate/migrate/v4/database"

	"github.com/schemaguard/guard/guard/source"
)

// LockID returns the key of the advisory lock golang-migrate's PostgreSQL
// drivers hold while migrating the version table schema.table of database
// dbName (current_database()), the same key the migrate CLI and a DB take.
// The table's schema must be resolved.
func LockID(dbName string, table source.Table) (int64, error) {
	id, err := database.GenerateAdvisoryLockId("/"+dbName, table.Schema, table.Name)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(id, 10, 64)
}
