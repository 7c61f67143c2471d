// Package validate holds the checks shared by component arguments and stack
// configuration, and the error type that reports every problem at once.
//
// A check never stops at the first problem: callers collect them in a
// Problems value and turn it into one *Error, so a user fixing a stack file
// sees everything that is wrong in a single run, each line naming the key (or
// argument field), the offending value and the rule it breaks.
package validate

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Problem is one broken rule: which key or field, the value it holds and the
// rule it breaks, phrased so the three read as a sentence.
type Problem struct {
	// Field is the configuration key ("refarch:vpcCidr") or argument path
	// ("NetworkArgs.CIDRBlock") that holds the bad value.
	Field string
	// Value is the offending value as the user wrote it.
	Value string
	// Rule says what the value must be, e.g. "must be a 12-digit AWS account id".
	Rule string
}

// String renders the problem as `field = "value": rule`.
func (p Problem) String() string {
	return fmt.Sprintf("%s = %q: %s", p.Field, p.Value, p.Rule)
}

// Problems collects the problems found while checking one subject.
type Problems []Problem

// Add records a problem.
func (ps *Problems) Add(field, value, rule string) {
	*ps = append(*ps, Problem{Field: field, Value: value, Rule: rule})
}

// Addf records a problem whose rule is built with fmt.Sprintf.
func (ps *Problems) Addf(field, value, format string, args ...any) {
	ps.Add(field, value, fmt.Sprintf(format, args...))
}

// Check records a problem when rule is not empty; the Check* functions of this
// package return "" for a good value and the rule otherwise.
func (ps *Problems) Check(field, value, rule string) {
	if rule != "" {
		ps.Add(field, value, rule)
	}
}

// Merge appends the problems of err when it is (or wraps) an *Error, and
// records err itself under field otherwise. A nil err adds nothing.
func (ps *Problems) Merge(field string, err error) {
	if err == nil {
		return
	}
	var verr *Error
	if errors.As(err, &verr) {
		*ps = append(*ps, verr.Problems...)
		return
	}
	ps.Add(field, "", err.Error())
}

// Err returns nil when no problem was recorded and an *Error about subject
// otherwise.
func (ps Problems) Err(subject string) error {
	if len(ps) == 0 {
		return nil
	}
	out := make([]Problem, len(ps))
	copy(out, ps)
	// Stable, key-ordered output: the same bad file always prints the same report.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return &Error{Subject: subject, Problems: out}
}

// Error reports every problem found in one subject (a stack's configuration
// or a component's arguments).
type Error struct {
	// Subject names what was checked, e.g. `stack "prod" configuration`.
	Subject string
	// Problems lists each broken rule, ordered by field.
	Problems []Problem
}

// Error renders one line per problem under a heading naming the subject.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid %s (%d problem", e.Subject, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Has reports whether a problem was recorded for field.
func (e *Error) Has(field string) bool {
	for _, p := range e.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}
