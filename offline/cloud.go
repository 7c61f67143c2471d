package offline

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Cloud answers, for one configured aws provider, what the mocks answer for
// resources and invokes made with it: the same ids, ARNs, computed outputs
// and invoke results. The stand-in provider plugins of the real-engine test
// (tests/engine) serve it over the provider protocol, so both engines see
// one cloud.
type Cloud struct {
	env env
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
	r := &Resource{
		URN:    string(urn),
		Type:   string(urn.Type()),
		Name:   urn.Name(),
		Custom: true,
		Inputs: plainMap(inputs),
	}
	r.ID = generatedID(r, c.env)
	state, err := cloudState(r, c.env, inputs)
	if err != nil {
		return "", nil, fmt.Errorf("%s %q: %w", r.Type, r.Name, err)
	}
	if own, ok := state["id"]; ok && own.IsString() && own.StringValue() != "" {
		r.ID = own.StringValue()
	}
	return r.ID, state, nil
}

// Invoke answers a provider function, or fails for one the offline engine does
// not know (offline/invokes.go).
func (c *Cloud) Invoke(token string, args resource.PropertyMap) (resource.PropertyMap, error) {
	answer, ok := invokes[token]
	if !ok {
		return nil, fmt.Errorf("offline: no answer for invoke %s; add one to offline/invokes.go", token)
	}
	out, err := answer(c.env, plainMap(args))
	if err != nil {
		return nil, fmt.Errorf("offline: invoke %s: %w", token, err)
	}
	return toPropertyMap(out), nil
}
