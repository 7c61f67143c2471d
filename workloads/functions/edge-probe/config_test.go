package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// env returns a getenv reading from vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigFromEnv(t *testing.T) {
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("https://site%d.example.com/", i)
	}
	tests := []struct {
		name    string
		vars    map[string]string
		want    settings
		wantErr []string
	}{
		{
			name: "one URL, defaults",
			vars: map[string]string{"PROBE_URLS": "https://www.example.com/", "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			want: settings{urls: []string{"https://www.example.com/"}, namespace: "refarch/EdgeProbe", timeout: 5 * time.Second},
		},
		{
			name: "several URLs with spaces, timeout set",
			vars: map[string]string{
				"PROBE_URLS":            " https://www.example.com/hello/healthz , https://cdn.example.com/index.html?probe=1",
				"METRIC_NAMESPACE":      "refarch/prod EdgeProbe#1",
				"PROBE_TIMEOUT_SECONDS": "30",
			},
			want: settings{
				urls:      []string{"https://www.example.com/hello/healthz", "https://cdn.example.com/index.html?probe=1"},
				namespace: "refarch/prod EdgeProbe#1",
				timeout:   30 * time.Second,
			},
		},
		{
			name: "ten URLs",
			vars: map[string]string{"PROBE_URLS": strings.Join(eleven[:10], ","), "METRIC_NAMESPACE": "n", "PROBE_TIMEOUT_SECONDS": "1"},
			want: settings{urls: eleven[:10], namespace: "n", timeout: time.Second},
		},
		{
			name:    "URLs missing",
			vars:    map[string]string{"METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{"PROBE_URLS is required: 1 to 10 comma-separated https URLs"},
		},
		{
			name:    "URLs blank",
			vars:    map[string]string{"PROBE_URLS": "  ", "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{"PROBE_URLS is required"},
		},
		{
			name:    "an http URL",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/,http://b.example.com/", "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{`PROBE_URLS entry 2 ("http://b.example.com/") must be an https:// URL`},
		},
		{
			name:    "a host without a scheme",
			vars:    map[string]string{"PROBE_URLS": "www.example.com", "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{`PROBE_URLS entry 1 ("www.example.com") must be an https:// URL`},
		},
		{
			name:    "no host",
			vars:    map[string]string{"PROBE_URLS": "https:///path", "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{`PROBE_URLS entry 1 ("https:///path") has no host`},
		},
		{
			name:    "an empty entry",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/,", "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{`PROBE_URLS entry 2 ("") is empty`},
		},
		{
			name:    "more than ten URLs",
			vars:    map[string]string{"PROBE_URLS": strings.Join(eleven, ","), "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{"PROBE_URLS has 11 URLs, at most 10"},
		},
		{
			name:    "a repeated URL",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/,https://a.example.com/", "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{`PROBE_URLS entry 2 ("https://a.example.com/") is listed twice`},
		},
		{
			name:    "a non-ASCII URL",
			vars:    map[string]string{"PROBE_URLS": "https://bücher.example/", "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{"PROBE_URLS entry 1", "must be printable ASCII"},
		},
		{
			name:    "a URL longer than a dimension value",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/" + strings.Repeat("x", 1010), "METRIC_NAMESPACE": "refarch/EdgeProbe"},
			wantErr: []string{"PROBE_URLS entry 1", "is longer than 1024 characters"},
		},
		{
			name:    "namespace missing",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/"},
			wantErr: []string{"METRIC_NAMESPACE is required"},
		},
		{
			name:    "an AWS namespace",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/", "METRIC_NAMESPACE": "AWS/EdgeProbe"},
			wantErr: []string{`METRIC_NAMESPACE="AWS/EdgeProbe": namespaces starting with AWS/ are reserved`},
		},
		{
			name:    "a namespace starting with a colon",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/", "METRIC_NAMESPACE": ":probe"},
			wantErr: []string{`METRIC_NAMESPACE=":probe" must be 1-255 letters`},
		},
		{
			name:    "a namespace with other characters",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/", "METRIC_NAMESPACE": "refarch*probe"},
			wantErr: []string{`METRIC_NAMESPACE="refarch*probe"`},
		},
		{
			name:    "a namespace too long",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/", "METRIC_NAMESPACE": strings.Repeat("n", 256)},
			wantErr: []string{"METRIC_NAMESPACE=", "must be 1-255"},
		},
		{
			name:    "timeout out of range",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/", "METRIC_NAMESPACE": "n", "PROBE_TIMEOUT_SECONDS": "31"},
			wantErr: []string{`PROBE_TIMEOUT_SECONDS="31" must be a whole number of seconds from 1 to 30`},
		},
		{
			name:    "timeout not a number",
			vars:    map[string]string{"PROBE_URLS": "https://a.example.com/", "METRIC_NAMESPACE": "n", "PROBE_TIMEOUT_SECONDS": "1.5"},
			wantErr: []string{`PROBE_TIMEOUT_SECONDS="1.5"`},
		},
		{
			name: "every problem at once",
			vars: map[string]string{"PROBE_URLS": "ftp://a.example.com/,https://b.example.com/,", "PROBE_TIMEOUT_SECONDS": "0"},
			wantErr: []string{
				`PROBE_URLS entry 1 ("ftp://a.example.com/") must be an https:// URL`,
				`PROBE_URLS entry 3 ("") is empty`,
				"METRIC_NAMESPACE is required",
				`PROBE_TIMEOUT_SECONDS="0"`,
			},
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
