// Command plan shows, offline, what `pulumi preview` would register for a
// stack: it runs the real program under the Pulumi mock engine with the
// stack's real Pulumi.<stack>.yaml, and prints a tree of components and
// resources with counts per type and per component.
//
//	go run ./cmd/plan -stack prod        # one stack
//	go run ./cmd/plan -stack all         # all five, in deployment order
//	go run ./cmd/plan -stack prod -json  # full records, for tools
//	go run ./cmd/plan -stack prod -policy   # compliance report (package policies)
//	go run ./cmd/plan -stack prod -cost     # monthly estimate (package cost)
//	go run ./cmd/plan -stack prod -diagram  # Mermaid flowchart (package diagram)
//	go run ./cmd/plan -stack prod -diagram -dir tests/testdata/sample -embed README.md  # rewrite the README's diagram of the sample
//	go run ./cmd/plan -diff old.json new.json [-fail-on-replace]  # what a change changes
//	go run ./cmd/plan -config-reference -dir tests/testdata/sample  # docs/configuration.md, of the sample
//	go run ./cmd/plan -policy-reference  # docs/policies.md
//
// Configuration is read as the Pulumi CLI reads it (secure values need
// PULUMI_CONFIG_PASSPHRASE, and are masked in the output). Bad configuration
// prints the validation problems and exits with status 1.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, separate from main so tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stackFlag := fs.String("stack", "", `stack to plan: one of the stacks, or "all"`)
	asJSON := fs.Bool("json", false, "print the full records as JSON instead of a tree")
	reference := fs.Bool("config-reference", false, "print the configuration reference (docs/configuration.md) instead of a plan")
	policyReference := fs.Bool("policy-reference", false, "print the policy rules reference (docs/policies.md) instead of a plan")
	dir := fs.String("dir", "", "project folder holding Pulumi.yaml (default: nearest parent of the working directory)")
	var rep reports
	fs.BoolVar(&rep.policy, "policy", false, "print the compliance report of every policy rule; exit 1 on a violation")
	fs.BoolVar(&rep.cost, "cost", false, "print the monthly cost estimate, per component, with every assumption")
	fs.BoolVar(&rep.diagram, "diagram", false, "print the architecture as a Mermaid flowchart")
	fs.StringVar(&rep.embed, "embed", "", "with -diagram: rewrite the diagram embedded in this Markdown file instead of printing it")
	diff := fs.Bool("diff", false, "compare two -json outputs: plan -diff old.json new.json")
	failOnReplace := fs.Bool("fail-on-replace", false, "with -diff: exit 1 when a protected resource would be replaced or deleted")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: plan -stack <%s|all> [-json | -policy -cost -diagram [-embed FILE]] [-dir DIR]\n", joinNames())
		fmt.Fprintln(stderr, "       plan -diff [-fail-on-replace] OLD.json NEW.json")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *diff {
		if fs.NArg() != 2 || *stackFlag != "" {
			fs.Usage()
			return 2
		}
		return runDiff(fs.Arg(0), fs.Arg(1), *failOnReplace, stdout, stderr)
	}
	if rep.embed != "" && !rep.diagram {
		fmt.Fprintln(stderr, "plan: -embed needs -diagram")
		return 2
	}
	if *policyReference && *stackFlag == "" && fs.NArg() == 0 {
		all, err := planAll(*dir, nil)
		if err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			return 1
		}
		touched := policies.Touched(policies.DeployPlans(all...), policies.Rules())
		if err := policies.WriteReference(stdout, policies.Rules(), touched); err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			return 1
		}
		return 0
	}
	if *reference && *stackFlag == "" && fs.NArg() == 0 {
		root := *dir
		if root == "" {
			var err error
			if root, err = offline.FindProjectDir("."); err != nil {
				fmt.Fprintln(stderr, "plan:", err)
				return 1
			}
		}
		if err := writeReference(stdout, root); err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			return 1
		}
		return 0
	}
	if *stackFlag == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	names := []string{*stackFlag}
	if *stackFlag == "all" {
		root, err := offline.FindProjectDir(".")
		if err == nil {
			names, err = offline.ProjectStacks(root)
		}
		if err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			return 1
		}
	} else if _, err := stack.RoleOf(*stackFlag); err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return 2
	}

	status := 0
	var err error
	var plans, raw []*offline.Plan
	for _, name := range names {
		plan, err := offline.RunStack(stacks.Run, name, offline.Options{Dir: *dir, StackOutputs: stackrefs.New(*dir)})
		if err != nil {
			reportError(stderr, name, err)
			status = 1
			continue
		}
		for _, w := range plan.Warnings {
			fmt.Fprintf(stderr, "plan %s: warning: %s\n", name, w)
		}
		raw = append(raw, plan)
		plans = append(plans, plan.Masked())
	}
	if rep.any() {
		deployment := raw
		if rep.policy && *stackFlag != "all" {
			// The rules that read other stacks need them all.
			if deployment, err = planAll(*dir, raw); err != nil {
				reportError(stderr, *stackFlag, err)
				return 1
			}
		}
		if code := rep.write(stdout, stderr, raw, plans, deployment); code > status {
			status = code
		}
		return status
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(plans); err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			return 1
		}
		return status
	}
	for i, plan := range plans {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printTree(stdout, plan)
	}
	return status
}

// reportError prints a failed stack's problems without a stack trace.
func reportError(w io.Writer, stack string, err error) {
	var verr *validate.Error
	if errors.As(err, &verr) {
		fmt.Fprintf(w, "plan %s: %s\n", stack, verr)
		return
	}
	fmt.Fprintf(w, "plan %s: %v\n", stack, err)
}

func joinNames() string {
	out := ""
	for i, n := range stack.Names() {
		if i > 0 {
			out += "|"
		}
		out += n
	}
	return out
}
