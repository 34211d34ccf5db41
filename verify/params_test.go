package verify

import (
	"testing"

	"github.com/alecthomas/assert/v2"
)

func TestRewriteParams(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT * FROM users WHERE id = $1", "SELECT * FROM users WHERE id = $1"},
		{"SELECT * FROM users WHERE email = @email AND name = @name OR email2 = @email", "SELECT * FROM users WHERE email = $1 AND name = $2 OR email2 = $1"},
		{"SELECT * FROM t WHERE a = $2 AND b = sqlc.arg(b) AND c = sqlc.narg('c') AND d = ANY(sqlc.slice(ds))", "SELECT * FROM t WHERE a = $2 AND b = $3 AND c = $4 AND d = ANY($5)"},
		{"SELECT sqlc.embed(users), p.id FROM users JOIN posts p ON true", "SELECT users.*, p.id FROM users JOIN posts p ON true"},
		// Operators and quoted text are left alone.
		{"SELECT * FROM t WHERE tags @> ARRAY['a'] AND tags <@ b AND ts @@ q AND mail LIKE '%@x.com'", "SELECT * FROM t WHERE tags @> ARRAY['a'] AND tags <@ b AND ts @@ q AND mail LIKE '%@x.com'"},
		{"SELECT '@a', \"@b\" -- @c\nFROM t WHERE x = @d", "SELECT '@a', \"@b\" -- @c\nFROM t WHERE x = $1"},
	} {
		got, _ := rewriteParams(tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestOrigOffsetMapsPositionsBack(t *testing.T) {
	in := "SELECT a FROM t WHERE b = sqlc.arg(bee) AND nope = @x"
	sent, edits := rewriteParams(in)
	assert.Equal(t, "SELECT a FROM t WHERE b = $1 AND nope = $2", sent)
	// "nope" in sent maps to "nope" in the original.
	at := origOffset(edits, indexOf(sent, "nope"))
	assert.Equal(t, indexOf(in, "nope"), at)
	// Before any edit, offsets are the same; inside one, its start.
	assert.Equal(t, 7, origOffset(edits, 7))
	assert.Equal(t, indexOf(in, "sqlc"), origOffset(edits, indexOf(sent, "$1")+1))
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestGitHubEscaping(t *testing.T) {
	assert.Equal(t, "50%25 done%0D%0Anext: a, b", escapeData("50% done\r\nnext: a, b"))
	assert.Equal(t, "dir/a%2Cb%3Ac%25.sql", escapeProperty("dir/a,b:c%.sql"))
}
