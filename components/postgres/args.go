package postgres

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// The defaults of Args. Each is documented on its field.
const (
	DefaultEngineVersion       = "18"
	DefaultInstanceClass       = "db.t4g.medium"
	DefaultAllocatedStorage    = 20
	DefaultDatabaseName        = "app"
	DefaultMasterUsername      = "dbadmin"
	DefaultPort                = 5432
	DefaultBackupRetentionDays = 7
	DefaultBackupWindow        = "03:00-03:30"
	DefaultMaintenanceWindow   = "sun:04:00-sun:05:00"
	DefaultMonitoringInterval  = 60
	DefaultInsightsRetention   = 7
	DefaultLogRetentionDays    = 365
)

// AWS limits the checks below rely on.
const (
	// MinStorage and MaxStorage bound gp3 storage of RDS for PostgreSQL, in GiB.
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html#gp3-storage
	MinStorage = 20
	MaxStorage = 65536
	// MaxBackupRetentionDays is the longest automated backup retention RDS keeps.
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupRetention.html
	MaxBackupRetentionDays = 35
	// MaxReadReplicas is how many read replicas one RDS for PostgreSQL
	// instance may feed.
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html
	MaxReadReplicas = 15
	// MaxNameLength bounds the component name: the longest physical name
	// derived from it, the monitoring role "<name>-monitoring" plus Pulumi's
	// 8-character autoname suffix, must fit IAM's 64 characters; the
	// instance identifiers "<name>-replica-15" fit RDS's 63.
	MaxNameLength = 40
)

// SupportedMajorVersions are the PostgreSQL major versions RDS offers in
// standard support (13 left it on 2026-02-28; 18 is the current major
// version, generally available on RDS since November 2025).
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html
var SupportedMajorVersions = []int{14, 15, 16, 17, 18}

// MonitoringIntervals are the Enhanced Monitoring granularities RDS accepts,
// in seconds (0, which turns monitoring off, is refused here).
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (MonitoringInterval)
var MonitoringIntervals = []int{1, 5, 10, 15, 30, 60}

// PostgresArgs configures a Postgres. Zero values mean the documented default.
type PostgresArgs struct {
	// VpcID is the VPC of the data subnets (required); the security group
	// lives in it.
	VpcID pulumi.StringInput
	// SubnetIDs are the private data-tier subnets, one per zone (required):
	// the DB subnet group spans them, so Multi-AZ standbys and replicas can
	// land in every zone. Never public subnets: the instance is never
	// publicly accessible either.
	SubnetIDs pulumi.StringArrayInput
	// AvailabilityZones are the zones of SubnetIDs. Required (at least 2)
	// with ReadReplicas: each replica is placed in a zone other than the
	// writer's, so losing the writer's zone leaves a reader up.
	AvailabilityZones []string
	// ClientSecurityGroupIDs are the security groups admitted on Port, one
	// ingress rule each, and each gets the matching egress rule to the
	// database, so a member reaches it whatever its other groups allow. The
	// security group admits nothing else but ClientCIDRs. Required unless
	// ClientCIDRs is given: at least one of the two must be set.
	ClientSecurityGroupIDs []pulumi.StringInput
	// ClientCIDRs are private blocks also admitted on Port, for operators
	// (the VPN client pool, the management VPC). Default none. Each must be
	// an RFC 1918 network: a database is never opened to an internet range.
	ClientCIDRs []string
	// OperatorSecurityGroupIDs are security groups admitted on Port without
	// the egress rule ClientSecurityGroupIDs get: groups of another account,
	// such as the VPN server's in the peered management VPC, referenced as
	// "<account id>/<group id>", whose rules this account cannot write.
	// Default none.
	// Source: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
	OperatorSecurityGroupIDs []pulumi.StringInput

	// EngineVersion is the PostgreSQL version: a major version ("18") or a
	// major.minor ("18.1"). Default "18", the current major version; with a
	// bare major version RDS picks the newest minor and AutoMinorVersionUpgrade
	// keeps it current without drift. The parameter group family follows the
	// major version (postgres18), so a major upgrade creates a new parameter
	// group instead of failing on the old one.
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.MajorVersion.Process.html
	EngineVersion string
	// AllowMajorVersionUpgrade lets a change of EngineVersion's major
	// version upgrade the instance in place. Default false: a major upgrade
	// is a deliberate, tested step, never a side effect of an edit.
	AllowMajorVersionUpgrade bool
	// InstanceClass is the writer's class, e.g. "db.r7g.large". Default
	// "db.t4g.medium", the smallest class comfortable with Performance
	// Insights and Enhanced Monitoring.
	InstanceClass string
	// ReplicaInstanceClass is the readers' class. Default InstanceClass: a
	// reader promoted after a disaster must carry the writer's load.
	ReplicaInstanceClass string
	// AllocatedStorage is the initial gp3 storage in GiB, 20-65536. Default 20.
	AllocatedStorage int
	// MaxAllocatedStorage is the ceiling storage autoscaling may grow to, in
	// GiB: at least 10% above AllocatedStorage (an RDS rule), at most 65536.
	// Default 5×AllocatedStorage (capped): a full disk stops the database,
	// autoscaling prevents it.
	MaxAllocatedStorage int
	// DatabaseName is the database created with the instance. Default "app".
	DatabaseName string
	// MasterUsername is the master user. Default "dbadmin". Its password
	// never appears in configuration: the writer is created with a
	// generated one, and the rotation of the master secret (SecretARN)
	// replaces it at once and every 30 days (see "The master password").
	MasterUsername string
	// Port is the listener port. Default 5432.
	Port int

	// SingleAZ turns Multi-AZ off. Default false, i.e. Multi-AZ: a standby
	// in another zone takes over within a minute or two when the writer's
	// host or zone fails.
	SingleAZ bool
	// ReadReplicas is how many read replicas to create, 0-15. Default 0.
	// Each gets its own Enhanced Monitoring, Performance Insights and log
	// exports, and requires automated backups.
	ReadReplicas int
	// BackupRetentionDays is how long automated backups (and point-in-time
	// recovery) reach back, 1-35 days. Default 7.
	BackupRetentionDays int
	// DisableBackups turns automated backups off (retention 0). Default
	// false; refused together with ReadReplicas, which RDS builds from backups.
	DisableBackups bool
	// BackupWindow is the daily backup window, "hh:mm-hh:mm" UTC, at least
	// 30 minutes. Default "03:00-03:30".
	BackupWindow string
	// MaintenanceWindow is the weekly maintenance window,
	// "ddd:hh:mm-ddd:hh:mm" UTC, at least 30 minutes, not overlapping
	// BackupWindow. Default "sun:04:00-sun:05:00".
	MaintenanceWindow string
	// SkipFinalSnapshot deletes the instance without a final snapshot.
	// Default false: deleting the instance first snapshots it to
	// "<name>-final-snapshot", so even an unprotected database's data
	// survives a `pulumi destroy`.
	SkipFinalSnapshot bool
	// KeyAdministrators are the IAM principals (ARNs) that administer the
	// database's KMS key: change its policy, rotate it, schedule its
	// deletion; never encrypt or decrypt with it. Required (the deploy
	// role): the account's IAM gets no say over the key.
	KeyAdministrators []string
	// Protect turns on RDS deletion protection on every instance and
	// pulumi protect (plus retainOnDelete) on the writer, its KMS key and
	// its log groups. Default false, so dev can be torn down; stacks pass
	// their deletionProtection setting, which prod cannot turn off.
	Protect bool

	// MonitoringInterval is the Enhanced Monitoring granularity in seconds:
	// 1, 5, 10, 15, 30 or 60. Default 60. Monitoring cannot be turned off.
	MonitoringInterval int
	// PerformanceInsightsRetentionDays is how long Performance Insights
	// keeps its data: 7 (free), 731, or a multiple of 31. Default 7.
	PerformanceInsightsRetentionDays int
	// LogRetentionDays is the retention of the CloudWatch log groups the
	// postgresql and upgrade logs are exported to. Default 365. Must be a
	// value CloudWatch Logs accepts.
	LogRetentionDays int
	// Parameters are extra (or overriding) database parameters on top of
	// DefaultParameters. The TLS and password settings cannot be weakened:
	// rds.force_ssl must stay 1, ssl_min_protocol_version TLSv1.2 or
	// TLSv1.3, password_encryption scram-sha-256. Default none:
	// DefaultParameters alone.
	Parameters map[string]string
	// AlarmTopicARN, when set, receives CloudWatch alarms: CPU on every
	// instance, free storage on the writer, replication lag on each reader.
	// Default none (no alarms).
	AlarmTopicARN pulumi.StringInput
}

// DefaultParameters are the parameters the component sets on every
// instance: TLS required (rds.force_ssl) at TLS 1.2 or later, SCRAM password
// hashing, and the logging a security review and a slow-query hunt need
// (connections, DDL, lock waits, statements slower than a second, large
// temporary files, slow autovacuum runs).
// Sources: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html (rds.force_ssl),
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.PostgreSQL.overview.parameter-groups.html.
// log_connections keeps the boolean spelling, which PostgreSQL 18 still
// accepts (https://www.postgresql.org/docs/18/runtime-config-logging.html).
var DefaultParameters = map[string]string{
	"rds.force_ssl":               "1",
	"ssl_min_protocol_version":    "TLSv1.2",
	"password_encryption":         "scram-sha-256",
	"log_connections":             "1",
	"log_disconnections":          "1",
	"log_statement":               "ddl",
	"log_lock_waits":              "1",
	"log_min_duration_statement":  "1000",
	"log_temp_files":              "10240",
	"log_autovacuum_min_duration": "10000",
}

// lockedParameters are the parameters Args.Parameters may not weaken, with
// the values allowed.
var lockedParameters = map[string][]string{
	"rds.force_ssl":            {"1"},
	"ssl_min_protocol_version": {"TLSv1.2", "TLSv1.3"},
	"password_encryption":      {"scram-sha-256"},
}

// withDefaults returns a copy of a with every zero value replaced by its
// default; the caller's Args are never modified.
func (a PostgresArgs) withDefaults() PostgresArgs {
	if a.EngineVersion == "" {
		a.EngineVersion = DefaultEngineVersion
	}
	if a.InstanceClass == "" {
		a.InstanceClass = DefaultInstanceClass
	}
	if a.ReplicaInstanceClass == "" {
		a.ReplicaInstanceClass = a.InstanceClass
	}
	if a.AllocatedStorage == 0 {
		a.AllocatedStorage = DefaultAllocatedStorage
	}
	if a.MaxAllocatedStorage == 0 {
		a.MaxAllocatedStorage = min(5*a.AllocatedStorage, MaxStorage)
	}
	if a.DatabaseName == "" {
		a.DatabaseName = DefaultDatabaseName
	}
	if a.MasterUsername == "" {
		a.MasterUsername = DefaultMasterUsername
	}
	if a.Port == 0 {
		a.Port = DefaultPort
	}
	if a.BackupRetentionDays == 0 && !a.DisableBackups {
		a.BackupRetentionDays = DefaultBackupRetentionDays
	}
	if a.BackupWindow == "" {
		a.BackupWindow = DefaultBackupWindow
	}
	if a.MaintenanceWindow == "" {
		a.MaintenanceWindow = DefaultMaintenanceWindow
	}
	if a.MonitoringInterval == 0 {
		a.MonitoringInterval = DefaultMonitoringInterval
	}
	if a.PerformanceInsightsRetentionDays == 0 {
		a.PerformanceInsightsRetentionDays = DefaultInsightsRetention
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = DefaultLogRetentionDays
	}
	params := maps.Clone(DefaultParameters)
	maps.Copy(params, a.Parameters)
	a.Parameters = params
	a.AvailabilityZones = slices.Clone(a.AvailabilityZones)
	a.ClientSecurityGroupIDs = slices.Clone(a.ClientSecurityGroupIDs)
	a.ClientCIDRs = slices.Clone(a.ClientCIDRs)
	a.OperatorSecurityGroupIDs = slices.Clone(a.OperatorSecurityGroupIDs)
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied), each naming the field, its value and the rule.
func (a *PostgresArgs) Validate() error {
	return a.withDefaults().validate()
}

func (a PostgresArgs) validate() error {
	var p validate.Problems
	keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	if a.VpcID == nil {
		p.Add("Args.VpcID", "", "is required: the database's security group lives in the VPC")
	}
	if a.SubnetIDs == nil {
		p.Add("Args.SubnetIDs", "", "is required: the private data-tier subnets the DB subnet group spans")
	}
	if len(a.ClientSecurityGroupIDs) == 0 && len(a.ClientCIDRs) == 0 {
		p.Add("Args.ClientSecurityGroupIDs", "[]", "must name at least one security group (or Args.ClientCIDRs one block): a database nobody may reach is a mistake")
	}
	for i, id := range a.ClientSecurityGroupIDs {
		if id == nil {
			p.Add(fmt.Sprintf("Args.ClientSecurityGroupIDs[%d]", i), "", "must not be nil")
		}
	}
	for i, c := range a.ClientCIDRs {
		p.Check(fmt.Sprintf("Args.ClientCIDRs[%d]", i), c, CheckClientCIDR(c))
	}
	p.Check("Args.EngineVersion", a.EngineVersion, CheckEngineVersion(a.EngineVersion))
	p.Check("Args.InstanceClass", a.InstanceClass, CheckInstanceClass(a.InstanceClass))
	p.Check("Args.ReplicaInstanceClass", a.ReplicaInstanceClass, CheckInstanceClass(a.ReplicaInstanceClass))
	p.Check("Args.AllocatedStorage", strconv.Itoa(a.AllocatedStorage), CheckAllocatedStorage(a.AllocatedStorage))
	p.Check("Args.MaxAllocatedStorage", strconv.Itoa(a.MaxAllocatedStorage), CheckMaxAllocatedStorage(a.MaxAllocatedStorage, a.AllocatedStorage))
	p.Check("Args.DatabaseName", a.DatabaseName, CheckIdentifier(a.DatabaseName, "a database name"))
	p.Check("Args.MasterUsername", a.MasterUsername, CheckMasterUsername(a.MasterUsername))
	p.Check("Args.Port", strconv.Itoa(a.Port), validate.CheckRange(a.Port, 1150, 65535))

	if a.DisableBackups {
		if a.BackupRetentionDays != 0 {
			p.Add("Args.BackupRetentionDays", strconv.Itoa(a.BackupRetentionDays), "must be 0 (unset) with Args.DisableBackups")
		}
	} else {
		p.Check("Args.BackupRetentionDays", strconv.Itoa(a.BackupRetentionDays), validate.CheckRange(a.BackupRetentionDays, 1, MaxBackupRetentionDays))
	}
	p.Check("Args.ReadReplicas", strconv.Itoa(a.ReadReplicas), validate.CheckRange(a.ReadReplicas, 0, MaxReadReplicas))
	if a.ReadReplicas > 0 && a.DisableBackups {
		p.Add("Args.ReadReplicas", strconv.Itoa(a.ReadReplicas), "requires automated backups: RDS builds replicas from them (unset Args.DisableBackups)")
	}
	if a.ReadReplicas > 0 {
		p.Check("Args.AvailabilityZones", fmt.Sprint(a.AvailabilityZones), checkZones(a.AvailabilityZones))
	}
	windowProblems(&p, "Args.BackupWindow", a.BackupWindow, "Args.MaintenanceWindow", a.MaintenanceWindow)
	p.Check("Args.MonitoringInterval", strconv.Itoa(a.MonitoringInterval), CheckMonitoringInterval(a.MonitoringInterval))
	p.Check("Args.PerformanceInsightsRetentionDays", strconv.Itoa(a.PerformanceInsightsRetentionDays), checkInsightsRetention(a.PerformanceInsightsRetentionDays))
	p.Check("Args.LogRetentionDays", strconv.Itoa(a.LogRetentionDays), validate.CheckLogRetention(a.LogRetentionDays))
	for _, name := range slices.Sorted(maps.Keys(a.Parameters)) {
		value := a.Parameters[name]
		if allowed, locked := lockedParameters[name]; locked && !slices.Contains(allowed, value) {
			p.Addf("Args.Parameters["+name+"]", value, "must be one of %v: the component does not weaken TLS or password hashing", allowed)
		}
		if strings.TrimSpace(name) == "" || value == "" {
			p.Add("Args.Parameters["+name+"]", value, "needs a name and a value")
		}
	}
	return p.Err("postgres arguments")
}

// CheckName requires a component name that every physical name derived
// from it can carry: lower-case letters, digits and single inner hyphens,
// starting with a letter (the RDS identifier rules), at most MaxNameLength.
func CheckName(name string) string {
	if rule := validate.CheckName(name, MaxNameLength); rule != "" {
		return rule
	}
	if strings.Contains(name, "--") {
		return "must not hold two hyphens in a row: RDS identifiers refuse them"
	}
	return ""
}

// instanceClass matches RDS instance classes: db.<family>.<size>, e.g.
// db.t4g.micro, db.r7g.2xlarge, db.m6id.metal.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.html
var instanceClass = regexp.MustCompile(`^db\.[a-z][a-z0-9-]*\.(micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal(-[0-9]+xl)?)$`)

// CheckInstanceClass requires an RDS instance class such as db.r7g.large.
func CheckInstanceClass(class string) string {
	if !instanceClass.MatchString(class) {
		return "must be an RDS instance class such as db.t4g.medium or db.r7g.large (db.<family>.<size>)"
	}
	return ""
}

var engineVersion = regexp.MustCompile(`^([1-9][0-9]*)(\.[0-9]+)?$`)

// MajorVersion returns the major version of a PostgreSQL engine version
// ("18" of "18.1"), or 0 when the version is malformed.
func MajorVersion(version string) int {
	m := engineVersion.FindStringSubmatch(version)
	if m == nil {
		return 0
	}
	major, _ := strconv.Atoi(m[1])
	return major
}

// Family returns the parameter group family of an engine version
// ("postgres18"): a parameter group only applies to its own major version.
func Family(version string) string { return fmt.Sprintf("postgres%d", MajorVersion(version)) }

// CheckEngineVersion requires a PostgreSQL version ("18" or "18.1") of a
// major version RDS supports.
func CheckEngineVersion(version string) string {
	major := MajorVersion(version)
	if major == 0 {
		return `must be a PostgreSQL version: a major version such as "18" or a major.minor such as "18.1"`
	}
	if !slices.Contains(SupportedMajorVersions, major) {
		return fmt.Sprintf("must be of a major version in RDS standard support %v; 18 is current", SupportedMajorVersions)
	}
	return ""
}

// CheckAllocatedStorage requires an initial gp3 size RDS accepts.
func CheckAllocatedStorage(gib int) string {
	if gib < MinStorage || gib > MaxStorage {
		return fmt.Sprintf("must be between %d and %d GiB (gp3 storage of RDS for PostgreSQL)", MinStorage, MaxStorage)
	}
	return ""
}

// CheckMaxAllocatedStorage requires a storage autoscaling ceiling at least
// 10% above the allocated storage, as RDS does, and at most MaxStorage.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html
func CheckMaxAllocatedStorage(maxGiB, allocated int) string {
	floor := (allocated*11 + 9) / 10
	if maxGiB < floor || maxGiB > MaxStorage {
		return fmt.Sprintf("must be between %d (10%% above the allocated %d GiB, an RDS rule) and %d GiB", floor, allocated, MaxStorage)
	}
	return ""
}

var pgIdentifier = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,62}$`)

// CheckIdentifier requires a PostgreSQL identifier RDS accepts as a
// database or user name: a letter, then letters, digits or underscores, at
// most 63 characters. what names the identifier in the rule.
func CheckIdentifier(s, what string) string {
	if !pgIdentifier.MatchString(s) {
		return "must be " + what + ": a letter, then up to 62 letters, digits or underscores"
	}
	return ""
}

// reservedUsers are master user names RDS for PostgreSQL refuses (its own
// administrator) or PostgreSQL reserves; role names starting with pg_ are
// reserved too, and rds_ names belong to RDS's roles.
// Sources: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.html,
// https://www.postgresql.org/docs/current/sql-createrole.html
var reservedUsers = []string{"rdsadmin", "rdsrepladmin", "public"}

// CheckMasterUsername requires a master user name RDS accepts.
func CheckMasterUsername(user string) string {
	if rule := CheckIdentifier(user, "a user name"); rule != "" {
		return rule
	}
	lower := strings.ToLower(user)
	if slices.Contains(reservedUsers, lower) || strings.HasPrefix(lower, "pg_") || strings.HasPrefix(lower, "rds_") {
		return fmt.Sprintf("is reserved: pick a name other than %v and not starting with pg_ or rds_", reservedUsers)
	}
	return ""
}

// CheckClientCIDR requires a private (RFC 1918) network block: the
// database admits operators' private ranges, never an internet range.
func CheckClientCIDR(cidr string) string {
	prefix, rule := validate.ParseCIDR(cidr)
	if rule == "" {
		rule = validate.CheckPrivateCIDR(prefix)
	}
	return rule
}

// CheckMonitoringInterval requires an Enhanced Monitoring interval RDS
// accepts, other than 0 (off).
func CheckMonitoringInterval(seconds int) string {
	if !slices.Contains(MonitoringIntervals, seconds) {
		return fmt.Sprintf("must be one of %v seconds: Enhanced Monitoring stays on", MonitoringIntervals)
	}
	return ""
}

// checkInsightsRetention requires a Performance Insights retention RDS
// accepts: 7, 731, or a multiple of 31 up to 713.
// Source: go doc rds.InstanceArgs (performanceInsightsRetentionPeriod).
func checkInsightsRetention(days int) string {
	if days == 7 || days == 731 || (days > 0 && days%31 == 0 && days <= 713) {
		return ""
	}
	return "must be 7 (free tier), 731, or a multiple of 31 (months) up to 713"
}

// checkZones requires at least two distinct zones.
func checkZones(zones []string) string {
	distinct := map[string]bool{}
	for _, z := range zones {
		if z == "" {
			return "must not hold an empty zone name"
		}
		distinct[z] = true
	}
	if len(distinct) < 2 {
		return "must list at least two distinct zones (those of Args.SubnetIDs): read replicas go to zones other than the writer's"
	}
	return ""
}
