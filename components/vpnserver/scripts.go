package vpnserver

import (
	"bytes"
	_ "embed" // the scripts are embedded files
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"text/template"

	"github.com/refarch/refarch/components/validate"
)

// The scripts are Go text/templates with the delimiters "<%" and "%>":
// Go's default "{{ }}" is Systems Manager's parameter syntax (the
// documents' `{{ UserName }}` must reach the agent untouched), and "[[ ]]"
// is bash's conditional and POSIX character classes ("[[:digit:]]").
// Values reach the shell single-quoted (shq) or, in configuration files,
// after Validate has restricted them to CIDRs, addresses and DNS names.
var (
	//go:embed boot.sh
	bootScript string
	//go:embed issue-profile.sh
	issueProfileScript string
	//go:embed revoke-profile.sh
	revokeProfileScript string

	scripts = parseScripts()
)

// parseScripts parses the three scripts into one set: boot.sh defines
// "common", the part the documents share with it.
func parseScripts() *template.Template {
	root := template.New("boot.sh").Delims("<%", "%>").Funcs(template.FuncMap{"shq": shellQuote}).Option("missingkey=error")
	template.Must(root.Parse(bootScript))
	template.Must(root.New("issue-profile.sh").Parse(issueProfileScript))
	template.Must(root.New("revoke-profile.sh").Parse(revokeProfileScript))
	return root
}

// shellQuote quotes s for the shell: in single quotes, an inner quote
// closing the quotes, escaped, and reopening them.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// BootConfig is every value the boot script needs; all are plain strings/ints
// because the component renders it inside an ApplyT once outputs are known.
type BootConfig struct {
	Region         string   // e.g. us-west-2
	AllocationID   string   // the Elastic IP allocation the instance associates to itself (eipalloc-…)
	Bucket         string   // the PKI bucket name
	PKIPrefix      string   // e.g. "pki/" – where the CA, server cert/key, tls-crypt key, CRL and CA database are backed up
	ProfilesPrefix string   // e.g. "profiles/" – where <user>.ovpn profiles are written
	KMSKeyARN      string   // the bucket's KMS key (aws s3 cp --sse aws:kms --sse-kms-key-id)
	LogGroup       string   // CloudWatch Logs group for the CloudWatch agent (system log + OpenVPN log + status)
	ServerName     string   // vpn.<domain>, the name clients connect to (the `remote` of profiles)
	Port           int      // 1194 (UDP)
	ClientCIDR     string   // client pool, e.g. 172.16.0.0/22 (render as `server <network> <netmask>`)
	Routes         []string // CIDRs pushed to clients: the management VPC and every application VPC
	DNSServer      string   // the VPC resolver (VPC base + 2), pushed as dhcp-option DNS
	SearchDomains  []string // private zones' names, pushed as dhcp-option DOMAIN-SEARCH (and DOMAIN for the first)
	VPCCIDR        string   // the management VPC block (for the NAT/MASQUERADE rule and routing)
}

// The SSM Command documents' names.
const (
	IssueProfileDocument  = "refarch-vpn-issue-profile"
	RevokeProfileDocument = "refarch-vpn-revoke-profile"
)

// UserNamePattern is the allowedPattern of the documents' UserName
// parameter: an IAM user name of the security account as
// validate.CheckUserName (which components/identity applies) allows it, a
// lower-case letter then up to 63 lower-case letters, digits, '.', '_' and
// '-'. It keeps '/', quotes, spaces and shell metacharacters out of the
// certificate subject, the file name and the S3 key the name becomes. The
// syntax is common to Go's RE2, Java's (Systems Manager) and bash's ERE.
const UserNamePattern = `^[a-z][a-z0-9._-]{0,63}$`

var (
	allocationIDPattern = regexp.MustCompile(`^eipalloc-[0-9a-f]+$`)
	// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
	// Folder-like prefixes of safe key characters, ending with "/".
	// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
	prefixPattern = regexp.MustCompile(`^([a-z0-9][a-z0-9._-]*/)+$`)
	// Source: https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN
	kmsKeyARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)
	// Source: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
	logGroupPattern = regexp.MustCompile(`^[A-Za-z0-9_/.#-]{1,512}$`)
)

// Validate reports every problem of c at once, each naming its field
// (BootConfig.Routes[1]), value and rule.
func (c BootConfig) Validate() error {
	var p validate.Problems
	p.Check("BootConfig.Region", c.Region, validate.CheckRegion(c.Region))
	if !allocationIDPattern.MatchString(c.AllocationID) {
		p.Add("BootConfig.AllocationID", c.AllocationID, "must be an Elastic IP allocation id such as eipalloc-0123456789abcdef0")
	}
	p.Check("BootConfig.Bucket", c.Bucket, validate.CheckBucketName(c.Bucket))
	for _, f := range []struct{ field, value string }{{"BootConfig.PKIPrefix", c.PKIPrefix}, {"BootConfig.ProfilesPrefix", c.ProfilesPrefix}} {
		if !prefixPattern.MatchString(f.value) {
			p.Add(f.field, f.value, `must be a key prefix ending with "/" such as "pki/" (lower-case letters, digits, '.', '_' and '-')`)
		}
	}
	if c.PKIPrefix != "" && c.ProfilesPrefix != "" && (strings.HasPrefix(c.PKIPrefix, c.ProfilesPrefix) || strings.HasPrefix(c.ProfilesPrefix, c.PKIPrefix)) {
		p.Add("BootConfig.ProfilesPrefix", c.ProfilesPrefix, fmt.Sprintf("must not overlap BootConfig.PKIPrefix %q: restoring the PKI would fetch the profiles, or the reverse", c.PKIPrefix))
	}
	if !kmsKeyARNPattern.MatchString(c.KMSKeyARN) {
		p.Add("BootConfig.KMSKeyARN", c.KMSKeyARN, "must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>)")
	}
	if !logGroupPattern.MatchString(c.LogGroup) {
		p.Add("BootConfig.LogGroup", c.LogGroup, "must be a CloudWatch Logs group name: 1-512 letters, digits and _-./#")
	}
	p.Check("BootConfig.ServerName", c.ServerName, validate.CheckDomainName(c.ServerName))
	p.Check("BootConfig.Port", fmt.Sprint(c.Port), validate.CheckRange(c.Port, 1, 65535))

	client, rule := validate.ParseCIDR(c.ClientCIDR)
	if rule == "" {
		rule = validate.CheckPrivateCIDR(client)
	}
	if rule == "" {
		// OpenVPN's `server` needs at least a /29 in subnet topology; the
		// component asks for /16 to /28.
		rule = validate.CheckPrefixLength(client, 16, 28)
	}
	if rule != "" {
		p.Add("BootConfig.ClientCIDR", c.ClientCIDR, rule)
		client = netip.Prefix{}
	}
	vpc, rule := validate.ParseCIDR(c.VPCCIDR)
	switch {
	case rule != "":
		p.Add("BootConfig.VPCCIDR", c.VPCCIDR, rule)
	case client.IsValid() && vpc.Overlaps(client):
		p.Add("BootConfig.VPCCIDR", c.VPCCIDR, fmt.Sprintf("overlaps BootConfig.ClientCIDR %s: the server could not tell clients from the VPC", client))
	}

	if len(c.Routes) == 0 {
		p.Add("BootConfig.Routes", "[]", "must list at least the management VPC")
	}
	var routes []netip.Prefix
	routesOK := len(c.Routes) > 0
	seen := map[netip.Prefix]bool{}
	for i, r := range c.Routes {
		field := fmt.Sprintf("BootConfig.Routes[%d]", i)
		prefix, rule := validate.ParseCIDR(r)
		switch {
		case rule != "":
			p.Add(field, r, rule)
			routesOK = false
		case client.IsValid() && prefix.Overlaps(client):
			p.Add(field, r, fmt.Sprintf("overlaps BootConfig.ClientCIDR %s: clients could not reach it", client))
			routesOK = false
		case seen[prefix]:
			p.Add(field, r, "is listed twice")
		default:
			routes = append(routes, prefix)
		}
		seen[prefix] = true
	}

	dns, err := netip.ParseAddr(c.DNSServer)
	switch {
	case err != nil || !dns.Is4():
		p.Add("BootConfig.DNSServer", c.DNSServer, "must be an IPv4 address such as 10.0.0.2")
	case routesOK && !containsAddr(routes, dns):
		p.Add("BootConfig.DNSServer", c.DNSServer, "must lie inside one of BootConfig.Routes: clients reach it through the tunnel")
	}

	domains := map[string]bool{}
	for i, d := range c.SearchDomains {
		field := fmt.Sprintf("BootConfig.SearchDomains[%d]", i)
		p.Check(field, d, validate.CheckDomainName(d))
		if domains[d] {
			p.Add(field, d, "is listed twice")
		}
		domains[d] = true
	}
	return p.Err("VPN server boot configuration")
}

func containsAddr(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// netmask renders p's mask in dotted form (OpenVPN's `server` and
// `route` take a network and a netmask, not a prefix length).
func netmask(p netip.Prefix) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], ^uint32(0)<<(32-p.Bits()))
	return netip.AddrFrom4(b).String()
}

// scriptData is what the templates see: c, and what is derived from it.
type scriptData struct {
	BootConfig
	// ServerNetwork and ServerNetmask are ClientCIDR's, for `server`.
	ServerNetwork, ServerNetmask string
	// PushRoutes are "<network> <netmask>" for each of Routes.
	PushRoutes []string
	// Destinations are the blocks clients may reach, translated to the
	// server's address: Routes and VPCCIDR (an nftables set's elements).
	Destinations string
	// CloudWatchAgentConfig is the agent's JSON configuration.
	CloudWatchAgentConfig string
	UserNamePattern       string
	RevokeProfileDocument string
}

func newScriptData(c BootConfig) (scriptData, error) {
	if err := c.Validate(); err != nil {
		return scriptData{}, err
	}
	client := netip.MustParsePrefix(c.ClientCIDR)
	d := scriptData{
		BootConfig:            c,
		ServerNetwork:         client.Addr().String(),
		ServerNetmask:         netmask(client),
		UserNamePattern:       UserNamePattern,
		RevokeProfileDocument: RevokeProfileDocument,
	}
	var destinations []string
	listed := map[string]bool{}
	for _, r := range append(append([]string(nil), c.Routes...), c.VPCCIDR) {
		if !listed[r] {
			destinations = append(destinations, r)
		}
		listed[r] = true
	}
	for _, r := range c.Routes {
		p := netip.MustParsePrefix(r)
		d.PushRoutes = append(d.PushRoutes, p.Addr().String()+" "+netmask(p))
	}
	d.Destinations = strings.Join(destinations, ", ")
	cw, err := cloudWatchAgentConfig(c)
	if err != nil {
		return scriptData{}, err
	}
	d.CloudWatchAgentConfig = cw
	return d, nil
}

// cloudWatchAgentConfig ships the system log, the boot script's output and
// OpenVPN's log and status to c.LogGroup, a stream per instance and file;
// the agent runs as root to read them.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html
func cloudWatchAgentConfig(c BootConfig) (string, error) {
	type file struct {
		FilePath      string `json:"file_path"`
		LogGroupName  string `json:"log_group_name"`
		LogStreamName string `json:"log_stream_name"`
	}
	var files []file
	for _, f := range []struct{ path, stream string }{
		{"/var/log/messages", "messages"},
		{"/var/log/cloud-init-output.log", "cloud-init-output"},
		{"/var/log/openvpn/openvpn.log", "openvpn"},
		{"/var/log/openvpn/status.log", "openvpn-status"},
	} {
		files = append(files, file{FilePath: f.path, LogGroupName: c.LogGroup, LogStreamName: "{instance_id}/" + f.stream})
	}
	config := map[string]any{
		"agent": map[string]any{"region": c.Region, "run_as_user": "root"},
		"logs": map[string]any{
			"logs_collected": map[string]any{"files": map[string]any{"collect_list": files}},
		},
	}
	b, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		return "", fmt.Errorf("CloudWatch agent configuration: %w", err)
	}
	return string(b), nil
}

func render(name string, c BootConfig) (string, error) {
	d, err := newScriptData(c)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := scripts.ExecuteTemplate(&b, name, d); err != nil {
		return "", fmt.Errorf("rendering %s: %w", name, err)
	}
	return b.String(), nil
}

// RenderBootScript renders boot.sh with c (after Validate) and returns the
// script: the instance's user data.
func RenderBootScript(c BootConfig) (string, error) {
	s, err := render("boot.sh", c)
	if err != nil {
		return "", fmt.Errorf("VPN server boot script: %w", err)
	}
	return s, nil
}

// IssueProfileContent renders the IssueProfileDocument's JSON content: a
// Command document (schema 2.2) whose one aws:runShellScript step issues
// the profile of the required parameter UserName.
func IssueProfileContent(c BootConfig) (string, error) {
	return documentContent(c, "issue-profile.sh", "issueProfile",
		"Issues a VPN profile: a client certificate for UserName and s3://<bucket>/"+c.ProfilesPrefix+"<UserName>.ovpn, encrypted with the server's key. Refuses a user who already has a valid certificate (revoke first with "+RevokeProfileDocument+"). Run it on the VPN server's instance.",
		"The person's IAM user name in the security account (lower case).")
}

// RevokeProfileContent renders the RevokeProfileDocument's JSON content:
// it revokes UserName's certificates, installs the new CRL and deletes the
// profile object.
func RevokeProfileContent(c BootConfig) (string, error) {
	return documentContent(c, "revoke-profile.sh", "revokeProfile",
		"Revokes a VPN profile: every valid certificate of UserName, a new CRL the server applies to every connection, and s3://<bucket>/"+c.ProfilesPrefix+"<UserName>.ovpn deleted. Run it on the VPN server's instance.",
		"The IAM user name whose profile to revoke.")
}

// document is an SSM Command document, schema 2.2.
// Sources: https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript
type document struct {
	SchemaVersion string                       `json:"schemaVersion"`
	Description   string                       `json:"description"`
	Parameters    map[string]documentParameter `json:"parameters"`
	MainSteps     []documentStep               `json:"mainSteps"`
}

// documentParameter has no default: Systems Manager requires a value.
type documentParameter struct {
	Type           string `json:"type"`
	Description    string `json:"description"`
	AllowedPattern string `json:"allowedPattern"`
}

type documentStep struct {
	Action       string              `json:"action"`
	Name         string              `json:"name"`
	Precondition map[string][]string `json:"precondition"`
	Inputs       documentStepInputs  `json:"inputs"`
}

type documentStepInputs struct {
	TimeoutSeconds string   `json:"timeoutSeconds"`
	RunCommand     []string `json:"runCommand"`
}

func documentContent(c BootConfig, script, step, description, parameter string) (string, error) {
	s, err := render(script, c)
	if err != nil {
		return "", fmt.Errorf("VPN server document %s: %w", script, err)
	}
	doc := document{
		SchemaVersion: "2.2",
		Description:   description,
		Parameters: map[string]documentParameter{
			"UserName": {Type: "String", Description: parameter, AllowedPattern: UserNamePattern},
		},
		MainSteps: []documentStep{{
			Action:       "aws:runShellScript",
			Name:         step,
			Precondition: map[string][]string{"StringEquals": {"platformType", "Linux"}},
			Inputs: documentStepInputs{
				TimeoutSeconds: "600",
				RunCommand:     strings.Split(strings.TrimSuffix(s, "\n"), "\n"),
			},
		}},
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<ca>" stays readable in the console
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return "", fmt.Errorf("VPN server document %s: %w", script, err)
	}
	return b.String(), nil
}
