// Package crossguard wraps refarch's policy rules (package policies) as a
// Pulumi CrossGuard policy pack, built with the Go SDK's policyx package, so
// the same functions that check the offline plans check real previews:
//
//	pulumi preview --policy-pack ./insights/policies/pack
//
// Each rule is one stack validation policy named by its ID, mandatory: a
// violation fails the preview. The analyzer sees each resource's type,
// name, inputs, protect flag, parent and provider, which is what the rules
// read; values a preview does not know yet arrive as unknowns and are not
// judged. https://www.pulumi.com/docs/iac/using-pulumi/crossguard/
package crossguard

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
)

// Name and Version identify the pack.
const (
	Name    = "refarch"
	Version = "1.0.0"
)

// Pack returns the policy pack: every rule of policies.Rules that a policy
// pack can judge (Rule.OfflineOnly says why the others are left out).
func Pack(*pulumi.Context) (policyx.PolicyPack, error) {
	var list []policyx.Policy
	for _, rule := range Rules() {
		list = append(list, policy(rule))
	}
	pack, err := policyx.NewPolicyPack(Name, semver.MustParse(Version), policyx.EnforcementLevelMandatory, list)
	if err != nil {
		return nil, fmt.Errorf("policy pack %s: %w", Name, err)
	}
	return pack, nil
}

// Rules are the rules the pack runs.
func Rules() []*policies.Rule {
	var out []*policies.Rule
	for _, r := range policies.Rules() {
		if r.OfflineOnly == "" {
			out = append(out, r)
		}
	}
	return out
}

// policy is one rule as a stack validation policy.
func policy(rule *policies.Rule) policyx.StackValidationPolicy {
	return policyx.NewStackValidationPolicy(rule.ID, policyx.StackValidationPolicyArgs{
		Description:      fmt.Sprintf("%s (%s)", rule.Title, strings.Join(rule.Controls, ", ")),
		EnforcementLevel: policyx.EnforcementLevelMandatory,
		ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
			stack := Stack(args.Resources)
			if rule.Organization || (rule.AWS != nil && rule.AWS.Kind == policies.CrossStack) {
				if err := withPeers(stack); err != nil {
					args.Manager.ReportViolation(fmt.Sprintf("%s needs the plans of the other stacks: %v", rule.ID, err), "")
					return nil
				}
			}
			res := rule.Run(stack)
			for _, f := range res.Findings {
				args.Manager.ReportViolation(fmt.Sprintf("%s [%s, %s]", f.Message, strings.Join(rule.Controls, ", "), rule.Severity), f.URN)
			}
			return nil
		},
	})
}

// Peers plans the stacks of the deployment other than the one previewed,
// in deployment order, for the rules that read other stacks
// (policies.CrossStack). The pack's main sets it (it plans them offline
// from the project's files); without it those rules report a violation
// rather than pass unexamined.
var Peers func(previewed string) (before, after []*policies.Stack, err error)

// withPeers links the previewed stack with the offline plans of the others.
func withPeers(stack *policies.Stack) error {
	if Peers == nil {
		return fmt.Errorf("the pack was built without a planner of the other stacks (crossguard.Peers)")
	}
	before, after, err := Peers(stack.Name)
	if err != nil {
		return err
	}
	all := append(append(append([]*policies.Stack{}, before...), stack), after...)
	policies.Deploy(all...)
	return nil
}

// Stack turns the analyzer's resources into the records the rules read.
// The stack's name comes from the URNs (urn:pulumi:<stack>::<project>::…).
func Stack(resources []policyx.AnalyzerResource) *policies.Stack {
	name := ""
	records := make([]*offline.Resource, 0, len(resources))
	for _, r := range resources {
		if name == "" {
			name = stackOf(r.URN)
		}
		records = append(records, Record(r))
	}
	return policies.NewStack(name, records)
}

func stackOf(urn string) string {
	rest, ok := strings.CutPrefix(urn, "urn:pulumi:")
	if !ok {
		return ""
	}
	stack, _, _ := strings.Cut(rest, "::")
	return stack
}

// Record is one analyzer resource as an offline record: its properties as
// plain data (unknowns as offline.Unknown), its id and its options.
func Record(r policyx.AnalyzerResource) *offline.Resource {
	inputs := plainMap(r.Properties)
	// The analyzer's properties are the inputs, and for a resource the
	// state already holds, its outputs too: the rules read both.
	rec := &offline.Resource{
		URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Inputs: inputs, Outputs: inputs,
		Protect: r.Options.Protect, IgnoreChanges: r.Options.IgnoreChanges,
		DeleteBeforeReplace: r.Options.DeleteBeforeReplace,
		DependsOn:           dependencies(r),
	}
	if id, ok := inputs["id"].(string); ok {
		rec.ID = id
	}
	if r.Provider.URN != "" {
		rec.Provider = r.Provider.URN
	}
	// Components have no provider; provider resources are custom.
	rec.Custom = r.Provider.URN != "" || strings.HasPrefix(r.Type, "pulumi:providers:")
	return rec
}

// dependencies are every resource r waits for: its dependencies and those
// of its properties, as the offline records hold them.
func dependencies(r policyx.AnalyzerResource) []string {
	seen := map[string]bool{}
	var out []string
	add := func(urns []string) {
		for _, u := range urns {
			if u != "" && !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	add(r.Dependencies)
	for _, urns := range r.PropertyDependencies {
		add(urns)
	}
	sort.Strings(out)
	return out
}

func plainMap(m property.Map) map[string]any {
	out := make(map[string]any, m.Len())
	for k, v := range m.All {
		out[k] = plain(v)
	}
	return out
}

// plain turns a property value into the plain data offline records hold.
func plain(v property.Value) any {
	switch {
	case v.IsComputed():
		return offline.Unknown{}
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.AsBool()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsString():
		return v.AsString()
	case v.IsArray():
		arr := v.AsArray()
		out := make([]any, 0, arr.Len())
		for _, e := range arr.All {
			out = append(out, plain(e))
		}
		return out
	case v.IsMap():
		return plainMap(v.AsMap())
	case v.IsResourceReference():
		return string(v.AsResourceReference().URN)
	case v.IsAsset():
		a := v.AsAsset()
		if a.Path != "" {
			return a.Path
		}
		return a.Text
	case v.IsArchive():
		return v.AsArchive().Path
	}
	return nil
}
