package policies

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/refarch/refarch/offline"
)

// statement is one statement of an IAM, key, bucket or topic policy.
type statement map[string]any

// statements parses the policy document at input; ok is false when the
// document is not known (a preview) or not JSON, which no rule judges.
func statements(r *offline.Resource, input string) ([]statement, bool) {
	raw, isString := r.Get(input).(string)
	if !isString || raw == "" {
		return nil, false
	}
	if sts, ok := parsedPolicies.get(raw); ok {
		return sts.([]statement), true
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return nil, false
	}
	out := parseStatements(doc)
	parsedPolicies.put(raw, out)
	return out, true
}

// parseStatements lists a policy document's statements.
func parseStatements(doc map[string]any) []statement {
	var out []statement
	switch st := doc["Statement"].(type) {
	case []any:
		for _, e := range st {
			if m, isMap := e.(map[string]any); isMap {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, st)
	}
	return out
}

// docCache keeps parsed JSON documents by their text: a stack's rules read
// the same policies and container definitions many times. It is bounded, and
// safe for concurrent use.
type docCache struct {
	mu   sync.Mutex
	docs map[string]any
}

// maxCachedDocs bounds the cache; past it, the cache starts again empty.
const maxCachedDocs = 4096

// parsedPolicies and parsedContainers hold policy statements and container
// definitions: two caches, so a text never comes back as the other kind.
var (
	parsedPolicies   = &docCache{docs: map[string]any{}}
	parsedContainers = &docCache{docs: map[string]any{}}
)

func (c *docCache) get(raw string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.docs[raw]
	return v, ok
}

func (c *docCache) put(raw string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.docs) >= maxCachedDocs {
		c.docs = map[string]any{}
	}
	c.docs[raw] = v
}

// list reads a policy element that may be a string or a list of strings.
func list(v any) []string { return offline.Strings(v) }

func (s statement) effect() string      { e, _ := s["Effect"].(string); return e }
func (s statement) actions() []string   { return list(s["Action"]) }
func (s statement) resources() []string { return list(s["Resource"]) }
func (s statement) hasCondition() bool  { c, _ := s["Condition"].(map[string]any); return len(c) > 0 }

// condition returns Condition[op][key] as strings.
func (s statement) condition(op, key string) []string {
	c, _ := s["Condition"].(map[string]any)
	o, _ := c[op].(map[string]any)
	return list(o[key])
}

// principals lists the statement's principals of every kind ("*" for the
// anonymous principal).
// isAccount reports whether a principal names the whole account: its id
// or its root ARN, in any partition.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
func isAccount(principal, account string) bool {
	return principal == account || strings.HasSuffix(principal, ":"+account+":root")
}

func (s statement) principals() []string {
	switch p := s["Principal"].(type) {
	case string:
		return []string{p}
	case map[string]any:
		var out []string
		for _, v := range p {
			out = append(out, list(v)...)
		}
		return out
	}
	return nil
}

// allowsEveryone reports an Allow to "*" without a condition.
func (s statement) allowsEveryone() bool {
	if s.effect() != "Allow" || s.hasCondition() {
		return false
	}
	for _, p := range s.principals() {
		if p == "*" {
			return true
		}
	}
	return false
}

// hasAction reports whether the statement grants an action matching want
// exactly ("*", "s3:*").
func (s statement) hasAction(want string) bool {
	for _, a := range s.actions() {
		if strings.EqualFold(a, want) {
			return true
		}
	}
	return false
}

// byStatement judges a resource by the statements of its policy document at
// input: the first statement judge faults fails it; a document a preview
// does not know yet is not judged.
func byStatement(input string, judge func(st statement) string) func(r *offline.Resource) string {
	return func(r *offline.Resource) string {
		sts, ok := statements(r, input)
		if !ok {
			return ""
		}
		for _, st := range sts {
			if msg := judge(st); msg != "" {
				return msg
			}
		}
		return ""
	}
}

// needs judges a resource by one input that must be set.
func needs(input, msg string) func(r *offline.Resource) string {
	return func(r *offline.Resource) string { return unless(set(r.Get(input)), msg) }
}
