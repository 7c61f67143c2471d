package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testSecretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:refarch/prod/alerts/webhook-AbCdEf"

// env returns a getenv reading from vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		want    settings
		wantErr []string // substrings of the error, each naming a variable
	}{
		{
			name: "defaults",
			vars: map[string]string{"WEBHOOK_SECRET_ARN": testSecretARN},
			want: settings{secretARN: testSecretARN, httpTimeout: 5 * time.Second},
		},
		{
			name: "timeout at the top of the range, spaces trimmed",
			vars: map[string]string{"WEBHOOK_SECRET_ARN": " " + testSecretARN + "\n", "HTTP_TIMEOUT_SECONDS": " 30 "},
			want: settings{secretARN: testSecretARN, httpTimeout: 30 * time.Second},
		},
		{
			name: "timeout at the bottom of the range, GovCloud partition",
			vars: map[string]string{"WEBHOOK_SECRET_ARN": "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:hook", "HTTP_TIMEOUT_SECONDS": "1"},
			want: settings{secretARN: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:hook", httpTimeout: time.Second},
		},
		{
			name:    "secret missing",
			vars:    map[string]string{},
			wantErr: []string{"WEBHOOK_SECRET_ARN is required"},
		},
		{
			name:    "secret given by name",
			vars:    map[string]string{"WEBHOOK_SECRET_ARN": "refarch/prod/alerts/webhook"},
			wantErr: []string{`WEBHOOK_SECRET_ARN="refarch/prod/alerts/webhook" is not a Secrets Manager secret ARN`},
		},
		{
			name:    "another service's ARN",
			vars:    map[string]string{"WEBHOOK_SECRET_ARN": "arn:aws:ssm:eu-west-1:123456789012:parameter/hook"},
			wantErr: []string{"WEBHOOK_SECRET_ARN=", "is not a Secrets Manager secret ARN"},
		},
		{
			name:    "timeout zero",
			vars:    map[string]string{"WEBHOOK_SECRET_ARN": testSecretARN, "HTTP_TIMEOUT_SECONDS": "0"},
			wantErr: []string{`HTTP_TIMEOUT_SECONDS="0" must be a whole number of seconds from 1 to 30`},
		},
		{
			name:    "timeout too long",
			vars:    map[string]string{"WEBHOOK_SECRET_ARN": testSecretARN, "HTTP_TIMEOUT_SECONDS": "31"},
			wantErr: []string{`HTTP_TIMEOUT_SECONDS="31"`},
		},
		{
			name:    "timeout as a duration",
			vars:    map[string]string{"WEBHOOK_SECRET_ARN": testSecretARN, "HTTP_TIMEOUT_SECONDS": "5s"},
			wantErr: []string{`HTTP_TIMEOUT_SECONDS="5s"`},
		},
		{
			name:    "every problem at once",
			vars:    map[string]string{"HTTP_TIMEOUT_SECONDS": "-1"},
			wantErr: []string{"WEBHOOK_SECRET_ARN is required", `HTTP_TIMEOUT_SECONDS="-1"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFromEnv(env(tt.vars))
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}
