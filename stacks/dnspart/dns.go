// Package dnspart is the DNS part of a composition: the root zone in
// shared-services; in an application stack its public zone (delegated from
// the root), its private zone and its regional certificate; with the
// section of configuration they read.
package dnspart

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/stacks/stack"
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

// Deploy creates the stack's hosted zones and certificates: the root
// zone in shared-services; in an application stack, its public zone
// delegated from the root zone, its private zone in its VPC and its
// regional certificate.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	if c.Role == stack.RoleSharedServices {
		return deployRootZone(ctx, c, p, a)
	}
	return deployEnvironmentDNS(ctx, c, s, p, a)
}

// deployRootZone creates the root zone of refarch:domain. The registrar
// delegates to it (OutputRootZoneNameServers); a re-created zone would get
// new name servers, so it is protected with the stateful resources.
func deployRootZone(ctx *pulumi.Context, c *stack.Config, p *stack.Providers, a *stack.Parts) error {
	zone, err := dns.NewZone(ctx, "root", &dns.ZoneArgs{
		Domain:  c.Domain,
		Protect: c.DeletionProtection,
	}, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	a.DNS = &stack.DNSOut{PublicZoneID: zone.ZoneID, PublicZoneName: c.Domain}
	ctx.Export(OutputRootZoneID, zone.ZoneID)
	ctx.Export(OutputRootZoneName, pulumi.String(c.Domain))
	ctx.Export(OutputRootZoneNameServers, zone.NameServers)
	return nil
}

// deployEnvironmentDNS creates the application stack's zones and its
// regional certificate.
func deployEnvironmentDNS(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
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
		DelegationTTL:  s.DelegationTTL,
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
	out := &stack.DNSOut{
		PublicZoneID:     public.ZoneID,
		PublicZoneName:   env,
		PrivateZoneName:  s.PrivateZoneName,
		CertificateARN:   cert.CertificateARN,
		CertificateNames: names,
	}
	// A private zone cannot exist without a VPC to answer in; the stack
	// has one whenever the network part ran.
	if a.Network != nil && a.Network.VpcID != nil {
		private, err := dns.NewZone(ctx, "private-zone", &dns.ZoneArgs{
			Domain:  s.PrivateZoneName,
			Private: true,
			VpcIDs:  []pulumi.StringInput{a.Network.VpcID},
			Protect: c.DeletionProtection,
		}, pulumi.Provider(p.Account))
		if err != nil {
			return err
		}
		out.PrivateZoneID = private.ZoneID
		ctx.Export(OutputPrivateZoneName, pulumi.String(s.PrivateZoneName))
		if err := associateWithManagement(ctx, c, p, a, private.ZoneID); err != nil {
			return err
		}
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
func rootZoneID(ctx *pulumi.Context, c *stack.Config, a *stack.Parts) (string, error) {
	read := func(output string) (string, error) {
		v, err := a.Value(ctx, "shared-services", output)
		if err != nil {
			return "", err
		}
		s, _ := v.(string)
		if s == "" {
			return "", fmt.Errorf("shared-services exports no %s: deploy shared-services first (docs/runbook.md, section 2)", output)
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
		return "", fmt.Errorf("%s = %q, but shared-services hosts the root zone %q: every stack must name the same domain", stack.Key("domain"), c.Domain, zone)
	}
	return id, nil
}

// associateWithManagement lets operators on the VPN resolve the private
// zone: the zone's account authorizes the management VPC, then
// shared-services (through the delegate role, which may associate only
// that VPC) associates it. Without management peering there is nothing to
// associate.
// Source: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-associate-vpcs-different-accounts.html
func associateWithManagement(ctx *pulumi.Context, c *stack.Config, p *stack.Providers, a *stack.Parts, zoneID pulumi.StringInput) error {
	if a.Network.ManagementVpcID == nil || p.SharedServices == nil {
		return nil
	}
	auth, err := route53.NewVpcAssociationAuthorization(ctx, "private-zone-mgmt", &route53.VpcAssociationAuthorizationArgs{
		ZoneId:    zoneID,
		VpcId:     a.Network.ManagementVpcID,
		VpcRegion: pulumi.String(c.Region),
	}, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	_, err = route53.NewZoneAssociation(ctx, "private-zone-mgmt", &route53.ZoneAssociationArgs{
		ZoneId:    auth.ZoneId,
		VpcId:     auth.VpcId,
		VpcRegion: pulumi.String(c.Region),
	}, pulumi.Provider(p.SharedServices))
	return err
}
