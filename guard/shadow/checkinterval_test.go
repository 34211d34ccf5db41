package shadow_test

import (
	"context"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/internal/pgtest"
)

func checkInterval(t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) string {
	t.Helper()
	var v string
	assert.NoError(t, q.QueryRow(t.Context(), `SHOW client_connection_check_interval`).Scan(&v))
	return v
}

// Every shadow session, whatever made it (an empty shadow, a copy of a
// template, a view of one; on the target's server or a shadow URL's),
// checks that its client is still there while a statement runs.
func TestShadowSessionsCheckTheirClient(t *testing.T) {
	src := ownExample(t)
	head := src.Head()
	for _, withURL := range []bool{false, true} {
		opts := []shadow.Option{shadow.WithTarget(parse(t, pgtest.DB(t))), shadow.WithTemplateCache(true)}
		if withURL {
			opts = append(opts, shadow.WithShadowURL(pgtest.Server(t)))
		}
		p, err := shadow.NewProvider(t.Context(), opts...)
		assert.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, p.Close(context.Background())) })
		dropTemplates(t, p, src)

		sh, err := p.New(t.Context())
		assert.NoError(t, err)
		assert.Equal(t, "1s", checkInterval(t, sh.Conn()), "new shadow, shadow URL %v", withURL)
		assert.NoError(t, sh.Drop(t.Context()))

		at, _, err := p.NewAt(t.Context(), src, head)
		assert.NoError(t, err)
		assert.Equal(t, "1s", checkInterval(t, at.Conn()), "shadow at head, shadow URL %v", withURL)
		assert.NoError(t, at.Drop(t.Context()))

		view, _, err := p.View(t.Context(), src, head)
		assert.NoError(t, err)
		assert.True(t, view.View())
		assert.Equal(t, "1s", checkInterval(t, view.Querier()), "view, shadow URL %v", withURL)
		assert.NoError(t, view.Drop(t.Context()))
	}
}

// A guard killed with SIGKILL mid-file leaves nothing running on the server:
// the shadow session notices its client is gone and ends the statement (a
// pg_sleep(60) here).
func TestSIGKILLEndsTheShadowsStatement(t *testing.T) {
	cmd, name, _ := startReplayer(t)
	t.Cleanup(func() {
		pgtest.Exec(t, pgtest.Server(t), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
	})
	waitSleeping(t, name)

	assert.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	// Polled, within a bound well under the 60 s of the statement.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	conn := pgtest.Connect(t, pgtest.Server(t))
	n := -1
	for {
		var active int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active'`, name).Scan(&active); err == nil {
			n = active
		}
		if n == 0 {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("the shadow's statement still runs after the guard was killed (%d active)", n)
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
