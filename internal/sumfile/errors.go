package sumfile

import "fmt"

// ParseError is a sum file that cannot be read.
type ParseError struct {
	Path   string
	Line   int // 1-based; 0 for the file as a whole
	Reason string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("read %s: line %d: %s", e.Path, e.Line, e.Reason)
	}
	return fmt.Sprintf("read %s: %s", e.Path, e.Reason)
}

// Hint returns what to do about the error.
func (e *ParseError) Hint() string {
	return "the sum file is written by `guard migrate hash`: restore it from version control, or run that command again"
}
