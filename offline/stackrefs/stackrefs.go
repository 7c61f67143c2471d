// Package stackrefs answers this project's StackReferences offline:
// the outputs each stack of this project exports (the names in
// stacks/outputs.go), with values taken from the real stack files where the
// configuration determines them (account ids, regions, VPC blocks) and
// deterministic placeholders for what AWS would generate (ids).
package stackrefs

import (
	"fmt"
	"strings"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
)

// New returns a offline.Options.StackOutputs for the project in dir
// ("" for the nearest parent of the working directory holding Pulumi.yaml).
func New(dir string) func(ref string) (map[string]any, error) {
	return func(ref string) (map[string]any, error) {
		parts := strings.Split(ref, "/")
		if len(parts) != 3 {
			return nil, fmt.Errorf("stack reference %q is not organization/project/stack", ref)
		}
		stack := parts[2]
		if _, err := stacks.RoleOf(stack); err != nil {
			return nil, err
		}
		root := dir
		if root == "" {
			var err error
			if root, err = offline.FindProjectDir("."); err != nil {
				return nil, err
			}
		}
		raw, err := offline.LoadStackConfig(root, stack)
		if err != nil {
			return nil, err
		}
		if parts[1] != raw.Project {
			return nil, fmt.Errorf("stack reference %q names project %q, not %q", ref, parts[1], raw.Project)
		}
		cfg, err := stacks.Load(stack, stacks.MapSource(raw.Values))
		if err != nil {
			return nil, fmt.Errorf("referenced stack %q: %w", stack, err)
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
		stacks.OutputAccountID: cfg.AccountID,
		stacks.OutputRegion:    cfg.Region,
	}
	for _, produce := range producers {
		produce(cfg, out)
	}
	return out
}
