package securitybaseline

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/accessanalyzer"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ebs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PasswordPolicy is the account password policy the baseline sets (and the
// IAM_PASSWORD_POLICY Config rule checks): CIS 1.8 (length ≥ 14), CIS 1.9
// (reuse prevention 24), every character class (Security Hub IAM.7), and
// a 90-day maximum age, the value the Config rule expects by default.
var PasswordPolicy = struct {
	MinimumLength, ReusePrevention, MaxAgeDays int
}{14, 24, 90}

// account applies the account-wide settings: password policy, EBS
// encryption by default, the S3 account public access block, IMDSv2 as the
// instance metadata default and an IAM Access Analyzer.
func (b *builder) account() error {
	ctx, n, child := b.ctx, b.name, b.child
	// CIS 1.8, 1.9; Security Hub IAM.7, IAM.15, IAM.16.
	if _, err := iam.NewAccountPasswordPolicy(ctx, n+"-passwords", &iam.AccountPasswordPolicyArgs{
		MinimumPasswordLength:      pulumi.Int(PasswordPolicy.MinimumLength),
		PasswordReusePrevention:    pulumi.Int(PasswordPolicy.ReusePrevention),
		MaxPasswordAge:             pulumi.Int(PasswordPolicy.MaxAgeDays),
		RequireLowercaseCharacters: pulumi.Bool(true),
		RequireUppercaseCharacters: pulumi.Bool(true),
		RequireNumbers:             pulumi.Bool(true),
		RequireSymbols:             pulumi.Bool(true),
		AllowUsersToChangePassword: pulumi.Bool(true),
		HardExpiry:                 pulumi.Bool(false),
	}, child); err != nil {
		return err
	}
	// CIS 2.2.1; Security Hub EC2.7. The AWS-managed aws/ebs key stays the
	// default key: a customer key would also need a key-policy grant for
	// the Auto Scaling service-linked role, or instance launches fail.
	// Source: https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
	// Both account settings are kept when the stack is destroyed (retained
	// on delete): a torn-down environment leaves its account secure, and
	// the organization's guardrail denies turning EBS default encryption
	// off to everyone (components/guardrails), so a delete would fail.
	if _, err := ebs.NewEncryptionByDefault(ctx, n+"-ebs-encryption", &ebs.EncryptionByDefaultArgs{
		Enabled: pulumi.Bool(true),
	}, child, pulumi.RetainOnDelete(true)); err != nil {
		return err
	}
	// CIS 2.1.4; Security Hub S3.1.
	if _, err := s3.NewAccountPublicAccessBlock(ctx, n+"-s3-public-access", &s3.AccountPublicAccessBlockArgs{
		AccountId:             pulumi.String(b.a.AccountID),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, child, pulumi.RetainOnDelete(true)); err != nil {
		return err
	}
	// CIS 5.6; Security Hub EC2.8: new instances require IMDSv2 tokens. Hop
	// limit 2 so containers on an instance still reach the metadata service.
	// Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html
	if _, err := ec2.NewInstanceMetadataDefaults(ctx, n+"-imds", &ec2.InstanceMetadataDefaultsArgs{
		HttpTokens:              pulumi.String("required"),
		HttpEndpoint:            pulumi.String("enabled"),
		HttpPutResponseHopLimit: pulumi.Int(2),
		InstanceMetadataTags:    pulumi.String("disabled"),
	}, child); err != nil {
		return err
	}
	// CIS 1.20; Security Hub IAM.28: findings for resources shared outside
	// the account (they reach the alert topic through Security Hub).
	_, err := accessanalyzer.NewAnalyzer(ctx, n+"-access-analyzer", &accessanalyzer.AnalyzerArgs{
		AnalyzerName: pulumi.String(n + "-access-analyzer"),
		Type:         pulumi.String("ACCOUNT"),
	}, child)
	return err
}
