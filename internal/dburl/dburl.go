// Package dburl handles database connection strings: postgres:// and
// postgresql:// URLs and key=value DSNs, always parsed by pgx, never by hand,
// and never echoed back with their password.
package dburl

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Parse parses a connection string (URL or key=value DSN, with the PG*
// environment as pgx applies it). The error names what is wrong but never
// contains the password.
func Parse(connString string) (*pgx.ConnConfig, error) {
	if strings.TrimSpace(connString) == "" {
		return nil, fmt.Errorf("no database URL given")
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
		}
		return nil, fmt.Errorf("invalid database URL %q: %s", Redact(connString), reason)
	}
	return cfg, nil
}

var quoted = regexp.MustCompile(`"[^"]*"`)

// RawPassword returns the password as written in connString, best effort,
// for scrubbing error messages about a string pgx could not parse.
func RawPassword(connString string) string {
	if isURL(connString) {
		rest := connString[strings.Index(connString, "://")+3:]
		at := strings.LastIndex(rest, "@")
		if at < 0 {
			return ""
		}
		if c := strings.Index(rest[:at], ":"); c >= 0 {
			return rest[c+1 : at]
		}
		return ""
	}
	for _, f := range strings.Fields(connString) {
		if k, v, ok := strings.Cut(f, "="); ok && strings.TrimSpace(k) == "password" {
			return strings.Trim(v, "'")
		}
	}
	return ""
}

func parseReason(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) && pe.Unwrap() != nil {
		return pe.Unwrap().Error()
	}
	return err.Error()
}

// WithDatabase returns connString changed to connect to database db instead.
func WithDatabase(connString, db string) (string, error) {
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
// on URLs and on key=value DSNs; when connString cannot be understood at all
// it returns a placeholder rather than risk echoing a secret.
func Redact(connString string) string {
	if isURL(connString) {
		u, err := url.Parse(connString)
		if err != nil {
			// Cut "scheme://userinfo@" by hand: the URL is malformed anyway.
			rest := connString[strings.Index(connString, "://")+3:]
			if at := strings.LastIndex(rest, "@"); at >= 0 {
				user := rest[:at]
				if c := strings.Index(user, ":"); c >= 0 {
					user = user[:c] + ":xxxxx"
				}
				return connString[:strings.Index(connString, "://")+3] + user + rest[at:]
			}
			return connString
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	fields := strings.Fields(connString)
	for i, f := range fields {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(f)), "password") {
			fields[i] = "password=xxxxx"
		}
	}
	return strings.Join(fields, " ")
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
