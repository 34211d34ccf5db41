package schema

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier runs queries. *pgx.Conn, *pgxpool.Pool, *pgxpool.Conn and pgx.Tx
// satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// txStarter is a Querier that can begin a transaction with options
// (*pgx.Conn, *pgxpool.Pool, *pgxpool.Conn).
type txStarter interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// savepointStarter is a Querier that is already a transaction (pgx.Tx): its
// Begin makes a savepoint.
type savepointStarter interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// DefaultMigrationsTable is golang-migrate's default migrations table, left
// out of every inspection.
const DefaultMigrationsTable = "schema_migrations"

// GuardTablePrefix starts the name of every table guard keeps for itself;
// such tables are left out of every inspection.
const GuardTablePrefix = "guard_"

// Option configures Inspect.
type Option func(*options) error

type options struct {
	schemas            []string
	excludes           []tableRef
	parallelism        int
	parallelMinCatalog int64 // see parallelMinCatalog
}

type tableRef struct {
	schema string // "" matches every schema
	name   string
}

// WithSchemas sets the schemas to inspect (default "public"). Names are
// taken as stored, without quoting: WithSchemas("public", "My Schema").
// Inspect fails with an *OptionError for an empty list or an empty name.
func WithSchemas(names ...string) Option {
	return func(o *options) error {
		if len(names) == 0 {
			return &OptionError{Option: "WithSchemas", Reason: "no schema given"}
		}
		o.schemas = o.schemas[:0]
		for _, n := range names {
			if n == "" {
				return &OptionError{Option: "WithSchemas", Value: n, Reason: "empty schema name"}
			}
			o.schemas = append(o.schemas, n)
		}
		return nil
	}
}

// WithExcludeTables leaves more tables out, in addition to the migrations
// table (DefaultMigrationsTable, in any schema) and guard's own tables
// (GuardTablePrefix), which are always left out. A name is written as in SQL:
// "audit_log" leaves that table out in every schema in scope, "app.audit_log"
// or `"My App"."Audit Log"` only in that schema. Use it for a custom
// x-migrations-table. Inspect fails with an *OptionError for a name it
// cannot parse.
func WithExcludeTables(names ...string) Option {
	return func(o *options) error {
		for _, n := range names {
			s, t, ok := ParseTableName(n, "")
			if !ok {
				return &OptionError{Option: "WithExcludeTables", Value: n, Reason: "not a table name"}
			}
			o.excludes = append(o.excludes, tableRef{schema: s, name: t})
		}
		return nil
	}
}

// WithParallelism sets how many connections Inspect may read over at once
// (default 2; it uses two at most). With two, given a *pgx.Conn,
// *pgxpool.Conn or *pgxpool.Pool and a database with large catalogs
// (pg_attribute of 8 MB or more: about a thousand tables of fifteen columns),
// Inspect reads the tables over the connection it was given and the other
// catalogs over a second one, in the same snapshot (pg_export_snapshot), the
// way pg_dump -j does. The second connection is a new one made from a copy of
// the first's configuration, or one the pool has to spare; Inspect closes it
// (or puts it back) before it returns. When it cannot have one, it reads everything over
// the first. A transaction (pgx.Tx) is always read over alone.
// WithParallelism(1) never opens a second connection. Inspect fails with an
// *OptionError for n < 1.
func WithParallelism(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return &OptionError{Option: "WithParallelism", Value: strconv.Itoa(n), Reason: "fewer than one connection"}
		}
		o.parallelism = n
		return nil
	}
}

func (o *options) excluded(schemaName, name string) bool {
	if strings.HasPrefix(name, GuardTablePrefix) {
		return true
	}
	for _, r := range o.excludes {
		if r.name == name && (r.schema == "" || r.schema == schemaName) {
			return true
		}
	}
	return false
}

//go:embed queries/*.sql
var queryFS embed.FS

var (
	tablesQuery      = mustQuery("tables.sql")
	constraintsQuery = mustQuery("constraints.sql")
	indexesQuery     = mustQuery("indexes.sql")
	enumsQuery       = mustQuery("enums.sql")
	viewsQuery       = mustQuery("views.sql")
	columnsQuery     = mustQuery("columns.sql")
	typesQuery       = mustQuery("types.sql")
	collationsQuery  = mustQuery("collations.sql")
	factsQuery       = mustQuery("facts.sql")
	indexDefsQuery   = mustQuery("indexdefs.sql")
)

func mustQuery(name string) string {
	b, err := queryFS.ReadFile("queries/" + name)
	if err != nil {
		panic("schema: embedded query " + name + ": " + err.Error())
	}
	return string(b)
}

// Inspect reads the schema of the database behind conn: the tables, enums
// and views of the schemas in scope (default "public"), leaving out objects
// owned by extensions, partitions (their partitioned parent is reported),
// the migrations table and guard's own tables. The result is canonical
// (sorted, see Schema.Canonical).
//
// Names outside pg_catalog come out schema-qualified in types, defaults,
// index and view definitions ("public.mood", "nextval('public.t_id_seq'::regclass)"),
// whatever the connection's search_path, so the result does not depend on it.
//
// Given a connection or pool, Inspect reads everything in one REPEATABLE READ
// READ ONLY transaction, a consistent snapshot; on a large database, over two
// connections sharing that snapshot (see WithParallelism). Given a pgx.Tx, it
// reads in that transaction, inside a savepoint it rolls back, leaving the
// transaction as it was. Any other Querier runs the queries as they are, with
// its own search_path. Whatever the size of the schema, Inspect sends six
// set-based catalog queries, pipelined, then two small lookups (pipelined)
// naming the distinct column types and collations, and at most two more: for
// foreign keys to tables it did not read, and for index definitions it could
// not write itself.
//
// Inspect returns an *OptionError for a bad option, ErrNilQuerier for a nil
// conn and an *InspectError when reading fails. It is safe for concurrent use
// as far as conn is.
func Inspect(ctx context.Context, conn Querier, opts ...Option) (*Schema, error) {
	o := options{schemas: []string{"public"}, excludes: []tableRef{{name: DefaultMigrationsTable}},
		parallelism: 2, parallelMinCatalog: parallelMinCatalog}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if conn == nil {
		return nil, ErrNilQuerier
	}
	slices.Sort(o.schemas)
	o.schemas = slices.Compact(o.schemas)

	s, err := inspect(ctx, conn, &o)
	if err != nil {
		return nil, err
	}
	return s.Canonical(), nil
}

func inspect(ctx context.Context, conn Querier, o *options) (_ *Schema, err error) {
	fail := func(step string, err error) error {
		return &InspectError{Schemas: o.schemas, Step: step, Err: err}
	}
	q := conn // what the queries run on
	var tx pgx.Tx
	switch c := conn.(type) {
	case txStarter:
		tx, err = c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return nil, fail("begin transaction", err)
		}
	case savepointStarter:
		tx, err = c.Begin(ctx)
		if err != nil {
			return nil, fail("make savepoint", err)
		}
	}
	if tx != nil {
		// Read only: rolling back loses nothing, and undoes SET LOCAL for a
		// savepoint in the caller's transaction.
		defer func() {
			if rbErr := tx.Rollback(ctx); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
				err = errors.Join(err, fail("end transaction", rbErr))
			}
		}()
		if _, err := tx.Exec(ctx, configureTx); err != nil {
			return nil, fail("configure transaction", err)
		}
		q = tx
	}

	// The tables are read over q; the other catalogs, when a second
	// connection can share the snapshot of tx, over that one meanwhile.
	s := &Schema{Schemas: o.schemas}
	tables := &tableReader{o: o, s: s, tabs: tableIndex{}}
	rows := catalogRows{tables: tables}
	queries := catalogQueries(o.schemas, &rows)
	side, err := startSide(ctx, conn, tx, o)
	if err != nil {
		return nil, fail("export snapshot", err)
	}
	if side != nil {
		defer side.stop()
		queries = queries[:1]
	}
	if err := runQueries(ctx, q, o.schemas, queries...); err != nil {
		return nil, err
	}
	if err := nameTypes(ctx, q, s, &tables.types); err != nil {
		return nil, err
	}
	if side != nil {
		if rows.side, err = side.wait(); err != nil {
			// The second connection failed (it may not be allowed, or the
			// server may have no connection left): read them over q.
			if err := runQueries(ctx, q, o.schemas, catalogQueries(o.schemas, &rows)[1:]...); err != nil {
				return nil, err
			}
		}
	}
	tabs := tables.tabs

	pendingFKs, err := readConstraints(rows.side.constraints, s, tabs)
	if err != nil {
		return nil, fail("read constraints", err)
	}
	f, err := readFacts(&rows.side.facts)
	if err != nil {
		return nil, fail("read operator classes", err)
	}
	pendingIndexes, err := readIndexes(rows.side.indexes, s, tabs, f)
	if err != nil {
		return nil, fail("read indexes", err)
	}
	s.Enums = readEnums(rows.side.enums)
	if s.Views, err = readViews(rows.side.views); err != nil {
		return nil, fail("read views", err)
	}
	if err := resolveForeignKeys(ctx, q, s, pendingFKs); err != nil {
		return nil, fail("read referenced columns", err)
	}
	if err := readIndexDefinitions(ctx, q, s, pendingIndexes); err != nil {
		return nil, fail("read index definitions", err)
	}
	return s, nil
}

// configureTx configures the transactions Inspect reads in. An empty
// search_path makes every name outside pg_catalog come out qualified; JIT
// only slows these short catalog queries down.
const configureTx = "SET LOCAL search_path = ''; SET LOCAL jit = off"

// catalogRows holds the rows of the catalog queries, before they are mapped
// into the Schema, but for the tables, mapped as they come (tableReader).
//
// Each query's rows map to a struct (tableRow for tables.sql, ...) whose
// fields are the query's columns in order, each tagged with the column's
// name; TestRowStructsMatchQueries checks them. They are mapped by position
// (RowToAddrOfStructByPos), which costs a third of mapping by name
// (RowToStructByName looks the columns up again for every row), and
// collected as pointers: growing a slice of large structs row by row copied
// them over and over.
type catalogRows struct {
	tables *tableReader // nil over the second connection
	side   sideRows
}

// sideRows holds the rows of the catalog queries a second connection may
// read.
type sideRows struct {
	constraints []*constraintRow
	facts       factsRow
	indexes     []*indexRow
	enums       []*enumRow
	views       []*viewRow
}

// catalogQueries returns the catalog queries, in the order Inspect sends
// them, collecting into rows: the tables, then those a second connection may
// read.
func catalogQueries(schemas []string, rows *catalogRows) []query {
	inScope := []any{schemas}
	return []query{
		{"read tables", tablesQuery, inScope, func(r pgx.Rows) error {
			defer r.Close()
			for r.Next() {
				tr, err := pgx.RowToAddrOfStructByPos[tableRow](r)
				if err == nil {
					err = rows.tables.add(tr)
				}
				if err != nil {
					return err
				}
			}
			return r.Err()
		}},
		{"read constraints", constraintsQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.constraints, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[constraintRow])
			return err
		}},
		{"read operator classes", factsQuery, nil, func(r pgx.Rows) (err error) {
			rows.side.facts, err = pgx.CollectExactlyOneRow(r, pgx.RowToStructByPos[factsRow])
			return err
		}},
		{"read indexes", indexesQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.indexes, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[indexRow])
			return err
		}},
		{"read enums", enumsQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.enums, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[enumRow])
			return err
		}},
		{"read views", viewsQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.views, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[viewRow])
			return err
		}},
	}
}

// parallelMinCatalog is the size of pg_attribute (in bytes) from which
// Inspect reads over a second connection: about a thousand tables of fifteen
// columns. Below it, opening the connection costs more than it saves.
const parallelMinCatalog = 8 << 20

// exportSnapshotQuery exports the snapshot of the transaction when the
// catalogs are large enough to be read over two connections ($1, bytes of
// pg_attribute), or returns an empty string.
const exportSnapshotQuery = `SELECT CASE WHEN pg_relation_size('pg_catalog.pg_attribute') >= $1
    THEN pg_export_snapshot() ELSE '' END`

// sideReader reads the catalog queries but the first over a second
// connection, in the snapshot of Inspect's transaction.
type sideReader struct {
	cancel context.CancelFunc
	done   chan struct{}
	rows   catalogRows
	err    error
}

// startSide starts reading over a second connection to the database behind
// conn, in the snapshot of tx, or returns nil when Inspect reads over one
// connection: when parallelism is 1, when tx is the caller's (its own
// changes are visible to it alone), when conn is a Querier of another kind
// than *pgx.Conn, *pgxpool.Conn and *pgxpool.Pool, or when the catalogs are
// small.
func startSide(ctx context.Context, conn Querier, tx pgx.Tx, o *options) (*sideReader, error) {
	open := opener(conn)
	if o.parallelism < 2 || tx == nil || open == nil {
		return nil, nil
	}
	var snapshot string
	if err := tx.QueryRow(ctx, exportSnapshotQuery, o.parallelMinCatalog).Scan(&snapshot); err != nil || snapshot == "" {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &sideReader{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = r.read(ctx, open, snapshot, o.schemas)
	}()
	return r, nil
}

func (r *sideReader) read(ctx context.Context, open openFunc, snapshot string, schemas []string) (err error) {
	conn, release, err := open(ctx)
	if err != nil {
		return err
	}
	defer release()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() {
		if rbErr := tx.Rollback(ctx); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			err = errors.Join(err, rbErr)
		}
	}()
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(snapshot)+"; "+configureTx); err != nil {
		return err
	}
	return runQueries(ctx, tx, schemas, catalogQueries(schemas, &r.rows)[1:]...)
}

// wait waits for the reads to end and returns their rows.
func (r *sideReader) wait() (sideRows, error) {
	<-r.done
	return r.rows.side, r.err
}

// stop cancels the reads if they are still going, and waits until the
// second connection is closed (or back in its pool).
func (r *sideReader) stop() {
	r.cancel()
	<-r.done
}

// openFunc opens a second connection to the database; close closes it (or
// puts it back in its pool).
type openFunc func(ctx context.Context) (conn *pgx.Conn, close func(), err error)

// opener returns how to open a second connection to the database behind
// conn, or nil when there is none to be had.
func opener(conn Querier) openFunc {
	connect := func(cfg *pgx.ConnConfig) openFunc {
		return func(ctx context.Context) (*pgx.Conn, func(), error) {
			c, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				return nil, nil, err
			}
			return c, func() { _ = c.Close(ctx) }, nil
		}
	}
	switch c := conn.(type) {
	case *pgx.Conn:
		return connect(c.Config())
	case *pgxpool.Conn:
		return connect(c.Conn().Config())
	case *pgxpool.Pool:
		// Only a connection the pool has to spare: waiting for one could
		// wait for the caller, who waits for Inspect.
		if st := c.Stat(); st.AcquiredConns() >= st.MaxConns() {
			return nil
		}
		return func(ctx context.Context) (*pgx.Conn, func(), error) {
			pc, err := c.Acquire(ctx)
			if err != nil {
				return nil, nil, err
			}
			return pc.Conn(), pc.Release, nil
		}
	}
	return nil
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// query is a query, its arguments, and what takes its rows.
type query struct {
	step    string // what is being read, for an InspectError
	sql     string
	args    []any
	collect func(pgx.Rows) error
}

// batchSender is a Querier that can pipeline queries (pgx.Tx, *pgx.Conn).
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// runQueries runs queries in order. When conn can send a batch (a pgx.Tx
// can), they are pipelined: sent at once, so that the server works on the
// next while the rows of one are being decoded here. It returns an
// *InspectError.
func runQueries(ctx context.Context, conn Querier, schemas []string, queries ...query) error {
	var batch pgx.BatchResults
	if bs, ok := conn.(batchSender); ok {
		b := &pgx.Batch{}
		for _, q := range queries {
			b.Queue(q.sql, q.args...)
		}
		batch = bs.SendBatch(ctx, b)
	}
	for _, q := range queries {
		var rows pgx.Rows
		var err error
		if batch != nil {
			rows, err = batch.Query()
		} else {
			rows, err = conn.Query(ctx, q.sql, q.args...)
		}
		if err == nil {
			err = q.collect(rows)
		}
		if err != nil {
			// Closing the batch reports the error again, or says something else.
			if batch != nil {
				if cerr := batch.Close(); cerr != nil && cerr.Error() != err.Error() {
					err = errors.Join(err, cerr)
				}
			}
			return &InspectError{Schemas: schemas, Step: q.step, Err: err}
		}
	}
	if batch != nil {
		if err := batch.Close(); err != nil {
			return &InspectError{Schemas: schemas, Step: "read catalogs", Err: err}
		}
	}
	return nil
}

type tableRow struct {
	OID              uint32   `db:"oid"`
	Schema           string   `db:"schema"`
	Name             string   `db:"name"`
	ColumnAttnums    []int16  `db:"column_attnums"`
	ColumnNames      []string `db:"column_names"`
	ColumnNotNulls   []bool   `db:"column_not_nulls"`
	ColumnIdentities []string `db:"column_identities"`
	ColumnTypeOIDs   []uint32 `db:"column_type_oids"`
	ColumnTypmods    []int32  `db:"column_typmods"`
	ColumnCollOIDs   []uint32 `db:"column_collation_oids"`
	DefaultAttnums   []int16  `db:"default_attnums"`
	DefaultExprs     []string `db:"default_exprs"`
	DefaultGenerated []bool   `db:"default_generated"`
}

// tableIndex finds what tableReader read by table oid.
type tableIndex map[uint32]*tableEntry

type tableEntry struct {
	index   int // in Schema.Tables; -1 for a table left out
	schema  string
	name    string
	attnums []int16  // ascending
	names   []string // column names, parallel to attnums
	types   []uint32 // column type oids, parallel to attnums (not for a table left out)
	colls   []uint32 // column collation oids, parallel to attnums (idem)
}

// columnNames maps attnums to the names of the table's columns; ok is false
// when one is not among them.
func (e *tableEntry) columnNames(attnums []int16) (names []string, ok bool) {
	names = make([]string, len(attnums))
	for i, n := range attnums {
		j, found := slices.BinarySearch(e.attnums, n)
		if !found {
			return nil, false
		}
		names[i] = e.names[j]
	}
	return names, true
}

// tableReader fills Schema.Tables from the rows of tables.sql as they come,
// while the server is still producing the next ones, with the tables and
// their columns, all but their types and collations (see nameTypes). It
// keeps every table it reads, left out or not, by oid.
type tableReader struct {
	o     *options
	s     *Schema
	tabs  tableIndex
	types columnTypes
	slots map[typeKey]int32 // slots in types.keys
}

// columnTypes is what naming the types and collations of the columns takes
// (see nameTypes).
type columnTypes struct {
	keys  []typeKey // the distinct types
	slots []int32   // for each column of Schema.Tables in turn, its type's index in keys
	colls []uint32  // for each column in turn, its collation's oid
}

type typeKey struct {
	oid    uint32
	typmod int32
}

func (r *tableReader) add(tr *tableRow) error {
	n := len(tr.ColumnNames)
	if len(tr.ColumnAttnums) != n || len(tr.ColumnNotNulls) != n || len(tr.ColumnIdentities) != n ||
		len(tr.ColumnTypeOIDs) != n || len(tr.ColumnTypmods) != n || len(tr.ColumnCollOIDs) != n ||
		len(tr.DefaultExprs) != len(tr.DefaultAttnums) ||
		len(tr.DefaultGenerated) != len(tr.DefaultAttnums) {
		return fmt.Errorf("table %s: column arrays of unequal length", Qualify(tr.Schema, tr.Name))
	}
	e := &tableEntry{index: -1, schema: tr.Schema, name: tr.Name, attnums: tr.ColumnAttnums, names: tr.ColumnNames}
	if r.o.excluded(tr.Schema, tr.Name) {
		r.tabs[tr.OID] = e
		return nil
	}
	if r.slots == nil {
		r.slots = map[typeKey]int32{}
	}
	cols := make([]Column, n)
	for j := range n {
		cols[j] = Column{
			Name:     tr.ColumnNames[j],
			NotNull:  tr.ColumnNotNulls[j],
			Identity: tr.ColumnIdentities[j],
			Position: j + 1,
		}
		k := typeKey{tr.ColumnTypeOIDs[j], tr.ColumnTypmods[j]}
		slot, ok := r.slots[k]
		if !ok {
			slot = int32(len(r.types.keys))
			r.slots[k] = slot
			r.types.keys = append(r.types.keys, k)
		}
		r.types.slots = append(r.types.slots, slot)
	}
	r.types.colls = append(r.types.colls, tr.ColumnCollOIDs...)
	for k, attnum := range tr.DefaultAttnums {
		j, found := slices.BinarySearch(tr.ColumnAttnums, attnum)
		if !found {
			continue // not a live column
		}
		if tr.DefaultGenerated[k] {
			cols[j].Generated = tr.DefaultExprs[k]
		} else {
			cols[j].Default = tr.DefaultExprs[k]
		}
	}
	e.index = len(r.s.Tables)
	e.types, e.colls = tr.ColumnTypeOIDs, tr.ColumnCollOIDs
	r.tabs[tr.OID] = e
	r.s.Tables = append(r.s.Tables, Table{Schema: tr.Schema, Name: tr.Name, Columns: cols})
	return nil
}

type typeRow struct {
	OID          uint32 `db:"oid"`
	Typmod       int32  `db:"typmod"`
	Name         string `db:"name"`
	CollationOID uint32 `db:"collation_oid"`
}

type collationRow struct {
	OID  uint32 `db:"oid"`
	Name string `db:"name"`
}

// nameTypes fills in the types and collations of the columns of s.Tables,
// with two more queries (pipelined): one string per distinct type. It
// returns an *InspectError.
func nameTypes(ctx context.Context, conn Querier, s *Schema, ct *columnTypes) error {
	if len(ct.keys) == 0 {
		return nil
	}
	typeOIDs, typmods := make([]uint32, len(ct.keys)), make([]int32, len(ct.keys))
	for i, k := range ct.keys {
		typeOIDs[i], typmods[i] = k.oid, k.typmod
	}
	var collOIDs []uint32
	seen := map[uint32]bool{0: true}
	for _, c := range ct.colls {
		if !seen[c] {
			seen[c] = true
			collOIDs = append(collOIDs, c)
		}
	}
	var trs []typeRow
	var crs []collationRow
	if err := runQueries(ctx, conn, s.Schemas,
		query{"read types", typesQuery, []any{typeOIDs, typmods}, func(rows pgx.Rows) (err error) {
			trs, err = pgx.CollectRows(rows, pgx.RowToStructByPos[typeRow])
			return err
		}},
		query{"read types", collationsQuery, []any{collOIDs}, func(rows pgx.Rows) (err error) {
			crs, err = pgx.CollectRows(rows, pgx.RowToStructByPos[collationRow])
			return err
		}},
	); err != nil {
		return err
	}
	byKey := make(map[typeKey]typeRow, len(trs))
	for _, tr := range trs {
		byKey[typeKey{tr.OID, tr.Typmod}] = tr
	}
	types := make([]typeRow, len(ct.keys)) // by slot
	for i, k := range ct.keys {
		types[i] = byKey[k]
	}
	colls := make(map[uint32]string, len(crs))
	for _, cr := range crs {
		colls[cr.OID] = cr.Name
	}
	i := 0
	for _, t := range s.Tables {
		for j := range t.Columns {
			c := &t.Columns[j]
			typ := &types[ct.slots[i]]
			c.Type = typ.Name
			// Only a collation other than the type's own is reported.
			if coll := ct.colls[i]; coll != 0 && coll != typ.CollationOID {
				c.Collation = colls[coll]
			}
			i++
		}
	}
	return nil
}

type constraintRow struct {
	TableOID          uint32  `db:"table_oid"`
	Name              string  `db:"name"`
	Kind              string  `db:"kind"`
	Attnums           []int16 `db:"attnums"`
	ReferencedOID     uint32  `db:"referenced_oid"`
	ReferencedAttnums []int16 `db:"referenced_attnums"`
	OnDelete          string  `db:"on_delete"`
	OnUpdate          string  `db:"on_update"`
	Definition        string  `db:"definition"`
}

// fkActions spells out the letters of pg_constraint.confdeltype and
// confupdtype.
var fkActions = map[string]string{
	"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT",
}

// pendingFK is a foreign key whose referenced table and columns are not known
// yet: it references a table tableReader did not read.
type pendingFK struct {
	table, fk         int // indexes in Schema.Tables and Table.ForeignKeys
	referencedOID     uint32
	referencedAttnums []int16
}

func readConstraints(crs []*constraintRow, s *Schema, tabs tableIndex) ([]pendingFK, error) {
	var pending []pendingFK
	for _, cr := range crs {
		e, ok := tabs[cr.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		t := &s.Tables[e.index]
		cols, ok := e.columnNames(cr.Attnums)
		if !ok {
			return nil, fmt.Errorf("constraint %s on %s: key column not found", QuoteIdent(cr.Name), t.QualifiedName())
		}
		switch cr.Kind {
		case "p":
			t.PrimaryKey = &PrimaryKey{Name: cr.Name, Columns: cols}
		case "u":
			t.Uniques = append(t.Uniques, Unique{Name: cr.Name, Columns: cols})
		case "f":
			var refSchema, refTable string
			var refCols []string
			if re, ok := tabs[cr.ReferencedOID]; ok {
				if refCols, ok = re.columnNames(cr.ReferencedAttnums); !ok {
					return nil, fmt.Errorf("constraint %s on %s: referenced column not found", QuoteIdent(cr.Name), t.QualifiedName())
				}
				refSchema, refTable = re.schema, re.name
			} else {
				pending = append(pending, pendingFK{
					table: e.index, fk: len(t.ForeignKeys),
					referencedOID: cr.ReferencedOID, referencedAttnums: cr.ReferencedAttnums,
				})
			}
			t.ForeignKeys = append(t.ForeignKeys, ForeignKey{
				Name:              cr.Name,
				Columns:           cols,
				ReferencedSchema:  refSchema,
				ReferencedTable:   refTable,
				ReferencedColumns: refCols,
				OnDelete:          fkActions[cr.OnDelete],
				OnUpdate:          fkActions[cr.OnUpdate],
			})
		case "c", "x":
			// An exclusion constraint, like a check, limits which rows may be
			// written; its definition reads "EXCLUDE USING gist (...)".
			t.Checks = append(t.Checks, Check{Name: cr.Name, Expression: cr.Definition})
		}
	}
	return pending, nil
}

// resolveForeignKeys fills in the referenced table and columns of the
// pending foreign keys, with one more query.
func resolveForeignKeys(ctx context.Context, conn Querier, s *Schema, pending []pendingFK) error {
	if len(pending) == 0 {
		return nil
	}
	oids := make([]uint32, 0, len(pending))
	for _, p := range pending {
		oids = append(oids, p.referencedOID)
	}
	slices.Sort(oids)
	others, err := readColumnNames(ctx, conn, slices.Compact(oids))
	if err != nil {
		return err
	}
	for _, p := range pending {
		t := &s.Tables[p.table]
		fk := &t.ForeignKeys[p.fk]
		re, ok := others[p.referencedOID]
		var cols []string
		if ok {
			cols, ok = re.columnNames(p.referencedAttnums)
		}
		if !ok {
			return fmt.Errorf("constraint %s on %s: referenced column not found", QuoteIdent(fk.Name), t.QualifiedName())
		}
		fk.ReferencedSchema, fk.ReferencedTable, fk.ReferencedColumns = re.schema, re.name, cols
	}
	return nil
}

type columnRow struct {
	TableOID  uint32 `db:"table_oid"`
	Schema    string `db:"schema"`
	TableName string `db:"table_name"`
	Attnum    int16  `db:"attnum"`
	Name      string `db:"name"`
}

// readColumnNames reads the names of the given tables and their columns.
func readColumnNames(ctx context.Context, conn Querier, oids []uint32) (tableIndex, error) {
	rows, err := conn.Query(ctx, columnsQuery, oids)
	if err != nil {
		return nil, err
	}
	crs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[columnRow])
	if err != nil {
		return nil, err
	}
	tabs := make(tableIndex, len(oids))
	for _, cr := range crs { // ordered by table, then attnum
		e := tabs[cr.TableOID]
		if e == nil {
			e = &tableEntry{index: -1, schema: cr.Schema, name: cr.TableName}
			tabs[cr.TableOID] = e
		}
		e.attnums = append(e.attnums, cr.Attnum)
		e.names = append(e.names, cr.Name)
	}
	return tabs, nil
}

type factsRow struct {
	DefaultOpclasses      []uint32 `db:"default_opclasses"`
	DefaultOpclassTypes   []uint32 `db:"default_opclass_types"`
	DefaultOpclassBuiltin []bool   `db:"default_opclass_builtin"`
	EnumTypes             []uint32 `db:"enum_types"`
	QuotedKeywords        []string `db:"quoted_keywords"`
	QuoteAllIdentifiers   bool     `db:"quote_all_identifiers"`
}

// facts is what assembling an index definition needs from the catalogs.
type facts struct {
	defaultOpclasses map[uint32]opclass // the default operator classes by oid
	enumTypes        map[uint32]bool
	quotedKeywords   map[string]bool
	quoteAll         bool
}

type opclass struct {
	inputType uint32
	builtin   bool
}

func readFacts(fr *factsRow) (*facts, error) {
	if len(fr.DefaultOpclassTypes) != len(fr.DefaultOpclasses) || len(fr.DefaultOpclassBuiltin) != len(fr.DefaultOpclasses) {
		return nil, errors.New("operator class arrays of unequal length")
	}
	f := &facts{
		defaultOpclasses: make(map[uint32]opclass, len(fr.DefaultOpclasses)),
		enumTypes:        make(map[uint32]bool, len(fr.EnumTypes)),
		quotedKeywords:   make(map[string]bool, len(fr.QuotedKeywords)),
		quoteAll:         fr.QuoteAllIdentifiers,
	}
	for i, oid := range fr.DefaultOpclasses {
		f.defaultOpclasses[oid] = opclass{inputType: fr.DefaultOpclassTypes[i], builtin: fr.DefaultOpclassBuiltin[i]}
	}
	for _, oid := range fr.EnumTypes {
		f.enumTypes[oid] = true
	}
	for _, w := range fr.QuotedKeywords {
		f.quotedKeywords[w] = true
	}
	return f, nil
}

// Type oids of PostgreSQL's built-in types (fixed since they were added).
const (
	oidText     = 25
	oidVarchar  = 1043
	oidAnyArray = 2277
	oidAnyEnum  = 3500
)

// quoteIdent quotes id exactly as PostgreSQL's quote_ident (quote_identifier)
// does: unless it is lower case letters, digits and underscores, not
// starting with a digit, and not a keyword other than an unreserved one.
func (f *facts) quoteIdent(id string) string {
	safe := id != "" && (id[0] >= 'a' && id[0] <= 'z' || id[0] == '_') && !f.quoteAll
	for i := 0; safe && i < len(id); i++ {
		c := id[i]
		safe = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if safe && !f.quotedKeywords[id] {
		return id
	}
	return `"` + strings.ReplaceAll(id, `"`, `""`) + `"`
}

// defaultFor reports whether pg_get_indexdef would leave the operator class
// oc unnamed on a column of type typ, i.e. whether GetDefaultOpClass picks
// oc for typ: oc is a default class for typ itself or, among the built-in
// ones, the class it picks by binary coercion (enum_ops for an enum,
// text_ops for varchar). Anything else (array_ops, classes of extensions)
// is left to pg_get_indexdef.
func (f *facts) defaultFor(oc, typ uint32) bool {
	c, ok := f.defaultOpclasses[oc]
	switch {
	case !ok:
		return false
	case c.inputType == typ:
		return true
	case !c.builtin:
		return false
	case c.inputType == oidAnyEnum:
		return f.enumTypes[typ]
	case c.inputType == oidText:
		return typ == oidVarchar
	}
	return false
}

type indexRow struct {
	OID        uint32   `db:"oid"`
	TableOID   uint32   `db:"table_oid"`
	Name       string   `db:"name"`
	Method     string   `db:"method"`
	IsUnique   bool     `db:"is_unique"`
	Partial    bool     `db:"partial"`
	Keys       []int16  `db:"keys"`
	Opclasses  []uint32 `db:"opclasses"`
	Collations []uint32 `db:"collations"`
	Definition string   `db:"definition"`
}

// pendingIndex is an index whose definition is left to pg_get_indexdef.
type pendingIndex struct {
	oid          uint32
	table, index int // indexes in Schema.Tables and Table.Indexes
}

func readIndexes(irs []*indexRow, s *Schema, tabs tableIndex, f *facts) ([]pendingIndex, error) {
	var pending []pendingIndex
	var b strings.Builder
	for _, ir := range irs {
		e, ok := tabs[ir.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		t := &s.Tables[e.index]
		def := ir.Definition
		if def == "" {
			if def, ok = assembleIndexDef(&b, f, t, *e, ir); !ok {
				pending = append(pending, pendingIndex{oid: ir.OID, table: e.index, index: len(t.Indexes)})
			}
		}
		t.Indexes = append(t.Indexes, Index{Name: ir.Name, Definition: def, Unique: ir.IsUnique, Partial: ir.Partial})
	}
	return pending, nil
}

// assembleIndexDef writes the definition of an index on plain columns as
// pg_get_indexdef does, if every key column has its type's default operator
// class and its own collation; ok is false otherwise.
func assembleIndexDef(b *strings.Builder, f *facts, t *Table, e tableEntry, ir *indexRow) (def string, ok bool) {
	if len(ir.Opclasses) != len(ir.Keys) || len(ir.Collations) != len(ir.Keys) || len(ir.Keys) == 0 {
		return "", false
	}
	b.Reset()
	b.WriteString("CREATE ")
	if ir.IsUnique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	b.WriteString(f.quoteIdent(ir.Name))
	b.WriteString(" ON ")
	b.WriteString(f.quoteIdent(t.Schema))
	b.WriteByte('.')
	b.WriteString(f.quoteIdent(t.Name))
	b.WriteString(" USING ")
	b.WriteString(f.quoteIdent(ir.Method))
	b.WriteString(" (")
	for k, attnum := range ir.Keys {
		j, found := slices.BinarySearch(e.attnums, attnum)
		if !found || !f.defaultFor(ir.Opclasses[k], e.types[j]) ||
			ir.Collations[k] != 0 && ir.Collations[k] != e.colls[j] {
			return "", false
		}
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.quoteIdent(e.names[j]))
	}
	b.WriteByte(')')
	return b.String(), true
}

type indexDefRow struct {
	OID        uint32 `db:"oid"`
	Definition string `db:"definition"`
}

// readIndexDefinitions asks pg_get_indexdef for the definitions Inspect could
// not assemble, with one more query.
func readIndexDefinitions(ctx context.Context, conn Querier, s *Schema, pending []pendingIndex) error {
	if len(pending) == 0 {
		return nil
	}
	oids := make([]uint32, len(pending))
	for i, p := range pending {
		oids[i] = p.oid
	}
	rows, err := conn.Query(ctx, indexDefsQuery, oids)
	if err != nil {
		return err
	}
	drs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[indexDefRow])
	if err != nil {
		return err
	}
	defs := make(map[uint32]string, len(drs))
	for _, dr := range drs {
		defs[dr.OID] = dr.Definition
	}
	for _, p := range pending {
		s.Tables[p.table].Indexes[p.index].Definition = defs[p.oid]
	}
	return nil
}

type enumRow struct {
	Schema string   `db:"schema"`
	Name   string   `db:"name"`
	Labels []string `db:"labels"`
}

func readEnums(ers []*enumRow) []Enum {
	enums := make([]Enum, len(ers))
	for i, er := range ers {
		enums[i] = Enum{Schema: er.Schema, Name: er.Name, Values: er.Labels}
	}
	return enums
}

type viewRow struct {
	Schema       string   `db:"schema"`
	Name         string   `db:"name"`
	Materialized bool     `db:"materialized"`
	ColumnNames  []string `db:"column_names"`
	ColumnTypes  []string `db:"column_types"`
	Definition   string   `db:"definition"`
}

func readViews(vrs []*viewRow) ([]View, error) {
	views := make([]View, len(vrs))
	for i, vr := range vrs {
		if len(vr.ColumnTypes) != len(vr.ColumnNames) {
			return nil, fmt.Errorf("view %s: column arrays of unequal length", Qualify(vr.Schema, vr.Name))
		}
		cols := make([]ViewColumn, len(vr.ColumnNames))
		for j := range cols {
			cols[j] = ViewColumn{Name: vr.ColumnNames[j], Type: vr.ColumnTypes[j]}
		}
		views[i] = View{Schema: vr.Schema, Name: vr.Name, Materialized: vr.Materialized, Columns: cols, Definition: vr.Definition}
	}
	return views, nil
}
