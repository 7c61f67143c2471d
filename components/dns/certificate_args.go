package dns

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// MaxSubjectLength is the longest certificate subject ACM accepts: the
// first name becomes the certificate's common name, which RFC 5280 limits
// to 64 characters (further names may be up to 253).
// Source: https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
const MaxSubjectLength = 64

// MaxCertificateNames is ACM's default quota of names per certificate
// (subject plus alternative names).
// Source: https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html
const MaxCertificateNames = 10

// KeyAlgorithms are the key algorithms ACM issues public certificates with.
// Source: https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate-characteristics.html
var KeyAlgorithms = []string{"RSA_2048", "EC_prime256v1", "EC_secp384r1"}

// CertificateArgs configures a Certificate. Zero values mean the documented
// default.
type CertificateArgs struct {
	// DomainName is the certificate's subject, e.g. "prod.example.com".
	// Required: a lower-case DNS name (a wildcard first label is allowed) of
	// at most MaxSubjectLength characters, inside ZoneName.
	DomainName string
	// SubjectAlternativeNames are the further names it covers, e.g.
	// "*.prod.example.com". Default none. At most MaxCertificateNames names
	// in all, each inside ZoneName, none twice.
	SubjectAlternativeNames []string

	// ZoneID is the public hosted zone the validation records are written
	// to. Required. It must be the zone that answers for the names on the
	// internet, or ACM never sees the records.
	ZoneID pulumi.StringInput
	// ZoneName is ZoneID's DNS name. Required: every name must lie in it.
	ZoneName string

	// Provider requests the certificate (and waits for its validation) in
	// its region. Default: the inherited provider, i.e. the region of the
	// load balancers using it. CloudFront only uses certificates from
	// us-east-1: pass a us-east-1 provider for a distribution. The records
	// always use the inherited provider (the zone's account).
	Provider *aws.Provider
	// ExistingValidationNames are names of this certificate whose
	// validation record another certificate of the same account already
	// writes in ZoneID. ACM gives one account the same record for a name in
	// every region and for every certificate, so a second record would
	// collide; the component writes none for these and waits for the
	// existing one. Default none. Each must be one of the certificate's
	// names.
	ExistingValidationNames []string

	// KeyAlgorithm is the certificate's key algorithm, one of
	// KeyAlgorithms. Default "RSA_2048": every client and every AWS
	// integration (CloudFront included) accepts it.
	KeyAlgorithm string
	// ValidationTTL is the TTL of the validation records, 60-86400 seconds.
	// Default 300: ACM re-reads them only at renewal.
	ValidationTTL int
}

// names returns the subject followed by the alternative names.
func (a CertificateArgs) names() []string {
	return append([]string{a.DomainName}, a.SubjectAlternativeNames...)
}

// withDefaults returns a copy of a with defaults applied.
func (a CertificateArgs) withDefaults() CertificateArgs {
	a.SubjectAlternativeNames = append([]string(nil), a.SubjectAlternativeNames...)
	a.ExistingValidationNames = append([]string(nil), a.ExistingValidationNames...)
	if a.KeyAlgorithm == "" {
		a.KeyAlgorithm = "RSA_2048"
	}
	if a.ValidationTTL == 0 {
		a.ValidationTTL = 300
	}
	return a
}

// Validate reports every problem of the arguments at once, each naming the
// field (CertificateArgs.DomainName), the value and the rule. Zero values
// are judged as their defaults, as NewCertificate uses them.
func (a *CertificateArgs) Validate() error {
	return a.withDefaults().validate()
}

func (a CertificateArgs) validate() error {
	var p validate.Problems
	zoneOK := CheckZone(&p, "CertificateArgs", a.ZoneID, a.ZoneName)
	if a.DomainName == "" {
		p.Add("CertificateArgs.DomainName", "", "is required")
	} else {
		p.Check("CertificateArgs.DomainName", a.DomainName,
			validate.CheckMaxLength(a.DomainName, MaxSubjectLength, "a certificate's subject (common name, RFC 5280)"))
	}
	seen := map[string]bool{}
	for i, n := range a.names() {
		field := "CertificateArgs.DomainName"
		if i > 0 {
			field = fmt.Sprintf("CertificateArgs.SubjectAlternativeNames[%d]", i-1)
		}
		if n == "" {
			if i > 0 {
				p.Add(field, "", "must be a DNS name")
			}
			continue
		}
		if rule := CheckName(n); rule != "" {
			p.Add(field, n, rule)
		} else if zoneOK && !InZone(validationBase(n), a.ZoneName) {
			p.Addf(field, n, "must lie in the zone %s: ACM looks for its validation record there", a.ZoneName)
		}
		if seen[n] {
			p.Add(field, n, "is listed twice")
		}
		seen[n] = true
	}
	if n := len(a.names()); n > MaxCertificateNames {
		p.Addf("CertificateArgs.SubjectAlternativeNames", fmt.Sprint(n-1),
			"makes %d names; ACM's default quota is %d per certificate", n, MaxCertificateNames)
	}
	for i, n := range a.ExistingValidationNames {
		if !seen[n] {
			p.Add(fmt.Sprintf("CertificateArgs.ExistingValidationNames[%d]", i), n, "is not one of the certificate's names")
		}
	}
	if !slices.Contains(KeyAlgorithms, a.KeyAlgorithm) {
		p.Addf("CertificateArgs.KeyAlgorithm", a.KeyAlgorithm, "must be one of %v", KeyAlgorithms)
	}
	p.Check("CertificateArgs.ValidationTTL", fmt.Sprint(a.ValidationTTL), validate.CheckRange(a.ValidationTTL, 60, 86400))
	return p.Err("certificate arguments")
}
