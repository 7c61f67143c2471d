package stack

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The outputs stacks export for each other. A stack reads a peer's outputs
// through a StackReference (see ReferenceStack); these names are the
// contract between them, and offline/stackrefs serves the same names offline. Each part declares the outputs it exports (stacks/<concern>part).
const (
	// OutputAccountID is the stack's account id (every stack).
	OutputAccountID = "accountId"
	// OutputRegion is the stack's region (every stack).
	OutputRegion = "region"
	// OutputVpnSecurityGroupID is the VPN server's security group
	// (shared-services, stacks/vpnpart), which the application stacks'
	// network part hands the groups admitting operators.
	OutputVpnSecurityGroupID = "vpnSecurityGroupId"
)

// VpnServerName is the VPN server's component name in shared-services;
// its instances carry it as their vpnserver.ServerTag, which the profile
// commands target.
const VpnServerName = Namespace + "-vpn"

// VpnBucketName is the VPN server's PKI and profiles bucket: named from the
// shared-services account, so the baseline's VPN rights name it before the
// bucket exists (and S3's global namespace makes it unique).
func VpnBucketName(c *Config) string {
	return VpnServerName + "-pki-" + c.Accounts["shared-services"].ID
}

// ReferenceStack reads the outputs of another stack of this project, by
// name ("shared-services"). With a self-managed backend the organization is
// "organization"; with Pulumi Cloud, the stack's own organization. Parts of
// a composition read other stacks through Parts.Value and Parts.StringOutput,
// which make one reference per referenced stack:
// two references with the same logical name would share a URN, which the
// engine refuses.
func ReferenceStack(ctx *pulumi.Context, stack string) (*pulumi.StackReference, error) {
	name := fmt.Sprintf("%s/%s/%s", ctx.Organization(), ctx.Project(), stack)
	ref, err := pulumi.NewStackReference(ctx, stack, &pulumi.StackReferenceArgs{Name: pulumi.String(name)})
	if err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", name, err)
	}
	return ref, nil
}

// AlertTopicName is the alert topic of a stack's account (alarms,
// findings, the nightly drift check), which the security baseline creates
// in every stack but management's; its key's alias is alias/<name>.
func AlertTopicName(stackName string) string { return Namespace + "-" + stackName + "-alerts" }

// DatabaseName is the name of a stack's database (the Postgres component,
// and its writer's identifier): what the failover drill may reboot.
func DatabaseName(stackName string) string { return Namespace + "-" + stackName + "-db" }

// EdgeAlertTopicName is the alert topic an application stack keeps in
// us-east-1 for the CDN's alarms (CloudFront's metrics exist there only).
func EdgeAlertTopicName(c *Config) string { return Namespace + "-" + c.Stack + "-edge-alerts" }
