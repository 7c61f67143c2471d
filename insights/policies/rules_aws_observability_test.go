package policies

import (
	"github.com/refarch/refarch/offline"
)

func awsObservabilityCases() map[string]ruleCase {
	const (
		monitoring = "222222222222"
		prod       = "666666666666"
		sinkARN    = "arn:aws:oam:us-west-2:222222222222:sink/0a1b2c3d-0000-4000-8000-000000000000"
	)
	sink := func() *offline.Resource {
		s := inStack("shared-services", res(typeOAMSink, "refarch-monitoring", in{"name": "refarch-monitoring"}))
		s.Outputs = map[string]any{"arn": sinkARN}
		return s
	}
	sinkPolicy := func(principal string, types ...string) *offline.Resource {
		cond := ""
		if len(types) > 0 {
			cond = `,"Condition":{"ForAllValues:StringEquals":{"oam:ResourceTypes":["` + types[0]
			for _, t := range types[1:] {
				cond += `","` + t
			}
			cond += `"]}}`
		}
		return inStack("shared-services", res(typeOAMSinkPolicy, "refarch-monitoring", in{"sinkIdentifier": sinkARN,
			"policy": policy(`{"Effect":"Allow","Principal":{"AWS":["` + principal + `"]},"Action":["oam:CreateLink","oam:UpdateLink"],"Resource":["*"]` + cond + `}`)}))
	}
	prodProvider := providerIn("prod", prod, "us-west-2")
	link := func(sink, label string, types ...string) *offline.Resource {
		return via(prodProvider, res(typeOAMLink, "refarch-prod-monitoring", in{"sinkIdentifier": sink, "labelTemplate": label, "resourceTypes": types}))
	}
	const metric, logs, traces = "AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"
	monitoringStack := func(pol *offline.Resource) []*offline.Resource { return one(sink(), pol) }
	return map[string]ruleCase{
		"oam-link-after-its-sink": {
			good:  one(prodProvider, link(sinkARN, "$AccountName", metric)),
			bad:   one(prodProvider, link("arn:aws:oam:us-west-2:222222222222:sink/not-created", "$AccountName", metric)),
			peers: map[string][]*offline.Resource{"shared-services": monitoringStack(sinkPolicy(prod, metric))},
		},
		"oam-sink-policy-admits-link": {
			good: one(prodProvider, link(sinkARN, "$AccountName", metric, logs, traces)),
			bad:  one(prodProvider, link(sinkARN, "$AccountName", metric, logs, traces)),
			// The account named by its root ARN, in any partition.
			peers:    map[string][]*offline.Resource{"shared-services": monitoringStack(sinkPolicy("arn:aws-cn:iam::"+prod+":root", metric, logs, traces))},
			badPeers: map[string][]*offline.Resource{"shared-services": monitoringStack(sinkPolicy(prod, metric, logs))},
		},
		"oam-link-label-template": {
			good: one(prodProvider, link(sinkARN, "refarch $AccountName", metric)),
			bad:  one(prodProvider, link(sinkARN, "$AccountId", metric)),
		},
		"oam-one-sink-per-account-region": {
			good: one(prodProvider, via(prodProvider, res(typeOAMSink, "a", in{"name": "a"}))),
			bad:  one(prodProvider, via(prodProvider, res(typeOAMSink, "a", in{"name": "a"})), via(prodProvider, res(typeOAMSink, "b", in{"name": "b"}))),
		},
		"cloudwatch-metrics-insights-functions": {
			good: one(insightsAlarm(`SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/RDS", DBInstanceIdentifier) WHERE AWS.AccountId = '666666666666'`)),
			bad:  one(insightsAlarm(`SELECT p99(TargetResponseTime) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer)`)),
		},
	}
}

// insightsAlarm is an alarm on one Metrics Insights query.
func insightsAlarm(query string) *offline.Resource {
	return res(typeMetricAlarm, "insights", in{"metricQueries": []any{in{"id": "q1", "expression": query, "period": 300, "returnData": true}}})
}
