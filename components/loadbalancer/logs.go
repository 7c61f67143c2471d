package loadbalancer

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// logDeliveryPrincipal is the service principal that delivers ALB access
// logs in the regions opened since August 2022; older regions deliver from
// a regional Elastic Load Balancing account instead (elb.GetServiceAccount).
// The bucket policy names both so it holds in every region.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
const logDeliveryPrincipal = "logdelivery.elasticloadbalancing.amazonaws.com"

// noncurrentLogDays is how long an overwritten or deleted log object stays
// recoverable.
const noncurrentLogDays = 30

// logBucket is the access-log bucket and the policy the load balancer's
// creation must wait for (ELB checks it can write when logging is enabled).
type logBucket struct {
	bucket pulumi.StringOutput
	policy pulumi.Resource
}

// logBucket creates the access-log bucket. ALB log delivery supports only
// SSE-S3, never SSE-KMS (Source:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html),
// so the bucket is locked down by policy instead: TLS only, public access
// blocked, ELB the only writer. S3 uses BucketV2 and the separate *V2
// resources; the inline arguments are deprecated in pulumi-aws v6.
func (b *builder) logBucket() (*logBucket, error) {
	ctx, name, child := b.ctx, b.name+"-logs", b.child
	keep := []pulumi.ResourceOption{child, pulumi.Protect(b.args.Protect), pulumi.RetainOnDelete(b.args.Protect)}
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		// Unprotected (dev) log buckets may be destroyed with their logs.
		ForceDestroy: pulumi.Bool(!b.args.Protect),
	}, keep...)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, child); err != nil {
		return nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, child); err != nil {
		return nil, err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("expire-access-logs"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{
				Days: pulumi.Int(b.args.AccessLogDays),
			},
			NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(noncurrentLogDays),
			},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		}},
	}, child, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
		return nil, err
	}

	caller, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, child)
	if err != nil {
		return nil, fmt.Errorf("reading the account id: %w", err)
	}
	elbAccount, err := elb.GetServiceAccount(ctx, &elb.GetServiceAccountArgs{}, child)
	if err != nil {
		return nil, fmt.Errorf("reading the Elastic Load Balancing account of the region: %w", err)
	}
	doc := iampolicy.StringOutput([]pulumi.Input{bucket.Arn}, func(v []any) (iampolicy.Document, error) {
		arn := v[0].(string)
		logs := fmt.Sprintf("%s/%s/AWSLogs/%s/*", arn, b.name, caller.AccountId)
		return iampolicy.New(
			iampolicy.Statement{
				Sid:       "DenyInsecureTransport",
				Effect:    iampolicy.Deny,
				Principal: iampolicy.Principal{"AWS": {"*"}},
				Action:    []string{"s3:*"},
				Resource:  []string{arn, arn + "/*"},
				Condition: iampolicy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
			},
			iampolicy.Statement{
				Sid:       "ElbLogDeliveryAccount",
				Effect:    iampolicy.Allow,
				Principal: iampolicy.Principal{"AWS": {elbAccount.Arn}},
				Action:    []string{"s3:PutObject"},
				Resource:  []string{logs},
			},
			iampolicy.Statement{
				Sid:       "ElbLogDeliveryService",
				Effect:    iampolicy.Allow,
				Principal: iampolicy.Principal{"Service": {logDeliveryPrincipal}},
				Action:    []string{"s3:PutObject"},
				Resource:  []string{logs},
			},
		), nil
	})
	policy, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: doc,
	}, child, pulumi.DependsOn([]pulumi.Resource{block}))
	if err != nil {
		return nil, err
	}
	return &logBucket{bucket: bucket.Bucket, policy: policy}, nil
}
