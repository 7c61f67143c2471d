package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// platformOut is what the application platform hands the other parts.
type platformOut struct {
	// PublicALBDNSName and PublicALBZoneID address the public load balancer.
	PublicALBDNSName pulumi.StringInput
	PublicALBZoneID  pulumi.StringInput
	// OriginDomain is a name in the environment's zone that points at the
	// public load balancer and is covered by its certificate, for CloudFront
	// to reach the API over HTTPS.
	OriginDomain pulumi.StringInput
}

// deployPlatform creates the load balancers, the ECS cluster and services.
func deployPlatform(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	return nil
}

// deployRegistry creates the container registry (shared-services only).
func deployRegistry(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	return nil
}
