package schema

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// Qualify returns schema.name as SQL would need it written: each part quoted
// only when it must be (upper case, spaces, quotes, reserved-looking text).
func Qualify(schemaName, name string) string {
	return QuoteIdent(schemaName) + "." + QuoteIdent(name)
}

// QuoteIdent quotes an identifier exactly when PostgreSQL's quote_ident
// would (with quote_all_identifiers off): unless it is made only of
// lowercase ASCII letters, digits and underscores, starts with a letter or
// underscore, and is not a keyword (other than an unreserved one). The
// keywords are PostgreSQL 15's; a keyword a later release added (16's
// system_user, say) is left unquoted. It is the package's only identifier
// quoting: Inspect writes the index definitions it assembles with it, and
// leaves to pg_get_indexdef those where the server would quote otherwise.
func QuoteIdent(id string) string {
	if id == "" || quotedKeyword(id) {
		return pgx.Identifier{id}.Sanitize()
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9')) {
			return pgx.Identifier{id}.Sanitize()
		}
	}
	return id
}

// ParseTableName splits a table name as a user types it ("users",
// "app.users", `"My Schema"."Users"`) into schema and name. A name without a
// schema gets defaultSchema. Unquoted parts are kept as typed; quoted parts
// lose their quotes (with "" read as ").
func ParseTableName(s, defaultSchema string) (schemaName, name string, ok bool) {
	parts, ok := splitIdent(strings.TrimSpace(s))
	switch {
	case !ok:
		return "", "", false
	case len(parts) == 1:
		return defaultSchema, parts[0], parts[0] != ""
	case len(parts) == 2:
		return parts[0], parts[1], parts[0] != "" && parts[1] != ""
	}
	return "", "", false
}

func splitIdent(s string) ([]string, bool) {
	var parts []string
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '"' && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			inQuote = !inQuote
		case c == '.' && !inQuote:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote {
		return nil, false
	}
	return append(parts, cur.String()), true
}
