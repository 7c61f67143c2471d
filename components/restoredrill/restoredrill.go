// Package restoredrill provides RestoreDrill, a scheduled restore test of
// an RDS instance's backups with AWS Backup's restore testing: daily
// backups into a vault of its own, a restore of the newest one on a
// schedule into the database's subnet group with the caller's security
// groups, a validator invoked when the restore ends, and alarms when a drill fails,
// when none has succeeded for longer than the schedule allows, or when a
// restore takes longer than its target.
//
// Why AWS Backup's restore testing and not a drill of the library's own:
// AWS Backup schedules the restore, picks the newest recovery point,
// infers the restore's parameters, deletes the restored instance when the
// validation window closes, and records each job (duration, status,
// validation) where the console and the API show them. An RDS restore
// takes longer than a Lambda invocation may last (15 minutes), so a drill
// of our own would need a state machine to wait for it and its own
// clean-up of instances left behind by a failed run.
// Sources: https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html,
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
package restoredrill

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// MaxNameLength keeps the names derived from a RestoreDrill's within AWS's
// limits: the vault, the backup plan and selection (50 characters each),
// the restore testing plan (PlanName, 50) and its selection (PlanName +
// "_db", 50), the backup role <name>-backup (64) and the alarms.
// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingPlanForCreate.html
const MaxNameLength = 44

// The metrics the validator publishes to Args.Namespace, each with the
// dimension DimensionPlan = PlanName(name).
const (
	// MetricSucceeded is 1 for a drill whose restore and check succeeded, 0
	// for one that failed.
	MetricSucceeded = "DrillSucceeded"
	// MetricRestoreMinutes is the restore job's duration.
	MetricRestoreMinutes = "RestoreMinutes"
	// MetricDataAgeHours is the age of the restored backup when the restore
	// started.
	MetricDataAgeHours = "DataAgeHours"
	// MetricDaysSinceSuccess is the days since the last successful drill
	// (or since the plan was created, before the first), published daily.
	MetricDaysSinceSuccess = "DaysSinceLastSuccess"
	// DimensionPlan names the restore testing plan.
	DimensionPlan = "RestoreTestingPlan"
)

// overdueGraceDays is added to the schedule's interval before the overdue
// alarm fires: a drill starts within its start window (at most 7 days,
// usually hours) and its restore takes minutes to hours.
const overdueGraceDays = 1

// RestoreDrill is the restore test of one RDS instance:
//   - the backup vault <name> (its access policy denies deleting recovery
//     points to every principal with Args.Protect), a backup plan <name>
//     snapshotting the instance on Args.BackupSchedule and keeping each
//     backup Args.RetentionDays, and the role <name>-backup AWS Backup uses
//     to back up, restore and delete the restored instance (AWS's managed
//     policies for AWS Backup). RDS snapshots stay encrypted with the
//     instance's own key, which AWS Backup uses through RDS;
//   - the restore testing plan PlanName(name) on Args.Schedule, restoring
//     the newest snapshot of the vault no older than
//     Args.SelectionWindowDays, and its selection of the instance, restored
//     into Args.DBSubnetGroupName with Args.SecurityGroupIDs (AWS Backup
//     infers a restore that is neither public nor deletion-protected),
//     kept Args.ValidationWindowHours and then deleted;
//   - an EventBridge rule on the end of the plan's restore jobs
//     (COMPLETED, FAILED, ABORTED), invoking Args.ValidatorARN;
//   - three alarms on the validator's metrics: a failed drill, no success
//     for longer than the schedule's interval plus a day, a restore slower
//     than Args.TargetRestoreMinutes.
type RestoreDrill struct {
	pulumi.ResourceState

	// VaultARN is the backup vault's ARN.
	VaultARN pulumi.StringOutput `pulumi:"vaultArn"`
	// PlanARN is the restore testing plan's ARN.
	PlanARN pulumi.StringOutput `pulumi:"planArn"`
	// BackupRoleARN is the role AWS Backup backs up and restores with.
	BackupRoleARN pulumi.StringOutput `pulumi:"backupRoleArn"`

	// PlanName is the restore testing plan's name (PlanName(name)).
	PlanName string
	// MaxDaysWithoutSuccess is the overdue alarm's threshold.
	MaxDaysWithoutSuccess int
}

// PlanName is the restore testing plan's name for a drill named name:
// AWS allows letters, digits and underscores only.
func PlanName(name string) string { return strings.ReplaceAll(name, "-", "_") }

// NewRestoreDrill creates the drill. It validates args before registering
// anything.
func NewRestoreDrill(ctx *pulumi.Context, name string, args *RestoreDrillArgs, opts ...pulumi.ResourceOption) (*RestoreDrill, error) {
	if args == nil {
		args = &RestoreDrillArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("restore drill arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("restore drill %q: %w", name, err)
	}
	interval, _ := IntervalDays(a.Schedule)
	c := &RestoreDrill{PlanName: PlanName(name), MaxDaysWithoutSuccess: interval + overdueGraceDays}
	if err := ctx.RegisterComponentResource("refarch:restoredrill:RestoreDrill", name, c, opts...); err != nil {
		return nil, fmt.Errorf("restore drill %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	env, err := awsenv.Lookup(ctx, child)
	if err != nil {
		return nil, fmt.Errorf("restore drill %q: looking up the account: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, a: a, env: env, child: child, c: c}
	if err := b.backups(); err != nil {
		return nil, fmt.Errorf("restore drill %q: backups: %w", name, err)
	}
	if err := b.restoreTesting(); err != nil {
		return nil, fmt.Errorf("restore drill %q: restore testing: %w", name, err)
	}
	if err := b.validation(); err != nil {
		return nil, fmt.Errorf("restore drill %q: validation: %w", name, err)
	}
	if err := b.alarms(); err != nil {
		return nil, fmt.Errorf("restore drill %q: alarms: %w", name, err)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"vaultArn":      c.VaultARN,
		"planArn":       c.PlanARN,
		"backupRoleArn": c.BackupRoleARN,
	})
}

type builder struct {
	ctx   *pulumi.Context
	name  string
	a     RestoreDrillArgs
	env   awsenv.Env
	child pulumi.ResourceOption
	c     *RestoreDrill
}

// protected are the options of the vault: kept and protected with
// Args.Protect.
func (b *builder) protected() []pulumi.ResourceOption {
	return []pulumi.ResourceOption{b.child, pulumi.Protect(b.a.Protect), pulumi.RetainOnDelete(b.a.Protect)}
}

// backups creates the role, the vault (and its access policy with
// Protect), the plan and its selection of the instance.
func (b *builder) backups() error {
	trust, err := iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"backup.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
	}).JSON()
	if err != nil {
		return err
	}
	role, err := iam.NewRole(b.ctx, b.name+"-backup", &iam.RoleArgs{
		Name:             pulumi.String(b.name + "-backup"),
		Description:      pulumi.String("AWS Backup's role to back up, restore and drill " + b.name),
		AssumeRolePolicy: pulumi.String(trust),
	}, b.child)
	if err != nil {
		return fmt.Errorf("role: %w", err)
	}
	// AWS's managed policies for AWS Backup: backups, and restores (which
	// include deleting what a restore test restored).
	// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html
	var attachments []pulumi.Resource
	for _, policy := range []string{"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"} {
		att, err := iam.NewRolePolicyAttachment(b.ctx, b.name+"-"+strings.ToLower(strings.TrimPrefix(policy, "AWSBackupServiceRolePolicy")), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(iampolicy.ManagedPolicyARN(b.env.Partition, "service-role/"+policy)),
		}, b.child)
		if err != nil {
			return fmt.Errorf("role policy %s: %w", policy, err)
		}
		attachments = append(attachments, att)
	}
	b.c.BackupRoleARN = role.Arn

	// No key of the vault's own: an RDS snapshot is not fully managed by
	// AWS Backup and keeps the instance's own key, whose policy lets the
	// account's principals use it through RDS (the backup role included).
	// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
	// AWS deletes only an empty vault: an unprotected one (dev) goes with
	// its recovery points, a protected one is kept.
	// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupVault.html
	vault, err := backup.NewVault(b.ctx, b.name, &backup.VaultArgs{
		Name:         pulumi.String(b.name),
		ForceDestroy: pulumi.Bool(!b.a.Protect),
	}, b.protected()...)
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	b.c.VaultARN = vault.Arn
	if b.a.Protect {
		// Nobody deletes a recovery point or shortens its life before its
		// lifecycle does; AWS Backup's own lifecycle deletion is not a
		// principal's call. Changing this policy first is a CloudTrail
		// event.
		// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html
		policy := iampolicy.StringOutput([]pulumi.Input{vault.Arn}, func(v []any) (iampolicy.Document, error) {
			return iampolicy.New(iampolicy.Statement{
				Sid:       "NoDeletionOfRecoveryPoints",
				Effect:    iampolicy.Deny,
				Principal: iampolicy.Principal{"AWS": {"*"}},
				Action:    []string{"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"},
				Resource:  []string{"*"},
			}), nil
		})
		if _, err := backup.NewVaultPolicy(b.ctx, b.name, &backup.VaultPolicyArgs{
			BackupVaultName: vault.Name,
			Policy:          policy,
		}, b.child); err != nil {
			return fmt.Errorf("vault policy: %w", err)
		}
	}

	plan, err := backup.NewPlan(b.ctx, b.name, &backup.PlanArgs{
		Name: pulumi.String(b.name),
		Rules: backup.PlanRuleArray{&backup.PlanRuleArgs{
			RuleName:        pulumi.String("daily"),
			TargetVaultName: vault.Name,
			Schedule:        pulumi.String(b.a.BackupSchedule),
			// AWS Backup's minimum start window, and a completion window
			// that a snapshot of any size meets.
			// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html
			StartWindow:      pulumi.Int(60),
			CompletionWindow: pulumi.Int(24 * 60),
			Lifecycle:        &backup.PlanRuleLifecycleArgs{DeleteAfter: pulumi.Int(b.a.RetentionDays)},
		}},
	}, b.child)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	_, err = backup.NewSelection(b.ctx, b.name, &backup.SelectionArgs{
		Name:       pulumi.String(b.name),
		PlanId:     plan.ID(),
		IamRoleArn: role.Arn,
		Resources:  pulumi.StringArray{b.a.DBInstanceARN},
	}, b.child, pulumi.DependsOn(attachments))
	if err != nil {
		return fmt.Errorf("selection: %w", err)
	}
	return nil
}

// restoreTesting creates the restore testing plan and its selection of
// the instance, restored into the database's subnets and security groups.
func (b *builder) restoreTesting() error {
	plan, err := backup.NewRestoreTestingPlan(b.ctx, b.name, &backup.RestoreTestingPlanArgs{
		Name:               pulumi.String(b.c.PlanName),
		ScheduleExpression: pulumi.String(b.a.Schedule),
		StartWindowHours:   pulumi.Int(b.a.StartWindowHours),
		RecoveryPointSelection: &backup.RestoreTestingPlanRecoveryPointSelectionArgs{
			// The newest snapshot of this vault: a drill proves the
			// backup one would restore today.
			Algorithm:           pulumi.String("LATEST_WITHIN_WINDOW"),
			IncludeVaults:       pulumi.StringArray{b.c.VaultARN},
			RecoveryPointTypes:  pulumi.StringArray{pulumi.String("SNAPSHOT")},
			SelectionWindowDays: pulumi.Int(b.a.SelectionWindowDays),
		},
	}, b.child)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	b.c.PlanARN = plan.Arn
	groups := b.a.SecurityGroupIDs.ToStringArrayOutput().ApplyT(func(ids []string) (string, error) {
		out, err := json.Marshal(ids)
		return string(out), err
	}).(pulumi.StringOutput)
	// Without these overrides AWS Backup restores into the default VPC,
	// or fails without one; AWS Backup infers the rest: a new identifier
	// (awsbackup-restore-test-…), no public access, no deletion protection.
	// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html
	_, err = backup.NewRestoreTestingSelection(b.ctx, b.name, &backup.RestoreTestingSelectionArgs{
		Name:                   pulumi.String(b.c.PlanName + "_db"),
		RestoreTestingPlanName: plan.Name,
		ProtectedResourceType:  pulumi.String("RDS"),
		ProtectedResourceArns:  pulumi.StringArray{b.a.DBInstanceARN},
		IamRoleArn:             b.c.BackupRoleARN,
		RestoreMetadataOverrides: pulumi.StringMap{
			OverrideSubnetGroup:    b.a.DBSubnetGroupName,
			OverrideSecurityGroups: groups,
		},
		ValidationWindowHours: pulumi.Int(b.a.ValidationWindowHours),
	}, b.child)
	if err != nil {
		return fmt.Errorf("selection: %w", err)
	}
	return nil
}

// The restore metadata keys the selection overrides.
const (
	OverrideSubnetGroup    = "dbSubnetGroupName"
	OverrideSecurityGroups = "vpcSecurityGroupIds"
)

// validation routes the end of every restore job of the plan to the
// validator: COMPLETED to be checked, FAILED and ABORTED to be counted.
// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
func (b *builder) validation() error {
	pattern := b.c.PlanARN.ApplyT(func(arn string) (string, error) {
		out, err := json.Marshal(map[string]any{
			"source":      []string{"aws.backup"},
			"detail-type": []string{"Restore Job State Change"},
			"detail": map[string]any{
				"status":                []string{"COMPLETED", "FAILED", "ABORTED"},
				"restoreTestingPlanArn": []string{arn},
			},
		})
		return string(out), err
	}).(pulumi.StringOutput)
	rule, err := cloudwatch.NewEventRule(b.ctx, b.name+"-done", &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(b.name + "-done"),
		Description:  pulumi.Sprintf("the restore jobs of %s end: validate and count them", b.c.PlanName),
		EventPattern: pattern,
	}, b.child)
	if err != nil {
		return fmt.Errorf("rule: %w", err)
	}
	// EventBridge invokes the function only once its resource policy
	// names this rule.
	// Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions
	perm, err := lambda.NewPermission(b.ctx, b.name+"-done", &lambda.PermissionArgs{
		Action:        pulumi.String("lambda:InvokeFunction"),
		Function:      b.a.ValidatorARN,
		Principal:     pulumi.String("events.amazonaws.com"),
		SourceArn:     rule.Arn,
		SourceAccount: pulumi.String(b.env.Account),
	}, b.child)
	if err != nil {
		return fmt.Errorf("permission: %w", err)
	}
	_, err = cloudwatch.NewEventTarget(b.ctx, b.name+"-done", &cloudwatch.EventTargetArgs{
		Rule: rule.Name,
		Arn:  b.a.ValidatorARN,
		// A restore job ends once; retry delivery for the validation
		// window, after which the instance is gone anyway, and for no
		// more than EventBridge's day.
		// Source: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
		RetryPolicy: &cloudwatch.EventTargetRetryPolicyArgs{
			MaximumEventAgeInSeconds: pulumi.Int(min(b.a.ValidationWindowHours*3600, maxEventAgeSeconds)),
			MaximumRetryAttempts:     pulumi.Int(10),
		},
	}, b.child, pulumi.DependsOn([]pulumi.Resource{perm}))
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	return nil
}

// maxEventAgeSeconds is the longest EventBridge retries delivering an
// event to a target: a day.
// Source: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
const maxEventAgeSeconds = 86400

// day is the alarms' period: a daily metric (days since success) and
// drills at most daily. A period of an hour or more may be evaluated up to
// seven days.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
const day = 86400

// alarms creates the drill's three alarms.
func (b *builder) alarms() error {
	var actions pulumi.Array
	if b.a.AlarmTopicARN != nil {
		actions = pulumi.Array{b.a.AlarmTopicARN}
	}
	dims := pulumi.StringMap{DimensionPlan: pulumi.String(b.c.PlanName)}
	for _, al := range []struct {
		suffix, metric, stat, op, missing, desc string
		threshold                               float64
		periods, datapoints                     int
	}{
		{"-failed", MetricSucceeded, "Minimum", "LessThanThreshold", "notBreaching",
			"a restore drill of " + b.c.PlanName + " failed: the restore job or its check (see the validator's log and the restore job in AWS Backup)", 1, 1, 1},
		// Days since success is published daily: a missing day means the
		// validator's daily run is broken, which is as bad (two in a row
		// alarm, so one late run does not).
		{"-overdue", MetricDaysSinceSuccess, "Maximum", "GreaterThanThreshold", "breaching",
			fmt.Sprintf("no restore drill of %s has succeeded for more than %d days (the schedule's interval and a day)", b.c.PlanName, b.c.MaxDaysWithoutSuccess), float64(b.c.MaxDaysWithoutSuccess), 2, 2},
		{"-slow", MetricRestoreMinutes, "Maximum", "GreaterThanThreshold", "notBreaching",
			fmt.Sprintf("a restore drill of %s took longer than the %d-minute target", b.c.PlanName, b.a.TargetRestoreMinutes), float64(b.a.TargetRestoreMinutes), 1, 1},
	} {
		if _, err := cloudwatch.NewMetricAlarm(b.ctx, b.name+al.suffix, &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.String(b.name + al.suffix),
			AlarmDescription:   pulumi.String(al.desc),
			Namespace:          pulumi.String(b.a.Namespace),
			MetricName:         pulumi.String(al.metric),
			Dimensions:         dims,
			Statistic:          pulumi.String(al.stat),
			ComparisonOperator: pulumi.String(al.op),
			Threshold:          pulumi.Float64(al.threshold),
			Period:             pulumi.Int(day),
			EvaluationPeriods:  pulumi.Int(al.periods),
			DatapointsToAlarm:  pulumi.Int(al.datapoints),
			TreatMissingData:   pulumi.String(al.missing),
			AlarmActions:       actions,
			OkActions:          actions,
		}, b.child); err != nil {
			return fmt.Errorf("alarm %s: %w", al.suffix, err)
		}
	}
	return nil
}
