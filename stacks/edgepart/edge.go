// Package edgepart is the edge part of an application stack's composition:
// the EdgeCdn for static content (and, optionally, the API behind it), with
// the section of configuration it reads.
package edgepart

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/components/edgecdn"
	"github.com/refarch/refarch/stacks/stack"
)

// The outputs of the CDN (application stacks): what CI needs to publish a
// release (upload to the bucket, invalidate the distribution) and the names
// it is served under.
const (
	OutputEdgeDistributionID = "edgeDistributionId"
	OutputEdgeDomainName     = "edgeDomainName"
	OutputEdgeBucketName     = "edgeBucketName"
	OutputEdgeBucketARN      = "edgeBucketArn"
	OutputEdgeNames          = "edgeNames"
)

// Deploy creates the CDN for static content (application stacks): the
// assets bucket and distribution in the account, its certificate in
// us-east-1, its names in the environment's public zone and, with
// refarch:edgeApiOrigin, the public load balancer behind /api/*.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	if a.DNS == nil || a.DNS.PublicZoneID == nil {
		return fmt.Errorf("the CDN needs the environment's public zone, which the dns part did not provide")
	}
	args := s.componentArgs(c, a.DNS.PublicZoneID, p.USEast1)
	args.ExistingValidationNames = validatedElsewhere(s.Names, a.DNS.CertificateNames)
	api, err := apiOrigin(s, a)
	if err != nil {
		return err
	}
	args.APIOriginDomain = api
	if a.Firewall == nil || a.Firewall.EdgeWebACLARN == nil {
		return fmt.Errorf("the CDN needs its web ACL, which the firewall part did not provide")
	}
	args.WebACLARN = a.Firewall.EdgeWebACLARN
	if args.APIOriginHeaderName, args.APIOriginHeaderValue, err = apiOriginHeader(api, a.Firewall); err != nil {
		return err
	}
	cdn, err := edgecdn.NewEdgeCdn(ctx, stack.Namespace+"-"+c.Stack+"-edge", args, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	a.Edge = &stack.EdgeOut{DistributionID: cdn.DistributionID, Names: cdn.Names, APIPathPattern: edgecdn.DefaultAPIPathPattern}
	if args.APIPathPattern != "" {
		a.Edge.APIPathPattern = args.APIPathPattern
	}
	if args.APIOriginDomain == nil {
		a.Edge.APIPathPattern = "" // no API behind the CDN
	}
	ctx.Export(OutputEdgeDistributionID, cdn.DistributionID)
	ctx.Export(OutputEdgeDomainName, cdn.DomainName)
	ctx.Export(OutputEdgeBucketName, cdn.BucketName)
	ctx.Export(OutputEdgeBucketARN, cdn.BucketARN)
	ctx.Export(OutputEdgeNames, cdn.Names)
	return nil
}

// apiOrigin is the origin of /api/* when refarch:edgeApiOrigin asks for
// one: the platform's name of the public load balancer. Without it the
// stack fails rather than serve a CDN missing its API.
func apiOrigin(s *Config, a *stack.Parts) (pulumi.StringInput, error) {
	if !s.APIOrigin {
		return nil, nil
	}
	if a.Platform == nil || a.Platform.OriginDomain == nil {
		return nil, fmt.Errorf("%s is true, but the platform provides no origin for the API (a name of the public load balancer): set it to false or deploy the load balancer first",
			stack.Key("edgeApiOrigin"))
	}
	return a.Platform.OriginDomain, nil
}

// apiOriginHeader is the secret header CloudFront adds to the API origin's
// requests: the one the firewall part made the load balancer's web ACL
// check. Both parts read refarch:edgeApiOrigin, so an API origin without
// a header is a wiring error, refused rather than served unguarded.
func apiOriginHeader(api pulumi.StringInput, f *stack.FirewallOut) (string, pulumi.StringInput, error) {
	if api == nil {
		return "", nil, nil
	}
	if f == nil || f.OriginHeaderName == "" || f.OriginHeaderValue == nil {
		return "", nil, fmt.Errorf("%s is true, but the firewall part provides no origin header for the API: the load balancer's web ACL could not tell CloudFront's requests from direct ones",
			stack.Key("edgeApiOrigin"))
	}
	return f.OriginHeaderName, f.OriginHeaderValue, nil
}

// validatedElsewhere returns the names whose DNS validation record the
// regional certificate (covering regional) already writes: ACM asks every
// certificate of the account for the same record of a name, in every
// region, so the CDN's certificate must not write it again.
func validatedElsewhere(names, regional []string) []string {
	written := map[string]bool{}
	for _, b := range dns.ValidationBases(regional) {
		written[b] = true
	}
	var out []string
	for _, n := range names {
		if written[n] {
			out = append(out, n)
		}
	}
	return out
}
