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

// migrationsSchema returns the schema the migrations produce at their head,
// built in a shadow database that is dropped afterwards. It leaves no
// template cache behind: a one-off build would not reuse it.
func (g *globals) migrationsSchema(ctx context.Context) (_ *schema.Schema, err error) {
	src, err := g.openSource()
	if err != nil {
		return nil, err
	}
	opts, err := g.shadowOptions()
	if err != nil {
		return nil, err
	}
	p, err := shadow.NewProvider(ctx, append(opts,
		shadow.WithTemplateCache(false),
		shadow.WithInspection(g.schemas, g.excludeTables()))...)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, p.Close(ctx)) }()
	return p.HistorySchema(ctx, src, src.Head())
}
