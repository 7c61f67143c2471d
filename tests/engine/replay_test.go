package engine_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/offline"
)

// A replay registers offline records again, through the real engine: the
// same types, names, parents (so the same URNs, ids and ARNs from the
// stand-in cloud), inputs and providers, and the dependencies the records
// hold, less those a test removes. It is how a test takes one dependency
// the program relies on away and lets the stand-in cloud answer as AWS
// would, without editing the program.

// replayResource is a custom resource of any type.
type replayResource struct{ pulumi.CustomResourceState }

// replayComponent is a component of any type.
type replayComponent struct{ pulumi.ResourceState }

// replayProvider is a provider resource.
type replayProvider struct{ pulumi.ProviderResourceState }

// replaySet is the records of one stack a replay registers, and the
// dependencies it changes.
type replaySet struct {
	stack *offline.Plan
	// keep are the records registered (custom resources and providers);
	// their ancestors are registered too, as components.
	keep map[string]bool
	// drop removes dependencies: drop[r][d] means r no longer waits for d.
	drop map[string]map[string]bool
	// add adds dependencies: add[r] are waited for by r.
	add map[string][]string
	// set overrides top-level inputs: set[r][key] replaces r's input key
	// (the argument a test gets wrong on purpose).
	set map[string]map[string]any
	// importAs adopts records instead of creating them: importAs[r] is the
	// id of the existing resource (an organization's existing account).
	importAs map[string]string
	// first are replays deployed before this one, each as its own stack,
	// into the same stand-in world: the stacks the documented order
	// deploys earlier.
	first []replaySet
}

// full is the replay of every record of a stack, as it deploys.
func full(p *offline.Plan) replaySet {
	keep := map[string]bool{}
	for _, r := range p.Resources {
		if r.Custom && !skipped(r) {
			keep[r.URN] = true
		}
	}
	return replaySet{stack: p, keep: keep, drop: map[string]map[string]bool{}, add: map[string][]string{}}
}

// adopting is rs adopting the organization's existing member accounts,
// as the documented import commands do: the management stack's account
// records, by the stack each is named for, get the ids of the other
// plans' accounts.
func (rs replaySet) adopting(t *testing.T, plans map[string]*offline.Plan) replaySet {
	t.Helper()
	importAs := map[string]string{}
	for _, r := range rs.stack.ByType("aws:organizations/account:Account") {
		name := strings.TrimPrefix(r.Name, "refarch-organization-")
		if p, ok := plans[name]; ok && rs.keep[r.URN] {
			importAs[r.URN] = accountOf(t, p)
		}
	}
	rs.importAs = importAs
	return rs
}

// without is rs less the record r (and what only it needed is kept).
func (rs replaySet) without(r *offline.Resource) replaySet {
	keep := map[string]bool{}
	for k, v := range rs.keep {
		keep[k] = v
	}
	delete(keep, r.URN)
	rs.keep = keep
	return rs
}

// after is rs deployed after the given stacks.
func (rs replaySet) after(first ...replaySet) replaySet {
	rs.first = append(first, rs.first...)
	return rs
}

// with is rs with r's input key set to value.
func (rs replaySet) with(r *offline.Resource, key string, value any) replaySet {
	set := map[string]map[string]any{}
	for k, v := range rs.set {
		set[k] = v
	}
	inputs := map[string]any{}
	for k, v := range set[r.URN] {
		inputs[k] = v
	}
	inputs[key] = value
	set[r.URN] = inputs
	rs.set = set
	return rs
}

// inputs are r's inputs in the replay, with the overrides of set.
func (rs replaySet) inputs(r *offline.Resource) map[string]any {
	if len(rs.set[r.URN]) == 0 {
		return r.Inputs
	}
	out := map[string]any{}
	for k, v := range r.Inputs {
		out[k] = v
	}
	for k, v := range rs.set[r.URN] {
		out[k] = v
	}
	return out
}

// skipped are the records a replay never registers: what the offline
// engine cannot replay (remote components, stack references) and the root
// stack.
func skipped(r *offline.Resource) bool {
	return r.Remote || r.Type == "pulumi:pulumi:StackReference" || r.Type == "pulumi:pulumi:Stack" || strings.HasPrefix(r.Type, "awsx:")
}

// closure returns the URNs of the records root needs (root included),
// never passing through the URNs of avoid.
func closure(p *offline.Plan, root string, avoid map[string]bool) map[string]bool {
	out := map[string]bool{}
	var walk func(urn string)
	walk = func(urn string) {
		if out[urn] || avoid[urn] {
			return
		}
		r := p.ByURN(urn)
		if r == nil || skipped(r) {
			return
		}
		out[urn] = true
		for _, d := range r.DependsOn {
			walk(d)
		}
		if prov := providerURN(r.Provider); prov != "" {
			walk(prov)
		}
	}
	walk(root)
	return out
}

// providerURN is the provider URN of a provider reference "<urn>::<id>".
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ""
}

// withoutDependency is the replay of a stack in which dependent no longer
// waits for prereq: dependent, prereq, and what each needs except one
// another, with prereq now created after dependent and dependent after
// everything prereq needs (the order the engine may take once the
// dependency is gone, forced so that the test does not depend on the
// engine's parallelism). Resources that reach prereq only through
// dependent's other dependencies lose that edge too.
func withoutDependency(p *offline.Plan, dependent, prereq *offline.Resource) replaySet {
	avoid := map[string]bool{prereq.URN: true}
	keep := closure(p, dependent.URN, avoid)
	for urn := range closure(p, prereq.URN, map[string]bool{dependent.URN: true}) {
		keep[urn] = true
	}
	drop := map[string]map[string]bool{}
	for urn := range keep {
		if urn == prereq.URN {
			continue
		}
		if rec := p.ByURN(urn); rec != nil && contains(rec.DependsOn, prereq.URN) && !closure(p, prereq.URN, nil)[urn] {
			if drop[urn] == nil {
				drop[urn] = map[string]bool{}
			}
			drop[urn][prereq.URN] = true
		}
	}
	// The moment AWS judges: everything the prerequisite needs exists (the
	// dependent waits for it), the prerequisite itself not yet.
	var ready []string
	for _, d := range prereq.DependsOn {
		if keep[d] && d != dependent.URN {
			ready = append(ready, d)
		}
	}
	return replaySet{stack: p, keep: keep, drop: drop, add: map[string][]string{prereq.URN: {dependent.URN}, dependent.URN: ready}}
}

// only is the replay of dependent and what it needs in its own stack, when
// its prerequisite lives in another stack, deployed later (or never).
func only(p *offline.Plan, dependent *offline.Resource) replaySet {
	return replaySet{stack: p, keep: closure(p, dependent.URN, nil), drop: map[string]map[string]bool{}, add: map[string][]string{}}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// program registers the replay set.
func (rs replaySet) program() pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		registered := map[string]pulumi.Resource{}
		providers := map[string]pulumi.ProviderResource{}
		// Ancestors (components) of every kept record are registered too.
		all := map[string]bool{}
		for urn := range rs.keep {
			for u := urn; u != ""; {
				r := rs.stack.ByURN(u)
				if r == nil || r.Type == "pulumi:pulumi:Stack" {
					break
				}
				all[u] = true
				u = r.Parent
			}
		}
		order, err := rs.order(all)
		if err != nil {
			return err
		}
		for _, urn := range order {
			r := rs.stack.ByURN(urn)
			var opts []pulumi.ResourceOption
			if parent, ok := registered[r.Parent]; ok {
				opts = append(opts, pulumi.Parent(parent))
			}
			if !r.Custom {
				var c replayComponent
				if err := ctx.RegisterComponentResource(r.Type, r.Name, &c, opts...); err != nil {
					return fmt.Errorf("replay %s: %w", urn, err)
				}
				registered[urn] = &c
				continue
			}
			var deps []pulumi.Resource
			for _, d := range rs.deps(r) {
				if dep, ok := registered[d]; ok {
					deps = append(deps, dep)
				}
			}
			opts = append(opts, pulumi.DependsOn(deps), pulumi.Version(pluginVersion(r.Type)))
			if strings.HasPrefix(r.Type, "pulumi:providers:") {
				var prov replayProvider
				if err := ctx.RegisterResource(r.Type, r.Name, pulumi.ToMap(r.Inputs), &prov, opts...); err != nil {
					return fmt.Errorf("replay %s: %w", urn, err)
				}
				registered[urn], providers[urn] = &prov, &prov
				continue
			}
			if prov, ok := providers[providerURN(r.Provider)]; ok {
				opts = append(opts, pulumi.Provider(prov))
			}
			if id, ok := rs.importAs[urn]; ok {
				opts = append(opts, pulumi.Import(pulumi.ID(id)))
			}
			var res replayResource
			if err := ctx.RegisterResource(r.Type, r.Name, pulumi.ToMap(rs.inputs(r)), &res, opts...); err != nil {
				return fmt.Errorf("replay %s: %w", urn, err)
			}
			registered[urn] = &res
		}
		return nil
	}
}

// pluginVersion is the version of the plugin a type's package asks for.
func pluginVersion(typ string) string {
	pkg := strings.TrimPrefix(typ, "pulumi:providers:")
	pkg, _, _ = strings.Cut(pkg, ":")
	if v, ok := map[string]string{"aws": "6.83.4", "awsx": "2.22.0"}[pkg]; ok {
		return v
	}
	return ""
}

// deps are the dependencies r keeps in the replay.
func (rs replaySet) deps(r *offline.Resource) []string {
	var out []string
	for _, d := range r.DependsOn {
		if !rs.drop[r.URN][d] {
			out = append(out, d)
		}
	}
	return append(out, rs.add[r.URN]...)
}

// order sorts the URNs so that parents, providers and dependencies come
// first; a cycle (a test adding an edge against the records) is an error.
func (rs replaySet) order(set map[string]bool) ([]string, error) {
	urns := make([]string, 0, len(set))
	for u := range set {
		urns = append(urns, u)
	}
	sort.Strings(urns)
	state := map[string]int{} // 1 visiting, 2 done
	var out []string
	var visit func(u string) error
	visit = func(u string) error {
		if !set[u] || state[u] == 2 {
			return nil
		}
		if state[u] == 1 {
			return fmt.Errorf("replay: a dependency cycle through %s", u)
		}
		state[u] = 1
		r := rs.stack.ByURN(u)
		before := append([]string{r.Parent, providerURN(r.Provider)}, rs.deps(r)...)
		for _, d := range before {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[u] = 2
		out = append(out, u)
		return nil
	}
	for _, u := range urns {
		if err := visit(u); err != nil {
			return nil, err
		}
	}
	return out, nil
}
