// Package stackoutputs reads what `pulumi stack output --json` prints, for
// the commands that act on a deployed stack (cmd/run-job,
// cmd/failover-drill) without building the Pulumi program.
// Source: https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_output/
package stackoutputs

import (
	"encoding/json"
	"fmt"
)

// Outputs is the JSON object of `pulumi stack output --json`: each output's
// name and its value, decoded only when read.
type Outputs map[string]json.RawMessage

// Parse decodes the JSON of `pulumi stack output --json`, read from the
// file name (for the error).
func Parse(name string, data []byte) (Outputs, error) {
	var o Outputs
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("%s is not the JSON object of `pulumi stack output --json`: %w", name, err)
	}
	if o == nil { // the JSON was null
		return nil, fmt.Errorf("%s is not the JSON object of `pulumi stack output --json`: null", name)
	}
	return o, nil
}

// Decode decodes the output key into v, which is what want describes
// ("a string"), naming the key when it is missing or mistyped.
func (o Outputs) Decode(key string, v any, want string) error {
	raw, ok := o[key]
	if !ok {
		return fmt.Errorf("outputs have no key %s (is this an application stack's `pulumi stack output --json`?)", key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("outputs key %s is not %s: %w", key, want, err)
	}
	return nil
}
