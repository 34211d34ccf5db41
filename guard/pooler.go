package guard

import (
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// poolerParams are the startup parameters a transaction pooler passes on
// (PgBouncer's defaults: it tracks these per client and sets them on the
// server session it hands out). Any other is refused at startup by
// PgBouncer, or silently dropped by one told to ignore it.
var poolerParams = map[string]bool{
	"application_name": true, "client_encoding": true, "datestyle": true,
	"timezone": true, "standard_conforming_strings": true,
}

// fileSettings are the settings of the URL that guard moves from the
// startup into each file's transaction (SET LOCAL) behind a transaction
// pooler; lock_timeout is guard's own (WithLockTimeout).
var fileSettings = map[string]bool{"statement_timeout": true, "lock_timeout": true}

// pooledConfig returns cfg fit for a transaction pooler: no named prepared
// statements (the next transaction may run on another server session,
// which does not have them), and no startup parameter the pooler would
// refuse or drop. A setting of the URL that guard cannot move into the
// files' transactions is refused with a hint, never silently lost.
func pooledConfig(cfg *pgx.ConnConfig) (*pgx.ConnConfig, error) {
	cfg = cfg.Copy()
	switch cfg.DefaultQueryExecMode {
	case pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec:
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	params := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(cfg.RuntimeParams)) {
		switch lk := strings.ToLower(k); {
		case poolerParams[lk]:
			params[k] = cfg.RuntimeParams[k]
		case fileSettings[lk]:
		default:
			return nil, &PoolerParamError{Param: k}
		}
	}
	cfg.RuntimeParams = params
	return cfg, nil
}

// poolerFileSettings returns the settings of the URL that each file's
// transaction gets behind a transaction pooler (see fileSettings), but
// lock_timeout, which is guard's.
func poolerFileSettings(cfg *pgx.ConnConfig) map[string]string {
	out := map[string]string{}
	for k, v := range cfg.RuntimeParams {
		if lk := strings.ToLower(k); fileSettings[lk] && lk != "lock_timeout" {
			out[lk] = v
		}
	}
	return out
}

// shadowTarget is the target as the shadow provider is told of it. Behind
// a transaction pooler, shadows are not created on the target's server:
// a shadow's sessions hold settings of their own, which a pooler would
// hand to other clients (and its databases are rarely in the pooler's
// list); they go to --shadow-url or an ephemeral cluster, and the target
// is named only so that a shadow URL that is the target is refused.
func (r *Runner) shadowTarget(s *session) (*pgx.ConnConfig, error) {
	if !s.pooled {
		return r.cfg, nil
	}
	if r.c.shadowURL == "" {
		r.log.Info("the target is reached through a connection pooler: shadow databases go to an ephemeral cluster (or give --shadow-url)")
		return nil, nil
	}
	return pooledConfig(r.cfg)
}
