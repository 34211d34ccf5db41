package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

// The Standard Webhooks specification's published test vector.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestServeSignatureMatchesTheSpecTestVector(t *testing.T) {
	sig, err := Sign(vectorSecret, vectorID, vectorTimestamp, []byte(vectorBody))
	assert.NoError(t, err)
	assert.Equal(t, vectorSignature, sig)

	at := time.Unix(vectorTimestamp, 0)
	h := http.Header{}
	h.Set(HeaderWebhookID, vectorID)
	h.Set(HeaderWebhookTimestamp, strconv.Itoa(vectorTimestamp))
	h.Set(HeaderWebhookSignature, "v1,bm9wZQ== "+vectorSignature) // another signature first, as during a rotation
	assert.NoError(t, Verify(h, []byte(vectorBody), at, 5*time.Minute, vectorSecret))
	assert.NoError(t, Verify(h, []byte(vectorBody), at.Add(4*time.Minute), 5*time.Minute, vectorSecret))

	assert.Error(t, Verify(h, []byte(`{"test": 2432232315}`), at, 5*time.Minute, vectorSecret), "a changed byte")
	assert.Error(t, Verify(h, []byte(vectorBody), at.Add(6*time.Minute), 5*time.Minute, vectorSecret), "too late")
	assert.Error(t, Verify(h, []byte(vectorBody), at.Add(-6*time.Minute), 5*time.Minute, vectorSecret), "too early")
	assert.Error(t, Verify(h, []byte(vectorBody), at, 5*time.Minute, NewWebhookSecret()), "another secret")
	other := h.Clone()
	other.Set(HeaderWebhookID, "msg_other")
	assert.Error(t, Verify(other, []byte(vectorBody), at, 5*time.Minute, vectorSecret), "another id")
	other = h.Clone()
	other.Set(HeaderWebhookTimestamp, strconv.Itoa(vectorTimestamp+1))
	assert.Error(t, Verify(other, []byte(vectorBody), at, 5*time.Minute, vectorSecret), "another timestamp")
}

// independentVerify checks a delivery the way the specification writes it,
// without guard's code: HMAC-SHA256 keyed by the base64-decoded secret, of
// id.timestamp.body, base64, among the header's space-separated v1,
// signatures.
func independentVerify(t testing.TB, secret string, h http.Header, body []byte) bool {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	assert.NoError(t, err)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "."))
	mac.Write(body)
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Split(h.Get("webhook-signature"), " ") {
		if v, ok := strings.CutPrefix(s, "v1,"); ok && hmac.Equal([]byte(v), []byte(want)) {
			return true
		}
	}
	return false
}

// receiver is a real HTTP receiver on loopback.
type receiver struct {
	mu       sync.Mutex
	got      []received
	respond  func(n int) int // status of the nth request (from 1)
	calls    atomic.Int64
	srv      *httptest.Server
	blocking chan struct{} // when set, requests wait on it
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t testing.TB, respond func(n int) int) *receiver {
	r := &receiver{respond: respond}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := int(r.calls.Add(1))
		body, _ := io.ReadAll(req.Body)
		if r.blocking != nil {
			<-r.blocking
		}
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), body})
		r.mu.Unlock()
		w.WriteHeader(r.respond(n))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func ok200(int) int { return 200 }

// watched registers a target (users locked in auto mode by a contract the
// service owns) and checks it once.
func watchedTarget(t testing.TB, s *Service) string {
	t.Helper()
	ctx := t.Context()
	target := pgtest.DB(t)
	pgtest.Exec(t, target, `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)`)
	live, err := schema.Inspect(ctx, pgtest.Connect(t, target))
	assert.NoError(t, err)
	k := contract.New()
	_, err = k.Lock(live, nil, contract.ModeAuto, time.Now())
	assert.NoError(t, err)
	doc, err := k.Marshal()
	assert.NoError(t, err)
	_, err = s.RegisterTarget(ctx, TargetSpec{Name: "app", URL: target, Contract: doc, IntervalSeconds: 3600})
	assert.NoError(t, err)
	_, err = s.CheckDue(ctx, 10)
	assert.NoError(t, err)
	return target
}

func fastSchedule() Option { return WithDeliverySchedule(4, 10*time.Millisecond, 2, 5*time.Second) }

func deliveriesOf(t testing.TB, s *Service, webhook int64) []Delivery {
	t.Helper()
	ds, err := s.Deliveries(t.Context(), webhook, Page{})
	assert.NoError(t, err)
	return ds
}

// TestServeWebhookEndToEnd: register, change the target's schema, one
// drift event, one signed webhook to a real receiver, verified
// independently of guard's code; the delivery and its attempt are listed.
func TestServeWebhookEndToEnd(t *testing.T) {
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), fastSchedule(), WithBaseURL("https://guard.example"))
	target := watchedTarget(t, s)
	rcv := newReceiver(t, ok200)
	wh, err := s.CreateWebhook(t.Context(), WebhookSpec{Target: "app", URL: rcv.srv.URL + "/hook", AllowPrivate: true})
	assert.NoError(t, err)
	assert.True(t, strings.HasPrefix(wh.Secret, "whsec_"))
	assert.Equal(t, DefaultWebhookEvents, wh.Events)
	quiet, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL + "/quiet", AllowPrivate: true, Events: []string{"unreachable"}})
	assert.NoError(t, err)
	again, err := s.Webhook(t.Context(), wh.ID)
	assert.NoError(t, err)
	assert.Equal(t, "", again.Secret, "the secret is shown once")

	run(t, s)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email`)
	due(t, state)
	eventually(t, "the webhook", func() bool { return len(rcv.received()) == 1 })
	got := rcv.received()[0]
	assert.True(t, independentVerify(t, wh.Secret, got.header, got.body), "signature verifies by the specification")
	assert.NoError(t, Verify(got.header, got.body, time.Now(), 5*time.Minute, wh.Secret))
	assert.True(t, strings.HasPrefix(got.header.Get("webhook-id"), "msg_"))
	var p struct {
		Type string `json:"type"`
		Data struct {
			ID          int64  `json:"id"`
			Target      string `json:"target"`
			FromVersion int    `json:"from_version"`
			ToVersion   int    `json:"to_version"`
			Impact      string `json:"impact"`
			Blocked     bool   `json:"blocked"`
			Changes     []struct {
				Kind, Impact, Message, Hint string
			} `json:"changes"`
			Verdict struct {
				Mode    string `json:"mode"`
				Blocked bool   `json:"blocked"`
			} `json:"verdict"`
			Link string `json:"link"`
		} `json:"data"`
	}
	assert.NoError(t, json.Unmarshal(got.body, &p))
	assert.Equal(t, "schema.drift", p.Type)
	assert.Equal(t, "app", p.Data.Target)
	assert.Equal(t, 1, p.Data.FromVersion)
	assert.Equal(t, 2, p.Data.ToVersion)
	assert.Equal(t, "breaking", p.Data.Impact)
	assert.Equal(t, "column_removed", p.Data.Changes[0].Kind)
	assert.NotEqual(t, "", p.Data.Changes[0].Message)
	assert.True(t, p.Data.Verdict.Blocked)
	assert.Equal(t, "auto", p.Data.Verdict.Mode)
	assert.Equal(t, fmt.Sprintf("https://guard.example/v1/events/%d", p.Data.ID), p.Data.Link)

	eventually(t, "the delivery recorded", func() bool {
		ds := deliveriesOf(t, s, wh.ID)
		return len(ds) == 1 && ds[0].Status == "succeeded"
	})
	d := deliveriesOf(t, s, wh.ID)[0]
	assert.Equal(t, 1, d.Attempts)
	assert.Equal(t, 1, len(d.History))
	assert.Equal(t, 200, *d.History[0].StatusCode)
	assert.Equal(t, got.header.Get("webhook-id"), d.MessageID)

	// A safe change (a nullable column) is still a blocked drift: the
	// contract's users has not accepted the drop of email. So it goes out
	// too; a webhook that only listens to unreachable targets gets neither.
	pgtest.Exec(t, target, `ALTER TABLE users ADD COLUMN bio text`)
	due(t, state)
	eventually(t, "the second webhook", func() bool { return len(rcv.received()) == 2 })
	evs, err := s.Events(t.Context(), "app", Page{})
	assert.NoError(t, err)
	assert.Equal(t, "safe", *evs[0].Impact)
	assert.True(t, evs[0].Blocked)
	assert.Equal(t, 0, len(deliveriesOf(t, s, quiet.ID)))

	// Redeliver: the same message id, a new attempt.
	_, err = s.Redeliver(t.Context(), d.ID)
	assert.NoError(t, err)
	eventually(t, "the redelivery", func() bool { return len(rcv.received()) == 3 })
	assert.Equal(t, d.MessageID, rcv.received()[2].header.Get("webhook-id"))
}

func TestServeWebhookRetriesWithBackoffThenGivesUp(t *testing.T) {
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), fastSchedule())
	target := watchedTarget(t, s)
	// 500, 503, then 200: three attempts, one message id, fresh timestamps.
	rcv := newReceiver(t, func(n int) int { return map[int]int{1: 500, 2: 503}[n] + map[bool]int{true: 200}[n > 2] })
	wh, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL, AllowPrivate: true, Events: []string{"breaking"}})
	assert.NoError(t, err)
	failing := newReceiver(t, func(int) int { return 500 })
	wf, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: failing.srv.URL, AllowPrivate: true})
	assert.NoError(t, err)
	run(t, s)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email`)
	due(t, state)
	eventually(t, "the third attempt to succeed", func() bool {
		ds := deliveriesOf(t, s, wh.ID)
		return len(ds) == 1 && ds[0].Status == "succeeded"
	})
	d := deliveriesOf(t, s, wh.ID)[0]
	assert.Equal(t, 3, d.Attempts)
	assert.Equal(t, []int{500, 503, 200}, []int{*d.History[0].StatusCode, *d.History[1].StatusCode, *d.History[2].StatusCode})
	got := rcv.received()
	assert.Equal(t, 3, len(got))
	for _, g := range got {
		assert.Equal(t, d.MessageID, g.header.Get("webhook-id"))
		assert.True(t, independentVerify(t, wh.Secret, g.header, g.body))
	}
	// The endpoint that always fails: 4 attempts (this test's schedule), then failed.
	eventually(t, "the failing delivery to give up", func() bool {
		ds := deliveriesOf(t, s, wf.ID)
		return len(ds) == 1 && ds[0].Status == "failed"
	})
	assert.Equal(t, 4, deliveriesOf(t, s, wf.ID)[0].Attempts)
	assert.Equal(t, int64(4), failing.calls.Load())
}

func TestServeBackoffSchedule(t *testing.T) {
	d := defaultDelivery()
	total := time.Duration(0)
	for n := 1; n < d.maxAttempts; n++ {
		b := d.backoff(n)
		nominal := float64(d.base) * pow(d.factor, n-1)
		assert.True(t, float64(b) >= 0.8*nominal && float64(b) <= 1.2*nominal, "attempt %d: %s", n, b)
		total += b
	}
	assert.True(t, total > 40*time.Minute && total < 62*time.Minute, "about an hour: %s", total)
}

func pow(f float64, n int) float64 {
	r := 1.0
	for range n {
		r *= f
	}
	return r
}

func TestServeWebhookGoneDisablesIt(t *testing.T) {
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), fastSchedule())
	target := watchedTarget(t, s)
	rcv := newReceiver(t, func(int) int { return http.StatusGone })
	wh, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL, AllowPrivate: true, Events: []string{"breaking", "safe"}})
	assert.NoError(t, err)
	run(t, s)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email`)
	due(t, state)
	eventually(t, "the webhook disabled", func() bool {
		w, err := s.Webhook(t.Context(), wh.ID)
		assert.NoError(t, err)
		return w.DisabledAt != nil
	})
	assert.Equal(t, int64(1), rcv.calls.Load(), "410 is not retried")
	assert.Equal(t, "disabled", deliveriesOf(t, s, wh.ID)[0].Status)
	pgtest.Exec(t, target, `ALTER TABLE users ADD COLUMN bio text`)
	due(t, state)
	eventually(t, "the next event", func() bool {
		evs, _ := s.Events(t.Context(), "app", Page{})
		return len(evs) == 2
	})
	assert.Equal(t, 1, len(deliveriesOf(t, s, wh.ID)), "a disabled webhook gets no more deliveries")

	// Enabled again (the receiver is back), it gets the next event.
	back, err := s.UpdateWebhook(t.Context(), wh.ID, WebhookPatch{Enabled: ptr(true)})
	assert.NoError(t, err)
	assert.Zero(t, back.DisabledAt)
	pgtest.Exec(t, target, `ALTER TABLE users ADD COLUMN more text`)
	due(t, state)
	eventually(t, "a delivery to the enabled webhook", func() bool { return len(deliveriesOf(t, s, wh.ID)) == 2 })
	_, err = s.UpdateWebhook(t.Context(), wh.ID, WebhookPatch{Events: &[]string{"everything"}})
	var ie *InputError
	assert.True(t, errors.As(err, &ie))
	_, err = s.UpdateWebhook(t.Context(), 999, WebhookPatch{Enabled: ptr(false)})
	assert.IsError(t, err, ErrNotFound)
}

func ptr[T any](v T) *T { return &v }

func TestServeWebhookRefusesPrivateAddresses(t *testing.T) {
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), WithDeliverySchedule(1, time.Millisecond, 1, 5*time.Second))
	target := watchedTarget(t, s)
	rcv := newReceiver(t, ok200)
	port := rcv.srv.URL[strings.LastIndex(rcv.srv.URL, ":")+1:]
	// The loopback address itself, and a name that resolves to it.
	byIP, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL})
	assert.NoError(t, err)
	byName, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: "http://localhost:" + port})
	assert.NoError(t, err)
	run(t, s)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email`)
	due(t, state)
	for _, w := range []*Webhook{byIP, byName} {
		eventually(t, "the refusal", func() bool {
			ds := deliveriesOf(t, s, w.ID)
			return len(ds) == 1 && ds[0].Status == "failed"
		})
		d := deliveriesOf(t, s, w.ID)[0]
		assert.Contains(t, *d.LastError, "loopback address")
		assert.Zero(t, d.LastStatus)
	}
	assert.Equal(t, int64(0), rcv.calls.Load(), "nothing reached the receiver")

	for addr, why := range map[string]string{
		"10.1.2.3": "private", "192.168.0.1": "private", "172.16.5.4": "private", "127.0.0.1": "loopback",
		"::1": "loopback", "169.254.169.254": "link-local", "fe80::1": "link-local", "0.0.0.0": "unspecified",
		"100.64.0.1": "reserved", "::ffff:10.0.0.1": "private", "fd00::1": "private", "8.8.8.8": "", "2606:4700::1111": "",
	} {
		assert.Equal(t, why, notPublic(netip.MustParseAddr(addr)), addr)
	}
}

// TestServeWebhookRotationSignsWithBoth: during a rotation, each delivery
// carries the new and the old secret's signatures.
func TestServeWebhookRotationSignsWithBoth(t *testing.T) {
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), fastSchedule())
	target := watchedTarget(t, s)
	rcv := newReceiver(t, ok200)
	wh, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL, AllowPrivate: true})
	assert.NoError(t, err)
	rotated, err := s.RotateWebhookSecret(t.Context(), wh.ID)
	assert.NoError(t, err)
	assert.NotEqual(t, wh.Secret, rotated.Secret)
	assert.NotZero(t, rotated.RotatingUntil)
	run(t, s)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email`)
	due(t, state)
	eventually(t, "the webhook", func() bool { return len(rcv.received()) == 1 })
	got := rcv.received()[0]
	assert.Equal(t, 2, len(strings.Fields(got.header.Get("webhook-signature"))))
	assert.True(t, independentVerify(t, rotated.Secret, got.header, got.body), "the new secret")
	assert.True(t, independentVerify(t, wh.Secret, got.header, got.body), "the old secret, during the grace")
	var sealed []byte
	assert.NoError(t, s.pool.QueryRow(t.Context(), `SELECT secret_sealed || previous_sealed FROM guard_serve.webhooks`).Scan(&sealed))
	assert.NotContains(t, string(sealed), strings.TrimPrefix(rotated.Secret, "whsec_"), "secrets are sealed at rest")
}

// TestServeSlowEndpointNeverDelaysChecks: while a delivery hangs on its
// endpoint, checks go on.
func TestServeSlowEndpointNeverDelaysChecks(t *testing.T) {
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), fastSchedule())
	target := watchedTarget(t, s)
	rcv := newReceiver(t, ok200)
	rcv.blocking = make(chan struct{})
	t.Cleanup(func() { close(rcv.blocking) })
	_, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL, AllowPrivate: true})
	assert.NoError(t, err)
	run(t, s)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email`)
	due(t, state)
	eventually(t, "the delivery to hang", func() bool { return rcv.calls.Load() == 1 })
	before := count(t, s, `SELECT checks::int FROM guard_serve.targets`)
	for range 3 {
		due(t, state)
		n := before
		eventually(t, "a check while the delivery hangs", func() bool {
			return count(t, s, `SELECT checks::int FROM guard_serve.targets`) > n
		})
		before = count(t, s, `SELECT checks::int FROM guard_serve.targets`)
	}
	assert.Equal(t, 0, len(rcv.received()), "the delivery is still hanging")
}

// TestServeTwoReplicasDeliverOnce: each delivery is attempted by one
// replica at a time.
func TestServeTwoReplicasDeliverOnce(t *testing.T) {
	state := pgtest.DB(t)
	key := testKey(t)
	a := newService(t, state, key, fastSchedule(), WithReplicaID("a"))
	b := newService(t, state, key, fastSchedule(), WithReplicaID("b"))
	target := watchedTarget(t, a)
	rcv := newReceiver(t, ok200)
	wh, err := a.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL, AllowPrivate: true, Events: []string{"breaking", "safe", "risky"}})
	assert.NoError(t, err)
	run(t, a)
	run(t, b)
	for i := range 5 {
		pgtest.Exec(t, target, fmt.Sprintf(`ALTER TABLE users ADD COLUMN c%d text`, i))
		due(t, state)
		eventually(t, "the event", func() bool { return len(deliveriesOf(t, a, wh.ID)) == i+1 })
	}
	eventually(t, "all delivered", func() bool {
		return count(t, a, `SELECT count(*) FROM guard_serve.deliveries WHERE status = 'succeeded'`) == 5
	})
	ids := map[string]int{}
	for _, g := range rcv.received() {
		ids[g.header.Get("webhook-id")]++
	}
	assert.Equal(t, 5, len(ids))
	for id, n := range ids {
		assert.Equal(t, 1, n, id)
	}
}

// TestServeWebhookRefusesARedirectToAPrivateAddress: the address check is
// made on every connection, redirects included. Loopback is all a test
// has: 127.0.0.1 plays a public address and 127.0.0.2 a private one.
func TestServeWebhookRefusesARedirectToAPrivateAddress(t *testing.T) {
	private := netip.MustParseAddr("127.0.0.2")
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), WithDeliverySchedule(1, time.Millisecond, 1, 5*time.Second),
		withAddressPolicy(func(a netip.Addr) string {
			if a == private {
				return "private"
			}
			return ""
		}))
	target := watchedTarget(t, s)
	inside := newReceiver(t, ok200) // never reached: 127.0.0.2 is refused before connecting
	port := inside.srv.URL[strings.LastIndex(inside.srv.URL, ":")+1:]
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.2:"+port+"/metadata", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	wh, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: redirector.URL})
	assert.NoError(t, err)
	run(t, s)
	pgtest.Exec(t, target, `ALTER TABLE users DROP COLUMN email`)
	due(t, state)
	eventually(t, "the refusal", func() bool {
		ds := deliveriesOf(t, s, wh.ID)
		return len(ds) == 1 && ds[0].Status == "failed"
	})
	d := deliveriesOf(t, s, wh.ID)[0]
	assert.Contains(t, *d.LastError, "refused to connect to 127.0.0.2: private address")
	assert.Equal(t, int64(0), inside.calls.Load())
}

// TestServeWebhookOnUnreachable: a webhook listening to unreachable
// targets gets target.unreachable, once, when the target becomes so.
func TestServeWebhookOnUnreachable(t *testing.T) {
	state := pgtest.DB(t)
	s := newService(t, state, testKey(t), fastSchedule())
	rcv := newReceiver(t, ok200)
	wh, err := s.CreateWebhook(t.Context(), WebhookSpec{URL: rcv.srv.URL, AllowPrivate: true, Events: []string{"unreachable"}})
	assert.NoError(t, err)
	_, err = s.RegisterTarget(t.Context(), TargetSpec{Name: "gone", URL: strings.Replace(pgtest.DB(t), "/guard_test_", "/guard_missing_", 1)})
	assert.NoError(t, err)
	run(t, s)
	eventually(t, "the webhook", func() bool { return len(rcv.received()) == 1 })
	for range 2 {
		n := count(t, s, `SELECT checks::int FROM guard_serve.targets`)
		due(t, state)
		eventually(t, "another failed check", func() bool { return count(t, s, `SELECT checks::int FROM guard_serve.targets`) > n })
	}
	got := rcv.received()
	assert.Equal(t, 1, len(got), "once, when it becomes unreachable")
	assert.True(t, independentVerify(t, wh.Secret, got[0].header, got[0].body))
	var p struct {
		Type string `json:"type"`
		Data struct {
			Kind  string `json:"kind"`
			Error string `json:"error"`
		} `json:"data"`
	}
	assert.NoError(t, json.Unmarshal(got[0].body, &p))
	assert.Equal(t, "target.unreachable", p.Type)
	assert.Equal(t, "target_unreachable", p.Data.Kind)
	assert.Contains(t, p.Data.Error, "guard_missing_")
}
