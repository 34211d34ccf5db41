package readiness

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/schemaguard/guard/internal/pgtest"
)

// textLogger logs to buf without times, with CRITICAL named.
func textLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return ReplaceLevelNames(groups, a)
		},
	}))
}

func TestCheckOnStartup(t *testing.T) {
	cases := []struct {
		name  string
		setup string
		opts  []Option
		line  string
	}{
		{"current", versionTableDDL + `INSERT INTO schema_migrations VALUES (5, false)`, nil,
			`level=INFO msg="database schema is current" status=ready db=5 expected=5 dirty=false`},
		{"behind", versionTableDDL + `INSERT INTO schema_migrations VALUES (4, false)`, nil,
			`level=CRITICAL msg="database schema is behind this binary: apply the pending migrations" status=drift db=4 expected=5 dirty=false`},
		{"dirty", versionTableDDL + `INSERT INTO schema_migrations VALUES (5, true)`, nil,
			`level=CRITICAL msg="database schema is dirty: a migration this binary needs is running or failed half-way (recover it if none is running)" status=dirty db=5 expected=5 dirty=true`},
		{"dirty behind", versionTableDDL + `INSERT INTO schema_migrations VALUES (4, true)`, nil,
			`level=CRITICAL msg="database schema is dirty: a migration this binary needs is running or failed half-way (recover it if none is running)" status=dirty db=4 expected=5 dirty=true`},
		{"dirty no version", versionTableDDL + `INSERT INTO schema_migrations VALUES (-1, true)`, nil,
			`level=CRITICAL msg="database schema is dirty: a migration this binary needs is running or failed half-way (recover it if none is running)" status=dirty db=none expected=5 dirty=true`},
		{"dirty ahead", versionTableDDL + `INSERT INTO schema_migrations VALUES (6, true)`, nil,
			`level=WARN msg="database schema is ahead of this binary: a newer migration is running or failed half-way" status=ahead db=6 expected=5 dirty=true warning="database version 6 is dirty (its migration is running or failed half-way); the versions below it, this binary's head 5 included, are applied; serving anyway"`},
		{"dirty ahead not ready", versionTableDDL + `INSERT INTO schema_migrations VALUES (6, true)`, []Option{WithAheadNotReady()},
			`level=CRITICAL msg="database schema is ahead of this binary: a newer migration is running or failed half-way" status=ahead db=6 expected=5 dirty=true`},
		{"empty table", versionTableDDL, nil,
			`level=CRITICAL msg="database schema is behind this binary: apply the pending migrations" status=drift db=none expected=5 dirty=false`},
		{"ahead", versionTableDDL + `INSERT INTO schema_migrations VALUES (6, false)`, nil,
			`level=WARN msg="database schema is ahead of this binary" status=ahead db=6 expected=5 dirty=false warning="database version 6 is above this binary's head 5; serving anyway"`},
		{"ahead not ready", versionTableDDL + `INSERT INTO schema_migrations VALUES (6, false)`, []Option{WithAheadNotReady()},
			`level=CRITICAL msg="database schema is ahead of this binary" status=ahead db=6 expected=5 dirty=false`},
		{"no table", "", nil,
			`level=WARN msg="database has no migrations version table" status=no_table db=none expected=5 dirty=false warning="no version table \"schema_migrations\"; treated as current"`},
		{"no table not ready", "", []Option{WithMissingTableNotReady()},
			`level=CRITICAL msg="database has no migrations version table" status=no_table db=none expected=5 dirty=false`},
	}
	url := pgtest.DB(t) // one database; each case resets the version table
	for _, kind := range handleKinds {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				pgtest.Exec(t, url, `DROP TABLE IF EXISTS schema_migrations;`+tc.setup)
				c := kind.open(t, url, tc.opts...)
				var buf bytes.Buffer
				r := CheckOnStartup(t.Context(), c, textLogger(&buf))
				assert.Equal(t, tc.line+"\n", buf.String())
				assert.Equal(t, r.Message, c.Check(t.Context()).Message)
			})
		}
	}
}

// With the database dead, the startup check returns the unreachable answer
// (it does not wait for the database or exit) and logs it at ERROR.
func TestCheckOnStartupDeadDatabase(t *testing.T) {
	for _, kind := range handleKinds {
		t.Run(kind.name, func(t *testing.T) {
			c := kind.open(t, "postgres://app:pw@"+silentServer(t)+"/app?sslmode=disable", WithBudget(100*time.Millisecond))
			var buf bytes.Buffer
			r := CheckOnStartup(t.Context(), c, textLogger(&buf))
			assert.Equal(t, StatusUnreachable, r.Status)
			assert.Equal(t, "no answer within 100ms", r.Reason)
			assert.True(t, strings.HasPrefix(buf.String(),
				`level=ERROR msg="database schema version could not be read at startup" status=unreachable db=none expected=5 dirty=false reason="no answer within 100ms" cause=`), buf.String())
		})
	}
}

func TestCriticalInJSON(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, versionTableDDL+`INSERT INTO schema_migrations VALUES (4, false)`)
	c := handleKinds[0].open(t, url)
	var buf bytes.Buffer
	CheckOnStartup(t.Context(), c, slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ReplaceLevelNames})))
	var line map[string]any
	assert.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	assert.Equal[any](t, "CRITICAL", line["level"])
	assert.Equal[any](t, float64(4), line["db"])
	assert.Equal[any](t, float64(5), line["expected"])
	assert.Equal[any](t, false, line["dirty"])
}

func TestReplaceLevelNames(t *testing.T) {
	for level, want := range map[slog.Level]string{
		slog.LevelInfo:      "INFO",
		slog.LevelError:     "ERROR",
		slog.LevelError + 2: "ERROR+2",
		LevelCritical:       "CRITICAL",
		LevelCritical + 1:   "CRITICAL+1",
	} {
		var buf bytes.Buffer
		textLogger(&buf).Log(t.Context(), level, "m")
		assert.Equal(t, "level="+want+" msg=m\n", buf.String())
	}
	// Only the top-level level key is renamed.
	a := slog.Any(slog.LevelKey, LevelCritical)
	assert.Equal(t, a, ReplaceLevelNames([]string{"group"}, a))
}
