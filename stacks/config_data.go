package stacks

import (
	"strconv"

	"github.com/refarch/refarch/components/memcached"
	"github.com/refarch/refarch/components/postgres"
	"github.com/refarch/refarch/components/validate"
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

// DataConfig configures Postgres and Memcached (application stacks only).
// Each field names its key; Pulumi.yaml declares their types, defaults and
// descriptions.
type DataConfig struct {
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
	// DBOperatorAccess admits the management VPC, where operators arrive
	// through the VPN, on the database port (refarch:dbOperatorAccess); it
	// needs refarch:managementPeering.
	DBOperatorAccess bool
	// CacheNodeType, CacheNodes and CacheEngineVersion shape the Memcached
	// cluster (refarch:cacheNodeType, refarch:cacheNodes, refarch:cacheEngineVersion).
	CacheNodeType      string
	CacheNodes         int
	CacheEngineVersion string
}

// load reads and validates the section; problems go to r.
func (s *DataConfig) load(r *reader, c *Config) {
	if c.Role != RoleApp {
		return
	}
	s.DBInstanceClass = r.str("dbInstanceClass")
	s.DBEngineVersion = r.str("dbEngineVersion")
	s.DBAllocatedStorage = r.integer("dbAllocatedStorage", 0)
	s.DBMaxAllocatedStorage = r.integer("dbMaxAllocatedStorage", 0)
	s.DBBackupRetentionDays = r.integer("dbBackupRetentionDays", 0)
	s.DBBackupWindow = r.str("dbBackupWindow")
	s.DBMaintenanceWindow = r.str("dbMaintenanceWindow")
	s.DBMultiAZ = r.boolean("dbMultiAz", true, true)
	s.DBReplicas = r.integer("dbReplicas", 0)
	s.DBSkipFinalSnapshot = r.boolean("dbSkipFinalSnapshot", true, false)
	s.DBMonitoringInterval = r.integer("dbMonitoringInterval", 0)
	s.DBOperatorAccess = r.boolean("dbOperatorAccess", true, false)
	s.CacheNodeType = r.str("cacheNodeType")
	s.CacheNodes = r.integer("cacheNodes", 0)
	s.CacheEngineVersion = r.str("cacheEngineVersion")
	s.check(&r.problems, c)
}

// check applies the rules: the components' own (formats, AWS limits) under
// the configuration keys, and the environment's (what prod may not do).
func (s *DataConfig) check(p *validate.Problems, c *Config) {
	itoa := strconv.Itoa
	if s.DBInstanceClass != "" {
		p.Check(Key("dbInstanceClass"), s.DBInstanceClass, postgres.CheckInstanceClass(s.DBInstanceClass))
	}
	if s.DBEngineVersion != "" {
		p.Check(Key("dbEngineVersion"), s.DBEngineVersion, postgres.CheckEngineVersion(s.DBEngineVersion))
	}
	allocatedRule := postgres.CheckAllocatedStorage(s.DBAllocatedStorage)
	p.Check(Key("dbAllocatedStorage"), itoa(s.DBAllocatedStorage), allocatedRule)
	if allocatedRule == "" {
		p.Check(Key("dbMaxAllocatedStorage"), itoa(s.DBMaxAllocatedStorage), postgres.CheckMaxAllocatedStorage(s.DBMaxAllocatedStorage, s.DBAllocatedStorage))
	}
	retention := itoa(s.DBBackupRetentionDays)
	switch {
	case s.DBBackupRetentionDays < minBackupRetentionDays || s.DBBackupRetentionDays > postgres.MaxBackupRetentionDays:
		p.Add(Key("dbBackupRetentionDays"), retention, validate.CheckRange(s.DBBackupRetentionDays, minBackupRetentionDays, postgres.MaxBackupRetentionDays)+
			" days: a week of point-in-time recovery at least, and RDS keeps 35 at most")
	case c.IsProd() && s.DBBackupRetentionDays < minProdBackupRetentionDays:
		p.Addf(Key("dbBackupRetentionDays"), retention, "must be at least %d in prod: a corruption noticed two weeks late must still be recoverable", minProdBackupRetentionDays)
	}
	if s.DBBackupWindow != "" && s.DBMaintenanceWindow != "" {
		backupRule, maintenanceRule := postgres.CheckWindows(s.DBBackupWindow, s.DBMaintenanceWindow)
		p.Check(Key("dbBackupWindow"), s.DBBackupWindow, backupRule)
		p.Check(Key("dbMaintenanceWindow"), s.DBMaintenanceWindow, maintenanceRule)
	}
	if c.IsProd() && !s.DBMultiAZ {
		p.Add(Key("dbMultiAz"), "false", "must be true in prod: without a standby, a host or zone failure takes the database down until it is rebuilt")
	}
	if rule := validate.CheckRange(s.DBReplicas, 0, maxDBReplicas); rule != "" {
		p.Add(Key("dbReplicas"), itoa(s.DBReplicas), rule)
	}
	if c.IsProd() && s.DBSkipFinalSnapshot {
		p.Add(Key("dbSkipFinalSnapshot"), "true", "must be false in prod: deleting the database must leave a final snapshot")
	}
	p.Check(Key("dbMonitoringInterval"), itoa(s.DBMonitoringInterval), postgres.CheckMonitoringInterval(s.DBMonitoringInterval))
	if s.DBOperatorAccess && !c.Network.ManagementPeering {
		p.Addf(Key("dbOperatorAccess"), "true", "needs %s = true: operators reach the database from the management VPC, through the peering", Key("managementPeering"))
	}

	if s.CacheNodeType != "" {
		p.Check(Key("cacheNodeType"), s.CacheNodeType, memcached.CheckNodeType(s.CacheNodeType))
	}
	nodes := itoa(s.CacheNodes)
	if rule := memcached.CheckNodes(s.CacheNodes); rule != "" {
		p.Add(Key("cacheNodes"), nodes, rule)
	} else if c.IsProd() && s.CacheNodes < minProdCacheNodes {
		p.Addf(Key("cacheNodes"), nodes, "must be at least %d in prod: one node is one zone, and losing it empties the whole cache", minProdCacheNodes)
	}
	if s.CacheEngineVersion != "" {
		p.Check(Key("cacheEngineVersion"), s.CacheEngineVersion, memcached.CheckEngineVersion(s.CacheEngineVersion))
	}
}
