package dburl

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Options are golang-migrate's x-* query parameters of a database URL, read
// as its PostgreSQL drivers read them (database/pgx/v5, database/pgx,
// database/postgres: func Open). A zero Options is golang-migrate's
// default.
type Options struct {
	// MigrationsTable is x-migrations-table: the version table, "" for
	// golang-migrate's schema_migrations.
	MigrationsTable string
	// MigrationsTableQuoted is x-migrations-table-quoted: MigrationsTable
	// is `"schema"."table"`.
	MigrationsTableQuoted bool
	// StatementTimeout is x-statement-timeout (milliseconds in the URL):
	// the bound of each migration's statement, 0 for none.
	StatementTimeout time.Duration
	// MultiStatement is x-multi-statement: golang-migrate splits each file
	// on semicolons and runs the statements one by one.
	MultiStatement bool
	// MultiStatementMaxSize is x-multi-statement-max-size, in bytes: the
	// largest statement of a multi-statement file; 0 when not given.
	MultiStatementMaxSize int
	// LockStrategy is x-lock-strategy of the pgx (v4) driver: "advisory"
	// (the default, also when "") or "table".
	LockStrategy string
	// LockTable is x-lock-table: the lock table of the table strategy.
	LockTable string
	// Keys are the x-* keys the URL held, in the order written.
	Keys []string
}

// Known x-* keys.
const (
	KeyMigrationsTable       = "x-migrations-table"
	KeyMigrationsTableQuoted = "x-migrations-table-quoted"
	KeyStatementTimeout      = "x-statement-timeout"
	KeyMultiStatement        = "x-multi-statement"
	KeyMultiStatementMaxSize = "x-multi-statement-max-size"
	KeyLockStrategy          = "x-lock-strategy"
	KeyLockTable             = "x-lock-table"
)

// KnownKeys are the x-* keys golang-migrate's PostgreSQL drivers read.
var KnownKeys = []string{KeyMigrationsTable, KeyMigrationsTableQuoted, KeyStatementTimeout,
	KeyMultiStatement, KeyMultiStatementMaxSize, KeyLockStrategy, KeyLockTable}

// Has reports whether the URL held key.
func (o Options) Has(key string) bool {
	for _, k := range o.Keys {
		if k == key {
			return true
		}
	}
	return false
}

// OptionError is an x-* option (or a URL) guard cannot read. It never holds
// the URL's password.
type OptionError struct {
	Key    string // the x-* key; "" when the URL itself is wrong
	Reason string
	hint   string
}

func (e *OptionError) Error() string {
	if e.Key == "" {
		return e.Reason
	}
	return "database URL option " + e.Key + ": " + e.Reason
}

// Hint says what to do.
func (e *OptionError) Hint() string { return e.hint }

// Split returns connString without golang-migrate's x-* query parameters
// (a pgx5:// or pgx:// scheme made postgres://), and the options they set:
// what golang-migrate strips before it connects, so that pgx never sends
// them to the server as runtime parameters. Parameters that are not x-*
// are left as written. A key=value DSN has no x-* options (golang-migrate
// takes URLs only) and comes back as it is; Parse refuses an x-* key in it.
//
// It fails with *OptionError on an x-* key none of golang-migrate's
// PostgreSQL drivers reads, a key given twice, and a value golang-migrate
// would refuse.
func Split(connString string) (string, Options, error) {
	s := Normalize(connString)
	var o Options
	if !isURL(s) {
		return s, o, nil
	}
	if err := checkUserinfo(s); err != nil {
		return "", o, err
	}
	scheme, ui, rest, hasUser := splitURL(s)
	q := strings.Index(rest, "?")
	if q < 0 {
		return s, o, nil
	}
	base, query, fragment := rest[:q], rest[q+1:], ""
	if h := strings.Index(query, "#"); h >= 0 {
		query, fragment = query[:h], query[h:]
	}
	var kept []string
	values := map[string]string{}
	for _, part := range strings.Split(query, "&") {
		rawKey, rawValue, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil || !strings.HasPrefix(key, "x-") {
			kept = append(kept, part) // pgx reads (or refuses) it
			continue
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return "", o, &OptionError{Key: key, Reason: "the value is not a valid URL query value", hint: "percent-encode it"}
		}
		if _, dup := values[key]; dup {
			return "", o, &OptionError{Key: key, Reason: "given twice", hint: "give it once"}
		}
		values[key] = value
		o.Keys = append(o.Keys, key)
	}
	if err := o.read(values); err != nil {
		return "", o, err
	}
	out := scheme
	if hasUser {
		out += ui + "@"
	}
	out += base
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	return out + fragment, o, nil
}

// read sets o from the x-* values, checked as golang-migrate checks them.
func (o *Options) read(values map[string]string) error {
	for _, key := range o.Keys {
		v := values[key]
		var err error
		switch key {
		case KeyMigrationsTable:
			o.MigrationsTable = v
		case KeyMigrationsTableQuoted:
			o.MigrationsTableQuoted, err = parseBool(v)
		case KeyStatementTimeout:
			var ms int
			if ms, err = strconv.Atoi(v); err == nil && ms < 0 {
				err = fmt.Errorf("must not be negative")
			}
			o.StatementTimeout = time.Duration(ms) * time.Millisecond
		case KeyMultiStatement:
			o.MultiStatement, err = parseBool(v)
		case KeyMultiStatementMaxSize:
			o.MultiStatementMaxSize, err = strconv.Atoi(v)
		case KeyLockStrategy:
			if v != "advisory" && v != "table" {
				err = fmt.Errorf("want advisory or table")
			}
			o.LockStrategy = v
		case KeyLockTable:
			o.LockTable = v
		default:
			return &OptionError{Key: key, Reason: "unknown option: none of golang-migrate's PostgreSQL drivers reads it",
				hint: "golang-migrate reads " + strings.Join(KnownKeys, ", ") + "; remove the others"}
		}
		if err != nil {
			return &OptionError{Key: key, Reason: fmt.Sprintf("cannot read %q: %s", v, reason(err)), hint: hints[key]}
		}
	}
	if o.MigrationsTableQuoted && o.MigrationsTable != "" &&
		(len(o.MigrationsTable) < 2 || !strings.HasPrefix(o.MigrationsTable, `"`) || !strings.HasSuffix(o.MigrationsTable, `"`)) {
		return &OptionError{Key: KeyMigrationsTable, Reason: fmt.Sprintf("%s must be quoted when x-migrations-table-quoted is true", o.MigrationsTable),
			hint: `write it as "schema"."table" (percent-encoded: %22schema%22.%22table%22)`}
	}
	return nil
}

var hints = map[string]string{
	KeyMigrationsTableQuoted: "give true or false",
	KeyStatementTimeout:      "give the timeout in milliseconds, e.g. x-statement-timeout=60000",
	KeyMultiStatement:        "give true or false",
	KeyMultiStatementMaxSize: "give a size in bytes, e.g. x-multi-statement-max-size=10485760",
	KeyLockStrategy:          "give advisory or table",
}

func parseBool(s string) (bool, error) { return strconv.ParseBool(s) }

// reason is err without strconv's "strconv.Atoi: parsing …:" prefix.
func reason(err error) string {
	if ne, ok := err.(*strconv.NumError); ok {
		return ne.Err.Error()
	}
	return err.Error()
}
