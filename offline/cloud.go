package offline

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Cloud answers, for one configured aws provider, what the mocks answer for
// resources and invokes made with it: the same ids, ARNs, computed outputs
// and invoke results. The stand-in provider plugins of the real-engine test
// (tests/engine) serve it over the provider protocol, so both engines see
// one cloud.
type Cloud struct {
	env env
	// world, when set, remembers what was created and refuses a create
	// whose precondition does not hold (Remember).
	world *World
}

// Remember makes the cloud keep what it creates in w, and refuse, with
// AWS's error, a create whose documented precondition does not hold in w
// at that moment (Preconditions). Without it the cloud accepts anything.
func (c *Cloud) Remember(w *World) *Cloud {
	c.world = w
	return c
}

// Place is the account and region the cloud's provider acts in.
func (c *Cloud) Place() Place {
	return Place{Account: c.env.Account, Region: c.env.Region, Partition: c.env.Partition}
}

// NewCloud returns the cloud of a provider configured with inputs (the
// provider resource's inputs: region, allowedAccountIds, defaultTags; nested
// values may be JSON text, as the engine passes provider configuration).
func NewCloud(inputs map[string]any) *Cloud {
	decoded := make(map[string]any, len(inputs))
	for k, v := range inputs {
		decoded[k] = decodeJSONString(v)
	}
	return &Cloud{env: envFromProvider(decoded)}
}

// Create returns the id and state of a new custom resource with the given
// URN and inputs: the inputs, plus what the cloud computes.
func (c *Cloud) Create(urn resource.URN, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	return c.apply(urn, "", inputs, true)
}

// Adopt returns the state of an existing resource that an import adopts
// with its id (`pulumi import`, pulumi.Import: an organization's existing
// member account, say), and remembers it like a created one; no
// precondition of a create is checked, since nothing is created.
func (c *Cloud) Adopt(urn resource.URN, id string, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	_, state, err := c.apply(urn, id, inputs, true)
	return state, err
}

// Update returns the state of an existing resource given new inputs: the
// same as a create, but no precondition of a create is checked again.
func (c *Cloud) Update(urn resource.URN, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	return c.apply(urn, "", inputs, false)
}

// apply computes (and remembers) the state of a resource created (create
// true), updated, or adopted with its id (imported, not "").
func (c *Cloud) apply(urn resource.URN, imported string, inputs resource.PropertyMap, create bool) (string, resource.PropertyMap, error) {
	r := &Resource{
		URN:    string(urn),
		Type:   string(urn.Type()),
		Name:   urn.Name(),
		Custom: true,
		Inputs: plainMap(inputs),
	}
	r.ID = imported
	// An update keeps what the world knows of the resource: its id (an
	// adopted account's) and when it was created.
	var prev *Existing
	if !create && c.world != nil {
		var err error
		if prev, err = c.world.get(r.Type, r.URN); err != nil {
			return "", nil, err
		}
	}
	if r.ID == "" && prev != nil {
		r.ID, imported = prev.ID, prev.ID
	}
	if r.ID == "" {
		r.ID = generatedID(r, c.env)
	}
	if c.world != nil && create && imported == "" {
		if err := checkPreconditions(c.world, c.Place(), r.Type, r.Inputs); err != nil {
			return "", nil, err
		}
	}
	state, err := cloudState(r, c.env, inputs)
	if err != nil {
		return "", nil, fmt.Errorf("%s %q: %w", r.Type, r.Name, err)
	}
	if own, ok := state["id"]; ok && own.IsString() && own.StringValue() != "" && imported == "" {
		r.ID = own.StringValue()
	}
	if c.world != nil {
		created := time.Now().UnixNano()
		if prev != nil {
			created = prev.Created
		}
		if err := c.world.put(Existing{URN: r.URN, Type: r.Type, ID: r.ID, Account: c.env.Account, Region: c.env.Region, State: plainMap(state), Created: created}); err != nil {
			return "", nil, err
		}
	}
	return r.ID, state, nil
}

// Drifted is what a refresh reads that differs from a resource's last
// known state: the properties someone changed behind Pulumi's back
// (World.ChangeBehindPulumi), with their values in the cloud; a null value
// for one removed. A provider reads a sensitive attribute as a secret
// again, so a value that was secret in state stays secret. Without a
// world, or for a resource the world does not hold, nothing drifted.
// Source: https://www.pulumi.com/docs/iac/concepts/state-and-backends/#refreshing-state
func (c *Cloud) Drifted(urn resource.URN, state resource.PropertyMap) (resource.PropertyMap, error) {
	if c.world == nil {
		return nil, nil
	}
	e, err := c.world.get(string(urn.Type()), string(urn))
	if err != nil || e == nil || len(e.Changed) == 0 {
		return nil, err
	}
	out := resource.PropertyMap{}
	for k, v := range e.Changed {
		key := resource.PropertyKey(k)
		value := resource.NewPropertyValue(v)
		if state[key].ContainsSecrets() && !value.IsNull() {
			value = resource.MakeSecret(value)
		}
		out[key] = value
	}
	return out, nil
}

// Delete forgets a deleted resource.
func (c *Cloud) Delete(urn resource.URN) error {
	if c.world == nil {
		return nil
	}
	return c.world.remove(string(urn.Type()), string(urn))
}

// Invoke answers a provider function, or fails for one the offline engine does
// not know (offline/invokes.go).
func (c *Cloud) Invoke(token string, args resource.PropertyMap) (resource.PropertyMap, error) {
	answer, ok := invokes[token]
	if !ok {
		return nil, fmt.Errorf("offline: no answer for invoke %s; add one to offline/invokes.go", token)
	}
	if fromWorld, ok := worldInvokes[token]; ok && c.world != nil {
		w := c.world
		answer = func(e env, args map[string]any) (map[string]any, error) { return fromWorld(w, e, args) }
	}
	out, err := answer(c.env, plainMap(args))
	if err != nil {
		return nil, fmt.Errorf("offline: invoke %s: %w", token, err)
	}
	return toPropertyMap(out), nil
}
