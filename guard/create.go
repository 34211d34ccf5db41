package guard

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sumfile"
)

// DefaultVersionWidth is the number of digits of the first migration's
// version in a new folder.
const DefaultVersionWidth = 6

// timestampLayout is golang-migrate's `create -format` default for
// timestamp versions.
const timestampLayout = "20060102150405"

var nameJunk = regexp.MustCompile(`[^a-z0-9_]+`)

// CreateMigration writes the empty up and down files of a new migration in
// dir (created if missing): {version}_{name}.up.sql and .down.sql. The
// version follows the folder's highest, with as many digits as its files use
// (DefaultVersionWidth in an empty folder); in a folder of timestamp
// versions (14 digits), it is the current UTC time. The name is lower-cased,
// anything but letters, digits and underscores becoming an underscore. It
// never overwrites a file.
//
// When dir holds a sum file (guard.sum, see guard migrate hash), the
// migrations the new one builds on are recorded in it first: the non-empty
// files above its newest recorded version that it does not record yet
// (Created.Recorded). Recorded entries are never rewritten, so an edit
// stays visible to verify.
func CreateMigration(dir, name string) (*Created, error) {
	return createMigration(dir, name, time.Now())
}

func createMigration(dir, name string, now time.Time) (*Created, error) {
	title := strings.Trim(nameJunk.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "_"), "_")
	if title == "" {
		return nil, fmt.Errorf("create migration %q: the name needs letters or digits", name)
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("create migration: read %s: %w", dir, err)
	}
	var top uint64
	width := DefaultVersionWidth
	found := false
	for _, e := range entries {
		f, ok, err := source.ParseFileName(e.Name())
		if !ok || err != nil || e.IsDir() {
			continue
		}
		if !found || f.Version >= top {
			top, width, found = f.Version, strings.IndexByte(e.Name(), '_'), true
		}
	}
	version := top + 1
	if found && width == len(timestampLayout) {
		if _, err := time.Parse(timestampLayout, fmt.Sprintf("%0*d", width, top)); err == nil {
			if ts, _ := strconv.ParseUint(now.UTC().Format(timestampLayout), 10, 64); ts > top {
				version = ts
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create migration: %w", err)
	}
	base := fmt.Sprintf("%0*d_%s", width, version, title)
	c := &Created{Version: version, Up: filepath.Join(dir, base+".up.sql"), Down: filepath.Join(dir, base+".down.sql")}
	for _, p := range []string{c.Up, c.Down} {
		if _, err := os.Stat(p); err == nil {
			return nil, fmt.Errorf("create migration: %s already exists", p)
		}
	}
	if c.Recorded, err = sumfile.Record(dir, ""); err != nil {
		return nil, fmt.Errorf("create migration: %w", err)
	}
	for _, p := range []string{c.Up, c.Down} {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, fmt.Errorf("create migration: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("create migration: %w", err)
		}
	}
	return c, nil
}
