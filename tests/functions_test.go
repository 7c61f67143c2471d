package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// alertTopicARN is the ARN of a stack's alert topic.
func alertTopicARN(t *testing.T, p *offline.Plan, stackName string) any {
	t.Helper()
	mon := p.Require(t, "refarch:alerttopic:AlertTopic", "refarch-"+stackName+"-alerts")
	for _, r := range p.Descendants(mon) {
		if r.Type == "aws:sns/topic:Topic" {
			return r.Output("arn")
		}
	}
	t.Fatalf("%s: the alert topic has no topic", stackName)
	return nil
}

// child returns the one descendant of a component with a type.
func child(t *testing.T, p *offline.Plan, parent *offline.Resource, typ string) *offline.Resource {
	t.Helper()
	var out *offline.Resource
	for _, r := range p.Descendants(parent) {
		if r.Type == typ {
			require.Nil(t, out, "%s has two %s", parent.Name, typ)
			out = r
		}
	}
	require.NotNil(t, out, "%s has no %s", parent.Name, typ)
	return out
}

// TestEveryFunctionIsWatchedAndMayDoOnlyWhatItNeeds derives the expected
// alarms from the plan: every function of every stack has its errors,
// throttles, duration (80% of its own timeout) and dead-letter alarms
// naming it and its queue, notifying the stack's topic, and a role whose
// policy names every action (no wildcard).
func TestEveryFunctionIsWatchedAndMayDoOnlyWhatItNeeds(t *testing.T) {
	want := map[string][]string{
		"security":        {"alert-notifier"},
		"shared-services": {"alert-notifier"},
		"dev":             {"alert-notifier", "edge-probe", "hello-http", "restore-drill", "secret-rotator"},
		"stage":           {"alert-notifier", "edge-probe", "hello-http", "restore-drill", "secret-rotator"},
		"prod":            {"alert-notifier", "edge-probe", "hello-http", "restore-drill", "secret-rotator"},
	}
	for stackName, names := range want {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			topic := alertTopicARN(t, p, stackName)
			byName := alarmsOf(p)
			fns := p.ByType("refarch:function:Function")
			var got []string
			for _, c := range fns {
				short := strings.TrimPrefix(c.Name, "refarch-"+stackName+"-")
				got = append(got, short)
				fn := child(t, p, c, "aws:lambda/function:Function")
				queue := child(t, p, c, "aws:sqs/queue:Queue")
				assert.Equal(t, "provided.al2023", fn.String("runtime"), c.Name)
				assert.Equal(t, []string{"arm64"}, fn.Strings("architectures"), c.Name)
				assert.Equal(t, "Active", fn.String("tracingConfig.mode"), c.Name)
				assert.Equal(t, queue.Output("arn"), fn.Get("deadLetterConfig.targetArn"), c.Name)
				assert.NotEmpty(t, queue.String("kmsMasterKeyId"), "%s: the dead-letter queue is encrypted", c.Name)

				for kind, dims := range map[string]map[string]any{
					"errors":       {"FunctionName": fn.String("name")},
					"throttles":    {"FunctionName": fn.String("name")},
					"duration":     {"FunctionName": fn.String("name")},
					"dead-letters": {"QueueName": queue.String("name")},
				} {
					alarm := byName["refarch-"+stackName+"-"+short+"-"+kind]
					require.NotNil(t, alarm, "%s: alarm %s", c.Name, kind)
					assert.Equal(t, dims, alarm.Get("dimensions"), "%s %s", c.Name, kind)
					assert.Equal(t, []any{topic}, alarm.List("alarmActions"), "%s %s", c.Name, kind)
					assert.Equal(t, []any{topic}, alarm.List("okActions"), "%s %s", c.Name, kind)
					if kind == "duration" {
						assert.Equal(t, float64(fn.Int("timeout"))*800, alarm.Get("threshold"), "%s: 80%% of its timeout in ms", c.Name)
					}
				}
				for _, policy := range p.Descendants(c) {
					if policy.Type != "aws:iam/rolePolicy:RolePolicy" {
						continue
					}
					for sid, s := range policy.Statements(t, "policy") {
						for _, action := range offline.Strings(s["Action"]) {
							assert.NotContains(t, action, "*", "%s %s: %s is a wildcard action", policy.Name, sid, action)
						}
					}
				}
			}
			assert.ElementsMatch(t, names, got)
		})
	}
}

// TestAlertsReachTheNotifier checks that every stack's notifier is
// subscribed to that stack's alert topic, may be invoked by that topic
// only, and reads the webhook from the stack's own secret.
func TestAlertsReachTheNotifier(t *testing.T) {
	for _, stackName := range []string{"security", "shared-services", "dev", "stage", "prod"} {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			topic := alertTopicARN(t, p, stackName)
			notifier := p.Require(t, "refarch:function:Function", "refarch-"+stackName+"-alert-notifier")
			fn := child(t, p, notifier, "aws:lambda/function:Function")
			sub := p.Require(t, "aws:sns/topicSubscription:TopicSubscription", "refarch-"+stackName+"-alert-notifier")
			assert.Equal(t, "lambda", sub.String("protocol"))
			assert.Equal(t, topic, sub.Get("topic"))
			assert.Equal(t, fn.Output("arn"), sub.Get("endpoint"))
			perm := p.Require(t, "aws:lambda/permission:Permission", "refarch-"+stackName+"-alert-notifier-alerts")
			assert.Equal(t, "sns.amazonaws.com", perm.String("principal"))
			assert.Equal(t, topic, perm.Get("sourceArn"))
			if stackName == "dev" || stackName == "stage" || stackName == "prod" {
				// The CDN's alarms notify a topic in us-east-1: the
				// notifier hears it too, and only it besides its own.
				edgeTopic := p.Require(t, "aws:sns/topic:Topic", "refarch-"+stackName+"-edge-alerts")
				edgeSub := p.Require(t, "aws:sns/topicSubscription:TopicSubscription", "refarch-"+stackName+"-edge-alerts-notifier")
				assert.Equal(t, edgeTopic.Output("arn"), edgeSub.Get("topic"))
				assert.Equal(t, fn.Output("arn"), edgeSub.Get("endpoint"))
				assert.Equal(t, "us-east-1", p.ProviderOf(edgeSub).String("region"))
				edgePerm := p.Require(t, "aws:lambda/permission:Permission", "refarch-"+stackName+"-alert-notifier-edge-alerts")
				assert.Equal(t, edgeTopic.Output("arn"), edgePerm.Get("sourceArn"), "the permission names the real topic")
			}

			hook := p.Require(t, "aws:secretsmanager/secret:Secret", stackName+"/alert-notifier/WEBHOOK_URL")
			assert.Equal(t, hook.Output("arn"), fn.Get("environment.variables.WEBHOOK_SECRET_ARN"))
			stmts := child(t, p, notifier, "aws:iam/rolePolicy:RolePolicy").Statements(t, "policy")
			assert.Equal(t, []string{hook.Output("arn").(string)}, offline.Strings(stmts["Permission0"]["Resource"]), "that secret only")
		})
	}
}

// TestGeneratedSecretsAreRotatedHelloIsRoutedAndTheEdgeIsProbed checks the
// application stacks' three other functions where the platform wires them.
func TestGeneratedSecretsAreRotatedHelloIsRoutedAndTheEdgeIsProbed(t *testing.T) {
	for _, stackName := range []string{"dev", "stage", "prod"} {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			rotator := child(t, p, p.Require(t, "refarch:function:Function", "refarch-"+stackName+"-secret-rotator"), "aws:lambda/function:Function")
			rotation := p.Require(t, "aws:secretsmanager/secretRotation:SecretRotation", stackName+"/backend/SESSION_SIGNING_KEY")
			assert.Equal(t, rotator.Output("arn"), rotation.Get("rotationLambdaArn"))
			assert.Equal(t, 30, rotation.Int("rotationRules.automaticallyAfterDays"))
			perm := p.Require(t, "aws:lambda/permission:Permission", "refarch-"+stackName+"-secret-rotator-secrets-backend")
			assert.Equal(t, "secretsmanager.amazonaws.com", perm.String("principal"))
			assert.Regexp(t, `:secret:`+stackName+`/backend/\*$`, perm.String("sourceArn"), "the backend's secrets only")
			// RotateSecret invokes the function at once: the rotation waits
			// for the permission (secretsmanager-rotation-after-lambda-permission).
			assert.Contains(t, rotation.DependsOn, perm.URN, "the rotation is created after Secrets Manager may invoke the rotator")

			hello := p.Require(t, "refarch:function:Function", "refarch-"+stackName+"-hello-http")
			tg := child(t, p, hello, "aws:lb/targetGroup:TargetGroup")
			assert.Equal(t, "lambda", tg.String("targetType"))
			rule := p.Require(t, "aws:lb/listenerRule:ListenerRule", stackName+"-hello")
			assert.Equal(t, tg.Output("arn"), rule.Get("actions[0].targetGroupArn"))
			assert.Equal(t, []string{"/hello/*"}, rule.Strings("conditions[0].pathPattern.values"))
			public := p.Require(t, "aws:lb/listener:Listener", stackName+"-public-https")
			assert.Equal(t, public.Output("arn"), rule.Get("listenerArn"), "on the public listener")

			probe := p.Require(t, "refarch:function:Function", "refarch-"+stackName+"-edge-probe")
			schedule := child(t, p, probe, "aws:scheduler/schedule:Schedule")
			assert.Equal(t, "rate(1 minute)", schedule.String("scheduleExpression"))
			urls := child(t, p, probe, "aws:lambda/function:Function").String("environment.variables.PROBE_URLS")
			want := "https://" + stackConfig(t, stackName).Edge.Names[0] + "/"
			assert.True(t, strings.HasPrefix(urls, want), "%s probes the CDN's first name: %s", stackName, urls)
			failing := alarmsOf(p)["refarch-"+stackName+"-probe-site-failing"]
			require.NotNil(t, failing, "the outside-in check has its alarm")
			assert.Equal(t, map[string]any{"Endpoint": want}, failing.Get("dimensions"))
			assert.Equal(t, "breaching", failing.String("treatMissingData"))
		})
	}
}

// TestEveryNatGatewayHasItsAlarms derives the NAT gateways from the plan
// (the lookups of the gateways awsx created): each has its two alarms.
func TestEveryNatGatewayHasItsAlarms(t *testing.T) {
	want := map[string]int{"shared-services": 1, "dev": 1, "stage": 1, "prod": 3}
	for stackName, n := range want {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			lookups := p.InvokesOf("aws:ec2/getNatGateway:getNatGateway")
			require.Len(t, lookups, n)
			ids := map[any]bool{}
			for _, a := range alarmsOf(p) {
				if a.String("namespace") == "AWS/NATGateway" {
					ids[a.Get("dimensions.NatGatewayId")] = true
				}
			}
			assert.Len(t, ids, n, "one NAT gateway id per gateway in the alarms")
			for i := 1; i <= n; i++ {
				for _, kind := range []string{"port-allocation-errors", "packets-dropped"} {
					assert.Contains(t, alarmsOf(p), "refarch-"+stackName+"-nat-"+string(rune('0'+i))+"-"+kind)
				}
			}
		})
	}
}

func TestFunctionSizesAreValidatedBeforeAnyResource(t *testing.T) {
	cases := []struct {
		name, stack, value, key, rule string
	}{
		{"timeout over 900 s", "prod", `{"alert-notifier":{"timeoutSeconds":901}}`, "refarch:functions.alert-notifier.timeoutSeconds", "between 1 and 900"},
		{"memory under 128 MB", "dev", `{"hello-http":{"memoryMb":64}}`, "refarch:functions.hello-http.memoryMb", "between 128 and 10240"},
		{"memory over 10240 MB", "stage", `{"edge-probe":{"memoryMb":10241}}`, "refarch:functions.edge-probe.memoryMb", "between 128 and 10240"},
		{"a function the stack has not", "security", `{"hello-http":{"memoryMb":256}}`, "refarch:functions.hello-http", "not a function of this stack"},
		{"a rotator too short to wait for RDS", "dev", `{"secret-rotator":{"timeoutSeconds":60}}`, "refarch:functions.secret-rotator.timeoutSeconds", "must be at least 120"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, map[string]string{"refarch:functions": tc.value}, tc.key, tc.rule)
		})
	}
}
