package vpnserver

import (
	"encoding/base64"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// rootVolumeGiB is the root volume's size: Amazon Linux 2023 needs 8; the
// rest holds logs and updates.
const rootVolumeGiB = 16

// host creates the server's group, address, role, launch template, Auto
// Scaling group and DNS record. The group launches with the server's own
// service-linked role (scaling), which the key of the root volume names.
func (b *builder) host(p *pkiParts, scaling *iam.ServiceLinkedRole) error {
	sg, err := b.securityGroup()
	if err != nil {
		return fmt.Errorf("security group: %w", err)
	}
	eip, err := ec2.NewEip(b.ctx, b.name, &ec2.EipArgs{
		Domain: pulumi.String("vpc"),
		Tags:   pulumi.StringMap{"Name": pulumi.String(b.name)},
	}, b.child)
	if err != nil {
		return fmt.Errorf("elastic IP: %w", err)
	}
	b.eip = eip
	profile, err := b.role(p, eip)
	if err != nil {
		return fmt.Errorf("instance role: %w", err)
	}
	userData := pulumi.All(eip.AllocationId, p.bucket.Bucket, p.key.Arn, p.logGroup.Name).ApplyT(func(v []any) (string, error) {
		script, err := RenderBootScript(b.bootConfig(v[0].(string), v[1].(string), v[2].(string), v[3].(string)))
		if err != nil {
			return "", err
		}
		return base64.StdEncoding.EncodeToString([]byte(script)), nil
	}).(pulumi.StringOutput)
	tags := pulumi.StringMap{"Name": pulumi.String(b.name), ServerTag: pulumi.String(b.name)}
	if b.a.PatchGroup != "" {
		tags[PatchGroupTag] = pulumi.String(b.a.PatchGroup)
	}
	lt, err := ec2.NewLaunchTemplate(b.ctx, b.name, &ec2.LaunchTemplateArgs{
		Description:          pulumi.Sprintf("VPN server %s", b.name),
		ImageId:              pulumi.String("resolve:ssm:" + AMIParameter(Architecture(b.a.InstanceType))),
		InstanceType:         pulumi.String(b.a.InstanceType),
		UpdateDefaultVersion: pulumi.Bool(true),
		IamInstanceProfile:   &ec2.LaunchTemplateIamInstanceProfileArgs{Arn: profile.Arn},
		// IMDSv2 only, one hop: a process in a container on the host cannot
		// reach the role's credentials. Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{&ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeType: pulumi.String("gp3"),
				VolumeSize: pulumi.Int(rootVolumeGiB),
				Encrypted:  pulumi.String("true"),
				// The server's key, whose policy admits the group's
				// service-linked role: the instance is stateless (its PKI
				// is in the bucket), so the volume needs no key of its own.
				// Source: https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
				KmsKeyId:            p.key.Arn,
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		// A public address until the boot script associates the Elastic
		// IP: the instance needs the internet to reach the EC2 API first.
		NetworkInterfaces: ec2.LaunchTemplateNetworkInterfaceArray{&ec2.LaunchTemplateNetworkInterfaceArgs{
			DeviceIndex:              pulumi.Int(0),
			AssociatePublicIpAddress: pulumi.String("true"),
			DeleteOnTermination:      pulumi.String("true"),
			SecurityGroups:           pulumi.StringArray{sg.ID()},
		}},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: tags},
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("network-interface"), Tags: pulumi.StringMap{ServerTag: pulumi.String(b.name)}},
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: pulumi.StringMap{"Name": pulumi.String(b.name)}},
		},
		UserData: userData,
	}, b.child)
	if err != nil {
		return fmt.Errorf("launch template: %w", err)
	}
	asg, err := autoscaling.NewGroup(b.ctx, b.name, &autoscaling.GroupArgs{
		MinSize:                pulumi.Int(1),
		MaxSize:                pulumi.Int(1),
		DesiredCapacity:        pulumi.Int(1),
		VpcZoneIdentifiers:     b.a.SubnetIDs,
		HealthCheckType:        pulumi.String("EC2"),
		HealthCheckGracePeriod: pulumi.Int(300),
		// Launches with the role the root volume's key names (scalingRole).
		ServiceLinkedRoleArn: scaling.Arn,
		LaunchTemplate: &autoscaling.GroupLaunchTemplateArgs{
			Id:      lt.ID(),
			Version: lt.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput),
		},
		Tags: autoscaling.GroupTagArray{&autoscaling.GroupTagArgs{
			Key: pulumi.String("Name"), Value: pulumi.String(b.name), PropagateAtLaunch: pulumi.Bool(false),
		}},
	}, b.child)
	if err != nil {
		return fmt.Errorf("auto scaling group: %w", err)
	}
	b.c.AutoScalingGroupName = asg.Name
	if _, err := route53.NewRecord(b.ctx, b.name, &route53.RecordArgs{
		ZoneId:  b.a.ZoneID,
		Name:    pulumi.String(b.a.RecordName),
		Type:    pulumi.String("A"),
		Ttl:     pulumi.Int(300),
		Records: pulumi.StringArray{eip.PublicIp},
	}, b.child); err != nil {
		return fmt.Errorf("DNS record: %w", err)
	}
	b.c.SecurityGroupID = sg.ID().ToStringOutput()
	b.c.PublicIP = eip.PublicIp
	return nil
}

// securityGroup admits OpenVPN's UDP port from Args.AllowedCIDRs and
// nothing else (no 22: Session Manager); out, HTTPS anywhere (package
// repositories, Systems Manager, S3, CloudWatch, EC2: the management VPC
// has no endpoints) and every protocol to the pushed routes, where the
// targets' own groups decide what operators reach.
func (b *builder) securityGroup() (*ec2.SecurityGroup, error) {
	ctx := b.ctx
	sg, err := ec2.NewSecurityGroup(ctx, b.name, &ec2.SecurityGroupArgs{
		VpcId:               b.a.VpcID,
		Description:         pulumi.Sprintf("VPN server %s: OpenVPN in, HTTPS and the private networks out", b.name),
		RevokeRulesOnDelete: pulumi.Bool(true),
	}, b.child)
	if err != nil {
		return nil, err
	}
	for i, cidr := range b.a.AllowedCIDRs {
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, fmt.Sprintf("%s-openvpn-%d", b.name, i), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			CidrIpv4:        pulumi.String(cidr),
			IpProtocol:      pulumi.String("udp"),
			FromPort:        pulumi.Int(b.a.Port),
			ToPort:          pulumi.Int(b.a.Port),
			Description:     pulumi.String("OpenVPN clients"),
		}, b.child); err != nil {
			return nil, err
		}
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, b.name+"-https-out", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		Description:     pulumi.String("HTTPS: updates, Systems Manager, S3, CloudWatch, EC2"),
	}, b.child); err != nil {
		return nil, err
	}
	for i, cidr := range b.a.Routes {
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, fmt.Sprintf("%s-route-%d", b.name, i), &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: sg.ID(),
			CidrIpv4:        pulumi.String(cidr),
			IpProtocol:      pulumi.String("-1"),
			Description:     pulumi.String("operators to the private networks"),
		}, b.child); err != nil {
			return nil, err
		}
	}
	return sg, nil
}

// role creates the instance role: Systems Manager (sessions, patching),
// the Args.InstancePolicyARNs, and an inline policy allowing exactly the
// server's own work. Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html
func (b *builder) role(p *pkiParts, eip *ec2.Eip) (*iam.InstanceProfile, error) {
	ctx, env := b.ctx, b.env
	trust, err := iampolicy.New(iampolicy.Statement{
		Sid:       "EC2",
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"ec2.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
	}).JSON()
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, b.name+"-instance", &iam.RoleArgs{
		Description:      pulumi.Sprintf("VPN server %s instances", b.name),
		AssumeRolePolicy: pulumi.String(trust),
	}, b.child)
	if err != nil {
		return nil, err
	}
	managed := append([]pulumi.StringInput{pulumi.String(iampolicy.ManagedPolicyARN(env.Partition, "AmazonSSMManagedInstanceCore"))}, b.a.InstancePolicyARNs...)
	for i, arn := range managed {
		if _, err := iam.NewRolePolicyAttachment(ctx, fmt.Sprintf("%s-instance-%d", b.name, i), &iam.RolePolicyAttachmentArgs{
			Role: role.Name, PolicyArn: arn,
		}, b.child); err != nil {
			return nil, err
		}
	}
	inputs := []pulumi.Input{eip.AllocationId, p.bucket.Arn, p.key.Arn, p.logGroup.Arn}
	if _, err := iam.NewRolePolicy(ctx, b.name+"-instance", &iam.RolePolicyArgs{
		Role: role.Name,
		Name: pulumi.String("vpn-server"),
		Policy: iampolicy.StringOutput(inputs, func(v []any) (iampolicy.Document, error) {
			return b.instancePolicy(v[0].(string), v[1].(string), v[2].(string), v[3].(string)), nil
		}),
	}, b.child); err != nil {
		return nil, err
	}
	b.c.RoleARN = role.Arn
	return iam.NewInstanceProfile(ctx, b.name, &iam.InstanceProfileArgs{Role: role.Name}, b.child)
}

// instancePolicy is the server's own work: associate its Elastic IP with
// an instance of this server, keep the PKI and profiles under their
// prefixes with the server's key, write its log group.
// Sources: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
func (b *builder) instancePolicy(allocation, bucket, key, logGroup string) iampolicy.Document {
	env := b.env
	return iampolicy.New(
		iampolicy.Statement{
			Sid:      "AssociateItsOwnAddress",
			Effect:   iampolicy.Allow,
			Action:   []string{"ec2:AssociateAddress"},
			Resource: []string{iampolicy.ARN(env.Partition, "ec2", env.Region, env.Account, "elastic-ip/"+allocation)},
		},
		iampolicy.Statement{
			Sid:       "WithAnInstanceOfThisServer",
			Effect:    iampolicy.Allow,
			Action:    []string{"ec2:AssociateAddress"},
			Resource:  []string{iampolicy.ARN(env.Partition, "ec2", env.Region, env.Account, "instance/*"), iampolicy.ARN(env.Partition, "ec2", env.Region, env.Account, "network-interface/*")},
			Condition: iampolicy.Conditions{"StringEquals": {"aws:ResourceTag/" + ServerTag: {b.name}}},
		},
		iampolicy.Statement{
			Sid:      "DescribeAddresses",
			Effect:   iampolicy.Allow,
			Action:   []string{"ec2:DescribeAddresses"},
			Resource: []string{"*"},
		},
		iampolicy.Statement{
			Sid:      "PKIAndProfilesOnly",
			Effect:   iampolicy.Allow,
			Action:   []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
			Resource: []string{bucket + "/" + PKIPrefix + "*", bucket + "/" + ProfilesPrefix + "*"},
		},
		iampolicy.Statement{
			Sid:       "ListThosePrefixes",
			Effect:    iampolicy.Allow,
			Action:    []string{"s3:ListBucket"},
			Resource:  []string{bucket},
			Condition: iampolicy.Conditions{"StringLike": {"s3:prefix": {PKIPrefix + "*", ProfilesPrefix + "*"}}},
		},
		iampolicy.Statement{
			Sid:      "ItsKeyOnly",
			Effect:   iampolicy.Allow,
			Action:   []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource: []string{key},
		},
		iampolicy.Statement{
			Sid:      "WriteItsLogs",
			Effect:   iampolicy.Allow,
			Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resource: []string{logGroup + ":*"},
		},
	)
}
