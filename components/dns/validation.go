package dns

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// validationRecords writes one CNAME per distinct validation base of the
// certificate's names into the zone, skipping the bases of
// ExistingValidationNames, and returns the FQDNs of every record the
// validation waits for. The number of records is known before the
// certificate exists (it follows from the names), so the plan shows them.
func validationRecords(ctx *pulumi.Context, name string, a CertificateArgs, cert *acm.Certificate, child pulumi.ResourceOption) (pulumi.StringArray, error) {
	existing := map[string]bool{}
	for _, n := range a.ExistingValidationNames {
		existing[validationBase(n)] = true
	}
	var fqdns pulumi.StringArray
	for _, base := range ValidationBases(a.names()) {
		opt := validationOption(cert, base)
		if existing[base] {
			fqdns = append(fqdns, opt.ResourceRecordName().Elem().ApplyT(func(n string) string {
				return strings.TrimSuffix(n, ".")
			}).(pulumi.StringOutput))
			continue
		}
		rec, err := route53.NewRecord(ctx, fmt.Sprintf("%s-validation-%s", name, RelativeLabel(base, a.ZoneName)), &route53.RecordArgs{
			ZoneId:  a.ZoneID,
			Name:    opt.ResourceRecordName().Elem(),
			Type:    opt.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{opt.ResourceRecordValue().Elem()},
			Ttl:     pulumi.Int(a.ValidationTTL),
		}, child)
		if err != nil {
			return nil, err
		}
		fqdns = append(fqdns, rec.Fqdn)
	}
	return fqdns, nil
}

// validationOption picks the record ACM asks for to validate base (the
// option of base itself or of its wildcard: they are the same record).
func validationOption(cert *acm.Certificate, base string) acm.CertificateDomainValidationOptionOutput {
	return cert.DomainValidationOptions.ApplyT(func(opts []acm.CertificateDomainValidationOption) (acm.CertificateDomainValidationOption, error) {
		for _, o := range opts {
			if o.DomainName != nil && validationBase(*o.DomainName) == base {
				return o, nil
			}
		}
		return acm.CertificateDomainValidationOption{}, fmt.Errorf("ACM returned no DNS validation record for %s", base)
	}).(acm.CertificateDomainValidationOptionOutput)
}
