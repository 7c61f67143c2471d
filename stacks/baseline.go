package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// baselineOut is what the security baseline hands the other parts.
type baselineOut struct {
	// AlertTopicARN is the account's alert SNS topic (alarms, findings).
	AlertTopicARN pulumi.StringInput
}

// deployBaseline applies the SecurityBaseline to the stack's account.
func deployBaseline(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	return nil
}

// deployIdentity creates the IAM groups and users (security account only).
func deployIdentity(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	return nil
}
