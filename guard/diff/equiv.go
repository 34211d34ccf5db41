package diff

import (
	"regexp"
	"strings"
)

// inListCheck is a CHECK of the form PostgreSQL writes for col IN ('a',
// 'b'): "CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))", or, for a
// varchar column, "CHECK (((status)::text = ANY ((ARRAY['a'::character
// varying, …])::text[])))".
var inListCheck = regexp.MustCompile(`^CHECK \(\(+("(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)(?:\)::[a-z ]+)? = ANY \(\(?ARRAY\[(.*?)\](?:\)::[a-z ]+\[\])?\)\)+$`)

// inList reads a CHECK (col IN (…)) and returns the column and the values,
// without their casts; ok is false for any other check.
func inList(check string) (col string, values []string, ok bool) {
	m := inListCheck.FindStringSubmatch(check)
	if m == nil {
		return "", nil, false
	}
	col, _, ok = readIdent(m[1], 0)
	if !ok {
		return "", nil, false
	}
	for _, v := range splitTopLevel(m[2]) {
		v = strings.TrimSpace(v)
		if i := strings.LastIndex(v, "::"); i > 0 && strings.HasSuffix(v[:i], "'") {
			v = v[:i]
		}
		values = append(values, v)
	}
	return col, values, true
}

// splitTopLevel splits a list at the commas outside quotes and parentheses.
func splitTopLevel(s string) []string {
	var out []string
	depth, start, quoted := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// nullSensitive reports whether a CHECK may reject NULL (it tests for NULL,
// or turns NULL into a value): such a check on a column the old code leaves
// NULL is not known to pass.
func nullSensitive(expr string) bool {
	u := strings.ToUpper(expr)
	for _, w := range []string{"NULL", "COALESCE", "CASE", "NUM_NON", "NUM_NULLS", "DISTINCT"} {
		if strings.Contains(u, w) {
			return true
		}
	}
	return false
}

// nowSpellings are the spellings of the transaction's start time a default
// may have: the same value.
var nowSpellings = regexp.MustCompile(`\b(?:now\(\)|CURRENT_TIMESTAMP|transaction_timestamp\(\))`)

// literalCast is a string literal with the cast to a character type that the
// server adds and rewrites when the column's type changes.
var literalCast = regexp.MustCompile(`('(?:[^']|'')*')::(?:text|character varying(?:\(\d+\))?|bpchar|character(?:\(\d+\))?)([^a-z_]|$)`)

// sameDefault reports whether two defaults are the same value spelled
// otherwise: now(), CURRENT_TIMESTAMP and transaction_timestamp(); a string
// literal cast to text or character varying.
func sameDefault(a, b string) bool {
	if a == b {
		return true
	}
	norm := func(s string) string {
		return literalCast.ReplaceAllString(nowSpellings.ReplaceAllString(s, "now()"), "$1$2")
	}
	return a != "" && b != "" && norm(a) == norm(b)
}
