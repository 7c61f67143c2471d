package ecscluster_test

import (
	"fmt"
	"hash/fnv"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/ecscluster"
)

func svc(name string) ecscluster.Service {
	return ecscluster.Service{ServiceSpec: ecscluster.ServiceSpec{Name: name, Paths: []string{"/" + name + "/*"}}, Listener: "internal"}
}

func generated(n int) []ecscluster.Service {
	out := make([]ecscluster.Service, n)
	for i := range out {
		out[i] = svc(fmt.Sprintf("svc%02d", i))
	}
	return out
}

func TestPrioritiesAreStableWhenServicesComeAndGo(t *testing.T) {
	before := ecscluster.RulePriorities([]ecscluster.Service{svc("backend"), svc("orders"), svc("billing")})
	after := ecscluster.RulePriorities([]ecscluster.Service{svc("search"), svc("backend"), svc("orders"), svc("billing"), svc("accounts")})
	for name, p := range before {
		assert.Equal(t, p, after[name], "%s keeps its priority when services are added", name)
	}
	removed := ecscluster.RulePriorities([]ecscluster.Service{svc("billing")})
	assert.Equal(t, before["billing"], removed["billing"], "and when services are removed")

	reordered := ecscluster.RulePriorities([]ecscluster.Service{svc("billing"), svc("orders"), svc("backend")})
	assert.Equal(t, before, reordered, "the order of the list does not matter")
}

func TestPrioritiesHoldForFiftyServices(t *testing.T) {
	services := generated(50)
	prio := ecscluster.RulePriorities(services)
	require.Len(t, prio, 50)
	seen := map[int]string{}
	for name, p := range prio {
		assert.GreaterOrEqual(t, p, 1)
		assert.LessOrEqual(t, p, 16000, "%s: path rules rank in the first band", name)
		if other, dup := seen[p]; dup {
			t.Errorf("%s and %s share priority %d", name, other, p)
		}
		seen[p] = name
	}
	grown := ecscluster.RulePriorities(append(generated(50), svc("newcomer")))
	for name, p := range prio {
		assert.Equal(t, p, grown[name], "%s keeps its priority when a 51st service arrives", name)
	}
}

// slotOf mirrors the documented hash: FNV-1a of the name, modulo the band.
func slotOf(name string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return h.Sum32() % 16000
}

func TestPriorityCollisionsResolveDeterministically(t *testing.T) {
	// Find two names whose hash lands on the same slot.
	first := map[uint32]string{}
	var a, b string
	for i := 0; b == ""; i++ {
		name := fmt.Sprintf("s%d", i)
		if other, ok := first[slotOf(name)]; ok {
			a, b = other, name
		}
		first[slotOf(name)] = name
	}
	one := ecscluster.RulePriorities([]ecscluster.Service{svc(a), svc(b)})
	two := ecscluster.RulePriorities([]ecscluster.Service{svc(b), svc(a)})
	assert.Equal(t, one, two, "a collision resolves the same way whatever the order")
	assert.NotEqual(t, one[a], one[b])
	lo, hi := min(a, b), max(a, b)
	assert.Equal(t, int(slotOf(a))+1, one[lo], "the lower name keeps the slot")
	assert.Equal(t, one[lo]+1, one[hi], "the other takes the next free priority")
}

func TestCatchAllsRankAfterPaths(t *testing.T) {
	web := ecscluster.Service{ServiceSpec: ecscluster.ServiceSpec{Name: "web", Paths: []string{"/*"}}, Listener: "public"}
	site := ecscluster.Service{ServiceSpec: ecscluster.ServiceSpec{Name: "site", Hosts: []string{"www.example.com"}, Paths: []string{"/*"}}, Listener: "public"}
	api := ecscluster.Service{ServiceSpec: ecscluster.ServiceSpec{Name: "api", Paths: []string{"/api/*"}}, Listener: "public"}
	prio := ecscluster.RulePriorities([]ecscluster.Service{web, site, api})
	assert.Less(t, prio["api"], prio["site"], "a path rule wins over a host catch-all")
	assert.Less(t, prio["site"], prio["web"], "a host catch-all wins over the global catch-all")
	assert.LessOrEqual(t, prio["web"], 50000, "ALB priorities end at 50000")
}

func TestFargateSizes(t *testing.T) {
	valid := [][2]int{{256, 512}, {256, 2048}, {512, 4096}, {1024, 8192}, {2048, 16384}, {4096, 30720}, {8192, 61440}, {16384, 122880}}
	for _, v := range valid {
		assert.Empty(t, ecscluster.CheckFargateSize(v[0], v[1]), "%v", v)
	}
	invalid := [][2]int{{256, 1536}, {256, 4096}, {512, 512}, {1024, 9216}, {2048, 3072}, {4096, 31744}, {8192, 18432}, {16384, 36864}, {3000, 4096}}
	for _, v := range invalid {
		assert.NotEmpty(t, ecscluster.CheckFargateSize(v[0], v[1]), "%v", v)
	}
	assert.Equal(t, []int{512, 1024, 2048}, ecscluster.FargateMemory(256))
	assert.True(t, slices.Contains(ecscluster.FargateMemory(4096), 30720))
	assert.Nil(t, ecscluster.FargateMemory(100))
}

func TestSecretResource(t *testing.T) {
	cases := map[string]struct{ resource, kind string }{
		"arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf":                  {"arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf", "secretsmanager"},
		"arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!db-1-AbCdEf:password::": {"arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!db-1-AbCdEf", "secretsmanager"},
		"arn:aws:secretsmanager:us-west-2:123456789012:secret:app/db-AbCdEf:password::":   {"arn:aws:secretsmanager:us-west-2:123456789012:secret:app/db-AbCdEf", "secretsmanager"},
		"arn:aws:ssm:us-west-2:123456789012:parameter/app/token":                          {"arn:aws:ssm:us-west-2:123456789012:parameter/app/token", "ssm"},
		"hunter2":    {"", ""},
		"/app/token": {"", ""},
	}
	for in, want := range cases {
		resource, kind, err := ecscluster.SecretResource(in)
		if want.kind == "" {
			assert.Error(t, err, in)
			continue
		}
		require.NoError(t, err, in)
		assert.Equal(t, want.resource, resource, in)
		assert.Equal(t, want.kind, kind, in)
	}
}
