package tests

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// edgeStacks are what each application stack file says about the CDN; the
// names it serves (refarch:edgeNames) are read from the file.
var edgeStacks = []edgeStackType{
	{"dev", "PriceClass_100", nil, false, false, 30},
	{"stage", "PriceClass_100", nil, true, true, 90},
	{"prod", "PriceClass_All", nil, true, true, 365},
}

// edge returns the resources of the stack's CDN component.
func edge(t *testing.T, p *offline.Plan) []*offline.Resource {
	t.Helper()
	comps := p.ByType("refarch:edgecdn:EdgeCdn")
	require.Len(t, comps, 1, "stack %s has one CDN", p.Stack)
	return p.Descendants(comps[0])
}

// edgeStackType is one row of edgeStacks.
type edgeStackType = struct {
	name, priceClass string
	names            []string
	protect, api     bool
	logDays          int
}

// forEachEdgeStack plans every application stack and runs check on the
// plan and the CDN's resources.
func forEachEdgeStack(t *testing.T, check func(t *testing.T, env edgeStackType, p *offline.Plan, inside []*offline.Resource)) {
	t.Helper()
	for _, env := range edgeStacks {
		t.Run(env.name, func(t *testing.T) {
			p := plan(t, env.name)
			env.names = stackConfig(t, env.name).Edge.Names
			require.NotEmpty(t, env.names, "refarch:edgeNames")
			check(t, env, p, edge(t, p))
		})
	}
}

// edgeOne returns the only resource of typ inside the CDN whose name ends
// with suffix.
func edgeOne(t *testing.T, inside []*offline.Resource, typ, suffix string) *offline.Resource {
	t.Helper()
	var found []*offline.Resource
	for _, r := range inside {
		if r.Type == typ && strings.HasSuffix(r.Name, suffix) {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "one %s *%s in the CDN", typ, suffix)
	return found[0]
}

func TestOnlyTheCDNsPiecesLiveInUSEast1(t *testing.T) {
	forEachEdgeStack(t, func(t *testing.T, env edgeStackType, p *offline.Plan, inside []*offline.Resource) {
		isEdge := map[string]bool{}
		for _, r := range inside {
			isEdge[r.URN] = true
		}
		// The CDN's web ACL, with its log group and key, lives in
		// us-east-1 too: CloudFront-scope ACLs and their logs exist there only.
		edgeACL := p.Find("refarch:waf:WebFirewall", "refarch-"+env.name+"-edge")
		require.NotNil(t, edgeACL, "the CDN's web firewall")
		for _, r := range p.Descendants(edgeACL) {
			isEdge[r.URN] = true
		}
		// So does the CDN's alarm, with the topic it notifies: CloudFront's
		// metrics exist in us-east-1 only.
		for _, comp := range []*offline.Resource{
			p.Find("refarch:alerttopic:AlertTopic", "refarch-"+env.name+"-edge-alerts"),
			p.Find("refarch:alarms:Alarms", "refarch-"+env.name+"-edge"),
		} {
			require.NotNil(t, comp)
			for _, r := range p.Descendants(comp) {
				isEdge[r.URN] = true
			}
		}
		// The notifier hears the CDN's topic through a subscription there.
		isEdge[p.Require(t, "aws:sns/topicSubscription:TopicSubscription", "refarch-"+env.name+"-edge-alerts-notifier").URN] = true
		var inUSEast1 []string
		for _, r := range p.Resources {
			if !r.Custom || strings.HasPrefix(r.Type, "pulumi:") {
				continue
			}
			prov := p.ProviderOf(r)
			require.NotNil(t, prov, "%s %q", r.Type, r.Name)
			if prov.String("region") == "us-east-1" {
				inUSEast1 = append(inUSEast1, r.Type)
				assert.True(t, isEdge[r.URN], "%s %q: only the CDN's certificate and web ACL belong in us-east-1", r.Type, r.Name)
				assert.Equal(t, []string{accountOf(t)[env.name]}, prov.Strings("allowedAccountIds"))
				continue
			}
			if isEdge[r.URN] {
				assert.Equal(t, "aws-"+env.name, prov.Name, "%s %q uses the account provider", r.Type, r.Name)
			}
		}
		want := []string{
			"aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation",
			"aws:wafv2/webAcl:WebAcl", "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
			"aws:cloudwatch/logGroup:LogGroup", "aws:kms/key:Key",
			// the CDN's alert topic (with its key and one subscription per
			// alert address: dev 0, stage 1, prod 2), its alarm and dashboard
			"aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy", "aws:kms/key:Key", "aws:kms/alias:Alias",
			"aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/dashboard:Dashboard",
		}
		// … and the notifier's subscription.
		for range 1 + map[string]int{"dev": 0, "stage": 1, "prod": 2}[env.name] {
			want = append(want, "aws:sns/topicSubscription:TopicSubscription")
		}
		assert.ElementsMatch(t, want, inUSEast1)

		cert := edgeOne(t, inside, "aws:acm/certificate:Certificate", "-certificate")
		assert.Equal(t, env.names[0], cert.String("domainName"))
		assert.ElementsMatch(t, env.names[1:], cert.Strings("subjectAlternativeNames"))
		dist := edgeOne(t, inside, "aws:cloudfront/distribution:Distribution", "-edge")
		validation := edgeOne(t, inside, "aws:acm/certificateValidation:CertificateValidation", "-certificate")
		assert.Equal(t, validation.Output("certificateArn"), dist.Get("viewerCertificate.acmCertificateArn"))
		assert.Equal(t, "TLSv1.2_2021", dist.String("viewerCertificate.minimumProtocolVersion"))
		assert.Equal(t, "sni-only", dist.String("viewerCertificate.sslSupportMethod"))
	})
}

func TestEdgeServesTheConfiguredNamesFromTheEnvironmentZone(t *testing.T) {
	forEachEdgeStack(t, func(t *testing.T, env edgeStackType, p *offline.Plan, inside []*offline.Resource) {
		zone := p.Require(t, "aws:route53/zone:Zone", "public-zone")
		dist := edgeOne(t, inside, "aws:cloudfront/distribution:Distribution", "-edge")
		assert.Equal(t, env.names, dist.Strings("aliases"))
		assert.Equal(t, env.priceClass, dist.String("priceClass"))
		assert.Equal(t, "http2and3", dist.String("httpVersion"))
		assert.Equal(t, "redirect-to-https", dist.String("defaultCacheBehavior.viewerProtocolPolicy"))

		aliases := map[string]bool{}
		for _, r := range inside {
			if r.Type != "aws:route53/record:Record" {
				continue
			}
			assert.Equal(t, zone.ID, r.String("zoneId"), "%s is written in the environment's public zone", r.Name)
			if r.String("type") == "CNAME" {
				continue // certificate validation
			}
			aliases[r.String("name")+" "+r.String("type")] = true
			assert.Equal(t, dist.Output("domainName"), r.Get("aliases[0].name"))
			assert.Equal(t, offline.CloudFrontHostedZoneID, r.Get("aliases[0].zoneId"))
		}
		want := map[string]bool{}
		for _, n := range env.names {
			want[n+" A"], want[n+" AAAA"] = true, true
		}
		assert.Equal(t, want, aliases, "an A and an AAAA alias per name, nothing else")
	})
}

// bucketPolicyDoc is a parsed bucket policy.
type bucketPolicyDoc struct {
	Statement []struct {
		Effect    string
		Principal any
		Action    []string
		Resource  []string
		Condition map[string]map[string][]string
	}
}

func TestEdgeBucketsArePrivateAndReadOnlyByTheirDistribution(t *testing.T) {
	forEachEdgeStack(t, func(t *testing.T, env edgeStackType, p *offline.Plan, inside []*offline.Resource) {
		dist := edgeOne(t, inside, "aws:cloudfront/distribution:Distribution", "-edge")
		assets := edgeOne(t, inside, "aws:s3/bucketV2:BucketV2", "-assets")
		oac := edgeOne(t, inside, "aws:cloudfront/originAccessControl:OriginAccessControl", "-oac")
		assert.Equal(t, oac.ID, dist.String("origins[0].originAccessControlId"))
		assert.Equal(t, assets.Output("bucketRegionalDomainName"), dist.Get("origins[0].domainName"))

		for _, r := range inside {
			if r.Type != "aws:s3/bucketV2:BucketV2" {
				continue
			}
			assert.Equal(t, env.protect, r.Protect, "%s protected with refarch:deletionProtection", r.Name)
			assert.Equal(t, env.protect, r.RetainOnDelete)
			assert.False(t, r.Has("acl"), r.Name)
			block := edgeOne(t, inside, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", r.Name)
			for _, k := range []string{"blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"} {
				assert.True(t, block.Bool(k), "%s %s", r.Name, k)
			}
			pol := edgeOne(t, inside, "aws:s3/bucketPolicy:BucketPolicy", r.Name)
			var doc bucketPolicyDoc
			require.NoError(t, json.Unmarshal([]byte(pol.String("policy")), &doc))
			denies := 0
			for _, s := range doc.Statement {
				if s.Effect == "Deny" {
					if _, ok := s.Condition["Bool"]["aws:SecureTransport"]; ok {
						denies++
					}
					continue
				}
				if r.Name != assets.Name {
					// The log bucket admits S3's logging service, for the
					// assets bucket's access logs under their prefix only.
					assert.Equal(t, map[string]any{"Service": []any{"logging.s3.amazonaws.com"}}, s.Principal, "%s grants nothing else", r.Name)
					assert.Equal(t, []string{"s3:PutObject"}, s.Action)
					assert.Equal(t, []string{r.Output("arn").(string) + "/s3-access/assets/*"}, s.Resource)
					assert.Equal(t, []string{assets.Output("arn").(string)}, s.Condition["ArnLike"]["aws:SourceArn"])
					assert.Equal(t, []string{accountOf(t)[p.Stack]}, s.Condition["StringEquals"]["aws:SourceAccount"])
					continue
				}
				assert.Equal(t, map[string]any{"Service": []any{"cloudfront.amazonaws.com"}}, s.Principal)
				assert.Equal(t, []string{"s3:GetObject"}, s.Action)
				assert.Equal(t, []string{dist.Output("arn").(string)}, s.Condition["StringEquals"]["AWS:SourceArn"])
			}
			assert.Equal(t, 1, denies, "%s refuses plain HTTP", r.Name)
		}
		logging := edgeOne(t, inside, "aws:s3/bucketLoggingV2:BucketLoggingV2", "-assets")
		assert.Equal(t, assets.ID, logging.String("bucket"), "the assets bucket's access is logged")
		assert.Equal(t, edgeOne(t, inside, "aws:s3/bucketV2:BucketV2", "-logs").ID, logging.String("targetBucket"))
		assert.Equal(t, "s3-access/assets/", logging.String("targetPrefix"), "under its own prefix, expiring with the CDN's logs")
		// S3 delivers the logs only once the target admits its logging
		// service: the configuration follows the log bucket's policy.
		// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
		assert.Contains(t, logging.DependsOn, edgeOne(t, inside, "aws:s3/bucketPolicy:BucketPolicy", "-logs").URN)
		life := edgeOne(t, inside, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "-logs")
		assert.Equal(t, env.logDays, life.Int("rules[0].expiration.days"))
	})
}

// TestNoTwoRecordsClaimTheSameName guards the zones the parts share: two
// records of one name and type in a zone collide in Route 53 (ACM's
// validation records in particular are the same for every certificate of
// an account naming the same domain).
func TestNoTwoRecordsClaimTheSameName(t *testing.T) {
	check := func(t *testing.T, p *offline.Plan) {
		t.Helper()
		seen := map[string]string{}
		for _, r := range p.ByType("aws:route53/record:Record") {
			key := fmt.Sprintf("%s %s %s", r.String("zoneId"), strings.TrimSuffix(r.String("name"), "."), r.String("type"))
			assert.Empty(t, seen[key], "%s and %s both write %s", seen[key], r.Name, key)
			seen[key] = r.Name
		}
	}
	for _, stackName := range []string{"shared-services", "dev", "stage", "prod"} {
		t.Run(stackName, func(t *testing.T) { check(t, plan(t, stackName)) })
	}
	t.Run("the CDN at the apex reuses the regional certificate's record", func(t *testing.T) {
		p, err := planWith(t, "prod", map[string]string{"refarch:edgeNames": `["prod.` + domainOf(t) + `","www.prod.` + domainOf(t) + `"]`})
		require.NoError(t, err)
		check(t, p)
		inside := edge(t, p)
		validation := edgeOne(t, inside, "aws:acm/certificateValidation:CertificateValidation", "-certificate")
		regional := p.Require(t, "aws:route53/record:Record", "regional-certificate-validation-apex")
		www := edgeOne(t, inside, "aws:route53/record:Record", "-validation-www")
		assert.ElementsMatch(t, []string{regional.Output("fqdn").(string), www.Output("fqdn").(string)},
			validation.Strings("validationRecordFqdns"), "the CDN's certificate waits for the record the regional one writes")
	})
}

// TestEdgeRoutesTheAPIToThePublicLoadBalancer follows /api/* from the
// distribution to the load balancer: the origin is a name of the public
// zone whose alias points at the public load balancer, reached over HTTPS.
func TestEdgeRoutesTheAPIToThePublicLoadBalancer(t *testing.T) {
	forEachEdgeStack(t, func(t *testing.T, env edgeStackType, p *offline.Plan, inside []*offline.Resource) {
		dist := edgeOne(t, inside, "aws:cloudfront/distribution:Distribution", "-edge")
		if !env.api {
			assert.Len(t, dist.List("origins"), 1, "the bucket only")
			assert.Empty(t, dist.List("orderedCacheBehaviors"))
			assert.Len(t, dist.List("customErrorResponses"), 2, "the SPA's routes come from error responses")
			return
		}
		require.Len(t, dist.List("orderedCacheBehaviors"), 1)
		assert.Equal(t, "/api/*", dist.String("orderedCacheBehaviors[0].pathPattern"))
		assert.Equal(t, "https-only", dist.String("orderedCacheBehaviors[0].viewerProtocolPolicy"))
		var origin map[string]any
		for _, o := range dist.List("origins") {
			if m := o.(map[string]any); m["originId"] == dist.String("orderedCacheBehaviors[0].targetOriginId") {
				origin = m
			}
		}
		require.NotNil(t, origin, "the behavior targets an origin of the distribution")
		host := origin["domainName"].(string)
		cfg, _ := offline.Lookup(origin, "customOriginConfig.originProtocolPolicy")
		assert.Equal(t, "https-only", cfg)
		protocols, _ := offline.Lookup(origin, "customOriginConfig.originSslProtocols")
		assert.Equal(t, []any{"TLSv1.2"}, protocols)

		zone := p.Require(t, "aws:route53/zone:Zone", "public-zone")
		lbNames := map[string]bool{}
		for _, lb := range p.ByType("aws:lb/loadBalancer:LoadBalancer") {
			if !lb.Bool("internal") {
				lbNames[fmt.Sprint(lb.Output("dnsName"))] = true
			}
		}
		var found bool
		for _, r := range p.ByType("aws:route53/record:Record") {
			if r.String("name") == host && r.String("zoneId") == zone.ID && r.String("type") == "A" {
				found = true
				assert.True(t, lbNames[r.String("aliases[0].name")], "%s points at the public load balancer", host)
			}
		}
		assert.True(t, found, "the API origin %s is a public name of the environment", host)

		assert.Empty(t, dist.List("customErrorResponses"), "the API's own errors reach its clients")
		fn := edgeOne(t, inside, "aws:cloudfront/function:Function", "-spa")
		assert.Equal(t, fn.Output("arn"), dist.Get("defaultCacheBehavior.functionAssociations[0].functionArn"))
	})
}

func TestEdgeConfigRejectsBadValues(t *testing.T) {
	d := domainOf(t)
	var eleven []string
	for c := 'a'; c <= 'k'; c++ {
		eleven = append(eleven, fmt.Sprintf("%c.dev.%s", c, d))
	}
	tooMany, err := json.Marshal(eleven)
	require.NoError(t, err)
	cases := []struct {
		name, stack, key, value, wantKey, rule string
	}{
		{"name outside the environment", "stage", "refarch:edgeNames", `["www.prod.` + d + `"]`, "refarch:edgeNames[0]", "must lie in the zone stage." + d},
		{"name of another domain", "dev", "refarch:edgeNames", `["www.dev.example.org"]`, "refarch:edgeNames[0]", "must lie in the zone"},
		{"wildcard", "prod", "refarch:edgeNames", `["www.prod.` + d + `","*.prod.` + d + `"]`, "refarch:edgeNames[1]", "no wildcard"},
		{"upper case", "dev", "refarch:edgeNames", `["WWW.dev.` + d + `"]`, "refarch:edgeNames[0]", "lower-case"},
		{"twice", "prod", "refarch:edgeNames", `["www.prod.` + d + `","www.prod.` + d + `"]`, "refarch:edgeNames[1]", "twice"},
		{"in the private zone", "prod", "refarch:edgeNames", `["cdn.internal.prod.` + d + `"]`, "refarch:edgeNames[0]", "private zone internal.prod." + d},
		{"no names", "dev", "refarch:edgeNames", `[]`, "refarch:edgeNames", "1 to 10"},
		{"too many names", "dev", "refarch:edgeNames", string(tooMany), "refarch:edgeNames", "1 to 10"},
		{"subject too long", "dev", "refarch:edgeNames", `["` + strings.Repeat("a", 65-len(".dev."+d)) + `.dev.` + d + `"]`, "refarch:edgeNames[0]", "at most 64"},
		{"not a list", "dev", "refarch:edgeNames", `"www.dev.` + d + `"`, "refarch:edgeNames", "a list of strings"},
		{"price class", "stage", "refarch:edgePriceClass", "PriceClass_300", "refarch:edgePriceClass", "PriceClass_100, PriceClass_200, PriceClass_All"},
		{"bucket with dots", "prod", "refarch:edgeBucketName", "static.example.com", "refarch:edgeBucketName", "dots"},
		{"bucket too short", "prod", "refarch:edgeBucketName", "ab", "refarch:edgeBucketName", "3-63"},
		{"bucket reserved prefix", "stage", "refarch:edgeBucketName", "xn--static", "refarch:edgeBucketName", "S3 reserves"},
		{"log retention", "dev", "refarch:edgeLogRetentionDays", "0", "refarch:edgeLogRetentionDays", "between 1 and 3650"},
		{"prod log retention", "prod", "refarch:edgeLogRetentionDays", "30", "refarch:edgeLogRetentionDays", "at least 90 in prod"},
		{"noncurrent versions", "stage", "refarch:edgeNoncurrentVersionDays", "-1", "refarch:edgeNoncurrentVersionDays", "between 1 and 3650"},
		{"single page app not a bool", "dev", "refarch:edgeSinglePageApp", "yes", "refarch:edgeSinglePageApp", "true or false"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, map[string]string{tc.key: tc.value}, tc.wantKey, tc.rule)
		})
	}
	t.Run("names are required, and the other keys are still judged", func(t *testing.T) {
		_, err := planWith(t, "prod", map[string]string{"refarch:edgePriceClass": "PriceClass_1", "refarch:edgeBucketName": "Static"}, "refarch:edgeNames")
		verr := configError(t, err)
		assert.Contains(t, verr.Error(), `refarch:edgeNames = "": is required`)
		assert.True(t, verr.Has("refarch:edgePriceClass"))
		assert.True(t, verr.Has("refarch:edgeBucketName"))
		assert.Len(t, verr.Problems, 3, "one problem per key:\n%v", verr)
	})
	t.Run("a valid bucket name is used as is", func(t *testing.T) {
		p, err := planWith(t, "stage", map[string]string{"refarch:edgeBucketName": "refarch-stage-static"})
		require.NoError(t, err)
		inside := edge(t, p)
		assert.Equal(t, "refarch-stage-static", edgeOne(t, inside, "aws:s3/bucketV2:BucketV2", "-assets").String("bucket"))
	})
}
