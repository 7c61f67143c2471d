// Package program is the network-postgres example: a Network (VPC) with a
// Postgres database in its data subnets, reachable only by the members of a
// ClientGroup, the way refarch's own stacks wire them (stacks/datapart).
//
// It is a package rather than the example's main so that its test can run
// it under refarch's offline engine; main.go only calls pulumi.Run(Program).
package program

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/refarch/refarch/components/clientgroup"
	"github.com/refarch/refarch/components/network"
	"github.com/refarch/refarch/components/postgres"
)

// Settings are the example's configuration, as Pulumi.yaml declares it.
type Settings struct {
	// AccountID and Region are where everything is created: the provider
	// refuses credentials of any other account.
	AccountID, Region string
	// DeployRoleARN is the role the provider assumes; "" uses the
	// credentials as they are.
	DeployRoleARN string
	// KeyAdministrators administer the KMS keys the components create.
	KeyAdministrators []string
	// VpcCIDR, AZCount and NatGateways shape the network.
	VpcCIDR     string
	AZCount     int
	NatGateways string
	// DBInstanceClass and DBMultiAz size the database.
	DBInstanceClass string
	DBMultiAz       bool
	// Protect keeps the data when the stack is destroyed.
	Protect bool
}

// Load reads the example's configuration. The engine has already applied
// Pulumi.yaml's defaults and refused a stack that misses a required key.
func Load(ctx *pulumi.Context) (*Settings, error) {
	cfg := config.New(ctx, "")
	s := &Settings{
		AccountID:       cfg.Require("accountId"),
		Region:          cfg.Require("region"),
		DeployRoleARN:   cfg.Get("deployRoleArn"),
		VpcCIDR:         cfg.Require("vpcCidr"),
		AZCount:         cfg.RequireInt("azCount"),
		NatGateways:     cfg.Require("natGateways"),
		DBInstanceClass: cfg.Require("dbInstanceClass"),
		DBMultiAz:       cfg.RequireBool("dbMultiAz"),
		Protect:         cfg.RequireBool("protect"),
	}
	if err := cfg.TryObject("keyAdministrators", &s.KeyAdministrators); err != nil {
		return nil, fmt.Errorf("network-postgres:keyAdministrators: %w", err)
	}
	return s, nil
}

// Program creates the network, the client group and the database, and
// exports what a service needs to reach it.
func Program(ctx *pulumi.Context) error {
	s, err := Load(ctx)
	if err != nil {
		return err
	}
	provider, err := newProvider(ctx, s)
	if err != nil {
		return err
	}
	account := pulumi.Provider(provider)
	name := ctx.Stack()

	zones, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		// Only the zones every account has: no Local or Wavelength zones.
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	}, account)
	if err != nil {
		return fmt.Errorf("listing the availability zones: %w", err)
	}
	if len(zones.Names) < s.AZCount {
		return fmt.Errorf("network-postgres:azCount = %d, but %s offers %d zones", s.AZCount, s.Region, len(zones.Names))
	}

	net, err := network.NewNetwork(ctx, name, &network.NetworkArgs{
		CIDRBlock:         s.VpcCIDR,
		AvailabilityZones: zones.Names[:s.AZCount],
		NatGateways:       network.NatStrategy(s.NatGateways),
		KeyAdministrators: s.KeyAdministrators,
		Protect:           s.Protect,
	}, account)
	if err != nil {
		return err
	}

	// The database admits the members of this group (and adds their
	// egress to itself); a service joins it later without the database
	// knowing the service.
	clients, err := clientgroup.NewClientGroup(ctx, name+"-db-clients", &clientgroup.ClientGroupArgs{
		VpcID:       net.VpcID,
		Description: "Members reach the Postgres database",
	}, account)
	if err != nil {
		return err
	}

	db, err := postgres.NewPostgres(ctx, name+"-db", &postgres.PostgresArgs{
		VpcID:                  net.VpcID,
		SubnetIDs:              net.DataSubnetIDs,
		AvailabilityZones:      net.AvailabilityZones,
		ClientSecurityGroupIDs: []pulumi.StringInput{clients.SecurityGroupID},
		InstanceClass:          s.DBInstanceClass,
		SingleAZ:               !s.DBMultiAz,
		KeyAdministrators:      s.KeyAdministrators,
		Protect:                s.Protect,
	}, account)
	if err != nil {
		return err
	}

	ctx.Export("vpcId", net.VpcID)
	ctx.Export("appSubnetIds", net.AppSubnetIDs)
	ctx.Export("dataSubnetIds", net.DataSubnetIDs)
	ctx.Export("clientSecurityGroupId", clients.SecurityGroupID)
	ctx.Export("databaseAddress", db.Address)
	ctx.Export("databasePort", db.Port)
	ctx.Export("databaseName", pulumi.String(db.DatabaseName))
	ctx.Export("databaseSecretArn", db.SecretARN)
	return nil
}

// newProvider is the explicit provider every resource names: Pulumi.yaml
// disables the default one, so nothing lands in whatever account the
// ambient credentials happen to reach.
func newProvider(ctx *pulumi.Context, s *Settings) (*aws.Provider, error) {
	args := &aws.ProviderArgs{
		Region:            pulumi.String(s.Region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(s.AccountID)},
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
			"Project":   pulumi.String(ctx.Project()),
			"Stack":     pulumi.String(ctx.Stack()),
			"ManagedBy": pulumi.String("pulumi"),
		}},
	}
	if s.DeployRoleARN != "" {
		args.AssumeRole = &aws.ProviderAssumeRoleArgs{
			RoleArn:     pulumi.String(s.DeployRoleARN),
			SessionName: pulumi.String(ctx.Project() + "-" + ctx.Stack()),
		}
	}
	p, err := aws.NewProvider(ctx, "aws", args)
	if err != nil {
		return nil, fmt.Errorf("the aws provider: %w", err)
	}
	return p, nil
}
