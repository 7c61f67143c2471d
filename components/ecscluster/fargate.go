package ecscluster

import (
	"fmt"
	"slices"
)

// fargateSizes lists, per task CPU value (units), the memory range Fargate
// offers with it (MiB, from Min to Max in Step increments).
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
// (also https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html)
var fargateSizes = map[int]struct{ Min, Max, Step int }{
	256:   {512, 2048, 512}, // 512, 1024, 2048 — 1536 is not offered, see FargateMemory
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// FargateMemory returns the memory sizes (MiB) Fargate offers with cpu
// units, in order; nil when Fargate offers no such CPU value.
func FargateMemory(cpu int) []int {
	size, ok := fargateSizes[cpu]
	if !ok {
		return nil
	}
	if cpu == 256 {
		return []int{512, 1024, 2048}
	}
	var out []int
	for m := size.Min; m <= size.Max; m += size.Step {
		out = append(out, m)
	}
	return out
}

// fargateCPUs are the CPU values Fargate offers, in order.
func fargateCPUs() []int {
	out := make([]int, 0, len(fargateSizes))
	for cpu := range fargateSizes {
		out = append(out, cpu)
	}
	slices.Sort(out)
	return out
}

// CheckFargateCPU requires a CPU value Fargate offers.
func CheckFargateCPU(cpu int) string {
	if _, ok := fargateSizes[cpu]; !ok {
		return fmt.Sprintf("must be a Fargate task CPU value: one of %v", fargateCPUs())
	}
	return ""
}

// CheckFargateSize requires a CPU and memory pair Fargate offers.
func CheckFargateSize(cpu, memory int) string {
	if rule := CheckFargateCPU(cpu); rule != "" {
		return rule
	}
	allowed := FargateMemory(cpu)
	if slices.Contains(allowed, memory) {
		return ""
	}
	size := fargateSizes[cpu]
	if cpu == 256 {
		return fmt.Sprintf("is not offered with %d CPU units: Fargate pairs it with %v MiB", cpu, allowed)
	}
	return fmt.Sprintf("is not offered with %d CPU units: Fargate pairs it with %d to %d MiB in steps of %d", cpu, size.Min, size.Max, size.Step)
}
