package shadow

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestCommentRoundTrip(t *testing.T) {
	c := comment{PID: 4242, Host: "0123456789ab", Created: time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC), Start: 987654}
	got, ok := parseComment(c.String())
	assert.True(t, ok)
	assert.Equal(t, c, got)
	// Written before comments recorded the creator's start time.
	got, ok = parseComment("guard shadow database pid=4242 host=0123456789ab created=2024-05-06T07:08:09.123456Z")
	assert.True(t, ok)
	c.Start = 0
	assert.Equal(t, c, got)
	for _, bad := range []string{"", "hello", "guard shadow database pid=x host=ab created=2024-01-01T00:00:00Z", "guard shadow database pid=1 host=ab created=yesterday",
		"guard shadow database pid=1 host=ab created=2024-01-01T00:00:00Z start=soon"} {
		_, ok := parseComment(bad)
		assert.False(t, ok, bad)
	}
}

func TestProcessStart(t *testing.T) {
	a, ok := processStart(pid)
	if !ok {
		t.Skip("no /proc here: the start time is not recorded")
	}
	assert.Equal(t, selfStart, a)
	assert.True(t, processAlive(pid, selfStart))
	assert.True(t, processAlive(pid, 0), "start unknown: the pid tells")
	assert.False(t, processAlive(pid, selfStart+1), "the pid now names another process")
	assert.False(t, processAlive(deadPID(t), 0))
}

func TestCollectable(t *testing.T) {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	alive := func(pid int, start uint64) bool { return pid == 1 && (start == 0 || start == 100) }
	mk := func(pid int, host string, age time.Duration, conns int) leftover {
		return leftover{Name: Prefix + "x", Comment: comment{PID: pid, Host: host, Created: now.Add(-age), Start: 100}.String(), Conns: conns, Now: now}
	}
	reused := mk(1, "aaaa", time.Second, 0)
	reused.Comment = comment{PID: 1, Host: "aaaa", Created: now, Start: 99}.String()
	for _, tc := range []struct {
		name string
		l    leftover
		want bool
	}{
		{"creator on this host gone", mk(2, "aaaa", time.Second, 0), true},
		{"creator on this host alive", mk(1, "aaaa", time.Second, 0), false},
		{"creator on this host alive, however old", mk(1, "aaaa", 30*24*time.Hour, 0), false},
		{"pid of the creator reused", reused, true},
		{"other host, fresh", mk(2, "bbbb", time.Minute, 0), false},
		{"other host, an hour", mk(2, "bbbb", time.Hour, 0), false},
		{"other host, past the grace", mk(2, "bbbb", 25*time.Hour, 0), true},
		{"in use", mk(2, "aaaa", time.Hour, 1), false},
		{"in use, other host, old", mk(2, "bbbb", 48*time.Hour, 1), false},
		{"no comment", leftover{Name: Prefix + "x", Now: now}, false},
	} {
		_, got := collectable(tc.l, DefaultLeftoverGrace, "aaaa", alive)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestIdentitySame(t *testing.T) {
	a := identity{Database: "app", SystemID: "1", Addr: "10.0.0.1", Port: 5432}
	assert.True(t, a.same(a))
	assert.False(t, a.same(identity{Database: "app", SystemID: "2", Addr: "10.0.0.1", Port: 5432}), "another cluster behind the same address")
	assert.False(t, a.same(identity{Database: "other", SystemID: "1"}))
	assert.True(t, a.same(identity{Database: "app", SystemID: "1"}), "same cluster over a socket")
	assert.True(t, identity{Database: "app", Addr: "10.0.0.1", Port: 5432}.same(identity{Database: "app", Addr: "10.0.0.1", Port: 5432}))
	assert.False(t, identity{Database: "app", Addr: "10.0.0.1", Port: 5432}.same(identity{Database: "app", Addr: "10.0.0.1", Port: 5433}))
	assert.True(t, identity{Database: "app"}.same(identity{Database: "app"}), "cannot tell: refuse")
}

func TestSameSettings(t *testing.T) {
	ctx := t.Context()
	cfg := func(s string) *pgx.ConnConfig {
		c, err := dburl.Parse(s)
		assert.NoError(t, err)
		return c
	}
	assert.True(t, sameSettings(ctx, cfg("postgres://u@127.0.0.1:5432/app"), cfg("host=127.0.0.1 port=5432 dbname=app user=other")))
	assert.True(t, sameSettings(ctx, cfg("postgres://u@localhost:5432/app"), cfg("postgres://u@127.0.0.1/app")))
	assert.False(t, sameSettings(ctx, cfg("postgres://u@127.0.0.1:5432/app"), cfg("postgres://u@127.0.0.1:5432/shadow")))
	assert.False(t, sameSettings(ctx, cfg("postgres://u@127.0.0.1:5432/app"), cfg("postgres://u@127.0.0.1:5433/app")))
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	assert.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

func TestLeftoversCollected(t *testing.T) {
	ctx := t.Context()
	admin := pgtest.Server(t)
	conn := pgtest.Connect(t, admin)
	var now time.Time
	assert.NoError(t, conn.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now))

	create := func(c *comment) string {
		name := Prefix + pgtest.RandomSuffix()
		pgtest.Exec(t, admin, `CREATE DATABASE `+name)
		t.Cleanup(func() { pgtest.Exec(t, admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
		if c != nil {
			pgtest.Exec(t, admin, `COMMENT ON DATABASE `+name+` IS `+quoteLiteral(c.String()))
		}
		return name
	}
	killed := create(&comment{PID: deadPID(t), Host: hostHash, Created: now})
	reused := create(&comment{PID: pid, Host: hostHash, Created: now, Start: selfStart + 1})
	oldElsewhere := create(&comment{PID: 1, Host: "ffffffffffff", Created: now.Add(-25 * time.Hour)})
	// (Comments with the creator's start time, as guard writes them: a guard
	// built before it knew them, running on the same server, leaves them be.)
	hourElsewhere := create(&comment{PID: 1, Host: "ffffffffffff", Created: now.Add(-time.Hour), Start: 1})
	freshElsewhere := create(&comment{PID: 1, Host: "ffffffffffff", Created: now})
	live := create(&comment{PID: pid, Host: hostHash, Created: now.Add(-time.Hour), Start: selfStart})
	uncommented := create(nil)
	inUse := create(&comment{PID: deadPID(t), Host: hostHash, Created: now.Add(-time.Hour)})
	u, err := dburl.WithDatabase(admin, inUse)
	assert.NoError(t, err)
	pgtest.Connect(t, u) // another guard's session in it

	target, err := dburl.Parse(pgtest.DB(t))
	assert.NoError(t, err)
	p, err := NewProvider(ctx, WithTarget(target))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close(context.Background())) })
	assert.Equal(t, PlacementTarget, p.Placement())

	exists := func(name string) bool {
		var ok bool
		assert.NoError(t, conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&ok))
		return ok
	}
	assert.False(t, exists(killed), "a killed run's shadow is collected")
	if selfStart != 0 {
		assert.False(t, exists(reused), "a shadow whose creator's pid now names another process is collected")
	}
	assert.False(t, exists(oldElsewhere), "an unused shadow of another host older than the grace is collected")
	assert.True(t, exists(hourElsewhere), "another host's shadow within the grace is kept")
	assert.True(t, exists(freshElsewhere), "another host's fresh shadow is kept")
	assert.True(t, exists(live), "a live process's shadow is kept, however old")
	assert.True(t, exists(uncommented), "a database without guard's comment is kept")
	assert.True(t, exists(inUse), "a shadow with a connection is kept")
}

func TestProviderCloseAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	target, err := dburl.Parse(pgtest.DB(t))
	assert.NoError(t, err)
	p, err := NewProvider(ctx, WithTarget(target))
	assert.NoError(t, err)
	s, err := p.New(ctx)
	assert.NoError(t, err)
	cancel()
	assert.NoError(t, p.Close(ctx))
	conn := pgtest.Connect(t, pgtest.Server(t))
	var ok bool
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, s.Name()).Scan(&ok))
	assert.False(t, ok)
}

func TestTemplateCommentRoundTrip(t *testing.T) {
	used := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tm := template{Comment: templateComment(5, used, "0123abcd")}
	at, ok := tm.lastUsed()
	assert.True(t, ok)
	assert.Equal(t, used, at)
	assert.Equal(t, "0123abcd", tm.history())

	// Written before templates named their history: its age still tells.
	legacy := template{Comment: "guard template version=5 used=2024-05-06T07:08:09Z"}
	at, ok = legacy.lastUsed()
	assert.True(t, ok)
	assert.Equal(t, used, at)
	assert.Equal(t, "", legacy.history())

	for _, bad := range []string{"", "guard template version=5", comment{PID: 1, Host: "ab", Created: used}.String()} {
		_, ok := template{Comment: bad}.lastUsed()
		assert.False(t, ok, bad)
	}
}
