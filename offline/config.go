package offline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// StackConfig is a stack's configuration as the Pulumi CLI hands it to the
// program: full keys ("refarch:vpcCidr") to text, arrays and objects as
// JSON, with the project's defaults and values applied.
type StackConfig struct {
	// Project is the project name from Pulumi.yaml.
	Project string
	// Stack is the stack name.
	Stack string
	// Values maps every full key to its text. A secret's value is its
	// plaintext, as the CLI hands it to the program.
	Values map[string]string
	// Secret lists the keys whose values are secret (`secure:` in the stack
	// file, or an object holding one), sorted; the program receives them as
	// secrets.
	Secret []string
	// Warnings are what the CLI would print before running the program
	// (keys without a value), and keys of the project's namespace that
	// Pulumi.yaml does not declare: the engine accepts them, so the offline
	// engine does too, but the program never reads them.
	Warnings []string
}

// FindProjectDir walks up from dir to the nearest folder holding Pulumi.yaml,
// as the Pulumi CLI does.
func FindProjectDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Pulumi.yaml in %s or any parent", abs)
		}
	}
}

// LoadStackConfig reads Pulumi.yaml and Pulumi.<stack>.yaml from dir the way
// the Pulumi CLI does, with the SDK's own loaders (so quoted scalars, values
// written by `pulumi config set`, `--path` values and secure values read as
// they do there), applies the project's values and defaults, and validates
// the result by the engine's rules: a declared key without a default that
// the stack does not set is missing; a stack value must match its declared
// type; a key declared secret must be encrypted. Secure values are decrypted
// with the passphrase from PULUMI_CONFIG_PASSPHRASE or
// PULUMI_CONFIG_PASSPHRASE_FILE, as the CLI does for a passphrase stack.
//
// It accepts what `pulumi preview` accepts and rejects what it rejects; the
// real-engine test (tests/engine) proves the two agree on the real files.
func LoadStackConfig(dir, stack string) (*StackConfig, error) {
	projPath := filepath.Join(dir, "Pulumi.yaml")
	proj, err := workspace.LoadProject(projPath)
	if err != nil {
		return nil, fmt.Errorf("reading project file: %w", err)
	}
	stackPath := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackPath); err != nil {
		// The CLI would create an empty stack file; a plan of a stack that
		// has none is almost always a misspelt stack name.
		return nil, fmt.Errorf("reading stack file: %w", err)
	}
	var warnings bytes.Buffer
	sink := diag.DefaultSink(&warnings, &warnings, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, proj, stackPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(stackPath), err)
	}
	cfg := &StackConfig{Project: proj.Name.String(), Stack: stack, Values: map[string]string{}}
	cfg.Warnings = append(cfg.Warnings, lines(warnings.String())...)
	cfg.Warnings = append(cfg.Warnings, undeclared(proj, ps.Config, filepath.Base(stackPath))...)

	values, err := applyProjectConfig(stack, proj, ps.Config, decrypterFor(ps, stack))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(stackPath), err)
	}
	for k, v := range values {
		cfg.Values[k.String()] = v
	}
	for _, k := range ps.Config.SecureKeys() {
		cfg.Secret = append(cfg.Secret, k.String())
	}
	sort.Strings(cfg.Secret)
	return cfg, nil
}

// applyProjectConfig merges the project's config block into the stack's and
// validates the result, as the engine does before every preview and update;
// it returns the decrypted values the program receives.
// It follows mergeConfig and validateStackConfigValues of the engine, which
// live in the Pulumi CLI's module (pkg), not in the SDK a program imports;
// stack environments (ESC) are not supported here.
// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/workspace/config.go
func applyProjectConfig(stack string, proj *workspace.Project, stackCfg config.Map, dec config.Decrypter) (map[config.Key]string, error) {
	project := proj.Name.String()
	keys := make([]string, 0, len(proj.Config))
	for k := range proj.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var missing []string
	for _, name := range keys {
		decl := proj.Config[name]
		key, err := projectKey(project, name)
		if err != nil {
			return nil, err
		}
		_, found, err := stackCfg.Get(key, true)
		if err != nil {
			return nil, fmt.Errorf("getting stack config value for key '%v': %w", key, err)
		}
		if found {
			continue
		}
		var value any
		switch {
		case decl.Default != nil:
			value = decl.Default
		case decl.Value != nil:
			value = decl.Value
		default:
			if key.Namespace() == project {
				missing = append(missing, name)
			}
			continue
		}
		v, err := configValue(value)
		if err != nil {
			return nil, fmt.Errorf("the project value of '%v': %w", key, err)
		}
		if err := stackCfg.Set(key, v, true); err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		return nil, missingKeysError(stack, missing)
	}

	// The engine decrypts every value once, then checks each typed key.
	values, err := stackCfg.Decrypt(dec)
	if err != nil {
		return nil, fmt.Errorf("decrypting secrets: %w", err)
	}
	for _, name := range keys {
		decl := proj.Config[name]
		if !decl.IsExplicitlyTyped() {
			continue
		}
		key, err := projectKey(project, name)
		if err != nil {
			return nil, err
		}
		v, _, err := stackCfg.Get(key, true)
		if err != nil {
			return nil, fmt.Errorf("getting stack config value for key '%v': %w", key, err)
		}
		if decl.Secret && !v.Secure() {
			return nil, fmt.Errorf("validating stack config: Stack '%v' with configuration key '%v' must be encrypted as it's secret", stack, name)
		}
		text, err := v.Value(dec)
		if err != nil {
			return nil, err
		}
		var content any = text
		if v.Object() {
			if err := json.Unmarshal([]byte(text), &content); err != nil {
				return nil, err
			}
		}
		if !workspace.ValidateConfigValue(*decl.Type, decl.Items, content) {
			return nil, fmt.Errorf("validating stack config: Stack '%v' with configuration key '%v' must be of type '%v'",
				stack, name, workspace.InferFullTypeName(*decl.Type, decl.Items))
		}
	}
	return values, nil
}

// projectKey namespaces a Pulumi.yaml config key with the project unless it
// names its own namespace ("aws:region", "pulumi:disable-default-providers").
func projectKey(project, name string) (config.Key, error) {
	if strings.Contains(name, ":") {
		return config.ParseKey(name)
	}
	return config.MustMakeKey(project, name), nil
}

// configValue turns a project default or value into a stack value: scalars
// as their text, the rest as JSON objects.
func configValue(raw any) (config.Value, error) {
	switch raw.(type) {
	case string, int, bool:
		return config.NewValue(fmt.Sprintf("%v", raw)), nil
	}
	simple, err := workspace.SimplifyMarshalledValue(raw)
	if err != nil {
		return config.Value{}, err
	}
	text, err := json.Marshal(simple)
	if err != nil {
		return config.Value{}, err
	}
	return config.NewObjectValue(string(text)), nil
}

// missingKeysError words the error as the CLI prints it.
func missingKeysError(stack string, missing []string) error {
	quoted := make([]string, len(missing))
	for i, k := range missing {
		quoted[i] = "'" + k + "'"
	}
	list := quoted[0]
	if n := len(quoted); n > 1 {
		list = strings.Join(quoted[:n-1], ", ") + " and " + quoted[n-1]
	}
	noun := "value"
	if len(missing) > 1 {
		noun = "values"
	}
	return fmt.Errorf("validating stack config: Stack '%v' is missing configuration %v %v", stack, noun, list)
}

// undeclared lists the project-namespaced keys a stack file sets that
// Pulumi.yaml does not declare.
func undeclared(proj *workspace.Project, stackCfg config.Map, file string) []string {
	declared := map[string]bool{}
	for name := range proj.Config {
		if k, err := projectKey(proj.Name.String(), name); err == nil {
			declared[k.String()] = true
		}
	}
	var out []string
	for k := range stackCfg {
		if k.Namespace() == proj.Name.String() && !declared[k.String()] {
			out = append(out, fmt.Sprintf("%s sets %s, which Pulumi.yaml does not declare (misspelt?)", file, k))
		}
	}
	sort.Strings(out)
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// errDecrypter stands in when the stack's secrets cannot be decrypted: it
// fails only if a secure value is actually read, as the CLI does.
type errDecrypter struct{ err error }

func (d errDecrypter) DecryptValue(context.Context, string) (string, error) { return "", d.err }

func (d errDecrypter) BatchDecrypt(_ context.Context, ciphertexts []string) ([]string, error) {
	if len(ciphertexts) == 0 {
		return nil, nil
	}
	return nil, d.err
}

// decrypterFor returns the decrypter of a stack's secure values: the
// passphrase secrets provider's, keyed by the stack file's encryptionsalt.
func decrypterFor(ps *workspace.ProjectStack, stack string) config.Decrypter {
	if p := ps.SecretsProvider; p != "" && p != "passphrase" && p != "default" {
		return errDecrypter{fmt.Errorf("stack file Pulumi.%s.yaml uses the secrets provider %q; offline, only passphrase secrets can be decrypted", stack, p)}
	}
	if ps.EncryptionSalt == "" {
		return errDecrypter{fmt.Errorf("stack file Pulumi.%s.yaml holds secure values but no encryptionsalt: they were not written by a passphrase stack", stack)}
	}
	phrase, err := passphrase()
	if err != nil {
		return errDecrypter{err}
	}
	crypter, err := passphraseCrypter(phrase, ps.EncryptionSalt)
	if err != nil {
		return errDecrypter{fmt.Errorf("stack file Pulumi.%s.yaml: %w", stack, err)}
	}
	return crypter
}

// passphrase reads the passphrase as the CLI does when it may not prompt.
// Source: https://www.pulumi.com/docs/iac/concepts/secrets/#passphrase
func passphrase() (string, error) {
	if p, ok := os.LookupEnv("PULUMI_CONFIG_PASSPHRASE"); ok {
		return p, nil
	}
	if f := os.Getenv("PULUMI_CONFIG_PASSPHRASE_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("unable to read PULUMI_CONFIG_PASSPHRASE_FILE: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", errors.New("passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables")
}
