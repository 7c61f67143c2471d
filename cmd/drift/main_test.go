package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sgURN = "urn:pulumi:prod::refarch::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::db-client"

// outputs is an outputs event of a refresh step, as the CLI's event log
// writes it.
func outputs(op, urn, typ string, custom bool, old, cur map[string]any, diff ...string) apitype.EngineEvent {
	d := map[string]apitype.PropertyDiff{}
	for _, k := range diff {
		d[k] = apitype.PropertyDiff{Kind: apitype.DiffUpdate}
	}
	return apitype.EngineEvent{ResOutputsEvent: &apitype.ResOutputsEvent{Metadata: apitype.StepEventMetadata{
		Op: apitype.OpType(op), URN: urn, Type: typ, DetailedDiff: d,
		Old: &apitype.StepEventStateMetadata{Type: typ, URN: urn, Custom: custom, ID: "id-1", Outputs: old, Inputs: old},
		New: &apitype.StepEventStateMetadata{Type: typ, URN: urn, Custom: custom, ID: "id-1", Outputs: cur, Inputs: cur},
	}}}
}

var summary = apitype.EngineEvent{SummaryEvent: &apitype.SummaryEvent{}}

func eventLog(t *testing.T, events ...apitype.EngineEvent) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, e := range events {
		require.NoError(t, enc.Encode(e))
	}
	return b.String()
}

func runDrift(t *testing.T, log string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"-stack", "prod"}, args...), strings.NewReader(log), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestNoDriftIsSilentAndExitsZero(t *testing.T) {
	same := map[string]any{"cidrIpv4": "10.0.0.0/16"}
	out, _, code := runDrift(t, eventLog(t,
		outputs("same", sgURN, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", true, same, same),
		outputs("refresh", "urn:pulumi:prod::refarch::refarch:network:Network::prod", "refarch:network:Network", false, nil, nil),
		outputs("update", "urn:pulumi:prod::refarch::pulumi:providers:aws::aws-prod", "pulumi:providers:aws", true,
			map[string]any{"assumeRole": "deploy"}, map[string]any{"assumeRole": "preview"}, "assumeRole"),
		summary))
	assert.Equal(t, 0, code)
	assert.Equal(t, "# Drift in prod\n\nNo drift: all 1 resources match the last deployment.\n", out,
		"components and providers are not resources in AWS: a provider's preview role is no drift")
}

func TestDriftNamesEachResourceAndAttributeWithBothValues(t *testing.T) {
	out, _, code := runDrift(t, eventLog(t,
		outputs("update", sgURN, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", true,
			map[string]any{"referencedSecurityGroupId": "sg-1", "fromPort": 5432.0},
			map[string]any{"cidrIpv4": "0.0.0.0/0", "fromPort": 5432.0}, "cidrIpv4", "referencedSecurityGroupId"),
		outputs("update", "urn:pulumi:prod::refarch::aws:ecs/cluster:Cluster::prod", "aws:ecs/cluster:Cluster", true,
			map[string]any{"tags": map[string]any{"refarch:stack": "prod", "Owner": "platform"}},
			map[string]any{"tags": map[string]any{"refarch:stack": "dev", "Owner": "platform"}}, "tags"),
		outputs("update", "urn:pulumi:prod::refarch::aws:ssm/parameter:Parameter::origin", "aws:ssm/parameter:Parameter", true,
			map[string]any{"value": "[secret]", "name": "/x"}, map[string]any{"value": "[secret]", "name": "/x"}, "value"),
		outputs("update", "urn:pulumi:prod::refarch::aws:rds/instance:Instance::db", "aws:rds/instance:Instance", true,
			map[string]any{"password": "hunter2"}, map[string]any{"password": "hunter3"}, "password"),
		outputs("delete", "urn:pulumi:prod::refarch::aws:s3/bucketV2:BucketV2::logs", "aws:s3/bucketV2:BucketV2", true,
			map[string]any{"bucket": "logs"}, nil),
		summary))
	assert.Equal(t, 3, code)
	for _, want := range []string{
		"5 of 5 resources differ from the last deployment",
		"pulumi up --refresh --stack prod",
		"## aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule `db-client` (id-1)",
		"| `cidrIpv4` | (none) | `0.0.0.0/0` |",
		"| `referencedSecurityGroupId` | `sg-1` | (none) |",
		"| `tags[\"refarch:stack\"]` | `prod` | `dev` |",
		"| `value` | `[secret]` | `[secret] (changed)` |",
		"| `password` | `[secret]` | `[secret] (changed)` |",
		"## aws:s3/bucketV2:BucketV2 `logs` (id-1)\n\nDeleted outside Pulumi",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "fromPort", "an attribute that did not change")
	assert.NotContains(t, out, "Owner")
	assert.NotContains(t, out, "hunter", "a secret-named attribute is masked even when the state does not mark it")
}

func TestBadInputIsRefused(t *testing.T) {
	for _, tc := range []struct{ name, log, want string }{
		{"not events", "{\"steps\": []}\nnot json\n", "line 2 is not an engine event"},
		{"unfinished", eventLog(t, outputs("same", sgURN, "t", true, nil, nil)), "no summary event"},
		{"failed", eventLog(t, apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "error", Message: "AccessDenied: sts:AssumeRole"}}, summary), "the refresh failed: AccessDenied"},
	} {
		out, errOut, code := runDrift(t, tc.log)
		assert.Equal(t, 2, code, tc.name)
		assert.Empty(t, out, tc.name)
		assert.Contains(t, errOut, tc.want, tc.name)
	}
	var errOut bytes.Buffer
	assert.Equal(t, 2, run(nil, strings.NewReader(""), &bytes.Buffer{}, &errOut), "-stack is required")
	assert.Contains(t, errOut.String(), "usage: drift -stack NAME")
}
