package dns

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Zone is a Route 53 hosted zone.
//
// A public zone (the default) answers on the internet. Given ParentZoneID,
// ParentZoneName and, when the parent lives in another account,
// ParentProvider, it also writes its delegation: an NS record for Domain in
// the parent, listing the zone's name servers, with DelegationTTL (default
// two days). ZoneID then resolves only once that record exists, so
// certificates validated through the zone are requested only when public
// resolvers can reach it.
//
// A private zone (Private with at least one of VpcIDs) answers only inside
// those VPCs: internal names never leak to public DNS. It cannot be
// delegated.
//
// Records created outside Pulumi are never deleted with the zone
// (forceDestroy is off), and Protect marks the zone protect and
// retainOnDelete: a re-created public zone gets new name servers and breaks
// every delegation to it.
type Zone struct {
	pulumi.ResourceState

	// ZoneID is the hosted zone's id; for a delegated zone it resolves once
	// the delegation record exists.
	ZoneID pulumi.StringOutput `pulumi:"zoneId"`
	// Name is the zone's DNS name.
	Name pulumi.StringOutput `pulumi:"name"`
	// NameServers are a public zone's four authoritative name servers:
	// what the parent (or the registrar, for a root zone) must delegate to.
	// Empty for a private zone.
	NameServers pulumi.StringArrayOutput `pulumi:"nameServers"`
}

// NewZone creates a hosted zone and, for a delegated public zone, its NS
// record in the parent. It validates args before registering anything.
func NewZone(ctx *pulumi.Context, name string, args *ZoneArgs, opts ...pulumi.ResourceOption) (*Zone, error) {
	if args == nil {
		args = &ZoneArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("zone arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("dns zone %q: %w", name, err)
	}
	c := &Zone{}
	if err := ctx.RegisterComponentResource("refarch:dns:Zone", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)

	zoneArgs := &route53.ZoneArgs{
		Name:         pulumi.String(a.Domain),
		Comment:      pulumi.String(a.Comment),
		ForceDestroy: pulumi.Bool(false),
		Tags:         pulumi.StringMap{"Name": pulumi.String(a.Domain)},
	}
	vpcs := route53.ZoneVpcArray{}
	for _, id := range a.VpcIDs {
		vpcs = append(vpcs, route53.ZoneVpcArgs{VpcId: id})
	}
	if a.Private {
		zoneArgs.Vpcs = vpcs
	}
	zoneOpts := []pulumi.ResourceOption{child}
	if a.Private {
		// Further VPCs (another account's, such as the management VPC) are
		// associated by separate ZoneAssociation resources; the zone must
		// not undo them. Source: https://www.pulumi.com/registry/packages/aws/api-docs/route53/zoneassociation/
		zoneOpts = append(zoneOpts, pulumi.IgnoreChanges([]string{"vpcs"}))
	}
	if a.Protect {
		zoneOpts = append(zoneOpts, pulumi.Protect(true), pulumi.RetainOnDelete(true))
	}
	zone, err := route53.NewZone(ctx, name, zoneArgs, zoneOpts...)
	if err != nil {
		return nil, err
	}
	c.ZoneID = zone.ZoneId
	c.Name = zone.Name
	c.NameServers = zone.NameServers

	if a.ParentZoneID != nil {
		ns, err := delegate(ctx, name, a, zone, child)
		if err != nil {
			return nil, err
		}
		// The id carries the delegation record as a dependency: whatever
		// is built from it waits until the zone is reachable.
		c.ZoneID = pulumi.All(zone.ZoneId, ns.Fqdn).ApplyT(func(v []any) string {
			return v[0].(string)
		}).(pulumi.StringOutput)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"zoneId":      c.ZoneID,
		"name":        c.Name,
		"nameServers": c.NameServers,
	})
}

// delegate writes the zone's NS record into its parent, through
// ParentProvider when the parent is in another account.
func delegate(ctx *pulumi.Context, name string, a ZoneArgs, zone *route53.Zone, child pulumi.ResourceOption) (*route53.Record, error) {
	opts := []pulumi.ResourceOption{child}
	if a.ParentProvider != nil {
		opts = append(opts, pulumi.Provider(a.ParentProvider))
	}
	return route53.NewRecord(ctx, name+"-delegation", &route53.RecordArgs{
		ZoneId:  a.ParentZoneID,
		Name:    pulumi.String(a.Domain),
		Type:    pulumi.String("NS"),
		Ttl:     pulumi.Int(a.DelegationTTL),
		Records: zone.NameServers,
	}, opts...)
}
