package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/dburl"
)

// claim is a target this replica holds the lease of, for one check.
type claim struct {
	id           int64
	name         string
	sealed       []byte
	schemas      []string
	tables       []string
	contract     []byte
	contractPath string
	interval     time.Duration
	claimedAt    time.Time // the state server's clock
	scheduled    time.Time // when the check was due
	takeover     bool      // the lease was another replica's, expired
}

// Run runs this replica until ctx is done: it checks the targets that are
// due and delivers the webhooks that are, sharing the work with every
// other replica on the state database. It returns nil when ctx is
// cancelled, after the checks in flight have ended.
func (s *Service) Run(ctx context.Context) error {
	if s.seal == nil {
		return ErrNoSecretKey
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.runChecks(ctx) }()
	go func() { defer wg.Done(); s.runDeliveries(ctx) }()
	wg.Wait()
	return nil
}

// runChecks claims due targets every poll period, up to the free check
// slots, and checks each in a goroutine of its own.
func (s *Service) runChecks(ctx context.Context) {
	slots := make(chan struct{}, s.o.concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(s.o.poll)
	defer t.Stop()
	for {
		if free := cap(slots) - len(slots); free > 0 {
			claims, err := s.claimTargets(ctx, free)
			if err != nil && ctx.Err() == nil {
				s.o.log.Warn("claim targets", "err", err)
			}
			for _, c := range claims {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-slots; wg.Done() }()
					s.checkClaimed(ctx, c)
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

// CheckDue checks, in this goroutine, the targets that are due and whose
// lease no replica holds (at most limit of them), and returns how many it
// checked. Run does the same on a schedule.
func (s *Service) CheckDue(ctx context.Context, limit int) (int, error) {
	if s.seal == nil {
		return 0, ErrNoSecretKey
	}
	claims, err := s.claimTargets(ctx, limit)
	if err != nil {
		return 0, err
	}
	for _, c := range claims {
		s.checkClaimed(ctx, c)
	}
	return len(claims), nil
}

// claimTargets takes the lease of up to n due targets no live replica
// holds. SKIP LOCKED lets replicas claim at once without waiting on each
// other, and the lease (not the row lock) is what keeps a target to one
// replica for the length of its check.
func (s *Service) claimTargets(ctx context.Context, n int) ([]claim, error) {
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT id, lease_owner FROM guard_serve.targets
			WHERE next_check_at <= now() AND (lease_until IS NULL OR lease_until < now())
			ORDER BY next_check_at, id
			LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE guard_serve.targets t
		SET lease_owner = $1, lease_until = now() + $3 * interval '1 millisecond'
		FROM due WHERE t.id = due.id
		RETURNING t.id, t.name, t.url_sealed, t.schemas, t.tables, t.contract::text,
			coalesce(t.contract_path, ''), t.interval_seconds, now(), t.next_check_at, due.lease_owner IS NOT NULL`,
		s.o.replica, n, s.o.leaseTimeout.Milliseconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []claim
	for rows.Next() {
		var c claim
		var contractText *string
		var interval int
		if err := rows.Scan(&c.id, &c.name, &c.sealed, &c.schemas, &c.tables, &contractText,
			&c.contractPath, &interval, &c.claimedAt, &c.scheduled, &c.takeover); err != nil {
			return nil, err
		}
		if contractText != nil {
			c.contract = []byte(*contractText)
		}
		c.interval = time.Duration(interval) * time.Second
		out = append(out, c)
	}
	return out, rows.Err()
}

// next is when the target's next check is due: one interval after this
// one was due, so that a check that waited for a free slot does not push
// the following ones later; one interval after the claim when this one
// was late by an interval or more (a replica was down, say).
func (c claim) next() time.Time {
	if n := c.scheduled.Add(c.interval); n.After(c.claimedAt) {
		return n
	}
	return c.claimedAt.Add(c.interval)
}

// checkClaimed checks one target whose lease this replica holds, renewing
// the lease while the check runs, and records the outcome.
func (s *Service) checkClaimed(ctx context.Context, c claim) {
	if c.takeover {
		s.o.log.Info("lease taken over", "target", c.name)
		s.metrics.takeover()
	}
	renewCtx, stopRenew := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() { defer close(renewed); s.renewLease(renewCtx, "targets", c.id) }()
	defer func() { stopRenew(); <-renewed }()

	if s.o.hook != nil {
		s.o.hook(ctx, c.name)
	}
	start := time.Now()
	live, err := s.inspect(ctx, c)
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		// Shutting down: give the target back for another replica now
		// rather than after the lease timeout.
		s.release(context.WithoutCancel(ctx), "targets", c.id)
		return
	}
	if err := s.record(ctx, c, live, err, elapsed); err != nil {
		s.o.log.Warn("record check", "target", c.name, "err", err)
	}
}

// renewLease extends this replica's lease on row id of table every third
// of the lease timeout until ctx is done.
func (s *Service) renewLease(ctx context.Context, table string, id int64) {
	t := time.NewTicker(s.o.leaseTimeout / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := s.pool.Exec(ctx, `UPDATE guard_serve.`+table+` SET lease_until = now() + $3 * interval '1 millisecond'
			WHERE id = $1 AND lease_owner = $2`, id, s.o.replica, s.o.leaseTimeout.Milliseconds())
		if err != nil && ctx.Err() == nil {
			s.o.log.Warn("renew lease", "table", table, "id", id, "err", err)
		}
	}
}

// release gives up this replica's lease on row id of table (a replica
// that stops; one that dies cannot, and its lease lapses).
func (s *Service) release(ctx context.Context, table string, id int64) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.pool.Exec(ctx, `UPDATE guard_serve.`+table+` SET lease_owner = NULL, lease_until = NULL
		WHERE id = $1 AND lease_owner = $2`, id, s.o.replica); err != nil {
		s.o.log.Warn("release lease", "table", table, "id", id, "err", err)
	}
}

// inspect reads the target's schema, bounded by the check timeout.
func (s *Service) inspect(ctx context.Context, c claim) (*schema.Schema, error) {
	plain, err := s.seal.open(c.sealed, urlAD(c.name))
	if err != nil {
		return nil, err
	}
	cfg, err := dburl.Parse(string(plain))
	if err != nil {
		return nil, err
	}
	password := cfg.Password
	ctx, cancel := context.WithTimeout(ctx, s.o.checkTimeout)
	defer cancel()
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > s.o.checkTimeout {
		cfg.ConnectTimeout = s.o.checkTimeout
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "guard serve"
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, scrubErr(fmt.Errorf("connect to %s: %w", dburl.Describe(cfg), err), password)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	live, err := schema.Inspect(ctx, conn, schema.WithSchemas(c.schemas...))
	if err != nil {
		return nil, scrubErr(err, password)
	}
	return watched(live, c.tables), nil
}

// watched keeps only the named tables of s (all when names is empty).
func watched(s *schema.Schema, names []string) *schema.Schema {
	if len(names) == 0 {
		return s
	}
	keep := map[[2]string]bool{}
	for _, n := range names {
		sch, name, ok := schema.ParseTableName(n, "public")
		if ok {
			keep[[2]string{sch, name}] = true
		}
	}
	tables := s.Tables[:0:0]
	for _, t := range s.Tables {
		if keep[[2]string{t.Schema, t.Name}] {
			tables = append(tables, t)
		}
	}
	s.Tables = tables
	return s
}

// record stores the outcome of a check: a new version when the schema's
// hash changed, a drift event when the change set is not empty, a
// target_unreachable event when the target just became unreachable. It
// does nothing when this replica lost the lease meanwhile (another one has
// taken the target over). The lease is released and the next check
// scheduled one interval after this one was claimed.
func (s *Service) record(ctx context.Context, c claim, live *schema.Schema, checkErr error, elapsed time.Duration) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var lastError *string
	err = tx.QueryRow(ctx, `SELECT last_error FROM guard_serve.targets WHERE id = $1 AND lease_owner = $2 FOR UPDATE`,
		c.id, s.o.replica).Scan(&lastError)
	if errors.Is(err, pgx.ErrNoRows) {
		s.o.log.Warn("lease lost during the check; its result is dropped", "target", c.name)
		s.metrics.leaseLost()
		return nil
	}
	if err != nil {
		return err
	}
	ms := elapsed.Milliseconds()
	var events []int64
	if checkErr != nil {
		msg := oneLine(checkErr.Error())
		if lastError == nil {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO guard_serve.events (target_id, kind, error, duration_ms)
				VALUES ($1, 'target_unreachable', $2, $3) RETURNING id`, c.id, msg, ms).Scan(&id); err != nil {
				return err
			}
			events = append(events, id)
		}
		s.o.log.Warn("target unreachable", "target", c.name, "err", msg)
		if _, err := tx.Exec(ctx, `UPDATE guard_serve.targets SET checks = checks + 1, last_check_at = now(),
			last_duration_ms = $2, last_error = $3, lease_owner = NULL, lease_until = NULL, next_check_at = $4
			WHERE id = $1`, c.id, ms, msg, c.next()); err != nil {
			return err
		}
	} else {
		verdict, err := verdictOf(c, live)
		if err != nil {
			s.o.log.Warn("contract", "target", c.name, "err", err)
		}
		ev, err := s.storeVersion(ctx, tx, c, live, verdict, ms)
		if err != nil {
			return err
		}
		if ev != 0 {
			events = append(events, ev)
		}
		var drift *string
		var blocked *bool
		if verdict != nil {
			w := worstOf(verdict)
			drift, blocked = &w, &verdict.Blocked
		}
		if _, err := tx.Exec(ctx, `UPDATE guard_serve.targets SET checks = checks + 1, last_check_at = now(),
			last_success_at = now(), last_duration_ms = $2, last_error = NULL, lease_owner = NULL, lease_until = NULL,
			next_check_at = $3, contract_drift = $4, contract_blocked = $5 WHERE id = $1`,
			c.id, ms, c.next(), drift, blocked); err != nil {
			return err
		}
	}
	for _, id := range events {
		if err := s.enqueue(ctx, tx, c.id, id); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	s.metrics.checked(c.name, live, checkErr, elapsed)
	return nil
}

// storeVersion stores live as the target's next version when its hash is
// not the latest version's, and the drift event between them; it returns
// the event's id, or 0.
func (s *Service) storeVersion(ctx context.Context, tx pgx.Tx, c claim, live *schema.Schema, verdict *contract.Report, ms int64) (int64, error) {
	hash := live.Hash()
	var number int
	var prevHash string
	var prevDoc []byte
	err := tx.QueryRow(ctx, `SELECT number, hash, doc::text FROM guard_serve.versions WHERE target_id = $1
		ORDER BY number DESC LIMIT 1`, c.id).Scan(&number, &prevHash, &prevDoc)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, err
	}
	if number > 0 && prevHash == hash {
		return 0, nil
	}
	doc, err := json.Marshal(live)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO guard_serve.versions (target_id, number, hash, doc) VALUES ($1, $2, $3, $4)`,
		c.id, number+1, hash, string(doc)); err != nil {
		return 0, err
	}
	s.o.log.Info("new schema version", "target", c.name, "version", number+1, "hash", hash)
	if number == 0 {
		return 0, nil // the first version: nothing to compare with
	}
	var prev schema.Schema
	if err := json.Unmarshal(prevDoc, &prev); err != nil {
		return 0, fmt.Errorf("read version %d of %q: %w", number, c.name, err)
	}
	changes := diff.Schemas(&prev, live, diff.WithIdentity())
	if len(changes) == 0 {
		return 0, nil
	}
	changesJSON, err := json.Marshal(changes)
	if err != nil {
		return 0, err
	}
	var verdictJSON any
	if verdict != nil {
		b, err := json.Marshal(verdict)
		if err != nil {
			return 0, err
		}
		verdictJSON = string(b)
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO guard_serve.events (target_id, kind, from_version, to_version, impact, changes, verdict, duration_ms)
		VALUES ($1, 'drift', $2, $3, $4, $5, $6, $7) RETURNING id`,
		c.id, number, number+1, diff.Worst(changes).String(), string(changesJSON), verdictJSON, ms).Scan(&id)
	if err != nil {
		return 0, err
	}
	s.metrics.drift(c.name, changes, verdict)
	s.o.log.Info("drift", "target", c.name, "from", number, "to", number+1, "changes", len(changes), "impact", diff.Worst(changes).String())
	return id, nil
}

// verdictOf judges the live schema against the target's contract, if it
// has one: the drift from its locked snapshots, under its modes.
func verdictOf(c claim, live *schema.Schema) (*contract.Report, error) {
	var k *contract.Contract
	var err error
	switch {
	case c.contract != nil:
		k, err = contract.Parse("contract of "+c.name, c.contract)
	case c.contractPath != "":
		k, err = contract.Load(c.contractPath)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return k.Evaluate(k.Drift(live)), nil
}
