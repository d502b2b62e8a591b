#!/usr/bin/env bash
# run.sh measures, in one command, the bare net/http ceiling, node
# oidc-provider and Sigil on SQLite and on PostgreSQL, and writes the results
# into docs/benchmarks.md (between its bench:begin and bench:end markers).
# The work is done by bench/driver; arguments go to it (see
# `bench/run.sh -h`), for example -d 2s for a short smoke run, -stores sqlite,
# -soak 10m, or -no-doc to print the results instead of writing them. It
# exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/driver "$@"
