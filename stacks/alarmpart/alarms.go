// Package alarmpart is the alarm part of every stack's composition: the
// CloudWatch alarms and dashboard (components/alarms) of everything the
// stack runs, notifying the stack's alert topic, with the section of
// configuration they read.
package alarmpart

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/alarms"
	"github.com/refarch/refarch/components/alerttopic"
	"github.com/refarch/refarch/stacks/stack"
)

// Deploy creates the stack's alarms and dashboard from what the parts
// before it built: every load balancer and service, every cache node,
// every NAT gateway, every Lambda function and probed endpoint, the VPN
// host and the registry, whichever the stack has.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	if a.Baseline == nil || a.Baseline.AlertTopicARN == nil {
		return fmt.Errorf("the alarms need the alert topic: the baseline part must run first")
	}
	args := &alarms.AlarmsArgs{TopicARN: a.Baseline.AlertTopicARN, Overrides: s.Overrides, Repositories: a.Repositories}
	if a.Platform != nil {
		for _, name := range slices.Sorted(maps.Keys(a.Platform.LoadBalancers)) {
			args.LoadBalancers = append(args.LoadBalancers, alarms.LoadBalancer{Name: name, ARNSuffix: a.Platform.LoadBalancers[name]})
		}
		for _, svc := range a.Platform.Services {
			args.Services = append(args.Services, alarms.Service{Name: svc.Name, ClusterName: a.Platform.ClusterName, ServiceName: svc.ServiceName, MinTasks: svc.MinCount})
		}
	}
	if a.Data != nil {
		args.Caches = []alarms.Cache{{Name: "cache", ClusterID: a.Data.CacheClusterID, Nodes: a.Data.CacheNodes}}
	}
	if a.Network != nil && a.Network.NatGatewayCount > 0 {
		ids := a.Network.NatGatewayIDs.ToStringArrayOutput()
		for i := range a.Network.NatGatewayCount {
			args.NatGateways = append(args.NatGateways, alarms.NatGateway{Name: fmt.Sprintf("nat-%d", i+1), ID: ids.Index(pulumi.Int(i))})
		}
	}
	for _, h := range a.Hosts {
		args.Hosts = append(args.Hosts, alarms.Host{Name: h.Name, AutoScalingGroupName: h.AutoScalingGroupName})
	}
	if a.Functions != nil {
		for _, f := range a.Functions.Functions {
			args.Functions = append(args.Functions, alarms.Function{Name: f.Name, FunctionName: f.FunctionName, TimeoutSeconds: f.TimeoutSeconds, DeadLetterQueueName: f.DeadLetterQueueName})
		}
		for _, pr := range a.Functions.Probes {
			args.Probes = append(args.Probes, alarms.Probe{Name: pr.Name, Namespace: pr.Namespace, Endpoint: pr.Endpoint})
		}
	}
	if _, err := alarms.NewAlarms(ctx, stack.Namespace+"-"+c.Stack, args, pulumi.Provider(p.Account)); err != nil {
		return err
	}
	if a.Edge == nil {
		return nil
	}
	// CloudFront's metrics exist in us-east-1 only, and an alarm notifies a
	// topic of its own region: the CDN's alarm has a topic there, with the
	// same subscribers as the stack's.
	// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html
	east := pulumi.Provider(p.USEast1)
	topic, err := alerttopic.NewAlertTopic(ctx, stack.EdgeAlertTopicName(c), &alerttopic.AlertTopicArgs{
		AccountID:         c.AccountID,
		Region:            "us-east-1",
		Partition:         c.Partition,
		KeyAdministrators: c.KeyAdministrators(),
		Emails:            c.AlertEmails,
		Protect:           c.DeletionProtection,
	}, east)
	if err != nil {
		return err
	}
	if a.Functions != nil && a.Functions.NotifierARN != nil {
		// The notifier (in the stack's region) hears this topic too; SNS
		// delivers to a function of another region.
		// Source: https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html
		if _, err := sns.NewTopicSubscription(ctx, stack.EdgeAlertTopicName(c)+"-notifier", &sns.TopicSubscriptionArgs{
			Topic:    topic.TopicARN,
			Protocol: pulumi.String("lambda"),
			Endpoint: a.Functions.NotifierARN,
		}, east); err != nil {
			return err
		}
	}
	_, err = alarms.NewAlarms(ctx, stack.Namespace+"-"+c.Stack+"-edge", &alarms.AlarmsArgs{
		TopicARN:      topic.TopicARN,
		Distributions: []alarms.Distribution{{Name: "cdn", DistributionID: a.Edge.DistributionID}},
		Overrides:     s.Overrides,
	}, east)
	return err
}
