package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	benchreport "github.com/sigil-oidc/sigil/bench/internal/report"
)

// clockTicks is USER_HZ, the unit of /proc/stat and /proc/<pid>/stat: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// cpuSample is the CPU time, in seconds, used up to a moment by the whole
// machine (every non-idle state), by the server process, by the database's
// processes and by the load generator. Two samples tell how the cores were
// shared during a scenario, and whether something else on the machine took
// a share. Linux only; the fields it cannot read stay zero.
type cpuSample struct {
	at                        time.Time
	machine, server, db, self float64
}

// sampleCPU reads the CPU times. dbPID is PostgreSQL's postmaster, or 0: its
// backends are its children, so the database's time is the postmaster's
// own, its reaped children's (cutime, cstime: backends that exited) and its
// live children's.
func sampleCPU(serverPID, dbPID int) cpuSample {
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
		if st, ok := readStat(serverPID); ok {
			s.server = st.utime + st.stime
		}
	}
	if dbPID > 0 {
		if st, ok := readStat(dbPID); ok {
			s.db = st.utime + st.stime + st.cutime + st.cstime
		}
		pids, _ := filepath.Glob("/proc/[0-9]*")
		for _, p := range pids {
			pid, _ := strconv.Atoi(filepath.Base(p))
			if st, ok := readStat(pid); ok && st.ppid == dbPID {
				s.db += st.utime + st.stime + st.cutime + st.cstime
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	return s
}

// procStat is the part of /proc/<pid>/stat the accounting needs, in seconds.
type procStat struct {
	ppid                         int
	utime, stime, cutime, cstime float64
}

// readStat reads /proc/<pid>/stat.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	return parseStat(string(b))
}

// parseStat parses the text of /proc/<pid>/stat. The command may contain
// spaces and parentheses; the fields after its last ')' are fixed: state is
// field 3, ppid 4, utime 14, stime 15, cutime 16 and cstime 17 (proc(5)).
func parseStat(text string) (procStat, bool) {
	i := strings.LastIndexByte(text, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(text[i+1:])
	if len(f) < 15 {
		return procStat{}, false
	}
	num := func(k int) float64 { n, _ := strconv.ParseFloat(f[k], 64); return n / clockTicks }
	ppid, _ := strconv.Atoi(f[1])
	return procStat{ppid: ppid, utime: num(11), stime: num(12), cutime: num(13), cstime: num(14)}, true
}

// share is how many cores, on average between two samples, each party
// kept busy.
func share(a, b cpuSample) benchreport.CPU {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 {
		return benchreport.CPU{}
	}
	server, db, self := b.server-a.server, max(0, b.db-a.db), b.self-a.self
	return benchreport.CPU{Server: server / wall, DB: db / wall, Load: self / wall,
		Other: max(0, (b.machine-a.machine)-server-db-self) / wall}
}
