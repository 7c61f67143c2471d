package offline

import (
	"fmt"
	"hash/fnv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// mocks is the offline engine's pulumi.MockResourceMonitor: it records every
// registration and invoke into a Plan and answers them with realistic data.
// The mock engine calls it from many goroutines; mu guards the plan.
type mocks struct {
	project, stack string
	opts           *Options
	// disabled holds the packages whose default provider Pulumi.yaml
	// disables (pulumi:disable-default-providers); "*" disables all.
	disabled map[string]bool

	mu   sync.Mutex
	plan *Plan
}

var _ pulumi.MockResourceMonitor = (*mocks)(nil)

// providerRefSeparator separates a provider's URN from its id in a provider
// reference ("<urn>::<id>").
const providerRefSeparator = "::"

// NewResource records a registration (or a read) and returns its state:
// the inputs, plus what the cloud would compute (ids, ARNs, endpoints).
func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := &Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Custom:   args.Custom,
		Provider: args.Provider,
		Inputs:   plainMap(args.Inputs),
		Secrets:  secretPaths(args.Inputs),
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.IgnoreChanges = rpc.GetIgnoreChanges()
		r.DependsOn = rpc.GetDependencies()
		r.Providers = rpc.GetProviders()
		r.Remote = rpc.GetRemote()
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		r.ReplaceOnChanges = rpc.GetReplaceOnChanges()
		r.AdditionalSecretOutputs = rpc.GetAdditionalSecretOutputs()
	}
	if rpc := args.ReadRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Read = true
	}
	r.URN = m.urn(r.Parent, r.Type, r.Name)
	if isProviderType(r.Type) {
		// Providers receive nested configuration as JSON text.
		for k, v := range r.Inputs {
			r.Inputs[k] = decodeJSONString(v)
		}
	}
	if err := m.checkProvider(r); err != nil {
		return "", nil, err
	}

	env := m.envOf(r.Provider)
	id := args.ID
	if id == "" {
		id = generatedID(r, env)
	}
	r.ID = id
	state, err := m.outputs(r, env, args.Inputs)
	if err != nil {
		return "", nil, fmt.Errorf("offline: %s %q: %w", r.Type, r.Name, err)
	}
	r.Outputs = plainMap(state)
	if own, ok := r.Outputs["id"].(string); ok && own != "" && args.ID == "" {
		// An output mock that knows the real id's shape (a bucket's id is
		// its name) overrides the generated one.
		id, r.ID = own, own
	}

	m.mu.Lock()
	m.plan.add(r)
	m.mu.Unlock()
	return id, state, nil
}

// Call answers an invoke with realistic data for the account and region of
// the provider it was made with, and fails on an invoke the offline engine does not
// know: a silent empty answer would hide a missing mock.
func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	inv := &Invoke{Token: args.Token, Args: plainMap(args.Args), Provider: args.Provider}
	m.mu.Lock()
	m.plan.Invokes = append(m.plan.Invokes, inv)
	m.mu.Unlock()

	pkg := packageOf(args.Token)
	if args.Provider == "" && (m.disabled[pkg] || m.disabled["*"]) && pkg != "pulumi" {
		return nil, fmt.Errorf("offline: invoke %s uses the default %s provider, which Pulumi.yaml disables: pass pulumi.Provider(...) or pulumi.Parent(...)",
			args.Token, pkg)
	}
	answer, ok := invokes[args.Token]
	if !ok {
		return nil, fmt.Errorf("offline: no mock answer for invoke %s; add one to offline/invokes.go", args.Token)
	}
	e := m.envOf(args.Provider)
	e.Parameters = m.opts.Parameters
	out, err := answer(e, inv.Args)
	if err != nil {
		return nil, fmt.Errorf("offline: invoke %s: %w", args.Token, err)
	}
	return toPropertyMap(out), nil
}

// checkProvider fails a registration the real engine would refuse because it
// falls back to a disabled default provider. Custom resources must name a
// provider; remote components (awsx) must carry one for the package of the
// resources they create inside.
func (m *mocks) checkProvider(r *Resource) error {
	pkg := packageOf(r.Type)
	switch {
	case isProviderType(r.Type), pkg == "pulumi":
		return nil
	case r.Custom && r.Provider == "" && (m.disabled[pkg] || m.disabled["*"]):
		return fmt.Errorf("offline: %s %q has no explicit provider, but Pulumi.yaml disables the default %s provider",
			r.Type, r.Name, pkg)
	case r.Remote:
		for dis := range m.disabled {
			if dis != "*" && r.Providers[dis] == "" && dis != pkg {
				return fmt.Errorf("offline: remote component %s %q passes no %s provider to its children, but Pulumi.yaml disables the default one: add pulumi.Providers(...)",
					r.Type, r.Name, dis)
			}
		}
	}
	return nil
}

// urn computes a resource's URN as the mock monitor does.
func (m *mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// env is where a resource or invoke acts: its provider's account and region.
type env struct {
	Account, Region, Partition string
	// DefaultTags are the provider's default tags, merged into tagsAll.
	DefaultTags map[string]string
	// Parameters are the SSM parameters the cloud holds (Options.Parameters).
	Parameters map[string]string
}

// envOf reads account and region from the provider a reference names. A
// provider without allowedAccountIds or region yields placeholders.
func (m *mocks) envOf(ref string) env {
	i := strings.LastIndex(ref, providerRefSeparator)
	if i < 0 {
		return envFromProvider(nil)
	}
	m.mu.Lock()
	p := m.plan.byURN[ref[:i]]
	m.mu.Unlock()
	if p == nil {
		return envFromProvider(nil)
	}
	return envFromProvider(p.Inputs)
}

// envFromProvider reads account, region and default tags from an aws
// provider's inputs (nested values already decoded from JSON). A provider
// without allowedAccountIds or region yields placeholders.
func envFromProvider(inputs map[string]any) env {
	e := env{Account: "000000000000", Region: "us-east-1", Partition: "aws"}
	if ids, ok := inputs["allowedAccountIds"].([]any); ok && len(ids) > 0 {
		if s, ok := ids[0].(string); ok {
			e.Account = s
		}
	}
	if region, ok := inputs["region"].(string); ok && region != "" {
		e.Region = region
	}
	e.Partition = partitionOf(e.Region)
	if tags, ok := Lookup(inputs, "defaultTags.tags"); ok {
		if tm, ok := tags.(map[string]any); ok {
			e.DefaultTags = map[string]string{}
			for k, v := range tm {
				e.DefaultTags[k] = fmt.Sprint(v)
			}
		}
	}
	return e
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	}
	return "aws"
}

// isProviderType reports whether a type token is a provider's
// ("pulumi:providers:aws").
func isProviderType(typ string) bool { return strings.HasPrefix(typ, "pulumi:providers:") }

// packageOf returns the package of a type or invoke token ("aws" of
// "aws:ec2/vpc:Vpc", "aws" of "pulumi:providers:aws").
func packageOf(token string) string {
	if isProviderType(token) {
		return strings.TrimPrefix(token, "pulumi:providers:")
	}
	if i := strings.IndexByte(token, ':'); i > 0 {
		return token[:i]
	}
	return token
}

// shortHash is a stable 7-hex-digit hash, the length of Pulumi's autoname
// suffix, so generated names and ids are deterministic across runs.
func shortHash(s string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return fmt.Sprintf("%07x", h.Sum32())[:7]
}
