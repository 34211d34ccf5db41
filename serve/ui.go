package serve

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// The Schema Explorer: server-rendered pages (html/template, escaped
// everywhere) with one stylesheet and one script for progressive
// enhancement, all embedded. Every page works without the script.

//go:embed ui/templates/*.html ui/static/*
var uiFiles embed.FS

// uiCSP allows the UI's own files and nothing else: no inline script or
// style, no framing, forms only to itself.
const uiCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// uiSessionCookie is the session cookie's name, and uiSessionTTL how long
// a session lasts.
const (
	uiSessionCookie = "guard_session"
	uiSessionTTL    = 12 * time.Hour
	uiSessionAD     = "guard_serve.ui.session"
)

// uiPages are the templates, each parsed with the layout, once, when the
// UI first renders (not at every start of the guard binary: parsing them
// took a third of its initialisation).
var uiPages = sync.OnceValue(func() map[string]*template.Template {
	funcs := template.FuncMap{
		"when":   uiWhen,
		"whenp":  func(t *time.Time) string { return uiWhenP(t) },
		"short":  func(s string) string { return uiShort(s, 12) },
		"intp":   func(p *int) string { return uiIntP(p) },
		"strp":   func(p *string) string { return uiStrP(p) },
		"upper":  strings.ToUpper,
		"impact": func(v fmt.Stringer) string { return v.String() },
		"join":   strings.Join,
		"deref":  func(b *bool) bool { return b != nil && *b },
		"dot":    func(class, label string) uiDot { return uiDot{Class: class, Label: label} },
	}
	out := map[string]*template.Template{}
	names, err := fs.Glob(uiFiles, "ui/templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "ui/templates/"), ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(uiFiles, "ui/templates/layout.html", n))
	}
	return out
})

// uiSession is what the session cookie holds, sealed with the service's
// secret key (AES-256-GCM): the API key, the session's CSRF token and when
// it ends. It is opened on every request and the key authenticated again,
// so a revoked key ends its sessions at once, on every replica.
type uiSession struct {
	Key     string `json:"k"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"`
}

type uiCtxKey struct{}

// uiUser is the signed-in user of a request.
type uiUser struct {
	Key  *APIKey
	CSRF string
}

func (u *uiUser) canWrite() bool { return u != nil && u.Key.Scope == ScopeAdmin }

func userOf(r *http.Request) *uiUser {
	u, _ := r.Context().Value(uiCtxKey{}).(*uiUser)
	return u
}

// uiHandler is the Schema Explorer, mounted at /ui.
func (s *Service) uiHandler() http.Handler {
	r := chi.NewRouter()
	r.Use(uiHeaders)
	static, _ := fs.Sub(uiFiles, "ui/static")
	r.Get("/static/*", http.StripPrefix("/ui/static/", http.FileServerFS(static)).ServeHTTP)
	r.Get("/login", s.uiLoginPage)
	r.With(sameOrigin).Post("/login", s.uiLogin)
	r.Group(func(r chi.Router) {
		r.Use(s.uiSignedIn)
		r.Get("/", s.uiTargets)
		r.Get("/targets/{target}", s.uiExplorer)
		r.Get("/targets/{target}/confirm", s.uiConfirm)
		r.Get("/targets/{target}/history", s.uiHistory)
		r.Get("/webhooks", s.uiWebhooks)
		r.Group(func(r chi.Router) {
			r.Use(sameOrigin, csrfChecked)
			r.Post("/logout", s.uiLogout)
			r.Group(func(r chi.Router) {
				r.Use(uiAdmin)
				r.Post("/targets/{target}/mode", s.uiSetMode)
				r.Post("/targets/{target}/lock", s.uiContractAction("lock"))
				r.Post("/targets/{target}/unlock", s.uiContractAction("unlock"))
				r.Post("/targets/{target}/promote", s.uiContractAction("promote"))
				r.Post("/targets/{target}/check", s.uiCheckNow)
				r.Post("/deliveries/{id}/redeliver", s.uiRedeliver)
			})
		})
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		uiError(w, r, http.StatusNotFound, "No such page.")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		uiError(w, r, http.StatusMethodNotAllowed, "Method not allowed here.")
	})
	return r
}

// uiHeaders sets the security headers of every UI response.
func uiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", uiCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/ui/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses (403) a POST whose Origin, or Referer when there is
// no Origin, is missing or names another host than the request's.
func sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from := r.Header.Get("Origin")
		if from == "" || from == "null" {
			from = r.Header.Get("Referer")
		}
		u, err := url.Parse(from)
		if from == "" || err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) ||
			(u.Scheme != "http" && u.Scheme != "https") || (r.TLS != nil && u.Scheme != "https") {
			uiError(w, r, http.StatusForbidden, "Refused: this request did not come from a page of this site (Origin or Referer missing or foreign).")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// csrfChecked refuses (403) a POST whose csrf field is not the session's
// token.
func csrfChecked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userOf(r)
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		got := r.PostFormValue("csrf")
		if u == nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(u.CSRF)) != 1 {
			uiError(w, r, http.StatusForbidden, "Refused: the form's CSRF token is missing or not this session's. Reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// uiAdmin refuses (403) a change by a read key.
func uiAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !userOf(r).canWrite() {
			uiError(w, r, http.StatusForbidden, "Refused: this needs an admin key; you are signed in with a read-only key.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// uiSignedIn opens the session cookie and authenticates its key; without
// a valid session a GET is sent to the login page and a POST refused.
func (s *Service) uiSignedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := s.openSession(r)
		var k *APIKey
		var err error
		if sess != nil {
			k, err = s.authenticate(r.Context(), sess.Key)
		}
		if err != nil && !errors.Is(err, ErrBadKey) {
			s.uiFail(w, r, err)
			return
		}
		if sess == nil || k == nil {
			if sess != nil {
				s.clearSession(w, r)
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
				return
			}
			uiError(w, r, http.StatusForbidden, "Refused: not signed in.")
			return
		}
		u := &uiUser{Key: k, CSRF: sess.CSRF}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), uiCtxKey{}, u)))
	})
}

func (s *Service) openSession(r *http.Request) *uiSession {
	c, err := r.Cookie(uiSessionCookie)
	if err != nil || s.seal == nil || len(c.Value) > 4096 {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	plain, err := s.seal.open(raw, uiSessionAD)
	if err != nil {
		return nil
	}
	var sess uiSession
	if json.Unmarshal(plain, &sess) != nil || sess.Key == "" || sess.CSRF == "" || s.o.now().Unix() >= sess.Expires {
		return nil
	}
	return &sess
}

// secure says whether cookies are marked Secure: on TLS, or behind a
// proxy when the service's base URL is https.
func (s *Service) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.o.baseURL, "https://")
}

func (s *Service) setSession(w http.ResponseWriter, r *http.Request, sess uiSession) error {
	plain, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: uiSessionCookie, Value: base64.RawURLEncoding.EncodeToString(s.seal.seal(plain, uiSessionAD)),
		Path: "/ui", MaxAge: int(uiSessionTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r),
	})
	return nil
}

func (s *Service) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: uiSessionCookie, Value: "", Path: "/ui", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r)})
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// uiPage is what every template gets.
type uiPage struct {
	Title    string
	Nav      string
	User     *uiUser
	CanWrite bool
	CSRF     string
	Notice   string
	Status   int
	Message  string
	Data     any
}

// uiNotices are the messages a redirect after a change may show (by code:
// the URL never carries free text).
var uiNotices = map[string]string{
	"promoted":    "Promoted: the contract now holds the live shape. The dot changes at the next check.",
	"locked":      "Locked: the table's live shape is now its contract.",
	"unlocked":    "Unlocked: the table is no longer checked against a contract.",
	"locked_all":  "Locked: every table's live shape is now its contract.",
	"mode":        "Lock mode set.",
	"check":       "A check is due now; reload in a moment to see its result.",
	"redelivered": "Redelivery queued.",
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, name string, p uiPage) {
	p.User = userOf(r)
	p.CanWrite = p.User.canWrite()
	if p.User != nil {
		p.CSRF = p.User.CSRF
	}
	if p.Notice == "" {
		p.Notice = uiNotices[r.URL.Query().Get("done")]
	}
	var b strings.Builder
	if err := uiPages()[name].Execute(&b, p); err != nil {
		s.o.log.Error("render a UI page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// uiError renders the error page.
func uiError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := uiPage{Title: http.StatusText(status), Status: status, Message: msg}
	p.User = userOf(r)
	p.CanWrite = p.User.canWrite()
	if p.User != nil {
		p.CSRF = p.User.CSRF
	}
	var b strings.Builder
	if err := uiPages()["error"].Execute(&b, p); err != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// uiFail answers err as the API would (see fail), as a page.
func (s *Service) uiFail(w http.ResponseWriter, r *http.Request, err error) {
	var ie *InputError
	var ue *UnreachableError
	switch {
	case errors.As(err, &ie):
		uiError(w, r, http.StatusBadRequest, ie.Error())
	case errors.Is(err, ErrNotFound):
		uiError(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrExists), errors.Is(err, ErrConflict):
		uiError(w, r, http.StatusConflict, err.Error())
	case errors.As(err, &ue):
		uiError(w, r, http.StatusBadGateway, err.Error())
	case errors.Is(err, context.Canceled):
		uiError(w, r, http.StatusServiceUnavailable, "request cancelled")
	default:
		s.o.log.Error("UI request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		uiError(w, r, http.StatusInternalServerError, "Internal error (logged).")
	}
}

func (s *Service) uiLoginPage(w http.ResponseWriter, r *http.Request) {
	if sess := s.openSession(r); sess != nil {
		if k, err := s.authenticate(r.Context(), sess.Key); err == nil && k != nil {
			http.Redirect(w, r, "/ui/", http.StatusSeeOther)
			return
		}
	}
	s.render(w, r, http.StatusOK, "login", uiPage{Title: "Sign in"})
}

func (s *Service) uiLogin(w http.ResponseWriter, r *http.Request) {
	client := clientOf(r)
	if blocked, retry := s.limiter.blocked(client); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		s.render(w, r, http.StatusTooManyRequests, "login", uiPage{Title: "Sign in", Message: "Too many failed sign-ins from this address; try again later."})
		return
	}
	if s.seal == nil {
		s.render(w, r, http.StatusServiceUnavailable, "login", uiPage{Title: "Sign in", Message: "guard serve runs without a secret key; the UI needs one to seal its sessions."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	key := strings.TrimSpace(r.PostFormValue("key"))
	k, err := s.authenticate(r.Context(), key)
	if errors.Is(err, ErrBadKey) {
		s.limiter.fail(client)
		s.o.log.Warn("UI sign-in failed", "client", client)
		s.render(w, r, http.StatusUnauthorized, "login", uiPage{Title: "Sign in", Message: "Invalid or revoked API key."})
		return
	}
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	if err := s.setSession(w, r, uiSession{Key: key, CSRF: randomToken(), Expires: s.o.now().Add(uiSessionTTL).Unix()}); err != nil {
		s.uiFail(w, r, err)
		return
	}
	s.o.log.Info("UI sign-in", "key", k.Prefix, "scope", k.Scope)
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (s *Service) uiLogout(w http.ResponseWriter, r *http.Request) {
	s.clearSession(w, r)
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

func uiWhen(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

func uiWhenP(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return uiWhen(*t)
}

func uiIntP(p *int) string {
	if p == nil {
		return "—"
	}
	return strconv.Itoa(*p)
}

func uiStrP(p *string) string {
	if p == nil {
		return "—"
	}
	return *p
}

func uiShort(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
