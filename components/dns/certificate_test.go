package dns_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/offline"
)

// validationOptions indexes a certificate's mocked domainValidationOptions
// by domain name.
func validationOptions(t *testing.T, cert *offline.Resource) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	opts, ok := cert.Output("domainValidationOptions").([]any)
	require.True(t, ok, "the certificate has validation options")
	for _, o := range opts {
		m := o.(map[string]any)
		out[m["domainName"].(string)] = m
	}
	return out
}

func TestCertificateForApexAndWildcardNeedsOneRecordAndResolvesWhenIssued(t *testing.T) {
	var arn string
	plan, err := run(t, func(ctx *pulumi.Context, p *providers) error {
		c, err := dns.NewCertificate(ctx, "cert", &dns.CertificateArgs{
			DomainName:              "prod.example.com",
			SubjectAlternativeNames: []string{"*.prod.example.com"},
			ZoneID:                  pulumi.String("ZENV0000000001"),
			ZoneName:                "prod.example.com",
		}, pulumi.Provider(p.account))
		if err != nil {
			return err
		}
		c.CertificateARN.ApplyT(func(s string) string { arn = s; return s })
		return nil
	})
	require.NoError(t, err)

	cert := plan.Find("aws:acm/certificate:Certificate", "cert")
	require.NotNil(t, cert)
	assert.Equal(t, "prod.example.com", cert.String("domainName"))
	assert.Equal(t, []string{"*.prod.example.com"}, cert.Strings("subjectAlternativeNames"))
	assert.Equal(t, "DNS", cert.String("validationMethod"))
	assert.Equal(t, "RSA_2048", cert.String("keyAlgorithm"))
	assert.Equal(t, "ENABLED", cert.String("options.certificateTransparencyLoggingPreference"))
	assert.Equal(t, "unit", plan.ProviderOf(cert).Name, "a regional certificate is requested in the inherited region")

	records := plan.ByType("aws:route53/record:Record")
	require.Len(t, records, 1, "the apex and its wildcard share one validation record")
	rec := records[0]
	assert.Equal(t, "cert-validation-apex", rec.Name)
	opts := validationOptions(t, cert)
	assert.Equal(t, opts["prod.example.com"]["resourceRecordName"], rec.String("name"))
	assert.Equal(t, opts["*.prod.example.com"]["resourceRecordName"], rec.String("name"))
	assert.Equal(t, "CNAME", rec.String("type"))
	assert.Equal(t, []string{opts["prod.example.com"]["resourceRecordValue"].(string)}, rec.Strings("records"))
	assert.Equal(t, "ZENV0000000001", rec.String("zoneId"))
	assert.Equal(t, 300, rec.Int("ttl"))

	validation := plan.Find("aws:acm/certificateValidation:CertificateValidation", "cert")
	require.NotNil(t, validation)
	assert.Equal(t, cert.ID, validation.String("certificateArn"))
	assert.Equal(t, []string{rec.Output("fqdn").(string)}, validation.Strings("validationRecordFqdns"))
	assert.True(t, dependsOn(validation, rec.URN), "the validation waits for its record")
	assert.Equal(t, cert.ID, arn, "CertificateARN is the validated certificate's")
	assert.True(t, strings.HasPrefix(arn, "arn:aws:acm:us-west-2:"+offline.UnitAccount+":certificate/"))
}

func TestUSEast1CertificateSkipsRecordsAnotherCertificateWrites(t *testing.T) {
	plan, err := run(t, func(ctx *pulumi.Context, p *providers) error {
		_, err := dns.NewCertificate(ctx, "edge", &dns.CertificateArgs{
			DomainName:              "prod.example.com",
			SubjectAlternativeNames: []string{"www.prod.example.com"},
			ZoneID:                  pulumi.String("ZENV0000000001"),
			ZoneName:                "prod.example.com",
			Provider:                p.usEast1,
			ExistingValidationNames: []string{"prod.example.com"},
		}, pulumi.Provider(p.account))
		return err
	})
	require.NoError(t, err)

	cert := plan.Find("aws:acm/certificate:Certificate", "edge")
	require.NotNil(t, cert)
	assert.Equal(t, "us-east-1", plan.ProviderOf(cert).Name)
	assert.Contains(t, cert.ID, ":acm:us-east-1:")
	validation := plan.Find("aws:acm/certificateValidation:CertificateValidation", "edge")
	require.NotNil(t, validation)
	assert.Equal(t, "us-east-1", plan.ProviderOf(validation).Name, "the validation polls the certificate in its region")

	records := plan.ByType("aws:route53/record:Record")
	require.Len(t, records, 1, "only www needs a new record")
	assert.Equal(t, "edge-validation-www", records[0].Name)
	assert.Equal(t, "unit", plan.ProviderOf(records[0]).Name, "records live in the zone's account")

	opts := validationOptions(t, cert)
	assert.Equal(t, opts["www.prod.example.com"]["resourceRecordName"], records[0].String("name"))
	apex := strings.TrimSuffix(opts["prod.example.com"]["resourceRecordName"].(string), ".")
	assert.ElementsMatch(t, []string{apex, records[0].Output("fqdn").(string)}, validation.Strings("validationRecordFqdns"),
		"the validation also waits for the record the other certificate writes")
}

func TestCertificateArgsAreValidatedBeforeAnythingIsRegistered(t *testing.T) {
	zone := pulumi.String("Z1")
	long := strings.Repeat("a", 60) + ".example.com"
	cases := []struct {
		name        string
		args        dns.CertificateArgs
		field, rule string
	}{
		{"no subject", dns.CertificateArgs{ZoneID: zone, ZoneName: "example.com"}, "CertificateArgs.DomainName", "required"},
		{"no zone id", dns.CertificateArgs{DomainName: "example.com", ZoneName: "example.com"}, "CertificateArgs.ZoneID", "required"},
		{"no zone name", dns.CertificateArgs{DomainName: "example.com", ZoneID: zone}, "CertificateArgs.ZoneName", "required"},
		{"bad zone name", dns.CertificateArgs{DomainName: "example.com", ZoneID: zone, ZoneName: "example"}, "CertificateArgs.ZoneName", "DNS name"},
		{"subject too long", dns.CertificateArgs{DomainName: long, ZoneID: zone, ZoneName: "example.com"}, "CertificateArgs.DomainName", "at most 64"},
		{"subject outside zone", dns.CertificateArgs{DomainName: "www.example.org", ZoneID: zone, ZoneName: "example.com"}, "CertificateArgs.DomainName", "must lie in the zone example.com"},
		{"wildcard in the middle", dns.CertificateArgs{DomainName: "example.com", SubjectAlternativeNames: []string{"a.*.example.com"}, ZoneID: zone, ZoneName: "example.com"}, "CertificateArgs.SubjectAlternativeNames[0]", "wildcard may only be the whole first label"},
		{"upper case", dns.CertificateArgs{DomainName: "WWW.example.com", ZoneID: zone, ZoneName: "example.com"}, "CertificateArgs.DomainName", "lower-case"},
		{"empty alternative name", dns.CertificateArgs{DomainName: "example.com", SubjectAlternativeNames: []string{""}, ZoneID: zone, ZoneName: "example.com"}, "CertificateArgs.SubjectAlternativeNames[0]", "DNS name"},
		{"duplicate", dns.CertificateArgs{DomainName: "example.com", SubjectAlternativeNames: []string{"example.com"}, ZoneID: zone, ZoneName: "example.com"}, "CertificateArgs.SubjectAlternativeNames[0]", "twice"},
		{"too many names", dns.CertificateArgs{DomainName: "example.com", SubjectAlternativeNames: []string{
			"a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com",
			"f.example.com", "g.example.com", "h.example.com", "i.example.com", "j.example.com",
		}, ZoneID: zone, ZoneName: "example.com"}, "CertificateArgs.SubjectAlternativeNames", "quota is 10"},
		{"existing name not covered", dns.CertificateArgs{DomainName: "example.com", ZoneID: zone, ZoneName: "example.com", ExistingValidationNames: []string{"www.example.com"}}, "CertificateArgs.ExistingValidationNames[0]", "not one of the certificate's names"},
		{"key algorithm", dns.CertificateArgs{DomainName: "example.com", ZoneID: zone, ZoneName: "example.com", KeyAlgorithm: "RSA_1024"}, "CertificateArgs.KeyAlgorithm", "must be one of"},
		{"ttl", dns.CertificateArgs{DomainName: "example.com", ZoneID: zone, ZoneName: "example.com", ValidationTTL: 10}, "CertificateArgs.ValidationTTL", "between 60 and 86400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := run(t, func(ctx *pulumi.Context, p *providers) error {
				_, err := dns.NewCertificate(ctx, "c", &tc.args, pulumi.Provider(p.account))
				return err
			})
			requireProblem(t, err, tc.field, tc.rule)
			assert.Contains(t, err.Error(), `dns certificate "c"`)
			assert.Empty(t, plan.ByType("refarch:dns:Certificate"), "nothing may be registered")
			assert.Empty(t, plan.ByType("aws:acm/certificate:Certificate"))
		})
	}
}

func TestNameHelpers(t *testing.T) {
	assert.True(t, dns.InZone("prod.example.com", "prod.example.com"))
	assert.True(t, dns.InZone("www.prod.example.com", "prod.example.com"))
	assert.False(t, dns.InZone("wwwprod.example.com", "prod.example.com"), "a suffix is not a subdomain")
	assert.Empty(t, dns.CheckName("*.prod.example.com"))
	assert.NotEmpty(t, dns.CheckName("*"))
	assert.NotEmpty(t, dns.CheckName("www.*.example.com"))
	assert.Equal(t, []string{"prod.example.com", "www.prod.example.com"},
		dns.ValidationBases([]string{"prod.example.com", "*.prod.example.com", "www.prod.example.com"}))
	assert.Equal(t, "apex", dns.RelativeLabel("prod.example.com", "prod.example.com"))
	assert.Equal(t, "a-b", dns.RelativeLabel("a.b.prod.example.com", "prod.example.com"))
	assert.Equal(t, "wildcard", dns.RelativeLabel("*.prod.example.com", "prod.example.com"))
}
