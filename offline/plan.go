package offline

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Resource is one registration the program made, as the engine received it.
type Resource struct {
	// URN, Type and Name identify the resource.
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// ID is the id the mock gave it ("" for components).
	ID string `json:"id,omitempty"`
	// Parent is the parent's URN; the root stack for top-level resources.
	Parent string `json:"parent,omitempty"`
	// Custom is true for cloud resources, false for components.
	Custom bool `json:"custom"`
	// Remote is true for components constructed by a provider (awsx).
	Remote bool `json:"remote,omitempty"`
	// Read is true for resources read (looked up), not created.
	Read bool `json:"read,omitempty"`
	// Provider is the provider reference ("<urn>::<id>"); "" means the
	// default provider.
	Provider string `json:"provider,omitempty"`
	// Providers maps package to provider reference, for components.
	Providers map[string]string `json:"providers,omitempty"`
	// Inputs are the resource's inputs as plain data.
	Inputs map[string]any `json:"inputs"`
	// Secrets lists the top-level inputs that are (or contain) secrets.
	Secrets []string `json:"secrets,omitempty"`
	// Outputs is the state the mock returned.
	Outputs map[string]any `json:"-"`

	// The resource options that matter for safety.
	Protect                 bool     `json:"protect,omitempty"`
	RetainOnDelete          bool     `json:"retainOnDelete,omitempty"`
	IgnoreChanges           []string `json:"ignoreChanges,omitempty"`
	DependsOn               []string `json:"dependsOn,omitempty"`
	DeleteBeforeReplace     bool     `json:"deleteBeforeReplace,omitempty"`
	ReplaceOnChanges        []string `json:"replaceOnChanges,omitempty"`
	AdditionalSecretOutputs []string `json:"additionalSecretOutputs,omitempty"`
}

// Invoke is one provider function call the program made.
type Invoke struct {
	Token    string         `json:"token"`
	Args     map[string]any `json:"args"`
	Provider string         `json:"provider,omitempty"`
}

// Plan is everything one run registered.
type Plan struct {
	Project string `json:"project"`
	Stack   string `json:"stack"`
	// Resources in a stable order (by URN) once the run has finished.
	Resources []*Resource `json:"resources"`
	// Invokes in the order they were made.
	Invokes []*Invoke `json:"invokes"`
	// Warnings are what the CLI would warn about the configuration
	// (StackConfig.Warnings).
	Warnings []string `json:"warnings,omitempty"`

	byURN map[string]*Resource
}

func newPlan(cfg *StackConfig) *Plan {
	return &Plan{Project: cfg.Project, Stack: cfg.Stack, Warnings: cfg.Warnings, byURN: map[string]*Resource{}}
}

// SecretMask replaces a secret input in a masked plan, as `pulumi preview`
// shows it.
const SecretMask = "[secret]"

// Masked returns a copy of the plan fit to print, with every top-level input
// that is or holds a secret replaced by SecretMask. The plan itself keeps
// the values, for tests.
func (p *Plan) Masked() *Plan {
	out := *p
	out.Resources = make([]*Resource, len(p.Resources))
	out.byURN = make(map[string]*Resource, len(p.Resources))
	for i, r := range p.Resources {
		c := *r
		if len(r.Secrets) > 0 {
			c.Inputs = make(map[string]any, len(r.Inputs))
			for k, v := range r.Inputs {
				c.Inputs[k] = v
			}
			for _, k := range r.Secrets {
				c.Inputs[k] = SecretMask
			}
		}
		out.Resources[i] = &c
		out.byURN[c.URN] = &c
	}
	return &out
}

// NewPlan is a plan of the given records, in URN order: what a test
// assembles from records of other plans.
func NewPlan(stack, project string, resources []*Resource) *Plan {
	p := &Plan{Stack: stack, Project: project, byURN: map[string]*Resource{}}
	for _, r := range resources {
		p.add(r)
	}
	p.finish()
	return p
}

func (p *Plan) add(r *Resource) {
	p.Resources = append(p.Resources, r)
	p.byURN[r.URN] = r
}

func (p *Plan) finish() {
	sort.Slice(p.Resources, func(i, j int) bool { return p.Resources[i].URN < p.Resources[j].URN })
}

// RootURN is the URN of the stack resource every top-level resource hangs from.
func (p *Plan) RootURN() string {
	return fmt.Sprintf("urn:pulumi:%s::%s::pulumi:pulumi:Stack::%s-%s", p.Stack, p.Project, p.Project, p.Stack)
}

// ByType returns the resources of a type token, in URN order.
func (p *Plan) ByType(typ string) []*Resource {
	var out []*Resource
	for _, r := range p.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the resource of a type with a logical name, or nil.
func (p *Plan) Find(typ, name string) *Resource {
	for _, r := range p.Resources {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	return nil
}

// ByURN returns the resource with a URN, or nil.
func (p *Plan) ByURN(urn string) *Resource { return p.byURN[urn] }

// Children returns the resources whose parent is r, in URN order.
func (p *Plan) Children(r *Resource) []*Resource {
	return p.childrenOf(r.URN)
}

func (p *Plan) childrenOf(urn string) []*Resource {
	var out []*Resource
	for _, c := range p.Resources {
		if c.Parent == urn {
			out = append(out, c)
		}
	}
	return out
}

// Descendants returns every resource below r, depth first.
func (p *Plan) Descendants(r *Resource) []*Resource {
	var out []*Resource
	for _, c := range p.Children(r) {
		out = append(out, c)
		out = append(out, p.Descendants(c)...)
	}
	return out
}

// TopLevel returns the resources parented to the stack itself.
func (p *Plan) TopLevel() []*Resource {
	var out []*Resource
	root := p.RootURN()
	for _, r := range p.Resources {
		if r.Parent == root || r.Parent == "" {
			out = append(out, r)
		}
	}
	return out
}

// ProviderOf returns the provider resource r was registered with, or nil
// for the default provider.
func (p *Plan) ProviderOf(r *Resource) *Resource {
	return p.providerByRef(r.Provider)
}

func (p *Plan) providerByRef(ref string) *Resource {
	i := strings.LastIndex(ref, providerRefSeparator)
	if i < 0 {
		return nil
	}
	return p.byURN[ref[:i]]
}

// Providers returns the provider resources, in URN order.
func (p *Plan) Providers() []*Resource {
	var out []*Resource
	for _, r := range p.Resources {
		if isProviderType(r.Type) {
			out = append(out, r)
		}
	}
	return out
}

// CountByType counts the resources per type token.
func (p *Plan) CountByType() map[string]int {
	out := map[string]int{}
	for _, r := range p.Resources {
		out[r.Type]++
	}
	return out
}

// InvokesOf returns the invokes of a token.
func (p *Plan) InvokesOf(token string) []*Invoke {
	var out []*Invoke
	for _, inv := range p.Invokes {
		if inv.Token == token {
			out = append(out, inv)
		}
	}
	return out
}

// Get returns the input at path ("ingress[0].cidrBlocks", "tags.Name"), or
// nil when it is not set.
func (r *Resource) Get(path string) any {
	v, _ := Lookup(r.Inputs, path)
	return v
}

// Has reports whether the input at path is set (even to null).
func (r *Resource) Has(path string) bool {
	_, ok := Lookup(r.Inputs, path)
	return ok
}

// String returns the input at path as a string ("" when missing or not a string).
func (r *Resource) String(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Bool returns the input at path as a bool (false when missing).
func (r *Resource) Bool(path string) bool {
	b, _ := r.Get(path).(bool)
	return b
}

// Int returns the input at path as an int (0 when missing).
func (r *Resource) Int(path string) int {
	f, _ := r.Get(path).(float64)
	return int(f)
}

// List returns the input at path as a list (nil when missing).
func (r *Resource) List(path string) []any {
	l, _ := r.Get(path).([]any)
	return l
}

// Strings returns the input at path as a list of strings.
func (r *Resource) Strings(path string) []string {
	var out []string
	for _, v := range r.List(path) {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// JSON parses the input at path, a JSON document held as a string (IAM and
// bucket policies, container definitions), into plain data.
func (r *Resource) JSON(path string) (any, error) {
	s, ok := r.Get(path).(string)
	if !ok {
		return nil, fmt.Errorf("%s %q: input %s is not a JSON string", r.Type, r.Name, path)
	}
	var out any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("%s %q: input %s: %w", r.Type, r.Name, path, err)
	}
	return out, nil
}

// IsSecret reports whether the top-level input key is (or holds) a secret.
func (r *Resource) IsSecret(key string) bool {
	for _, s := range r.Secrets {
		if s == key {
			return true
		}
	}
	return false
}

// Output returns the mock's state at path.
func (r *Resource) Output(path string) any {
	v, _ := Lookup(r.Outputs, path)
	return v
}
