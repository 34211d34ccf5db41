package guard_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/internal/pgtest"
)

// Plan refuses what Up refuses: an applied file edited since, with or
// without a pending file, unless edits are allowed.
func TestPlanRefusesAnEditedAppliedFileLikeUp(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files("1_a.up.sql", "CREATE TABLE a (id int);")
	_, err := runner(t, url, fsys).Up(ctx, 0)
	assert.NoError(t, err)

	fsys["1_a.up.sql"].Data = []byte("CREATE TABLE a (id bigint);")
	for _, pending := range []bool{false, true} {
		if pending {
			fsys["2_b.up.sql"] = files("x", "CREATE TABLE b (id int);")["x"]
		}
		_, upErr := runner(t, url, fsys).Up(ctx, 0)
		_, planErr := runner(t, url, fsys).Plan(ctx)
		var up, plan *guard.EditedError
		assert.True(t, errors.As(upErr, &up), "up, pending=%v: %v", pending, upErr)
		assert.True(t, errors.As(planErr, &plan), "plan, pending=%v: %v", pending, planErr)
		assert.Equal(t, up.Files, plan.Files)
		assert.Equal(t, "1_a.up.sql", plan.Files[0].File)
	}

	p, err := runner(t, url, fsys, guard.WithAllowEdited()).Plan(ctx)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(p.Steps))
	assert.False(t, query[bool](t, url, `SELECT to_regclass('b') IS NOT NULL`), "plan applies nothing")
}
