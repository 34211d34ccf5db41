package verify_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/verify"
)

func sample() *verify.Report {
	return &verify.Report{
		Source: "db/migrations", Migrations: 2, Head: source.V(2), Status: verify.StatusFailed,
		Checks: []verify.CheckResult{{Check: verify.CheckApply, Status: verify.StatusFailed, Detail: "the history stops: 1 of 2 migrations apply"}},
		Findings: []verify.Finding{
			{Check: verify.CheckApply, Severity: verify.SeverityError, File: "db/migrations/2_a,b.up.sql", Line: 3, Column: 7,
				Message: `relation "x" does not exist: 100% sure`, Hint: "create it first"},
			{Check: verify.CheckSum, Severity: verify.SeverityWarning, Message: "no guard.sum"},
		},
		Summary: verify.Summary{Errors: 1, Warnings: 1},
	}
}

func TestWriteGitHubAnnotations(t *testing.T) {
	var b bytes.Buffer
	assert.NoError(t, sample().WriteGitHub(&b))
	lines := strings.Split(b.String(), "\n")
	assert.Equal(t, `::error file=db/migrations/2_a%2Cb.up.sql,line=3,col=7,title=guard verify%3A apply::relation "x" does not exist: 100%25 sure%0Ahint: create it first`, lines[0])
	assert.Equal(t, `::warning title=guard verify%3A sum::no guard.sum`, lines[1])
	assert.Contains(t, b.String(), "  ✗ apply     the history stops")
	assert.Contains(t, b.String(), "Failed: 1 error, 1 warning.")
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	assert.NoError(t, sample().WriteText(&b))
	assert.Contains(t, b.String(), "db/migrations/2_a,b.up.sql:3:7: error [apply] relation \"x\" does not exist: 100% sure\n    hint: create it first\n")
	assert.Contains(t, b.String(), "\nwarning [sum] no guard.sum\n")
}

func TestVerdict(t *testing.T) {
	r := &verify.Report{Status: verify.StatusBlocked, Summary: verify.Summary{Errors: 2, Blocked: true}}
	assert.Equal(t, "Blocked by the contract: 2 blocked changes. Promote the contract after review, or change the migrations.", r.Verdict())
	r = &verify.Report{Status: verify.StatusPassed}
	assert.Equal(t, "Passed.", r.Verdict())
}
