package serve

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
)

// MaxBodyBytes is the largest request body the API reads (1 MiB: a
// contract of a few thousand tables); a larger one is 413.
const MaxBodyBytes = 1 << 20

// ErrorBody is the API's error document: {"error": {"code", "message"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a stable code (bad_request, invalid_json, unauthorized,
// forbidden, not_found, method_not_allowed, conflict, too_large,
// rate_limited, unavailable, internal) and a one-line message.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type ctxKey struct{}

// Handler returns the admin API (see the README and /openapi.json): the
// /health endpoints, /openapi.json and /metrics without a key, everything
// under /v1 with an API key (X-API-Key or Authorization: Bearer), and the
// Schema Explorer web UI under /ui (a session signed in with a key). It never
// panics out of a request (a panic is a 500 with a JSON body) and is safe
// for concurrent use.
func (s *Service) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this endpoint")
	})
	r.Get("/health", s.health)
	r.Get("/health/live", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/health/ready", s.health)
	r.Get("/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPI)
	})
	r.Method(http.MethodGet, "/metrics", s.MetricsHandler())
	r.Mount("/ui", s.uiHandler())
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusFound) })
	r.Route("/v1", func(r chi.Router) {
		r.Use(s.authenticated)
		r.Get("/targets", s.listTargets)
		r.With(admin).Post("/targets", s.createTarget)
		r.Get("/targets/{target}", s.getTarget)
		r.With(admin).Delete("/targets/{target}", s.deleteTarget)
		r.Get("/targets/{target}/versions", s.listVersions)
		r.Get("/targets/{target}/versions/latest", s.getVersion)
		r.Get("/targets/{target}/versions/{number}", s.getVersion)
		r.Get("/targets/{target}/diff", s.diffVersions)
		r.Get("/targets/{target}/events", s.listEvents)
		r.Get("/targets/{target}/contract", s.getContract)
		r.With(admin).Put("/targets/{target}/contract/mode", s.setContractMode)
		r.With(admin).Post("/targets/{target}/contract/lock", s.lockContract)
		r.With(admin).Post("/targets/{target}/contract/unlock", s.unlockContract)
		r.With(admin).Post("/targets/{target}/contract/promote", s.promoteContract)
		r.Get("/targets/{target}/contract/diff", s.diffContract)
		r.Get("/events/{id}", s.getEvent)
		r.Get("/webhooks", s.listWebhooks)
		r.With(admin).Post("/webhooks", s.createWebhook)
		r.Get("/webhooks/{id}", s.getWebhook)
		r.With(admin).Patch("/webhooks/{id}", s.patchWebhook)
		r.With(admin).Delete("/webhooks/{id}", s.deleteWebhook)
		r.With(admin).Post("/webhooks/{id}/rotate", s.rotateWebhook)
		r.Get("/webhooks/{id}/deliveries", s.listDeliveries)
		r.Get("/deliveries/{id}", s.getDelivery)
		r.With(admin).Post("/deliveries/{id}/redeliver", s.redeliver)
	})
	return r
}

func (s *Service) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.o.log.Error("panic in a request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, http.StatusInternalServerError, "internal", "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// apiKeyOf reads the key from X-API-Key or Authorization: Bearer.
func apiKeyOf(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return strings.TrimSpace(k)
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Service) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientOf(r)
		if blocked, retry := s.limiter.blocked(client); blocked {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
			writeError(w, http.StatusTooManyRequests, "rate_limited", "too many failed authentications; try again later")
			return
		}
		key := apiKeyOf(r)
		if key == "" {
			s.limiter.fail(client)
			writeError(w, http.StatusUnauthorized, "unauthorized", "an API key is required (X-API-Key or Authorization: Bearer)")
			return
		}
		k, err := s.authenticate(r.Context(), key)
		if errors.Is(err, ErrBadKey) {
			s.limiter.fail(client)
			s.o.log.Warn("authentication failed", "client", client, "path", r.URL.Path)
			writeError(w, http.StatusUnauthorized, "unauthorized", "invalid or revoked API key")
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, k)))
	})
}

func admin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k, _ := r.Context().Value(ctxKey{}).(*APIKey); k == nil || k.Scope != ScopeAdmin {
			writeError(w, http.StatusForbidden, "forbidden", "this needs an admin key; the key given is read-only")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: oneLine(msg)}})
}

// fail answers err with its status: 400 for bad input, 404, 409, and a
// 500 whose message says nothing of the internals (the error is logged).
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ie *InputError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body larger than %d bytes", mb.Limit))
	case errors.As(err, &ie):
		writeError(w, http.StatusBadRequest, "bad_request", ie.Error())
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, ErrExists), errors.Is(err, ErrConflict):
		writeError(w, http.StatusConflict, "conflict", err.Error())
	case errors.As(err, new(*UnreachableError)):
		writeError(w, http.StatusBadGateway, "target_unreachable", err.Error())
	case errors.Is(err, context.Canceled):
		writeError(w, http.StatusServiceUnavailable, "unavailable", "request cancelled")
	default:
		s.o.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error")
	}
}

// decode reads a JSON object from a size-limited body into v: unknown
// fields, trailing data and a body over MaxBodyBytes are refused.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return badInput("body", "empty; want a JSON object")
		}
		return badInput("body", "invalid JSON: %s", err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return badInput("body", "invalid JSON: data after the object")
	}
	return nil
}

func (s *Service) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "state": "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "replica": s.o.replica})
}

func page(r *http.Request) (Page, error) {
	var p Page
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return p, badInput("limit", "want 1 to 500")
		}
		p.Limit = n
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return p, badInput("before", "want a positive integer")
		}
		p.Before = n
	}
	return p, nil
}

// list is a page of items and the cursor of the next one (null at the end).
type list[T any] struct {
	Items      []T    `json:"items"`
	NextBefore *int64 `json:"next_before"`
}

func pageOf[T any](items []T, p Page, cursor func(T) int64) list[T] {
	l := list[T]{Items: items}
	if len(items) == p.limit() && len(items) > 0 {
		c := cursor(items[len(items)-1])
		l.NextBefore = &c
	}
	return l
}

func idParam(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || n < 1 {
		return 0, badInput(name, "want a positive integer")
	}
	return n, nil
}

func (s *Service) listTargets(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Targets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ts})
}

func (s *Service) createTarget(w http.ResponseWriter, r *http.Request) {
	var spec TargetSpec
	if err := decode(w, r, &spec); err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.RegisterTarget(r.Context(), spec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Service) getTarget(w http.ResponseWriter, r *http.Request) {
	t, err := s.Target(r.Context(), chi.URLParam(r, "target"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Service) deleteTarget(w http.ResponseWriter, r *http.Request) {
	if err := s.DeleteTarget(r.Context(), chi.URLParam(r, "target")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) listVersions(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.Versions(r.Context(), chi.URLParam(r, "target"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pageOf(vs, p, func(v Version) int64 { return int64(v.Number) }))
}

// getVersion answers a version with its schema, and X-Schema-Drift: the
// worst impact of the drift event that made it (none for a first version).
func (s *Service) getVersion(w http.ResponseWriter, r *http.Request) {
	n := 0
	if p := chi.URLParam(r, "number"); p != "" {
		id, err := idParam(r, "number")
		if err != nil || id > 1<<31-1 {
			s.fail(w, r, badInput("number", "want a version number"))
			return
		}
		n = int(id)
	}
	v, err := s.Version(r.Context(), chi.URLParam(r, "target"), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	drift := "none"
	var impact *string
	if err := s.pool.QueryRow(r.Context(), `SELECT e.impact FROM guard_serve.events e JOIN guard_serve.targets t ON t.id = e.target_id
		WHERE t.name = $1 AND e.to_version = $2 AND e.kind = 'drift'`, v.Target, v.Number).Scan(&impact); err == nil && impact != nil {
		drift = *impact
	}
	w.Header().Set("X-Schema-Drift", drift)
	writeJSON(w, http.StatusOK, v)
}

func (s *Service) diffVersions(w http.ResponseWriter, r *http.Request) {
	from, err1 := strconv.Atoi(r.URL.Query().Get("from"))
	to, err2 := strconv.Atoi(r.URL.Query().Get("to"))
	if err1 != nil || err2 != nil {
		s.fail(w, r, badInput("from/to", "want ?from=N&to=M, two version numbers"))
		return
	}
	d, err := s.Diff(r.Context(), chi.URLParam(r, "target"), from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("X-Schema-Drift", d.Impact)
	writeJSON(w, http.StatusOK, d)
}

func (s *Service) listEvents(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, err := s.Events(r.Context(), chi.URLParam(r, "target"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pageOf(es, p, func(e Event) int64 { return e.ID }))
}

func (s *Service) getEvent(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.Event(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Service) listWebhooks(w http.ResponseWriter, r *http.Request) {
	ws, err := s.Webhooks(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ws})
}

func (s *Service) createWebhook(w http.ResponseWriter, r *http.Request) {
	var spec WebhookSpec
	if err := decode(w, r, &spec); err != nil {
		s.fail(w, r, err)
		return
	}
	wh, err := s.CreateWebhook(r.Context(), spec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wh)
}

func (s *Service) getWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	wh, err := s.Webhook(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wh)
}

func (s *Service) patchWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p WebhookPatch
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	wh, err := s.UpdateWebhook(r.Context(), id, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wh)
}

func (s *Service) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.DeleteWebhook(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) rotateWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	wh, err := s.RotateWebhookSecret(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wh)
}

func (s *Service) listDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, err := s.Deliveries(r.Context(), id, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pageOf(ds, p, func(d Delivery) int64 { return d.ID }))
}

func (s *Service) getDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.Delivery(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Service) redeliver(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.Redeliver(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, d)
}

//go:embed openapi.json
var openAPI []byte

// tablesBody names tables (none: every table, for lock), or all of them.
type tablesBody struct {
	Tables []string `json:"tables"`
	All    bool     `json:"all"`
	Mode   string   `json:"mode"`
}

// decodeOptional is decode for a body that may be empty.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Header.Get("Transfer-Encoding") == "" {
		return nil
	}
	return decode(w, r, v)
}

func (s *Service) getContract(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "target")
	v, err := s.Contract(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if t, err := s.Target(r.Context(), name); err == nil && t.ContractDrift != nil {
		w.Header().Set("X-Schema-Drift", *t.ContractDrift)
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Service) setContractMode(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Mode string `json:"mode"`
	}
	if err := decode(w, r, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.SetContractMode(r.Context(), chi.URLParam(r, "target"), b.Mode)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Service) lockContract(w http.ResponseWriter, r *http.Request) {
	var b tablesBody
	if err := decodeOptional(w, r, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.LockTables(r.Context(), chi.URLParam(r, "target"), b.Tables, b.Mode)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// namedOrAll reads a body that must name tables or say all.
func namedOrAll(w http.ResponseWriter, r *http.Request) ([]string, error) {
	var b tablesBody
	if err := decode(w, r, &b); err != nil {
		return nil, err
	}
	if b.Mode != "" {
		return nil, badInput("mode", "not taken here")
	}
	if (len(b.Tables) == 0) == !b.All {
		return nil, badInput("tables", `name tables ({"tables": ["public.users"]}) or say {"all": true}, not both`)
	}
	return b.Tables, nil
}

func (s *Service) unlockContract(w http.ResponseWriter, r *http.Request) {
	names, err := namedOrAll(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.UnlockTables(r.Context(), chi.URLParam(r, "target"), names)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"unlocked": out})
}

func (s *Service) promoteContract(w http.ResponseWriter, r *http.Request) {
	names, err := namedOrAll(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.PromoteTables(r.Context(), chi.URLParam(r, "target"), names)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Service) diffContract(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	live := false
	switch q.Get("check") {
	case "", "false":
	case "true":
		live = true
	default:
		s.fail(w, r, badInput("check", "want true or false"))
		return
	}
	d, err := s.DiffContract(r.Context(), chi.URLParam(r, "target"), q["table"], live)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("X-Schema-Drift", d.Drift)
	writeJSON(w, http.StatusOK, d)
}
