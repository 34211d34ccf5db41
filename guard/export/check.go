package export

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/schemaguard/guard/guard/contract"
)

// MismatchError is a generated file that is not what the contract
// produces now.
type MismatchError struct {
	File   string
	Format Format
	Line   int    // the first line that differs, 1-based
	Want   string // that line as the contract produces it ("" past the end)
	Got    string // that line in the file
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s is not what the contract produces (--format %s): line %d differs", e.File, e.Format, e.Line)
}

// Hint returns what to do about the error.
func (e *MismatchError) Hint() string {
	return fmt.Sprintf("regenerate it: guard contract export --format %s > %s (and commit it with the contract)", e.Format, e.File)
}

// UngeneratedError is a file that guard contract export did not write.
type UngeneratedError struct{ File string }

func (e *UngeneratedError) Error() string {
	return fmt.Sprintf("%s was not written by guard contract export: its first line does not say so", e.File)
}

// Hint returns what to do about the error.
func (e *UngeneratedError) Hint() string {
	return "pass only files that guard contract export wrote, or regenerate it"
}

var goPackage = regexp.MustCompile(`(?m)^package ([A-Za-z_][A-Za-z0-9_]*)\s*$`)

// Check tells whether body, the content of file, is what c produces now in
// the format its first line names: nil, or a *MismatchError naming the
// first line that differs (an *UngeneratedError when no export wrote it).
func Check(c *contract.Contract, file string, body []byte) error {
	f, ok := FormatOf(body)
	if !ok {
		return &UngeneratedError{File: file}
	}
	var o Options
	if f == Go {
		if m := goPackage.FindSubmatch(body); m != nil {
			o.Package = string(m[1])
		}
	}
	want, err := Render(c, f, o)
	if err != nil {
		return err
	}
	if bytes.Equal(want, body) {
		return nil
	}
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(body, []byte("\n"))
	for i := 0; ; i++ {
		var w, g []byte
		wok, gok := i < len(wl), i < len(gl)
		if wok {
			w = wl[i]
		}
		if gok {
			g = gl[i]
		}
		if !bytes.Equal(w, g) || wok != gok {
			return &MismatchError{File: file, Format: f, Line: i + 1, Want: string(w), Got: string(g)}
		}
	}
}
