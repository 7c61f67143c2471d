package edgecdn

import (
	"fmt"
	"net/http"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The managed policies the behaviors use, by their documented ids.
// Sources: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
const (
	// CachingOptimized: long TTLs, no cookies or query strings in the cache
	// key, gzip and brotli; for the static assets.
	CachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	// CachingDisabled: every request goes to the origin; for the API.
	CachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	// AllViewerExceptHostHeader forwards every viewer header, query string
	// and cookie but Host, so the load balancer sees the origin's own name
	// (which its certificate and listener rules match).
	AllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

// MinimumProtocolVersion is the viewer security policy: TLS 1.2 or later
// with forward-secret ciphers only. It needs a custom certificate (the
// default *.cloudfront.net one only allows TLSv1).
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
const MinimumProtocolVersion = "TLSv1.2_2021"

// The origin ids of the distribution.
const (
	assetsOrigin = "assets"
	apiOrigin    = "api"
)

// originAccessControl lets CloudFront sign its requests to the bucket
// (SigV4), so the bucket policy can admit this distribution alone. OAC
// replaces the legacy origin access identity, which cannot sign for
// SSE-KMS objects nor for new regions.
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
func originAccessControl(ctx *pulumi.Context, name string, child pulumi.ResourceOption) (*cloudfront.OriginAccessControl, error) {
	return cloudfront.NewOriginAccessControl(ctx, name, &cloudfront.OriginAccessControlArgs{
		Description:                   pulumi.String("Signs " + name + "'s requests to its assets bucket"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, child)
}

// SecurityHeaders are the values of the response headers policy every
// behavior of the distribution uses (the bucket's and the API's): HSTS
// with subdomains and never preload, nosniff, framing denied, a strict
// referrer policy and a baseline Content-Security-Policy. NewEdgeCdn
// builds the policy from them, and Apply adds them to a response as
// CloudFront does, so that a test serving the site in its stead sends
// what viewers get.
type SecurityHeaders struct {
	// HSTSMaxAge is Strict-Transport-Security's max-age, in seconds.
	HSTSMaxAge int
	// FrameOption is X-Frame-Options.
	FrameOption string
	// ReferrerPolicy is Referrer-Policy.
	ReferrerPolicy string
	// ContentSecurityPolicy is the Content-Security-Policy sent unless the
	// origin sends its own.
	ContentSecurityPolicy string
}

// SecurityHeadersOf returns the security headers NewEdgeCdn gives the
// distribution of args, whose zero values are the defaults (nil: every
// default).
func SecurityHeadersOf(args *EdgeCdnArgs) SecurityHeaders {
	var a EdgeCdnArgs
	if args != nil {
		a = *args
	}
	return a.withDefaults().securityHeaders()
}

// securityHeaders are the security headers of a, its defaults applied.
func (a EdgeCdnArgs) securityHeaders() SecurityHeaders {
	return SecurityHeaders{
		HSTSMaxAge:            a.HSTSMaxAge,
		FrameOption:           "DENY",
		ReferrerPolicy:        "strict-origin-when-cross-origin",
		ContentSecurityPolicy: a.ContentSecurityPolicy,
	}
}

// Apply sets the headers on h, the headers of an origin's response, as the
// policy makes CloudFront do: each replaces the origin's header of that
// name (override) but the Content-Security-Policy, which is added only
// when the origin sent none, since only the application knows its
// sources.
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html
func (s SecurityHeaders) Apply(h http.Header) {
	h.Set("Strict-Transport-Security", fmt.Sprintf("max-age=%d; includeSubDomains", s.HSTSMaxAge))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", s.FrameOption)
	h.Set("Referrer-Policy", s.ReferrerPolicy)
	if h.Get("Content-Security-Policy") == "" {
		h.Set("Content-Security-Policy", s.ContentSecurityPolicy)
	}
}

// securityHeaders is the response headers policy of every behavior, with
// the headers s: all but the CSP override what the origin sends.
func securityHeaders(ctx *pulumi.Context, name string, s SecurityHeaders, child pulumi.ResourceOption) (*cloudfront.ResponseHeadersPolicy, error) {
	return cloudfront.NewResponseHeadersPolicy(ctx, name, &cloudfront.ResponseHeadersPolicyArgs{
		Comment: pulumi.String("Security headers of " + name),
		SecurityHeadersConfig: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
			StrictTransportSecurity: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
				AccessControlMaxAgeSec: pulumi.Int(s.HSTSMaxAge),
				IncludeSubdomains:      pulumi.Bool(true),
				Preload:                pulumi.Bool(false),
				Override:               pulumi.Bool(true),
			},
			ContentTypeOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{
				Override: pulumi.Bool(true),
			},
			FrameOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{
				FrameOption: pulumi.String(s.FrameOption),
				Override:    pulumi.Bool(true),
			},
			ReferrerPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{
				ReferrerPolicy: pulumi.String(s.ReferrerPolicy),
				Override:       pulumi.Bool(true),
			},
			ContentSecurityPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs{
				ContentSecurityPolicy: pulumi.String(s.ContentSecurityPolicy),
				Override:              pulumi.Bool(false),
			},
		},
	}, child)
}

// spaRewrite is the viewer-request function that serves the application
// shell for client-side routes (a path whose last segment has no file
// extension) when error responses cannot be used because an API shares
// the distribution.
func spaRewrite(ctx *pulumi.Context, name, rootObject string, child pulumi.ResourceOption) (*cloudfront.Function, error) {
	code := fmt.Sprintf(`function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  // A path without a file extension is a client-side route.
  if (last.indexOf('.') === -1) {
    request.uri = '/%s';
  }
  return request;
}
`, rootObject)
	return cloudfront.NewFunction(ctx, name, &cloudfront.FunctionArgs{
		Runtime: pulumi.String("cloudfront-js-2.0"),
		Comment: pulumi.String("Serves /" + rootObject + " for client-side routes"),
		Code:    pulumi.String(code),
		Publish: pulumi.Bool(true),
	}, child)
}

// distributionParts are the resources the distribution is built from.
type distributionParts struct {
	certificateARN pulumi.StringInput
	assets, logs   *privateBucket
	oac            *cloudfront.OriginAccessControl
	headers        *cloudfront.ResponseHeadersPolicy
	// spa is the viewer-request function, when SinglePageApp needs one.
	spa *cloudfront.Function
}

// newDistribution creates the distribution: the bucket as default origin
// through OAC, the optional API origin, HTTPS only towards viewers (TLS
// 1.2+, HTTP/2 and HTTP/3, IPv6) and origins, compression, managed cache
// policies, the security headers, access logs to the log bucket.
func newDistribution(ctx *pulumi.Context, name string, a EdgeCdnArgs, d distributionParts, child pulumi.ResourceOption) (*cloudfront.Distribution, error) {
	aliases := pulumi.StringArray{}
	for _, n := range a.Names {
		aliases = append(aliases, pulumi.String(n))
	}
	origins := cloudfront.DistributionOriginArray{
		&cloudfront.DistributionOriginArgs{
			OriginId:              pulumi.String(assetsOrigin),
			DomainName:            d.assets.bucket.BucketRegionalDomainName,
			OriginAccessControlId: d.oac.ID(),
		},
	}
	defaults := &cloudfront.DistributionDefaultCacheBehaviorArgs{
		TargetOriginId:          pulumi.String(assetsOrigin),
		ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
		AllowedMethods:          pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS"}),
		CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
		Compress:                pulumi.Bool(true),
		CachePolicyId:           pulumi.String(CachingOptimized),
		ResponseHeadersPolicyId: d.headers.ID(),
	}
	if d.spa != nil {
		defaults.FunctionAssociations = cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArray{
			&cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs{
				EventType:   pulumi.String("viewer-request"),
				FunctionArn: d.spa.Arn,
			},
		}
	}
	var ordered cloudfront.DistributionOrderedCacheBehaviorArray
	if a.APIOriginDomain != nil {
		api := &cloudfront.DistributionOriginArgs{
			OriginId:   pulumi.String(apiOrigin),
			DomainName: a.APIOriginDomain,
			CustomOriginConfig: &cloudfront.DistributionOriginCustomOriginConfigArgs{
				HttpPort:               pulumi.Int(80),
				HttpsPort:              pulumi.Int(443),
				OriginProtocolPolicy:   pulumi.String("https-only"),
				OriginSslProtocols:     pulumi.ToStringArray([]string{"TLSv1.2"}),
				OriginReadTimeout:      pulumi.Int(30),
				OriginKeepaliveTimeout: pulumi.Int(5),
			},
		}
		// The secret header the origin's web ACL checks: CloudFront adds
		// it (replacing a viewer's header of that name), over TLS only.
		// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html
		if a.APIOriginHeaderValue != nil {
			api.CustomHeaders = cloudfront.DistributionOriginCustomHeaderArray{
				&cloudfront.DistributionOriginCustomHeaderArgs{
					Name:  pulumi.String(a.APIOriginHeaderName),
					Value: a.APIOriginHeaderValue,
				},
			}
		}
		origins = append(origins, api)
		ordered = append(ordered, &cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern:    pulumi.String(a.APIPathPattern),
			TargetOriginId: pulumi.String(apiOrigin),
			// Not a redirect: a redirected POST comes back as a GET
			// without its body. API clients must use HTTPS.
			ViewerProtocolPolicy:    pulumi.String("https-only"),
			AllowedMethods:          pulumi.ToStringArray([]string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}),
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			Compress:                pulumi.Bool(true),
			CachePolicyId:           pulumi.String(CachingDisabled),
			OriginRequestPolicyId:   pulumi.String(AllViewerExceptHostHeader),
			ResponseHeadersPolicyId: d.headers.ID(),
		})
	}
	var errorResponses cloudfront.DistributionCustomErrorResponseArray
	if a.SinglePageApp && d.spa == nil {
		// S3 answers 403 for a missing key (the policy grants no
		// s3:ListBucket) and 404 when it may list: both mean a route.
		for _, code := range []int{403, 404} {
			errorResponses = append(errorResponses, &cloudfront.DistributionCustomErrorResponseArgs{
				ErrorCode:          pulumi.Int(code),
				ResponseCode:       pulumi.Int(200),
				ResponsePagePath:   pulumi.String("/" + a.DefaultRootObject),
				ErrorCachingMinTtl: pulumi.Int(10),
			})
		}
	}
	return cloudfront.NewDistribution(ctx, name, &cloudfront.DistributionArgs{
		Enabled:               pulumi.Bool(true),
		Comment:               pulumi.String(fmt.Sprintf("%s: %v", name, a.Names)),
		Aliases:               aliases,
		DefaultRootObject:     pulumi.String(a.DefaultRootObject),
		HttpVersion:           pulumi.String("http2and3"),
		IsIpv6Enabled:         pulumi.Bool(true),
		PriceClass:            pulumi.String(a.PriceClass),
		Origins:               origins,
		DefaultCacheBehavior:  defaults,
		OrderedCacheBehaviors: ordered,
		CustomErrorResponses:  errorResponses,
		WebAclId:              a.WebACLARN,
		Restrictions: &cloudfront.DistributionRestrictionsArgs{
			GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")},
		},
		ViewerCertificate: &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      d.certificateARN,
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String(MinimumProtocolVersion),
		},
		// Standard logging (legacy) writes through the log bucket's ACL,
		// which is why that bucket keeps ACLs enabled. Cookies can hold
		// session tokens: never logged.
		// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html
		LoggingConfig: &cloudfront.DistributionLoggingConfigArgs{
			Bucket:         d.logs.bucket.BucketDomainName,
			Prefix:         pulumi.String("cloudfront/"),
			IncludeCookies: pulumi.Bool(false),
		},
	}, child, pulumi.DependsOn(append(d.logs.settled, d.assets.settled...)))
}
