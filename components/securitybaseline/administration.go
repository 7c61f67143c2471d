package securitybaseline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cfg"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// AdministratorArgs makes an account the administrator of other accounts'
// findings and configuration history, through the invitation flow: the
// program manages no AWS Organizations management account, so it cannot
// designate a delegated administrator. Each member accepts with its own
// baseline's MembershipArgs.
//
// Sources: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_invitations.html,
// https://docs.aws.amazon.com/securityhub/latest/userguide/account-management-manual.html,
// https://docs.aws.amazon.com/config/latest/developerguide/aggregate-data.html
type AdministratorArgs struct {
	// Members are the accounts invited as GuardDuty and Security Hub
	// members and aggregated by the AWS Config aggregator. Required (at
	// least one); distinct accounts, not the administrator itself (the
	// aggregator includes it anyway).
	Members []Member
	// AggregatorName is the AWS Config aggregator's name. Default
	// "<name>-config". 1-256 characters: letters, digits, '.', '_', '-'.
	// Source: https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html
	AggregatorName string
}

// Member is an account invited by the administrator.
type Member struct {
	// AccountID is the member's 12-digit id. Required.
	AccountID string
	// Email is the address of the member account's root user. Required:
	// GuardDuty's CreateMembers needs it for every account it invites
	// (no mail is sent: the invitation notice is disabled).
	// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_AccountDetail.html
	Email string
	// GuardDuty invites the account to GuardDuty: only once the account's
	// own detector exists (its stack has been deployed), because GuardDuty
	// documents that "the first step is to ensure that GuardDuty has been
	// enabled in the potential member accounts". Until then the account is
	// a member of Security Hub and of the Config aggregation only, which
	// accept invitations before the member enables them. Default false.
	// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_InviteMembers.html
	GuardDuty bool
}

// MembershipArgs makes an account a member of an administrator's
// GuardDuty, Security Hub and AWS Config aggregation. The administrator's
// stack must have invited it first (it is deployed first, in the
// documented stack order); GuardDuty and Security Hub accept only a
// pending invitation.
type MembershipArgs struct {
	// AdministratorAccountID is the administrator's 12-digit id. Required;
	// it must differ from the account being hardened.
	AdministratorAccountID string
	// AdministratorRegion is the region of the administrator's Config
	// aggregator, which the aggregation authorization names. Default
	// Region (every stack deploys in the audit region).
	AdministratorRegion string
	// GuardDutyInvited accepts the administrator's GuardDuty invitation.
	// Set it only once the administrator has invited this account
	// (Member.GuardDuty, which needs this account's detector first): GuardDuty
	// accepts only a pending invitation. Default false: the account's
	// GuardDuty reports its own findings to its own alert topic.
	// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_AcceptAdministratorInvitation.html
	GuardDutyInvited bool
}

func (ad *AdministratorArgs) withDefaults(name string) {
	ad.Members = slices.Clone(ad.Members)
	if ad.AggregatorName == "" {
		ad.AggregatorName = name + "-config"
	}
}

func (ad *AdministratorArgs) validate(p *validate.Problems, a SecurityBaselineArgs) {
	if len(ad.Members) == 0 {
		p.Add("Args.Administrator.Members", "", "must list the accounts whose findings the administrator sees")
	}
	seen := map[string]bool{}
	for i, m := range ad.Members {
		field := fmt.Sprintf("Args.Administrator.Members[%d]", i)
		p.Check(field+".AccountID", m.AccountID, validate.CheckAccountID(m.AccountID))
		switch {
		case m.AccountID == a.AccountID:
			p.Add(field+".AccountID", m.AccountID, "is the administrator itself: an account cannot invite itself")
		case seen[m.AccountID]:
			p.Add(field+".AccountID", m.AccountID, "is listed twice")
		}
		seen[m.AccountID] = true
		p.Check(field+".Email", m.Email, validate.CheckEmail(m.Email))
	}
	p.Check("Args.Administrator.AggregatorName", ad.AggregatorName, CheckAggregatorName(ad.AggregatorName))
	if a.Membership != nil {
		p.Add("Args.Membership", a.Membership.AdministratorAccountID, "must be unset when Args.Administrator is set: an administrator is nobody's member")
	}
}

func (m *MembershipArgs) validate(p *validate.Problems, a SecurityBaselineArgs) {
	p.Check("Args.Membership.AdministratorAccountID", m.AdministratorAccountID, validate.CheckAccountID(m.AdministratorAccountID))
	if m.AdministratorAccountID != "" && m.AdministratorAccountID == a.AccountID {
		p.Add("Args.Membership.AdministratorAccountID", m.AdministratorAccountID, "must be another account: an account cannot be its own administrator")
	}
	p.Check("Args.Membership.AdministratorRegion", m.AdministratorRegion, validate.CheckRegion(m.AdministratorRegion))
}

// CheckAggregatorName returns the rule an AWS Config aggregator name
// breaks, or "".
func CheckAggregatorName(s string) string {
	if len(s) < 1 || len(s) > 256 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		return "must be 1-256 letters, digits, '.', '_' or '-'"
	}
	return ""
}

// administration wires the account into the organization's one view of
// findings and configuration: as administrator it invites every member to
// Security Hub, and to GuardDuty those whose detector exists
// (Member.GuardDuty), aggregates Security Hub findings across
// regions and Config across the members; as a member it accepts both
// invitations and authorizes the administrator's aggregator. Either way
// the administrator's EventBridge rules (findingRules) receive the
// members' findings, because GuardDuty and Security Hub publish members'
// findings to the administrator's event bus.
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cloudwatch-events.html
func (b *builder) administration() error {
	if ad := b.a.Administrator; ad != nil {
		return b.administer(ad)
	}
	if m := b.a.Membership; m != nil {
		return b.join(m)
	}
	return nil
}

func (b *builder) administer(ad *AdministratorArgs) error {
	afterHub := pulumi.DependsOn([]pulumi.Resource{b.hub})
	accounts := pulumi.StringArray{pulumi.String(b.a.AccountID)}
	for _, m := range ad.Members {
		accounts = append(accounts, pulumi.String(m.AccountID))
		if m.GuardDuty {
			if _, err := guardduty.NewMember(b.ctx, b.name+"-guardduty-member-"+m.AccountID, &guardduty.MemberArgs{
				DetectorId:               b.detector.ID(),
				AccountId:                pulumi.String(m.AccountID),
				Email:                    pulumi.String(m.Email),
				Invite:                   pulumi.Bool(true),
				InvitationMessage:        pulumi.String("Findings of this account are administered by the security account " + b.a.AccountID),
				DisableEmailNotification: pulumi.Bool(true),
			}, b.child); err != nil {
				return fmt.Errorf("guardduty member %s: %w", m.AccountID, err)
			}
		}
		if _, err := securityhub.NewMember(b.ctx, b.name+"-securityhub-member-"+m.AccountID, &securityhub.MemberArgs{
			AccountId: pulumi.String(m.AccountID),
			Email:     pulumi.String(m.Email),
			Invite:    pulumi.Bool(true),
		}, b.child, afterHub); err != nil {
			return fmt.Errorf("security hub member %s: %w", m.AccountID, err)
		}
	}
	// One aggregation region holds every region's findings, new regions
	// included. Source: https://docs.aws.amazon.com/securityhub/latest/userguide/finding-aggregation.html
	if _, err := securityhub.NewFindingAggregator(b.ctx, b.name, &securityhub.FindingAggregatorArgs{
		LinkingMode: pulumi.String("ALL_REGIONS"),
	}, b.child, afterHub); err != nil {
		return fmt.Errorf("security hub finding aggregator: %w", err)
	}
	// The recorders run in the stacks' one region; the aggregator collects
	// exactly that region of the administrator and every member, each of
	// which authorizes it (MembershipArgs).
	if _, err := cfg.NewConfigurationAggregator(b.ctx, b.name, &cfg.ConfigurationAggregatorArgs{
		Name: pulumi.String(ad.AggregatorName),
		AccountAggregationSource: &cfg.ConfigurationAggregatorAccountAggregationSourceArgs{
			AccountIds: accounts,
			Regions:    pulumi.StringArray{pulumi.String(b.a.Region)},
		},
	}, b.child); err != nil {
		return fmt.Errorf("config aggregator: %w", err)
	}
	return nil
}

func (b *builder) join(m *MembershipArgs) error {
	admin := pulumi.String(m.AdministratorAccountID)
	if m.GuardDutyInvited {
		if _, err := guardduty.NewInviteAccepter(b.ctx, b.name, &guardduty.InviteAccepterArgs{
			DetectorId:      b.detector.ID(),
			MasterAccountId: admin,
		}, b.child); err != nil {
			return fmt.Errorf("guardduty invitation: %w", err)
		}
	}
	if _, err := securityhub.NewInviteAccepter(b.ctx, b.name, &securityhub.InviteAccepterArgs{
		MasterId: admin,
	}, b.child, pulumi.DependsOn([]pulumi.Resource{b.hub})); err != nil {
		return fmt.Errorf("security hub invitation: %w", err)
	}
	if _, err := cfg.NewAggregateAuthorization(b.ctx, b.name, &cfg.AggregateAuthorizationArgs{
		AccountId: admin,
		Region:    pulumi.String(m.AdministratorRegion),
	}, b.child); err != nil {
		return fmt.Errorf("config aggregation authorization: %w", err)
	}
	return nil
}
