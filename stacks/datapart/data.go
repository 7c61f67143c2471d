// Package datapart is the data part of an application stack's composition:
// Postgres, Memcached and the client group services join to reach them,
// with the section of configuration they read.
package datapart

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/clientgroup"
	"github.com/refarch/refarch/components/memcached"
	"github.com/refarch/refarch/components/postgres"
	"github.com/refarch/refarch/stacks/stack"
)

// The outputs an application stack exports about its data stores, for
// operators (none is a secret: the password is in Secrets Manager, written
// and rotated by the function part's secret rotator).
const (
	// OutputDatabaseAddress is the Postgres writer's DNS name.
	OutputDatabaseAddress = "databaseAddress"
	// OutputDatabaseReaderAddresses are the read replicas' DNS names.
	OutputDatabaseReaderAddresses = "databaseReaderAddresses"
	// OutputDatabaseSecretARN is the master user's Secrets Manager secret.
	OutputDatabaseSecretARN = "databaseSecretArn"
	// OutputCacheEndpoint is the Memcached configuration endpoint (host:port).
	OutputCacheEndpoint = "cacheEndpoint"
)

// Deploy creates Postgres and Memcached in the data subnets, and the
// ClientGroup that breaks the service↔database cycle: the stores admit
// that group (created here, empty), and the services join it later without
// the stores knowing them.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	if a.Network == nil {
		return errors.New("the data stores need the network: the network part must run before the data part")
	}
	net := a.Network
	account := pulumi.Provider(p.Account)
	prefix := fmt.Sprintf("%s-%s", stack.Namespace, c.Stack)

	// The stores admit the client group and add its egress to themselves
	// (postgres and memcached, with their ingress), so even a service whose
	// own groups allow no egress reaches them.
	clients, err := clientgroup.NewClientGroup(ctx, prefix+"-data-clients", &clientgroup.ClientGroupArgs{
		VpcID:       net.VpcID,
		Description: "Members reach the data stores (Postgres, Memcached)",
	}, account)
	if err != nil {
		return err
	}
	clientIDs := []pulumi.StringInput{clients.SecurityGroupID}

	var operators []pulumi.StringInput
	if s.DBOperatorAccess && net.OperatorSecurityGroupID != nil {
		// The VPN translates its clients to its own address, so operators
		// arrive with the VPN server's group, referenced across the peering.
		operators = []pulumi.StringInput{net.OperatorSecurityGroupID}
	}
	var alarmTopic pulumi.StringInput
	if a.Baseline != nil {
		alarmTopic = a.Baseline.AlertTopicARN
	}
	db, err := postgres.NewPostgres(ctx, stack.DatabaseName(c.Stack), &postgres.PostgresArgs{
		KeyAdministrators:        c.KeyAdministrators(),
		VpcID:                    net.VpcID,
		SubnetIDs:                net.DataSubnetIDs,
		AvailabilityZones:        net.AvailabilityZones,
		ClientSecurityGroupIDs:   clientIDs,
		OperatorSecurityGroupIDs: operators,
		EngineVersion:            s.DBEngineVersion,
		InstanceClass:            s.DBInstanceClass,
		AllocatedStorage:         s.DBAllocatedStorage,
		MaxAllocatedStorage:      s.DBMaxAllocatedStorage,
		SingleAZ:                 !s.DBMultiAZ,
		ReadReplicas:             s.DBReplicas,
		BackupRetentionDays:      s.DBBackupRetentionDays,
		BackupWindow:             s.DBBackupWindow,
		MaintenanceWindow:        s.DBMaintenanceWindow,
		SkipFinalSnapshot:        s.DBSkipFinalSnapshot,
		Protect:                  c.DeletionProtection,
		MonitoringInterval:       s.DBMonitoringInterval,
		LogRetentionDays:         c.LogRetentionDays,
		AlarmTopicARN:            alarmTopic,
	}, account)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	cache, err := memcached.NewMemcached(ctx, prefix+"-cache", &memcached.MemcachedArgs{
		VpcID:                  net.VpcID,
		SubnetIDs:              net.DataSubnetIDs,
		AvailabilityZones:      net.AvailabilityZones,
		ClientSecurityGroupIDs: clientIDs,
		NodeType:               s.CacheNodeType,
		Nodes:                  s.CacheNodes,
		EngineVersion:          s.CacheEngineVersion,
	}, account)
	if err != nil {
		return err
	}

	a.Data = &stack.DataOut{
		ClientSecurityGroupID:     clients.SecurityGroupID,
		DatabaseAddress:           db.Address,
		DatabasePort:              db.Port,
		DatabaseSecretARN:         db.SecretARN,
		DatabaseIdentifier:        db.Identifier,
		DatabaseInstanceARN:       db.InstanceARN,
		DatabaseInstances:         db.Instances,
		CacheEndpoint:             cache.ConfigurationEndpoint,
		CacheClusterID:            cache.ClusterID,
		CacheNodes:                cache.Nodes,
		DatabaseName:              db.DatabaseName,
		DatabaseReaderAddresses:   db.ReaderAddresses,
		Replicas:                  s.DBReplicas,
		DatabaseResourceID:        db.ResourceID,
		DatabaseReaderResourceIDs: db.ReaderResourceIDs,
		DatabaseKeyARN:            db.KeyARN,
		DatabaseSubnetGroupName:   db.SubnetGroupName,
		BackupRetentionDays:       s.DBBackupRetentionDays,
	}
	ctx.Export(OutputDatabaseAddress, db.Address)
	ctx.Export(OutputDatabaseReaderAddresses, db.ReaderAddresses)
	ctx.Export(OutputDatabaseSecretARN, db.SecretARN)
	ctx.Export(OutputCacheEndpoint, cache.ConfigurationEndpoint)
	return nil
}
