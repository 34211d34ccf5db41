package shadow

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/migrations"
)

func TestWarmViewConnectsOnlyToTheTemplate(t *testing.T) {
	ctx := t.Context()
	server := pgtest.Server(t)
	target, err := dburl.Parse(pgtest.DB(t))
	assert.NoError(t, err)
	// The example history, of this test's own: its template is the test's.
	fsys := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations.FS, ".")
	assert.NoError(t, err)
	for _, e := range entries {
		b, err := fs.ReadFile(migrations.FS, e.Name())
		assert.NoError(t, err)
		fsys[e.Name()] = &fstest.MapFile{Data: b}
	}
	first := "000001_create_users.up.sql"
	fsys[first].Data = fmt.Appendf(fsys[first].Data, "\n-- guard test %s %s\n", t.Name(), randomHex(6))
	src, err := source.Load(fsys, ".", "example")
	assert.NoError(t, err)
	open := func() *Provider {
		p, err := NewProvider(ctx, WithTarget(target), WithShadowURL(server), WithInspection(nil, nil))
		assert.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, p.Close(context.Background())) })
		return p
	}

	cold := open()
	v, warm, err := cold.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.False(t, warm)
	t.Cleanup(func() { pgtest.Exec(t, server, `DROP DATABASE IF EXISTS `+pgx.Identifier{v.Name()}.Sanitize()) })
	assert.NoError(t, v.Drop(ctx))
	assert.NotZero(t, cold.adminConn, "building the template needs the shadow server's database")

	p := open()
	assert.Zero(t, p.adminConn, "connected when first needed")
	v, warm, err = p.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.True(t, warm)
	assert.Zero(t, p.adminConn, "a warm view connects to the template only")
	assert.NotZero(t, v.cached, "and reads the schema kept there")
	assert.NoError(t, v.Drop(ctx))
}

func TestBuildIdentity(t *testing.T) {
	id := buildIdentity()
	assert.True(t, strings.HasPrefix(id, "module ") || strings.HasPrefix(id, "executable "), id)
}
