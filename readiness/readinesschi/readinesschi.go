// Package readinesschi mounts guard's readiness probes on a chi router. It
// is the only part of readiness that imports chi; applications on plain
// net/http use readiness directly.
//
//	src, err := source.Load(migrations.FS, ".", "migrations")
//	...
//	ready, err := readiness.New(pool, src)
//	...
//	r := chi.NewRouter()
//	readinesschi.Mount(r, ready) // GET/HEAD /health/ready and /health/live
package readinesschi

import (
	"github.com/go-chi/chi/v5"
	"github.com/schemaguard/guard/readiness"
)

// Mount registers ready on readiness.ReadyPath and readiness.Live() on
// readiness.LivePath of r. The handlers answer GET and HEAD and reply 405 to
// other methods themselves, exactly as they do on a net/http mux. Mount it
// before middleware that needs the database, or on a sub-router without it.
func Mount(r chi.Router, ready *readiness.Checker) {
	r.Handle(readiness.ReadyPath, ready)
	r.Handle(readiness.LivePath, readiness.Live())
}
