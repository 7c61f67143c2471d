package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestGuardDutyLevel(t *testing.T) {
	tests := []struct {
		severity float64
		want     string
	}{
		{1.0, "LOW"}, {3.9, "LOW"}, {4.0, "MEDIUM"}, {6.9, "MEDIUM"},
		{7.0, "HIGH"}, {8.9, "HIGH"}, {9.0, "CRITICAL"}, {10.0, "CRITICAL"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, guardDutyLevel(tt.severity), "severity %.1f", tt.severity)
	}
}

func TestFormatMessageKinds(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		message string
		kind    string
		text    string
	}{
		{
			name:    "plain text",
			subject: "Deployment finished",
			message: "refarch-prod deployed in 4m12s",
			kind:    kindOther,
			text:    "Notification: Deployment finished\nrefarch-prod deployed in 4m12s",
		},
		{
			name:    "no subject, empty body",
			message: "  ",
			kind:    kindOther,
			text:    "Notification: (no subject)",
		},
		{
			name:    "JSON that is not an alarm",
			subject: "Test",
			message: `{"hello":"world"}`,
			kind:    kindOther,
			text:    `Notification: Test` + "\n" + `{"hello":"world"}`,
		},
		{
			name:    "another EventBridge event: the detail type is the subject",
			message: `{"detail-type":"AWS Health Event","source":"aws.health","account":"123456789012","region":"eu-west-1","detail":{}}`,
			kind:    kindOther,
			text:    "Notification: AWS Health Event\n" + `{"detail-type":"AWS Health Event","source":"aws.health","account":"123456789012","region":"eu-west-1","detail":{}}`,
		},
		{
			name:    "a GuardDuty event with a malformed detail",
			subject: "x",
			message: `{"detail-type":"GuardDuty Finding","detail":{"severity":"high"}}`,
			kind:    kindOther,
			text:    "Notification: x\n" + `{"detail-type":"GuardDuty Finding","detail":{"severity":"high"}}`,
		},
		{
			name:    "a Security Hub event without findings",
			subject: "x",
			message: `{"detail-type":"Security Hub Findings - Imported","detail":{"findings":[]}}`,
			kind:    kindOther,
			text:    "Notification: x\n" + `{"detail-type":"Security Hub Findings - Imported","detail":{"findings":[]}}`,
		},
		{
			name:    "Slack control characters are escaped",
			subject: "<!channel> & co",
			message: "see <https://evil.example|this>",
			kind:    kindOther,
			text:    "Notification: &lt;!channel&gt; &amp; co\nsee &lt;https://evil.example|this&gt;",
		},
		{
			name:    "an alarm without description, reason or old state, region from the ARN",
			message: `{"AlarmName":"a","NewStateValue":"OK","AWSAccountId":"123456789012","AlarmArn":"arn:aws:cloudwatch:eu-central-1:123456789012:alarm:a"}`,
			kind:    kindAlarm,
			text:    "OK: CloudWatch alarm a\nAccount 123456789012, region eu-central-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, text := formatMessage(tt.subject, tt.message)
			assert.Equal(t, tt.kind, kind)
			assert.Equal(t, tt.text, text)
		})
	}
}

func TestFormatOtherTruncatesTheBody(t *testing.T) {
	body := strings.Repeat("é", 5000) // two bytes each: a cut inside one would be invalid UTF-8
	_, text := formatMessage("Big", body)
	got := strings.TrimPrefix(text, "Notification: Big\n")
	assert.True(t, utf8.ValidString(got))
	assert.Equal(t, 1500, utf8.RuneCountInString(got))
	assert.Equal(t, strings.Repeat("é", 1499)+"…", got)
}

func TestFormatSecurityHubListsAtMostTenFindings(t *testing.T) {
	var findings []string
	for range 12 {
		findings = append(findings, `{"Title":"S3 bucket is public","Severity":{"Label":"HIGH"},"AwsAccountId":"123456789012","Region":"eu-west-1"}`)
	}
	message := `{"detail-type":"Security Hub Findings - Imported","detail":{"findings":[` + strings.Join(findings, ",") + `]}}`
	kind, text := formatMessage("", message)
	assert.Equal(t, kindSecurityHub, kind)
	assert.Equal(t, 10, strings.Count(text, "Security Hub finding, HIGH: S3 bucket is public"))
	assert.True(t, strings.HasSuffix(text, "\n\n… and 2 more findings in Security Hub"), text)
}
