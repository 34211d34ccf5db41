package source_test

import (
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
)

// PostgreSQL truncates identifiers to 63 bytes: a longer version table name
// (or schema) would name another table, so it is refused.
func TestParseTableRefusesNamesOver63Bytes(t *testing.T) {
	ok63 := strings.Repeat("a", 63)
	long := strings.Repeat("a", 64)
	accented := strings.Repeat("é", 32) // 64 bytes
	for _, name := range []string{ok63, `"` + ok63 + `"."` + ok63 + `"`} {
		_, err := source.ParseTableName(name)
		assert.NoError(t, err, name)
	}
	for _, name := range []string{long, `"` + long + `"`, `"` + long + `"."t"`, `"s"."` + long + `"`, accented} {
		_, err := source.ParseTableName(name)
		assert.Error(t, err, name)
		assert.Contains(t, err.Error(), "64 bytes")
		assert.Contains(t, err.Error(), "truncates identifiers to 63 bytes")
	}
	_, err := source.ParseTable(accented, false)
	assert.Contains(t, err.Error(), `(the table would be "`+strings.Repeat("é", 31)+`")`)
}
