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
	// Not manageMasterUserPassword: RDS refuses read replicas of an
	// instance whose master password it manages in Secrets Manager. The
	// writer starts with a generated password that the first rotation of
	// the master secret replaces (masterSecret, initialPassword).
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations
	password, err := b.initialPassword()
	if err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	args.Password = password
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
	opts = append(opts, b.dependencies(b.name), pulumi.IgnoreChanges(writerIgnoredChanges))
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
	b.pg.Instances = []pulumi.Resource{inst}
	return nil
}

// writerIgnoredChanges are the writer's inputs a `pulumi up` never
// applies after the creation:
//
//   - password: the rotation function owns the master password from its
//     first rotation on; the program's (generated anew at every run) is
//     for the creation only.
//   - manageMasterUserPassword and masterUserSecretKmsKeyId: a writer
//     created while RDS managed its password keeps that setting until the
//     rotation function turns it off. RDS refuses to turn it off without a
//     new MasterUserPassword, and Pulumi, when an ignored input (password)
//     was absent before, removes it from the update: the program's own
//     ModifyDBInstance would be refused. The first rotation's
//     ModifyDBInstance carries both (ManageMasterUserPassword false and
//     the new MasterUserPassword); RDS then deletes its own secret.
//
// Sources: https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/manage-master-user-password.html,
// https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/
var writerIgnoredChanges = []string{"password", "manageMasterUserPassword", "masterUserSecretKmsKeyId"}

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
		// No password, user or database: a PostgreSQL replica is a
		// physical copy of its source and shares its master user.
		replica, err := rds.NewInstance(b.ctx, id, args, b.child, b.dependencies(id),
			pulumi.IgnoreChanges([]string{"availabilityZone"}))
		if err != nil {
			return fmt.Errorf("replica %d: %w", i+1, err)
		}
		b.pg.Instances = append(b.pg.Instances, replica)
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
