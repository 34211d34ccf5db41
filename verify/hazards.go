package verify

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/source"
)

// observe applies m's up file in the walker's shadow statement by
// statement (see shadow.Shadow.StepObserved) and keeps its hazards, on the
// shadow's own tables: verify has no target to size them by.
func (w *walker) observe(ctx context.Context, m source.Migration) error {
	obs, err := w.sh.StepObserved(ctx, w.r.src, source.UpStep(m))
	if err != nil {
		return err
	}
	for _, h := range hazard.Derive(*obs) {
		// A brief lock is a hazard only by the size of the live table's
		// traffic, which verify does not know: left to the plan.
		if h.Scales || h.Code == hazard.ConcurrentInTransaction {
			h.File = w.r.o.file(h.File)
			w.hazards = append(w.hazards, h)
		}
	}
	return nil
}

// writeHazards writes the hazards, one a line with its hint.
func (r *Report) writeHazards(b *bufio.Writer) {
	if len(r.Hazards) == 0 {
		return
	}
	fmt.Fprintf(b, "\nHazards while the files run (on the shadow's tables, sizes unknown; guard migrate plan sizes them by the target's):\n")
	for _, h := range r.Hazards {
		fmt.Fprintf(b, "%s:%d: %s: %s\n    hint: %s\n", h.File, h.Line, h.Code, oneLine(h.Message), oneLine(h.Hint))
	}
}

// writeHazardAnnotations writes the hazards as ::warning workflow
// commands.
func (r *Report) writeHazardAnnotations(b *bufio.Writer) {
	for _, h := range r.Hazards {
		props := []string{"file=" + escapeProperty(h.File), "line=" + strconv.Itoa(h.Line), "title=" + escapeProperty("guard verify: hazard "+string(h.Code))}
		fmt.Fprintf(b, "::warning %s::%s\n", strings.Join(props, ","), escapeData(h.Message+"\nhint: "+h.Hint))
	}
}
