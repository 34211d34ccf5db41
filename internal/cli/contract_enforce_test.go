package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	neturl "net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/internal/pgtest"
)

// hand runs sql on the database as a person at a psql prompt would, and
// returns the SQLSTATE of its error ("" when it passed).
func hand(t *testing.T, url, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.Connect(t, url)
	_, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	assert.NoError(t, err)
	return ""
}

type enforceStatus struct {
	Installed bool   `json:"installed"`
	InSync    bool   `json:"in_sync"`
	Mode      string `json:"mode"`
	Tables    []struct {
		Table    string   `json:"table"`
		Unjudged []string `json:"unjudged"`
	} `json:"tables"`
}

// The example history's version 6 renames users.email: enforced in the
// database, the rename fails by hand, passes through guard migrate once
// promoted (the database's copy not yet synced), and the copy is synced
// after it.
func TestContractEnforceWorkflow(t *testing.T) {
	clearEnv(t)
	url := pgtest.DB(t)
	migrateTo(t, url, 5)
	dir := project(t, 6)
	contractPath := filepath.Join(dir, "guard.contract.json")
	src := filepath.Join(dir, "migrations")
	g := func(args ...string) result {
		return guard(t, append([]string{"--database-url", url, "--contract", contractPath, "--source", src}, args...)...)
	}
	status := func() enforceStatus {
		t.Helper()
		r := g("contract", "enforce", "status", "--format", "json")
		assert.Equal(t, 0, r.code, r.stderr)
		var st enforceStatus
		assert.NoError(t, json.Unmarshal([]byte(r.stdout), &st), r.stdout)
		return st
	}

	r := g("contract", "enforce", "status")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Contract enforcement: not installed")

	r = g("contract", "lock", "--table", "users")
	assert.Equal(t, 0, r.code, r.stderr)
	r = g("contract", "enforce", "install")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Installed contract enforcement")
	assert.Contains(t, r.stdout, "Enforced: public.users")
	assert.Contains(t, r.stdout, "SQLSTATE GU001")
	st := status()
	assert.True(t, st.Installed && st.InSync, "%+v", st)

	assert.Equal(t, enforce.SQLState, hand(t, url, `ALTER TABLE users RENAME COLUMN email TO email_address`))
	assert.Equal(t, "", hand(t, url, `ALTER TABLE posts ADD COLUMN summary text`), "posts is not locked")

	// The contract blocks the rename: guard refuses it before the trigger
	// could.
	r = g("migrate", "up")
	assert.Equal(t, 3, r.code, r.stdout+r.stderr)

	// Promoted where the contract is committed (no database at hand): the
	// database's copy is the old one.
	r = guard(t, "--contract", contractPath, "--source", src, "--shadow-url", pgtest.Server(t),
		"contract", "promote", "--table", "users", "--from", "migrations")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "Synced")
	st = status()
	assert.False(t, st.InSync)
	r = g("contract", "enforce", "status")
	assert.Contains(t, r.stdout, "NOT in sync with")
	r = g("migrate", "status", "--format", "json")
	var ms struct {
		Enforcement *enforceStatus `json:"enforcement"`
		Warnings    []string       `json:"warnings"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &ms), r.stdout)
	assert.True(t, ms.Enforcement != nil && !ms.Enforcement.InSync, r.stdout)
	assert.Contains(t, strings.Join(ms.Warnings, "\n"), "guard contract enforce sync")
	r = g("migrate", "status")
	assert.Contains(t, r.stdout, "Enforced in the database: 1 table (auto mode), NOT in sync")
	// By hand, the stale copy still rejects the rename.
	assert.Equal(t, enforce.SQLState, hand(t, url, `ALTER TABLE users RENAME COLUMN email TO email_address`))

	// guard migrate up runs it: its pass lets it through, then it syncs.
	r = g("migrate", "up")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.NotContains(t, r.stdout+r.stderr, "enforce", "no warning about contract enforcement")
	st = status()
	assert.True(t, st.InSync, "%+v", st)
	assert.Equal(t, []string{}, st.Tables[0].Unjudged)
	assert.Equal(t, enforce.SQLState, hand(t, url, `ALTER TABLE users DROP COLUMN email_address`), "the synced copy has the new shape")

	// Contract commands sync the database's copy.
	r = g("contract", "mode", "strict")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "Synced the contract enforced in the database (1 table)")
	st = status()
	assert.True(t, st.InSync)
	assert.Equal(t, "strict", st.Mode)
	assert.Equal(t, enforce.SQLState, hand(t, url, `ALTER TABLE users ADD COLUMN probe text`))
	r = g("contract", "unlock", "--table", "users")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "Synced the contract enforced in the database (0 tables)")
	assert.Equal(t, "", hand(t, url, `ALTER TABLE users ADD COLUMN probe text`))

	r = g("contract", "enforce", "remove", "--format", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "{\n  \"removed\": true\n}\n", r.stdout)
	r = g("contract", "enforce", "sync")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "contract enforcement is not installed")
	assert.Contains(t, r.stderr, "hint: install it first")
}

func TestContractEnforceInstallNeedsASuperuser(t *testing.T) {
	clearEnv(t)
	role := "guard_enf_cli_" + pgtest.RandomSuffix()
	pass := pgtest.RandomSuffix() + pgtest.RandomSuffix()
	admin := pgtest.Server(t)
	pgtest.Exec(t, admin, fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s'`, role, pass))
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Errorf("drop role: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+role); err != nil {
			t.Errorf("drop role: %v", err)
		}
	})
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE TABLE users (id int PRIMARY KEY, email text)`)
	dir := t.TempDir()
	contractPath := filepath.Join(dir, "guard.contract.json")
	r := guard(t, "--database-url", url, "--contract", contractPath, "contract", "lock")
	assert.Equal(t, 0, r.code, r.stderr)

	u, err := neturl.Parse(url)
	assert.NoError(t, err)
	u.User = neturl.UserPassword(role, pass)
	r = guard(t, "--database-url", u.String(), "--contract", contractPath, "contract", "enforce", "install")
	assert.Equal(t, 1, r.code)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	assert.Equal(t, 2, len(lines), r.stderr)
	assert.Equal(t, fmt.Sprintf(`guard: install contract enforcement: role %q is not a superuser, and PostgreSQL lets only superusers create or drop event triggers (nothing was changed)`, role), lines[0])
	assert.Contains(t, lines[1], "  hint: run guard contract enforce install with --database-url of a superuser")
	assert.NotContains(t, r.stderr, pass)

	var n int
	conn := pgtest.Connect(t, url)
	assert.NoError(t, conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM pg_event_trigger) + (SELECT count(*) FROM pg_namespace WHERE nspname = 'guard_enforce')`).Scan(&n))
	assert.Equal(t, 0, n, "nothing was changed")

	r = guard(t, "--database-url", u.String(), "--contract", contractPath, "--format", "json", "contract", "enforce", "install")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, `"error"`)
	assert.Contains(t, r.stdout, "not a superuser")
}
