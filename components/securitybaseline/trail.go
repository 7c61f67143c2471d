package securitybaseline

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// logGroup creates a log group encrypted with the logs key, kept for
// Args.LogRetentionDays, protected with the other stateful resources.
func (b *builder) logGroup(logical, name string) (*cloudwatch.LogGroup, error) {
	return cloudwatch.NewLogGroup(b.ctx, b.name+"-"+logical, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(name),
		KmsKeyId:        b.keyARNs[KeyLogs],
		RetentionInDays: pulumi.Int(b.a.LogRetentionDays),
	}, b.stateful()...)
}

// trail creates the account's trail: every region (CIS 3.1, Security Hub
// CloudTrail.1) with global service events, log file validation (CIS 3.2,
// CloudTrail.4), encrypted with the logs key (CIS 3.5, CloudTrail.2),
// delivered to the central trail bucket and to a CloudWatch Logs group
// (Security Hub CloudTrail.5) that the CIS alarms read.
func (b *builder) trail() error {
	a := b.a
	group, err := b.logGroup("trail", "/cloudtrail/"+a.Audit.TrailName)
	if err != nil {
		return err
	}
	trailARN := b.trailARN()
	// CloudTrail assumes this role to deliver to the log group; only this
	// account's trail may assume it.
	// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html
	trust, err := iampolicy.New(iampolicy.Statement{
		Sid:       "CloudTrailOfThisAccount",
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"cloudtrail.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
		Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceArn": {trailARN}}},
	}).JSON()
	if err != nil {
		return err
	}
	role, err := iam.NewRole(b.ctx, b.name+"-cloudtrail-logs", &iam.RoleArgs{
		Name:             pulumi.String(b.name + "-cloudtrail-logs"),
		Description:      pulumi.String("CloudTrail delivers " + a.Audit.TrailName + " to CloudWatch Logs"),
		AssumeRolePolicy: pulumi.String(trust),
	}, b.child)
	if err != nil {
		return err
	}
	delivery, err := iam.NewRolePolicy(b.ctx, b.name+"-cloudtrail-logs", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: iampolicy.StringOutput([]pulumi.Input{group.Arn}, func(v []any) (iampolicy.Document, error) {
			return iampolicy.New(iampolicy.Statement{
				Sid:      "DeliverToTheTrailLogGroup",
				Effect:   iampolicy.Allow,
				Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
				Resource: []string{fmt.Sprintf("%s:log-stream:*", v[0])},
			}), nil
		}),
	}, b.child)
	if err != nil {
		return err
	}
	// CloudTrail checks it can assume the role and write before it accepts it.
	deps := []pulumi.Resource{delivery}
	if b.trailBucketPolicy != nil {
		// In the archive account the trail waits for the policy admitting it.
		deps = append(deps, b.trailBucketPolicy)
	}
	trail, err := cloudtrail.NewTrail(b.ctx, b.name+"-trail", &cloudtrail.TrailArgs{
		Name:                       pulumi.String(a.Audit.TrailName),
		S3BucketName:               pulumi.String(a.Audit.TrailBucket),
		IsMultiRegionTrail:         pulumi.Bool(true),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		KmsKeyId:                   b.keyARNs[KeyLogs],
		CloudWatchLogsGroupArn:     pulumi.Sprintf("%s:*", group.Arn),
		CloudWatchLogsRoleArn:      role.Arn,
		EventSelectors: cloudtrail.TrailEventSelectorArray{&cloudtrail.TrailEventSelectorArgs{
			ReadWriteType:           pulumi.String("All"),
			IncludeManagementEvents: pulumi.Bool(true),
		}},
	}, b.child, pulumi.DependsOn(deps))
	if err != nil {
		return err
	}
	b.c.TrailARN = trail.Arn
	b.c.TrailLogGroupName = group.Name
	return b.cisAlarms(group)
}
