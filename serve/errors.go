package serve

import (
	"errors"
	"fmt"
)

var (
	// ErrNoSecretKey: guard serve was started without --secret-key.
	ErrNoSecretKey = errors.New("no secret key (set --secret-key or GUARD_SECRET_KEY; make one with guard serve keygen)")
	// ErrBadSecretKey: the secret key is not 32 bytes of hex or base64.
	ErrBadSecretKey = errors.New("want 32 bytes as 64 hex digits or base64")
	// ErrWrongSecretKey: a sealed value does not open with the secret key:
	// the service runs with another key than the one that sealed it.
	ErrWrongSecretKey = errors.New("cannot decrypt with this secret key (was the state sealed with another --secret-key?)")
	// ErrNotFound: no such target, version, event, key or webhook.
	ErrNotFound = errors.New("not found")
	// ErrExists: a target or webhook of that name exists already.
	ErrExists = errors.New("already exists")
)

// InputError is bad input to the service (a malformed URL, an unknown
// scope, a name out of bounds): the API answers 400 with Field and Message.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func badInput(field, format string, args ...any) error {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}
