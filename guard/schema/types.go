package schema

import (
	"context"

	"github.com/jackc/pgx/v5"
)

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

// typeRow is a row of types.sql.
type typeRow struct {
	OID          uint32 `db:"oid"`
	Typmod       int32  `db:"typmod"`
	Name         string `db:"name"`
	CollationOID uint32 `db:"collation_oid"`
}

// collationRow is a row of collations.sql.
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
