package postgres

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/validate"
)

func goodArgs() PostgresArgs {
	return PostgresArgs{
		VpcID:                  pulumi.String("vpc-1"),
		SubnetIDs:              pulumi.ToStringArray([]string{"subnet-1", "subnet-2"}),
		AvailabilityZones:      []string{"us-west-2a", "us-west-2b"},
		ClientSecurityGroupIDs: []pulumi.StringInput{pulumi.String("sg-1")},
		KeyAdministrators:      []string{"arn:aws:iam::123456789012:role/deploy"},
	}
}

func TestDefaultsValidate(t *testing.T) {
	a := goodArgs().withDefaults()
	require.NoError(t, a.Validate())
	assert.Equal(t, 100, a.MaxAllocatedStorage)
	assert.Equal(t, a.InstanceClass, a.ReplicaInstanceClass)
	assert.Equal(t, "1", a.Parameters["rds.force_ssl"])
}

func TestWithDefaultsDoesNotTouchTheCallersArgs(t *testing.T) {
	in := goodArgs()
	in.Parameters = map[string]string{"work_mem": "1"}
	out := in.withDefaults()
	out.AvailabilityZones[0] = "changed"
	assert.Equal(t, map[string]string{"work_mem": "1"}, in.Parameters)
	assert.Equal(t, "us-west-2a", in.AvailabilityZones[0])
	assert.Empty(t, in.EngineVersion)
}

// TestValidateRejectsEachRule breaks one rule at a time and expects the
// problem to name the field.
func TestValidateRejectsEachRule(t *testing.T) {
	cases := []struct {
		name, field string
		mutate      func(a *PostgresArgs)
	}{
		{"no vpc", "Args.VpcID", func(a *PostgresArgs) { a.VpcID = nil }},
		{"no subnets", "Args.SubnetIDs", func(a *PostgresArgs) { a.SubnetIDs = nil }},
		{"nobody admitted", "Args.ClientSecurityGroupIDs", func(a *PostgresArgs) { a.ClientSecurityGroupIDs = nil }},
		{"nil group", "Args.ClientSecurityGroupIDs[1]", func(a *PostgresArgs) { a.ClientSecurityGroupIDs = append(a.ClientSecurityGroupIDs, nil) }},
		{"internet cidr", "Args.ClientCIDRs[0]", func(a *PostgresArgs) { a.ClientCIDRs = []string{"0.0.0.0/0"} }},
		{"public cidr", "Args.ClientCIDRs[0]", func(a *PostgresArgs) { a.ClientCIDRs = []string{"8.8.8.0/24"} }},
		{"bad version", "Args.EngineVersion", func(a *PostgresArgs) { a.EngineVersion = "latest" }},
		{"old major", "Args.EngineVersion", func(a *PostgresArgs) { a.EngineVersion = "12.22" }},
		{"instance class format", "Args.InstanceClass", func(a *PostgresArgs) { a.InstanceClass = "r7g.large" }},
		{"replica class format", "Args.ReplicaInstanceClass", func(a *PostgresArgs) { a.ReplicaInstanceClass = "db.r7g" }},
		{"storage too small", "Args.AllocatedStorage", func(a *PostgresArgs) { a.AllocatedStorage = 10 }},
		{"storage too large", "Args.AllocatedStorage", func(a *PostgresArgs) { a.AllocatedStorage = 70000 }},
		{"ceiling too close", "Args.MaxAllocatedStorage", func(a *PostgresArgs) { a.AllocatedStorage, a.MaxAllocatedStorage = 100, 105 }},
		{"bad database name", "Args.DatabaseName", func(a *PostgresArgs) { a.DatabaseName = "1app" }},
		{"reserved user", "Args.MasterUsername", func(a *PostgresArgs) { a.MasterUsername = "rdsadmin" }},
		{"pg_ user", "Args.MasterUsername", func(a *PostgresArgs) { a.MasterUsername = "pg_owner" }},
		{"port", "Args.Port", func(a *PostgresArgs) { a.Port = 80 }},
		{"retention above 35", "Args.BackupRetentionDays", func(a *PostgresArgs) { a.BackupRetentionDays = 36 }},
		{"negative retention", "Args.BackupRetentionDays", func(a *PostgresArgs) { a.BackupRetentionDays = -1 }},
		{"retention with backups off", "Args.BackupRetentionDays", func(a *PostgresArgs) { a.DisableBackups, a.BackupRetentionDays = true, 7 }},
		{"replicas need backups", "Args.ReadReplicas", func(a *PostgresArgs) { a.DisableBackups, a.ReadReplicas = true, 1 }},
		{"too many replicas", "Args.ReadReplicas", func(a *PostgresArgs) { a.ReadReplicas = 16 }},
		{"replicas need two zones", "Args.AvailabilityZones", func(a *PostgresArgs) { a.ReadReplicas, a.AvailabilityZones = 1, []string{"us-west-2a", "us-west-2a"} }},
		{"backup window format", "Args.BackupWindow", func(a *PostgresArgs) { a.BackupWindow = "3am" }},
		{"backup window short", "Args.BackupWindow", func(a *PostgresArgs) { a.BackupWindow = "03:00-03:15" }},
		{"maintenance window format", "Args.MaintenanceWindow", func(a *PostgresArgs) { a.MaintenanceWindow = "sunday 4am" }},
		{"windows overlap", "Args.MaintenanceWindow", func(a *PostgresArgs) { a.BackupWindow, a.MaintenanceWindow = "04:30-05:00", "sun:04:00-sun:05:00" }},
		{"monitoring off", "Args.MonitoringInterval", func(a *PostgresArgs) { a.MonitoringInterval = 7 }},
		{"insights retention", "Args.PerformanceInsightsRetentionDays", func(a *PostgresArgs) { a.PerformanceInsightsRetentionDays = 30 }},
		{"log retention", "Args.LogRetentionDays", func(a *PostgresArgs) { a.LogRetentionDays = 100 }},
		{"tls off", "Args.Parameters[rds.force_ssl]", func(a *PostgresArgs) { a.Parameters = map[string]string{"rds.force_ssl": "0"} }},
		{"weak tls", "Args.Parameters[ssl_min_protocol_version]", func(a *PostgresArgs) { a.Parameters = map[string]string{"ssl_min_protocol_version": "TLSv1"} }},
		{"md5", "Args.Parameters[password_encryption]", func(a *PostgresArgs) { a.Parameters = map[string]string{"password_encryption": "md5"} }},
		{"empty value", "Args.Parameters[work_mem]", func(a *PostgresArgs) { a.Parameters = map[string]string{"work_mem": ""} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := goodArgs()
			tc.mutate(&a)
			err := a.Validate()
			var verr *validate.Error
			require.True(t, errors.As(err, &verr), "expected a validation error, got %v", err)
			assert.True(t, verr.Has(tc.field), "want a problem on %s, got:\n%v", tc.field, err)
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	a := goodArgs()
	a.InstanceClass, a.Port, a.ReadReplicas = "big", 1, 99
	var verr *validate.Error
	require.True(t, errors.As(a.Validate(), &verr))
	for _, f := range []string{"Args.InstanceClass", "Args.Port", "Args.ReadReplicas"} {
		assert.True(t, verr.Has(f), f)
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"orders": true, "refarch-prod-db": true, "a": true,
		"Orders": false, "1db": false, "db-": false, "db--x": false, "db_x": false,
		"a234567890123456789012345678901234567890":  true,
		"a2345678901234567890123456789012345678901": false,
	} {
		assert.Equal(t, ok, CheckName(name) == "", name)
	}
}

func TestInstanceClassFormat(t *testing.T) {
	for class, ok := range map[string]bool{
		"db.t4g.micro": true, "db.r7g.large": true, "db.m6id.12xlarge": true, "db.x2iedn.metal": true,
		"db.t4g": false, "t4g.micro": false, "db.t4g.huge": false, "cache.t4g.micro": false, "db.R7G.large": false,
	} {
		assert.Equal(t, ok, CheckInstanceClass(class) == "", class)
	}
}

func TestFamilyFollowsTheMajorVersion(t *testing.T) {
	assert.Equal(t, "postgres18", Family("18"))
	assert.Equal(t, "postgres17", Family("17.6"))
	assert.Equal(t, 0, MajorVersion("18.1.2"))
	assert.Empty(t, CheckEngineVersion("18.1"))
	assert.NotEmpty(t, CheckEngineVersion("19"), "19 is not in standard support on RDS")
}

func TestMaxAllocatedStorageNeedsTenPercentHeadroom(t *testing.T) {
	assert.Empty(t, CheckMaxAllocatedStorage(110, 100))
	assert.NotEmpty(t, CheckMaxAllocatedStorage(109, 100))
	assert.Empty(t, CheckMaxAllocatedStorage(22, 20), "20 GiB × 1.1")
	assert.NotEmpty(t, CheckMaxAllocatedStorage(21, 20))
	assert.NotEmpty(t, CheckMaxAllocatedStorage(MaxStorage+1, 100))
}

func TestWindows(t *testing.T) {
	cases := []struct {
		backup, maintenance string
		backupOK, maintOK   bool
	}{
		{"03:00-03:30", "sun:04:00-sun:05:00", true, true},
		{"sun:03:00-sun:03:30", "sun:04:00-sun:05:00", false, true}, // a backup window is daily
		{"03:00-03:30", "04:00-05:00", true, false},                 // a maintenance window names days
		{"03:00-03:30", "sun:03:29-sun:04:30", true, false},         // overlaps the end
		{"23:45-00:15", "mon:00:00-mon:01:00", true, false},         // backup wraps midnight into Monday
		{"01:00-01:30", "sun:23:30-mon:01:15", true, false},         // maintenance wraps into Monday's backup
		{"01:00-01:30", "sun:23:30-mon:00:30", true, true},          // ends before the backup
		{"03:00-03:30", "sat:23:30-sun:00:00", true, true},          // exactly 30 minutes
		{"03:00-03:29", "sun:04:00-sun:05:00", false, true},         // too short
		{"25:00-25:30", "sun:04:00-sun:05:00", false, true},         // not a time
		{"03:00-03:30", "sun:04:00-sun:04:10", true, false},         // too short
		{"03:00-03:30", "funday:04:00-sun:05:00", true, false},      // not a day
		{"10:00-11:00", "WED:10:30-wed:11:30", true, false},         // case-insensitive day, overlap
		{"10:00-11:00", "sun:11:00-sun:12:00", true, true},          // adjacent is fine
		{"22:00-23:00", "sat:23:00-sun:22:00", true, true},          // long window between backups
		{"22:00-23:00", "sat:23:00-sun:22:01", true, false},         // one minute too long
		{"00:00-00:30", "sun:23:59-mon:00:01", true, false},         // too short
		{"12:00-12:30", "sun:04:00-sun:04:00", true, false},         // zero length
		{"12:00-12:30", "sun:04:00-sat:04:00", true, false},         // six days long covers backups
		{"12:00-12:30", "sat:04:00-sun:04:00", true, false},         // a day long covers a backup
		{"12:00-12:30", "sat:13:00-sun:11:59", true, true},          // nearly a day, misses both backups
		{"12:00-12:30", "sat:12:30-sun:12:00", true, true},          // between two backups, exactly
		{"12:00-12:30", "sat:12:29-sun:12:00", true, false},         // touches Saturday's backup
		{"12:00-12:30", "sat:12:30-sun:12:01", true, false},         // touches Sunday's backup
		{"12:00-12:30", "sun:04:00-sun:05:00", true, true},          // sanity
		{"12:00-12:30", "sun:12:29-sun:13:00", true, false},         // sanity overlap
		{"12:00-12:30", "sun:12:30-sun:13:00", true, true},          // sanity adjacent
		{"12:00-12:30", "sun:11:30-sun:12:00", true, true},          // sanity adjacent before
		{"12:00-12:30", "sun:11:31-sun:12:01", true, false},         // sanity overlap before
		{"12:00-12:30", "mon:11:31-tue:11:59", true, false},         // covers Monday's backup
	}
	for _, tc := range cases {
		b, m := CheckWindows(tc.backup, tc.maintenance)
		assert.Equal(t, tc.backupOK, b == "", "%s / %s: backup rule %q", tc.backup, tc.maintenance, b)
		assert.Equal(t, tc.maintOK, m == "", "%s / %s: maintenance rule %q", tc.backup, tc.maintenance, m)
	}
}

func TestReplicaZoneSkipsTheWritersZone(t *testing.T) {
	zones := []string{"a", "b", "c"}
	assert.Equal(t, []string{"a", "c", "a", "c"}, []string{ReplicaZone(zones, "b", 0), ReplicaZone(zones, "b", 1), ReplicaZone(zones, "b", 2), ReplicaZone(zones, "b", 3)})
	assert.Equal(t, "b", ReplicaZone(zones, "unknown", 1))
	assert.Equal(t, "a", ReplicaZone([]string{"a"}, "a", 0), "with no other zone, the writer's")
}
