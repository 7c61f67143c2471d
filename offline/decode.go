package offline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodePlans reads plans as `go run ./cmd/plan -json` prints them: a JSON
// list of plans, or a single plan object. It rebuilds what JSON does not
// carry, the index behind ByURN, ProviderOf and the provider lookups, so a
// decoded plan answers the same queries as the plan the run returned
// (Children, Descendants and TopLevel read Resources and work either way).
//
// What the JSON never held stays empty: each resource's Outputs (the mock's
// state is not printed) and, in the masked plans cmd/plan prints, the values
// of secret inputs, which read SecretMask.
//
// A document that is neither, a plan without a stack, a resource without a
// URN or two resources with one URN are errors; JSON errors are wrapped, so
// errors.As finds the *json.SyntaxError or *json.UnmarshalTypeError.
func DecodePlans(r io.Reader) ([]*Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("offline: reading plans: %w", err)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("offline: decoding plans: empty input, expected the JSON of `cmd/plan -json`")
	}
	var plans []*Plan
	switch data[0] {
	case '[':
		if err := decodeOne(data, &plans); err != nil {
			return nil, err
		}
	case '{':
		var p Plan
		if err := decodeOne(data, &p); err != nil {
			return nil, err
		}
		plans = []*Plan{&p}
	default:
		return nil, fmt.Errorf("offline: decoding plans: input starts with %q, expected a JSON list of plans or one plan object", data[0])
	}
	for i, p := range plans {
		if p == nil {
			return nil, fmt.Errorf("offline: decoding plans: plan %d is null", i)
		}
		if err := p.reindex(); err != nil {
			return nil, fmt.Errorf("offline: decoding plans: plan %d (stack %q): %w", i, p.Stack, err)
		}
	}
	return plans, nil
}

// decodeOne decodes exactly one JSON value into v: trailing data (two
// documents concatenated, a log line after the JSON) is an error.
func decodeOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("offline: decoding plans: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("offline: decoding plans: unexpected data after the JSON value at offset %d", dec.InputOffset())
	}
	return nil
}

// reindex rebuilds byURN from Resources and checks what every recorded plan
// satisfies.
func (p *Plan) reindex() error {
	if p.Stack == "" {
		return errors.New(`no "stack": not a plan`)
	}
	p.byURN = make(map[string]*Resource, len(p.Resources))
	for i, r := range p.Resources {
		switch {
		case r == nil:
			return fmt.Errorf("resource %d is null", i)
		case r.URN == "":
			return fmt.Errorf("resource %d (%s %q) has no urn", i, r.Type, r.Name)
		case p.byURN[r.URN] != nil:
			return fmt.Errorf("two resources with urn %s", r.URN)
		}
		if r.Inputs == nil {
			r.Inputs = map[string]any{}
		}
		p.byURN[r.URN] = r
	}
	return nil
}
