package offline

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"
)

// netCreate creates a resource of typ named name in stack with inputs and
// returns its id.
func netCreate(t *testing.T, c *Cloud, stack, typ, name string, inputs map[string]any) string {
	t.Helper()
	id, _, err := c.Create(resource.URN("urn:pulumi:"+stack+"::refarch::"+typ+"::"+name), resource.NewPropertyMapFromMap(inputs))
	require.NoError(t, err)
	return id
}

// A key policy naming the VPN server's Auto Scaling service-linked role is
// refused until the role exists; other principals are not checked.
func TestKeyPolicyNamingAServiceLinkedRoleWaitsForTheRole(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	mgmt := standInCloud(w, "222222222222")
	role := "arn:aws:iam::222222222222:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_refarch-vpn"
	key := map[string]any{"policy": `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"KeyAdministration","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/refarch-deploy"},"Action":"kms:Put*","Resource":"*"},` +
		`{"Sid":"AutoScaling","Effect":"Allow","Principal":{"AWS":["` + role + `"]},"Action":"kms:Decrypt","Resource":"*"}]}`}

	requireRefusal(t, create(mgmt, "shared-services", "aws:kms/key:Key", "refarch-vpn", key), "kms-key-policy-service-linked-role-created-first", "MalformedPolicyDocumentException")
	// The default role of another service does not stand in for it.
	require.NoError(t, create(mgmt, "shared-services", "aws:iam/serviceLinkedRole:ServiceLinkedRole", "refarch-shared-services-config", map[string]any{"awsServiceName": "config.amazonaws.com"}))
	requireRefusal(t, create(mgmt, "shared-services", "aws:kms/key:Key", "refarch-vpn", key), "kms-key-policy-service-linked-role-created-first", "MalformedPolicyDocumentException")
	// The stand-in names a custom-suffix role as IAM does.
	require.NoError(t, create(mgmt, "shared-services", "aws:iam/serviceLinkedRole:ServiceLinkedRole", "refarch-vpn-autoscaling", map[string]any{"awsServiceName": "autoscaling.amazonaws.com", "customSuffix": "refarch-vpn"}))
	require.NoError(t, create(mgmt, "shared-services", "aws:kms/key:Key", "refarch-vpn", key))
	// The same role in another account is not this one.
	other := standInCloud(w, "333333333333")
	require.NoError(t, create(other, "dev", "aws:kms/key:Key", "plain", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logs.us-west-2.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}`}),
		"a policy without service-linked roles needs nothing")
}

// peer creates the management VPC's peering with dev: requested in
// shared-services, accepted (when accept) in dev. It returns the
// connection's id.
func peer(t *testing.T, w *World, accept bool) string {
	t.Helper()
	mgmt, dev := standInCloud(w, "222222222222"), standInCloud(w, "333333333333")
	id := netCreate(t, mgmt, "dev", "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "mgmt-dev",
		map[string]any{"vpcId": "vpc-mgmt", "peerVpcId": "vpc-dev", "peerOwnerId": "333333333333", "peerRegion": "us-west-2", "autoAccept": false})
	if accept {
		require.NoError(t, create(dev, "dev", "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "mgmt-dev", map[string]any{"vpcPeeringConnectionId": id, "autoAccept": true}))
	}
	return id
}

func TestRulesNamingAGroupAcrossThePeeringWaitForTheAcceptance(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	mgmt, dev := standInCloud(w, "222222222222"), standInCloud(w, "333333333333")
	vpnGroup := netCreate(t, mgmt, "shared-services", "aws:ec2/securityGroup:SecurityGroup", "refarch-vpn", map[string]any{"vpcId": "vpc-mgmt"})
	rule := map[string]any{"securityGroupId": "sg-db", "referencedSecurityGroupId": "222222222222/" + vpnGroup, "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432}

	peer(t, w, false) // requested, still pending
	requireRefusal(t, create(dev, "dev", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "refarch-dev-db-operators-0", rule), "sg-cross-account-reference-after-peering-accepted", "InvalidGroup.NotFound")
	requireRefusal(t, create(dev, "dev", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "to-vpn", rule), "sg-cross-account-reference-after-peering-accepted", "InvalidGroup.NotFound")
	// A group of the rule's own account needs no peering.
	require.NoError(t, create(dev, "dev", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "same-account", map[string]any{"securityGroupId": "sg-db", "referencedSecurityGroupId": "sg-app"}))

	w2, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	mgmt2, dev2 := standInCloud(w2, "222222222222"), standInCloud(w2, "333333333333")
	vpnGroup2 := netCreate(t, mgmt2, "shared-services", "aws:ec2/securityGroup:SecurityGroup", "refarch-vpn", map[string]any{"vpcId": "vpc-mgmt"})
	rule["referencedSecurityGroupId"] = "222222222222/" + vpnGroup2
	peer(t, w2, true)
	require.NoError(t, create(dev2, "dev", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "refarch-dev-db-operators-0", rule), "the peering is active")
	// Another account's group is not reached through this peering.
	rule["referencedSecurityGroupId"] = "444444444444/sg-0stage"
	requireRefusal(t, create(dev2, "dev", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "stage-group", rule), "sg-cross-account-reference-after-peering-accepted", "InvalidGroup.NotFound")
}

func TestRoutesThroughAPeeringWaitForTheAcceptance(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	mgmt := standInCloud(w, "222222222222")
	id := peer(t, w, false)
	route := map[string]any{"routeTableId": "rtb-mgmt", "destinationCidrBlock": "10.10.0.0/16", "vpcPeeringConnectionId": id}
	requireRefusal(t, create(mgmt, "dev", "aws:ec2/route:Route", "mgmt-dev-requester-1", route), "vpc-peering-routes-after-accepter", SilentFailure)
	require.NoError(t, create(mgmt, "dev", "aws:ec2/route:Route", "to-nat", map[string]any{"routeTableId": "rtb-mgmt", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}), "other routes need no peering")
	require.NoError(t, create(standInCloud(w, "333333333333"), "dev", "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "mgmt-dev", map[string]any{"vpcPeeringConnectionId": id, "autoAccept": true}))
	require.NoError(t, create(mgmt, "dev", "aws:ec2/route:Route", "mgmt-dev-requester-1", route), "accepted in dev: the requester's routes are active")
}

func TestAPrivateZoneIsAssociatedAcrossAccountsOnceAuthorized(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	mgmt, dev := standInCloud(w, "222222222222"), standInCloud(w, "333333333333")
	zone := netCreate(t, dev, "dev", "aws:route53/zone:Zone", "private-zone", map[string]any{"name": "internal.dev.example.com", "vpcs": []any{map[string]any{"vpcId": "vpc-dev"}}})
	association := map[string]any{"zoneId": zone, "vpcId": "vpc-mgmt", "vpcRegion": "us-west-2"}
	requireRefusal(t, create(mgmt, "dev", "aws:route53/zoneAssociation:ZoneAssociation", "private-zone-mgmt", association), "route53-cross-account-zone-association-after-authorization", "NotAuthorizedException")
	// The zone's own account associates its VPCs without authorization.
	require.NoError(t, create(dev, "dev", "aws:route53/zoneAssociation:ZoneAssociation", "own", map[string]any{"zoneId": zone, "vpcId": "vpc-dev2"}))
	require.NoError(t, create(dev, "dev", "aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization", "private-zone-mgmt", association))
	require.NoError(t, create(mgmt, "dev", "aws:route53/zoneAssociation:ZoneAssociation", "private-zone-mgmt", association))
}
