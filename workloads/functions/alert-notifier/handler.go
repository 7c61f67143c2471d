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
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// webhookCacheTTL is how long an execution environment reuses the webhook
// URL before reading the secret again, so a rotated URL is picked up within
// minutes without a Secrets Manager call per alert.
const webhookCacheTTL = 5 * time.Minute

// maxDrainBytes bounds how much of a webhook's answer is read (and
// discarded) so the connection can be reused.
const maxDrainBytes = 64 << 10

// secretsAPI is the part of the Secrets Manager client the function uses
// (secretsmanager:GetSecretValue only).
type secretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// notifier is the function's handler. One lives per execution environment,
// so its webhook cache lasts across invocations.
type notifier struct {
	secretARN string
	secrets   secretsAPI
	client    *http.Client
	logger    *slog.Logger
	now       func() time.Time
	// startErr, when set, is returned by every invocation: the environment
	// was bad when the execution environment started.
	startErr error

	mu        sync.Mutex
	cachedURL string
	cachedAt  time.Time
}

// webhookPayload is the body posted to the webhook: the {"text": …} form
// Slack, Microsoft Teams and Mattermost incoming webhooks accept.
// Sources: https://api.slack.com/messaging/webhooks,
// https://developers.mattermost.com/integrate/webhooks/incoming/
type webhookPayload struct {
	Text string `json:"text"`
}

// newFromEnv builds the handler of an execution environment from its
// environment (getenv) and a Secrets Manager client (loadClient). On a bad
// environment it logs the problem and returns a handler whose every
// invocation fails with it, so the error shows in the invocation's result
// and the function's error metric, not as a crash loop.
func newFromEnv(ctx context.Context, getenv func(string) string, loadClient func(context.Context) (secretsAPI, error), logger *slog.Logger) *notifier {
	s, err := configFromEnv(getenv)
	if err != nil {
		logger.Error("bad environment", slog.String("error", err.Error()))
		return &notifier{startErr: err, logger: logger}
	}
	client, err := loadClient(ctx)
	if err != nil {
		err = fmt.Errorf("alert-notifier: %w", err)
		logger.Error("no Secrets Manager client", slog.String("error", err.Error()))
		return &notifier{startErr: err, logger: logger}
	}
	return newNotifier(s, client, newHTTPClient(s.httpTimeout, nil), logger, time.Now)
}

// newNotifier returns a handler posting through client (see newHTTPClient)
// with the webhook URL read from s.secretARN; now is the clock of the cache.
func newNotifier(s settings, secrets secretsAPI, client *http.Client, logger *slog.Logger, now func() time.Time) *notifier {
	return &notifier{secretARN: s.secretARN, secrets: secrets, client: client, logger: logger, now: now}
}

// newHTTPClient returns the webhook client: every call bounded by timeout,
// redirects not followed (a webhook answers, it does not redirect; following
// one would send the alert to another address, and a 3xx counts as a
// failure). transport nil means http.DefaultTransport.
func newHTTPClient(timeout time.Duration, transport http.RoundTripper) *http.Client {
	return &http.Client{
		Timeout:   timeout,
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Handle posts one message per SNS record. It returns an error when any
// post fails (a transport error or a non-2xx answer): SNS invokes the
// function asynchronously, so Lambda retries the event twice and then sends
// it to the function's dead-letter queue (or on-failure destination), and
// no alert is lost silently.
// Source: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
func (n *notifier) Handle(ctx context.Context, event events.SNSEvent) error {
	if n.startErr != nil {
		return n.startErr
	}
	var errs []error
	for _, record := range event.Records {
		kind, text := formatMessage(record.SNS.Subject, record.SNS.Message)
		if err := n.post(ctx, text); err != nil {
			n.logger.ErrorContext(ctx, "notification not delivered",
				slog.String("messageId", record.SNS.MessageID),
				slog.String("kind", kind),
				slog.String("error", err.Error()))
			errs = append(errs, fmt.Errorf("SNS message %s (%s): %w", record.SNS.MessageID, kind, err))
			continue
		}
		n.logger.InfoContext(ctx, "notification delivered",
			slog.String("messageId", record.SNS.MessageID),
			slog.String("topicArn", record.SNS.TopicArn),
			slog.String("kind", kind))
	}
	return errors.Join(errs...)
}

// post sends text to the webhook. Its errors never contain the webhook URL
// (the URL is the credential).
func (n *notifier) post(ctx context.Context, text string) error {
	webhook, err := n.webhookURL(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(webhookPayload{Text: text})
	if err != nil {
		return fmt.Errorf("encoding the webhook payload: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhook, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building the webhook request: %w", withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "refarch-alert-notifier")

	resp, err := n.client.Do(req)
	if err != nil {
		n.forgetWebhook()
		return fmt.Errorf("posting to the webhook: %w", withoutURL(err))
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBytes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The URL may have been revoked or rotated: read the secret again
		// on the retry.
		n.forgetWebhook()
		return fmt.Errorf("the webhook answered %s", resp.Status)
	}
	return nil
}

// webhookURL returns the webhook URL, from the cache when it was read less
// than webhookCacheTTL ago, else from the secret.
func (n *notifier) webhookURL(ctx context.Context) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	if n.cachedURL != "" && now.Sub(n.cachedAt) < webhookCacheTTL {
		return n.cachedURL, nil
	}
	out, err := n.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(n.secretARN)})
	if err != nil {
		return "", fmt.Errorf("reading the webhook secret: %w", err)
	}
	if out.SecretString == nil {
		return "", errors.New("reading the webhook secret: it has no SecretString (it must hold the https webhook URL)")
	}
	webhook := strings.TrimSpace(*out.SecretString)
	if err := checkWebhookURL(webhook); err != nil {
		return "", fmt.Errorf("the webhook secret's value %w", err)
	}
	n.cachedURL, n.cachedAt = webhook, now
	return webhook, nil
}

// forgetWebhook empties the cache.
func (n *notifier) forgetWebhook() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cachedURL, n.cachedAt = "", time.Time{}
}

// checkWebhookURL refuses anything but an absolute https URL, so the alert
// (and the URL's token) never travels in clear text. Its errors do not
// repeat the value.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("is not a URL")
	case u.Scheme != "https":
		return errors.New("must be an https:// URL")
	case u.Host == "":
		return errors.New("has no host")
	}
	return nil
}

// withoutURL strips the URL from the *url.Error net/http returns (it
// quotes the whole URL), keeping the cause.
func withoutURL(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("%s: %w", uerr.Op, uerr.Err)
	}
	return err
}
