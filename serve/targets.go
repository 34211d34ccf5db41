package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/internal/dburl"
)

// TargetSpec is what registering a target takes.
type TargetSpec struct {
	Name string `json:"name"`
	// URL is the target database's URL or DSN. It is sealed at rest with
	// the secret key and never returned.
	URL string `json:"url"`
	// Schemas in scope (default public).
	Schemas []string `json:"schemas,omitempty"`
	// Tables, when given, are the only tables watched (qualified or bare
	// names, bare ones in public).
	Tables []string `json:"tables,omitempty"`
	// Interval between checks, in seconds (default 60, 1 to 86400).
	IntervalSeconds int `json:"interval_seconds,omitempty"`
	// Contract is a contract owned by the service (the contents of a
	// guard.contract.json), or ContractPath a contract file on the
	// service's machine, read at every check. At most one.
	Contract     json.RawMessage `json:"contract,omitempty"`
	ContractPath string          `json:"contract_path,omitempty"`
}

// Target is a registered target, as the API shows it: never its URL, only
// a password-free description of it (user@host:port/database).
type Target struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	Database        string     `json:"database"`
	Schemas         []string   `json:"schemas"`
	Tables          []string   `json:"tables"`
	IntervalSeconds int        `json:"interval_seconds"`
	ContractPath    string     `json:"contract_path,omitempty"`
	HasContract     bool       `json:"has_contract"`
	CreatedAt       time.Time  `json:"created_at"`
	NextCheckAt     time.Time  `json:"next_check_at"`
	Checks          int64      `json:"checks"`
	LastCheckAt     *time.Time `json:"last_check_at"`
	LastSuccessAt   *time.Time `json:"last_success_at"`
	LastDurationMS  *int64     `json:"last_duration_ms"`
	LastError       *string    `json:"last_error"`
	LatestVersion   *int       `json:"latest_version"`
	// ContractDrift is the worst impact (none, safe, risky, breaking) of
	// the drift from the target's contract at its last successful check,
	// and ContractBlocked whether the contract's modes block it; nil
	// without a contract or a check.
	ContractDrift   *string `json:"contract_drift"`
	ContractBlocked *bool   `json:"contract_blocked"`
}

var targetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// RegisterTarget validates spec and stores the target; its first check is
// due at once. It returns an *InputError for bad input (nothing stored) and
// an error wrapping ErrExists for a name taken.
func (s *Service) RegisterTarget(ctx context.Context, spec TargetSpec) (*Target, error) {
	if s.seal == nil {
		return nil, ErrNoSecretKey
	}
	if !targetName.MatchString(spec.Name) {
		return nil, badInput("name", "want 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or digit")
	}
	if strings.TrimSpace(spec.URL) == "" {
		return nil, badInput("url", "missing")
	}
	cfg, err := dburl.Parse(spec.URL)
	if err != nil {
		return nil, badInput("url", "%s", scrubErr(err, dburl.RawPassword(spec.URL)).Error())
	}
	if len(spec.Schemas) == 0 {
		spec.Schemas = []string{"public"}
	}
	for _, n := range spec.Schemas {
		if strings.TrimSpace(n) == "" || len(n) > 63 {
			return nil, badInput("schemas", "a schema name must be 1 to 63 bytes")
		}
	}
	if spec.Tables == nil {
		spec.Tables = []string{}
	}
	for _, n := range spec.Tables {
		if strings.TrimSpace(n) == "" || len(n) > 127 {
			return nil, badInput("tables", "a table name must not be empty")
		}
	}
	if spec.IntervalSeconds == 0 {
		spec.IntervalSeconds = 60
	}
	if spec.IntervalSeconds < 1 || spec.IntervalSeconds > 86400 {
		return nil, badInput("interval_seconds", "want 1 to 86400")
	}
	var contractDoc []byte
	if len(spec.Contract) > 0 && string(spec.Contract) != "null" {
		if spec.ContractPath != "" {
			return nil, badInput("contract", "give contract or contract_path, not both")
		}
		c, err := contract.Parse("contract", spec.Contract)
		if err != nil {
			return nil, badInput("contract", "%s", oneLine(err.Error()))
		}
		if contractDoc, err = c.Marshal(); err != nil {
			return nil, err
		}
	}
	if spec.ContractPath != "" {
		if _, err := contract.Load(spec.ContractPath); err != nil {
			return nil, badInput("contract_path", "%s", oneLine(err.Error()))
		}
	}
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO guard_serve.targets
		(name, url_sealed, url_display, schemas, tables, interval_seconds, contract, contract_path)
		VALUES ($1, $8, $2, $3, $4, $5, $6, NULLIF($7, '')) RETURNING id`,
		spec.Name, dburl.Describe(cfg), spec.Schemas, spec.Tables, spec.IntervalSeconds, nullJSON(contractDoc), spec.ContractPath,
		s.seal.seal([]byte(spec.URL), urlAD(spec.Name))).Scan(&id)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == pgerrcode.UniqueViolation {
			return nil, fmt.Errorf("target %q: %w", spec.Name, ErrExists)
		}
		return nil, fmt.Errorf("register target %q: %w", spec.Name, err)
	}
	s.o.log.Info("target registered", "target", spec.Name, "database", dburl.Describe(cfg))
	return s.Target(ctx, spec.Name)
}

// urlAD binds a sealed URL to its target: one copied to another row does
// not open.
func urlAD(name string) string { return "guard_serve.targets.url_sealed:" + name }

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

const targetColumns = `t.id, t.name, t.url_display, t.schemas, t.tables, t.interval_seconds,
	coalesce(t.contract_path, ''), t.contract IS NOT NULL, t.created_at, t.next_check_at, t.checks,
	t.last_check_at, t.last_success_at, t.last_duration_ms, t.last_error,
	(SELECT max(number) FROM guard_serve.versions v WHERE v.target_id = t.id), t.contract_drift, t.contract_blocked`

func scanTarget(row pgx.Row) (*Target, error) {
	var t Target
	err := row.Scan(&t.ID, &t.Name, &t.Database, &t.Schemas, &t.Tables, &t.IntervalSeconds,
		&t.ContractPath, &t.HasContract, &t.CreatedAt, &t.NextCheckAt, &t.Checks,
		&t.LastCheckAt, &t.LastSuccessAt, &t.LastDurationMS, &t.LastError, &t.LatestVersion,
		&t.ContractDrift, &t.ContractBlocked)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Target returns the target named name, or an error wrapping ErrNotFound.
func (s *Service) Target(ctx context.Context, name string) (*Target, error) {
	t, err := scanTarget(s.pool.QueryRow(ctx, `SELECT `+targetColumns+` FROM guard_serve.targets t WHERE t.name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("target %q: %w", name, ErrNotFound)
	}
	return t, err
}

// Targets lists the targets by name.
func (s *Service) Targets(ctx context.Context) ([]Target, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+targetColumns+` FROM guard_serve.targets t ORDER BY t.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Target{}
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// DeleteTarget removes a target with its versions and events.
func (s *Service) DeleteTarget(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM guard_serve.targets WHERE name = $1`, name)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("target %q: %w", name, ErrNotFound)
	}
	s.o.log.Info("target deleted", "target", name)
	return nil
}
