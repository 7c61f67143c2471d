package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Peering links two VPCs of different accounts with a VPC peering
// connection: the requester's account asks, the accepter's account accepts,
// and each side routes the other's block through the connection.
//
// Why peering rather than a Transit Gateway shared with RAM: the reference
// architecture needs a hub (the management VPC, where the VPN server lives)
// to reach a few spokes (dev, stage, prod) and nothing else. Peering is
// exactly that and no more: it is not transitive, so the application
// accounts can never reach each other through the hub (a Transit Gateway
// would need route-table segmentation to prevent it); it costs nothing per
// hour (a Transit Gateway bills every attachment hourly plus per GB); and it
// adds no shared resource whose failure or misconfiguration cuts every
// account at once. A Transit Gateway becomes the better choice beyond a
// dozen VPCs or when on-premises links join; this component is the seam to
// replace then.
//
// Peering is not transitive for addresses either: traffic must come from
// inside the peer VPC's block. The VPN server therefore translates its
// clients' addresses to its own (it lives in the management VPC), and the
// application VPCs admit the management block, not the VPN client pool.
//
// Each side's resources use that side's provider (Requester.Provider,
// Accepter.Provider), so a single `pulumi up` wires both accounts; the
// requester-side provider should be a narrowly scoped role (see
// stacks.DelegateRoleName).
type Peering struct {
	pulumi.ResourceState

	// ConnectionID is the peering connection's id (pcx-…), as the accepter
	// returns it: what takes it as an input is created once the connection
	// is active (routes, security group rules naming a group of the peer
	// VPC).
	ConnectionID pulumi.StringOutput `pulumi:"connectionId"`
}

// PeerSide is one VPC of a peering.
type PeerSide struct {
	// Provider acts in this side's account (required).
	Provider pulumi.ProviderResource
	// AccountID and Region locate the VPC (required for the accepter: the
	// request names them).
	AccountID, Region string
	// VpcID is the VPC (required).
	VpcID pulumi.StringInput
	// CIDRBlock is the VPC's block, which the other side routes (required).
	CIDRBlock string
	// RouteTableIDs are this side's route tables that get a route to the
	// other side's block. Required: at least one.
	RouteTableIDs []pulumi.StringInput
}

// PeeringArgs configures a Peering.
type PeeringArgs struct {
	// Requester asks for the connection; Accepter accepts it. Required,
	// both.
	Requester, Accepter PeerSide
	// Tags are added to the connection and its routes. Default none.
	Tags map[string]string
}

// Validate reports every problem of a.
func (a *PeeringArgs) Validate() error {
	var p validate.Problems
	blocks := map[string]netip.Prefix{}
	for _, side := range []struct {
		field string
		s     PeerSide
	}{{"PeeringArgs.Requester", a.Requester}, {"PeeringArgs.Accepter", a.Accepter}} {
		if side.s.Provider == nil {
			p.Add(side.field+".Provider", "", "is required: each side acts in its own account")
		}
		if side.s.VpcID == nil {
			p.Add(side.field+".VpcID", "", "is required")
		}
		if len(side.s.RouteTableIDs) == 0 {
			p.Add(side.field+".RouteTableIDs", "[]", "must name at least one route table, or the connection carries nothing")
		}
		prefix, rule := validate.ParseCIDR(side.s.CIDRBlock)
		if rule == "" {
			rule = validate.CheckPrivateCIDR(prefix)
		}
		p.Check(side.field+".CIDRBlock", side.s.CIDRBlock, rule)
		if rule == "" {
			blocks[side.field] = prefix
		}
	}
	p.Check("PeeringArgs.Accepter.AccountID", a.Accepter.AccountID, validate.CheckAccountID(a.Accepter.AccountID))
	p.Check("PeeringArgs.Accepter.Region", a.Accepter.Region, validate.CheckRegion(a.Accepter.Region))
	if r, ok := blocks["PeeringArgs.Requester"]; ok {
		if acc, ok := blocks["PeeringArgs.Accepter"]; ok && r.Overlaps(acc) {
			p.Addf("PeeringArgs.Accepter.CIDRBlock", a.Accepter.CIDRBlock, "overlaps the requester's %s: peered VPCs need disjoint blocks", r)
		}
	}
	return p.Err("peering arguments")
}

// NewPeering creates a Peering; it validates args before registering anything.
func NewPeering(ctx *pulumi.Context, name string, args *PeeringArgs, opts ...pulumi.ResourceOption) (*Peering, error) {
	if args == nil {
		args = &PeeringArgs{}
	}
	if err := validate.Component("peering arguments", name, CheckName(name), args); err != nil {
		return nil, fmt.Errorf("peering %q: %w", name, err)
	}
	c := &Peering{}
	if err := ctx.RegisterComponentResource("refarch:network:Peering", name, c, opts...); err != nil {
		return nil, err
	}
	tags := pulumi.StringMap{"Name": pulumi.String(name)}
	for k, v := range args.Tags {
		tags[k] = pulumi.String(v)
	}
	req, acc := args.Requester, args.Accepter

	conn, err := ec2.NewVpcPeeringConnection(ctx, name, &ec2.VpcPeeringConnectionArgs{
		VpcId:       req.VpcID,
		PeerVpcId:   acc.VpcID,
		PeerOwnerId: pulumi.String(acc.AccountID),
		PeerRegion:  pulumi.String(acc.Region),
		// Cross-account: only the accepter's account can accept.
		AutoAccept: pulumi.Bool(false),
		Tags:       tags,
	}, pulumi.Parent(c), pulumi.Provider(req.Provider))
	if err != nil {
		return nil, fmt.Errorf("peering %q: connection: %w", name, err)
	}
	accepted, err := ec2.NewVpcPeeringConnectionAccepter(ctx, name, &ec2.VpcPeeringConnectionAccepterArgs{
		VpcPeeringConnectionId: conn.ID(),
		AutoAccept:             pulumi.Bool(true),
		Tags:                   tags,
	}, pulumi.Parent(c), pulumi.Provider(acc.Provider))
	if err != nil {
		return nil, fmt.Errorf("peering %q: accepter: %w", name, err)
	}
	connID := accepted.VpcPeeringConnectionId

	// Routes wait for the acceptance: AWS accepts a route through a
	// connection still pending acceptance, but as a blackhole that carries
	// nothing until the connection is active.
	// Source: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
	for _, side := range []struct {
		role     string
		s        PeerSide
		destCIDR string
	}{{"requester", req, acc.CIDRBlock}, {"accepter", acc, req.CIDRBlock}} {
		for i, table := range side.s.RouteTableIDs {
			if _, err := ec2.NewRoute(ctx, fmt.Sprintf("%s-%s-%d", name, side.role, i+1), &ec2.RouteArgs{
				RouteTableId:           table,
				DestinationCidrBlock:   pulumi.String(side.destCIDR),
				VpcPeeringConnectionId: connID,
			}, pulumi.Parent(c), pulumi.Provider(side.s.Provider), pulumi.DependsOn([]pulumi.Resource{accepted})); err != nil {
				return nil, fmt.Errorf("peering %q: %s route %d: %w", name, side.role, i+1, err)
			}
		}
	}
	c.ConnectionID = connID
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"connectionId": connID}); err != nil {
		return nil, err
	}
	return c, nil
}
