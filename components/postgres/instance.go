package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LogExports are the logs every instance exports to CloudWatch Logs: the
// server log (connections, DDL, slow statements, errors) and the major
// version upgrade log.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html
var LogExports = []string{"postgresql", "upgrade"}

// CACertificate is the certificate authority of the instances' TLS
// certificates, set explicitly so no instance comes up with an expiring one.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html
const CACertificate = "rds-ca-rsa2048-g1"

// ReplicaIdentifier is the RDS identifier of the i-th read replica (from 0).
func ReplicaIdentifier(name string, i int) string { return fmt.Sprintf("%s-replica-%d", name, i+1) }

// FinalSnapshotIdentifier is the snapshot RDS takes when the writer is
// deleted. Deleting a second database of the same name fails while the
// first one's final snapshot exists, which is the safe way to fail.
func FinalSnapshotIdentifier(name string) string { return name + "-final-snapshot" }

// LogGroupName is the log group RDS exports an instance's log to.
func LogGroupName(identifier, log string) string {
	return fmt.Sprintf("/aws/rds/instance/%s/%s", identifier, log)
}

// logGroups creates, before any instance, the log groups RDS exports to:
// RDS would create them itself, without a retention, and keep every line
// forever. This is why the instance identifiers are fixed names.
func (b *builder) logGroups() error {
	b.logGroupsByID = map[string]pulumi.Resource{}
	identifiers := []string{b.name}
	for i := range b.args.ReadReplicas {
		identifiers = append(identifiers, ReplicaIdentifier(b.name, i))
	}
	for _, id := range identifiers {
		for _, log := range LogExports {
			group, err := cloudwatch.NewLogGroup(b.ctx, id+"-"+log, &cloudwatch.LogGroupArgs{
				Name:            pulumi.String(LogGroupName(id, log)),
				RetentionInDays: pulumi.Int(b.args.LogRetentionDays),
				KmsKeyId:        b.keyARN,
				Tags:            tags(id),
			}, b.protected()...)
			if err != nil {
				return fmt.Errorf("log group %s/%s: %w", id, log, err)
			}
			b.logGroupsByID[id+"/"+log] = group
		}
	}
	return nil
}

// dependencies are what an instance must wait for: its log groups.
func (b *builder) dependencies(identifier string) pulumi.ResourceOption {
	var deps []pulumi.Resource
	for _, log := range LogExports {
		deps = append(deps, b.logGroupsByID[identifier+"/"+log])
	}
	return pulumi.DependsOn(deps)
}

// common returns the settings the writer and every reader share: the
// network, the parameter group, TLS, IAM authentication, monitoring, log
// exports, storage type and ceiling, upgrades and deletion protection.
func (b *builder) common(identifier, class string) *rds.InstanceArgs {
	return &rds.InstanceArgs{
		Identifier:          pulumi.String(identifier),
		InstanceClass:       pulumi.String(class),
		Port:                pulumi.Int(b.args.Port),
		VpcSecurityGroupIds: pulumi.StringArray{b.securityGroupID},
		ParameterGroupName:  b.paramGroupName,
		PubliclyAccessible:  pulumi.Bool(false),
		CaCertIdentifier:    pulumi.String(CACertificate),
		// Services connect with short-lived IAM tokens instead of passwords.
		IamDatabaseAuthenticationEnabled:   pulumi.Bool(true),
		StorageType:                        pulumi.String("gp3"),
		MaxAllocatedStorage:                pulumi.Int(b.args.MaxAllocatedStorage),
		AutoMinorVersionUpgrade:            pulumi.Bool(true),
		AllowMajorVersionUpgrade:           pulumi.Bool(b.args.AllowMajorVersionUpgrade),
		MaintenanceWindow:                  pulumi.String(b.args.MaintenanceWindow),
		PerformanceInsightsEnabled:         pulumi.Bool(true),
		PerformanceInsightsKmsKeyId:        b.keyARN,
		PerformanceInsightsRetentionPeriod: pulumi.Int(b.args.PerformanceInsightsRetentionDays),
		MonitoringInterval:                 pulumi.Int(b.args.MonitoringInterval),
		MonitoringRoleArn:                  b.monitoringRoleARN,
		EnabledCloudwatchLogsExports:       pulumi.ToStringArray(LogExports),
		CopyTagsToSnapshot:                 pulumi.Bool(true),
		DeletionProtection:                 pulumi.Bool(b.args.Protect),
		Tags:                               tags(identifier),
	}
}

// writer creates the primary instance.
func (b *builder) writer() error {
	args := b.common(b.name, b.args.InstanceClass)
	args.Engine = pulumi.String("postgres")
	args.EngineVersion = pulumi.String(b.args.EngineVersion)
	args.AllocatedStorage = pulumi.Int(b.args.AllocatedStorage)
	args.StorageEncrypted = pulumi.Bool(true)
	args.KmsKeyId = b.keyARN
	args.DbSubnetGroupName = b.subnetGroupName
	args.MultiAz = pulumi.Bool(!b.args.SingleAZ)
	args.DbName = pulumi.String(b.args.DatabaseName)
	args.Username = pulumi.String(b.args.MasterUsername)
	// RDS generates the password, keeps it in Secrets Manager (encrypted
	// with the database's key) and rotates it; it never enters the state.
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
	args.ManageMasterUserPassword = pulumi.Bool(true)
	args.MasterUserSecretKmsKeyId = b.keyARN
	args.BackupRetentionPeriod = pulumi.Int(b.args.BackupRetentionDays)
	args.BackupWindow = pulumi.String(b.args.BackupWindow)
	// Automated backups outlive the instance for their retention period:
	// a deleted database can still be restored to a point in time.
	args.DeleteAutomatedBackups = pulumi.Bool(false)
	// RDS's own default skips nothing, but the provider requires the
	// identifier whenever the final snapshot is taken; without it a
	// destroy fails.
	// Source: https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/#finalsnapshotidentifier_go
	args.SkipFinalSnapshot = pulumi.Bool(b.args.SkipFinalSnapshot)
	if !b.args.SkipFinalSnapshot {
		args.FinalSnapshotIdentifier = pulumi.String(FinalSnapshotIdentifier(b.name))
	}
	opts := b.protected()
	opts = append(opts, b.dependencies(b.name))
	inst, err := rds.NewInstance(b.ctx, b.name, args, opts...)
	if err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	b.writerInstance = instanceRef{identifier: b.name, resource: inst}
	b.writerZone = inst.AvailabilityZone
	b.writerID = inst.Identifier
	b.pg.Address = inst.Address
	b.pg.Port = inst.Port
	b.pg.InstanceARN = inst.Arn
	b.pg.ResourceID = inst.ResourceId
	b.pg.SecretARN = inst.MasterUserSecrets.Index(pulumi.Int(0)).SecretArn().Elem()
	return nil
}

// replicas creates the read replicas. Each is placed, when created, in a
// zone other than the writer's (round robin over the others), so a zone
// outage leaves readers up; its zone is then left alone (ignoreChanges),
// since a later failover moving the writer must not replace readers.
// A same-region replica of an encrypted instance is encrypted with the
// source's key and takes its subnet group, so neither is set here.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html#Overview.Encryption.Limitations,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html
func (b *builder) replicas() error {
	addresses := pulumi.StringArray{}
	resourceIDs := pulumi.StringArray{}
	for i := range b.args.ReadReplicas {
		id := ReplicaIdentifier(b.name, i)
		args := b.common(id, b.args.ReplicaInstanceClass)
		args.ReplicateSourceDb = b.writerID
		args.AvailabilityZone = b.writerZone.ApplyT(func(writerZone string) string {
			return ReplicaZone(b.args.AvailabilityZones, writerZone, i)
		}).(pulumi.StringOutput)
		// RDS refuses a final snapshot of a replica; its data is the writer's.
		args.SkipFinalSnapshot = pulumi.Bool(true)
		replica, err := rds.NewInstance(b.ctx, id, args, b.child, b.dependencies(id),
			pulumi.IgnoreChanges([]string{"availabilityZone"}))
		if err != nil {
			return fmt.Errorf("replica %d: %w", i+1, err)
		}
		b.readers = append(b.readers, instanceRef{identifier: id, resource: replica})
		addresses = append(addresses, replica.Address)
		resourceIDs = append(resourceIDs, replica.ResourceId)
	}
	b.pg.ReaderAddresses = addresses.ToStringArrayOutput()
	b.pg.ReaderResourceIDs = resourceIDs.ToStringArrayOutput()
	return nil
}

// ReplicaZone is the zone of the i-th replica: the zones other than the
// writer's, in turn.
func ReplicaZone(zones []string, writerZone string, i int) string {
	var others []string
	for _, z := range zones {
		if z != writerZone {
			others = append(others, z)
		}
	}
	if len(others) == 0 {
		return writerZone
	}
	return others[i%len(others)]
}
