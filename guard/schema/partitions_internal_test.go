package schema

import (
	"reflect"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

// partitions.sql's and identity_sequences.sql's columns are partitionRow's
// and identityRow's fields, in order (see TestRowStructsMatchQueries).
func TestPartitionRowMatchesQuery(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.DB(t))
	for query, row := range map[string]any{partitionsQuery: partitionRow{}, identitiesQuery: identityRow{}} {
		rows, err := conn.Query(t.Context(), query, []string{"public"})
		assert.NoError(t, err)
		var columns []string
		for _, fd := range rows.FieldDescriptions() {
			columns = append(columns, fd.Name)
		}
		rows.Close()
		assert.NoError(t, rows.Err())
		var fields []string
		for f := range reflect.TypeOf(row).Fields() {
			fields = append(fields, f.Tag.Get("db"))
		}
		assert.Equal(t, columns, fields)
	}
}
