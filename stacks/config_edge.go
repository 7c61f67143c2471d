package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/components/edgecdn"
	"github.com/refarch/refarch/components/validate"
)

// minProdEdgeLogDays is the shortest access-log retention prod accepts: an
// incident investigation looks back at least a quarter.
const minProdEdgeLogDays = 90

// EdgeConfig configures the CDN for static content of an application
// stack (components/edgecdn).
type EdgeConfig struct {
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

// load reads and validates the section; problems go to r.
func (s *EdgeConfig) load(r *reader, c *Config) {
	if c.Role != RoleApp {
		return
	}
	namesSet := r.object("edgeNames", true, &s.Names)
	s.PriceClass = r.str("edgePriceClass")
	s.SinglePageApp = r.boolean("edgeSinglePageApp", true, false)
	s.APIOrigin = r.boolean("edgeApiOrigin", true, false)
	s.BucketName, _ = r.raw("edgeBucketName", false)
	s.LogRetentionDays = r.integer("edgeLogRetentionDays", edgecdn.DefaultLogRetentionDays)
	s.NoncurrentVersionDays = r.integer("edgeNoncurrentVersionDays", edgecdn.DefaultNoncurrentVersionDays)
	p := &r.problems
	// The component reads 0 as "its default"; a stack file saying 0 means
	// something else, so it is refused (other values are the component's
	// to judge, below).
	for key, days := range map[string]int{"edgeLogRetentionDays": s.LogRetentionDays, "edgeNoncurrentVersionDays": s.NoncurrentVersionDays} {
		if days == 0 {
			p.Add(Key(key), "0", "must be between 1 and 3650")
		}
	}
	// The component's rules: valid names in the environment's zone, one
	// certificate's worth, a valid bucket name and price class. The zone
	// id and provider are placeholders (nothing exists yet); problems with
	// them, or with the zone when refarch:domain is itself invalid, are not
	// the section's, and missing names are already reported as required.
	args := s.componentArgs(c, pulumi.String("zone"), new(aws.Provider))
	toKey := byField(edgeKeys)
	recordComponentProblems(p, args.Validate(), func(prob validate.Problem) (validate.Problem, bool) {
		if !namesSet && strings.HasPrefix(prob.Field, "Args.Names") {
			return prob, false
		}
		return toKey(prob)
	})
	for i, n := range s.Names {
		if c.DNS.PrivateZoneName != "" && dns.InZone(n, c.DNS.PrivateZoneName) {
			p.Addf(fmt.Sprintf("%s[%d]", Key("edgeNames"), i), n,
				"lies in the private zone %s, which shadows it inside the VPC: serve the CDN from a public name", c.DNS.PrivateZoneName)
		}
	}
	if c.IsProd() && s.LogRetentionDays > 0 && s.LogRetentionDays < minProdEdgeLogDays {
		p.Addf(Key("edgeLogRetentionDays"), fmt.Sprint(s.LogRetentionDays),
			"must be at least %d in prod: an incident investigation looks back a quarter", minProdEdgeLogDays)
	}
}

// componentArgs returns the component arguments the section describes for the
// stack's zone (zoneID) and us-east-1 provider.
func (s *EdgeConfig) componentArgs(c *Config, zoneID pulumi.StringInput, usEast1 *aws.Provider) *edgecdn.Args {
	return &edgecdn.Args{
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
