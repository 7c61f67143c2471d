package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/refarch/refarch/stacks/stack"
)

// sampleAccountIDs are the placeholder account ids of the committed sample:
// a project whose Pulumi.yaml holds them is the sample itself.
var sampleAccountIDs = []string{"111111111111", "222222222222", "333333333333", "444444444444", "555555555555"}

// isSampleProject tells whether the project in root is the committed
// sample: its Pulumi.yaml holds the sample's placeholder account ids.
func isSampleProject(t *testing.T, root string) bool {
	t.Helper()
	project, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	require.NoError(t, err)
	for _, id := range sampleAccountIDs {
		if !strings.Contains(string(project), `"`+id+`"`) {
			return false
		}
	}
	return true
}

// configKeys lists the keys a Pulumi project or stack file declares or
// sets (config: of Pulumi.yaml, config: of a stack file).
func configKeys(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(b, &doc), file)
	var keys []string
	for k := range doc.Config {
		keys = append(keys, strings.TrimPrefix(k, stack.Namespace+":"))
	}
	slices.Sort(keys)
	return keys
}

// TestTheSampleIsTheCommittedConfiguration keeps tests/testdata/sample, the
// copy of the sample the docs' figures (configuration.md, the README's
// diagram, the cost table) and the value tests describe, equal to the
// repository's own Pulumi.yaml and stack files while they are the sample
// (they hold its placeholder account ids). In a fork, whose files hold its
// own values, the copy still declares and sets the same keys: a key added
// to the program is added to the sample too.
func TestTheSampleIsTheCommittedConfiguration(t *testing.T) {
	root := projectDir(t)
	const refresh = "copy them again: cp Pulumi*.yaml tests/testdata/sample/ (then regenerate what the failing figure tests name)"
	isSample := isSampleProject(t, root)
	files := []string{"Pulumi.yaml"}
	for _, name := range stack.Names() {
		files = append(files, "Pulumi."+name+".yaml")
	}
	for _, f := range files {
		ours, copied := filepath.Join(root, f), filepath.Join(sampleDir, f)
		if isSample {
			a, err := os.ReadFile(ours)
			require.NoError(t, err)
			b, err := os.ReadFile(copied)
			require.NoError(t, err)
			assert.Equal(t, string(a), string(b), "tests/testdata/sample/%s differs from the committed %s: %s", f, f, refresh)
			continue
		}
		assert.Equal(t, configKeys(t, ours), configKeys(t, copied), "%s and tests/testdata/sample/%s declare or set different keys: %s", f, f, refresh)
	}
}

// TestSampleValuesAreMarked: every value of the project's Pulumi.yaml and
// stack files that is one of the sample's placeholders (its account ids,
// example.com names and addresses, the example organization's repository,
// a UUID, an image, a person of the sample) carries "# sample" on its line,
// so that nothing that looks real is left unmarked, in the sample or in a
// fork that kept one of its values.
func TestSampleValuesAreMarked(t *testing.T) {
	placeholder := regexp.MustCompile(`\b(?:111111111111|222222222222|333333333333|444444444444|555555555555)\b|example\.com|example-org|` +
		`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|^\s*image: |^\s*- name: [a-z]+\.[a-z]+\s`)
	root := projectDir(t)
	files, err := filepath.Glob(filepath.Join(root, "Pulumi*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 1+len(stack.Names()))
	marked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, line := range strings.Split(string(b), "\n") {
			value, comment, _ := strings.Cut(line, "#")
			if strings.TrimSpace(value) == "" {
				continue // a comment line
			}
			if placeholder.MatchString(value + " ") {
				assert.Contains(t, comment, " sample", "%s:%d holds a sample value without \"# sample\": %s", filepath.Base(f), i+1, line)
				marked++
			}
		}
	}
	if isSampleProject(t, root) {
		assert.GreaterOrEqual(t, marked, 50, "the sample's placeholders")
	}
}
