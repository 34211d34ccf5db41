package schema

import (
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/internal/pgtest"
)

// quotedKeyword knows exactly the keywords PostgreSQL 15 quotes.
func TestQuotedKeywordsAreTheServers(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.DB(t))
	var version int
	assert.NoError(t, conn.QueryRow(t.Context(), "SELECT current_setting('server_version_num')::int").Scan(&version))
	if version/10000 != 15 {
		t.Skipf("the list is PostgreSQL 15's; the server is %d", version)
	}
	rows, err := conn.Query(t.Context(), "SELECT word, catcode <> 'U' FROM pg_get_keywords()")
	assert.NoError(t, err)
	var word string
	var quoted bool
	n := 0
	_, err = pgx.ForEachRow(rows, []any{&word, &quoted}, func() error {
		assert.Equal(t, quoted, quotedKeyword(word), "keyword %q", word)
		n++
		return nil
	})
	assert.NoError(t, err)
	assert.True(t, n > 400, "only %d keywords", n)
	for _, w := range []string{"", "users", "Select", "selects", "action"} {
		assert.False(t, quotedKeyword(w), "%q", w)
	}
}
