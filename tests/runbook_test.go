package tests

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// runbookPath is the runbook, relative to the project root.
const runbookPath = "docs/runbook.md"

// pulumiBuildHint is how to get the CLI the runbook's commands are checked
// against (the one tests/engine drives).
const pulumiBuildHint = "build it with `tools/pulumi/build` (into .bin/pulumi)"

// TestRunbookCommands checks every `go run ./cmd/…` and `pulumi …` command of
// the runbook's sh blocks against the real programs and the pinned Pulumi
// CLI: the program or subcommand exists, every flag is one it defines,
// stack names are real, configuration keys are keys the program reads and
// `stack output` names are outputs it exports.
func TestRunbookCommands(t *testing.T) {
	c := newRunbookChecker(t)
	doc, err := os.ReadFile(filepath.Join(c.root, runbookPath))
	require.NoError(t, err)

	problems, checked := c.check(string(doc))
	assert.Empty(t, problems, "commands of %s that do not match the code", runbookPath)
	// The checks above prove nothing about a runbook without commands.
	var goRuns, pulumis int
	for _, cmd := range checked {
		switch {
		case strings.HasPrefix(cmd, "go run "):
			goRuns++
		case strings.HasPrefix(cmd, "pulumi "):
			pulumis++
		}
	}
	assert.GreaterOrEqual(t, goRuns, 5, "go run commands checked")
	assert.GreaterOrEqual(t, pulumis, 30, "pulumi commands checked")
	for _, want := range []string{"go run ./cmd/plan", "go run ./cmd/bootstrap", "go run ./cmd/build-images",
		"pulumi up", "pulumi preview", "pulumi config set", "pulumi stack output",
		"pulumi state unprotect", "pulumi stack export", "pulumi stack import", "pulumi refresh", "pulumi destroy"} {
		assert.Contains(t, checked, want, "the runbook must use %s", want)
	}
}

// TestRunbookLinksAndTopics checks that every relative link of the runbook
// points at an existing file (and every in-page anchor at a heading), that
// every repository path it quotes exists, and that it covers the topics
// it was written for.
func TestRunbookLinksAndTopics(t *testing.T) {
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	doc, err := os.ReadFile(filepath.Join(root, runbookPath))
	require.NoError(t, err)

	assert.Empty(t, docLinkProblems(root, runbookPath, string(doc)))
	assert.Empty(t, docPathProblems(root, runbookPath, string(doc)))

	var headings []string
	for line := range strings.SplitSeq(string(doc), "\n") {
		if strings.HasPrefix(line, "## ") {
			headings = append(headings, line)
		}
	}
	for _, topic := range []string{"First-time setup", "Stack order", "Adding a service", "Adding a user",
		"VPN profile", "Rotating secrets", "Restoring Postgres", "VPN's PKI", "protected", "costs"} {
		assert.True(t, slices.ContainsFunc(headings, func(h string) bool { return strings.Contains(h, topic) }),
			"a section about %q", topic)
	}
	for _, text := range []string{
		"restore-db-instance-from-db-snapshot", "restore-db-instance-to-point-in-time", // both restores
		"rotate-secret", "put-secret-value", "alert-notifier/WEBHOOK_URL", // secrets
		"refarch-vpn-issue-profile", "refarch-vpn-revoke-profile", // profiles
		"jobTaskDefinitions", "aws ecs run-task", // the migration
		".ko.yaml", "tools/ko/build", // images
		"deletionProtection", // protection
	} {
		assert.Contains(t, string(doc), text)
	}
}

// TestRunbookCheckerCatchesMistakes proves the checker fails: a wrong flag
// and a wrong stack name, among other mistakes, are each reported, and a
// correct snippet reports nothing.
func TestRunbookCheckerCatchesMistakes(t *testing.T) {
	c := newRunbookChecker(t)

	problems, _ := c.check("```sh\ngo run ./cmd/plan -stack prod -jsn\npulumi preview -s production\n```\n")
	require.Len(t, problems, 2, "%q", problems)
	assert.Contains(t, problems[0], "-jsn")
	assert.Contains(t, problems[1], `"production"`)

	for _, tc := range []struct{ line, want string }{
		{"go run ./cmd/plan -stack qa", `"qa"`},
		{"go run ./cmd/deploy -stack prod", "cmd/deploy"},
		{"go run ./cmd/package-functions helo-http", "helo-http"},
		{"go run ./cmd/build-images -json", "-json"},
		{"go run ./cmd/plan -stack prod old.json", "takes no arguments"},
		{"pulumi up -s prod --yess", "--yess"},
		{"pulumi stak ls", `"stak"`},
		{"pulumi stack lst", `"lst"`},
		{"pulumi config set dbMultiAZ false -s prod", "dbMultiAZ"},
		{"pulumi config set -s prod", "names no configuration key"},
		{"pulumi config set 'services[1].image' backend:1 -s prod", "services[1].image"},
		{"pulumi config set aws:region us-west-2 -s prod", "aws:region"},
		{"pulumi up -s dev --config refarch:natGateway=single", "natGateway"},
		{"pulumi stack output databaseAdress -s prod", "databaseAdress"},
		{"pulumi stack init qa", `"qa"`},
		{"pulumi preview -s <env>", `"<env>"`},
		{`pulumi preview -s "$STACK"`, "$STACK"},
		{"X=$(pulumi stack output ecsClusterName --stack=prd)", `"prd"`},
		{"cd /tmp && pulumi refresh -s prod --tagret x", "--tagret"},
	} {
		problems, _ := c.check("```sh\n" + tc.line + "\n```\n")
		if assert.Len(t, problems, 1, "%s: %q", tc.line, problems) {
			assert.Contains(t, problems[0], tc.want, tc.line)
		}
	}

	problems, _ = c.check("Run `pulumi preview -s qa` first, then `go run ./cmd/plan -stack all`.\n")
	if assert.Len(t, problems, 1, "%q", problems) {
		assert.Contains(t, problems[0], `"qa"`, "commands quoted in the prose are checked too")
	}

	good := "```sh\n" + `go run ./cmd/plan -stack all
go run ./cmd/plan -config-reference > docs/configuration.md
go run ./cmd/plan -diff old.json new.json
go run ./cmd/package-functions hello-http -out /tmp/zips
pulumi preview -s <stack> --diff # every stack
pulumi config set --path 'services[1].image' backend@sha256:<digest> -s prod
pulumi stack output vpnBucket -s shared-services && X="$(pulumi stack output jobTaskDefinitions -s dev --json | jq -r '."backend/migrate"')"
pulumi up --stack=stage -c refarch:wafMode=count --yes \
  --target 'urn:pulumi:stage::refarch::a$b::c'
pulumi state delete -s dev --target-dependents 'urn:x'
` + "```\n"
	problems, checked := c.check(good)
	assert.Empty(t, problems)
	assert.Len(t, checked, 4+6+5, "every command, <stack> once per stack: %q", checked)

	links := docLinkProblems(c.root, runbookPath, "[a](../README.md) [b](configuration.md#x) [c](#two) [d](../nowhere.md) [e](#three) [f](configuration.md#accountid)\n\n## Two\n")
	assert.Len(t, links, 3, "%q", links)
}

// runbookChecker checks shell commands against the project's programs and
// the pinned Pulumi CLI. It caches what it learned of each program.
type runbookChecker struct {
	root   string
	stacks []string
	// keys are the configuration keys the program reads, without "refarch:".
	keys map[string]bool
	// outputs are the stack outputs the program exports (ctx.Export).
	outputs map[string]bool
	// pulumi is the pinned CLI; pulumiEnv keeps it from touching ~/.pulumi.
	pulumi    string
	pulumiEnv []string
	pulumiDir string

	goPrograms map[string]*goProgram
	pulumiCmds map[string]*pulumiCommand
	// prose is set while check reads a command the prose quotes.
	prose bool
}

// goProgram is what `go run ./cmd/<name> -h` says of a command.
type goProgram struct {
	err error
	// flags maps each flag to whether it takes a value.
	flags map[string]bool
	// stackChoices are the -stack values its usage line lists.
	stackChoices []string
	// takesNames is whether it accepts positional names ([name ...]).
	takesNames bool
	// namesAfter are the flags after which it accepts positional files
	// (plan -diff OLD.json NEW.json).
	namesAfter []string
}

// pulumiFlag is one flag of a Pulumi CLI command.
type pulumiFlag struct {
	long string
	// value: the flag consumes the next argument unless written --flag=value.
	value bool
}

// pulumiCommand is what `pulumi <path> --help` says of a command.
type pulumiCommand struct {
	err error
	// path is the canonical command path the CLI resolved (aliases become
	// the command's name).
	path []string
	// hasSubcommands: the command only groups others.
	hasSubcommands bool
	long, short    map[string]pulumiFlag
}

func newRunbookChecker(t *testing.T) *runbookChecker {
	t.Helper()
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	c := &runbookChecker{
		root:       root,
		stacks:     stack.Names(),
		keys:       map[string]bool{},
		goPrograms: map[string]*goProgram{},
		pulumiCmds: map[string]*pulumiCommand{},
		pulumi:     filepath.Join(root, ".bin", "pulumi"),
		pulumiDir:  t.TempDir(),
	}
	for _, k := range stacks.Keys() {
		c.keys[k.Name] = true
	}
	c.outputs, err = exportedOutputs(filepath.Join(root, "stacks"))
	require.NoError(t, err)
	require.NotEmpty(t, c.outputs)

	want := pinnedPulumiVersion(t, root)
	out, err := exec.Command(c.pulumi, "version").Output()
	if err != nil {
		// Never a skip: without the CLI no pulumi command is checked.
		t.Fatalf("the Pulumi CLI %s is not at .bin/pulumi (%v): %s", want, err, pulumiBuildHint)
	}
	require.Equal(t, want, strings.TrimSpace(string(out)), "the CLI at .bin/pulumi is not the pinned one: %s", pulumiBuildHint)
	c.pulumiEnv = append(os.Environ(), "PULUMI_HOME="+t.TempDir(), "PULUMI_SKIP_UPDATE_CHECK=true")
	return c
}

// pinnedPulumiVersion is the CLI version tools/pulumi/go.mod pins.
func pinnedPulumiVersion(t *testing.T, root string) string {
	t.Helper()
	mod, err := os.ReadFile(filepath.Join(root, "tools", "pulumi", "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*github\.com/pulumi/pulumi/pkg/v3 (v\S+)`).FindSubmatch(mod)
	require.NotNil(t, m, "tools/pulumi/go.mod pins no github.com/pulumi/pulumi/pkg/v3")
	return string(m[1])
}

// check checks every go run and pulumi command of the document's sh blocks,
// and those the prose quotes in backticks.
// It returns the problems, each naming its line, and the commands checked
// ("go run ./cmd/plan", "pulumi stack output", one per command and stack).
func (c *runbookChecker) check(doc string) (problems, checked []string) {
	blocks := shellLines(doc)
	for n, l := range append(blocks, inlineCommands(doc)...) {
		// The prose may name a command without its arguments ("values
		// written by `pulumi config set`"); a block runs it.
		c.prose = n >= len(blocks)
		cmds, err := shellCommands(l.text)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %s", l.number, err))
			continue
		}
		for _, words := range cmds {
			words = commandWords(words)
			if len(words) == 0 {
				continue
			}
			var check func([]string) (string, []string)
			switch {
			case words[0] == "pulumi" || strings.HasSuffix(words[0], "/pulumi"):
				check = c.checkPulumi
			case words[0] == "go" && len(words) > 1 && words[1] == "run":
				check = c.checkGoRun
			default:
				continue
			}
			for _, variant := range expandStack(words, c.stacks) {
				name, found := check(variant)
				checked = append(checked, name)
				for _, p := range found {
					msg := fmt.Sprintf("line %d: `%s`: %s", l.number, strings.Join(variant, " "), p)
					if !slices.Contains(problems, msg) {
						problems = append(problems, msg)
					}
				}
			}
		}
	}
	return problems, checked
}

// expandStack returns the command once per stack when a word holds the
// <stack> placeholder, else the command itself.
func expandStack(words, names []string) [][]string {
	if !slices.ContainsFunc(words, func(w string) bool { return strings.Contains(w, "<stack>") }) {
		return [][]string{words}
	}
	var out [][]string
	for _, n := range names {
		v := make([]string, len(words))
		for i, w := range words {
			v[i] = strings.ReplaceAll(w, "<stack>", n)
		}
		out = append(out, v)
	}
	return out
}

// checkGoRun checks `go run ./cmd/<name> [flags] [names]`.
func (c *runbookChecker) checkGoRun(words []string) (string, []string) {
	if len(words) < 3 || !strings.HasPrefix(words[2], "./cmd/") {
		return "go run", []string{"the runbook runs only ./cmd/<name> programs"}
	}
	name := strings.TrimSuffix(strings.TrimPrefix(words[2], "./cmd/"), "/")
	label := "go run ./cmd/" + name
	if st, err := os.Stat(filepath.Join(c.root, "cmd", name)); err != nil || !st.IsDir() || strings.Contains(name, "/") {
		return label, []string{fmt.Sprintf("there is no program cmd/%s", name)}
	}
	prog := c.goProgram(name)
	if prog.err != nil {
		return label, []string{prog.err.Error()}
	}
	var problems, names []string
	args := words[3:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			names = append(names, a)
			continue
		}
		flagName, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takesValue, ok := prog.flags[flagName]
		if !ok {
			problems = append(problems, fmt.Sprintf("cmd/%s defines no flag -%s", name, flagName))
			continue
		}
		if takesValue && !hasValue {
			if i+1 == len(args) {
				problems = append(problems, fmt.Sprintf("-%s needs a value", flagName))
				continue
			}
			i++
			value = args[i]
		}
		if flagName == "stack" {
			problems = append(problems, c.stackProblems(value, prog.stackChoices)...)
		}
	}
	takesNames := prog.takesNames
	for _, f := range prog.namesAfter {
		takesNames = takesNames || slices.Contains(args, "-"+f)
	}
	if len(names) > 0 && !takesNames {
		problems = append(problems, fmt.Sprintf("cmd/%s takes no arguments, got %q", name, names))
	}
	for _, n := range names {
		if p := c.goNameProblem(name, n); p != "" {
			problems = append(problems, p)
		}
	}
	return label, problems
}

// goNameProblem checks a positional name of the commands that take names.
func (c *runbookChecker) goNameProblem(program, name string) string {
	switch program {
	case "package-functions":
		if _, err := os.Stat(filepath.Join(c.root, "workloads", "functions", name, "main.go")); err != nil {
			return fmt.Sprintf("there is no function workloads/functions/%s", name)
		}
	case "build-images":
		ko, err := os.ReadFile(filepath.Join(c.root, ".ko.yaml"))
		if err != nil {
			return err.Error()
		}
		var builds []string
		for _, m := range regexp.MustCompile(`(?m)^\s*main:\s*(\S+)`).FindAllSubmatch(ko, -1) {
			builds = append(builds, path.Base(string(m[1])))
		}
		if !slices.Contains(builds, name) {
			return fmt.Sprintf("no build of .ko.yaml makes %q (builds: %s)", name, strings.Join(builds, ", "))
		}
	}
	return ""
}

// goProgram runs `go run ./cmd/<name> -h` (the build cache keeps the
// executable) and reads its flags and usage line.
func (c *runbookChecker) goProgram(name string) *goProgram {
	if p, ok := c.goPrograms[name]; ok {
		return p
	}
	p := &goProgram{flags: map[string]bool{}}
	c.goPrograms[name] = p
	cmd := exec.Command("go", "run", "./cmd/"+name, "-h")
	cmd.Dir = c.root
	// -h exits non-zero in some commands (flag.ErrHelp); the output counts.
	out, _ := cmd.CombinedOutput()
	usage := ""
	flagLine := regexp.MustCompile(`^  -([A-Za-z0-9][\w.-]*)(?: ([^\s]+))?(?:\t|$)`)
	// A further form of the usage ("       plan -diff [-fail-on-replace]
	// OLD.json NEW.json") takes positional files after its first flag.
	form := regexp.MustCompile(`^\s+` + regexp.QuoteMeta(name) + ` -([A-Za-z0-9][\w-]*)\b.* [A-Z][A-Z.a-z]*$`)
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(strings.ToLower(line), "usage:") && usage == "" {
			usage = line
		}
		if m := form.FindStringSubmatch(line); m != nil {
			p.namesAfter = append(p.namesAfter, m[1])
		}
		if m := flagLine.FindStringSubmatch(line); m != nil {
			p.flags[m[1]] = m[2] != ""
		}
	}
	if usage == "" {
		p.err = fmt.Errorf("`go run ./cmd/%s -h` printed no usage line:\n%s", name, out)
		return p
	}
	p.takesNames = strings.Contains(usage, "[name ...]") || regexp.MustCompile(`\[[a-z-]+\.json\]`).MatchString(usage)
	if m := regexp.MustCompile(`-stack <([^>]+)>`).FindStringSubmatch(usage); m != nil {
		p.stackChoices = strings.Split(m[1], "|")
	}
	return p
}

// stackProblems checks a stack name: a stack of stack.Names(), or, where a
// command's usage lists extra choices ("all"), one of those.
func (c *runbookChecker) stackProblems(value string, choices []string) []string {
	if strings.Contains(value, "$") {
		return []string{fmt.Sprintf("stack %q: write the stack name (or <stack>) so it can be checked", value)}
	}
	if slices.Contains(c.stacks, value) && (choices == nil || slices.Contains(choices, value)) {
		return nil
	}
	if choices != nil && slices.Contains(choices, value) && value == "all" {
		return nil
	}
	return []string{fmt.Sprintf("stack %q is not one of %s", value, strings.Join(c.stacks, ", "))}
}

// checkPulumi checks `pulumi <subcommand…> [flags] [args]` against the CLI's
// help: the subcommand path, every flag, stack names, configuration keys
// and output names.
func (c *runbookChecker) checkPulumi(words []string) (string, []string) {
	args := words[1:]
	root := c.pulumiCommand(nil)
	if root.err != nil {
		return "pulumi", []string{root.err.Error()}
	}
	cmd := root
	i := 0
	for ; i < len(args) && cmd.hasSubcommands && !strings.HasPrefix(args[i], "-"); i++ {
		next := c.pulumiCommand(append(slices.Clone(cmd.path), args[i]))
		if next.err != nil {
			return "pulumi", []string{next.err.Error()}
		}
		if len(next.path) != len(cmd.path)+1 {
			break
		}
		cmd = next
	}
	label := strings.Join(append([]string{"pulumi"}, cmd.path...), " ")
	var problems, positional []string
	values := map[string][]string{}
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a[2:], "=")
			f, ok := cmd.long[name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s has no flag --%s", label, name))
				continue
			}
			if f.value && !hasValue {
				if i+1 == len(args) {
					// The prose may name a flag: "what `pulumi stack init
					// --secrets-provider` takes".
					if !c.prose {
						problems = append(problems, fmt.Sprintf("--%s needs a value", name))
					}
					continue
				}
				i++
				value = args[i]
			}
			values[f.long] = append(values[f.long], value)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// Shorthands: -s prod, -sprod, -s=prod, or bools together (-yf).
			for j := 1; j < len(a); j++ {
				f, ok := cmd.short[a[j:j+1]]
				if !ok {
					problems = append(problems, fmt.Sprintf("%s has no flag -%s", label, a[j:j+1]))
					break
				}
				if !f.value {
					values[f.long] = append(values[f.long], "")
					continue
				}
				value := strings.TrimPrefix(a[j+1:], "=")
				if value == "" {
					if i+1 == len(args) {
						problems = append(problems, fmt.Sprintf("-%s needs a value", a[j:j+1]))
						break
					}
					i++
					value = args[i]
				}
				values[f.long] = append(values[f.long], value)
				break
			}
		default:
			positional = append(positional, a)
		}
	}

	if cmd.hasSubcommands && len(positional) > 0 {
		problems = append(problems, fmt.Sprintf("%q is not a subcommand of %s", positional[0], label))
		return label, problems
	}
	for _, s := range values["stack"] {
		problems = append(problems, c.stackProblems(s, nil)...)
	}
	switch strings.Join(cmd.path, " ") {
	case "stack new", "stack select", "stack remove":
		if len(positional) > 0 {
			problems = append(problems, c.stackProblems(positional[0], nil)...)
		}
	case "config set", "config get", "config rm":
		switch {
		case len(positional) == 0 && !c.prose:
			problems = append(problems, "names no configuration key")
		case len(positional) > 0:
			problems = append(problems, c.keyProblems(positional[0], values["path"] != nil)...)
		}
	case "stack output":
		if len(positional) > 0 && !c.outputs[positional[0]] {
			problems = append(problems, fmt.Sprintf("no stack exports an output %q", positional[0]))
		}
	}
	for _, kv := range values["config"] {
		key, _, _ := strings.Cut(kv, "=")
		problems = append(problems, c.keyProblems(key, values["config-path"] != nil)...)
	}
	return label, problems
}

// keyProblems checks a configuration key as `pulumi config` names it: the
// project's namespace or none, and, with --path, the key before the path.
func (c *runbookChecker) keyProblems(key string, isPath bool) []string {
	name := key
	if ns, rest, ok := strings.Cut(key, ":"); ok {
		if ns != "refarch" {
			return []string{fmt.Sprintf("configuration key %q: the program reads only refarch: keys (and refuses aws:region and aws:profile)", key)}
		}
		name = rest
	}
	if isPath {
		if i := strings.IndexAny(name, ".["); i >= 0 {
			name = name[:i]
		}
	}
	if !c.keys[name] {
		return []string{fmt.Sprintf("configuration key %q is not a key the program reads (stacks.Keys)", key)}
	}
	return nil
}

// pulumiCommand runs `pulumi <path> --help` and reads the command the CLI
// resolved, its subcommands and its flags (global flags included).
func (c *runbookChecker) pulumiCommand(cmdPath []string) *pulumiCommand {
	key := strings.Join(cmdPath, "\x00")
	if p, ok := c.pulumiCmds[key]; ok {
		return p
	}
	p := &pulumiCommand{long: map[string]pulumiFlag{}, short: map[string]pulumiFlag{}}
	c.pulumiCmds[key] = p
	cmd := exec.Command(c.pulumi, append(slices.Clone(cmdPath), "--help")...)
	cmd.Dir = c.pulumiDir
	// With the flags the Automation API uses too (--event-log), which the
	// CLI has with PULUMI_DEBUG_COMMANDS=true; the runbook exports it where
	// it uses one.
	// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/sdk/go/auto/local_workspace.go
	cmd.Env = append(slices.Clone(c.pulumiEnv), "PULUMI_DEBUG_COMMANDS=true")
	out, err := cmd.Output()
	if err != nil {
		p.err = fmt.Errorf("pulumi %s --help: %w", strings.Join(cmdPath, " "), err)
		return p
	}
	flagLine := regexp.MustCompile(`^\s+(?:-(\S), )?--([A-Za-z0-9][A-Za-z0-9-]*)(?: (\S+))?\s{2,}\S`)
	lines := strings.Split(string(out), "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) == "Usage:" && i+1 < len(lines) && p.path == nil {
			fields := strings.Fields(lines[i+1])
			p.path = []string{}
			for _, f := range fields[1:] {
				if strings.ContainsAny(f[:1], "[<-") {
					break
				}
				p.path = append(p.path, f)
			}
			for _, l := range lines[i+1:] {
				if strings.TrimSpace(l) == "" {
					break
				}
				if strings.HasSuffix(strings.TrimSpace(l), "[command]") {
					p.hasSubcommands = true
				}
			}
		}
		m := flagLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		typ := m[3]
		// A bool has no type word; one with a default value for a bare
		// flag ([="true"]) takes a value only as --flag=value; a type word
		// of true or false is a backquoted word of a bool's usage.
		f := pulumiFlag{long: m[2], value: typ != "" && !strings.Contains(typ, "[=") && typ != "true" && typ != "false"}
		p.long[m[2]] = f
		if m[1] != "" {
			p.short[m[1]] = f
		}
	}
	if p.path == nil {
		p.err = fmt.Errorf("pulumi %s --help printed no usage", strings.Join(cmdPath, " "))
	}
	return p
}

// exportedOutputs reads the names of every ctx.Export call under dir (the
// stacks packages), resolving constants (string literals, or other
// constants of the tree, named by package) by their package name.
func exportedOutputs(dir string) (map[string]bool, error) {
	type call struct {
		pkg string
		arg ast.Expr
		pos token.Position
	}
	consts := map[string]map[string]ast.Expr{}
	var calls []call
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		pkg := f.Name.Name
		if consts[pkg] == nil {
			consts[pkg] = map[string]ast.Expr{}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GenDecl:
				if n.Tok != token.CONST {
					return true
				}
				for _, spec := range n.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if i < len(vs.Values) {
							consts[pkg][name.Name] = vs.Values[i]
						}
					}
				}
				return false
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Export" && len(n.Args) == 2 {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "ctx" {
						calls = append(calls, call{pkg: pkg, arg: n.Args[0], pos: fset.Position(n.Pos())})
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	var resolve func(pkg string, e ast.Expr, depth int) string
	resolve = func(pkg string, e ast.Expr, depth int) string {
		if depth > 10 {
			return ""
		}
		switch e := e.(type) {
		case *ast.BasicLit:
			if v, err := strconv.Unquote(e.Value); err == nil && e.Kind == token.STRING {
				return v
			}
		case *ast.Ident:
			if v, ok := consts[pkg][e.Name]; ok {
				return resolve(pkg, v, depth+1)
			}
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok {
				if v, ok := consts[x.Name][e.Sel.Name]; ok {
					return resolve(x.Name, v, depth+1)
				}
			}
		}
		return ""
	}
	out := map[string]bool{}
	for _, c := range calls {
		name := resolve(c.pkg, c.arg, 0)
		if name == "" {
			return nil, fmt.Errorf("%s: cannot resolve the output name of ctx.Export", c.pos)
		}
		out[name] = true
	}
	return out, nil
}

// shellLine is one logical line of an sh block (continuations joined) and
// the document line it starts on.
type shellLine struct {
	number int
	text   string
}

// shellLines returns the logical lines of every ```sh block of doc.
func shellLines(doc string) []shellLine {
	var out []shellLine
	in := false
	var pending *shellLine
	for i, line := range strings.Split(doc, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && trimmed == "```sh":
			in = true
			continue
		case in && trimmed == "```":
			in = false
			if pending != nil {
				out = append(out, *pending)
				pending = nil
			}
			continue
		case !in:
			continue
		}
		if pending == nil {
			pending = &shellLine{number: i + 1}
		} else {
			pending.text += " "
		}
		if body, ok := strings.CutSuffix(strings.TrimRight(line, " \t"), `\`); ok {
			pending.text += body
			continue
		}
		pending.text += line
		out = append(out, *pending)
		pending = nil
	}
	return out
}

// inlineCommands are the `go run ./cmd/…` and `pulumi …` commands the prose
// of doc quotes in backticks, outside fenced blocks.
func inlineCommands(doc string) []shellLine {
	var out []shellLine
	in := false
	span := regexp.MustCompile("`([^`\n]+)`")
	for i, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if in {
			continue
		}
		for _, m := range span.FindAllStringSubmatch(line, -1) {
			if strings.HasPrefix(m[1], "go run ./cmd/") || strings.HasPrefix(m[1], "pulumi ") || strings.HasPrefix(m[1], ".bin/pulumi ") {
				out = append(out, shellLine{number: i + 1, text: m[1]})
			}
		}
	}
	return out
}

// commandWords drops what precedes the program in a simple command:
// variable assignments and the shell keywords that start a list.
func commandWords(words []string) []string {
	assignment := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	for len(words) > 0 && (assignment.MatchString(words[0]) || slices.Contains([]string{"do", "then", "else", "!", "time"}, words[0])) {
		words = words[1:]
	}
	if len(words) > 0 && words[0] == "export" {
		return nil
	}
	return words
}

// shellCommands splits one line of shell into simple commands, as words
// with their quotes removed. It knows what the runbook uses: quotes,
// backslashes, comments, the separators ; & && | ||, redirections (dropped
// with their target), command substitutions $(…) (their commands are
// returned too) and <placeholder> words.
func shellCommands(src string) ([][]string, error) {
	rs := []rune(src)
	var cmds [][]string
	var words []string
	var cur strings.Builder
	inWord, skipNext := false, false
	flush := func() {
		if !inWord {
			return
		}
		if skipNext {
			skipNext = false
		} else {
			words = append(words, cur.String())
		}
		cur.Reset()
		inWord = false
	}
	end := func() {
		flush()
		if len(words) > 0 {
			cmds = append(cmds, words)
		}
		words, skipNext = nil, false
	}
	substitution := func(open int) (int, error) {
		closing, err := matchingParen(rs, open+1)
		if err != nil {
			return 0, err
		}
		inner, err := shellCommands(string(rs[open+2 : closing]))
		if err != nil {
			return 0, err
		}
		cmds = append(cmds, inner...)
		cur.WriteString(string(rs[open : closing+1]))
		inWord = true
		return closing, nil
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\'':
			j := slices.Index(rs[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", src)
			}
			cur.WriteString(string(rs[i+1 : i+1+j]))
			inWord = true
			i += j + 1
		case r == '"':
			inWord = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				switch {
				case rs[j] == '\\' && j+1 < len(rs):
					j++
					cur.WriteRune(rs[j])
				case rs[j] == '$' && j+1 < len(rs) && rs[j+1] == '(':
					closing, err := substitution(j)
					if err != nil {
						return nil, err
					}
					j = closing
				default:
					cur.WriteRune(rs[j])
				}
			}
			if j >= len(rs) {
				return nil, fmt.Errorf(`unterminated " in %q`, src)
			}
			i = j
		case r == '\\' && i+1 < len(rs):
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case r == '$' && i+1 < len(rs) && rs[i+1] == '(':
			closing, err := substitution(i)
			if err != nil {
				return nil, err
			}
			i = closing
		case r == ' ' || r == '\t':
			flush()
		case r == '\n' || r == ';' || r == '&' || r == '|':
			end()
		case r == '#' && !inWord:
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
			end()
		case r == '<' && placeholderEnd(rs, i) > 0:
			j := placeholderEnd(rs, i)
			cur.WriteString(string(rs[i : j+1]))
			inWord = true
			i = j
		case r == '<' || r == '>':
			// A redirection: drop a file descriptor number before it, the
			// operator and its target.
			if inWord && strings.Trim(cur.String(), "0123456789") == "" {
				cur.Reset()
				inWord = false
			} else {
				flush()
			}
			for i+1 < len(rs) && strings.ContainsRune("<>&|", rs[i+1]) {
				i++
			}
			skipNext = true
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	end()
	return cmds, nil
}

// placeholderEnd is the index of the '>' closing a <placeholder> that
// starts at rs[i], or 0 when what starts there is a redirection.
func placeholderEnd(rs []rune, i int) int {
	if i+1 >= len(rs) || strings.ContainsRune(" <>", rs[i+1]) {
		return 0
	}
	for j := i + 1; j < len(rs); j++ {
		switch {
		case rs[j] == '>':
			if rs[j-1] == ' ' {
				return 0
			}
			return j
		case strings.ContainsRune("<\n;|&'\"$", rs[j]):
			return 0
		}
	}
	return 0
}

// matchingParen is the index of the ')' closing the '(' at rs[open],
// across nested parentheses and quotes.
func matchingParen(rs []rune, open int) (int, error) {
	depth := 0
	var quote rune
	for i := open; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else if r == '\\' && quote == '"' {
				i++
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '\\':
			i++
		case r == '(':
			depth++
		case r == ')':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unterminated $( in %q", string(rs))
}

// docLinkProblems checks the Markdown links of doc (the page rel, relative
// to root) outside code: a relative link must name an existing file, and an
// anchor a heading of the page it names (doc itself when the link has no
// file).
func docLinkProblems(root, rel, doc string) []string {
	anchorsOf := func(page string) map[string]bool {
		anchors := map[string]bool{}
		for line := range strings.SplitSeq(withoutCode(page), "\n") {
			if strings.HasPrefix(line, "#") {
				anchors[headingAnchor(strings.TrimLeft(line, "# "))] = true
			}
		}
		return anchors
	}
	var problems []string
	for _, m := range regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(withoutCode(doc), -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		file, anchor, _ := strings.Cut(target, "#")
		page := doc
		if file != "" {
			p := filepath.Join(root, filepath.Dir(filepath.FromSlash(rel)), filepath.FromSlash(file))
			if _, err := os.Stat(p); err != nil {
				problems = append(problems, fmt.Sprintf("%s: link %s: %v", rel, target, err))
				continue
			}
			if anchor == "" || !strings.HasSuffix(file, ".md") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: link %s: %v", rel, target, err))
				continue
			}
			page = string(b)
		}
		if !anchorsOf(page)[anchor] {
			problems = append(problems, fmt.Sprintf("%s: link %s: no heading has that anchor", rel, target))
		}
	}
	return problems
}

// docPathProblems checks that the repository paths the prose of doc (the
// page rel) quotes in backticks (`components/vpnserver/boot.sh`,
// `Pulumi.prod.yaml`) exist, from the root or, for a page in a folder of
// its own (an example's), from that folder; generated or downloaded files
// (dist, kodata) are left out.
func docPathProblems(root, rel, doc string) []string {
	repoPath := regexp.MustCompile(`^(?:\.ci|\.circleci|cmd|components|docs|examples|insights|offline|stacks|tests|tools|workloads)/[A-Za-z0-9_./-]*$|^Pulumi(?:\.[a-z-]+)?\.yaml$|^\.ko\.yaml$|^\.golangci\.yml$`)
	var problems []string
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(withoutCode(doc), -1) {
		p := m[1]
		if !repoPath.MatchString(p) || strings.Contains(p, "/dist") || strings.Contains(p, "/kodata/") {
			continue
		}
		_, errRoot := os.Stat(filepath.Join(root, filepath.FromSlash(p)))
		_, errHere := os.Stat(filepath.Join(root, filepath.Dir(filepath.FromSlash(rel)), filepath.FromSlash(p)))
		if errRoot != nil && errHere != nil {
			problems = append(problems, fmt.Sprintf("`%s` does not exist", p))
		}
	}
	return problems
}

// withoutCode is doc without its fenced blocks.
func withoutCode(doc string) string {
	var b strings.Builder
	in := false
	for line := range strings.SplitSeq(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if !in {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// headingAnchor is the anchor GitHub gives a heading: lower case, without
// punctuation but hyphens and underscores, spaces as hyphens.
func headingAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}
