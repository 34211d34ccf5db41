package serve

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/internal/pgtest"
)

// uiClient is a browser-like HTTP client of the UI: a cookie jar, no
// redirects followed, an Origin header unless told otherwise.
type uiClient struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func newUIClient(t testing.TB, base string, hc *http.Client) *uiClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	assert.NoError(t, err)
	c := *hc
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &uiClient{t: t, base: base, hc: &c}
}

// do sends a request; header pairs are set (an empty value deletes it).
func (c *uiClient) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, body)
	assert.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.base)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := c.hc.Do(req)
	assert.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	assert.NoError(c.t, err)
	return resp, string(b)
}

func (c *uiClient) login(key string) *http.Response {
	c.t.Helper()
	resp, _ := c.do("POST", "/ui/login", url.Values{"key": {key}})
	return resp
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *uiClient) csrf(path string) string {
	c.t.Helper()
	resp, body := c.do("GET", path, nil)
	assert.Equal(c.t, 200, resp.StatusCode, "%s", body)
	m := csrfField.FindStringSubmatch(body)
	assert.True(c.t, m != nil, "no csrf field on %s", path)
	return m[1]
}

func sessionCookie(t testing.TB, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == uiSessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie set", uiSessionCookie)
	return nil
}

// TestServeUIHTTPSecurity: the session cookie's flags, the CSP, CSRF and
// Origin checks, read keys refused, logout, without a browser.
func TestServeUIHTTPSecurity(t *testing.T) {
	s, _, base := apiServer(t)
	ctx := t.Context()
	adminKey, _, err := s.CreateKey(ctx, "ops", ScopeAdmin)
	assert.NoError(t, err)
	readKey, _, err := s.CreateKey(ctx, "dash", ScopeRead)
	assert.NoError(t, err)
	_, err = s.RegisterTarget(ctx, TargetSpec{Name: "app", URL: pgtest.DB(t), IntervalSeconds: 3600})
	assert.NoError(t, err)
	mode := func() contract.Mode {
		v, err := s.Contract(ctx, "app")
		assert.NoError(t, err)
		return v.Contract.Mode
	}

	c := newUIClient(t, base, http.DefaultClient)
	resp, _ := c.do("GET", "/", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/ui/", resp.Header.Get("Location"))
	for _, p := range []string{"/ui", "/ui/", "/ui/webhooks", "/ui/targets/app"} {
		resp, _ = c.do("GET", p, nil)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s: not signed in", p)
	}
	assert.Equal(t, "/ui/login", resp.Header.Get("Location"))
	resp, body := c.do("GET", "/ui/login", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, uiCSP, resp.Header.Get("Content-Security-Policy"))
	assert.Contains(t, uiCSP, "default-src 'self'")
	assert.NotContains(t, uiCSP, "unsafe-inline")
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.NotContains(t, body, "<script>", "no inline script")
	assert.NotContains(t, body, "style=", "no inline style")
	resp, _ = c.do("GET", "/ui/static/ui.js", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, uiCSP, resp.Header.Get("Content-Security-Policy"))

	// Sign-in: a wrong key, a sign-in without Origin (refused: login CSRF),
	// then the admin key.
	assert.Equal(t, http.StatusUnauthorized, c.login("gsk_00000000_nope").StatusCode)
	resp, _ = c.do("POST", "/ui/login", url.Values{"key": {adminKey}}, "Origin", "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no Origin nor Referer")
	resp = c.login(adminKey)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/ui/", resp.Header.Get("Location"), "the key is never in a URL")
	ck := sessionCookie(t, resp)
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	assert.False(t, ck.Secure, "plain HTTP")
	assert.Equal(t, "/ui", ck.Path)
	assert.NotContains(t, ck.Value, adminKey)
	assert.NotContains(t, ck.Value, strings.SplitN(adminKey, "_", 3)[2], "the cookie holds the key sealed, not in the clear")

	token := c.csrf("/ui/targets/app")
	post := func(path string, form url.Values, header ...string) int {
		t.Helper()
		resp, body := c.do("POST", path, form, header...)
		if resp.StatusCode == 403 {
			assert.Contains(t, body, "Refused")
		}
		return resp.StatusCode
	}
	assert.Equal(t, 403, post("/ui/targets/app/mode", url.Values{"mode": {"strict"}}), "no CSRF token")
	assert.Equal(t, 403, post("/ui/targets/app/mode", url.Values{"mode": {"strict"}, "csrf": {token + "x"}}), "a wrong CSRF token")
	assert.Equal(t, 403, post("/ui/targets/app/mode", url.Values{"mode": {"strict"}, "csrf": {token}}, "Origin", ""), "no Origin nor Referer")
	assert.Equal(t, 403, post("/ui/targets/app/mode", url.Values{"mode": {"strict"}, "csrf": {token}}, "Origin", "http://evil.example"), "a foreign Origin")
	assert.Equal(t, 403, post("/ui/targets/app/mode", url.Values{"mode": {"strict"}, "csrf": {token}}, "Origin", "", "Referer", "http://evil.example/ui/"), "a foreign Referer")
	assert.Equal(t, contract.ModeNone, mode(), "nothing refused changed anything")
	assert.Equal(t, 303, post("/ui/targets/app/mode", url.Values{"mode": {"strict"}, "csrf": {token}}))
	assert.Equal(t, contract.ModeStrict, mode())
	resp, body = c.do("GET", "/ui", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, body, `data-target="app"`)
	resp, _ = c.do("GET", "/ui/targets/app/history?from=1&to=x", nil)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, 303, post("/ui/targets/app/mode", url.Values{"mode": {"auto"}, "csrf": {token}}, "Origin", "", "Referer", base+"/ui/targets/app"), "a same-origin Referer")
	assert.Equal(t, contract.ModeAuto, mode())
	assert.Equal(t, 400, post("/ui/targets/app/mode", url.Values{"mode": {"frozen"}, "csrf": {token}}))

	// Another session's token does not pass.
	other := newUIClient(t, base, http.DefaultClient)
	other.login(adminKey)
	resp, _ = other.do("POST", "/ui/targets/app/mode", url.Values{"mode": {"none"}, "csrf": {token}})
	assert.Equal(t, 403, resp.StatusCode, "a token of another session")

	// A read key sees the pages, and is refused every change, with a good
	// token and Origin.
	reader := newUIClient(t, base, http.DefaultClient)
	assert.Equal(t, 303, reader.login(readKey).StatusCode)
	rt := reader.csrf("/ui/targets/app")
	for _, p := range []string{"/ui/targets/app/mode", "/ui/targets/app/lock", "/ui/targets/app/unlock", "/ui/targets/app/promote", "/ui/targets/app/check", "/ui/deliveries/1/redeliver"} {
		resp, _ := reader.do("POST", p, url.Values{"mode": {"strict"}, "table": {"public.users"}, "csrf": {rt}})
		assert.Equal(t, 403, resp.StatusCode, p)
	}
	assert.Equal(t, contract.ModeAuto, mode())
	_, body = reader.do("GET", "/ui/targets/app", nil)
	assert.Contains(t, body, `id="set-mode" disabled`)

	// Logout needs the token too; then the session is gone.
	assert.Equal(t, 403, post("/ui/logout", url.Values{}))
	resp, _ = c.do("POST", "/ui/logout", url.Values{"csrf": {token}})
	assert.Equal(t, 303, resp.StatusCode)
	assert.Equal(t, -1, sessionCookie(t, resp).MaxAge)
	resp, _ = c.do("GET", "/ui/", nil)
	assert.Equal(t, 303, resp.StatusCode, "signed out")

	// A revoked key ends its sessions.
	assert.NoError(t, s.RevokeKey(ctx, readKey))
	resp, _ = reader.do("GET", "/ui/", nil)
	assert.Equal(t, 303, resp.StatusCode)
	assert.Equal(t, "/ui/login", resp.Header.Get("Location"))
}

// TestServeUISecureCookieOnTLS: over TLS the session cookie is Secure and
// an http:// Origin is refused.
func TestServeUISecureCookieOnTLS(t *testing.T) {
	s, _, _ := apiServer(t)
	key, _, err := s.CreateKey(t.Context(), "ops", ScopeAdmin)
	assert.NoError(t, err)
	srv := httptest.NewTLSServer(s.Handler())
	t.Cleanup(srv.Close)
	c := newUIClient(t, srv.URL, srv.Client())
	resp := c.login(key)
	assert.Equal(t, 303, resp.StatusCode)
	ck := sessionCookie(t, resp)
	assert.True(t, ck.Secure)
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	plain := strings.Replace(srv.URL, "https://", "http://", 1)
	resp, _ = c.do("POST", "/ui/login", url.Values{"key": {key}}, "Origin", plain)
	assert.Equal(t, 403, resp.StatusCode, "an http Origin on TLS")
}

// TestServeUILockAllUnlockPromote: the confirmation pages say what each
// action changes, and the actions change the contract as the API would.
func TestServeUILockAllUnlockPromote(t *testing.T) {
	s, state, base := apiServer(t)
	ctx := t.Context()
	key, _, err := s.CreateKey(ctx, "ops", ScopeAdmin)
	assert.NoError(t, err)
	db := pgtest.DB(t)
	pgtest.Exec(t, db, `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL); CREATE TABLE notes (id int)`)
	_, err = s.RegisterTarget(ctx, TargetSpec{Name: "app", URL: db, IntervalSeconds: 3600})
	assert.NoError(t, err)
	c := newUIClient(t, base, http.DefaultClient)
	assert.Equal(t, 303, c.login(key).StatusCode)
	locked := func() []string {
		v, err := s.Contract(ctx, "app")
		assert.NoError(t, err)
		var out []string
		for _, lt := range v.Contract.Tables {
			out = append(out, lt.Table)
		}
		return out
	}

	token := c.csrf("/ui/targets/app/confirm?action=lock")
	_, body := c.do("GET", "/ui/targets/app/confirm?action=lock", nil)
	assert.Contains(t, body, "<code>public.notes</code>")
	assert.Contains(t, body, "<code>public.users</code>")
	assert.Contains(t, body, "mode auto")
	assert.Equal(t, 0, len(locked()), "a confirmation page changes nothing")
	resp, _ := c.do("POST", "/ui/targets/app/lock", url.Values{"all": {"1"}, "csrf": {token}})
	assert.Equal(t, 303, resp.StatusCode)
	assert.Equal(t, "/ui/targets/app?done=locked_all", resp.Header.Get("Location"))
	assert.Equal(t, []string{"public.notes", "public.users"}, locked())
	v, err := s.Contract(ctx, "app")
	assert.NoError(t, err)
	assert.Equal(t, contract.ModeAuto, v.Contract.Mode)

	resp, _ = c.do("GET", "/ui/targets/app/confirm?action=lock&table=public.users", nil)
	assert.Equal(t, 409, resp.StatusCode, "locked already")
	resp, body = c.do("GET", "/ui/targets/app/confirm?action=promote&table=public.users", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, body, "promoting changes nothing")
	pgtest.Exec(t, db, `ALTER TABLE users ADD COLUMN name text`)
	_, body = c.do("GET", "/ui/targets/app/confirm?action=promote&table=public.users", nil)
	assert.Contains(t, body, "column_added", "the live drift, read now")
	assert.Contains(t, body, "SAFE")
	resp, _ = c.do("POST", "/ui/targets/app/promote", url.Values{"table": {"public.users"}, "csrf": {token}})
	assert.Equal(t, 303, resp.StatusCode)
	d, err := s.DiffContract(ctx, "app", nil, true)
	assert.NoError(t, err)
	assert.Equal(t, "none", d.Drift)

	_, body = c.do("GET", "/ui/targets/app/confirm?action=unlock&table=public.notes", nil)
	assert.Contains(t, body, "table removed from the contract")
	resp, _ = c.do("POST", "/ui/targets/app/unlock", url.Values{"table": {"public.notes"}, "csrf": {token}})
	assert.Equal(t, 303, resp.StatusCode)
	assert.Equal(t, []string{"public.users"}, locked())
	resp, _ = c.do("POST", "/ui/targets/app/unlock", url.Values{"table": {"public.notes"}, "csrf": {token}})
	assert.Equal(t, 404, resp.StatusCode, "not locked")
	// Views and enums have their own detail.
	pgtest.Exec(t, db, `CREATE TYPE mood AS ENUM ('happy', 'sad'); CREATE VIEW emails AS SELECT id, email FROM users`)
	due(t, state)
	n, err := s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	assert.Equal(t, 1, n)
	_, body = c.do("GET", "/ui/targets/app?view=public.emails", nil)
	assert.Contains(t, body, `<h2 id="detail-title">public.emails</h2>`)
	assert.Contains(t, body, "<code>email</code>")
	_, body = c.do("GET", "/ui/targets/app?enum=public.mood", nil)
	assert.Contains(t, body, "<li><code>happy</code></li><li><code>sad</code></li>")
	resp, _ = c.do("GET", "/ui/targets/app?view=public.nosuch", nil)
	assert.Equal(t, 404, resp.StatusCode)
	resp, _ = c.do("GET", "/ui/targets/nosuch", nil)
	assert.Equal(t, 404, resp.StatusCode)
	resp, _ = c.do("GET", "/ui/targets/app?table=public.nosuch", nil)
	assert.Equal(t, 404, resp.StatusCode)
}
