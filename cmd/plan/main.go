// Command plan shows, offline, what `pulumi preview` would register for a
// stack: it runs the real program under the Pulumi mock engine with the
// stack's real Pulumi.<stack>.yaml, and prints a tree of components and
// resources with counts per type and per component.
//
//	go run ./cmd/plan -stack prod        # one stack
//	go run ./cmd/plan -stack all         # all five, in deployment order
//	go run ./cmd/plan -stack prod -json  # full records, for tools
//	go run ./cmd/plan -config-reference  # docs/configuration.md
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
	dir := fs.String("dir", "", "project folder holding Pulumi.yaml (default: nearest parent of the working directory)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: plan -stack <%s|all> [-json] [-dir DIR]\n", joinNames())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
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
		names = stack.Names()
	} else if _, err := stack.RoleOf(*stackFlag); err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return 2
	}

	status := 0
	var plans []*offline.Plan
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
		plans = append(plans, plan.Masked())
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
