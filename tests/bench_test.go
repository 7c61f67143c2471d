package tests

import (
	"fmt"
	"io"
	"testing"

	"github.com/refarch/refarch/insights/cost"
	"github.com/refarch/refarch/insights/diagram"
	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// BenchmarkPlan measures one offline plan per stack: config loading, the
// program and the mock engine. All of them together are the cost of
// `go run ./cmd/plan -stack all` after the build (docs/performance.md).
func BenchmarkPlan(b *testing.B) {
	for _, stackName := range stack.Names() {
		b.Run(stackName, func(b *testing.B) {
			opts := options(b, nil)
			for b.Loop() {
				if _, err := offline.RunStack(stacks.Run, stackName, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInsights measures what -policy, -cost and -diagram add to a plan:
// each on the stacks' plans (made once, outside the timing), and all
// three together. docs/performance.md compares them with BenchmarkPlan.
func BenchmarkInsights(b *testing.B) {
	var plans []*offline.Plan
	for _, name := range stack.Names() {
		p, err := offline.RunStack(stacks.Run, name, options(b, nil))
		if err != nil {
			b.Fatal(err)
		}
		plans = append(plans, p)
	}
	// Each stack is judged with its deployment, as `-policy` judges it:
	// what the organization does for an account is in other stacks.
	deployment := map[string]*policies.Stack{}
	for _, s := range policies.DeployPlans(plans...) {
		deployment[s.Name] = s
	}
	policy := func(p *offline.Plan) error {
		if f := policies.Failures(policies.Evaluate(deployment[p.Stack], policies.Rules())); len(f) > 0 {
			return fmt.Errorf("%s: rule %s fails", p.Stack, f[0].Rule.ID)
		}
		return nil
	}
	estimate := func(p *offline.Plan) error {
		e, err := cost.EstimatePlan(p)
		if err == nil {
			err = e.Write(io.Discard)
		}
		return err
	}
	chart := func(p *offline.Plan) error {
		_, err := diagram.Mermaid(p)
		return err
	}
	all := func(p *offline.Plan) error {
		for _, f := range []func(*offline.Plan) error{policy, estimate, chart} {
			if err := f(p); err != nil {
				return err
			}
		}
		return nil
	}
	for _, bm := range []struct {
		name string
		run  func(*offline.Plan) error
	}{{"policy", policy}, {"cost", estimate}, {"diagram", chart}, {"all", all}} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				for _, p := range plans {
					if err := bm.run(p); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
