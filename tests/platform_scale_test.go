package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
)

// generatedServices is a prod refarch:services of n services: odd ones
// public under the origin name at /<name>/*, even ones internal at their
// default /<name>/*.
func generatedServices(t testing.TB, n int) string {
	t.Helper()
	image, domain := imageOf(t, "prod", "backend"), domainOf(t)
	services := make([]map[string]any, n)
	for i := range services {
		name := fmt.Sprintf("svc-%02d", i)
		s := map[string]any{"name": name, "image": image, "minCount": 2, "maxCount": 4}
		if i%2 == 1 {
			s["public"] = true
			s["hosts"] = []string{"origin.prod." + domain}
			s["paths"] = []string{"/" + name + "/*"}
		}
		services[i] = s
	}
	out, err := json.Marshal(services)
	require.NoError(t, err)
	return string(out)
}

// scalePlan plans prod with n generated services.
func scalePlan(t testing.TB, n int) *offline.Plan {
	t.Helper()
	p, err := planWith(t, "prod", map[string]string{"refarch:services": generatedServices(t, n)})
	require.NoError(t, err, "%d services", n)
	return p
}

func TestFiftyServicesPlanWithUniquePrioritiesAndValidNames(t *testing.T) {
	p5, p6, p49, p50 := scalePlan(t, 5), scalePlan(t, 6), scalePlan(t, 49), scalePlan(t, 50)
	assert.Len(t, p50.ByType(fargateType), 50)

	prio := priorities(t, p50, "prod") // unique per listener, within 1-50000
	require.Len(t, prio, 51, "fifty services and the hello-http route")
	for name, p := range priorities(t, p49, "prod") {
		assert.Equal(t, p, prio[name], "%s keeps its priority when the 50th service arrives", name)
	}

	limits := map[string]int{albType: 32, "aws:lb/targetGroup:TargetGroup": 32, "aws:iam/role:Role": 64}
	for typ, limit := range limits {
		for _, r := range p50.ByType(typ) {
			name, _ := r.Output("name").(string)
			assert.LessOrEqual(t, len(name), limit, "%s %q: AWS allows %d characters", typ, name, limit)
		}
	}

	// Registration is linear: every service adds the same resources.
	perService := len(p6.Resources) - len(p5.Resources)
	assert.Positive(t, perService)
	assert.Equal(t, len(p5.Resources)+45*perService, len(p50.Resources))
}

// BenchmarkPlatformScale plans prod with 5 and with 50 services (the
// docs/performance.md compares them): go test ./tests -bench PlatformScale.
func BenchmarkPlatformScale(b *testing.B) {
	for _, n := range []int{5, 50} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			opts := options(b, map[string]string{"refarch:services": generatedServices(b, n)})
			for b.Loop() {
				if _, err := offline.RunStack(stacks.Run, "prod", opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
