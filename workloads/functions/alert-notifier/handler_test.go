package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// webhookPath is the secret part of the test webhook URL, as in a Slack
// webhook (https://hooks.slack.com/services/T…/B…/<token>).
const webhookPath = "/services/T0000/B0000/s3cr3tW3bh00kT0k3n"

// fakeSecrets is a Secrets Manager holding one secret.
type fakeSecrets struct {
	mu    sync.Mutex
	value *string
	err   error
	calls []string // SecretId of each GetSecretValue
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, aws.ToString(in.SecretId))
	if f.err != nil {
		return nil, f.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: f.value}, nil
}

func (f *fakeSecrets) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// received is one request the webhook received.
type received struct {
	method, path, contentType string
	body                      []byte
}

// webhook is a TLS chat webhook answering status (200 by default).
type webhook struct {
	srv *httptest.Server

	mu       sync.Mutex
	status   int
	delay    time.Duration
	requests []received
}

func newWebhook(t *testing.T) *webhook {
	t.Helper()
	w := &webhook{status: http.StatusOK}
	w.srv = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.requests = append(w.requests, received{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"), body: body})
		status, delay := w.status, w.delay
		w.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if status >= 300 && status < 400 {
			rw.Header().Set("Location", "/elsewhere")
		}
		rw.WriteHeader(status)
		_, _ = io.WriteString(rw, "ok")
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhook) url() string { return w.srv.URL + webhookPath }

// answer makes the webhook answer status after delay.
func (w *webhook) answer(status int, delay time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status, w.delay = status, delay
}

func (w *webhook) received() []received {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]received(nil), w.requests...)
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// fixture is a notifier wired to a webhook, a fake Secrets Manager holding
// the webhook's URL, a settable clock and a captured JSON log.
type fixture struct {
	n       *notifier
	hook    *webhook
	secrets *fakeSecrets
	clock   *clock
	logs    *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	hook := newWebhook(t)
	f := &fixture{
		hook:    hook,
		secrets: &fakeSecrets{value: aws.String(hook.url())},
		clock:   &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
		logs:    &bytes.Buffer{},
	}
	logger := slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.n = newNotifier(settings{secretARN: testSecretARN, httpTimeout: 5 * time.Second}, f.secrets,
		newHTTPClient(2*time.Second, hook.srv.Client().Transport), logger, f.clock.now)
	return f
}

// snsEvent wraps messages as SNS delivers them to Lambda.
func snsEvent(subject string, messages ...string) events.SNSEvent {
	var e events.SNSEvent
	for i, m := range messages {
		e.Records = append(e.Records, events.SNSEventRecord{
			EventSource:  "aws:sns",
			EventVersion: "1.0",
			SNS: events.SNSEntity{
				Type:      "Notification",
				MessageID: "95df01b4-ee98-5cb9-9903-4c221d41eb5" + string(rune('0'+i)),
				TopicArn:  "arn:aws:sns:eu-west-1:123456789012:refarch-prod-alerts",
				Subject:   subject,
				Message:   m,
			},
		})
	}
	return e
}

// postedText returns the text of the one request the webhook received,
// checking it is a JSON POST of {"text": …} and nothing else.
func postedText(t *testing.T, hook *webhook) string {
	t.Helper()
	reqs := hook.received()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, http.MethodPost, r.method)
	assert.Equal(t, webhookPath, r.path)
	assert.Equal(t, "application/json", r.contentType)
	var payload map[string]string
	require.NoError(t, json.Unmarshal(r.body, &payload), "body %s", r.body)
	require.Len(t, payload, 1, "only the text field: %s", r.body)
	return payload["text"]
}

// A CloudWatch alarm's SNS message, in the format of
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
const alarmMessage = `{
  "AlarmName": "refarch-prod-public-alb-5xx-rate",
  "AlarmDescription": "More than 5% of the public load balancer's responses are 5xx. Look at the targets' health and the service's logs (/ecs/prod/web).",
  "AWSAccountId": "123456789012",
  "AlarmConfigurationUpdatedTimestamp": "2025-02-20T09:00:00.000+0000",
  "NewStateValue": "ALARM",
  "NewStateReason": "Threshold Crossed: 5 out of the last 5 datapoints [7.2 (01/03/25 11:55:00)] were greater than the threshold (5.0) (minimum 5 datapoints for OK -> ALARM transition).",
  "StateChangeTime": "2025-03-01T12:00:00.000+0000",
  "Region": "EU (Ireland)",
  "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:refarch-prod-public-alb-5xx-rate",
  "OldStateValue": "OK",
  "OKActions": [],
  "AlarmActions": ["arn:aws:sns:eu-west-1:123456789012:refarch-prod-alerts"],
  "InsufficientDataActions": [],
  "Trigger": {
    "MetricName": "HTTPCode_ELB_5XX_Count",
    "Namespace": "AWS/ApplicationELB",
    "StatisticType": "Statistic",
    "Statistic": "SUM",
    "Unit": null,
    "Dimensions": [{"value": "app/refarch-prod-public/50dc6c495c0c9188", "name": "LoadBalancer"}],
    "Period": 60,
    "EvaluationPeriods": 5,
    "ComparisonOperator": "GreaterThanThreshold",
    "Threshold": 5.0,
    "TreatMissingData": "notBreaching",
    "EvaluateLowSampleCountPercentile": ""
  }
}`

// A Security Hub finding forwarded by EventBridge, in the format of
// https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html
const securityHubMessage = `{
  "version": "0",
  "id": "8e5622f9-d81c-4d81-612a-9319e7ee2506",
  "detail-type": "Security Hub Findings - Imported",
  "source": "aws.securityhub",
  "account": "123456789012",
  "time": "2025-03-01T12:00:00Z",
  "region": "eu-west-1",
  "resources": ["arn:aws:securityhub:eu-west-1::product/aws/securityhub/arn:aws:securityhub:eu-west-1:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/1"],
  "detail": {
    "findings": [{
      "SchemaVersion": "2018-10-08",
      "Id": "arn:aws:securityhub:eu-west-1:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/1",
      "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
      "GeneratorId": "aws-foundational-security-best-practices/v/1.0.0/S3.8",
      "AwsAccountId": "210987654321",
      "Region": "eu-central-1",
      "Types": ["Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices"],
      "Title": "S3.8 S3 general purpose buckets should block public access",
      "Description": "This control checks whether an Amazon S3 general purpose bucket blocks public access at the bucket level.",
      "Severity": {"Product": 70, "Label": "HIGH", "Normalized": 70, "Original": "HIGH"},
      "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::refarch-prod-uploads", "Region": "eu-central-1"}],
      "Compliance": {"Status": "FAILED"},
      "Workflow": {"Status": "NEW"},
      "RecordState": "ACTIVE"
    }]
  }
}`

// A GuardDuty finding forwarded by EventBridge, in the format of
// https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
const guardDutyMessage = `{
  "version": "0",
  "id": "c8c4daa7-a20c-2f03-0070-b7393dd542ad",
  "detail-type": "GuardDuty Finding",
  "source": "aws.guardduty",
  "account": "123456789012",
  "time": "2025-03-01T12:00:00Z",
  "region": "eu-west-1",
  "resources": [],
  "detail": {
    "schemaVersion": "2.0",
    "accountId": "123456789012",
    "region": "eu-west-1",
    "partition": "aws",
    "id": "16afba5c5c43e07c9e3e5e2e544e95df",
    "arn": "arn:aws:guardduty:eu-west-1:123456789012:detector/123456789012345678901234567890/finding/16afba5c5c43e07c9e3e5e2e544e95df",
    "type": "UnauthorizedAccess:EC2/SSHBruteForce",
    "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-99999999"}},
    "severity": 8,
    "createdAt": "2025-03-01T11:58:00.000Z",
    "updatedAt": "2025-03-01T11:59:00.000Z",
    "title": "198.51.100.0 is performing SSH brute force attacks against i-99999999.",
    "description": "198.51.100.0 is performing SSH brute force attacks against i-99999999. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password."
  }
}`

func TestHandlePostsEachKind(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		message string
		want    string
	}{
		{
			name:    "CloudWatch alarm",
			subject: `ALARM: "refarch-prod-public-alb-5xx-rate" in EU (Ireland)`,
			message: alarmMessage,
			want: "ALARM: CloudWatch alarm refarch-prod-public-alb-5xx-rate (was OK)\n" +
				"Account 123456789012, region EU (Ireland)\n" +
				"Reason: Threshold Crossed: 5 out of the last 5 datapoints [7.2 (01/03/25 11:55:00)] were greater than the threshold (5.0) (minimum 5 datapoints for OK -&gt; ALARM transition).\n" +
				"What to look at: More than 5% of the public load balancer's responses are 5xx. Look at the targets' health and the service's logs (/ecs/prod/web).\n" +
				"Since: 2025-03-01T12:00:00.000+0000",
		},
		{
			name:    "Security Hub finding: the finding's account and region, not the event's",
			message: securityHubMessage,
			want: "Security Hub finding, HIGH: S3.8 S3 general purpose buckets should block public access\n" +
				"Account 210987654321, region eu-central-1\n" +
				"Type: Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices\n" +
				"Description: This control checks whether an Amazon S3 general purpose bucket blocks public access at the bucket level.",
		},
		{
			name:    "GuardDuty finding",
			message: guardDutyMessage,
			want: "GuardDuty finding, HIGH (8.0): 198.51.100.0 is performing SSH brute force attacks against i-99999999.\n" +
				"Account 123456789012, region eu-west-1\n" +
				"Type: UnauthorizedAccess:EC2/SSHBruteForce\n" +
				"Description: 198.51.100.0 is performing SSH brute force attacks against i-99999999. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.",
		},
		{
			name:    "unknown message",
			subject: "Backup job finished",
			message: "Backup job 4f0d completed for arn:aws:rds:eu-west-1:123456789012:db:refarch-prod",
			want:    "Notification: Backup job finished\nBackup job 4f0d completed for arn:aws:rds:eu-west-1:123456789012:db:refarch-prod",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			require.NoError(t, f.n.Handle(context.Background(), snsEvent(tt.subject, tt.message)))
			assert.Equal(t, tt.want, postedText(t, f.hook))
			assert.Equal(t, []string{testSecretARN}, f.secrets.calls)
		})
	}
}

func TestHandleFailsOnANon2xxAnswer(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusNotFound, http.StatusMovedPermanently} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := newFixture(t)
			f.hook.answer(status, 0)

			err := f.n.Handle(context.Background(), snsEvent("s", alarmMessage))
			require.Error(t, err)
			assert.Contains(t, err.Error(), fmt.Sprintf("the webhook answered %d %s", status, http.StatusText(status)))
			assert.NotContains(t, err.Error(), webhookPath)
			assert.Len(t, f.hook.received(), 1, "a redirect is not followed")

			// The URL may have been rotated: the retry reads the secret again.
			f.hook.answer(http.StatusOK, 0)
			require.NoError(t, f.n.Handle(context.Background(), snsEvent("s", alarmMessage)))
			assert.Equal(t, 2, f.secrets.callCount())
		})
	}
}

func TestHandleFailsWhenTheWebhookIsUnreachable(t *testing.T) {
	f := newFixture(t)
	f.hook.srv.Close()

	err := f.n.Handle(context.Background(), snsEvent("s", alarmMessage))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "posting to the webhook")
	assert.NotContains(t, err.Error(), webhookPath)
}

func TestHandleFailsWhenTheWebhookIsTooSlow(t *testing.T) {
	f := newFixture(t)
	f.hook.answer(http.StatusOK, 5*time.Second)
	f.n.client = newHTTPClient(100*time.Millisecond, f.hook.srv.Client().Transport)

	start := time.Now()
	err := f.n.Handle(context.Background(), snsEvent("s", alarmMessage))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 3*time.Second, "the client's timeout bounds the call")
	assert.Contains(t, err.Error(), "Client.Timeout exceeded")
	assert.NotContains(t, err.Error(), webhookPath)
}

// One failed record fails the invocation; the others are still posted.
func TestHandleReportsEveryFailedRecord(t *testing.T) {
	f := newFixture(t)
	f.hook.answer(http.StatusServiceUnavailable, 0)
	err := f.n.Handle(context.Background(), snsEvent("s", alarmMessage, guardDutyMessage))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(cloudwatch-alarm): the webhook answered 503")
	assert.Contains(t, err.Error(), "(guardduty): the webhook answered 503")
	assert.Len(t, f.hook.received(), 2)
}

func TestWebhookURLIsCachedForFiveMinutes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	require.NoError(t, f.n.Handle(ctx, snsEvent("s", "one")))
	f.clock.t = f.clock.t.Add(4*time.Minute + 59*time.Second)
	require.NoError(t, f.n.Handle(ctx, snsEvent("s", "two")))
	assert.Equal(t, 1, f.secrets.callCount(), "read once within 5 minutes")

	f.clock.t = f.clock.t.Add(time.Second) // 5 minutes after the read
	require.NoError(t, f.n.Handle(ctx, snsEvent("s", "three")))
	assert.Equal(t, 2, f.secrets.callCount(), "read again after 5 minutes")
	assert.Len(t, f.hook.received(), 3)
}

func TestHandleRefusesABadSecretValue(t *testing.T) {
	tests := []struct {
		name  string
		value *string
		want  string
	}{
		{"http URL", aws.String("http://hooks.example.com" + webhookPath), "the webhook secret's value must be an https:// URL"},
		{"no scheme", aws.String("hooks.example.com" + webhookPath), "the webhook secret's value must be an https:// URL"},
		{"no host", aws.String("https://" + webhookPath), "the webhook secret's value has no host"},
		{"not a URL", aws.String("https://hooks.example.com/%zz" + webhookPath), "the webhook secret's value is not a URL"},
		{"binary secret", nil, "it has no SecretString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.secrets.value = tt.value

			err := f.n.Handle(context.Background(), snsEvent("s", alarmMessage))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), webhookPath, "the error never repeats the value")
			assert.NotContains(t, f.logs.String(), webhookPath, "nor does the log")
			assert.Empty(t, f.hook.received())

			// A refused value is not cached.
			require.Error(t, f.n.Handle(context.Background(), snsEvent("s", alarmMessage)))
			assert.Equal(t, 2, f.secrets.callCount())
		})
	}
}

func TestHandleFailsWhenTheSecretCannotBeRead(t *testing.T) {
	f := newFixture(t)
	f.secrets.err = errors.New("AccessDeniedException: not authorized")
	err := f.n.Handle(context.Background(), snsEvent("s", alarmMessage))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reading the webhook secret: AccessDeniedException")
	assert.Empty(t, f.hook.received())
}

// The log has one JSON entry per record and never the webhook URL, on
// success or failure.
func TestLogsNeverHoldTheWebhookURL(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.n.Handle(context.Background(), snsEvent("s", guardDutyMessage)))
	f.hook.answer(http.StatusBadGateway, 0)
	require.Error(t, f.n.Handle(context.Background(), snsEvent("s", guardDutyMessage)))
	f.hook.srv.Close()
	require.Error(t, f.n.Handle(context.Background(), snsEvent("s", guardDutyMessage)))

	logs := f.logs.String()
	assert.NotContains(t, logs, webhookPath)
	assert.NotContains(t, logs, "s3cr3t")
	lines := bytes.Split(bytes.TrimSpace(f.logs.Bytes()), []byte("\n"))
	require.Len(t, lines, 3)
	var first map[string]any
	require.NoError(t, json.Unmarshal(lines[0], &first))
	assert.Equal(t, "notification delivered", first["msg"])
	assert.Equal(t, "guardduty", first["kind"])
	var last map[string]any
	require.NoError(t, json.Unmarshal(lines[2], &last))
	assert.Equal(t, "ERROR", last["level"])
	assert.Equal(t, "notification not delivered", last["msg"])
}

func TestHandleWithNoRecords(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.n.Handle(context.Background(), events.SNSEvent{}))
	assert.Empty(t, f.hook.received())
	assert.Zero(t, f.secrets.callCount())
}

func TestNewFromEnv(t *testing.T) {
	t.Run("bad environment: every invocation names the variable", func(t *testing.T) {
		loaded := false
		var logs bytes.Buffer
		n := newFromEnv(context.Background(), env(map[string]string{"HTTP_TIMEOUT_SECONDS": "99"}),
			func(context.Context) (secretsAPI, error) { loaded = true; return &fakeSecrets{}, nil },
			slog.New(slog.NewJSONHandler(&logs, nil)))
		for range 2 {
			err := n.Handle(context.Background(), snsEvent("s", alarmMessage))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "WEBHOOK_SECRET_ARN is required")
			assert.Contains(t, err.Error(), `HTTP_TIMEOUT_SECONDS="99"`)
		}
		assert.False(t, loaded, "no AWS client without a valid environment")
		assert.Contains(t, logs.String(), "WEBHOOK_SECRET_ARN is required")
	})
	t.Run("no AWS configuration", func(t *testing.T) {
		n := newFromEnv(context.Background(), env(map[string]string{"WEBHOOK_SECRET_ARN": testSecretARN}),
			func(context.Context) (secretsAPI, error) {
				return nil, errors.New("loading the AWS configuration: boom")
			},
			slog.New(slog.DiscardHandler))
		err := n.Handle(context.Background(), snsEvent("s", alarmMessage))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "loading the AWS configuration: boom")
	})
	t.Run("good environment", func(t *testing.T) {
		secrets := &fakeSecrets{}
		n := newFromEnv(context.Background(), env(map[string]string{"WEBHOOK_SECRET_ARN": testSecretARN, "HTTP_TIMEOUT_SECONDS": "7"}),
			func(context.Context) (secretsAPI, error) { return secrets, nil },
			slog.New(slog.DiscardHandler))
		require.NoError(t, n.startErr)
		assert.Equal(t, testSecretARN, n.secretARN)
		assert.Same(t, secrets, n.secrets)
		assert.Equal(t, 7*time.Second, n.client.Timeout)
		assert.NotNil(t, n.client.CheckRedirect)
	})
}
