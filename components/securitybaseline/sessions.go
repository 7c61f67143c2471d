package securitybaseline

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// SessionPreferencesDocument is the name Session Manager reads its
// account-wide preferences from.
// Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-preferences-cli.html
const SessionPreferencesDocument = "SSM-SessionManagerRunShell"

// SessionPreferences renders the Session Manager preferences: session data
// encrypted end to end with sessionKey (beyond the TLS of the channel), every
// session streamed to the log group (encrypted; the agent refuses to start
// a session it cannot log that way), idle sessions closed after 20 minutes,
// sessions capped at an hour, no run-as. There is no S3 destination: the
// log group, encrypted with the logs key and kept for the audit retention,
// is where the baseline's audit logs live (the trail's too); an S3 copy in
// another account would need every instance role admitted to that bucket
// and its key.
// Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-preferences-cli.html
func SessionPreferences(logGroup, sessionKey string) (string, error) {
	doc := map[string]any{
		"schemaVersion": "1.0",
		"description":   "Session Manager preferences: sessions are logged to CloudWatch Logs, encrypted",
		"sessionType":   "Standard_Stream",
		"inputs": map[string]any{
			"s3BucketName":                "",
			"s3KeyPrefix":                 "",
			"s3EncryptionEnabled":         true,
			"cloudWatchLogGroupName":      logGroup,
			"cloudWatchEncryptionEnabled": true,
			"cloudWatchStreamingEnabled":  true,
			"kmsKeyId":                    sessionKey,
			"runAsEnabled":                false,
			"runAsDefaultUser":            "",
			"idleSessionTimeout":          "20",
			"maxSessionDuration":          "60",
			"shellProfile":                map[string]string{"windows": "", "linux": ""},
		},
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// sessions makes Session Manager the way into hosts (no SSH, no bastion):
// the account's preferences log every session to an encrypted log group,
// and InstancePolicyARN lets an instance's agent write that log and its
// patch output. Instances also need AmazonSSMManagedInstanceCore.
func (b *builder) sessions() error {
	sessions, err := b.logGroup("sessions", "/ssm/sessions/"+b.name)
	if err != nil {
		return err
	}
	patches, err := b.logGroup("patching", "/ssm/patching/"+b.name)
	if err != nil {
		return err
	}
	b.patchLogGroup = patches
	sessionKey := b.keyARNs[KeySessions]
	content := pulumi.All(sessions.Name, sessionKey).ApplyT(func(v []any) (string, error) {
		return SessionPreferences(v[0].(string), v[1].(string))
	}).(pulumi.StringOutput)
	if _, err := ssm.NewDocument(b.ctx, b.name+"-session-preferences", &ssm.DocumentArgs{
		Name:           pulumi.String(SessionPreferencesDocument),
		DocumentType:   pulumi.String("Session"),
		DocumentFormat: pulumi.String("JSON"),
		Content:        content,
	}, b.child); err != nil {
		return err
	}
	// Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html
	policy, err := iam.NewPolicy(b.ctx, b.name+"-instance-logging", &iam.PolicyArgs{
		Name:        pulumi.String(b.name + "-instance-logging"),
		Description: pulumi.String("Lets an instance's SSM agent decrypt sessions and log them and patch runs to the baseline's log groups"),
		Policy: iampolicy.StringOutput([]pulumi.Input{sessions.Arn, patches.Arn, sessionKey}, func(v []any) (iampolicy.Document, error) {
			return iampolicy.New(
				iampolicy.Statement{
					Sid:      "WriteSessionAndPatchLogs",
					Effect:   iampolicy.Allow,
					Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
					Resource: []string{fmt.Sprintf("%s:log-stream:*", v[0]), fmt.Sprintf("%s:log-stream:*", v[1])},
				},
				iampolicy.Statement{
					Sid:      "DecryptSessions",
					Effect:   iampolicy.Allow,
					Action:   []string{"kms:Decrypt"},
					Resource: []string{fmt.Sprint(v[2])},
				},
				iampolicy.Statement{
					Sid:      "CheckLogGroupEncryption",
					Effect:   iampolicy.Allow,
					Action:   []string{"logs:DescribeLogGroups", "logs:DescribeLogStreams"},
					Resource: []string{"*"},
				},
			), nil
		}),
	}, b.child)
	if err != nil {
		return err
	}
	b.c.SessionLogGroupName = sessions.Name
	b.c.InstancePolicyARN = policy.Arn
	return nil
}
