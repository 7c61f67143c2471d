package offline

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The preconditions of the data stores and their secrets (policies' data
// rules of the same IDs).
func init() {
	// RDS creates the log group of an exported log itself, without
	// retention or key, when the instance starts exporting and the group
	// does not exist: a create of the group afterwards is refused.
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.PostgreSQL.html
	registerPrecondition(Precondition{
		Rule: "rds-log-groups-created-before-instance",
		Type: "aws:cloudwatch/logGroup:LogGroup",
		Code: "ResourceAlreadyExistsException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			name, _ := in["name"].(string)
			m := dataRDSLogGroup.FindStringSubmatch(name)
			if m == nil {
				return "", nil
			}
			identifier, log := m[1], m[2]
			exporting, err := w.In(at.Account, at.Region, "aws:rds/instance:Instance", func(e Existing) bool {
				return e.String("identifier") == identifier && slices.Contains(Strings(e.State["enabledCloudwatchLogsExports"]), log)
			})
			if err != nil || len(exporting) == 0 {
				return "", err
			}
			return fmt.Sprintf("The specified log group already exists: RDS created %s when instance %s started exporting its %s log (without retention or key)", name, identifier, log), nil
		},
	})
	// RotateSecret invokes the rotation function at once: Secrets Manager
	// refuses the rotation until the function's policy lets
	// secretsmanager.amazonaws.com invoke it (for this secret, when the
	// permission names a source ARN).
	// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets-cli.html
	registerPrecondition(Precondition{
		Rule: "secretsmanager-rotation-after-lambda-permission",
		Type: "aws:secretsmanager/secretRotation:SecretRotation",
		Code: "AccessDeniedException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			fn, _ := in["rotationLambdaArn"].(string)
			secretID, _ := in["secretId"].(string)
			// The secret may be named by its id: its ARN is what a
			// permission's source ARN names.
			if !strings.HasPrefix(secretID, "arn:") {
				secrets, err := w.In(at.Account, at.Region, "aws:secretsmanager/secret:Secret", func(e Existing) bool { return e.ID == secretID })
				if err != nil {
					return "", err
				}
				if len(secrets) > 0 && secrets[0].String("arn") != "" {
					secretID = secrets[0].String("arn")
				}
			}
			perms, err := w.In(at.Account, at.Region, "aws:lambda/permission:Permission", func(e Existing) bool {
				if e.String("principal") != "secretsmanager.amazonaws.com" || FunctionName(e.String("function")) != FunctionName(fn) {
					return false
				}
				source := e.String("sourceArn")
				return source == "" || !strings.HasPrefix(secretID, "arn:") || dataGlob(source, secretID)
			})
			if err != nil || len(perms) > 0 {
				return "", err
			}
			return "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.", nil
		},
	})
}

// dataRDSLogGroup matches the log group RDS exports an instance's log to:
// /aws/rds/instance/<identifier>/<log>.
var dataRDSLogGroup = regexp.MustCompile(`^/aws/rds/instance/([^/]+)/([^/]+)$`)

// dataGlob matches s against a Lambda permission's source ARN pattern
// (StringLike: '*' any run, '?' one character).
func dataGlob(pattern, s string) bool {
	expr := "^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*"), `\?`, ".") + "$"
	ok, err := regexp.MatchString(expr, s)
	return err == nil && ok
}
