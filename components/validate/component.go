package validate

import (
	"fmt"
	"regexp"
)

// Validator is implemented by every component's arguments: Validate applies
// the documented defaults (to a copy) and reports every problem at once as
// an *Error, fields named "Args.X".
type Validator interface {
	Validate() error
}

// componentName is the shape every component name takes: physical names
// (load balancers, buckets, RDS identifiers, log groups) derive from it, and
// the strictest of them accept only this.
var componentName = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

// CheckName returns the rule a component name breaks, or "": lower-case
// letters, digits and inner hyphens, starting with a letter, at most max
// characters (what the component's longest derived physical name leaves,
// Pulumi's 8-character autoname suffix included). Every component checks
// its name with it, adding rules of its own service where there are some.
func CheckName(name string, max int) string {
	switch {
	case !componentName.MatchString(name):
		return "must be lower-case letters, digits and inner hyphens, starting with a letter: the component's physical names derive from it"
	case len(name) > max:
		return fmt.Sprintf("is %d characters long; at most %d keep the names derived from it within AWS's limits", len(name), max)
	}
	return ""
}

// Component checks a component before anything is registered: its name
// (nameRule, from the component's CheckName), its arguments (Validate), and
// any problem that needs both (more). It returns every problem at once as an
// *Error about subject, or nil.
func Component(subject, name, nameRule string, args Validator, more ...Problem) error {
	var p Problems
	p.Check("name", name, nameRule)
	p.Merge("Args", args.Validate())
	p = append(p, more...)
	return p.Err(subject)
}
