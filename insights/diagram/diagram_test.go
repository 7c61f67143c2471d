package diagram

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// tiny builds, by hand, the records of a small stack: one account, an awsx
// VPC with three tiers, an internet-facing ALB whose /api/* rule forwards to
// one ECS service, and one PostgreSQL instance the service may reach. The
// values are shaped as the offline engine records them (numbers as float64,
// ids and ARNs as the mocks answer, the VPC's subnets in its outputs).
func tiny() *offline.Plan {
	const (
		root     = "urn:pulumi:tiny::app::pulumi:pulumi:Stack::app-tiny"
		provider = "urn:pulumi:tiny::app::pulumi:providers:aws::aws-tiny"
		lbARN    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web-1a2b3c4/50dc6c495c0c9188"
		lnARN    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web-1a2b3c4/50dc6c495c0c9188/f2f7dc8efc522ab2"
		tgARN    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-9f8e7d6/73e2d6bc24d8a067"
	)
	ref := provider + "::0b1c2d3e"
	res := func(typ, name, id string, inputs map[string]any) *offline.Resource {
		return &offline.Resource{
			URN: "urn:pulumi:tiny::app::" + typ + "::" + name, Type: typ, Name: name, ID: id,
			Parent: root, Custom: true, Provider: ref, Inputs: inputs,
		}
	}
	prov := &offline.Resource{
		URN: provider, Type: "pulumi:providers:aws", Name: "aws-tiny", ID: "0b1c2d3e", Parent: root, Custom: true,
		Inputs: map[string]any{"allowedAccountIds": []any{"123456789012"}, "region": "eu-west-1"},
	}
	vpc := &offline.Resource{
		URN: "urn:pulumi:tiny::app::awsx:ec2:Vpc::net", Type: "awsx:ec2:Vpc", Name: "net", Parent: root, Remote: true,
		Providers: map[string]string{"aws": ref},
		Inputs: map[string]any{
			"cidrBlock":             "10.1.0.0/16",
			"availabilityZoneNames": []any{"eu-west-1a", "eu-west-1b"},
			"natGateways":           map[string]any{"strategy": "Single"},
			"subnetSpecs": []any{
				map[string]any{"name": "web", "type": "Public", "cidrMask": float64(24)},
				map[string]any{"name": "app", "type": "Private", "cidrMask": float64(24)},
				map[string]any{"name": "db", "type": "Isolated", "cidrMask": float64(24)},
			},
		},
		Outputs: map[string]any{
			"vpcId":             "vpc-0a1",
			"publicSubnetIds":   []any{"subnet-web-a", "subnet-web-b"},
			"privateSubnetIds":  []any{"subnet-app-a", "subnet-app-b"},
			"isolatedSubnetIds": []any{"subnet-db-a", "subnet-db-b"},
		},
	}
	return &offline.Plan{Project: "app", Stack: "tiny", Resources: []*offline.Resource{
		prov,
		vpc,
		res("aws:lb/loadBalancer:LoadBalancer", "web", lbARN, map[string]any{
			"internal": false, "loadBalancerType": "application",
			"subnets": []any{"subnet-web-a", "subnet-web-b"}, "securityGroups": []any{"sg-web"},
		}),
		res("aws:lb/listener:Listener", "web-https", lnARN, map[string]any{
			"loadBalancerArn": lbARN, "port": float64(443), "protocol": "HTTPS",
			"defaultActions": []any{map[string]any{"type": "fixed-response", "fixedResponse": map[string]any{"statusCode": "404"}}},
		}),
		res("aws:lb/targetGroup:TargetGroup", "api", tgARN, map[string]any{
			"port": float64(8080), "protocol": "HTTP", "targetType": "ip", "vpcId": "vpc-0a1",
		}),
		res("aws:lb/listenerRule:ListenerRule", "api", lnARN+"/9d1e2f3a", map[string]any{
			"listenerArn": lnARN, "priority": float64(10),
			"conditions": []any{map[string]any{"pathPattern": map[string]any{"values": []any{"/api/*"}}}},
			"actions":    []any{map[string]any{"type": "forward", "targetGroupArn": tgARN}},
		}),
		res("aws:ecs/service:Service", "api", "arn:aws:ecs:eu-west-1:123456789012:service/main/api-4d5e6f7", map[string]any{
			"launchType": "FARGATE", "desiredCount": float64(2),
			"loadBalancers":        []any{map[string]any{"targetGroupArn": tgARN, "containerName": "api", "containerPort": float64(8080)}},
			"networkConfiguration": map[string]any{"subnets": []any{"subnet-app-a", "subnet-app-b"}, "securityGroups": []any{"sg-api"}},
		}),
		res("aws:rds/subnetGroup:SubnetGroup", "db", "db-5a6b7c8-id", map[string]any{
			"subnetIds": []any{"subnet-db-a", "subnet-db-b"},
		}),
		res("aws:rds/instance:Instance", "db", "db-ABCDEF", map[string]any{
			"identifier": "tiny-db", "engine": "postgres", "engineVersion": "16", "instanceClass": "db.t4g.micro",
			"multiAz": false, "dbSubnetGroupName": "db-5a6b7c8", "vpcSecurityGroupIds": []any{"sg-db"},
		}),
		res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "web-in-443", "sgr-1", map[string]any{
			"securityGroupId": "sg-web", "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": float64(443), "toPort": float64(443),
		}),
		res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "api-from-web", "sgr-2", map[string]any{
			"securityGroupId": "sg-api", "referencedSecurityGroupId": "sg-web", "ipProtocol": "tcp", "fromPort": float64(8080), "toPort": float64(8080),
		}),
		res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-api", "sgr-3", map[string]any{
			"securityGroupId": "sg-db", "referencedSecurityGroupId": "sg-api", "ipProtocol": "tcp", "fromPort": float64(5432), "toPort": float64(5432),
		}),
		res("aws:iam/role:Role", "api-task", "api-task-1234567", map[string]any{"assumeRolePolicy": "{}"}),
	}}
}

// tinyChart is the chart of tiny, written by hand: the account with its
// region, the VPC with its CIDR and tiers in the order traffic enters, the
// ALB in the public tier with its listener, the /api/* route to the service
// (the rule's 8080 between them is the route, not drawn twice), the
// Internet on the listener's port, and the service's port to the database.
const tinyChart = `flowchart LR
  internet(("Internet"))
  subgraph acct_123456789012["tiny · account 123456789012 · eu-west-1"]
    subgraph vpc_net["VPC net · 10.1.0.0/16 · 2 AZs · NAT Single"]
      subgraph tier_net_web["web · Public subnets · /24 per AZ"]
        lb_web{{"ALB web · internet-facing<br/>HTTPS:443 · fixed 404"}}
      end
      subgraph tier_net_app["app · Private subnets · /24 per AZ"]
        svc_api["ECS service api<br/>FARGATE · 2 tasks · :8080"]
      end
      subgraph tier_net_db["db · Isolated subnets · /24 per AZ"]
        db_db[("RDS tiny-db<br/>postgres 16 · db.t4g.micro<br/>writer · Single-AZ")]
      end
    end
  end
  internet -->|"443"| lb_web
  lb_web -->|"/api/*"| svc_api
  svc_api -->|"5432"| db_db
`

func TestMermaidTinyStack(t *testing.T) {
	chart, err := Mermaid(tiny())
	require.NoError(t, err)
	assert.Equal(t, tinyChart, chart)
}

func TestMermaidRefusesNothing(t *testing.T) {
	_, err := Mermaid(nil)
	require.Error(t, err)
	_, err = Mermaid(&offline.Plan{Stack: "empty"})
	require.ErrorContains(t, err, "empty")
}

func TestEscape(t *testing.T) {
	assert.Equal(t, "say #quot;hi#quot;", escape(`say "hi"`))
	assert.Equal(t, "#lt;b#gt;bold#lt;/b#gt; #amp; #35;quot; a#124;b #96;x#96;", escape("<b>bold</b> & #quot; a|b `x`"))
	assert.Equal(t, "one two three", escape("one\ntwo\r\nthree"))
	assert.Equal(t, "/api/* · 443 → λ", escape("/api/* · 443 → λ"), "what is safe stays as it is")
	assert.Equal(t, "a<br/>#lt;br/#gt;", label([]string{"a", "<br/>"}), "only the line breaks the chart writes are markup")
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"prod-public":                      "prod_public",
		"prod/backend/SESSION_SIGNING_KEY": "prod_backend_session_signing_key",
		`odd "name" <x> #1`:                "odd_name_x_1",
		"--x--":                            "x",
		"10.0.0.0/16":                      "10_0_0_0_16",
		"λ-üï":                             "",
		"":                                 "",
	} {
		assert.Equal(t, want, sanitize(in), in)
	}
	g := newGraph()
	assert.Equal(t, "fn_a_b", g.id("urn:1", "fn", "a-b"))
	assert.Equal(t, "fn_a_b_2", g.id("urn:2", "fn", "a_b"), "two names that sanitize alike get two ids")
	assert.Equal(t, "fn_a_b", g.id("urn:1", "fn", "a-b"), "the same thing keeps its id")
	assert.Equal(t, "fn", g.id("urn:3", "fn", "λ"), "a name with nothing to keep leaves the kind")
	assert.Equal(t, "fn_2", g.id("urn:4", "fn", "ü"))
}

func TestMermaidEscapesLabelsAndSanitizesIDs(t *testing.T) {
	p := tiny()
	ref := p.Resources[0].URN + "::0b1c2d3e"
	for _, name := range []string{`odd "name" <x>`, "odd-name-x"} {
		p.Resources = append(p.Resources, &offline.Resource{
			URN: "urn:pulumi:tiny::app::aws:lambda/function:Function::" + name, Type: "aws:lambda/function:Function",
			Name: name, Custom: true, Provider: ref, Inputs: map[string]any{"runtime": "nodejs22.x"},
		})
	}
	chart, err := Mermaid(p)
	require.NoError(t, err)
	assert.Contains(t, chart, `      fn_odd_name_x(["λ odd #quot;name#quot; #lt;x#gt;<br/>nodejs22.x"])`+"\n")
	assert.Contains(t, chart, `      fn_odd_name_x_2(["λ odd-name-x<br/>nodejs22.x"])`+"\n")
	assert.NotContains(t, chart, `"name"`)
	assert.NotContains(t, chart, "<x>")
}

func TestMermaidIsDeterministic(t *testing.T) {
	want, err := Mermaid(tiny())
	require.NoError(t, err)
	rng := rand.New(rand.NewSource(1))
	for range 20 {
		p := tiny()
		rng.Shuffle(len(p.Resources), func(i, j int) { p.Resources[i], p.Resources[j] = p.Resources[j], p.Resources[i] })
		got, err := Mermaid(p)
		require.NoError(t, err)
		require.Equal(t, want, got, "the same records in another order give the same text")
	}
}

const readme = `# Project

Intro.

<!-- diagram:prod -->
old text
<!-- /diagram:prod -->

<!-- diagram:stage -->
` + "```mermaid\nflowchart LR\n  a --> b\n```" + `
<!-- /diagram:stage -->

Outro.
`

func TestEmbedExtractRoundTrip(t *testing.T) {
	chart, err := Mermaid(tiny())
	require.NoError(t, err)
	doc, err := Embed([]byte(readme), "prod", chart)
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(readme, "old text\n", "```mermaid\n"+chart+"```\n", 1), string(doc))

	got, err := Extract(doc, "prod")
	require.NoError(t, err)
	assert.Equal(t, chart, got)

	again, err := Embed(doc, "prod", chart)
	require.NoError(t, err)
	assert.Equal(t, string(doc), string(again), "embedding the same diagram changes nothing")

	stage, err := Extract(doc, "stage")
	require.NoError(t, err)
	assert.Equal(t, "flowchart LR\n  a --> b\n", stage, "the other stack's diagram is left alone")

	noNewline, err := Embed([]byte(readme), "prod", "flowchart LR\n  a --> b")
	require.NoError(t, err)
	got, err = Extract(noNewline, "prod")
	require.NoError(t, err)
	assert.Equal(t, "flowchart LR\n  a --> b\n", got)
}

func TestEmbedExtractMarkerErrors(t *testing.T) {
	start, end := Markers("prod")
	assert.Equal(t, "<!-- diagram:prod -->", start)
	assert.Equal(t, "<!-- /diagram:prod -->", end)
	for name, doc := range map[string]string{
		"no markers":       "# Project\n",
		"no start":         "# Project\n" + end + "\n",
		"no end":           "# Project\n" + start + "\n",
		"start twice":      start + "\n" + start + "\n" + end + "\n",
		"end twice":        start + "\n" + end + "\n" + end + "\n",
		"end before start": end + "\n" + start + "\n",
		"another stack":    "<!-- diagram:stage -->\n<!-- /diagram:stage -->\n",
	} {
		_, err := Embed([]byte(doc), "prod", "flowchart LR\n")
		assert.Error(t, err, name)
		_, err = Extract([]byte(doc), "prod")
		assert.Error(t, err, name)
	}
	_, err := Embed([]byte(start+end), "prod", "flowchart LR\n```\n")
	assert.Error(t, err, "a fence inside the diagram would end the block")
	_, err = Embed([]byte(readme), "", "flowchart LR\n")
	assert.Error(t, err, "a stack name is needed")
	_, err = Extract([]byte(readme), "prod")
	assert.ErrorContains(t, err, "no ```mermaid block", "markers without a diagram")
	_, err = Extract([]byte(start+"\n```mermaid\nflowchart LR\n"+end), "prod")
	assert.ErrorContains(t, err, "not closed")
}

// TestMermaidOtherTriggersAndSubscribers covers the triggers and
// subscribers prod does not have: an event source mapping, an invoke
// permission no other record accounts for, a Chatbot channel on a topic, an
// alarm whose topic belongs to another account, and a CloudFront origin
// that is only a domain.
func TestMermaidOtherTriggersAndSubscribers(t *testing.T) {
	p := tiny()
	ref := p.Resources[0].URN + "::0b1c2d3e"
	add := func(typ, name, id string, inputs map[string]any) {
		p.Resources = append(p.Resources, &offline.Resource{
			URN: "urn:pulumi:tiny::app::" + typ + "::" + name, Type: typ, Name: name, ID: id,
			Custom: true, Provider: ref, Inputs: inputs,
		})
	}
	add("aws:lambda/function:Function", "worker", "worker-1234567-id", map[string]any{"name": "tiny-worker", "runtime": "python3.13"})
	add("aws:sqs/queue:Queue", "jobs", "jobs-1234567-id", map[string]any{"name": "tiny-jobs"})
	add("aws:lambda/eventSourceMapping:EventSourceMapping", "jobs", "esm-1", map[string]any{
		"functionName": "tiny-worker", "eventSourceArn": "arn:aws:sqs:eu-west-1:123456789012:tiny-jobs",
	})
	add("aws:lambda/permission:Permission", "worker-from-iot", "perm-1", map[string]any{
		"function": "tiny-worker", "principal": "iot.amazonaws.com", "sourceArn": "arn:aws:iot:eu-west-1:123456789012:rule/ingest",
	})
	add("aws:sns/topic:Topic", "alerts", "alerts-1234567-id", map[string]any{"name": "tiny-alerts"})
	add("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration", "ops", "chat-1", map[string]any{
		"configurationName": "tiny-ops", "snsTopicArns": []any{"arn:aws:sns:eu-west-1:123456789012:tiny-alerts"},
	})
	add("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu", "cpu-1", map[string]any{
		"namespace": "AWS/ECS", "alarmActions": []any{"arn:aws:sns:eu-west-1:999999999999:central-alerts"},
	})
	add("aws:cloudfront/distribution:Distribution", "edge", "E123", map[string]any{
		"origins":              []any{map[string]any{"originId": "site", "domainName": "site.example.org"}},
		"defaultCacheBehavior": map[string]any{"targetOriginId": "site"},
	})
	chart, err := Mermaid(p)
	require.NoError(t, err)
	for _, want := range []string{
		`      fn_worker(["λ tiny-worker<br/>python3.13"])` + "\n",
		`      sqs_jobs["SQS tiny-jobs"]` + "\n",
		`      src_worker_from_iot(["iot ingest"])` + "\n",
		`      sub_ops("SlackChannelConfiguration tiny-ops")` + "\n",
		`      alarms_central_alerts_alarm["1 CloudWatch alarm<br/>ECS 1"]` + "\n",
		`  subgraph acct_999999999999["account 999999999999"]` + "\n",
		`      topic_central_alerts("SNS central-alerts")` + "\n",
		`  web_site_example_org["origin site.example.org"]` + "\n",
		`  sqs_jobs -->|"event source"| fn_worker` + "\n",
		`  src_worker_from_iot --> fn_worker` + "\n",
		`  topic_alerts -->|"chatbot"| sub_ops` + "\n",
		`  alarms_central_alerts_alarm -->|"ALARM"| topic_central_alerts` + "\n",
		`  cdn_edge -->|"default"| web_site_example_org` + "\n",
		`  internet --> cdn_edge` + "\n",
	} {
		assert.Contains(t, chart, want)
	}
}
