package restoredrill

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// The defaults of RestoreDrillArgs.
const (
	// DefaultSchedule drills on the 1st of every month at 06:00 UTC.
	DefaultSchedule = "cron(0 6 1 * ? *)"
	// DefaultBackupSchedule backs the database up into the vault every day
	// at 05:00 UTC, so a drill finds a backup of the same day.
	DefaultBackupSchedule = "cron(0 5 * * ? *)"
	// DefaultRetentionDays keeps the vault's backups 35 days, RDS's
	// longest automated retention.
	DefaultRetentionDays = 35
	// DefaultSelectionWindowDays lets a drill restore a backup up to a
	// week old when the newer ones failed (the data-age metric shows it).
	DefaultSelectionWindowDays = 7
	// DefaultStartWindowHours is how long after the scheduled time AWS
	// Backup may start the drill.
	DefaultStartWindowHours = 8
	// DefaultValidationWindowHours keeps the restored instance an hour
	// for the validator, which needs minutes; AWS Backup then deletes it.
	DefaultValidationWindowHours = 1
	// DefaultNamespace is the metrics' namespace.
	DefaultNamespace = "RestoreDrill"
)

// AWS's limits on the arguments.
// Sources: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingPlanForCreate.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingSelectionForCreate.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RecoveryPointSelection.html
const (
	maxStartWindowHours      = 168
	maxValidationWindowHours = 168
	maxSelectionWindowDays   = 365
	// maxRetentionDays bounds the vault's lifecycle; AWS Backup's own
	// limit is far higher, this one is the library's: the drill restores
	// recent backups, and long-term retention is a decision of its own.
	maxRetentionDays = 365
)

// RestoreDrillArgs configures a RestoreDrill.
type RestoreDrillArgs struct {
	// DBInstanceARN is the RDS instance whose backups are drilled. Required.
	DBInstanceARN pulumi.StringInput
	// DBSubnetGroupName is the subnet group the temporary instance is
	// restored into (the database's own, in the data subnets). Required:
	// without it AWS Backup restores into the default VPC, or fails when
	// there is none.
	DBSubnetGroupName pulumi.StringInput
	// SecurityGroupIDs are the temporary instance's security groups: ones
	// admitting the validator alone are the narrowest (the database's own
	// would admit its clients too). Required, for the same reason.
	SecurityGroupIDs pulumi.StringArrayInput
	// ValidatorARN is the Lambda function EventBridge invokes when a
	// drill's restore job ends: it checks the instance, reports to AWS
	// Backup and publishes the metrics. Required.
	ValidatorARN pulumi.StringInput
	// Schedule is when drills run, a cron expression that IntervalDays
	// reads (daily, weekly or monthly). Default DefaultSchedule (monthly).
	Schedule string
	// TargetRestoreMinutes is the longest a restore may take before the
	// slow-restore alarm fires. Required: the recovery time objective is the
	// caller's.
	TargetRestoreMinutes int
	// BackupSchedule is when AWS Backup snapshots the database into the
	// drill's vault, a cron expression. Default DefaultBackupSchedule (daily).
	BackupSchedule string
	// RetentionDays is how long the vault keeps each backup. Default
	// DefaultRetentionDays.
	RetentionDays int
	// SelectionWindowDays is how old the newest backup may be for a drill
	// to restore it. Default DefaultSelectionWindowDays; at most 365.
	SelectionWindowDays int
	// StartWindowHours is how long after the scheduled time a drill may
	// start. Default DefaultStartWindowHours; at most 168.
	StartWindowHours int
	// ValidationWindowHours is how long the restored instance is kept for
	// the validator before AWS Backup deletes it. Default
	// DefaultValidationWindowHours; 1-168.
	ValidationWindowHours int
	// Namespace is the CloudWatch namespace of the validator's metrics.
	// Default DefaultNamespace.
	Namespace string
	// AlarmTopicARN is the SNS topic the alarms notify. Default none.
	AlarmTopicARN pulumi.StringInput
	// Protect keeps the vault (and its backups) on deletion and denies
	// deleting its recovery points to every principal. Default false.
	Protect bool
}

// namespace is CloudWatch's rule for a namespace.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
var namespace = regexp.MustCompile(`^[0-9A-Za-z.\-_/#:]{1,255}$`)

func (a RestoreDrillArgs) withDefaults() RestoreDrillArgs {
	if a.Schedule == "" {
		a.Schedule = DefaultSchedule
	}
	if a.BackupSchedule == "" {
		a.BackupSchedule = DefaultBackupSchedule
	}
	if a.RetentionDays == 0 {
		a.RetentionDays = DefaultRetentionDays
	}
	if a.SelectionWindowDays == 0 {
		a.SelectionWindowDays = DefaultSelectionWindowDays
	}
	if a.StartWindowHours == 0 {
		a.StartWindowHours = DefaultStartWindowHours
	}
	if a.ValidationWindowHours == 0 {
		a.ValidationWindowHours = DefaultValidationWindowHours
	}
	if a.Namespace == "" {
		a.Namespace = DefaultNamespace
	}
	return a
}

// Validate reports every problem of the arguments at once.
func (a *RestoreDrillArgs) Validate() error { return a.withDefaults().validate() }

func (a RestoreDrillArgs) validate() error {
	var p validate.Problems
	for _, r := range []struct {
		field   string
		missing bool
	}{
		{"Args.DBInstanceARN", a.DBInstanceARN == nil},
		{"Args.DBSubnetGroupName", a.DBSubnetGroupName == nil},
		{"Args.SecurityGroupIDs", a.SecurityGroupIDs == nil},
		{"Args.ValidatorARN", a.ValidatorARN == nil},
	} {
		if r.missing {
			p.Add(r.field, "", "is required")
		}
	}
	_, rule := IntervalDays(a.Schedule)
	p.Check("Args.Schedule", a.Schedule, rule)
	if days, rule := IntervalDays(a.BackupSchedule); rule != "" {
		p.Add("Args.BackupSchedule", a.BackupSchedule, rule)
	} else if days > a.SelectionWindowDays {
		p.Addf("Args.BackupSchedule", a.BackupSchedule, "backs up every %d days, more than SelectionWindowDays (%d): most drills would find no backup", days, a.SelectionWindowDays)
	}
	if a.TargetRestoreMinutes <= 0 {
		p.Add("Args.TargetRestoreMinutes", fmt.Sprint(a.TargetRestoreMinutes), "must be a positive number of minutes: the restore-time target is required")
	}
	p.Check("Args.RetentionDays", fmt.Sprint(a.RetentionDays), validate.CheckRange(a.RetentionDays, 1, maxRetentionDays))
	p.Check("Args.SelectionWindowDays", fmt.Sprint(a.SelectionWindowDays), validate.CheckRange(a.SelectionWindowDays, 1, maxSelectionWindowDays))
	if a.SelectionWindowDays > a.RetentionDays {
		p.Addf("Args.SelectionWindowDays", fmt.Sprint(a.SelectionWindowDays), "must not exceed RetentionDays (%d): backups are gone before the window closes", a.RetentionDays)
	}
	p.Check("Args.StartWindowHours", fmt.Sprint(a.StartWindowHours), validate.CheckRange(a.StartWindowHours, 1, maxStartWindowHours))
	p.Check("Args.ValidationWindowHours", fmt.Sprint(a.ValidationWindowHours), validate.CheckRange(a.ValidationWindowHours, 1, maxValidationWindowHours))
	if !namespace.MatchString(a.Namespace) {
		p.Add("Args.Namespace", a.Namespace, "must be 1-255 letters, digits or . - _ / # :")
	}
	return p.Err("restore drill arguments")
}
