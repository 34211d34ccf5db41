package serve

import (
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

// TestServeMetrics scrapes /metrics after a drift event delivered to a
// webhook and an unreachable target.
func TestServeMetrics(t *testing.T) {
	s, state, base := apiServer(t, fastSchedule())
	target := watchedTarget(t, s)
	rcv := newReceiver(t, ok200)
	_, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL, AllowPrivate: true})
	assert.NoError(t, err)
	_, err = s.RegisterTarget(t.Context(), TargetSpec{Name: "gone", URL: strings.Replace(target, "/guard_test_", "/guard_missing_", 1)})
	assert.NoError(t, err)
	run(t, s)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email, ADD COLUMN bio text`)
	due(t, state)
	eventually(t, "the delivery", func() bool {
		return count(t, s, `SELECT count(*) FROM guard_serve.deliveries WHERE status = 'succeeded'`) == 1
	})
	code, h, body := client{t: t, base: base}.do("GET", "/metrics", nil)
	assert.Equal(t, 200, code, "/metrics needs no key")
	assert.Contains(t, h.Get("Content-Type"), "text/plain")
	m := string(body)
	for _, want := range []string{
		`guard_serve_target_schema_version{target="app"} 2`,
		`guard_serve_target_schema_version{target="gone"} 0`,
		`guard_serve_target_up{target="app"} 1`,
		`guard_serve_target_up{target="gone"} 0`,
		`guard_serve_drift_changes_total{impact="breaking"} 1`,
		`guard_serve_drift_changes_total{impact="safe"} 1`,
		`guard_serve_contract_blocked_changes_total 1`,
		`guard_serve_webhook_deliveries_total{result="succeeded"} 1`,
		`guard_serve_lease_takeovers_total 0`,
	} {
		assert.Contains(t, m, want)
	}
	assert.True(t, regexp.MustCompile(`guard_serve_target_seconds_since_success\{target="app"\} [0-9.e+-]+\n`).MatchString(m), m)
	assert.NotContains(t, m, `guard_serve_target_seconds_since_success{target="gone"}`, "never succeeded")
	assert.True(t, regexp.MustCompile(`guard_serve_check_duration_seconds_count\{result="ok"\} [1-9]`).MatchString(m))
	assert.True(t, regexp.MustCompile(`guard_serve_check_duration_seconds_count\{result="unreachable"\} [1-9]`).MatchString(m))
}
