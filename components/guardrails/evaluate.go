package guardrails

import (
	"fmt"
	"sort"
	"strings"

	"github.com/refarch/refarch/components/iampolicy"
)

// Request is one call a principal makes, as an SCP sees it.
type Request struct {
	// Action is the IAM action, "service:Action" ("s3:PutBucketPolicy").
	// Required.
	Action string
	// Resource is the ARN the call acts on. "" means unknown: it matches
	// every Resource pattern and no NotResource pattern, so a statement
	// that might apply is taken to apply.
	Resource string
	// PrincipalARN is aws:PrincipalArn: a role's ARN (not its session's),
	// or arn:<partition>:iam::<account>:root for a root user. "" means
	// absent from the request context.
	PrincipalARN string
	// Region is aws:RequestedRegion: the region the call is sent to
	// (us-east-1 for the global services' single endpoints). "" means
	// absent.
	Region string
}

// Denial is a statement of a policy that denies a request.
type Denial struct {
	// Policy is the policy's name.
	Policy string
	// Sid is the denying statement's id.
	Sid string
}

// String renders the denial as policy/Sid.
func (d Denial) String() string { return d.Policy + "/" + d.Sid }

// conditionKeys are the keys Denies can evaluate, lower-cased (IAM
// compares condition key names without regard to case).
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
var conditionKeys = map[string]func(Request) string{
	"aws:principalarn":    func(r Request) string { return r.PrincipalARN },
	"aws:requestedregion": func(r Request) string { return r.Region },
}

// operator is a condition operator: whether value (present in the request)
// matches one of the policy's values, and whether the operator is negated.
type operator struct {
	match   func(pattern, value string) bool
	negated bool
}

// operators are the condition operators Denies can evaluate.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
var operators = map[string]operator{
	"StringEquals":    {match: func(p, v string) bool { return p == v }},
	"StringNotEquals": {match: func(p, v string) bool { return p == v }, negated: true},
	"StringLike":      {match: glob},
	"StringNotLike":   {match: glob, negated: true},
	"ArnEquals":       {match: arnEquals},
	"ArnNotEquals":    {match: arnEquals, negated: true},
	"ArnLike":         {match: arnLike},
	"ArnNotLike":      {match: arnLike, negated: true},
}

// Denies reports whether doc denies req, and which statement (its Sid) does.
//
// It follows IAM's evaluation of Deny statements: a statement applies when
// its Action (or NotAction), Resource (or NotResource) and every condition
// match. Actions match without regard to case, with the wildcards * and ?;
// resources match with case, with the same wildcards. A condition holds
// when the request's value matches one of the operator's values, and a
// negated operator (StringNotEquals, StringNotLike, ArnNotEquals,
// ArnNotLike) holds when it matches none; when the key is absent from the
// request, a condition is false and a negated one is true, as AWS
// documents. Allow statements never deny.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//
// Every statement is checked first: an operator or key it cannot evaluate
// (IfExists, ForAnyValue:, another global key), a Principal (SCPs have
// none), or a statement without actions or resources is an error, so that
// a new guardrail cannot pass its tests by being misread.
func Denies(doc iampolicy.Document, req Request) (sid string, denied bool, err error) {
	if req.Action == "" || !strings.Contains(req.Action, ":") {
		return "", false, fmt.Errorf("request action %q must be service:Action", req.Action)
	}
	for i, st := range doc.Statement {
		if err := checkStatement(st); err != nil {
			return "", false, fmt.Errorf("statement %d (%q): %w", i, st.Sid, err)
		}
	}
	for _, st := range doc.Statement {
		if st.Effect != iampolicy.Deny {
			continue
		}
		if statementApplies(st, req) {
			return st.Sid, true, nil
		}
	}
	return "", false, nil
}

// Evaluate returns every statement of policies that denies req, in order.
func Evaluate(policies []Policy, req Request) ([]Denial, error) {
	var out []Denial
	for _, pol := range policies {
		doc := pol.Document
		// Each denying statement, not only the first.
		for _, st := range doc.Statement {
			sid, denied, err := Denies(iampolicy.New(st), req)
			if err != nil {
				return nil, fmt.Errorf("policy %s: %w", pol.Name, err)
			}
			if denied {
				out = append(out, Denial{Policy: pol.Name, Sid: sid})
			}
		}
	}
	return out, nil
}

// checkStatement refuses what Denies cannot evaluate faithfully.
func checkStatement(st iampolicy.Statement) error {
	if st.Effect != iampolicy.Allow && st.Effect != iampolicy.Deny {
		return fmt.Errorf("effect %q must be Allow or Deny", st.Effect)
	}
	if len(st.Principal) > 0 || len(st.NotPrincipal) > 0 {
		return fmt.Errorf("a service control policy has no Principal or NotPrincipal")
	}
	if (len(st.Action) == 0) == (len(st.NotAction) == 0) {
		return fmt.Errorf("exactly one of Action and NotAction must be set")
	}
	if (len(st.Resource) == 0) == (len(st.NotResource) == 0) {
		return fmt.Errorf("exactly one of Resource and NotResource must be set")
	}
	for _, a := range append(append([]string(nil), st.Action...), st.NotAction...) {
		if a != "*" && !strings.Contains(a, ":") {
			return fmt.Errorf("action %q must be * or service:Action", a)
		}
	}
	for _, op := range sortedKeys(st.Condition) {
		if _, ok := operators[op]; !ok {
			return fmt.Errorf("condition operator %s is not one the evaluator knows (%s)", op, strings.Join(sortedKeys(operators), ", "))
		}
		for _, key := range sortedKeys(st.Condition[op]) {
			if _, ok := conditionKeys[strings.ToLower(key)]; !ok {
				return fmt.Errorf("condition key %s (under %s) is not one the evaluator knows (aws:PrincipalArn, aws:RequestedRegion)", key, op)
			}
			if len(st.Condition[op][key]) == 0 {
				return fmt.Errorf("condition %s on %s has no value", op, key)
			}
			if strings.HasPrefix(op, "Arn") {
				for _, v := range st.Condition[op][key] {
					if len(strings.SplitN(v, ":", 6)) != 6 {
						return fmt.Errorf("condition %s on %s: %q is not an ARN pattern of six colon-separated parts", op, key, v)
					}
				}
			}
		}
	}
	return nil
}

// statementApplies reports whether every element of st matches req.
func statementApplies(st iampolicy.Statement, req Request) bool {
	if len(st.Action) > 0 && !anyAction(st.Action, req.Action) {
		return false
	}
	if len(st.NotAction) > 0 && anyAction(st.NotAction, req.Action) {
		return false
	}
	if len(st.Resource) > 0 && !anyResource(st.Resource, req.Resource) {
		return false
	}
	if len(st.NotResource) > 0 && req.Resource != "" && anyResource(st.NotResource, req.Resource) {
		return false
	}
	for op, keys := range st.Condition {
		o := operators[op]
		for key, values := range keys {
			if !conditionHolds(o, values, conditionKeys[strings.ToLower(key)](req)) {
				return false
			}
		}
	}
	return true
}

// conditionHolds evaluates one operator on one key: any of values matches
// for a plain operator, none for a negated one; an absent key (value "")
// fails a plain operator and satisfies a negated one.
func conditionHolds(o operator, values []string, value string) bool {
	if value == "" {
		return o.negated
	}
	matched := false
	for _, p := range values {
		if o.match(p, value) {
			matched = true
			break
		}
	}
	return matched != o.negated
}

// anyAction reports whether one of patterns names action: "*" names every
// action, otherwise the service prefixes must be equal and the action
// names match as globs, both without regard to case.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
func anyAction(patterns []string, action string) bool {
	action = strings.ToLower(action)
	service, name, _ := strings.Cut(action, ":")
	for _, p := range patterns {
		if p == "*" {
			return true
		}
		ps, pn, _ := strings.Cut(strings.ToLower(p), ":")
		if ps == service && glob(pn, name) {
			return true
		}
	}
	return false
}

// anyResource reports whether one of patterns matches resource (case
// sensitive); an unknown resource ("") matches every pattern.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
func anyResource(patterns []string, resource string) bool {
	if resource == "" {
		return true
	}
	for _, p := range patterns {
		if glob(p, resource) {
			return true
		}
	}
	return false
}

// arnEquals and arnLike compare an ARN to a pattern component by component
// (partition, service, region, account, resource): each of the six
// colon-separated parts matches on its own, so a wildcard never spans a
// colon between them. ArnEquals and ArnLike behave alike.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
func arnEquals(pattern, value string) bool { return arnLike(pattern, value) }

func arnLike(pattern, value string) bool {
	pp := strings.SplitN(pattern, ":", 6)
	vp := strings.SplitN(value, ":", 6)
	if len(pp) != 6 || len(vp) != 6 {
		return false
	}
	for i := range pp {
		if !glob(pp[i], vp[i]) {
			return false
		}
	}
	return true
}

// glob matches s against pattern, where * matches any run of characters
// (none included) and ? any one character; the comparison is exact
// otherwise.
func glob(pattern, s string) bool {
	p, v := []rune(pattern), []rune(s)
	pi, vi := 0, 0
	star, mark := -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == v[vi]):
			pi++
			vi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, vi
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
