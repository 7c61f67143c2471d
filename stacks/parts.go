package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// parts holds what each part of a stack hands the parts after it. A part is
// one concern (baseline, network, DNS, data, platform, edge) in its own file
// of this package; it reads the fields of the parts before it and fills its
// own. Fields of parts a role does not deploy stay nil.
type parts struct {
	// Baseline is filled by deployBaseline (baseline.go), in every stack.
	Baseline *baselineOut
	// Network is filled by deployNetwork (network.go), in every stack with a VPC.
	Network *networkOut
	// DNS is filled by deployDNS (dns.go).
	DNS *dnsOut
	// Data is filled by deployData (data.go), in application stacks.
	Data *dataOut
	// Platform is filled by deployPlatform (platform.go).
	Platform *platformOut

	// references holds the stack references made so far, by stack.
	references map[string]*pulumi.StackReference
}

// reference returns the (single) reference of this stack to another stack.
func (a *parts) reference(ctx *pulumi.Context, stack string) (*pulumi.StackReference, error) {
	if ref, ok := a.references[stack]; ok {
		return ref, nil
	}
	ref, err := ReferenceStack(ctx, stack)
	if err != nil {
		return nil, err
	}
	if a.references == nil {
		a.references = map[string]*pulumi.StackReference{}
	}
	a.references[stack] = ref
	return ref, nil
}

// step is one part of a composition.
type step struct {
	name string
	run  func(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error
}

// compose runs the steps of a role in order; the first failure stops it.
func compose(ctx *pulumi.Context, c *Config, p *Providers, steps []step) error {
	a := &parts{}
	for _, s := range steps {
		if err := s.run(ctx, c, p, a); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}
