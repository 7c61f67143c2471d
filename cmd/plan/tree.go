package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/refarch/refarch/offline"
)

// printTree prints a plan as the tree `pulumi preview` would show, then the
// counts per type and per component.
func printTree(w io.Writer, plan *offline.Plan) {
	custom, components := 0, 0
	for _, r := range plan.Resources {
		switch {
		case r.Custom:
			custom++
		case !r.Read:
			components++
		}
	}
	fmt.Fprintf(w, "stack %s: %d resources (%d cloud resources and providers, %d components)\n",
		plan.Stack, len(plan.Resources), custom, components)
	fmt.Fprintf(w, "pulumi:pulumi:Stack %s-%s\n", plan.Project, plan.Stack)
	common := mostUsedProvider(plan)
	printLevel(w, plan, plan.TopLevel(), "", common)

	fmt.Fprintln(w, "by type:")
	counts := plan.CountByType()
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(w, "  %4d  %s\n", counts[t], t)
	}
	var comps []*offline.Resource
	for _, r := range plan.Resources {
		if !r.Custom && !r.Read && !r.Remote {
			comps = append(comps, r)
		}
	}
	if len(comps) > 0 {
		fmt.Fprintln(w, "by component:")
		for _, c := range comps {
			fmt.Fprintf(w, "  %4d  %s %s\n", len(plan.Descendants(c)), c.Type, c.Name)
		}
	}
}

func printLevel(w io.Writer, plan *offline.Plan, level []*offline.Resource, indent, common string) {
	sort.SliceStable(level, func(i, j int) bool {
		if level[i].Type != level[j].Type {
			return level[i].Type < level[j].Type
		}
		return level[i].Name < level[j].Name
	})
	for i, r := range level {
		branch, next := "├─ ", "│  "
		if i == len(level)-1 {
			branch, next = "└─ ", "   "
		}
		fmt.Fprintf(w, "%s%s%s %s%s\n", indent, branch, r.Type, r.Name, annotations(plan, r, common))
		printLevel(w, plan, plan.Children(r), indent+next, common)
	}
}

// annotations marks what a reviewer must notice: protection, retention,
// ignored changes, reads, and a provider other than the stack's usual one.
func annotations(plan *offline.Plan, r *offline.Resource, common string) string {
	var notes []string
	if strings.HasPrefix(r.Type, "pulumi:providers:") {
		if ids := r.Strings("allowedAccountIds"); len(ids) > 0 {
			notes = append(notes, "account "+strings.Join(ids, ","))
		}
		if region := r.String("region"); region != "" {
			notes = append(notes, "region "+region)
		}
	}
	switch {
	case r.Remote:
		// The mock engine sees a remote (awsx) component as one
		// registration; its provider creates the resources inside.
		notes = append(notes, "remote component: its resources are created by its provider, not listed offline")
	case r.Type == "pulumi:pulumi:StackReference":
		notes = append(notes, "reads the outputs of stack "+r.ID)
	case !r.Custom:
		notes = append(notes, fmt.Sprintf("component, %d resources", len(plan.Descendants(r))))
	}
	if r.Protect {
		notes = append(notes, "protect")
	}
	if r.RetainOnDelete {
		notes = append(notes, "retainOnDelete")
	}
	if len(r.IgnoreChanges) > 0 {
		notes = append(notes, "ignoreChanges "+strings.Join(r.IgnoreChanges, ","))
	}
	if r.Read && r.Type != "pulumi:pulumi:StackReference" {
		notes = append(notes, "read")
	}
	if p := plan.ProviderOf(r); p != nil && p.Name != common {
		notes = append(notes, "provider "+p.Name)
	}
	if len(notes) == 0 {
		return ""
	}
	return "  [" + strings.Join(notes, "; ") + "]"
}

// mostUsedProvider names the provider most resources use; others are called out.
func mostUsedProvider(plan *offline.Plan) string {
	counts := map[string]int{}
	best := ""
	for _, r := range plan.Resources {
		if p := plan.ProviderOf(r); p != nil {
			counts[p.Name]++
			if counts[p.Name] > counts[best] || (counts[p.Name] == counts[best] && p.Name < best) {
				best = p.Name
			}
		}
	}
	return best
}
