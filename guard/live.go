package guard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
)

// missingObject reports whether a file failed in a shadow on an object
// that is not there: a table, function, type, schema or role the applied
// history does not create (made by hand on the live database, or by a
// DBA).
func missingObject(err error) bool {
	var fe *source.FileError
	var pgErr *pgconn.PgError
	if !errors.As(err, &fe) || !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case pgerrcode.UndefinedTable, pgerrcode.UndefinedFunction, pgerrcode.UndefinedObject,
		pgerrcode.InvalidSchemaName, pgerrcode.UndefinedColumn:
		return true
	}
	return false
}

// fromLive decides where the dry-run starts. The replayed history (rep,
// and the error of its replay) is the start unless the live schema is not
// what it produces (history drift, in p) or a pending file failed in it on
// a missing object: then the move is replayed in a schema-only copy of the
// live database (shadow.Provider.Copy), which holds what the history does
// not. A file that fails there too fails the plan. When no copy can be
// had (a *shadow.CopyError), a replay that succeeded is kept, with a
// warning; one that failed is an *UncopiedError.
func (r *Runner) fromLive(ctx context.Context, prov *shadow.Provider, s *session, mv move, p *Plan, rep *replayed, repErr error) (*replayed, error) {
	var why string
	switch {
	case len(p.HistoryDrift) > 0:
		why = "history drift"
	case repErr != nil:
		var fe *source.FileError
		errors.As(repErr, &fe)
		why = fmt.Sprintf("%s needs an object the applied migrations do not create (%s)", fe.Step.File, pgMessage(repErr))
	default:
		return rep, nil
	}
	copied, err := r.replayOnCopy(ctx, prov, s, mv)
	if err == nil {
		copied.info.StartReason = why + ": planned on a copy of the live schema"
		p.Warnings = append(p.Warnings, copied.info.StartReason)
		return copied, nil
	}
	var ce *shadow.CopyError
	if !errors.As(err, &ce) || ctx.Err() != nil {
		return nil, err // a file fails on the live schema too, or the run ended
	}
	if repErr != nil {
		return nil, &UncopiedError{Replay: repErr, Copy: err}
	}
	rep.info.StartReason = fmt.Sprintf("%s, but the live schema could not be copied (%v): planned on the replayed history", why, err)
	p.Warnings = append(p.Warnings, rep.info.StartReason)
	return rep, nil
}

// replayOnCopy replays the move in a schema-only copy of the live
// database, reading its schema before the first file and after each.
// Roles the pending files name are given stand-ins where the shadow's
// server lacks them.
func (r *Runner) replayOnCopy(ctx context.Context, prov *shadow.Provider, s *session, mv move) (_ *replayed, err error) {
	if s.pooled {
		return nil, &shadow.CopyError{Reason: "the target is reached through a transaction pooler, where pg_dump's session settings would reach other clients",
			Fix: "run guard against the server directly (not through the pooler), or bring the live schema back in line with its history"}
	}
	start := time.Now()
	var texts []string
	for _, st := range mv.steps {
		if body, err := s.src.Read(st.File); err == nil {
			texts = append(texts, string(body))
		}
	}
	sh, err := prov.Copy(ctx, r.cfg, s.src, mv.from, texts...)
	if err != nil {
		return nil, err
	}
	// Dropped (with its stand-in roles) with the provider, in the
	// background (see plan).
	rep := &replayed{info: ShadowInfo{Placement: string(sh.Placement()), BuildMS: ms(time.Since(start)), Start: StartLiveCopy}}
	base, err := sh.Schema(ctx)
	if err != nil {
		return nil, err
	}
	rep.schemas = append(rep.schemas, base)
	if err := r.stepThrough(ctx, sh, s.src, mv, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// pgMessage is the server's message in err, or err's text.
func pgMessage(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Message
	}
	return err.Error()
}
