package sqltext_test

import (
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/sqltext"
)

func TestNUL(t *testing.T) {
	for _, tc := range []struct {
		text      string
		line, col int
		ok        bool
	}{
		{"SELECT 1;\n", 0, 0, false},
		{"\x00", 1, 1, true},
		{"SELECT 1;\r\nSELECT 'é\x00';\n", 2, 10, true},
		{"-- a\n-- b\n\x00x\x00", 3, 1, true},
	} {
		line, col, ok := sqltext.NUL(tc.text)
		assert.Equal(t, tc.ok, ok, "%q", tc.text)
		assert.Equal(t, [2]int{tc.line, tc.col}, [2]int{line, col}, "%q", tc.text)
	}
}
