package verify

import "fmt"

// OptionError is an option given to Run whose value cannot be used, or two
// options that conflict. Run returns it before touching any database.
type OptionError struct {
	Option string // the option, e.g. "WithQueries"
	Value  string // the offending value, as given ("" when none)
	Reason string // what is wrong with it
}

func (e *OptionError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("verify: %s(%q): %s", e.Option, e.Value, e.Reason)
	}
	return fmt.Sprintf("verify: %s: %s", e.Option, e.Reason)
}

// Hint returns what to do about the error.
func (e *OptionError) Hint() string {
	switch e.Option {
	case "WithQueries":
		return "give .sql files or folders of them that exist, e.g. --queries db/queries"
	case "WithContract":
		return "create it with `guard contract lock`, or fix --contract"
	case "WithSumFile":
		return "give a file name such as guard.sum, found in the migrations folder"
	case "WithShadowProvider":
		return "pass a shadow URL or a provider, not both"
	}
	return ""
}
