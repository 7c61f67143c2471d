// Package observability provides CloudWatch cross-account observability:
// Sink, the attachment point of a monitoring account, with a policy that
// admits only the named source accounts and only the named kinds of
// telemetry; Link, a source account's link to that sink; and Overview,
// the monitoring account's dashboard and alarms over every linked
// environment, whose queries are scoped to each environment's account.
//
// With a link, a source account's metrics, log groups and traces are
// readable in the monitoring account as if they were its own: metrics and
// logs are not copied (they stay, and are billed, where they are), traces
// are copied once, free to the first monitoring account. An account has
// at most one sink per region, and a source account links to at most five
// monitoring accounts.
//
// Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Unified-Cross-Account.html,
// https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateSink.html,
// https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html,
// https://docs.aws.amazon.com/xray/latest/devguide/xray-console-crossaccount.html
package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/oam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Sink is a monitoring account's sink. It creates the sink (named like the
// component) and its policy, which lets exactly Args.SourceAccountIDs
// create and update a link (oam:CreateLink, oam:UpdateLink) sharing only
// Args.ResourceTypes (ForAllValues:StringEquals on oam:ResourceTypes): a
// link asking for any other type is refused. The policy names accounts,
// not the organization, so an account joins only when the program lists
// it.
type Sink struct {
	pulumi.ResourceState

	// SinkARN is the sink's ARN, which every source account's Link names.
	SinkARN pulumi.StringOutput `pulumi:"sinkArn"`
}

// NewSink creates the sink and its policy. It validates args before
// registering anything.
func NewSink(ctx *pulumi.Context, name string, args *SinkArgs, opts ...pulumi.ResourceOption) (*Sink, error) {
	if args == nil {
		args = &SinkArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("sink arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("sink %q: %w", name, err)
	}
	c := &Sink{}
	if err := ctx.RegisterComponentResource("refarch:observability:Sink", name, c, opts...); err != nil {
		return nil, fmt.Errorf("sink %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	sink, err := oam.NewSink(ctx, name, &oam.SinkArgs{Name: pulumi.String(name)}, child)
	if err != nil {
		return nil, fmt.Errorf("sink %q: %w", name, err)
	}
	policy, err := sinkPolicy(a)
	if err != nil {
		return nil, fmt.Errorf("sink %q: policy: %w", name, err)
	}
	// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_PutSinkPolicy.html
	if _, err := oam.NewSinkPolicy(ctx, name, &oam.SinkPolicyArgs{
		SinkIdentifier: sink.Arn,
		Policy:         pulumi.String(policy),
	}, child); err != nil {
		return nil, fmt.Errorf("sink %q: policy: %w", name, err)
	}
	c.SinkARN = sink.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"sinkArn": c.SinkARN})
}

// Link is a source account's link to a monitoring account's sink: its
// Args.ResourceTypes (default metrics, log groups and traces) become
// readable there, labelled by Args.LabelTemplate. AWS creates it only once
// the sink exists and its policy admits this account and every type
// asked for: deploy the sink's stack first.
type Link struct {
	pulumi.ResourceState

	// LinkARN is the link's ARN.
	LinkARN pulumi.StringOutput `pulumi:"linkArn"`
}

// NewLink creates the link. It validates args before registering
// anything.
func NewLink(ctx *pulumi.Context, name string, args *LinkArgs, opts ...pulumi.ResourceOption) (*Link, error) {
	if args == nil {
		args = &LinkArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("link arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("link %q: %w", name, err)
	}
	c := &Link{}
	if err := ctx.RegisterComponentResource("refarch:observability:Link", name, c, opts...); err != nil {
		return nil, fmt.Errorf("link %q: registering the component: %w", name, err)
	}
	link, err := oam.NewLink(ctx, name, &oam.LinkArgs{
		SinkIdentifier: a.SinkARN,
		ResourceTypes:  pulumi.ToStringArray(a.ResourceTypes),
		LabelTemplate:  pulumi.String(a.LabelTemplate),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("link %q: %w", name, err)
	}
	c.LinkARN = link.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"linkArn": c.LinkARN})
}
