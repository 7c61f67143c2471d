package offline

import (
	"fmt"
	"sort"
)

// Place is where a provider acts: its account and region.
type Place struct {
	Account, Region, Partition string
}

// Refusal is what AWS answers to a create whose documented precondition
// does not hold at that moment: its error code and what was missing. The
// stand-in plugins return it as the create's error, so the real engine
// fails the way AWS fails.
type Refusal struct {
	// Rule is the catalog entry documenting the precondition: the ID of
	// the policies rule of the AWS area that checks the same order
	// statically (go run ./cmd/plan -policy-reference lists them).
	Rule string
	// Code is the error code AWS's API returns.
	Code string
	// Message says what was missing.
	Message string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("%s: %s (AWS rule %s)", r.Code, r.Message, r.Rule)
}

// Precondition is one of AWS's order-or-state rules as the stand-in cloud
// keeps it: AWS refuses to create a resource of Type unless Missing finds
// nothing missing in the world at that moment.
type Precondition struct {
	// Rule is the policies rule of the AWS area that documents it.
	Rule string
	// Type is the type token of the resource AWS refuses to create.
	Type string
	// Code is the error code AWS returns.
	Code string
	// Missing returns "" when the precondition holds for a resource with
	// these inputs created at place, and what is missing otherwise.
	Missing func(w *World, at Place, inputs map[string]any) (string, error)
}

// preconditions are the order-or-state rules by type token
// (preconditions_aws.go fills them from init).
var preconditions = map[string][]Precondition{}

func registerPrecondition(p Precondition) {
	preconditions[p.Type] = append(preconditions[p.Type], p)
}

// Preconditions returns every precondition the stand-in cloud enforces,
// by rule ID.
func Preconditions() []Precondition {
	var out []Precondition
	for _, ps := range preconditions {
		out = append(out, ps...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}

// check returns the refusal of a create of typ with inputs at place, or nil.
func checkPreconditions(w *World, at Place, typ string, inputs map[string]any) error {
	for _, p := range preconditions[typ] {
		missing, err := p.Missing(w, at, inputs)
		if err != nil {
			return fmt.Errorf("offline: precondition %s: %w", p.Rule, err)
		}
		if missing != "" {
			return &Refusal{Rule: p.Rule, Code: p.Code, Message: missing}
		}
	}
	return nil
}

// SilentFailure is the code of a Refusal for an order AWS accepts but then
// silently fails at (a feature that never works for what was created too
// early): the stand-in refuses the create anyway, so the real-engine test
// proves the order the program keeps.
const SilentFailure = "SilentFailure"
