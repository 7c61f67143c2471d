package offline

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/refarch/refarch/stacks/stack"
)

// ProjectStacks returns the stacks of the project in dir, in deployment
// order (stack.Ordered): one per stack file Pulumi.<stack>.yaml ("" for
// the nearest parent of the working directory holding Pulumi.yaml). Adding an
// environment is one entry in the account directory and one stack file, so
// the tools and tests that plan "every stack" plan it too.
func ProjectStacks(dir string) ([]string, error) {
	if dir == "" {
		var err error
		if dir, err = FindProjectDir("."); err != nil {
			return nil, err
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		if _, err := stack.RoleOf(name); err != nil {
			return nil, fmt.Errorf("stack file %s: %w", filepath.Base(f), err)
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no stack file (Pulumi.<stack>.yaml) in %s", dir)
	}
	return stack.Ordered(names), nil
}
