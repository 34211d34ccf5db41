package verify

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file finds statements in SQL files with their positions, which the
// hygiene check (to point at a statement) and the queries check (to prepare
// each statement as written, and map PostgreSQL's error position back to the
// file) need. migrator.Statements classifies statements; it returns them
// cleaned, without positions.

// statement is one statement of a SQL file.
type statement struct {
	start, end int    // byte offsets in the file: first character, and just past the last (before any ';')
	text       string // the file's bytes [start, end)
	masked     string // text with comments and quoted contents blanked (see mask)
}

// mask returns sql with comments, and the contents of quoted strings,
// quoted identifiers and dollar-quoted bodies, replaced by spaces (newlines
// kept), byte for byte, so that positions in the result are positions in
// sql. Quote characters and dollar tags stay.
func mask(sql string) string {
	b := []byte(sql)
	blank := func(from, to int) {
		for k := from; k < to && k < len(b); k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := i
			for j < len(sql) && sql[j] != '\n' {
				j++
			}
			blank(i, j)
			i = j
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j, depth := i, 0
			for j < len(sql) {
				if sql[j] == '/' && j+1 < len(sql) && sql[j+1] == '*' {
					depth, j = depth+1, j+2
					continue
				}
				if sql[j] == '*' && j+1 < len(sql) && sql[j+1] == '/' {
					depth, j = depth-1, j+2
					if depth == 0 {
						break
					}
					continue
				}
				j++
			}
			blank(i, j)
			i = j
		case c == '\'' || c == '"':
			escapes := c == '\'' && i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !isIdentByte(sql[i-2]))
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				if escapes && sql[j] == '\\' {
					j++
				}
				j++
			}
			blank(i+1, j)
			i = j + 1
		case c == '$' && (i == 0 || !isIdentByte(sql[i-1])):
			tag, ok := dollarTag(sql[i:])
			if !ok {
				i++
				continue
			}
			body := i + len(tag)
			end := strings.Index(sql[body:], tag)
			if end < 0 {
				blank(body, len(sql))
				i = len(sql)
				continue
			}
			blank(body, body+end)
			i = body + end + len(tag)
		default:
			i++
		}
	}
	return string(b)
}

// split returns the statements of a SQL file, in order, leaving out empty
// ones (only comments or white space).
func split(sql string) []statement {
	m := mask(sql)
	var out []statement
	add := func(from, to int) {
		seg := m[from:to]
		lead := len(seg) - len(strings.TrimLeft(seg, " \t\r\n\f"))
		trail := len(strings.TrimRight(seg, " \t\r\n\f"))
		if lead >= trail {
			return
		}
		s, e := from+lead, from+trail
		out = append(out, statement{start: s, end: e, text: sql[s:e], masked: m[s:e]})
	}
	from := 0
	for i := 0; i < len(m); i++ {
		if m[i] == ';' {
			add(from, i)
			from = i + 1
		}
	}
	add(from, len(m))
	return out
}

// dollarTag returns the dollar-quote opening tag at the start of s ("$$",
// "$body$"), if there is one.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1], true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || (j > 1 && c >= '0' && c <= '9'):
		default:
			return "", false
		}
	}
	return "", false
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// position returns the 1-based line and column (in characters) of byte
// offset off of text.
func position(text string, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	before := text[:off]
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return strings.Count(before, "\n") + 1, utf8.RuneCountInString(strings.ReplaceAll(before[lineStart:], "\r", "")) + 1
}

// byteOffset converts PostgreSQL's 1-based character position in text to a
// byte offset.
func byteOffset(text string, pos int) int {
	n := 1
	for i := range text {
		if n == pos {
			return i
		}
		n++
	}
	return len(text)
}

// Parameters written the way sqlc writes them: sqlc.arg(name),
// sqlc.narg(name), sqlc.slice(name), @name (all become $n, one number per
// name), and sqlc.embed(table) (becomes table.*). Matched on masked text.
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
func rewriteParams(st statement) (string, []edit) {
	top := 0
	for _, m := range dollarNum.FindAllStringSubmatchIndex(st.masked, -1) {
		if m[0] > 0 && isIdentByte(st.masked[m[0]-1]) {
			continue
		}
		if n, err := strconv.Atoi(st.masked[m[2]:m[3]]); err == nil {
			top = max(top, n)
		}
	}
	numbers := map[string]int{}
	var b strings.Builder
	var edits []edit
	last := 0
	for _, m := range sqlcParam.FindAllStringSubmatchIndex(st.masked, -1) {
		var repl string
		switch {
		case m[2] >= 0: // sqlc.arg(name) and friends
			name := strings.Trim(strings.TrimSpace(st.text[m[4]:m[5]]), `'"`)
			repl = "$" + strconv.Itoa(number(numbers, name, &top))
		case m[6] >= 0: // sqlc.embed(table)
			repl = st.text[m[6]:m[7]] + ".*"
		default: // @name, unless it is part of an operator (@>, <@, @@)
			if m[0] > 0 && (strings.IndexByte(operatorCh, st.masked[m[0]-1]) >= 0 || isIdentByte(st.masked[m[0]-1])) {
				continue
			}
			repl = "$" + strconv.Itoa(number(numbers, st.text[m[8]:m[9]], &top))
		}
		b.WriteString(st.text[last:m[0]])
		e := edit{origStart: m[0], origEnd: m[1], sentStart: b.Len()}
		b.WriteString(repl)
		e.sentEnd = b.Len()
		edits = append(edits, e)
		last = m[1]
	}
	if len(edits) == 0 {
		return st.text, nil
	}
	b.WriteString(st.text[last:])
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
