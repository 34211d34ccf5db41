package schema_test

import (
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

// QuoteIdent is the package's one identifier quoting (assembled index
// definitions use it too): it must quote exactly as the server's quote_ident.
func TestQuoteIdentAgreesWithServerOnTrickyNames(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.DB(t))
	names := []string{
		// upper and mixed case
		"A", "Users", "userS", "ID", "snake_Case",
		// keywords of every category: reserved, type or function name, column name, unreserved
		"select", "from", "table", "user", "authorization", "binary", "left", "int", "varchar", "between",
		"xmltable", "action", "abort", "zone", "json", "name", "type", "value",
		// not ASCII
		"é", "café", "ünï", "日本", "ß", "Ä",
		// quotes and punctuation
		`"`, `""`, `a"b`, `"quoted"`, "it's", "a$b", "$a", "a-b", "a.b", "a b", " a", "a ", "tab\there", "new\nline",
		// digits
		"1", "1st", "9_lives", "a1", "_1", "x0y9",
		// empty-ish
		"", " ", "_", "__", "\u00a0",
	}
	for _, n := range names {
		var want string
		assert.NoError(t, conn.QueryRow(t.Context(), "SELECT quote_ident($1)", n).Scan(&want))
		assert.Equal(t, want, schema.QuoteIdent(n), "quote_ident(%q)", n)
	}
}
