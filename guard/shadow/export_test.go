package shadow

import (
	"fmt"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
)

// RawQuerier is Querier without forgetting what changed since the last
// Schema: how a test inspects a view in full without changing what the
// next Schema reads.
func (s *Shadow) RawQuerier() schema.Querier { return s.querier() }

// TemplateNames returns the names the cached templates of src's history up
// to version have on p's server, whether they exist or not, shortest
// history first: how a test finds the templates it made, and only those.
func TemplateNames(p *Provider, src *source.Source, version source.Version) ([]string, error) {
	applied, err := appliedAt(src, version)
	if err != nil {
		return nil, err
	}
	return p.chain(src, applied)
}

// Creator is how the comment of a shadow database names this process.
var Creator = fmt.Sprintf("pid=%d host=%s", pid, hostHash)

// HostHash is how the comment of a shadow database names this host.
var HostHash = hostHash

// ProcessStart returns when process pid started, as shadow comments record
// it (0 when it cannot be read).
func ProcessStart(pid int) uint64 {
	v, _ := processStart(pid)
	return v
}

// Partial says how many times Schema read only what had changed (or
// nothing).
func (s *Shadow) Partial() int { return s.partial }
