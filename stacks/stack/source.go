package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Namespace is the configuration namespace of every key this program reads
// (the project name in Pulumi.yaml).
const Namespace = "refarch"

// Source answers a full configuration key ("refarch:vpcCidr") the way the
// Pulumi CLI presents configuration to a program: scalars as their text,
// arrays and objects as JSON. ok is false when the key is not set.
type Source func(key string) (value string, ok bool)

// ContextSource reads configuration from a running Pulumi program.
func ContextSource(ctx *pulumi.Context) Source {
	return func(key string) (string, bool) { return ctx.GetConfig(key) }
}

// MapSource reads configuration from a map keyed by full key, as the offline
// plan and the tests load it from the stack files.
func MapSource(m map[string]string) Source {
	return func(key string) (string, bool) {
		v, ok := m[key]
		return v, ok
	}
}

// Reader reads typed values from a Source, recording every problem instead
// of stopping at the first, so one run reports all of them.
type Reader struct {
	src Source
	// Problems are the problems recorded so far, each naming its key.
	Problems validate.Problems
}

// NewReader returns a Reader of src with no problems recorded.
func NewReader(src Source) *Reader { return &Reader{src: src} }

// Err returns the recorded problems as one *validate.Error about subject,
// or nil when there are none.
func (r *Reader) Err(subject string) error { return r.Problems.Err(subject) }

// Key returns the full configuration key of a project key.
func Key(name string) string { return Namespace + ":" + name }

// Raw returns the text of a key, and whether it is set (non-blank); a
// missing required key is recorded as a problem.
func (r *Reader) Raw(name string, required bool) (string, bool) {
	v, ok := r.src(Key(name))
	if !ok || strings.TrimSpace(v) == "" {
		if required {
			r.Problems.Add(Key(name), "", "is required: set it in Pulumi.<stack>.yaml (or give it a default in Pulumi.yaml)")
		}
		return "", false
	}
	return v, true
}

// Str reads a required string key.
func (r *Reader) Str(name string) string {
	v, _ := r.Raw(name, true)
	return v
}

// Int reads a required integer key; when it is missing or malformed
// (a problem is recorded) it yields fallback, so later checks can go on.
func (r *Reader) Int(name string, fallback int) int {
	v, ok := r.Raw(name, true)
	if !ok {
		return fallback
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		r.Problems.Add(Key(name), v, "must be a whole number")
		return fallback
	}
	return n
}

// Bool reads a boolean key; a missing optional key yields def.
func (r *Reader) Bool(name string, required bool, def bool) bool {
	v, ok := r.Raw(name, required)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		r.Problems.Add(Key(name), v, "must be true or false")
		return def
	}
	return b
}

// Object decodes a JSON array or object key into out, rejecting unknown
// fields so a misspelt field is an error rather than a silently ignored one.
// It reports whether a value was decoded.
func (r *Reader) Object(name string, required bool, out any) bool {
	v, ok := r.Raw(name, required)
	if !ok {
		return false
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		rule := fmt.Sprintf("must be %s: %v", describeJSON(out), err)
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Value == "number" && typeErr.Type.Kind() == reflect.String {
			// `pulumi config set --path` stores an untyped nested value that
			// looks like a number as a number (and drops leading zeros).
			// Source: https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
			rule += "; quote it in the stack file, or set it with `pulumi config set --path --type string`"
		}
		r.Problems.Add(Key(name), v, rule)
		return false
	}
	return true
}

func describeJSON(out any) string {
	switch out.(type) {
	case *[]string:
		return "a list of strings"
	default:
		return "an object of the documented shape"
	}
}
