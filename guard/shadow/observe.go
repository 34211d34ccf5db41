package shadow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sqltext"
)

// StepObserved is Step, watching what the file does: its statements run
// one at a time inside the file's transaction (the transaction the file
// would run in anyway), and after each the shadow session's relation locks
// (pg_locks), the relfilenodes and the sequential scans
// (pg_stat_xact_user_tables) of the relations it touched are read. Only
// relations that existed before the file are reported.
//
// What the file does is never changed: a file without transaction control
// runs as one transaction, as golang-migrate runs it (in a view, inside a
// savepoint of the view's transaction); a file that is one BEGIN … COMMIT
// block runs in its own block; any other file with transaction control, and
// a file holding a statement PostgreSQL refuses in a transaction block
// (sqltext.NoTransaction), runs as it is, in one piece, and only its
// rewrites are seen (File.PerStatement false). When a statement fails, the
// file's transaction is rolled back and the file run again as it is, so the
// error (a *MigrationError) is exactly the one Step returns.
//
// In a view, locks an earlier file of the same view took on a relation
// are still held (one transaction): a file taking the same lock again is
// not seen taking it (its rewrites, scans and index builds still are), and
// File.HeldBefore says so.
//
// The observation is returned with the error too: a file refused for a
// statement that cannot run in a transaction says so in File.Refused.
func (s *Shadow) StepObserved(ctx context.Context, src *source.Source, st source.Step) (*hazard.File, error) {
	obs := &hazard.File{File: st.File, Statements: []hazard.Statement{}}
	s.observing = obs
	defer func() { s.observing = nil }()
	err := s.Step(ctx, src, st)
	return obs, err
}

// execObserved runs one file's contents for StepObserved (see exec).
func (s *Shadow) execObserved(ctx context.Context, st source.Step, sql string, base *schema.Scope) error {
	obs := s.observing
	stmts := sqltext.Split(sql)
	tc := sqltext.TransactionControl(sql)
	refused := false
	for _, x := range stmts {
		if name, ok := sqltext.NoTransaction(x.Text); ok {
			refused = true
			if len(stmts) > 1 || tc {
				line, _ := sqltext.LineCol(sql, x.Offset)
				obs.Refused = append(obs.Refused, hazard.Refused{Line: line, Text: x.Text, Name: name})
			}
		}
	}
	switch {
	case refused:
		return s.execWhole(ctx, st, sql, stmts)
	case tc:
		if len(stmts) >= 2 && opens(stmts[0].Text) && closes(stmts[len(stmts)-1].Text) {
			inner := stmts[1 : len(stmts)-1]
			plain := true
			for _, x := range inner {
				plain = plain && !sqltext.TransactionControl(x.Text)
			}
			if plain {
				return s.execStatements(ctx, st, sql, stmts[0].Text, inner, stmts[len(stmts)-1].Text, "ROLLBACK", base)
			}
		}
		return s.execWhole(ctx, st, sql, stmts)
	case s.view:
		return s.execStatements(ctx, st, sql, "SAVEPOINT guard_observe", stmts, "RELEASE SAVEPOINT guard_observe",
			"ROLLBACK TO SAVEPOINT guard_observe; RELEASE SAVEPOINT guard_observe", base)
	}
	return s.execStatements(ctx, st, sql, "BEGIN", stmts, "COMMIT", "ROLLBACK", base)
}

// opens and closes report whether a statement begins or commits a
// transaction block.
func opens(stmt string) bool {
	w := strings.Fields(strings.ToLower(stmt))
	return len(w) > 0 && (w[0] == "begin" || len(w) > 1 && w[0] == "start" && w[1] == "transaction")
}

func closes(stmt string) bool {
	w := strings.Fields(strings.ToLower(stmt))
	return len(w) > 0 && (w[0] == "commit" || w[0] == "end")
}

// plainExec runs the file as exec does when nothing is observed.
func (s *Shadow) plainExec(ctx context.Context, st source.Step, sql string) error {
	o := s.observing
	s.observing = nil
	defer func() { s.observing = o }()
	return s.exec(ctx, st, sql)
}

// execWhole runs the file as it is, and compares relfilenodes before and
// after it.
func (s *Shadow) execWhole(ctx context.Context, st source.Step, sql string, stmts []sqltext.Statement) error {
	before, err := s.relations(ctx)
	if err != nil {
		return s.observeFailed(st, err)
	}
	if err := s.plainExec(ctx, st, sql); err != nil {
		return err
	}
	after, err := s.relations(ctx)
	if err != nil {
		return s.observeFailed(st, err)
	}
	one := hazard.Statement{Line: 1, Text: st.File}
	if len(stmts) > 0 {
		one.Line, _ = sqltext.LineCol(sql, stmts[0].Offset)
		if len(stmts) == 1 {
			one.Text = stmts[0].Text
		}
	}
	for oid, b := range before {
		if a, ok := after[oid]; ok && b.filenode != 0 && a.filenode != b.filenode {
			one.Rewrites = append(one.Rewrites, b.rel)
		}
	}
	sortRelations(one.Rewrites)
	s.observing.Statements = append(s.observing.Statements, one)
	return nil
}

// execStatements runs stmts one at a time between begin and end, reading
// the session's locks after each; undo ends the transaction (or
// savepoint) after a failure. Given base, what the schema changed since
// it was last read, it adds what the file changed (see scope.go) when it
// can tell, for Schema.
func (s *Shadow) execStatements(ctx context.Context, st source.Step, sql, begin string, stmts []sqltext.Statement, end, undo string, base *schema.Scope) error {
	obs := s.observing
	pc := s.conn.PgConn()
	relations, locks := s.observeQueries(ctx)
	res, err := pc.Exec(ctx, begin+";\n"+relations+";\n"+locks).ReadAll()
	if err != nil {
		return s.retryWhole(ctx, st, sql, undo, err)
	}
	start, err := parseRelations(res[1])
	if err != nil {
		return s.retryWhole(ctx, st, sql, undo, err)
	}
	prev, err := parseLocks(res[2])
	if err != nil {
		return s.retryWhole(ctx, st, sql, undo, err)
	}
	for oid, l := range prev {
		if _, ok := start[oid]; ok && s.view && l.strength >= hazard.Strength("ShareLock") {
			obs.HeldBefore = true
		}
	}
	filenode := map[uint32]uint32{}
	for oid, r := range start {
		filenode[oid] = r.filenode
	}
	seen := map[uint32]bool{} // relations made by the file, already reported
	var out []hazard.Statement
	changed, known := schema.Scope{}, base != nil
	for _, x := range stmts {
		if known {
			sc, ok := statementScope(x.Text)
			changed.Add(sc)
			known = ok
		}
		res, err := pc.Exec(ctx, x.Text+"\n;\n"+locks).ReadAll()
		if err != nil {
			return s.retryWhole(ctx, st, sql, undo, err)
		}
		now, err := parseLocks(res[len(res)-1])
		if err != nil {
			return s.retryWhole(ctx, st, sql, undo, err)
		}
		if known {
			changed.Tables = appendLocked(changed.Tables, now, start)
		}
		line, _ := sqltext.LineCol(sql, x.Offset)
		ob := hazard.Statement{Line: line, Text: x.Text}
		rewrote := map[uint32]bool{}
		for oid, l := range now {
			if _, ok := start[oid]; ok && l.filenode != 0 && l.filenode != filenode[oid] {
				filenode[oid] = l.filenode
				rewrote[oid] = true
			}
		}
		for _, oid := range sortedOIDs(now) {
			l := now[oid]
			r, existed := start[oid]
			if !existed {
				// A relation the file made: an index on a table that
				// existed is a build on that table.
				if t, ok := start[l.indrelid]; ok && l.kind == "i" && !seen[oid] {
					seen[oid] = true
					ob.IndexBuilds = append(ob.IndexBuilds, hazard.IndexBuild{Index: hazard.Relation{Schema: l.schema, Name: l.name, Kind: "i"}, Table: t.rel})
				}
				continue
			}
			p, ok := prev[oid]
			if !ok {
				p.scans = r.scans
			}
			if l.strength > p.strength {
				ob.Locks = append(ob.Locks, hazard.Lock{Relation: r.rel, Mode: l.mode})
			}
			if rewrote[oid] {
				if r.rel.Kind == "i" {
					// An index rebuilt without its table (REINDEX).
					if t, ok := start[r.indrelid]; ok && !rewrote[r.indrelid] {
						ob.IndexBuilds = append(ob.IndexBuilds, hazard.IndexBuild{Index: r.rel, Table: t.rel})
					}
				} else {
					ob.Rewrites = append(ob.Rewrites, r.rel)
				}
			}
			if (r.rel.Kind == "r" || r.rel.Kind == "m") && l.scans > p.scans {
				ob.Scans = append(ob.Scans, r.rel)
			}
		}
		out = append(out, ob)
		prev = now
	}
	if _, err := pc.Exec(ctx, end).ReadAll(); err != nil {
		return s.retryWhole(ctx, st, sql, undo, err)
	}
	obs.PerStatement = true
	obs.Statements = append(obs.Statements, out...)
	if known {
		base.Add(changed)
		s.since = base
	}
	return nil
}

// appendLocked appends to tables the relations of now that may be tables,
// and the tables of the indexes of now: a dropped relation (no kind any
// more) is, for all it is known, a table. A relation held in a mode weaker
// than SHARE UPDATE EXCLUSIVE (read, or rows written) had no DDL: every
// statement that changes a table's definition takes that mode or a
// stronger one, and DROP and CREATE take ACCESS EXCLUSIVE.
var ddlStrength = hazard.Strength("ShareUpdateExclusiveLock")

func appendLocked(tables []schema.ID, now map[uint32]relLock, start map[uint32]relation) []schema.ID {
	for oid, l := range now {
		if l.strength < ddlStrength {
			continue
		}
		switch l.kind {
		case "r", "p", "":
			tables = append(tables, schema.ID(oid))
		case "i":
			tables = append(tables, schema.ID(l.indrelid))
		}
		if l.root != 0 {
			tables = append(tables, schema.ID(l.root)) // a partition is known by its tree's table
		}
		if r, ok := start[oid]; ok && r.indrelid != 0 {
			tables = append(tables, schema.ID(r.indrelid)) // an index dropped, or renamed
		}
	}
	return tables
}

// observeQueries returns the statements that run relationsQuery and
// locksQuery: in a database of its own, the shadow's connection prepares
// them once (their planning cost more than running them, several times per
// file); in a view, whose transaction a failed PREPARE would end, and
// where preparing fails, they are sent as they are.
func (s *Shadow) observeQueries(ctx context.Context) (relations, locks string) {
	if s.prepared == 0 {
		s.prepared = -1
		if !s.view && s.tx == nil {
			_, err1 := s.conn.Prepare(ctx, "guard_observe_relations", relationsQuery)
			_, err2 := s.conn.Prepare(ctx, "guard_observe_locks", locksQuery)
			if err1 == nil && err2 == nil {
				s.prepared = 1
			}
		}
	}
	if s.prepared > 0 {
		return "EXECUTE guard_observe_relations", "EXECUTE guard_observe_locks"
	}
	return relationsQuery, locksQuery
}

// retryWhole ends the observed transaction after err and runs the file
// again as it is: the file's own error is what Step reports, and a file
// that succeeds that way (the observation changed something) is simply
// not observed.
func (s *Shadow) retryWhole(ctx context.Context, st source.Step, sql, undo string, err error) error {
	if ctx.Err() != nil {
		return s.observeFailed(st, fmt.Errorf("%w (%w)", err, context.Cause(ctx)))
	}
	if _, uerr := s.conn.PgConn().Exec(ctx, undo).ReadAll(); uerr != nil {
		return s.observeFailed(st, errors.Join(err, uerr))
	}
	return s.plainExec(ctx, st, sql)
}

// observeFailed fails the shadow on an error of the observation itself.
func (s *Shadow) observeFailed(st source.Step, err error) error {
	s.failed = true
	return &MigrationError{Step: st, InShadow: true, Err: fmt.Errorf("observe: %w", err)}
}

// The relations of the schemas a migration may touch: not the catalogs,
// TOAST or temporary schemas.
const userRelations = `c.relkind IN ('r','p','m','i') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'`

// relationsQuery lists them with their relfilenodes, and the tables'
// sequential scans the session has not reported yet: in PostgreSQL 15 the
// "xact" counters are the backend's pending ones, which may hold earlier
// transactions' (they are flushed when the session is idle outside a
// transaction block, never inside one).
const relationsQuery = `SELECT c.oid, c.relfilenode, c.relkind, n.nspname, c.relname, coalesce(i.indrelid, 0),
  CASE WHEN c.relkind IN ('r','m') THEN pg_stat_get_xact_numscans(c.oid) ELSE 0 END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = c.oid
WHERE ` + userRelations

// locksQuery lists the relations the session holds locks on, with their
// modes, relfilenodes and sequential scans in this transaction, and the
// partitioned table at the root of the tree a partition (or a partition's
// index) is in. A relation dropped in the transaction has no pg_class row
// any more (its kind is empty).
const locksQuery = `WITH l AS (SELECT relation, string_agg(mode, ',') AS modes FROM pg_locks
  WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  GROUP BY relation)
SELECT l.relation, coalesce(c.relfilenode, 0), coalesce(c.relkind::text, ''), coalesce(n.nspname::text, ''), coalesce(c.relname::text, ''), coalesce(i.indrelid, 0), pg_stat_get_xact_numscans(l.relation), l.modes,
  coalesce(pg_partition_root(coalesce(i.indrelid, l.relation))::oid, 0)
FROM l LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = c.oid
WHERE c.oid IS NULL OR (` + userRelations + `)`

// relation is a row of relationsQuery.
type relation struct {
	rel      hazard.Relation
	filenode uint32
	indrelid uint32
	scans    int64
}

// relLock is a row of locksQuery.
type relLock struct {
	filenode, indrelid uint32
	kind, schema, name string
	scans              int64
	mode               string // the strongest held
	strength           int
	root               uint32 // the root of its partition tree, if any
}

func (s *Shadow) relations(ctx context.Context) (map[uint32]relation, error) {
	res, err := s.conn.PgConn().Exec(ctx, relationsQuery).ReadAll()
	if err != nil {
		return nil, err
	}
	return parseRelations(res[0])
}

func parseRelations(res *pgconn.Result) (map[uint32]relation, error) {
	out := make(map[uint32]relation, len(res.Rows))
	for _, row := range res.Rows {
		if len(row) != 7 {
			return nil, fmt.Errorf("relations: %d columns", len(row))
		}
		oid, err1 := parseOID(row[0])
		fn, err2 := parseOID(row[1])
		ind, err3 := parseOID(row[5])
		scans, err4 := strconv.ParseInt(string(row[6]), 10, 64)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, err
		}
		out[oid] = relation{rel: hazard.Relation{Schema: string(row[3]), Name: string(row[4]), Kind: string(row[2])}, filenode: fn, indrelid: ind, scans: scans}
	}
	return out, nil
}

func parseLocks(res *pgconn.Result) (map[uint32]relLock, error) {
	out := make(map[uint32]relLock, len(res.Rows))
	for _, row := range res.Rows {
		if len(row) != 9 {
			return nil, fmt.Errorf("locks: %d columns", len(row))
		}
		oid, err1 := parseOID(row[0])
		fn, err2 := parseOID(row[1])
		ind, err3 := parseOID(row[5])
		scans, err4 := strconv.ParseInt(string(row[6]), 10, 64)
		root, err5 := parseOID(row[8])
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return nil, err
		}
		l := relLock{filenode: fn, indrelid: ind, kind: string(row[2]), schema: string(row[3]), name: string(row[4]), scans: scans, root: root}
		for _, m := range strings.Split(string(row[7]), ",") {
			if st := hazard.Strength(m); st > l.strength {
				l.mode, l.strength = m, st
			}
		}
		out[oid] = l
	}
	return out, nil
}

func parseOID(b []byte) (uint32, error) {
	n, err := strconv.ParseUint(string(b), 10, 32)
	return uint32(n), err
}

func sortedOIDs[V any](m map[uint32]V) []uint32 {
	out := make([]uint32, 0, len(m))
	for oid := range m {
		out = append(out, oid)
	}
	slices.Sort(out)
	return out
}

func sortRelations(rs []hazard.Relation) {
	slices.SortFunc(rs, func(a, b hazard.Relation) int { return strings.Compare(a.String(), b.String()) })
}
