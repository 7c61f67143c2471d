package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Output mocks of Route 53, ACM and CloudFront: what the program reads back
// from zones (id, name servers), records (fqdn), certificates (the DNS
// validation records ACM asks for) and distributions (domain name, the
// CloudFront hosted zone for alias records, the ARN a bucket policy names).
func init() {
	registerOutputs("aws:route53/zone:Zone", route53Zone)
	registerOutputs("aws:route53/record:Record", func(r *Resource, e env, state map[string]any) error {
		name, _ := state["name"].(string)
		state["fqdn"] = strings.TrimSuffix(strings.ToLower(name), ".")
		return nil
	})
	registerOutputs("aws:acm/certificate:Certificate", acmCertificate)
	registerOutputs("aws:cloudfront/distribution:Distribution", cloudfrontDistribution)
	registerOutputs("aws:cloudfront/originAccessControl:OriginAccessControl", func(r *Resource, e env, state map[string]any) error {
		state["id"] = cloudfrontID(r.URN)
		state["etag"] = cloudfrontID("etag" + r.URN)
		return nil
	})
	registerOutputs("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", func(r *Resource, e env, state map[string]any) error {
		state["id"] = uuidOf(r.URN)
		state["etag"] = cloudfrontID("etag" + r.URN)
		return nil
	})
	registerOutputs("aws:cloudfront/function:Function", func(r *Resource, e env, state map[string]any) error {
		state["arn"] = fmt.Sprintf("arn:%s:cloudfront::%s:function/%s", e.Partition, e.Account, state["name"])
		state["etag"] = cloudfrontID("etag" + r.URN)
		state["liveStageEtag"] = state["etag"]
		state["status"] = "UNASSOCIATED"
		return nil
	})
}

// hexOf is a stable hex digest of seed, long enough for any id shape.
func hexOf(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// uuidOf shapes a stable version-4 UUID from seed (ACM certificate ids,
// CloudFront policy ids).
func uuidOf(seed string) string {
	h := hexOf(seed)
	return fmt.Sprintf("%s-%s-4%s-8%s-%s", h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])
}

// cloudfrontID shapes a CloudFront id: "E" and 13 upper-case characters.
func cloudfrontID(seed string) string {
	return "E" + strings.ToUpper(hexOf(seed)[:13])
}

// route53Zone gives a zone a real-looking id (Z and upper-case
// characters) and, when public, the four name servers of its delegation
// set, one per top-level domain as Route 53 assigns them. A private zone
// has no delegation set.
func route53Zone(r *Resource, e env, state map[string]any) error {
	id := "Z0" + strings.ToUpper(hexOf(r.URN)[:17])
	state["id"] = id
	state["zoneId"] = id
	state["arn"] = fmt.Sprintf("arn:%s:route53:::hostedzone/%s", e.Partition, id)
	if vpcs, _ := state["vpcs"].([]any); len(vpcs) > 0 {
		state["nameServers"] = []any{}
		return nil
	}
	h := hexOf("ns" + r.URN)
	var servers []any
	for i, tld := range []string{"com", "net", "org", "co.uk"} {
		servers = append(servers, fmt.Sprintf("ns-%d.awsdns-%02d.%s", int(h[i])*31%2048, int(h[i+4])%64, tld))
	}
	state["nameServers"] = servers
	state["primaryNameServer"] = servers[0]
	return nil
}

// acmCertificate answers a certificate request as ACM does for DNS
// validation: one validation option per name, where a wildcard and its base
// share a record, and the record depends only on the account and the name
// (so two certificates for a name, in any region, ask for the same one).
func acmCertificate(r *Resource, e env, state map[string]any) error {
	id := uuidOf(r.URN)
	state["id"] = fmt.Sprintf("arn:%s:acm:%s:%s:certificate/%s", e.Partition, e.Region, e.Account, id)
	state["arn"] = state["id"]
	names := []any{state["domainName"]}
	if sans, ok := state["subjectAlternativeNames"].([]any); ok {
		names = append(names, sans...)
	}
	var options []any
	for _, n := range names {
		name := fmt.Sprint(n)
		base := strings.TrimPrefix(name, "*.")
		h := hexOf(e.Account + "/" + base)
		options = append(options, map[string]any{
			"domainName":          name,
			"resourceRecordName":  fmt.Sprintf("_%s.%s.", h[:32], base),
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": fmt.Sprintf("_%s.%s.acm-validations.aws.", h[32:64], h[:10]),
		})
	}
	state["domainValidationOptions"] = options
	state["status"] = "PENDING_VALIDATION"
	if _, ok := state["keyAlgorithm"]; !ok {
		state["keyAlgorithm"] = "RSA_2048"
	}
	return nil
}

// cloudfrontDistribution gives a distribution its id, ARN (which names the
// id, not the logical name), its cloudfront.net domain and the fixed hosted
// zone every CloudFront alias record targets.
// Source: https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html
func cloudfrontDistribution(r *Resource, e env, state map[string]any) error {
	id := cloudfrontID(r.URN)
	state["id"] = id
	state["arn"] = fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", e.Partition, e.Account, id)
	state["domainName"] = "d" + hexOf("domain" + r.URN)[:13] + ".cloudfront.net"
	state["hostedZoneId"] = CloudFrontHostedZoneID
	state["status"] = "Deployed"
	state["etag"] = cloudfrontID("etag" + r.URN)
	return nil
}

// CloudFrontHostedZoneID is the hosted zone of every CloudFront
// distribution, the target zone of alias records pointing at one.
const CloudFrontHostedZoneID = "Z2FDTNDATAQYW2"
