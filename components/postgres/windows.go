package postgres

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/refarch/refarch/components/validate"
)

// RDS runs automated backups in a daily window and maintenance in a weekly
// one; both last at least 30 minutes and must not overlap.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
// (PreferredBackupWindow, PreferredMaintenanceWindow)
const (
	minWindowMinutes = 30
	minutesPerDay    = 24 * 60
	minutesPerWeek   = 7 * minutesPerDay
)

// window matches both window formats: "hh:mm-hh:mm" (daily) and
// "ddd:hh:mm-ddd:hh:mm" (weekly); the days are groups 1 and 4.
var window = regexp.MustCompile(`^(?:(mon|tue|wed|thu|fri|sat|sun):)?([0-9]{2}):([0-9]{2})-(?:(mon|tue|wed|thu|fri|sat|sun):)?([0-9]{2}):([0-9]{2})$`)

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// span is a window as minutes from its start, which may wrap past the end
// of its period (a day or a week).
type span struct{ start, length int }

// parseWindow parses a daily window ("hh:mm-hh:mm") or, when weekly, a
// weekly one ("ddd:hh:mm-ddd:hh:mm"), both UTC, into a span of its period.
func parseWindow(s string, weekly bool) (span, string) {
	format, period := `a daily UTC window "hh:mm-hh:mm" such as "03:00-03:30"`, minutesPerDay
	if weekly {
		format, period = `a weekly UTC window "ddd:hh:mm-ddd:hh:mm" such as "sun:04:00-sun:05:00"`, minutesPerWeek
	}
	m := window.FindStringSubmatch(strings.ToLower(s))
	if m == nil || (m[1] != "") != weekly || (m[4] != "") != weekly {
		return span{}, "must be " + format
	}
	var bounds [2]int
	for i, g := range [][3]string{{m[1], m[2], m[3]}, {m[4], m[5], m[6]}} {
		h, _ := strconv.Atoi(g[1])
		mi, _ := strconv.Atoi(g[2])
		if h > 23 || mi > 59 {
			return span{}, "must use valid 24-hour times (00:00-23:59)"
		}
		bounds[i] = dayIndex(g[0])*minutesPerDay + h*60 + mi
	}
	w := span{bounds[0], (bounds[1] - bounds[0] + period) % period}
	if w.length < minWindowMinutes {
		return span{}, fmt.Sprintf("must last at least %d minutes", minWindowMinutes)
	}
	return w, ""
}

// dayIndex is the day's place in the week from Monday (0 for "", a daily window).
func dayIndex(day string) int { return max(slices.Index(weekdays, day), 0) }

// overlaps reports whether the daily backup window meets the weekly
// maintenance window on any day of the week.
func overlaps(backup, maintenance span) bool {
	for day := range 7 {
		if intersects(span{day*minutesPerDay + backup.start, backup.length}, maintenance, minutesPerWeek) {
			return true
		}
	}
	return false
}

// intersects reports whether two spans on a circle of period minutes share
// a minute; shifting one by a period sees spans that wrap past its end.
func intersects(a, b span, period int) bool {
	for _, shift := range []int{-period, 0, period} {
		if a.start+shift < b.start+b.length && b.start < a.start+shift+a.length {
			return true
		}
	}
	return false
}

// CheckWindows checks a backup and a maintenance window: each well formed
// and at least 30 minutes long, and not overlapping. It returns the rule
// each breaks ("" when good).
func CheckWindows(backup, maintenance string) (backupRule, maintenanceRule string) {
	b, backupRule := parseWindow(backup, false)
	m, maintenanceRule := parseWindow(maintenance, true)
	if backupRule == "" && maintenanceRule == "" && overlaps(b, m) {
		maintenanceRule = fmt.Sprintf("overlaps the daily backup window %s: RDS refuses overlapping windows", backup)
	}
	return backupRule, maintenanceRule
}

// windowProblems records the problems of a backup and maintenance window
// pair under the given field names.
func windowProblems(p *validate.Problems, backupField, backup, maintenanceField, maintenance string) {
	b, m := CheckWindows(backup, maintenance)
	p.Check(backupField, backup, b)
	p.Check(maintenanceField, maintenance, m)
}
