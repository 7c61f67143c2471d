package tests

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// networkOf is what each real stack file asks of its network.
var networkOf = map[string]struct {
	name               string
	cidr               string
	zones              int
	nat                string
	interfaceEndpoints bool
	protect            bool
	retention          int
}{
	"shared-services": {"mgmt", "10.0.0.0/16", 2, "Single", false, true, 365},
	"dev":             {"dev", "10.10.0.0/16", 2, "Single", true, false, 30},
	"stage":           {"stage", "10.20.0.0/16", 2, "Single", true, true, 90},
	"prod":            {"prod", "10.30.0.0/16", 3, "OnePerAz", true, true, 365},
}

func TestSecurityStackHasNoNetwork(t *testing.T) {
	p := plan(t, "security")
	assert.Empty(t, p.ByType("refarch:network:Network"))
	assert.Empty(t, p.ByType("awsx:ec2:Vpc"))
}

func TestNetworkPerStack(t *testing.T) {
	for stackName, want := range networkOf {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			comps := p.ByType("refarch:network:Network")
			require.Len(t, comps, 1)
			net := comps[0]
			assert.Equal(t, want.name, net.Name)
			vpc := p.Find("awsx:ec2:Vpc", want.name)
			require.NotNil(t, vpc)
			assert.Equal(t, net.URN, vpc.Parent)

			// Subnet tiers and zone spread.
			assert.Equal(t, want.cidr, vpc.String("cidrBlock"))
			zoneNames := vpc.Strings("availabilityZoneNames")
			require.Len(t, zoneNames, want.zones)
			distinct := map[string]bool{}
			for _, z := range zoneNames {
				assert.Regexp(t, `^us-west-2[a-d]$`, z)
				distinct[z] = true
			}
			assert.Len(t, distinct, want.zones, "one subnet of each tier per distinct zone")
			assert.Equal(t, "Auto", vpc.String("subnetStrategy"))
			assert.Equal(t, netip.MustParsePrefix(want.cidr).Bits()+3, vpc.Int("availabilityZoneCidrMask"))
			for _, key := range []string{"publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds"} {
				ids, _ := vpc.Output(key).([]any)
				assert.Len(t, ids, want.zones, "%s: one per zone", key)
			}

			// NAT per environment.
			assert.Equal(t, want.nat, vpc.String("natGateways.strategy"))

			// Flow logs, encrypted and kept.
			key := p.Find("aws:kms/key:Key", want.name+"-flow-logs")
			group := p.Find("aws:cloudwatch/logGroup:LogGroup", want.name+"-flow-logs")
			flow := p.Find("aws:ec2/flowLog:FlowLog", want.name)
			require.NotNil(t, key)
			require.NotNil(t, group)
			require.NotNil(t, flow)
			assert.True(t, key.Bool("enableKeyRotation"))
			assert.Equal(t, key.Output("arn"), group.Get("kmsKeyId"))
			assert.Equal(t, want.retention, group.Int("retentionInDays"), "refarch:logRetentionDays")
			assert.Equal(t, "ALL", flow.String("trafficType"))
			assert.Equal(t, vpc.Output("vpcId"), flow.Get("vpcId"))
			assert.Equal(t, want.protect, key.Protect && group.Protect && key.RetainOnDelete, "protected where deletion protection is on")

			// The default security group has no rules.
			sg := p.Find("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", want.name+"-default")
			require.NotNil(t, sg)
			assert.Empty(t, sg.List("ingress"))
			assert.Empty(t, sg.List("egress"))
			assert.Equal(t, vpc.Output("vpcId"), sg.Get("vpcId"))

			// Interface endpoints where asked (every application stack,
			// whose services reach AWS through them).
			interfaces := 0
			for _, e := range p.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
				if e.String("vpcEndpointType") == "Interface" {
					interfaces++
				}
			}
			assert.Equal(t, want.interfaceEndpoints, interfaces > 0)
		})
	}
}

// TestDataTierHasNoInternetPath checks the data tier's isolation from every
// side the mocks can see: awsx lays it out as Isolated (no IGW or NAT
// route), no route of ours leads anywhere but a peering, and its ACL admits
// no public subnet and no internet block.
func TestDataTierHasNoInternetPath(t *testing.T) {
	for stackName, want := range networkOf {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			vpc := p.Find("awsx:ec2:Vpc", want.name)
			require.NotNil(t, vpc)
			for i := range vpc.List("subnetSpecs") {
				spec := "subnetSpecs[" + strconv.Itoa(i) + "]"
				if vpc.String(spec+".name") == "data" {
					assert.Equal(t, "Isolated", vpc.String(spec+".type"))
				}
			}
			for _, r := range p.ByType("aws:ec2/route:Route") {
				assert.NotEqual(t, "0.0.0.0/0", r.String("destinationCidrBlock"), "route %s", r.Name)
				assert.NotEmpty(t, r.String("vpcPeeringConnectionId"), "route %s leads only to a peering", r.Name)
				assert.Empty(t, r.String("gatewayId"))
				assert.Empty(t, r.String("natGatewayId"))
			}
			acl := p.Find("aws:ec2/networkAcl:NetworkAcl", want.name+"-data")
			require.NotNil(t, acl)
			assert.Equal(t, vpc.Output("isolatedSubnetIds"), acl.Get("subnetIds"))
			vpcBlock := netip.MustParsePrefix(want.cidr)
			mgmt := netip.MustParsePrefix(networkOf["shared-services"].cidr)
			for _, dir := range []string{"ingress", "egress"} {
				require.NotEmpty(t, acl.List(dir))
				for i := range acl.List(dir) {
					block := netip.MustParsePrefix(acl.String(dir + "[" + strconv.Itoa(i) + "].cidrBlock"))
					inside := vpcBlock.Contains(block.Addr()) || mgmt.Contains(block.Addr())
					assert.True(t, inside, "%s rule admits %s from outside the VPC and management VPC", dir, block)
					// Public subnets occupy the last eighth-sized block of
					// each zone: offset 6/8..7/8 of the zone block.
					zoneSize := uint32(1) << (32 - (vpcBlock.Bits() + 3))
					if vpcBlock.Contains(block.Addr()) {
						off := (ipv4(block.Addr()) - ipv4(vpcBlock.Addr())) % zoneSize
						assert.Less(t, off, zoneSize/4*3, "%s rule admits %s, inside a public subnet", dir, block)
					}
				}
			}
		})
	}
}

func ipv4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// TestManagementPeeringHasRoutesOnBothSides checks each application VPC is
// peered with the management VPC: requested in shared-services through the
// delegate provider, accepted in the application account, with a route to
// the other side's block on each side.
func TestManagementPeeringHasRoutesOnBothSides(t *testing.T) {
	mgmtCIDR := networkOf["shared-services"].cidr
	mgmtZones := networkOf["shared-services"].zones
	for _, stackName := range []string{"dev", "stage", "prod"} {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			want := networkOf[stackName]
			conn := p.Find("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "mgmt-"+stackName)
			require.NotNil(t, conn)
			requester := p.ProviderOf(conn)
			assert.Equal(t, []string{accountOf(t)["shared-services"]}, requester.Strings("allowedAccountIds"), "requested in shared-services")
			assert.Equal(t, "arn:aws:iam::"+accountOf(t)["shared-services"]+":role/refarch-delegate-"+stackName, requester.String("assumeRole.roleArn"))
			vpc := p.Find("awsx:ec2:Vpc", want.name)
			assert.Equal(t, vpc.Output("vpcId"), conn.Get("peerVpcId"))
			assert.Equal(t, accountOf(t)[stackName], conn.String("peerOwnerId"))
			assert.NotEmpty(t, conn.String("vpcId"), "the management VPC from the shared-services stack reference")

			accepter := p.Find("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "mgmt-"+stackName)
			require.NotNil(t, accepter)
			assert.Equal(t, []string{accountOf(t)[stackName]}, p.ProviderOf(accepter).Strings("allowedAccountIds"))
			assert.Equal(t, conn.ID, accepter.String("vpcPeeringConnectionId"))

			mgmtSide, appSide := 0, 0
			for _, r := range p.ByType("aws:ec2/route:Route") {
				assert.Equal(t, conn.ID, r.String("vpcPeeringConnectionId"))
				// A route through a pending connection is a blackhole.
				// Source: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
				assert.Contains(t, r.DependsOn, accepter.URN, "%s waits for the acceptance", r.Name)
				switch p.ProviderOf(r) {
				case requester:
					mgmtSide++
					assert.Equal(t, want.cidr, r.String("destinationCidrBlock"))
				default:
					appSide++
					assert.Equal(t, mgmtCIDR, r.String("destinationCidrBlock"))
					assert.Equal(t, []string{accountOf(t)[stackName]}, p.ProviderOf(r).Strings("allowedAccountIds"))
				}
			}
			assert.Equal(t, 2*mgmtZones, mgmtSide, "every public and app route table of the management VPC")
			assert.Equal(t, 2*want.zones, appSide, "every app and data route table of the application VPC")

			acl := p.Find("aws:ec2/networkAcl:NetworkAcl", want.name+"-data")
			admitted := map[string]bool{}
			for i := range acl.List("ingress") {
				admitted[acl.String("ingress["+strconv.Itoa(i)+"].cidrBlock")] = true
			}
			assert.True(t, admitted[mgmtCIDR], "operators reach the data tier from the management VPC")
		})
	}
}

// TestDelegateRolesAreNarrow checks shared-services' delegate roles: one per
// application environment, assumable only from the security account with
// MFA, and allowed only that environment's peering and routes in the
// management VPC.
func TestDelegateRolesAreNarrow(t *testing.T) {
	p := plan(t, "shared-services")
	for _, env := range []string{"dev", "stage", "prod"} {
		role := p.Find("aws:iam/role:Role", "delegate-"+env)
		require.NotNil(t, role, env)
		assert.Equal(t, "refarch-delegate-"+env, role.String("name"))
		trust, err := role.JSON("assumeRolePolicy")
		require.NoError(t, err)
		stmts, _ := offline.Lookup(trust, "Statement")
		require.Len(t, stmts, 2)
		for _, s := range stmts.([]any) {
			principal, _ := offline.Lookup(s, "Principal.AWS")
			mfa, hasMFA := offline.Lookup(s, "Condition.Bool.aws:MultiFactorAuthPresent")
			deploy, hasDeploy := offline.Lookup(s, "Condition.ArnEquals.aws:PrincipalArn")
			switch first(principal) {
			case "arn:aws:iam::" + securityAccount(t) + ":root":
				require.True(t, hasMFA, "people of the security account need MFA")
				assert.Equal(t, []any{"true"}, mfa)
			case "arn:aws:iam::" + accountOf(t)[env] + ":root":
				require.True(t, hasDeploy, "the environment account only through its deploy role")
				assert.Equal(t, []any{"arn:aws:iam::" + accountOf(t)[env] + ":role/refarch-deploy"}, deploy)
			default:
				t.Errorf("unexpected principal %v in the %s delegate's trust", principal, env)
			}
		}

		policies := p.ByType("aws:iam/rolePolicy:RolePolicy")
		var policy *offline.Resource
		for _, rp := range policies {
			if rp.Name == "delegate-"+env {
				policy = rp
			}
		}
		require.NotNil(t, policy)
		doc, err := policy.JSON("policy")
		require.NoError(t, err)
		stmts, _ = offline.Lookup(doc, "Statement")
		for _, raw := range stmts.([]any) {
			s := raw.(map[string]any)
			actions, _ := s["Action"].([]any)
			resources, _ := s["Resource"].([]any)
			for _, a := range actions {
				assert.NotContains(t, a, "*", "statement %v grants a wildcard action", s["Sid"])
			}
			if len(resources) == 1 && resources[0] == "*" && s["Sid"] == "AssociatePrivateZonesWithTheManagementVpcOnly" {
				// Route 53 names no zone of another account here: the
				// condition pins the VPC instead.
				vpcs, _ := offline.Lookup(s, "Condition.ForAllValues:StringEquals.route53:VPCs")
				assert.Len(t, vpcs, 1, "exactly the management VPC")
				assert.Regexp(t, `^VPCId=vpc-[0-9a-z]+,VPCRegion=us-west-2$`, vpcs.([]any)[0])
				continue
			}
			if len(resources) == 1 && resources[0] == "*" {
				for _, a := range actions {
					assert.Regexp(t, `^ec2:Describe`, a, "only reads may apply to every resource")
				}
			}
			if cond, ok := offline.Lookup(s, "Condition.ArnLike.ec2:AccepterVpc"); ok {
				assert.Equal(t, []any{"arn:aws:ec2:us-west-2:" + accountOf(t)[env] + ":vpc/*"}, cond, "peerings with this environment only")
			}
			if cond, ok := offline.Lookup(s, "Condition.ArnEquals.ec2:Vpc"); ok {
				assert.Regexp(t, `^arn:aws:ec2:us-west-2:`+accountOf(t)["shared-services"]+`:vpc/vpc-`, first(cond), "routes in the management VPC only")
			}
		}
	}
}

func first(v any) any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		return l[0]
	}
	return v
}

func TestNetworkConfigValidation(t *testing.T) {
	smallVPC := directory(t, func(a map[string]map[string]string) { a["dev"]["vpcCidr"] = "10.10.0.0/22" })
	cases := []struct {
		name  string
		stack string
		set   map[string]string
		key   string
		rule  string
	}{
		{"unknown NAT strategy", "dev", map[string]string{"refarch:natGateways": "two"}, "refarch:natGateways", `"one-per-az", "single" or "none"`},
		{"prod with one NAT gateway", "prod", map[string]string{"refarch:natGateways": "single"}, "refarch:natGateways", "in prod"},
		{"endpoints not a boolean", "prod", map[string]string{"refarch:interfaceEndpoints": "maybe"}, "refarch:interfaceEndpoints", "true or false"},
		{"prod without endpoints", "prod", map[string]string{"refarch:interfaceEndpoints": "false"}, "refarch:interfaceEndpoints", "must be true in prod"},
		{"vpc too small for an ALB subnet", "dev", map[string]string{"refarch:vpcCidr": "10.10.0.0/22", "refarch:accounts": smallVPC}, "refarch:vpcCidr", "Application Load Balancer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, tc.set, tc.key, tc.rule)
		})
	}
}
