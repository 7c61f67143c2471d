package stack

import (
	"errors"
	"strings"

	"github.com/refarch/refarch/components/validate"
)

// ProblemMap turns one problem a component reports about its arguments
// ("Args.Names[1]") into the problem of the configuration key it comes from
// ("refarch:edgeNames[1]"); ok is false for the fields the stack fills
// itself, whose problems are not the user's.
type ProblemMap func(validate.Problem) (validate.Problem, bool)

// RecordComponentProblems is the one way configuration reuses a component's
// rules: it validates the component's arguments as the configuration
// describes them and records each problem under its key. A rule lives in
// the component only, and the stack file's author still reads key, value
// and rule.
func RecordComponentProblems(p *validate.Problems, err error, m ProblemMap) {
	var verr *validate.Error
	if !errors.As(err, &verr) {
		return
	}
	for _, prob := range verr.Problems {
		if mapped, ok := m(prob); ok {
			*p = append(*p, mapped)
		}
	}
}

// ByField maps argument fields to configuration keys by prefix:
// {"Args.Names": "edgeNames"} turns "Args.Names[1]" into
// "refarch:edgeNames[1]". Unlisted fields are the stack's.
func ByField(keys map[string]string) ProblemMap {
	return func(prob validate.Problem) (validate.Problem, bool) {
		for arg, name := range keys {
			if rest, found := strings.CutPrefix(prob.Field, arg); found {
				prob.Field = Key(name) + rest
				return prob, true
			}
		}
		return prob, false
	}
}
