package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
)

// printer renders results as text (coloured only on a terminal, NO_COLOR
// honoured) or JSON.
type printer struct {
	w     io.Writer
	json  bool
	color bool
	scrub func(string) string
}

func (g *globals) printer() *printer {
	return &printer{w: g.stdout, json: g.format == "json", color: isTerminal(g.stdout) && g.getenv("NO_COLOR") == "", scrub: g.scrub}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// JSON writes v as indented JSON.
func (p *printer) JSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(p.w, p.scrub(string(b)))
	return err
}

// Printf writes text.
func (p *printer) Printf(format string, args ...any) {
	fmt.Fprint(p.w, p.scrub(fmt.Sprintf(format, args...)))
}

const (
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	green  = "\x1b[32m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return code + s + reset
}

// impactLabel renders an impact as "✗ BREAKING", "⚠ RISKY" or "✓ SAFE",
// padded to one width.
func (p *printer) impactLabel(i diff.Impact) string {
	switch i {
	case diff.Breaking:
		return p.paint(red, "✗ BREAKING")
	case diff.Risky:
		return p.paint(yellow, "⚠ RISKY   ")
	}
	return p.paint(green, "✓ SAFE    ")
}

// report renders a contract report as text.
func (p *printer) report(r *contract.Report, indent string) {
	if len(r.Tables) == 0 {
		p.Printf("%sNo changes.\n", indent)
		return
	}
	for _, tr := range r.Tables {
		state := "not locked"
		if tr.Locked {
			state = "locked, " + string(tr.Mode)
		}
		p.Printf("%s%s %s\n", indent, p.paint(bold, subjectLabel(tr.Kind)+" "+tr.Table), p.paint(dim, "("+state+")"))
		for _, it := range tr.Items {
			blocked := ""
			if it.Blocked {
				blocked = p.paint(red, "  [blocked]")
			}
			p.Printf("%s  %s  %s: %s%s\n", indent, p.impactLabel(it.Impact), it.Kind, it.Message, blocked)
			if it.Hint != "" && it.Impact != diff.Safe {
				p.Printf("%s              %s\n", indent, p.paint(dim, "hint: "+it.Hint))
			}
		}
	}
}

// subjectLabel names what a report group is about: "Table", "View" or
// "Enum".
func subjectLabel(kind string) string {
	switch kind {
	case "view":
		return "View"
	case "enum":
		return "Enum"
	}
	return "Table"
}

// summary counts a report's changes by impact, e.g. "1 breaking, 2 safe".
func summary(r *contract.Report) string {
	n := map[diff.Impact]int{}
	blocked := 0
	for _, tr := range r.Tables {
		for _, it := range tr.Items {
			n[it.Impact]++
			if it.Blocked {
				blocked++
			}
		}
	}
	var parts []string
	for _, i := range []diff.Impact{diff.Breaking, diff.Risky, diff.Safe} {
		if n[i] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[i], i))
		}
	}
	if len(parts) == 0 {
		return "no changes"
	}
	s := strings.Join(parts, ", ")
	if blocked > 0 {
		s += fmt.Sprintf("; %d blocked", blocked)
	}
	return s
}
