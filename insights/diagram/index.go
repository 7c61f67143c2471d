package diagram

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/refarch/refarch/offline"
)

// index answers the questions the chart asks of the records: what resource
// a reference (an id, an ARN, a name) names, and which account and region a
// resource lives in. It keeps its own maps, so a plan decoded from JSON
// (whose lookup index is unexported) works as well as a live one; a decoded
// plan has no Outputs, so references resolve from ids and inputs alone.
type index struct {
	stack     string
	resources []*offline.Resource // by URN
	byURN     map[string]*offline.Resource
	byType    map[string][]*offline.Resource
	handles   map[string][]*offline.Resource // an id, ARN or name → resources
	home      string                         // the stack's own account
	homeReg   map[string]string              // account → its main region
	regions   map[string][]string            // account → regions, main first
	outputs   map[string]string              // a stack reference output value → "stack.key"
	stackRefs map[string]string              // an account id a stack reference exports → that stack
}

// Output and input keys whose string values name a resource: the
// provider's id, ARN and the names other resources refer to it by.
var (
	outputHandles = []string{"arn", "id", "name", "bucket", "identifier", "dnsName", "domainName", "bucketRegionalDomainName", "bucketDomainName", "repositoryUrl", "family", "vpcId", "functionName", "clusterId"}
	inputHandles  = []string{"name", "identifier", "bucket", "family", "functionName", "clusterId", "replicationGroupId", "clusterIdentifier"}
)

func newIndex(p *offline.Plan) *index {
	ix := &index{
		stack:     p.Stack,
		byURN:     map[string]*offline.Resource{},
		byType:    map[string][]*offline.Resource{},
		handles:   map[string][]*offline.Resource{},
		homeReg:   map[string]string{},
		regions:   map[string][]string{},
		outputs:   map[string]string{},
		stackRefs: map[string]string{},
	}
	for _, r := range p.Resources {
		if r != nil {
			ix.resources = append(ix.resources, r)
		}
	}
	sort.SliceStable(ix.resources, func(i, j int) bool { return ix.resources[i].URN < ix.resources[j].URN })
	for _, r := range ix.resources {
		ix.byURN[r.URN] = r
		ix.byType[r.Type] = append(ix.byType[r.Type], r)
		seen := map[string]bool{}
		add := func(h string) {
			if h != "" && !seen[h] {
				seen[h] = true
				ix.handles[h] = append(ix.handles[h], r)
			}
		}
		add(r.ID)
		for _, k := range outputHandles {
			add(str(r.Output(k)))
		}
		for _, k := range inputHandles {
			add(r.String(k))
		}
	}
	ix.accounts()
	ix.stackOutputs()
	return ix
}

// of returns the resources of any of the types, in URN order.
func (ix *index) of(types ...string) []*offline.Resource {
	var out []*offline.Resource
	for _, t := range types {
		out = append(out, ix.byType[t]...)
	}
	if len(types) > 1 {
		sort.SliceStable(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	}
	return out
}

// resolve returns the resource of one of the types that ref names, or nil:
// by id, ARN or name first; then, for an ARN, by each part of its resource
// (…:targetgroup/<name>/<id>, …:function:<name>); then by Pulumi's
// auto-naming, the logical name and a random suffix
// (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming),
// which is what a record decoded without its outputs still shows.
func (ix *index) resolve(ref string, types ...string) *offline.Resource {
	if ref == "" {
		return nil
	}
	want := func(r *offline.Resource) bool { return slices.Contains(types, r.Type) }
	for _, r := range ix.handles[ref] {
		if want(r) {
			return r
		}
	}
	candidates := []string{ref}
	if parts := strings.SplitN(ref, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		res := strings.FieldsFunc(parts[5], func(c rune) bool { return c == '/' || c == ':' })
		candidates = nil
		for i := len(res) - 1; i >= 0; i-- {
			candidates = append(candidates, res[i])
		}
		for _, c := range candidates {
			for _, r := range ix.handles[c] {
				if want(r) {
					return r
				}
			}
		}
	}
	for _, c := range candidates {
		for _, r := range ix.of(types...) {
			if c == r.Name || autoNamed(c, r.Name) {
				return r
			}
		}
	}
	return nil
}

// autoNamed reports whether physical is logical with Pulumi's auto-name
// suffix: a dash and seven hexadecimal digits.
func autoNamed(physical, logical string) bool {
	rest, ok := strings.CutPrefix(physical, logical+"-")
	if !ok || len(rest) != 7 {
		return false
	}
	for _, c := range rest {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// isProvider reports whether r is an AWS provider record.
func isProvider(r *offline.Resource) bool { return r.Type == "pulumi:providers:aws" }

// providerOf returns the AWS provider record r (or the nearest of its
// ancestors) names, or nil for the default provider.
func (ix *index) providerOf(r *offline.Resource) *offline.Resource {
	for depth := 0; r != nil && depth < 64; depth++ {
		ref := r.Provider
		if ref == "" {
			ref = r.Providers["aws"]
		}
		if ref != "" {
			if i := strings.LastIndex(ref, "::"); i >= 0 {
				ref = ref[:i]
			}
			if p := ix.byURN[ref]; p != nil && isProvider(p) {
				return p
			}
		}
		r = ix.byURN[r.Parent]
	}
	return nil
}

// providerAccount is the account a provider record is allowed to touch.
func providerAccount(p *offline.Resource) string {
	if ids := p.Strings("allowedAccountIds"); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// accountOf returns the account r is created in: its provider's
// allowedAccountIds, else the stack's own account.
func (ix *index) accountOf(r *offline.Resource) string {
	if p := ix.providerOf(r); p != nil {
		if a := providerAccount(p); a != "" {
			return a
		}
	}
	return ix.home
}

// regionOf returns the region r is created in.
func (ix *index) regionOf(r *offline.Resource) string {
	if p := ix.providerOf(r); p != nil && p.String("region") != "" {
		return p.String("region")
	}
	return ix.homeReg[ix.accountOf(r)]
}

// accounts finds the stack's own account (the one most resources are
// created in) and each account's regions, its main one first.
func (ix *index) accounts() {
	perAccount := map[string]int{}
	perRegion := map[string]map[string]int{}
	for _, r := range ix.resources {
		if isProvider(r) {
			if a := providerAccount(r); a != "" {
				if perRegion[a] == nil {
					perRegion[a] = map[string]int{}
				}
				perRegion[a][r.String("region")] += 0
			}
			continue
		}
		if !r.Custom {
			continue
		}
		p := ix.providerOf(r)
		if p == nil {
			continue
		}
		a := providerAccount(p)
		if a == "" {
			continue
		}
		perAccount[a]++
		if perRegion[a] == nil {
			perRegion[a] = map[string]int{}
		}
		perRegion[a][p.String("region")]++
	}
	for _, a := range sortedKeys(perRegion) {
		if _, ok := perAccount[a]; !ok {
			perAccount[a] = 0
		}
	}
	ix.home = mostCounted(perAccount)
	for a, regs := range perRegion {
		main := mostCounted(regs)
		ix.homeReg[a] = main
		list := []string{}
		if main != "" {
			list = append(list, main)
		}
		for _, reg := range sortedKeys(regs) {
			if reg != main && reg != "" {
				list = append(list, reg)
			}
		}
		ix.regions[a] = list
	}
}

// stackOutputs indexes the outputs stack references received: a value
// (an account id, a VPC id, a security group) → which stack exports it,
// under which key.
func (ix *index) stackOutputs() {
	for _, r := range ix.of("pulumi:pulumi:StackReference") {
		name := r.String("name")
		if name == "" {
			name = r.Name
		}
		stack := name[strings.LastIndex(name, "/")+1:]
		outs, _ := r.Output("outputs").(map[string]any)
		for _, k := range sortedKeys(outs) {
			switch v := outs[k].(type) {
			case string:
				if _, seen := ix.outputs[v]; !seen {
					ix.outputs[v] = stack + "." + k
				}
				if k == "accountId" {
					ix.stackRefs[v] = stack
				}
			case map[string]any:
				for _, k2 := range sortedKeys(v) {
					if s, ok := v[k2].(string); ok {
						if _, seen := ix.outputs[s]; !seen {
							ix.outputs[s] = stack + "." + k + "." + k2
						}
					}
				}
			}
		}
	}
}

// accountName names an account for its subgraph: the stack for its own
// account; for another, the stack a stack reference says owns it, else what
// the names of the providers that reach it add to "aws-<stack>-"
// ("aws-prod-shared-services" → "shared-services").
func (ix *index) accountName(acct string) string {
	if acct == ix.home {
		return ix.stack
	}
	if s := ix.stackRefs[acct]; s != "" {
		return s
	}
	var names []string
	for _, p := range ix.of("pulumi:providers:aws") {
		if providerAccount(p) != acct {
			continue
		}
		n := strings.TrimPrefix(p.Name, "aws-")
		n = strings.TrimPrefix(n, ix.stack+"-")
		if reg := p.String("region"); reg != "" {
			n = strings.TrimSuffix(strings.TrimSuffix(n, reg), "-")
		}
		if n != "" && n != ix.stack {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		return names[0]
	}
	return ""
}

// arnAccount reads the account of an ARN
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
func arnAccount(arn string) string { return arnPart(arn, 4) }

func arnPart(arn string, i int) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[i]
}

// arnName is the last part of an ARN's resource ("…:function/x" → "x").
func arnName(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	res := strings.FieldsFunc(parts[5], func(c rune) bool { return c == '/' || c == ':' })
	if len(res) == 0 {
		return parts[5]
	}
	return res[len(res)-1]
}

// str returns v when it is a string.
func str(v any) string {
	s, _ := v.(string)
	return s
}

// num formats a number input ("" when it is not one).
func num(v any) string {
	switch n := v.(type) {
	case float64:
		return fmt.Sprint(n)
	case int:
		return fmt.Sprint(n)
	case string:
		return n
	}
	return ""
}

// typeName is the last part of a type token ("refarch:vpnserver:VpnServer"
// → "VpnServer", "aws:lb/loadBalancer:LoadBalancer" → "LoadBalancer").
func typeName(typ string) string { return typ[strings.LastIndex(typ, ":")+1:] }

// mostCounted returns the key with the highest count, the smallest key on
// a tie.
func mostCounted(counts map[string]int) string {
	best, bestN := "", -1
	for _, k := range sortedKeys(counts) {
		if counts[k] > bestN {
			best, bestN = k, counts[k]
		}
	}
	return best
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
