// Package dns provides the Route 53 and ACM building blocks of an
// environment's names:
//
//   - Zone, a public or private hosted zone. A public zone can delegate
//     itself from its parent zone, which may live in another account (the
//     delegation record is written through a second provider); a private zone
//     answers only inside the VPCs it is associated with.
//   - Certificate, a public ACM certificate validated by DNS records that it
//     writes into a hosted zone. Its ARN resolves only once ACM has issued
//     the certificate, so nothing ever attaches a pending one.
//
// Both refuse, before registering anything, names that are not lower-case
// fully qualified DNS names, names outside their zone and anything AWS would
// refuse later (a certificate subject over 64 characters, more names than
// ACM's default quota, a private zone without a VPC).
package dns

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// InZone reports whether name is zone itself or a name below it. A leading
// wildcard label ("*.prod.example.com") is a name below its base.
func InZone(name, zone string) bool {
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// MaxNameLength bounds the name of a Zone or Certificate component: its
// children's logical names derive from it (and a DNS label is 63 at most).
const MaxNameLength = 63

// CheckName requires a lower-case, fully qualified DNS name
// (validate.CheckDomainName), optionally with a wildcard as its whole first
// label ("*.prod.example.com"), the only form of wildcard ACM issues.
// Source: https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html
func CheckName(name string) string {
	base := strings.TrimPrefix(name, "*.")
	if rule := validate.CheckDomainName(base); rule != "" {
		return rule + "; a wildcard may only be the whole first label (*.example.com)"
	}
	return ""
}

// CheckZone records the problems of a hosted zone a component writes
// records into: its id (required) and its DNS name (required, valid), in
// the fields <args>.ZoneID and <args>.ZoneName. It reports whether the name
// can be used to judge other names.
func CheckZone(p *validate.Problems, args string, zoneID pulumi.StringInput, zoneName string) bool {
	if zoneID == nil {
		p.Add(args+".ZoneID", "", "is required: the records are written there")
	}
	switch {
	case zoneName == "":
		p.Add(args+".ZoneName", "", "is required: the names must lie in that zone")
	case validate.CheckDomainName(zoneName) != "":
		p.Add(args+".ZoneName", zoneName, validate.CheckDomainName(zoneName))
	default:
		return true
	}
	return false
}

// validationBase is the name whose DNS validation record proves control of
// name: ACM validates "*.example.com" with the record of "example.com", so a
// certificate for both needs a single record.
// Source: https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
func validationBase(name string) string { return strings.TrimPrefix(name, "*.") }

// ValidationBases returns the distinct names whose validation record the
// names need, in first-seen order: the apex and its wildcard share one.
func ValidationBases(names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		b := validationBase(n)
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}

// RelativeLabel names a record by its place in zone, for logical names:
// "apex" for the zone itself, "www" for www.<zone>, "a-b" for a.b.<zone>.
func RelativeLabel(name, zone string) string {
	if name == zone {
		return "apex"
	}
	rel := strings.TrimSuffix(name, "."+zone)
	rel = strings.ReplaceAll(rel, "*", "wildcard")
	return strings.ReplaceAll(rel, ".", "-")
}
