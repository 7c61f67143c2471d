package crossguard

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
)

// manager records the violations a policy reports.
type manager struct{ messages, urns []string }

func (m *manager) ReportViolation(message, urn string) {
	m.messages = append(m.messages, message)
	m.urns = append(m.urns, urn)
}

const provider = "urn:pulumi:stage::refarch::pulumi:providers:aws::aws-stage"

func service(name string, exec property.Value) policyx.AnalyzerResource {
	return policyx.AnalyzerResource{
		Type: "aws:ecs/service:Service", Name: name, URN: "urn:pulumi:stage::refarch::aws:ecs/service:Service::" + name,
		Properties: property.NewMap(map[string]property.Value{
			"enableExecuteCommand": exec,
			"cluster":              property.New(property.Computed),
			"networkConfiguration": property.New(property.NewMap(map[string]property.Value{
				"assignPublicIp": property.New(false),
				"subnets":        property.New([]property.Value{property.New("subnet-1")}),
			})),
			"desiredCount": property.New(3.0).WithSecret(true),
		}),
		Options:  pulumi.ResourceOptions{Protect: true},
		Provider: policyx.AnalyzerProviderResource{URN: provider, Type: "pulumi:providers:aws", Name: "aws-stage"},
	}
}

func TestRecordHoldsWhatTheRulesRead(t *testing.T) {
	r := Record(service("svc", property.New(true)))
	assert.Equal(t, "aws:ecs/service:Service", r.Type)
	assert.True(t, r.Custom, "a resource with a provider is a cloud resource")
	assert.True(t, r.Protect)
	assert.Equal(t, provider, r.Provider)
	assert.Equal(t, true, r.Get("enableExecuteCommand"))
	assert.Equal(t, offline.Unknown{}, r.Get("cluster"), "an unknown stays unknown, never a value")
	assert.Equal(t, false, r.Get("networkConfiguration.assignPublicIp"))
	assert.Equal(t, "subnet-1", r.Get("networkConfiguration.subnets[0]"))
	assert.InDelta(t, 3.0, r.Get("desiredCount"), 0, "a secret's value is judged like any other")

	comp := Record(policyx.AnalyzerResource{Type: "refarch:network:Network", Name: "net", URN: "urn:pulumi:stage::refarch::refarch:network:Network::net"})
	assert.False(t, comp.Custom, "a component has no provider")
	assert.Equal(t, "stage", Stack([]policyx.AnalyzerResource{service("svc", property.New(true))}).Name, "the stack's name comes from the URNs")
}

// TestAPolicyReportsTheRuleViolationsOnTheResources runs one policy of the
// pack as the CLI would: stage's services with ECS Exec on are violations,
// named by URN; an unknown value is not judged.
func TestAPolicyReportsTheRuleViolationsOnTheResources(t *testing.T) {
	pack, err := Pack(nil)
	require.NoError(t, err)
	var exec policyx.StackValidationPolicy
	for _, p := range pack.Policies() {
		if p.Name() == "ecs-exec-disabled" {
			exec, _ = p.(policyx.StackValidationPolicy)
		}
	}
	require.NotNil(t, exec, "the pack has the rule as a stack policy")
	assert.Equal(t, policyx.EnforcementLevelMandatory, exec.EnforcementLevel())

	m := &manager{}
	require.NoError(t, exec.Validate(context.Background(), policyx.StackValidationArgs{Manager: m, Resources: []policyx.AnalyzerResource{
		service("on", property.New(true)), service("off", property.New(false)), service("unknown", property.New(property.Computed)),
	}}))
	assert.Equal(t, []string{"urn:pulumi:stage::refarch::aws:ecs/service:Service::on"}, m.urns)
	require.Len(t, m.messages, 1)
	assert.Contains(t, m.messages[0], "ECS Exec is enabled")
}

func TestThePackHoldsEveryRuleAPackCanJudge(t *testing.T) {
	pack, err := Pack(nil)
	require.NoError(t, err)
	assert.Equal(t, Name, pack.Name())
	names := map[string]bool{}
	for _, p := range pack.Policies() {
		names[p.Name()] = true
	}
	offlineOnly := 0
	for _, r := range policies.Rules() {
		if r.OfflineOnly != "" {
			offlineOnly++
			assert.False(t, names[r.ID], "%s judges what the analyzer is not told: %s", r.ID, r.OfflineOnly)
			continue
		}
		assert.True(t, names[r.ID], "the pack runs %s", r.ID)
	}
	assert.Equal(t, 1, offlineOnly, "only the protection rule needs retainOnDelete, which the analyzer does not get")
	assert.Len(t, pack.Policies(), len(policies.Rules())-1)
}

// TestPolicyPackFileNamesThisPack: the folder the CLI is given says it is a
// Go pack of this version.
func TestPolicyPackFileNamesThisPack(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "pack", "PulumiPolicy.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "\nruntime: go\n")
	assert.Contains(t, string(b), "\nversion: "+Version+"\n")
}
