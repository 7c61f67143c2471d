package ecscluster

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
)

// Listener rule priorities are computed, never configured: a hand-set
// priority is one more thing to collide, and a position in a sorted list
// would renumber every service after the one added.
//
// Each rule falls in a band by how specific it is, because the lowest
// priority wins and a catch-all must never shadow a path:
//
//	band 0  (1–16000):      rules with a specific path prefix ("/api/*")
//	band 1  (16001–32000):  catch-all path "/*" restricted to host names
//	band 2  (32001–48000):  catch-all path "/*" for any host
//
// Inside its band a rule's slot is a hash of its service's name, so a
// service keeps its priority whatever services are added or removed around
// it. Two names hashing to the same slot (about one chance in 16,000 per
// pair) are resolved deterministically: the rules are placed in order of
// (slot, name), each taking the next free priority of its band. Only then
// can adding a service move another: one whose slot it takes or follows
// in a run of occupied priorities.
// Rules that could match the same request within a band are refused by
// validation (ruleConflicts), so the order inside a band never matters.
//
// ALB priorities range from 1 to 50000.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html
const bandSize = 16000

// band returns the priority band of a service's rule.
func band(s Service) int {
	if len(s.Paths) == 1 && s.Paths[0] == "/*" {
		if len(s.Hosts) > 0 {
			return 1
		}
		return 2
	}
	return 0
}

// slot is the stable position of a service name inside a band.
func slot(name string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return int(h.Sum32() % bandSize)
}

// RulePriorities assigns a listener rule priority to each service, by name,
// for services attached to one listener (with defaults applied). Services
// of different listeners are prioritized separately; see the package's
// scheme above.
func RulePriorities(services []Service) map[string]int {
	type entry struct {
		name       string
		band, slot int
	}
	entries := make([]entry, len(services))
	for i, s := range services {
		entries[i] = entry{s.Name, band(s), slot(s.Name)}
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.band != b.band {
			return a.band < b.band
		}
		if a.slot != b.slot {
			return a.slot < b.slot
		}
		return a.name < b.name
	})
	used := map[int]bool{}
	out := make(map[string]int, len(entries))
	for _, e := range entries {
		base := e.band*bandSize + 1
		p := base + e.slot
		for used[p] {
			p = base + (p-base+1)%bandSize
		}
		used[p] = true
		out[e.name] = p
	}
	return out
}

// conflict is a rule that could claim the same requests as an earlier one.
type conflict struct {
	index        int
	field, value string
	rule         string
}

// ruleConflicts finds services of one listener whose rules, in the same
// priority band, could match the same request: overlapping host sets (no
// hosts means any) and path prefixes where one contains the other.
func ruleConflicts(services []Service) []conflict {
	var out []conflict
	for j := range services {
		for i := range j {
			a, b := services[i], services[j]
			if a.Listener != b.Listener || band(a) != band(b) || !hostsOverlap(a.Hosts, b.Hosts) {
				continue
			}
			for k, pb := range b.Paths {
				for _, pa := range a.Paths {
					if pathsOverlap(pa, pb) {
						out = append(out, conflict{j, fmt.Sprintf("Paths[%d]", k), pb,
							fmt.Sprintf("overlaps %s of service %q on listener %q for the same hosts: two rules would compete for one request", pa, a.Name, a.Listener)})
					}
				}
			}
		}
	}
	return out
}

// pathsOverlap reports whether two prefix patterns ("/a/*", "/*") can
// match one path: when one's literal prefix starts the other's.
func pathsOverlap(a, b string) bool {
	pa, pb := strings.TrimSuffix(a, "*"), strings.TrimSuffix(b, "*")
	return strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa)
}

// hostsOverlap reports whether two host lists can match one host; an empty
// list matches any host.
func hostsOverlap(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if hostMatches(x, y) || hostMatches(y, x) {
				return true
			}
		}
	}
	return false
}

// hostMatches reports whether pattern (a name or "*.suffix") matches a host
// that may itself be a pattern.
func hostMatches(pattern, host string) bool {
	if pattern == host {
		return true
	}
	suffix, ok := strings.CutPrefix(pattern, "*")
	return ok && strings.HasSuffix(host, suffix) && len(host) > len(suffix)
}
