package dburl_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/dburl"
)

// A password with every character that trips hand-written URL parsing.
const secret = "p@ss%w/o:rd"

func TestParseAcceptsURLsAndDSNs(t *testing.T) {
	for _, s := range []string{
		"postgres://alice:s3cret@db.example:6543/app?sslmode=disable",
		"postgresql://alice:s3cret@db.example:6543/app?sslmode=disable",
		"host=db.example port=6543 user=alice password=s3cret dbname=app sslmode=disable",
	} {
		cfg, err := dburl.Parse(s)
		assert.NoError(t, err, s)
		assert.Equal(t, "db.example", cfg.Host)
		assert.Equal(t, uint16(6543), cfg.Port)
		assert.Equal(t, "app", cfg.Database)
		assert.Equal(t, "s3cret", cfg.Password)
		assert.Equal(t, "alice@db.example:6543/app", dburl.Describe(cfg))
	}
}

func TestParseErrorsNeverShowThePassword(t *testing.T) {
	escaped := "p%40ss%25w%2Fo%3Ard"
	for _, s := range []string{
		"postgres://alice:" + escaped + "@db.example:notaport/app",
		"postgres://alice:" + secret + "@db.example/app", // unescaped: malformed
		"host=db.example password=" + secret + " port=notaport",
		"",
	} {
		_, err := dburl.Parse(s)
		assert.Error(t, err, s)
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, err.Error(), escaped)
		assert.NotContains(t, err.Error(), "ss%w")
		assert.False(t, strings.Contains(err.Error(), "\n"), "one line: %q", err)
	}
}

func TestWithDatabase(t *testing.T) {
	u, err := dburl.WithDatabase("postgres://alice:x@h:1/app?sslmode=disable", "other")
	assert.NoError(t, err)
	cfg, err := dburl.Parse(u)
	assert.NoError(t, err)
	assert.Equal(t, "other", cfg.Database)
	assert.Equal(t, "x", cfg.Password)

	d, err := dburl.WithDatabase("host=h user=alice dbname=app", "it's")
	assert.NoError(t, err)
	cfg, err = dburl.Parse(d)
	assert.NoError(t, err)
	assert.Equal(t, "it's", cfg.Database)
}

func TestRedactAndScrub(t *testing.T) {
	escaped := "p%40ss%25w%2Fo%3Ard"
	r := dburl.Redact("postgres://alice:" + escaped + "@h/app")
	assert.NotContains(t, r, escaped)
	assert.Contains(t, r, "alice")
	assert.NotContains(t, dburl.Redact("host=h password="+secret), secret)
	assert.NotContains(t, dburl.Redact("postgres://alice:"+secret+"@h/app"), "ss%w")
	assert.Equal(t, "a xxxxx b", dburl.Scrub("a "+secret+" b", secret))
	assert.Equal(t, "url xxxxx", dburl.Scrub("url "+escaped, secret))
}

func TestParseGolangMigrateSchemes(t *testing.T) {
	for _, s := range []string{
		"pgx5://alice:s3cret@db.example:6543/app?sslmode=disable",
		"pgx://alice:s3cret@db.example:6543/app?sslmode=disable",
		"pgx4://alice:s3cret@db.example:6543/app?sslmode=disable",
	} {
		cfg, err := dburl.Parse(s)
		assert.NoError(t, err, s)
		assert.Equal(t, "alice@db.example:6543/app", dburl.Describe(cfg))
		assert.Equal(t, "s3cret", cfg.Password)
		assert.True(t, strings.HasPrefix(cfg.ConnString(), "postgres://"), cfg.ConnString())
		u, err := dburl.WithDatabase(s, "other")
		assert.NoError(t, err)
		assert.True(t, strings.HasPrefix(u, "postgres://"), u)
	}
	_, err := dburl.Parse("mysql://alice@h/app")
	assert.Error(t, err)
}

// Passwords people write into URLs without encoding them: each is refused
// before pgx reads part of it as the host, and no part of it is shown.
func TestUnencodedPasswordsAreRefusedUnseen(t *testing.T) {
	for _, tc := range []struct {
		url    string
		pieces []string // no error may contain any
	}{
		{"postgres://postgres:in@PW@127.0.0.1:5432/db", []string{"in@PW", "PW", "inPW", ":in@"}},
		{"postgres://postgres:a@b@c@127.0.0.1:5432/db", []string{"a@b", "b@c", "@b", "@c@"}},
		{"postgres://postgres:se/cret@127.0.0.1:5432/db", []string{"se/cret", "cret", ":se"}},
		{"postgres://postgres:s3:cr/et@127.0.0.1:5432/db", []string{"s3:cr", "cr/et", "et@"}},
		{"postgres://postgres:pa?ss@127.0.0.1:5432/db", []string{"pa?ss", "ss@", ":pa"}},
		{"postgres://postgres:12?ss@127.0.0.1:5432/db", []string{"12?ss", "ss@", ":12"}},
		{"postgres://postgres:pa/s?s@127.0.0.1:5432/db", []string{"pa/s", "s?s", ":pa"}},
		{"postgres://postgres:pa#ss@127.0.0.1:5432/db?sslmode=disable", []string{"pa#ss", "#ss", ":pa"}},
		{"pgx5://postgres:in@PW@127.0.0.1:5432/db?x-migrations-table=m", []string{"in@PW", "PW"}},
	} {
		for _, f := range []func(string) error{
			func(s string) error { _, err := dburl.Parse(s); return err },
			func(s string) error { _, _, err := dburl.Split(s); return err },
		} {
			err := f(tc.url)
			assert.Error(t, err, tc.url)
			for _, p := range tc.pieces {
				assert.NotContains(t, err.Error(), p, tc.url)
			}
			assert.Contains(t, err.Error(), "unencoded", tc.url)
			assert.Contains(t, err.Error(), "postgres://postgres:xxxxx@127.0.0.1:5432/db", tc.url)
			var oe *dburl.OptionError
			assert.True(t, errors.As(err, &oe))
			assert.Contains(t, oe.Hint(), "percent-encode")
		}
		assert.True(t, strings.HasPrefix(dburl.Redact(tc.url), "postgres://postgres:xxxxx@127.0.0.1:5432/db"), dburl.Redact(tc.url))
	}
	// ":" needs no encoding after the first one; the parse is exact.
	cfg, err := dburl.Parse("postgres://postgres:a:b:c@127.0.0.1:5432/db")
	assert.NoError(t, err)
	assert.Equal(t, "a:b:c", cfg.Password)
	assert.Equal(t, "127.0.0.1", cfg.Host)
	// An "@" in a query value is no password, with or without a user.
	for _, s := range []string{
		"postgres://alice@h/app?application_name=me@laptop",
		"postgres://h/app?application_name=me@laptop",
		"postgres://h:5432,[::1]:5433/app?application_name=me@laptop",
	} {
		cfg, err = dburl.Parse(s)
		assert.NoError(t, err, s)
		assert.Equal(t, "h", cfg.Host)
		assert.Equal(t, "me@laptop", cfg.RuntimeParams["application_name"])
		assert.Equal(t, s, dburl.Redact(s))
	}
}

func TestRedactKeyValueDSNs(t *testing.T) {
	for dsn, pw := range map[string]string{
		"host=h password=se@cr/et:x port=notaport":       "se@cr/et:x",
		"host=h password = 'with space' port=notaport":   "with space",
		"host=h PASSWORD='it\\'s:/@' dbname=x port=nope": "it\\'s:/@",
	} {
		r := dburl.Redact(dsn)
		assert.NotContains(t, r, pw, dsn)
		assert.Contains(t, r, "host=h", dsn)
		_, err := dburl.Parse(dsn)
		assert.Error(t, err, dsn)
		assert.NotContains(t, err.Error(), pw, dsn)
	}
	assert.Equal(t, "with space", dburl.RawPassword("host=h password = 'with space'"))
	assert.Equal(t, "it's", dburl.RawPassword(`host=h password='it\'s'`))
	assert.Equal(t, "in@PW", dburl.RawPassword("postgres://postgres:in@PW@127.0.0.1:5432/db"))
	assert.Equal(t, "qp", dburl.RawPassword("postgres://u@h/db?sslmode=disable&password=qp"))
	assert.Equal(t, "postgres://u@h/db?password=xxxxx&sslmode=disable", dburl.Redact("postgres://u@h/db?password=qp&sslmode=disable"))
}

func TestSplitReadsGolangMigrateOptions(t *testing.T) {
	clean, o, err := dburl.Split("pgx5://alice:s%40cret@h:6543/app?sslmode=disable&x-migrations-table=%22ops%22.%22versions%22" +
		"&x-migrations-table-quoted=1&x-statement-timeout=1500&x-multi-statement=false&x-multi-statement-max-size=4096&application_name=a%26b")
	assert.NoError(t, err)
	assert.Equal(t, "postgres://alice:s%40cret@h:6543/app?sslmode=disable&application_name=a%26b", clean)
	assert.Equal(t, dburl.Options{
		MigrationsTable: `"ops"."versions"`, MigrationsTableQuoted: true, StatementTimeout: 1500 * time.Millisecond,
		MultiStatementMaxSize: 4096,
		Keys:                  []string{"x-migrations-table", "x-migrations-table-quoted", "x-statement-timeout", "x-multi-statement", "x-multi-statement-max-size"},
	}, o)
	cfg, err := dburl.Parse(clean)
	assert.NoError(t, err)
	assert.Equal(t, "s@cret", cfg.Password)
	assert.Equal(t, map[string]string{"application_name": "a&b"}, cfg.RuntimeParams, "no x-* key reaches the server")

	clean, o, err = dburl.Split("postgres://h/app?x-migrations-table=m")
	assert.NoError(t, err)
	assert.Equal(t, "postgres://h/app", clean)
	assert.Equal(t, "m", o.MigrationsTable)
	assert.True(t, o.Has("x-migrations-table"))
	assert.False(t, o.Has("x-statement-timeout"))

	clean, o, err = dburl.Split("pgx://h/app?x-lock-strategy=advisory&x-lock-table=l")
	assert.NoError(t, err)
	assert.Equal(t, "postgres://h/app", clean)
	assert.Equal(t, "advisory", o.LockStrategy)

	for _, s := range []string{"postgres://u:pw@h/app", "host=h dbname=app x-migrations-table=m"} {
		clean, o, err := dburl.Split(s)
		assert.NoError(t, err)
		assert.Equal(t, s, clean, "as it was")
		assert.Equal(t, 0, len(o.Keys))
	}
}

func TestSplitRefusesWhatGolangMigrateRefusesAndUnknownKeys(t *testing.T) {
	for _, tc := range []struct{ query, want, hint string }{
		{"x-migrations-tabel=m", "x-migrations-tabel: unknown option", "x-migrations-table"},
		{"x-migrations-table=a&x-migrations-table=b", "x-migrations-table: given twice", "once"},
		{"x-migrations-table-quoted=yes", `x-migrations-table-quoted: cannot read "yes"`, "true or false"},
		{"x-migrations-table=plain&x-migrations-table-quoted=true", "must be quoted", `"schema"."table"`},
		{"x-statement-timeout=5s", `x-statement-timeout: cannot read "5s": invalid syntax`, "milliseconds"},
		{"x-statement-timeout=-1", "must not be negative", "milliseconds"},
		{"x-multi-statement=maybe", "x-multi-statement: cannot read", "true or false"},
		{"x-multi-statement-max-size=big", "x-multi-statement-max-size: cannot read", "bytes"},
		{"x-lock-strategy=mutex", "want advisory or table", "advisory or table"},
	} {
		_, _, err := dburl.Split("postgres://alice:p%40ss@h/app?sslmode=disable&" + tc.query)
		assert.Error(t, err, tc.query)
		assert.Contains(t, err.Error(), tc.want)
		var oe *dburl.OptionError
		assert.True(t, errors.As(err, &oe), tc.query)
		assert.Contains(t, oe.Hint(), tc.hint)
		assert.NotContains(t, err.Error(), "p%40ss")
		assert.NotContains(t, err.Error(), "p@ss")
		assert.False(t, strings.Contains(err.Error(), "\n"))
	}
}

func TestParseRefusesXKeysItWouldSendToTheServer(t *testing.T) {
	for _, s := range []string{
		"postgres://alice@h/app?x-migrations-table=m",
		"host=h dbname=app x-migrations-table=m",
	} {
		_, err := dburl.Parse(s)
		assert.Error(t, err, s)
		assert.Contains(t, err.Error(), "x-migrations-table")
		var oe *dburl.OptionError
		assert.True(t, errors.As(err, &oe))
		assert.Contains(t, oe.Hint(), "postgres://")
	}
}
