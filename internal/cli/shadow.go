package cli

import (
	"context"
	"errors"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/shadow"
)

// shadowOptions places shadows per the flags: --shadow-url, else the
// target's server (when a target is configured), else an ephemeral cluster.
func (g *globals) shadowOptions() ([]shadow.Option, error) {
	var opts []shadow.Option
	if g.shadowURL != "" {
		opts = append(opts, shadow.WithShadowURL(g.shadowURL))
	}
	if _, err := g.connString(); err == nil {
		cfg, err := g.targetConfig()
		if err != nil {
			return nil, err
		}
		opts = append(opts, shadow.WithTarget(cfg))
	}
	return opts, nil
}

// migrationsSchema builds the schema the migrations produce at their head
// in a shadow database, and drops the shadow.
func (g *globals) migrationsSchema(ctx context.Context) (_ *schema.Schema, err error) {
	src, err := g.openSource()
	if err != nil {
		return nil, err
	}
	opts, err := g.shadowOptions()
	if err != nil {
		return nil, err
	}
	sh, err := shadow.New(ctx, opts...)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, sh.Drop(ctx)) }()
	if err := sh.Migrate(ctx, src, src.Head()); err != nil {
		return nil, err
	}
	return schema.Inspect(ctx, sh.Conn(), g.inspectOptions()...)
}
