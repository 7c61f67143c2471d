package dns_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/dns"
)

func TestDelegatedZoneWritesItsNSRecordThroughTheParentProvider(t *testing.T) {
	plan, err := run(t, func(ctx *pulumi.Context, p *providers) error {
		z, err := dns.NewZone(ctx, "env", &dns.ZoneArgs{
			Domain:         "prod.example.com",
			ParentZoneID:   pulumi.String("ZPARENT0000001"),
			ParentZoneName: "example.com",
			ParentProvider: p.parent,
			Protect:        true,
		}, pulumi.Provider(p.account))
		if err != nil {
			return err
		}
		// A record built from ZoneID must wait for the delegation.
		_, err = route53.NewRecord(ctx, "consumer", &route53.RecordArgs{
			ZoneId: z.ZoneID, Name: pulumi.String("www.prod.example.com"), Type: pulumi.String("CNAME"),
			Records: pulumi.StringArray{pulumi.String("example.net")}, Ttl: pulumi.Int(60),
		}, pulumi.Provider(p.account))
		return err
	})
	require.NoError(t, err)

	zone := plan.Find("aws:route53/zone:Zone", "env")
	require.NotNil(t, zone)
	assert.Equal(t, "prod.example.com", zone.String("name"))
	assert.False(t, zone.Bool("forceDestroy"), "records made outside Pulumi must survive")
	assert.Empty(t, zone.List("vpcs"), "a public zone has no VPC")
	assert.True(t, zone.Protect)
	assert.True(t, zone.RetainOnDelete)
	assert.Equal(t, "unit", plan.ProviderOf(zone).Name)

	ns := plan.Find("aws:route53/record:Record", "env-delegation")
	require.NotNil(t, ns)
	assert.Equal(t, "NS", ns.String("type"))
	assert.Equal(t, "prod.example.com", ns.String("name"))
	assert.Equal(t, "ZPARENT0000001", ns.String("zoneId"))
	assert.Equal(t, dns.DefaultDelegationTTL, ns.Int("ttl"))
	servers := zone.Output("nameServers").([]any)
	require.Len(t, servers, 4)
	assert.Equal(t, servers, ns.List("records"), "the parent must delegate to exactly the zone's name servers")
	assert.Equal(t, "parent", plan.ProviderOf(ns).Name, "the NS record lives in the parent zone's account")
	assert.False(t, ns.Protect)

	comp := plan.Find("refarch:dns:Zone", "env")
	require.NotNil(t, comp)
	assert.Equal(t, comp.URN, zone.Parent)
	assert.Equal(t, comp.URN, ns.Parent)

	consumer := plan.Find("aws:route53/record:Record", "consumer")
	require.NotNil(t, consumer)
	assert.Equal(t, zone.ID, consumer.String("zoneId"))
	assert.True(t, dependsOn(consumer, ns.URN), "ZoneID must carry the delegation record as a dependency")
	assert.True(t, strings.HasPrefix(zone.ID, "Z"))
}

func TestPrivateZoneIsAssociatedWithItsVPCsAndNeverDelegated(t *testing.T) {
	plan, err := run(t, func(ctx *pulumi.Context, p *providers) error {
		_, err := dns.NewZone(ctx, "internal", &dns.ZoneArgs{
			Domain:  "internal.prod.example.com",
			Private: true,
			VpcIDs:  []pulumi.StringInput{pulumi.String("vpc-0123456789abcdef0")},
		}, pulumi.Provider(p.account))
		return err
	})
	require.NoError(t, err)
	zone := plan.Find("aws:route53/zone:Zone", "internal")
	require.NotNil(t, zone)
	assert.Equal(t, "internal.prod.example.com", zone.String("name"))
	require.Len(t, zone.List("vpcs"), 1)
	assert.Equal(t, "vpc-0123456789abcdef0", zone.String("vpcs[0].vpcId"))
	assert.Contains(t, zone.String("comment"), "private zone")
	assert.False(t, zone.Protect, "protection is the caller's choice")
	assert.Equal(t, []string{"vpcs"}, zone.IgnoreChanges, "VPCs associated elsewhere (another account's) are not undone")
	assert.Empty(t, plan.ByType("aws:route53/record:Record"), "a private zone writes no delegation")
}

func TestZoneArgsAreValidatedBeforeAnythingIsRegistered(t *testing.T) {
	vpc := []pulumi.StringInput{pulumi.String("vpc-1")}
	cases := []struct {
		name        string
		args        dns.ZoneArgs
		field, rule string
	}{
		{"no domain", dns.ZoneArgs{}, "ZoneArgs.Domain", "required"},
		{"bad domain", dns.ZoneArgs{Domain: "Prod..example.com"}, "ZoneArgs.Domain", "DNS name"},
		{"private without vpc", dns.ZoneArgs{Domain: "a.example.com", Private: true}, "ZoneArgs.VpcIDs", "only together with a VPC"},
		{"public with vpc", dns.ZoneArgs{Domain: "a.example.com", VpcIDs: vpc}, "ZoneArgs.VpcIDs", "set ZoneArgs.Private"},
		{"nil vpc", dns.ZoneArgs{Domain: "a.example.com", Private: true, VpcIDs: []pulumi.StringInput{nil}}, "ZoneArgs.VpcIDs[0]", "VPC id"},
		{"private delegated", dns.ZoneArgs{Domain: "a.example.com", Private: true, VpcIDs: vpc, ParentZoneID: pulumi.String("Z1"), ParentZoneName: "example.com"}, "ZoneArgs.ParentZoneID", "private zone cannot be delegated"},
		{"parent without name", dns.ZoneArgs{Domain: "a.example.com", ParentZoneID: pulumi.String("Z1")}, "ZoneArgs.ParentZoneName", "required"},
		{"parent name without id", dns.ZoneArgs{Domain: "a.example.com", ParentZoneName: "example.com"}, "ZoneArgs.ParentZoneName", "needs ZoneArgs.ParentZoneID"},
		{"not below parent", dns.ZoneArgs{Domain: "a.example.org", ParentZoneID: pulumi.String("Z1"), ParentZoneName: "example.com"}, "ZoneArgs.Domain", "below the parent zone example.com"},
		{"same as parent", dns.ZoneArgs{Domain: "example.com", ParentZoneID: pulumi.String("Z1"), ParentZoneName: "example.com"}, "ZoneArgs.Domain", "below the parent"},
		{"suffix is not a parent", dns.ZoneArgs{Domain: "badexample.com", ParentZoneID: pulumi.String("Z1"), ParentZoneName: "example.com"}, "ZoneArgs.Domain", "below the parent"},
		{"ttl too long", dns.ZoneArgs{Domain: "a.example.com", ParentZoneID: pulumi.String("Z1"), ParentZoneName: "example.com", DelegationTTL: 172801}, "ZoneArgs.DelegationTTL", "between 60 and 172800"},
		{"ttl too short", dns.ZoneArgs{Domain: "a.example.com", ParentZoneID: pulumi.String("Z1"), ParentZoneName: "example.com", DelegationTTL: 5}, "ZoneArgs.DelegationTTL", "between 60 and 172800"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := run(t, func(ctx *pulumi.Context, p *providers) error {
				_, err := dns.NewZone(ctx, "z", &tc.args, pulumi.Provider(p.account))
				return err
			})
			requireProblem(t, err, tc.field, tc.rule)
			assert.Contains(t, err.Error(), `dns zone "z"`)
			assert.Empty(t, plan.ByType("refarch:dns:Zone"), "nothing may be registered")
			assert.Empty(t, plan.ByType("aws:route53/zone:Zone"))
		})
	}
	t.Run("parent provider without parent", func(t *testing.T) {
		_, err := run(t, func(ctx *pulumi.Context, p *providers) error {
			_, err := dns.NewZone(ctx, "z", &dns.ZoneArgs{Domain: "a.example.com", ParentProvider: p.parent}, pulumi.Provider(p.account))
			return err
		})
		requireProblem(t, err, "ZoneArgs.ParentProvider", "only used to write the delegation")
	})
}

func TestZoneArgsDefaultsDoNotChangeTheCallersArgs(t *testing.T) {
	args := &dns.ZoneArgs{Domain: "a.example.com", ParentZoneID: pulumi.String("Z1"), ParentZoneName: "example.com"}
	_, err := run(t, func(ctx *pulumi.Context, p *providers) error {
		_, err := dns.NewZone(ctx, "z", args, pulumi.Provider(p.account))
		return err
	})
	require.NoError(t, err)
	assert.Zero(t, args.DelegationTTL)
	assert.Empty(t, args.Comment)
}
