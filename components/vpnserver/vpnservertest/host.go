// Package vpnservertest runs the VPN server's scripts (the boot script and
// the profile documents' scripts, as rendered) on a scratch root, against
// stand-ins of the commands that assume EC2: the instance metadata service
// (curl), the AWS CLI (S3 in a directory, refusing uploads that are not
// SSE-KMS under the server's key), systemctl, dnf, sysctl, nft and the
// CloudWatch agent's control script, which only record their calls. bash,
// openssl and flock are the machine's, and so is openvpn when the Config
// asks for it. The scripts honour VPNSERVER_ROOT, so every path they write
// lands under the scratch root.
//
// It is for tests: its helpers fail the test, and a missing command fails
// it naming the Debian package that provides it (internal/needs).
package vpnservertest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/internal/needs"
)

// Config is what the stand-ins answer as.
type Config struct {
	// Region is the only region the AWS CLI stand-in accepts
	// (AWS_DEFAULT_REGION, which the scripts export).
	Region string
	// Bucket is the PKI bucket's name: a directory under the S3 root.
	Bucket string
	// KMSKeyARN is the only key the S3 stand-in accepts an upload under.
	KMSKeyARN string
	// InstanceID is what the metadata service answers.
	InstanceID string
	// RealOpenVPN leaves openvpn to the machine's (`openvpn --genkey
	// secret` makes the tls-crypt key); otherwise a stand-in writes a key
	// of the same form from openssl's random bytes.
	RealOpenVPN bool
}

// ConfigOf reads the region, bucket and key a rendered script was given
// (its readonly REGION, BUCKET and KMS_KEY_ARN lines), with a fixed
// instance id.
func ConfigOf(script string) (Config, error) {
	c := Config{InstanceID: "i-0123456789abcdef0"}
	for name, field := range map[string]*string{"REGION": &c.Region, "BUCKET": &c.Bucket, "KMS_KEY_ARN": &c.KMSKeyARN} {
		m := regexp.MustCompile(`(?m)^readonly ` + name + `='([^']*)'$`).FindStringSubmatch(script)
		if m == nil {
			return Config{}, fmt.Errorf("the script sets no readonly %s", name)
		}
		*field = m[1]
	}
	return c, nil
}

// Host is a scratch root the scripts run on.
type Host struct {
	t testing.TB
	// Root is the scratch root (VPNSERVER_ROOT): the server's files are
	// under it at their absolute paths.
	Root string
	// Bucket is the directory standing in for the PKI bucket.
	Bucket string
	log    string
	env    []string
}

// New returns a host whose S3 stand-in keeps its objects under s3 (hosts
// sharing s3 share the bucket, as a replaced instance does).
func New(t testing.TB, s3 string, c Config) *Host {
	t.Helper()
	needs.Command(t, "openssl", "openssl", "run the VPN server's scripts")
	needs.Command(t, "flock", "util-linux", "run the VPN server's scripts")
	if c.RealOpenVPN {
		needs.Command(t, "openvpn", "openvpn", "run the VPN server's scripts with the real OpenVPN")
	}
	h := &Host{t: t, Root: t.TempDir(), Bucket: filepath.Join(s3, c.Bucket)}
	stubs := t.TempDir()
	h.log = filepath.Join(stubs, "calls.log")
	for _, d := range []string{"etc/openvpn/server", "opt/aws/amazon-cloudwatch-agent/bin"} {
		require.NoError(t, os.MkdirAll(filepath.Join(h.Root, d), 0o755))
	}
	logOnly := "#!/usr/bin/env bash\nprintf '%s\\n' \"$(basename \"$0\") $*\" >>\"$STUB_LOG\"\n"
	bodies := map[string]string{
		"systemctl": logOnly, "dnf": logOnly, "sysctl": logOnly, "nft": logOnly,
		"curl": logOnly + `case "$*" in
*"-X PUT"*/latest/api/token) echo token-123 ;;
*"X-aws-ec2-metadata-token: token-123"*/latest/meta-data/instance-id) echo "$STUB_INSTANCE" ;;
*) exit 22 ;;
esac
`,
		"aws": logOnly + awsStub,
	}
	if !c.RealOpenVPN {
		bodies["openvpn"] = logOnly + `[ "$1 $2" = "--genkey secret" ] || exit 1
{ echo "-----BEGIN OpenVPN Static key V1-----"; openssl rand -hex 256 | fold -w 32; echo "-----END OpenVPN Static key V1-----"; } >"$3"
`
	}
	for name, body := range bodies {
		require.NoError(t, os.WriteFile(filepath.Join(stubs, name), []byte(body), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(h.Root, "opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"), []byte(logOnly), 0o755))
	h.env = append(os.Environ(),
		"PATH="+stubs+string(os.PathListSeparator)+os.Getenv("PATH"),
		"VPNSERVER_ROOT="+h.Root,
		"STUB_LOG="+h.log,
		"STUB_S3="+s3,
		"STUB_REGION="+c.Region,
		"STUB_KMS_KEY="+c.KMSKeyARN,
		"STUB_INSTANCE="+c.InstanceID,
		"TMPDIR="+t.TempDir(),
	)
	return h
}

// awsStub is the AWS CLI's stand-in: the calls the scripts make, S3 in
// the directory $STUB_S3.
const awsStub = `set -euo pipefail
[ "${AWS_DEFAULT_REGION:-}" = "$STUB_REGION" ] || { echo "no region" >&2; exit 1; }
local_path() { printf '%s/%s' "$STUB_S3" "${1#s3://}"; }
case "$1 $2" in
"ec2 associate-address") echo eipassoc-0123 ;;
"s3api list-objects-v2")
  shift 2
  while [ $# -gt 0 ]; do
    case "$1" in --bucket) bucket=$2; shift ;; --prefix) prefix=$2; shift ;; esac
    shift
  done
  if [ -e "$STUB_S3/$bucket/$prefix" ]; then echo 1; else echo 0; fi ;;
"s3 cp")
  shift 2
  recursive=false sse="" key="" args=()
  while [ $# -gt 0 ]; do
    case "$1" in
    --recursive) recursive=true ;;
    --sse) sse=$2; shift ;;
    --sse-kms-key-id) key=$2; shift ;;
    --only-show-errors) ;;
    --content-type) shift ;;
    *) args+=("$1") ;;
    esac
    shift
  done
  src=${args[0]} dst=${args[1]}
  case "$dst" in s3://*)
    [ "$sse" = aws:kms ] && [ "$key" = "$STUB_KMS_KEY" ] || { echo "upload without SSE-KMS under the server's key" >&2; exit 1; }
    dst=$(local_path "$dst") ;;
  esac
  case "$src" in s3://*) src=$(local_path "$src") ;; esac
  if $recursive; then mkdir -p "$dst" && cp -R "$src/." "$dst/"; else mkdir -p "$(dirname "$dst")" && cp "$src" "$dst"; fi ;;
"s3 rm") rm -f "$(local_path "$3")" ;;
*) echo "unexpected call: aws $*" >&2; exit 1 ;;
esac
`

// Run runs script and returns its output and whether it succeeded; no
// output may hold a private key.
func (h *Host) Run(script string) (string, bool) {
	h.t.Helper()
	path := filepath.Join(h.t.TempDir(), "script.sh")
	require.NoError(h.t, os.WriteFile(path, []byte(script), 0o700))
	cmd := exec.Command("bash", path)
	cmd.Env = h.env
	out, err := cmd.CombinedOutput()
	assert.NotContains(h.t, string(out), "PRIVATE KEY", "a script printed a key")
	assert.NotContains(h.t, string(out), "BEGIN OpenVPN Static key")
	return string(out), err == nil
}

// RunDocument runs a document's script with UserName substituted, as the
// SSM agent does.
func (h *Host) RunDocument(script, user string) (string, bool) {
	h.t.Helper()
	return h.Run(strings.ReplaceAll(script, "{{ UserName }}", user))
}

// File reads a file of the host by its absolute path on the server.
func (h *Host) File(path string) []byte {
	h.t.Helper()
	b, err := os.ReadFile(filepath.Join(h.Root, path))
	require.NoError(h.t, err)
	return b
}

// Calls are the stand-ins' calls so far, one per line.
func (h *Host) Calls() string {
	h.t.Helper()
	b, err := os.ReadFile(h.log)
	require.NoError(h.t, err)
	return string(b)
}

// DocumentScript returns an SSM Command document's script (its one
// aws:runShellScript step's lines), or fails the test.
func DocumentScript(tb testing.TB, content string) string {
	tb.Helper()
	var doc struct {
		MainSteps []struct {
			Action string `json:"action"`
			Inputs struct {
				RunCommand []string `json:"runCommand"`
			} `json:"inputs"`
		} `json:"mainSteps"`
	}
	require.NoError(tb, json.Unmarshal([]byte(content), &doc), "the document is JSON")
	require.Len(tb, doc.MainSteps, 1, "the document has one step")
	require.Equal(tb, "aws:runShellScript", doc.MainSteps[0].Action)
	return strings.Join(doc.MainSteps[0].Inputs.RunCommand, "\n") + "\n"
}

// Inline returns the body of a profile's inline <block>…</block>, or
// fails the test.
func Inline(tb testing.TB, profile, block string) []byte {
	tb.Helper()
	re := regexp.MustCompile(`(?s)\n<` + block + `>\n(.*?)</` + block + `>\n`)
	m := re.FindStringSubmatch(profile)
	require.NotNil(tb, m, "the profile inlines <%s>", block)
	return []byte(m[1])
}
