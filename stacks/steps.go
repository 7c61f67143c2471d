package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/stacks/alarmpart"
	"github.com/refarch/refarch/stacks/baselinepart"
	"github.com/refarch/refarch/stacks/datapart"
	"github.com/refarch/refarch/stacks/delegatepart"
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

// The parts, each handed the common configuration and its own section.
var (
	baseline = step{"security baseline", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return baselinepart.Deploy(ctx, &c.Config, &c.Baseline, p, a)
	}}
	identity = step{"identity", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return baselinepart.DeployIdentity(ctx, &c.Config, &c.Baseline, p, a)
	}}
	network = step{"network", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return networkpart.Deploy(ctx, &c.Config, &c.Network, p, a)
	}}
	dns = step{"dns", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return dnspart.Deploy(ctx, &c.Config, &c.DNS, p, a)
	}}
	data = step{"data stores", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return datapart.Deploy(ctx, &c.Config, &c.Data, p, a)
	}}
	platform = step{"platform", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return platformpart.Deploy(ctx, &c.Config, &c.Platform, p, a)
	}}
	registry = step{"registry", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return platformpart.DeployRegistry(ctx, &c.Config, &c.Platform, p, a)
	}}
	delegates = step{"delegate roles", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return delegatepart.Deploy(ctx, &c.Config, p, a)
	}}
	firewall = step{"firewall", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return firewallpart.Deploy(ctx, &c.Config, &c.Firewall, p, a)
	}}
	vpn = step{"vpn server", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return vpnpart.Deploy(ctx, &c.Config, &c.VPN, p, a)
	}}
	alarmSet = step{"alarms", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return alarmpart.Deploy(ctx, &c.Config, &c.Alarms, p, a)
	}}
	functions = step{"functions", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return functionpart.Deploy(ctx, &c.Config, &c.Functions, c.Platform.SecretServices(), p, a)
	}}
	probe = step{"edge probe", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return functionpart.DeployProbe(ctx, &c.Config, &c.Functions, p, a)
	}}
	managementBaseline = step{"management baseline", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return baselinepart.DeployManagement(ctx, &c.Config, &c.Baseline, p, a)
	}}
	organization = step{"organization", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return organizationpart.Deploy(ctx, &c.Config, &c.Organization, p, a)
	}}
	observability = step{"observability", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return observabilitypart.Deploy(ctx, &c.Config, &c.Observability, p, a)
	}}
	edge = step{"edge", func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error {
		return edgepart.Deploy(ctx, &c.Config, &c.Edge, p, a)
	}}
)

// appSteps compose an application account (dev, stage, prod): the account
// baseline, the VPC, DNS and certificates, the data stores, the load
// balancers and ECS services (with the Lambda functions the platform wires:
// the secret rotator, hello-http), the web application firewalls in front
// of the public load balancer and the CDN, the CDN in front of them, the
// edge probe of the CDN, the alarms of everything that serves and
// stores, and the link sharing the account's metrics, log groups and
// traces with the monitoring account (shared-services).
var appSteps = []step{baseline, network, dns, data, functions, platform, firewall, edge, probe, alarmSet, observability}

// securitySteps compose the security account: the account baseline (which
// there also holds the central audit archive) and the IAM users and groups
// of every person who works in the organization, the alert notifier and
// its alarms.
var securitySteps = []step{baseline, identity, functions, alarmSet}

// sharedServicesSteps compose the shared-services account: the account
// baseline, the management VPC (peered with the application VPCs), the root
// DNS zone, the roles through which each application stack wires its
// peering and DNS delegation here, the container registry, and the OpenVPN
// server operators reach private resources through, the alert notifier,
// the alarms and dashboard of all of it, and, as the organization's
// monitoring account, the sink the application accounts link their
// telemetry to with the dashboard and alarms of every environment.
var sharedServicesSteps = []step{baseline, network, dns, delegates, registry, vpn, functions, alarmSet, observability}

// managementSteps compose the organization's management account: the AWS
// Organization with trusted access for the audit and detection services,
// its units and member accounts, the guardrails attached by unit, the
// delegate role through which the security stack becomes the delegated
// administrator, and the account's own settings and GuardDuty detector.
// Nothing else runs there: the management account is the one account
// service control policies never restrict, so it holds as little as
// possible.
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_best-practices_mgmt-acct.html
var managementSteps = []step{organization, managementBaseline}
