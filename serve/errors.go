package serve

import (
	"errors"
	"fmt"
	"net/netip"
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

// ErrBadKey: the API key is unknown, malformed or revoked.
var ErrBadKey = errors.New("invalid or revoked API key")

// ErrBadSignature: no signature of the webhook-signature header matches.
var ErrBadSignature = errors.New("webhook signature does not match")

// ErrConflict: the change cannot be made as asked (a contract kept in a
// file is changed by editing the file; a table named to be locked is
// locked already). The API answers 409.
var ErrConflict = errors.New("conflict")

// UnreachableError is a live check (lock, promote, diff?check=true) that
// could not read the target. The API answers 502.
type UnreachableError struct {
	Target string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("target %q is unreachable: %v", e.Target, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// RefusedAddressError is an outbound request refused because the address
// it resolved to is private, loopback, link-local or otherwise not public,
// and the webhook is not allowed to reach such addresses.
type RefusedAddressError struct {
	Addr   netip.Addr
	Reason string
}

func (e *RefusedAddressError) Error() string {
	return fmt.Sprintf("refused to connect to %s: %s address (allow_private is off)", e.Addr, e.Reason)
}
