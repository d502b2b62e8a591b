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
package main

import (
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

func run(args []string) error {
	switch {
	case len(args) == 1 && args[0] == "start":
		s, err := pgtest.StartServer(pgtest.StartOptions{Detach: true})
		if err != nil {
			return err
		}
		fmt.Printf("SIGIL_TEST_POSTGRES=%s\nSIGIL_TEST_POSTGRES_PID=%d\nSIGIL_TEST_POSTGRES_DIR=%s\n", s.DSN("postgres"), s.PID, s.Dir)
		return nil
	case len(args) == 2 && args[0] == "stop":
		return pgtest.StopDir(args[1])
	default:
		return fmt.Errorf("usage: throwaway-postgres start | throwaway-postgres stop DIR")
	}
}
