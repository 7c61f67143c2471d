package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// Names of what the bootstrap creates.
const (
	// project and stackName are the bootstrap's own Pulumi project and
	// stack, on the local file backend.
	project   = "refarch-bootstrap"
	stackName = "state"
	// stateName names the StateBackend component, hence the key's alias
	// alias/refarch-state.
	stateName = "refarch-state"
	// bucketPrefix and the security account's id make the default bucket
	// name, unique in S3's global namespace without a random suffix.
	bucketPrefix = "refarch-state-"
	// defaultBackend is where the bootstrap keeps its own state.
	defaultBackend = "file://~/.refarch/bootstrap"
	// stateAccount is the stack whose account holds the state.
	stateAccount = "security"
)

// The passphrase variables the Pulumi CLI reads for a passphrase stack.
// Source: https://www.pulumi.com/docs/iac/concepts/secrets/#passphrase
const (
	passphraseVar     = "PULUMI_CONFIG_PASSPHRASE"
	passphraseFileVar = "PULUMI_CONFIG_PASSPHRASE_FILE"
)

// flags are the command line, as given.
type flags struct {
	// Profiles are the -profile values: <stack>=<profile>, or a bare
	// <profile> for every stack not named.
	Profiles []string
	Backend  string
	Bucket   string
	Admins   []string
	Preview  bool
}

// config is everything the bootstrap needs, validated.
type config struct {
	// Profiles are the AWS profiles of the accounts' administrators, by
	// stack (-profile): each account's provider uses its own.
	Profiles map[string]string
	// Accounts are the accounts' ids, by stack.
	Accounts map[string]string
	// Region, Partition and SecurityAccount are where the state lives: the
	// security stack's region and the security account.
	Region, Partition, SecurityAccount string
	// BucketName is the state bucket (-bucket).
	BucketName string
	// Stacks are the stacks that will store their state there, in
	// deployment order, and DeployRoleARNs their accounts' deploy roles,
	// in the same order; PreviewRoleARNs their preview roles.
	Stacks, DeployRoleARNs, PreviewRoleARNs []string
	// DeployRoleName is refarch:deployRoleName.
	DeployRoleName string
	// CI is the CircleCI project the roles trust.
	CI stack.CI
	// ECRRepositories are the registry's repositories
	// (refarch:ecrRepositories), which the ECR push role may push to.
	ECRRepositories []string
	// KeyAdministrators administer the key: the security account's deploy
	// role and the -admin principals.
	KeyAdministrators []string
	// BackendDir is the local folder of the bootstrap's own state (-backend).
	BackendDir string
	// Preview only previews (-preview).
	Preview bool
	// Env is the environment the Pulumi CLI runs with.
	Env map[string]string
}

// loadConfig reads the account directory, region and deploy role name from
// the project's configuration (src, the security stack's as the CLI hands
// it to the program) and checks them and the flags, reporting every problem
// at once, each naming its key, flag or variable. Nothing is changed
// anywhere before it returns a config.
func loadConfig(src stack.Source, f flags, getenv func(string) (string, bool), home string) (*config, error) {
	r := stack.NewReader(src)
	var accounts stack.Directory
	r.Object("accounts", true, &accounts)
	region := r.Str("region")
	roleName := r.Str("deployRoleName")
	ci := stack.ReadCI(r)
	var repos []string
	r.Object("ecrRepositories", true, &repos)
	p := &r.Problems

	if region != "" {
		p.Check(stack.Key("region"), region, validate.CheckRegion(region))
	}
	if roleName != "" {
		p.Check(stack.Key("deployRoleName"), roleName, validate.CheckRoleName(roleName))
	}
	c := &config{
		Accounts:        map[string]string{},
		DeployRoleName:  roleName,
		CI:              ci,
		ECRRepositories: repos,
		Region:          region,
		Partition:       validate.Partition(region),
		Preview:         f.Preview,
		Env:             map[string]string{},
	}
	ids := map[string]string{}
	idsValid := accounts != nil
	for _, name := range stack.RequiredStacks() {
		if _, ok := accounts[name]; accounts != nil && !ok {
			p.Add(stack.Key("accounts")+"."+name, "", "is required: the state bucket and key admit the deploy role of every stack's account")
			idsValid = false
		}
	}
	for _, name := range accounts.Names() {
		entry := stack.Key("accounts") + "." + name
		acct, ok := accounts[name]
		switch {
		case accounts == nil:
			// The reader has recorded why there is no directory.
		case !ok:
			p.Add(entry, "", "is required: the state bucket and key admit the deploy role of every stack's account")
			idsValid = false
		case validate.CheckAccountID(acct.ID) != "":
			p.Add(entry+".id", acct.ID, validate.CheckAccountID(acct.ID))
			idsValid = false
		case ids[acct.ID] != "":
			p.Addf(entry+".id", acct.ID, "is also the id of %s.%s: every stack needs its own account", stack.Key("accounts"), ids[acct.ID])
			idsValid = false
		default:
			ids[acct.ID] = name
		}
	}
	if idsValid && roleName != "" && validate.CheckRoleName(roleName) == "" {
		for _, name := range accounts.Names() {
			c.Stacks = append(c.Stacks, name)
			c.Accounts[name] = accounts[name].ID
			c.DeployRoleARNs = append(c.DeployRoleARNs, iampolicy.RoleARN(c.Partition, accounts[name].ID, roleName))
			c.PreviewRoleARNs = append(c.PreviewRoleARNs, iampolicy.RoleARN(c.Partition, accounts[name].ID, stack.PreviewRoleName))
		}
		c.SecurityAccount = accounts[stateAccount].ID
		c.KeyAdministrators = []string{iampolicy.RoleARN(c.Partition, c.SecurityAccount, roleName)}
	}

	c.Profiles = profiles(p, f.Profiles, accounts.Names())
	c.BucketName = f.Bucket
	if c.BucketName == "" && c.SecurityAccount != "" {
		c.BucketName = bucketPrefix + c.SecurityAccount
	}
	if c.BucketName != "" {
		p.Check("-bucket", c.BucketName, validate.CheckBucketName(c.BucketName))
	}
	for i, arn := range f.Admins {
		field := fmt.Sprintf("-admin[%d]", i)
		if rule := validate.CheckPrincipalARN(arn); rule != "" {
			p.Add(field, arn, rule)
			continue
		}
		if !slices.Contains(c.KeyAdministrators, arn) {
			c.KeyAdministrators = append(c.KeyAdministrators, arn)
		}
	}
	backend := f.Backend
	if backend == "" {
		backend = defaultBackend
	}
	dir, rule := backendDir(backend, home)
	p.Check("-backend", backend, rule)
	c.BackendDir = dir
	c.Env["PULUMI_BACKEND_URL"] = "file://" + filepath.ToSlash(dir)

	if v, ok := getenv(passphraseVar); ok {
		c.Env[passphraseVar] = v
	} else if v, ok := getenv(passphraseFileVar); ok && v != "" {
		c.Env[passphraseFileVar] = v
	} else {
		p.Add(passphraseVar, "", "must be set (or "+passphraseFileVar+"): it encrypts the secrets of the bootstrap's own stack on the file backend, and every later run needs the same passphrase")
	}
	if err := p.Err("bootstrap settings"); err != nil {
		return nil, err
	}
	return c, nil
}

// backendDir turns a file:// backend URL into an absolute folder, with "~"
// meaning the home folder as for `pulumi login file://~`. It returns the
// rule the URL breaks instead when it is not one.
// Source: https://www.pulumi.com/docs/iac/concepts/state-and-backends/#local-filesystem
func backendDir(raw, home string) (string, string) {
	path, ok := strings.CutPrefix(raw, "file://")
	if !ok {
		return "", "must be a file:// URL: the bootstrap keeps its own state on this machine, since the S3 backend it creates does not exist yet"
	}
	if path == "" {
		return "", "must name a folder, e.g. " + defaultBackend
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home == "" {
			return "", "starts with ~, but the home folder is unknown: give an absolute path"
		}
		path = filepath.Join(home, path[1:])
	}
	abs, err := filepath.Abs(filepath.FromSlash(path))
	if err != nil {
		return "", fmt.Sprintf("must name a folder: %v", err)
	}
	return abs, ""
}

// profiles resolves the -profile values to one profile per stack,
// recording a problem for a malformed value, an unknown stack, a stack
// named twice and a stack left without a profile.
func profiles(p *validate.Problems, values []string, names []string) map[string]string {
	out := map[string]string{}
	if len(values) == 0 {
		p.Add("-profile", "", "is required: the AWS profile of an administrator of every account (a named profile of ~/.aws/config): -profile <profile> for all of them, -profile <stack>=<profile> for one")
		return out
	}
	fallback := ""
	for _, v := range values {
		name, profile, named := strings.Cut(v, "=")
		switch {
		case !named && fallback != "":
			p.Add("-profile", v, "gives a second default profile (a value without <stack>=); name the stack: -profile <stack>=<profile>")
		case !named:
			fallback = v
		case profile == "" || strings.ContainsAny(profile, " \t"):
			p.Add("-profile", v, "must be <stack>=<profile>, the profile a named profile of ~/.aws/config")
		case !slices.Contains(names, name):
			p.Addf("-profile", v, "names no stack: the stacks are %s", strings.Join(names, ", "))
		case out[name] != "":
			p.Addf("-profile", v, "names %s twice", name)
		default:
			out[name] = profile
		}
	}
	for _, name := range names {
		if out[name] != "" {
			continue
		}
		if fallback == "" {
			p.Addf("-profile", "", "is required for %s: the AWS profile of an administrator of that account (a named profile of ~/.aws/config; -profile <profile> for every account, -profile %s=<profile> for one)", name, name)
			continue
		}
		out[name] = fallback
	}
	return out
}

// listFlag collects a flag that may be repeated or comma-separated
// (-profile, -admin).
type listFlag struct{ list *[]string }

func (a listFlag) String() string {
	if a.list == nil {
		return ""
	}
	return strings.Join(*a.list, ",")
}

func (a listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*a.list = append(*a.list, s)
		}
	}
	return nil
}
