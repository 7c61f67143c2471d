package plandiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// leaf is an InputChange with its parsed path, for matching ignoreChanges,
// replaceOnChanges and the force-new table.
type leaf struct {
	path   resource.PropertyPath
	change InputChange
}

// compareResource returns the change from o to n, or nil when nothing
// differs. moved is true when o and n have different URNs (a move).
func compareResource(olds, news *side, o, n *offline.Resource, moved bool) *Change {
	leaves := diffInputs(o, n)
	options := diffOptions(o, n)
	if !moved && len(leaves) == 0 && len(options) == 0 {
		return nil
	}
	c := &Change{
		URN: n.URN, Type: n.Type, Name: n.Name, Moved: moved, Custom: n.Custom,
		Protected: o.Protect || n.Protect, Stateful: stack.IsStateful(n.Type),
		Retained: o.RetainOnDelete, DeleteBeforeReplace: n.DeleteBeforeReplace,
		Options: options,
	}
	if moved {
		c.OldURN = o.URN
	}

	ignore := parsePaths(n.IgnoreChanges)
	for i := range leaves {
		leaves[i].change.Ignored = coveredBy(ignore, leaves[i].path)
	}

	var reasons []string
	known := false // a replacement not inferred from the table
	if o.Read && n.Read {
		c.Notes = append(c.Notes, "read, not managed: the engine only looks it up, it never replaces it")
	} else {
		if moved {
			reasons = append(reasons, fmt.Sprintf(
				"moved from parent %s to %s: the URN changes, so the engine deletes the old resource and creates the new one unless the new registration has an alias to %s (https://www.pulumi.com/docs/iac/concepts/options/aliases/)",
				orRoot(o.Parent), orRoot(n.Parent), o.URN))
			known = true
		}
		if paths := markReplaceOnChanges(n, leaves); len(paths) > 0 {
			reasons = append(reasons, fmt.Sprintf("replaceOnChanges %s covers %s", render(n.ReplaceOnChanges), strings.Join(paths, ", ")))
			known = true
		}
		if why := markForceNew(o, n, leaves); why != "" {
			reasons = append(reasons, why)
			c.Inferred = !known
		}
		if o.Provider != n.Provider && (o.Custom || n.Custom) {
			replace, text := providerChange(olds, news, o, n)
			if replace {
				reasons = append(reasons, text)
				c.Inferred = false
			} else {
				c.Notes = append(c.Notes, text)
			}
		}
	}
	if len(reasons) > 0 {
		c.Replace = true
		c.ReplaceReason = strings.Join(reasons, "; ")
		switch {
		case o.Protect && !n.Protect:
			c.Notes = append(c.Notes, "protect is removed in this same change, so the engine would let the replacement through")
		case o.Protect:
			c.Notes = append(c.Notes, "`pulumi up` refuses to replace or delete it while it stays protected (https://www.pulumi.com/docs/iac/concepts/options/protect/)")
		case n.Protect:
			c.Notes = append(c.Notes, "protect is added in this change; the resource is not protected yet when it is replaced")
		}
		if o.RetainOnDelete {
			c.Notes = append(c.Notes, "retainOnDelete: the old physical resource stays in AWS, out of the stack's state, and the new one starts empty")
		}
		if n.DeleteBeforeReplace {
			c.Notes = append(c.Notes, "deleteBeforeReplace: the old resource is deleted before the new one exists")
		}
	}
	for _, l := range leaves {
		c.Inputs = append(c.Inputs, l.change)
	}
	return c
}

// orRoot names an empty parent.
func orRoot(parent string) string {
	if parent == "" {
		return "(the stack)"
	}
	return parent
}

// markReplaceOnChanges marks the leaves the resource's replaceOnChanges
// covers and returns their paths. The engine turns a change into a
// replacement when a replaceOnChanges path contains the changed path; a
// leaf that holds a whole subtree (a map added at once) counts when it
// contains the option's path too.
// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/resource/deploy/step_generator.go (applyReplaceOnChanges)
func markReplaceOnChanges(n *offline.Resource, leaves []leaf) []string {
	roc := parsePaths(n.ReplaceOnChanges)
	var out []string
	for i := range leaves {
		l := &leaves[i]
		if l.change.Ignored || !overlaps(roc, l.path) {
			continue
		}
		l.change.ForcesReplacement = true
		out = append(out, l.change.Path)
	}
	return out
}

// markForceNew marks the leaves the force-new table names for the type and
// returns why, or "".
func markForceNew(o, n *offline.Resource, leaves []leaf) string {
	t, ok := forceNew[n.Type]
	if !ok {
		return ""
	}
	var hits []string
	for i := range leaves {
		l := &leaves[i]
		if l.change.Ignored {
			continue
		}
		for _, rule := range t.rules {
			p, err := resource.ParsePropertyPath(rule.path)
			if err != nil || !overlaps([]resource.PropertyPath{p}, l.path) {
				continue
			}
			if rule.when != nil && !rule.when(o, n) {
				continue
			}
			l.change.ForcesReplacement = true
			hit := l.change.Path
			if rule.condition != "" {
				hit += " (" + rule.condition + ")"
			}
			hits = append(hits, hit)
			break
		}
	}
	if len(hits) == 0 {
		return ""
	}
	return fmt.Sprintf("%s forces a new %s (inferred from the force-new table: %s)", strings.Join(hits, ", "), t.terraform, t.doc)
}

// providerChange says whether a change of provider replaces the resource.
// The engine replaces it when one side has no provider, or when the new
// provider's DiffConfig of the two providers' configurations asks for it,
// which the offline plan cannot run; what it can see is whether the
// provider now targets another account or region, which no resource can
// follow.
// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/resource/deploy/step_generator.go (providerChanged)
func providerChange(olds, news *side, o, n *offline.Resource) (bool, string) {
	from, to := refURN(o.Provider), refURN(n.Provider)
	if o.Provider == "" || n.Provider == "" {
		return true, fmt.Sprintf("provider changes from %s to %s, between the default provider and an explicit one: the engine replaces the resource unless the new provider's DiffConfig accepts the switch, which the offline plan cannot run",
			orDefault(from), orDefault(to))
	}
	op, np := olds.byURN[from], news.byURN[to]
	if op == nil || np == nil {
		return true, fmt.Sprintf("provider changes from %s to %s, whose configuration is not in the plans: the engine replaces the resource when the new provider's DiffConfig asks for it", from, to)
	}
	ot, nt := providerTarget(op), providerTarget(np)
	if ot != nt {
		return true, fmt.Sprintf("provider changes from %s (%s) to %s (%s): a resource cannot follow its provider to another account or region, so the new provider would create its own",
			op.Name, ot, np.Name, nt)
	}
	if from == to {
		return false, fmt.Sprintf("provider %s is replaced (its id changes); same %s", np.Name, nt)
	}
	return false, fmt.Sprintf("provider changes from %s to %s with the same %s: no replacement expected", op.Name, np.Name, nt)
}

func orDefault(urn string) string {
	if urn == "" {
		return "the default provider"
	}
	return urn
}

// refURN is the provider URN of a provider reference ("<urn>::<id>").
func refURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i >= 0 && strings.Count(ref, "::") > 3 {
		return ref[:i]
	}
	return ref
}

// providerTarget is the account and region an aws provider acts in: its
// allowedAccountIds (else the account of the role it assumes) and region.
func providerTarget(p *offline.Resource) string {
	account := ""
	if ids := p.Strings("allowedAccountIds"); len(ids) > 0 {
		account = strings.Join(ids, ",")
	} else if arn := p.String("assumeRole.roleArn"); arn != "" {
		if parts := strings.Split(arn, ":"); len(parts) > 4 {
			account = parts[4]
		}
	}
	if account == "" {
		account = "unknown"
	}
	region := p.String("region")
	if region == "" {
		region = "unknown"
	}
	return "account " + account + ", region " + region
}

// diffInputs compares the inputs of o and n leaf by leaf, in key order.
func diffInputs(o, n *offline.Resource) []leaf {
	keys := map[string]bool{}
	for k := range o.Inputs {
		keys[k] = true
	}
	for k := range n.Inputs {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)

	d := &differ{}
	for _, k := range sorted {
		ov, oOK := o.Inputs[k]
		nv, nOK := n.Inputs[k]
		ov, nv = normalize(ov), normalize(nv)
		if o.IsSecret(k) || n.IsSecret(k) || ov == offline.SecretMask || nv == offline.SecretMask {
			if oOK == nOK && reflect.DeepEqual(ov, nv) {
				continue
			}
			c := InputChange{Path: resource.PropertyPath{k}.String(), Kind: KindChanged, Secret: true, Old: offline.SecretMask, New: offline.SecretMask}
			switch {
			case !oOK:
				c.Kind, c.Old = KindAdded, ""
			case !nOK:
				c.Kind, c.New = KindRemoved, ""
			}
			d.out = append(d.out, leaf{path: resource.PropertyPath{k}, change: c})
			continue
		}
		d.values(resource.PropertyPath{k}, ov, oOK, nv, nOK, "")
	}
	return d.out
}

type differ struct {
	out []leaf
}

func (d *differ) add(path resource.PropertyPath, kind Kind, old, new, label string) {
	p := slices.Clone(path)
	d.out = append(d.out, leaf{path: p, change: InputChange{Path: p.String(), Kind: kind, Old: old, New: new, Label: label}})
}

// values compares one value on both sides (aOK, bOK: present), recursing
// into maps, lists and strings that hold JSON documents.
func (d *differ) values(path resource.PropertyPath, a any, aOK bool, b any, bOK bool, label string) {
	switch {
	case !aOK && !bOK:
		return
	case !aOK:
		d.add(path, KindAdded, "", render(b), label)
		return
	case !bOK:
		d.add(path, KindRemoved, render(a), "", label)
		return
	case reflect.DeepEqual(a, b):
		return
	}
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			d.maps(path, av, bv, label)
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			d.lists(path, av, bv, label)
			return
		}
	case string:
		if bs, ok := b.(string); ok {
			ad, aDoc := document(av)
			bd, bDoc := document(bs)
			if aDoc && bDoc {
				d.values(path, ad, true, bd, true, label)
				return
			}
		}
	}
	d.add(path, KindChanged, render(a), render(b), label)
}

func (d *differ) maps(path resource.PropertyPath, a, b map[string]any, label string) {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		av, aOK := a[k]
		bv, bOK := b[k]
		d.values(append(path, k), av, aOK, bv, bOK, label)
	}
}

// identityKeys are the fields that identify a list element when every
// element of both lists has a distinct one: an IAM statement's Sid
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html),
// a container's, variable's, secret's or volume's name in ECS container
// definitions (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html).
var identityKeys = []string{"Sid", "name", "Name"}

// lists compares two lists: by identity when the elements have one (objects
// with a distinct identity key, or distinct scalars that moved), index by
// index otherwise.
func (d *differ) lists(path resource.PropertyPath, a, b []any, label string) {
	if key := identityKey(a, b); key != "" {
		id := func(v any) string { return v.(map[string]any)[key].(string) }
		d.keyed(path, a, b, id, func(s string) string { return key + " " + quote(s) }, key)
		return
	}
	if distinctScalars(a) && distinctScalars(b) && shifted(a, b) {
		d.keyed(path, a, b, render, func(string) string { return label }, "elements")
		return
	}
	for i := 0; i < max(len(a), len(b)); i++ {
		var av, bv any
		if i < len(a) {
			av = a[i]
		}
		if i < len(b) {
			bv = b[i]
		}
		d.values(append(path, i), av, i < len(a), bv, i < len(b), label)
	}
}

// keyed compares two lists whose elements id identifies: matched elements
// are compared at their new index, new ones are added at theirs, gone ones
// removed at their old index, and a new order of the common elements is
// one change at the list's path.
func (d *differ) keyed(path resource.PropertyPath, a, b []any, id func(any) string, labelOf func(string) string, what string) {
	oldIdx := make(map[string]int, len(a))
	for i, e := range a {
		oldIdx[id(e)] = i
	}
	newIdx := make(map[string]int, len(b))
	for j, e := range b {
		newIdx[id(e)] = j
	}
	for j, e := range b {
		k := id(e)
		if i, ok := oldIdx[k]; ok {
			d.values(append(path, j), a[i], true, e, true, labelOf(k))
		} else {
			d.add(append(path, j), KindAdded, "", render(e), labelOf(k))
		}
	}
	for i, e := range a {
		k := id(e)
		if _, ok := newIdx[k]; !ok {
			d.add(append(path, i), KindRemoved, render(e), "", labelOf(k))
		}
	}
	var oldOrder, newOrder []string
	for _, e := range a {
		if _, ok := newIdx[id(e)]; ok {
			oldOrder = append(oldOrder, id(e))
		}
	}
	for _, e := range b {
		if _, ok := oldIdx[id(e)]; ok {
			newOrder = append(newOrder, id(e))
		}
	}
	if !slices.Equal(oldOrder, newOrder) {
		d.add(path, KindChanged, render(oldOrder), render(newOrder), "order of "+what)
	}
}

// shifted reports whether an element common to a and b sits at another
// index in b: then an index by index comparison would show every element
// after an insertion as changed.
func shifted(a, b []any) bool {
	at := make(map[string]int, len(a))
	for i, e := range a {
		at[render(e)] = i
	}
	for j, e := range b {
		if i, ok := at[render(e)]; ok && i != j {
			return true
		}
	}
	return false
}

// identityKey returns the identity key every element of a and b has, with
// distinct non-empty string values in each list, or "".
func identityKey(a, b []any) string {
	if len(a) == 0 && len(b) == 0 {
		return ""
	}
	for _, key := range identityKeys {
		if hasIdentity(a, key) && hasIdentity(b, key) {
			return key
		}
	}
	return ""
}

func hasIdentity(list []any, key string) bool {
	seen := make(map[string]bool, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return false
		}
		s, ok := m[key].(string)
		if !ok || s == "" || seen[s] {
			return false
		}
		seen[s] = true
	}
	return true
}

// distinctScalars reports whether list holds only strings, numbers and
// booleans, none twice.
func distinctScalars(list []any) bool {
	seen := make(map[string]bool, len(list))
	for _, e := range list {
		switch e.(type) {
		case string, float64, bool:
		default:
			return false
		}
		r := render(e)
		if seen[r] {
			return false
		}
		seen[r] = true
	}
	return true
}

// diffOptions compares the resource options that matter for safety and
// placement.
func diffOptions(o, n *offline.Resource) []InputChange {
	var out []InputChange
	flag := func(name string, a, b bool) {
		if a != b {
			out = append(out, InputChange{Path: name, Kind: KindChanged, Old: render(a), New: render(b)})
		}
	}
	set := func(name string, a, b []string) {
		a, b = sortedCopy(a), sortedCopy(b)
		if !slices.Equal(a, b) {
			out = append(out, InputChange{Path: name, Kind: KindChanged, Old: render(a), New: render(b)})
		}
	}
	flag("protect", o.Protect, n.Protect)
	flag("retainOnDelete", o.RetainOnDelete, n.RetainOnDelete)
	flag("deleteBeforeReplace", o.DeleteBeforeReplace, n.DeleteBeforeReplace)
	set("ignoreChanges", o.IgnoreChanges, n.IgnoreChanges)
	set("replaceOnChanges", o.ReplaceOnChanges, n.ReplaceOnChanges)
	if o.Provider != n.Provider {
		from, to := refURN(o.Provider), refURN(n.Provider)
		if from == to { // same provider, new id: show the references
			from, to = o.Provider, n.Provider
		}
		out = append(out, InputChange{Path: "provider", Kind: KindChanged, Old: render(orDefault(from)), New: render(orDefault(to))})
	}
	if o.Parent != n.Parent {
		out = append(out, InputChange{Path: "parent", Kind: KindChanged, Old: render(orRoot(o.Parent)), New: render(orRoot(n.Parent))})
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// parsePaths parses property paths, skipping those that do not parse (the
// engine refuses them).
func parsePaths(paths []string) []resource.PropertyPath {
	var out []resource.PropertyPath
	for _, s := range paths {
		if p, err := resource.ParsePropertyPath(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// coveredBy reports whether one of paths contains p (ignoreChanges: the
// whole leaf is ignored).
func coveredBy(paths []resource.PropertyPath, p resource.PropertyPath) bool {
	for _, q := range paths {
		if q.Contains(p) {
			return true
		}
	}
	return false
}

// overlaps reports whether one of paths contains p or lies inside it.
func overlaps(paths []resource.PropertyPath, p resource.PropertyPath) bool {
	for _, q := range paths {
		if q.Contains(p) || p.Contains(q) {
			return true
		}
	}
	return false
}

// document returns the value a string holds when it is a JSON object or
// array (policies, container definitions), as the offline engine reads
// provider inputs.
func document(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return nil, false
	}
	var v any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return nil, false
	}
	return v, true
}

// normalize gives v the shape decoded JSON has (float64 numbers, []any,
// map[string]any), so a plan from a run and one decoded from cmd/plan's
// JSON compare alike.
func normalize(v any) any {
	switch v.(type) {
	case nil, bool, float64, string:
		return v
	}
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return v
	}
	return out
}

// render is v as compact JSON, map keys sorted, without HTML escaping.
func render(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// quote is s as a JSON string.
func quote(s string) string { return render(s) }
