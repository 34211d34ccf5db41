package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

// Version is one stored version of a target's schema.
type Version struct {
	Target    string         `json:"target"`
	Number    int            `json:"number"`
	Hash      string         `json:"hash"`
	CreatedAt time.Time      `json:"created_at"`
	Schema    *schema.Schema `json:"schema,omitempty"`
}

// Event is a drift event (kind "drift": the changes between two
// consecutive versions, classified, and the contract's verdict) or a
// target_unreachable event (the check's error).
type Event struct {
	ID          int64           `json:"id"`
	Target      string          `json:"target"`
	Kind        string          `json:"kind"`
	FromVersion *int            `json:"from_version"`
	ToVersion   *int            `json:"to_version"`
	Impact      *string         `json:"impact"`
	Blocked     bool            `json:"blocked"`
	Changes     []diff.Change   `json:"changes"`
	Verdict     json.RawMessage `json:"verdict"`
	Error       *string         `json:"error"`
	DurationMS  int64           `json:"duration_ms"`
	CreatedAt   time.Time       `json:"created_at"`
}

// Page asks for one page of a list, newest first: up to Limit items
// (default 50, at most 500) older than Before (an id or version number;
// 0: from the newest).
type Page struct {
	Limit  int
	Before int64
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 500:
		return 500
	}
	return p.Limit
}

func (s *Service) targetID(ctx context.Context, q querier, name string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM guard_serve.targets WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("target %q: %w", name, ErrNotFound)
	}
	return id, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Versions lists a target's versions, newest first, without their schemas.
func (s *Service) Versions(ctx context.Context, target string, p Page) ([]Version, error) {
	id, err := s.targetID(ctx, s.pool, target)
	if err != nil {
		return nil, err
	}
	before := p.Before
	if before <= 0 {
		before = 1<<31 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT number, hash, created_at FROM guard_serve.versions
		WHERE target_id = $1 AND number < $2 ORDER BY number DESC LIMIT $3`, id, before, p.limit())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		v := Version{Target: target}
		if err := rows.Scan(&v.Number, &v.Hash, &v.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Version returns version number of a target with its schema; number 0 is
// the latest. An unknown target or version wraps ErrNotFound.
func (s *Service) Version(ctx context.Context, target string, number int) (*Version, error) {
	id, err := s.targetID(ctx, s.pool, target)
	if err != nil {
		return nil, err
	}
	v := Version{Target: target}
	var doc []byte
	err = s.pool.QueryRow(ctx, `SELECT number, hash, created_at, doc::text FROM guard_serve.versions
		WHERE target_id = $1 AND ($2 = 0 OR number = $2) ORDER BY number DESC LIMIT 1`, id, number).
		Scan(&v.Number, &v.Hash, &v.CreatedAt, &doc)
	if errors.Is(err, pgx.ErrNoRows) {
		if number == 0 {
			return nil, fmt.Errorf("target %q has no version yet: %w", target, ErrNotFound)
		}
		return nil, fmt.Errorf("version %d of target %q: %w", number, target, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	v.Schema = new(schema.Schema)
	if err := json.Unmarshal(doc, v.Schema); err != nil {
		return nil, fmt.Errorf("read version %d of %q: %w", v.Number, target, err)
	}
	return &v, nil
}

// DiffResult is the difference between two versions of a target.
type DiffResult struct {
	Target  string        `json:"target"`
	From    int           `json:"from"`
	To      int           `json:"to"`
	Impact  string        `json:"impact"`
	Changes []diff.Change `json:"changes"`
}

// Diff classifies the changes from version a to version b of a target (in
// either order).
func (s *Service) Diff(ctx context.Context, target string, a, b int) (*DiffResult, error) {
	if a <= 0 || b <= 0 {
		return nil, badInput("from/to", "version numbers start at 1")
	}
	va, err := s.Version(ctx, target, a)
	if err != nil {
		return nil, err
	}
	vb, err := s.Version(ctx, target, b)
	if err != nil {
		return nil, err
	}
	changes := diff.Schemas(va.Schema, vb.Schema, diff.WithIdentity())
	if changes == nil {
		changes = []diff.Change{}
	}
	impact := "none"
	if len(changes) > 0 {
		impact = diff.Worst(changes).String()
	}
	return &DiffResult{Target: target, From: a, To: b, Impact: impact, Changes: changes}, nil
}

const eventColumns = `e.id, t.name, e.kind, e.from_version, e.to_version, e.impact,
	coalesce((e.verdict->>'blocked')::boolean, false), e.changes::text, e.verdict::text, e.error, e.duration_ms, e.created_at`

func scanEvent(row pgx.Row) (*Event, error) {
	var e Event
	var changes string
	var verdict *string
	if err := row.Scan(&e.ID, &e.Target, &e.Kind, &e.FromVersion, &e.ToVersion, &e.Impact, &e.Blocked,
		&changes, &verdict, &e.Error, &e.DurationMS, &e.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return nil, err
	}
	if e.Changes == nil {
		e.Changes = []diff.Change{}
	}
	if verdict != nil {
		e.Verdict = json.RawMessage(*verdict)
	}
	return &e, nil
}

// Events lists a target's events, newest first.
func (s *Service) Events(ctx context.Context, target string, p Page) ([]Event, error) {
	id, err := s.targetID(ctx, s.pool, target)
	if err != nil {
		return nil, err
	}
	before := p.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM guard_serve.events e
		JOIN guard_serve.targets t ON t.id = e.target_id
		WHERE e.target_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3`, id, before, p.limit())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// Event returns one event by id, or an error wrapping ErrNotFound.
func (s *Service) Event(ctx context.Context, id int64) (*Event, error) {
	return loadEvent(ctx, s.pool, id)
}

func loadEvent(ctx context.Context, q querier, id int64) (*Event, error) {
	e, err := scanEvent(q.QueryRow(ctx, `SELECT `+eventColumns+` FROM guard_serve.events e
		JOIN guard_serve.targets t ON t.id = e.target_id WHERE e.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	return e, err
}
