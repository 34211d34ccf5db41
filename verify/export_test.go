package verify

// WithOneRange checks any history in one range, one shadow, as a short
// history is: the tests compare its report with the two ranges' of a long
// history.
func WithOneRange() Option {
	return func(o *options) error { o.oneRange = true; return nil }
}
