// Package yamlpos puts the right line on a YAML syntax error. yaml.v3
// reports some syntax errors at the line where the enclosing mapping
// starts rather than where the file goes wrong ("line 1: did not find
// expected key" for a bad indent on line 4), which sends an operator to
// the wrong place in a config file or a domain registry.
package yamlpos

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// syntaxError matches yaml.v3's syntax errors: "yaml: line N: problem".
var syntaxError = regexp.MustCompile(`^yaml: line (\d+): (.+)$`)

// Locate returns err with the line at which data stops being valid YAML
// when err is a yaml.v3 syntax error about data, and err itself otherwise.
//
// The line is found by parsing ever longer prefixes of data (a binary
// search over whole lines): the first prefix that fails with the same
// problem ends at the line at fault. The search starts at the line yaml.v3
// named, since that is where the enclosing block starts and the fault is
// never before it.
func Locate(data []byte, err error) error {
	if err == nil {
		return nil
	}
	m := syntaxError.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	reported, _ := strconv.Atoi(m[1])
	problem := m[2]
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(n int) bool {
		e := yaml.Unmarshal(bytes.Join(lines[:n], nil), new(yaml.Node))
		if e == nil {
			return false
		}
		em := syntaxError.FindStringSubmatch(e.Error())
		return em != nil && em[2] == problem
	}
	lo, hi := max(reported, 1), len(lines)
	if lo > hi || !fails(hi) {
		return err
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo == reported {
		return err
	}
	return &Error{Line: lo, Problem: problem, err: err}
}

// Error is a YAML syntax error with its corrected line.
type Error struct {
	Line    int
	Problem string
	err     error
}

// Error reads as yaml.v3's own errors do, with the corrected line.
func (e *Error) Error() string { return fmt.Sprintf("yaml: line %d: %s", e.Line, e.Problem) }

// Unwrap returns yaml.v3's original error.
func (e *Error) Unwrap() error { return e.err }
