package migrator_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
)

// WithFileSettings' settings hold in each of a file's transactions (after
// a COMMIT in the file too), and a failing file's error is at its own line
// and column, whatever was put in front of it.
func TestFileSettingsHoldInTheFilesTransactionsOnly(t *testing.T) {
	fsys := fstest.MapFS{
		// Each file records the setting as its transactions see it.
		"1_a.up.sql":   {Data: []byte("CREATE TABLE seen (v text);\nINSERT INTO seen VALUES (current_setting('guard.test_setting', true));\n")},
		"1_a.down.sql": {Data: []byte("DROP TABLE seen;\n")},
		"2_b.up.sql":   {Data: []byte("BEGIN;\nINSERT INTO seen VALUES (current_setting('guard.test_setting', true));\nCOMMIT;\nINSERT INTO seen VALUES (current_setting('guard.test_setting', true));\n")},
		"2_b.down.sql": {Data: []byte("SELECT 1;\n")},
		"3_c.up.sql":   {Data: []byte("INSERT INTO seen VALUES ('x');\nSELECT nope FROM seen;\n")},
		"3_c.down.sql": {Data: []byte("SELECT 1;\n")},
	}
	src := load(t, fsys)
	url := pgtest.DB(t)
	db := openDB(t, url, src, migrator.WithFileSettings(map[string]string{"guard.test_setting": "on"}))
	assert.NoError(t, db.Goto(t.Context(), source.V(2)))
	conn := pgtest.Connect(t, url)
	var seen []string
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT array_agg(coalesce(v, '<unset>')) FROM seen`).Scan(&seen))
	assert.Equal(t, []string{"on", "on", "on"}, seen)
	err := db.Goto(t.Context(), source.V(3))
	var fe *source.FileError
	assert.True(t, errors.As(err, &fe), "%v", err)
	assert.Equal(t, [2]int{2, 8}, [2]int{fe.Line, fe.Column})

	cfg, err := dburl.Parse(url)
	assert.NoError(t, err)
	_, err = migrator.OpenDB(t.Context(), cfg, src, source.DefaultTable(), migrator.WithFileSettings(map[string]string{"Bad Name": "x"}))
	assert.Contains(t, err.Error(), `bad setting name "Bad Name"`)
}
