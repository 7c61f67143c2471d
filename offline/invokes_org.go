package offline

import (
	"fmt"
	"strings"
)

// worldInvokes answer, when the stand-in cloud keeps a world (Remember),
// from what the world holds rather than from the caller alone: the
// organization a stack reads is the one another stack created. Without a
// world (the offline engine, or a stand-in without memory) the answers of
// invokes serve.
var worldInvokes = map[string]func(w *World, e env, args map[string]any) (map[string]any, error){
	"aws:organizations/getOrganization:getOrganization": organizationFromWorld,
	"aws:guardduty/getDetector:getDetector":             detectorFromWorld,
}

// organizationFromWorld answers getOrganization as AWS does, for the
// organization the caller belongs to: the one it manages, or the one an
// organizations Account of the world makes it a member of; its accounts are
// the management account and the member accounts the world holds. A caller
// in no organization of the world gets the organization derived from its
// own account (organizationOf), as the offline engine does.
// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html
func organizationFromWorld(w *World, e env, _ map[string]any) (map[string]any, error) {
	org, _, err := orgOfMember(w, e.Account)
	if err != nil {
		return nil, err
	}
	if org == nil {
		return organizationOf(e, nil), nil
	}
	out := map[string]any{}
	for _, k := range []string{"id", "arn", "featureSet", "awsServiceAccessPrincipals", "enabledPolicyTypes", "masterAccountId", "masterAccountArn",
		"masterAccountEmail", "masterAccountName", "roots"} {
		out[k] = org.State[k]
	}
	accounts := []any{}
	if mgmt, _ := org.State["accounts"].([]any); len(mgmt) > 0 {
		accounts = append(accounts, mgmt[0])
	}
	members, err := w.In(org.Account, "", orgTypeAccount, nil)
	if err != nil {
		return nil, err
	}
	others := []any{}
	for _, m := range members {
		a := map[string]any{"id": m.ID, "arn": m.State["arn"], "name": m.State["name"], "email": m.State["email"], "status": "ACTIVE", "state": "ACTIVE"}
		accounts = append(accounts, a)
		others = append(others, a)
	}
	out["accounts"], out["nonMasterAccounts"] = accounts, others
	return out, nil
}

// detector answers guardduty's getDetector: the detector of the caller's
// account and region (args id, when given, names it).
// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetDetector.html
func detector(e env, args map[string]any) (map[string]any, error) {
	id, _ := args["id"].(string)
	if id == "" {
		// Detector ids are 32 hex digits.
		id = strings.Repeat(shortHash("detector/"+e.Account+"/"+e.Region)+"0", 4)
	}
	return map[string]any{
		"id":                         id,
		"status":                     "ENABLED",
		"findingPublishingFrequency": "SIX_HOURS",
		"serviceRoleArn":             fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty", e.Partition, e.Account),
		"features":                   []any{},
		"tags":                       map[string]any{},
	}, nil
}

// detectorFromWorld answers getDetector with the detector the world holds
// in the caller's account and region: the caller's own, or the one
// GuardDuty created for it (not in the world: the answer of detector).
func detectorFromWorld(w *World, e env, args map[string]any) (map[string]any, error) {
	want, _ := args["id"].(string)
	found, err := w.In(e.Account, e.Region, orgTypeGuardDutyDetector, func(d Existing) bool { return want == "" || d.ID == want })
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return detector(e, args)
	}
	out, err := detector(e, map[string]any{"id": found[0].ID})
	if f := found[0].String("findingPublishingFrequency"); f != "" {
		out["findingPublishingFrequency"] = f
	}
	return out, err
}
