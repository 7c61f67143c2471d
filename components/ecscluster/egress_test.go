package ecscluster_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/ecscluster"
	"github.com/refarch/refarch/offline"
)

// egressOf lists the egress rules of the group with id sg as
// "destination:from-to", the destination being whichever of CIDR, group
// and prefix list the rule names.
func egressOf(p *offline.Plan, sg string) []string {
	var out []string
	for _, r := range p.ByType(egressType) {
		if r.String("securityGroupId") != sg {
			continue
		}
		dest := r.String("cidrIpv4") + r.String("cidrIpv6") + r.String("referencedSecurityGroupId") + r.String("prefixListId")
		out = append(out, fmt.Sprintf("%s:%d-%d", dest, r.Int("fromPort"), r.Int("toPort")))
	}
	return out
}

func TestTasksReachTheEndpointsAndNotTheInternet(t *testing.T) {
	p := build(t, baseArgs())
	web := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "dev-web")
	api := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "dev-api")
	assert.ElementsMatch(t, []string{"sg-0endpoints:443-443", "pl-68a54001:443-443"}, egressOf(p, web.ID),
		"web is wired to nothing: it reaches the interface endpoints and S3, on 443, and nothing else")
	assert.ElementsMatch(t, []string{"sg-0endpoints:443-443", "pl-68a54001:443-443", "10.30.0.0/16:5432-5432"}, egressOf(p, api.ID),
		"api adds its own egress and nothing more")
	for _, r := range p.ByType(egressType) {
		assert.NotEqual(t, "0.0.0.0/0", r.String("cidrIpv4"), "%s: no service asked for the internet", r.Name)
		assert.Equal(t, "tcp", r.String("ipProtocol"), r.Name)
	}
	s3 := p.Require(t, egressType, "dev-web-to-s3")
	assert.Equal(t, "pl-68a54001", s3.String("prefixListId"), "S3 through its gateway endpoint's prefix list")
	assert.Empty(t, s3.String("cidrIpv4"))
	endpoints := p.Require(t, egressType, "dev-web-to-endpoints")
	assert.Equal(t, "sg-0endpoints", endpoints.String("referencedSecurityGroupId"))
	assert.Nil(t, p.Find(egressType, "dev-web-https-out"))
}

func TestInternetEgressOnlyWhereAsked(t *testing.T) {
	a := baseArgs()
	a.Services[1].InternetEgress = true
	p := build(t, a)
	web := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "dev-web")
	api := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "dev-api")

	var open []string
	for _, r := range p.ByType(egressType) {
		if r.String("cidrIpv4") == "0.0.0.0/0" {
			open = append(open, r.Name)
			assert.Equal(t, api.ID, r.String("securityGroupId"))
			assert.Equal(t, 443, r.Int("fromPort"), "HTTPS only")
			assert.Equal(t, 443, r.Int("toPort"), "HTTPS only")
		}
	}
	assert.Equal(t, []string{"dev-api-https-out"}, open, "exactly one rule to the internet, on the service that asked")
	assert.ElementsMatch(t, []string{"sg-0endpoints:443-443", "pl-68a54001:443-443"}, egressOf(p, web.ID), "the other service stays closed")
	assert.Contains(t, egressOf(p, api.ID), "sg-0endpoints:443-443", "AWS APIs still go through the endpoints")
}

func TestInternetEgressWithoutEndpoints(t *testing.T) {
	a := baseArgs()
	a.EndpointSecurityGroupID, a.S3PrefixListID = nil, nil
	for i := range a.Services {
		a.Services[i].InternetEgress = true
	}
	p := build(t, a)
	web := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "dev-web")
	assert.Equal(t, []string{"0.0.0.0/0:443-443"}, egressOf(p, web.ID),
		"without endpoints, a service that asked for the internet reaches AWS through NAT, on 443 only")
}

func TestServiceSpecDecodesInternetEgress(t *testing.T) {
	var spec ecscluster.ServiceSpec
	require.NoError(t, json.Unmarshal([]byte(`{"name":"web","internetEgress":true}`), &spec))
	assert.True(t, spec.InternetEgress, "configuration spells it internetEgress")
	spec = ecscluster.ServiceSpec{}
	require.NoError(t, json.Unmarshal([]byte(`{"name":"web"}`), &spec))
	assert.False(t, spec.InternetEgress, "off unless asked")
}

// ruleDescription is what EC2 accepts in a security group rule's
// description: up to 255 of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=;{}!$*
// (no apostrophe).
// Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
var ruleDescription = regexp.MustCompile(`^[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]{0,255}$`)

func TestRuleDescriptionsAreOnesEC2Accepts(t *testing.T) {
	a := baseArgs()
	a.Services[0].InternetEgress = true
	p := build(t, a)
	rules := append(p.ByType(egressType), p.ByType(ingressType)...)
	require.NotEmpty(t, rules)
	for _, r := range rules {
		assert.Regexp(t, ruleDescription, r.String("description"), r.Name)
	}
}

func TestNoEndpointsRefusesEveryClosedService(t *testing.T) {
	a := baseArgs()
	a.EndpointSecurityGroupID = nil
	a.Services[0].InternetEgress = true
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
		return err
	})
	offline.RequireProblem(t, err, "Args.Services[1].InternetEgress", "could not start")
	assert.NotContains(t, err.Error(), "Args.Services[0].InternetEgress", "the service with internet egress can start")
	assert.Len(t, p.Resources, 1, "nothing but the test's provider may be registered")
}
