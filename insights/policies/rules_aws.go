package policies

import (
	"fmt"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWSCatalog returns the rules of the AWS area: the catalog of AWS's
// documented rules the program must keep, one file per group of services
// (rules_aws_<group>.go), each rule with its Constraint.
func AWSCatalog() []*Rule {
	var out []*Rule
	for _, group := range [][]*Rule{
		awsDataRules(), awsComputeRules(), awsEdgeRules(), awsNetworkRules(),
		awsAuditRules(), awsDetectionRules(), awsFunctionRules(), awsOrgRules(),
		awsObservabilityRules(), awsBackupRules(),
	} {
		out = append(out, group...)
	}
	return out
}

// requireDependency judges every resource of type dependent (those for
// which applies returns true, all when nil): it must wait for at least one
// resource of type prereq that satisfies match (every one when nil). It is
// how an order-or-state rule reads: "AWS creates X only once Y exists".
// A resource with no such Y in the stack at all fails too: AWS would find
// nothing.
func requireDependency(c *Checker, dependent string, applies func(r *offline.Resource) bool,
	prereq string, match func(r, p *offline.Resource) bool, what string,
) {
	for _, r := range c.Stack.ByType(dependent) {
		if applies != nil && !applies(r) {
			continue
		}
		found, waits := false, false
		for _, p := range c.Stack.ByType(prereq) {
			if match != nil && !match(r, p) {
				continue
			}
			found = true
			if c.Stack.DependsOn(r, p) {
				waits = true
				break
			}
		}
		switch {
		case !found:
			c.Judge(r, fmt.Sprintf("no %s in the stack: %s", prereq, what))
		case !waits:
			c.Judge(r, fmt.Sprintf("is not ordered after its %s: %s", prereq, what))
		default:
			c.Judge(r, "")
		}
	}
}

// providerAccount is the account of the provider r is created with ("" when
// the stack does not hold the provider or it names no account).
func (s *Stack) providerAccount(r *offline.Resource) string {
	p := s.provider(r)
	if p == nil {
		return ""
	}
	ids := p.Strings("allowedAccountIds")
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// providerRegion is the region of the provider r is created with.
func (s *Stack) providerRegion(r *offline.Resource) string {
	p := s.provider(r)
	if p == nil {
		return ""
	}
	return p.String("region")
}

func (s *Stack) provider(r *offline.Resource) *offline.Resource {
	// A provider reference is "<provider URN>::<provider id>".
	if i := strings.LastIndex(r.Provider, "::"); i > 0 {
		if p := s.byURN[r.Provider[:i]]; p != nil {
			return p
		}
	}
	return s.byURN[r.Provider]
}
