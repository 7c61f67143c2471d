package cost_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/cost"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// TestRealStacks prices the records of the real program for every stack,
// with the embedded table: every resource is priced or known to be free,
// every line's amount is its quantity times its unit price, and prod costs
// more than dev.
// sampleDir holds a copy of the repository's Pulumi.yaml and stack files as
// committed (tests/sample_test.go keeps it current).
const sampleDir = "../../tests/testdata/sample"

func TestRealStacks(t *testing.T) {
	totals := map[string]float64{}
	for _, name := range stack.Names() {
		t.Run(name, func(t *testing.T) {
			// The committed sample (its region is the price table's): the
			// project's own files may hold any valid values.
			plan, err := offline.RunStack(stacks.Run, name, offline.Options{Dir: sampleDir, StackOutputs: stackrefs.New(sampleDir)})
			require.NoError(t, err)
			e, err := cost.EstimatePlan(plan)
			require.NoError(t, err)

			for _, n := range e.NotPriced {
				t.Errorf("not priced: %s %s: %s", n.Type, n.Resource, n.Reason)
			}
			assert.Equal(t, "us-west-2", e.Region)
			require.NotEmpty(t, e.Lines)

			sum := 0.0
			for _, l := range e.Lines {
				assert.InDelta(t, l.Quantity*l.UnitPrice, l.Monthly, 1e-9, "%s %s", l.Resource, l.Item)
				assert.GreaterOrEqual(t, l.Quantity, 0.0, l.Item)
				assert.GreaterOrEqual(t, l.UnitPrice, 0.0, l.Item)
				assert.NotEmpty(t, l.Unit, l.Item)
				assert.NotEmpty(t, l.Source, l.Item)
				assert.NotEmpty(t, l.Component, l.Item)
				for _, n := range l.AssumptionRefs {
					assert.True(t, n >= 1 && n <= len(e.Assumptions), "%s cites A%d", l.Item, n)
				}
				sum += l.Monthly
			}
			assert.InDelta(t, sum, e.Total, 1e-6)

			components := 0.0
			for _, c := range e.ByComponent() {
				components += c.Monthly
			}
			assert.InDelta(t, e.Total, components, 1e-6)

			var out bytes.Buffer
			require.NoError(t, e.Write(&out))
			for _, a := range e.Assumptions {
				assert.Contains(t, out.String(), a)
			}
			t.Logf("%s: %.2f %s a month, %d lines, %d assumptions", name, e.Total, e.Currency, len(e.Lines), len(e.Assumptions))
			totals[name] = e.Total
		})
	}
	if _, ok := totals["prod"]; ok {
		assert.Greater(t, totals["prod"], totals["dev"], "prod costs more than dev")
		assert.Greater(t, totals["prod"], totals["stage"], "prod costs more than stage")
	}
}
