// Package edgecdn provides EdgeCdn: static content in a private S3 bucket,
// served by CloudFront under the environment's own names, with an optional
// API origin behind the same names.
//
// Nothing of it is public but the distribution: the bucket blocks public
// access and admits only this distribution (Origin Access Control, with
// the distribution's ARN as condition); viewers get HTTPS only, TLS 1.2 or
// later, with a us-east-1 certificate validated in the environment's zone.
// It refuses, before registering anything, names outside the zone, more
// names than one certificate holds, an invalid bucket name or price class,
// and a missing us-east-1 provider.
package edgecdn

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// EdgeCdn is a CloudFront distribution in front of a private S3 bucket of
// static assets (and, optionally, an HTTPS API origin), with its
// certificate and DNS names. It creates:
//
//   - the assets bucket (Args.BucketName, default generated): ACLs off
//     (BucketOwnerEnforced), public access blocked, versioned, encrypted
//     with SSE-S3, old versions expired after Args.NoncurrentVersionDays
//     (default 30), and a policy refusing non-TLS (and pre-1.2) access and
//     granting s3:GetObject to cloudfront.amazonaws.com only for this
//     distribution (AWS:SourceArn). SSE-S3 and not SSE-KMS on purpose: the
//     objects are public web assets, so a customer-managed key would add no
//     confidentiality, but a key policy that must name the distribution (a
//     cycle with the bucket), KMS requests on every cache miss, and one
//     more way to take the site down.
//   - the access-log bucket: public access blocked, SSE-S3 (CloudFront's
//     log delivery cannot use a customer key without extra grants),
//     versioned, TLS-only, logs expired after Args.LogRetentionDays
//     (default 90). ACLs stay enabled (BucketOwnerPreferred) because
//     CloudFront's standard logging writes through an ACL grant. It also
//     receives the assets bucket's S3 server access logs under
//     AssetAccessLogPrefix, written by logging.s3.amazonaws.com for that
//     bucket and account only; the logging configuration is set once that
//     policy exists.
//   - a certificate for Args.Names in us-east-1 (through
//     Args.CertificateProvider), validated by DNS in Args.ZoneID, and the
//     distribution using it with the TLSv1.2_2021 security policy, SNI,
//     HTTP/2 and HTTP/3, IPv6, compression, the managed CachingOptimized
//     policy for assets, redirect to HTTPS, Args.DefaultRootObject (default
//     index.html), Args.PriceClass (default PriceClass_100), a response
//     headers policy (HSTS for Args.HSTSMaxAge with subdomains, nosniff,
//     DENY framing, strict-origin-when-cross-origin, a baseline CSP) and
//     access logs without cookies.
//   - with Args.WebACLARN, every request through that AWS WAF web ACL.
//   - with Args.APIOriginDomain, an origin for Args.APIPathPattern (default
//     /api/*) reached over HTTPS (TLS 1.2) only, uncached, with every
//     viewer header but Host forwarded; viewers must use HTTPS there. With
//     Args.APIOriginHeaderName and Args.APIOriginHeaderValue, CloudFront
//     adds that secret header to every request there, which the origin's
//     web ACL checks (waf.OriginHeader).
//   - with Args.SinglePageApp, the application shell for unknown paths
//     (error responses, or a viewer-request function when an API shares
//     the distribution).
//   - A and AAAA alias records for every name.
//
// Args.Protect marks both buckets protect and retainOnDelete.
type EdgeCdn struct {
	pulumi.ResourceState

	// DistributionID is the distribution's id (for cache invalidations).
	DistributionID pulumi.StringOutput `pulumi:"distributionId"`
	// DistributionARN is the distribution's ARN.
	DistributionARN pulumi.StringOutput `pulumi:"distributionArn"`
	// DomainName is the distribution's cloudfront.net name.
	DomainName pulumi.StringOutput `pulumi:"domainName"`
	// BucketName and BucketARN are the assets bucket, where CI uploads.
	BucketName pulumi.StringOutput `pulumi:"bucketName"`
	BucketARN  pulumi.StringOutput `pulumi:"bucketArn"`
	// LogBucketName is the bucket holding the access logs.
	LogBucketName pulumi.StringOutput `pulumi:"logBucketName"`
	// CertificateARN is the distribution's (us-east-1) certificate.
	CertificateARN pulumi.StringOutput `pulumi:"certificateArn"`
	// Names are the DNS names served.
	Names pulumi.StringArrayOutput `pulumi:"names"`
}

// NewEdgeCdn creates the CDN. It validates args (and name, which prefixes
// the physical names) before registering anything.
func NewEdgeCdn(ctx *pulumi.Context, name string, args *EdgeCdnArgs, opts ...pulumi.ResourceOption) (*EdgeCdn, error) {
	if args == nil {
		args = &EdgeCdnArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("edge CDN arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("edge CDN %q: %w", name, err)
	}
	c := &EdgeCdn{}
	if err := ctx.RegisterComponentResource("refarch:edgecdn:EdgeCdn", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)

	cert, err := dns.NewCertificate(ctx, name+"-certificate", &dns.CertificateArgs{
		DomainName:              a.Names[0],
		SubjectAlternativeNames: a.Names[1:],
		ZoneID:                  a.ZoneID,
		ZoneName:                a.ZoneName,
		Provider:                a.CertificateProvider,
		ExistingValidationNames: a.ExistingValidationNames,
	}, child)
	if err != nil {
		return nil, err
	}
	assets, err := newPrivateBucket(ctx, bucketSpec{
		name: name + "-assets", bucket: a.BucketName, ownership: "BucketOwnerEnforced",
		noncurrentDays: a.NoncurrentVersionDays, protect: a.Protect,
	}, child)
	if err != nil {
		return nil, err
	}
	logs, err := newPrivateBucket(ctx, bucketSpec{
		name: name + "-logs", ownership: "BucketOwnerPreferred",
		expireDays: a.LogRetentionDays, noncurrentDays: 7, protect: a.Protect,
	}, child)
	if err != nil {
		return nil, err
	}
	parts := distributionParts{certificateARN: cert.CertificateARN, assets: assets, logs: logs}
	if parts.oac, err = originAccessControl(ctx, name+"-oac", child); err != nil {
		return nil, err
	}
	if parts.headers, err = securityHeaders(ctx, name+"-headers", a.securityHeaders(), child); err != nil {
		return nil, err
	}
	if a.SinglePageApp && a.APIOriginDomain != nil {
		if parts.spa, err = spaRewrite(ctx, name+"-spa", a.DefaultRootObject, child); err != nil {
			return nil, err
		}
	}
	dist, err := newDistribution(ctx, name, a, parts, child)
	if err != nil {
		return nil, err
	}
	// The grant names the distribution, so it can only follow it: until
	// then CloudFront gets 403 from the bucket.
	// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
	if _, err := bucketPolicy(ctx, name+"-assets", assets, []pulumi.Input{dist.Arn}, func(v []any) []iampolicy.Statement {
		return []iampolicy.Statement{{
			Sid:       "AllowThisDistributionOnly",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"Service": {"cloudfront.amazonaws.com"}},
			Action:    []string{"s3:GetObject"},
			Resource:  []string{v[0].(string) + "/*"},
			Condition: iampolicy.Conditions{"StringEquals": {"AWS:SourceArn": {v[1].(string)}}},
		}}
	}, child); err != nil {
		return nil, err
	}
	// S3 server access logs of the assets bucket (who read or changed
	// which asset) go to the log bucket under their own prefix, and
	// expire with the CDN's logs. The logging service may write only
	// there, and only for this bucket of this account. The policy comes
	// first: S3 delivers access logs only to a target that grants the
	// logging service, so the logging configuration waits for the target
	// bucket and its policy (which no longer waits for the distribution:
	// the account is the provider's).
	// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
	env, err := awsenv.Lookup(ctx, child)
	if err != nil {
		return nil, fmt.Errorf("edge CDN %q: %w", name, err)
	}
	logPolicy, err := bucketPolicy(ctx, name+"-logs", logs, []pulumi.Input{assets.bucket.Arn}, func(v []any) []iampolicy.Statement {
		return []iampolicy.Statement{{
			Sid:       "S3ServerAccessLogsOfTheAssetsBucket",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"Service": {"logging.s3.amazonaws.com"}},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{v[0].(string) + "/" + AssetAccessLogPrefix + "*"},
			Condition: iampolicy.Conditions{
				"ArnLike":      {"aws:SourceArn": {v[1].(string)}},
				"StringEquals": {"aws:SourceAccount": {env.Account}},
			},
		}}
	}, child)
	if err != nil {
		return nil, fmt.Errorf("edge CDN %q: log bucket policy: %w", name, err)
	}
	if _, err := s3.NewBucketLoggingV2(ctx, name+"-assets", &s3.BucketLoggingV2Args{
		Bucket:       assets.bucket.ID(),
		TargetBucket: logs.bucket.ID(),
		TargetPrefix: pulumi.String(AssetAccessLogPrefix),
	}, child, pulumi.DependsOn([]pulumi.Resource{logs.bucket, logPolicy})); err != nil {
		return nil, fmt.Errorf("edge CDN %q: access logging of the assets bucket: %w", name, err)
	}
	if err := aliasRecords(ctx, name, a, dist, child); err != nil {
		return nil, err
	}

	c.DistributionID = dist.ID().ToStringOutput()
	c.DistributionARN = dist.Arn
	c.DomainName = dist.DomainName
	c.BucketName = assets.bucket.Bucket
	c.BucketARN = assets.bucket.Arn
	c.LogBucketName = logs.bucket.Bucket
	c.CertificateARN = cert.CertificateARN
	c.Names = pulumi.ToStringArray(a.Names).ToStringArrayOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"distributionId":  c.DistributionID,
		"distributionArn": c.DistributionARN,
		"domainName":      c.DomainName,
		"bucketName":      c.BucketName,
		"bucketArn":       c.BucketARN,
		"logBucketName":   c.LogBucketName,
		"certificateArn":  c.CertificateARN,
		"names":           c.Names,
	})
}
