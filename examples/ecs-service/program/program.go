// Package program is the ecs-service example: one Fargate service behind a
// public load balancer that serves it over HTTPS on a name of the team's
// own hosted zone, with a DNS-validated certificate, in a VPC whose tasks
// reach AWS through VPC endpoints only.
//
// It is a package rather than the example's main so that its test can run
// it under refarch's offline engine; main.go only calls pulumi.Run(Program).
package program

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/components/ecscluster"
	"github.com/refarch/refarch/components/loadbalancer"
	"github.com/refarch/refarch/components/network"
	"github.com/refarch/refarch/components/waf"
)

// EndpointServices are the interface endpoints a Fargate task needs to
// start without a route to the internet: the ECR API and registry (its
// image; the layers come from S3 through the gateway endpoint every
// Network has) and CloudWatch Logs (awslogs). A service reading secrets
// adds secretsmanager (and kms for a customer-managed key).
// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
var EndpointServices = []string{"ecr.api", "ecr.dkr", "logs"}

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
	// VpcCIDR and AZCount shape the network.
	VpcCIDR string
	AZCount int
	// ZoneID and ZoneName are the existing public hosted zone; HostName
	// is the service's name in it.
	ZoneID, ZoneName, HostName string
	// Image is the service's container image, Port the port it serves
	// on, TargetProtocol how the load balancer speaks to it (HTTPS or
	// HTTP) and HealthCheckPath what the load balancer probes.
	Image           string
	Port            int
	TargetProtocol  string
	HealthCheckPath string
	// Protect keeps the logs and the load balancer when the stack is
	// destroyed.
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
		ZoneID:          cfg.Require("zoneId"),
		ZoneName:        cfg.Require("zoneName"),
		HostName:        cfg.Require("hostName"),
		Image:           cfg.Require("image"),
		Port:            cfg.RequireInt("port"),
		TargetProtocol:  cfg.Require("targetProtocol"),
		HealthCheckPath: cfg.Require("healthCheckPath"),
		Protect:         cfg.RequireBool("protect"),
	}
	if err := cfg.TryObject("keyAdministrators", &s.KeyAdministrators); err != nil {
		return nil, fmt.Errorf("ecs-service:keyAdministrators: %w", err)
	}
	return s, nil
}

// Program creates the network, the certificate, the load balancer and the
// cluster with its one service, and exports the service's URL.
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
		return fmt.Errorf("ecs-service:azCount = %d, but %s offers %d zones", s.AZCount, s.Region, len(zones.Names))
	}

	// No NAT gateway: the tasks pull their image, and write their logs,
	// through the VPC's endpoints, and reach nothing else.
	net, err := network.NewNetwork(ctx, name, &network.NetworkArgs{
		CIDRBlock:                 s.VpcCIDR,
		AvailabilityZones:         zones.Names[:s.AZCount],
		NatGateways:               network.NatNone,
		InterfaceEndpoints:        true,
		InterfaceEndpointServices: EndpointServices,
		KeyAdministrators:         s.KeyAdministrators,
		Protect:                   s.Protect,
	}, account)
	if err != nil {
		return err
	}

	// The certificate is validated in the team's own zone, and renewed by
	// ACM for as long as the validation record stays there.
	cert, err := dns.NewCertificate(ctx, name+"-certificate", &dns.CertificateArgs{
		DomainName: s.HostName,
		ZoneID:     pulumi.String(s.ZoneID),
		ZoneName:   s.ZoneName,
	}, account)
	if err != nil {
		return err
	}

	lb, err := loadbalancer.NewLoadBalancer(ctx, name+"-web", &loadbalancer.LoadBalancerArgs{
		Public:         true,
		VpcID:          net.VpcID,
		SubnetIDs:      net.PublicSubnetIDs,
		CertificateARN: cert.CertificateARN,
		Aliases:        []loadbalancer.Alias{{ZoneID: pulumi.String(s.ZoneID), Name: s.HostName}},
		Protect:        s.Protect,
	}, account)
	if err != nil {
		return err
	}

	// A public service gets a web firewall: AWS's managed rules (IP
	// reputation, the common rule set, known bad inputs) and a rate limit
	// per client address, every request logged.
	if _, err := waf.NewWebFirewall(ctx, name+"-web", &waf.WebFirewallArgs{
		Scope:             waf.ScopeRegional,
		ResourceARNs:      []pulumi.StringInput{lb.ARN},
		KeyAdministrators: s.KeyAdministrators,
		Protect:           s.Protect,
	}, account); err != nil {
		return err
	}

	const service = "web"
	cluster, err := ecscluster.NewEcsCluster(ctx, name, &ecscluster.EcsClusterArgs{
		VpcID:                   net.VpcID,
		SubnetIDs:               net.AppSubnetIDs,
		EndpointSecurityGroupID: net.EndpointSecurityGroupID,
		S3PrefixListID:          net.S3PrefixListID,
		Listeners: map[string]ecscluster.Listener{"public": {
			ARN:                   lb.HTTPSListenerARN,
			SecurityGroupID:       lb.SecurityGroupID,
			LoadBalancerARNSuffix: lb.ARNSuffix,
		}},
		Services: []ecscluster.Service{{
			ServiceSpec: ecscluster.ServiceSpec{
				Name:           service,
				Image:          s.Image,
				Port:           s.Port,
				TargetProtocol: s.TargetProtocol,
				Hosts:          []string{s.HostName},
				Paths:          []string{"/*"},
				HealthCheck:    ecscluster.HealthCheck{Path: s.HealthCheckPath},
			},
			Listener: "public",
		}},
		// A year of container logs, as for every other log group here.
		LogRetentionDays:  365,
		KeyAdministrators: s.KeyAdministrators,
		Protect:           s.Protect,
	}, account)
	if err != nil {
		return err
	}

	ctx.Export("url", pulumi.String("https://"+s.HostName))
	ctx.Export("loadBalancerDnsName", lb.DNSName)
	ctx.Export("certificateArn", cert.CertificateARN)
	ctx.Export("clusterName", cluster.Name)
	ctx.Export("serviceName", cluster.Services[service].Name)
	ctx.Export("logGroupName", cluster.Services[service].LogGroupName)
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
