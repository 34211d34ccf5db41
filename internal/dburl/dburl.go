// Package dburl handles database connection strings: postgres://,
// postgresql:// (and golang-migrate's pgx5:// and pgx://) URLs and key=value
// DSNs, always parsed by pgx, never by hand, and never echoed back with
// their password. Split reads golang-migrate's x-* options out of a URL.
package dburl

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Parse parses a connection string (URL or key=value DSN, with the PG*
// environment as pgx applies it). The schemes pgx5://, pgx4:// and pgx://
// (golang-migrate's pgx drivers) are read as postgres://. A URL whose user
// name or password holds an unencoded "@", "/", "?" or "#" is refused
// (pgx would read part of the password as the host), and so is an x-*
// parameter: golang-migrate's options are no connection settings (see
// Split). The error names what is wrong but never contains the password.
func Parse(connString string) (*pgx.ConnConfig, error) {
	if strings.TrimSpace(connString) == "" {
		return nil, fmt.Errorf("no database URL given")
	}
	connString = Normalize(connString)
	if err := checkUserinfo(connString); err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		reason := parseReason(err)
		if pw := RawPassword(connString); pw != "" {
			// pgx quotes the offending token, which may be part of the password.
			reason = quoted.ReplaceAllStringFunc(reason, func(tok string) string {
				if t := strings.Trim(tok, `"`); t != "" && (strings.Contains(pw, t) || strings.Contains(t, pw)) {
					return `"xxxxx"`
				}
				return tok
			})
			reason = Scrub(reason, pw)
		}
		return nil, fmt.Errorf("invalid database URL %q: %s", Redact(connString), reason)
	}
	if keys := customKeys(cfg); len(keys) > 0 {
		where := "this URL"
		if !isURL(connString) {
			where = "a key=value connection string"
		}
		return nil, &OptionError{Key: keys[0], Reason: "golang-migrate's option is no connection setting, and guard reads it only in the query of the target's postgres:// URL, not in " + where,
			hint: "write the target as postgres://USER@HOST/DB?" + keys[0] + "=…, or remove " + keys[0]}
	}
	return cfg, nil
}

// ParseEnv parses the empty connection string: the PG* environment alone
// (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE, …), as psql
// and pgx read it.
func ParseEnv() (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("invalid PG* environment: %s", parseReason(err))
	}
	return cfg, nil
}

// customKeys are the x-* runtime parameters pgx would send to the server.
func customKeys(cfg *pgx.ConnConfig) []string {
	var keys []string
	for k := range cfg.RuntimeParams {
		if strings.HasPrefix(k, "x-") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

var quoted = regexp.MustCompile(`"[^"]*"`)

// aliases are golang-migrate's URL schemes of PostgreSQL that pgx does not
// know: its pgx/v5 driver registers pgx5, its pgx (v4) driver pgx and pgx4.
var aliases = []string{"pgx5://", "pgx4://", "pgx://"}

// Normalize returns connString with a pgx5://, pgx4:// or pgx:// scheme
// made postgres://; anything else is returned as it is.
func Normalize(connString string) string {
	for _, a := range aliases {
		if strings.HasPrefix(connString, a) {
			return "postgres://" + connString[len(a):]
		}
	}
	return connString
}

// splitURL cuts a URL into its scheme with "://", its userinfo as written
// ("" when none, ok false) and the rest (hosts, path, query). The userinfo
// ends at the last "@" before the query, the query being what follows the
// first "?" after the first "@": so that an unencoded "@", "/", "?" or "#"
// in a password stays in the userinfo, where checkUserinfo finds it, while
// an "@" in a query value (application_name=me@host) does not.
func splitURL(s string) (scheme, userinfo, rest string, ok bool) {
	i := strings.Index(s, "://")
	if i < 0 {
		return "", "", s, false
	}
	scheme, rest = s[:i+3], s[i+3:]
	first := strings.Index(rest, "@")
	if first < 0 {
		return scheme, "", rest, false
	}
	if q := strings.Index(rest, "?"); q >= 0 && q < first && plainAuthority(rest[:q]) {
		return scheme, "", rest, false // an "@" in the query only: application_name=me@host
	}
	region := rest
	if q := strings.Index(rest[first:], "?"); q >= 0 {
		region = rest[:first+q]
	}
	at := strings.LastIndex(region, "@")
	return scheme, rest[:at], rest[at+1:], true
}

// plainAuthority reports whether s reads as hosts, numeric ports and a
// path, with no userinfo: "h1:5432,h2/db". It needs the path, so that a
// password cut short by an unencoded "?" ("u:pa?ss@h/db") never passes
// for a host and port.
func plainAuthority(s string) bool {
	auth, _, hasPath := strings.Cut(s, "/")
	if !hasPath || auth == "" {
		return false
	}
	for _, h := range strings.Split(auth, ",") {
		if strings.HasPrefix(h, "[") { // [ipv6]:port
			end := strings.Index(h, "]")
			if end < 0 {
				return false
			}
			h = "x" + h[end+1:]
		}
		host, port, hasPort := strings.Cut(h, ":")
		if host == "" || strings.ContainsAny(host, "@:/?#") {
			return false
		}
		if hasPort && strings.Trim(port, "0123456789") != "" {
			return false
		}
	}
	return true
}

// checkUserinfo refuses a URL whose user name or password holds a
// character that ends the userinfo early: pgx (and golang-migrate) would
// read the rest of the password as the host, and print it.
func checkUserinfo(s string) error {
	if !isURL(s) {
		return nil
	}
	_, ui, _, ok := splitURL(s)
	if !ok {
		return nil
	}
	for _, c := range []string{"@", "/", "?", "#"} {
		if strings.Contains(ui, c) {
			return &OptionError{
				Reason: fmt.Sprintf("invalid database URL %q: the user name or password holds an unencoded %q", Redact(s), c),
				hint:   fmt.Sprintf("percent-encode %q as %s in the URL's password (or use a key=value connection string, or PGPASSWORD)", c, url.QueryEscape(c)),
			}
		}
	}
	return nil
}

// RawPassword returns the password as written in connString, best effort,
// for scrubbing error messages about a string pgx could not parse.
func RawPassword(connString string) string {
	connString = Normalize(connString)
	if isURL(connString) {
		_, ui, rest, ok := splitURL(connString)
		if ok {
			if _, pw, has := strings.Cut(ui, ":"); has && pw != "" {
				return pw
			}
		}
		if m := queryPassword.FindStringSubmatch(rest); m != nil {
			return m[2]
		}
		return ""
	}
	if m := dsnPassword.FindStringSubmatch(connString); m != nil {
		v := m[2]
		if strings.HasPrefix(v, "'") {
			v = strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'")
			v = strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v)
		}
		return v
	}
	return ""
}

var (
	// queryPassword is a password= parameter of a URL's query.
	queryPassword = regexp.MustCompile(`([?&]password=)([^&#]*)`)
	// dsnPassword is the password of a key=value DSN, quoted or not.
	dsnPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)`)
)

func parseReason(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return err.Error()
}

// WithDatabase returns connString changed to connect to database db
// instead (a pgx5:// or pgx:// URL comes back as postgres://).
func WithDatabase(connString, db string) (string, error) {
	connString = Normalize(connString)
	if isURL(connString) {
		u, err := url.Parse(connString)
		if err != nil {
			return "", fmt.Errorf("invalid database URL %q", Redact(connString))
		}
		u.Path = "/" + db
		u.RawPath = ""
		return u.String(), nil
	}
	// key=value DSN: a later key overrides an earlier one.
	return connString + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(db) + "'", nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns connString with any password replaced by "xxxxx". It works
// on URLs (the userinfo found as splitURL finds it, so that an unencoded
// "@" in a password does not show its end) and on key=value DSNs.
func Redact(connString string) string {
	connString = Normalize(connString)
	if isURL(connString) {
		scheme, ui, rest, ok := splitURL(connString)
		rest = queryPassword.ReplaceAllString(rest, "${1}xxxxx")
		if !ok {
			return scheme + rest
		}
		if user, _, has := strings.Cut(ui, ":"); has {
			ui = user + ":xxxxx"
		}
		return scheme + ui + "@" + rest
	}
	return dsnPassword.ReplaceAllString(connString, "${1}xxxxx")
}

// Describe returns a short password-free description of a parsed config:
// user@host:port/database.
func Describe(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "[socket " + host + "]"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, host, cfg.Port, cfg.Database)
}

// Scrub removes every occurrence of password from s. Use it as a last line
// of defence on any text shown to a person.
func Scrub(s, password string) string {
	if password == "" {
		return s
	}
	s = strings.ReplaceAll(s, password, "xxxxx")
	if esc := url.QueryEscape(password); esc != password {
		s = strings.ReplaceAll(s, esc, "xxxxx")
	}
	if esc := url.PathEscape(password); esc != password {
		s = strings.ReplaceAll(s, esc, "xxxxx")
	}
	return s
}
