package securitybaseline

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultMetricNamespace is the CloudWatch namespace of the CIS metric
// filters and alarms unless Args.MetricNamespace names another.
const DefaultMetricNamespace = "CISBenchmark"

// CISAlarm is one CIS section 4 monitoring recommendation: a metric filter
// on the trail's log group and an alarm on its metric, sent to the alert
// topic.
type CISAlarm struct {
	// Name is the short name of the filter, metric and alarm.
	Name string
	// CIS is the CIS AWS Foundations Benchmark v3.0.0 recommendation and
	// Control the Security Hub control that checks it.
	CIS, Control string
	// Pattern is the CloudWatch Logs filter pattern.
	Pattern string
}

// CISAlarms are the metric filters and alarms of CIS AWS Foundations
// Benchmark v3.0.0 recommendations 4.1-4.14 (Security Hub CloudWatch.1-14).
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
var CISAlarms = []CISAlarm{
	{"unauthorized-api-calls", "4.1", "CloudWatch.2",
		`{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`},
	{"console-signin-without-mfa", "4.2", "CloudWatch.3",
		`{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`},
	{"root-usage", "4.3", "CloudWatch.1",
		`{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`},
	{"iam-policy-changes", "4.4", "CloudWatch.4",
		`{ ($.eventSource = iam.amazonaws.com) && (($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy)) }`},
	{"cloudtrail-changes", "4.5", "CloudWatch.5",
		`{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`},
	{"console-auth-failures", "4.6", "CloudWatch.6",
		`{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`},
	{"kms-key-disabled-or-deleted", "4.7", "CloudWatch.7",
		`{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }`},
	{"s3-bucket-policy-changes", "4.8", "CloudWatch.8",
		`{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }`},
	{"config-changes", "4.9", "CloudWatch.9",
		`{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }`},
	{"security-group-changes", "4.10", "CloudWatch.10",
		`{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }`},
	{"nacl-changes", "4.11", "CloudWatch.11",
		`{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }`},
	{"network-gateway-changes", "4.12", "CloudWatch.12",
		`{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }`},
	{"route-table-changes", "4.13", "CloudWatch.13",
		`{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }`},
	{"vpc-changes", "4.14", "CloudWatch.14",
		`{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }`},
}

// cisAlarms creates a metric filter on the trail's log group and an alarm
// for each of CISAlarms; any matching event in five minutes alarms the
// alert topic.
func (b *builder) cisAlarms(group *cloudwatch.LogGroup) error {
	for _, al := range CISAlarms {
		logical := b.name + "-cis-" + al.Name
		if _, err := cloudwatch.NewLogMetricFilter(b.ctx, logical, &cloudwatch.LogMetricFilterArgs{
			Name:         pulumi.String(logical),
			LogGroupName: group.Name,
			Pattern:      pulumi.String(al.Pattern),
			MetricTransformation: &cloudwatch.LogMetricFilterMetricTransformationArgs{
				Name:      pulumi.String(al.Name),
				Namespace: pulumi.String(b.a.MetricNamespace),
				Value:     pulumi.String("1"),
			},
		}, b.child); err != nil {
			return err
		}
		if _, err := cloudwatch.NewMetricAlarm(b.ctx, logical, &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.String(logical),
			AlarmDescription:   pulumi.String("CIS " + al.CIS + " (Security Hub " + al.Control + "): " + al.Name),
			Namespace:          pulumi.String(b.a.MetricNamespace),
			MetricName:         pulumi.String(al.Name),
			Statistic:          pulumi.String("Sum"),
			Period:             pulumi.Int(300),
			EvaluationPeriods:  pulumi.Int(1),
			Threshold:          pulumi.Float64(1),
			ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
			TreatMissingData:   pulumi.String("notBreaching"),
			AlarmActions:       pulumi.Array{b.a.AlertTopicARN},
		}, b.child); err != nil {
			return err
		}
	}
	return nil
}
