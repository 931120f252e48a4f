// Package procstat reads what benchmarks report about a process from
// Linux's /proc.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSSMiB returns the peak resident set size (VmHWM) of process pid in
// MiB; pid 0 is this process. It is 0 where /proc cannot tell.
func PeakRSSMiB(pid int) float64 {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}
