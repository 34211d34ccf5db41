package verify

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/internal/sumfile"
)

// DefaultSumFile is the sum file's name in the migrations folder.
const DefaultSumFile = sumfile.DefaultName

// Option configures Run. An option checks its own value, and Run returns an
// *OptionError before doing anything when one is wrong or two conflict.
type Option func(*options) error

type options struct {
	contractPath string
	contract     *contract.Contract
	queries      []string
	requireDown  bool
	shadowURL    string
	provider     *shadow.Provider
	schemas      []string
	sumFile      string
	sourceDir    string
	logger       *slog.Logger
	oneRange     bool // tests: check a long history in one range
}

// WithContract checks the final schema against the contract file at path
// (the CONTRACT check). The file must exist: a missing or corrupt file is an
// error of Run. Without this option the contract check is skipped.
func WithContract(path string) Option {
	return func(o *options) error {
		if strings.TrimSpace(path) == "" {
			return &OptionError{Option: "WithContract", Value: path, Reason: "empty path"}
		}
		if _, err := os.Stat(path); err != nil {
			return &OptionError{Option: "WithContract", Value: path, Reason: "cannot read it: " + pathErr(err)}
		}
		c, err := contract.Load(path)
		if err != nil {
			return err
		}
		o.contractPath, o.contract = path, c
		return nil
	}
}

// WithQueries prepares every SQL statement of the given files, and of the
// .sql files under the given directories (recursively, in name order),
// against the final schema (the QUERIES check). The option may be given
// more than once; the paths add up. Each path must exist.
func WithQueries(paths ...string) Option {
	return func(o *options) error {
		if len(paths) == 0 {
			return &OptionError{Option: "WithQueries", Reason: "no path given"}
		}
		for _, p := range paths {
			if strings.TrimSpace(p) == "" {
				return &OptionError{Option: "WithQueries", Value: p, Reason: "empty path"}
			}
			if _, err := os.Stat(p); err != nil {
				return &OptionError{Option: "WithQueries", Value: p, Reason: "cannot read it: " + pathErr(err)}
			}
			o.queries = append(o.queries, p)
		}
		return nil
	}
}

// WithRequireDown makes a migration without a down file an error rather
// than a warning.
func WithRequireDown() Option {
	return func(o *options) error {
		o.requireDown = true
		return nil
	}
}

// WithShadowURL replays the history in a throwaway database created on the
// server of url (guard's --shadow-url). Without it, or WithShadowProvider,
// the shadow lives on an ephemeral local cluster that Run starts and stops.
func WithShadowURL(url string) Option {
	return func(o *options) error {
		if strings.TrimSpace(url) == "" {
			return &OptionError{Option: "WithShadowURL", Reason: "empty URL"}
		}
		o.shadowURL = url
		return nil
	}
}

// WithShadowProvider replays the history in a shadow database of p, which
// Run does not close. It conflicts with WithShadowURL.
func WithShadowProvider(p *shadow.Provider) Option {
	return func(o *options) error {
		if p == nil {
			return &OptionError{Option: "WithShadowProvider", Reason: "nil provider"}
		}
		o.provider = p
		return nil
	}
}

// WithSchemas sets the schemas compared by the down and contract checks
// (default "public"), as stored, without quoting.
func WithSchemas(names ...string) Option {
	return func(o *options) error {
		if len(names) == 0 {
			return &OptionError{Option: "WithSchemas", Reason: "no schema given"}
		}
		for _, n := range names {
			if n == "" {
				return &OptionError{Option: "WithSchemas", Value: n, Reason: "empty schema name"}
			}
		}
		o.schemas = append([]string(nil), names...)
		return nil
	}
}

// WithSumFile sets the sum file's name in the migrations folder (default
// DefaultSumFile, "guard.sum").
func WithSumFile(name string) Option {
	return func(o *options) error {
		if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
			return &OptionError{Option: "WithSumFile", Value: name, Reason: "want a file name in the migrations folder"}
		}
		o.sumFile = name
		return nil
	}
}

// WithSourceDir names the migrations folder as a path from the working
// directory (e.g. "migrations"), so that findings name migration files as
// paths a person, an editor or GitHub can open ("migrations/000003_x.up.sql").
// By default they are named relative to the folder.
func WithSourceDir(dir string) Option {
	return func(o *options) error {
		if strings.TrimSpace(dir) == "" {
			return &OptionError{Option: "WithSourceDir", Value: dir, Reason: "empty path"}
		}
		o.sourceDir = path.Clean(strings.ReplaceAll(dir, `\`, "/"))
		return nil
	}
}

// WithLogger logs progress (each check as it starts, shadow placement) at
// debug level. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return &OptionError{Option: "WithLogger", Reason: "nil logger"}
		}
		o.logger = l
		return nil
	}
}

func newOptions(opts []Option) (*options, error) {
	o := &options{schemas: []string{"public"}, sumFile: DefaultSumFile, sourceDir: "."}
	for _, opt := range opts {
		if opt == nil {
			return nil, &OptionError{Option: "Option", Reason: "nil option"}
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	if o.provider != nil && o.shadowURL != "" {
		return nil, &OptionError{Option: "WithShadowProvider", Reason: "conflicts with WithShadowURL: give one"}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// file names a file of the migrations folder as findings show it.
func (o *options) file(name string) string {
	if name == "" || o.sourceDir == "." {
		return name
	}
	return path.Join(o.sourceDir, name)
}

func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return fmt.Sprint(err)
}
