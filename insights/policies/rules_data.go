package policies

import (
	"fmt"
	"slices"

	"github.com/refarch/refarch/offline"
)

// Data store rules: RDS PostgreSQL and ElastiCache Memcached. CIS v3.0.0
// section 2.3 and FSBP RDS controls
// (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html).

const (
	typeDBInstance     = "aws:rds/instance:Instance"
	typeDBParameters   = "aws:rds/parameterGroup:ParameterGroup"
	typeCacheCluster   = "aws:elasticache/cluster:Cluster"
	typeCacheParameter = "aws:elasticache/parameterGroup:ParameterGroup"
)

// isReplica reports whether an RDS instance is a read replica.
func isReplica(r *offline.Resource) bool { return set(r.Get("replicateSourceDb")) }

// writers judges every RDS instance that is not a read replica (replicas
// inherit encryption, backups and the engine from their source).
func writers(c *Checker, judge func(r *offline.Resource) string) {
	c.Each(func(r *offline.Resource) string {
		if isReplica(r) {
			return ""
		}
		return judge(r)
	}, typeDBInstance)
}

func unless(ok bool, msg string) string {
	if ok {
		return ""
	}
	return msg
}

var dataRules = []*Rule{
	{
		ID: "rds-storage-encrypted", Area: DataStores, Severity: High,
		Title:    "Databases encrypt their storage with a customer managed key",
		Controls: []string{"CIS 2.3.1", "FSBP RDS.3"},
		Reason:   "storage, snapshots, backups and replicas are encrypted with the database's key",
		Check: func(c *Checker) {
			writers(c, func(r *offline.Resource) string {
				return unless(r.Bool("storageEncrypted") && set(r.Get("kmsKeyId")), "storage is not encrypted with a customer managed key")
			})
		},
	},
	{
		ID: "rds-not-public", Area: DataStores, Severity: Critical,
		Title:    "No database instance is publicly accessible",
		Controls: []string{"CIS 2.3.3", "FSBP RDS.2"},
		Reason:   "databases live in isolated subnets and are reached from the app tier or the VPN",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(!r.Bool("publiclyAccessible"), "publiclyAccessible is true")
			}, typeDBInstance)
		},
	},
	{
		ID: "rds-multi-az", Area: DataStores, Severity: High,
		Title:        "Databases run Multi-AZ (a standby in another zone takes over on failure)",
		Controls:     []string{"FSBP RDS.5"},
		Reason:       "failover without data loss",
		Environments: "dev runs a single instance to save cost (refarch:dbMultiAz)",
		SkipIn:       []string{"dev"},
		Check: func(c *Checker) {
			writers(c, func(r *offline.Resource) string { return unless(r.Bool("multiAz"), "multiAz is not true") })
		},
	},
	{
		ID: "rds-deletion-protection", Area: DataStores, Severity: High,
		Title:        "Databases have deletion protection and take a final snapshot",
		Controls:     []string{"FSBP RDS.8"},
		Reason:       "nothing a user stores is lost by a careless change",
		Environments: "dev may be deleted freely (refarch:deletionProtection false)",
		SkipIn:       []string{"dev"},
		Check: func(c *Checker) {
			writers(c, func(r *offline.Resource) string {
				switch {
				case !r.Bool("deletionProtection"):
					return "deletionProtection is not true"
				case r.Bool("skipFinalSnapshot") || !set(r.Get("finalSnapshotIdentifier")):
					return "no final snapshot on deletion"
				}
				return ""
			})
		},
	},
	{
		ID: "rds-backups", Area: DataStores, Severity: High,
		Title:        "Databases keep automated backups (point-in-time recovery) for at least 7 days, kept after deletion",
		Controls:     []string{"FSBP RDS.11"},
		Reason:       "RDS.11's minimum retention of 7 days",
		Environments: "prod keeps at least 14 days (refarch:dbBackupRetentionDays, validated)",
		Check: func(c *Checker) {
			writers(c, func(r *offline.Resource) string {
				switch {
				case r.Int("backupRetentionPeriod") < 7:
					return fmt.Sprintf("backupRetentionPeriod is %d", r.Int("backupRetentionPeriod"))
				case r.Bool("deleteAutomatedBackups"):
					return "automated backups are deleted with the instance"
				}
				return ""
			})
		},
	},
	{
		ID: "rds-minor-version-upgrades", Area: DataStores, Severity: Medium,
		Title:    "Databases take automatic minor version upgrades",
		Controls: []string{"CIS 2.3.2", "FSBP RDS.13"},
		Reason:   "security fixes of the engine arrive in the maintenance window",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(r.Get("autoMinorVersionUpgrade") != false, "autoMinorVersionUpgrade is false")
			}, typeDBInstance)
		},
	},
	{
		ID: "rds-enhanced-monitoring", Area: DataStores, Severity: Low,
		Title:    "Every database instance, replicas included, has Enhanced Monitoring",
		Controls: []string{"FSBP RDS.6"},
		Reason:   "OS-level metrics explain a slow database",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(r.Int("monitoringInterval") > 0 && set(r.Get("monitoringRoleArn")), "no Enhanced Monitoring")
			}, typeDBInstance)
		},
	},
	{
		ID: "rds-iam-authentication", Area: DataStores, Severity: Medium,
		Title:    "Databases accept IAM authentication",
		Controls: []string{"FSBP RDS.10"},
		Reason:   "operators sign in with short-lived tokens instead of shared passwords",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(r.Bool("iamDatabaseAuthenticationEnabled"), "IAM authentication is off")
			}, typeDBInstance)
		},
	},
	{
		ID: "rds-copy-tags-to-snapshots", Area: DataStores, Severity: Low,
		Title:    "Databases copy their tags to snapshots",
		Controls: []string{"FSBP RDS.17"},
		Reason:   "a snapshot says what it belongs to",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(r.Bool("copyTagsToSnapshot"), "copyTagsToSnapshot is not true")
			}, typeDBInstance)
		},
	},
	{
		ID: "rds-postgres-logs-exported", Area: DataStores, Severity: Medium,
		Title:    "PostgreSQL instances export their postgresql and upgrade logs to CloudWatch Logs",
		Controls: []string{"FSBP RDS.36", "FSBP RDS.9"},
		Reason:   "audit and slow-query logs outlive the instance",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if e := r.String("engine"); e != "" && e != "postgres" {
					return ""
				}
				exports := r.Strings("enabledCloudwatchLogsExports")
				return unless(slices.Contains(exports, "postgresql") && slices.Contains(exports, "upgrade"), fmt.Sprintf("exports %v", exports))
			}, typeDBInstance)
		},
	},
	{
		ID: "rds-tls-required", Area: DataStores, Severity: High,
		Title:    "Every PostgreSQL parameter group forces TLS (rds.force_ssl = 1)",
		Controls: []string{"refarch"},
		Reason:   "encryption in transit to the database: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				for i := range r.List("parameters") {
					p := fmt.Sprintf("parameters[%d].", i)
					if r.String(p+"name") == "rds.force_ssl" && r.String(p+"value") == "1" {
						return ""
					}
				}
				return "rds.force_ssl is not 1"
			}, typeDBParameters)
		},
	},
	{
		ID: "rds-performance-insights-encrypted", Area: DataStores, Severity: Low,
		Title:    "Performance Insights is on and encrypted with the database's key",
		Controls: []string{"refarch"},
		Reason:   "query samples hold data; https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Enabling.html",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(r.Bool("performanceInsightsEnabled") && set(r.Get("performanceInsightsKmsKeyId")), "Performance Insights is off or unencrypted")
			}, typeDBInstance)
		},
	},
	{
		ID: "elasticache-own-subnet-group", Area: DataStores, Severity: Medium,
		Title:    "Cache clusters use their own subnet group, never the default",
		Controls: []string{"FSBP ElastiCache.7"},
		Reason:   "the cache lives in the isolated data subnets",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				g := r.Get("subnetGroupName")
				return unless(set(g) && g != "default", "the default subnet group")
			}, typeCacheCluster)
		},
	},
	{
		ID: "elasticache-memcached-tls", Area: DataStores, Severity: High,
		Title:    "Memcached clusters encrypt in transit (TLS)",
		Controls: []string{"refarch"},
		Reason:   "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption-mc.html",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if r.String("engine") != "memcached" {
					return ""
				}
				return unless(r.Bool("transitEncryptionEnabled"), "transitEncryptionEnabled is not true")
			}, typeCacheCluster)
		},
	},
	{
		ID: "elasticache-multi-az", Area: DataStores, Severity: Low,
		Title:        "Cache nodes spread over zones",
		Controls:     []string{"refarch"},
		Reason:       "Memcached has no replication: losing a zone loses only its share of the keys",
		Environments: "dev runs one node",
		SkipIn:       []string{"dev"},
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(r.String("azMode") == "cross-az" && r.Int("numCacheNodes") > 1, "nodes in one zone")
			}, typeCacheCluster)
		},
	},
}
