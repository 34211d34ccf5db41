package readiness

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

const driftDDL = versionTableDDL + `INSERT INTO schema_migrations VALUES (5, false);
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL);`

// lockUsers returns a contract locking public.users as it is in url now.
func lockUsers(t *testing.T, url string) *contract.Contract {
	t.Helper()
	live, err := schema.Inspect(t.Context(), pgtest.Connect(t, url))
	assert.NoError(t, err)
	ct := contract.New()
	_, err = ct.Lock(live, []string{"public.users"}, contract.ModeAuto, time.Now())
	assert.NoError(t, err)
	return ct
}

func TestSchemaDriftHeader(t *testing.T) {
	steps := []struct {
		name string
		ddl  string
		want string
	}{
		{"unchanged", ``, "none"},
		{"unlocked table changed", `ALTER TABLE posts DROP COLUMN title`, "none"},
		{"column added", `ALTER TABLE users ADD COLUMN bio text`, "safe"},
		{"column dropped", `ALTER TABLE users DROP COLUMN email`, "breaking"},
	}
	for _, kind := range handleKinds {
		t.Run(kind.name, func(t *testing.T) {
			url := pgtest.DB(t)
			pgtest.Exec(t, url, driftDDL)
			c := kind.open(t, url, WithContract(lockUsers(t, url)))
			clk := newFakeClock(c)
			for _, step := range steps {
				if step.ddl != "" {
					pgtest.Exec(t, url, step.ddl)
				}
				clk.Advance(DefaultDriftInterval)
				c.refreshDrift(t.Context())
				rec := get(c, http.MethodGet, "")
				assert.Equal(t, step.want, rec.Header().Get(DriftHeader), step.name)
				// The header never changes the answer.
				assert.Equal(t, http.StatusOK, rec.Code, step.name)
				assert.Equal(t, "ready: db=5 expected=5\n", rec.Body.String(), step.name)
			}
		})
	}
}

// The inspection runs in the background, at most once per interval: the
// first probe does not wait for it, later probes carry its answer, and a
// change shows only once the interval has passed.
func TestSchemaDriftBackground(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, driftDDL)
	c := handleKinds[0].open(t, url, WithContract(lockUsers(t, url)), WithDriftInterval(time.Minute))
	clk := newFakeClock(c)

	assert.Equal(t, "", get(c, http.MethodGet, "").Header().Get(DriftHeader))
	eventually(t, "the first drift answer", func() bool {
		return get(c, http.MethodGet, "").Header().Get(DriftHeader) == "none"
	})

	pgtest.Exec(t, url, `ALTER TABLE users DROP COLUMN email`)
	clk.Advance(time.Minute - time.Nanosecond)
	for range 5 {
		assert.Equal(t, "none", get(c, http.MethodGet, "").Header().Get(DriftHeader))
	}
	clk.Advance(time.Nanosecond)
	eventually(t, "the drift to show", func() bool {
		return get(c, http.MethodGet, "").Header().Get(DriftHeader) == "breaking"
	})
	assert.Equal(t, "", get(Live(), http.MethodGet, "").Header().Get(DriftHeader))
}

// Without WithContract there is no header and no inspection.
func TestNoContractNoHeader(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, driftDDL)
	c := handleKinds[1].open(t, url)
	assert.Zero(t, c.inspect)
	assert.Equal(t, "", get(c, http.MethodGet, "").Header().Get(DriftHeader))
}

// An empty contract drifts from nothing.
func TestEmptyContract(t *testing.T) {
	url := pgtest.DB(t)
	pgtest.Exec(t, url, driftDDL)
	c := handleKinds[0].open(t, url, WithContract(contract.New()))
	c.refreshDrift(t.Context())
	assert.Equal(t, "none", get(c, http.MethodGet, "").Header().Get(DriftHeader))
}

type otherDriver struct{}

func (otherDriver) Open(string) (driver.Conn, error) { return nil, errors.New("not a real driver") }

func init() { sql.Register("readiness-test-other", otherDriver{}) }

func TestWithContractRejects(t *testing.T) {
	db, err := sql.Open("readiness-test-other", "")
	assert.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	for name, opts := range map[string][]Option{
		"nil contract":     {WithContract(nil)},
		"zero interval":    {WithDriftInterval(0)},
		"non-pgx database": {WithContract(contract.New())},
	} {
		_, err := New(db, headFive(t), opts...)
		var ce *ConfigError
		assert.True(t, errors.As(err, &ce), "%s: %v", name, err)
		assert.NotZero(t, ce.Hint(), name)
	}
	// The same *sql.DB is fine without a contract.
	_, err = New(db, headFive(t))
	assert.NoError(t, err)
}
