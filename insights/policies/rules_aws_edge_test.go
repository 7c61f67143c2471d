package policies

import (
	"github.com/refarch/refarch/offline"
)

// edgeProvider is an aws provider record of prod acting in region, and
// edgeVia makes r use it.
func edgeProvider(region string) *offline.Resource {
	return &offline.Resource{
		URN:  "urn:pulumi:prod::refarch::pulumi:providers:aws::aws-prod-" + region,
		Type: "pulumi:providers:aws", Name: "aws-prod-" + region, ID: "edge-" + region, Custom: true,
		Inputs: in{"allowedAccountIds": []any{"555555555555"}, "region": region},
	}
}

func edgeVia(p, r *offline.Resource) *offline.Resource {
	r.Provider = p.URN + "::" + p.ID
	return r
}

// edgeWithoutHeader is a statement matching requests without the origin
// header x-origin-verify: s3cr3t.
func edgeWithoutHeader() in {
	return in{"notStatement": in{"statements": []any{in{"byteMatchStatement": in{
		"fieldToMatch":         in{"singleHeader": in{"name": "x-origin-verify"}},
		"positionalConstraint": "EXACTLY",
		"searchString":         "s3cr3t",
		"textTransformations":  []any{in{"priority": 0, "type": "NONE"}},
	}}}}}
}

// edgeBehindCDN is a distribution whose /api/* origin reaches a public
// load balancer through an alias record, and the load balancer's regional
// web ACL: header gives the origin its secret header, scoped scopes the
// ACL's rate rule down to requests without it, guarded adds the rule
// refusing /api/ without it.
func edgeBehindCDN(header, scoped, guarded bool) []*offline.Resource {
	lb := res(typeLoadBalancer, "public", in{"internal": false, "loadBalancerType": "application"})
	lb.ID = "arn:aws:elasticloadbalancing:us-west-2:555555555555:loadbalancer/app/public-1234567/abcdef0123456789"
	rec := res(typeEdgeRecord, "public-origin", in{"name": "origin.prod.example.com", "type": "A", "aliases": []any{
		in{"name": "public-1234567-1256409196.us-west-2.elb.amazonaws.com", "zoneId": "Z1H1FL5HABSF5", "evaluateTargetHealth": true},
	}})
	origin := in{"originId": "api", "domainName": "origin.prod.example.com", "customOriginConfig": in{"originProtocolPolicy": "https-only"}}
	if header {
		origin["customHeaders"] = []any{in{"name": "x-origin-verify", "value": "s3cr3t"}}
	}
	dist := res(typeDistribution, "cdn", in{
		"origins":               []any{in{"originId": "assets", "domainName": "assets.s3.us-west-2.amazonaws.com"}, origin},
		"defaultCacheBehavior":  in{"targetOriginId": "assets"},
		"orderedCacheBehaviors": []any{in{"pathPattern": "/api/*", "targetOriginId": "api"}},
	})
	rate := in{"limit": 2000, "aggregateKeyType": "IP", "evaluationWindowSec": 300}
	if scoped {
		rate["scopeDownStatement"] = edgeWithoutHeader()
	}
	rules := []any{in{"name": "rate-limit", "priority": 10, "action": in{"block": in{}}, "statement": in{"rateBasedStatement": rate}}}
	if guarded {
		rules = append(rules, in{"name": "origin-header-only", "priority": 5, "action": in{"block": in{}}, "statement": in{"andStatement": in{"statements": []any{
			in{"byteMatchStatement": in{"fieldToMatch": in{"uriPath": in{}}, "positionalConstraint": "STARTS_WITH", "searchString": "/api/"}},
			edgeWithoutHeader(),
		}}}})
	}
	const aclARN = "arn:aws:wafv2:us-west-2:555555555555:regional/webacl/public-acl/0000"
	acl := res(typeWebACL, "public-acl", in{"name": "public-acl", "scope": "REGIONAL", "rules": rules})
	acl.Outputs = in{"arn": aclARN}
	assoc := res(typeWebACLAssoc, "public-acl-0", in{"resourceArn": lb.ID, "webAclArn": aclARN})
	return one(lb, rec, dist, acl, assoc)
}

// edgeRateACL is a web ACL with one rate rule.
func edgeRateACL(limit, window int) *offline.Resource {
	return res(typeWebACL, "acl", in{"name": "acl", "scope": "REGIONAL", "rules": []any{in{
		"name": "rate-limit", "action": in{"block": in{}},
		"statement": in{"rateBasedStatement": in{"limit": limit, "aggregateKeyType": "IP", "evaluationWindowSec": window}},
	}}})
}

// edgeOACCase is a distribution reading bucket "assets" through OAC, the
// bucket's ownership and a policy admitting CloudFront for sourceArn.
func edgeOACCase(ownership, sourceArn string) []*offline.Resource {
	const distARN = "arn:aws:cloudfront::555555555555:distribution/E1"
	dist := res(typeDistribution, "cdn", in{"origins": []any{in{
		"originId": "assets", "domainName": "assets-1234567.s3.us-west-2.amazonaws.com", "originAccessControlId": "OAC1",
	}}})
	dist.Outputs = in{"arn": distARN}
	return append(bucketWith("assets",
		res(typeBucketOwnership, "", in{"rule": in{"objectOwnership": ownership}}),
		res(typeBucketPolicy, "", in{"policy": policy(`{"Sid":"AllowThisDistributionOnly","Effect":"Allow","Principal":{"Service":["cloudfront.amazonaws.com"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::assets-1234567/*"],"Condition":{"StringEquals":{"AWS:SourceArn":["` + sourceArn + `"]}}}`)}),
	), dist)
}

// edgeLoggingCase is a distribution logging to bucket "logs" of that
// object ownership.
func edgeLoggingCase(ownership string) []*offline.Resource {
	dist := res(typeDistribution, "cdn", in{"loggingConfig": in{"bucket": "logs-1234567.s3.amazonaws.com", "prefix": "cloudfront/"}})
	return append(bucketWith("logs", res(typeBucketOwnership, "", in{"rule": in{"objectOwnership": ownership}})), dist)
}

// edgeS3LoggingCase is the assets bucket's access logging into bucket
// "logs", whose policy admits S3's logging service; ordered says whether
// the logging waits for the policy.
func edgeS3LoggingCase(ordered bool) []*offline.Resource {
	pol := res(typeBucketPolicy, "logs", in{"bucket": "logs-1234567", "policy": policy(
		`{"Sid":"S3ServerAccessLogs","Effect":"Allow","Principal":{"Service":["logging.s3.amazonaws.com"]},"Action":["s3:PutObject"],"Resource":["arn:aws:s3:::logs-1234567/s3-access/*"]}`)})
	logging := res(typeBucketLogging, "assets", in{"bucket": "assets-1234567", "targetBucket": "logs-1234567", "targetPrefix": "s3-access/"})
	if ordered {
		after(logging, pol)
	}
	return one(pol, logging)
}

// edgeLBLogs is a public load balancer of us-west-2 logging to bucket
// "lblogs" under prefix "public", and that bucket's policy granting resource;
// ordered says whether the load balancer waits for the policy.
func edgeLBLogs(resource, sse string, ordered bool) []*offline.Resource {
	p := edgeProvider("us-west-2")
	pol := res(typeBucketPolicy, "lblogs", in{"bucket": "lblogs", "policy": policy(
		`{"Sid":"ElbLogDeliveryService","Effect":"Allow","Principal":{"Service":["logdelivery.elasticloadbalancing.amazonaws.com"]},"Action":["s3:PutObject"],"Resource":["` + resource + `"]}`)})
	enc := res(typeBucketSSE, "lblogs", in{"bucket": "lblogs", "rules": []any{in{"applyServerSideEncryptionByDefault": in{"sseAlgorithm": sse}}}})
	lb := edgeVia(p, res(typeLoadBalancer, "public", in{"loadBalancerType": "application", "accessLogs": in{"enabled": true, "bucket": "lblogs", "prefix": "public"}}))
	if ordered {
		after(lb, pol)
	}
	return one(p, pol, enc, lb)
}

// edgeLambdaTarget is a Lambda function's registration in its target
// group and the permission letting Elastic Load Balancing invoke it.
func edgeLambdaTarget(ordered bool) []*offline.Resource {
	perm := res(typePermission, "hello-load-balancer", in{"function": "hello", "principal": "elasticloadbalancing.amazonaws.com",
		"action": "lambda:InvokeFunction", "sourceArn": "arn:aws:elasticloadbalancing:us-west-2:555555555555:targetgroup/lambda-1/0123"})
	att := res(typeEdgeTGAttachment, "hello", in{"targetGroupArn": "arn:aws:elasticloadbalancing:us-west-2:555555555555:targetgroup/lambda-1/0123",
		"targetId": "arn:aws:lambda:us-west-2:555555555555:function:hello"})
	if ordered {
		after(att, perm)
	}
	return one(perm, att)
}

// edgeListenerCase is an HTTPS listener serving a certificate and the
// certificate's validation.
func edgeListenerCase(ordered bool) []*offline.Resource {
	const cert = "arn:aws:acm:us-west-2:555555555555:certificate/0123"
	v := res(typeEdgeCertValidation, "regional-certificate", in{"certificateArn": cert, "validationRecordFqdns": []any{"_x.prod.example.com"}})
	l := res(typeListener, "public-https", in{"protocol": "HTTPS", "port": 443, "certificateArn": cert, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"})
	if ordered {
		after(l, v)
	}
	return one(v, l)
}

// awsEdgeCases are the compliant and violating records of awsEdgeRules.
func awsEdgeCases() map[string]ruleCase {
	east, west := edgeProvider("us-east-1"), edgeProvider("us-west-2")
	cloudFrontACL := func(p *offline.Resource) []*offline.Resource {
		return one(p, edgeVia(p, res(typeWebACL, "edge", in{"name": "edge", "scope": "CLOUDFRONT", "rules": []any{}})))
	}
	wafLogs := func(group string) []*offline.Resource {
		return one(res(typeWebACLLogging, "acl", in{"resourceArn": "arn:aws:wafv2:us-west-2:555555555555:regional/webacl/acl/0",
			"logDestinationConfigs": []any{"arn:aws:logs:us-west-2:555555555555:log-group:" + group}}))
	}
	viewerCert := func(region string) []*offline.Resource {
		return one(res(typeDistribution, "cdn", in{"viewerCertificate": in{
			"acmCertificateArn": "arn:aws:acm:" + region + ":555555555555:certificate/0123", "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021",
		}}))
	}
	cloudFrontAlias := func(evaluate bool) []*offline.Resource {
		return one(
			res(typeDistribution, "cdn", in{"aliases": []any{"www.prod.example.com"}}),
			res(typeEdgeRecord, "www-A", in{"name": "www.prod.example.com", "type": "A", "aliases": []any{
				in{"name": "d111111abcdef8.cloudfront.net", "zoneId": edgeCloudFrontZoneID, "evaluateTargetHealth": evaluate},
			}}),
		)
	}
	lifecycle := func(expiration in) []*offline.Resource {
		return one(res(typeBucketLifecycle, "assets", in{"bucket": "assets", "rules": []any{in{"id": "expire", "status": "Enabled", "expiration": expiration}}}))
	}
	const granted = "arn:aws:s3:::lblogs/public/AWSLogs/555555555555/*"
	return map[string]ruleCase{
		"waf-regional-rate-rule-behind-cloudfront": {
			good: edgeBehindCDN(true, true, true),
			bad:  edgeBehindCDN(true, false, true),
		},
		"cloudfront-alb-origin-requires-secret-header": {
			good: edgeBehindCDN(true, true, true),
			// No header on the origin, nothing at the ACL requiring it.
			bad: edgeBehindCDN(false, true, false),
		},
		"waf-rate-limit-bounds": {
			good: one(edgeRateACL(2000, 300)),
			bad:  one(edgeRateACL(5, 300)),
		},
		"waf-log-destination-name-prefix": {
			good: wafLogs("aws-waf-logs-refarch-prod-public"),
			bad:  wafLogs("refarch-prod-public"),
		},
		"waf-cloudfront-acl-in-us-east-1": {
			good: cloudFrontACL(east),
			bad:  cloudFrontACL(west),
		},
		"cloudfront-web-acl-by-arn": {
			good: one(res(typeDistribution, "cdn", in{"webAclId": "arn:aws:wafv2:us-east-1:555555555555:global/webacl/edge/0123"})),
			bad:  one(res(typeDistribution, "cdn", in{"webAclId": "arn:aws:wafv2:us-west-2:555555555555:regional/webacl/public/0123"})),
		},
		"cloudfront-viewer-certificate-us-east-1": {
			good: viewerCert("us-east-1"),
			bad:  viewerCert("us-west-2"),
		},
		"cloudfront-oac-bucket-admits-its-distribution": {
			good: edgeOACCase("BucketOwnerEnforced", "arn:aws:cloudfront::555555555555:distribution/E1"),
			bad:  edgeOACCase("BucketOwnerEnforced", "arn:aws:cloudfront::555555555555:distribution/EOTHER"),
		},
		"cloudfront-standard-logging-bucket-acls": {
			good: edgeLoggingCase("BucketOwnerPreferred"),
			bad:  edgeLoggingCase("BucketOwnerEnforced"),
		},
		"s3-access-logging-after-target-policy": {
			good: edgeS3LoggingCase(true),
			bad:  edgeS3LoggingCase(false),
		},
		"alb-access-log-bucket-policy-principal": {
			good: edgeLBLogs(granted, "AES256", true),
			bad:  edgeLBLogs("arn:aws:s3:::lblogs/other/*", "AES256", true),
		},
		"alb-access-log-bucket-sse-s3": {
			good: edgeLBLogs(granted, "AES256", true),
			bad:  edgeLBLogs(granted, "aws:kms", true),
		},
		"alb-after-access-log-bucket-policy": {
			good: edgeLBLogs(granted, "AES256", true),
			bad:  edgeLBLogs(granted, "AES256", false),
		},
		"alb-lambda-target-after-invoke-permission": {
			good: edgeLambdaTarget(true),
			bad:  edgeLambdaTarget(false),
		},
		"alb-https-listener-explicit-tls12-policy": {
			good: one(res(typeListener, "https", in{"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"})),
			bad:  one(res(typeListener, "https", in{"protocol": "HTTPS"})),
		},
		"alb-https-listener-after-certificate-validation": {
			good: edgeListenerCase(true),
			bad:  edgeListenerCase(false),
		},
		"route53-alias-to-cloudfront-no-target-health": {
			good: cloudFrontAlias(false),
			bad:  cloudFrontAlias(true),
		},
		"s3-lifecycle-delete-marker-expiration-alone": {
			good: lifecycle(in{"expiredObjectDeleteMarker": true}),
			bad:  lifecycle(in{"expiredObjectDeleteMarker": true, "days": 30}),
		},
	}
}
