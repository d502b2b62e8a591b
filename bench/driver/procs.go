package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a server the driver started and must stop.
type proc struct {
	name string
	cmd  *exec.Cmd
	// log receives its stdout and stderr.
	log  *os.File
	done chan struct{}
	// stopSignal asks it to stop: SIGTERM (sigil and node shut down
	// cleanly on it, and unlike SIGINT it is not ignored in a process
	// started in the background by a shell), SIGINT for PostgreSQL (its
	// "fast" shutdown; SIGTERM would wait for clients).
	stopSignal syscall.Signal
}

// procs are every process started, so that the driver stops them all on
// the way out, whatever happened.
var (
	procsMu sync.Mutex
	procs   []*proc
)

// startProc starts cmd with its output going to logPath. With readyLine,
// it waits (up to timeout) for a line of stdout starting with that prefix
// and returns the rest of that line.
func startProc(name string, cmd *exec.Cmd, logPath, readyLine string, timeout time.Duration) (*proc, string, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, "", err
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// If the driver dies, its servers die too (Linux), and a terminal's
	// Ctrl-C reaches only the driver, which stops them in order.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr.Setpgid = true
	cmd.Stderr = logFile
	var stdout io.ReadCloser
	if readyLine != "" {
		if stdout, err = cmd.StdoutPipe(); err != nil {
			logFile.Close()
			return nil, "", err
		}
	} else {
		cmd.Stdout = logFile
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, "", fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logFile, done: make(chan struct{}), stopSignal: syscall.SIGTERM}
	procsMu.Lock()
	procs = append(procs, p)
	procsMu.Unlock()
	readyc := make(chan string, 1)
	if stdout != nil {
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				line := sc.Text()
				fmt.Fprintln(logFile, line)
				if rest, ok := strings.CutPrefix(line, readyLine); ok {
					select {
					case readyc <- strings.TrimSpace(rest):
					default:
					}
				}
			}
		}()
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	if stdout == nil {
		return p, "", nil
	}
	select {
	case rest := <-readyc:
		return p, rest, nil
	case <-p.done:
		return p, "", fmt.Errorf("%s exited at start:\n%s", name, tail(logPath, 20))
	case <-time.After(timeout):
		p.stop()
		return p, "", fmt.Errorf("%s was not ready within %s:\n%s", name, timeout, tail(logPath, 20))
	}
}

// pid is the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// alive reports whether the process is still running.
func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends stopSignal by PID, then SIGKILL after 15 seconds, and waits.
func (p *proc) stop() {
	if p.alive() {
		_ = p.cmd.Process.Signal(p.stopSignal)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	p.log.Close()
}

// stopAll stops every process still running, the last started first.
func stopAll() {
	procsMu.Lock()
	defer procsMu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].stop()
	}
	procs = nil
}

// waitHTTP polls url until it answers 200, the process exits, or timeout.
func waitHTTP(ctx context.Context, p *proc, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !p.alive() {
			return fmt.Errorf("%s exited at start:\n%s", p.name, tail(p.log.Name(), 30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s within %s:\n%s", p.name, url, timeout, tail(p.log.Name(), 30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// statusMiB reads a memory field (VmRSS, VmHWM) of /proc/<pid>/status, in
// MiB.
func statusMiB(pid int, field string) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	return parseStatusKiB(string(b), field)
}

// parseStatusKiB finds "field:  N kB" in the text of /proc/<pid>/status and
// returns N in MiB.
func parseStatusKiB(text, field string) (float64, error) {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				n, err := strconv.ParseFloat(f[0], 64)
				return n / 1024, err
			}
		}
	}
	return 0, fmt.Errorf("/proc status has no %s", field)
}

// openFDs lists the targets of the process's open file descriptors.
func openFDs(pid int) ([]string, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err == nil {
			out = append(out, link)
		}
	}
	return out, nil
}

// tcpConnsTo counts the established TCP connections among the socket
// inodes given whose remote port is port, reading /proc/net/tcp and tcp6:
// a process's connections to its database server.
func tcpConnsTo(inodes map[string]bool, port int) int {
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n += countTCP(string(b), inodes, port)
	}
	return n
}

// countTCP counts the lines of a /proc/net/tcp table in state 01
// (ESTABLISHED) whose remote port is port and inode is in inodes.
func countTCP(table string, inodes map[string]bool, port int) int {
	n := 0
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		if len(f) < 10 || f[3] != "01" {
			continue
		}
		_, remPort, ok := strings.Cut(f[2], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseInt(remPort, 16, 32)
		if err != nil || int(p) != port || !inodes[f[9]] {
			continue
		}
		n++
	}
	return n
}

// socketInodes returns the inodes of the sockets among fd targets
// ("socket:[12345]").
func socketInodes(targets []string) map[string]bool {
	out := map[string]bool{}
	for _, t := range targets {
		if s, ok := strings.CutPrefix(t, "socket:["); ok {
			out[strings.TrimSuffix(s, "]")] = true
		}
	}
	return out
}
