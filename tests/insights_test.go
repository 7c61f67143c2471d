package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/cost"
	"github.com/refarch/refarch/insights/diagram"
	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// diagramCommand rewrites the README's embedded prod diagram, drawn from
// the committed sample (samplePlan).
const diagramCommand = "go run ./cmd/plan -stack prod -diagram -dir tests/testdata/sample -embed README.md"

// samplePlan plans a stack of the committed sample.
func samplePlan(t testing.TB, stackName string) *offline.Plan {
	t.Helper()
	dir, err := filepath.Abs(sampleDir)
	require.NoError(t, err)
	p, err := offline.RunStack(stacks.Run, stackName, offline.Options{Dir: dir, StackOutputs: stackrefs.New(dir)})
	require.NoError(t, err, "sample stack %s", stackName)
	return p
}

func readme(t *testing.T) []byte {
	t.Helper()
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	return b
}

// TestReadmeDiagramIsCurrent fails when the prod diagram the README embeds
// is not the one the records draw today.
func TestReadmeDiagramIsCurrent(t *testing.T) {
	fresh, err := diagram.Mermaid(samplePlan(t, "prod").Masked())
	require.NoError(t, err)
	committed, err := diagram.Extract(readme(t), "prod")
	require.NoError(t, err, "README.md must embed the prod diagram: run %s", diagramCommand)
	require.Equal(t, fresh, committed, "the prod diagram in README.md is stale: run %s", diagramCommand)
}

// TestInsightsCostsAreTheEstimates keeps the table of monthly estimates of
// docs/insights.md equal to the totals `cmd/plan -cost` prints for each
// stack of the committed sample (its first line: "Monthly cost estimate of
// stack prod (us-west-2): $1,909.66 USD").
func TestInsightsCostsAreTheEstimates(t *testing.T) {
	const rel = "docs/insights.md"
	row := regexp.MustCompile(`(?m)^\| estimate per month \|(.*)\|$`).FindStringSubmatch(docPage(t, rel))
	require.NotNil(t, row, "the cost table of %s", rel)
	cells := strings.Split(strings.TrimSpace(row[1]), "|")
	require.Len(t, cells, len(stack.Names()))
	headline := regexp.MustCompile(`^Monthly cost estimate of stack \S+ \([^)]*\): (\$[0-9,]+\.[0-9]{2}) USD\n`)
	for i, name := range stack.Names() {
		e, err := cost.EstimatePlan(samplePlan(t, name).Masked())
		require.NoError(t, err)
		assert.Empty(t, e.NotPriced, "%s has resources the table does not price", name)
		var report strings.Builder
		require.NoError(t, e.Write(&report))
		total := headline.FindStringSubmatch(report.String())
		require.NotNil(t, total, "the report of %s starts with its total", name)
		assert.Equal(t, total[1], strings.TrimSpace(cells[i]), "%s's estimate of %s: update the table (go run ./cmd/plan -stack %s -cost -dir tests/testdata/sample)", rel, name, name)
	}
}

// TestPolicyCountsAreTheRules keeps the rule and control counts of the
// README and docs/insights.md true, and the README's table of AWS rules
// per dimension.
func TestPolicyCountsAreTheRules(t *testing.T) {
	catalog := policies.AWSCatalog()
	counts := fmt.Sprintf("**%d rules covering %d distinct CIS and FSBP controls**", len(policies.Rules())-len(catalog), len(policies.BenchmarkControls(policies.Rules())))
	aws := fmt.Sprintf("**%d of AWS's documented rules**", len(catalog))
	for _, rel := range []string{"README.md", "docs/insights.md"} {
		// Line breaks and a list item's indentation are one space.
		prose := strings.Join(strings.Fields(docPage(t, rel)), " ")
		assert.Contains(t, prose, counts, rel)
		assert.Contains(t, prose, aws, rel)
	}
	assert.Contains(t, strings.Join(strings.Fields(docPage(t, "docs/performance.md")), " "),
		fmt.Sprintf("all %d rules: %d security and reliability rules and %d of AWS's", len(policies.Rules()), len(policies.Rules())-len(catalog), len(catalog)),
		"docs/performance.md's count of the rules it timed")
	// The catalog per dimension, between its markers.
	assert.Contains(t, string(readme(t)), "<!-- catalog:dimensions -->\n"+policies.DimensionTable(policies.Rules())+"<!-- /catalog:dimensions -->",
		"README's table of AWS rules per dimension")
}
