package migrator

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/jackc/pgx/v5/pgconn"
)

// WithFileSettings makes settings with SET LOCAL at the start of each
// file's transaction, and again after each statement of the file that ends
// a transaction, as behind a transaction pooler: they hold for the file's
// transactions only, never for the session. A file holding a statement that
// must run outside a transaction (CREATE INDEX CONCURRENTLY) gets none:
// nothing can be put in front of it. guard migrate passes its contract
// enforcement pass this way (guard/enforce).
func WithFileSettings(settings map[string]string) Option {
	return func(o *options) error {
		for k := range settings {
			if k == "" || strings.ContainsFunc(k, func(r rune) bool { return !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
				return fmt.Errorf("bad setting name %q", k)
			}
		}
		if o.fileSettings == nil {
			o.fileSettings = map[string]string{}
		}
		maps.Copy(o.fileSettings, settings)
		return nil
	}
}

// fileSettingsDriver is golang-migrate's driver with WithFileSettings'
// settings put in front of each file.
type fileSettingsDriver struct {
	database.Driver
	settings map[string]string
}

// Run runs the file with the settings (see WithFileSettings); an error's
// position is the file's, as if nothing had been inserted.
func (f fileSettingsDriver) Run(migration io.Reader) error {
	body, err := io.ReadAll(migration)
	if err != nil {
		return err
	}
	text := string(body)
	if strings.TrimSpace(text) == "" || mustRunOutside(text) {
		return f.Driver.Run(strings.NewReader(text))
	}
	sent, inserted := withSettings(text, f.settings)
	err = f.Driver.Run(strings.NewReader(sent))
	var dbErr database.Error
	if errors.As(err, &dbErr) {
		if pgErr, ok := dbErr.OrigErr.(*pgconn.PgError); ok {
			e := *pgErr
			e.Position = int32(originalPosition(int(e.Position), inserted))
			dbErr.OrigErr = &e
		}
		dbErr.Query = body
		return dbErr
	}
	return err
}
