package dburl_test

import (
	"strings"
	"testing"

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
