package policies

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/refarch/refarch/offline"
)

// Severity ranks a rule's violations, as CrossGuard ranks them
// (https://www.pulumi.com/docs/iac/using-pulumi/crossguard/core-concepts/).
type Severity string

// The severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
)

// Area groups the rules for the report.
type Area string

// The areas the rules cover.
const (
	Network         Area = "network"
	IAM             Area = "iam"
	Encryption      Area = "encryption"
	Logging         Area = "logging"
	DataStores      Area = "data stores"
	LoadBalancers   Area = "load balancers"
	CDN             Area = "cdn"
	Compute         Area = "compute"
	Functions       Area = "functions"
	ResourceOptions Area = "resource options"
	// AWSRules are AWS's documented rules (aws.go): what AWS refuses, or
	// accepts and then silently fails at.
	AWSRules Area = "aws"
)

// Rule is one check. Check reports violations through the Checker it is
// given; a rule that examines no resource of a stack is "not applicable"
// there.
type Rule struct {
	// ID is the rule's stable name: the policy's name in the CrossGuard
	// pack ("s3-bucket-public-access-block").
	ID string
	// Title says what a compliant stack does.
	Title string
	// Controls are the controls the rule implements: "CIS 2.1.4" (CIS AWS
	// Foundations Benchmark v3.0.0), "FSBP S3.8" (AWS Foundational
	// Security Best Practices), or "refarch" for our own rules.
	Controls []string
	// Reason says why a refarch rule exists; for a benchmark control, what
	// it protects against.
	Reason string
	// Severity of a violation.
	Severity Severity
	// Area groups the rule in the report.
	Area Area
	// Environments says where the rule differs by environment; empty means
	// it holds in every stack. SkipIn lists the stacks it does not apply to.
	Environments string
	SkipIn       []string
	// OfflineOnly says why the CrossGuard pack leaves the rule out, when it
	// judges what a policy pack is not told (the analyzer protocol carries
	// protect but not retainOnDelete). The tests and the offline plan still
	// run it.
	OfflineOnly string
	// Organization says the rule also reads the other stacks of the
	// deployment: what the organization's delegated administrator or
	// organization trail does for every account (rules_org_members.go).
	// The CrossGuard pack plans them for it, as for the AWS rules of kind
	// CrossStack.
	Organization bool
	// AWS is the documentation a rule of the AWS area keeps: its page,
	// the sentence, the dimension and kind, AWS's error (aws.go).
	AWS *Constraint
	// Check examines the stack.
	Check func(c *Checker)
}

// Stack is what the rules see of one stack: its name and its records.
type Stack struct {
	// Name is the stack's name (dev, stage, prod, security,
	// shared-services).
	Name      string
	Resources []*offline.Resource

	byURN  map[string]*offline.Resource
	byType map[string][]*offline.Resource
	// closure caches each record's transitive dependencies (DependsOn).
	closure map[string]map[string]bool
	// peers are the stacks of the same deployment, in order (Deploy).
	peers []*Stack
}

// NewStack indexes a stack's records for the rules.
func NewStack(name string, resources []*offline.Resource) *Stack {
	s := &Stack{Name: name, Resources: resources, byURN: make(map[string]*offline.Resource, len(resources)), byType: map[string][]*offline.Resource{}}
	for _, r := range resources {
		s.byURN[r.URN] = r
		s.byType[r.Type] = append(s.byType[r.Type], r)
	}
	return s
}

// FromPlan is the stack an offline plan registered.
func FromPlan(p *offline.Plan) *Stack { return NewStack(p.Stack, p.Resources) }

// ByType returns the stack's resources of the given types, in record order.
func (s *Stack) ByType(types ...string) []*offline.Resource {
	if len(types) == 1 {
		return slices.Clip(s.byType[types[0]])
	}
	var out []*offline.Resource
	for _, r := range s.Resources {
		if slices.Contains(types, r.Type) {
			out = append(out, r)
		}
	}
	return out
}

// ByURN returns the record with a URN, or nil.
func (s *Stack) ByURN(urn string) *offline.Resource { return s.byURN[urn] }

// Linked returns the resources of type typ that attach to r: their input
// `input` holds r's id (or its name or ARN, as some inputs take), or, when a
// preview does not know that value yet, they share r's logical name and
// parent (how every refarch component names a bucket's or a key's
// companions).
func (s *Stack) Linked(r *offline.Resource, typ, input string) []*offline.Resource {
	var out []*offline.Resource
	for _, o := range s.ByType(typ) {
		sibling := o.Name == r.Name && o.Parent == r.Parent
		v := o.Get(input)
		if refersTo(v, r) || (sibling && (!known(v) || r.ID == "")) {
			out = append(out, o)
		}
	}
	return out
}

// refersTo reports whether v names r by id, name or ARN.
func refersTo(v any, r *offline.Resource) bool {
	sv, ok := v.(string)
	if !ok || sv == "" {
		return false
	}
	for _, id := range []string{r.ID, str(r.Output("arn")), str(r.Output("name")), str(r.Output("bucket"))} {
		if id != "" && (sv == id || strings.HasSuffix(sv, "/"+id)) {
			return true
		}
	}
	return false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// known reports whether v is a value the engine knows (not the offline
// engine's Unknown, nor missing).
func known(v any) bool {
	switch v.(type) {
	case nil, offline.Unknown:
		return false
	}
	return true
}

// set reports whether v is set: a value, or one a preview does not know
// yet (it will be set).
func set(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	}
	return true
}

// Finding is one violation.
type Finding struct {
	URN, Type, Name string
	Message         string
}

// Checker collects what a rule examined and what it found.
type Checker struct {
	// Stack is the stack under check.
	Stack    *Stack
	examined map[string]bool
	findings []Finding
}

// Each examines every resource of the types with judge, which returns ""
// for a compliant resource and the reason otherwise.
func (c *Checker) Each(judge func(r *offline.Resource) string, types ...string) {
	for _, r := range c.Stack.ByType(types...) {
		c.Judge(r, judge(r))
	}
}

// Judge records that r was examined, and a violation when msg is not "".
func (c *Checker) Judge(r *offline.Resource, msg string) {
	c.examined[r.URN] = true
	if msg != "" {
		c.findings = append(c.findings, Finding{URN: r.URN, Type: r.Type, Name: r.Name, Message: msg})
	}
}

// Require fails the stack unless a resource of typ satisfies ok; every
// resource of typ is examined. It is how "the account has GuardDuty" reads.
func (c *Checker) Require(typ string, ok func(r *offline.Resource) bool, msg string) {
	found := false
	for _, r := range c.Stack.ByType(typ) {
		c.examined[r.URN] = true
		if ok == nil || ok(r) {
			found = true
		}
	}
	if !found {
		c.examined[""] = true
		c.findings = append(c.findings, Finding{Message: msg})
	}
}

// Status is a rule's outcome on one stack.
type Status string

// The outcomes.
const (
	Pass          Status = "pass"
	Fail          Status = "FAIL"
	NotApplicable Status = "n/a"
)

// Result is one rule's outcome on one stack.
type Result struct {
	Rule     *Rule
	Status   Status
	Examined int
	Findings []Finding
}

// Applies reports whether the rule applies to the stack.
func (r *Rule) Applies(stack string) bool { return !slices.Contains(r.SkipIn, stack) }

// Run runs one rule on a stack.
func (r *Rule) Run(s *Stack) Result {
	if !r.Applies(s.Name) {
		return Result{Rule: r, Status: NotApplicable}
	}
	c := &Checker{Stack: s, examined: map[string]bool{}}
	r.Check(c)
	res := Result{Rule: r, Examined: len(c.examined), Findings: c.findings}
	switch {
	case len(c.findings) > 0:
		res.Status = Fail
	case len(c.examined) == 0:
		res.Status = NotApplicable
	default:
		res.Status = Pass
	}
	sort.SliceStable(res.Findings, func(i, j int) bool { return res.Findings[i].URN < res.Findings[j].URN })
	return res
}

// Evaluate runs every rule on a stack, in rule order.
func Evaluate(s *Stack, rules []*Rule) []Result {
	out := make([]Result, 0, len(rules))
	for _, r := range rules {
		out = append(out, r.Run(s))
	}
	return out
}

// Failures are the failed results of Evaluate.
func Failures(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if r.Status == Fail {
			out = append(out, r)
		}
	}
	return out
}

// String is a finding as a reviewer reads it.
func (f Finding) String() string {
	if f.URN == "" {
		return f.Message
	}
	return fmt.Sprintf("%s %q: %s", f.Type, f.Name, f.Message)
}

// areaOrder is the order of the areas in reports.
var areaOrder = []Area{Network, IAM, Encryption, Logging, DataStores, LoadBalancers, CDN, Compute, Functions, ResourceOptions, AWSRules}

// Rules returns every rule, in a stable order: by area, then as declared.
func Rules() []*Rule {
	var all []*Rule
	for _, group := range [][]*Rule{
		networkRules, iamRules, encryptionRules, loggingRules, dataRules,
		loadBalancerRules, cdnRules, computeRules, functionRules, optionRules,
		AWSCatalog(),
	} {
		all = append(all, group...)
	}
	out := make([]*Rule, 0, len(all))
	for _, a := range areaOrder {
		for _, r := range all {
			if r.Area == a {
				out = append(out, r)
			}
		}
	}
	return out
}

// Controls returns the distinct controls the rules implement, sorted.
func Controls(rules []*Rule) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rules {
		for _, c := range r.Controls {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// BenchmarkControls returns the distinct CIS and FSBP controls the rules
// implement (Controls without "refarch" and "AWS"), sorted.
func BenchmarkControls(rules []*Rule) []string {
	var out []string
	for _, c := range Controls(rules) {
		if c != "refarch" && c != AWSControl {
			out = append(out, c)
		}
	}
	return out
}
