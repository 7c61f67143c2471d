package loadbalancer_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/loadbalancer"
	"github.com/refarch/refarch/offline"
)

const (
	sgType      = "aws:ec2/securityGroup:SecurityGroup"
	ingressType = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	egressType  = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	lbType      = "aws:lb/loadBalancer:LoadBalancer"
	listenType  = "aws:lb/listener:Listener"
	bucketType  = "aws:s3/bucketV2:BucketV2"
	recordType  = "aws:route53/record:Record"
)

func args(public bool) *loadbalancer.LoadBalancerArgs {
	return &loadbalancer.LoadBalancerArgs{
		Public:         public,
		VpcID:          pulumi.String("vpc-0123456789abcdef0"),
		SubnetIDs:      pulumi.ToStringArray([]string{"subnet-0a", "subnet-0b"}),
		CertificateARN: pulumi.String("arn:aws:acm:us-west-2:123456789012:certificate/abc"),
	}
}

func build(t *testing.T, name string, a *loadbalancer.LoadBalancerArgs) *offline.Plan {
	t.Helper()
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := loadbalancer.NewLoadBalancer(ctx, name, a, pulumi.Provider(provider))
		return err
	})
	require.NoError(t, err)
	return p
}

// ingress lists a group's ingress rules as "cidr:from-to".
func ingress(p *offline.Plan, group *offline.Resource) []string {
	var out []string
	for _, r := range p.ByType(ingressType) {
		if r.String("securityGroupId") == group.ID {
			out = append(out, fmt.Sprintf("%s:%d-%d", r.String("cidrIpv4")+r.String("referencedSecurityGroupId"), r.Int("fromPort"), r.Int("toPort")))
		}
	}
	return out
}

func TestPublicLoadBalancerListenersAndExposure(t *testing.T) {
	p := build(t, "dev-public", args(true))
	comp := p.Require(t, "refarch:loadbalancer:LoadBalancer", "dev-public")
	alb := p.Require(t, lbType, "dev-public")
	sg := p.Require(t, sgType, "dev-public")

	assert.False(t, alb.Bool("internal"))
	assert.Equal(t, "application", alb.String("loadBalancerType"))
	assert.True(t, alb.Bool("dropInvalidHeaderFields"), "invalid headers are a request-smuggling vector")
	assert.False(t, alb.Bool("enableDeletionProtection"), "unprotected by default")
	assert.Equal(t, []string{sg.ID}, alb.Strings("securityGroups"), "only its own group, never a default one")
	assert.LessOrEqual(t, len(alb.Output("name").(string)), 32, "ELB names are at most 32 characters")

	assert.ElementsMatch(t, []string{"0.0.0.0/0:80-80", "0.0.0.0/0:443-443"}, ingress(p, sg),
		"a public load balancer admits the internet on its two listener ports and nothing else")
	for _, r := range p.ByType(egressType) {
		assert.NotEqual(t, sg.ID, r.String("securityGroupId"), "the load balancer has no egress until a service attaches")
	}

	https := p.Require(t, listenType, "dev-public-https")
	assert.Equal(t, alb.ID, https.String("loadBalancerArn"))
	assert.Equal(t, "HTTPS", https.String("protocol"))
	assert.Equal(t, 443, https.Int("port"))
	assert.Equal(t, "TLSv1.2", minProtocol[https.String("sslPolicy")], "the listener admits no protocol below TLS 1.2")
	assert.Equal(t, "arn:aws:acm:us-west-2:123456789012:certificate/abc", https.String("certificateArn"))
	assert.Equal(t, "fixed-response", https.String("defaultActions[0].type"))
	assert.Equal(t, "404", https.String("defaultActions[0].fixedResponse.statusCode"), "unclaimed requests reach no service")
	assert.Contains(t, https.String("routingHttpResponseStrictTransportSecurityHeaderValue"), "max-age=31536000")

	http := p.Require(t, listenType, "dev-public-http")
	assert.Equal(t, "HTTP", http.String("protocol"))
	assert.Equal(t, 80, http.Int("port"))
	assert.Equal(t, "redirect", http.String("defaultActions[0].type"))
	assert.Equal(t, "HTTPS", http.String("defaultActions[0].redirect.protocol"))
	assert.Equal(t, "443", http.String("defaultActions[0].redirect.port"))
	assert.Equal(t, "HTTP_301", http.String("defaultActions[0].redirect.statusCode"))
	assert.Len(t, p.ByType(listenType), 2)

	for _, r := range p.Descendants(comp) {
		if r.Custom {
			require.NotNil(t, p.ProviderOf(r), "%s %s", r.Type, r.Name)
			assert.Equal(t, "unit", p.ProviderOf(r).Name, "children inherit the component's provider")
		}
	}
}

func TestInternalLoadBalancerAdmitsOnlyItsNetworks(t *testing.T) {
	a := args(false)
	a.IngressCIDRs = []string{"10.30.0.0/16", "10.0.0.0/16"}
	a.Aliases = []loadbalancer.Alias{{ZoneID: pulumi.String("Z0PRIVATE"), Name: "internal.prod.example.com"}}
	p := build(t, "prod-internal", a)
	alb := p.Require(t, lbType, "prod-internal")
	sg := p.Require(t, sgType, "prod-internal")

	assert.True(t, alb.Bool("internal"))
	assert.True(t, strings.HasPrefix(alb.Output("dnsName").(string), "internal-"))
	assert.ElementsMatch(t, []string{"10.30.0.0/16:443-443", "10.0.0.0/16:443-443"}, ingress(p, sg),
		"HTTPS only, from the named private blocks only")
	assert.Len(t, p.ByType(listenType), 1, "no plain-HTTP listener on an internal load balancer")
	assert.Equal(t, "HTTPS", p.ByType(listenType)[0].String("protocol"))

	rec := p.Require(t, recordType, "prod-internal-internal.prod.example.com")
	assert.Equal(t, "Z0PRIVATE", rec.String("zoneId"))
	assert.Equal(t, "A", rec.String("type"))
	assert.Equal(t, alb.Output("dnsName"), rec.Get("aliases[0].name"))
	assert.Equal(t, alb.Output("zoneId"), rec.Get("aliases[0].zoneId"))
}

// policyDoc is the part of a bucket policy the tests read.
type policyDoc struct {
	Statement []struct {
		Sid       string
		Effect    string
		Principal map[string][]string
		Action    []string
		Resource  []string
		Condition map[string]map[string][]string
	}
}

func TestInternalLoadBalancerAdmitsNamedGroups(t *testing.T) {
	a := args(false)
	a.IngressCIDRs = []string{"10.30.0.0/16"}
	a.IngressSecurityGroupIDs = []pulumi.StringInput{pulumi.String("222222222222/sg-0vpn")}
	p := build(t, "prod-internal", a)
	sg := p.Require(t, sgType, "prod-internal")
	assert.ElementsMatch(t, []string{"10.30.0.0/16:443-443", "222222222222/sg-0vpn:443-443"}, ingress(p, sg),
		"HTTPS from the block and from the admitted group, a peered account's referenced as <account>/<group>")
}

func TestAccessLogBucketIsLockedDown(t *testing.T) {
	for _, protect := range []bool{false, true} {
		t.Run(fmt.Sprintf("protect=%v", protect), func(t *testing.T) {
			a := args(true)
			a.Protect = protect
			a.AccessLogDays = 180
			p := build(t, "stage-public", a)
			alb := p.Require(t, lbType, "stage-public")
			bucket := p.Require(t, bucketType, "stage-public-logs")

			assert.Equal(t, protect, alb.Bool("enableDeletionProtection"))
			assert.Equal(t, protect, bucket.Protect, "logs survive `pulumi destroy` when protected")
			assert.Equal(t, protect, bucket.RetainOnDelete)
			assert.Equal(t, !protect, bucket.Bool("forceDestroy"))

			assert.True(t, alb.Bool("accessLogs.enabled"))
			assert.Equal(t, bucket.ID, alb.String("accessLogs.bucket"))
			assert.Equal(t, "stage-public", alb.String("accessLogs.prefix"))
			assert.Contains(t, alb.DependsOn, p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "stage-public-logs").URN,
				"ELB checks its write permission when logging is enabled")

			sse := p.Require(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "stage-public-logs")
			assert.Equal(t, bucket.ID, sse.String("bucket"))
			assert.Equal(t, "AES256", sse.String("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"), "ALB logs support SSE-S3 only")
			versioning := p.Require(t, "aws:s3/bucketVersioningV2:BucketVersioningV2", "stage-public-logs")
			assert.Equal(t, "Enabled", versioning.String("versioningConfiguration.status"))
			block := p.Require(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "stage-public-logs")
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				assert.True(t, block.Bool(k), k)
			}
			lifecycle := p.Require(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "stage-public-logs")
			assert.Equal(t, 180, lifecycle.Int("rules[0].expiration.days"))
			assert.Equal(t, "Enabled", lifecycle.String("rules[0].status"))

			raw, err := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "stage-public-logs").JSON("policy")
			require.NoError(t, err)
			var doc policyDoc
			b, _ := json.Marshal(raw)
			require.NoError(t, json.Unmarshal(b, &doc))
			arn := bucket.Output("arn").(string)
			var denyTLS bool
			writers := map[string]bool{}
			for _, s := range doc.Statement {
				if s.Effect == "Deny" && s.Condition["Bool"]["aws:SecureTransport"][0] == "false" {
					denyTLS = true
					assert.ElementsMatch(t, []string{arn, arn + "/*"}, s.Resource)
				}
				if s.Effect == "Allow" {
					assert.Equal(t, []string{"s3:PutObject"}, s.Action, "log delivery may only write")
					assert.Equal(t, []string{arn + "/stage-public/AWSLogs/" + offline.UnitAccount + "/*"}, s.Resource,
						"only under this load balancer's prefix and account")
					for typ, ids := range s.Principal {
						for _, id := range ids {
							writers[typ+":"+id] = true
						}
					}
				}
			}
			assert.True(t, denyTLS, "the bucket refuses plain HTTP")
			assert.Equal(t, map[string]bool{
				"AWS:arn:aws:iam::797873946194:root":                     true, // ELB's us-west-2 account
				"Service:logdelivery.elasticloadbalancing.amazonaws.com": true,
			}, writers, "Elastic Load Balancing is the only writer")
		})
	}
}

func TestLoadBalancerValidation(t *testing.T) {
	cases := []struct {
		name  string
		lb    string
		edit  func(a *loadbalancer.LoadBalancerArgs)
		field string
		rule  string
	}{
		{"name too long for ELB", "a-very-long-environment-public", nil, "name", "32-character ELB name limit"},
		{"reserved internal- prefix", "internal", nil, "name", `"internal-"`},
		{"upper case name", "Dev-Public", nil, "name", "lower-case"},
		{"no vpc", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.VpcID = nil }, "Args.VpcID", "required"},
		{"no subnets", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.SubnetIDs = nil }, "Args.SubnetIDs", "required"},
		{"no certificate", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.CertificateARN = nil }, "Args.CertificateARN", "required"},
		{"legacy TLS policy", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.SSLPolicy = "ELBSecurityPolicy-2016-08" }, "Args.SSLPolicy", "TLS before 1.2"},
		{"internal open to the internet", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.Public, a.IngressCIDRs = false, []string{"0.0.0.0/0"} }, "Args.IngressCIDRs[0]", "RFC 1918"},
		{"internal without sources", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.Public = false }, "Args.IngressCIDRs", "internal load balancer"},
		{"bad cidr", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.IngressCIDRs = []string{"10.0.0.1/16"} }, "Args.IngressCIDRs[0]", "host bits"},
		{"negative log retention", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.AccessLogDays = -1 }, "Args.AccessLogDays", "between 1 and 3650"},
		{"idle timeout too long", "ok", func(a *loadbalancer.LoadBalancerArgs) { a.IdleTimeout = 5000 }, "Args.IdleTimeout", "between 1 and 4000"},
		{"bad alias", "ok", func(a *loadbalancer.LoadBalancerArgs) {
			a.Aliases = []loadbalancer.Alias{{ZoneID: pulumi.String("Z1"), Name: "Origin.example.com"}}
		}, "Args.Aliases[0].Name", "DNS name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := args(true)
			if tc.edit != nil {
				tc.edit(a)
			}
			p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
				_, err := loadbalancer.NewLoadBalancer(ctx, tc.lb, a, pulumi.Provider(provider))
				return err
			})
			offline.RequireProblem(t, err, tc.field, tc.rule)
			assert.Len(t, p.Resources, 1, "only the test's provider may be registered")
		})
	}
}

func TestArgsAreNotMutated(t *testing.T) {
	a := args(true)
	build(t, "dev-public", a)
	assert.Empty(t, a.IngressCIDRs, "defaults apply to a copy")
	assert.Empty(t, a.SSLPolicy)
}

// minProtocol is the oldest protocol each predefined ALB security policy
// admits, copied by hand from the policy table of the AWS documentation
// (not derived from the code under test).
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
var minProtocol = map[string]string{
	"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09":      "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-2-PQ-2025-09":          "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09":     "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09":     "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09":          "TLSv1.3",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09":     "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09": "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09":     "TLSv1.3",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06":         "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-2-2021-06":             "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06":        "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06":        "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-3-2021-06":             "TLSv1.3",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04":        "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04":    "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04":        "TLSv1.3",
	"ELBSecurityPolicy-TLS-1-2-2017-01":               "TLSv1.2",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06":           "TLSv1.2",
	"ELBSecurityPolicy-FS-1-2-2019-08":                "TLSv1.2",
	"ELBSecurityPolicy-FS-1-2-Res-2019-08":            "TLSv1.2",
	"ELBSecurityPolicy-FS-1-2-Res-2020-10":            "TLSv1.2",
	"ELBSecurityPolicy-TLS13-1-1-2021-06":             "TLSv1.1",
	"ELBSecurityPolicy-TLS13-1-0-2021-06":             "TLSv1",
	"ELBSecurityPolicy-FS-1-1-2019-08":                "TLSv1.1",
	"ELBSecurityPolicy-TLS-1-1-2017-01":               "TLSv1.1",
	"ELBSecurityPolicy-2016-08":                       "TLSv1",
	"ELBSecurityPolicy-2015-05":                       "TLSv1",
}

func TestEveryAcceptedPolicyRefusesTLSBefore12(t *testing.T) {
	for _, policy := range loadbalancer.ModernSSLPolicies {
		lowest, known := minProtocol[policy]
		require.True(t, known, "%s is not in the AWS table this test copies", policy)
		assert.Contains(t, []string{"TLSv1.2", "TLSv1.3"}, lowest, "%s admits %s", policy, lowest)
	}
	for policy, lowest := range minProtocol {
		if lowest == "TLSv1" || lowest == "TLSv1.1" {
			assert.NotContains(t, loadbalancer.ModernSSLPolicies, policy, "%s admits %s and must be refused", policy, lowest)
		}
	}
}
