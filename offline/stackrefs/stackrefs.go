// Package stackrefs answers this project's StackReferences offline:
// the outputs each stack of this project exports (the names in
// stacks/stack/outputs.go and the Output constants of each stacks/<concern>part), with values taken from the real stack files where the
// configuration determines them (account ids, regions, VPC blocks) and
// deterministic placeholders for what AWS would generate (ids).
package stackrefs

import (
	"fmt"
	"strings"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// New returns a offline.Options.StackOutputs for the project in dir
// ("" for the nearest parent of the working directory holding Pulumi.yaml).
func New(dir string) func(ref string) (map[string]any, error) {
	return func(ref string) (map[string]any, error) {
		parts := strings.Split(ref, "/")
		if len(parts) != 3 {
			return nil, fmt.Errorf("stack reference %q is not organization/project/stack", ref)
		}
		name := parts[2]
		if _, err := stack.RoleOf(name); err != nil {
			return nil, err
		}
		root := dir
		if root == "" {
			var err error
			if root, err = offline.FindProjectDir("."); err != nil {
				return nil, err
			}
		}
		raw, err := offline.LoadStackConfig(root, name)
		if err != nil {
			return nil, err
		}
		if parts[1] != raw.Project {
			return nil, fmt.Errorf("stack reference %q names project %q, not %q", ref, parts[1], raw.Project)
		}
		cfg, err := stacks.Load(name, stack.MapSource(raw.Values))
		if err != nil {
			return nil, fmt.Errorf("referenced stack %q: %w", name, err)
		}
		return outputsOf(cfg), nil
	}
}

// producers add the outputs of one concern; files of this package named
// after the concern (network.go, dns.go, …) register theirs from init.
var producers []func(cfg *stacks.Config, out map[string]any)

// outputsOf is what a deployed stack with configuration cfg exports.
func outputsOf(cfg *stacks.Config) map[string]any {
	out := map[string]any{
		stack.OutputAccountID: cfg.AccountID,
		stack.OutputRegion:    cfg.Region,
	}
	for _, produce := range producers {
		produce(cfg, out)
	}
	return out
}
