// Command throwaway-postgres starts a PostgreSQL server for tests to share,
// as package pgtest starts one per test binary, and stops it again:
//
//	eval "$(go run ./internal/pgtest/cmd/throwaway-postgres start)"
//	export SIGIL_TEST_POSTGRES   # the tests use this server
//	go run ./internal/pgtest/cmd/throwaway-postgres stop "$SIGIL_TEST_POSTGRES_DIR"
//
// start prints SIGIL_TEST_POSTGRES (the base DSN), SIGIL_TEST_POSTGRES_PID
// and SIGIL_TEST_POSTGRES_DIR as shell assignments; stop reads the PID from
// the directory, shuts the server down and removes the directory.
//
// start -durable keeps PostgreSQL's durable defaults, as bench/run.sh runs
// it, for measuring by hand what the benchmark measures; start -c name=value
// (repeatable) adds a server setting, for example
// -c shared_preload_libraries=pg_stat_statements.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sigil-oidc/sigil/internal/pgtest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "throwaway-postgres:", err)
		os.Exit(1)
	}
}

// settings collects repeated -c flags.
type settings []string

func (s *settings) String() string     { return fmt.Sprint(*s) }
func (s *settings) Set(v string) error { *s = append(*s, v); return nil }

const usage = "usage: throwaway-postgres start [-durable] [-c name=value ...] | throwaway-postgres stop DIR"

func run(args []string) error {
	switch {
	case len(args) >= 1 && args[0] == "start":
		opts := pgtest.StartOptions{Detach: true}
		fs := flag.NewFlagSet("start", flag.ContinueOnError)
		fs.BoolVar(&opts.Durable, "durable", false, "keep fsync, synchronous_commit and full_page_writes on")
		fs.Var((*settings)(&opts.Settings), "c", "a server setting name=value (repeatable)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("%s", usage)
		}
		s, err := pgtest.StartServer(opts)
		if err != nil {
			return err
		}
		fmt.Printf("SIGIL_TEST_POSTGRES=%s\nSIGIL_TEST_POSTGRES_PID=%d\nSIGIL_TEST_POSTGRES_DIR=%s\n", s.DSN("postgres"), s.PID, s.Dir)
		return nil
	case len(args) == 2 && args[0] == "stop":
		return pgtest.StopDir(args[1])
	default:
		return fmt.Errorf("%s", usage)
	}
}
