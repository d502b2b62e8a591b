package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/stat and /proc/<pid>/stat: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// cpuSample is the CPU time, in seconds, used up to a moment by the whole
// machine (every non-idle state), by the server process and by the load
// generator. Two samples tell how the cores were shared during a scenario,
// and whether something else on the machine took a share. Linux only; the
// fields it cannot read stay zero.
type cpuSample struct {
	at                    time.Time
	machine, server, self float64
}

func sampleCPU(serverPID int) cpuSample {
	s := cpuSample{at: time.Now()}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
		for i, v := range f {
			if i == 0 || i == 4 || i == 5 || i > 8 {
				continue // the label, idle, iowait, and guest (already in user)
			}
			n, _ := strconv.ParseFloat(v, 64)
			s.machine += n / clockTicks
		}
	}
	if serverPID > 0 {
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(serverPID) + "/stat"); err == nil {
			// The command may contain spaces; the fields after it are fixed:
			// state is field 3, utime 14 and stime 15.
			rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
			if f := strings.Fields(rest); len(f) > 12 {
				u, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				s.server = (u + st) / clockTicks
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	return s
}

// cpuShare is how many cores, on average between two samples, the server,
// the load generator and everything else on the machine kept busy.
type cpuShare struct {
	Server float64 `json:"server_cores"`
	Load   float64 `json:"load_generator_cores"`
	Other  float64 `json:"other_cores"`
	// ServerMsPerRequest is the server's CPU time per successful request.
	ServerMsPerRequest float64 `json:"server_cpu_ms_per_request"`
}

func share(a, b cpuSample) cpuShare {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 {
		return cpuShare{}
	}
	server, self := b.server-a.server, b.self-a.self
	return cpuShare{Server: server / wall, Load: self / wall, Other: max(0, (b.machine-a.machine)-server-self) / wall}
}
