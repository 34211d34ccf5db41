package verify

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes the report for people: one line per check, then every
// finding as "file:line:column: severity [check] message" with its hint on
// the next line, then the verdict.
func (r *Report) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	r.writeHeader(b)
	if len(r.Findings) > 0 {
		fmt.Fprintln(b)
		for _, f := range r.Findings {
			fmt.Fprintf(b, "%s%s [%s] %s\n", where(f), f.Severity, f.Check, oneLine(f.Message))
			if f.Hint != "" {
				fmt.Fprintf(b, "    hint: %s\n", oneLine(f.Hint))
			}
		}
	}
	r.writeHazards(b)
	fmt.Fprintf(b, "\n%s\n", r.Verdict())
	return b.Flush()
}

// WriteGitHub writes the report for a GitHub Actions log: every finding as
// a workflow command (::error or ::warning, with file, line and column),
// which GitHub shows as an annotation on the pull request's files, then the
// checks and the verdict as plain text.
func (r *Report) WriteGitHub(w io.Writer) error {
	b := bufio.NewWriter(w)
	for _, f := range r.Findings {
		props := []string{}
		if f.File != "" {
			props = append(props, "file="+escapeProperty(f.File))
			if f.Line > 0 {
				props = append(props, "line="+strconv.Itoa(f.Line))
				if f.Column > 0 {
					props = append(props, "col="+strconv.Itoa(f.Column))
				}
			}
		}
		props = append(props, "title="+escapeProperty("guard verify: "+string(f.Check)))
		msg := f.Message
		if f.Hint != "" {
			msg += "\nhint: " + f.Hint
		}
		fmt.Fprintf(b, "::%s %s::%s\n", f.Severity, strings.Join(props, ","), escapeData(msg))
	}
	r.writeHazardAnnotations(b)
	r.writeHeader(b)
	fmt.Fprintf(b, "\n%s\n", r.Verdict())
	return b.Flush()
}

func (r *Report) writeHeader(b *bufio.Writer) {
	fmt.Fprintf(b, "guard verify: %s, %s (head %s)\n\n", r.Source, plural(r.Migrations, "migration"), r.Head)
	for _, c := range r.Checks {
		fmt.Fprintf(b, "  %s %-9s %s\n", statusMark(c.Status), c.Check, c.Detail)
	}
}

// Verdict returns the report's last line: passed, failed or blocked, with
// the counts.
func (r *Report) Verdict() string {
	warnings := ""
	if r.Summary.Warnings > 0 {
		warnings = ", " + plural(r.Summary.Warnings, "warning")
	}
	switch r.Status {
	case StatusFailed:
		return fmt.Sprintf("Failed: %s%s.", plural(r.Summary.Errors, "error"), warnings)
	case StatusBlocked:
		return fmt.Sprintf("Blocked by the contract: %s%s. Promote the contract after review, or change the migrations.",
			plural(r.Summary.Errors, "blocked change"), warnings)
	}
	if warnings != "" {
		return "Passed with " + plural(r.Summary.Warnings, "warning") + "."
	}
	return "Passed."
}

func statusMark(s Status) string {
	switch s {
	case StatusPassed:
		return "✓"
	case StatusWarned:
		return "⚠"
	case StatusFailed:
		return "✗"
	}
	return "-"
}

// where renders "file:line:column: " (as much as is known).
func where(f Finding) string {
	if f.File == "" {
		return ""
	}
	s := f.File
	if f.Line > 0 {
		s += ":" + strconv.Itoa(f.Line)
		if f.Column > 0 {
			s += ":" + strconv.Itoa(f.Column)
		}
	}
	return s + ": "
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// escapeData escapes a workflow command's message, as GitHub's toolkit
// does (@actions/core command.ts): %, \r and \n.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: as data,
// plus : and ,.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
