package tests

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// The resource types of cross-account observability.
const (
	typeOAMSink       = "aws:oam/sink:Sink"
	typeOAMSinkPolicy = "aws:oam/sinkPolicy:SinkPolicy"
	typeOAMLink       = "aws:oam/link:Link"
)

// sharedTelemetry is what one place to look needs: metrics, log groups
// and traces (the key's default, written here, not read from the code).
var sharedTelemetry = []any{"AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"}

// sinkPolicyOf parses the sink policy of a plan's one sink.
func sinkPolicyOf(t *testing.T, p *offline.Plan) map[string]any {
	t.Helper()
	policies := p.ByType(typeOAMSinkPolicy)
	require.Len(t, policies, 1, "one sink policy")
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(policies[0].String("policy")), &doc))
	return doc
}

// TestMonitoringAccountHoldsTheOneSink: shared-services holds the sink,
// whose policy lets exactly the application accounts of the directory
// link, sharing only metrics, log groups and traces; no other stack holds
// a sink.
func TestMonitoringAccountHoldsTheOneSink(t *testing.T) {
	ids := accountOf(t)
	for _, name := range stack.Names() {
		t.Run(name, func(t *testing.T) {
			p := plan(t, name)
			if name != "shared-services" {
				assert.Empty(t, p.ByType(typeOAMSink), "only the monitoring account holds a sink")
				return
			}
			sinks := p.ByType(typeOAMSink)
			require.Len(t, sinks, 1, "an account has one sink per region")
			assert.Equal(t, ids["shared-services"], p.ProviderOf(sinks[0]).Strings("allowedAccountIds")[0], "the sink is in the monitoring account")
			policy := p.ByType(typeOAMSinkPolicy)[0]
			assert.Equal(t, sinks[0].Output("arn"), policy.Get("sinkIdentifier"), "the policy is the sink's")

			doc := sinkPolicyOf(t, p)
			stmts := doc["Statement"].([]any)
			require.Len(t, stmts, 1)
			st := stmts[0].(map[string]any)
			assert.Equal(t, "Allow", st["Effect"])
			var apps []any
			for _, env := range stack.NamesOf(stack.RoleApp) {
				apps = append(apps, ids[env])
			}
			assert.ElementsMatch(t, apps, st["Principal"].(map[string]any)["AWS"], "exactly the application accounts link")
			for _, other := range []string{"management", "security", "shared-services"} {
				assert.NotContains(t, st["Principal"].(map[string]any)["AWS"], ids[other], other)
			}
			assert.ElementsMatch(t, []any{"oam:CreateLink", "oam:UpdateLink"}, st["Action"])
			cond := st["Condition"].(map[string]any)["ForAllValues:StringEquals"].(map[string]any)
			assert.ElementsMatch(t, sharedTelemetry, cond["oam:ResourceTypes"], "only the shared types; any other type fails ForAllValues")
		})
	}
}

// TestEveryApplicationAccountLinksToTheSink: each application stack
// creates one link, in its own account, to the ARN of shared-services'
// sink, sharing what the sink allows, labelled by the account's name.
func TestEveryApplicationAccountLinksToTheSink(t *testing.T) {
	ids := accountOf(t)
	monitoring := plan(t, "shared-services")
	sinkARN := monitoring.ByType(typeOAMSink)[0].Output("arn")
	require.NotEmpty(t, sinkARN)
	require.True(t, strings.HasPrefix(fmt.Sprint(sinkARN), "arn:aws:oam:"), "%v", sinkARN)
	for _, name := range stack.Names() {
		t.Run(name, func(t *testing.T) {
			p := plan(t, name)
			links := p.ByType(typeOAMLink)
			if role, _ := stack.RoleOf(name); role != stack.RoleApp {
				assert.Empty(t, links, "%s deploys before the sink and does not link", name)
				return
			}
			require.Len(t, links, 1)
			link := links[0]
			assert.Equal(t, ids[name], p.ProviderOf(link).Strings("allowedAccountIds")[0], "the link is the source account's")
			assert.Equal(t, sinkARN, link.Get("sinkIdentifier"), "the sink shared-services created")
			assert.ElementsMatch(t, sharedTelemetry, link.List("resourceTypes"))
			assert.Equal(t, "$AccountName", link.String("labelTemplate"))
		})
	}
}

// TestOverviewWatchesEveryEnvironmentFromTheMonitoringAccount: the
// dashboard in shared-services has, per application environment, the
// load balancers' 5xx and latency, the services' CPU and memory and the
// database's CPU, connections and free storage, every query scoped to
// that environment's account; the cross-account alarms cover each
// environment and notify shared-services' alert topic.
func TestOverviewWatchesEveryEnvironmentFromTheMonitoringAccount(t *testing.T) {
	ids := accountOf(t)
	p := plan(t, "shared-services")
	dash := p.Find("aws:cloudwatch/dashboard:Dashboard", "refarch-environments")
	require.NotNil(t, dash)
	var body struct {
		Widgets []struct {
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
		} `json:"widgets"`
	}
	require.NoError(t, json.Unmarshal([]byte(dash.String("dashboardBody")), &body))
	queries := map[string][]string{}
	for _, w := range body.Widgets {
		if w.Type != "metric" {
			continue
		}
		for _, m := range w.Properties["metrics"].([]any) {
			q := m.([]any)[0].(map[string]any)["expression"].(string)
			for env, id := range ids {
				if strings.Contains(q, "AWS.AccountId = '"+id+"'") {
					queries[env] = append(queries[env], q)
				}
			}
		}
	}
	for _, env := range stack.NamesOf(stack.RoleApp) {
		all := strings.Join(queries[env], "\n")
		for _, want := range []string{
			`SUM(HTTPCode_Target_5XX_Count) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer)`,
			`(TargetResponseTime) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer)`,
			`(CPUUtilization) FROM SCHEMA("AWS/ECS", ClusterName, ServiceName)`,
			`(MemoryUtilization) FROM SCHEMA("AWS/ECS", ClusterName, ServiceName)`,
			`(CPUUtilization) FROM SCHEMA("AWS/RDS", DBInstanceIdentifier)`,
			`(DatabaseConnections) FROM SCHEMA("AWS/RDS", DBInstanceIdentifier)`,
			`(FreeStorageSpace) FROM SCHEMA("AWS/RDS", DBInstanceIdentifier)`,
		} {
			assert.Contains(t, all, want, "%s's row", env)
		}
	}
	for _, other := range []string{"management", "security", "shared-services"} {
		assert.Empty(t, queries[other], "the overview is of the application environments, not %s", other)
	}

	mon := p.Require(t, "refarch:alerttopic:AlertTopic", "refarch-shared-services-alerts")
	var topic any
	for _, r := range p.Descendants(mon) {
		if r.Type == "aws:sns/topic:Topic" {
			topic = r.Output("arn")
		}
	}
	require.NotNil(t, topic)
	overview := p.Require(t, "refarch:observability:Overview", "refarch-environments")
	alarms := map[string]*offline.Resource{}
	for _, r := range p.Descendants(overview) {
		if r.Type == "aws:cloudwatch/metricAlarm:MetricAlarm" {
			alarms[r.String("name")] = r
		}
	}
	for _, env := range stack.NamesOf(stack.RoleApp) {
		for _, kind := range []string{"alb-5xx", "alb-latency", "ecs-cpu", "ecs-memory", "rds-cpu", "rds-free-storage"} {
			a, ok := alarms["refarch-environments-"+env+"-"+kind]
			if !assert.True(t, ok, "%s %s", env, kind) {
				continue
			}
			assert.Equal(t, []any{topic}, a.List("alarmActions"), "notifies the monitoring account's topic")
			assert.Equal(t, []any{topic}, a.List("okActions"))
			qs := a.List("metricQueries")
			require.Len(t, qs, 1)
			expr, _ := offline.Lookup(qs[0], "expression")
			assert.Contains(t, expr, "WHERE AWS.AccountId = '"+ids[env]+"'", "scoped to %s's account", env)
			period, _ := offline.Lookup(qs[0], "period")
			assert.NotNil(t, period, "a Metrics Insights alarm gives its query's period")
		}
	}
	assert.Len(t, alarms, 6*len(stack.NamesOf(stack.RoleApp)))
}

// TestObservabilityConfigurationIsRefusedBeforeAnyResource: a type OAM
// does not know, a label over 64 characters or with an unknown variable
// is refused naming the key, before anything is registered.
func TestObservabilityConfigurationIsRefusedBeforeAnyResource(t *testing.T) {
	cases := []struct {
		name, stack, key, value, rule string
	}{
		{"unknown type in the sink", "shared-services", "refarch:observabilityResourceTypes", `["AWS::CloudWatch::Metric","AWS::S3::Bucket"]`, "not a resource type CreateLink accepts"},
		{"unknown type in a link", "prod", "refarch:observabilityResourceTypes", `["AWS::Logs::Log"]`, "not a resource type CreateLink accepts"},
		{"a type twice", "dev", "refarch:observabilityResourceTypes", `["AWS::XRay::Trace","AWS::XRay::Trace"]`, "twice"},
		{"label too long", "prod", "refarch:observabilityLabel", strings.Repeat("x", 65), "1-64 characters"},
		{"unknown label variable", "stage", "refarch:observabilityLabel", "$AccountId", "the variables are"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, map[string]string{tc.key: tc.value}, tc.key, tc.rule)
		})
	}
}

// TestAnApplicationStackWithoutTheSinkNamesTheOrder: a link needs the
// sink, so an application stack planned before shared-services exports it
// fails naming shared-services and the stack order, not AWS's error.
func TestAnApplicationStackWithoutTheSinkNamesTheOrder(t *testing.T) {
	opts := options(t, nil)
	served := opts.StackOutputs
	opts.StackOutputs = func(ref string) (map[string]any, error) {
		out, err := served(ref)
		if err == nil && strings.HasSuffix(ref, "/shared-services") {
			delete(out, "monitoringSinkArn")
		}
		return out, err
	}
	_, err := offline.RunStack(stacks.Run, "prod", opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "shared-services exports no monitoringSinkArn: deploy shared-services first")
}

// TestALinkSharingWhatTheSinkRefusesIsCaught: each stack reads
// refarch:observabilityResourceTypes from its own file, so prod asking for
// a type shared-services' sink does not allow passes prod's loader; the
// cross-stack AWS rule, over the real plans deployed in order, names it
// (AWS would refuse the link). With the files as committed it holds.
func TestALinkSharingWhatTheSinkRefusesIsCaught(t *testing.T) {
	find := func(deployed []*policies.Stack, name string) *policies.Stack {
		for _, s := range deployed {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no stack %s", name)
		return nil
	}
	ruleOf := func(id string) *policies.Rule {
		for _, r := range policies.AWSCatalog() {
			if r.ID == id {
				return r
			}
		}
		t.Fatalf("no rule %s", id)
		return nil
	}
	rule := ruleOf("oam-sink-policy-admits-link")
	monitoring := plan(t, "shared-services")

	committed := find(policies.DeployPlans(monitoring, plan(t, "prod")), "prod")
	res := rule.Run(committed)
	assert.Equal(t, 1, res.Examined, "prod's link is examined")
	assert.Empty(t, res.Findings, "the committed files agree")

	wider, err := planWith(t, "prod", map[string]string{
		"refarch:observabilityResourceTypes": `["AWS::CloudWatch::Metric","AWS::Logs::LogGroup","AWS::XRay::Trace","AWS::ApplicationInsights::Application"]`,
	})
	require.NoError(t, err, "prod's own loader accepts a type AWS knows")
	res = rule.Run(find(policies.DeployPlans(monitoring, wider), "prod"))
	require.Len(t, res.Findings, 1)
	assert.Contains(t, res.Findings[0].String(), "AWS::ApplicationInsights::Application")
}
