package cost

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/refarch/refarch/offline"
)

// StackComponent is the Component of the lines of resources that belong to no
// refarch component (registered at the top of the stack).
const StackComponent = "stack"

// Estimate is one stack's monthly estimate.
type Estimate struct {
	// Stack is the stack's name; Region the region most of its resources
	// are registered in.
	Stack, Region string
	// PriceDate is the date of the price table used.
	PriceDate string
	// Currency is the currency of every amount ("USD").
	Currency string
	// HoursPerMonth is the month the hourly prices were multiplied by.
	HoursPerMonth float64
	// Lines are the priced dimensions, in the order of the records.
	Lines []Line
	// Total is the sum of the lines' Monthly.
	Total float64
	// Assumptions lists every assumption the estimate rests on, each once:
	// the general ones first, then those of the lines, in order.
	Assumptions []string
	// NotPriced lists the resources the estimate could not price: types
	// neither priced nor known to be free, and priced types whose inputs
	// or price the estimator could not find.
	NotPriced []NotPriced
	// Note and Sources are the price table's note and source URLs.
	Note    string
	Sources []string
}

// Line is one billed dimension of one resource.
type Line struct {
	// Component is the top-level refarch component's "<type> <name>" the
	// resource belongs to, or StackComponent.
	Component string
	// Item says what is billed ("NAT gateway hours").
	Item string
	// Resource is the URN of the resource billed; Type its type token.
	Resource string
	Type     string
	// Region is the region the price was taken for.
	Region string
	// Quantity is the monthly quantity, in Unit ("hour", "GB-month",
	// "key-month").
	Quantity float64
	Unit     string
	// UnitPrice is the price of one Unit; Monthly is Quantity × UnitPrice.
	UnitPrice float64
	Monthly   float64
	// Assumption is the text of the assumptions the quantity rests on
	// (joined by a space), or "" when it is derived from the records alone.
	Assumption string
	// AssumptionRefs are the numbers (1-based) of those assumptions in
	// Estimate.Assumptions.
	AssumptionRefs []int
	// Source is the URL of the price's page.
	Source string
}

// NotPriced is a resource the estimate left out, and why.
type NotPriced struct {
	// Type and Resource (URN) of the resource.
	Type, Resource string
	// Reason says why it was not priced.
	Reason string
}

// ComponentTotal is one component's monthly subtotal.
type ComponentTotal struct {
	// Component is as in Line.Component.
	Component string
	// Monthly is the sum of the component's lines.
	Monthly float64
	// Lines counts the component's lines.
	Lines int
}

// EstimatePlan estimates plan with the embedded price table (LoadPrices).
func EstimatePlan(plan *offline.Plan) (*Estimate, error) {
	prices, err := LoadPrices()
	if err != nil {
		return nil, err
	}
	return EstimateWith(plan, prices)
}

// EstimateWith estimates plan with a price table. It fails only on a nil
// plan or an invalid table; a resource it cannot price is listed in
// NotPriced.
func EstimateWith(plan *offline.Plan, prices *Prices) (*Estimate, error) {
	if plan == nil {
		return nil, errors.New("cost: nil plan")
	}
	if err := prices.Validate(); err != nil {
		return nil, fmt.Errorf("cost of stack %q: %w", plan.Stack, err)
	}
	e := newEstimator(plan, prices)
	e.run()
	return e.est, nil
}

// ByComponent returns the subtotal of each component, the most expensive
// first (ties by name).
func (e *Estimate) ByComponent() []ComponentTotal {
	idx := map[string]int{}
	var out []ComponentTotal
	for _, l := range e.Lines {
		i, ok := idx[l.Component]
		if !ok {
			i = len(out)
			idx[l.Component] = i
			out = append(out, ComponentTotal{Component: l.Component})
		}
		out[i].Monthly += l.Monthly
		out[i].Lines++
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Monthly != out[j].Monthly {
			return out[i].Monthly > out[j].Monthly
		}
		return out[i].Component < out[j].Component
	})
	return out
}

// estimator is the state of one estimate.
type estimator struct {
	plan   *offline.Plan
	prices *Prices
	est    *Estimate
	byURN  map[string]*offline.Resource
	// assumed numbers est.Assumptions (1-based).
	assumed map[string]int
	// region of each provider resource, by URN.
	providerRegion map[string]string
}

func newEstimator(plan *offline.Plan, prices *Prices) *estimator {
	e := &estimator{
		plan:           plan,
		prices:         prices,
		byURN:          map[string]*offline.Resource{},
		assumed:        map[string]int{},
		providerRegion: map[string]string{},
	}
	for _, r := range plan.Resources {
		if r == nil {
			continue
		}
		e.byURN[r.URN] = r
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			e.providerRegion[r.URN] = r.String("region")
		}
	}
	e.est = &Estimate{
		Stack:         plan.Stack,
		PriceDate:     prices.Date,
		Currency:      prices.Currency,
		HoursPerMonth: prices.HoursPerMonth,
		Note:          prices.Note,
		Sources:       prices.Sources(),
	}
	e.est.Region = e.stackRegion()
	return e
}

func (e *estimator) run() {
	e.assume(fmt.Sprintf("A month is %g hours (the AWS Pricing Calculator's convention); always-on resources run the whole month.", e.prices.HoursPerMonth))
	e.assume(fmt.Sprintf("Prices are %s on-demand list prices of %s, before the free tier, taxes, credits, Savings Plans and reservations.", e.prices.Currency, e.prices.Date))
	e.assume("Data transfer (internet egress, cross-AZ, cross-region, VPC peering) is not estimated except where a line says so.")
	for _, r := range e.plan.Resources {
		if r == nil || skipped(r) {
			continue
		}
		rule, priced := rules[r.Type]
		if !priced {
			if _, free := e.prices.FreeNote(r.Type); free {
				continue
			}
			reason := "type neither priced nor listed as free in the price table"
			if !r.Custom {
				reason = "remote component: the resources its provider creates inside are not in the records, and the estimator does not know them"
			}
			e.notPriced(r, reason)
			continue
		}
		if err := rule(e, r); err != nil {
			e.notPriced(r, err.Error())
		}
	}
	for _, r := range e.plan.Resources {
		if r == nil || r.Type != "refarch:securitybaseline:SecurityBaseline" {
			continue
		}
		if err := e.organizationMember(r); err != nil {
			e.notPriced(r, err.Error())
		}
	}
	for _, l := range e.est.Lines {
		e.est.Total += l.Monthly
	}
}

// skipped reports resources that are not cloud resources this stack creates:
// local components (their children are priced), providers, the stack
// itself, stack references and reads.
func skipped(r *offline.Resource) bool {
	switch {
	case strings.HasPrefix(r.Type, "pulumi:"):
		return true
	case r.Read:
		return true
	case !r.Custom && !r.Remote:
		return true
	}
	return false
}

func (e *estimator) notPriced(r *offline.Resource, reason string) {
	e.est.NotPriced = append(e.est.NotPriced, NotPriced{Type: r.Type, Resource: r.URN, Reason: reason})
}

// assume records an assumption once and returns its number (1-based) in
// Estimate.Assumptions.
func (e *estimator) assume(text string) int {
	if n, ok := e.assumed[text]; ok {
		return n
	}
	e.est.Assumptions = append(e.est.Assumptions, text)
	e.assumed[text] = len(e.est.Assumptions)
	return len(e.est.Assumptions)
}

// usage returns an assumed quantity and the assumption's text.
func (e *estimator) usage(key string) (float64, string, error) {
	u, ok := e.prices.UsageOf(key)
	if !ok {
		return 0, "", fmt.Errorf("usage assumption %q missing from the price table", key)
	}
	return u.Value, fmt.Sprintf("%s: %s %s (usage %s).", u.Description, quantity(u.Value), u.Unit, u.Key), nil
}

// charge adds a line: quantity of the price key, in unit, for resource r,
// resting on the given assumptions (empty texts are ignored).
func (e *estimator) charge(r *offline.Resource, item string, quantity float64, unit, key string, assumptions ...string) error {
	region := e.regionOf(r)
	p, ok := e.prices.Lookup(region, key)
	if !ok {
		return fmt.Errorf("no price %q for %s in the price table", key, region)
	}
	if p.Unit != unit {
		return fmt.Errorf("price %q is per %q, the estimator counts %q", key, p.Unit, unit)
	}
	var texts []string
	var refs []int
	for _, a := range assumptions {
		if a == "" {
			continue
		}
		n := e.assume(a)
		if !slices.Contains(refs, n) {
			refs = append(refs, n)
			texts = append(texts, a)
		}
	}
	e.est.Lines = append(e.est.Lines, Line{
		Component:      e.componentOf(r),
		Item:           item,
		Resource:       r.URN,
		Type:           r.Type,
		Region:         p.Region,
		Quantity:       quantity,
		Unit:           unit,
		UnitPrice:      p.USD,
		Monthly:        quantity * p.USD,
		Assumption:     strings.Join(texts, " "),
		AssumptionRefs: refs,
		Source:         p.Source,
	})
	return nil
}

// componentOf returns "<type> <name>" of the top-level component r belongs
// to, or StackComponent when r is itself at the top.
func (e *estimator) componentOf(r *offline.Resource) string {
	top := r
	for seen := 0; seen < len(e.byURN); seen++ {
		parent, ok := e.byURN[top.Parent]
		if !ok || parent == top {
			break
		}
		top = parent
	}
	if top == r || top.Custom {
		return StackComponent
	}
	return top.Type + " " + top.Name
}

// regionOf returns the region of r's provider (for a component, of its aws
// provider), looking up the parents when r names none, else the stack's
// region.
func (e *estimator) regionOf(r *offline.Resource) string {
	cur := r
	for seen := 0; cur != nil && seen <= len(e.byURN); seen++ {
		if reg := e.refRegion(cur.Provider); reg != "" {
			return reg
		}
		if reg := e.refRegion(cur.Providers["aws"]); reg != "" {
			return reg
		}
		cur = e.byURN[cur.Parent]
	}
	e.assume(fmt.Sprintf("Resources that name no provider are priced in the stack's region, %s.", e.est.Region))
	return e.est.Region
}

// refRegion returns the region of a provider reference ("<urn>::<id>").
func (e *estimator) refRegion(ref string) string {
	if ref == "" {
		return ""
	}
	if reg, ok := e.providerRegion[ref]; ok {
		return reg
	}
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return e.providerRegion[ref[:i]]
	}
	return ""
}

// stackRegion is the region of the provider most resources use, else the
// table's default region.
func (e *estimator) stackRegion() string {
	count := map[string]int{}
	for _, r := range e.plan.Resources {
		if r == nil || !r.Custom || strings.HasPrefix(r.Type, "pulumi:") {
			continue
		}
		if reg := e.refRegion(r.Provider); reg != "" {
			count[reg]++
		}
	}
	best, n := "", 0
	for reg, c := range count {
		if c > n || (c == n && reg < best) {
			best, n = reg, c
		}
	}
	if best == "" {
		e.est.Region = e.prices.DefaultRegion
		e.assume(fmt.Sprintf("No resource names a provider region: every resource is priced in the table's default region %s.", e.prices.DefaultRegion))
		return e.prices.DefaultRegion
	}
	return best
}
