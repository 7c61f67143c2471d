package restoredrill

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// cronExpr is AWS's cron expression: six fields, minutes hours
// day-of-month month day-of-week year, in UTC unless a time zone is given.
// A restore testing plan takes only this form (no rate or at expressions).
// Sources: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingPlanForCreate.html,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
var cronExpr = regexp.MustCompile(`^cron\(([^()]+)\)$`)

var weekdays = map[string]bool{
	"1": true, "2": true, "3": true, "4": true, "5": true, "6": true, "7": true,
	"SUN": true, "MON": true, "TUE": true, "WED": true, "THU": true, "FRI": true, "SAT": true,
}

// IntervalDays is the longest time in days between two runs of schedule, a
// cron expression of one of three forms: daily (one minute of one hour,
// every day), weekly (one day of the week) or monthly (one day of the
// month, 1-28, so that no month is skipped). It returns the rule broken
// when schedule is none of them: a drill's overdue alarm must know how long
// the schedule may leave between two drills, and a schedule whose
// interval it cannot read (or that runs more than once a day, restoring a
// database each time) is refused.
func IntervalDays(schedule string) (int, string) {
	m := cronExpr.FindStringSubmatch(strings.TrimSpace(schedule))
	if m == nil {
		return 0, "must be a cron expression, cron(minutes hours day-of-month month day-of-week year): a restore testing plan takes no other form"
	}
	f := strings.Fields(m[1])
	if len(f) != 6 {
		return 0, fmt.Sprintf("must have six fields (minutes hours day-of-month month day-of-week year), not %d", len(f))
	}
	minute, hour, dom, month, dow, year := f[0], f[1], f[2], f[3], strings.ToUpper(f[4]), f[5]
	if n, err := strconv.Atoi(minute); err != nil || n < 0 || n > 59 {
		return 0, "must run at one minute (0-59) of the hour: a drill restores a whole database"
	}
	if n, err := strconv.Atoi(hour); err != nil || n < 0 || n > 23 {
		return 0, "must run at one hour (0-23) of the day: a drill restores a whole database"
	}
	if month != "*" || year != "*" {
		return 0, "must run every month of every year (month and year *)"
	}
	if (dom == "?") == (dow == "?") {
		return 0, "must set exactly one of day-of-month and day-of-week to ?"
	}
	switch {
	case dom == "*" || dow == "*":
		return 1, ""
	case dom == "?" && weekdays[dow]:
		return 7, ""
	case dow == "?":
		if n, err := strconv.Atoi(dom); err == nil && n >= 1 && n <= 28 {
			return 31, ""
		}
		return 0, "must run on one day of the month, 1-28 (a later day skips the months without it)"
	}
	return 0, "must run daily, weekly on one day (day-of-week 1-7 or SUN-SAT) or monthly on one day (1-28)"
}
