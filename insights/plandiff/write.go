package plandiff

import (
	"fmt"
	"io"
	"strings"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// Write prints the report for a reviewer, stack by stack: a summary line,
// one "!!" line per replacement or deletion of a protected or stateful
// resource, then the resources added (+), removed (-) and changed (~) by
// URN, each changed one with its changed inputs and options. Secrets print
// as offline.SecretMask; added and removed resources print without their
// inputs.
func (r *Report) Write(w io.Writer) error {
	p := &printer{w: w}
	if len(r.Stacks) == 0 {
		p.line("plandiff: no plans to compare")
		return p.err
	}
	findings := r.Destructive()
	protected := len(r.ProtectedReplacements())
	switch {
	case r.Empty():
		p.line("plandiff: %d stack(s) compared, no changes", len(r.Stacks))
	case len(findings) == 0:
		p.line("plandiff: %d stack(s) compared; nothing protected or holding data is replaced or deleted", len(r.Stacks))
	default:
		p.line("plandiff: %d stack(s) compared; !! %d protected and %d other stateful resource(s) would be replaced or deleted",
			len(r.Stacks), protected, len(findings)-protected)
	}
	for i := range r.Stacks {
		p.line("")
		p.stack(&r.Stacks[i])
	}
	return p.err
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) line(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *printer) stack(s *StackDiff) {
	switch {
	case s.OnlyInOld:
		p.line("== %s: only in the old plans (%d resources), not compared: the change no longer plans this stack, or its plan failed", s.Stack, s.Resources)
		return
	case s.OnlyInNew:
		p.line("== %s: only in the new plans (%d resources), not compared: a new stack, or its plan failed on the target branch", s.Stack, s.Resources)
		return
	case s.Empty():
		p.line("== %s: no changes", s.Stack)
		return
	}
	replaced := 0
	for i := range s.Changed {
		if s.Changed[i].Replace {
			replaced++
		}
	}
	p.line("== %s: %d to add, %d to delete, %d to change (%d replaced)", s.Stack, len(s.Added), len(s.Removed), len(s.Changed), replaced)
	one := Report{Stacks: []StackDiff{*s}}
	for _, f := range one.Destructive() {
		p.line("%s", loud(f))
	}
	for _, res := range s.Added {
		p.line("  + %s %s%s", res.Type, quote(res.Name), tags(res.Protect, false, res.RetainOnDelete))
		p.line("      urn: %s", res.URN)
	}
	for _, res := range s.Removed {
		p.line("  - %s %s%s", res.Type, quote(res.Name), tags(res.Protect, stack.IsStateful(res.Type) && !res.Read, res.RetainOnDelete))
		p.line("      urn: %s", res.URN)
		switch {
		case res.Read:
			p.line("      note: read, not managed: nothing is deleted")
		case res.Protect:
			p.line("      note: `pulumi up` refuses to delete it while it is protected in the stack's state")
		case res.RetainOnDelete:
			p.line("      note: retainOnDelete: it stays in AWS, out of the stack's state")
		}
	}
	for i := range s.Changed {
		p.change(&s.Changed[i])
	}
}

// loud is a finding's marker line.
func loud(f Finding) string {
	var b strings.Builder
	b.WriteString("!! ")
	b.WriteString(strings.ToUpper(f.Op))
	if f.Protected {
		b.WriteString(" protected")
	}
	if f.Stateful {
		b.WriteString(" stateful")
	}
	b.WriteString(" " + f.Type + " " + quote(f.Name))
	switch {
	case f.Op == "delete" && f.Protected:
		b.WriteString(": removed from the program; `pulumi up` refuses to delete it while it is protected")
	case f.Op == "delete" && f.Retained:
		b.WriteString(": removed from the program; retainOnDelete keeps it in AWS, out of the stack's state")
	case f.Op == "delete":
		b.WriteString(": removed from the program, and deleted with what it holds")
	default:
		b.WriteString(": " + f.Reason)
	}
	return b.String()
}

func tags(protected, stateful, retained bool) string {
	var t []string
	if protected {
		t = append(t, "protected")
	}
	if stateful {
		t = append(t, "stateful")
	}
	if retained {
		t = append(t, "retainOnDelete")
	}
	if len(t) == 0 {
		return ""
	}
	return "  (" + strings.Join(t, ", ") + ")"
}

func (p *printer) change(c *Change) {
	head := "  ~ " + c.Type + " " + quote(c.Name)
	mark := "  "
	if c.Replace && (c.Protected || c.Stateful) {
		mark = "  !! "
	}
	switch {
	case c.Moved && c.Replace:
		head += mark + "MOVE, REPLACE"
	case c.Moved:
		head += "  MOVE"
	case c.Replace:
		head += mark + "REPLACE"
	}
	p.line("%s%s", head, tags(c.Protected, c.Stateful, c.Retained))
	p.line("      urn: %s", c.URN)
	if c.Moved {
		p.line("      was: %s", c.OldURN)
	}
	if c.Replace {
		p.line("      replace: %s", c.ReplaceReason)
	}
	for _, n := range c.Notes {
		p.line("      note: %s", n)
	}
	for _, in := range c.Inputs {
		p.line("      %s", inputLine(in, ""))
	}
	for _, in := range c.Options {
		p.line("      %s", inputLine(in, "option "))
	}
}

// inputLine is one changed input: "~ path: old => new", "+ path: new",
// "- path: old", with its label and marks; a secret shows only that it
// changed.
func inputLine(in InputChange, prefix string) string {
	name := prefix + in.Path
	if in.Label != "" {
		name += " (" + in.Label + ")"
	}
	var s string
	switch {
	case in.Secret && in.Kind == KindAdded:
		s = "+ " + name + ": " + offline.SecretMask + " added"
	case in.Secret && in.Kind == KindRemoved:
		s = "- " + name + ": " + offline.SecretMask + " removed"
	case in.Secret:
		s = "~ " + name + ": " + offline.SecretMask + " changed"
	case in.Kind == KindAdded:
		s = "+ " + name + ": " + in.New
	case in.Kind == KindRemoved:
		s = "- " + name + ": " + in.Old
	default:
		s = "~ " + name + ": " + in.Old + " => " + in.New
	}
	if in.ForcesReplacement {
		s += "  [forces replacement]"
	}
	if in.Ignored {
		s += "  [ignored: ignoreChanges]"
	}
	return s
}
