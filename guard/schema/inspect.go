package schema

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
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

// Inspect reads the schema of the database behind conn: the tables (with
// their triggers), enums, views, functions and sequences of the schemas in
// scope (default "public") and the database's extensions, leaving out objects
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
// its own search_path. Whatever the size of the schema, Inspect sends thirteen
// set-based catalog queries, pipelined, then two small lookups (pipelined)
// naming the distinct column types and collations, and at most two more: for
// foreign keys to tables it did not read, and for index definitions it could
// not write itself.
//
// Inspect reads PostgreSQL 15 and later. It takes the server's version from
// the connection's startup parameters (asking for it first only when given
// a Querier of another kind) and refuses an older server before reading.
//
// Inspect returns an *OptionError for a bad option, ErrNilQuerier for a nil
// conn, an *InspectError wrapping an *UnsupportedServerError for a server
// older than 15, and an *InspectError when reading fails. It is safe for concurrent use
// as far as conn is.
func Inspect(ctx context.Context, conn Querier, opts ...Option) (*Schema, error) {
	o, err := inspectOptions(conn, opts)
	if err != nil {
		return nil, err
	}
	s, err := inspect(ctx, conn, o)
	if err != nil {
		return nil, err
	}
	return s.Canonical(), nil
}

// inspectOptions applies opts to the defaults (a second connection for a
// large catalog, see WithParallelism), and checks conn.
func inspectOptions(conn Querier, opts []Option) (*options, error) {
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
	return &o, nil
}

func inspect(ctx context.Context, conn Querier, o *options) (_ *Schema, err error) {
	fail := func(step string, err error) error {
		return &InspectError{Schemas: o.schemas, Step: step, Err: err}
	}
	q, tx, done, err := readTransaction(ctx, conn, o)
	if err != nil {
		return nil, err
	}
	defer done(&err)
	version, err := serverVersion(ctx, q, tx)
	if err != nil {
		return nil, fail("check server version", err)
	}
	if err := checkServerVersion(version); err != nil {
		return nil, fail("check server version", err)
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
	if err := readTableParts(ctx, q, s, tabs, &rows.side, fail); err != nil {
		return nil, err
	}
	s.Enums = readEnums(rows.side.enums)
	if s.Views, err = readViews(rows.side.views); err != nil {
		return nil, fail("read views", err)
	}
	s.Functions = readFunctions(rows.side.functions)
	s.Sequences = readSequences(rows.side.sequences, tabs)
	s.Extensions = readExtensions(rows.side.extensions)
	if s.Domains, err = readDomains(rows.side.domains); err != nil {
		return nil, fail("read domains", err)
	}
	if s.Composites, err = readComposites(rows.side.composites); err != nil {
		return nil, fail("read composite types", err)
	}
	return s, nil
}

// readTableParts maps into s what belongs to the tables read (tabs):
// constraints, indexes, triggers, policies, partitions, identity options;
// and names what they refer to that was not read (referenced columns,
// index definitions it cannot write itself) with queries more on q.
func readTableParts(ctx context.Context, q Querier, s *Schema, tabs tableIndex, side *sideRows, fail func(string, error) error) error {
	pendingFKs, err := readConstraints(side.constraints, s, tabs)
	if err != nil {
		return fail("read constraints", err)
	}
	f, err := readFacts(&side.facts)
	if err != nil {
		return fail("read operator classes", err)
	}
	pendingIndexes, err := readIndexes(side.indexes, s, tabs, f)
	if err != nil {
		return fail("read indexes", err)
	}
	readTriggers(side.triggers, s, tabs)
	readPolicies(side.policies, s, tabs)
	if err := readPartitions(side.partitions, s, tabs); err != nil {
		return fail("read partitions", err)
	}
	readIdentityOptions(side.identities, s, tabs)
	if err := resolveForeignKeys(ctx, q, s, pendingFKs); err != nil {
		return fail("read referenced columns", err)
	}
	if err := readIndexDefinitions(ctx, q, s, pendingIndexes); err != nil {
		return fail("read index definitions", err)
	}
	return nil
}

// readTransaction opens what the queries of an inspection run on: a
// REPEATABLE READ READ ONLY transaction given a connection or pool, a
// savepoint given a transaction, conn itself otherwise (tx nil). done ends
// it, joining its error to *err.
func readTransaction(ctx context.Context, conn Querier, o *options) (q Querier, tx pgx.Tx, done func(*error), err error) {
	fail := func(step string, err error) error {
		return &InspectError{Schemas: o.schemas, Step: step, Err: err}
	}
	switch c := conn.(type) {
	case txStarter:
		tx, err = c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return nil, nil, nil, fail("begin transaction", err)
		}
	case savepointStarter:
		tx, err = c.Begin(ctx)
		if err != nil {
			return nil, nil, nil, fail("make savepoint", err)
		}
	}
	if tx == nil {
		return conn, nil, func(*error) {}, nil
	}
	// Read only: rolling back loses nothing, and undoes SET LOCAL for a
	// savepoint in the caller's transaction.
	done = func(err *error) {
		if rbErr := tx.Rollback(ctx); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			*err = errors.Join(*err, fail("end transaction", rbErr))
		}
	}
	if _, err := tx.Exec(ctx, configureTx); err != nil {
		done(&err)
		return nil, nil, nil, fail("configure transaction", err)
	}
	return tx, tx, done, nil
}

// configureTx configures the transactions Inspect reads in. An empty
// search_path makes every name outside pg_catalog come out qualified; JIT
// only slows these short catalog queries down; and a generic plan spares
// the planning of each catalog query on every inspection of a connection
// that inspects again and again (verify: twice per migration), where a
// custom plan per call cost about a fifth of the inspection of a small
// schema (docs/benchmarks.md).
const configureTx = "SET LOCAL search_path = ''; SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_generic_plan"
