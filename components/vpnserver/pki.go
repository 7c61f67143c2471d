package vpnserver

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// pkiParts are the stores the host and documents use.
type pkiParts struct {
	key      *kms.Key
	bucket   *s3.BucketV2
	logGroup *cloudwatch.LogGroup
}

// pki creates the server's key, its PKI and profiles bucket and its log
// group. The key and bucket are protected and retained always: the CA in
// the bucket signs every profile, so losing it invalidates them all.
//
// The key also encrypts the instance's root volume, which the server's
// Auto Scaling service-linked role (scalingRole) creates: its policy names
// that role, so it reads the role's ARN and is created after it (KMS
// refuses a policy naming a principal that does not exist yet).
// Source: https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
func (b *builder) pki(scaling *iam.ServiceLinkedRole) (*pkiParts, error) {
	ctx, a, env := b.ctx, b.a, b.env
	always := []pulumi.ResourceOption{b.child, pulumi.Protect(true), pulumi.RetainOnDelete(true)}
	logGroupName := "/refarch/vpn/" + b.name
	policy := iampolicy.StringOutput([]pulumi.Input{scaling.Arn}, func(v []any) (iampolicy.Document, error) {
		return iampolicy.New(append([]iampolicy.Statement{
			keypolicy.Administration(a.KeyAdministrators),
			keypolicy.ViaServices("AccountThroughS3", env.Partition, env.Account, env.Region, []string{"s3"}),
			keypolicy.CloudWatchLogs(env.Partition, env.Region, env.Account, logGroupName),
		}, scalingRoleStatements(v[0].(string))...)...), nil
	})
	key, err := kms.NewKey(ctx, b.name, &kms.KeyArgs{
		Description:          pulumi.Sprintf("VPN server %s: PKI, profiles, logs and root volume", b.name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               policy,
	}, always...)
	if err != nil {
		return nil, err
	}
	bucketArgs := &s3.BucketV2Args{}
	if a.BucketName != "" {
		bucketArgs.Bucket = pulumi.String(a.BucketName)
	}
	bucket, err := s3.NewBucketV2(ctx, b.name+"-pki", bucketArgs, always...)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, b.name+"-pki", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, b.child); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPublicAccessBlock(ctx, b.name+"-pki", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.child); err != nil {
		return nil, err
	}
	// Versioned: a revoked or overwritten profile, or a bad PKI backup,
	// can be restored.
	if _, err := s3.NewBucketVersioningV2(ctx, b.name+"-pki", &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, b.child); err != nil {
		return nil, err
	}
	// A revoked or re-issued profile's old versions hold a private key:
	// they go after ProfileVersionDays. The PKI's old versions stay (they
	// are how a bad backup is rolled back).
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, b.name+"-pki", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:                          pulumi.String("expire-old-profiles"),
			Status:                      pulumi.String("Enabled"),
			Filter:                      &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(ProfilesPrefix)},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(ProfileVersionDays)},
		}},
	}, b.child); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, b.name+"-pki", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: key.Arn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, b.child); err != nil {
		return nil, err
	}
	// TLS only. Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
	if _, err := s3.NewBucketPolicy(ctx, b.name+"-pki", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: iampolicy.StringOutput([]pulumi.Input{bucket.Arn}, func(v []any) (iampolicy.Document, error) {
			arn := v[0].(string)
			return iampolicy.New(iampolicy.Statement{
				Sid:       "DenyWithoutTLS",
				Effect:    iampolicy.Deny,
				Principal: iampolicy.Principal{"AWS": {"*"}},
				Action:    []string{"s3:*"},
				Resource:  []string{arn, arn + "/*"},
				Condition: iampolicy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
			}), nil
		}),
	}, b.child); err != nil {
		return nil, err
	}
	group, err := cloudwatch.NewLogGroup(ctx, b.name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(logGroupName),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		KmsKeyId:        key.Arn,
	}, b.child, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(a.Protect))
	if err != nil {
		return nil, err
	}
	b.c.BucketName = bucket.Bucket
	b.c.LogGroupName = group.Name
	return &pkiParts{key: key, bucket: bucket, logGroup: group}, nil
}
