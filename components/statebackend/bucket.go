package statebackend

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// incompleteUploadDays is when an interrupted multipart upload of a large
// checkpoint stops costing storage.
const incompleteUploadDays = 7

// bucket creates the state bucket and its settings, each a resource of
// its own (the V2 resources of the aws provider), all protected and
// retained: deleting the versioning or public access block resource
// would suspend versioning or lift the block on the real bucket.
func (b *builder) bucket(keyARN pulumi.StringOutput) (*s3.BucketV2, error) {
	ctx, n, a := b.ctx, b.name, b.a
	bucket, err := s3.NewBucketV2(ctx, n, &s3.BucketV2Args{
		Bucket:            pulumi.String(a.BucketName),
		ObjectLockEnabled: pulumi.Bool(a.ObjectLock),
		ForceDestroy:      pulumi.Bool(false),
	}, b.always()...)
	if err != nil {
		return nil, err
	}
	id := bucket.ID().ToStringOutput()
	if _, err := s3.NewBucketOwnershipControls(ctx, n, &s3.BucketOwnershipControlsArgs{
		Bucket: id,
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, b.always()...); err != nil {
		return nil, fmt.Errorf("ownership controls: %w", err)
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, n, &s3.BucketPublicAccessBlockArgs{
		Bucket:                id,
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.always()...)
	if err != nil {
		return nil, fmt.Errorf("public access block: %w", err)
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, n, &s3.BucketVersioningV2Args{
		Bucket:                  id,
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, b.always()...)
	if err != nil {
		return nil, fmt.Errorf("versioning: %w", err)
	}
	// Bucket keys: S3 asks KMS for one data key per bucket and period
	// instead of one per object, which cuts KMS requests and their cost.
	// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, n, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: keyARN,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, b.always()...); err != nil {
		return nil, fmt.Errorf("encryption: %w", err)
	}
	// Every replaced checkpoint, backup and released lock file becomes a
	// noncurrent version (or a delete marker): they expire here, and only
	// here, since the bucket policy refuses deleting versions.
	// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, n, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("expire-noncurrent-state"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(a.NoncurrentVersionDays),
			},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(incompleteUploadDays),
			},
		}},
	}, append(b.always(), pulumi.DependsOn([]pulumi.Resource{versioning}))...); err != nil {
		return nil, fmt.Errorf("lifecycle: %w", err)
	}
	if a.ObjectLock {
		// A version's retention runs from its creation, and it becomes
		// noncurrent later still: the lifecycle rule's expiry, the same
		// number of days after that, always falls after the retention.
		if _, err := s3.NewBucketObjectLockConfigurationV2(ctx, n, &s3.BucketObjectLockConfigurationV2Args{
			Bucket: id,
			Rule: &s3.BucketObjectLockConfigurationV2RuleArgs{
				DefaultRetention: &s3.BucketObjectLockConfigurationV2RuleDefaultRetentionArgs{
					Mode: pulumi.String("GOVERNANCE"),
					Days: pulumi.Int(a.NoncurrentVersionDays),
				},
			},
		}, append(b.always(), pulumi.DependsOn([]pulumi.Resource{versioning}))...); err != nil {
			return nil, fmt.Errorf("object lock: %w", err)
		}
	}
	policy, err := bucketPolicy(a, b.env.Partition)
	if err != nil {
		return nil, fmt.Errorf("bucket policy: %w", err)
	}
	// After the public access block: S3 refuses concurrent changes of a
	// bucket's access settings.
	if _, err := s3.NewBucketPolicy(ctx, n, &s3.BucketPolicyArgs{
		Bucket: id,
		Policy: pulumi.String(policy),
	}, append(b.always(), pulumi.DependsOn([]pulumi.Resource{block}))...); err != nil {
		return nil, fmt.Errorf("bucket policy: %w", err)
	}
	return bucket, nil
}
