package schema

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Scope says what Reinspect reads again: the tables whose own catalog rows
// may have changed, and the other kinds of object to read again in full.
type Scope struct {
	// Tables are the tables, by oid, that may have been created, altered or
	// dropped, or whose columns, constraints, indexes, triggers, policies or
	// grants may have changed. An oid that is not a table (an index, a
	// dropped relation) is harmless.
	Tables []ID
	// The kinds read again in full.
	Views, Functions, Enums, Sequences, Extensions, Domains, Composites bool
	// Policies reads again the tables that have row-level security
	// policies, whose expressions may read other tables (a column renamed
	// there prints so in them).
	Policies bool
}

// Empty reports whether sc names nothing to read again.
func (sc Scope) Empty() bool {
	return len(sc.Tables) == 0 && !sc.Views && !sc.Functions && !sc.Enums && !sc.Sequences &&
		!sc.Extensions && !sc.Domains && !sc.Composites && !sc.Policies
}

// Add adds o to sc.
func (sc *Scope) Add(o Scope) {
	sc.Tables = append(sc.Tables, o.Tables...)
	sc.Views = sc.Views || o.Views
	sc.Functions = sc.Functions || o.Functions
	sc.Enums = sc.Enums || o.Enums
	sc.Sequences = sc.Sequences || o.Sequences
	sc.Extensions = sc.Extensions || o.Extensions
	sc.Domains = sc.Domains || o.Domains
	sc.Composites = sc.Composites || o.Composites
	sc.Policies = sc.Policies || o.Policies
}

// Reinspect reads again what sc names, over conn, and takes the rest from
// prev: the schema Inspect (or Reinspect) read from the same database, with
// the same options, before the changes sc covers. It is Inspect for a caller
// that knows what changed since, as a shadow database does after each file
// it replays (it sees the relations a file locks): reading 3 tables of 300
// again costs a small part of reading them all. prev is not modified.
//
// Besides the tables of sc, it reads again the tables of prev with a
// foreign key to one of them (a rename or a dropped column shows in the
// key), and with sc.Policies those with policies. A prev without table oids (read from a contract) is read in full.
// The result is what Inspect would return when sc covers every change.
func Reinspect(ctx context.Context, conn Querier, prev *Schema, sc Scope, opts ...Option) (*Schema, error) {
	if prev == nil || !hasOIDs(prev) {
		return Inspect(ctx, conn, opts...)
	}
	o, err := inspectOptions(conn, opts)
	if err != nil {
		return nil, err
	}
	o.parallelism = 1 // a few tables: one connection
	oids := scopeTables(prev, sc.Tables, sc.Policies)
	s, err := reinspect(ctx, conn, o, prev, oids, sc)
	if err != nil {
		return nil, err
	}
	return s.Canonical(), nil
}

func hasOIDs(s *Schema) bool {
	for _, t := range s.Tables {
		if t.OID == 0 {
			return false
		}
	}
	return true
}

// scopeTables is the oids of sc, those of the tables of prev with a
// foreign key to one of them, and, with policies, those of the tables of
// prev with policies, sorted.
func scopeTables(prev *Schema, tables []ID, policies bool) []uint32 {
	in := make(map[ID]bool, len(tables))
	for _, id := range tables {
		in[id] = true
	}
	named := map[string]bool{}
	for _, t := range prev.Tables {
		if in[t.OID] {
			named[Qualify(t.Schema, t.Name)] = true
		}
	}
	out := make([]uint32, 0, len(in))
	for id := range in {
		out = append(out, uint32(id))
	}
	for _, t := range prev.Tables {
		if in[t.OID] {
			continue
		}
		if policies && len(t.Policies) > 0 {
			out = append(out, uint32(t.OID))
			continue
		}
		for _, fk := range t.ForeignKeys {
			if named[Qualify(fk.ReferencedSchema, fk.ReferencedTable)] {
				out = append(out, uint32(t.OID))
				break
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func reinspect(ctx context.Context, conn Querier, o *options, prev *Schema, oids []uint32, sc Scope) (_ *Schema, err error) {
	fail := func(step string, err error) error {
		return &InspectError{Schemas: o.schemas, Step: step, Err: err}
	}

	s := &Schema{Schemas: o.schemas}
	tables := &tableReader{o: o, s: s, tabs: tableIndex{}}
	rows := catalogRows{tables: tables}
	var queries []query
	for _, cq := range catalogQueries(o.schemas, &rows) {
		switch cq.sql {
		case tablesQuery:
			cq.sql, cq.args = ofTables(cq.sql, "oid", len(cq.args)), append(cq.args, oids)
		case constraintsQuery, indexesQuery, triggersQuery, policiesQuery, partitionsQuery, identitiesQuery:
			cq.sql, cq.args = ofTables(cq.sql, "table_oid", len(cq.args)), append(cq.args, oids)
		case factsQuery:
		case viewsQuery:
			if !sc.Views {
				continue
			}
		case functionsQuery:
			if !sc.Functions {
				continue
			}
		case enumsQuery:
			if !sc.Enums {
				continue
			}
		case sequencesQuery:
			if !sc.Sequences {
				continue
			}
		case extensionsQuery:
			if !sc.Extensions {
				continue
			}
		case domainsQuery:
			if !sc.Domains {
				continue
			}
		case compositesQuery:
			if !sc.Composites {
				continue
			}
		default:
			// A kind this function does not know yet: read it in full.
			return inspect(ctx, conn, o)
		}
		queries = append(queries, cq)
	}
	q, begin, done, err := reinspectTransaction(ctx, conn, o)
	if err != nil {
		return nil, err
	}
	defer done(&err)
	if err := runQueries(ctx, q, o.schemas, append(begin, queries...)...); err != nil {
		return nil, err
	}
	if err := nameTypes(ctx, q, s, &tables.types); err != nil {
		return nil, err
	}
	tabs := tables.tabs
	if err := readTableParts(ctx, q, s, tabs, &rows.side, fail); err != nil {
		return nil, err
	}

	out := &Schema{Schemas: o.schemas, Enums: prev.Enums, Views: prev.Views, Functions: prev.Functions,
		Sequences: prev.Sequences, Extensions: prev.Extensions, Domains: prev.Domains, Composites: prev.Composites}
	again := make(map[ID]bool, len(oids))
	for _, id := range oids {
		again[ID(id)] = true
	}
	for _, t := range prev.Tables {
		if !again[t.OID] {
			out.Tables = append(out.Tables, t)
		}
	}
	out.Tables = append(out.Tables, s.Tables...)
	if sc.Views {
		if out.Views, err = readViews(rows.side.views); err != nil {
			return nil, fail("read views", err)
		}
	}
	if sc.Functions {
		out.Functions = readFunctions(rows.side.functions)
	}
	if sc.Enums {
		out.Enums = readEnums(rows.side.enums)
	}
	if sc.Sequences {
		owners, err := sequenceOwners(ctx, q, rows.side.sequences, tabs, out.Tables)
		if err != nil {
			return nil, fail("read sequences", err)
		}
		out.Sequences = readSequences(rows.side.sequences, owners)
	}
	if sc.Extensions {
		out.Extensions = readExtensions(rows.side.extensions)
	}
	if sc.Domains {
		if out.Domains, err = readDomains(rows.side.domains); err != nil {
			return nil, fail("read domains", err)
		}
	}
	if sc.Composites {
		if out.Composites, err = readComposites(rows.side.composites); err != nil {
			return nil, fail("read composite types", err)
		}
	}
	// The kinds taken from prev are shared with it: copy the slices
	// Canonical sorts, so that prev is left as it was.
	out.Tables = slices.Clone(out.Tables)
	out.Enums, out.Views, out.Functions = slices.Clone(out.Enums), slices.Clone(out.Views), slices.Clone(out.Functions)
	out.Sequences, out.Extensions = slices.Clone(out.Sequences), slices.Clone(out.Extensions)
	out.Domains, out.Composites = slices.Clone(out.Domains), slices.Clone(out.Composites)
	return out, nil
}

// ofTables restricts a catalog query to the rows whose column col is one of
// the oids of its next parameter (after n).
func ofTables(sql, col string, n int) string {
	sql = strings.TrimRight(strings.TrimSpace(sql), ";")
	return "SELECT * FROM (\n" + sql + "\n) AS q WHERE q." + col + " = ANY($" + strconv.Itoa(n+1) + "::oid[])"
}

// sequenceOwners names the tables owning sequences: those read now, those
// of tables (the rest of the schema, from before), and, for the others (a
// table left out), read from the catalog.
func sequenceOwners(ctx context.Context, q Querier, srs []*sequenceRow, tabs tableIndex, tables []Table) (tableIndex, error) {
	owners := make(tableIndex, len(tabs))
	for oid, e := range tabs {
		owners[oid] = e
	}
	for i := range tables {
		t := &tables[i]
		if _, ok := owners[uint32(t.OID)]; ok {
			continue
		}
		e := &tableEntry{index: -1, schema: t.Schema, name: t.Name}
		for _, c := range t.Columns {
			e.attnums = append(e.attnums, int16(c.Attnum))
			e.names = append(e.names, c.Name)
		}
		owners[uint32(t.OID)] = e
	}
	var missing []uint32
	for _, sr := range srs {
		if _, ok := owners[sr.OwnerOID]; !ok && sr.OwnerOID != 0 {
			missing = append(missing, sr.OwnerOID)
		}
	}
	if len(missing) == 0 {
		return owners, nil
	}
	slices.Sort(missing)
	others, err := readColumnNames(ctx, q, slices.Compact(missing))
	if err != nil {
		return nil, err
	}
	for oid, e := range others {
		owners[oid] = e
	}
	return owners, nil
}

// reinspectTransaction is readTransaction, but on a connection the
// transaction begins and is configured by the first queries of the batch
// (begin), in the round trip of the catalog queries: Reinspect runs after
// every file a shadow replays, where a round trip is a good part of its
// time.
func reinspectTransaction(ctx context.Context, conn Querier, o *options) (Querier, []query, func(*error), error) {
	c, ok := conn.(*pgx.Conn)
	if !ok || c.PgConn().TxStatus() != 'I' {
		q, _, done, err := readTransaction(ctx, conn, o)
		return q, nil, done, err
	}
	discard := func(r pgx.Rows) error { r.Close(); return r.Err() }
	begin := []query{{step: "begin transaction", sql: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", collect: discard}}
	for _, set := range strings.Split(configureTx, "; ") {
		begin = append(begin, query{step: "configure transaction", sql: set, collect: discard})
	}
	return c, begin, func(err *error) {
		if c.PgConn().TxStatus() == 'I' {
			return // the batch failed before BEGIN
		}
		if _, rbErr := c.PgConn().Exec(ctx, "ROLLBACK").ReadAll(); rbErr != nil {
			*err = errors.Join(*err, &InspectError{Schemas: o.schemas, Step: "end transaction", Err: rbErr})
		}
	}, nil
}
