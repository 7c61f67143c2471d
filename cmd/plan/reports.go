package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/refarch/refarch/insights/cost"
	"github.com/refarch/refarch/insights/diagram"
	"github.com/refarch/refarch/insights/plandiff"
	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
)

// reports are the plan insights asked for on the command line.
type reports struct {
	policy, cost, diagram bool
	embed                 string
}

func (r reports) any() bool { return r.policy || r.cost || r.diagram }

// write prints the asked reports for each plan (raw holds the secrets the
// rules may read; masked is what is printed) and returns the exit status:
// 1 when a policy rule fails or a report cannot be made. deployment holds
// the plans of every stack, in deployment order, for the rules that read
// other stacks.
func (r reports) write(stdout, stderr io.Writer, raw, masked, deployment []*offline.Plan) int {
	status := 0
	byName := map[string]*policies.Stack{}
	for _, s := range policies.DeployPlans(deployment...) {
		byName[s.Name] = s
	}
	fail := func(err error) {
		fmt.Fprintln(stderr, "plan:", err)
		status = 1
	}
	for i, plan := range raw {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if r.policy {
			results := policies.Evaluate(byName[plan.Stack], policies.Rules())
			if err := policies.WriteReport(stdout, plan.Stack, results); err != nil {
				fail(err)
			}
			if n := len(policies.Failures(results)); n > 0 {
				fmt.Fprintf(stderr, "plan %s: %d policy rules fail\n", plan.Stack, n)
				status = 1
			}
		}
		if r.cost {
			est, err := cost.EstimatePlan(masked[i])
			if err == nil {
				err = est.Write(stdout)
			}
			if err != nil {
				fail(fmt.Errorf("cost of %s: %w", plan.Stack, err))
			}
		}
		if r.diagram {
			chart, err := diagram.Mermaid(masked[i])
			if err != nil {
				fail(fmt.Errorf("diagram of %s: %w", plan.Stack, err))
				continue
			}
			if r.embed == "" {
				fmt.Fprint(stdout, chart)
				continue
			}
			if err := embedDiagram(r.embed, plan.Stack, chart); err != nil {
				fail(err)
				continue
			}
			fmt.Fprintf(stderr, "plan: wrote the %s diagram into %s\n", plan.Stack, r.embed)
		}
	}
	return status
}

// embedDiagram rewrites the diagram of stack embedded in a Markdown file.
func embedDiagram(path, stack, chart string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("embedding the %s diagram: %w", stack, err)
	}
	out, err := diagram.Embed(doc, stack, chart)
	if err != nil {
		return fmt.Errorf("embedding the %s diagram in %s: %w", stack, path, err)
	}
	if bytes.Equal(out, doc) {
		return nil
	}
	if err := os.WriteFile(path, out, 0o644); err != nil { //nolint:gosec // a document of the repository, world-readable like its other files
		return fmt.Errorf("embedding the %s diagram: %w", stack, err)
	}
	return nil
}

// runDiff compares two -json outputs and prints what changes; with
// failOnReplace it exits 1 when a protected resource would be
// replaced or deleted.
func runDiff(oldPath, newPath string, failOnReplace bool, stdout, stderr io.Writer) int {
	read := func(path string) ([]*offline.Plan, error) {
		f, err := os.Open(path) //nolint:gosec // the user names the file to read
		if err != nil {
			return nil, fmt.Errorf("plan -diff: %w", err)
		}
		defer func() { _ = f.Close() }()
		plans, err := offline.DecodePlans(f)
		if err != nil {
			return nil, fmt.Errorf("plan -diff: %s: %w", path, err)
		}
		return plans, nil
	}
	oldPlans, err := read(oldPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	newPlans, err := read(newPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	report := plandiff.Compare(oldPlans, newPlans)
	if err := report.Write(stdout); err != nil {
		fmt.Fprintln(stderr, "plan -diff:", err)
		return 1
	}
	if failOnReplace {
		if bad := report.ProtectedReplacements(); len(bad) > 0 {
			fmt.Fprintf(stderr, "plan -diff: %d protected resources would be replaced or deleted\n", len(bad))
			return 1
		}
	}
	return 0
}

// planAll returns the plans of every stack in deployment order, reusing
// those already made.
func planAll(dir string, made []*offline.Plan) ([]*offline.Plan, error) {
	var out []*offline.Plan
	names, err := offline.ProjectStacks(dir)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		var p *offline.Plan
		for _, m := range made {
			if m.Stack == name {
				p = m
			}
		}
		if p == nil {
			var err error
			if p, err = offline.RunStack(stacks.Run, name, offline.Options{Dir: dir, StackOutputs: stackrefs.New(dir)}); err != nil {
				return nil, fmt.Errorf("the plan of %s, which the policy rules read: %w", name, err)
			}
		}
		out = append(out, p)
	}
	return out, nil
}
