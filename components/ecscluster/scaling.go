package ecscluster

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Scaling cooldowns in seconds: scale out within a minute, scale in only
// after five quiet minutes (target tracking scales in conservatively).
const (
	scaleOutCooldown = 60
	scaleInCooldown  = 300
)

// autoscaling makes the service's task count track two targets between
// MinCount and MaxCount: average CPU, and ALB requests per task. The
// larger of the two wins, so either load signal can scale out.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html
func (b *builder) autoscaling(base string, s Service, svc *ecs.Service, tg *lb.TargetGroup, l Listener, rule *lb.ListenerRule, child pulumi.ResourceOption) error {
	target, err := appautoscaling.NewTarget(b.ctx, base, &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", b.ecsCluster.Name, svc.Name),
		MinCapacity:       pulumi.Int(s.MinCount),
		MaxCapacity:       pulumi.Int(s.MaxCount),
	}, child)
	if err != nil {
		return err
	}
	policies := []struct {
		suffix, metric string
		value          int
		label          pulumi.StringPtrInput
	}{
		{"-cpu", "ECSServiceAverageCPUUtilization", s.CPUTarget, nil},
		// The label names the load balancer and target group:
		// "app/<lb>/<id>/targetgroup/<tg>/<id>".
		{"-requests", "ALBRequestCountPerTarget", s.RequestsPerTarget, pulumi.Sprintf("%s/%s", l.LoadBalancerARNSuffix, tg.ArnSuffix)},
	}
	for _, p := range policies {
		if _, err := appautoscaling.NewPolicy(b.ctx, base+p.suffix, &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:  target.ServiceNamespace,
			ScalableDimension: target.ScalableDimension,
			ResourceId:        target.ResourceId,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				TargetValue:      pulumi.Float64(float64(p.value)),
				ScaleOutCooldown: pulumi.Int(scaleOutCooldown),
				ScaleInCooldown:  pulumi.Int(scaleInCooldown),
				PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String(p.metric),
					ResourceLabel:        p.label,
				},
			},
		}, child, pulumi.DependsOn([]pulumi.Resource{rule})); err != nil {
			return err
		}
	}
	return nil
}
