package readiness

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Conventional paths of the two probes.
const (
	ReadyPath = "/health/ready"
	LivePath  = "/health/live"
)

// ServeHTTP answers a readiness probe: 200 when Check's Result is ready, 503
// otherwise. The body is the Result's Message (and a "warning: …" line when
// there is a warning) as text, or the Result as JSON when the request's
// Accept header asks for application/json. Only GET and HEAD are allowed;
// other methods get 405. It returns within the budget. With WithContract it
// also sets the X-Schema-Drift header.
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowed(w, r) {
		return
	}
	res := c.Check(r.Context())
	if c.inspect != nil {
		if v := c.driftHeader(r.Context()); v != "" {
			w.Header().Set(DriftHeader, v)
		}
	}
	code := http.StatusOK
	if !res.Ready {
		code = http.StatusServiceUnavailable
	}
	if wantsJSON(r) {
		b, err := json.Marshal(res)
		if err != nil { // cannot happen with Result's field types
			b = []byte(`{"status":"error","ready":false}`)
			code = http.StatusInternalServerError
		}
		write(w, r, code, "application/json", append(b, '\n'))
		return
	}
	body := res.Message + "\n"
	if res.Warning != "" {
		body += "warning: " + res.Warning + "\n"
	}
	write(w, r, code, "text/plain; charset=utf-8", []byte(body))
}

// Live returns the liveness handler for /health/live: it answers 200 "live"
// (or {"status":"live"} as JSON) to GET and HEAD without touching the
// database, so a pod whose database is behind is taken out of service but
// not restarted. It is safe for concurrent use.
func Live() http.Handler { return liveHandler{} }

type liveHandler struct{}

func (liveHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowed(w, r) {
		return
	}
	if wantsJSON(r) {
		write(w, r, http.StatusOK, "application/json", []byte(`{"status":"live"}`+"\n"))
		return
	}
	write(w, r, http.StatusOK, "text/plain; charset=utf-8", []byte("live\n"))
}

func allowed(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	write(w, r, http.StatusMethodNotAllowed, "text/plain; charset=utf-8", []byte("method not allowed\n"))
	return false
}

func write(w http.ResponseWriter, r *http.Request, code int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// wantsJSON reports whether the Accept header lists application/json with a
// non-zero quality.
func wantsJSON(r *http.Request) bool {
	for _, accept := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != "application/json" {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}
