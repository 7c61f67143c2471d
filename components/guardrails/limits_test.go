package guardrails

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/iampolicy"
)

func TestCheckLimitsRefusesWhatAWSOrganizationsWouldRefuse(t *testing.T) {
	small := iampolicy.New(iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: []string{"*"}, Resource: []string{"*"}})
	ok := Policy{Name: "ok", Targets: []Target{TargetRoot}, Document: small}
	require.NoError(t, checkLimits([]Policy{ok}))

	var many []string
	for len(strings.Join(many, `","`)) < MaxPolicySize {
		many = append(many, "ec2:DescribeInstances")
	}
	big := Policy{Name: "big", Targets: []Target{TargetRoot}, Document: iampolicy.New(
		iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: many, Resource: []string{"*"}})}
	err := checkLimits([]Policy{big})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "at most 5120")

	crowded := []Policy{ok, ok, ok, ok, ok}
	for i := range crowded {
		crowded[i].Name = strings.Repeat("p", i+1)
	}
	err = checkLimits(crowded)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "target Root would hold 5 policies")

	noSid := Policy{Name: "nosid", Targets: []Target{TargetRoot}, Document: iampolicy.New(
		iampolicy.Statement{Effect: iampolicy.Deny, Action: []string{"*"}, Resource: []string{"*"}})}
	require.Error(t, checkLimits([]Policy{noSid}))

	long := ok
	long.Description = strings.Repeat("d", 513)
	require.Error(t, checkLimits([]Policy{long}))
}
