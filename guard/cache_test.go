package guard_test

import (
	"context"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestWarmPlanRunsInAViewOfTheCachedHistory(t *testing.T) {
	var m made
	url := pgtest.DB(t)
	ctx := context.Background()
	golangMigrate(t, url, example(t, 5))
	r := runner(t, url, own(t, example(t, 6)), guard.WithShadowCache(true), track(t, &m))
	cold, err := r.Plan(ctx)
	assert.NoError(t, err)
	assert.False(t, cold.Shadow.Warm)
	assert.True(t, cold.Shadow.View, "the template just built is viewed, not copied")
	assert.Equal(t, 1, len(m.templates), "the cold plan cached the applied history (and the test drops it)")
	warm, err := r.Plan(ctx)
	assert.NoError(t, err)
	assert.True(t, warm.Shadow.Warm)
	assert.True(t, warm.Shadow.View)
	assert.Equal(t, cold.Steps, warm.Steps)
	assert.Equal(t, 0, len(warm.HistoryDrift), "the schema kept with the template is the live one")
	assert.Equal(t, "column_renamed", string(warm.Steps[0].Changes.Tables[0].Items[0].Kind))

	// The view was rolled back: applying for real still sees the rename.
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(res.Applied))
	st, err := r.Status(ctx, guard.CheckDrift())
	assert.NoError(t, err)
	assert.True(t, st.DriftChecked)
	assert.Equal(t, 0, len(st.HistoryDrift))
}

func TestPlanFallsBackToACopyWhenAViewCannot(t *testing.T) {
	var m made
	url := pgtest.DB(t)
	ctx := context.Background()
	base := files("1_a.up.sql", "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE a (id int, m mood);")
	golangMigrate(t, url, base)

	// Must run alone: never in a view.
	fsys := own(t, files("1_a.up.sql", "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE a (id int, m mood);",
		"2_b.up.sql", "CREATE INDEX CONCURRENTLY a_id ON a (id);"))
	plan, err := runner(t, url, fsys, guard.WithShadowCache(true), track(t, &m)).Plan(ctx)
	assert.NoError(t, err)
	assert.False(t, plan.Shadow.View)
	assert.Equal(t, "index_added", string(plan.Steps[0].Changes.Tables[0].Items[0].Kind))

	// Fails in one transaction only (a value added, then used): the view
	// fails, the copy answers.
	fsys = own(t, files("1_a.up.sql", "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE a (id int, m mood);",
		"2_b.up.sql", "ALTER TYPE mood ADD VALUE 'meh';",
		"3_c.up.sql", "ALTER TABLE a ALTER COLUMN m SET DEFAULT 'meh';"))
	plan, err = runner(t, url, fsys, guard.WithShadowCache(true), track(t, &m)).Plan(ctx)
	assert.NoError(t, err)
	assert.False(t, plan.Shadow.View)
	assert.True(t, plan.Shadow.Warm)
	assert.Equal(t, 2, len(plan.Steps))
}
