// Command pack is refarch's CrossGuard policy pack: the rules of package
// policies, run by the Pulumi CLI against a real preview:
//
//	pulumi preview --policy-pack ./insights/policies/pack
//
// The CLI starts it through the Go language host, which builds this folder
// (PulumiPolicy.yaml says runtime: go).
//
// The rules that read other stacks (AWS rules of kind cross-stack: the
// security account's invitations before a member's acceptance, say) see the
// previewed stack as the preview gives it and the other stacks as the
// offline engine plans them from the project's files: the directory named
// by REFARCH_PROJECT_DIR, else the nearest parent of the working directory
// holding Pulumi.yaml (the CLI runs the pack in ./insights/policies/pack).
package main

import (
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/insights/policies/crossguard"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
)

func main() {
	crossguard.Peers = once(peers)
	if err := policyx.Main(crossguard.Pack); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// once remembers f's answer for each stack: every cross-stack rule of a
// preview asks for the same plans.
func once(f func(string) ([]*policies.Stack, []*policies.Stack, error)) func(string) ([]*policies.Stack, []*policies.Stack, error) {
	type answer struct {
		before, after []*policies.Stack
		err           error
	}
	var mu sync.Mutex
	cache := map[string]answer{}
	return func(name string) ([]*policies.Stack, []*policies.Stack, error) {
		mu.Lock()
		defer mu.Unlock()
		a, ok := cache[name]
		if !ok {
			a.before, a.after, a.err = f(name)
			cache[name] = a
		}
		return a.before, a.after, a.err
	}
}

// peers plans, offline, every stack of the deployment but the previewed
// one, and returns those deployed before it and after it.
func peers(previewed string) (before, after []*policies.Stack, err error) {
	dir := os.Getenv("REFARCH_PROJECT_DIR")
	if dir == "" {
		if dir, err = offline.FindProjectDir("."); err != nil {
			return nil, nil, err
		}
	}
	names, err := offline.ProjectStacks(dir)
	if err != nil {
		return nil, nil, err
	}
	at := slices.Index(names, previewed)
	if at < 0 {
		return nil, nil, fmt.Errorf("stack %q is not one of %v", previewed, names)
	}
	for i, name := range names {
		if i == at {
			continue
		}
		plan, err := offline.RunStack(stacks.Run, name, offline.Options{Dir: dir, StackOutputs: stackrefs.New(dir)})
		if err != nil {
			return nil, nil, fmt.Errorf("offline plan of %s: %w", name, err)
		}
		if i < at {
			before = append(before, policies.FromPlan(plan))
		} else {
			after = append(after, policies.FromPlan(plan))
		}
	}
	return before, after, nil
}
