// Package plandiff compares two sets of offline plans (what `go run
// ./cmd/plan -stack all -json` prints) for reviewers: per stack, the
// resources a change adds, removes and changes, with the changed inputs
// (secrets masked), and loud marks on the replacements and deletions of
// protected resources and of those that hold data (stack.StatefulTypes).
//
//	go run ./cmd/plan -stack all -json > new.json   # on the branch
//	go run ./cmd/plan -stack all -json > old.json   # on the target branch
//	report := plandiff.Compare(oldPlans, newPlans)  // offline.DecodePlans of each
//	report.Write(os.Stdout)
//	len(report.ProtectedReplacements()) > 0         // what -fail-on-replace fails on
//
// Resources are matched by URN. A URN that disappears while one with the
// same type and name appears under another parent is a move: Pulumi's URN
// holds the parent's type, so the engine would delete the old resource and
// create the new one unless the new registration names the old URN in an
// alias (https://www.pulumi.com/docs/iac/concepts/options/aliases/); a move
// is reported as a replacement.
//
// Inputs are compared leaf by leaf and reported in Pulumi's property path
// syntax ("tags.Name", "ingress[0].cidrBlocks[1]", `tags["kubernetes.io/role"]`),
// the syntax of ignoreChanges and replaceOnChanges
// (https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/). A string
// holding a JSON document (IAM policies, container definitions) is decoded
// and compared structurally ("policy.Statement[2].Action[0]"); list elements
// that carry an identity (an IAM statement's Sid, a container's or variable's
// name) are matched by it, so inserting one element does not show every
// later one as changed. A secret input (listed in Secrets of either side, or
// masked as offline.SecretMask) is reported only as "[secret] changed".
//
// Whether the engine would replace a resource is decided by its provider's
// schema, which the offline engine does not have. Compare infers it from
// (a) the resource's replaceOnChanges option, (b) a table of the inputs that
// force a new resource for the stateful types and the cache cluster
// (ForceNewInputs, from the Terraform AWS provider schema pulumi-aws
// bridges), (c) a move, and (d) a provider that now targets another account
// or region. A replacement inferred from the table says so. What it cannot
// see (the force-new inputs of other types, aliases, the values of masked
// secrets, computed values) is listed in the doc of Compare: `pulumi
// preview` stays the authority.
package plandiff

import (
	"cmp"
	"slices"
	"sort"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// Report is the difference between two sets of plans, one StackDiff per
// stack found on either side, in deployment order (stack.Names), then by
// name.
type Report struct {
	Stacks []StackDiff
}

// StackDiff is what changes in one stack.
type StackDiff struct {
	Stack string
	// Added and Removed are the resources only in the new or only in the
	// old plan, by URN, moves excluded (they are Changed). They are the
	// plans' own records, inputs included: masked when the plans are (as
	// cmd/plan prints them), so marshal a report of unmasked plans with
	// care; Write prints no input of theirs.
	Added, Removed []*offline.Resource
	// Changed are the resources in both plans whose inputs or options
	// differ, and the moves, by URN.
	Changed []Change
	// OnlyInOld and OnlyInNew mark a stack planned on one side only: it
	// is not compared (Added, Removed and Changed stay empty); Resources
	// counts the resources of the side it is on.
	OnlyInOld, OnlyInNew bool
	Resources            int
}

// Empty reports whether the stack is planned on both sides with no change.
func (s *StackDiff) Empty() bool {
	return !s.OnlyInOld && !s.OnlyInNew && len(s.Added) == 0 && len(s.Removed) == 0 && len(s.Changed) == 0
}

// Change is one resource in both plans (or moved) whose inputs or options
// differ.
type Change struct {
	// URN, Type and Name are the new resource's.
	URN, Type, Name string
	// OldURN is the old resource's URN when the resource moved ("" when not).
	OldURN string
	Moved  bool
	// Inputs are the changed inputs, leaf by leaf, by path.
	Inputs []InputChange
	// Options are the changed resource options, by name: protect,
	// retainOnDelete, deleteBeforeReplace, ignoreChanges,
	// replaceOnChanges, provider, parent.
	Options []InputChange
	// Replace is true when the engine would replace the resource (delete
	// and create it, as one physical resource gives way to another), for
	// ReplaceReason.
	Replace       bool
	ReplaceReason string
	// Inferred is true when the replacement is inferred from the
	// force-new table (ForceNewInputs) rather than known from an option or
	// a move.
	Inferred bool
	// Protected is true when protect is set on either side; Stateful when
	// the type holds data (stack.IsStateful); Retained when the old
	// resource is retained on delete (the old physical resource would stay
	// in AWS, out of the stack's state); DeleteBeforeReplace when the new
	// one is deleted before it is replaced (a gap without it).
	Protected, Stateful, Retained, DeleteBeforeReplace bool
	// Custom is false for components, which exist only in Pulumi's state.
	Custom bool
	// Notes are remarks on the change that are not replacements (a
	// provider switch that keeps account and region, a protect flag
	// removed, a read resource).
	Notes []string
}

// Kind says how an input changed.
type Kind string

// The kinds of InputChange.
const (
	KindAdded   Kind = "added"
	KindRemoved Kind = "removed"
	KindChanged Kind = "changed"
)

// InputChange is one changed leaf of a resource's inputs (or one changed
// option).
type InputChange struct {
	// Path is the leaf's Pulumi property path ("tags.Name",
	// "policy.Statement[2].Resource[0]").
	Path string
	Kind Kind
	// Old and New are the values as compact JSON (strings quoted, "" when
	// the side does not have the value); offline.SecretMask for a secret.
	Old, New string
	// Secret is true when the input is a secret: Old and New never hold it.
	Secret bool
	// Ignored is true when the new resource's ignoreChanges covers the
	// path: the engine keeps the old value and the change has no effect.
	Ignored bool
	// ForcesReplacement is true when this change is why the resource is
	// replaced.
	ForcesReplacement bool
	// Label names the list element the leaf is in when elements are
	// matched by identity (`Sid "ReadSecrets"`, `name "DB_HOST"`).
	Label string
}

// Finding is a replacement or a deletion of a resource that is protected or
// holds data: what Write marks with "!!".
type Finding struct {
	Stack, URN, Type, Name string
	// Op is "replace" or "delete".
	Op                            string
	Protected, Stateful, Retained bool
	// Reason is why the resource is replaced (Change.ReplaceReason), empty
	// for a deletion.
	Reason string
}

// String is the finding on one line: the stack, then Write's marker.
func (f Finding) String() string { return f.Stack + ": " + loud(f) }

// Empty reports whether nothing differs: every stack is planned on both
// sides with no change.
func (r *Report) Empty() bool {
	for i := range r.Stacks {
		if !r.Stacks[i].Empty() {
			return false
		}
	}
	return true
}

// Destructive returns every replacement or deletion of a protected or
// stateful resource, stack by stack in report order, deletions and then
// replacements, each by URN. A read resource (looked up, not managed) is
// never one; a retained one is, marked Retained.
func (r *Report) Destructive() []Finding {
	var out []Finding
	for i := range r.Stacks {
		s := &r.Stacks[i]
		for _, res := range s.Removed {
			if res.Read || (!res.Protect && !stack.IsStateful(res.Type)) {
				continue
			}
			out = append(out, Finding{
				Stack: s.Stack, URN: res.URN, Type: res.Type, Name: res.Name, Op: "delete",
				Protected: res.Protect, Stateful: stack.IsStateful(res.Type), Retained: res.RetainOnDelete,
			})
		}
		for j := range s.Changed {
			c := &s.Changed[j]
			if !c.Replace || (!c.Protected && !c.Stateful) {
				continue
			}
			out = append(out, Finding{
				Stack: s.Stack, URN: c.URN, Type: c.Type, Name: c.Name, Op: "replace",
				Protected: c.Protected, Stateful: c.Stateful, Retained: c.Retained, Reason: c.ReplaceReason,
			})
		}
	}
	return out
}

// ProtectedReplacements returns the replacements and deletions of protected
// resources (protect set on the old or the new side): what
// `cmd/plan -diff -fail-on-replace` fails on. `pulumi up` refuses to delete
// or replace a resource protected in both its state and the program
// (https://www.pulumi.com/docs/iac/concepts/options/protect/); one whose
// protection this very change removes would go.
func (r *Report) ProtectedReplacements() []Finding {
	var out []Finding
	for _, f := range r.Destructive() {
		if f.Protected {
			out = append(out, f)
		}
	}
	return out
}

// Compare compares the plans of the target branch (old) with those of the
// change (new), stack by stack (by Plan.Stack; a second plan of one stack
// on one side is ignored). The plans may be the masked ones cmd/plan prints
// (offline.DecodePlans) or those offline.RunStack returns; Compare does not
// modify them.
//
// What it cannot know, and `pulumi preview` can: the force-new inputs of
// the types not in the table (a change to them shows as an update), the
// conditions the provider attaches to some (CustomizeDiff), the aliases a
// registration carries (a move it reports may be aliased), the engine's own
// state (drift, pending operations), the values the mocks made up (ids and
// ARNs are stable but invented), and the values of secrets in masked plans:
// two masked secrets compare equal whatever they hold.
func Compare(old, new []*offline.Plan) *Report {
	olds, news := byStack(old), byStack(new)
	names := make([]string, 0, len(olds)+len(news))
	for name := range olds {
		names = append(names, name)
	}
	for name := range news {
		if olds[name] == nil {
			names = append(names, name)
		}
	}
	sortStacks(names)
	report := &Report{}
	for _, name := range names {
		o, n := olds[name], news[name]
		switch {
		case n == nil:
			report.Stacks = append(report.Stacks, StackDiff{Stack: name, OnlyInOld: true, Resources: len(o.Resources)})
		case o == nil:
			report.Stacks = append(report.Stacks, StackDiff{Stack: name, OnlyInNew: true, Resources: len(n.Resources)})
		default:
			report.Stacks = append(report.Stacks, compareStack(name, o, n))
		}
	}
	return report
}

func byStack(plans []*offline.Plan) map[string]*offline.Plan {
	out := map[string]*offline.Plan{}
	for _, p := range plans {
		if p != nil && out[p.Stack] == nil {
			out[p.Stack] = p
		}
	}
	return out
}

// sortStacks orders stack names as the program deploys them, then unknown
// names alphabetically.
func sortStacks(names []string) {
	order := map[string]int{}
	for i, n := range stack.Ordered(names) {
		order[n] = i + 1
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := order[names[i]], order[names[j]]
		switch {
		case oi != 0 && oj != 0:
			return oi < oj
		case oi != 0 || oj != 0:
			return oi != 0
		}
		return names[i] < names[j]
	})
}

// side is one plan with its own index: a plan decoded by json.Unmarshal
// (not DecodePlans) has none.
type side struct {
	plan  *offline.Plan
	byURN map[string]*offline.Resource
}

func newSide(p *offline.Plan) *side {
	s := &side{plan: p, byURN: make(map[string]*offline.Resource, len(p.Resources))}
	for _, r := range p.Resources {
		if r != nil && s.byURN[r.URN] == nil {
			s.byURN[r.URN] = r
		}
	}
	return s
}

func compareStack(name string, oldPlan, newPlan *offline.Plan) StackDiff {
	o, n := newSide(oldPlan), newSide(newPlan)
	diff := StackDiff{Stack: name}

	var removed, added, common []string
	for urn := range o.byURN {
		if n.byURN[urn] == nil {
			removed = append(removed, urn)
		} else {
			common = append(common, urn)
		}
	}
	for urn := range n.byURN {
		if o.byURN[urn] == nil {
			added = append(added, urn)
		}
	}
	slices.Sort(removed)
	slices.Sort(added)
	slices.Sort(common)

	// Moves: a removed URN and an added one with the same type and name
	// (so a different parent), paired in URN order.
	addedByTypeName := map[[2]string][]string{}
	for _, urn := range added {
		r := n.byURN[urn]
		key := [2]string{r.Type, r.Name}
		addedByTypeName[key] = append(addedByTypeName[key], urn)
	}
	moved := map[string]bool{}
	for _, urn := range removed {
		r := o.byURN[urn]
		key := [2]string{r.Type, r.Name}
		candidates := addedByTypeName[key]
		if len(candidates) == 0 {
			diff.Removed = append(diff.Removed, r)
			continue
		}
		to := candidates[0]
		addedByTypeName[key] = candidates[1:]
		moved[to] = true
		diff.Changed = append(diff.Changed, *compareResource(o, n, r, n.byURN[to], true))
	}
	for _, urn := range added {
		if !moved[urn] {
			diff.Added = append(diff.Added, n.byURN[urn])
		}
	}
	for _, urn := range common {
		if c := compareResource(o, n, o.byURN[urn], n.byURN[urn], false); c != nil {
			diff.Changed = append(diff.Changed, *c)
		}
	}
	slices.SortFunc(diff.Changed, func(a, b Change) int { return cmp.Compare(a.URN, b.URN) })
	return diff
}
