package edgepart

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/components/edgecdn"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// minProdEdgeLogDays is the shortest access-log retention prod accepts: an
// incident investigation looks back at least a quarter.
const minProdEdgeLogDays = 90

// Config configures the CDN for static content of an application
// stack (components/edgecdn).
type Config struct {
	// Names are the DNS names the CDN serves, in the environment's zone
	// (refarch:edgeNames).
	Names []string
	// PriceClass is the CloudFront price class (refarch:edgePriceClass).
	PriceClass string
	// SinglePageApp answers unknown paths with the application shell
	// (refarch:edgeSinglePageApp).
	SinglePageApp bool
	// APIOrigin routes /api/* to the public load balancer
	// (refarch:edgeApiOrigin).
	APIOrigin bool
	// BucketName names the assets bucket; empty generates one
	// (refarch:edgeBucketName).
	BucketName string
	// LogRetentionDays keeps the access logs (refarch:edgeLogRetentionDays).
	LogRetentionDays int
	// NoncurrentVersionDays keeps replaced assets restorable
	// (refarch:edgeNoncurrentVersionDays).
	NoncurrentVersionDays int
}

// edgeKeys maps the component's argument fields to the keys they come
// from, so the component's own rules report problems by key.
var edgeKeys = map[string]string{
	"Args.Names":                 "edgeNames",
	"Args.PriceClass":            "edgePriceClass",
	"Args.BucketName":            "edgeBucketName",
	"Args.LogRetentionDays":      "edgeLogRetentionDays",
	"Args.NoncurrentVersionDays": "edgeNoncurrentVersionDays",
}

// Load reads and validates the section; problems go to r. privateZone is
// the DNS section's private zone name, which the CDN's names must avoid.
func (s *Config) Load(r *stack.Reader, c *stack.Config, privateZone string) {
	if c.Role != stack.RoleApp {
		return
	}
	namesSet := r.Object("edgeNames", true, &s.Names)
	s.PriceClass = r.Str("edgePriceClass")
	s.SinglePageApp = r.Bool("edgeSinglePageApp", true, false)
	s.APIOrigin = r.Bool("edgeApiOrigin", true, false)
	s.BucketName, _ = r.Raw("edgeBucketName", false)
	s.LogRetentionDays = r.Int("edgeLogRetentionDays", edgecdn.DefaultLogRetentionDays)
	s.NoncurrentVersionDays = r.Int("edgeNoncurrentVersionDays", edgecdn.DefaultNoncurrentVersionDays)
	p := &r.Problems
	// The component reads 0 as "its default"; a stack file saying 0 means
	// something else, so it is refused (other values are the component's
	// to judge, below).
	for key, days := range map[string]int{"edgeLogRetentionDays": s.LogRetentionDays, "edgeNoncurrentVersionDays": s.NoncurrentVersionDays} {
		if days == 0 {
			p.Add(stack.Key(key), "0", "must be between 1 and 3650")
		}
	}
	// The component's rules: valid names in the environment's zone, one
	// certificate's worth, a valid bucket name and price class. The zone
	// id and provider are placeholders (nothing exists yet); problems with
	// them, or with the zone when refarch:domain is itself invalid, are not
	// the section's, and missing names are already reported as required.
	args := s.componentArgs(c, pulumi.String("zone"), new(aws.Provider))
	toKey := stack.ByField(edgeKeys)
	stack.RecordComponentProblems(p, args.Validate(), func(prob validate.Problem) (validate.Problem, bool) {
		if !namesSet && strings.HasPrefix(prob.Field, "Args.Names") {
			return prob, false
		}
		return toKey(prob)
	})
	for i, n := range s.Names {
		if privateZone != "" && dns.InZone(n, privateZone) {
			p.Addf(fmt.Sprintf("%s[%d]", stack.Key("edgeNames"), i), n,
				"lies in the private zone %s, which shadows it inside the VPC: serve the CDN from a public name", privateZone)
		}
	}
	if c.IsProd() && s.LogRetentionDays > 0 && s.LogRetentionDays < minProdEdgeLogDays {
		p.Addf(stack.Key("edgeLogRetentionDays"), fmt.Sprint(s.LogRetentionDays),
			"must be at least %d in prod: an incident investigation looks back a quarter", minProdEdgeLogDays)
	}
}

// componentArgs returns the component arguments the section describes for the
// stack's zone (zoneID) and us-east-1 provider.
func (s *Config) componentArgs(c *stack.Config, zoneID pulumi.StringInput, usEast1 *aws.Provider) *edgecdn.EdgeCdnArgs {
	return &edgecdn.EdgeCdnArgs{
		Names:                 s.Names,
		ZoneID:                zoneID,
		ZoneName:              c.EnvDomain(),
		CertificateProvider:   usEast1,
		BucketName:            s.BucketName,
		PriceClass:            s.PriceClass,
		SinglePageApp:         s.SinglePageApp,
		LogRetentionDays:      s.LogRetentionDays,
		NoncurrentVersionDays: s.NoncurrentVersionDays,
		Protect:               c.DeletionProtection,
	}
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "edgeNames", Part: "stacks/edgepart", Feeds: "components/edgecdn (Args.Names)", Rule: "required in application stacks; valid names in <stack>.<domain> that one certificate covers; none in the private zone"},
	{Name: "edgePriceClass", Part: "stacks/edgepart", Feeds: "components/edgecdn (Args.PriceClass)", Rule: "PriceClass_100, PriceClass_200 or PriceClass_All"},
	{Name: "edgeSinglePageApp", Part: "stacks/edgepart", Feeds: "components/edgecdn (Args.SinglePageApp)", Rule: "true or false"},
	{Name: "edgeApiOrigin", Part: "stacks/edgepart", Feeds: "components/edgecdn (Args.APIOriginDomain: the public load balancer's origin name; Args.APIOriginHeaderName/Value: the secret origin header) and stacks/firewallpart (the header's SSM SecureString; components/waf WebFirewallArgs.OriginHeader of the public load balancer's web ACL)", Rule: "true or false; true needs the platform's public load balancer"},
	{Name: "edgeBucketName", Part: "stacks/edgepart", Feeds: "components/edgecdn (Args.BucketName); empty generates one", Rule: "an S3 bucket name without dots"},
	{Name: "edgeLogRetentionDays", Part: "stacks/edgepart", Feeds: "components/edgecdn (Args.LogRetentionDays)", Rule: "1-3650; at least 90 in prod"},
	{Name: "edgeNoncurrentVersionDays", Part: "stacks/edgepart", Feeds: "components/edgecdn (Args.NoncurrentVersionDays)", Rule: "1-3650"},
}
