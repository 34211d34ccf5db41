package schema

import (
	"reflect"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

// Rows are mapped to structs by position: each struct lists its query's
// columns in order, under their names.
func TestRowStructsMatchQueries(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.DB(t))
	schemas := []any{[]string{"public"}}
	noOIDs := []any{[]uint32{}}
	for _, tc := range []struct {
		query string
		args  []any
		row   any
	}{
		{tablesQuery, schemas, tableRow{}},
		{constraintsQuery, schemas, constraintRow{}},
		{factsQuery, nil, factsRow{}},
		{indexesQuery, schemas, indexRow{}},
		{enumsQuery, schemas, enumRow{}},
		{viewsQuery, schemas, viewRow{}},
		{typesQuery, []any{[]uint32{}, []int32{}}, typeRow{}},
		{collationsQuery, noOIDs, collationRow{}},
		{columnsQuery, noOIDs, columnRow{}},
		{indexDefsQuery, noOIDs, indexDefRow{}},
		{functionsQuery, schemas, functionRow{}},
		{triggersQuery, schemas, triggerRow{}},
		{sequencesQuery, schemas, sequenceRow{}},
		{extensionsQuery, nil, extensionRow{}},
		{policiesQuery, schemas, policyRow{}},
		{domainsQuery, schemas, domainRow{}},
		{compositesQuery, schemas, compositeRow{}},
	} {
		typ := reflect.TypeOf(tc.row)
		t.Run(typ.Name(), func(t *testing.T) {
			rows, err := conn.Query(t.Context(), tc.query, tc.args...)
			assert.NoError(t, err)
			var columns []string
			for _, fd := range rows.FieldDescriptions() {
				columns = append(columns, fd.Name)
			}
			rows.Close()
			assert.NoError(t, rows.Err())
			var fields []string
			for f := range typ.Fields() {
				fields = append(fields, f.Tag.Get("db"))
			}
			assert.Equal(t, columns, fields)
		})
	}
}
