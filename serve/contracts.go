package serve

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

// ContractView is a target's contract as the API shows it, and where it
// is kept: "service" (owned by guard serve, changed through the API),
// "file" (contract_path, read-only here) or "none".
type ContractView struct {
	Target   string             `json:"target"`
	Source   string             `json:"source"`
	Contract *contract.Contract `json:"contract"`
}

// ContractDrift is a contract's report on a schema: the latest stored
// version, or the live database (Live).
type ContractDrift struct {
	Target  string           `json:"target"`
	Version *int             `json:"version"` // nil for a live check
	Live    bool             `json:"live"`
	Drift   string           `json:"drift"` // none, safe, risky or breaking: the worst impact
	Report  *contract.Report `json:"report"`
}

// worstOf returns the worst impact of a report's items, or "none".
func worstOf(r *contract.Report) string {
	w := diff.Impact(0)
	for _, t := range r.Tables {
		for _, it := range t.Items {
			if it.Impact > w {
				w = it.Impact
			}
		}
	}
	if w == 0 {
		return "none"
	}
	return w.String()
}

// contractRow reads a target's contract and its source.
func (s *Service) contractRow(ctx context.Context, q querier, target string, forUpdate bool) (int64, *ContractView, error) {
	var id int64
	var doc *string
	var path string
	sql := `SELECT id, contract::text, coalesce(contract_path, '') FROM guard_serve.targets WHERE name = $1`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	err := q.QueryRow(ctx, sql, target).Scan(&id, &doc, &path)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, fmt.Errorf("target %q: %w", target, ErrNotFound)
	}
	if err != nil {
		return 0, nil, err
	}
	v := &ContractView{Target: target, Source: "none", Contract: contract.New()}
	switch {
	case doc != nil:
		v.Source = "service"
		v.Contract, err = contract.Parse("contract of "+target, []byte(*doc))
	case path != "":
		v.Source = "file"
		v.Contract, err = contract.Load(path)
	}
	return id, v, err
}

// Contract returns a target's contract (an empty one in mode none when it
// has none).
func (s *Service) Contract(ctx context.Context, target string) (*ContractView, error) {
	_, v, err := s.contractRow(ctx, s.pool, target, false)
	return v, err
}

// liveSchema reads a target's schema now, as a check does.
func (s *Service) liveSchema(ctx context.Context, target string) (*schema.Schema, error) {
	var c claim
	err := s.pool.QueryRow(ctx, `SELECT id, name, url_sealed, schemas, tables FROM guard_serve.targets WHERE name = $1`, target).
		Scan(&c.id, &c.name, &c.sealed, &c.schemas, &c.tables)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("target %q: %w", target, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if s.seal == nil {
		return nil, ErrNoSecretKey
	}
	live, err := s.inspect(ctx, c)
	if err != nil {
		return nil, &UnreachableError{Target: target, Err: err}
	}
	return live, nil
}

// latestSchema is the schema of a target's latest stored version.
func (s *Service) latestSchema(ctx context.Context, target string) (*schema.Schema, int, error) {
	v, err := s.Version(ctx, target, 0)
	if err != nil {
		return nil, 0, err
	}
	return v.Schema, v.Number, nil
}

// changeContract applies change to the target's service-owned contract
// (creating it when the target has none) in a transaction holding the
// target's row, so concurrent changes do not overwrite each other. A
// contract kept in a file is ErrConflict.
func (s *Service) changeContract(ctx context.Context, target string, change func(*contract.Contract) error) (*ContractView, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	id, v, err := s.contractRow(ctx, tx, target, true)
	if err != nil {
		return nil, err
	}
	if v.Source == "file" {
		return nil, fmt.Errorf("the contract of target %q is a file on the service's machine; edit it with guard contract: %w", target, ErrConflict)
	}
	if err := change(v.Contract); err != nil {
		return nil, err
	}
	doc, err := v.Contract.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE guard_serve.targets SET contract = $2 WHERE id = $1`, id, string(doc)); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	v.Source = "service"
	s.o.log.Info("contract changed", "target", target)
	return v, nil
}

// SetContractMode sets the lock mode of a target's contract.
func (s *Service) SetContractMode(ctx context.Context, target, mode string) (*ContractView, error) {
	m, err := contract.ParseMode(mode)
	if err != nil {
		return nil, badInput("mode", "%s", err.Error())
	}
	return s.changeContract(ctx, target, func(c *contract.Contract) error { c.SetMode(m); return nil })
}

// LockTables locks the named tables (none: every table) of a target with
// their live shape, read now. Naming a table locked already is ErrConflict
// (promote it to take its live shape); an unknown table is ErrNotFound.
func (s *Service) LockTables(ctx context.Context, target string, names []string, mode string) (*contract.LockResult, error) {
	var m contract.Mode
	if mode != "" {
		var err error
		if m, err = contract.ParseMode(mode); err != nil {
			return nil, badInput("mode", "%s", err.Error())
		}
	}
	live, err := s.liveSchema(ctx, target)
	if err != nil {
		return nil, err
	}
	var res *contract.LockResult
	_, err = s.changeContract(ctx, target, func(c *contract.Contract) error {
		for _, n := range names {
			if lt, err := c.Find(n); err == nil {
				return fmt.Errorf("table %s is locked already; promote it to accept its live shape: %w", lt.Table, ErrConflict)
			}
		}
		var err error
		res, err = c.Lock(live, names, m, time.Now())
		return tableErr(err)
	})
	return res, err
}

// UnlockTables unlocks the named tables (none: all) of a target.
func (s *Service) UnlockTables(ctx context.Context, target string, names []string) ([]string, error) {
	var out []string
	_, err := s.changeContract(ctx, target, func(c *contract.Contract) error {
		var err error
		out, err = c.Unlock(names)
		return tableErr(err)
	})
	if out == nil {
		out = []string{}
	}
	return out, err
}

// PromoteTables accepts the live shape (read now) of the named locked
// tables (none: all) into a target's contract.
func (s *Service) PromoteTables(ctx context.Context, target string, names []string) (*contract.PromoteResult, error) {
	live, err := s.liveSchema(ctx, target)
	if err != nil {
		return nil, err
	}
	var res *contract.PromoteResult
	_, err = s.changeContract(ctx, target, func(c *contract.Contract) error {
		var err error
		res, err = c.Promote(live, names, time.Now())
		return tableErr(err)
	})
	return res, err
}

// DiffContract reports a target's drift from its contract (only the named
// tables, when given): against the latest stored version, or, with live,
// the database read now.
func (s *Service) DiffContract(ctx context.Context, target string, tables []string, live bool) (*ContractDrift, error) {
	v, err := s.Contract(ctx, target)
	if err != nil {
		return nil, err
	}
	out := &ContractDrift{Target: target, Live: live}
	var sch *schema.Schema
	if live {
		if sch, err = s.liveSchema(ctx, target); err != nil {
			return nil, err
		}
	} else {
		var n int
		if sch, n, err = s.latestSchema(ctx, target); err != nil {
			return nil, err
		}
		out.Version = &n
	}
	report := v.Contract.Evaluate(v.Contract.Drift(sch))
	if len(tables) > 0 {
		var names []string
		for _, t := range tables {
			lt, err := v.Contract.Find(t)
			if err != nil {
				return nil, tableErr(err)
			}
			names = append(names, lt.Table)
		}
		report = report.Filter(names)
	}
	out.Report = report
	out.Drift = worstOf(report)
	return out, nil
}

// tableErr makes an unknown table ErrNotFound (keeping its message).
func tableErr(err error) error {
	var ue *contract.UnknownTableError
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Error(), ErrNotFound)
	}
	return err
}
