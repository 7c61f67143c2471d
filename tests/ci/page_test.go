package ci

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagePath is the page that documents the pipeline.
const pagePath = "docs/ci.md"

// jobTable is the table docs/ci.md shows between its ci:jobs markers,
// rendered from .circleci/config.yml: every job of every workflow (a
// matrix over the five stacks as one preview-<stack> row), its context and
// what it requires, in the file's order.
func jobTable(t *testing.T, cfg map[string]any) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("| workflow | job | context | requires |\n|---|---|---|---|\n")
	workflows, _ := cfg["workflows"].(map[string]any)
	names := make([]string, 0, len(workflows))
	for name := range workflows {
		if name != "version" {
			names = append(names, name)
		}
	}
	// pull-request first, then deploy: the order a change meets them.
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(b, a) })
	code := func(s string) string { return "`" + s + "`" }
	for _, wf := range names {
		jobs, _ := workflows[wf].(map[string]any)["jobs"].([]any)
		for _, entry := range jobs {
			var job string
			var params map[string]any
			switch e := entry.(type) {
			case string:
				job = e
			case map[string]any:
				for k, v := range e {
					job = k
					params, _ = v.(map[string]any)
				}
			}
			name := job
			if n, ok := params["name"].(string); ok {
				name = n
			}
			label := code(name)
			if _, ok := params["matrix"]; ok {
				label = code(strings.ReplaceAll(name, "<< matrix.stack >>", "<stack>")) + " (each stack)"
			}
			if params["type"] == "approval" {
				label += " (approval)"
			}
			context := "—"
			if c, ok := params["context"].(string); ok {
				context = code(strings.ReplaceAll(c, "<< matrix.stack >>", "<stack>"))
			}
			requires := "—"
			if r, ok := params["requires"].([]any); ok {
				var rs []string
				for _, x := range r {
					rs = append(rs, code(fmt.Sprint(x)))
				}
				requires = strings.Join(rs, ", ")
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", wf, label, context, requires)
		}
	}
	return b.String()
}

// TestTheCIPageDescribesThePipeline keeps docs/ci.md true to
// .circleci/config.yml: its table of jobs (workflow, context, requires) is
// the file's, and every variable the file reads that neither CircleCI nor
// the file itself sets is named on the page, for the people who create the
// contexts.
func TestTheCIPageDescribesThePipeline(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root(t), pagePath))
	require.NoError(t, err)
	page := string(raw)
	fresh := jobTable(t, config(t))
	const open, closing = "<!-- ci:jobs -->\n", "<!-- /ci:jobs -->"
	i, j := strings.Index(page, open), strings.Index(page, closing)
	require.True(t, i >= 0 && j > i, "%s must hold the table of jobs between %q and %q", pagePath, open, closing)
	assert.Equal(t, fresh, page[i+len(open):j], "the table of jobs in %s is stale; replace it with:\n%s", pagePath, fresh)

	file, err := os.ReadFile(filepath.Join(root(t), ".circleci", "config.yml"))
	require.NoError(t, err)
	read := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{?([A-Z][A-Z0-9_]*)`).FindAllStringSubmatch(string(file), -1) {
		read[m[1]] = true
	}
	set := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?:^|[\s"'])(?:export\s+)?([A-Z][A-Z0-9_]*)=`).FindAllStringSubmatch(string(file), -1) {
		set[m[1]] = true
	}
	var contextVars []string
	for v := range read {
		// CircleCI's own variables and BASH_ENV come with every job.
		// Source: https://circleci.com/docs/variables/#built-in-environment-variables
		if strings.HasPrefix(v, "CIRCLE_") || v == "BASH_ENV" || set[v] {
			continue
		}
		contextVars = append(contextVars, v)
		assert.Contains(t, page, "`"+v+"`", "%s must say which context holds %s, which .circleci/config.yml reads", pagePath, v)
	}
	assert.NotEmpty(t, contextVars, "the pipeline reads its backend from a context")
}
