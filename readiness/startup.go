package readiness

import (
	"context"
	"fmt"
	"log/slog"
)

// LevelCritical is the slog level of a database that lags the binary or is
// dirty at or below its head at startup: above slog.LevelError. Use ReplaceLevelNames so that
// handlers print it as "CRITICAL" rather than "ERROR+4".
const LevelCritical = slog.Level(12)

// ReplaceLevelNames is a slog.HandlerOptions.ReplaceAttr function that names
// LevelCritical "CRITICAL" (and levels above it "CRITICAL+n"); it leaves
// every other attribute alone. Chain it from your own ReplaceAttr if you
// have one.
func ReplaceLevelNames(groups []string, a slog.Attr) slog.Attr {
	if len(groups) != 0 || a.Key != slog.LevelKey {
		return a
	}
	level, ok := a.Value.Any().(slog.Level)
	if !ok || level < LevelCritical {
		return a
	}
	if level == LevelCritical {
		return slog.String(slog.LevelKey, "CRITICAL")
	}
	return slog.String(slog.LevelKey, fmt.Sprintf("CRITICAL+%d", int(level-LevelCritical)))
}

// CheckOnStartup checks the database once and logs the answer to logger
// (slog.Default() when nil), with db, expected and dirty fields: at
// LevelCritical when the database lags the binary, is dirty at or below its
// head, or (with WithMissingTableNotReady or WithAheadNotReady) fails those
// settings; at ERROR when it cannot be read; at WARN when it is ready with a
// warning (ahead, including dirty above the head while a newer migration
// runs, or no version table); at INFO when it is current. It is advisory: it returns the Result within the
// checker's budget and never exits or blocks startup on a bad answer.
func CheckOnStartup(ctx context.Context, c *Checker, logger *slog.Logger) Result {
	if logger == nil {
		logger = slog.Default()
	}
	r := c.Check(ctx)
	level, msg := slog.LevelInfo, "database schema is current"
	switch r.Status {
	case StatusDrift:
		level, msg = LevelCritical, "database schema is behind this binary: apply the pending migrations"
	case StatusDirty:
		level, msg = LevelCritical, "database schema is dirty: a migration this binary needs is running or failed half-way (recover it if none is running)"
	case StatusAhead:
		level, msg = slog.LevelWarn, "database schema is ahead of this binary"
		if r.Dirty {
			msg = "database schema is ahead of this binary: a newer migration is running or failed half-way"
		}
		if !r.Ready {
			level = LevelCritical
		}
	case StatusNoTable:
		level, msg = slog.LevelWarn, "database has no migrations version table"
		if !r.Ready {
			level = LevelCritical
		}
	case StatusUnreachable, StatusError:
		level, msg = slog.LevelError, "database schema version could not be read at startup"
	}
	attrs := resultAttrs(r)
	if r.cause != nil {
		attrs = append(attrs, slog.String("cause", r.cause.Error()))
	}
	logger.LogAttrs(ctx, level, msg, attrs...)
	return r
}
