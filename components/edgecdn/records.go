package edgecdn

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/dns"
)

// aliasRecords points every name at the distribution, over IPv4 (A) and
// IPv6 (AAAA). Alias records cost nothing per query and follow the
// distribution's addresses; CloudFront has no health to evaluate.
// Source: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-cloudfront-distribution.html
func aliasRecords(ctx *pulumi.Context, name string, a EdgeCdnArgs, dist *cloudfront.Distribution, child pulumi.ResourceOption) error {
	for _, n := range a.Names {
		for _, typ := range []string{"A", "AAAA"} {
			logical := fmt.Sprintf("%s-%s-%s", name, dns.RelativeLabel(n, a.ZoneName), typ)
			if _, err := route53.NewRecord(ctx, logical, &route53.RecordArgs{
				ZoneId: a.ZoneID,
				Name:   pulumi.String(n),
				Type:   pulumi.String(typ),
				Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
					Name:                 dist.DomainName,
					ZoneId:               dist.HostedZoneId,
					EvaluateTargetHealth: pulumi.Bool(false),
				}},
			}, child); err != nil {
				return err
			}
		}
	}
	return nil
}
