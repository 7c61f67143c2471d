package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Namespace is the configuration namespace of every key this program reads
// (the project name in Pulumi.yaml).
const Namespace = "refarch"

// Source is the configuration of a stack the way the Pulumi CLI presents it
// to a program: Lookup answers a full key ("refarch:vpcCidr") with scalars
// as their text and arrays and objects as JSON (ok is false when the key is
// not set); Keys lists every key set, in every namespace, so that a key the
// program does not read (a misspelling) is an error rather than ignored.
// IsSecret reports whether a key's value is secret, so that errors never
// print it.
type Source interface {
	Lookup(key string) (value string, ok bool)
	Keys() ([]string, error)
	IsSecret(key string) bool
}

// ContextSource reads configuration from a running Pulumi program.
func ContextSource(ctx *pulumi.Context) Source { return contextSource{ctx} }

type contextSource struct{ ctx *pulumi.Context }

func (s contextSource) Lookup(key string) (string, bool) { return s.ctx.GetConfig(key) }

func (s contextSource) IsSecret(key string) bool { return s.ctx.IsConfigSecret(key) }

// Keys lists the keys of the program's configuration. The Go SDK answers
// one key at a time (Context.GetConfig) and has no call that lists them, so
// the keys are read from the Context's run information, where the SDK keeps
// the map the engine sent: the same map for a compiled program (`pulumi up`,
// which passes it in PULUMI_CONFIG), an Automation API inline program and
// the mock engine. The layout is that of the pinned SDK, v3.274.1
// (sdk/go/pulumi/context.go: Context.state.info.Config); if an upgrade
// changes it, this fails loudly instead of letting misspelt keys through,
// and tests/config_keys_test.go fails with it.
func (s contextSource) Keys() ([]string, error) {
	v := reflect.ValueOf(s.ctx)
	for _, field := range []string{"state", "info", "Config"} {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return nil, errors.New("reading the configuration's keys: the Pulumi context has no run information")
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct || !v.FieldByName(field).IsValid() {
			return nil, fmt.Errorf("reading the configuration's keys: the Pulumi SDK's Context no longer holds %s (this program is pinned to sdk v3.274.1)", field)
		}
		v = v.FieldByName(field)
	}
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return nil, errors.New("reading the configuration's keys: the Pulumi SDK's configuration is no longer a map of keys (this program is pinned to sdk v3.274.1)")
	}
	keys := make([]string, 0, v.Len())
	for _, k := range v.MapKeys() {
		keys = append(keys, k.String())
	}
	sort.Strings(keys)
	return keys, nil
}

// MapSource reads configuration from a map keyed by full key, as the offline
// plan and the tests load it from the stack files. It knows no secrets: a
// map holding secret values must not be used where errors are shown.
func MapSource(m map[string]string) Source { return mapSource(m) }

type mapSource map[string]string

func (m mapSource) Lookup(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

func (m mapSource) IsSecret(string) bool { return false }

func (m mapSource) Keys() ([]string, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// Reader reads typed values from a Source, recording every problem instead
// of stopping at the first, so one run reports all of them.
type Reader struct {
	src Source
	// read are the project keys (without the namespace) read so far.
	read map[string]bool
	// Problems are the problems recorded so far, each naming its key.
	Problems validate.Problems
}

// NewReader returns a Reader of src with no problems recorded.
func NewReader(src Source) *Reader { return &Reader{src: src, read: map[string]bool{}} }

// Read returns the project keys (without the namespace) read so far, sorted.
func (r *Reader) Read() []string {
	out := make([]string, 0, len(r.read))
	for k := range r.read {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Err returns the recorded problems as one *validate.Error about subject,
// or nil when there are none.
func (r *Reader) Err(subject string) error { return r.Problems.Err(subject) }

// Key returns the full configuration key of a project key.
func Key(name string) string { return Namespace + ":" + name }

// Raw returns the text of a key, and whether it is set (non-blank); a
// missing required key is recorded as a problem.
func (r *Reader) Raw(name string, required bool) (string, bool) {
	r.read[name] = true
	v, ok := r.src.Lookup(Key(name))
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
	// A misspelt field is reported with its full path and the nearest
	// fields; the decoder below refuses it too, without a path.
	if unknownFields(&r.Problems, json.RawMessage(v), reflect.TypeOf(out), Key(name)) {
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
