package observability

import (
	"github.com/refarch/refarch/components/iampolicy"
)

// sinkPolicy lets the source accounts create and update links to the sink
// sharing only the allowed resource types: ForAllValues makes a link that
// asks for any other type fail the condition. AWS's own examples name the
// accounts as principals and the types with oam:ResourceTypes.
// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_PutSinkPolicy.html
// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchobservabilityaccessmanager.html
func sinkPolicy(a SinkArgs) (string, error) {
	return iampolicy.New(iampolicy.Statement{
		Sid:       "SourceAccountsLink",
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"AWS": a.SourceAccountIDs},
		Action:    []string{"oam:CreateLink", "oam:UpdateLink"},
		Resource:  []string{"*"},
		Condition: iampolicy.Conditions{"ForAllValues:StringEquals": {"oam:ResourceTypes": a.ResourceTypes}},
	}).JSON()
}
