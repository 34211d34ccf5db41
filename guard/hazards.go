package guard

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
)

// WithoutHazards replays pending files in the shadow as whole files, not
// statement by statement: plans have no hazards (see package hazard), and
// the contract's hazard policy blocks nothing.
func WithoutHazards() Option {
	return func(c *config) error { c.noHazards = true; return nil }
}

// WithAllowHazards applies migrations the contract's hazard policy blocks.
// The result's warnings say so.
func WithAllowHazards() Option {
	return func(c *config) error { c.allowHazards = true; return nil }
}

// HazardsBlockedError is a plan the contract's hazard policy blocks
// (Plan.HazardsBlocked): nothing was applied. errors.As finds a
// *BlockedError in it too, with the same plan: a caller that stops on a
// blocked plan stops on this one.
type HazardsBlockedError struct {
	Plan *Plan
}

func (e *HazardsBlockedError) Error() string {
	var hs []string
	for _, st := range e.Plan.Steps {
		for _, h := range st.Hazards {
			if h.Blocked {
				hs = append(hs, fmt.Sprintf("%s on %s (%s:%d)", h.Code, h.Table, h.File, h.Line))
			}
		}
	}
	return fmt.Sprintf("blocked by the contract's hazard policy (%s): %s; nothing was applied", e.Plan.HazardPolicy, strings.Join(hs, ", "))
}

// As makes a *HazardsBlockedError a *BlockedError for errors.As.
func (e *HazardsBlockedError) As(target any) bool {
	if b, ok := target.(**BlockedError); ok {
		*b = &BlockedError{Plan: e.Plan}
		return true
	}
	return false
}

// observeStep replays one file in the shadow, statement by statement
// unless hazards are off (nil observation then). A file refused for a
// statement that cannot run in a transaction says which and the safe
// pattern.
func (r *Runner) observeStep(ctx context.Context, sh *shadow.Shadow, src *source.Source, st source.Step) (*hazard.File, error) {
	if r.c.noHazards {
		return nil, sh.Step(ctx, src, st)
	}
	obs, err := sh.StepObserved(ctx, src, st)
	if err != nil && obs != nil && len(obs.Refused) > 0 {
		rf := obs.Refused[0]
		err = fmt.Errorf("%w (%s, line %d: %s)", err, hazard.ConcurrentInTransaction, rf.Line, hazard.Hint(hazard.ConcurrentInTransaction))
	}
	return obs, err
}

// judgeHazards derives the hazards of each step from what the shadow saw,
// sizes them by the target's statistics on the session (a hazard on a
// table the target does not have is dropped: the plan makes it, nobody
// uses it yet), and judges them by the contract's hazard policy.
func (r *Runner) judgeHazards(ctx context.Context, s *session, p *Plan, c *contract.Contract, observed []*hazard.File) error {
	if r.c.noHazards {
		return nil
	}
	p.HazardPolicy = c.Hazards.String()
	per := make([][]hazard.Hazard, len(p.Steps))
	var schemas, names []string
	seen := map[string]bool{}
	for i, obs := range observed {
		if i >= len(per) || obs == nil {
			continue
		}
		per[i] = hazard.Derive(*obs)
		for _, h := range per[i] {
			if h.Table == "" || seen[h.Table] {
				continue
			}
			seen[h.Table] = true
			sch, name, _ := strings.Cut(h.Table, ".")
			schemas, names = append(schemas, sch), append(names, name)
		}
	}
	sizes, err := tableSizes(ctx, s.conn, schemas, names)
	if err != nil {
		return err
	}
	for i := range p.Steps {
		kept := []hazard.Hazard{}
		for _, h := range per[i] {
			if h.Table != "" {
				sz, ok := sizes[h.Table]
				if !ok {
					continue
				}
				h.Rows, h.Bytes = sz.rows, &sz.bytes
			}
			if c.Hazards.Blocks(h) {
				h.Blocked = true
				p.HazardsBlocked = true
			}
			kept = append(kept, h)
		}
		p.Steps[i].Hazards = kept
	}
	return nil
}

// gateHazards refuses a plan the hazard policy blocks, unless
// WithAllowHazards, which the result's warnings then say loudly.
func (r *Runner) gateHazards(p *Plan, res *Result) error {
	if !p.HazardsBlocked {
		return nil
	}
	if !r.c.allowHazards {
		return &HazardsBlockedError{Plan: p}
	}
	res.Warnings = append(res.Warnings, "the contract's hazard policy blocks this plan: applying it anyway because hazards were allowed (--allow-hazards)")
	return nil
}

type tableSize struct {
	rows  *int64 // nil: never analysed (reltuples -1)
	bytes int64
}

// tableSizes reads the target's statistics of the named tables, by
// "schema.name"; a table the target lacks is absent.
func tableSizes(ctx context.Context, conn *pgx.Conn, schemas, names []string) (map[string]tableSize, error) {
	out := map[string]tableSize{}
	if len(names) == 0 {
		return out, nil
	}
	rows, err := conn.Query(ctx, `SELECT s.nsp || '.' || s.rel, c.reltuples::int8, pg_relation_size(c.oid)
FROM unnest($1::text[], $2::text[]) AS s(nsp, rel)
JOIN pg_namespace n ON n.nspname = s.nsp
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.rel`, once, schemas, names)
	if err != nil {
		return nil, fmt.Errorf("hazards: read table sizes on the target: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var tuples, bytes int64
		if err := rows.Scan(&name, &tuples, &bytes); err != nil {
			return nil, fmt.Errorf("hazards: read table sizes on the target: %w", err)
		}
		sz := tableSize{bytes: bytes}
		if tuples >= 0 {
			sz.rows = &tuples
		}
		out[name] = sz
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hazards: read table sizes on the target: %w", err)
	}
	return out, nil
}

// heldBefore reports whether a file of a replay in a view may have taken
// locks the view already held (see hazard.File.HeldBefore).
func heldBefore(rep *replayed) bool {
	for _, obs := range rep.observed {
		if obs != nil && obs.HeldBefore {
			return true
		}
	}
	return false
}
