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
	"github.com/refarch/refarch/stacks/stack"
)

// diagramCommand rewrites the README's embedded prod diagram.
const diagramCommand = "go run ./cmd/plan -stack prod -diagram -embed README.md"

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
	fresh, err := diagram.Mermaid(plan(t, "prod").Masked())
	require.NoError(t, err)
	committed, err := diagram.Extract(readme(t), "prod")
	require.NoError(t, err, "README.md must embed the prod diagram: run %s", diagramCommand)
	require.Equal(t, fresh, committed, "the prod diagram in README.md is stale: run %s", diagramCommand)
}

// TestReadmeCostsAreTheEstimates keeps the README's table of monthly
// estimates equal to the totals `cmd/plan -cost` prints for each stack (its
// first line: "Monthly cost estimate of stack prod (us-west-2): $1,909.66 USD").
func TestReadmeCostsAreTheEstimates(t *testing.T) {
	row := regexp.MustCompile(`(?m)^\| estimate per month \|(.*)\|$`).FindSubmatch(readme(t))
	require.NotNil(t, row, "the README's cost table")
	cells := strings.Split(strings.TrimSpace(string(row[1])), "|")
	require.Len(t, cells, len(stack.Names()))
	headline := regexp.MustCompile(`^Monthly cost estimate of stack \S+ \([^)]*\): (\$[0-9,]+\.[0-9]{2}) USD\n`)
	for i, name := range stack.Names() {
		e, err := cost.EstimatePlan(plan(t, name).Masked())
		require.NoError(t, err)
		assert.Empty(t, e.NotPriced, "%s has resources the table does not price", name)
		var report strings.Builder
		require.NoError(t, e.Write(&report))
		total := headline.FindStringSubmatch(report.String())
		require.NotNil(t, total, "the report of %s starts with its total", name)
		assert.Equal(t, total[1], strings.TrimSpace(cells[i]), "README's estimate of %s: update the table (go run ./cmd/plan -stack %s -cost)", name, name)
	}
}

// TestReadmePolicyCountsAreTheRules keeps the README's rule and control
// counts true.
func TestReadmePolicyCountsAreTheRules(t *testing.T) {
	catalog := policies.AWSCatalog()
	want := fmt.Sprintf("**%d rules covering %d distinct CIS and FSBP\ncontrols**", len(policies.Rules())-len(catalog), len(policies.BenchmarkControls(policies.Rules())))
	assert.Contains(t, string(readme(t)), want)
	assert.Contains(t, string(readme(t)), fmt.Sprintf("**%d of AWS's documented rules**", len(catalog)))
	// The catalog per dimension, between its markers.
	assert.Contains(t, string(readme(t)), "<!-- catalog:dimensions -->\n"+policies.DimensionTable(policies.Rules())+"<!-- /catalog:dimensions -->",
		"README's table of AWS rules per dimension")
}
