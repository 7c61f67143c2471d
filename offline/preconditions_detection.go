package offline

import "fmt"

// The preconditions of Security Hub's account-level resources (policies'
// detection rules of the same IDs). The organization's delegation of
// GuardDuty and Security Hub is kept in preconditions_org.go.
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
}
