package cli

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/hazard"
)

// hazardFlags are the migrate commands' flags about hazards.
type hazardFlags struct {
	allow bool
	off   bool
}

func (h *hazardFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&h.allow, "allow-hazards", false, "apply even what the contract's hazard policy blocks (says so loudly)")
	f.BoolVar(&h.off, "no-hazards", false, "replay pending files whole in the shadow: no hazards observed, none blocked")
}

func (h *hazardFlags) options() []guard.Option {
	var opts []guard.Option
	if h.allow {
		opts = append(opts, guard.WithAllowHazards())
	}
	if h.off {
		opts = append(opts, guard.WithoutHazards())
	}
	return opts
}

// hazards renders a step's hazards, one a line with its hint below.
func (p *printer) hazards(hs []hazard.Hazard, indent string) {
	if len(hs) == 0 {
		return
	}
	p.Printf("%s%s\n", indent, p.paint(bold, "hazards (while it runs)"))
	for _, h := range hs {
		label := p.paint(yellow, "⚠ "+string(h.Code))
		if h.Blocked {
			label = p.paint(red, "✗ "+string(h.Code)+" (blocked)")
		}
		size := ""
		if s := h.Size(); s != "" {
			size = " " + p.paint(dim, "("+s+")")
		}
		p.Printf("%s  %s  line %d: %s%s\n", indent, label, h.Line, h.Message, size)
		p.Printf("%s    %s %s\n", indent, p.paint(dim, "hint:"), h.Hint)
	}
}

// hazardsBlocked renders the verdict of a plan the hazard policy blocks,
// and reports whether it did.
func (p *printer) hazardsBlocked(pl *guard.Plan) bool {
	if !pl.HazardsBlocked {
		return false
	}
	n := 0
	for _, st := range pl.Steps {
		for _, h := range st.Hazards {
			if h.Blocked {
				n++
			}
		}
	}
	p.Printf("\n%s %s over the policy (%s); nothing would be applied (--allow-hazards to apply anyway).\n",
		p.paint(red, "✗ Blocked by the contract's hazard policy:"), plural(n, "hazard"), pl.HazardPolicy)
	return true
}

// acceptGitHub lets a command take --format github, which the root's
// validation (text or json) refuses: the command renders text plus
// GitHub Actions annotations.
func acceptGitHub(g *globals) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		format := g.format
		switch format {
		case "text", "json":
		case "github":
			g.format = "text"
		default:
			return usageError{fmt.Errorf("unknown --format %q (want text, json or github)", format)}
		}
		err := g.validate(cmd)
		g.format = format
		return err
	}
}

// hazardAnnotations writes a plan's hazards as GitHub Actions workflow
// commands (::warning, ::error for a blocked one) on the migration files,
// named from the repository's root as --source names their folder; verb is
// the command's (plan, up).
func (p *printer) hazardAnnotations(g *globals, verb string, pl *guard.Plan) {
	dir, _ := g.sourceDir()
	esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	escProp := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	for _, st := range pl.Steps {
		for _, h := range st.Hazards {
			level := "warning"
			if h.Blocked {
				level = "error"
			}
			file := h.File
			if dir != "" && dir != "." {
				file = path.Join(filepath.ToSlash(dir), h.File)
			}
			msg := h.Message
			if s := h.Size(); s != "" {
				msg += " (" + s + ")"
			}
			p.Printf("::%s file=%s,line=%d,title=%s::%s\n", level, escProp.Replace(file), h.Line,
				escProp.Replace("guard migrate "+verb+": hazard "+string(h.Code)), esc.Replace(msg+"\nhint: "+h.Hint))
		}
	}
}

// appliedHazards renders the hazards of the files up, down or goto
// applied, as the plan saw them.
func (p *printer) appliedHazards(res *guard.Result) {
	if res.Plan == nil {
		return
	}
	applied := map[string]bool{}
	for _, a := range res.Applied {
		applied[a.File] = true
	}
	for _, st := range res.Plan.Steps {
		if len(st.Hazards) > 0 && applied[st.File] {
			p.Printf("  %s\n", p.paint(bold, stepName(st.Step)))
			p.hazards(st.Hazards, "    ")
		}
	}
}
