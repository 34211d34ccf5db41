package schema

import (
	"errors"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/pgtest"
)

func TestCheckServerVersion(t *testing.T) {
	for version, ok := range map[string]bool{
		"15.0":                           true,
		"15.20 (Debian 15.20-0+deb12u1)": true,
		"16.4":                           true,
		"17beta1":                        true,
		"18devel":                        true,
		"100.1":                          true,
		"14.13":                          false,
		"13.0 (Ubuntu 13.0-1)":           false,
		"9.6.24":                         false,
		"1":                              false,
		"":                               false,
		"unknown":                        false,
		"99999999999999999999.0":         false,
	} {
		err := checkServerVersion(version)
		if ok {
			assert.NoError(t, err, version)
			continue
		}
		var ue *UnsupportedServerError
		assert.True(t, errors.As(err, &ue), "%q: %v", version, err)
		assert.Equal(t, version, ue.Version)
	}
}

// The suite runs on a server of the supported range (the README's
// "Supported PostgreSQL versions"), and both ways of reading its version
// agree and pass the gate.
func TestServerVersionOfTheSuite(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.DB(t))
	var num int
	assert.NoError(t, conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&num))
	assert.True(t, num >= minServerMajor*10000, "the tests run on server_version_num %d, outside the supported range", num)

	tx, err := conn.Begin(ctx)
	assert.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck
	fromStartup, err := serverVersion(ctx, tx, tx)
	assert.NoError(t, err)
	asked, err := serverVersion(ctx, conn, nil)
	assert.NoError(t, err)
	assert.Equal(t, asked, fromStartup)
	assert.NoError(t, checkServerVersion(fromStartup))
}
