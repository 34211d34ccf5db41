package serve

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/internal/pgtest"
)

// TestServeTheIssuesFlow: register, change the target's schema, a drift
// event with the right changes, one signed webhook, verified; promote via
// the API; the next check shows no drift.
func TestServeTheIssuesFlow(t *testing.T) {
	s, state, base := apiServer(t, fastSchedule())
	ctx := t.Context()
	adminKey, _, err := s.CreateKey(ctx, "ops", ScopeAdmin)
	assert.NoError(t, err)
	readKey, _, err := s.CreateKey(ctx, "dash", ScopeRead)
	assert.NoError(t, err)
	c := client{t: t, base: base, key: adminKey}
	reader := client{t: t, base: base, key: readKey}
	target := pgtest.DB(t)
	pgtest.Exec(t, target, `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL); CREATE TABLE notes (id int)`)
	c.json("POST", "/v1/targets", map[string]any{"name": "app", "url": target, "interval_seconds": 3600}, 201, nil)

	// Lock users in auto mode through the API (a live read of the target).
	var lr contract.LockResult
	c.json("POST", "/v1/targets/app/contract/lock", map[string]any{"tables": []string{"users"}, "mode": "auto"}, 200, &lr)
	assert.Equal(t, []string{"public.users"}, lr.Locked)
	code, _, body := c.do("POST", "/v1/targets/app/contract/lock", map[string]any{"tables": []string{"users"}})
	assert.Equal(t, 409, code, "locking a locked table")
	assert.Equal(t, "conflict", errorCode(t, body))
	code, _, body = c.do("POST", "/v1/targets/app/contract/lock", map[string]any{"tables": []string{"nosuch"}})
	assert.Equal(t, 404, code)
	assert.Equal(t, "not_found", errorCode(t, body))
	code, _, _ = c.do("PUT", "/v1/targets/app/contract/mode", map[string]any{"mode": "frozen"})
	assert.Equal(t, 400, code)
	for _, p := range []string{"/v1/targets/app/contract/unlock", "/v1/targets/app/contract/promote", "/v1/targets/app/contract/lock"} {
		code, _, _ = reader.do("POST", p, map[string]any{"all": true})
		assert.Equal(t, 403, code, p)
	}
	code, _, _ = reader.do("PUT", "/v1/targets/app/contract/mode", map[string]any{"mode": "none"})
	assert.Equal(t, 403, code)
	code, _, _ = c.do("POST", "/v1/targets/app/contract/promote", map[string]any{})
	assert.Equal(t, 400, code, "promote names tables or says all")
	var view ContractView
	reader.json("GET", "/v1/targets/app/contract", nil, 200, &view)
	assert.Equal(t, "service", view.Source)
	assert.Equal(t, contract.ModeAuto, view.Contract.Mode)
	assert.Equal(t, 1, len(view.Contract.Tables))

	rcv := newReceiver(t, ok200)
	var wh Webhook
	c.json("POST", "/v1/webhooks", map[string]any{"target": "app", "url": rcv.srv.URL, "allow_private": true}, 201, &wh)
	run(t, s)
	eventually(t, "the first version", func() bool {
		tg, err := s.Target(ctx, "app")
		return err == nil && tg.LatestVersion != nil && *tg.LatestVersion == 1
	})
	tg, err := s.Target(ctx, "app")
	assert.NoError(t, err)
	assert.Equal(t, "none", *tg.ContractDrift)

	pgtest.Exec(t, target, `ALTER TABLE users RENAME COLUMN email TO email_address`)
	due(t, state)
	eventually(t, "one signed webhook", func() bool { return len(rcv.received()) == 1 })
	got := rcv.received()[0]
	assert.True(t, independentVerify(t, wh.Secret, got.header, got.body))
	var evs list[Event]
	reader.json("GET", "/v1/targets/app/events", nil, 200, &evs)
	assert.Equal(t, 1, len(evs.Items))
	assert.Equal(t, "column_renamed", string(evs.Items[0].Changes[0].Kind))
	assert.Equal(t, 1, len(evs.Items[0].Changes))
	assert.True(t, evs.Items[0].Blocked)

	code, h, body := reader.do("GET", "/v1/targets/app/contract/diff", nil)
	assert.Equal(t, 200, code)
	assert.Equal(t, "breaking", h.Get("X-Schema-Drift"))
	var cd ContractDrift
	assert.NoError(t, json.Unmarshal(body, &cd))
	assert.Equal(t, 2, *cd.Version)
	assert.True(t, cd.Report.Blocked)
	code, h, _ = reader.do("GET", "/v1/targets/app/contract/diff?table=users&check=true", nil)
	assert.Equal(t, 200, code)
	assert.Equal(t, "breaking", h.Get("X-Schema-Drift"))
	code, _, _ = reader.do("GET", "/v1/targets/app/contract/diff?table=notes", nil)
	assert.Equal(t, 404, code, "notes is not locked")

	var pr contract.PromoteResult
	c.json("POST", "/v1/targets/app/contract/promote", map[string]any{"tables": []string{"users"}}, 200, &pr)
	assert.Equal(t, []string{"public.users"}, pr.Promoted)
	code, h, _ = reader.do("GET", "/v1/targets/app/contract/diff?check=true", nil)
	assert.Equal(t, 200, code)
	assert.Equal(t, "none", h.Get("X-Schema-Drift"))

	before := count(t, s, `SELECT checks::int FROM guard_serve.targets`)
	due(t, state)
	eventually(t, "the next check", func() bool { return count(t, s, `SELECT checks::int FROM guard_serve.targets`) > before })
	tg, err = s.Target(ctx, "app")
	assert.NoError(t, err)
	assert.Equal(t, "none", *tg.ContractDrift, "the next check shows no drift")
	assert.False(t, *tg.ContractBlocked)
	code, h, _ = reader.do("GET", "/v1/targets/app/contract", nil)
	assert.Equal(t, 200, code)
	assert.Equal(t, "none", h.Get("X-Schema-Drift"))
	assert.Equal(t, 1, len(rcv.received()), "no more webhooks")

	var un map[string][]string
	c.json("POST", "/v1/targets/app/contract/unlock", map[string]any{"all": true}, 200, &un)
	assert.Equal(t, []string{"public.users"}, un["unlocked"])
}

func TestServeContractFileIsReadOnlyHere(t *testing.T) {
	s, _, base := apiServer(t)
	ctx := t.Context()
	key, _, err := s.CreateKey(ctx, "ops", ScopeAdmin)
	assert.NoError(t, err)
	c := client{t: t, base: base, key: key}
	path := filepath.Join(t.TempDir(), "guard.contract.json")
	k := contract.New()
	k.SetMode(contract.ModeStrict)
	assert.NoError(t, k.Save(path))
	target := pgtest.DB(t)
	c.json("POST", "/v1/targets", map[string]any{"name": "app", "url": target, "contract_path": path}, 201, nil)
	var view ContractView
	c.json("GET", "/v1/targets/app/contract", nil, 200, &view)
	assert.Equal(t, "file", view.Source)
	assert.Equal(t, contract.ModeStrict, view.Contract.Mode)
	before, err := os.ReadFile(path)
	assert.NoError(t, err)
	code, _, body := c.do("PUT", "/v1/targets/app/contract/mode", map[string]any{"mode": "none"})
	assert.Equal(t, 409, code)
	assert.Contains(t, errorMessage(t, body), "file")
	after, err := os.ReadFile(path)
	assert.NoError(t, err)
	assert.Equal(t, string(before), string(after))

	// A live check of an unreachable target: 502, one line, no password.
	c.json("POST", "/v1/targets", map[string]any{"name": "gone", "url": strings.Replace(target, "/guard_test_", "/guard_missing_", 1)}, 201, nil)
	code, _, body = c.do("POST", "/v1/targets/gone/contract/lock", nil)
	assert.Equal(t, 502, code)
	assert.Equal(t, "target_unreachable", errorCode(t, body))
}

func errorMessage(t testing.TB, body []byte) string {
	t.Helper()
	var e ErrorBody
	assert.NoError(t, json.Unmarshal(body, &e))
	return e.Error.Message
}
