package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// dataACL fences the data tier with a network ACL that admits traffic only
// from (and to) the app tier, the data tier itself and Args.DataTierPeerCIDRs.
// Security groups already restrict each database to its clients; the ACL is
// the second, coarser wall that holds even if a group is misconfigured: the
// public tier can never reach a database. Everything not allowed is denied
// by the ACL's implicit final rule.
func (b *builder) dataACL() error {
	allowed := append(append(b.net.Layout.CIDRs(TierApp), b.net.Layout.CIDRs(TierData)...), b.args.DataTierPeerCIDRs...)
	var ingress ec2.NetworkAclIngressArray
	var egress ec2.NetworkAclEgressArray
	for i, cidr := range allowed {
		rule := 100 + 10*i
		// Protocol -1 (all): the data stores speak TCP, and path MTU
		// discovery needs ICMP between the same peers.
		ingress = append(ingress, ec2.NetworkAclIngressArgs{
			RuleNo: pulumi.Int(rule), Action: pulumi.String("allow"), Protocol: pulumi.String("-1"),
			CidrBlock: pulumi.String(cidr), FromPort: pulumi.Int(0), ToPort: pulumi.Int(0),
		})
		// ACLs are stateless: responses need their own egress rule.
		egress = append(egress, ec2.NetworkAclEgressArgs{
			RuleNo: pulumi.Int(rule), Action: pulumi.String("allow"), Protocol: pulumi.String("-1"),
			CidrBlock: pulumi.String(cidr), FromPort: pulumi.Int(0), ToPort: pulumi.Int(0),
		})
	}
	if _, err := ec2.NewNetworkAcl(b.ctx, b.name+"-data", &ec2.NetworkAclArgs{
		VpcId:     b.net.VpcID,
		SubnetIds: b.net.DataSubnetIDs,
		Ingress:   ingress,
		Egress:    egress,
		Tags:      b.tags(b.name + "-data"),
	}, b.child); err != nil {
		return fmt.Errorf("data tier network ACL: %w", err)
	}
	return nil
}
