package stacks

import (
	"fmt"

	"github.com/refarch/refarch/stacks/alarmpart"
	"github.com/refarch/refarch/stacks/baselinepart"
	"github.com/refarch/refarch/stacks/datapart"
	"github.com/refarch/refarch/stacks/dnspart"
	"github.com/refarch/refarch/stacks/edgepart"
	"github.com/refarch/refarch/stacks/firewallpart"
	"github.com/refarch/refarch/stacks/functionpart"
	"github.com/refarch/refarch/stacks/networkpart"
	"github.com/refarch/refarch/stacks/observabilitypart"
	"github.com/refarch/refarch/stacks/organizationpart"
	"github.com/refarch/refarch/stacks/platformpart"
	"github.com/refarch/refarch/stacks/stack"
	"github.com/refarch/refarch/stacks/vpnpart"
)

// Config is the validated configuration of one stack: everything the program
// reads from Pulumi configuration, typed. Load builds it; nothing else reads
// configuration. The embedded stack.Config holds what every part shares;
// each section is read and validated by the part that uses it.
type Config struct {
	stack.Config

	// Network configures the VPC (stacks/networkpart).
	Network networkpart.Config
	// DNS configures zones and certificates (stacks/dnspart).
	DNS dnspart.Config
	// Data configures Postgres and Memcached (stacks/datapart).
	Data datapart.Config
	// Platform configures load balancers, ECS and ECR (stacks/platformpart).
	Platform platformpart.Config
	// Baseline configures the security baseline and identity
	// (stacks/baselinepart).
	Baseline baselinepart.Config
	// Edge configures the CDN (stacks/edgepart).
	Edge edgepart.Config
	// Firewall configures the web ACLs (stacks/firewallpart).
	Firewall firewallpart.Config
	// VPN configures the OpenVPN server (stacks/vpnpart).
	VPN vpnpart.Config
	// Alarms configures the alarms (stacks/alarmpart).
	Alarms alarmpart.Config
	// Functions configures the Lambda functions (stacks/functionpart).
	Functions functionpart.Config
	// Organization configures the AWS Organization
	// (stacks/organizationpart), in the management stack.
	Organization organizationpart.Config
	// Observability configures cross-account observability
	// (stacks/observabilitypart): the sink, dashboard and alarms in
	// shared-services, the links of the application stacks.
	Observability observabilitypart.Config

	// KeysRead are the keys (without the namespace) Load read for this
	// stack's role; the union over the five stacks is Keys().
	KeysRead []string
}

// Load reads the configuration of stack from src and validates all of it.
// It returns every problem at once in a *validate.Error, each naming the key,
// the bad value and the rule; nothing is registered before it succeeds.
func Load(name string, src stack.Source) (*Config, error) {
	r := stack.NewReader(src)
	common, err := stack.Load(name, r)
	if err != nil {
		return nil, err
	}
	c := &Config{Config: *common}
	base := &c.Config
	c.Network.Load(r, base)
	c.DNS.Load(r, base)
	c.Data.Load(r, base, c.Network.ManagementPeering)
	c.Platform.Load(r, base, c.DNS.PrivateZoneName)
	c.Baseline.Load(r, base)
	c.Edge.Load(r, base, c.DNS.PrivateZoneName)
	c.Firewall.Load(r, base)
	c.VPN.Load(r, base)
	c.Alarms.Load(r, base)
	c.Functions.Load(r, base)
	c.Organization.Load(r, base)
	c.Observability.Load(r, base)
	// A key no part reads is a misspelling (or a stale key): refused, with
	// the nearest keys, so a setting its owner believes applied is never
	// silently ignored.
	if err := stack.CheckKeys(&r.Problems, src, Keys()); err != nil {
		return nil, fmt.Errorf("stack %q configuration: %w", name, err)
	}
	if err := r.Err(fmt.Sprintf("stack %q configuration", name)); err != nil {
		return nil, err
	}
	c.KeysRead = r.Read()
	return c, nil
}

// Keys documents every configuration key the program reads, part by part
// (stack.KeyDoc); docs/configuration.md is generated from it and Pulumi.yaml.
func Keys() []stack.KeyDoc {
	var out []stack.KeyDoc
	for _, part := range [][]stack.KeyDoc{stack.Keys, networkpart.Keys, dnspart.Keys, datapart.Keys,
		platformpart.Keys, baselinepart.Keys, edgepart.Keys, firewallpart.Keys, vpnpart.Keys, alarmpart.Keys, functionpart.Keys,
		organizationpart.Keys, observabilitypart.Keys} {
		out = append(out, part...)
	}
	return out
}
