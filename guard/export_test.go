package guard

// Exported for tests only.
var (
	LockKey           = lockKey
	CreateMigrationAt = createMigration
)
