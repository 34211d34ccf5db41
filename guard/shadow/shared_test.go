package shadow_test

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

// Two projects share one shadow server (a CI server, say). The cleanup of
// one — leftover collection and its template budget — never drops the
// other's live shadows or templates: only its own templates beyond its
// budget, and leftovers provably dead.
func TestSharedShadowServer(t *testing.T) {
	ctx := t.Context()
	server := pgtest.Server(t)
	admin := pgtest.Connect(t, server)
	var now time.Time
	assert.NoError(t, admin.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now))
	exists := func(name string) bool {
		var ok bool
		assert.NoError(t, admin.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&ok))
		return ok
	}
	// leftover makes a shadow database with no connection, as a guard of
	// host (its hash) and process pid made it at created.
	// (With the creator's start time, as guard writes it: a guard built
	// before it knew it, running on the same server, leaves it be.)
	leftover := func(pid int, host string, created time.Time, start uint64) string {
		name := shadow.Prefix + pgtest.RandomSuffix()
		pgtest.Exec(t, server, `CREATE DATABASE `+name)
		t.Cleanup(func() { pgtest.Exec(t, server, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
		c := fmt.Sprintf("guard shadow database pid=%d host=%s created=%s start=%d", pid, host, created.UTC().Format(time.RFC3339Nano), max(start, 1))
		pgtest.Exec(t, server, `COMMENT ON DATABASE `+name+` IS '`+c+`'`)
		return name
	}

	// Project B: two cached templates, a shadow in use, and shadows without
	// a connection of a live guard of this host (another process, long
	// busy) and of a guard of another host, an hour old.
	srcB := own(t, fstest.MapFS{
		"1_b.up.sql": {Data: []byte("CREATE TABLE b1 (id int);")},
		"2_b.up.sql": {Data: []byte("CREATE TABLE b2 (id int);")},
	})
	pb, err := shadow.NewProvider(ctx, shadow.WithShadowURL(server))
	assert.NoError(t, err)
	defer pb.Close(ctx)
	dropTemplates(t, pb, srcB)
	for _, v := range []uint64{1, 2} {
		sh, _, err := pb.NewAt(ctx, srcB, source.V(v))
		assert.NoError(t, err)
		assert.NoError(t, sh.Drop(ctx))
	}
	bTemplates := templates(t, pb, srcB)
	assert.Equal(t, 2, len(bTemplates))
	inUse, err := pb.New(ctx)
	assert.NoError(t, err)
	defer inUse.Drop(ctx)
	busy := exec.Command("sleep", "120")
	assert.NoError(t, busy.Start())
	t.Cleanup(func() { _ = busy.Process.Kill(); _ = busy.Wait() })
	bBusy := leftover(busy.Process.Pid, shadow.HostHash, now.Add(-time.Hour), shadow.ProcessStart(busy.Process.Pid))
	bElsewhere := leftover(1, "ffffffffffff", now.Add(-time.Hour), 1)

	// A leftover of a killed run of this host: provably dead.
	dead := exec.Command("true")
	assert.NoError(t, dead.Run())
	killed := leftover(dead.Process.Pid, shadow.HostHash, now, 1)

	// Project A, with a budget of 2 templates, caches 4 of its history.
	files := fstest.MapFS{}
	for i := 1; i <= 4; i++ {
		files[fmt.Sprintf("%d_a.up.sql", i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "CREATE TABLE a%d (id int);", i)}
	}
	srcA := own(t, files)
	pa, err := shadow.NewProvider(ctx, shadow.WithShadowURL(server), shadow.WithTemplateBudget(2))
	assert.NoError(t, err)
	defer pa.Close(ctx)
	dropTemplates(t, pa, srcA)
	for v := uint64(1); v <= 4; v++ {
		sh, _, err := pa.NewAt(ctx, srcA, source.V(v))
		assert.NoError(t, err)
		assert.NoError(t, sh.Drop(ctx))
	}
	namesA, err := shadow.TemplateNames(pa, srcA, srcA.Head())
	assert.NoError(t, err)
	assert.Equal(t, []string{namesA[2], namesA[3]}, sortedAs(namesA, templates(t, pa, srcA)), "A keeps its 2 most recent")

	assert.False(t, exists(killed), "A collected the leftover of a killed run of this host")
	assert.Equal(t, bTemplates, templates(t, pb, srcB), "B's templates are not A's to evict")
	assert.True(t, exists(inUse.Name()), "B's shadow in use stays")
	assert.True(t, exists(bBusy), "a shadow of a live guard of this host stays, however old")
	assert.True(t, exists(bElsewhere), "another host's shadow stays within the (long) grace")

	// B still uses its templates.
	sh, warm, err := pb.NewAt(ctx, srcB, source.V(2))
	assert.NoError(t, err)
	assert.True(t, warm)
	assert.NoError(t, sh.Drop(context.WithoutCancel(ctx)))

	_, err = shadow.NewProvider(ctx, shadow.WithShadowURL(server), shadow.WithTemplateBudget(0))
	assert.Error(t, err)
}

// sortedAs returns those of names that are in have, in the order of names.
func sortedAs(names, have []string) []string {
	var out []string
	for _, n := range names {
		for _, h := range have {
			if h == n {
				out = append(out, n)
			}
		}
	}
	return out
}
