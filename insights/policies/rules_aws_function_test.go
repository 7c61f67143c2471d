package policies

import (
	"github.com/refarch/refarch/offline"
)

func awsFunctionCases() map[string]ruleCase {
	const queueARN = "arn:aws:sqs:us-west-2:555555555555:fn-dlq"
	const keyARN = "arn:aws:kms:us-west-2:555555555555:key/fn"
	role := res(typeRole, "fn", in{})
	role.Outputs = map[string]any{"arn": "arn:aws:iam::555555555555:role/fn"}
	grant := func(stmts ...string) *offline.Resource {
		return res(typeRolePolicy, "fn", in{"role": role.ID, "policy": policy(stmts...)})
	}
	send := `{"Effect":"Allow","Action":["sqs:SendMessage"],"Resource":["` + queueARN + `"]}`
	useKey := `{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":["` + keyARN + `"]}`
	traces := `{"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords"],"Resource":["*"]}`
	fn := func(deps ...*offline.Resource) *offline.Resource {
		return after(res(typeLambdaFunction, "fn", in{"role": "arn:aws:iam::555555555555:role/fn",
			"deadLetterConfig": in{"targetArn": queueARN}, "tracingConfig": in{"mode": "Active"}}), deps...)
	}
	queue := res(typeQueue, "fn-dlq", in{"kmsMasterKeyId": keyARN})
	queue.Outputs = map[string]any{"arn": queueARN}
	sendPolicy := grant(send)

	subscription := func(provider *offline.Resource, topic string) *offline.Resource {
		return via(provider, res(typeSubscription, "notifier", in{"protocol": "lambda", "topic": topic, "endpoint": "arn:aws:lambda:us-west-2:555555555555:function:fn"}))
	}
	west, east := providerIn("prod", "555555555555", "us-west-2"), providerIn("prod", "555555555555", "us-east-1")
	east.URN += "-east"
	const edgeTopic = "arn:aws:sns:us-east-1:555555555555:edge-alerts"
	permission := res("aws:lambda/permission:Permission", "edge", in{"principal": "sns.amazonaws.com", "sourceArn": edgeTopic})

	alarm := func(period, periods int) *offline.Resource {
		return res(typeMetricAlarm, "a", in{"period": period, "evaluationPeriods": periods})
	}
	dashboard := func(name string, p *offline.Resource) *offline.Resource {
		return via(p, res(typeDashboard, name+p.Name, in{"dashboardName": name}))
	}
	return map[string]ruleCase{
		"lambda-dead-letter-permission-before-function": {good: one(role, sendPolicy, fn(sendPolicy)), bad: one(role, sendPolicy, fn())},
		"lambda-dead-letter-key-admits-role":            {good: one(role, queue, grant(send, useKey), fn()), bad: one(role, queue, grant(send), fn())},
		"lambda-tracing-permissions":                    {good: one(role, grant(traces), fn()), bad: one(role, grant(send), fn())},
		"lambda-async-retry-ranges": {
			good: one(res(typeInvokeConfig, "c", in{"maximumRetryAttempts": 2})),
			bad:  one(res(typeInvokeConfig, "c", in{"maximumRetryAttempts": 3})),
		},
		"sns-lambda-subscription-in-topic-region": {
			good: one(west, east, permission, subscription(east, edgeTopic)),
			bad:  one(west, east, permission, subscription(west, edgeTopic)),
		},
		"cloudwatch-alarm-evaluation-window": {good: one(alarm(60, 1440), alarm(3600, 168)), bad: one(alarm(1800, 49))},
		"cloudwatch-dashboard-names-unique": {
			good: one(west, east, dashboard("refarch-prod", west), dashboard("refarch-prod-edge", east)),
			bad:  one(west, east, dashboard("refarch-prod", west), dashboard("refarch-prod", east)),
		},
	}
}
