package loadbalancer

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Response headers the HTTPS listener adds to every response: browsers keep
// to HTTPS for a year (HSTS) and never sniff content types.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/header-modification.html
const (
	hstsHeader      = "max-age=31536000; includeSubDomains"
	noSniffHeader   = "nosniff"
	notFoundMessage = "Not Found"
)

// listeners creates the HTTPS listener (fixed 404 by default: services claim
// their requests with rules) and, for a public load balancer, the HTTP
// listener that only redirects to HTTPS.
func (b *builder) listeners(alb *lb.LoadBalancer) (*lb.Listener, error) {
	https, err := lb.NewListener(b.ctx, b.name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(b.args.SSLPolicy),
		CertificateArn:  b.args.CertificateARN,
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("fixed-response"),
			FixedResponse: &lb.ListenerDefaultActionFixedResponseArgs{
				ContentType: pulumi.String("text/plain"),
				MessageBody: pulumi.String(notFoundMessage),
				StatusCode:  pulumi.String("404"),
			},
		}},
		RoutingHttpResponseStrictTransportSecurityHeaderValue: pulumi.String(hstsHeader),
		RoutingHttpResponseXContentTypeOptionsHeaderValue:     pulumi.String(noSniffHeader),
	}, b.child)
	if err != nil {
		return nil, err
	}
	if !b.args.Public {
		return https, nil
	}
	if _, err := lb.NewListener(b.ctx, b.name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, b.child); err != nil {
		return nil, err
	}
	return https, nil
}

// aliases creates an A alias record per Args.Aliases entry and returns their
// names once created.
func (b *builder) aliases(alb *lb.LoadBalancer) (pulumi.StringArrayOutput, error) {
	names := pulumi.StringArray{}
	for _, alias := range b.args.Aliases {
		rec, err := route53.NewRecord(b.ctx, b.name+"-"+alias.Name, &route53.RecordArgs{
			ZoneId: alias.ZoneID,
			Name:   pulumi.String(alias.Name),
			Type:   pulumi.String("A"),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:                 alb.DnsName,
				ZoneId:               alb.ZoneId,
				EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, b.child)
		if err != nil {
			return pulumi.StringArrayOutput{}, err
		}
		names = append(names, rec.Name)
	}
	return names.ToStringArrayOutput(), nil
}
