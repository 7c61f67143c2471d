package organizationpart

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/refarch/refarch/components/organization"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// Config configures the organization (management stack only).
// Pulumi.yaml declares every key under the "organization" marker.
type Config struct {
	// AllowedRegions are the only regions any member account may use
	// (refarch:allowedRegions): the region guardrail denies the others,
	// except for the global services AWS documents.
	AllowedRegions []string
	// UnitNames are the organizational units' names by key
	// (refarch:organizationUnits); every key of organization.DefaultUnits.
	UnitNames map[string]string
	// AdoptAccounts adopts the directory's existing accounts on the next
	// update (refarch:adoptAccounts; organization.OrganizationArgs.Adopt).
	AdoptAccounts bool
}

// Load reads and validates the section; problems go to r.
func (s *Config) Load(r *stack.Reader, c *stack.Config) {
	if c.Role != stack.RoleManagement {
		return
	}
	r.Object("allowedRegions", false, &s.AllowedRegions)
	r.Object("organizationUnits", false, &s.UnitNames)
	s.AdoptAccounts = r.Bool("adoptAccounts", false, false)
	p := &r.Problems

	key := stack.Key("allowedRegions")
	if len(s.AllowedRegions) == 0 {
		p.Add(key, "[]", "must list the regions the accounts may use")
	}
	seen := map[string]bool{}
	for i, region := range s.AllowedRegions {
		k := fmt.Sprintf("%s[%d]", key, i)
		if rule := validate.CheckRegion(region); rule != "" {
			p.Add(k, region, rule)
		} else if seen[region] {
			p.Add(k, region, "is listed twice")
		}
		seen[region] = true
	}
	if len(s.AllowedRegions) > 0 {
		// Every stack deploys in the audit region, and CloudFront reads
		// its certificates (and CLOUDFRONT-scoped web ACLs) in us-east-1
		// only: the region guardrail must let both through.
		// Source: https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html
		for _, need := range []struct{ region, why string }{
			{c.Region, "the stacks' region (refarch:region), where every account deploys and the audit archive lives"},
			{stack.USEast1, "CloudFront's certificates and web ACLs exist there only"},
		} {
			if need.region != "" && !slices.Contains(s.AllowedRegions, need.region) {
				p.Addf(key, strings.Join(s.AllowedRegions, ","), "must include %s: %s", need.region, need.why)
			}
		}
	}

	ukey := stack.Key("organizationUnits")
	known := map[string]bool{}
	for _, u := range organization.DefaultUnits {
		known[u.Key] = true
		if _, ok := s.UnitNames[u.Key]; !ok {
			p.Addf(ukey+"."+u.Key, "", "is required: the name of the %s unit", u.Key)
		}
	}
	keys := make([]string, 0, len(s.UnitNames))
	for k := range s.UnitNames {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			p.Addf(ukey+"."+k, s.UnitNames[k], "is not a unit of the design (%s)", strings.Join(unitKeys(), ", "))
			continue
		}
		p.Check(ukey+"."+k, s.UnitNames[k], organization.CheckUnitName(s.UnitNames[k]))
	}
}

func unitKeys() []string {
	var out []string
	for _, u := range organization.DefaultUnits {
		out = append(out, u.Key)
	}
	return out
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "allowedRegions", Part: "stacks/organizationpart", Feeds: "components/guardrails (Args.AllowedRegions) in management", Rule: "known regions, each once, including region and us-east-1"},
	{Name: "adoptAccounts", Part: "stacks/organizationpart", Feeds: "components/organization (Args.Adopt) in management", Rule: "true or false"},
	{Name: "organizationUnits", Part: "stacks/organizationpart", Feeds: "components/organization (Unit.Name) in management", Rule: "a name (1-128 printable ASCII characters) for each of security, infrastructure, workloads, prod, sdlc"},
}
