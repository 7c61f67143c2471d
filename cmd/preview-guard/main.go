// Command preview-guard reads the JSON of `pulumi preview --json` and fails
// when the preview would replace or delete a protected resource or one
// that holds data (stack.StatefulTypes: databases, buckets, keys, log
// groups, secrets, zones), naming each. CI runs it after every preview, so
// such a change stops on the pull request instead of reaching `pulumi up`:
//
//	pulumi preview --json -s prod > preview-prod.json
//	go run ./cmd/preview-guard preview-prod.json
//
// It prints one line per resource and exits 1 when it found any, 2 when
// the input is not a preview, 0 otherwise. A protected resource's delete
// fails in `pulumi up` anyway; a replacement of an unprotected database
// would not, which is what this catches.
//
// The JSON is Pulumi's PreviewDigest: steps with op, urn and the old and
// new states (type, protect, retainOnDelete).
// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/display/json.go
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/refarch/refarch/stacks/stack"
)

// digest is the part of a preview's JSON the guard reads.
type digest struct {
	Steps []step `json:"steps"`
}

type step struct {
	Op             string   `json:"op"`
	URN            string   `json:"urn"`
	OldState       *state   `json:"oldState"`
	NewState       *state   `json:"newState"`
	ReplaceReasons []string `json:"replaceReasons"`
}

type state struct {
	Type           string `json:"type"`
	Protect        bool   `json:"protect"`
	RetainOnDelete bool   `json:"retainOnDelete"`
}

// destructive are the steps that destroy a resource's physical data: a
// delete, and the parts of a replacement.
// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/resource/deploy/step.go
var destructive = []string{"delete", "replace", "create-replacement", "delete-replaced", "import-replacement"}

// Finding is one resource the preview would destroy.
type Finding struct {
	URN, Type, Op string
	Protected     bool
	Reasons       []string
}

func (f Finding) String() string {
	why := "holds data"
	if f.Protected {
		why = "is protected"
	}
	s := fmt.Sprintf("%s %s (%s) %s", f.Op, f.URN, f.Type, why)
	if len(f.Reasons) > 0 {
		s += fmt.Sprintf("; replaced because of %v", f.Reasons)
	}
	return s
}

// Check returns, once per resource and sorted by URN, every protected or
// stateful resource a destructive step names. A retained resource's
// delete leaves it in AWS and is not a finding.
func Check(d digest) []Finding {
	byURN := map[string]Finding{}
	for _, s := range d.Steps {
		if !slices.Contains(destructive, s.Op) {
			continue
		}
		st := s.OldState
		if st == nil {
			st = s.NewState
		}
		if st == nil {
			continue
		}
		if s.Op == "delete" && st.RetainOnDelete {
			continue
		}
		if !st.Protect && !stack.IsStateful(st.Type) {
			continue
		}
		f, seen := byURN[s.URN]
		if !seen || s.Op == "replace" {
			f = Finding{URN: s.URN, Type: st.Type, Op: s.Op, Protected: st.Protect, Reasons: s.ReplaceReasons}
		}
		byURN[s.URN] = f
	}
	out := make([]Finding, 0, len(byURN))
	for _, f := range byURN {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// run checks the preview in args[0] ("-" or none: stdin).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	in := stdin
	name := "stdin"
	const usage = "usage: preview-guard [preview.json]   (the JSON of pulumi preview --json; stdin without a file or with -)"
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintln(stderr, usage)
		return 0
	}
	if len(args) > 1 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			fmt.Fprintf(stderr, "preview-guard: %v\n", err)
			return 2
		}
		defer f.Close()
		in, name = f, args[0]
	}
	var d digest
	dec := json.NewDecoder(in)
	if err := dec.Decode(&d); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, io.EOF) {
			fmt.Fprintf(stderr, "preview-guard: %s is not the JSON of `pulumi preview --json`: %v\n", name, err)
		} else {
			fmt.Fprintf(stderr, "preview-guard: reading %s: %v\n", name, err)
		}
		return 2
	}
	findings := Check(d)
	for _, f := range findings {
		fmt.Fprintln(stdout, f)
	}
	if len(findings) > 0 {
		fmt.Fprintf(stderr, "preview-guard: the preview would destroy %d resource(s) holding data or protected; change the program, or remove the protection on purpose (docs/runbook.md)\n", len(findings))
		return 1
	}
	fmt.Fprintf(stdout, "preview-guard: %d steps, nothing protected or holding data is replaced or deleted\n", len(d.Steps))
	return 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
