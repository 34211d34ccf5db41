package schema

// WithParallelMinCatalog sets the size of pg_attribute (bytes) from which
// Inspect reads over two connections, so that a test can make it do so on a
// small database.
func WithParallelMinCatalog(bytes int64) Option {
	return func(o *options) error {
		o.parallelMinCatalog = bytes
		return nil
	}
}
