package stack

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Parts holds what each part of a composition hands the parts after it. A
// part is one concern (baseline, network, DNS, data, platform, firewall,
// edge) in a package of its own (stacks/<concern>part); it reads the fields
// of the parts before it and fills its own. Fields of parts a role does not deploy
// stay nil.
type Parts struct {
	// Baseline is filled by the baseline part, in every stack.
	Baseline *BaselineOut
	// Network is filled by the network part, in every stack with a VPC.
	Network *NetworkOut
	// DNS is filled by the DNS part.
	DNS *DNSOut
	// Data is filled by the data part, in application stacks.
	Data *DataOut
	// Platform is filled by the platform part.
	Platform *PlatformOut
	// Firewall is filled by the firewall part, in application stacks.
	Firewall *FirewallOut
	// Edge is filled by the edge part, in application stacks.
	Edge *EdgeOut
	// Functions is filled by the function part, in every stack.
	Functions *FunctionsOut
	// Hosts are the instance groups to watch (the VPN server's, in
	// shared-services).
	Hosts []HostOut
	// Repositories are the container registry's repositories
	// (shared-services).
	Repositories []string

	// references holds the stack references made so far, by stack, as
	// *pulumi.StackReference. It is typed any on purpose: a type that
	// reaches *pulumi.StackReference (through a field or a method) makes
	// every package naming it instantiate the SDK's generic output code
	// again, about 8,000 functions and seconds of compiling per part.
	references map[string]any
}

// referenceOf returns the (single) reference of this composition to another
// stack. It is a function, not a method, so that Parts does not reach
// *pulumi.StackReference (see Parts.references).
func referenceOf(ctx *pulumi.Context, a *Parts, stack string) (*pulumi.StackReference, error) {
	if ref, ok := a.references[stack].(*pulumi.StackReference); ok {
		return ref, nil
	}
	if a.references == nil {
		a.references = map[string]any{}
	}
	ref, err := ReferenceStack(ctx, stack)
	if err != nil {
		return nil, err
	}
	a.references[stack] = ref
	return ref, nil
}

// Value reads an output of another stack of this project now, at preview
// (not as an output), for what must be known to declare resources (how many
// route tables to route through, which zone to delegate from). It fails,
// naming the stack order, when the other stack exports nothing by that name.
// Parts read other stacks only through Value and StringOutput, never
// through a *pulumi.StackReference of their own (see Parts.references).
func (a *Parts) Value(ctx *pulumi.Context, stack, output string) (any, error) {
	ref, err := referenceOf(ctx, a, stack)
	if err != nil {
		return nil, err
	}
	details, err := ref.GetOutputDetails(output)
	if err != nil {
		return nil, fmt.Errorf("reading %s of %s: %w", output, stack, err)
	}
	if details.Value == nil {
		return nil, fmt.Errorf("%s exports no %s: deploy %s first (docs/runbook.md, section 2)", stack, output, stack)
	}
	return details.Value, nil
}

// StringOutput is an output of another stack of this project, as an output
// (resolved at deploy time).
func (a *Parts) StringOutput(ctx *pulumi.Context, stack, output string) (pulumi.StringOutput, error) {
	ref, err := referenceOf(ctx, a, stack)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return ref.GetStringOutput(pulumi.String(output)), nil
}

// BaselineOut is what the security baseline hands the other parts.
type BaselineOut struct {
	// AlertTopicARN is the account's alert SNS topic (alarms, findings);
	// its key admits CloudWatch and EventBridge.
	AlertTopicARN pulumi.StringInput
	// SecretsKeyARN encrypts secrets (Secrets Manager, SSM SecureString).
	SecretsKeyARN pulumi.StringInput
	// DataKeyARN encrypts data at rest (EBS volumes among it).
	DataKeyARN pulumi.StringInput
	// InstancePolicyARN lets an instance's SSM agent decrypt and log
	// sessions and patch runs.
	InstancePolicyARN pulumi.StringInput
	// PatchGroup is the "Patch Group" tag value the patching targets.
	PatchGroup string
	// RuntimeMonitoring is GuardDuty's RUNTIME_MONITORING feature of the
	// account (nil when off): ECS services wait for it, since GuardDuty
	// adds its agent only to tasks started after it.
	RuntimeMonitoring pulumi.Resource
	// FargateAgentManagement reports whether GuardDuty runs its agent as a
	// sidecar of every ECS Fargate task: their execution roles must pull
	// its image and their security groups let it reach GuardDuty's
	// endpoint.
	FargateAgentManagement bool
}

// NetworkOut is what the network hands the other parts.
type NetworkOut struct {
	// VpcID is the VPC's id.
	VpcID pulumi.StringInput
	// CIDR is the VPC's block.
	CIDR string
	// AvailabilityZones are the zones the subnets span, in subnet order.
	AvailabilityZones []string
	// PublicSubnetIDs, AppSubnetIDs and DataSubnetIDs are the subnets of
	// each tier, one per availability zone.
	PublicSubnetIDs, AppSubnetIDs, DataSubnetIDs pulumi.StringArrayInput
	// ManagementCIDR is the management VPC's block: operators (through the
	// VPN, which translates its clients' addresses) come from there, so
	// security groups that admit operators admit this block.
	ManagementCIDR string
	// OperatorSecurityGroupID is the VPN server's security group in the
	// management VPC, as "<shared-services account>/<group id>": security
	// groups of a peered VPC in the same region can be referenced across
	// accounts, so groups admitting operators admit exactly the VPN server.
	// AWS resolves such a reference only through an active peering: the
	// value is an output of the accepted peering connection, so a rule
	// naming it is created after the acceptance. Nil without management
	// peering.
	// Source: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
	OperatorSecurityGroupID pulumi.StringInput
	// ManagementVpcID is the management VPC's id (application stacks with
	// management peering): their private zones are associated with it.
	ManagementVpcID pulumi.StringInput
	// EndpointSecurityGroupID is the group of the VPC's interface endpoints
	// (ECR, CloudWatch Logs, Secrets Manager, KMS, SSM), which admits HTTPS
	// from the VPC; nil without them (refarch:interfaceEndpoints off).
	// Services reach AWS through it without NAT.
	EndpointSecurityGroupID pulumi.StringInput
	// S3PrefixListID is S3's managed prefix list, the destination of the
	// VPC's S3 gateway endpoint: services reach S3 (ECR's image layers)
	// through it without NAT.
	S3PrefixListID pulumi.StringInput
	// NatGatewayIDs are the VPC's NAT gateways, for alarms;
	// NatGatewayCount is their number, known before deployment.
	NatGatewayIDs   pulumi.StringArrayInput
	NatGatewayCount int
}

// DNSOut is what DNS hands the other parts.
type DNSOut struct {
	// PublicZoneID and PublicZoneName are the environment's public zone
	// (<stack>.<domain>); in shared-services, the root zone. In an
	// application stack the id resolves once the zone is delegated.
	PublicZoneID   pulumi.StringInput
	PublicZoneName string
	// PrivateZoneID is the environment's private zone (internal names).
	PrivateZoneID pulumi.StringInput
	// PrivateZoneName is its DNS name (refarch:dnsPrivateZonePrefix below
	// the environment's zone), for the parts that name internal endpoints.
	PrivateZoneName string
	// CertificateARN is the regional certificate for the zone's apex and
	// wildcard, validated (for the load balancers).
	CertificateARN pulumi.StringInput
	// CertificateNames are the names of that certificate. ACM asks every
	// certificate of the account for the same validation record of a name,
	// so another certificate covering one of them (the CDN's) must not write
	// that record again (dns.CertificateArgs.ExistingValidationNames).
	CertificateNames []string
}

// DataOut is what the data stores hand the services.
type DataOut struct {
	// ClientSecurityGroupID is the group a service joins to be admitted by
	// the data stores' security groups.
	ClientSecurityGroupID pulumi.StringInput
	// DatabaseAddress and DatabasePort locate the Postgres writer.
	DatabaseAddress pulumi.StringInput
	DatabasePort    pulumi.IntInput
	// DatabaseSecretARN is the Secrets Manager secret of the master user
	// (JSON with username and password), encrypted with DatabaseKeyARN,
	// whose policy lets the account's principals decrypt through Secrets
	// Manager, so reading it needs secretsmanager:GetSecretValue on this
	// ARN only. It has no value until the function part's rotation of it
	// has run once.
	DatabaseSecretARN pulumi.StringInput
	// DatabaseIdentifier and DatabaseInstanceARN are the writer's: the
	// rotation of DatabaseSecretARN changes its master password.
	DatabaseIdentifier  string
	DatabaseInstanceARN pulumi.StringInput
	// DatabaseInstances are the writer and its replicas: the rotation of
	// DatabaseSecretARN waits for them, since RDS changes the master
	// password only of an available instance.
	DatabaseInstances []pulumi.Resource
	// CacheEndpoint is the Memcached configuration endpoint (host:port).
	CacheEndpoint pulumi.StringInput
	// CacheClusterID and CacheNodes identify the cache's nodes for alarms.
	CacheClusterID pulumi.StringInput
	CacheNodes     int

	// DatabaseName is the database the service uses.
	DatabaseName string
	// DatabaseReaderAddresses are the read replicas' DNS names (may be
	// empty); services get them as DB_READER_HOSTS.
	DatabaseReaderAddresses pulumi.StringArrayInput
	// Replicas is how many read replicas the database has.
	Replicas int
	// DatabaseResourceID is the writer's resource id, for rds-db:connect
	// grants when the service authenticates with IAM.
	DatabaseResourceID pulumi.StringInput
	// DatabaseKeyARN encrypts the database and its master user's secret.
	DatabaseKeyARN pulumi.StringInput
	// DatabaseReaderResourceIDs are the replicas' resource ids, in order.
	DatabaseReaderResourceIDs pulumi.StringArrayInput
	// DatabaseSubnetGroupName is the writer's subnet group (the data
	// subnets): the restore drill restores its temporary instance into
	// it, so the copy stays in the data tier.
	DatabaseSubnetGroupName pulumi.StringInput
	// BackupRetentionDays is how long the database's backups are kept
	// (refarch:dbBackupRetentionDays); the restore drill's vault keeps its
	// backups as long.
	BackupRetentionDays int
}

// PlatformOut is what the application platform hands the other parts.
type PlatformOut struct {
	// OriginDomain is a name in the environment's zone that points at the
	// public load balancer and is covered by its certificate, for CloudFront
	// to reach the API over HTTPS. It resolves once the record exists.
	OriginDomain pulumi.StringInput
	// PublicLoadBalancerARN is the public load balancer, which the
	// firewall part puts behind a web ACL.
	PublicLoadBalancerARN pulumi.StringInput
	// LoadBalancers are the load balancers' CloudWatch dimensions
	// (ARN suffixes), by name (public, internal), for alarms.
	LoadBalancers map[string]pulumi.StringInput
	// ClusterName is the ECS cluster's name.
	ClusterName pulumi.StringInput
	// Services are the ECS services, in configuration order, for alarms.
	Services []ServiceOut
}

// ServiceOut is one ECS service as the alarms see it.
type ServiceOut struct {
	// Name is the configured name; ServiceName the ECS service's.
	Name        string
	ServiceName pulumi.StringInput
	// MinCount is the service's floor of running tasks.
	MinCount int
}

// EdgeOut is what the edge part hands the alarms and the probe.
type EdgeOut struct {
	// DistributionID is the CDN's distribution.
	DistributionID pulumi.StringInput
	// Names are the DNS names the CDN serves.
	Names pulumi.StringArrayInput
	// APIPathPattern is the path the CDN sends to the API ("/api/*").
	APIPathPattern string
}

// FunctionsOut is what the function part hands the platform and the
// alarms.
type FunctionsOut struct {
	// NotifierARN is the alert notifier, which the alarm part subscribes
	// to the us-east-1 alert topic too.
	NotifierARN pulumi.StringInput
	// RotatorARN rotates the stack's generated secrets (application
	// stacks). It resolves only once RotatorPermissions exist, so a
	// SecretRotation naming it waits for them.
	RotatorARN pulumi.StringInput
	// RotatorPermissions are the Lambda permissions letting Secrets
	// Manager invoke the rotator: a SecretRotation must be created after
	// them (RotateSecret invokes the function at once and is refused with
	// AccessDeniedException otherwise), e.g. through
	// secret.SecretArgs.RotationDependsOn.
	// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets-cli.html
	RotatorPermissions []pulumi.Resource
	// RotatorRoleARN is the rotator's execution role: it reads and writes
	// the secrets it rotates, the database master secret among them.
	RotatorRoleARN pulumi.StringInput
	// DrillRoleARN is the restore drill validator's execution role: it
	// reads the database's master secret to log in to a restored copy
	// (nil outside application stacks).
	DrillRoleARN pulumi.StringInput
	// HelloTargetGroupARN is the hello-http function's target group,
	// which the platform routes a path of the public listener to
	// (application stacks).
	HelloTargetGroupARN pulumi.StringInput
	// HelloPaths are the paths routed to it.
	HelloPaths []string
	// Functions are every function of the stack, for alarms.
	Functions []FunctionOut
	// Probes are the endpoints the edge probe measures, for alarms.
	Probes []ProbeOut
}

// HostOut is an Auto Scaling group of instances as the alarms see it.
type HostOut struct {
	// Name names its alarms.
	Name string
	// AutoScalingGroupName is its dimension.
	AutoScalingGroupName pulumi.StringInput
}

// FunctionOut is one Lambda function as the alarms see it.
type FunctionOut struct {
	// Name is the function's short name ("alert-notifier").
	Name string
	// FunctionName and DeadLetterQueueName are its dimensions.
	FunctionName, DeadLetterQueueName pulumi.StringInput
	// TimeoutSeconds is its timeout.
	TimeoutSeconds int
}

// ProbeOut is one endpoint the edge probe measures.
type ProbeOut struct {
	// Name names its alarms; Namespace and Endpoint are its metric's.
	Name, Namespace string
	Endpoint        pulumi.StringInput
}

// FirewallOut is what the firewall part hands the edge part.
type FirewallOut struct {
	// EdgeWebACLARN is the CloudFront-scope web ACL the distribution names.
	EdgeWebACLARN pulumi.StringInput
	// OriginHeaderName and OriginHeaderValue are the secret header the
	// distribution must add to its API origin's requests, which the public
	// load balancer's web ACL checks (the API only with it, the per-address
	// rate limit only without it). The value is a secret output (the
	// stack's SSM SecureString, generated once). Empty and nil when no API
	// is behind the CDN (refarch:edgeApiOrigin false).
	OriginHeaderName  string
	OriginHeaderValue pulumi.StringInput
}
