package policies

import (
	"github.com/refarch/refarch/offline"
)

// providerIn is a provider record acting in account and region, and r's
// provider reference naming it.
func providerIn(stack, account, region string) *offline.Resource {
	return &offline.Resource{
		URN:  "urn:pulumi:" + stack + "::refarch::pulumi:providers:aws::aws-" + stack + "-" + region,
		Type: typeAWSProvider, Name: "aws-" + stack + "-" + region, ID: "p-" + stack, Custom: true,
		Inputs: in{"allowedAccountIds": []any{account}, "region": region},
	}
}

// via sets r's provider.
func via(p, r *offline.Resource) *offline.Resource {
	r.Provider = p.URN + "::" + p.ID
	return r
}

// after makes r depend on deps.
func after(r *offline.Resource, deps ...*offline.Resource) *offline.Resource {
	for _, d := range deps {
		r.DependsOn = append(r.DependsOn, d.URN)
	}
	return r
}

// inStack gives r a URN of stack.
func inStack(stack string, r *offline.Resource) *offline.Resource {
	r.URN = "urn:pulumi:" + stack + "::refarch::" + r.Type + "::" + r.Name
	return r
}

func awsDetectionCases() map[string]ruleCase {
	hub := res(typeSecurityHubAccount, "hub", in{"enableDefaultStandards": false})
	standard := func(deps ...*offline.Resource) *offline.Resource {
		return after(res(typeSecurityHubStandard, "cis", in{"standardsArn": "arn:aws:securityhub:us-west-2::standards/cis-aws-foundations-benchmark/v/3.0.0"}), deps...)
	}
	feature := func(name string, agents ...string) *offline.Resource {
		var extra []any
		for _, a := range agents {
			extra = append(extra, in{"name": a, "status": "ENABLED"})
		}
		return res(typeGuardDutyFeature, "f-"+name, in{"name": name, "status": "ENABLED", "additionalConfigurations": extra})
	}
	rule := func(pattern string) *offline.Resource {
		return res(typeEventRule, "findings", in{"eventPattern": pattern})
	}
	topicARN := "arn:aws:sns:us-west-2:555555555555:alerts"
	target := func(extra in) *offline.Resource {
		i := in{"arn": topicARN, "rule": "findings"}
		for k, v := range extra {
			i[k] = v
		}
		return res(typeEventTarget, "to-topic", i)
	}
	topicPolicy := func(stmt string) *offline.Resource {
		return res(typeTopicPolicy, "alerts", in{"arn": topicARN, "policy": policy(stmt)})
	}
	keyARN := "arn:aws:kms:us-west-2:555555555555:key/k1"
	encryptedTopic := func(keyStmt string) []*offline.Resource {
		key := res("aws:kms/key:Key", "alerts-key", in{"policy": policy(keyStmt)})
		key.Outputs = map[string]any{"arn": keyARN}
		topic := res(typeTopic, "alerts", in{"kmsMasterKeyId": keyARN})
		topic.Outputs = map[string]any{"arn": topicARN}
		alarm := res(typeMetricAlarm, "cpu", in{"alarmActions": []any{topicARN}})
		return one(key, topic, alarm)
	}
	sessionDoc := `{"inputs":{"cloudWatchEncryptionEnabled":true,"cloudWatchLogGroupName":"/ssm/sessions/prod"}}`
	doc := res(typeSSMDocument, "prefs", in{"documentType": "Session", "content": sessionDoc})
	group := func(encrypted bool) *offline.Resource {
		i := in{"name": "/ssm/sessions/prod"}
		if encrypted {
			i["kmsKeyId"] = keyARN
		}
		return res(typeLogGroup, "sessions", i)
	}
	withDuration := func(d int) *offline.Resource {
		return res(typeAWSProvider, "aws-prod", in{"allowedAccountIds": []any{"555555555555"}, "assumeRole": in{"roleArn": "arn:aws:iam::555555555555:role/refarch-deploy", "durationSeconds": d}})
	}
	window := func(schedule string, duration, cutoff int) *offline.Resource {
		return res(typeMaintenanceWindow, "patching", in{"schedule": schedule, "duration": duration, "cutoff": cutoff})
	}

	return map[string]ruleCase{
		"securityhub-after-hub-enabled":     {good: one(hub, standard(hub)), bad: one(hub, standard())},
		"securityhub-default-standards-off": {good: one(hub, standard(hub)), bad: one(res(typeSecurityHubAccount, "hub", in{}), standard(hub))},
		"guardduty-features-valid": {
			good: one(feature("RUNTIME_MONITORING", "ECS_FARGATE_AGENT_MANAGEMENT"), feature("S3_DATA_EVENTS")),
			bad:  one(feature("RUNTIME_MONITORING"), feature("EKS_RUNTIME_MONITORING")),
		},
		"eventbridge-finding-patterns": {
			good: one(rule(`{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"]}`)),
			bad:  one(rule(`{"source":["aws.guardduty"],"detail-type":["GuardDuty Findings"]}`)),
		},
		"eventbridge-sns-target-without-role": {
			good: one(target(nil)),
			bad:  one(target(in{"roleArn": "arn:aws:iam::555555555555:role/events"})),
		},
		"eventbridge-topic-policy-without-condition": {
			good: one(target(nil), topicPolicy(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"*"}`)),
			bad: one(target(nil), topicPolicy(`{"Effect":"Allow","Principal":{"Service":["cloudwatch.amazonaws.com","events.amazonaws.com"]},"Action":"sns:Publish","Resource":"*",`+
				`"Condition":{"StringEquals":{"aws:SourceAccount":"555555555555"}}}`)),
		},
		"sns-topic-key-admits-publishing-services": {
			good: encryptedTopic(`{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*"}`),
			bad: encryptedTopic(`{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*",` +
				`"Condition":{"StringEquals":{"aws:SourceAccount":"555555555555"}}}`),
		},
		"session-logs-group-encrypted":     {good: one(doc, group(true)), bad: one(doc, group(false))},
		"iam-role-session-duration-bounds": {good: one(res(typeRole, "r", in{"maxSessionDuration": 3600})), bad: one(res(typeRole, "r", in{"maxSessionDuration": 60}))},
		"iam-role-chaining-one-hour":       {good: one(withDuration(3600)), bad: one(withDuration(7200))},
		"instance-metadata-defaults-values": {
			good: one(res(typeInstanceMetadataDefault, "imds", in{"httpTokens": "required", "httpPutResponseHopLimit": 2})),
			bad:  one(res(typeInstanceMetadataDefault, "imds", in{"httpTokens": "required", "httpPutResponseHopLimit": 65})),
		},
		"maintenance-window-schedule": {
			good: one(window("cron(0 3 ? * SUN *)", 3, 1)),
			bad:  one(window("cron(0 3 * * SUN)", 3, 1)),
		},
	}
}
