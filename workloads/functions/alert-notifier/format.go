package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kinds of message, for the logs.
const (
	kindAlarm       = "cloudwatch-alarm"
	kindSecurityHub = "security-hub"
	kindGuardDuty   = "guardduty"
	kindOther       = "other"
)

// Limits that keep one notification readable on a phone (Slack itself
// truncates a message's text past 40,000 characters).
// Source: https://api.slack.com/methods/chat.postMessage#truncating
const (
	// maxFieldRunes bounds one free-text field (a reason, a description).
	maxFieldRunes = 1000
	// maxBodyRunes bounds the body of a message of unknown shape.
	maxBodyRunes = 1500
	// maxFindings bounds the findings listed from one Security Hub event.
	maxFindings = 10
)

// EventBridge detail types forwarded to the alert topic.
// Sources: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html
// and https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
const (
	detailTypeSecurityHub = "Security Hub Findings - Imported"
	detailTypeGuardDuty   = "GuardDuty Finding"
)

// alarmNotification holds the fields used from a CloudWatch alarm's SNS
// message.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
type alarmNotification struct {
	AlarmName        string `json:"AlarmName"`
	AlarmDescription string `json:"AlarmDescription"`
	AWSAccountID     string `json:"AWSAccountId"`
	NewStateValue    string `json:"NewStateValue"`
	OldStateValue    string `json:"OldStateValue"`
	NewStateReason   string `json:"NewStateReason"`
	StateChangeTime  string `json:"StateChangeTime"`
	Region           string `json:"Region"`
	AlarmArn         string `json:"AlarmArn"`
}

// eventBridgeEvent is the envelope of an EventBridge event the topic
// receives as the whole message (the rules have no input transformer).
// Source: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
type eventBridgeEvent struct {
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Region     string          `json:"region"`
	Detail     json.RawMessage `json:"detail"`
}

// securityHubDetail is the detail of a "Security Hub Findings - Imported"
// event: findings in the AWS Security Finding Format.
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html
type securityHubDetail struct {
	Findings []securityHubFinding `json:"findings"`
}

// securityHubFinding holds the fields used from one ASFF finding.
type securityHubFinding struct {
	Title        string   `json:"Title"`
	Description  string   `json:"Description"`
	AwsAccountID string   `json:"AwsAccountId"`
	Region       string   `json:"Region"`
	Types        []string `json:"Types"`
	Severity     struct {
		Label string `json:"Label"`
	} `json:"Severity"`
}

// guardDutyDetail holds the fields used from a "GuardDuty Finding" event's
// detail.
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
type guardDutyDetail struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Type        string  `json:"type"`
	AccountID   string  `json:"accountId"`
	Region      string  `json:"region"`
	Severity    float64 `json:"severity"`
}

// formatMessage returns the kind of an SNS message and the one text posted
// for it. A message that is not a known JSON document is posted as a
// generic notification with its subject and a truncated body.
func formatMessage(subject, message string) (kind, text string) {
	var alarm alarmNotification
	if json.Unmarshal([]byte(message), &alarm) == nil && alarm.AlarmName != "" && alarm.NewStateValue != "" {
		return kindAlarm, formatAlarm(alarm)
	}
	var event eventBridgeEvent
	if json.Unmarshal([]byte(message), &event) == nil {
		switch event.DetailType {
		case detailTypeSecurityHub:
			var d securityHubDetail
			if json.Unmarshal(event.Detail, &d) == nil && len(d.Findings) > 0 {
				return kindSecurityHub, formatSecurityHub(event, d.Findings)
			}
		case detailTypeGuardDuty:
			var d guardDutyDetail
			if json.Unmarshal(event.Detail, &d) == nil && d.Title != "" {
				return kindGuardDuty, formatGuardDuty(event, d)
			}
		}
		if subject == "" {
			subject = event.DetailType
		}
	}
	return kindOther, formatOther(subject, message)
}

// formatAlarm renders an alarm's state change. The alarm's description is
// written for the person paged (what to look at first), so it is shown in
// full (up to maxFieldRunes).
func formatAlarm(a alarmNotification) string {
	region := a.Region
	if region == "" {
		region = arnRegion(a.AlarmArn)
	}
	title := clean(a.NewStateValue) + ": CloudWatch alarm " + clean(a.AlarmName)
	if a.OldStateValue != "" {
		title += " (was " + clean(a.OldStateValue) + ")"
	}
	lines := []string{title, where(a.AWSAccountID, region)}
	if a.NewStateReason != "" {
		lines = append(lines, "Reason: "+clean(a.NewStateReason))
	}
	if a.AlarmDescription != "" {
		lines = append(lines, "What to look at: "+clean(a.AlarmDescription))
	}
	if a.StateChangeTime != "" {
		lines = append(lines, "Since: "+clean(a.StateChangeTime))
	}
	return strings.Join(lines, "\n")
}

// formatSecurityHub renders the findings of one Security Hub event, one
// block each, at most maxFindings.
func formatSecurityHub(event eventBridgeEvent, findings []securityHubFinding) string {
	blocks := make([]string, 0, min(len(findings), maxFindings)+1)
	for i, f := range findings {
		if i == maxFindings {
			blocks = append(blocks, fmt.Sprintf("… and %d more findings in Security Hub", len(findings)-maxFindings))
			break
		}
		account, region := f.AwsAccountID, f.Region
		if account == "" {
			account = event.Account
		}
		if region == "" {
			region = event.Region
		}
		label := f.Severity.Label
		if label == "" {
			label = "UNKNOWN"
		}
		lines := []string{
			fmt.Sprintf("Security Hub finding, %s: %s", clean(label), clean(orUntitled(f.Title))),
			where(account, region),
		}
		if len(f.Types) > 0 {
			lines = append(lines, "Type: "+clean(strings.Join(f.Types, ", ")))
		}
		if f.Description != "" {
			lines = append(lines, "Description: "+clean(f.Description))
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	return strings.Join(blocks, "\n\n")
}

// formatGuardDuty renders a GuardDuty finding with its severity level.
func formatGuardDuty(event eventBridgeEvent, d guardDutyDetail) string {
	account, region := d.AccountID, d.Region
	if account == "" {
		account = event.Account
	}
	if region == "" {
		region = event.Region
	}
	lines := []string{
		fmt.Sprintf("GuardDuty finding, %s (%s): %s", guardDutyLevel(d.Severity),
			strconv.FormatFloat(d.Severity, 'f', 1, 64), clean(d.Title)),
		where(account, region),
	}
	if d.Type != "" {
		lines = append(lines, "Type: "+clean(d.Type))
	}
	if d.Description != "" {
		lines = append(lines, "Description: "+clean(d.Description))
	}
	return strings.Join(lines, "\n")
}

// guardDutyLevel names the level of a GuardDuty severity value: Critical
// 9.0-10.0, High 7.0-8.9, Medium 4.0-6.9, Low 1.0-3.9.
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html
func guardDutyLevel(severity float64) string {
	switch {
	case severity >= 9:
		return "CRITICAL"
	case severity >= 7:
		return "HIGH"
	case severity >= 4:
		return "MEDIUM"
	default:
		return "LOW"
	}
}

// formatOther renders a message of unknown shape: its subject and the start
// of its body.
func formatOther(subject, message string) string {
	if strings.TrimSpace(subject) == "" {
		subject = "(no subject)"
	}
	text := "Notification: " + clean(subject)
	if body := strings.TrimSpace(message); body != "" {
		text += "\n" + escape(truncate(body, maxBodyRunes))
	}
	return text
}

// where renders the account and region line.
func where(account, region string) string {
	if account == "" {
		account = "unknown"
	}
	if region == "" {
		region = "unknown"
	}
	return fmt.Sprintf("Account %s, region %s", clean(account), clean(region))
}

// arnRegion returns the region field of an ARN, or "".
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

// orUntitled returns title, or a placeholder when it is empty.
func orUntitled(title string) string {
	if title == "" {
		return "(untitled)"
	}
	return title
}

// clean prepares a one-field value: whitespace runs (new lines included)
// become one space, the text is cut at maxFieldRunes and escaped.
func clean(s string) string {
	return escape(truncate(strings.Join(strings.Fields(s), " "), maxFieldRunes))
}

// truncate cuts s to at most n runes (the last one an ellipsis when cut),
// never inside a UTF-8 sequence.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

// escape replaces the three characters Slack reads as control sequences, so
// text from a finding (a resource name, an attacker's user agent) cannot
// mention @channel or forge a link. Mattermost and Teams render the
// entities as the characters.
// Source: https://api.slack.com/reference/surfaces/formatting#escaping
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
