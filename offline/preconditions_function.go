package offline

import (
	"encoding/json"
	"path"
	"strings"
)

// The preconditions of Lambda functions (policies' function rules of the
// same IDs).
func init() {
	registerPrecondition(Precondition{
		Rule: "lambda-dead-letter-permission-before-function",
		Type: "aws:lambda/function:Function",
		Code: "InvalidParameterValueException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			dlq, _ := in["deadLetterConfig"].(map[string]any)
			target, _ := dlq["targetArn"].(string)
			if !strings.Contains(target, ":sqs:") {
				return "", nil
			}
			roleARN, _ := in["role"].(string)
			ok, err := roleMay(w, at, roleARN, "sqs:SendMessage", target)
			if err != nil || ok {
				return "", err
			}
			return "The provided execution role does not have permissions to call SendMessage on SQS", nil
		},
	})
}

// roleMay reports whether an inline policy of the role named by roleARN,
// in the world, allows action on resource.
func roleMay(w *World, at Place, roleARN, action, resource string) (bool, error) {
	roles, err := w.In(at.Account, "", "aws:iam/role:Role", func(e Existing) bool { return e.String("arn") == roleARN })
	if err != nil || len(roles) == 0 {
		return false, err
	}
	role := roles[0]
	policies, err := w.In(at.Account, "", "aws:iam/rolePolicy:RolePolicy", func(e Existing) bool {
		r := e.String("role")
		return r != "" && (r == role.ID || r == role.String("name") || r == roleARN)
	})
	if err != nil {
		return false, err
	}
	for _, p := range policies {
		if documentAllows(p.String("policy"), action, resource) {
			return true, nil
		}
	}
	return false, nil
}

// documentAllows reports whether a JSON policy document has an Allow
// statement granting action on resource (IAM's wildcards).
func documentAllows(doc, action, resource string) bool {
	var parsed struct {
		Statement []struct {
			Effect   string
			Action   any
			Resource any
		}
	}
	if json.Unmarshal([]byte(doc), &parsed) != nil {
		return false
	}
	for _, st := range parsed.Statement {
		if st.Effect != "Allow" {
			continue
		}
		if matchesAny(strings.ToLower(action), strings.ToLower(strings.Join(Strings(st.Action), "\n"))) &&
			matchesAny(resource, strings.Join(Strings(st.Resource), "\n")) {
			return true
		}
	}
	return false
}

// matchesAny reports whether s matches one of the newline-separated IAM
// patterns.
func matchesAny(s, patterns string) bool {
	for _, p := range strings.Split(patterns, "\n") {
		// IAM's * matches "/" too; path.Match's does not, so compare with
		// the slashes replaced.
		if ok, _ := path.Match(strings.ReplaceAll(p, "/", "\x00"), strings.ReplaceAll(s, "/", "\x00")); ok {
			return true
		}
	}
	return false
}
