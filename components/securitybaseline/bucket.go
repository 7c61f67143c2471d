package securitybaseline

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// bucketSpec describes one hardened archive bucket.
type bucketSpec struct {
	// role names the bucket in logical names ("trail", "config", "access").
	role string
	// name is the bucket's (global, fixed) name.
	name string
	// objectLock enables Object Lock at creation; lockDays > 0 also sets a
	// default GOVERNANCE retention.
	objectLock bool
	lockDays   int
	// kmsKeyARN selects SSE-KMS with a bucket key; nil selects SSE-S3.
	kmsKeyARN pulumi.StringInput
	// logTo is the bucket receiving this bucket's server access logs, and
	// logTarget that bucket's resources (its bucket and policy), which the
	// logging configuration waits for: S3 refuses to log to a bucket that
	// does not exist yet (InvalidTargetBucketForLogging).
	logTo     string
	logTarget *archiveBucket
	// expireDays is when objects (current and noncurrent) expire.
	expireDays int
	// statements are the bucket policy's own statements; every bucket
	// also refuses requests without TLS.
	statements []iampolicy.Statement
}

// archiveBucket is a bucket bucket created and its policy.
type archiveBucket struct {
	bucket *s3.BucketV2
	policy *s3.BucketPolicy
}

// bucket creates a private, versioned, encrypted bucket whose policy
// refuses plain HTTP: CIS 2.1.1 / Security Hub S3.5 (TLS only), S3.1 and
// S3.8 (public access blocked), S3.14 (versioning), S3.9 (access logging,
// when logTo is set), S3.15 (Object Lock, when objectLock). ACLs are
// disabled (BucketOwnerEnforced): access is decided by policies alone.
func (b *builder) bucket(spec bucketSpec) (*archiveBucket, error) {
	ctx, child := b.ctx, b.child
	n := b.name + "-" + spec.role
	bucket, err := s3.NewBucketV2(ctx, n, &s3.BucketV2Args{
		Bucket:            pulumi.String(spec.name),
		ObjectLockEnabled: pulumi.Bool(spec.objectLock),
		ForceDestroy:      pulumi.Bool(false),
	}, b.stateful()...)
	if err != nil {
		return nil, err
	}
	id := bucket.ID().ToStringOutput()
	if _, err := s3.NewBucketOwnershipControls(ctx, n, &s3.BucketOwnershipControlsArgs{
		Bucket: id,
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, child); err != nil {
		return nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, n, &s3.BucketPublicAccessBlockArgs{
		Bucket:                id,
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketVersioningV2(ctx, n, &s3.BucketVersioningV2Args{
		Bucket:                  id,
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, child); err != nil {
		return nil, err
	}
	sse := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("AES256")}
	if spec.kmsKeyARN != nil {
		sse = &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm:   pulumi.String("aws:kms"),
			KmsMasterKeyId: spec.kmsKeyARN,
		}
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, n, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse,
			BucketKeyEnabled:                   pulumi.Bool(spec.kmsKeyARN != nil),
		}},
	}, child); err != nil {
		return nil, err
	}
	if spec.logTo != "" {
		// The target bucket must exist before the configuration is set,
		// and admit the logging service (its policy) before logs arrive.
		// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshooting-server-access-logging.html
		var target []pulumi.Resource
		if spec.logTarget != nil {
			target = []pulumi.Resource{spec.logTarget.bucket, spec.logTarget.policy}
		}
		if _, err := s3.NewBucketLoggingV2(ctx, n, &s3.BucketLoggingV2Args{
			Bucket:       id,
			TargetBucket: pulumi.String(spec.logTo),
			TargetPrefix: pulumi.String(spec.name + "/"),
		}, child, pulumi.DependsOn(target)); err != nil {
			return nil, err
		}
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, n, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:                          pulumi.String("expire-after-retention"),
			Status:                      pulumi.String("Enabled"),
			Filter:                      &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration:                  &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(spec.expireDays)},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(spec.expireDays)},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		}},
	}, child); err != nil {
		return nil, err
	}
	if spec.objectLock && spec.lockDays > 0 {
		if _, err := s3.NewBucketObjectLockConfigurationV2(ctx, n, &s3.BucketObjectLockConfigurationV2Args{
			Bucket: id,
			Rule: &s3.BucketObjectLockConfigurationV2RuleArgs{
				DefaultRetention: &s3.BucketObjectLockConfigurationV2RuleDefaultRetentionArgs{
					Mode: pulumi.String("GOVERNANCE"),
					Days: pulumi.Int(spec.lockDays),
				},
			},
		}, child); err != nil {
			return nil, err
		}
	}
	arn := iampolicy.BucketARN(b.a.Partition, spec.name)
	policy, err := iampolicy.New(append([]iampolicy.Statement{{
		Sid:       "DenyWithoutTLS",
		Effect:    iampolicy.Deny,
		Principal: iampolicy.Principal{"AWS": {"*"}},
		Action:    []string{"s3:*"},
		Resource:  []string{arn, arn + "/*"},
		Condition: iampolicy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
	}}, spec.statements...)...).JSON()
	if err != nil {
		return nil, fmt.Errorf("%s bucket policy: %w", spec.role, err)
	}
	bp, err := s3.NewBucketPolicy(ctx, n, &s3.BucketPolicyArgs{
		Bucket: id,
		Policy: pulumi.String(policy),
	}, child, pulumi.DependsOn([]pulumi.Resource{block}))
	if err != nil {
		return nil, err
	}
	return &archiveBucket{bucket: bucket, policy: bp}, nil
}
