package securitybaseline

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// roles creates the persona roles.
func (b *builder) roles() error {
	r := b.a.AccountRoles
	arns := pulumi.StringMap{}
	for _, persona := range r.Personas {
		role, err := b.personaRole(r.TrustedAccountID, persona)
		if err != nil {
			return err
		}
		arns[persona.RoleName] = role.Arn
	}
	b.c.PersonaRoleARNs = arns.ToStringMapOutput()
	return nil
}

// PersonaTrust is the trust policy of a persona role: principals of the
// identity account, and only with MFA (Security Hub IAM.5's intent carried
// across accounts): a stolen access key alone opens nothing. A user may
// stamp the session with a source identity, and only with their own user
// name: policies that give each person their own objects (a VPN profile)
// name ${aws:SourceIdentity}, which nobody can then claim for another.
// Sources: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
func PersonaTrust(partition, trustedAccountID string) iampolicy.Document {
	identity := iampolicy.Principal{"AWS": {iampolicy.RootARN(partition, trustedAccountID)}}
	mfa := iampolicy.Conditions{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}}
	return iampolicy.New(
		iampolicy.Statement{
			Sid:       "IdentityAccountWithMFA",
			Effect:    iampolicy.Allow,
			Principal: identity,
			Action:    []string{"sts:AssumeRole"},
			Condition: mfa,
		},
		iampolicy.Statement{
			Sid:       "OwnUserNameAsSourceIdentity",
			Effect:    iampolicy.Allow,
			Principal: identity,
			Action:    []string{"sts:SetSourceIdentity"},
			Condition: iampolicy.Conditions{
				"Bool":         mfa["Bool"],
				"StringEquals": {"sts:SourceIdentity": {"${aws:username}"}},
			},
		},
	)
}

// personaRole creates one persona role with its managed policies and a
// bounded session.
func (b *builder) personaRole(trusted string, p PersonaRole) (*iam.Role, error) {
	trust, err := PersonaTrust(b.a.Partition, trusted).JSON()
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(b.ctx, b.name+"-"+p.RoleName, &iam.RoleArgs{
		// A fixed name: the identity account's groups name it in their policies.
		Name:               pulumi.String(p.RoleName),
		Description:        pulumi.String("Persona role, assumed with MFA from account " + trusted),
		AssumeRolePolicy:   pulumi.String(trust),
		MaxSessionDuration: pulumi.Int(p.MaxSessionHours * 3600),
	}, b.child)
	if err != nil {
		return nil, err
	}
	for i, arn := range p.PolicyARNs {
		if _, err := iam.NewRolePolicyAttachment(b.ctx, fmt.Sprintf("%s-%s-%d", b.name, p.RoleName, i), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(arn),
		}, b.child); err != nil {
			return nil, err
		}
	}
	if p.InlinePolicy != "" {
		if _, err := iam.NewRolePolicy(b.ctx, b.name+"-"+p.RoleName+"-inline", &iam.RolePolicyArgs{
			Role:   role.Name,
			Name:   pulumi.String(p.RoleName),
			Policy: pulumi.String(p.InlinePolicy),
		}, b.child); err != nil {
			return nil, err
		}
	}
	// Session data is encrypted with the sessions key, and whoever starts
	// a session generates its data key: every persona may (starting a
	// session still needs ssm:StartSession, which the managed policies
	// decide), and the key serves nothing else.
	// Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-preferences-enable-encryption.html
	if _, err := iam.NewRolePolicy(b.ctx, b.name+"-"+p.RoleName+"-sessions", &iam.RolePolicyArgs{
		Role: role.Name,
		Name: pulumi.String("start-encrypted-sessions"),
		Policy: iampolicy.StringOutput([]pulumi.Input{b.keyARNs[KeySessions]}, func(v []any) (iampolicy.Document, error) {
			return iampolicy.New(iampolicy.Statement{
				Sid:      "GenerateSessionDataKeys",
				Effect:   iampolicy.Allow,
				Action:   []string{"kms:GenerateDataKey"},
				Resource: []string{fmt.Sprint(v[0])},
			}), nil
		}),
	}, b.child); err != nil {
		return nil, err
	}
	return role, nil
}
