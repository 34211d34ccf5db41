package shadow

import (
	"context"
	"errors"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
)

// HistorySchema returns the schema the migrations of src produce at
// version (None: an empty database), read as WithInspection says. It is the
// one way guard builds "the schema this history produces": the runner's
// history drift and diagnosis, verify, the CLI's --from migrations and the
// benchmarks all ask it. It replays in a view of the cached template when
// the template cache is on and the files allow it (else in a shadow
// database of its own, dropped before it returns), so that a warm history
// costs no copy.
func (p *Provider) HistorySchema(ctx context.Context, src *source.Source, version source.Version) (_ *schema.Schema, err error) {
	var sh *Shadow
	switch {
	case version.IsNone():
		sh, err = p.New(ctx)
	case p.TemplateCache():
		sh, _, err = p.View(ctx, src, version)
	default:
		sh, _, err = p.NewAt(ctx, src, version)
	}
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, sh.Drop(ctx)) }()
	return sh.Schema(ctx)
}
