package restoredrill_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/restoredrill"
	"github.com/refarch/refarch/offline"
)

const (
	component    = "refarch:restoredrill:RestoreDrill"
	dbARN        = "arn:aws:rds:us-west-2:123456789012:db:app-db"
	validatorARN = "arn:aws:lambda:us-west-2:123456789012:function:drill"
	topicARN     = "arn:aws:sns:us-west-2:123456789012:alerts"
)

func baseArgs() *restoredrill.RestoreDrillArgs {
	return &restoredrill.RestoreDrillArgs{
		DBInstanceARN:        pulumi.String(dbARN),
		DBSubnetGroupName:    pulumi.String("app-db-subnets"),
		SecurityGroupIDs:     pulumi.ToStringArray([]string{"sg-0db"}),
		ValidatorARN:         pulumi.String(validatorARN),
		TargetRestoreMinutes: 45,
		AlarmTopicARN:        pulumi.String(topicARN),
	}
}

func run(t *testing.T, args *restoredrill.RestoreDrillArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := restoredrill.NewRestoreDrill(ctx, "app-db-drill", args, pulumi.Provider(provider))
		return err
	})
}

func mustRun(t *testing.T, args *restoredrill.RestoreDrillArgs) *offline.Plan {
	t.Helper()
	plan, err := run(t, args)
	require.NoError(t, err)
	return plan
}

func TestDailyBackupsOfTheInstanceIntoAVaultOfItsOwn(t *testing.T) {
	plan := mustRun(t, baseArgs())
	vault := plan.Require(t, "aws:backup/vault:Vault", "app-db-drill")
	assert.Equal(t, "app-db-drill", vault.String("name"))
	backupPlan := plan.Require(t, "aws:backup/plan:Plan", "app-db-drill")
	rule := backupPlan.List("rules")[0].(map[string]any)
	assert.Equal(t, "cron(0 5 * * ? *)", rule["schedule"], "daily, before the drill's 06:00")
	assert.Equal(t, "app-db-drill", rule["targetVaultName"])
	assert.EqualValues(t, 35, rule["lifecycle"].(map[string]any)["deleteAfter"])
	sel := plan.Require(t, "aws:backup/selection:Selection", "app-db-drill")
	assert.Equal(t, []string{dbARN}, sel.Strings("resources"), "the database only")

	role := plan.Require(t, "aws:iam/role:Role", "app-db-drill-backup")
	trust := role.Statements(t, "assumeRolePolicy")[""]
	assert.Equal(t, map[string]any{"Service": []any{"backup.amazonaws.com"}}, trust["Principal"])
	var policies []string
	for _, att := range plan.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		policies = append(policies, att.String("policyArn"))
	}
	assert.ElementsMatch(t, []string{
		"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
		"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
	}, policies)
	assert.Empty(t, plan.ByType("aws:backup/vaultPolicy:VaultPolicy"), "unprotected: no deny")
}

func TestRestoreTestingRestoresTheNewestSnapshotIntoTheDataTier(t *testing.T) {
	plan := mustRun(t, baseArgs())
	rtp := plan.Require(t, "aws:backup/restoreTestingPlan:RestoreTestingPlan", "app-db-drill")
	assert.Equal(t, "app_db_drill", rtp.String("name"), "letters, digits and underscores only")
	assert.Equal(t, "cron(0 6 1 * ? *)", rtp.String("scheduleExpression"), "monthly by default")
	assert.Equal(t, 8, rtp.Int("startWindowHours"))
	assert.Equal(t, "LATEST_WITHIN_WINDOW", rtp.String("recoveryPointSelection.algorithm"))
	assert.Equal(t, []string{"SNAPSHOT"}, rtp.Strings("recoveryPointSelection.recoveryPointTypes"))
	vault := plan.Require(t, "aws:backup/vault:Vault", "app-db-drill")
	assert.Equal(t, []string{vault.Output("arn").(string)}, rtp.Strings("recoveryPointSelection.includeVaults"), "this vault only")
	assert.Equal(t, 7, rtp.Int("recoveryPointSelection.selectionWindowDays"))

	sel := plan.Require(t, "aws:backup/restoreTestingSelection:RestoreTestingSelection", "app-db-drill")
	assert.Equal(t, "RDS", sel.String("protectedResourceType"))
	assert.Equal(t, []string{dbARN}, sel.Strings("protectedResourceArns"))
	assert.Equal(t, "app-db-subnets", sel.String("restoreMetadataOverrides.dbSubnetGroupName"))
	var groups []string
	require.NoError(t, json.Unmarshal([]byte(sel.String("restoreMetadataOverrides.vpcSecurityGroupIds")), &groups))
	assert.Equal(t, []string{"sg-0db"}, groups)
	assert.Equal(t, 1, sel.Int("validationWindowHours"), "deleted an hour after the restore")
	role := plan.Require(t, "aws:iam/role:Role", "app-db-drill-backup")
	assert.Equal(t, role.Output("arn"), sel.Get("iamRoleArn"))
}

func TestTheEndOfEveryRestoreJobOfThePlanInvokesTheValidator(t *testing.T) {
	plan := mustRun(t, baseArgs())
	rtp := plan.Require(t, "aws:backup/restoreTestingPlan:RestoreTestingPlan", "app-db-drill")
	rule := plan.Require(t, "aws:cloudwatch/eventRule:EventRule", "app-db-drill-done")
	pattern, err := rule.JSON("eventPattern")
	require.NoError(t, err)
	p := pattern.(map[string]any)
	assert.Equal(t, []any{"aws.backup"}, p["source"])
	assert.Equal(t, []any{"Restore Job State Change"}, p["detail-type"])
	detail := p["detail"].(map[string]any)
	assert.ElementsMatch(t, []any{"COMPLETED", "FAILED", "ABORTED"}, detail["status"])
	assert.Equal(t, []any{rtp.Output("arn")}, detail["restoreTestingPlanArn"], "this plan's jobs only")

	target := plan.Require(t, "aws:cloudwatch/eventTarget:EventTarget", "app-db-drill-done")
	assert.Equal(t, validatorARN, target.String("arn"))
	perm := plan.Require(t, "aws:lambda/permission:Permission", "app-db-drill-done")
	assert.Equal(t, "events.amazonaws.com", perm.String("principal"))
	assert.Equal(t, rule.Output("arn"), perm.Get("sourceArn"), "this rule only")
	assert.Equal(t, "123456789012", perm.String("sourceAccount"))
}

// TestDeliveryRetriesForTheValidationWindowWithinEventBridgesDay: the
// target retries for the validation window, and never past the day
// EventBridge allows (its RetryPolicy's 60-86400 seconds).
func TestDeliveryRetriesForTheValidationWindowWithinEventBridgesDay(t *testing.T) {
	for hours, age := range map[int]int{1: 3600, 24: 86400, 48: 86400, 168: 86400} {
		args := baseArgs()
		args.ValidationWindowHours = hours
		target := mustRun(t, args).Require(t, "aws:cloudwatch/eventTarget:EventTarget", "app-db-drill-done")
		assert.Equal(t, age, target.Int("retryPolicy.maximumEventAgeInSeconds"), "%d hours", hours)
	}
}

func TestAlarms(t *testing.T) {
	cases := []struct {
		schedule    string
		overdueDays float64
	}{
		{"", 32}, // monthly: 31 days and a day
		{"cron(30 2 ? * SUN *)", 8},
		{"cron(0 4 * * ? *)", 2},
	}
	for _, tc := range cases {
		t.Run("schedule "+tc.schedule, func(t *testing.T) {
			args := baseArgs()
			args.Schedule = tc.schedule
			plan := mustRun(t, args)
			for _, a := range []struct {
				name, metric, op, missing string
				threshold                 float64
			}{
				{"app-db-drill-failed", "DrillSucceeded", "LessThanThreshold", "notBreaching", 1},
				{"app-db-drill-overdue", "DaysSinceLastSuccess", "GreaterThanThreshold", "breaching", tc.overdueDays},
				{"app-db-drill-slow", "RestoreMinutes", "GreaterThanThreshold", "notBreaching", 45},
			} {
				al := plan.Require(t, "aws:cloudwatch/metricAlarm:MetricAlarm", a.name)
				assert.Equal(t, "RestoreDrill", al.String("namespace"), a.name)
				assert.Equal(t, a.metric, al.String("metricName"), a.name)
				assert.Equal(t, "app_db_drill", al.String("dimensions.RestoreTestingPlan"), a.name)
				assert.Equal(t, a.op, al.String("comparisonOperator"), a.name)
				assert.Equal(t, a.missing, al.String("treatMissingData"), a.name)
				assert.InDelta(t, a.threshold, al.Get("threshold"), 0, a.name)
				assert.LessOrEqual(t, al.Int("period")*al.Int("evaluationPeriods"), 604800, "CloudWatch evaluates at most seven days")
				assert.Equal(t, []string{topicARN}, al.Strings("alarmActions"), a.name)
			}
		})
	}
}

func TestProtectKeepsTheVaultAndDeniesDeletingItsBackups(t *testing.T) {
	args := baseArgs()
	args.Protect = true
	plan := mustRun(t, args)
	vault := plan.Require(t, "aws:backup/vault:Vault", "app-db-drill")
	assert.True(t, vault.Protect)
	assert.False(t, vault.Bool("forceDestroy"), "a protected vault is never emptied by a destroy")
	policy := plan.Require(t, "aws:backup/vaultPolicy:VaultPolicy", "app-db-drill")
	deny := policy.Statements(t, "policy")["NoDeletionOfRecoveryPoints"]
	assert.Equal(t, "Deny", deny["Effect"])
	assert.Equal(t, map[string]any{"AWS": []any{"*"}}, deny["Principal"])
	assert.ElementsMatch(t, []string{"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"}, offline.Strings(deny["Action"]))
}

// TestAnUnprotectedVaultCanBeDestroyed: AWS deletes only an empty vault,
// so an unprotected one (dev) is destroyed with its recovery points.
func TestAnUnprotectedVaultCanBeDestroyed(t *testing.T) {
	plan := mustRun(t, baseArgs())
	vault := plan.Require(t, "aws:backup/vault:Vault", "app-db-drill")
	assert.False(t, vault.Protect)
	assert.True(t, vault.Bool("forceDestroy"))
	assert.Empty(t, plan.ByType("aws:backup/vaultPolicy:VaultPolicy"), "no deny of deletion where nothing is protected")
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name        string
		mutate      func(a *restoredrill.RestoreDrillArgs)
		field, rule string
	}{
		{"not a schedule", func(a *restoredrill.RestoreDrillArgs) { a.Schedule = "monthly" }, "Args.Schedule", "cron expression"},
		{"a rate", func(a *restoredrill.RestoreDrillArgs) { a.Schedule = "rate(30 days)" }, "Args.Schedule", "cron expression"},
		{"five fields", func(a *restoredrill.RestoreDrillArgs) { a.Schedule = "cron(0 6 1 * ?)" }, "Args.Schedule", "six fields"},
		{"every hour", func(a *restoredrill.RestoreDrillArgs) { a.Schedule = "cron(0 * * * ? *)" }, "Args.Schedule", "one hour"},
		{"day 31 skips months", func(a *restoredrill.RestoreDrillArgs) { a.Schedule = "cron(0 6 31 * ? *)" }, "Args.Schedule", "1-28"},
		{"both days", func(a *restoredrill.RestoreDrillArgs) { a.Schedule = "cron(0 6 1 * MON *)" }, "Args.Schedule", "exactly one"},
		{"some months", func(a *restoredrill.RestoreDrillArgs) { a.Schedule = "cron(0 6 1 1,7 ? *)" }, "Args.Schedule", "every month"},
		{"zero target", func(a *restoredrill.RestoreDrillArgs) { a.TargetRestoreMinutes = 0 }, "Args.TargetRestoreMinutes", "positive"},
		{"backups rarer than the window", func(a *restoredrill.RestoreDrillArgs) { a.BackupSchedule = "cron(0 5 1 * ? *)" }, "Args.BackupSchedule", "no backup"},
		{"window past retention", func(a *restoredrill.RestoreDrillArgs) { a.RetentionDays = 3 }, "Args.SelectionWindowDays", "RetentionDays"},
		{"validation window too long", func(a *restoredrill.RestoreDrillArgs) { a.ValidationWindowHours = 169 }, "Args.ValidationWindowHours", "between 1 and 168"},
		{"no validator", func(a *restoredrill.RestoreDrillArgs) { a.ValidatorARN = nil }, "Args.ValidatorARN", "required"},
		{"no subnet group", func(a *restoredrill.RestoreDrillArgs) { a.DBSubnetGroupName = nil }, "Args.DBSubnetGroupName", "required"},
		{"bad namespace", func(a *restoredrill.RestoreDrillArgs) { a.Namespace = "a b" }, "Args.Namespace", "letters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(args)
			plan, err := run(t, args)
			offline.RequireRefused(t, plan, err, component, tc.field, tc.rule)
		})
	}
}

func TestNameIsBoundedSoTheDerivedNamesFit(t *testing.T) {
	plan, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := restoredrill.NewRestoreDrill(ctx, strings.Repeat("a", restoredrill.MaxNameLength+1), baseArgs(), pulumi.Provider(provider))
		return err
	})
	offline.RequireRefused(t, plan, err, component, "name", "at most 44")
	// The longest name's restore testing selection fits AWS's 50.
	assert.LessOrEqual(t, len(restoredrill.PlanName(strings.Repeat("a", restoredrill.MaxNameLength))+"_db"), 50)
}

func TestIntervalDays(t *testing.T) {
	for schedule, want := range map[string]int{
		"cron(0 6 1 * ? *)":     31,
		"cron(15 23 28 * ? *)":  31,
		"cron(0 6 ? * MON *)":   7,
		"cron(0 6 ? * 2 *)":     7,
		"cron(0 6 * * ? *)":     1,
		"cron(0 6 ? * * *)":     1,
		" cron(0 6 ? * fri *) ": 7,
	} {
		got, rule := restoredrill.IntervalDays(schedule)
		assert.Empty(t, rule, schedule)
		assert.Equal(t, want, got, schedule)
	}
}
