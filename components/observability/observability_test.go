package observability_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/observability"
	"github.com/refarch/refarch/offline"
)

const (
	devAccount  = "444444444444"
	prodAccount = "666666666666"
	topic       = "arn:aws:sns:us-west-2:" + offline.UnitAccount + ":alerts"
)

func run(program func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error) (*offline.Plan, error) {
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		return program(ctx, pulumi.Provider(p))
	})
}

func TestSinkPolicyAdmitsOnlyItsAccountsAndTypes(t *testing.T) {
	p, err := run(func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
		_, err := observability.NewSink(ctx, "monitoring", &observability.SinkArgs{
			AccountID: offline.UnitAccount, SourceAccountIDs: []string{devAccount, prodAccount},
		}, opts...)
		return err
	})
	require.NoError(t, err)
	sink := p.Require(t, "aws:oam/sink:Sink", "monitoring")
	assert.Equal(t, "monitoring", sink.String("name"))
	pol := p.Require(t, "aws:oam/sinkPolicy:SinkPolicy", "monitoring")
	assert.Equal(t, sink.Output("arn"), pol.Get("sinkIdentifier"))
	var doc struct {
		Statement []struct {
			Effect    string
			Principal map[string][]string
			Action    []string
			Resource  []string
			Condition map[string]map[string][]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.String("policy")), &doc))
	require.Len(t, doc.Statement, 1)
	st := doc.Statement[0]
	assert.Equal(t, "Allow", st.Effect)
	assert.Equal(t, []string{devAccount, prodAccount}, st.Principal["AWS"])
	assert.Equal(t, []string{"oam:CreateLink", "oam:UpdateLink"}, st.Action)
	assert.Equal(t, []string{"AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"},
		st.Condition["ForAllValues:StringEquals"]["oam:ResourceTypes"], "the default: metrics, logs and traces only")
}

func TestLinkSharesTheTypesWithItsLabel(t *testing.T) {
	const sinkARN = "arn:aws:oam:us-west-2:222222222222:sink/0a1b2c3d-0000-4000-8000-000000000000"
	p, err := run(func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
		_, err := observability.NewLink(ctx, "prod-monitoring", &observability.LinkArgs{
			SinkARN: pulumi.String(sinkARN), ResourceTypes: []string{"AWS::CloudWatch::Metric"},
		}, opts...)
		return err
	})
	require.NoError(t, err)
	link := p.Require(t, "aws:oam/link:Link", "prod-monitoring")
	assert.Equal(t, sinkARN, link.String("sinkIdentifier"))
	assert.Equal(t, []string{"AWS::CloudWatch::Metric"}, link.Strings("resourceTypes"))
	assert.Equal(t, "$AccountName", link.String("labelTemplate"), "the default label")
}

func TestOverviewScopesEveryQueryToItsEnvironment(t *testing.T) {
	p, err := run(func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
		_, err := observability.NewOverview(ctx, "environments", &observability.OverviewArgs{
			AccountID: offline.UnitAccount, Region: "us-west-2", TopicARN: pulumi.String(topic),
			Environments: []observability.Environment{{Name: "dev", AccountID: devAccount}, {Name: "prod", AccountID: prodAccount}},
		}, opts...)
		return err
	})
	require.NoError(t, err)
	alarms := p.ByType("aws:cloudwatch/metricAlarm:MetricAlarm")
	require.Len(t, alarms, 2*len(observability.DefaultOverviewAlarms))
	storage := p.Require(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "environments-prod-rds-free-storage")
	q := storage.List("metricQueries")
	require.Len(t, q, 1)
	expr, _ := offline.Lookup(q[0], "expression")
	assert.Equal(t, `SELECT MIN(FreeStorageSpace) FROM SCHEMA("AWS/RDS", DBInstanceIdentifier) WHERE AWS.AccountId = '666666666666'`, expr)
	assert.Equal(t, "LessThanThreshold", storage.String("comparisonOperator"))
	assert.Equal(t, float64(5*1024*1024*1024), storage.Get("threshold"))
	for _, a := range alarms {
		assert.Equal(t, []string{topic}, a.Strings("alarmActions"), a.Name)
		assert.Equal(t, []string{topic}, a.Strings("okActions"), a.Name)
		e, _ := offline.Lookup(a.List("metricQueries")[0], "expression")
		env := strings.Split(a.Name, "-")[1]
		want := map[string]string{"dev": devAccount, "prod": prodAccount}[env]
		assert.Contains(t, e, "AWS.AccountId = '"+want+"'", a.Name)
		assert.NotContains(t, e, "GROUP BY", "%s: an alarm's query is one aggregate series", a.Name)
	}
	dash := p.Require(t, "aws:cloudwatch/dashboard:Dashboard", "environments")
	body := dash.String("dashboardBody")
	assert.Contains(t, body, `SELECT SUM(HTTPCode_Target_5XX_Count) FROM SCHEMA(\"AWS/ApplicationELB\", LoadBalancer) WHERE AWS.AccountId = '444444444444' GROUP BY LoadBalancer`)
	assert.Contains(t, body, `SELECT AVG(MemoryUtilization) FROM SCHEMA(\"AWS/ECS\", ClusterName, ServiceName) WHERE AWS.AccountId = '666666666666' GROUP BY ClusterName, ServiceName`)
}

func TestBadArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name        string
		program     func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error
		field, rule string
	}{
		{"sink without sources", func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := observability.NewSink(ctx, "s", &observability.SinkArgs{AccountID: offline.UnitAccount}, opts...)
			return err
		}, "Args.SourceAccountIDs", "at least one"},
		{"sink admitting itself", func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := observability.NewSink(ctx, "s", &observability.SinkArgs{AccountID: offline.UnitAccount, SourceAccountIDs: []string{offline.UnitAccount}}, opts...)
			return err
		}, "Args.SourceAccountIDs[0]", "monitoring account itself"},
		{"sink with an unknown type", func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := observability.NewSink(ctx, "s", &observability.SinkArgs{AccountID: offline.UnitAccount, SourceAccountIDs: []string{devAccount}, ResourceTypes: []string{"AWS::S3::Bucket"}}, opts...)
			return err
		}, "Args.ResourceTypes", "not a resource type"},
		{"link without a sink", func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := observability.NewLink(ctx, "l", &observability.LinkArgs{}, opts...)
			return err
		}, "Args.SinkARN", "required"},
		{"label over 64 characters", func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := observability.NewLink(ctx, "l", &observability.LinkArgs{SinkARN: pulumi.String("arn"), LabelTemplate: strings.Repeat("a", 65)}, opts...)
			return err
		}, "Args.LabelTemplate", "1-64"},
		{"label with an unknown variable", func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := observability.NewLink(ctx, "l", &observability.LinkArgs{SinkARN: pulumi.String("arn"), LabelTemplate: "$AccountId"}, opts...)
			return err
		}, "Args.LabelTemplate", "$AccountId"},
		{"overview without environments", func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			_, err := observability.NewOverview(ctx, "o", &observability.OverviewArgs{AccountID: offline.UnitAccount, Region: "us-west-2", TopicARN: pulumi.String(topic)}, opts...)
			return err
		}, "Args.Environments", "at least one"},
		{"overview alarm with a percentile", func(ctx *pulumi.Context, opts ...pulumi.ResourceOption) error {
			al := observability.DefaultOverviewAlarms[0]
			al.Function = "p99"
			_, err := observability.NewOverview(ctx, "o", &observability.OverviewArgs{AccountID: offline.UnitAccount, Region: "us-west-2", TopicARN: pulumi.String(topic),
				Environments: []observability.Environment{{Name: "dev", AccountID: devAccount}}, Alarms: []observability.OverviewAlarm{al}}, opts...)
			return err
		}, "Args.Alarms[0].Function", "Metrics Insights has no other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := run(tc.program)
			offline.RequireProblem(t, err, tc.field, tc.rule)
			for _, r := range p.Resources {
				assert.Equal(t, "pulumi:providers:aws", r.Type, "nothing but the test's provider is registered: %s", r.URN)
			}
		})
	}
}

func TestLabelTemplateRule(t *testing.T) {
	for tmpl, ok := range map[string]bool{
		"$AccountName": true, "refarch $AccountEmailNoDomain": true, "$AccountEmail": true,
		"": false, strings.Repeat("x", 64): true, strings.Repeat("x", 65): false, "$Account": false,
	} {
		assert.Equal(t, ok, observability.CheckLabelTemplate(tmpl) == "", "%q", tmpl)
	}
}
