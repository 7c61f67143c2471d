package policies

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of the data stores: RDS for PostgreSQL, ElastiCache for
// Memcached, and the Secrets Manager rotation of their secrets. Helpers are
// prefixed "data" (the package holds every group's rules).

const (
	dataTypeSecretRotation = "aws:secretsmanager/secretRotation:SecretRotation"
	// dataSecretsManagerPrincipal is the service that invokes rotation
	// functions.
	dataSecretsManagerPrincipal = "secretsmanager.amazonaws.com"
)

// dataInstances indexes a stack's RDS instances by identifier.
func dataInstances(s *Stack) map[string]*offline.Resource {
	out := map[string]*offline.Resource{}
	for _, r := range s.ByType(typeDBInstance) {
		id := r.String("identifier")
		if id == "" {
			id = str(r.Output("identifier"))
		}
		if id != "" {
			out[id] = r
		}
	}
	return out
}

// dataSource returns the source instance of a replica in the stack: its
// replicateSourceDb names it by identifier or, across regions, by ARN
// ("arn:…:db:<identifier>"). nil when unknown or not in the stack.
func dataSource(byID map[string]*offline.Resource, replica *offline.Resource) *offline.Resource {
	src := replica.String("replicateSourceDb")
	if src == "" {
		return nil
	}
	if i := strings.LastIndex(src, ":db:"); i >= 0 {
		src = src[i+len(":db:"):]
	}
	return byID[src]
}

// dataReplicasOf lists the replicas of source in the stack.
func dataReplicasOf(s *Stack, byID map[string]*offline.Resource, source *offline.Resource) []*offline.Resource {
	var out []*offline.Resource
	for _, r := range s.ByType(typeDBInstance) {
		if isReplica(r) && dataSource(byID, r) == source {
			out = append(out, r)
		}
	}
	return out
}

// dataNumber reads a known number input (false when unset or unknown).
func dataNumber(r *offline.Resource, path string) (int, bool) {
	switch v := r.Get(path).(type) {
	case float64:
		return int(v), true
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

// dataMajor returns the major version of a PostgreSQL engine version
// ("18" of "18.1"), 0 when unknown.
func dataMajor(version string) int {
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0
	}
	return n
}

// dataGlob matches s against an IAM or Lambda pattern: '*' any run of
// characters, '?' one character.
func dataGlob(pattern, s string) bool {
	var b strings.Builder
	b.WriteString("^")
	for _, part := range strings.Split(pattern, "*") {
		if b.Len() > 1 {
			b.WriteString(".*")
		}
		b.WriteString(strings.ReplaceAll(regexp.QuoteMeta(part), `\?`, "."))
	}
	b.WriteString("$")
	ok, err := regexp.MatchString(b.String(), s)
	return err == nil && ok
}

// dataFunctionName is the function name a Lambda ARN or name refers to
// ("arn:aws:lambda:r:a:function:NAME[:qualifier]", or NAME).
func dataFunctionName(ref string) string {
	if !strings.HasPrefix(ref, "arn:") {
		return ref
	}
	rest := ref
	for _, sep := range []string{":function:", ":function/"} {
		if i := strings.Index(rest, sep); i >= 0 {
			rest = rest[i+len(sep):]
			name, _, _ := strings.Cut(rest, ":")
			return name
		}
	}
	return ""
}

// dataByOutput returns the record of typ whose id, ARN or name output is
// ref.
func dataByOutput(s *Stack, typ, ref string) *offline.Resource {
	if ref == "" {
		return nil
	}
	for _, r := range s.ByType(typ) {
		if r.ID == ref || str(r.Output("arn")) == ref || str(r.Output("name")) == ref {
			return r
		}
	}
	return nil
}

// dataWindowMinutes parses "hh:mm-hh:mm" (daily) into start and end
// minutes of the day, or "ddd:hh:mm-ddd:hh:mm" (weekly) into minutes of
// the week.
func dataWindowMinutes(w string) (start, end int, weekly, ok bool) {
	days := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	from, to, cut := strings.Cut(strings.ToLower(w), "-")
	if !cut {
		return 0, 0, false, false
	}
	parse := func(t string) (int, bool, bool) {
		parts := strings.Split(t, ":")
		day := 0
		week := false
		if len(parts) == 3 {
			day = slices.Index(days, parts[0])
			if day < 0 {
				return 0, false, false
			}
			parts, week = parts[1:], true
		}
		if len(parts) != 2 {
			return 0, false, false
		}
		h, err1 := strconv.Atoi(parts[0])
		m, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil || h > 23 || m > 59 {
			return 0, false, false
		}
		return day*1440 + h*60 + m, week, true
	}
	s, w1, ok1 := parse(from)
	e, w2, ok2 := parse(to)
	if !ok1 || !ok2 || w1 != w2 {
		return 0, 0, false, false
	}
	return s, e, w1, true
}

// dataWindowsOverlap reports whether a daily window and a weekly one
// overlap on any day, and the daily window's and the weekly's lengths.
func dataWindowsOverlap(daily, weekly string) (overlap bool, dailyLen, weeklyLen int, ok bool) {
	ds, de, dw, ok1 := dataWindowMinutes(daily)
	ws, we, ww, ok2 := dataWindowMinutes(weekly)
	if !ok1 || !ok2 || dw || !ww {
		return false, 0, 0, false
	}
	const day, week = 1440, 7 * 1440
	dailyLen = (de - ds + day) % day
	weeklyLen = (we - ws + week) % week
	// Minute by minute over a week: small, and exact across midnight and
	// the week's end.
	inWeekly := func(m int) bool { return (m-ws+week)%week < weeklyLen }
	for d := range 7 {
		for i := range dailyLen {
			if inWeekly((d*day + ds + i) % week) {
				return true, dailyLen, weeklyLen, true
			}
		}
	}
	return false, dailyLen, weeklyLen, true
}

// dataStaticParameters are the RDS for PostgreSQL parameters AWS lists as
// Static (a change applies at the next reboot): "immediate" is refused for
// them. Source: the table of
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Parameters.html
// (archived text, 2023).
var dataStaticParameters = []string{
	"autovacuum_freeze_max_age", "autovacuum_max_workers", "logging_collector", "max_connections",
	"max_files_per_process", "max_locks_per_transaction", "max_pred_locks_per_transaction",
	"max_prepared_transactions", "rds.restrict_password_commands", "shared_buffers",
	"shared_preload_libraries", "track_activity_query_size", "wal_buffers",
}

// dataLogGroupName is the log group RDS exports an instance's log to.
func dataLogGroupName(identifier, log string) string {
	return "/aws/rds/instance/" + identifier + "/" + log
}

// dataRoleStatements returns the statements of every inline policy of
// the role roleRef (its ARN or name); ok is false when the role is not in
// the stack or a policy is not known yet.
func dataRoleStatements(s *Stack, roleRef string) ([]statement, bool) {
	role := dataByOutput(s, typeRole, roleRef)
	if role == nil {
		return nil, false
	}
	names := []string{role.ID, str(role.Output("name")), role.String("name")}
	var out []statement
	found := false
	for _, p := range s.ByType(typeRolePolicy) {
		ref := p.String("role")
		if ref == "" || !slices.Contains(names, ref) {
			continue
		}
		sts, ok := statements(p, "policy")
		if !ok {
			return nil, false
		}
		found = true
		out = append(out, sts...)
	}
	return out, found
}

// dataAllows reports whether an Allow statement grants action on resource.
func dataAllows(sts []statement, action, resource string) bool {
	for _, st := range sts {
		if st.effect() != "Allow" || !slices.Contains(st.actions(), action) {
			continue
		}
		for _, r := range st.resources() {
			if dataGlob(r, resource) {
				return true
			}
		}
	}
	return false
}

// dataCacheVersion parses "1.6.22" into its numbers.
func dataCacheVersion(v string) ([3]int, bool) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return [3]int{}, false
	}
	var out [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return [3]int{}, false
		}
		out[i] = n
	}
	return out, true
}

// awsDataRules are the AWS rules of this group of services.
func awsDataRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "rds-replica-source-no-managed-master-password",
			Title:    "No database with read replicas (nor any replica) has its master password managed by RDS in Secrets Manager",
			Severity: Critical,
			Reason:   "RDS refuses to create the replicas, after the writer took many minutes: the first pulumi up of the stack fails",
			Check: func(c *Checker) {
				byID := dataInstances(c.Stack)
				c.Each(func(r *offline.Resource) string {
					if !r.Bool("manageMasterUserPassword") || strings.HasPrefix(r.String("engine"), "sqlserver") {
						return ""
					}
					if isReplica(r) {
						return "a read replica with manageMasterUserPassword: RDS manages no replica's password"
					}
					if n := len(dataReplicasOf(c.Stack, byID, r)); n > 0 {
						return fmt.Sprintf("manageMasterUserPassword is true and %d read replicas replicate it", n)
					}
					return ""
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations",
			Quote:     "Managing master user passwords with Secrets Manager isn't supported for the following features: Creating a read replica when the source DB or DB cluster manages credentials with Secrets Manager. This applies to all DB engines except RDS for SQL Server.",
			Error:     "InvalidParameterValue",
			Found:     "stage and prod created read replicas of writers with manageMasterUserPassword true (components/postgres/instance.go set it on every writer)",
		}),
		awsRule(&Rule{
			ID:       "rds-modify-unmanage-master-password-requires-password",
			Title:    "Every database writer has exactly one source of its master password: a password, or RDS's management in Secrets Manager",
			Severity: Critical,
			Reason:   "RDS refuses an instance with both, and refuses to stop managing a password without a new MasterUserPassword",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if isReplica(r) || set(r.Get("snapshotIdentifier")) {
						return ""
					}
					password, managed := set(r.Get("password")), r.Bool("manageMasterUserPassword")
					switch {
					case password && managed:
						return "both password and manageMasterUserPassword"
					case !password && !managed:
						return "neither password nor manageMasterUserPassword: RDS refuses the creation, and the change that stops its management"
					}
					return ""
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/manage-master-user-password.html",
			Quote:     "If the DB instance already manages the master user password with Amazon Web Services Secrets Manager, and you specify that the master user password is not managed with Amazon Web Services Secrets Manager, then you must specify MasterUserPassword. In this case, Amazon RDS deletes the secret and uses the new password for the master user specified by MasterUserPassword.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-replica-must-not-set-credentials-or-db",
			Title:    "Read replicas set no master user, password, database name or snapshot: they are copies of their source",
			Severity: Critical,
			Reason:   "RDS refuses the replica (a PostgreSQL replica's password cannot differ from its source's)",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if !isReplica(r) {
						return ""
					}
					var bad []string
					for _, k := range []string{"username", "password", "dbName", "masterUserSecretKmsKeyId", "snapshotIdentifier"} {
						if set(r.Get(k)) {
							bad = append(bad, k)
						}
					}
					if r.Bool("manageMasterUserPassword") {
						bad = append(bad, "manageMasterUserPassword")
					}
					return unless(len(bad) == 0, fmt.Sprintf("a read replica sets %v", bad))
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/",
			Quote:     "(Required unless a `snapshotIdentifier` or `replicateSourceDb` is provided) Username for the master DB user. Cannot be specified for a replica.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-replica-source-needs-backups",
			Title:    "The source of every read replica keeps automated backups",
			Severity: Critical,
			Reason:   "RDS builds a replica from the source's backups and refuses it without them",
			Check: func(c *Checker) {
				byID := dataInstances(c.Stack)
				c.Each(func(r *offline.Resource) string {
					if !isReplica(r) {
						return ""
					}
					src := dataSource(byID, r)
					if src == nil {
						return ""
					}
					days, ok := dataNumber(src, "backupRetentionPeriod")
					return unless(!ok || days > 0, fmt.Sprintf("its source %s keeps no automated backups (backupRetentionPeriod %d)", src.Name, days))
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PostgreSQL.Replication.ReadReplicas.html",
			Quote:     "In all cases, the source DB instance needs to have automated backups configured. You do this by setting the backup retention period on your DB instance to any value other than 0.",
			Error:     "InvalidDBInstanceState",
		}),
		awsRule(&Rule{
			ID:       "rds-replica-encryption-same-key-and-subnet-group",
			Title:    "Same-region read replicas take their source's KMS key, encryption and subnet group",
			Severity: High,
			Reason:   "a replica given another key or no encryption differs from its source, or is refused; its subnet group is its source's",
			Check: func(c *Checker) {
				byID := dataInstances(c.Stack)
				c.Each(func(r *offline.Resource) string {
					if !isReplica(r) {
						return ""
					}
					if v, ok := r.Get("storageEncrypted").(bool); ok && !v {
						return "storageEncrypted is false on a replica of an encrypted source"
					}
					crossRegion := strings.HasPrefix(r.String("replicateSourceDb"), "arn:")
					if set(r.Get("dbSubnetGroupName")) && !crossRegion {
						return "dbSubnetGroupName on a same-region replica: it takes its source's"
					}
					src := dataSource(byID, r)
					if src == nil || crossRegion {
						return ""
					}
					key, srcKey := r.Get("kmsKeyId"), src.Get("kmsKeyId")
					return unless(!known(key) || !known(srcKey) || key == srcKey, fmt.Sprintf("kmsKeyId %v differs from its source's %v", key, srcKey))
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
			Quote:     "Encrypted read replicas must be encrypted with the same KMS key as the source DB instance when both are in the same AWS Region.",
		}),
		awsRule(&Rule{
			ID:       "rds-replica-delete-without-final-snapshot",
			Title:    "Read replicas are deleted without a final snapshot; every other instance names its final snapshot unless it skips it",
			Severity: High,
			Reason:   "a destroy (or a replacement) fails on the replica, or on a writer without a snapshot name",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if isReplica(r) {
						return unless(r.Bool("skipFinalSnapshot") && !set(r.Get("finalSnapshotIdentifier")),
							"a replica must skip the final snapshot and name none")
					}
					skip, ok := r.Get("skipFinalSnapshot").(bool)
					return unless((ok && skip) || set(r.Get("finalSnapshotIdentifier")), "no finalSnapshotIdentifier while the final snapshot is taken")
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/",
			Quote:     "Must be provided if `skipFinalSnapshot` is set to `false`. The value must begin with a letter, only contain alphanumeric characters and hyphens, and not end with a hyphen or contain two consecutive hyphens. Must not be provided when deleting a read replica.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-gp3-no-iops-throughput-below-400gib",
			Title:    "gp3 databases below 400 GiB provision no IOPS or throughput",
			Severity: Critical,
			Reason:   "RDS refuses provisioned IOPS or throughput below the gp3 threshold of PostgreSQL",
			Check: func(c *Checker) {
				byID := dataInstances(c.Stack)
				c.Each(func(r *offline.Resource) string {
					if r.String("storageType") != "gp3" {
						return ""
					}
					size, ok := dataNumber(r, "allocatedStorage")
					if !ok && isReplica(r) {
						if src := dataSource(byID, r); src != nil {
							size, ok = dataNumber(src, "allocatedStorage")
						}
					}
					if !ok || size >= 400 {
						return ""
					}
					return unless(!set(r.Get("iops")) && !set(r.Get("storageThroughput")),
						fmt.Sprintf("iops or storageThroughput with %d GiB of gp3", size))
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html#gp3-storage",
			Quote:     "For every DB engine except RDS for SQL Server, you can provision additional IOPS and storage throughput when storage size is at or above the threshold value.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-max-allocated-storage-10-percent",
			Title:    "Storage autoscaling ceilings are at least 10% above the allocated storage",
			Severity: Critical,
			Reason:   "RDS refuses the instance (Invalid max storage size)",
			Check: func(c *Checker) {
				byID := dataInstances(c.Stack)
				c.Each(func(r *offline.Resource) string {
					ceiling, ok := dataNumber(r, "maxAllocatedStorage")
					if !ok || ceiling == 0 {
						return ""
					}
					size, ok := dataNumber(r, "allocatedStorage")
					if !ok && isReplica(r) {
						if src := dataSource(byID, r); src != nil {
							size, ok = dataNumber(src, "allocatedStorage")
						}
					}
					if !ok {
						return ""
					}
					floor := (size*11 + 9) / 10
					return unless(ceiling >= floor, fmt.Sprintf("maxAllocatedStorage %d is below %d (10%% above %d GiB)", ceiling, floor, size))
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html",
			Quote:     "You must set the maximum storage threshold to at least 10% more than the current allocated storage.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-backup-window-vs-maintenance-window",
			Title:    "Backup windows last at least 30 minutes and never overlap the maintenance window",
			Severity: Critical,
			Reason:   "RDS refuses the instance",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					backup, maintenance := r.String("backupWindow"), r.String("maintenanceWindow")
					if backup == "" || maintenance == "" {
						return ""
					}
					overlap, backupLen, _, ok := dataWindowsOverlap(backup, maintenance)
					switch {
					case !ok:
						return fmt.Sprintf("backupWindow %q or maintenanceWindow %q is not a window", backup, maintenance)
					case backupLen < 30:
						return fmt.Sprintf("backupWindow %q lasts %d minutes", backup, backupLen)
					case overlap:
						return fmt.Sprintf("backupWindow %q overlaps maintenanceWindow %q", backup, maintenance)
					}
					return ""
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html",
			Quote:     "The backup window can't overlap with the weekly maintenance window for the DB instance or Multi-AZ DB cluster.",
			Error:     "InvalidParameterValue",
		}),
		awsRule(&Rule{
			ID:       "rds-monitoring-interval-needs-role",
			Title:    "Enhanced Monitoring intervals are values RDS accepts, each with a monitoring role",
			Severity: Critical,
			Reason:   "RDS refuses the instance",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					interval, ok := dataNumber(r, "monitoringInterval")
					if !ok {
						return ""
					}
					if !slices.Contains([]int{0, 1, 5, 10, 15, 30, 60}, interval) {
						return fmt.Sprintf("monitoringInterval %d is not one of 0, 1, 5, 10, 15, 30, 60", interval)
					}
					return unless(interval == 0 || set(r.Get("monitoringRoleArn")), fmt.Sprintf("monitoringInterval %d without monitoringRoleArn", interval))
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/monitoring-role-arn.html",
			Quote:     "If MonitoringInterval is set to a value other than 0, supply a MonitoringRoleArn value.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-engine-version-prefix-needs-minor-upgrades",
			Title:    "Database engine versions are a major or major.minor version; a prefix comes with automatic minor upgrades",
			Severity: High,
			Reason:   "the provider resolves a version prefix only with autoMinorVersionUpgrade; otherwise every run shows a version diff or RDS finds no such version",
			Check: func(c *Checker) {
				pattern := regexp.MustCompile(`^[1-9][0-9]*(\.[0-9]+)?$`)
				c.Each(func(r *offline.Resource) string {
					v := r.String("engineVersion")
					if v == "" || isReplica(r) {
						return ""
					}
					if !pattern.MatchString(v) {
						return fmt.Sprintf("engineVersion %q is not a PostgreSQL major or major.minor version", v)
					}
					prefix := !strings.Contains(v, ".")
					return unless(!prefix || r.Get("autoMinorVersionUpgrade") != false, fmt.Sprintf("engineVersion %q is a prefix, and autoMinorVersionUpgrade is false", v))
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/",
			Quote:     "If `autoMinorVersionUpgrade` is enabled, you can provide a prefix of the version such as `8.0` (for `8.0.36`). The actual engine version used is returned in the attribute `engineVersionActual`",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-parameter-group-family-matches-engine-version",
			Title:    "Every database's parameter group is of its engine's major version family (postgres<major>)",
			Severity: Critical,
			Reason:   "RDS refuses an instance whose parameter group is of another family",
			Check: func(c *Checker) {
				byID := dataInstances(c.Stack)
				c.Each(func(r *offline.Resource) string {
					name, ok := r.Get("parameterGroupName").(string)
					if !ok || name == "" {
						return ""
					}
					group := dataByOutput(c.Stack, typeDBParameters, name)
					if group == nil {
						return ""
					}
					version, engine := r.String("engineVersion"), r.String("engine")
					if isReplica(r) {
						if src := dataSource(byID, r); src != nil {
							version, engine = src.String("engineVersion"), src.String("engine")
						}
					}
					if engine != "postgres" || dataMajor(version) == 0 {
						return ""
					}
					want := fmt.Sprintf("postgres%d", dataMajor(version))
					return unless(group.String("family") == want, fmt.Sprintf("parameter group family %q for engine version %q (want %s)", group.String("family"), version, want))
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimEngineParameters,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Parameters.html",
			Quote:     "For example, suppose that you create an RDS for PostgreSQL DB instance using PostgreSQL 13.3. In this case, the DB instance is created using the values in the parameter group for PostgreSQL 13 releases, default.postgres13.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-parameter-apply-method-immediate-only-dynamic",
			Title:    "Static database parameters are applied at the next reboot, never immediately",
			Severity: Critical,
			Reason:   "RDS refuses the parameter group's modification",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if !strings.HasPrefix(r.String("family"), "postgres") {
						return ""
					}
					var bad []string
					for i := range r.List("parameters") {
						p := fmt.Sprintf("parameters[%d].", i)
						if r.String(p+"applyMethod") == "immediate" && slices.Contains(dataStaticParameters, r.String(p+"name")) {
							bad = append(bad, r.String(p+"name"))
						}
					}
					return unless(len(bad) == 0, fmt.Sprintf("static parameters %v with applyMethod immediate", bad))
				}, typeDBParameters)
			},
		}, Constraint{
			Dimension: DimEngineParameters,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-parameter-group-request/-builder/parameters.html",
			Quote:     "You can use the immediate value with dynamic parameters only. You can use the pending-reboot value for both dynamic and static parameters.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "rds-log-groups-created-before-instance",
			Title:    "The log groups a database exports to exist before it, created by the program with their retention",
			Severity: High,
			Reason:   "RDS creates a missing group itself, without retention or key, and the program's later create of it fails (ResourceAlreadyExistsException)",
			Check: func(c *Checker) {
				groups := map[string]*offline.Resource{}
				for _, g := range c.Stack.ByType(typeLogGroup) {
					groups[g.String("name")] = g
				}
				c.Each(func(r *offline.Resource) string {
					id := r.String("identifier")
					if id == "" {
						return ""
					}
					for _, log := range r.Strings("enabledCloudwatchLogsExports") {
						name := dataLogGroupName(id, log)
						g := groups[name]
						switch {
						case g == nil:
							return fmt.Sprintf("no log group %s in the stack", name)
						case !c.Stack.DependsOn(r, g):
							return fmt.Sprintf("is not ordered after its log group %s", name)
						}
					}
					return ""
				}, typeDBInstance)
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.PostgreSQL.html",
			Quote:     "After you complete the configuration, Amazon RDS publishes the log events to log streams within a CloudWatch log group. For example, the PostgreSQL log data is stored within the log group `/aws/rds/instance/my_instance/postgresql`.",
			Error:     "ResourceAlreadyExistsException",
		}),
		awsRule(&Rule{
			ID:       "rds-iam-auth-arn-uses-dbiresourceid",
			Title:    "rds-db:connect grants name a database of the stack by its resource id, and that database accepts IAM authentication",
			Severity: High,
			Reason:   "a grant naming the identifier, or a database without IAM authentication, leaves every IAM login refused (PAM authentication failed)",
			Check: func(c *Checker) {
				ids := map[string]bool{}
				for _, db := range c.Stack.ByType(typeDBInstance) {
					// The provider's id of an instance is its resource id.
					rid := str(db.Output("resourceId"))
					if rid == "" && strings.HasPrefix(db.ID, "db-") {
						rid = db.ID
					}
					if rid != "" && db.Bool("iamDatabaseAuthenticationEnabled") {
						ids[rid] = true
					}
				}
				grant := regexp.MustCompile(`^arn:aws[a-z-]*:rds-db:[a-z0-9-]+:[0-9]{12}:dbuser:([^/]+)/[^/]+$`)
				c.Each(func(r *offline.Resource) string {
					sts, ok := statements(r, "policy")
					if !ok {
						return ""
					}
					for _, st := range sts {
						if !slices.Contains(st.actions(), "rds-db:connect") {
							continue
						}
						for _, res := range st.resources() {
							m := grant.FindStringSubmatch(res)
							switch {
							case m == nil:
								return fmt.Sprintf("rds-db:connect on %q, not arn:…:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>", res)
							case !strings.HasPrefix(m[1], "db-"):
								return fmt.Sprintf("rds-db:connect on %q names %s, not a resource id (db-…)", res, m[1])
							case !ids[m[1]]:
								return fmt.Sprintf("rds-db:connect on %q: no database of the stack with IAM authentication has resource id %s", res, m[1])
							}
						}
					}
					return ""
				}, typeRolePolicy)
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html",
			Quote:     "`DbiResourceId` is the identifier for the DB instance. This identifier is unique to an AWS Region and never changes.",
		}),
		awsRule(&Rule{
			ID:       "secretsmanager-rotation-after-lambda-permission",
			Title:    "Every secret rotation is created after the Lambda permission that lets Secrets Manager invoke its function for that secret",
			Severity: Critical,
			Reason:   "RotateSecret invokes the function at once; without the permission Secrets Manager refuses the rotation (the provider's one-minute retry only hides the race)",
			Check: func(c *Checker) {
				requireDependency(c, dataTypeSecretRotation, nil, typePermission, func(rot, p *offline.Resource) bool {
					if p.String("principal") != dataSecretsManagerPrincipal {
						return false
					}
					fn, ok := rot.Get("rotationLambdaArn").(string)
					if ok && fn != "" && known(p.Get("function")) && dataFunctionName(p.String("function")) != dataFunctionName(fn) {
						return false
					}
					secretID, _ := rot.Get("secretId").(string)
					source, _ := p.Get("sourceArn").(string)
					if strings.HasPrefix(secretID, "arn:") && source != "" && !dataGlob(source, secretID) {
						return false
					}
					return true
				}, "Secrets Manager refuses a rotation whose function does not yet let secretsmanager.amazonaws.com invoke it (AccessDeniedException)")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets-cli.html",
			Quote:     "Set a resource policy on the Lambda function to allow Secrets Manager to invoke it by calling add-permission.",
			Error:     "AccessDeniedException",
			Found:     "the SecretRotation of <stack>/backend/SESSION_SIGNING_KEY was created in parallel with the rotator's Lambda permission (components/secret, components/function, stacks/functionpart)",
		}),
		awsRule(&Rule{
			ID:       "secretsmanager-rotation-function-permissions",
			Title:    "A rotation function's role may read, write and restage the secret it rotates, and use the secret's KMS key",
			Severity: High,
			Reason:   "the rotation fails at its first step and the secret keeps no value, or its old one",
			Check: func(c *Checker) {
				c.Each(func(rot *offline.Resource) string {
					fnRef, _ := rot.Get("rotationLambdaArn").(string)
					secretID, _ := rot.Get("secretId").(string)
					fn := dataByOutput(c.Stack, typeFunction, fnRef)
					secret := dataByOutput(c.Stack, typeSecret, secretID)
					if fn == nil || secret == nil {
						return ""
					}
					roleRef, _ := fn.Get("role").(string)
					sts, ok := dataRoleStatements(c.Stack, roleRef)
					arn := str(secret.Output("arn"))
					if !ok || arn == "" {
						return ""
					}
					var missing []string
					for _, a := range []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"} {
						if !dataAllows(sts, a, arn) {
							missing = append(missing, a)
						}
					}
					if key, isString := secret.Get("kmsKeyId").(string); isString && key != "" && !strings.HasSuffix(key, "alias/aws/secretsmanager") {
						for _, a := range []string{"kms:Decrypt", "kms:GenerateDataKey"} {
							if !dataAllows(sts, a, key) {
								missing = append(missing, a+" on the secret's key")
							}
						}
					}
					return unless(len(missing) == 0, fmt.Sprintf("the role of %s lacks %v for %s", fn.Name, missing, secret.Name))
				}, dataTypeSecretRotation)
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html",
			Quote:     "If the secret is encrypted with a KMS key other than the AWS managed key aws/secretsmanager, then you need to grant the Lambda execution role permission to use the key.",
		}),
		awsRule(&Rule{
			ID:       "secretsmanager-recovery-window",
			Title:    "Secrets have a recovery window Secrets Manager accepts: 0, or 7 to 30 days",
			Severity: Critical,
			Reason:   "Secrets Manager refuses the deletion settings",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					days, ok := dataNumber(r, "recoveryWindowInDays")
					return unless(!ok || days == 0 || (days >= 7 && days <= 30), fmt.Sprintf("recoveryWindowInDays %d", days))
				}, typeSecret)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://www.pulumi.com/registry/packages/aws/api-docs/secretsmanager/secret/",
			Quote:     "Number of days that AWS Secrets Manager waits before it can delete the secret. This value can be `0` to force deletion without recovery or range from `7` to `30` days. The default value is `30`.",
			Error:     "InvalidParameterException",
		}),
		awsRule(&Rule{
			ID:       "memcached-transit-encryption-version-and-nodes",
			Title:    "Memcached clusters encrypting in transit run 1.6.12 or later, in a VPC, on node types that support it",
			Severity: Critical,
			Reason:   "ElastiCache refuses the cluster",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if r.String("engine") != "memcached" || !r.Bool("transitEncryptionEnabled") {
						return ""
					}
					if v, ok := dataCacheVersion(r.String("engineVersion")); r.String("engineVersion") != "" && (!ok || slices.Compare(v[:], []int{1, 6, 12}) < 0) {
						return fmt.Sprintf("engineVersion %q: in-transit encryption needs 1.6.12 or later", r.String("engineVersion"))
					}
					if !set(r.Get("subnetGroupName")) {
						return "no subnetGroupName: in-transit encryption needs a VPC"
					}
					family := strings.Split(r.String("nodeType"), ".")
					if len(family) == 3 && slices.Contains([]string{"m1", "m2", "m3", "r3", "t2"}, family[1]) {
						return fmt.Sprintf("nodeType %s does not support in-transit encryption", r.String("nodeType"))
					}
					return ""
				}, typeCacheCluster)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html",
			Quote:     "In-transit encryption is supported on clusters running Memcached versions 1.6.12 and later.",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:       "memcached-cross-az-needs-nodes",
			Title:    "Only Memcached clusters of more than one node are cross-az",
			Severity: Critical,
			Reason:   "ElastiCache refuses the cluster",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					nodes, ok := dataNumber(r, "numCacheNodes")
					return unless(!ok || r.String("azMode") != "cross-az" || nodes > 1, fmt.Sprintf("azMode cross-az with %d node(s)", nodes))
				}, typeCacheCluster)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/cluster/",
			Quote:     "Valid values for this parameter are `single-az` or `cross-az`, default is `single-az`. If you want to choose `cross-az`, `numCacheNodes` must be greater than `1`.",
			Error:     "InvalidParameterValue",
		}),
		awsRule(&Rule{
			ID:       "memcached-preferred-zones-match-nodes",
			Title:    "A Memcached cluster's preferred zones list one zone per node",
			Severity: Critical,
			Reason:   "ElastiCache refuses the cluster",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					zones, isList := r.Get("preferredAvailabilityZones").([]any)
					nodes, ok := dataNumber(r, "numCacheNodes")
					if !isList || !ok {
						return ""
					}
					return unless(len(zones) == nodes, fmt.Sprintf("%d preferred zones for %d nodes", len(zones), nodes))
				}, typeCacheCluster)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/cluster/",
			Quote:     "If you are creating your cluster in an Amazon VPC you can only locate nodes in Availability Zones that are associated with the subnets in the selected subnet group. The number of Availability Zones listed must equal the value of `numCacheNodes`.",
			Error:     "InvalidParameterValue",
		}),
		awsRule(&Rule{
			ID:       "memcached-parameter-group-family",
			Title:    "A Memcached cluster's parameter group is of its engine version's family (memcached<major>.<minor>)",
			Severity: Critical,
			Reason:   "ElastiCache refuses the cluster",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if r.String("engine") != "memcached" {
						return ""
					}
					name, _ := r.Get("parameterGroupName").(string)
					group := dataByOutput(c.Stack, typeCacheParameter, name)
					v, ok := dataCacheVersion(r.String("engineVersion"))
					if group == nil || !ok {
						return ""
					}
					want := fmt.Sprintf("memcached%d.%d", v[0], v[1])
					return unless(group.String("family") == want, fmt.Sprintf("parameter group family %q for Memcached %s (want %s)", group.String("family"), r.String("engineVersion"), want))
				}, typeCacheCluster)
			},
		}, Constraint{
			Dimension: DimEngineParameters,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html",
			Quote:     "Valid values are: memcached1.4 | memcached1.5 | memcached1.6 | redis2.6 | redis2.8 | redis3.2 | redis4.0 | redis5.0 | redis6.x",
			Error:     "InvalidParameterCombination",
		}),
		awsRule(&Rule{
			ID:           "rds-force-failover-needs-multi-az",
			Title:        "The writer of every stack whose failover is drilled (cmd/failover-drill: stage, prod) is Multi-AZ",
			Severity:     High,
			Reason:       "the drill's RebootDBInstance with ForceFailover is refused on a Single-AZ writer, so its failover cannot be rehearsed (docs/runbook.md, section 6.6)",
			Environments: "dev runs a single instance and is not drilled (refarch:dbMultiAz false)",
			SkipIn:       []string{"dev"},
			Check: func(c *Checker) {
				writers(c, func(r *offline.Resource) string {
					return unless(r.Bool("multiAz"), "multiAz is not true: RebootDBInstance refuses ForceFailover, so its failover cannot be drilled")
				})
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RebootDBInstance.html",
			Quote:     "Constraint: You can't enable force failover if the instance isn't configured for Multi-AZ.",
		}),
	}
}
