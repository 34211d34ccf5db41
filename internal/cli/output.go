package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

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
	if c, ok := w.(*countingWriter); ok {
		w = c.w
	}
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

// ErrorBody is the JSON error object: what a failed command prints on
// stdout with --format json, as {"error": {...}}, when it has no document
// of its own to print, and the "error" member of the document when it has
// one (a blocked plan, a dirty database's diagnosis). Its field names are
// part of guard's public contract (see the README's "Exit codes").
type ErrorBody struct {
	Message  string `json:"message"`            // the error, one line, as on stderr without "guard: "
	Hint     string `json:"hint"`               // what to do; "" when guard has no advice
	Exit     int    `json:"exit"`               // the exit code
	SQLState string `json:"sqlstate,omitempty"` // the server's error code, when the server refused
}

// errorBody describes err, which exits with code, passwords scrubbed.
func errorBody(err error, code int, scrub func(string) string) ErrorBody {
	b := ErrorBody{Message: scrub(oneLine(err.Error())), Hint: scrub(oneLine(hintOf(err))), Exit: code}
	if b.Hint == "" && code == ExitUsage {
		b.Hint = "see guard --help"
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		b.SQLState = pgErr.Code
	}
	return b
}

// jsonError prints err as the JSON error object.
func (p *printer) jsonError(err error, code int) error {
	return p.JSON(struct {
		Error ErrorBody `json:"error"`
	}{errorBody(err, code, p.scrub)})
}

// countingWriter tells whether anything was written through it: a failed
// command that printed nothing on stdout gets the JSON error object there.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
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
