package vpnserver

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// AutoScalingService is the service principal of EC2 Auto Scaling, whose
// service-linked role launches the server's instances.
const AutoScalingService = "autoscaling.amazonaws.com"

// autoScalingRolePrefix is the name AWS gives Auto Scaling's service-linked
// roles; a custom suffix follows it after "_".
const autoScalingRolePrefix = "AWSServiceRoleForAutoScaling"

// ScalingRoleName is the name of the server's own Auto Scaling
// service-linked role: AWSServiceRoleForAutoScaling_<server name>.
func ScalingRoleName(server string) string {
	return autoScalingRolePrefix + "_" + server
}

// scalingRole creates the server's own Auto Scaling service-linked role
// (a custom suffix: the server's name), which its Auto Scaling group
// launches instances with.
//
// Why a role of its own: the root volume is encrypted with the server's
// customer managed key, and Auto Scaling's service-linked roles have no
// access to customer managed keys: the key's policy must name the role, or
// every launch fails ("Client.InternalError: Client error on launch"). KMS
// refuses a key policy naming a principal that does not exist
// (MalformedPolicyDocumentException), and the default role
// AWSServiceRoleForAutoScaling only exists once the account's first group
// is created — after the key. A custom-suffix role is a resource the key
// can wait for, and it cannot collide with a default role the account may
// already hold.
// Sources: https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html,
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html,
// https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html
func (b *builder) scalingRole() (*iam.ServiceLinkedRole, error) {
	return iam.NewServiceLinkedRole(b.ctx, b.name+"-autoscaling", &iam.ServiceLinkedRoleArgs{
		AwsServiceName: pulumi.String(AutoScalingService),
		CustomSuffix:   pulumi.String(b.name),
		Description:    pulumi.Sprintf("VPN server %s: its Auto Scaling group launches instances with its encrypted root volume", b.name),
	}, b.child)
}

// scalingRoleStatements are the two statements AWS documents for a customer
// managed key that encrypts the EBS volumes an Auto Scaling group launches:
// the service-linked role uses the key, and creates grants on it for the
// volumes only (kms:GrantIsForAWSResource).
// Source: https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
func scalingRoleStatements(roleARN string) []iampolicy.Statement {
	role := iampolicy.Principal{"AWS": {roleARN}}
	return []iampolicy.Statement{
		{
			Sid:       "AutoScalingUsesTheKeyForTheRootVolume",
			Effect:    iampolicy.Allow,
			Principal: role,
			Action:    []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
			Resource:  []string{"*"},
		},
		{
			Sid:       "AutoScalingAttachesTheRootVolume",
			Effect:    iampolicy.Allow,
			Principal: role,
			Action:    []string{"kms:CreateGrant"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"Bool": {"kms:GrantIsForAWSResource": {"true"}}},
		},
	}
}
