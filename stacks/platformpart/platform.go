// Package platformpart is the application-platform part of a composition:
// in an application stack the public and internal load balancers, the
// EcsCluster and its services; in shared-services the container registry;
// with the section of configuration they read.
package platformpart

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/ecscluster"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/loadbalancer"
	"github.com/refarch/refarch/components/registry"
	"github.com/refarch/refarch/components/secret"
	"github.com/refarch/refarch/stacks/stack"
	"github.com/refarch/refarch/workloads/apps/contract"
)

// The outputs of the application platform.
const (
	// OutputECRRepositoryURLs maps each repository name to its URL
	// (shared-services): where CI pushes images.
	OutputECRRepositoryURLs = "ecrRepositoryUrls"
	// OutputPublicALBDNSName is the public load balancer's DNS name
	// (application stacks).
	OutputPublicALBDNSName = "publicAlbDnsName"
	// OutputOriginDomain is the public load balancer's name in the
	// environment's zone, CloudFront's API origin (application stacks).
	OutputOriginDomain = "originDomain"
	// OutputInternalURL is where services reach the internal load
	// balancer (application stacks).
	OutputInternalURL = "internalUrl"
	// OutputClusterName is the ECS cluster's name (application stacks).
	OutputClusterName = "ecsClusterName"
	// OutputJobTaskDefinitions maps "<service>/<job>" to the job's task
	// definition (application stacks): what CI runs with
	// `aws ecs run-task` (the backend's migration).
	OutputJobTaskDefinitions = "jobTaskDefinitions"
	// OutputECSServiceNames maps each service to its ECS service's name
	// (cmd/run-job copies the service's network configuration from it).
	OutputECSServiceNames = "ecsServiceNames"
)

// originLabel is the label of the public load balancer's name below the
// environment's zone: origin.<stack>.<domain>, which the environment's
// wildcard certificate covers.
const originLabel = "origin"

// Deploy creates the public and internal load balancers, the ECS
// cluster and its services (refarch:services), in an application stack.
// Each service runs the image ResolveReleases decides: a pin, else the
// release record CI wrote in the stack's account, else the stack file's.
func Deploy(ctx *pulumi.Context, c *stack.Config, pc *Config, p *stack.Providers, a *stack.Parts) error {
	switch {
	case a.Network == nil:
		return errors.New("the platform needs the network: the network part must run before the platform part")
	case a.DNS == nil || a.DNS.CertificateARN == nil || a.DNS.PrivateZoneID == nil:
		return errors.New("the platform needs the environment's zones and certificate: the dns part must run before the platform part")
	}
	for i, svc := range pc.Services {
		if svc.DataAccess && a.Data == nil {
			return fmt.Errorf("%s[%d] (%s) sets dataAccess, but the stack has no data stores: the data part must run before the platform part",
				stack.Key("services"), i, svc.Name)
		}
	}
	// The images: pins, else what CI released to this stack, else the
	// stack file's; a bad release record fails the run before the
	// platform registers anything.
	resolved, releases, err := ResolveReleases(ctx, c, pc, p)
	if err != nil {
		return err
	}
	for _, r := range releases {
		if err := ctx.Log.Info(r.String(), nil); err != nil {
			return fmt.Errorf("logging the release of %s: %w", r.Repository, err)
		}
	}
	opt := pulumi.Provider(p.Account)
	origin := originLabel + "." + c.EnvDomain()

	public, err := loadbalancer.NewLoadBalancer(ctx, c.Stack+"-public", &loadbalancer.LoadBalancerArgs{
		Public:         true,
		VpcID:          a.Network.VpcID,
		SubnetIDs:      a.Network.PublicSubnetIDs,
		CertificateARN: a.DNS.CertificateARN,
		SSLPolicy:      pc.SSLPolicy,
		AccessLogDays:  pc.AccessLogDays,
		Protect:        c.DeletionProtection,
		Aliases:        []loadbalancer.Alias{{ZoneID: a.DNS.PublicZoneID, Name: origin}},
	}, opt)
	if err != nil {
		return err
	}
	// Reachable from the VPC and from operators: the VPN server's own
	// group (not the whole management VPC), referenced across the peering.
	var operators []pulumi.StringInput
	if a.Network.OperatorSecurityGroupID != nil {
		operators = []pulumi.StringInput{a.Network.OperatorSecurityGroupID}
	}
	internal, err := loadbalancer.NewLoadBalancer(ctx, c.Stack+"-internal", &loadbalancer.LoadBalancerArgs{
		VpcID:                   a.Network.VpcID,
		SubnetIDs:               a.Network.AppSubnetIDs,
		CertificateARN:          a.DNS.CertificateARN,
		IngressCIDRs:            []string{a.Network.CIDR},
		IngressSecurityGroupIDs: operators,
		SSLPolicy:               pc.SSLPolicy,
		AccessLogDays:           pc.AccessLogDays,
		Protect:                 c.DeletionProtection,
		// The private zone's apex: one label below the environment's zone,
		// so the wildcard certificate covers it (config.go checks).
		Aliases: []loadbalancer.Alias{{ZoneID: a.DNS.PrivateZoneID, Name: a.DNS.PrivateZoneName}},
	}, opt)
	if err != nil {
		return err
	}
	internalURL := "https://" + a.DNS.PrivateZoneName

	services := make([]ecscluster.Service, len(resolved))
	for i, svc := range resolved {
		s := svc.component(c)
		if svc.CallsInternal {
			s.Environment["INTERNAL_URL"] = pulumi.String(internalURL)
			s.Egress = append(s.Egress, ecscluster.Egress{
				Description:     "the internal load balancer",
				Port:            pulumi.Int(443),
				SecurityGroupID: internal.SecurityGroupID,
			})
		}
		if svc.DataAccess {
			wireData(c, &s, a)
		}
		if err := wireManagedSecrets(ctx, c, p, a, svc, &s); err != nil {
			return err
		}
		services[i] = s
	}
	listener := func(l *loadbalancer.LoadBalancer) ecscluster.Listener {
		return ecscluster.Listener{ARN: l.HTTPSListenerARN, SecurityGroupID: l.SecurityGroupID, LoadBalancerARNSuffix: l.ARNSuffix}
	}
	args := &ecscluster.EcsClusterArgs{
		KeyAdministrators: c.KeyAdministrators(),
		VpcID:             a.Network.VpcID,
		VpcCIDR:           a.Network.CIDR,
		SubnetIDs:         a.Network.AppSubnetIDs,
		// Every task reaches AWS (image, logs, secrets, ECS Exec's
		// ssmmessages) through the VPC's endpoints; the internet only
		// with internetEgress.
		EndpointSecurityGroupID: a.Network.EndpointSecurityGroupID,
		S3PrefixListID:          a.Network.S3PrefixListID,
		Listeners:               map[string]ecscluster.Listener{listenerPublic: listener(public), listenerInternal: listener(internal)},
		Services:                services,
		Routes:                  routes(a, origin),
		SpotWeight:              pc.FargateSpotWeight,
		ExecuteCommand:          pc.ECSExec,
		LogRetentionDays:        c.LogRetentionDays,
		AllowLatestTag:          c.Stack == "dev",
		Protect:                 c.DeletionProtection,
	}
	if a.Baseline != nil {
		// GuardDuty's runtime monitoring covers the services created after
		// it; with its Fargate agent management, every task carries the
		// agent, which pulls its image with the task's execution role and
		// reaches GuardDuty through an endpoint in the VPC.
		args.RuntimeMonitoring = a.Baseline.RuntimeMonitoring
		args.FargateAgentManagement = a.Baseline.FargateAgentManagement
	}
	cluster, err := ecscluster.NewEcsCluster(ctx, c.Stack, args, opt)
	if err != nil {
		return err
	}

	originDomain := public.AliasNames.Index(pulumi.Int(0))
	a.Platform = &stack.PlatformOut{
		OriginDomain:          originDomain,
		PublicLoadBalancerARN: public.ARN,
		LoadBalancers:         map[string]pulumi.StringInput{listenerPublic: public.ARNSuffix, listenerInternal: internal.ARNSuffix},
		ClusterName:           cluster.Name,
	}
	jobs := pulumi.StringMap{}
	serviceNames := pulumi.StringMap{}
	for _, svc := range pc.Services {
		deployed := cluster.Services[svc.Name]
		serviceNames[svc.Name] = deployed.Name
		a.Platform.Services = append(a.Platform.Services, stack.ServiceOut{Name: svc.Name, ServiceName: deployed.Name, MinCount: deployed.MinCount})
		for job, arn := range deployed.JobTaskDefinitionARNs {
			jobs[svc.Name+"/"+job] = arn
		}
	}
	if err := masterSecretPolicy(ctx, c, pc, cluster, a, opt); err != nil {
		return err
	}
	ctx.Export(OutputJobTaskDefinitions, jobs)
	ctx.Export(OutputECSServiceNames, serviceNames)
	ctx.Export(OutputPublicALBDNSName, public.DNSName)
	ctx.Export(OutputOriginDomain, originDomain)
	ctx.Export(OutputInternalURL, pulumi.String(internalURL))
	ctx.Export(OutputClusterName, cluster.Name)
	return nil
}

// routes are the public listener's paths served by Lambda functions
// (hello-http), on the origin's name like the public services.
func routes(a *stack.Parts, origin string) []ecscluster.Route {
	if a.Functions == nil || a.Functions.HelloTargetGroupARN == nil {
		return nil
	}
	return []ecscluster.Route{{
		Name: "hello", Listener: listenerPublic, Paths: a.Functions.HelloPaths, Hosts: []string{origin},
		TargetGroupARN: a.Functions.HelloTargetGroupARN,
	}}
}

// wireData connects a service to the data stores: it joins their client
// group (which the stores admit, and which carries the egress to exactly
// their groups and ports, data.go) and gets their coordinates as plain
// variables (workloads/apps/contract's names). It logs in to Postgres as the role
// contract.AppRole with an IAM authentication token, which its task role
// may request for that role only, on the writer and each replica; the
// master user's secret is not the service's (only the migration reads it).
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
func wireData(c *stack.Config, s *ecscluster.Service, a *stack.Parts) {
	d := a.Data
	s.SecurityGroupIDs = pulumi.StringArray{d.ClientSecurityGroupID}
	s.Environment[contract.EnvDBHost] = d.DatabaseAddress
	s.Environment[contract.EnvDBPort] = d.DatabasePort.ToIntOutput().ApplyT(strconv.Itoa).(pulumi.StringOutput)
	s.Environment[contract.EnvDBName] = pulumi.String(d.DatabaseName)
	s.Environment[contract.EnvDBUser] = pulumi.String(contract.AppRole)
	s.Environment[contract.EnvDBCABundle] = pulumi.String(contract.CABundlePath)
	s.Environment[contract.EnvAWSRegion] = pulumi.String(c.Region)
	s.Environment[contract.EnvCacheEndpoint] = d.CacheEndpoint
	prefix := iampolicy.ARN(c.Partition, "rds-db", c.Region, c.AccountID, "dbuser:")
	login := func(resourceID pulumi.StringInput) pulumi.StringInput {
		return pulumi.Sprintf("%s%s/%s", prefix, resourceID, contract.AppRole)
	}
	logins := []pulumi.StringInput{login(d.DatabaseResourceID)}
	if d.Replicas > 0 {
		// Read-only queries may go to the replicas (comma-separated
		// host names, same port and role as the writer).
		s.Environment[contract.EnvDBReaderHosts] = d.DatabaseReaderAddresses.ToStringArrayOutput().ApplyT(func(hosts []string) string {
			return strings.Join(hosts, ",")
		}).(pulumi.StringOutput)
		ids := d.DatabaseReaderResourceIDs.ToStringArrayOutput()
		for i := range d.Replicas {
			logins = append(logins, login(ids.Index(pulumi.Int(i))))
		}
	}
	s.TaskPermissions = append(s.TaskPermissions, ecscluster.TaskPermission{Sid: "DatabaseLogin", Actions: []string{"rds-db:connect"}, Resources: logins})

	// The migration (`<image> migrate`, a one-off task CI runs before a
	// new version serves) is the only holder of the master user's
	// secret: {"username": …, "password": …, …}, written and rotated by
	// the stack's secret rotator (components/postgres); the secret's
	// resource policy admits no other reader (masterSecretPolicy).
	// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
	s.Jobs = append(s.Jobs, ecscluster.Job{
		Name:    MigrateJob,
		Command: []string{MigrateJob},
		Environment: map[string]pulumi.StringInput{
			contract.EnvDBHost:     s.Environment[contract.EnvDBHost],
			contract.EnvDBPort:     s.Environment[contract.EnvDBPort],
			contract.EnvDBName:     s.Environment[contract.EnvDBName],
			contract.EnvDBCABundle: pulumi.String(contract.CABundlePath),
		},
		Secrets: map[string]pulumi.StringInput{
			contract.EnvDBUsername: pulumi.Sprintf("%s:username::", d.DatabaseSecretARN),
			contract.EnvDBPassword: pulumi.Sprintf("%s:password::", d.DatabaseSecretARN),
		},
		DecryptKeyARNs: pulumi.StringArray{d.DatabaseKeyARN},
	})
}

// masterSecretPolicy lets nobody but the migration jobs' execution roles,
// the rotator's role and the restore drill validator's role read the
// database's master secret: a deny on
// secretsmanager:GetSecretValue for every other principal, so that not even
// an administrator of the account (whose IAM policies allow everything)
// reads the master password without first changing this policy, which
// CloudTrail records.
// Sources: https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
func masterSecretPolicy(ctx *pulumi.Context, c *stack.Config, pc *Config, cluster *ecscluster.EcsCluster, a *stack.Parts, opt pulumi.ResourceOption) error {
	if a.Data == nil || a.Data.DatabaseSecretARN == nil {
		return nil
	}
	var readers []pulumi.Input
	for _, svc := range pc.Services {
		if role, ok := cluster.Services[svc.Name].JobExecutionRoleARNs[MigrateJob]; ok {
			readers = append(readers, role)
		}
	}
	if a.Functions == nil || a.Functions.RotatorRoleARN == nil {
		return fmt.Errorf("the database's master secret needs its rotator: the function part must run before the platform part")
	}
	readers = append(readers, a.Functions.RotatorRoleARN)
	if a.Functions.DrillRoleARN != nil {
		// The restore drill's validator logs in to a restored copy as the
		// master user of the backup's day.
		readers = append(readers, a.Functions.DrillRoleARN)
	}
	doc := iampolicy.StringOutput(readers, func(v []any) (iampolicy.Document, error) {
		arns := make([]string, len(v))
		for i, r := range v {
			arns[i] = r.(string)
		}
		return iampolicy.New(iampolicy.Statement{
			Sid:       "OnlyTheMigrationAndTheRotatorRead",
			Effect:    iampolicy.Deny,
			Principal: iampolicy.Principal{"AWS": {"*"}},
			Action:    []string{"secretsmanager:GetSecretValue"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"ArnNotEquals": {"aws:PrincipalArn": arns}},
		}), nil
	})
	_, err := secretsmanager.NewSecretPolicy(ctx, stack.Namespace+"-"+c.Stack+"-db-master", &secretsmanager.SecretPolicyArgs{
		SecretArn: a.Data.DatabaseSecretARN,
		Policy:    doc,
	}, opt)
	return err
}

// MigrateJob is the one-off task of every service with dataAccess: the
// image's "migrate" subcommand with the master user's secret.
const MigrateJob = "migrate"

// wireManagedSecrets creates the service's managed secrets with the
// library's Secrets Manager pattern and injects them by reference; the
// execution role may decrypt them with the account's secrets key, through
// Secrets Manager only.
func wireManagedSecrets(ctx *pulumi.Context, c *stack.Config, p *stack.Providers, a *stack.Parts, svc ServiceConfig, s *ecscluster.Service) error {
	if len(svc.ManagedSecrets) == 0 {
		return nil
	}
	if a.Baseline == nil || a.Baseline.SecretsKeyARN == nil {
		return fmt.Errorf("service %s has managed secrets, but the stack has no secrets key: the baseline part must run before the platform part", svc.Name)
	}
	for _, v := range svc.ManagedSecrets {
		args := &secret.SecretArgs{
			KMSKeyARN:   a.Baseline.SecretsKeyARN,
			Description: fmt.Sprintf("%s of the %s service (%s); set its value with aws secretsmanager put-secret-value", v, svc.Name, c.Stack),
			Protect:     c.DeletionProtection,
		}
		if a.Functions != nil && a.Functions.RotatorARN != nil {
			// The rotator generates the first value at once and a new
			// one every 30 days.
			args.RotationLambdaARN = a.Functions.RotatorARN
			args.Description = fmt.Sprintf("%s of the %s service (%s), generated and rotated by the secret rotator", v, svc.Name, c.Stack)
		}
		managed, err := secret.NewSecret(ctx, fmt.Sprintf("%s/%s/%s", c.Stack, svc.Name, v), args, pulumi.Provider(p.Account))
		if err != nil {
			return err
		}
		s.Secrets[v] = managed.ARN
	}
	s.DecryptKeyARNs = pulumi.StringArray{a.Baseline.SecretsKeyARN}
	return nil
}

// DeployRegistry creates the container registry in shared-services: the
// repositories of refarch:ecrRepositories, which the application accounts
// (and only they) may pull from.
func DeployRegistry(ctx *pulumi.Context, c *stack.Config, pc *Config, p *stack.Providers, a *stack.Parts) error {
	var pullers []string
	for _, env := range c.NamesOf(stack.RoleApp) {
		pullers = append(pullers, c.Accounts[env].ID)
	}
	reg, err := registry.NewRegistry(ctx, "ecr", &registry.RegistryArgs{
		KeyAdministrators: c.KeyAdministrators(),
		Repositories:      pc.ECRRepositories,
		PullAccountIDs:    pullers,
		KeepImages:        pc.ECRKeepImages,
		UntaggedDays:      pc.ECRUntaggedDays,
		Protect:           c.DeletionProtection,
	}, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	a.Repositories = append(a.Repositories, pc.ECRRepositories...)
	ctx.Export(OutputECRRepositoryURLs, reg.RepositoryURLs)
	return nil
}
