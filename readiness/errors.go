package readiness

import (
	"errors"
	"fmt"
)

// ErrNilDB is returned by New when the database handle is nil.
var ErrNilDB = errors.New("nil database handle")

// ConfigError is an invalid argument or option given to New. Nothing is
// checked later: a Checker that New returned is fully configured.
type ConfigError struct {
	Setting string // the argument or option, e.g. "WithTTL"
	Err     error
	Advice  string // what to do about it
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("configure readiness: %s: %v", e.Setting, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Hint returns what to do about the error. Every guard error with advice has
// a Hint method; the CLI prints it on a line of its own.
func (e *ConfigError) Hint() string { return e.Advice }
