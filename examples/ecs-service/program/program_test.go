package program_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/examples/ecs-service/program"
	"github.com/refarch/refarch/examples/internal/proof"
	"github.com/refarch/refarch/offline"
)

// trial are the rules the sample stack fails on purpose: it is there to be
// tried and destroyed, so nothing is protected. protect: true turns them
// into passes (TestProtectMakesItProductionGrade).
var trial = proof.Explain("the sample keeps protect false, so `pulumi destroy` removes the trial; set protect true in production",
	"alb-deletion-protection", "stateful-resources-protected", "no-force-destroy")

func plan(t *testing.T, set map[string]string) *offline.Plan {
	t.Helper()
	return proof.Plan(t, program.Program, set)
}

func TestTheServiceIsBehindTheLoadBalancerOverHTTPS(t *testing.T) {
	p := plan(t, nil)
	sample := proof.Sample(t)
	host := sample["hostName"]
	lb := p.Require(t, "aws:lb/loadBalancer:LoadBalancer", "example-web")
	vpc := p.ByType("awsx:ec2:Vpc")[0]
	assert.False(t, lb.Bool("internal"), "a public load balancer")
	assert.Equal(t, offline.Strings(vpc.Output("publicSubnetIds")), lb.Strings("subnets"))

	// Clients: HTTPS with a modern policy and the validated certificate;
	// plain HTTP only redirects.
	https := p.Require(t, "aws:lb/listener:Listener", "example-web-https")
	validation := p.Require(t, "aws:acm/certificateValidation:CertificateValidation", "example-certificate")
	assert.Equal(t, "HTTPS", https.String("protocol"))
	assert.Equal(t, 443, https.Int("port"))
	assert.Equal(t, validation.Output("certificateArn"), https.String("certificateArn"), "the listener waits for the validated certificate")
	assert.Contains(t, https.String("sslPolicy"), "TLS13")
	http := p.Require(t, "aws:lb/listener:Listener", "example-web-http")
	assert.Equal(t, "redirect", http.String("defaultActions.0.type"))
	assert.Equal(t, "HTTPS", http.String("defaultActions.0.redirect.protocol"))

	// The host name of the zone reaches the service, over HTTPS to the
	// task too (targetProtocol's default).
	rule := p.Require(t, "aws:lb/listenerRule:ListenerRule", "example-web")
	target := p.Require(t, "aws:lb/targetGroup:TargetGroup", "example-web")
	assert.Equal(t, https.ID, rule.String("listenerArn"))
	assert.Equal(t, target.ID, rule.String("actions.0.targetGroupArn"))
	assert.Equal(t, []string{host}, rule.Strings("conditions.1.hostHeader.values"))
	assert.Equal(t, sample["targetProtocol"], target.String("protocol"))
	assert.Equal(t, sample["port"], fmt.Sprint(target.Int("port")))
	service := p.Require(t, "aws:ecs/service:Service", "example-web")
	assert.Equal(t, target.ID, service.String("loadBalancers.0.targetGroupArn"))

	alias := p.Require(t, "aws:route53/record:Record", "example-web-"+host)
	assert.Equal(t, sample["zoneId"], alias.String("zoneId"))
	assert.Equal(t, host, alias.String("name"))
	for _, r := range p.ByType("aws:route53/record:Record") {
		if r != alias {
			assert.Equal(t, sample["zoneId"], r.String("zoneId"), "the certificate is validated in the team's zone")
			assert.Contains(t, validation.Strings("validationRecordFqdns"), strings.TrimSuffix(r.String("name"), "."))
		}
	}
	cert := p.Require(t, "aws:acm/certificate:Certificate", "example-certificate")
	assert.Equal(t, host, cert.String("domainName"))
	assert.Equal(t, "DNS", cert.String("validationMethod"))

	webACL := p.Require(t, "aws:wafv2/webAcl:WebAcl", "example-web")
	association := p.Require(t, "aws:wafv2/webAclAssociation:WebAclAssociation", "example-web-0")
	assert.Equal(t, lb.ID, association.String("resourceArn"))
	assert.Equal(t, webACL.Output("arn"), association.String("webAclArn"))
}

func TestTheTasksArePrivateAndReachOnlyAWS(t *testing.T) {
	p := plan(t, nil)
	vpc := p.ByType("awsx:ec2:Vpc")[0]
	service := p.Require(t, "aws:ecs/service:Service", "example-web")
	assert.False(t, service.Bool("networkConfiguration.assignPublicIp"))
	assert.Equal(t, offline.Strings(vpc.Output("privateSubnetIds")), service.Strings("networkConfiguration.subnets"), "the app subnets")
	assert.Equal(t, "None", vpc.String("natGateways.strategy"), "no NAT gateway: no route to the internet")

	tasks := service.Strings("networkConfiguration.securityGroups")
	require.Len(t, tasks, 1)
	lbGroups := p.Require(t, "aws:lb/loadBalancer:LoadBalancer", "example-web").Strings("securityGroups")
	require.Len(t, lbGroups, 1)
	endpoints := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "example-endpoints")
	for _, r := range p.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if r.String("securityGroupId") == tasks[0] {
			assert.Equal(t, lbGroups[0], r.String("referencedSecurityGroupId"), "the tasks admit only the load balancer: %s", r.Name)
		}
	}
	var out []string
	for _, r := range p.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		if r.String("securityGroupId") == tasks[0] {
			assert.Equal(t, 443, r.Int("toPort"), r.Name)
			out = append(out, r.String("referencedSecurityGroupId")+r.String("prefixListId")+r.String("cidrIpv4"))
		}
	}
	assert.ElementsMatch(t, []string{endpoints.ID, p.Require(t, "aws:ec2/vpcEndpoint:VpcEndpoint", "example-s3").Output("prefixListId").(string)}, out,
		"HTTPS to the interface endpoints and to S3's prefix list, nothing else")
	var services []string
	for _, e := range p.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		if e.String("vpcEndpointType") == "Interface" {
			services = append(services, e.String("serviceName"))
		}
	}
	var want []string
	for _, s := range program.EndpointServices {
		want = append(want, "com.amazonaws."+proof.Sample(t)["region"]+"."+s)
	}
	assert.ElementsMatch(t, []string{"ecr.api", "ecr.dkr", "logs"}, program.EndpointServices)
	assert.ElementsMatch(t, want, services)
}

func TestEveryResourceNamesTheExplicitProvider(t *testing.T) {
	p := plan(t, nil)
	providers := p.ByType("pulumi:providers:aws")
	require.Len(t, providers, 1)
	assert.Equal(t, []string{proof.Sample(t)["accountId"]}, providers[0].Strings("allowedAccountIds"))
	for _, r := range p.Resources {
		if r.Custom && r.Type != "pulumi:providers:aws" {
			assert.Equal(t, providers[0], p.ProviderOf(r), "%s %s", r.Type, r.Name)
		}
	}
}

func TestEveryRulePassesOrIsExplained(t *testing.T) {
	proof.Judge(t, plan(t, nil), proof.Merge(proof.Explain(proof.AccountReason, proof.AccountRules...), trial))
}

func TestProtectMakesItProductionGrade(t *testing.T) {
	p := plan(t, map[string]string{"ecs-service:protect": "true"})
	proof.Judge(t, p, proof.Explain(proof.AccountReason, proof.AccountRules...))
	assert.True(t, p.Require(t, "aws:lb/loadBalancer:LoadBalancer", "example-web").Bool("enableDeletionProtection"))
}

func TestAnHTTPContainerStillGetsHTTPSClients(t *testing.T) {
	p := plan(t, map[string]string{"ecs-service:targetProtocol": "HTTP"})
	assert.Equal(t, "HTTP", p.Require(t, "aws:lb/targetGroup:TargetGroup", "example-web").String("protocol"))
	assert.Equal(t, "HTTPS", p.Require(t, "aws:lb/listener:Listener", "example-web-https").String("protocol"))
}

func TestTheReadmeAgreesWithTheExample(t *testing.T) {
	proof.Cost(t, plan(t, nil))
	proof.ReadmeAgrees(t, "ecs-service")
}

func TestItUsesOnlyTheComponentLibrary(t *testing.T) {
	proof.UsesOnlyTheLibrary(t)
}
