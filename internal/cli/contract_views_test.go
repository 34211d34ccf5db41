package cli_test

import (
	"path/filepath"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

// A view locked by guard contract lock is named like a table by diff,
// promote and unlock, and shown by show.
func TestContractCommandsNameLockedViews(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
		CREATE VIEW user_emails AS SELECT id, email FROM users`)
	contractPath := filepath.Join(t.TempDir(), "guard.contract.json")
	g := func(args ...string) result {
		return guard(t, append([]string{"--database-url", url, "--contract", contractPath}, args...)...)
	}
	r := g("contract", "lock")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Locked 1 view: public.user_emails")

	r = g("contract", "show")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "public.user_emails")

	pgtest.Exec(t, url, `DROP VIEW user_emails; CREATE VIEW user_emails AS SELECT id FROM users`)
	r = g("contract", "diff", "--table", "user_emails")
	assert.Equal(t, 3, r.code, "the view lost a column: %s%s", r.stdout, r.stderr)
	r = g("contract", "diff", "--table", "users")
	assert.Equal(t, 0, r.code, "the table filter leaves out the view's drift: %s", r.stdout)
	r = g("contract", "diff", "--table", "nope")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "public.user_emails", "the names known, views too")

	r = g("contract", "promote", "--table", "user_emails")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Promoted 1 view: public.user_emails")
	r = g("contract", "diff")
	assert.Equal(t, 0, r.code, r.stdout)

	r = g("contract", "unlock")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Unlocked 1 table: public.users")
	assert.Contains(t, r.stdout, "Unlocked 1 view: public.user_emails")
}
