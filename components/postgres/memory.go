package postgres

import (
	"strings"
)

// sizeGiB is the memory of the general-purpose and burstable classes by
// size (db.t4g, db.m7g, db.m6i, …); memory-optimized classes (db.r*)
// have twice as much. Unknown sizes have no entry.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html
var sizeGiB = map[string]float64{
	"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32,
	"4xlarge": 64, "8xlarge": 128, "12xlarge": 192, "16xlarge": 256, "24xlarge": 384,
}

// InstanceMemoryGiB returns the memory of an instance class and whether
// the class is one this table knows.
func InstanceMemoryGiB(class string) (float64, bool) {
	parts := strings.Split(class, ".")
	if len(parts) != 3 {
		return 0, false
	}
	gib, ok := sizeGiB[parts[2]]
	if !ok {
		return 0, false
	}
	switch {
	case strings.HasPrefix(parts[1], "r"), strings.HasPrefix(parts[1], "x"):
		return 2 * gib, true
	case strings.HasPrefix(parts[1], "t"), strings.HasPrefix(parts[1], "m"):
		return gib, true
	}
	return 0, false
}

// MaxConnections is RDS for PostgreSQL's default max_connections for a
// memory size: LEAST(DBInstanceClassMemory/9531392, 5000).
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections
func MaxConnections(memoryGiB float64) int {
	n := int(memoryGiB * (1 << 30) / 9531392)
	return min(n, 5000)
}
