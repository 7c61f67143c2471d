package network_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/network"
	"github.com/refarch/refarch/offline"
)

// peer runs a Peering between a hub account (requester, its own provider)
// and the unit account (accepter).
func peer(t *testing.T, edit func(*network.PeeringArgs)) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		hub, err := aws.NewProvider(ctx, "hub", &aws.ProviderArgs{
			Region:            pulumi.String(offline.UnitRegion),
			AllowedAccountIds: pulumi.StringArray{pulumi.String("222222222222")},
		})
		if err != nil {
			return err
		}
		args := network.PeeringArgs{
			Requester: network.PeerSide{
				Provider: hub, AccountID: "222222222222", Region: offline.UnitRegion,
				VpcID: pulumi.String("vpc-hub"), CIDRBlock: "10.0.0.0/16",
				RouteTableIDs: []pulumi.StringInput{pulumi.String("rtb-hub-1"), pulumi.String("rtb-hub-2")},
			},
			Accepter: network.PeerSide{
				Provider: provider, AccountID: offline.UnitAccount, Region: offline.UnitRegion,
				VpcID: pulumi.String("vpc-spoke"), CIDRBlock: "10.10.0.0/16",
				RouteTableIDs: []pulumi.StringInput{pulumi.String("rtb-spoke-1"), pulumi.String("rtb-spoke-2"), pulumi.String("rtb-spoke-3")},
			},
		}
		if edit != nil {
			edit(&args)
		}
		_, err = network.NewPeering(ctx, "hub-spoke", &args, pulumi.Provider(provider))
		return err
	})
}

func TestPeeringWiresBothAccounts(t *testing.T) {
	p, err := peer(t, nil)
	require.NoError(t, err)
	conn := p.Require(t, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "hub-spoke")
	accepter := p.Require(t, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "hub-spoke")

	assert.Equal(t, "hub", p.ProviderOf(conn).Name, "the request is made in the requester's account")
	assert.Equal(t, "vpc-hub", conn.String("vpcId"))
	assert.Equal(t, "vpc-spoke", conn.String("peerVpcId"))
	assert.Equal(t, offline.UnitAccount, conn.String("peerOwnerId"))
	assert.False(t, conn.Bool("autoAccept"), "cross-account requests cannot auto-accept")
	assert.Equal(t, "unit", p.ProviderOf(accepter).Name, "accepted in the accepter's account")
	assert.Equal(t, conn.ID, accepter.String("vpcPeeringConnectionId"))
	assert.True(t, accepter.Bool("autoAccept"))

	routes := map[string][]string{} // provider → "table→destination"
	for _, r := range p.ByType("aws:ec2/route:Route") {
		assert.Equal(t, conn.ID, r.String("vpcPeeringConnectionId"))
		assert.Contains(t, r.DependsOn, accepter.URN, "routes wait for the acceptance")
		prov := p.ProviderOf(r).Name
		routes[prov] = append(routes[prov], r.String("routeTableId")+"→"+r.String("destinationCidrBlock"))
	}
	assert.ElementsMatch(t, []string{"rtb-hub-1→10.10.0.0/16", "rtb-hub-2→10.10.0.0/16"}, routes["hub"])
	assert.ElementsMatch(t, []string{"rtb-spoke-1→10.0.0.0/16", "rtb-spoke-2→10.0.0.0/16", "rtb-spoke-3→10.0.0.0/16"}, routes["unit"])
}

func TestPeeringArgsValidation(t *testing.T) {
	cases := map[string]struct {
		edit  func(*network.PeeringArgs)
		field string
	}{
		"overlapping blocks":       {func(a *network.PeeringArgs) { a.Accepter.CIDRBlock = "10.0.128.0/17" }, "PeeringArgs.Accepter.CIDRBlock"},
		"public block":             {func(a *network.PeeringArgs) { a.Requester.CIDRBlock = "54.0.0.0/16" }, "PeeringArgs.Requester.CIDRBlock"},
		"no requester provider":    {func(a *network.PeeringArgs) { a.Requester.Provider = nil }, "PeeringArgs.Requester.Provider"},
		"no accepter route tables": {func(a *network.PeeringArgs) { a.Accepter.RouteTableIDs = nil }, "PeeringArgs.Accepter.RouteTableIDs"},
		"bad accepter account":     {func(a *network.PeeringArgs) { a.Accepter.AccountID = "12" }, "PeeringArgs.Accepter.AccountID"},
		"unknown accepter region":  {func(a *network.PeeringArgs) { a.Accepter.Region = "mars-1" }, "PeeringArgs.Accepter.Region"},
		"missing vpc":              {func(a *network.PeeringArgs) { a.Requester.VpcID = nil }, "PeeringArgs.Requester.VpcID"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := peer(t, tc.edit)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.field)
			assert.Empty(t, p.ByType("aws:ec2/vpcPeeringConnection:VpcPeeringConnection"))
		})
	}
}
