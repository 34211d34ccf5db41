package shadow_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

// A NUL byte in a file is refused before the file is sent, naming the file,
// the line and the column, whether the file replays alone or in a batch
// with others; PostgreSQL would say only "invalid message format".
func TestNULByteIsRefusedWithItsPlace(t *testing.T) {
	src, err := source.Load(fstest.MapFS{
		"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);\n")},
		"1_a.down.sql": {Data: []byte("DROP TABLE a;\n")},
		"2_b.up.sql":   {Data: []byte("CREATE TABLE b (id int);\nCOMMENT ON TABLE b IS 'x\x00y';\n")},
		"2_b.down.sql": {Data: []byte("DROP TABLE b;\n")},
	}, ".", "nul")
	assert.NoError(t, err)
	p, err := shadow.NewProvider(t.Context(), shadow.WithShadowURL(pgtest.Server(t)), shadow.WithTemplateCache(false))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close(t.Context())) })

	check := func(err error) {
		t.Helper()
		var me *shadow.MigrationError
		assert.True(t, errors.As(err, &me), "%v", err)
		assert.True(t, errors.Is(err, shadow.ErrNUL), "%v", err)
		assert.Equal(t, "2_b.up.sql", me.File)
		assert.Equal(t, [2]int{2, 25}, [2]int{me.Line, me.Column})
		assert.Contains(t, err.Error(), "replay 2_b.up.sql in shadow (line 2, column 25)")
		assert.NotContains(t, err.Error(), "08P01")
	}

	// Batched with the file before it.
	sh, err := p.New(t.Context())
	assert.NoError(t, err)
	check(sh.Migrate(t.Context(), src, source.V(2)))
	assert.NoError(t, sh.Drop(t.Context()))

	// Alone, one step at a time.
	sh, err = p.New(t.Context())
	assert.NoError(t, err)
	steps := src.UpSteps(source.None, source.V(2))
	assert.NoError(t, sh.Step(t.Context(), src, steps[0]))
	check(sh.Step(t.Context(), src, steps[1]))
	assert.NoError(t, sh.Drop(t.Context()))
}
