package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/dns"
)

// The outputs of DNS. shared-services exports the root zone, which the
// application stacks read to write their delegation into it; an
// application stack exports its zones and certificate for operators.
const (
	// OutputRootZoneID is the root zone's id (shared-services).
	OutputRootZoneID = "rootZoneId"
	// OutputRootZoneName is the root zone's DNS name, refarch:domain
	// (shared-services).
	OutputRootZoneName = "rootZoneName"
	// OutputRootZoneNameServers are the root zone's name servers: what the
	// domain's registrar must delegate to (shared-services).
	OutputRootZoneNameServers = "rootZoneNameServers"
	// OutputPublicZoneID and OutputPublicZoneName are the environment's
	// public zone (application stacks).
	OutputPublicZoneID   = "publicZoneId"
	OutputPublicZoneName = "publicZoneName"
	// OutputPrivateZoneName is the environment's private zone (application
	// stacks with a VPC).
	OutputPrivateZoneName = "privateZoneName"
	// OutputCertificateARN is the environment's regional certificate, for
	// its apex and wildcard (application stacks).
	OutputCertificateARN = "certificateArn"
)

// dnsOut is what DNS hands the other parts.
type dnsOut struct {
	// PublicZoneID and PublicZoneName are the environment's public zone
	// (<stack>.<domain>); in shared-services, the root zone. In an
	// application stack the id resolves once the zone is delegated.
	PublicZoneID   pulumi.StringInput
	PublicZoneName string
	// PrivateZoneID is the environment's private zone (internal names).
	PrivateZoneID pulumi.StringInput
	// PrivateZoneName is its DNS name (refarch:dnsPrivateZonePrefix below
	// the environment's zone), for the parts that name internal endpoints.
	PrivateZoneName string
	// CertificateARN is the regional certificate for the zone's apex and
	// wildcard, validated (for the load balancers).
	CertificateARN pulumi.StringInput
	// CertificateNames are the names of that certificate. ACM asks every
	// certificate of the account for the same validation record of a name,
	// so another certificate covering one of them (the CDN's) must not write
	// that record again (dns.CertificateArgs.ExistingValidationNames).
	CertificateNames []string
}

// deployDNS creates the stack's hosted zones and certificates: the root
// zone in shared-services; in an application stack, its public zone
// delegated from the root zone, its private zone in its VPC and its
// regional certificate.
func deployDNS(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	if c.Role == RoleSharedServices {
		return deployRootZone(ctx, c, p, a)
	}
	return deployEnvironmentDNS(ctx, c, p, a)
}

// deployRootZone creates the root zone of refarch:domain. The registrar
// delegates to it (OutputRootZoneNameServers); a re-created zone would get
// new name servers, so it is protected with the stateful resources.
func deployRootZone(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	zone, err := dns.NewZone(ctx, "root", &dns.ZoneArgs{
		Domain:  c.Domain,
		Protect: c.DeletionProtection,
	}, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	a.DNS = &dnsOut{PublicZoneID: zone.ZoneID, PublicZoneName: c.Domain}
	ctx.Export(OutputRootZoneID, zone.ZoneID)
	ctx.Export(OutputRootZoneName, pulumi.String(c.Domain))
	ctx.Export(OutputRootZoneNameServers, zone.NameServers)
	return nil
}

// deployEnvironmentDNS creates the application stack's zones and its
// regional certificate.
func deployEnvironmentDNS(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	rootID, err := rootZoneID(ctx, c, a)
	if err != nil {
		return err
	}
	env := c.EnvDomain()
	public, err := dns.NewZone(ctx, "public-zone", &dns.ZoneArgs{
		Domain:         env,
		ParentZoneID:   pulumi.String(rootID),
		ParentZoneName: c.Domain,
		// The NS record lives in the root zone, in shared-services: written
		// through the environment's delegate role there.
		ParentProvider: p.SharedServices,
		DelegationTTL:  c.DNS.DelegationTTL,
		Protect:        c.DeletionProtection,
	}, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	names := []string{env, "*." + env}
	cert, err := dns.NewCertificate(ctx, "regional-certificate", &dns.CertificateArgs{
		DomainName:              names[0],
		SubjectAlternativeNames: names[1:],
		ZoneID:                  public.ZoneID,
		ZoneName:                env,
	}, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	out := &dnsOut{
		PublicZoneID:     public.ZoneID,
		PublicZoneName:   env,
		PrivateZoneName:  c.DNS.PrivateZoneName,
		CertificateARN:   cert.CertificateARN,
		CertificateNames: names,
	}
	// A private zone cannot exist without a VPC to answer in; the stack
	// has one whenever the network part ran.
	if a.Network != nil && a.Network.VpcID != nil {
		private, err := dns.NewZone(ctx, "private-zone", &dns.ZoneArgs{
			Domain:  c.DNS.PrivateZoneName,
			Private: true,
			VpcIDs:  []pulumi.StringInput{a.Network.VpcID},
			Protect: c.DeletionProtection,
		}, pulumi.Provider(p.Account))
		if err != nil {
			return err
		}
		out.PrivateZoneID = private.ZoneID
		ctx.Export(OutputPrivateZoneName, pulumi.String(c.DNS.PrivateZoneName))
	}
	a.DNS = out
	ctx.Export(OutputPublicZoneID, public.ZoneID)
	ctx.Export(OutputPublicZoneName, pulumi.String(env))
	ctx.Export(OutputCertificateARN, cert.CertificateARN)
	return nil
}

// rootZoneID reads the root zone's id from shared-services, and checks that
// the zone is the one refarch:domain names: delegating prod.example.org
// from a zone for example.com would never resolve.
func rootZoneID(ctx *pulumi.Context, c *Config, a *parts) (string, error) {
	ref, err := a.reference(ctx, "shared-services")
	if err != nil {
		return "", err
	}
	read := func(output string) (string, error) {
		details, err := ref.GetOutputDetails(output)
		if err != nil {
			return "", fmt.Errorf("reading %s of shared-services: %w", output, err)
		}
		s, _ := details.Value.(string)
		if s == "" {
			return "", fmt.Errorf("shared-services exports no %s: deploy shared-services first (README, stack order)", output)
		}
		return s, nil
	}
	id, err := read(OutputRootZoneID)
	if err != nil {
		return "", err
	}
	zone, err := read(OutputRootZoneName)
	if err != nil {
		return "", err
	}
	if zone != c.Domain {
		return "", fmt.Errorf("%s = %q, but shared-services hosts the root zone %q: every stack must name the same domain", Key("domain"), c.Domain, zone)
	}
	return id, nil
}
