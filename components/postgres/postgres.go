// Package postgres provides Postgres, an RDS for PostgreSQL database with
// failover (Multi-AZ), backups (automated, point-in-time, final snapshot) and
// read replicas, encrypted with its own KMS key and reachable only from the
// security groups and private blocks its caller names.
//
// Everything RDS leaves insecure by default is turned around here: deletion
// protection (off by default in RDS), the final snapshot (skipped by many
// examples), storage encryption (off by default), TLS (optional before
// PostgreSQL 15), the master password (a plain argument kept in state
// unless something rotates it). See the Postgres doc comment for every
// default.
package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"

	"github.com/refarch/refarch/components/validate"
)

// Postgres is an RDS for PostgreSQL writer with optional read replicas.
//
// What it creates, and why each default is what it is (Args documents each
// field):
//
//   - A customer-managed KMS key (yearly rotation, 30-day deletion window,
//     alias "alias/<name>-postgres") encrypting the storage, the snapshots,
//     Performance Insights and the master user's secret. Its key policy
//     names the account root (so IAM governs administration) and lets the
//     account's principals use it only through RDS and Secrets Manager
//     (kms:ViaService, kms:CallerAccount).
//   - A DB subnet group over Args.SubnetIDs (the private data tier) and a
//     security group admitting Args.Port only from Args.ClientSecurityGroupIDs
//     and the private Args.ClientCIDRs, one rule each; it has no egress rule.
//   - A parameter group of the engine's major version family (postgres18):
//     rds.force_ssl=1 with TLS 1.2 or later, SCRAM passwords, and logging of
//     connections, DDL, lock waits, slow statements and temporary files
//     (DefaultParameters). A major upgrade gets a new group, not a failure.
//   - The master user's secret "<name>/master" (MasterSecretName), see
//     "The master password" below.
//   - The writer: PostgreSQL 18 by default (Args.EngineVersion), Multi-AZ
//     unless Args.SingleAZ, gp3 storage with autoscaling up to
//     Args.MaxAllocatedStorage, never publicly accessible, a generated
//     master password that the rotation replaces, IAM database
//     authentication, Performance Insights (KMS), Enhanced Monitoring
//     through its own IAM role, the postgresql and upgrade logs exported to
//     log groups created beforehand with Args.LogRetentionDays (RDS would
//     create them without retention), automatic minor upgrades, automated
//     backups for Args.BackupRetentionDays (default 7) in Args.BackupWindow,
//     tags copied to snapshots, automated backups kept after deletion, and a
//     final snapshot "<name>-final-snapshot" on deletion. Args.Protect adds
//     deletion protection and pulumi protect.
//   - Args.ReadReplicas readers "<name>-replica-<n>", each placed in a zone
//     other than the writer's at creation time, with the writer's parameter
//     group, security group and KMS key (RDS encrypts a same-region replica
//     with its source's key), and their own Enhanced Monitoring,
//     Performance Insights and log exports.
//   - With Args.AlarmTopicARN, CloudWatch alarms on CPU (every instance),
//     free storage (the writer) and replica lag (each reader).
//
// The master password. RDS refuses to create a read replica of an
// instance whose master password it manages in Secrets Manager
// (manageMasterUserPassword): "Managing master user passwords with Secrets
// Manager isn't supported for the following features: Creating a read
// replica when the source DB or DB cluster manages credentials with
// Secrets Manager." So no writer uses it, with or without replicas (one
// design for every stack), and the component keeps the password the way
// AWS documents for a rotated database secret instead:
//
//   - A Secrets Manager secret of its own (SecretARN), encrypted with the
//     database's key, tagged with the writer's identifier (InstanceTag) and
//     the kind RotationKindMasterPassword (RotationTag), holding AWS's JSON
//     structure for PostgreSQL: engine, host, port, username, password,
//     dbname, dbInstanceIdentifier. Readers take "username" and
//     "password" from it.
//   - The program never writes its value (no secret version): the caller
//     rotates it with a rotation function (the stack's
//     workloads/functions/secret-rotator, wired in stacks/functionpart), immediately
//     when the rotation is configured and every 30 days after. Each
//     rotation sets a new random password with rds:ModifyDBInstance
//     (ApplyImmediately) and waits until DescribeDBInstances shows it
//     applied (no pending MasterUserPassword) before the new version
//     becomes AWSCURRENT; the function needs no network path to the
//     database. The caller's rotation must wait for Instances.
//   - The writer is created with a password generated at run time
//     (crypto/rand, a Pulumi secret) and ignores later changes to it
//     (writerIgnoredChanges): the first rotation replaces it within
//     minutes, so the value in Pulumi's state is dead.
//   - Replicas never get a password: a PostgreSQL replica is a physical
//     copy of its source, master user included.
//   - A writer created anew (a replacement, a restore) starts with a new
//     generated password that the secret does not hold: rotate the secret
//     then (aws secretsmanager rotate-secret), which sets a known one.
//   - A writer created while RDS managed its password keeps that setting
//     until the first rotation turns it off (writerIgnoredChanges): no
//     change of the program replaces it.
//
// Sources: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations,
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html,
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html,
// https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/master-user-password.html
//
// Physical names derive from the component name, which must therefore be a
// valid RDS identifier (CheckName): the writer's identifier is the name
// itself, so the log groups can exist before it.
type Postgres struct {
	pulumi.ResourceState

	// Address is the writer's DNS name; Multi-AZ failover keeps it.
	Address pulumi.StringOutput `pulumi:"address"`
	// Port is the port every instance listens on.
	Port pulumi.IntOutput `pulumi:"port"`
	// ReaderAddresses are the read replicas' DNS names, in replica order
	// (empty without replicas).
	ReaderAddresses pulumi.StringArrayOutput `pulumi:"readerAddresses"`
	// SecretARN is the Secrets Manager secret of the master user's
	// credentials (JSON with username and password among AWS's fields),
	// without a value until its first rotation: the caller rotates it
	// (see "The master password").
	SecretARN pulumi.StringOutput `pulumi:"secretArn"`
	// SecurityGroupID is the database's security group.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// SubnetGroupName is the database's subnet group (the data subnets): a
	// restore of its backups that names it stays in the data tier.
	SubnetGroupName pulumi.StringOutput `pulumi:"subnetGroupName"`
	// KeyARN is the KMS key encrypting storage, snapshots, Performance
	// Insights and the secret; a consumer reading the secret needs
	// kms:Decrypt on it.
	KeyARN pulumi.StringOutput `pulumi:"keyArn"`
	// InstanceARN is the writer's ARN.
	InstanceARN pulumi.StringOutput `pulumi:"instanceArn"`
	// ResourceID is the writer's resource id, the part of an
	// rds-db:connect ARN that grants IAM database authentication.
	ResourceID pulumi.StringOutput `pulumi:"resourceId"`
	// ReaderResourceIDs are the replicas' resource ids, in replica order:
	// IAM authentication to a replica names its own.
	ReaderResourceIDs pulumi.StringArrayOutput `pulumi:"readerResourceIds"`

	// Instances are the writer and its replicas, in that order: the
	// rotation of SecretARN waits for them, since RDS changes the master
	// password only of an available instance.
	Instances []pulumi.Resource

	// Identifier is the writer's RDS identifier (the component name).
	Identifier string
	// DatabaseName and MasterUsername are what the instance was created with.
	DatabaseName, MasterUsername string
}

// NewPostgres creates a Postgres. It validates args before registering
// anything; pass the account's provider in opts.
func NewPostgres(ctx *pulumi.Context, name string, args *PostgresArgs, opts ...pulumi.ResourceOption) (*Postgres, error) {
	if args == nil {
		args = &PostgresArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("postgres arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("postgres %q: %w", name, err)
	}

	pg := &Postgres{Identifier: name, DatabaseName: a.DatabaseName, MasterUsername: a.MasterUsername}
	if err := ctx.RegisterComponentResource("refarch:postgres:Postgres", name, pg, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: a, pg: pg, child: pulumi.Parent(pg)}
	for _, step := range []func() error{b.identity, b.key, b.masterSecret, b.network, b.parameterGroup, b.monitoringRole, b.logGroups, b.writer, b.replicas, b.alarms} {
		if err := step(); err != nil {
			return nil, fmt.Errorf("postgres %q: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(pg, pulumi.Map{
		"address":           pg.Address,
		"port":              pg.Port,
		"readerAddresses":   pg.ReaderAddresses,
		"secretArn":         pg.SecretARN,
		"securityGroupId":   pg.SecurityGroupID,
		"subnetGroupName":   pg.SubnetGroupName,
		"keyArn":            pg.KeyARN,
		"instanceArn":       pg.InstanceARN,
		"resourceId":        pg.ResourceID,
		"readerResourceIds": pg.ReaderResourceIDs,
	}); err != nil {
		return nil, err
	}
	return pg, nil
}

// builder carries what the steps of NewPostgres share.
type builder struct {
	ctx   *pulumi.Context
	name  string
	args  PostgresArgs
	pg    *Postgres
	child pulumi.ResourceOrInvokeOption

	// account, region and partition of the provider (identity).
	account, region, partition string
	// Filled by the steps, read by the later ones.
	keyARN            pulumi.StringOutput
	securityGroupID   pulumi.StringOutput
	subnetGroupName   pulumi.StringOutput
	paramGroupName    pulumi.StringOutput
	monitoringRoleARN pulumi.StringOutput
	logGroupsByID     map[string]pulumi.Resource
	writerInstance    instanceRef
	writerZone        pulumi.StringOutput
	writerID          pulumi.StringOutput
	readers           []instanceRef
}

// instanceRef is what the alarms need of an instance.
type instanceRef struct {
	identifier string
	resource   pulumi.Resource
}

// identity reads the account, region and partition the provider acts in,
// for the key policy and the monitoring role's trust policy.
func (b *builder) identity() error {
	env, err := awsenv.Lookup(b.ctx, b.child)
	if err != nil {
		return err
	}
	b.account, b.region, b.partition = env.Account, env.Region, env.Partition
	return nil
}

// protected returns the options of a resource whose loss loses data: with
// Args.Protect, pulumi refuses to delete it and, once unprotected, leaves
// it in the account rather than deleting it.
func (b *builder) protected() []pulumi.ResourceOption {
	opts := []pulumi.ResourceOption{b.child}
	if b.args.Protect {
		opts = append(opts, pulumi.Protect(true), pulumi.RetainOnDelete(true))
	}
	return opts
}

// tags names a resource (the provider adds the stack's default tags).
func tags(name string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(name)}
}
