package offline

import (
	"errors"
	"strings"
	"testing"

	"github.com/refarch/refarch/components/validate"
)

// Require returns the resource of a type with a logical name, and fails t
// when the program did not register it.
func (p *Plan) Require(t testing.TB, typ, name string) *Resource {
	t.Helper()
	r := p.Find(typ, name)
	if r == nil {
		t.Fatalf("%s %q is not registered", typ, name)
	}
	return r
}

// Statements parses the IAM policy document held as JSON at path and returns
// its statements by Sid ("" for a statement without one). It fails t when
// the document does not parse, has no statement, or repeats a Sid.
func (r *Resource) Statements(t testing.TB, path string) map[string]map[string]any {
	t.Helper()
	if r == nil {
		t.Fatalf("no resource to read the policy at %s from", path)
	}
	doc, err := r.JSON(path)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := Lookup(doc, "Statement")
	stmts, _ := list.([]any)
	if len(stmts) == 0 {
		t.Fatalf("%s %q: the policy at %s has no statement", r.Type, r.Name, path)
	}
	out := map[string]map[string]any{}
	for _, s := range stmts {
		st, _ := s.(map[string]any)
		sid, _ := st["Sid"].(string)
		if _, dup := out[sid]; dup {
			t.Fatalf("%s %q: duplicate Sid %q in the policy at %s", r.Type, r.Name, sid, path)
		}
		out[sid] = st
	}
	return out
}

// RequireProblem fails t unless err is (or wraps) a *validate.Error with a
// problem for field whose rule contains rule: the key and the rule must
// belong to the same problem.
func RequireProblem(t testing.TB, err error, field, rule string) {
	t.Helper()
	var verr *validate.Error
	if !errors.As(err, &verr) {
		t.Fatalf("want a validation error naming %s, got %v", field, err)
	}
	for _, p := range verr.Problems {
		if p.Field == field && strings.Contains(p.Rule, rule) {
			return
		}
	}
	t.Errorf("the error must have a problem for %s saying %q:\n%v", field, rule, verr)
}

// RequireRefused requires a component's run to have failed on its
// arguments, with a problem naming field whose rule contains rule, before
// the component (type token component) was registered.
func RequireRefused(t testing.TB, p *Plan, err error, component, field, rule string) {
	t.Helper()
	RequireProblem(t, err, field, rule)
	if p != nil && len(p.ByType(component)) > 0 {
		t.Errorf("%s was registered although its arguments were refused", component)
	}
}

// Strings turns a JSON list of strings (as policies parse) into a
// []string, and a single string (IAM's "Action": "s3:GetObject") into a
// list of one; anything else yields nil.
func Strings(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// FunctionName is a Lambda function's name from its name or ARN
// ("arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]").
func FunctionName(nameOrARN string) string {
	for _, sep := range []string{":function:", ":function/"} {
		if i := strings.Index(nameOrARN, sep); i >= 0 {
			name, _, _ := strings.Cut(nameOrARN[i+len(sep):], ":")
			return name
		}
	}
	return nameOrARN
}

// Condition returns Condition[op][key] of a parsed policy statement
// (keys such as "aws:MultiFactorAuthPresent" may hold dots and colons, which
// a Lookup path cannot).
func Condition(statement map[string]any, op, key string) any {
	c, _ := statement["Condition"].(map[string]any)
	o, _ := c[op].(map[string]any)
	return o[key]
}
