package network_test

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/network"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
)

var zones = []string{"us-west-2a", "us-west-2b", "us-west-2c"}

// deployRole administers the flow logs' key unless a test says otherwise.
const deployRole = "arn:aws:iam::123456789012:role/deploy"

func build(t *testing.T, args network.NetworkArgs) *offline.Plan {
	t.Helper()
	if args.KeyAdministrators == nil {
		args.KeyAdministrators = []string{deployRole}
	}
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := network.NewNetwork(ctx, "main", &args, pulumi.Provider(provider))
		return err
	})
	require.NoError(t, err)
	return p
}

func TestNetworkConfiguresAwsxSafely(t *testing.T) {
	p := build(t, network.NetworkArgs{CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones})
	comp := p.Require(t, "refarch:network:Network", "main")
	vpc := p.Require(t, "awsx:ec2:Vpc", "main")
	assert.Equal(t, comp.URN, vpc.Parent)
	assert.True(t, vpc.Remote)
	assert.NotEmpty(t, vpc.Providers["aws"], "awsx's children must get the explicit provider")

	assert.Equal(t, "Auto", vpc.String("subnetStrategy"), "Legacy would replace subnets when a zone is added")
	assert.Equal(t, 19, vpc.Int("availabilityZoneCidrMask"), "fixed zone blocks")
	assert.Equal(t, zones, vpc.Strings("availabilityZoneNames"))
	assert.Equal(t, "OnePerAz", vpc.String("natGateways.strategy"), "the default is a NAT gateway per zone")
	assert.True(t, vpc.Bool("enableDnsHostnames"))
	specs := map[string]string{}
	for i := range vpc.List("subnetSpecs") {
		specs[vpc.String("subnetSpecs["+strconv.Itoa(i)+"].name")] = vpc.String("subnetSpecs[" + strconv.Itoa(i) + "].type")
	}
	assert.Equal(t, map[string]string{"app": "Private", "data": "Isolated", "public": "Public"}, specs,
		"the data tier is Isolated: awsx gives it no internet or NAT route")
}

func TestNetworkFlowLogsAreEncryptedAndKept(t *testing.T) {
	p := build(t, network.NetworkArgs{CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones, FlowLogRetentionDays: 731, Protect: true})
	key := p.Require(t, "aws:kms/key:Key", "main-flow-logs")
	group := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "main-flow-logs")
	flow := p.Require(t, "aws:ec2/flowLog:FlowLog", "main")

	assert.True(t, key.Bool("enableKeyRotation"))
	assert.Equal(t, key.Output("arn"), group.Get("kmsKeyId"), "the log group is encrypted with the component's key")
	assert.Equal(t, 731, group.Int("retentionInDays"))
	assert.Equal(t, "ALL", flow.String("trafficType"))
	assert.Equal(t, group.Output("arn"), flow.Get("logDestination"))
	assert.Equal(t, "cloud-watch-logs", flow.String("logDestinationType"))
	assert.True(t, key.Protect && key.RetainOnDelete && group.Protect && group.RetainOnDelete, "Protect keeps the logs and their key")

	// Only the deploy role administers the key, and it cannot use it.
	admin := key.Statements(t, "policy")["KeyAdministration"]
	require.NotNil(t, admin)
	assert.Equal(t, deployRole, first(admin["Principal"].(map[string]any)["AWS"]))
	assert.NotContains(t, admin["Action"], "kms:*")
	assert.NotContains(t, admin["Action"], "kms:Decrypt")
	assert.Len(t, key.Statements(t, "policy"), 2, "no statement hands the key to the account's IAM")

	// The key policy lets CloudWatch Logs use the key for this log group only.
	logs := key.Statements(t, "policy")["CloudWatchLogsForFlowLogGroup"]
	require.NotNil(t, logs)
	assert.Equal(t, "logs.us-west-2.amazonaws.com", first(logs["Principal"].(map[string]any)["Service"]))
	cond, _ := offline.Lookup(logs, "Condition.ArnEquals.kms:EncryptionContext:aws:logs:arn")
	assert.Equal(t, "arn:aws:logs:us-west-2:123456789012:log-group:/vpc/main/flow-logs", first(cond))
	assert.Equal(t, "/vpc/main/flow-logs", group.String("name"), "the default prefix names no project")

	role := p.Require(t, "aws:iam/role:Role", "main-flow-logs")
	trust, err := role.JSON("assumeRolePolicy")
	require.NoError(t, err)
	svc, _ := offline.Lookup(trust, "Statement[0].Principal.Service")
	assert.Equal(t, "vpc-flow-logs.amazonaws.com", first(svc))
	account, _ := offline.Lookup(trust, "Statement[0].Condition.StringEquals.aws:SourceAccount")
	assert.Equal(t, offline.UnitAccount, first(account), "confused-deputy guard")

	unprotected := build(t, network.NetworkArgs{CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones})
	assert.False(t, unprotected.Require(t, "aws:kms/key:Key", "main-flow-logs").Protect)
	assert.Equal(t, 365, unprotected.Require(t, "aws:cloudwatch/logGroup:LogGroup", "main-flow-logs").Int("retentionInDays"))
}

func TestNetworkStripsTheDefaultSecurityGroup(t *testing.T) {
	p := build(t, network.NetworkArgs{CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones})
	sg := p.Require(t, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "main-default")
	assert.True(t, sg.Has("ingress") && len(sg.List("ingress")) == 0, "no ingress rule")
	assert.True(t, sg.Has("egress") && len(sg.List("egress")) == 0, "no egress rule")
}

func TestNetworkFencesTheDataTier(t *testing.T) {
	p := build(t, network.NetworkArgs{CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones, DataTierPeerCIDRs: []string{"10.0.0.0/16"}})
	acl := p.Require(t, "aws:ec2/networkAcl:NetworkAcl", "main-data")
	vpc := p.Require(t, "awsx:ec2:Vpc", "main")
	assert.Equal(t, vpc.Output("isolatedSubnetIds"), acl.Get("subnetIds"), "the ACL guards exactly the data subnets")

	admitted := map[string]bool{}
	for i := range acl.List("ingress") {
		rule := "ingress[" + strconv.Itoa(i) + "]"
		assert.Equal(t, "allow", acl.String(rule+".action"))
		admitted[acl.String(rule+".cidrBlock")] = true
	}
	want := map[string]bool{
		"10.30.0.0/20": true, "10.30.32.0/20": true, "10.30.64.0/20": true, // app tier
		"10.30.16.0/21": true, "10.30.48.0/21": true, "10.30.80.0/21": true, // data tier
		"10.0.0.0/16": true, // the peer block asked for
	}
	assert.Equal(t, want, admitted, "nothing else (no public subnet, no 0.0.0.0/0) is admitted")
	assert.Len(t, acl.List("egress"), len(want))
}

func TestNetworkEndpoints(t *testing.T) {
	p := build(t, network.NetworkArgs{CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones})
	s3 := p.Require(t, "aws:ec2/vpcEndpoint:VpcEndpoint", "main-s3")
	assert.Equal(t, "com.amazonaws.us-west-2.s3", s3.String("serviceName"))
	assert.Equal(t, "Gateway", s3.String("vpcEndpointType"))
	assert.Len(t, s3.List("routeTableIds"), 6, "app and data route tables of three zones")
	p.Require(t, "aws:ec2/vpcEndpoint:VpcEndpoint", "main-dynamodb")
	assert.Len(t, p.ByType("aws:ec2/vpcEndpoint:VpcEndpoint"), 2, "no interface endpoints unless asked")
	assert.Empty(t, p.ByType("aws:ec2/securityGroup:SecurityGroup"))

	p = build(t, network.NetworkArgs{CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones, InterfaceEndpoints: true})
	sg := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "main-endpoints")
	require.Len(t, sg.List("ingress"), 1)
	assert.Equal(t, []string{"10.30.0.0/16"}, sg.Strings("ingress[0].cidrBlocks"), "HTTPS from the VPC only")
	assert.Equal(t, 443, sg.Int("ingress[0].fromPort"))
	assert.Empty(t, sg.List("egress"))
	services := map[string]bool{}
	for _, e := range p.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		if e.String("vpcEndpointType") != "Interface" {
			continue
		}
		services[strings.TrimPrefix(e.String("serviceName"), "com.amazonaws.us-west-2.")] = true
		assert.True(t, e.Bool("privateDnsEnabled"))
		assert.Equal(t, []any{sg.ID}, e.List("securityGroupIds"))
		assert.Len(t, e.List("subnetIds"), 3, "one interface per zone, in the app tier")
	}
	for _, svc := range []string{"ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager", "kms"} {
		assert.True(t, services[svc], "missing the %s endpoint", svc)
	}
}

func TestNetworkArgsValidation(t *testing.T) {
	cases := []struct {
		name  string
		args  network.NetworkArgs
		field string
	}{
		{"missing block", network.NetworkArgs{AvailabilityZones: zones}, "Args.CIDRBlock"},
		{"host bits", network.NetworkArgs{CIDRBlock: "10.30.0.1/16", AvailabilityZones: zones}, "Args.CIDRBlock"},
		{"public block", network.NetworkArgs{CIDRBlock: "52.0.0.0/16", AvailabilityZones: zones}, "Args.CIDRBlock"},
		{"too large", network.NetworkArgs{CIDRBlock: "10.0.0.0/12", AvailabilityZones: zones}, "Args.CIDRBlock"},
		{"one zone", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones[:1]}, "Args.AvailabilityZones"},
		{"repeated zone", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: []string{"a", "a"}}, "Args.AvailabilityZones"},
		{"unknown NAT strategy", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones, NatGateways: "two"}, "Args.NatGateways"},
		{"retention CloudWatch refuses", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones, FlowLogRetentionDays: 10}, "Args.FlowLogRetentionDays"},
		{"public peer", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones, DataTierPeerCIDRs: []string{"0.0.0.0/0"}}, "Args.DataTierPeerCIDRs[0]"},
		{"public tier too small for an ALB", network.NetworkArgs{CIDRBlock: "10.0.0.0/22", AvailabilityZones: zones}, "Args.Masks.Public"},
		{"app tier too small", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones, Masks: network.Masks{App: 25, Data: 26, Public: 27}}, "Args.Masks.App"},
		{"tiers overflow the zone", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones, Masks: network.Masks{App: 20, Data: 20, Public: 20}}, "Args.Masks"},
		{"no key administrator", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones}, "Args.KeyAdministrators"},
		{"key administrator not an ARN", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones, KeyAdministrators: []string{"deploy"}}, "Args.KeyAdministrators[0]"},
		{"log group prefix without a slash", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones, FlowLogGroupPrefix: "vpc"}, "Args.FlowLogGroupPrefix"},
		{"log group prefix ending in a slash", network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: zones, FlowLogGroupPrefix: "/acme/"}, "Args.FlowLogGroupPrefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
				_, err := network.NewNetwork(ctx, "main", &tc.args, pulumi.Provider(provider))
				return err
			})
			require.Error(t, err)
			var verr *validate.Error
			require.True(t, errors.As(err, &verr), "%v", err)
			assert.True(t, verr.Has(tc.field), "error must name %s: %v", tc.field, verr)
			assert.Contains(t, err.Error(), `network "main"`)
			assert.Empty(t, p.ByType("refarch:network:Network"), "nothing is registered")
		})
	}
}

// first returns a policy value's first element (values are lists).
func first(v any) any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		return l[0]
	}
	return v
}

func TestNatGatewaysAreLookedUpInThePublicSubnetsTheStrategyUses(t *testing.T) {
	cases := []struct {
		strategy network.NatStrategy
		subnets  []int // indexes of the public subnets holding a gateway
	}{
		{network.NatOnePerAZ, []int{0, 1, 2}},
		{network.NatSingle, []int{0}},
		{network.NatNone, nil},
	}
	for _, tc := range cases {
		t.Run(string(tc.strategy), func(t *testing.T) {
			var count int
			p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
				n, err := network.NewNetwork(ctx, "main", &network.NetworkArgs{
					CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones, NatGateways: tc.strategy, KeyAdministrators: []string{deployRole},
				}, pulumi.Provider(provider))
				if err == nil {
					count = n.NatGatewayCount
				}
				return err
			})
			require.NoError(t, err)
			assert.Equal(t, len(tc.subnets), count)
			public := p.Require(t, "awsx:ec2:Vpc", "main").Output("publicSubnetIds").([]any)
			var looked []string
			for _, inv := range p.InvokesOf("aws:ec2/getNatGateway:getNatGateway") {
				looked = append(looked, inv.Args["subnetId"].(string))
				assert.Equal(t, "available", inv.Args["state"])
			}
			var want []string
			for _, i := range tc.subnets {
				want = append(want, public[i].(string))
			}
			sort.Strings(want)
			sort.Strings(looked) // lookups run as the subnets resolve, in any order
			assert.Equal(t, want, looked)
		})
	}
}
