package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/go-chi/chi/v5"

	"github.com/schemaguard/guard/internal/pgtest"
)

type client struct {
	t    testing.TB
	base string
	key  string
}

func (c client) do(method, path string, body any, header ...string) (int, http.Header, []byte) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		assert.NoError(c.t, err)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, r)
	assert.NoError(c.t, err)
	if c.key != "" {
		req.Header.Set("X-API-Key", c.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	assert.NoError(c.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	assert.NoError(c.t, err)
	return resp.StatusCode, resp.Header, out
}

func (c client) json(method, path string, body any, wantStatus int, into any) {
	c.t.Helper()
	code, _, out := c.do(method, path, body)
	assert.Equal(c.t, wantStatus, code, "%s %s: %s", method, path, out)
	if into != nil {
		assert.NoError(c.t, json.Unmarshal(out, into), "%s", out)
	}
}

func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e ErrorBody
	assert.NoError(t, json.Unmarshal(body, &e), "%s", body)
	assert.NotEqual(t, "", e.Error.Message)
	assert.NotContains(t, e.Error.Message, "\n")
	return e.Error.Code
}

func apiServer(t testing.TB, opts ...Option) (*Service, string, string) {
	t.Helper()
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), opts...)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, state, srv.URL
}

func TestServeAPIKeys(t *testing.T) {
	now := time.Now()
	var offset atomic.Int64
	s, _, base := apiServer(t, WithAuthFailureLimit(3, time.Minute),
		withClock(func() time.Time { return now.Add(time.Duration(offset.Load())) }))
	ctx := t.Context()
	adminKey, ak, err := s.CreateKey(ctx, "ops", ScopeAdmin)
	assert.NoError(t, err)
	readKey, _, err := s.CreateKey(ctx, "dash", ScopeRead)
	assert.NoError(t, err)
	assert.True(t, strings.HasPrefix(adminKey, ak.Prefix+"_"))
	_, _, err = s.CreateKey(ctx, "x", "write")
	assert.Error(t, err)

	// Stored as a hash: the key itself is nowhere in the table.
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM guard_serve.api_keys WHERE position($1 in hash::text || prefix || name) > 0`, adminKey))

	noKey := client{t: t, base: base}
	code, _, body := noKey.do("GET", "/v1/targets", nil)
	assert.Equal(t, 401, code)
	assert.Equal(t, "unauthorized", errorCode(t, body))
	code, _, _ = noKey.do("GET", "/health", nil)
	assert.Equal(t, 200, code, "/health needs no key")

	// Both headers work.
	code, _, _ = noKey.do("GET", "/v1/targets", nil, "Authorization", "Bearer "+readKey)
	assert.Equal(t, 200, code)
	code, _, _ = client{t: t, base: base, key: readKey}.do("GET", "/v1/targets", nil)
	assert.Equal(t, 200, code)

	// A read key cannot change anything.
	code, _, body = client{t: t, base: base, key: readKey}.do("POST", "/v1/targets", TargetSpec{Name: "a", URL: pgtest.DB(t)})
	assert.Equal(t, 403, code)
	assert.Equal(t, "forbidden", errorCode(t, body))
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM guard_serve.targets`))

	// A wrong key (right prefix, wrong secret), then a revoked one.
	wrong := adminKey[:len(adminKey)-4] + "AAAA"
	code, _, _ = client{t: t, base: base, key: wrong}.do("GET", "/v1/targets", nil)
	assert.Equal(t, 401, code)
	assert.NoError(t, s.RevokeKey(ctx, readKey))
	code, _, _ = client{t: t, base: base, key: readKey}.do("GET", "/v1/targets", nil)
	assert.Equal(t, 401, code)
	// That is three failures from this address (no key, wrong, revoked):
	// the next request is refused, even with a good key, until the window ends.
	code, h, body := client{t: t, base: base, key: adminKey}.do("GET", "/v1/targets", nil)
	assert.Equal(t, 429, code)
	assert.Equal(t, "rate_limited", errorCode(t, body))
	assert.NotEqual(t, "", h.Get("Retry-After"))
	offset.Store(int64(time.Minute))
	code, _, _ = client{t: t, base: base, key: adminKey}.do("GET", "/v1/targets", nil)
	assert.Equal(t, 200, code)

	keys, err := s.Keys(ctx)
	assert.NoError(t, err)
	assert.Equal(t, 2, len(keys))
	assert.NotZero(t, keys[1].RevokedAt)
	assert.IsError(t, s.RevokeKey(ctx, "gsk_00000000"), ErrNotFound)
}

func TestServeAPITargetsVersionsEvents(t *testing.T) {
	s, state, base := apiServer(t)
	ctx := t.Context()
	key, _, err := s.CreateKey(ctx, "ops", ScopeAdmin)
	assert.NoError(t, err)
	c := client{t: t, base: base, key: key}
	target := pgtest.DB(t)
	pgtest.Exec(t, target, `CREATE TABLE users (id bigint PRIMARY KEY, email text)`)

	var tg Target
	c.json("POST", "/v1/targets", map[string]any{"name": "app", "url": target, "interval_seconds": 30}, 201, &tg)
	assert.Equal(t, "app", tg.Name)
	code, _, body := c.do("GET", "/v1/targets/app", nil)
	assert.Equal(t, 200, code)
	assert.NotContains(t, string(body), target, "the URL is never returned")
	code, _, body = c.do("POST", "/v1/targets", map[string]any{"name": "app", "url": target})
	assert.Equal(t, 409, code)
	assert.Equal(t, "conflict", errorCode(t, body))

	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email`)
	due(t, state)
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)

	var vs list[Version]
	c.json("GET", "/v1/targets/app/versions?limit=1", nil, 200, &vs)
	assert.Equal(t, 1, len(vs.Items))
	assert.Equal(t, 2, vs.Items[0].Number)
	assert.Equal(t, int64(2), *vs.NextBefore)
	c.json("GET", "/v1/targets/app/versions?limit=1&before=2", nil, 200, &vs)
	assert.Equal(t, 1, vs.Items[0].Number)
	code, h, body := c.do("GET", "/v1/targets/app/versions/latest", nil)
	assert.Equal(t, 200, code)
	assert.Equal(t, "breaking", h.Get("X-Schema-Drift"))
	var v Version
	assert.NoError(t, json.Unmarshal(body, &v))
	assert.Equal(t, 2, v.Number)
	assert.Equal(t, 1, len(v.Schema.Tables[0].Columns))
	code, h, _ = c.do("GET", "/v1/targets/app/versions/1", nil)
	assert.Equal(t, 200, code)
	assert.Equal(t, "none", h.Get("X-Schema-Drift"))
	var d DiffResult
	c.json("GET", "/v1/targets/app/diff?from=1&to=2", nil, 200, &d)
	assert.Equal(t, "breaking", d.Impact)
	assert.Equal(t, "column_removed", string(d.Changes[0].Kind))

	var evs list[Event]
	c.json("GET", "/v1/targets/app/events", nil, 200, &evs)
	assert.Equal(t, 1, len(evs.Items))
	var e Event
	c.json("GET", fmt.Sprintf("/v1/events/%d", evs.Items[0].ID), nil, 200, &e)
	assert.Equal(t, "drift", e.Kind)

	c.json("DELETE", "/v1/targets/app", nil, 204, nil)
	code, _, body = c.do("GET", "/v1/targets/app", nil)
	assert.Equal(t, 404, code)
	assert.Equal(t, "not_found", errorCode(t, body))
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM guard_serve.versions`))
}

func TestServeAPIBadInput(t *testing.T) {
	s, _, base := apiServer(t)
	key, _, err := s.CreateKey(t.Context(), "ops", ScopeAdmin)
	assert.NoError(t, err)
	c := client{t: t, base: base, key: key}
	good := pgtest.DB(t)
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"unknown target", "GET", "/v1/targets/nope", nil, 404, "not_found"},
		{"unknown target versions", "GET", "/v1/targets/nope/versions", nil, 404, "not_found"},
		{"unknown event", "GET", "/v1/events/999", nil, 404, "not_found"},
		{"bad event id", "GET", "/v1/events/x", nil, 400, "bad_request"},
		{"bad limit", "GET", "/v1/targets/nope/events?limit=0", nil, 400, "bad_request"},
		{"bad diff", "GET", "/v1/targets/nope/diff?from=a", nil, 400, "bad_request"},
		{"malformed URL", "POST", "/v1/targets", `{"name":"a","url":"postgres://u:hunter2@h:x/db"}`, 400, "bad_request"},
		{"bad JSON", "POST", "/v1/targets", `{"name":`, 400, "bad_request"},
		{"empty body", "POST", "/v1/targets", ``, 400, "bad_request"},
		{"unknown field", "POST", "/v1/targets", `{"name":"a","url":"` + good + `","colour":"red"}`, 400, "bad_request"},
		{"trailing data", "POST", "/v1/targets", `{"name":"a","url":"` + good + `"} {}`, 400, "bad_request"},
		{"oversized body", "POST", "/v1/targets", `{"name":"a","url":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, 413, "too_large"},
		{"bad webhook URL", "POST", "/v1/webhooks", `{"url":"ftp://x"}`, 400, "bad_request"},
		{"bad webhook event", "POST", "/v1/webhooks", `{"url":"https://example.com","events":["everything"]}`, 400, "bad_request"},
		{"patch unknown webhook", "PATCH", "/v1/webhooks/42", `{"enabled":true}`, 404, "not_found"},
		{"patch bad field", "PATCH", "/v1/webhooks/42", `{"secret":"x"}`, 400, "bad_request"},
		{"unknown endpoint", "GET", "/v1/nothing", nil, 404, "not_found"},
		{"wrong method", "PUT", "/v1/targets", nil, 405, "method_not_allowed"},
	} {
		code, h, body := c.do(tc.method, tc.path, tc.body)
		assert.Equal(t, tc.status, code, "%s: %s", tc.name, body)
		assert.Equal(t, tc.code, errorCode(t, body), tc.name)
		assert.Equal(t, "application/json", h.Get("Content-Type"), tc.name)
		assert.NotContains(t, string(body), "hunter2", tc.name)
	}
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM guard_serve.targets`), "bad input changes nothing")
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM guard_serve.webhooks`))
}

// TestServeOpenAPIDocumentsEveryRoute walks the router: every route it
// serves is a path of /openapi.json with that method, and back.
func TestServeOpenAPIDocumentsEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	assert.NoError(t, json.Unmarshal(openAPI, &doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	s := &Service{metrics: newMetrics()}
	err := chi.Walk(s.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if route == "/" || strings.HasPrefix(route, "/ui/") {
			return nil // the web UI's HTML pages, not the JSON API
		}
		served[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	})
	assert.NoError(t, err)
	assert.Equal(t, documented, served)
}
