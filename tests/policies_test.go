package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/insights/policies/crossguard"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// deployment is the stacks' offline plans, linked in deployment order
// for the rules that read other stacks.
func deployment(t testing.TB) []*policies.Stack {
	t.Helper()
	var plans []*offline.Plan
	for _, name := range stack.Names() {
		plans = append(plans, plan(t, name))
	}
	return policies.DeployPlans(plans...)
}

// TestEveryStackCompliesWithEveryRule runs the whole policy set on every
// stack's offline plan: one violation anywhere fails the suite.
func TestEveryStackCompliesWithEveryRule(t *testing.T) {
	for _, s := range deployment(t) {
		t.Run(s.Name, func(t *testing.T) {
			name := s.Name
			results := policies.Evaluate(s, policies.Rules())
			for _, r := range policies.Failures(results) {
				var lines []string
				for _, f := range r.Findings {
					lines = append(lines, "  "+f.String())
				}
				t.Errorf("rule %s (%s) fails on %s:\n%s", r.Rule.ID, strings.Join(r.Rule.Controls, ", "), name, strings.Join(lines, "\n"))
			}
		})
	}
}

// TestEveryRuleIsExercisedByAStack reports a rule that no record of any
// stack exercises: such a rule proves nothing about this program (its own
// unit test still proves it works).
func TestEveryRuleIsExercisedByAStack(t *testing.T) {
	exercised := map[string][]string{}
	for _, s := range deployment(t) {
		for _, r := range policies.Evaluate(s, policies.Rules()) {
			if r.Examined > 0 {
				exercised[r.Rule.ID] = append(exercised[r.Rule.ID], fmt.Sprintf("%s(%d)", s.Name, r.Examined))
			}
		}
	}
	for _, r := range policies.Rules() {
		assert.NotEmpty(t, exercised[r.ID], "rule %s examines no resource of any stack", r.ID)
	}
}

// TestPolicyStatefulTypesAreTheStacks keeps the protection rule's list and
// the stacks' (used by cmd/preview-guard and tests/engine) the same.
func TestPolicyStatefulTypesAreTheStacks(t *testing.T) {
	require.ElementsMatch(t, stack.StatefulTypes, policies.StatefulTypes())
}

// TestThePackJudgesEveryStackAsTheTestsDo runs every rule of the CrossGuard
// pack the way the pack runs it on a real preview: on the previewed stack
// alone, unless the rule reads the deployment (the AWS rules across stacks,
// and the account rules an organization's administrator fulfils for every
// account), which then gets the other stacks' offline plans. No stack may
// fail a rule there that it passes here.
func TestThePackJudgesEveryStackAsTheTestsDo(t *testing.T) {
	var plans []*offline.Plan
	alone := map[string]*policies.Stack{}
	for _, name := range stack.Names() {
		p := plan(t, name)
		plans = append(plans, p)
		alone[name] = policies.FromPlan(p)
	}
	for _, deployed := range policies.DeployPlans(plans...) {
		for _, rule := range crossguard.Rules() {
			if !rule.Applies(deployed.Name) {
				continue
			}
			target := alone[deployed.Name]
			if rule.Organization || (rule.AWS != nil && rule.AWS.Kind == policies.CrossStack) {
				target = deployed
			}
			res := rule.Run(target)
			assert.Empty(t, res.Findings, "%s fails %s as the pack runs it", deployed.Name, rule.ID)
		}
	}
}
