package dns

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Certificate is a public ACM certificate for DomainName and
// SubjectAlternativeNames, validated by DNS.
//
// It writes the CNAME records ACM asks for into ZoneID (one per distinct
// name: a wildcard shares its base's record; none for
// ExistingValidationNames, whose record another certificate already
// writes), then waits for ACM to issue the certificate. CertificateARN
// resolves only after that, so a listener or distribution built from it
// never references a pending certificate; ACM renews it automatically for as
// long as the records stay.
//
// The certificate is requested through Provider (default: the inherited
// one; CloudFront needs us-east-1), the records through the inherited
// provider. Defaults: RSA_2048 keys (accepted everywhere), certificate
// transparency logging on (browsers distrust certificates missing from the
// logs), validation records with a 300-second TTL.
type Certificate struct {
	pulumi.ResourceState

	// CertificateARN is the issued certificate's ARN.
	CertificateARN pulumi.StringOutput `pulumi:"certificateArn"`
	// DomainName is the certificate's subject.
	DomainName pulumi.StringOutput `pulumi:"domainName"`
	// ValidationRecordFQDNs are the names of the validation records the
	// certificate depends on (written here or, for
	// ExistingValidationNames, elsewhere).
	ValidationRecordFQDNs pulumi.StringArrayOutput `pulumi:"validationRecordFqdns"`
}

// NewCertificate requests a DNS-validated certificate and waits for its
// issue. It validates args before registering anything.
func NewCertificate(ctx *pulumi.Context, name string, args *CertificateArgs, opts ...pulumi.ResourceOption) (*Certificate, error) {
	if args == nil {
		args = &CertificateArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("certificate arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("dns certificate %q: %w", name, err)
	}
	c := &Certificate{}
	if err := ctx.RegisterComponentResource("refarch:dns:Certificate", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	acmOpts := []pulumi.ResourceOption{child}
	if a.Provider != nil {
		acmOpts = append(acmOpts, pulumi.Provider(a.Provider))
	}

	sans := pulumi.StringArray{}
	for _, n := range a.SubjectAlternativeNames {
		sans = append(sans, pulumi.String(n))
	}
	cert, err := acm.NewCertificate(ctx, name, &acm.CertificateArgs{
		DomainName:              pulumi.String(a.DomainName),
		SubjectAlternativeNames: sans,
		ValidationMethod:        pulumi.String("DNS"),
		KeyAlgorithm:            pulumi.String(a.KeyAlgorithm),
		Options: &acm.CertificateOptionsArgs{
			CertificateTransparencyLoggingPreference: pulumi.String("ENABLED"),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(a.DomainName)},
	}, acmOpts...)
	if err != nil {
		return nil, err
	}

	fqdns, err := validationRecords(ctx, name, a, cert, child)
	if err != nil {
		return nil, err
	}
	validation, err := acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: fqdns,
	}, acmOpts...)
	if err != nil {
		return nil, err
	}
	c.CertificateARN = validation.CertificateArn
	c.DomainName = cert.DomainName
	c.ValidationRecordFQDNs = fqdns.ToStringArrayOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"certificateArn":        c.CertificateARN,
		"domainName":            c.DomainName,
		"validationRecordFqdns": c.ValidationRecordFQDNs,
	})
}
