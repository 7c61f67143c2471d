package tests

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// Restore drills (issue 30, part 2): each application stack's database is
// backed up daily into a vault of AWS Backup, and AWS Backup's restore
// testing restores the newest backup on the stack's schedule into the data
// tier, where the restore-drill function checks it; alarms watch the
// drills.

var drillStacks = []string{"dev", "stage", "prod"}

// drillChild is the one child of the restore drill named drill with type typ.
func drillChild(t *testing.T, p *offline.Plan, drill, typ string) *offline.Resource {
	t.Helper()
	return child(t, p, p.Require(t, "refarch:restoredrill:RestoreDrill", drill), typ)
}

func TestTheDrillRestoresTheNewestBackupIntoTheDataTierAndChecksIt(t *testing.T) {
	for _, stackName := range drillStacks {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			cfg := stackConfig(t, stackName)
			db := "refarch-" + stackName + "-db"
			drill := "refarch-" + stackName + "-db-drill"
			writer := p.Require(t, "aws:rds/instance:Instance", db)
			subnets := p.Require(t, "aws:rds/subnetGroup:SubnetGroup", db)

			// Daily backups of the writer, kept as long as RDS keeps its own.
			sel := drillChild(t, p, drill, "aws:backup/selection:Selection")
			assert.Equal(t, []string{writer.Output("arn").(string)}, sel.Strings("resources"))
			bplan := drillChild(t, p, drill, "aws:backup/plan:Plan")
			assert.EqualValues(t, cfg.Data.DBBackupRetentionDays, bplan.Get("rules[0].lifecycle.deleteAfter"))

			// The stack's schedule; the writer's subnet group, so the
			// restored copy stays in the data tier, and a group of its own
			// admitting only the validator.
			rtp := drillChild(t, p, drill, "aws:backup/restoreTestingPlan:RestoreTestingPlan")
			assert.Equal(t, cfg.Functions.DrillSchedule, rtp.String("scheduleExpression"))
			rts := drillChild(t, p, drill, "aws:backup/restoreTestingSelection:RestoreTestingSelection")
			assert.Equal(t, "RDS", rts.String("protectedResourceType"))
			assert.Equal(t, []string{writer.Output("arn").(string)}, rts.Strings("protectedResourceArns"))
			assert.Equal(t, subnets.Output("name"), rts.Get("restoreMetadataOverrides.dbSubnetGroupName"))
			assert.Equal(t, writer.Get("dbSubnetGroupName"), subnets.Output("name"), "the writer's own subnet group")
			var groups []string
			require.NoError(t, json.Unmarshal([]byte(rts.String("restoreMetadataOverrides.vpcSecurityGroupIds")), &groups))
			copyGroup := p.Require(t, sgType, drill+"-restored")
			assert.Equal(t, []string{copyGroup.ID}, groups)

			// The validator: invoked by the end of the plan's restore jobs
			// and daily; in the application subnets, in a group of its own
			// that the copy alone admits, and that reaches nothing else of
			// the VPC (not the writer, not the cache).
			fn := p.Require(t, "aws:lambda/function:Function", "refarch-"+stackName+"-restore-drill")
			target := drillChild(t, p, drill, "aws:cloudwatch/eventTarget:EventTarget")
			assert.Equal(t, fn.Output("arn"), target.Get("arn"))
			assert.Equal(t, "refarch_"+stackName+"_db_drill", fn.String("environment.variables.RESTORE_TESTING_PLAN"))
			assert.Equal(t, rtp.String("name"), fn.String("environment.variables.RESTORE_TESTING_PLAN"))
			assert.Equal(t, writer.Get("kmsKeyId"), fn.Get("environment.variables.DB_KEY_ARN"), "a copy must keep the writer's key")
			fnGroup := p.Require(t, sgType, "refarch-"+stackName+"-restore-drill")
			assert.Equal(t, []string{fnGroup.ID}, fn.Strings("vpcConfig.securityGroupIds"))
			vpc := p.Find("awsx:ec2:Vpc", networkOf[stackName].name)
			require.NotNil(t, vpc)
			assert.Equal(t, vpc.Output("privateSubnetIds"), fn.Get("vpcConfig.subnetIds"), "the application subnets")
			var ingress []string
			for _, r := range byInput(p, sgIngressType, "securityGroupId", copyGroup.ID) {
				ingress = append(ingress, fmt.Sprintf("%s:%d", r.String("referencedSecurityGroupId"), r.Int("fromPort")))
			}
			assert.Equal(t, []string{fmt.Sprintf("%s:5432", fnGroup.ID)}, ingress, "the copy admits the validator alone")
			assert.Empty(t, byInput(p, sgEgressType, "securityGroupId", copyGroup.ID), "the copy sends nothing")
			var egress []string
			for _, r := range byInput(p, sgEgressType, "securityGroupId", fnGroup.ID) {
				to := r.String("referencedSecurityGroupId")
				if to == "" {
					to = r.String("cidrIpv4")
				}
				egress = append(egress, fmt.Sprintf("%s:%d", to, r.Int("fromPort")))
			}
			assert.ElementsMatch(t, []string{copyGroup.ID + ":5432", "0.0.0.0/0:443"}, egress)

			// The master secret's policy lets the validator read it.
			policy := p.Require(t, "aws:secretsmanager/secretPolicy:SecretPolicy", db+"-master")
			deny := policy.Statements(t, "policy")["OnlyTheMigrationAndTheRotatorRead"]
			assert.Contains(t, offline.Condition(deny, "ArnNotEquals", "aws:PrincipalArn"), fn.Get("role"), "the validator's execution role")

			// The alarms: failed, overdue, slower than the stack's target.
			alarms := alarmsOf(p)
			slow := alarms[drill+"-slow"]
			require.NotNil(t, slow)
			assert.InDelta(t, float64(cfg.Functions.DrillTargetMinutes), slow.Get("threshold"), 0)
			for _, suffix := range []string{"-failed", "-overdue", "-slow"} {
				require.Contains(t, alarms, drill+suffix)
				assert.Equal(t, []any{alertTopicARN(t, p, stackName)}, alarms[drill+suffix].List("alarmActions"), suffix)
			}

			// The vault and its backups are kept where the stack protects.
			vault := drillChild(t, p, drill, "aws:backup/vault:Vault")
			assert.Equal(t, cfg.DeletionProtection, vault.Protect)
			hasDeny := slices.ContainsFunc(p.ByType("aws:backup/vaultPolicy:VaultPolicy"), func(r *offline.Resource) bool { return r.Name == drill })
			assert.Equal(t, cfg.DeletionProtection, hasDeny)
		})
	}
}

func TestOnlyApplicationStacksDrill(t *testing.T) {
	for _, stackName := range []string{"security", "shared-services"} {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			assert.Empty(t, p.ByType("refarch:restoredrill:RestoreDrill"))
			assert.Empty(t, p.ByType("aws:backup/vault:Vault"))
		})
	}
}

func TestDrillConfigurationIsRefusedBeforeAnyResource(t *testing.T) {
	cases := []struct {
		name, stack, key, value, rule string
	}{
		{"a schedule that is not a schedule", "dev", "refarch:dbRestoreDrillSchedule", "monthly", "cron expression"},
		{"a rate", "stage", "refarch:dbRestoreDrillSchedule", "rate(30 days)", "cron expression"},
		{"a day some months lack", "prod", "refarch:dbRestoreDrillSchedule", "cron(0 6 31 * ? *)", "1-28"},
		{"drills every hour", "prod", "refarch:dbRestoreDrillSchedule", "cron(0 * * * ? *)", "one hour"},
		{"a restore-time target of zero", "prod", "refarch:dbRestoreTargetMinutes", "0", "positive"},
		{"a negative target", "dev", "refarch:dbRestoreTargetMinutes", "-5", "positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, map[string]string{tc.key: tc.value}, tc.key, tc.rule)
		})
	}
	t.Run("an unset target", func(t *testing.T) {
		rejects(t, "dev", nil, "refarch:dbRestoreTargetMinutes", "positive", "refarch:dbRestoreTargetMinutes")
	})
}
