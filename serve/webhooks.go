package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Webhook event filters. A drift event matches its worst impact (safe,
// risky, breaking) and "blocked" when the contract blocks it; an
// unreachable target matches "unreachable".
var webhookEvents = []string{"breaking", "blocked", "risky", "safe", "unreachable"}

// DefaultWebhookEvents is the filter of a webhook that names none.
var DefaultWebhookEvents = []string{"breaking", "blocked"}

// WebhookSpec is what registering a webhook takes.
type WebhookSpec struct {
	// Target, when given, limits the webhook to one target's events.
	Target string   `json:"target,omitempty"`
	URL    string   `json:"url"`
	Events []string `json:"events,omitempty"`
	// AllowPrivate lets deliveries reach private, loopback and link-local
	// addresses (refused by default, after DNS resolution and on redirects).
	AllowPrivate bool `json:"allow_private,omitempty"`
}

// Webhook is a registered webhook, as the API shows it: never its secret
// (shown once, when created or rotated).
type Webhook struct {
	ID             int64      `json:"id"`
	Target         *string    `json:"target"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	AllowPrivate   bool       `json:"allow_private"`
	CreatedAt      time.Time  `json:"created_at"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason *string    `json:"disabled_reason"`
	RotatingUntil  *time.Time `json:"rotating_until"`
	// Secret is set only in the answer to a creation or a rotation.
	Secret string `json:"secret,omitempty"`
}

// Delivery is one message of the outbox to one webhook, with its attempts.
type Delivery struct {
	ID            int64      `json:"id"`
	WebhookID     int64      `json:"webhook_id"`
	EventID       int64      `json:"event_id"`
	MessageID     string     `json:"message_id"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastStatus    *int       `json:"last_status"`
	LastError     *string    `json:"last_error"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	History       []Attempt  `json:"history"`
}

// Attempt is one try at a delivery.
type Attempt struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	Replica    string    `json:"replica"`
	StatusCode *int      `json:"status_code"`
	Error      *string   `json:"error"`
	DurationMS int64     `json:"duration_ms"`
}

// deliveryOptions are the outbox's schedule.
type deliveryOptions struct {
	timeout     time.Duration // one attempt
	maxAttempts int
	base        time.Duration // delay after the first failure
	factor      float64
	jitter      float64 // ± fraction of each delay
	rotation    time.Duration
}

// defaultDelivery: 5 attempts; after a failure the next is 2m, 5m, 12.5m,
// 31m later (±20%), about 51 minutes from the first to the last.
func defaultDelivery() deliveryOptions {
	return deliveryOptions{timeout: 10 * time.Second, maxAttempts: 5, base: 2 * time.Minute, factor: 2.5, jitter: 0.2, rotation: 24 * time.Hour}
}

// WithDeliverySchedule sets the outbox's schedule: attempts in all, the
// delay after the first failure (each next one factor times longer, ±20%
// jitter) and the timeout of one attempt. The default is 5 attempts, 2m,
// 2.5 and 10s.
func WithDeliverySchedule(attempts int, base time.Duration, factor float64, timeout time.Duration) Option {
	return func(o *options) error {
		if attempts < 1 || base <= 0 || factor < 1 || timeout <= 0 {
			return errors.New("WithDeliverySchedule: want attempts >= 1, base > 0, factor >= 1, timeout > 0")
		}
		o.delivery.maxAttempts, o.delivery.base, o.delivery.factor, o.delivery.timeout = attempts, base, factor, timeout
		return nil
	}
}

// WithRotationGrace sets how long a rotated webhook secret keeps signing
// beside the new one (default 24h).
func WithRotationGrace(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return errors.New("WithRotationGrace: negative")
		}
		o.delivery.rotation = d
		return nil
	}
}

// backoff returns the delay before attempt n+1 after n failed attempts.
func (d deliveryOptions) backoff(n int) time.Duration {
	delay := float64(d.base) * math.Pow(d.factor, float64(n-1))
	delay *= 1 + d.jitter*(2*mrand.Float64()-1)
	return time.Duration(delay)
}

func secretAD(id int64, which string) string {
	return "guard_serve.webhooks." + which + ":" + strconv.FormatInt(id, 10)
}

// CreateWebhook registers a webhook and returns it with its secret, shown
// this once.
func (s *Service) CreateWebhook(ctx context.Context, spec WebhookSpec) (*Webhook, error) {
	if s.seal == nil {
		return nil, ErrNoSecretKey
	}
	if err := checkWebhookURL(spec.URL); err != nil {
		return nil, err
	}
	if len(spec.Events) == 0 {
		spec.Events = DefaultWebhookEvents
	}
	if err := checkWebhookEvents(spec.Events); err != nil {
		return nil, err
	}
	var targetID *int64
	if spec.Target != "" {
		id, err := s.targetID(ctx, s.pool, spec.Target)
		if err != nil {
			return nil, err
		}
		targetID = &id
	}
	secret := NewWebhookSecret()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO guard_serve.webhooks (target_id, url, events, secret_sealed, allow_private)
		VALUES ($1, $2, $3, '\x', $4) RETURNING id`, targetID, spec.URL, spec.Events, spec.AllowPrivate).Scan(&id); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE guard_serve.webhooks SET secret_sealed = $2 WHERE id = $1`,
		id, s.seal.seal([]byte(secret), secretAD(id, "secret"))); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	w, err := s.Webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	w.Secret = secret
	return w, nil
}

// RotateWebhookSecret gives a webhook a new secret and returns it, shown
// this once; the old one keeps signing beside it for the rotation grace,
// so receivers can switch without missing a delivery.
func (s *Service) RotateWebhookSecret(ctx context.Context, id int64) (*Webhook, error) {
	if s.seal == nil {
		return nil, ErrNoSecretKey
	}
	var sealed []byte
	err := s.pool.QueryRow(ctx, `SELECT secret_sealed FROM guard_serve.webhooks WHERE id = $1`, id).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	old, err := s.seal.open(sealed, secretAD(id, "secret"))
	if err != nil {
		return nil, err
	}
	secret := NewWebhookSecret()
	if _, err := s.pool.Exec(ctx, `UPDATE guard_serve.webhooks SET secret_sealed = $2, previous_sealed = $3,
		previous_until = now() + $4 * interval '1 millisecond' WHERE id = $1`,
		id, s.seal.seal([]byte(secret), secretAD(id, "secret")), s.seal.seal(old, secretAD(id, "previous")),
		s.o.delivery.rotation.Milliseconds()); err != nil {
		return nil, err
	}
	w, err := s.Webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	w.Secret = secret
	return w, nil
}

const webhookColumns = `w.id, t.name, w.url, w.events, w.allow_private, w.created_at, w.disabled_at, w.disabled_reason,
	CASE WHEN w.previous_until > now() THEN w.previous_until END`

func scanWebhook(row pgx.Row) (*Webhook, error) {
	var w Webhook
	err := row.Scan(&w.ID, &w.Target, &w.URL, &w.Events, &w.AllowPrivate, &w.CreatedAt, &w.DisabledAt, &w.DisabledReason, &w.RotatingUntil)
	return &w, err
}

// Webhook returns one webhook, or an error wrapping ErrNotFound.
func (s *Service) Webhook(ctx context.Context, id int64) (*Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM guard_serve.webhooks w
		LEFT JOIN guard_serve.targets t ON t.id = w.target_id WHERE w.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	return w, err
}

// Webhooks lists the webhooks by id.
func (s *Service) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM guard_serve.webhooks w
		LEFT JOIN guard_serve.targets t ON t.id = w.target_id ORDER BY w.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *w)
	}
	return out, rows.Err()
}

// WebhookPatch changes a webhook: the fields given, the others as they are.
// Enabled true enables a webhook that was disabled (by a 410, say).
type WebhookPatch struct {
	URL          *string   `json:"url,omitempty"`
	Events       *[]string `json:"events,omitempty"`
	AllowPrivate *bool     `json:"allow_private,omitempty"`
	Enabled      *bool     `json:"enabled,omitempty"`
}

// UpdateWebhook applies p to a webhook and returns it.
func (s *Service) UpdateWebhook(ctx context.Context, id int64, p WebhookPatch) (*Webhook, error) {
	if p.URL != nil {
		if err := checkWebhookURL(*p.URL); err != nil {
			return nil, err
		}
	}
	if p.Events != nil {
		if err := checkWebhookEvents(*p.Events); err != nil {
			return nil, err
		}
		if len(*p.Events) == 0 {
			return nil, badInput("events", "want at least one of %v", webhookEvents)
		}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE guard_serve.webhooks SET
		url = coalesce($2, url), events = coalesce($3, events), allow_private = coalesce($4, allow_private),
		disabled_at = CASE WHEN $5::boolean THEN NULL WHEN NOT $5::boolean THEN coalesce(disabled_at, now()) ELSE disabled_at END,
		disabled_reason = CASE WHEN $5::boolean THEN NULL WHEN NOT $5::boolean THEN coalesce(disabled_reason, 'disabled through the API') ELSE disabled_reason END
		WHERE id = $1`, id, p.URL, p.Events, p.AllowPrivate, p.Enabled)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return nil, fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	return s.Webhook(ctx, id)
}

func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badInput("url", "want an http:// or https:// URL")
	}
	if u.User != nil {
		return badInput("url", "credentials in the URL are not supported")
	}
	return nil
}

func checkWebhookEvents(events []string) error {
	for _, e := range events {
		if !slices.Contains(webhookEvents, e) {
			return badInput("events", "unknown event %q (want %v)", e, webhookEvents)
		}
	}
	return nil
}

// DeleteWebhook removes a webhook and its deliveries.
func (s *Service) DeleteWebhook(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM guard_serve.webhooks WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	return nil
}

// payload is the JSON body of a delivery (Standard Webhooks' type,
// timestamp, data).
type payload struct {
	Type      string       `json:"type"`
	Timestamp time.Time    `json:"timestamp"`
	Data      payloadEvent `json:"data"`
}

type payloadEvent struct {
	*Event
	Link string `json:"link"`
}

func eventTags(e *Event) []string {
	if e.Kind == "target_unreachable" {
		return []string{"unreachable"}
	}
	var tags []string
	if e.Impact != nil {
		tags = append(tags, *e.Impact)
	}
	if e.Blocked {
		tags = append(tags, "blocked")
	}
	return tags
}

// enqueue puts event into the outbox of every enabled webhook whose filter
// it matches, in the transaction that stores the event: an event is
// delivered if and only if it is stored.
func (s *Service) enqueue(ctx context.Context, tx pgx.Tx, targetID, eventID int64) error {
	e, err := loadEvent(ctx, tx, eventID)
	if err != nil {
		return err
	}
	typ := "schema.drift"
	if e.Kind == "target_unreachable" {
		typ = "target.unreachable"
	}
	body, err := json.Marshal(payload{Type: typ, Timestamp: e.CreatedAt.UTC(), Data: payloadEvent{
		Event: e, Link: fmt.Sprintf("%s/v1/events/%d", s.o.baseURL, e.ID)}})
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT id FROM guard_serve.webhooks
		WHERE disabled_at IS NULL AND (target_id IS NULL OR target_id = $1) AND events && $2`, targetID, eventTags(e))
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.Exec(ctx, `INSERT INTO guard_serve.deliveries (webhook_id, event_id, msg_id, body) VALUES ($1, $2, $3, $4)`,
			id, eventID, newMessageID(), body); err != nil {
			return err
		}
	}
	return nil
}

func newMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "msg_" + hex.EncodeToString(b)
}

// outgoing is a delivery this replica holds the lease of.
type outgoing struct {
	id, webhookID  int64
	msgID, url     string
	body           []byte
	attempts       int
	allowPrivate   bool
	secret, before []byte // sealed; before only during a rotation
}

// runDeliveries sends the outbox's due deliveries every poll period, each
// attempted by one replica at a time (leases, as for checks). A slow
// endpoint holds one delivery slot for at most the attempt timeout; checks
// run in their own loop and never wait on deliveries.
func (s *Service) runDeliveries(ctx context.Context) {
	slots := make(chan struct{}, s.o.concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(s.o.poll)
	defer t.Stop()
	for {
		if free := cap(slots) - len(slots); free > 0 {
			claims, err := s.claimDeliveries(ctx, free)
			if err != nil && ctx.Err() == nil {
				s.o.log.Warn("claim deliveries", "err", err)
			}
			for _, d := range claims {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-slots; wg.Done() }()
					s.deliver(ctx, d)
				}()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) claimDeliveries(ctx context.Context, n int) ([]outgoing, error) {
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT d.id FROM guard_serve.deliveries d
			WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
			ORDER BY d.next_attempt_at, d.id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE guard_serve.deliveries d SET lease_owner = $1, lease_until = now() + $3 * interval '1 millisecond'
		FROM due, guard_serve.webhooks w
		WHERE d.id = due.id AND w.id = d.webhook_id
		RETURNING d.id, d.webhook_id, d.msg_id, w.url, d.body, d.attempts, w.allow_private, w.secret_sealed,
			CASE WHEN w.previous_until > now() THEN w.previous_sealed END`,
		s.o.replica, n, (s.o.delivery.timeout + s.o.leaseTimeout).Milliseconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outgoing
	for rows.Next() {
		var o outgoing
		if err := rows.Scan(&o.id, &o.webhookID, &o.msgID, &o.url, &o.body, &o.attempts, &o.allowPrivate, &o.secret, &o.before); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// signatures returns the webhook-signature header: the current secret's
// signature, and the previous secret's during a rotation.
func (s *Service) signatures(o outgoing, ts int64) (string, error) {
	cur, err := s.seal.open(o.secret, secretAD(o.webhookID, "secret"))
	if err != nil {
		return "", err
	}
	sig, err := Sign(string(cur), o.msgID, ts, o.body)
	if err != nil {
		return "", err
	}
	if o.before != nil {
		prev, err := s.seal.open(o.before, secretAD(o.webhookID, "previous"))
		if err != nil {
			return "", err
		}
		old, err := Sign(string(prev), o.msgID, ts, o.body)
		if err != nil {
			return "", err
		}
		sig += " " + old
	}
	return sig, nil
}

// deliver makes one attempt and records it: 2xx succeeds; 410 Gone
// disables the webhook (and drops its pending deliveries); anything else
// is retried on the schedule until the attempts run out.
func (s *Service) deliver(ctx context.Context, o outgoing) {
	ts := time.Now().Unix()
	start := time.Now()
	var code int
	sig, err := s.signatures(o, ts)
	if err == nil {
		code, err = s.post(ctx, o, ts, sig)
	}
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		// Shutting down mid-attempt: the delivery goes back to the outbox
		// as it was, for another replica (receivers deduplicate on the id).
		s.release(context.WithoutCancel(ctx), "deliveries", o.id)
		return
	}
	var errText *string
	if err != nil {
		t := oneLine(err.Error())
		errText = &t
	}
	var codePtr *int
	if code != 0 {
		codePtr = &code
	}
	n := o.attempts + 1
	result := "failed"
	// The delay is added to the state server's clock, which every replica
	// compares due times with.
	status, delay := "pending", s.o.delivery.backoff(n)
	switch {
	case err == nil && code >= 200 && code < 300:
		status, result = "succeeded", "succeeded"
	case err == nil && code == http.StatusGone:
		status, result = "disabled", "gone"
	case n >= s.o.delivery.maxAttempts:
		status = "failed"
	}
	if isRefused(err) {
		result = "refused"
	}
	s.metrics.delivered(result)
	rctx := context.WithoutCancel(ctx)
	tx, err := s.pool.Begin(rctx)
	if err != nil {
		s.o.log.Warn("record delivery", "delivery", o.id, "err", err)
		return
	}
	defer func() { _ = tx.Rollback(rctx) }()
	tag, err := tx.Exec(rctx, `UPDATE guard_serve.deliveries SET attempts = $3, status = $4,
		next_attempt_at = CASE WHEN $4 = 'pending' THEN now() + $5 * interval '1 microsecond' ELSE next_attempt_at END,
		finished_at = CASE WHEN $4 = 'pending' THEN NULL ELSE now() END,
		last_status = $6, last_error = $7, lease_owner = NULL, lease_until = NULL
		WHERE id = $1 AND lease_owner = $2`, o.id, s.o.replica, n, status, delay.Microseconds(), codePtr, errText)
	if err == nil && tag.RowsAffected() == 1 {
		_, err = tx.Exec(rctx, `INSERT INTO guard_serve.delivery_attempts (delivery_id, n, replica, status_code, error, duration_ms)
			VALUES ($1, $2, $3, $4, $5, $6)`, o.id, n, s.o.replica, codePtr, errText, elapsed.Milliseconds())
	}
	if err == nil && status == "disabled" {
		_, err = tx.Exec(rctx, `UPDATE guard_serve.webhooks SET disabled_at = now(), disabled_reason = '410 Gone from the endpoint'
			WHERE id = $1 AND disabled_at IS NULL`, o.webhookID)
		if err == nil {
			_, err = tx.Exec(rctx, `UPDATE guard_serve.deliveries SET status = 'disabled', finished_at = now()
				WHERE webhook_id = $1 AND status = 'pending' AND lease_owner IS NULL`, o.webhookID)
		}
	}
	if err == nil {
		err = tx.Commit(rctx)
	}
	if err != nil {
		s.o.log.Warn("record delivery", "delivery", o.id, "err", err)
		return
	}
	s.o.log.Info("webhook delivery", "delivery", o.id, "webhook", o.webhookID, "attempt", n, "status", status, "code", code)
}

func (s *Service) post(ctx context.Context, o outgoing, ts int64, sig string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.o.delivery.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader(o.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "guard-serve")
	req.Header.Set(HeaderWebhookID, o.msgID)
	req.Header.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderWebhookSignature, sig)
	client := s.strict
	if o.allowPrivate {
		client = s.lax
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is the webhook's, known; keep the reason
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// Deliveries lists a webhook's deliveries, newest first, with their
// attempts.
func (s *Service) Deliveries(ctx context.Context, webhookID int64, p Page) ([]Delivery, error) {
	if _, err := s.Webhook(ctx, webhookID); err != nil {
		return nil, err
	}
	before := p.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM guard_serve.deliveries d
		WHERE d.webhook_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3`, webhookID, before, p.limit())
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
		d, err := scanDelivery(r)
		return *d, err
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].History, err = s.attempts(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const deliveryColumns = `d.id, d.webhook_id, d.event_id, d.msg_id, d.status, d.attempts,
	CASE WHEN d.status = 'pending' THEN d.next_attempt_at END, d.last_status, d.last_error, d.created_at, d.finished_at`

func scanDelivery(r pgx.Row) (*Delivery, error) {
	var d Delivery
	err := r.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.MessageID, &d.Status, &d.Attempts, &d.NextAttemptAt,
		&d.LastStatus, &d.LastError, &d.CreatedAt, &d.FinishedAt)
	return &d, err
}

func (s *Service) attempts(ctx context.Context, id int64) ([]Attempt, error) {
	rows, err := s.pool.Query(ctx, `SELECT n, at, replica, status_code, error, duration_ms
		FROM guard_serve.delivery_attempts WHERE delivery_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attempt, error) {
		var a Attempt
		err := r.Scan(&a.N, &a.At, &a.Replica, &a.StatusCode, &a.Error, &a.DurationMS)
		return a, err
	})
	if out == nil {
		out = []Attempt{}
	}
	return out, err
}

// Delivery returns one delivery with its attempts.
func (s *Service) Delivery(ctx context.Context, id int64) (*Delivery, error) {
	d, err := scanDelivery(s.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM guard_serve.deliveries d WHERE d.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	d.History, err = s.attempts(ctx, id)
	return d, err
}

// Redeliver puts a finished delivery back in the outbox, due now, with a
// fresh count of attempts (its message id stays: receivers deduplicate on
// it). A delivery of a disabled webhook is refused with an *InputError.
func (s *Service) Redeliver(ctx context.Context, id int64) (*Delivery, error) {
	var disabled bool
	err := s.pool.QueryRow(ctx, `SELECT w.disabled_at IS NOT NULL FROM guard_serve.deliveries d
		JOIN guard_serve.webhooks w ON w.id = d.webhook_id WHERE d.id = $1`, id).Scan(&disabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if disabled {
		return nil, badInput("delivery", "its webhook is disabled")
	}
	if _, err := s.pool.Exec(ctx, `UPDATE guard_serve.deliveries SET status = 'pending', attempts = 0,
		next_attempt_at = now(), finished_at = NULL WHERE id = $1 AND status <> 'pending'`, id); err != nil {
		return nil, err
	}
	return s.Delivery(ctx, id)
}
