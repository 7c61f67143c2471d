package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/dnspart"
	"github.com/refarch/refarch/stacks/stack"
)

// appStacks are the application stacks, with what their stack files say
// about DNS: the delegation TTL and whether stateful resources are protected.
var appStacks = []struct {
	name    string
	ttl     int
	protect bool
}{
	{"dev", 300, false},
	{"stage", 3600, true},
	{"prod", 172800, true},
}

// rootZone is what shared-services exports (its root zone, management VPC
// and VPN server), as the application stacks read it.
func rootZone(t testing.TB) map[string]any {
	t.Helper()
	out, err := stackrefs.New(projectDir(t))("organization/refarch/shared-services")
	require.NoError(t, err)
	return out
}

// vpcID is the id of the stack's VPC, whatever registers it.
func vpcID(t *testing.T, p *offline.Plan) string {
	t.Helper()
	for _, typ := range []string{"awsx:ec2:Vpc", "aws:ec2/vpc:Vpc"} {
		if vpcs := p.ByType(typ); len(vpcs) == 1 {
			if id, ok := vpcs[0].Output("vpcId").(string); ok && id != "" {
				return id
			}
			return vpcs[0].ID
		}
	}
	t.Fatalf("stack %s has no VPC", p.Stack)
	return ""
}

func TestSharedServicesHoldsTheProtectedRootZone(t *testing.T) {
	p := plan(t, "shared-services")
	zones := p.ByType("aws:route53/zone:Zone")
	require.Len(t, zones, 1, "shared-services holds only the root zone")
	root := zones[0]
	assert.Equal(t, domainOf(t), root.String("name"))
	assert.Empty(t, root.List("vpcs"), "the root zone is public")
	assert.False(t, root.Bool("forceDestroy"))
	assert.True(t, root.Protect, "the registrar delegates to its name servers: it must survive a careless destroy")
	assert.True(t, root.RetainOnDelete)
	assert.Len(t, root.Output("nameServers"), 4)
	assert.Equal(t, "aws-shared-services", p.ProviderOf(root).Name)
	records := p.ByType("aws:route53/record:Record")
	require.Len(t, records, 1, "nothing delegates the root zone from within shared-services; its one record is the VPN server's")
	assert.Equal(t, "vpn."+domainOf(t), records[0].String("name"))
	assert.Equal(t, "A", records[0].String("type"))
	assert.Empty(t, p.ByType("aws:acm/certificate:Certificate"))

	// The exports the application stacks read, as offline/stackrefs serves them.
	exported := rootZone(t)
	assert.Equal(t, domainOf(t), exported[dnspart.OutputRootZoneName])
	assert.Regexp(t, `^Z[0-9A-Z]+$`, exported[dnspart.OutputRootZoneID])
}

func TestEnvironmentZoneIsDelegatedFromTheRootZoneThroughTheDelegateRole(t *testing.T) {
	root := rootZone(t)
	for _, env := range appStacks {
		t.Run(env.name, func(t *testing.T) {
			p := plan(t, env.name)
			zone := p.Require(t, "aws:route53/zone:Zone", "public-zone")
			assert.Equal(t, env.name+"."+domainOf(t), zone.String("name"))
			assert.Empty(t, zone.List("vpcs"))
			assert.Equal(t, env.protect, zone.Protect, "protected with refarch:deletionProtection")
			assert.Equal(t, "aws-"+env.name, p.ProviderOf(zone).Name, "the zone lives in the environment's account")

			ns := p.Require(t, "aws:route53/record:Record", "public-zone-delegation")
			assert.Equal(t, "NS", ns.String("type"))
			assert.Equal(t, env.name+"."+domainOf(t), ns.String("name"), "the delegate role may only write this name")
			assert.Equal(t, root[dnspart.OutputRootZoneID], ns.String("zoneId"), "written into the root zone shared-services exports")
			assert.Equal(t, zone.Output("nameServers"), ns.Get("records"), "delegated to exactly the zone's name servers")
			assert.Equal(t, env.ttl, ns.Int("ttl"))
			prov := p.ProviderOf(ns)
			require.NotNil(t, prov)
			assert.Equal(t, "aws-"+env.name+"-shared-services", prov.Name)
			assert.Equal(t, "arn:aws:iam::"+accountOf(t)["shared-services"]+":role/refarch-delegate-"+env.name, prov.String("assumeRole.roleArn"))

			for _, r := range p.ByType("aws:route53/record:Record") {
				if p.ProviderOf(r) == prov {
					assert.Equal(t, ns.URN, r.URN, "the only record written into shared-services is the delegation")
				}
			}
		})
	}
}

func TestPrivateZoneAnswersOnlyInTheEnvironmentsVPC(t *testing.T) {
	for _, env := range appStacks {
		t.Run(env.name, func(t *testing.T) {
			p := plan(t, env.name)
			zone := p.Require(t, "aws:route53/zone:Zone", "private-zone")
			assert.Equal(t, "internal."+env.name+"."+domainOf(t), zone.String("name"))
			require.Len(t, zone.List("vpcs"), 1)
			assert.Equal(t, vpcID(t, p), zone.String("vpcs[0].vpcId"), "associated with the stack's own VPC")
			assert.Equal(t, env.protect, zone.Protect)
			assert.Equal(t, "aws-"+env.name, p.ProviderOf(zone).Name)
			internal := 0
			for _, r := range p.ByType("aws:route53/record:Record") {
				if name := strings.TrimSuffix(r.String("name"), "."); dns.InZone(name, "internal."+env.name+"."+domainOf(t)) {
					internal++
					assert.Equal(t, zone.ID, r.String("zoneId"), "%s: internal names are written in the private zone only, never in public DNS", r.Name)
				}
			}
			assert.NotZero(t, internal, "the internal load balancer's name lives in the private zone")
		})
	}
}

func TestRegionalCertificateCoversApexAndWildcardAndWaitsForTheDelegation(t *testing.T) {
	for _, env := range appStacks {
		t.Run(env.name, func(t *testing.T) {
			p := plan(t, env.name)
			apex := env.name + "." + domainOf(t)
			cert := p.Require(t, "aws:acm/certificate:Certificate", "regional-certificate")
			assert.Equal(t, apex, cert.String("domainName"))
			assert.Equal(t, []string{"*." + apex}, cert.Strings("subjectAlternativeNames"))
			assert.Equal(t, "DNS", cert.String("validationMethod"))
			assert.Equal(t, "us-west-2", p.ProviderOf(cert).String("region"), "the load balancers' region")

			zone := p.Require(t, "aws:route53/zone:Zone", "public-zone")
			rec := p.Require(t, "aws:route53/record:Record", "regional-certificate-validation-apex")
			assert.Equal(t, zone.ID, rec.String("zoneId"), "validated in the environment's public zone")
			assert.Equal(t, "CNAME", rec.String("type"))
			assert.True(t, strings.HasSuffix(rec.String("name"), "."+apex+"."))
			assert.Equal(t, "aws-"+env.name, p.ProviderOf(rec).Name)

			validation := p.Require(t, "aws:acm/certificateValidation:CertificateValidation", "regional-certificate")
			assert.Equal(t, cert.ID, validation.String("certificateArn"))
			assert.Equal(t, []string{rec.Output("fqdn").(string)}, validation.Strings("validationRecordFqdns"))
			ns := p.Require(t, "aws:route53/record:Record", "public-zone-delegation")
			assert.Contains(t, rec.DependsOn, ns.URN, "ACM can only see the record once the zone is delegated")
		})
	}
}

func TestDNSConfigRejectsBadValues(t *testing.T) {
	longDomain := strings.Repeat("a", 56) + ".com" // prod.<60>: 65 characters, one too many
	cases := []struct {
		name, stack, key, value, rule string
	}{
		{"prefix with underscore", "dev", "refarch:dnsPrivateZonePrefix", "in_ternal", "DNS labels"},
		{"prefix with empty label", "stage", "refarch:dnsPrivateZonePrefix", "a..b", "DNS labels"},
		{"prefix upper case", "prod", "refarch:dnsPrivateZonePrefix", "Internal", "DNS labels"},
		{"prefix too long in all", "prod", "refarch:dnsPrivateZonePrefix", strings.TrimSuffix(strings.Repeat(strings.Repeat("a", 60)+".", 4), "."), "at most 253"},
		{"delegation ttl too short", "dev", "refarch:dnsDelegationTtl", "30", "between 60 and 172800"},
		{"delegation ttl too long", "stage", "refarch:dnsDelegationTtl", "604800", "between 60 and 172800"},
		{"prod delegation ttl short", "prod", "refarch:dnsDelegationTtl", "300", "at least 3600 in prod"},
		{"environment name too long for a certificate", "prod", "refarch:domain", longDomain, "at most 64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, map[string]string{tc.key: tc.value}, tc.key, tc.rule)
		})
	}
	t.Run("shared-services does not read the environment keys", func(t *testing.T) {
		_, err := planWith(t, "shared-services", map[string]string{"refarch:dnsDelegationTtl": "5"})
		require.NoError(t, err, "shared-services delegates nothing: the key is not read there")
	})
}

func TestEnvironmentRefusesARootZoneOfAnotherDomain(t *testing.T) {
	opts := options(t, nil)
	outputs := opts.StackOutputs
	domain := stackConfig(t, "stage").Domain
	other := "other-" + domain
	opts.StackOutputs = func(ref string) (map[string]any, error) {
		out, err := outputs(ref)
		if err == nil && strings.HasSuffix(ref, "/shared-services") {
			out[dnspart.OutputRootZoneName] = other
		}
		return out, err
	}
	_, err := offline.RunStack(stacks.Run, "stage", opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf(`refarch:domain = %q, but shared-services hosts the root zone %q`, domain, other))
}

// TestEveryRegistrationHasItsOwnURN guards against two parts registering a
// resource under the same type and name (two stack references to
// shared-services, say): the engine refuses a duplicate URN, the mocks do
// not.
func TestEveryRegistrationHasItsOwnURN(t *testing.T) {
	for _, stackName := range stack.Names() {
		t.Run(stackName, func(t *testing.T) {
			seen := map[string]bool{}
			for _, r := range plan(t, stackName).Resources {
				assert.False(t, seen[r.URN], "duplicate URN %s", r.URN)
				seen[r.URN] = true
			}
		})
	}
}
