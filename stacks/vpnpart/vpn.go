// Package vpnpart is the VPN part of shared-services' composition: the
// OpenVPN server (components/vpnserver) in the management VPC, the one
// public host of the organization, with the section of configuration it
// reads.
package vpnpart

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/vpnserver"
	"github.com/refarch/refarch/stacks/stack"
)

// The outputs of the VPN (shared-services).
const (
	// OutputVpnSecurityGroupID is the server's security group, which the
	// application stacks' internal load balancers and databases admit
	// (as "<shared-services account>/<group id>" across the peering).
	OutputVpnSecurityGroupID = stack.OutputVpnSecurityGroupID
	// OutputVpnEndpoint is the name clients connect to.
	OutputVpnEndpoint = "vpnEndpoint"
	// OutputVpnBucket holds the PKI and people's profiles.
	OutputVpnBucket = "vpnBucket"
)

// RecordName is the VPN server's DNS name in the root zone.
func RecordName(c *stack.Config) string { return "vpn." + c.Domain }

// Deploy creates the VPN server in the management VPC's public subnets,
// pushing routes to the management VPC and every application VPC of the
// directory, and their private zones as search domains.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	if a.Network == nil || a.DNS == nil || a.DNS.PublicZoneID == nil || a.Baseline == nil {
		return fmt.Errorf("the VPN server needs the management network, the root zone and the baseline")
	}
	routes := []string{a.Network.CIDR}
	var search []string
	for _, env := range c.NamesOf(stack.RoleApp) {
		routes = append(routes, c.Accounts[env].VpcCIDR)
		search = append(search, s.PrivateZonePrefix+"."+env+"."+c.Domain)
	}
	server, err := vpnserver.NewVpnServer(ctx, stack.VpnServerName, &vpnserver.VpnServerArgs{
		BucketName:         stack.VpnBucketName(c),
		VpcID:              a.Network.VpcID,
		VpcCIDR:            a.Network.CIDR,
		SubnetIDs:          a.Network.PublicSubnetIDs,
		SubnetCount:        len(a.Network.AvailabilityZones),
		AllowedCIDRs:       s.AllowedCIDRs,
		ClientCIDR:         c.VpnClientCIDR.String(),
		Routes:             routes,
		SearchDomains:      search,
		ZoneID:             a.DNS.PublicZoneID,
		RecordName:         RecordName(c),
		InstanceType:       s.InstanceType,
		InstancePolicyARNs: []pulumi.StringInput{a.Baseline.InstancePolicyARN},
		PatchGroup:         a.Baseline.PatchGroup,
		KeyAdministrators:  c.KeyAdministrators(),
		LogRetentionDays:   c.LogRetentionDays,
		Protect:            c.DeletionProtection,
	}, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	// The alarm part watches the host.
	a.Hosts = append(a.Hosts, stack.HostOut{Name: "vpn", AutoScalingGroupName: server.AutoScalingGroupName})
	ctx.Export(OutputVpnSecurityGroupID, server.SecurityGroupID)
	ctx.Export(OutputVpnEndpoint, pulumi.String(RecordName(c)))
	ctx.Export(OutputVpnBucket, server.BucketName)
	return nil
}
