package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// MonitoringTrustPolicy lets RDS's Enhanced Monitoring service assume the
// monitoring role, only for this account's instances (aws:SourceAccount
// closes the confused-deputy hole).
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html
func MonitoringTrustPolicy(account string) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"monitoring.rds.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
		Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceAccount": {account}}},
	})
}

// monitoringRole creates the role Enhanced Monitoring publishes OS metrics
// with, holding only the AWS managed policy made for it.
func (b *builder) monitoringRole() error {
	trust, err := MonitoringTrustPolicy(b.account).JSON()
	if err != nil {
		return fmt.Errorf("monitoring trust policy: %w", err)
	}
	role, err := iam.NewRole(b.ctx, b.name+"-monitoring", &iam.RoleArgs{
		Description:      pulumi.Sprintf("Enhanced Monitoring of PostgreSQL %s", b.name),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tags(b.name + "-monitoring"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("monitoring role: %w", err)
	}
	attachment, err := iam.NewRolePolicyAttachment(b.ctx, b.name+"-monitoring", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", b.partition),
	}, b.child)
	if err != nil {
		return fmt.Errorf("monitoring role policy: %w", err)
	}
	// RDS checks the role can publish when the instance is created: the
	// instances wait for the attachment, not just the role.
	b.monitoringRoleARN = pulumi.All(role.Arn, attachment.ID()).ApplyT(func(v []any) string {
		return v[0].(string)
	}).(pulumi.StringOutput)
	return nil
}

// alarm is one CloudWatch alarm on an RDS instance metric.
type alarm struct {
	suffix, metric, statistic, comparison, description string
	threshold                                          float64
	period, periods                                    int
	// missing is how missing data counts ("" for the default, "missing").
	missing string
}

// alarms creates, with Args.AlarmTopicARN, the alarms of every instance:
// CPU everywhere, free storage on the writer (autoscaling adds storage at
// 10% free; this fires only when it cannot keep up or has reached
// MaxAllocatedStorage), replication lag on each reader (missing data counts
// as breaching: a reader that reports no lag is not replicating).
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
func (b *builder) alarms() error {
	if b.args.AlarmTopicARN == nil {
		return nil
	}
	cpu := alarm{"cpu", "CPUUtilization", "Average", "GreaterThanThreshold", "CPU above 80% for 15 minutes", 80, 300, 3, ""}
	lowStorageBytes := float64(b.args.AllocatedStorage) * 0.05 * (1 << 30)
	storage := alarm{"free-storage", "FreeStorageSpace", "Minimum", "LessThanThreshold",
		"free storage below 5% of the initial allocation: autoscaling is not keeping up or reached its ceiling", lowStorageBytes, 300, 1, ""}
	lag := alarm{"replica-lag", "ReplicaLag", "Maximum", "GreaterThanThreshold", "replication lag above 5 minutes", 300, 60, 5, "breaching"}

	// Latency above 20 ms for 15 minutes: the storage is saturated (IOPS
	// or throughput), or queries scan far more than they should.
	readLatency := alarm{"read-latency", "ReadLatency", "Average", "GreaterThanThreshold", "average read latency above 20 ms for 15 minutes: check IOPS and throughput against the volume's limits, then the slowest queries", 0.02, 300, 3, ""}
	writeLatency := alarm{"write-latency", "WriteLatency", "Average", "GreaterThanThreshold", "average write latency above 20 ms for 15 minutes: check IOPS and throughput against the volume's limits", 0.02, 300, 3, ""}
	writer := []alarm{cpu, storage, readLatency, writeLatency}
	reader := []alarm{cpu, lag, readLatency}
	if mem, ok := InstanceMemoryGiB(b.args.InstanceClass); ok {
		writer = append(writer, memoryAlarms(mem)...)
	}
	if mem, ok := InstanceMemoryGiB(b.args.ReplicaInstanceClass); ok {
		reader = append(reader, memoryAlarms(mem)...)
	}
	if err := b.instanceAlarms(b.writerInstance, writer...); err != nil {
		return err
	}
	for _, r := range b.readers {
		if err := b.instanceAlarms(r, reader...); err != nil {
			return err
		}
	}
	return nil
}

// memoryAlarms are the alarms that depend on the class's memory: freeable
// memory below 10% of it, and connections above 80% of the default
// max_connections it gives. A class the memory table does not know gets
// neither (their thresholds would be guesses).
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#RDS
func memoryAlarms(memoryGiB float64) []alarm {
	return []alarm{
		{"freeable-memory", "FreeableMemory", "Minimum", "LessThanThreshold",
			"freeable memory below 10% of the instance's: queries will spill to disk and the instance may swap; check connections and work_mem", 0.1 * memoryGiB * (1 << 30), 300, 3, ""},
		{"connections", "DatabaseConnections", "Maximum", "GreaterThanThreshold",
			"connections above 80% of max_connections: a client leaks connections or needs a pool", 0.8 * float64(MaxConnections(memoryGiB)), 300, 1, ""},
	}
}

// instanceAlarms creates the given alarms on one instance.
func (b *builder) instanceAlarms(inst instanceRef, alarms ...alarm) error {
	topic := pulumi.Array{b.args.AlarmTopicARN}
	for _, a := range alarms {
		name := inst.identifier + "-" + a.suffix
		args := &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.Sprintf("%s: %s", inst.identifier, a.description),
			Namespace:          pulumi.String("AWS/RDS"),
			MetricName:         pulumi.String(a.metric),
			Dimensions:         pulumi.StringMap{"DBInstanceIdentifier": pulumi.String(inst.identifier)},
			Statistic:          pulumi.String(a.statistic),
			ComparisonOperator: pulumi.String(a.comparison),
			Threshold:          pulumi.Float64(a.threshold),
			Period:             pulumi.Int(a.period),
			EvaluationPeriods:  pulumi.Int(a.periods),
			AlarmActions:       topic,
			OkActions:          topic,
			Tags:               tags(name),
		}
		if a.missing != "" {
			args.TreatMissingData = pulumi.String(a.missing)
		}
		if _, err := cloudwatch.NewMetricAlarm(b.ctx, name, args, b.child, pulumi.DependsOn([]pulumi.Resource{inst.resource})); err != nil {
			return fmt.Errorf("alarm %s: %w", name, err)
		}
	}
	return nil
}
