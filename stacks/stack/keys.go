package stack

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/refarch/refarch/components/validate"
)

// KeyDoc documents one configuration key the program reads: the part that
// reads it, what it feeds and the rule that validates it. Pulumi.yaml holds
// its type, default and description; docs/configuration.md joins the two
// (`go run ./cmd/plan -config-reference`), and tests/config_keys_test.go
// proves the catalogue, Pulumi.yaml and the keys the program reads agree.
type KeyDoc struct {
	// Name is the key without its namespace (vpcCidr).
	Name string
	// Part is the package that reads it (stacks/stack, stacks/networkpart…).
	Part string
	// Feeds is what the value becomes: a component argument, a tag, a rule.
	Feeds string
	// Rule is what the program accepts, as the error messages state it.
	Rule string
}

// Keys are the common keys, read by Load.
var Keys = []KeyDoc{
	{Name: "accountId", Part: "stacks/stack", Feeds: "every provider (allowedAccountIds, the deploy role's ARN)", Rule: "12 digits; must equal accounts.<stack>.id"},
	{Name: "region", Part: "stacks/stack", Feeds: "every provider; zone, ARN and ECR URL derivation", Rule: "a known AWS region; must equal auditRegion"},
	{Name: "deployRoleName", Part: "stacks/stack", Feeds: "the role every provider assumes; the administrator of every KMS key", Rule: "an IAM role name: 1-64 letters, digits and +=,.@_-"},
	{Name: "access", Part: "stacks/stack", Feeds: "the role every provider assumes: deployRoleName, or the read-only " + PreviewRoleName + " (and shared-services' " + PreviewRoleName + " for the application stacks' shared-services provider)", Rule: "deploy or preview"},
	{Name: "circleciOrgId", Part: "stacks/stack", Feeds: "cmd/bootstrap (components/deployaccess CircleCI.OrgID: the OIDC provider and the pipeline roles' trust)", Rule: "a lower-case UUID"},
	{Name: "circleciProjectId", Part: "stacks/stack", Feeds: "cmd/bootstrap (components/deployaccess CircleCI.ProjectID)", Rule: "a lower-case UUID"},
	{Name: "ciRepository", Part: "stacks/stack", Feeds: "cmd/bootstrap (components/deployaccess CircleCI.VCSOrigin)", Rule: "a repository as CircleCI names it, such as github.com/<org>/<repo> (no scheme, no wildcard)"},
	{Name: "owner", Part: "stacks/stack", Feeds: "the Owner default tag", Rule: "at most 256 characters (a tag value)"},
	{Name: "costCenter", Part: "stacks/stack", Feeds: "the CostCenter default tag", Rule: "at most 256 characters (a tag value)"},
	{Name: "accounts", Part: "stacks/stack", Feeds: "trust and bucket policies, peering, the overlap checks, image URLs, GuardDuty and Security Hub membership", Rule: "every stack listed, each with a distinct 12-digit id; a vpcCidr (RFC 1918, /16-/24) and an e-mail address for every account but security; no two blocks (nor vpnClientCidr) overlap; fields id, vpcCidr and email only"},
	{Name: "vpnClientCidr", Part: "stacks/stack", Feeds: "the overlap checks of the directory", Rule: "an RFC 1918 network address, overlapping no VPC of the directory"},
	{Name: "vpcCidr", Part: "stacks/stack", Feeds: "components/network (Args.CIDRBlock)", Rule: "required outside security; RFC 1918, /16-/24, a network address; equals accounts.<stack>.vpcCidr; holds the subnet layout (/21 or larger with the default masks)"},
	{Name: "azCount", Part: "stacks/stack", Feeds: "components/network (Args.AvailabilityZones: the first azCount zones)", Rule: "2-6 and at most what the region offers"},
	{Name: "domain", Part: "stacks/stack", Feeds: "components/dns (root zone, environment zones and certificates)", Rule: "required outside security; a DNS name; <stack>.<domain> at most 64 characters (a certificate subject)"},
	{Name: "alertEmails", Part: "stacks/stack", Feeds: "components/alerttopic (Args.Emails)", Rule: "email addresses; at least one outside dev"},
	{Name: "logRetentionDays", Part: "stacks/stack", Feeds: "every log group (flow logs, ECS, Postgres)", Rule: "a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, …, 3653)"},
	{Name: "deletionProtection", Part: "stacks/stack", Feeds: "every component's Protect (deletion protection, final snapshots, pulumi protect, retain on delete)", Rule: "true in prod"},
}

// CheckKeys records a problem for every key of src in namespace that no
// part reads (not in known), naming the nearest known keys, and for the
// aws: provider keys a stack file may set believing they matter. Other
// namespaces belong to their owners and are left alone.
func CheckKeys(p *validate.Problems, src Source, known []KeyDoc) error {
	keys, err := src.Keys()
	if err != nil {
		return err
	}
	isKnown := map[string]bool{}
	names := make([]string, len(known))
	for i, k := range known {
		isKnown[k.Name] = true
		names[i] = k.Name
	}
	for _, full := range keys {
		value, _ := src.Lookup(full)
		if src.IsSecret(full) {
			value = "[secret]"
		}
		switch full {
		case "aws:region":
			p.Add(full, value, "is ignored: the stack's explicit providers take their region from "+Key("region")+", and pulumi:disable-default-providers forbids the default provider; set "+Key("region")+" instead")
			continue
		case "aws:profile":
			p.Add(full, value, "is ignored: the explicit providers assume "+Key("deployRoleName")+" in "+Key("accountId")+" from whatever credentials the shell has; select the profile with AWS_PROFILE instead")
			continue
		}
		name, ok := strings.CutPrefix(full, Namespace+":")
		if !ok || isKnown[name] {
			continue
		}
		rule := "is not a key this program reads"
		if near := Nearest(name, names); len(near) > 0 {
			rule += "; did you mean " + strings.Join(near, " or ") + "?"
		}
		p.Add(full, value, rule+" (docs/configuration.md lists every key)")
	}
	return nil
}

// Nearest returns the candidates closest to name, ignoring case, best
// first (at most three): those at an edit distance of at most a third of
// name's length (at least 2), and those containing name or contained in it
// (cidr → vpcCidr; both at least three letters long), which count as
// distance 2 when farther.
func Nearest(name string, candidates []string) []string {
	limit := max(2, len(name)/3)
	type scored struct {
		name      string
		d         int
		contained bool
	}
	var out []scored
	lower := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := distance(lower, lc)
		// Containment of a name of one or two letters says nothing.
		contained := min(len(lc), len(lower)) >= 3 && (strings.Contains(lc, lower) || strings.Contains(lower, lc))
		switch {
		case d <= limit:
		case contained:
			d = 2
		default:
			continue
		}
		out = append(out, scored{c, d, contained})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		if out[i].contained != out[j].contained {
			return out[i].contained
		}
		return out[i].name < out[j].name
	})
	var names []string
	for i, s := range out {
		if i == 3 {
			break
		}
		names = append(names, s.name)
	}
	return names
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// unknownFields records a problem for every field of a JSON value that
// the Go type t does not declare (by its json tags), with its full path
// below path ("refarch:services[1].helthCheck") and the nearest declared
// fields, recursing into objects and arrays; maps take any key. It reports
// whether it found any.
func unknownFields(p *validate.Problems, raw json.RawMessage, t reflect.Type, path string) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	found := false
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return false
		}
		for i, item := range items {
			found = unknownFields(p, item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)) || found
		}
	case reflect.Map:
		var items map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return false
		}
		for _, k := range slices.Sorted(maps.Keys(items)) {
			found = unknownFields(p, items[k], t.Elem(), path+"."+k) || found
		}
	case reflect.Struct:
		var items map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return false
		}
		fields := map[string]reflect.Type{}
		names := jsonFields(t, fields)
		for _, k := range slices.Sorted(maps.Keys(items)) {
			ft, ok := fields[k]
			if !ok {
				rule := "is not a field of this object (fields: " + strings.Join(names, ", ") + ")"
				if near := Nearest(k, names); len(near) > 0 {
					rule = "is not a field of this object; did you mean " + strings.Join(near, " or ") + "?"
				}
				p.Add(path+"."+k, "", rule)
				found = true
				continue
			}
			found = unknownFields(p, items[k], ft, path+"."+k) || found
		}
	}
	return found
}

// jsonFields collects the json names of t's fields into fields, with the
// fields of embedded structs promoted as encoding/json promotes them, and
// returns the names in declaration order.
func jsonFields(t reflect.Type, fields map[string]reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			names = append(names, jsonFields(f.Type, fields)...)
			continue
		}
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	return names
}
