package offline

import "fmt"

// The preconditions of GuardDuty's and Security Hub's administration by
// invitation (policies' detection rules of the same IDs).
func init() {
	// Security Hub answers first that it is not enabled.
	for _, typ := range []string{
		"aws:securityhub/standardsSubscription:StandardsSubscription",
		"aws:securityhub/member:Member",
		"aws:securityhub/findingAggregator:FindingAggregator",
		"aws:securityhub/inviteAccepter:InviteAccepter",
	} {
		registerPrecondition(Precondition{
			Rule: "securityhub-after-hub-enabled",
			Type: typ,
			Code: "InvalidAccessException",
			Missing: func(w *World, at Place, _ map[string]any) (string, error) {
				hubs, err := w.In(at.Account, at.Region, "aws:securityhub/account:Account", nil)
				if err != nil || len(hubs) > 0 {
					return "", err
				}
				return fmt.Sprintf("account %s is not subscribed to AWS Security Hub in %s", at.Account, at.Region), nil
			},
		})
	}
	registerPrecondition(Precondition{
		Rule: "guardduty-invite-only-enabled-members",
		Type: "aws:guardduty/member:Member",
		Code: "BadRequestException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			if in["invite"] != true {
				return "", nil
			}
			member, _ := in["accountId"].(string)
			detectors, err := w.In(member, at.Region, "aws:guardduty/detector:Detector", nil)
			if err != nil || len(detectors) > 0 {
				return "", err
			}
			return fmt.Sprintf("account %s has not enabled GuardDuty in %s: it cannot be invited", member, at.Region), nil
		},
	})
	registerPrecondition(Precondition{
		Rule: "guardduty-accept-only-pending-invitation",
		Type: "aws:guardduty/inviteAccepter:InviteAccepter",
		Code: "BadRequestException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			admin, _ := in["masterAccountId"].(string)
			return pendingInvitation(w, at, admin, "aws:guardduty/member:Member", "GuardDuty")
		},
	})
	registerPrecondition(Precondition{
		Rule: "securityhub-accept-only-pending-invitation",
		Type: "aws:securityhub/inviteAccepter:InviteAccepter",
		Code: "ResourceNotFoundException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			admin, _ := in["masterId"].(string)
			return pendingInvitation(w, at, admin, "aws:securityhub/member:Member", "Security Hub")
		},
	})
}

// pendingInvitation reports what is missing for the account at to accept
// admin's invitation of memberType: the administrator's member record that
// invites it.
func pendingInvitation(w *World, at Place, admin, memberType, service string) (string, error) {
	members, err := w.In(admin, at.Region, memberType, func(e Existing) bool {
		return e.String("accountId") == at.Account && e.Bool("invite")
	})
	if err != nil || len(members) > 0 {
		return "", err
	}
	return fmt.Sprintf("no %s invitation from %s is pending for account %s", service, admin, at.Account), nil
}
