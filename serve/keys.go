package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Scopes of API keys: a read key may only read; an admin key may also
// register, change and delete.
const (
	ScopeRead  = "read"
	ScopeAdmin = "admin"
)

const keyPrefix = "gsk_"

// APIKey is an API key as it is listed: its prefix identifies it; the key
// itself is shown once, when created, and only its SHA-256 is stored.
type APIKey struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scope      string     `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// CreateKey makes an API key of scope (read or admin) and returns it, in
// full this once (gsk_<8 hex>_<43 base64url>), with its record.
func (s *Service) CreateKey(ctx context.Context, name, scope string) (string, *APIKey, error) {
	if l := len(strings.TrimSpace(name)); l == 0 || len(name) > 100 {
		return "", nil, badInput("name", "want 1 to 100 characters")
	}
	if scope != ScopeRead && scope != ScopeAdmin {
		return "", nil, badInput("scope", "want read or admin, not %q", scope)
	}
	p := make([]byte, 4)
	secret := make([]byte, 32)
	_, _ = rand.Read(p)
	_, _ = rand.Read(secret)
	prefix := keyPrefix + hex.EncodeToString(p)
	key := prefix + "_" + base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(key))
	var k APIKey
	err := s.pool.QueryRow(ctx, `INSERT INTO guard_serve.api_keys (name, prefix, hash, scope) VALUES ($1, $2, $3, $4)
		RETURNING id, name, prefix, scope, created_at, last_used_at, revoked_at`, name, prefix, sum[:], scope).
		Scan(&k.ID, &k.Name, &k.Prefix, &k.Scope, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
	if err != nil {
		return "", nil, err
	}
	return key, &k, nil
}

// Keys lists the API keys, revoked ones included, by id.
func (s *Service) Keys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, prefix, scope, created_at, last_used_at, revoked_at
		FROM guard_serve.api_keys ORDER BY id`)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) {
		var k APIKey
		err := r.Scan(&k.ID, &k.Name, &k.Prefix, &k.Scope, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
		return k, err
	})
	if out == nil {
		out = []APIKey{}
	}
	return out, err
}

// RevokeKey revokes the key with the given prefix (gsk_xxxxxxxx, or the
// whole key): it is refused from then on.
func (s *Service) RevokeKey(ctx context.Context, prefix string) error {
	if len(prefix) > len(keyPrefix)+8 {
		prefix = prefix[:len(keyPrefix)+8]
	}
	tag, err := s.pool.Exec(ctx, `UPDATE guard_serve.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE prefix = $1`, prefix)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("API key %q: %w", prefix, ErrNotFound)
	}
	return nil
}

// dummyHash is compared against when no key has the prefix, so an unknown
// prefix costs what a known one does.
var dummyHash = sha256.Sum256([]byte("guard serve: no such key"))

// authenticate returns the key's record, or ErrBadKey. The hash is
// compared in constant time.
func (s *Service) authenticate(ctx context.Context, key string) (*APIKey, error) {
	prefix, _, ok := strings.Cut(strings.TrimPrefix(key, keyPrefix), "_")
	if !strings.HasPrefix(key, keyPrefix) || !ok || len(prefix) != 8 || len(key) > 200 {
		return nil, ErrBadKey
	}
	var k APIKey
	var hash []byte
	err := s.pool.QueryRow(ctx, `SELECT id, name, prefix, scope, created_at, revoked_at, hash
		FROM guard_serve.api_keys WHERE prefix = $1`, keyPrefix+prefix).
		Scan(&k.ID, &k.Name, &k.Prefix, &k.Scope, &k.CreatedAt, &k.RevokedAt, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		hash = dummyHash[:]
	} else if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(key))
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 || k.ID == 0 || k.RevokedAt != nil {
		return nil, ErrBadKey
	}
	_, _ = s.pool.Exec(ctx, `UPDATE guard_serve.api_keys SET last_used_at = now()
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, k.ID)
	return &k, nil
}

// failureLimiter counts failed authentications per client address in
// fixed windows; past the limit, the client is refused (429) until its
// window ends, even with a good key.
type failureLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	seen   map[string]*failures
}

type failures struct {
	start time.Time
	n     int
}

func newFailureLimiter(limit int, window time.Duration, now func() time.Time) *failureLimiter {
	return &failureLimiter{limit: limit, window: window, now: now, seen: map[string]*failures{}}
}

// blocked reports whether client is over the limit; retry is when it may
// try again.
func (l *failureLimiter) blocked(client string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.seen[client]
	now := l.now()
	if f == nil || now.Sub(f.start) >= l.window {
		return false, 0
	}
	return f.n >= l.limit, f.start.Add(l.window).Sub(now)
}

func (l *failureLimiter) fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.seen) > 10000 {
		for c, f := range l.seen {
			if now.Sub(f.start) >= l.window {
				delete(l.seen, c)
			}
		}
	}
	f := l.seen[client]
	if f == nil || now.Sub(f.start) >= l.window {
		f = &failures{start: now}
		l.seen[client] = f
	}
	f.n++
}
