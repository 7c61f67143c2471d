package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// copyProject copies Pulumi.yaml and every stack file into a new folder.
func copyProject(t *testing.T) string {
	t.Helper()
	root := projectDir(t)
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(root, "Pulumi*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 1+len(stack.Names()))
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600))
	}
	return dir
}

// quoteScalars rewrites a stack file as `pulumi config set` leaves it: every
// top-level value that is a scalar stored as a quoted string, comments and
// blank lines gone.
func quoteScalars(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(b, &doc))
	out := map[string]any{}
	quoted := 0
	for k, n := range doc.Config {
		if n.Kind == yaml.ScalarNode {
			out[k] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n.Value, Style: yaml.DoubleQuotedStyle}
			if n.Tag != "!!str" {
				quoted++
			}
			continue
		}
		var v any
		require.NoError(t, n.Decode(&v))
		out[k] = v
	}
	require.Positive(t, quoted, "%s has no number or boolean to quote: the test would prove nothing", path)
	b, err = yaml.Marshal(map[string]any{"config": out})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
}

// saveAsCLI loads a stack file with the SDK and saves it back with the
// SDK's own writer, which is what `pulumi config set` does.
func saveAsCLI(t *testing.T, dir, stackName string) {
	t.Helper()
	proj, err := workspace.LoadProject(filepath.Join(dir, "Pulumi.yaml"))
	require.NoError(t, err)
	path := filepath.Join(dir, "Pulumi."+stackName+".yaml")
	ps, err := workspace.LoadProjectStack(nil, proj, path)
	require.NoError(t, err)
	require.NoError(t, ps.Save(path))
}

// planJSON is a plan's records, for comparing two runs: the resources (in
// URN order) and the invokes, sorted, since they run concurrently.
func planJSON(t *testing.T, dir, stackName string) string {
	t.Helper()
	p, err := offline.RunStack(stacks.Run, stackName, offline.Options{Dir: dir, StackOutputs: stackrefs.New(dir)})
	require.NoError(t, err, "stack %s", stackName)
	require.Empty(t, p.Warnings, "stack %s", stackName)
	invokes := make([]string, len(p.Invokes))
	for i, inv := range p.Invokes {
		b, err := json.Marshal(inv)
		require.NoError(t, err)
		invokes[i] = string(b)
	}
	sort.Strings(invokes)
	b, err := json.Marshal(map[string]any{"resources": p.Resources, "invokes": invokes})
	require.NoError(t, err)
	return string(b)
}

// Stack files rewritten the way the CLI writes them plan exactly as the
// committed ones: the offline engine reads configuration as the CLI does.
func TestStackFilesAsTheCLIWritesThemPlanTheSame(t *testing.T) {
	rewrites := map[string]func(t *testing.T, dir, stackName string){
		"every scalar quoted": func(t *testing.T, dir, stackName string) {
			quoteScalars(t, filepath.Join(dir, "Pulumi."+stackName+".yaml"))
		},
		"saved by the SDK": saveAsCLI,
	}
	original := copyProject(t)
	for name, rewrite := range rewrites {
		t.Run(name, func(t *testing.T) {
			dir := copyProject(t)
			for _, stackName := range stack.Names() {
				rewrite(t, dir, stackName)
			}
			for _, stackName := range stack.Names() {
				before, err := os.ReadFile(filepath.Join(original, "Pulumi."+stackName+".yaml"))
				require.NoError(t, err)
				after, err := os.ReadFile(filepath.Join(dir, "Pulumi."+stackName+".yaml"))
				require.NoError(t, err)
				require.NotEqual(t, string(before), string(after), "the rewrite must change %s", stackName)
				assert.JSONEq(t, planJSON(t, original, stackName), planJSON(t, dir, stackName), "stack %s", stackName)
			}
		})
	}
}
