package verify

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/schemaguard/guard/internal/sqltext"
)

// This file rewrites sqlc's parameters in the statements of queries files,
// keeping track of the edits so as to map PostgreSQL's error position back
// to the file.

// Parameters written the way sqlc writes them: sqlc.arg(name),
// sqlc.narg(name), sqlc.slice(name), @name (all become $n, one number per
// name), and sqlc.embed(table) (becomes table.*). Matched on the statement
// masked (sqltext.Mask), so that quoted text and comments are left alone.
var (
	sqlcParam  = regexp.MustCompile(`sqlc\.(arg|narg|slice)\s*\(([^)]*)\)|sqlc\.embed\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|@([A-Za-z_][A-Za-z0-9_]*)`)
	dollarNum  = regexp.MustCompile(`\$([0-9]+)`)
	operatorCh = "+-*/<>=~!@#%^&|`?"
)

// edit is one replacement made in a statement, in byte offsets of the
// original text and of the rewritten one.
type edit struct{ origStart, origEnd, sentStart, sentEnd int }

// rewriteParams returns the statement with sqlc's parameter syntax turned
// into PostgreSQL's ($n), and the edits made, to map positions back.
func rewriteParams(text string) (string, []edit) {
	masked := sqltext.Mask(text)
	top := 0
	for _, m := range dollarNum.FindAllStringSubmatchIndex(masked, -1) {
		if m[0] > 0 && sqltext.IsIdentByte(masked[m[0]-1]) {
			continue
		}
		if n, err := strconv.Atoi(masked[m[2]:m[3]]); err == nil {
			top = max(top, n)
		}
	}
	numbers := map[string]int{}
	var b strings.Builder
	var edits []edit
	last := 0
	for _, m := range sqlcParam.FindAllStringSubmatchIndex(masked, -1) {
		var repl string
		switch {
		case m[2] >= 0: // sqlc.arg(name) and friends
			name := strings.Trim(strings.TrimSpace(text[m[4]:m[5]]), `'"`)
			repl = "$" + strconv.Itoa(number(numbers, name, &top))
		case m[6] >= 0: // sqlc.embed(table)
			repl = text[m[6]:m[7]] + ".*"
		default: // @name, unless it is part of an operator (@>, <@, @@)
			if m[0] > 0 && (strings.IndexByte(operatorCh, masked[m[0]-1]) >= 0 || sqltext.IsIdentByte(masked[m[0]-1])) {
				continue
			}
			repl = "$" + strconv.Itoa(number(numbers, text[m[8]:m[9]], &top))
		}
		b.WriteString(text[last:m[0]])
		e := edit{origStart: m[0], origEnd: m[1], sentStart: b.Len()}
		b.WriteString(repl)
		e.sentEnd = b.Len()
		edits = append(edits, e)
		last = m[1]
	}
	if len(edits) == 0 {
		return text, nil
	}
	b.WriteString(text[last:])
	return b.String(), edits
}

func number(numbers map[string]int, name string, top *int) int {
	if n, ok := numbers[name]; ok {
		return n
	}
	*top++
	numbers[name] = *top
	return *top
}

// origOffset maps a byte offset of the rewritten statement to the original.
func origOffset(edits []edit, s int) int {
	delta := 0
	for _, e := range edits {
		if s < e.sentStart {
			break
		}
		if s < e.sentEnd {
			return e.origStart
		}
		delta = e.origEnd - e.sentEnd
	}
	return s + delta
}
