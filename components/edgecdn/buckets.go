package edgecdn

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// bucketSpec is what differs between the component's two buckets.
type bucketSpec struct {
	// name is the logical name; bucket the physical one ("" generates it).
	name, bucket string
	// ownership is the S3 Object Ownership setting.
	ownership string
	// expireDays expires current objects (0: never); noncurrentDays
	// expires replaced and deleted versions.
	expireDays, noncurrentDays int
	// protect marks the bucket protect and retainOnDelete.
	protect bool
}

// privateBucket is a bucket nobody outside the account can reach: public
// access blocked on all four counts, SSE-S3 by default, versioned, with a
// lifecycle and (through bucketPolicy) a policy refusing anything but TLS
// 1.2 or later. The settings are the separate *V2 resources: pulumi-aws v6
// deprecates the inline arguments.
// Source: https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucketv2/
type privateBucket struct {
	bucket *s3.BucketV2
	// settled are the resources that must exist before anything uses the
	// bucket: its ownership rule and its public access block.
	settled []pulumi.Resource
}

func newPrivateBucket(ctx *pulumi.Context, spec bucketSpec, child pulumi.ResourceOption) (*privateBucket, error) {
	opts := []pulumi.ResourceOption{child}
	if spec.protect {
		opts = append(opts, pulumi.Protect(true), pulumi.RetainOnDelete(true))
	}
	args := &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(false),
		Tags:         pulumi.StringMap{"Name": pulumi.String(spec.name)},
	}
	if spec.bucket != "" {
		args.Bucket = pulumi.String(spec.bucket)
	}
	bucket, err := s3.NewBucketV2(ctx, spec.name, args, opts...)
	if err != nil {
		return nil, err
	}
	ownership, err := s3.NewBucketOwnershipControls(ctx, spec.name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String(spec.ownership)},
	}, child)
	if err != nil {
		return nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, spec.name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, spec.name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{
			&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
					SseAlgorithm: pulumi.String("AES256"),
				},
			},
		},
	}, child); err != nil {
		return nil, err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, spec.name, &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, child)
	if err != nil {
		return nil, err
	}
	rule := &s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String("expire-old-versions"),
		Status: pulumi.String("Enabled"),
		Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
			NoncurrentDays: pulumi.Int(spec.noncurrentDays),
		},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(7),
		},
		// Delete markers left alone once their versions expired.
		Expiration: &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
	}
	if spec.expireDays > 0 {
		rule.Id = pulumi.String("expire-objects")
		rule.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(spec.expireDays)}
	}
	// A lifecycle on a versioned bucket must wait for versioning to be on.
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, spec.name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  s3.BucketLifecycleConfigurationV2RuleArray{rule},
	}, child, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
		return nil, err
	}
	return &privateBucket{bucket: bucket, settled: []pulumi.Resource{ownership, block}}, nil
}

// tlsOnly are the statements every bucket's policy starts with: nothing
// reaches the bucket over plain HTTP or TLS older than 1.2.
// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
func tlsOnly(bucketARN string) []iampolicy.Statement {
	denies := []struct {
		sid  string
		cond iampolicy.Conditions
	}{
		{"DenyInsecureTransport", iampolicy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}}},
		{"DenyOutdatedTLS", iampolicy.Conditions{"NumericLessThan": {"s3:TlsVersion": {"1.2"}}}},
	}
	var out []iampolicy.Statement
	for _, d := range denies {
		out = append(out, iampolicy.Statement{
			Sid:       d.sid,
			Effect:    iampolicy.Deny,
			Principal: iampolicy.Principal{"AWS": {"*"}},
			Action:    []string{"s3:*"},
			Resource:  []string{bucketARN, bucketARN + "/*"},
			Condition: d.cond,
		})
	}
	return out
}

// bucketPolicy attaches the bucket's policy: tlsOnly plus what grant
// builds from the resolved values of inputs (after the bucket's ARN, which
// is values[0]). It waits for the public access block, so S3 judges the
// policy with the block in place.
func bucketPolicy(ctx *pulumi.Context, name string, b *privateBucket, inputs []pulumi.Input,
	grant func(values []any) []iampolicy.Statement, child pulumi.ResourceOption) (*s3.BucketPolicy, error) {
	all := append([]pulumi.Input{b.bucket.Arn}, inputs...)
	policy := iampolicy.StringOutput(all, func(values []any) (iampolicy.Document, error) {
		arn := values[0].(string)
		statements := tlsOnly(arn)
		if grant != nil {
			statements = append(statements, grant(values)...)
		}
		return iampolicy.New(statements...), nil
	})
	return s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: b.bucket.ID(),
		Policy: policy,
	}, child, pulumi.DependsOn(b.settled))
}
