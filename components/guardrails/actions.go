package guardrails

// Actions are the IAM actions a principal needs to create and configure
// one kind of resource, and where AWS documents them.
type Actions struct {
	// Names are the actions, "service:Action": the create call, the calls
	// the provider makes right after it to configure what the resource's
	// inputs set (tags through the providers' default tags, policies,
	// attributes), and the actions those calls depend on (iam:PassRole,
	// iam:CreateServiceLinkedRole). Read-only calls are left out: every
	// guardrail that denies a service's reads in a region denies its
	// writes there too.
	Names []string
	// Source is the AWS page listing them: the service's page of the
	// Service Authorization Reference, or the API page naming a call's
	// dependent actions.
	Source string
}

// serviceAuthorization is the address of the Service Authorization
// Reference's page for a service ("list_amazons3.html").
const serviceAuthorization = "https://docs.aws.amazon.com/service-authorization/latest/reference/"

// Pages of the Service Authorization Reference.
const (
	srcAccessAnalyzer = serviceAuthorization + "list_awsiamaccessanalyzer.html"
	srcACM            = serviceAuthorization + "list_awscertificatemanager.html"
	srcAppAutoScaling = serviceAuthorization + "list_awsapplicationautoscaling.html"
	srcAutoScaling    = serviceAuthorization + "list_amazonec2autoscaling.html"
	srcBackup         = serviceAuthorization + "list_awsbackup.html"
	srcCloudFront     = serviceAuthorization + "list_amazoncloudfront.html"
	srcCloudTrail     = serviceAuthorization + "list_awscloudtrail.html"
	srcCloudWatch     = serviceAuthorization + "list_amazoncloudwatch.html"
	srcConfig         = serviceAuthorization + "list_awsconfig.html"
	srcEC2            = serviceAuthorization + "list_amazonec2.html"
	srcECR            = serviceAuthorization + "list_amazonelasticcontainerregistry.html"
	srcECS            = serviceAuthorization + "list_amazonelasticcontainerservice.html"
	srcElastiCache    = serviceAuthorization + "list_amazonelasticache.html"
	srcELB            = serviceAuthorization + "list_awselasticloadbalancingv2.html"
	srcEvents         = serviceAuthorization + "list_amazoneventbridge.html"
	srcGuardDuty      = serviceAuthorization + "list_amazonguardduty.html"
	srcIAM            = serviceAuthorization + "list_awsidentityandaccessmanagementiam.html"
	srcKMS            = serviceAuthorization + "list_awskeymanagementservice.html"
	srcLambda         = serviceAuthorization + "list_awslambda.html"
	srcLogs           = serviceAuthorization + "list_amazoncloudwatchlogs.html"
	srcOrganizations  = serviceAuthorization + "list_awsorganizations.html"
	srcRDS            = serviceAuthorization + "list_amazonrds.html"
	srcRoute53        = serviceAuthorization + "list_amazonroute53.html"
	srcS3             = serviceAuthorization + "list_amazons3.html"
	srcScheduler      = serviceAuthorization + "list_amazoneventbridgescheduler.html"
	srcSecrets        = serviceAuthorization + "list_awssecretsmanager.html"
	srcSecurityHub    = serviceAuthorization + "list_awssecurityhub.html"
	srcSNS            = serviceAuthorization + "list_amazonsns.html"
	srcOAM            = serviceAuthorization + "list_amazoncloudwatchobservabilityaccessmanager.html"
	srcSQS            = serviceAuthorization + "list_amazonsqs.html"
	srcSSM            = serviceAuthorization + "list_awssystemsmanager.html"
	srcWAFv2          = serviceAuthorization + "list_awswafv2.html"
)

// CreateActions maps each Pulumi resource type the stacks create (the
// aws:* type tokens of every stack's plan, and the organization's types of
// the management and security stacks) to the IAM actions creating it
// needs. tests/guardrails_test.go fails on a type of a plan missing here,
// so a new resource type is added here before it can be deployed, and
// checks every action against the guardrails of the account it lands in.
var CreateActions = map[string]Actions{
	// IAM Access Analyzer. An ORGANIZATION analyzer, created by the
	// delegated administrator, has Access Analyzer check the
	// organization's trusted access and delegation.
	"aws:accessanalyzer/analyzer:Analyzer": {Names: []string{
		"access-analyzer:CreateAnalyzer", "access-analyzer:TagResource", "iam:CreateServiceLinkedRole",
		"organizations:DescribeOrganization", "organizations:ListAWSServiceAccessForOrganization", "organizations:ListDelegatedAdministrators",
	}, Source: srcAccessAnalyzer},

	// Certificate Manager (the CloudFront certificates, in us-east-1).
	"aws:acm/certificate:Certificate":                     {Names: []string{"acm:RequestCertificate", "acm:AddTagsToCertificate"}, Source: srcACM},
	"aws:acm/certificateValidation:CertificateValidation": {Names: []string{"acm:DescribeCertificate"}, Source: srcACM},

	// Application Auto Scaling (the ECS services' task counts).
	"aws:appautoscaling/policy:Policy": {Names: []string{"application-autoscaling:PutScalingPolicy"}, Source: srcAppAutoScaling},
	"aws:appautoscaling/target:Target": {Names: []string{
		"application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource", "iam:CreateServiceLinkedRole",
	}, Source: srcAppAutoScaling},

	// EC2 Auto Scaling (the VPN server's group). Launching from a launch
	// template checks the caller's ec2:RunInstances and iam:PassRole.
	// Source: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html
	"aws:autoscaling/group:Group": {Names: []string{
		"autoscaling:CreateAutoScalingGroup", "autoscaling:CreateOrUpdateTags", "ec2:RunInstances", "ec2:CreateTags",
		"iam:PassRole", "iam:CreateServiceLinkedRole",
	}, Source: srcAutoScaling},

	// AWS Config. The recorder, channel and aggregator calls are guarded
	// by the audit guardrail: only the deploy role makes them. An
	// organization aggregator created by the delegated administrator has
	// Config call ListDelegatedAdministrators.
	// Source: https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html
	"aws:cfg/configurationAggregator:ConfigurationAggregator": {Names: []string{
		"config:PutConfigurationAggregator", "config:TagResource", "iam:PassRole",
		"organizations:DescribeOrganization", "organizations:ListDelegatedAdministrators",
	}, Source: "https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html"},
	"aws:cfg/deliveryChannel:DeliveryChannel": {Names: []string{"config:PutDeliveryChannel"}, Source: srcConfig},
	"aws:cfg/recorder:Recorder":               {Names: []string{"config:PutConfigurationRecorder", "iam:PassRole"}, Source: srcConfig},
	"aws:cfg/recorderStatus:RecorderStatus":   {Names: []string{"config:StartConfigurationRecorder"}, Source: srcConfig},
	"aws:cfg/rule:Rule":                       {Names: []string{"config:PutConfigRule", "config:TagResource"}, Source: srcConfig},

	// CloudFront (global: requests go to us-east-1).
	"aws:cloudfront/distribution:Distribution":                   {Names: []string{"cloudfront:CreateDistribution", "cloudfront:TagResource"}, Source: srcCloudFront},
	"aws:cloudfront/function:Function":                           {Names: []string{"cloudfront:CreateFunction", "cloudfront:PublishFunction"}, Source: srcCloudFront},
	"aws:cloudfront/originAccessControl:OriginAccessControl":     {Names: []string{"cloudfront:CreateOriginAccessControl"}, Source: srcCloudFront},
	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": {Names: []string{"cloudfront:CreateResponseHeadersPolicy"}, Source: srcCloudFront},

	// CloudTrail. PutEventSelectors is guarded by the audit guardrail. An
	// organization trail (the management account's) also needs the
	// service-linked role and the organization's trusted access.
	// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-an-organizational-trail-prepare.html
	"aws:cloudtrail/trail:Trail": {Names: []string{
		"cloudtrail:CreateTrail", "cloudtrail:AddTags", "cloudtrail:StartLogging", "cloudtrail:PutEventSelectors",
		"iam:PassRole", "iam:GetRole", "iam:CreateServiceLinkedRole",
		"organizations:DescribeOrganization", "organizations:ListAWSServiceAccessForOrganization",
	}, Source: srcCloudTrail},
	// Registering the delegated administrator of CloudTrail (from the
	// management account) registers the delegation with Organizations and
	// creates CloudTrail's service-linked role.
	// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-add-delegated-administrator.html
	"aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount": {Names: []string{
		"cloudtrail:RegisterOrganizationDelegatedAdmin", "organizations:RegisterDelegatedAdministrator",
		"organizations:ListAWSServiceAccessForOrganization", "organizations:DescribeOrganization",
		"iam:CreateServiceLinkedRole", "iam:GetRole",
	}, Source: srcCloudTrail},

	// CloudWatch cross-account observability: a link also needs each
	// shared service's Link permission.
	// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Unified-Cross-Account-Setup.html
	"aws:oam/sink:Sink":             {Names: []string{"oam:CreateSink", "oam:TagResource"}, Source: srcOAM},
	"aws:oam/sinkPolicy:SinkPolicy": {Names: []string{"oam:PutSinkPolicy"}, Source: srcOAM},
	"aws:oam/link:Link":             {Names: []string{"oam:CreateLink", "oam:TagResource", "cloudwatch:Link", "logs:Link", "xray:Link"}, Source: srcOAM},

	// AWS Backup: the restore drill's vault, plans and selections. A
	// vault uses a KMS key through grants, and selections pass the backup
	// role to AWS Backup.
	"aws:backup/vault:Vault": {Names: []string{
		"backup:CreateBackupVault", "backup:TagResource", "backup-storage:MountCapsule", "kms:CreateGrant", "kms:DescribeKey",
	}, Source: srcBackup},
	"aws:backup/vaultPolicy:VaultPolicy":                         {Names: []string{"backup:PutBackupVaultAccessPolicy"}, Source: srcBackup},
	"aws:backup/plan:Plan":                                       {Names: []string{"backup:CreateBackupPlan", "backup:TagResource"}, Source: srcBackup},
	"aws:backup/selection:Selection":                             {Names: []string{"backup:CreateBackupSelection", "iam:PassRole"}, Source: srcBackup},
	"aws:backup/restoreTestingPlan:RestoreTestingPlan":           {Names: []string{"backup:CreateRestoreTestingPlan", "backup:TagResource"}, Source: srcBackup},
	"aws:backup/restoreTestingSelection:RestoreTestingSelection": {Names: []string{"backup:CreateRestoreTestingSelection", "iam:PassRole"}, Source: srcBackup},

	// CloudWatch, EventBridge and CloudWatch Logs.
	"aws:cloudwatch/dashboard:Dashboard":     {Names: []string{"cloudwatch:PutDashboard"}, Source: srcCloudWatch},
	"aws:cloudwatch/eventRule:EventRule":     {Names: []string{"events:PutRule", "events:TagResource"}, Source: srcEvents},
	"aws:cloudwatch/eventTarget:EventTarget": {Names: []string{"events:PutTargets", "iam:PassRole"}, Source: srcEvents},
	"aws:cloudwatch/logGroup:LogGroup": {Names: []string{
		"logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:AssociateKmsKey",
	}, Source: srcLogs},
	"aws:cloudwatch/logMetricFilter:LogMetricFilter": {Names: []string{"logs:PutMetricFilter"}, Source: srcLogs},
	"aws:cloudwatch/metricAlarm:MetricAlarm":         {Names: []string{"cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"}, Source: srcCloudWatch},

	// EBS encryption by default (EC2's account setting).
	"aws:ebs/encryptionByDefault:EncryptionByDefault": {Names: []string{"ec2:EnableEbsEncryptionByDefault"}, Source: srcEC2},

	// EC2 and VPC. The VPC, subnets, route tables, gateways and NAT come
	// from the awsx:ec2:Vpc component (RemoteComponents).
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {Names: []string{
		"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
		"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:CreateTags",
	}, Source: srcEC2},
	"aws:ec2/eip:Eip": {Names: []string{"ec2:AllocateAddress", "ec2:AssociateAddress", "ec2:CreateTags"}, Source: srcEC2},
	// Flow logs to CloudWatch Logs pass a role; to S3 they create a log
	// delivery.
	// Source: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam.html
	"aws:ec2/flowLog:FlowLog": {Names: []string{
		"ec2:CreateFlowLogs", "ec2:CreateTags", "iam:PassRole", "logs:CreateLogDelivery",
	}, Source: srcEC2},
	"aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults": {Names: []string{"ec2:ModifyInstanceMetadataDefaults"}, Source: srcEC2},
	"aws:ec2/internetGateway:InternetGateway":                   {Names: []string{"ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:CreateTags"}, Source: srcEC2},
	"aws:ec2/launchTemplate:LaunchTemplate":                     {Names: []string{"ec2:CreateLaunchTemplate", "ec2:CreateTags", "iam:PassRole"}, Source: srcEC2},
	"aws:ec2/natGateway:NatGateway":                             {Names: []string{"ec2:CreateNatGateway", "ec2:CreateTags"}, Source: srcEC2},
	"aws:ec2/networkAcl:NetworkAcl": {Names: []string{
		"ec2:CreateNetworkAcl", "ec2:CreateNetworkAclEntry", "ec2:ReplaceNetworkAclAssociation", "ec2:CreateTags",
	}, Source: srcEC2},
	"aws:ec2/route:Route":                                 {Names: []string{"ec2:CreateRoute"}, Source: srcEC2},
	"aws:ec2/routeTable:RouteTable":                       {Names: []string{"ec2:CreateRouteTable", "ec2:CreateTags"}, Source: srcEC2},
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {Names: []string{"ec2:AssociateRouteTable"}, Source: srcEC2},
	"aws:ec2/securityGroup:SecurityGroup": {Names: []string{
		"ec2:CreateSecurityGroup", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress",
		"ec2:AuthorizeSecurityGroupEgress", "ec2:CreateTags",
	}, Source: srcEC2},
	"aws:ec2/subnet:Subnet":           {Names: []string{"ec2:CreateSubnet", "ec2:ModifySubnetAttribute", "ec2:CreateTags"}, Source: srcEC2},
	"aws:ec2/vpc:Vpc":                 {Names: []string{"ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:CreateTags"}, Source: srcEC2},
	"aws:ec2/vpcEndpoint:VpcEndpoint": {Names: []string{"ec2:CreateVpcEndpoint", "ec2:CreateTags"}, Source: srcEC2},
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection": {Names: []string{
		"ec2:CreateVpcPeeringConnection", "ec2:ModifyVpcPeeringConnectionOptions", "ec2:CreateTags",
	}, Source: srcEC2},
	"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": {Names: []string{
		"ec2:AcceptVpcPeeringConnection", "ec2:ModifyVpcPeeringConnectionOptions", "ec2:CreateTags",
	}, Source: srcEC2},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   {Names: []string{"ec2:AuthorizeSecurityGroupEgress", "ec2:CreateTags"}, Source: srcEC2},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {Names: []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags"}, Source: srcEC2},

	// ECR (shared-services' registry).
	"aws:ecr/lifecyclePolicy:LifecyclePolicy": {Names: []string{"ecr:PutLifecyclePolicy"}, Source: srcECR},
	// A repository encrypted with a KMS key has ECR create a grant on the
	// caller's behalf.
	// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html
	"aws:ecr/repository:Repository": {Names: []string{
		"ecr:CreateRepository", "ecr:TagResource", "kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant",
	}, Source: srcECR},
	"aws:ecr/repositoryPolicy:RepositoryPolicy": {Names: []string{"ecr:SetRepositoryPolicy"}, Source: srcECR},

	// ECS.
	"aws:ecs/cluster:Cluster":                                   {Names: []string{"ecs:CreateCluster", "ecs:TagResource", "iam:CreateServiceLinkedRole"}, Source: srcECS},
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {Names: []string{"ecs:PutClusterCapacityProviders"}, Source: srcECS},
	"aws:ecs/service:Service":                                   {Names: []string{"ecs:CreateService", "ecs:TagResource"}, Source: srcECS},
	"aws:ecs/taskDefinition:TaskDefinition":                     {Names: []string{"ecs:RegisterTaskDefinition", "ecs:TagResource", "iam:PassRole"}, Source: srcECS},

	// ElastiCache.
	"aws:elasticache/cluster:Cluster": {Names: []string{
		"elasticache:CreateCacheCluster", "elasticache:AddTagsToResource", "iam:CreateServiceLinkedRole",
	}, Source: srcElastiCache},
	"aws:elasticache/parameterGroup:ParameterGroup": {Names: []string{
		"elasticache:CreateCacheParameterGroup", "elasticache:ModifyCacheParameterGroup", "elasticache:AddTagsToResource",
	}, Source: srcElastiCache},
	"aws:elasticache/subnetGroup:SubnetGroup": {Names: []string{"elasticache:CreateCacheSubnetGroup", "elasticache:AddTagsToResource"}, Source: srcElastiCache},

	// GuardDuty. UpdateDetector and UpdateOrganizationConfiguration are
	// guarded by the audit guardrail. Designating the delegated
	// administrator (from the management account) enables trusted access
	// and registers the delegation.
	// Source: https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html
	"aws:guardduty/detector:Detector":               {Names: []string{"guardduty:CreateDetector", "guardduty:TagResource", "iam:CreateServiceLinkedRole"}, Source: srcGuardDuty},
	"aws:guardduty/detectorFeature:DetectorFeature": {Names: []string{"guardduty:UpdateDetector"}, Source: srcGuardDuty},
	"aws:guardduty/organizationAdminAccount:OrganizationAdminAccount": {Names: []string{
		"guardduty:EnableOrganizationAdminAccount", "organizations:EnableAWSServiceAccess", "organizations:RegisterDelegatedAdministrator",
		"organizations:ListDelegatedAdministrators", "organizations:ListAWSServiceAccessForOrganization", "organizations:DescribeOrganization",
	}, Source: "https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html"},
	"aws:guardduty/organizationConfiguration:OrganizationConfiguration":               {Names: []string{"guardduty:UpdateOrganizationConfiguration"}, Source: srcGuardDuty},
	"aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature": {Names: []string{"guardduty:UpdateOrganizationConfiguration"}, Source: srcGuardDuty},

	// IAM (global: requests go to us-east-1).
	"aws:iam/accountPasswordPolicy:AccountPasswordPolicy": {Names: []string{"iam:UpdateAccountPasswordPolicy"}, Source: srcIAM},
	"aws:iam/group:Group":             {Names: []string{"iam:CreateGroup"}, Source: srcIAM},
	"aws:iam/groupPolicy:GroupPolicy": {Names: []string{"iam:PutGroupPolicy"}, Source: srcIAM},
	"aws:iam/instanceProfile:InstanceProfile": {Names: []string{
		"iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:TagInstanceProfile", "iam:PassRole",
	}, Source: srcIAM},
	"aws:iam/policy:Policy": {Names: []string{"iam:CreatePolicy", "iam:TagPolicy"}, Source: srcIAM},
	"aws:iam/role:Role": {Names: []string{
		"iam:CreateRole", "iam:TagRole", "iam:PutRolePolicy", "iam:AttachRolePolicy",
	}, Source: srcIAM},
	"aws:iam/rolePolicy:RolePolicy":                     {Names: []string{"iam:PutRolePolicy"}, Source: srcIAM},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {Names: []string{"iam:AttachRolePolicy"}, Source: srcIAM},
	"aws:iam/serviceLinkedRole:ServiceLinkedRole":       {Names: []string{"iam:CreateServiceLinkedRole"}, Source: srcIAM},
	"aws:iam/user:User":                                 {Names: []string{"iam:CreateUser", "iam:TagUser"}, Source: srcIAM},
	"aws:iam/userGroupMembership:UserGroupMembership":   {Names: []string{"iam:AddUserToGroup"}, Source: srcIAM},

	// KMS.
	"aws:kms/alias:Alias": {Names: []string{"kms:CreateAlias"}, Source: srcKMS},
	"aws:kms/key:Key": {Names: []string{
		"kms:CreateKey", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:TagResource",
	}, Source: srcKMS},

	// Lambda.
	"aws:lambda/function:Function":                                   {Names: []string{"lambda:CreateFunction", "lambda:TagResource", "iam:PassRole"}, Source: srcLambda},
	"aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {Names: []string{"lambda:PutFunctionEventInvokeConfig"}, Source: srcLambda},
	"aws:lambda/permission:Permission":                               {Names: []string{"lambda:AddPermission"}, Source: srcLambda},

	// Elastic Load Balancing.
	"aws:lb/listener:Listener":         {Names: []string{"elasticloadbalancing:CreateListener", "elasticloadbalancing:AddTags"}, Source: srcELB},
	"aws:lb/listenerRule:ListenerRule": {Names: []string{"elasticloadbalancing:CreateRule", "elasticloadbalancing:AddTags"}, Source: srcELB},
	"aws:lb/loadBalancer:LoadBalancer": {Names: []string{
		"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:ModifyLoadBalancerAttributes",
		"elasticloadbalancing:AddTags", "iam:CreateServiceLinkedRole",
	}, Source: srcELB},
	"aws:lb/targetGroup:TargetGroup": {Names: []string{
		"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:AddTags",
	}, Source: srcELB},
	"aws:lb/targetGroupAttachment:TargetGroupAttachment": {Names: []string{"elasticloadbalancing:RegisterTargets"}, Source: srcELB},

	// AWS Organizations (the management stack, and the delegation the
	// security stack registers through its management-account provider).
	// Creating the organization creates its service-linked role.
	"aws:organizations/account:Account": {Names: []string{
		"organizations:CreateAccount", "organizations:DescribeCreateAccountStatus", "organizations:MoveAccount",
		"organizations:ListParents", "organizations:TagResource",
	}, Source: srcOrganizations},
	"aws:organizations/delegatedAdministrator:DelegatedAdministrator": {Names: []string{"organizations:RegisterDelegatedAdministrator"}, Source: srcOrganizations},
	"aws:organizations/organization:Organization": {Names: []string{
		"organizations:CreateOrganization", "organizations:EnableAWSServiceAccess", "organizations:EnablePolicyType",
		"organizations:DescribeOrganization", "organizations:ListRoots", "iam:CreateServiceLinkedRole",
	}, Source: srcOrganizations},
	"aws:organizations/organizationalUnit:OrganizationalUnit": {Names: []string{"organizations:CreateOrganizationalUnit", "organizations:TagResource"}, Source: srcOrganizations},
	"aws:organizations/policy:Policy":                         {Names: []string{"organizations:CreatePolicy", "organizations:TagResource"}, Source: srcOrganizations},
	"aws:organizations/policyAttachment:PolicyAttachment":     {Names: []string{"organizations:AttachPolicy"}, Source: srcOrganizations},

	// RDS. An instance encrypted with a customer managed key has RDS
	// create a grant with the caller's permissions; enhanced monitoring
	// passes its role.
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html
	"aws:rds/instance:Instance": {Names: []string{
		"rds:CreateDBInstance", "rds:AddTagsToResource", "iam:PassRole", "iam:CreateServiceLinkedRole",
		"kms:CreateGrant", "kms:DescribeKey",
	}, Source: srcRDS},
	"aws:rds/parameterGroup:ParameterGroup": {Names: []string{
		"rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup", "rds:AddTagsToResource",
	}, Source: srcRDS},
	"aws:rds/subnetGroup:SubnetGroup": {Names: []string{"rds:CreateDBSubnetGroup", "rds:AddTagsToResource"}, Source: srcRDS},

	// Route 53 (global: requests go to us-east-1). A private zone and its
	// associations check the VPC with ec2:DescribeVpcs.
	// Source: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/r53-api-permissions-ref.html
	"aws:route53/record:Record": {Names: []string{"route53:ChangeResourceRecordSets", "route53:GetChange"}, Source: srcRoute53},
	"aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization": {Names: []string{"route53:CreateVPCAssociationAuthorization", "ec2:DescribeVpcs"}, Source: srcRoute53},
	"aws:route53/zone:Zone": {Names: []string{
		"route53:CreateHostedZone", "route53:ChangeTagsForResource", "route53:GetChange", "ec2:DescribeVpcs",
	}, Source: srcRoute53},
	"aws:route53/zoneAssociation:ZoneAssociation": {Names: []string{"route53:AssociateVPCWithHostedZone", "ec2:DescribeVpcs"}, Source: srcRoute53},

	// S3. A bucket with Object Lock needs its Object Lock and versioning
	// permissions at creation.
	// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
	"aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock":                                   {Names: []string{"s3:PutAccountPublicAccessBlock"}, Source: srcS3},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       {Names: []string{"s3:PutLifecycleConfiguration"}, Source: srcS3},
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     {Names: []string{"s3:PutBucketLogging"}, Source: srcS3},
	"aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2":                     {Names: []string{"s3:PutBucketObjectLockConfiguration"}, Source: srcS3},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {Names: []string{"s3:PutBucketOwnershipControls"}, Source: srcS3},
	"aws:s3/bucketPolicy:BucketPolicy":                                                           {Names: []string{"s3:PutBucketPolicy"}, Source: srcS3},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {Names: []string{"s3:PutBucketPublicAccessBlock"}, Source: srcS3},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {Names: []string{"s3:PutEncryptionConfiguration"}, Source: srcS3},
	"aws:s3/bucketV2:BucketV2": {Names: []string{
		"s3:CreateBucket", "s3:PutBucketTagging", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning",
	}, Source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html"},
	"aws:s3/bucketVersioningV2:BucketVersioningV2": {Names: []string{"s3:PutBucketVersioning"}, Source: srcS3},

	// EventBridge Scheduler.
	"aws:scheduler/schedule:Schedule": {Names: []string{"scheduler:CreateSchedule", "iam:PassRole"}, Source: srcScheduler},

	// Secrets Manager. A secret encrypted with a customer managed key has
	// Secrets Manager use the key with the caller's permissions;
	// rotating immediately invokes the rotation function.
	// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
	"aws:secretsmanager/secret:Secret": {Names: []string{
		"secretsmanager:CreateSecret", "secretsmanager:TagResource", "kms:GenerateDataKey", "kms:Decrypt",
	}, Source: srcSecrets},
	"aws:secretsmanager/secretPolicy:SecretPolicy":     {Names: []string{"secretsmanager:PutResourcePolicy"}, Source: srcSecrets},
	"aws:secretsmanager/secretRotation:SecretRotation": {Names: []string{"secretsmanager:RotateSecret", "lambda:InvokeFunction"}, Source: srcSecrets},

	// Security Hub. UpdateSecurityHubConfiguration,
	// UpdateOrganizationConfiguration and the configuration policies'
	// updates are guarded by the audit guardrail.
	"aws:securityhub/account:Account": {Names: []string{
		"securityhub:EnableSecurityHub", "securityhub:UpdateSecurityHubConfiguration", "securityhub:TagResource",
		"iam:CreateServiceLinkedRole",
	}, Source: srcSecurityHub},
	"aws:securityhub/configurationPolicy:ConfigurationPolicy":                       {Names: []string{"securityhub:CreateConfigurationPolicy", "securityhub:TagResource"}, Source: srcSecurityHub},
	"aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation": {Names: []string{"securityhub:StartConfigurationPolicyAssociation"}, Source: srcSecurityHub},
	"aws:securityhub/findingAggregator:FindingAggregator":                           {Names: []string{"securityhub:CreateFindingAggregator"}, Source: srcSecurityHub},
	// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html
	"aws:securityhub/organizationAdminAccount:OrganizationAdminAccount": {Names: []string{
		"securityhub:EnableOrganizationAdminAccount", "organizations:EnableAWSServiceAccess", "organizations:RegisterDelegatedAdministrator",
		"organizations:ListDelegatedAdministrators", "organizations:DescribeOrganization",
	}, Source: srcSecurityHub},
	"aws:securityhub/organizationConfiguration:OrganizationConfiguration": {Names: []string{"securityhub:UpdateOrganizationConfiguration"}, Source: srcSecurityHub},
	"aws:securityhub/standardsSubscription:StandardsSubscription":         {Names: []string{"securityhub:BatchEnableStandards"}, Source: srcSecurityHub},

	// SNS and SQS.
	"aws:sns/topic:Topic":                         {Names: []string{"sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource"}, Source: srcSNS},
	"aws:sns/topicPolicy:TopicPolicy":             {Names: []string{"sns:SetTopicAttributes"}, Source: srcSNS},
	"aws:sns/topicSubscription:TopicSubscription": {Names: []string{"sns:Subscribe"}, Source: srcSNS},
	"aws:sqs/queue:Queue":                         {Names: []string{"sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:TagQueue"}, Source: srcSQS},

	// Systems Manager.
	"aws:ssm/association:Association":                         {Names: []string{"ssm:CreateAssociation"}, Source: srcSSM},
	"aws:ssm/defaultPatchBaseline:DefaultPatchBaseline":       {Names: []string{"ssm:RegisterDefaultPatchBaseline"}, Source: srcSSM},
	"aws:ssm/document:Document":                               {Names: []string{"ssm:CreateDocument", "ssm:AddTagsToResource"}, Source: srcSSM},
	"aws:ssm/maintenanceWindow:MaintenanceWindow":             {Names: []string{"ssm:CreateMaintenanceWindow", "ssm:AddTagsToResource"}, Source: srcSSM},
	"aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget": {Names: []string{"ssm:RegisterTargetWithMaintenanceWindow"}, Source: srcSSM},
	"aws:ssm/maintenanceWindowTask:MaintenanceWindowTask":     {Names: []string{"ssm:RegisterTaskWithMaintenanceWindow", "iam:PassRole"}, Source: srcSSM},
	"aws:ssm/parameter:Parameter":                             {Names: []string{"ssm:PutParameter", "ssm:AddTagsToResource"}, Source: srcSSM},
	"aws:ssm/patchBaseline:PatchBaseline":                     {Names: []string{"ssm:CreatePatchBaseline", "ssm:AddTagsToResource"}, Source: srcSSM},
	"aws:ssm/patchGroup:PatchGroup":                           {Names: []string{"ssm:RegisterPatchBaselineForPatchGroup"}, Source: srcSSM},

	// WAF (the CLOUDFRONT-scope web ACLs live in us-east-1). Associating
	// a web ACL with a load balancer also needs
	// elasticloadbalancing:SetWebAcl; logging to CloudWatch Logs has WAF
	// create a log delivery and the log group's resource policy.
	// Source: https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
	"aws:wafv2/webAcl:WebAcl":                       {Names: []string{"wafv2:CreateWebACL", "wafv2:TagResource"}, Source: srcWAFv2},
	"aws:wafv2/webAclAssociation:WebAclAssociation": {Names: []string{"wafv2:AssociateWebACL", "elasticloadbalancing:SetWebAcl"}, Source: srcWAFv2},
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {Names: []string{
		"wafv2:PutLoggingConfiguration", "logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
		"logs:DescribeLogGroups",
	}, Source: "https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html"},
}

// RemoteComponents maps the type of each component a provider plugin
// constructs (a remote component) to the AWS resource types it creates:
// the offline plans record the component but not its children, so the
// guardrail test checks these types in the component's place, with the
// component's aws provider. awsx's ec2.Vpc creates the VPC, its subnets,
// route tables and their associations and routes, the internet gateway
// and the NAT gateways with their Elastic IPs.
// Source: https://www.pulumi.com/registry/packages/awsx/api-docs/ec2/vpc/
var RemoteComponents = map[string][]string{
	"awsx:ec2:Vpc": {
		"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable",
		"aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/route:Route",
		"aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip",
	},
}
