// Command drift reads the engine events of a refresh that changes nothing
// (`pulumi refresh --preview-only --run-program --event-log FILE`, with PULUMI_DEBUG_COMMANDS=true) and
// writes the drift report a person can act on: for each resource that
// differs from the stack's last deployment (the code), each attribute that
// differs, the value in the code and the value in AWS, secrets masked.
// The nightly CircleCI workflow (.circleci/config.yml, workflow drift)
// runs it for every stack with the read-only preview role:
//
//	export PULUMI_DEBUG_COMMANDS=true  # the CLI's --event-log, as the Automation API has it
//	pulumi config set refarch:access preview --stack prod
//	pulumi refresh --preview-only --run-program --event-log drift/prod.events.json --stack prod
//	drift -stack prod drift/prod.events.json > drift/prod.md
//
// The refresh reads every resource from AWS and writes nothing to the
// state. It runs the program (--run-program) so that the providers assume
// the preview roles refarch:access preview names: without it a refresh
// uses the providers recorded in the state, which assume the deploy roles.
// In its events a resource AWS changed ends as an update (old: the last
// deployment; new: what AWS has, with the engine's detailed diff), one
// deleted outside Pulumi as a delete; secret values are "[secret]".
// Sources: https://www.pulumi.com/docs/iac/cli/commands/pulumi_refresh/,
// https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/resource/deploy/step.go (RefreshStep),
// https://github.com/pulumi/pulumi/blob/v3.274.1/sdk/go/common/apitype/events.go
//
// It exits 0 when nothing drifted, 3 when something did (the workflow then
// alerts through the stack's alert topic), 2 when the input is not a whole
// refresh's events or the refresh failed.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// step is one resource's refresh, as its outputs event reports it.
type step struct {
	Op           string
	URN          string
	Old, New     *apitype.StepEventStateMetadata
	DetailedDiff map[string]apitype.PropertyDiff
}

// ReadEvents reads an event log (one JSON engine event per line) into the
// refresh's steps. It fails on an error diagnostic (the refresh failed)
// and on a log without its summary (the refresh did not finish).
func ReadEvents(r io.Reader) ([]step, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var steps []step
	summary := false
	for line := 1; sc.Scan(); line++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var e apitype.EngineEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("line %d is not an engine event: %w", line, err)
		}
		switch {
		case e.DiagnosticEvent != nil && e.DiagnosticEvent.Severity == "error":
			return nil, fmt.Errorf("the refresh failed: %s", strings.TrimSpace(e.DiagnosticEvent.Message))
		case e.SummaryEvent != nil:
			summary = true
		case e.ResOutputsEvent != nil:
			m := e.ResOutputsEvent.Metadata
			steps = append(steps, step{Op: string(m.Op), URN: m.URN, Old: m.Old, New: m.New, DetailedDiff: m.DetailedDiff})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !summary {
		return nil, errors.New("no summary event: the refresh did not finish")
	}
	return steps, nil
}

// Masked is how the report shows a secret value: as the CLI does.
const Masked = "[secret]"

// secretName matches attribute names whose values the report never shows,
// whether or not the state marks them secret.
var secretName = regexp.MustCompile(`(?i)(password|secret|token|private_?key|credential)`)

// Change is one attribute of one resource that differs.
type Change struct {
	// Path is the attribute's property path (tags["refarch:stack"],
	// ingress[0].cidrBlocks[0]).
	Path string
	// Code is the value of the last deployment, AWS what AWS has; "" when
	// there is none, Masked for a secret.
	Code, AWS string
}

// Drifted is one resource that differs from the code.
type Drifted struct {
	URN, Type, Name, ID string
	// Deleted is true when the resource no longer exists in AWS.
	Deleted bool
	Changes []Change
}

// Report is what drifted in one stack.
type Report struct {
	Stack     string
	Refreshed int
	Drifted   []Drifted
}

// Analyze reads the drift out of a refresh's steps.
func Analyze(stackName string, steps []step) Report {
	r := Report{Stack: stackName}
	for _, s := range steps {
		var typ string
		switch {
		case s.Old != nil:
			typ = s.Old.Type
		case s.New != nil:
			typ = s.New.Type
		}
		if typ == "" || typ == "pulumi:pulumi:Stack" || strings.HasPrefix(typ, "pulumi:providers:") {
			continue
		}
		if s.Old != nil && !s.Old.Custom {
			continue // a component: nothing in AWS to read
		}
		r.Refreshed++
		res := Drifted{URN: s.URN, Type: typ, Name: resource.URN(s.URN).Name()}
		if s.Old != nil {
			res.ID = s.Old.ID
		}
		switch s.Op {
		case "delete":
			res.Deleted = true
		case "update":
			res.Changes = changes(s)
			if len(res.Changes) == 0 {
				continue
			}
		default:
			continue
		}
		r.Drifted = append(r.Drifted, res)
	}
	sort.Slice(r.Drifted, func(i, j int) bool { return r.Drifted[i].URN < r.Drifted[j].URN })
	return r
}

// changes lists the attributes whose values differ between the last
// deployment and AWS: every differing leaf of the outputs (the inputs when
// the outputs agree), and every path the engine's own diff names that
// those do not cover (a secret, which the JSON masks on both sides).
func changes(s step) []Change {
	var old, cur map[string]any
	if s.Old != nil {
		old = s.Old.Outputs
	}
	if s.New != nil {
		cur = s.New.Outputs
	}
	var out []Change
	diffValues(nil, "", old, cur, &out)
	if len(out) == 0 && s.Old != nil && s.New != nil {
		diffValues(nil, "", s.Old.Inputs, s.New.Inputs, &out)
	}
	covered := func(p string) bool {
		for _, c := range out {
			if c.Path == p || strings.HasPrefix(c.Path, p+".") || strings.HasPrefix(c.Path, p+"[") ||
				strings.HasPrefix(p, c.Path+".") || strings.HasPrefix(p, c.Path+"[") {
				return true
			}
		}
		return false
	}
	keys := make([]string, 0, len(s.DetailedDiff))
	for k := range s.DetailedDiff {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !covered(k) {
			out = append(out, Change{Path: k, Code: Masked, AWS: Masked + " (changed)"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// diffValues appends a Change for every leaf where a and b differ. path
// is where they stand, in Pulumi's property path syntax (the engine's
// detailed diff's), key the last map key on it: under a secret-named key
// nothing is shown.
func diffValues(path resource.PropertyPath, key string, a, b any, out *[]Change) {
	if reflect.DeepEqual(a, b) {
		return
	}
	secret := secretName.MatchString(key)
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if (aIsMap || a == nil) && (bIsMap || b == nil) && (aIsMap || bIsMap) && !secret {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			diffValues(append(slices.Clone(path), k), k, am[k], bm[k], out)
		}
		return
	}
	al, aIsList := a.([]any)
	bl, bIsList := b.([]any)
	if (aIsList || a == nil) && (bIsList || b == nil) && (aIsList || bIsList) && !secret {
		for i := range max(len(al), len(bl)) {
			var x, y any
			if i < len(al) {
				x = al[i]
			}
			if i < len(bl) {
				y = bl[i]
			}
			diffValues(append(slices.Clone(path), i), key, x, y, out)
		}
		return
	}
	c := Change{Path: path.String(), Code: show(a), AWS: show(b)}
	if secret {
		c.Code, c.AWS = mask(a), mask(b)+" (changed)"
	}
	*out = append(*out, c)
}

func mask(v any) string {
	if v == nil {
		return ""
	}
	return Masked
}

// show renders a value for the report: JSON, "" for none.
func show(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Markdown is the report as a person reads it (the workflow's artifact
// and the alert's message).
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Drift in %s\n\n", r.Stack)
	if len(r.Drifted) == 0 {
		fmt.Fprintf(&b, "No drift: all %d resources match the last deployment.\n", r.Refreshed)
		return b.String()
	}
	fmt.Fprintf(&b, "%d of %d resources differ from the last deployment (the code): someone changed them outside Pulumi.\n", len(r.Drifted), r.Refreshed)
	fmt.Fprintf(&b, "To put the code's values back: `pulumi up --refresh --stack %s`. To keep a change: make it in the code first.\n", r.Stack)
	for _, d := range r.Drifted {
		id := ""
		if d.ID != "" {
			id = " (" + d.ID + ")"
		}
		fmt.Fprintf(&b, "\n## %s `%s`%s\n\n", d.Type, d.Name, id)
		if d.Deleted {
			b.WriteString("Deleted outside Pulumi: it no longer exists in AWS.\n")
			continue
		}
		b.WriteString("| attribute | in the code | in AWS |\n|---|---|---|\n")
		for _, c := range d.Changes {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Path, cell(c.Code), cell(c.AWS))
		}
	}
	return b.String()
}

// cell renders a value in a Markdown table cell.
func cell(v string) string {
	if v == "" {
		return "(none)"
	}
	return "`" + strings.NewReplacer("|", `\|`, "`", "'", "\n", " ").Replace(v) + "`"
}

// Exit statuses.
const (
	exitClean   = 0
	exitBadData = 2
	exitDrift   = 3
)

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stackName := fs.String("stack", "", "the stack the refresh read (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: drift -stack NAME [events.json]   (the --event-log of pulumi refresh --preview-only --run-program; stdin without a file or with -)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitBadData
	}
	if *stackName == "" || fs.NArg() > 1 {
		fs.Usage()
		return exitBadData
	}
	in, name := stdin, "stdin"
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "drift: %v\n", err)
			return exitBadData
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	steps, err := ReadEvents(in)
	if err != nil {
		fmt.Fprintf(stderr, "drift: %s (the event log of the refresh of %s): %v\n", name, *stackName, err)
		return exitBadData
	}
	r := Analyze(*stackName, steps)
	fmt.Fprint(stdout, r.Markdown())
	if len(r.Drifted) > 0 {
		return exitDrift
	}
	return exitClean
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
