// Package vpnserver provides VpnServer, the OpenVPN server of the
// management VPC: the single public host of the organization and the way
// operators reach private resources.
package vpnserver

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/validate"
)

// MaxNameLength keeps the longest physical name derived from the
// component's, the Auto Scaling service-linked role
// "AWSServiceRoleForAutoScaling_<name>" (ScalingRoleName), within IAM's 64
// characters.
const MaxNameLength = 64 - len(autoScalingRolePrefix+"_")

// PatchGroupTag is the tag the security baseline's patching targets.
const PatchGroupTag = "Patch Group"

// ServerTag marks the server's instances; the instance role may associate
// the Elastic IP only with an instance carrying it with this server's name.
const ServerTag = "refarch:vpn-server"

// VpnServer is the OpenVPN server:
//   - Self-healing host: a launch template and an Auto Scaling group of
//     exactly one instance across the public subnets, an Elastic IP the
//     instance associates to itself at boot (its role may associate only
//     that allocation, only with an instance of this server), and an A
//     record RecordName. A replaced instance keeps the address and the
//     PKI; the group's EC2 health check replaces a failed one.
//   - Hardened host: the current Amazon Linux 2023 image (resolved from
//     AWS's public SSM parameter at each launch), IMDSv2 required with hop
//     limit 1, a gp3 root volume encrypted with the server's key (whose
//     policy admits the server's own Auto Scaling service-linked role,
//     ScalingRoleName, which the group launches with), no key pair
//     and no port 22 (Session Manager only), the SSM-managed-instance
//     policy, the CloudWatch agent shipping the system and OpenVPN logs to
//     an encrypted log group, dnf-automatic security updates, and the
//     baseline's patch group tag. Source/destination checking stays on:
//     OpenVPN translates its clients to the server's own address.
//   - OpenVPN on UDP Args.Port from Args.AllowedCIDRs only; the client pool
//     Args.ClientCIDR; routes, DNS server and search domains pushed.
//     The server takes the pool's first address and each connected client
//     one of the rest (a /22 holds 1,021 clients); clients' packets to the
//     routes leave translated to the server's address, and nothing else
//     is forwarded. A profile is one person's, for one device at a time:
//     the server has no duplicate-cn, so a second connection with the same
//     profile takes the session over and the first is dropped.
//     Source: https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/
//   - PKI in a versioned, KMS-encrypted, TLS-only, public-access-blocked
//     bucket, always protected (losing it invalidates every profile); the
//     role may read and write only PKIPrefix and ProfilesPrefix and use only
//     that key.
//   - SSM Command documents IssueProfileDocument and
//     RevokeProfileDocument that issue and revoke people's profiles.
type VpnServer struct {
	pulumi.ResourceState

	// SecurityGroupID is the server's group: application stacks admit it
	// (across accounts, as "<account>/<group id>").
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// PublicIP is the Elastic IP's address.
	PublicIP pulumi.StringOutput `pulumi:"publicIp"`
	// BucketName is the PKI and profiles bucket.
	BucketName pulumi.StringOutput `pulumi:"bucketName"`
	// LogGroupName receives the server's logs.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// RoleARN is the instance role.
	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
	// AutoScalingGroupName is the group running the instance (alarms'
	// dimension).
	AutoScalingGroupName pulumi.StringOutput `pulumi:"autoScalingGroupName"`
}

// builder holds what the steps of NewVpnServer share.
type builder struct {
	ctx   *pulumi.Context
	name  string
	a     VpnServerArgs
	env   awsenv.Env
	child pulumi.ResourceOption
	c     *VpnServer
	eip   *ec2.Eip
}

// NewVpnServer creates the server. It validates args before registering
// anything.
func NewVpnServer(ctx *pulumi.Context, name string, args *VpnServerArgs, opts ...pulumi.ResourceOption) (*VpnServer, error) {
	if args == nil {
		args = &VpnServerArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("VPN server arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("VPN server %q: %w", name, err)
	}
	c := &VpnServer{}
	if err := ctx.RegisterComponentResource("refarch:vpnserver:VpnServer", name, c, opts...); err != nil {
		return nil, fmt.Errorf("VPN server %q: registering the component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, a: a, child: pulumi.Parent(c), c: c}
	env, err := awsenv.Lookup(ctx, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("VPN server %q: %w", name, err)
	}
	b.env = env
	scaling, err := b.scalingRole()
	if err != nil {
		return nil, fmt.Errorf("VPN server %q: Auto Scaling service-linked role: %w", name, err)
	}
	p, err := b.pki(scaling)
	if err != nil {
		return nil, fmt.Errorf("VPN server %q: PKI bucket: %w", name, err)
	}
	if err := b.host(p, scaling); err != nil {
		return nil, fmt.Errorf("VPN server %q: host: %w", name, err)
	}
	if err := b.documents(p); err != nil {
		return nil, fmt.Errorf("VPN server %q: profile documents: %w", name, err)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"securityGroupId":      c.SecurityGroupID,
		"publicIp":             c.PublicIP,
		"bucketName":           c.BucketName,
		"logGroupName":         c.LogGroupName,
		"roleArn":              c.RoleARN,
		"autoScalingGroupName": c.AutoScalingGroupName,
	})
}

// bootConfig is what the scripts need, once the outputs are known.
func (b *builder) bootConfig(allocation, bucket, key, logGroup string) BootConfig {
	return b.a.bootConfig(b.env.Region, allocation, bucket, key, logGroup)
}

// bootConfig is what the scripts need of a, given the account's region
// and the outputs (or stand-ins for them).
func (a VpnServerArgs) bootConfig(region, allocation, bucket, key, logGroup string) BootConfig {
	vpc := netip.MustParsePrefix(a.VpcCIDR)
	return BootConfig{
		Region:         region,
		AllocationID:   allocation,
		Bucket:         bucket,
		PKIPrefix:      PKIPrefix,
		ProfilesPrefix: ProfilesPrefix,
		KMSKeyARN:      key,
		LogGroup:       logGroup,
		ServerName:     a.RecordName,
		Port:           a.Port,
		ClientCIDR:     a.ClientCIDR,
		Routes:         a.Routes,
		DNSServer:      resolverAddress(vpc),
		SearchDomains:  a.SearchDomains,
		VPCCIDR:        a.VpcCIDR,
	}
}
