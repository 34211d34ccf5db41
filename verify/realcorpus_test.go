package verify_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/verify"
)

// The realistic histories of testdata/histories (extensions, functions,
// triggers, DO blocks, enums, concurrent indexes, backfills, files with
// their own transactions, up-only files, timestamp versions with gaps)
// verify: every file applies, every down file undoes its up, and the only
// findings are the warnings they deserve, one line each: the up-only files
// (however many), up and down files of different titles, no sum file. Their version gaps are their pattern
// (timestamps): no warning.
func TestRealisticHistoriesVerify(t *testing.T) {
	const corpus = "../testdata/histories"
	dirs, err := os.ReadDir(corpus)
	assert.NoError(t, err)
	assert.NotZero(t, len(dirs))
	p := provider(t)
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			src := load(t, os.DirFS(filepath.Join(corpus, d.Name())))
			rep, err := verify.Run(context2m(t), src, verify.WithShadowProvider(p))
			assert.NoError(t, err)
			assert.Equal(t, verify.StatusPassed, rep.Status, "%+v", rep.Findings)
			assert.Equal(t, 0, rep.Summary.Errors)
			upOnly := 0
			for _, m := range src.Migrations {
				if m.Down == "" {
					upOnly++
				}
			}
			for _, f := range rep.Findings {
				assert.Equal(t, verify.SeverityWarning, f.Severity, "%+v", f)
			}
			want := 1 // the missing sum file
			if upOnly > 0 {
				want++ // one line for every up-only file
			}
			for _, m := range src.Migrations {
				if m.Down != "" && m.DownTitle() != m.Name {
					want++ // one line for every up and down pair of different titles
					break
				}
			}
			assert.Equal(t, want, rep.Summary.Warnings, "one for the up-only files, one for different titles, one for the missing sum file: %+v", rep.Findings)
		})
	}
}
