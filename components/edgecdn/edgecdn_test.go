package edgecdn_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/edgecdn"
	"github.com/refarch/refarch/offline"
)

const zoneID = "Z0ENVZONE00001"

// baseArgs are the arguments of a CDN serving two names of
// prod.example.com; edit adjusts them per test.
func baseArgs(usEast1 *aws.Provider) *edgecdn.EdgeCdnArgs {
	return &edgecdn.EdgeCdnArgs{
		Names:               []string{"www.prod.example.com", "static.prod.example.com"},
		ZoneID:              pulumi.String(zoneID),
		ZoneName:            "prod.example.com",
		CertificateProvider: usEast1,
	}
}

// run builds a CDN named "web" with the account provider (harness
// "unit") and a us-east-1 provider for the certificate.
func run(t *testing.T, edit func(a *edgecdn.EdgeCdnArgs)) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, account *aws.Provider) error {
		usEast1, err := aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{
			Region:            pulumi.String("us-east-1"),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(offline.UnitAccount)},
		})
		if err != nil {
			return err
		}
		args := baseArgs(usEast1)
		if edit != nil {
			edit(args)
		}
		_, err = edgecdn.NewEdgeCdn(ctx, "web", args, pulumi.Provider(account))
		return err
	})
}

func mustRun(t *testing.T, edit func(a *edgecdn.EdgeCdnArgs)) *offline.Plan {
	t.Helper()
	p, err := run(t, edit)
	require.NoError(t, err)
	return p
}

// find returns the resource or fails the test.
func find(t *testing.T, p *offline.Plan, typ, name string) *offline.Resource {
	t.Helper()
	r := p.Find(typ, name)
	require.NotNil(t, r, "%s %q is registered", typ, name)
	return r
}

// policy is a parsed IAM policy document.
type policy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Principal any
		Action    []string
		Resource  []string
		Condition map[string]map[string][]string
	}
}

func parsePolicy(t *testing.T, r *offline.Resource) policy {
	t.Helper()
	var doc policy
	require.NoError(t, json.Unmarshal([]byte(r.String("policy")), &doc), "%s has a JSON policy", r.Name)
	return doc
}

func TestCertificateIsInUSEast1AndEverythingElseInTheAccount(t *testing.T) {
	p := mustRun(t, nil)
	comp := find(t, p, "refarch:edgecdn:EdgeCdn", "web")
	var certs int
	for _, r := range p.Descendants(comp) {
		if !r.Custom {
			continue
		}
		prov := p.ProviderOf(r)
		require.NotNil(t, prov, "%s %q", r.Type, r.Name)
		if strings.HasPrefix(r.Type, "aws:acm/") {
			certs++
			assert.Equal(t, "us-east-1", prov.String("region"), "%s %q: CloudFront reads certificates from us-east-1 only", r.Type, r.Name)
			continue
		}
		assert.Equal(t, "unit", prov.Name, "%s %q uses the account provider", r.Type, r.Name)
	}
	assert.Equal(t, 2, certs, "the certificate and its validation")

	cert := find(t, p, "aws:acm/certificate:Certificate", "web-certificate")
	assert.Equal(t, "www.prod.example.com", cert.String("domainName"))
	assert.Equal(t, []string{"static.prod.example.com"}, cert.Strings("subjectAlternativeNames"))
	for _, label := range []string{"www", "static"} {
		rec := find(t, p, "aws:route53/record:Record", "web-certificate-validation-"+label)
		assert.Equal(t, zoneID, rec.String("zoneId"), "validated in the environment's zone")
		assert.Equal(t, "CNAME", rec.String("type"))
	}
	validation := find(t, p, "aws:acm/certificateValidation:CertificateValidation", "web-certificate")
	dist := find(t, p, "aws:cloudfront/distribution:Distribution", "web")
	assert.Equal(t, validation.Output("certificateArn"), dist.Get("viewerCertificate.acmCertificateArn"), "the distribution uses the validated certificate")
	assert.Contains(t, dist.String("viewerCertificate.acmCertificateArn"), ":acm:us-east-1:")
}

func TestBucketAdmitsOnlyThisDistributionOverTLS(t *testing.T) {
	p := mustRun(t, nil)
	dist := find(t, p, "aws:cloudfront/distribution:Distribution", "web")
	oac := find(t, p, "aws:cloudfront/originAccessControl:OriginAccessControl", "web-oac")
	assets := find(t, p, "aws:s3/bucketV2:BucketV2", "web-assets")

	assert.Equal(t, "s3", oac.String("originAccessControlOriginType"))
	assert.Equal(t, "always", oac.String("signingBehavior"))
	assert.Equal(t, "sigv4", oac.String("signingProtocol"))
	origins := dist.List("origins")
	require.Len(t, origins, 1, "the bucket is the only origin without an API")
	assert.Equal(t, assets.Output("bucketRegionalDomainName"), dist.Get("origins[0].domainName"))
	assert.Equal(t, oac.ID, dist.String("origins[0].originAccessControlId"))
	assert.False(t, dist.Has("origins[0].s3OriginConfig"), "no legacy origin access identity")
	assert.Equal(t, dist.String("origins[0].originId"), dist.String("defaultCacheBehavior.targetOriginId"))

	pol := find(t, p, "aws:s3/bucketPolicy:BucketPolicy", "web-assets")
	assert.Equal(t, assets.ID, pol.String("bucket"))
	doc := parsePolicy(t, pol)
	bucketARN := assets.Output("arn").(string)
	var allows, tls int
	for _, s := range doc.Statement {
		switch s.Effect {
		case "Allow":
			allows++
			assert.Equal(t, map[string]any{"Service": []any{"cloudfront.amazonaws.com"}}, s.Principal, "only CloudFront, never *")
			assert.Equal(t, []string{"s3:GetObject"}, s.Action, "read only")
			assert.Equal(t, []string{bucketARN + "/*"}, s.Resource)
			assert.Equal(t, map[string]map[string][]string{"StringEquals": {"AWS:SourceArn": {dist.Output("arn").(string)}}}, s.Condition,
				"only this distribution")
		case "Deny":
			assert.ElementsMatch(t, []string{bucketARN, bucketARN + "/*"}, s.Resource)
			if v, ok := s.Condition["Bool"]["aws:SecureTransport"]; ok {
				tls++
				assert.Equal(t, []string{"false"}, v)
			}
			if v, ok := s.Condition["NumericLessThan"]["s3:TlsVersion"]; ok {
				tls++
				assert.Equal(t, []string{"1.2"}, v)
			}
		}
	}
	assert.Equal(t, 1, allows)
	assert.Equal(t, 2, tls, "plain HTTP and TLS before 1.2 are denied")
	assert.Contains(t, dist.Output("arn"), "arn:aws:cloudfront::"+offline.UnitAccount+":distribution/"+dist.ID)

	block := find(t, p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "web-assets")
	assert.Contains(t, pol.DependsOn, block.URN, "the policy is judged with public access blocked")
}

func TestNoBucketIsPublicAnywhere(t *testing.T) {
	p := mustRun(t, func(a *edgecdn.EdgeCdnArgs) { a.Protect = true })
	buckets := p.ByType("aws:s3/bucketV2:BucketV2")
	require.Len(t, buckets, 2)
	ownership := map[string]string{"web-assets": "BucketOwnerEnforced", "web-logs": "BucketOwnerPreferred"}
	for _, b := range buckets {
		t.Run(b.Name, func(t *testing.T) {
			assert.False(t, b.Has("acl"), "no canned ACL")
			assert.False(t, b.Has("grants"))
			assert.False(t, b.Has("websites"), "no public website endpoint")
			assert.False(t, b.Bool("forceDestroy"))
			assert.True(t, b.Protect, "Protect keeps the bucket")
			assert.True(t, b.RetainOnDelete)
			block := find(t, p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b.Name)
			assert.Equal(t, b.ID, block.String("bucket"))
			for _, k := range []string{"blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"} {
				assert.True(t, block.Bool(k), k)
			}
			own := find(t, p, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", b.Name)
			assert.Equal(t, ownership[b.Name], own.String("rule.objectOwnership"))
			sse := find(t, p, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", b.Name)
			assert.Equal(t, "AES256", sse.String("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
			ver := find(t, p, "aws:s3/bucketVersioningV2:BucketVersioningV2", b.Name)
			assert.Equal(t, "Enabled", ver.String("versioningConfiguration.status"))
			for _, s := range parsePolicy(t, find(t, p, "aws:s3/bucketPolicy:BucketPolicy", b.Name)).Statement {
				if s.Effect == "Allow" {
					assert.NotEqual(t, "*", s.Principal)
					assert.NotContains(t, s.Principal, "AWS", "no account or anonymous principal is granted")
				}
			}
		})
	}
	assert.Empty(t, p.ByType("aws:s3/bucketAclV2:BucketAclV2"), "no ACL resource")
	assert.Empty(t, p.ByType("aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2"))

	assetsLife := find(t, p, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "web-assets")
	assert.Equal(t, edgecdn.DefaultNoncurrentVersionDays, assetsLife.Int("rules[0].noncurrentVersionExpiration.noncurrentDays"))
	assert.False(t, assetsLife.Has("rules[0].expiration.days"), "current assets never expire")
	logsLife := find(t, p, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "web-logs")
	assert.Equal(t, edgecdn.DefaultLogRetentionDays, logsLife.Int("rules[0].expiration.days"))
	assert.Equal(t, "Enabled", logsLife.String("rules[0].status"))
}

func TestDistributionServesHTTPSOnlyWithModernTLSAndSecurityHeaders(t *testing.T) {
	p := mustRun(t, func(a *edgecdn.EdgeCdnArgs) { a.PriceClass = "PriceClass_All"; a.SinglePageApp = true })
	dist := find(t, p, "aws:cloudfront/distribution:Distribution", "web")
	assert.True(t, dist.Bool("enabled"))
	assert.Equal(t, []string{"www.prod.example.com", "static.prod.example.com"}, dist.Strings("aliases"))
	assert.Equal(t, "TLSv1.2_2021", dist.String("viewerCertificate.minimumProtocolVersion"))
	assert.Equal(t, "sni-only", dist.String("viewerCertificate.sslSupportMethod"))
	assert.False(t, dist.Bool("viewerCertificate.cloudfrontDefaultCertificate"), "minimumProtocolVersion needs the custom certificate")
	assert.Equal(t, "http2and3", dist.String("httpVersion"))
	assert.True(t, dist.Bool("isIpv6Enabled"))
	assert.Equal(t, "PriceClass_All", dist.String("priceClass"))
	assert.Equal(t, "index.html", dist.String("defaultRootObject"))
	assert.Equal(t, "redirect-to-https", dist.String("defaultCacheBehavior.viewerProtocolPolicy"))
	assert.True(t, dist.Bool("defaultCacheBehavior.compress"))
	assert.Equal(t, edgecdn.CachingOptimized, dist.String("defaultCacheBehavior.cachePolicyId"))
	assert.Empty(t, dist.List("orderedCacheBehaviors"), "no API origin was asked for")

	logs := find(t, p, "aws:s3/bucketV2:BucketV2", "web-logs")
	assert.Equal(t, logs.Output("bucketDomainName"), dist.Get("loggingConfig.bucket"))
	assert.False(t, dist.Bool("loggingConfig.includeCookies"))
	own := find(t, p, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "web-logs")
	assert.Contains(t, dist.DependsOn, own.URN, "CloudFront sets its log ACL only once ACLs are enabled")

	errs := dist.List("customErrorResponses")
	require.Len(t, errs, 2, "SinglePageApp answers missing paths with the app")
	for i, code := range []int{403, 404} {
		r := errs[i].(map[string]any)
		assert.InDelta(t, code, r["errorCode"], 0)
		assert.InDelta(t, 200, r["responseCode"], 0)
		assert.Equal(t, "/index.html", r["responsePagePath"])
	}
	assert.Empty(t, p.ByType("aws:cloudfront/function:Function"), "error responses suffice without an API")

	headers := find(t, p, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "web-headers")
	assert.Equal(t, headers.ID, dist.String("defaultCacheBehavior.responseHeadersPolicyId"))
	sec := "securityHeadersConfig."
	assert.Equal(t, 31536000, headers.Int(sec+"strictTransportSecurity.accessControlMaxAgeSec"))
	assert.True(t, headers.Bool(sec+"strictTransportSecurity.includeSubdomains"))
	assert.False(t, headers.Bool(sec+"strictTransportSecurity.preload"))
	assert.True(t, headers.Bool(sec+"strictTransportSecurity.override"))
	assert.True(t, headers.Bool(sec+"contentTypeOptions.override"))
	assert.Equal(t, "DENY", headers.String(sec+"frameOptions.frameOption"))
	assert.Equal(t, "strict-origin-when-cross-origin", headers.String(sec+"referrerPolicy.referrerPolicy"))
	assert.Contains(t, headers.String(sec+"contentSecurityPolicy.contentSecurityPolicy"), "frame-ancestors 'none'")

	for _, label := range []string{"www", "static"} {
		for _, typ := range []string{"A", "AAAA"} {
			rec := find(t, p, "aws:route53/record:Record", "web-"+label+"-"+typ)
			assert.Equal(t, label+".prod.example.com", rec.String("name"))
			assert.Equal(t, typ, rec.String("type"))
			assert.Equal(t, zoneID, rec.String("zoneId"))
			assert.Equal(t, dist.Output("domainName"), rec.Get("aliases[0].name"))
			assert.Equal(t, offline.CloudFrontHostedZoneID, rec.String("aliases[0].zoneId"))
		}
	}
}

func TestSecurityHeadersOfIsWhatThePolicySets(t *testing.T) {
	for name, edit := range map[string]func(a *edgecdn.EdgeCdnArgs){
		"defaults": nil,
		"own values": func(a *edgecdn.EdgeCdnArgs) {
			a.HSTSMaxAge = 86400
			a.ContentSecurityPolicy = "default-src 'self'"
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := mustRun(t, edit)
			args := baseArgs(nil)
			if edit != nil {
				edit(args)
			}
			want := edgecdn.SecurityHeadersOf(args)
			headers := find(t, p, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "web-headers")
			sec := "securityHeadersConfig."
			assert.Equal(t, want.HSTSMaxAge, headers.Int(sec+"strictTransportSecurity.accessControlMaxAgeSec"))
			assert.Equal(t, want.FrameOption, headers.String(sec+"frameOptions.frameOption"))
			assert.Equal(t, want.ReferrerPolicy, headers.String(sec+"referrerPolicy.referrerPolicy"))
			assert.Equal(t, want.ContentSecurityPolicy, headers.String(sec+"contentSecurityPolicy.contentSecurityPolicy"))
		})
	}
	assert.Equal(t, edgecdn.SecurityHeaders{
		HSTSMaxAge:            edgecdn.DefaultHSTSMaxAge,
		FrameOption:           "DENY",
		ReferrerPolicy:        "strict-origin-when-cross-origin",
		ContentSecurityPolicy: edgecdn.DefaultContentSecurityPolicy,
	}, edgecdn.SecurityHeadersOf(nil))
}

func TestSecurityHeadersApplyAsCloudFrontDoes(t *testing.T) {
	s := edgecdn.SecurityHeadersOf(nil)
	origin := http.Header{}
	origin.Set("X-Frame-Options", "SAMEORIGIN")
	origin.Set("Content-Type", "text/html")
	s.Apply(origin)
	assert.Equal(t, http.Header{
		"Strict-Transport-Security": {"max-age=31536000; includeSubDomains"},
		"X-Content-Type-Options":    {"nosniff"},
		"X-Frame-Options":           {"DENY"},
		"Referrer-Policy":           {"strict-origin-when-cross-origin"},
		"Content-Security-Policy":   {edgecdn.DefaultContentSecurityPolicy},
		"Content-Type":              {"text/html"},
	}, origin, "the policy's headers override the origin's, and the CSP is added")

	own := http.Header{}
	own.Set("Content-Security-Policy", "default-src 'none'")
	s.Apply(own)
	assert.Equal(t, []string{"default-src 'none'"}, own.Values("Content-Security-Policy"), "the origin's own CSP wins")
}

func TestAPIOriginIsHTTPSOnlyUncachedAndKeepsItsErrors(t *testing.T) {
	p := mustRun(t, func(a *edgecdn.EdgeCdnArgs) {
		a.APIOriginDomain = pulumi.String("origin.prod.example.com")
		a.SinglePageApp = true
	})
	dist := find(t, p, "aws:cloudfront/distribution:Distribution", "web")
	require.Len(t, dist.List("origins"), 2)
	assert.Equal(t, "api", dist.String("origins[1].originId"))
	assert.Equal(t, "origin.prod.example.com", dist.String("origins[1].domainName"))
	assert.Equal(t, "https-only", dist.String("origins[1].customOriginConfig.originProtocolPolicy"))
	assert.Equal(t, []string{"TLSv1.2"}, dist.Strings("origins[1].customOriginConfig.originSslProtocols"))

	require.Len(t, dist.List("orderedCacheBehaviors"), 1)
	api := "orderedCacheBehaviors[0]."
	assert.Equal(t, "/api/*", dist.String(api+"pathPattern"))
	assert.Equal(t, "api", dist.String(api+"targetOriginId"))
	assert.Equal(t, "https-only", dist.String(api+"viewerProtocolPolicy"))
	assert.Equal(t, edgecdn.CachingDisabled, dist.String(api+"cachePolicyId"))
	assert.Equal(t, edgecdn.AllViewerExceptHostHeader, dist.String(api+"originRequestPolicyId"))
	assert.Contains(t, dist.Strings(api+"allowedMethods"), "POST")
	assert.Equal(t, dist.String("defaultCacheBehavior.responseHeadersPolicyId"), dist.String(api+"responseHeadersPolicyId"))

	assert.Empty(t, dist.List("customErrorResponses"), "error responses would turn the API's 404s into the app")
	fn := find(t, p, "aws:cloudfront/function:Function", "web-spa")
	assert.Equal(t, "cloudfront-js-2.0", fn.String("runtime"))
	assert.True(t, fn.Bool("publish"))
	assert.Contains(t, fn.String("code"), "request.uri = '/index.html'")
	assert.Equal(t, "viewer-request", dist.String("defaultCacheBehavior.functionAssociations[0].eventType"))
	assert.Equal(t, fn.Output("arn"), dist.Get("defaultCacheBehavior.functionAssociations[0].functionArn"))
	assert.False(t, dist.Has(api+"functionAssociations"), "the API's paths are never rewritten")
}

func TestExistingValidationNamesAreNotWrittenTwice(t *testing.T) {
	p := mustRun(t, func(a *edgecdn.EdgeCdnArgs) {
		a.Names = []string{"prod.example.com", "www.prod.example.com"}
		a.ExistingValidationNames = []string{"prod.example.com"}
	})
	var validation []string
	for _, r := range p.ByType("aws:route53/record:Record") {
		if r.String("type") == "CNAME" {
			validation = append(validation, r.Name)
		}
	}
	assert.Equal(t, []string{"web-certificate-validation-www"}, validation)
	find(t, p, "aws:route53/record:Record", "web-apex-A")
}

func TestArgsAreValidatedBeforeAnythingIsRegistered(t *testing.T) {
	cases := []struct {
		name        string
		edit        func(a *edgecdn.EdgeCdnArgs)
		field, rule string
	}{
		{"no names", func(a *edgecdn.EdgeCdnArgs) { a.Names = nil }, "Args.Names", "1 to 10"},
		{"too many names", func(a *edgecdn.EdgeCdnArgs) {
			a.Names = strings.Split("a b c d e f g h i j k", " ")
			for i := range a.Names {
				a.Names[i] += ".prod.example.com"
			}
		}, "Args.Names", "1 to 10"},
		{"outside the zone", func(a *edgecdn.EdgeCdnArgs) { a.Names[1] = "www.stage.example.com" }, "Args.Names[1]", "must lie in the zone prod.example.com"},
		{"wildcard", func(a *edgecdn.EdgeCdnArgs) { a.Names[1] = "*.prod.example.com" }, "Args.Names[1]", "no wildcard"},
		{"twice", func(a *edgecdn.EdgeCdnArgs) { a.Names[1] = a.Names[0] }, "Args.Names[1]", "twice"},
		{"subject too long", func(a *edgecdn.EdgeCdnArgs) { a.Names[0] = strings.Repeat("a", 50) + ".prod.example.com" }, "Args.Names[0]", "at most 64"},
		{"no zone id", func(a *edgecdn.EdgeCdnArgs) { a.ZoneID = nil }, "Args.ZoneID", "required"},
		{"no zone name", func(a *edgecdn.EdgeCdnArgs) { a.ZoneName = "" }, "Args.ZoneName", "required"},
		{"no us-east-1 provider", func(a *edgecdn.EdgeCdnArgs) { a.CertificateProvider = nil }, "Args.CertificateProvider", "us-east-1"},
		{"existing name not served", func(a *edgecdn.EdgeCdnArgs) { a.ExistingValidationNames = []string{"prod.example.com"} }, "Args.ExistingValidationNames[0]", "not one of Args.Names"},
		{"bucket name with dots", func(a *edgecdn.EdgeCdnArgs) { a.BucketName = "assets.example.com" }, "Args.BucketName", "dots"},
		{"bucket name upper case", func(a *edgecdn.EdgeCdnArgs) { a.BucketName = "Assets" }, "Args.BucketName", "lower-case"},
		{"price class", func(a *edgecdn.EdgeCdnArgs) { a.PriceClass = "PriceClass_50" }, "Args.PriceClass", "PriceClass_100, PriceClass_200, PriceClass_All"},
		{"root object with slash", func(a *edgecdn.EdgeCdnArgs) { a.DefaultRootObject = "/index.html" }, "Args.DefaultRootObject", "without a leading slash"},
		{"root object with quote", func(a *edgecdn.EdgeCdnArgs) { a.DefaultRootObject = "index'.html" }, "Args.DefaultRootObject", "letters, digits"},
		{"catch-all API path", func(a *edgecdn.EdgeCdnArgs) {
			a.APIOriginDomain = pulumi.String("origin.prod.example.com")
			a.APIPathPattern = "/*"
		}, "Args.APIPathPattern", "not every path"},
		{"log retention", func(a *edgecdn.EdgeCdnArgs) { a.LogRetentionDays = 4000 }, "Args.LogRetentionDays", "between 1 and 3650"},
		{"noncurrent days", func(a *edgecdn.EdgeCdnArgs) { a.NoncurrentVersionDays = -1 }, "Args.NoncurrentVersionDays", "between 1 and 3650"},
		{"hsts too short", func(a *edgecdn.EdgeCdnArgs) { a.HSTSMaxAge = 60 }, "Args.HSTSMaxAge", "between 86400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := run(t, tc.edit)
			require.Error(t, err)
			offline.RequireProblem(t, err, tc.field, tc.rule)
			assert.Contains(t, err.Error(), `edge CDN "web"`)
			assert.Empty(t, p.ByType("refarch:edgecdn:EdgeCdn"), "nothing may be registered")
		})
	}
}

func TestComponentNameMustFitThePhysicalNames(t *testing.T) {
	for name, rule := range map[string]string{"Web": "lower-case", "web_cdn": "lower-case", strings.Repeat("w", 41): "at most 40", "-web": "starting with a letter"} {
		p, err := offline.RunComponent(func(ctx *pulumi.Context, account *aws.Provider) error {
			_, err := edgecdn.NewEdgeCdn(ctx, name, baseArgs(account), pulumi.Provider(account))
			return err
		})
		require.Error(t, err, name)
		offline.RequireProblem(t, err, "name", rule)
		assert.Empty(t, p.ByType("refarch:edgecdn:EdgeCdn"))
	}
}

func TestAssetsAccessIsLoggedToTheLogBucketOnly(t *testing.T) {
	p := mustRun(t, nil)
	assets := find(t, p, "aws:s3/bucketV2:BucketV2", "web-assets")
	logs := find(t, p, "aws:s3/bucketV2:BucketV2", "web-logs")
	logging := find(t, p, "aws:s3/bucketLoggingV2:BucketLoggingV2", "web-assets")
	assert.Equal(t, assets.ID, logging.String("bucket"))
	assert.Equal(t, logs.ID, logging.String("targetBucket"))
	assert.Equal(t, "s3-access/assets/", logging.String("targetPrefix"))

	doc := parsePolicy(t, find(t, p, "aws:s3/bucketPolicy:BucketPolicy", "web-logs"))
	var grants int
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			continue
		}
		grants++
		assert.Equal(t, "S3ServerAccessLogsOfTheAssetsBucket", s.Sid)
		assert.Equal(t, map[string]any{"Service": []any{"logging.s3.amazonaws.com"}}, s.Principal)
		assert.Equal(t, []string{"s3:PutObject"}, s.Action, "write only")
		assert.Equal(t, []string{logs.Output("arn").(string) + "/s3-access/assets/*"}, s.Resource, "under the prefix only")
		assert.Equal(t, []string{assets.Output("arn").(string)}, s.Condition["ArnLike"]["aws:SourceArn"], "for the assets bucket only")
		assert.Equal(t, []string{offline.UnitAccount}, s.Condition["StringEquals"]["aws:SourceAccount"], "of this account")
	}
	assert.Equal(t, 1, grants, "the log bucket grants nothing else")

	// S3 delivers access logs only to a target that admits its logging
	// service: the logging configuration waits for the target's policy,
	// which itself no longer waits for the (minutes-long) distribution.
	policy := find(t, p, "aws:s3/bucketPolicy:BucketPolicy", "web-logs")
	dist := find(t, p, "aws:cloudfront/distribution:Distribution", "web")
	assert.Contains(t, logging.DependsOn, policy.URN, "the logging configuration follows the target bucket's policy")
	assert.Contains(t, logging.DependsOn, logs.URN, "and the target bucket")
	assert.NotContains(t, policy.DependsOn, dist.URN, "the log bucket's policy does not wait for the distribution")
}

func TestAPIOriginCarriesTheSecretHeaderItsWebACLChecks(t *testing.T) {
	p := mustRun(t, func(a *edgecdn.EdgeCdnArgs) {
		a.APIOriginDomain = pulumi.String("origin.prod.example.com")
		a.APIOriginHeaderName = "x-origin-verify"
		a.APIOriginHeaderValue = pulumi.String("s3cr3t")
	})
	dist := find(t, p, "aws:cloudfront/distribution:Distribution", "web")
	assert.Equal(t, []any{map[string]any{"name": "x-origin-verify", "value": "s3cr3t"}}, dist.List("origins[1].customHeaders"), "the API origin's requests carry it")
	assert.False(t, dist.Has("origins[0].customHeaders"), "the bucket's requests do not: OAC signs them")

	plain := find(t, mustRun(t, func(a *edgecdn.EdgeCdnArgs) { a.APIOriginDomain = pulumi.String("origin.prod.example.com") }),
		"aws:cloudfront/distribution:Distribution", "web")
	assert.False(t, plain.Has("origins[1].customHeaders"), "none unless given")
}

func TestAPIOriginHeaderIsValidated(t *testing.T) {
	api := func(a *edgecdn.EdgeCdnArgs) { a.APIOriginDomain = pulumi.String("origin.prod.example.com") }
	cases := []struct {
		name        string
		edit        func(a *edgecdn.EdgeCdnArgs)
		field, rule string
	}{
		{"name without value", func(a *edgecdn.EdgeCdnArgs) { api(a); a.APIOriginHeaderName = "x-origin-verify" }, "Args.APIOriginHeaderName", "go together"},
		{"without an API origin", func(a *edgecdn.EdgeCdnArgs) {
			a.APIOriginHeaderName, a.APIOriginHeaderValue = "x-origin-verify", pulumi.String("v")
		}, "Args.APIOriginHeaderName", "needs Args.APIOriginDomain"},
		{"upper case", func(a *edgecdn.EdgeCdnArgs) {
			api(a)
			a.APIOriginHeaderName, a.APIOriginHeaderValue = "X-Origin-Verify", pulumi.String("v")
		}, "Args.APIOriginHeaderName", "lower-case"},
		{"a header CloudFront refuses", func(a *edgecdn.EdgeCdnArgs) {
			api(a)
			a.APIOriginHeaderName, a.APIOriginHeaderValue = "x-amz-verify", pulumi.String("v")
		}, "Args.APIOriginHeaderName", "CloudFront cannot add"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := run(t, tc.edit)
			require.Error(t, err)
			offline.RequireProblem(t, err, tc.field, tc.rule)
			assert.Empty(t, p.ByType("refarch:edgecdn:EdgeCdn"), "nothing may be registered")
		})
	}
}

func TestDistributionSendsRequestsThroughTheWebACL(t *testing.T) {
	const acl = "arn:aws:wafv2:us-east-1:" + offline.UnitAccount + ":global/webacl/web/0123"
	p := mustRun(t, func(a *edgecdn.EdgeCdnArgs) { a.WebACLARN = pulumi.String(acl) })
	assert.Equal(t, acl, find(t, p, "aws:cloudfront/distribution:Distribution", "web").String("webAclId"))
	assert.False(t, find(t, mustRun(t, nil), "aws:cloudfront/distribution:Distribution", "web").Has("webAclId"), "none unless given")
}
