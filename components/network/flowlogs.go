package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// flowLogGroupName is the log group of a network's flow logs. It is fixed
// (not autonamed) so the KMS key policy can name it before it exists.
func flowLogGroupName(prefix, network string) string {
	return prefix + "/" + network + "/flow-logs"
}

// flowLogs records all traffic of the VPC (accepted and rejected) to a
// KMS-encrypted log group, for incident response and intrusion detection
// (CIS AWS Foundations 3.7, FSBP EC2.6).
func (b *builder) flowLogs() error {
	if err := b.identity(); err != nil {
		return err
	}
	groupName := flowLogGroupName(b.args.FlowLogGroupPrefix, b.name)
	groupARN := iampolicy.LogGroupARN(b.partition, b.region, b.account, groupName)

	keyPolicy, err := iampolicy.New(
		keypolicy.Administration(b.args.KeyAdministrators),
		iampolicy.Statement{
			// CloudWatch Logs may use the key for this log group only.
			// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
			Sid:       "CloudWatchLogsForFlowLogGroup",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"Service": {"logs." + b.region + ".amazonaws.com"}},
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": {groupARN}}},
		},
	).JSON()
	if err != nil {
		return err
	}
	key, err := kms.NewKey(b.ctx, b.name+"-flow-logs", &kms.KeyArgs{
		Description:       pulumi.String("Encrypts the VPC flow logs of network " + b.name),
		EnableKeyRotation: pulumi.Bool(true),
		// A deleted key makes every log it encrypted unreadable: wait the
		// longest AWS allows, to leave time to notice and cancel.
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(keyPolicy),
		Tags:                 b.tags(b.name + "-flow-logs"),
	}, b.protect()...)
	if err != nil {
		return fmt.Errorf("flow log key: %w", err)
	}
	group, err := cloudwatch.NewLogGroup(b.ctx, b.name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(groupName),
		RetentionInDays: pulumi.Int(b.args.FlowLogRetentionDays),
		KmsKeyId:        key.Arn,
		Tags:            b.tags(b.name + "-flow-logs"),
	}, b.protect()...)
	if err != nil {
		return fmt.Errorf("flow log group: %w", err)
	}

	trust, err := iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"vpc-flow-logs.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
		// Confused-deputy guard: only flow logs of this account may use it.
		// Source: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
		Condition: iampolicy.Conditions{
			"StringEquals": {"aws:SourceAccount": {b.account}},
			"ArnLike":      {"aws:SourceArn": {fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", b.partition, b.region, b.account)}},
		},
	}).JSON()
	if err != nil {
		return err
	}
	role, err := iam.NewRole(b.ctx, b.name+"-flow-logs", &iam.RoleArgs{
		Description:      pulumi.String("Lets VPC flow logs of network " + b.name + " write to their log group"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             b.tags(b.name + "-flow-logs"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("flow log role: %w", err)
	}
	write, err := iampolicy.New(iampolicy.Statement{
		Effect:   iampolicy.Allow,
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
		Resource: []string{groupARN, groupARN + ":*"},
	}).JSON()
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(b.ctx, b.name+"-flow-logs", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.String(write),
	}, b.child); err != nil {
		return fmt.Errorf("flow log role policy: %w", err)
	}
	if _, err := ec2.NewFlowLog(b.ctx, b.name, &ec2.FlowLogArgs{
		VpcId:              b.net.VpcID,
		TrafficType:        pulumi.String("ALL"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     group.Arn,
		IamRoleArn:         role.Arn,
		// One-minute aggregation: detection and investigations see traffic
		// within a minute instead of ten.
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   b.tags(b.name),
	}, b.child); err != nil {
		return fmt.Errorf("flow log: %w", err)
	}
	b.net.FlowLogGroupName = group.Name
	return nil
}
