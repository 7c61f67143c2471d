package offline

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// computeCloud is the stand-in cloud of prod's provider (555555555555,
// us-west-2), remembering in w.
func computeCloud(w *World, account string) *Cloud {
	return NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{account}}).Remember(w)
}

// computeCreate creates a resource of typ named name in prod.
func computeCreate(c *Cloud, typ, name string, inputs map[string]any) error {
	_, _, err := c.Create(resource.URN("urn:pulumi:prod::refarch::"+typ+"::"+name), resource.NewPropertyMapFromMap(inputs))
	return err
}

// requireComputeRefusal requires err to be the stand-in's refusal of rule
// with AWS's code.
func requireComputeRefusal(t *testing.T, err error, rule, code string) {
	t.Helper()
	var refusal *Refusal
	require.True(t, errors.As(err, &refusal), "want AWS's refusal, got %v", err)
	assert.Equal(t, rule, refusal.Rule)
	assert.Equal(t, code, refusal.Code)
	assert.Contains(t, err.Error(), code)
}

// computeService is an ECS service of cluster prod-1 whose strategy names
// the capacity providers given.
func computeService(providers ...string) map[string]any {
	var strategy []any
	for _, p := range providers {
		strategy = append(strategy, map[string]any{"capacityProvider": p, "weight": 1})
	}
	return map[string]any{"cluster": "arn:aws:ecs:us-west-2:555555555555:cluster/prod-1", "capacityProviderStrategies": strategy}
}

func TestECSRefusesAStrategyBeforeTheClusterHasItsCapacityProviders(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	prod := computeCloud(w, "555555555555")
	const rule, code = "ecs-service-after-capacity-providers", "InvalidParameterException"

	requireComputeRefusal(t, computeCreate(prod, "aws:ecs/service:Service", "web", computeService("FARGATE")), rule, code)
	require.NoError(t, computeCreate(prod, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "prod",
		map[string]any{"clusterName": "prod-1", "capacityProviders": []any{"FARGATE"}}))
	requireComputeRefusal(t, computeCreate(prod, "aws:ecs/service:Service", "web", computeService("FARGATE", "FARGATE_SPOT")), rule, code)
	require.NoError(t, computeCreate(prod, "aws:ecs/service:Service", "web", computeService("FARGATE")), "FARGATE is associated with prod-1")

	other := computeService("FARGATE")
	other["cluster"] = "arn:aws:ecs:us-west-2:555555555555:cluster/prod-2"
	requireComputeRefusal(t, computeCreate(prod, "aws:ecs/service:Service", "api", other), rule, code)
	require.NoError(t, computeCreate(prod, "aws:ecs/service:Service", "job", map[string]any{"cluster": "prod-2", "launchType": "FARGATE"}),
		"a service without a strategy needs no capacity provider")
	requireComputeRefusal(t, computeCreate(computeCloud(w, "444444444444"), "aws:ecs/service:Service", "web", computeService("FARGATE")), rule, code)
}

func TestServicesWaitForGuardDutyRuntimeMonitoring(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	prod := computeCloud(w, "555555555555")
	service := map[string]any{"cluster": "prod-1"}

	require.NoError(t, computeCreate(prod, "aws:ecs/service:Service", "before", service), "an account without GuardDuty is not judged")
	require.NoError(t, computeCreate(prod, "aws:guardduty/detector:Detector", "detector", map[string]any{"enable": true}))
	require.NoError(t, computeCreate(prod, "aws:guardduty/detectorFeature:DetectorFeature", "s3",
		map[string]any{"detectorId": "d", "name": "S3_DATA_EVENTS", "status": "ENABLED"}))
	requireComputeRefusal(t, computeCreate(prod, "aws:ecs/service:Service", "web", service), "gd-fargate-service-after-runtime-monitoring", SilentFailure)
	require.NoError(t, computeCreate(prod, "aws:guardduty/detectorFeature:DetectorFeature", "runtime", map[string]any{"detectorId": "d", "name": "RUNTIME_MONITORING",
		"status": "ENABLED", "additionalConfigurations": []any{map[string]any{"name": "ECS_FARGATE_AGENT_MANAGEMENT", "status": "ENABLED"}}}))
	require.NoError(t, computeCreate(prod, "aws:ecs/service:Service", "web", service))

	stage := computeCloud(w, "444444444444")
	require.NoError(t, computeCreate(stage, "aws:guardduty/detector:Detector", "detector", map[string]any{"enable": true}))
	requireComputeRefusal(t, computeCreate(stage, "aws:ecs/service:Service", "web", service), "gd-fargate-service-after-runtime-monitoring", SilentFailure)
}

func TestScalingPoliciesNeedTheirScalableTarget(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	prod := computeCloud(w, "555555555555")
	target := map[string]any{"resourceId": "service/prod-1/web-1", "scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs"}
	policy := map[string]any{"resourceId": "service/prod-1/web-1", "scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs",
		"policyType": "TargetTrackingScaling"}

	requireComputeRefusal(t, computeCreate(prod, "aws:appautoscaling/policy:Policy", "web-cpu", policy), "appautoscaling-policy-after-target", "ObjectNotFoundException")
	other := map[string]any{"resourceId": "service/prod-1/api-1", "scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs", "minCapacity": 1, "maxCapacity": 2}
	require.NoError(t, computeCreate(prod, "aws:appautoscaling/target:Target", "api", other))
	requireComputeRefusal(t, computeCreate(prod, "aws:appautoscaling/policy:Policy", "web-cpu", policy), "appautoscaling-policy-after-target", "ObjectNotFoundException")
	target["minCapacity"], target["maxCapacity"] = 1, 4
	require.NoError(t, computeCreate(prod, "aws:appautoscaling/target:Target", "web", target))
	require.NoError(t, computeCreate(prod, "aws:appautoscaling/policy:Policy", "web-cpu", policy))
}
