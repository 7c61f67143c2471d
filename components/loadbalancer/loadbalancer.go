// Package loadbalancer provides LoadBalancer, an Application Load Balancer
// that terminates TLS with a modern policy, answers 404 to anything no
// listener rule claims, logs every request to its own locked-down bucket and
// admits only the networks it is told to.
//
// It registers plain pulumi-aws resources rather than awsx's
// ApplicationLoadBalancer: awsx opens its security group to 0.0.0.0/0 on
// every port when given none, and under mocks an awsx component is remote
// and hides its children from the tests.
// Source: https://www.pulumi.com/registry/packages/awsx/api-docs/lb/applicationloadbalancer/,
// https://www.pulumi.com/docs/iac/guides/testing/unit/
package loadbalancer

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// LoadBalancer is an Application Load Balancer and everything it needs to be
// safe on its own. Services attach to it with listener rules on
// HTTPSListenerARN and security group rules against SecurityGroupID; the
// load balancer itself routes nothing.
//
// What it creates, and the defaults a reuser should know (see Args):
//
//   - The load balancer (application type; internal unless Args.Public) in
//     Args.SubnetIDs, named after the component (so the name must fit the
//     32-character ELB limit with Pulumi's 8-character suffix: at most 24
//     characters, and never "internal-…", which ELB reserves). Invalid
//     headers are dropped (request smuggling), desync mitigation is
//     "defensive", HTTP/2 on, deletion protection follows Args.Protect.
//   - Its own security group, admitting only the listener ports (443, and
//     80 when public) from Args.IngressCIDRs: 0.0.0.0/0 when public, the
//     given private blocks when internal. It has no egress rule: each
//     service that attaches adds the one rule to its own group and port.
//   - An HTTPS listener on 443 with Args.SSLPolicy (default
//     DefaultSSLPolicy, TLS 1.2+; never the 2016 default that accepts TLS
//     1.0), Args.CertificateARN, HSTS and nosniff response headers, and a
//     fixed 404 default action: a request no service claims never reaches a
//     service by accident.
//   - When public, an HTTP listener on 80 whose only action is a permanent
//     redirect to HTTPS.
//   - An access-log bucket: SSE-S3 (the only encryption ALB log delivery
//     supports), versioned, owner-enforced, every public access blocked, a
//     policy denying non-TLS access and letting only Elastic Load Balancing
//     write under this load balancer's prefix, and a lifecycle expiring logs
//     after Args.AccessLogDays. Protected and retained on delete with
//     Args.Protect.
//   - An A alias record per Args.Aliases entry.
type LoadBalancer struct {
	pulumi.ResourceState

	// ARN is the load balancer's ARN.
	ARN pulumi.StringOutput `pulumi:"arn"`
	// ARNSuffix is the "app/<name>/<id>" part of the ARN, which CloudWatch
	// metrics and request-count scaling policies name the load balancer by.
	ARNSuffix pulumi.StringOutput `pulumi:"arnSuffix"`
	// DNSName and ZoneID address the load balancer (alias records).
	DNSName pulumi.StringOutput `pulumi:"dnsName"`
	ZoneID  pulumi.StringOutput `pulumi:"zoneId"`
	// SecurityGroupID is the load balancer's security group.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// HTTPSListenerARN is the HTTPS listener services attach rules to.
	HTTPSListenerARN pulumi.StringOutput `pulumi:"httpsListenerArn"`
	// LogBucket is the access-log bucket's name.
	LogBucket pulumi.StringOutput `pulumi:"logBucket"`
	// AliasNames are the names of the alias records, in Args.Aliases order;
	// they resolve once the records exist.
	AliasNames pulumi.StringArrayOutput `pulumi:"aliasNames"`
}

// NewLoadBalancer creates an Application Load Balancer called name. It
// validates args (with defaults applied) before registering anything.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		args = &LoadBalancerArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("load balancer arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("load balancer %q: %w", name, err)
	}
	c := &LoadBalancer{}
	if err := ctx.RegisterComponentResource("refarch:loadbalancer:LoadBalancer", name, c, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: &a, child: pulumi.Parent(c)}

	logs, err := b.logBucket()
	if err != nil {
		return nil, err
	}
	sg, err := b.securityGroup()
	if err != nil {
		return nil, err
	}
	alb, err := lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(!a.Public),
		Subnets:                  a.SubnetIDs,
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("defensive"),
		EnableHttp2:              pulumi.Bool(true),
		IdleTimeout:              pulumi.Int(a.IdleTimeout),
		EnableDeletionProtection: pulumi.Bool(a.Protect),
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket:  logs.bucket,
			Prefix:  pulumi.String(name),
			Enabled: pulumi.Bool(true),
		},
	}, b.child, pulumi.DependsOn([]pulumi.Resource{logs.policy}))
	if err != nil {
		return nil, err
	}
	https, err := b.listeners(alb)
	if err != nil {
		return nil, err
	}
	aliases, err := b.aliases(alb)
	if err != nil {
		return nil, err
	}

	c.ARN = alb.Arn
	c.ARNSuffix = alb.ArnSuffix
	c.DNSName = alb.DnsName
	c.ZoneID = alb.ZoneId
	c.SecurityGroupID = sg.ID().ToStringOutput()
	c.HTTPSListenerARN = https.Arn
	c.LogBucket = logs.bucket
	c.AliasNames = aliases
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"arn":              c.ARN,
		"arnSuffix":        c.ARNSuffix,
		"dnsName":          c.DNSName,
		"zoneId":           c.ZoneID,
		"securityGroupId":  c.SecurityGroupID,
		"httpsListenerArn": c.HTTPSListenerARN,
		"logBucket":        c.LogBucket,
		"aliasNames":       c.AliasNames,
	})
}

// builder carries what every child needs.
type builder struct {
	ctx   *pulumi.Context
	name  string
	args  *LoadBalancerArgs
	child pulumi.ResourceOrInvokeOption
}
