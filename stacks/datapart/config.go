package datapart

import (
	"strconv"

	"github.com/refarch/refarch/components/memcached"
	"github.com/refarch/refarch/components/postgres"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// The stack-level limits of the data stores, stricter than the components'.
const (
	// minBackupRetentionDays is the least any environment keeps: a week of
	// point-in-time recovery covers a bad deploy found after a weekend.
	minBackupRetentionDays = 7
	// minProdBackupRetentionDays is the least prod keeps: two weeks cover
	// a corruption noticed in the next sprint.
	minProdBackupRetentionDays = 14
	// maxDBReplicas caps the readers of one environment; more is a
	// capacity review, not a configuration change.
	maxDBReplicas = 5
	// minProdCacheNodes keeps prod's cache in two zones.
	minProdCacheNodes = 2
)

// Config configures Postgres and Memcached (application stacks only).
// Each field names its key; Pulumi.yaml declares their types, defaults and
// descriptions.
type Config struct {
	// DBInstanceClass is the writer's (and readers') class (refarch:dbInstanceClass).
	DBInstanceClass string
	// DBEngineVersion is the PostgreSQL version, "18" or "18.1" (refarch:dbEngineVersion).
	DBEngineVersion string
	// DBAllocatedStorage and DBMaxAllocatedStorage are the initial gp3
	// storage and the autoscaling ceiling, in GiB (refarch:dbAllocatedStorage,
	// refarch:dbMaxAllocatedStorage).
	DBAllocatedStorage, DBMaxAllocatedStorage int
	// DBBackupRetentionDays is the automated backup retention, 7-35 days,
	// at least 14 in prod (refarch:dbBackupRetentionDays).
	DBBackupRetentionDays int
	// DBBackupWindow and DBMaintenanceWindow are the daily backup and weekly
	// maintenance windows in UTC (refarch:dbBackupWindow, refarch:dbMaintenanceWindow).
	DBBackupWindow, DBMaintenanceWindow string
	// DBMultiAZ keeps a standby in another zone (refarch:dbMultiAz); prod
	// cannot turn it off.
	DBMultiAZ bool
	// DBReplicas is the number of read replicas, 0-5 (refarch:dbReplicas).
	DBReplicas int
	// DBSkipFinalSnapshot deletes the database without a final snapshot
	// (refarch:dbSkipFinalSnapshot); prod cannot turn it on.
	DBSkipFinalSnapshot bool
	// DBMonitoringInterval is the Enhanced Monitoring interval in seconds
	// (refarch:dbMonitoringInterval).
	DBMonitoringInterval int
	// DBOperatorAccess admits operators on the database port: the VPN
	// server's security group, referenced across the peering, since the VPN
	// translates its clients to its own address (refarch:dbOperatorAccess);
	// it needs refarch:managementPeering.
	DBOperatorAccess bool
	// CacheNodeType, CacheNodes and CacheEngineVersion shape the Memcached
	// cluster (refarch:cacheNodeType, refarch:cacheNodes, refarch:cacheEngineVersion).
	CacheNodeType      string
	CacheNodes         int
	CacheEngineVersion string
}

// Load reads and validates the section; problems go to r. managementPeering
// is the network section's refarch:managementPeering, which operator access
// needs.
func (s *Config) Load(r *stack.Reader, c *stack.Config, managementPeering bool) {
	if c.Role != stack.RoleApp {
		return
	}
	s.DBInstanceClass = r.Str("dbInstanceClass")
	s.DBEngineVersion = r.Str("dbEngineVersion")
	s.DBAllocatedStorage = r.Int("dbAllocatedStorage", 0)
	s.DBMaxAllocatedStorage = r.Int("dbMaxAllocatedStorage", 0)
	s.DBBackupRetentionDays = r.Int("dbBackupRetentionDays", 0)
	s.DBBackupWindow = r.Str("dbBackupWindow")
	s.DBMaintenanceWindow = r.Str("dbMaintenanceWindow")
	s.DBMultiAZ = r.Bool("dbMultiAz", true, true)
	s.DBReplicas = r.Int("dbReplicas", 0)
	s.DBSkipFinalSnapshot = r.Bool("dbSkipFinalSnapshot", true, false)
	s.DBMonitoringInterval = r.Int("dbMonitoringInterval", 0)
	s.DBOperatorAccess = r.Bool("dbOperatorAccess", true, false)
	s.CacheNodeType = r.Str("cacheNodeType")
	s.CacheNodes = r.Int("cacheNodes", 0)
	s.CacheEngineVersion = r.Str("cacheEngineVersion")
	s.check(&r.Problems, c, managementPeering)
}

// check applies the rules: the components' own (formats, AWS limits) under
// the configuration keys, and the environment's (what prod may not do).
func (s *Config) check(p *validate.Problems, c *stack.Config, managementPeering bool) {
	itoa := strconv.Itoa
	if s.DBInstanceClass != "" {
		p.Check(stack.Key("dbInstanceClass"), s.DBInstanceClass, postgres.CheckInstanceClass(s.DBInstanceClass))
	}
	if s.DBEngineVersion != "" {
		p.Check(stack.Key("dbEngineVersion"), s.DBEngineVersion, postgres.CheckEngineVersion(s.DBEngineVersion))
	}
	allocatedRule := postgres.CheckAllocatedStorage(s.DBAllocatedStorage)
	p.Check(stack.Key("dbAllocatedStorage"), itoa(s.DBAllocatedStorage), allocatedRule)
	if allocatedRule == "" {
		p.Check(stack.Key("dbMaxAllocatedStorage"), itoa(s.DBMaxAllocatedStorage), postgres.CheckMaxAllocatedStorage(s.DBMaxAllocatedStorage, s.DBAllocatedStorage))
	}
	retention := itoa(s.DBBackupRetentionDays)
	switch {
	case s.DBBackupRetentionDays < minBackupRetentionDays || s.DBBackupRetentionDays > postgres.MaxBackupRetentionDays:
		p.Add(stack.Key("dbBackupRetentionDays"), retention, validate.CheckRange(s.DBBackupRetentionDays, minBackupRetentionDays, postgres.MaxBackupRetentionDays)+
			" days: a week of point-in-time recovery at least, and RDS keeps 35 at most")
	case c.IsProd() && s.DBBackupRetentionDays < minProdBackupRetentionDays:
		p.Addf(stack.Key("dbBackupRetentionDays"), retention, "must be at least %d in prod: a corruption noticed two weeks late must still be recoverable", minProdBackupRetentionDays)
	}
	if s.DBBackupWindow != "" && s.DBMaintenanceWindow != "" {
		backupRule, maintenanceRule := postgres.CheckWindows(s.DBBackupWindow, s.DBMaintenanceWindow)
		p.Check(stack.Key("dbBackupWindow"), s.DBBackupWindow, backupRule)
		p.Check(stack.Key("dbMaintenanceWindow"), s.DBMaintenanceWindow, maintenanceRule)
	}
	if c.IsProd() && !s.DBMultiAZ {
		p.Add(stack.Key("dbMultiAz"), "false", "must be true in prod: without a standby, a host or zone failure takes the database down until it is rebuilt")
	}
	if rule := validate.CheckRange(s.DBReplicas, 0, maxDBReplicas); rule != "" {
		p.Add(stack.Key("dbReplicas"), itoa(s.DBReplicas), rule)
	}
	if c.IsProd() && s.DBSkipFinalSnapshot {
		p.Add(stack.Key("dbSkipFinalSnapshot"), "true", "must be false in prod: deleting the database must leave a final snapshot")
	}
	p.Check(stack.Key("dbMonitoringInterval"), itoa(s.DBMonitoringInterval), postgres.CheckMonitoringInterval(s.DBMonitoringInterval))
	if s.DBOperatorAccess && !managementPeering {
		p.Addf(stack.Key("dbOperatorAccess"), "true", "needs %s = true: operators reach the database from the management VPC, through the peering", stack.Key("managementPeering"))
	}

	if s.CacheNodeType != "" {
		p.Check(stack.Key("cacheNodeType"), s.CacheNodeType, memcached.CheckNodeType(s.CacheNodeType))
	}
	nodes := itoa(s.CacheNodes)
	if rule := memcached.CheckNodes(s.CacheNodes); rule != "" {
		p.Add(stack.Key("cacheNodes"), nodes, rule)
	} else if c.IsProd() && s.CacheNodes < minProdCacheNodes {
		p.Addf(stack.Key("cacheNodes"), nodes, "must be at least %d in prod: one node is one zone, and losing it empties the whole cache", minProdCacheNodes)
	}
	if s.CacheEngineVersion != "" {
		p.Check(stack.Key("cacheEngineVersion"), s.CacheEngineVersion, memcached.CheckEngineVersion(s.CacheEngineVersion))
	}
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "dbInstanceClass", Part: "stacks/datapart", Feeds: "components/postgres (Args.InstanceClass)", Rule: "an RDS instance class (db.<family>.<size>)"},
	{Name: "dbEngineVersion", Part: "stacks/datapart", Feeds: "components/postgres (Args.EngineVersion)", Rule: "a major version (18) or major.minor (18.1) of a major in RDS standard support"},
	{Name: "dbAllocatedStorage", Part: "stacks/datapart", Feeds: "components/postgres (Args.AllocatedStorage)", Rule: "20-65536 GiB"},
	{Name: "dbMaxAllocatedStorage", Part: "stacks/datapart", Feeds: "components/postgres (Args.MaxAllocatedStorage)", Rule: "at least 10% above dbAllocatedStorage, at most 65536 GiB"},
	{Name: "dbBackupRetentionDays", Part: "stacks/datapart", Feeds: "components/postgres (Args.BackupRetentionDays)", Rule: "7-35; at least 14 in prod"},
	{Name: "dbBackupWindow", Part: "stacks/datapart", Feeds: "components/postgres (Args.BackupWindow)", Rule: "hh:mm-hh:mm UTC, at least 30 minutes"},
	{Name: "dbMaintenanceWindow", Part: "stacks/datapart", Feeds: "components/postgres (Args.MaintenanceWindow)", Rule: "ddd:hh:mm-ddd:hh:mm UTC, at least 30 minutes, not overlapping dbBackupWindow"},
	{Name: "dbMultiAz", Part: "stacks/datapart", Feeds: "components/postgres (Args.SingleAZ, inverted)", Rule: "true in prod"},
	{Name: "dbReplicas", Part: "stacks/datapart", Feeds: "components/postgres (Args.ReadReplicas); DB_READER_HOSTS of services with dataAccess", Rule: "0-5"},
	{Name: "dbSkipFinalSnapshot", Part: "stacks/datapart", Feeds: "components/postgres (Args.SkipFinalSnapshot)", Rule: "false in prod"},
	{Name: "dbMonitoringInterval", Part: "stacks/datapart", Feeds: "components/postgres (Args.MonitoringInterval)", Rule: "1, 5, 10, 15, 30 or 60 seconds"},
	{Name: "dbOperatorAccess", Part: "stacks/datapart", Feeds: "components/postgres (Args.OperatorSecurityGroupIDs: the VPN server's security group)", Rule: "needs managementPeering = true"},
	{Name: "cacheNodeType", Part: "stacks/datapart", Feeds: "components/memcached (Args.NodeType)", Rule: "an ElastiCache node type (cache.<family>.<size>)"},
	{Name: "cacheNodes", Part: "stacks/datapart", Feeds: "components/memcached (Args.Nodes)", Rule: "1-40; at least 2 in prod"},
	{Name: "cacheEngineVersion", Part: "stacks/datapart", Feeds: "components/memcached (Args.EngineVersion)", Rule: "1.6.12 or later (in-transit encryption)"},
}
