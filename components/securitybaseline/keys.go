package securitybaseline

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// The purposes of the baseline's customer-managed keys. Each has its own
// key so that who may decrypt logs, data and secrets is decided separately.
const (
	// KeyLogs encrypts audit and log data: the trail's log files and log
	// group, Config snapshots, session and patch logs.
	KeyLogs = "logs"
	// KeyData encrypts data at rest of the data services (RDS, S3, EBS
	// volumes, ElastiCache, backups, queues).
	KeyData = "data"
	// KeySecrets encrypts Secrets Manager secrets and SSM SecureStrings.
	KeySecrets = "secrets"
	// KeySessions encrypts Session Manager session data end to end,
	// between the operator's client and the instance's agent.
	KeySessions = "sessions"
)

// DataServices are the services through which the account's principals may
// use the data key (kms:ViaService).
var DataServices = []string{"rds", "s3", "elasticache", "ec2", "ecr", "backup", "sqs", "dynamodb", "elasticfilesystem"}

// SecretServices are the services through which the account's principals
// may use the secrets key: Secrets Manager, SSM Parameter Store
// (SecureString) and RDS (its managed master-user secrets).
var SecretServices = []string{"secretsmanager", "ssm", "rds"}

// keys creates one key per purpose, rotated yearly, with an alias
// alias/<name>-<purpose>.
// CIS 3.6 / Security Hub KMS.4: rotation of customer-managed keys.
func (b *builder) keys() error {
	b.keyARNs = map[string]pulumi.StringOutput{}
	purposes := []struct {
		purpose, description string
		policy               iampolicy.Document
	}{
		{KeyLogs, "audit logs: CloudTrail, AWS Config, CloudWatch Logs", b.logsKeyPolicy()},
		{KeyData, "data at rest of the data services", b.viaServicesPolicy("DataServices", DataServices)},
		{KeySecrets, "Secrets Manager secrets and SSM SecureStrings", b.viaServicesPolicy("SecretServices", SecretServices)},
		{KeySessions, "Session Manager session data", b.sessionsKeyPolicy()},
	}
	window := 7
	if b.a.Protect {
		window = 30
	}
	for _, p := range purposes {
		policy, err := p.policy.JSON()
		if err != nil {
			return fmt.Errorf("%s key policy: %w", p.purpose, err)
		}
		key, err := kms.NewKey(b.ctx, b.name+"-"+p.purpose, &kms.KeyArgs{
			Description:          pulumi.String(fmt.Sprintf("%s: %s", b.name, p.description)),
			EnableKeyRotation:    pulumi.Bool(true),
			DeletionWindowInDays: pulumi.Int(window),
			Policy:               pulumi.String(policy),
		}, b.stateful()...)
		if err != nil {
			return err
		}
		if _, err := kms.NewAlias(b.ctx, b.name+"-"+p.purpose, &kms.AliasArgs{
			Name:        pulumi.String("alias/" + b.name + "-" + p.purpose),
			TargetKeyId: key.KeyId,
		}, b.child); err != nil {
			return err
		}
		b.keyARNs[p.purpose] = key.Arn
	}
	return nil
}

// logsKeyPolicy lets CloudWatch Logs, CloudTrail and AWS Config encrypt
// with the key for this account's resources only, CloudTrail decrypt (the
// archive's trail bucket has S3 Bucket Keys on: "If you are using an
// existing S3 bucket with an S3 Bucket Key, kms:Decrypt permissions are
// required to create or update a trail with SSE-KMS encryption enabled"),
// and the reader account decrypt delivered logs through S3 only.
// Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html,
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html,
// https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html
func (b *builder) logsKeyPolicy() iampolicy.Document {
	a := b.a
	service := func(s string) iampolicy.Principal { return iampolicy.Principal{"Service": {s}} }
	trailARN := b.trailARN()
	doc := iampolicy.New(
		keypolicy.Administration(a.KeyAdministrators),
		keypolicy.CloudWatchLogs(a.Partition, a.Region, a.AccountID, "*"),
		iampolicy.Statement{
			Sid:       "CloudTrailOfThisAccount",
			Effect:    iampolicy.Allow,
			Principal: service("cloudtrail.amazonaws.com"),
			Action:    []string{"kms:GenerateDataKey*"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{
				"StringEquals": {"aws:SourceArn": {trailARN}},
				"StringLike": {
					"kms:EncryptionContext:aws:cloudtrail:arn": {fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", a.Partition, a.AccountID)},
				},
			},
		},
		// The trail bucket uses S3 Bucket Keys: CloudTrail needs
		// kms:Decrypt to create or update a trail that writes to it with
		// SSE-KMS. AWS documents this statement without condition (unlike
		// the encrypt and describe statements, whose examples carry
		// aws:SourceArn), so it is kept as documented: a condition the
		// validation request may not carry would refuse the trail.
		iampolicy.Statement{
			Sid:       "CloudTrailDecryptsForTheBucketKey",
			Effect:    iampolicy.Allow,
			Principal: service("cloudtrail.amazonaws.com"),
			Action:    []string{"kms:Decrypt"},
			Resource:  []string{"*"},
		},
		iampolicy.Statement{
			Sid:       "CloudTrailDescribesTheKey",
			Effect:    iampolicy.Allow,
			Principal: service("cloudtrail.amazonaws.com"),
			Action:    []string{"kms:DescribeKey"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceArn": b.trailARNs()}},
		},
		iampolicy.Statement{
			Sid:       "ConfigOfThisAccount",
			Effect:    iampolicy.Allow,
			Principal: service("config.amazonaws.com"),
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceAccount": {a.AccountID}}},
		},
		iampolicy.Statement{
			Sid:       "AuditReadersThroughS3",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(a.Partition, a.Audit.ReaderAccountID)}},
			Action:    []string{"kms:Decrypt", "kms:DescribeKey"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"StringEquals": {
				"kms:CallerAccount": {a.Audit.ReaderAccountID},
				"kms:ViaService":    keypolicy.ServiceEndpoints(a.Region, []string{"s3"}),
			}},
		},
	)
	if b.a.Organization != nil {
		doc.Statement = append(doc.Statement, b.organizationTrailKeyStatement())
	}
	return doc
}

// viaServicesPolicy lets the account's principals use the key, and let
// AWS resources hold grants on it, only through the given services.
func (b *builder) viaServicesPolicy(sid string, services []string) iampolicy.Document {
	a := b.a
	return iampolicy.New(
		keypolicy.Administration(a.KeyAdministrators),
		keypolicy.ViaServices("AccountThrough"+sid, a.Partition, a.AccountID, a.Region, services),
		keypolicy.GrantsViaServices("GrantsThrough"+sid, a.Partition, a.AccountID, a.Region, services),
	)
}

// sessionsKeyPolicy lets the account's principals use the key for the two
// operations of an encrypted session, as their IAM policies allow: the
// operator who starts a session generates the data key (the persona roles
// may), the instance's agent decrypts it (InstancePolicyARN may). Nothing
// else can use it.
// Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-preferences-enable-encryption.html
func (b *builder) sessionsKeyPolicy() iampolicy.Document {
	a := b.a
	return iampolicy.New(
		keypolicy.Administration(a.KeyAdministrators),
		iampolicy.Statement{
			Sid:       "SessionsThroughIAM",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(a.Partition, a.AccountID)}},
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"StringEquals": {"kms:CallerAccount": {a.AccountID}}},
		},
	)
}

// trailARN is the ARN the account's trail will have; policies name it
// before the trail exists.
func (b *builder) trailARN() string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", b.a.Partition, b.a.Region, b.a.AccountID, b.a.Audit.TrailName)
}

// trailARNs are the trails that encrypt with the logs key: the account's
// own and, in the organization's administrator, the organization trail.
func (b *builder) trailARNs() []string {
	out := []string{b.trailARN()}
	if b.a.Organization != nil {
		out = append(out, b.organizationTrailARN())
	}
	return out
}

// organizationTrailKeyStatement lets CloudTrail encrypt the organization
// trail's logs (owned by the management account) with the logs key (in
// the organization's administrator).
// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
func (b *builder) organizationTrailKeyStatement() iampolicy.Statement {
	o := b.a.Organization
	return iampolicy.Statement{
		Sid:       "CloudTrailOfTheOrganization",
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"cloudtrail.amazonaws.com"}},
		Action:    []string{"kms:GenerateDataKey*"},
		Resource:  []string{"*"},
		Condition: iampolicy.Conditions{
			"StringEquals": {"aws:SourceArn": {b.organizationTrailARN()}},
			"StringLike": {
				"kms:EncryptionContext:aws:cloudtrail:arn": {fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", b.a.Partition, o.ManagementAccountID)},
			},
		},
	}
}
