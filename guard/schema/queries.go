package schema

import (
	"context"
	"embed"
	"errors"

	"github.com/jackc/pgx/v5"
)

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
	functionsQuery   = mustQuery("functions.sql")
	triggersQuery    = mustQuery("triggers.sql")
	sequencesQuery   = mustQuery("sequences.sql")
	extensionsQuery  = mustQuery("extensions.sql")
	policiesQuery    = mustQuery("policies.sql")
	domainsQuery     = mustQuery("domains.sql")
	compositesQuery  = mustQuery("composites.sql")
	partitionsQuery  = mustQuery("partitions.sql")
	identitiesQuery  = mustQuery("identity_sequences.sql")
)

func mustQuery(name string) string {
	b, err := queryFS.ReadFile("queries/" + name)
	if err != nil {
		panic("schema: embedded query " + name + ": " + err.Error())
	}
	return string(b)
}

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
	functions   []*functionRow
	triggers    []*triggerRow
	sequences   []*sequenceRow
	extensions  []*extensionRow
	policies    []*policyRow
	domains     []*domainRow
	composites  []*compositeRow
	partitions  []*partitionRow
	identities  []*identityRow
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
		{"read functions", functionsQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.functions, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[functionRow])
			return err
		}},
		{"read triggers", triggersQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.triggers, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[triggerRow])
			return err
		}},
		{"read sequences", sequencesQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.sequences, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[sequenceRow])
			return err
		}},
		{"read extensions", extensionsQuery, nil, func(r pgx.Rows) (err error) {
			rows.side.extensions, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[extensionRow])
			return err
		}},
		{"read policies", policiesQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.policies, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[policyRow])
			return err
		}},
		{"read domains", domainsQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.domains, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[domainRow])
			return err
		}},
		{"read composite types", compositesQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.composites, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[compositeRow])
			return err
		}},
		{"read partitions", partitionsQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.partitions, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[partitionRow])
			return err
		}},
		{"read identity sequences", identitiesQuery, inScope, func(r pgx.Rows) (err error) {
			rows.side.identities, err = pgx.CollectRows(r, pgx.RowToAddrOfStructByPos[identityRow])
			return err
		}},
	}
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
