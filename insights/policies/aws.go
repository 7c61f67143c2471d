package policies

import (
	"fmt"

	"github.com/refarch/refarch/offline"
)

// AWS rules: what AWS's documentation says AWS refuses, or accepts and then
// silently fails at, as distinct from the benchmarks' advice. Each rule of
// the AWS area carries its Constraint: the page, the sentence, and what
// breaking it costs. Together they are the catalog of issue 26's audit.

// Dimension is the kind of AWS rule, as the audit sorted them.
type Dimension int

// The six dimensions of the audit.
const (
	// DimPolicy: a key or resource policy names the principal and the
	// condition keys the service that uses it actually sends.
	DimPolicy Dimension = iota + 1
	// DimPrerequisite: a feature gets what it needs of the task, its
	// role, its network and its filesystem.
	DimPrerequisite
	// DimOrder: a cross-account or cross-stack reference finds, at the
	// moment of its creation, the state its API requires.
	DimOrder
	// DimArguments: a combination of arguments the API accepts.
	DimArguments
	// DimClientAddress: a control keyed on the client's address sees the
	// client's address.
	DimClientAddress
	// DimEngineParameters: an engine parameter exists, with that value, in
	// the parameter group family it is set on.
	DimEngineParameters
)

// dimensionNames are the dimensions as the reference names them.
var dimensionNames = map[Dimension]string{
	DimPolicy:           "1 policies",
	DimPrerequisite:     "2 prerequisites",
	DimOrder:            "3 order and state",
	DimArguments:        "4 arguments",
	DimClientAddress:    "5 client address",
	DimEngineParameters: "6 engine parameters",
}

func (d Dimension) String() string {
	if n, ok := dimensionNames[d]; ok {
		return n
	}
	return fmt.Sprintf("dimension %d", int(d))
}

// Dimensions lists the six dimensions in order.
func Dimensions() []Dimension {
	return []Dimension{DimPolicy, DimPrerequisite, DimOrder, DimArguments, DimClientAddress, DimEngineParameters}
}

// Kind says what a rule needs to see.
type Kind string

// The kinds of AWS rules.
const (
	// Static rules read one stack's records.
	Static Kind = "static"
	// CrossStack rules read the plans of every stack (Stack.Peer).
	CrossStack Kind = "cross-stack"
	// OrderOrState rules are about when: AWS accepts a create only once
	// another resource exists. The rule checks the dependency graph, and
	// the stand-in cloud refuses the create with AWS's error code
	// (offline.Preconditions, the same ID).
	OrderOrState Kind = "order-or-state"
)

// Constraint is the AWS documentation a rule of the AWS area keeps.
type Constraint struct {
	Dimension Dimension
	Kind      Kind
	// URL is AWS's page (or the provider's) that states the rule.
	URL string
	// Quote is the sentence of that page that states it, verbatim.
	Quote string
	// Error is what AWS answers when the rule is broken: its error code,
	// or "" when AWS accepts the request and the feature silently fails
	// (the rule's Reason says how).
	Error string
	// Found is what the audit found the program doing, when it broke the
	// rule before it was fixed ("" when the program always kept it).
	Found string
}

// AWSControl is the control every rule of the AWS area names.
const AWSControl = "AWS"

// awsRule is a rule of the AWS area.
func awsRule(r *Rule, c Constraint) *Rule {
	r.Area = AWSRules
	r.AWS = &c
	if len(r.Controls) == 0 {
		r.Controls = []string{AWSControl}
	}
	return r
}

// DependsOn reports whether r waits for dep when the engine creates them:
// dep is among r's dependencies, directly or through others (the records
// hold every dependency, explicit and through inputs). Dependencies on a
// component count for its children, as the SDK expands them.
func (s *Stack) DependsOn(r, dep *offline.Resource) bool {
	if s.closure == nil {
		s.closure = map[string]map[string]bool{}
	}
	deps, ok := s.closure[r.URN]
	if !ok {
		deps = map[string]bool{}
		var walk func(urn string)
		walk = func(urn string) {
			rec := s.byURN[urn]
			if rec == nil {
				return
			}
			for _, d := range rec.DependsOn {
				if !deps[d] {
					deps[d] = true
					walk(d)
				}
			}
		}
		walk(r.URN)
		s.closure[r.URN] = deps
	}
	if deps[dep.URN] {
		return true
	}
	// A dependency on an ancestor component of dep.
	for p := dep.Parent; p != ""; {
		if deps[p] {
			return true
		}
		parent := s.byURN[p]
		if parent == nil {
			break
		}
		p = parent.Parent
	}
	return false
}

// Peer returns another stack of the same deployment by name, or nil when
// the deployment does not hold it (Deploy).
func (s *Stack) Peer(name string) *Stack {
	for _, p := range s.peers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Peers returns every stack of the deployment, this one included, in
// deployment order.
func (s *Stack) Peers() []*Stack { return s.peers }

// Before reports whether stack a is deployed before stack b (the order the
// stacks were given to Deploy).
func (s *Stack) Before(a, b string) bool {
	ia, ib := -1, -1
	for i, p := range s.peers {
		switch p.Name {
		case a:
			ia = i
		case b:
			ib = i
		}
	}
	return ia >= 0 && ib >= 0 && ia < ib
}

// Deploy links the stacks of one deployment, given in deployment order, so
// that cross-stack rules can read each other's records; it returns them.
func Deploy(stacks ...*Stack) []*Stack {
	for _, s := range stacks {
		s.peers = stacks
	}
	return stacks
}

// DeployPlans is the deployment of the offline plans given in deployment
// order: each plan's stack, linked to the others.
func DeployPlans(plans ...*offline.Plan) []*Stack {
	stacks := make([]*Stack, len(plans))
	for i, p := range plans {
		stacks[i] = FromPlan(p)
	}
	return Deploy(stacks...)
}
