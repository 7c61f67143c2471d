package validate

import "regexp"

// IAM naming rules shared by the components that create or name IAM
// principals.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names

var roleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// CheckRoleName requires an IAM role name.
func CheckRoleName(s string) string {
	if !roleName.MatchString(s) {
		return "must be an IAM role name: 1-64 letters, digits and +=,.@_-"
	}
	return ""
}

var principalARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(role|user)/([\w+=,.@-]+/)*[\w+=,.@-]{1,64})$`)

// CheckPrincipalARN requires the ARN of an IAM role, user or account root.
func CheckPrincipalARN(s string) string {
	if !principalARN.MatchString(s) {
		return "must be the ARN of an IAM role, user or account root"
	}
	return ""
}

var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)

// CheckRoleARN requires the ARN of an IAM role.
func CheckRoleARN(s string) string {
	if !roleARN.MatchString(s) {
		return "must be the ARN of an IAM role"
	}
	return ""
}

var userName = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)

// CheckUserName requires a lower-case IAM user name for a person (IAM
// names are unique regardless of case, so one spelling avoids surprises).
func CheckUserName(s string) string {
	if !userName.MatchString(s) {
		return "must be a lower-case IAM user name: a letter, then up to 63 letters, digits, '.', '_' and '-'"
	}
	return ""
}

var namedAction = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)

// CheckNamedAction requires one IAM action named in full ("s3:GetObject"):
// a wildcard ("s3:Get*", "*") grants what nobody reviewed.
func CheckNamedAction(s string) string {
	if !namedAction.MatchString(s) {
		return `must be one named action, "service:Action": a wildcard grants what nobody reviewed`
	}
	return ""
}
