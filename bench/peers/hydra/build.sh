#!/usr/bin/env bash
# build.sh OUT builds Ory Hydra v2.3.0 (the server behind the hosted Login
# with Unstoppable) from the Go module proxy into the executable OUT, for
# bench/driver to measure on PostgreSQL.
#
# Hydra is a program, not a library: its go.mod replaces gobuffalo/pop with
# Ory's fork, which only a build inside its own module applies. So the
# module's source is copied out of the module cache and built there. Its
# one other replacement points at a nested module (the generated admin
# client) that the module's archive leaves out; the published module of the
# same client stands in for it.
set -euo pipefail
out=$(realpath -m "$1")
version=v2.3.0
src=$(go mod download -json "github.com/ory/hydra/v2@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$src" ] || { echo "build.sh: go mod download found no source for hydra $version" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/." "$work"
chmod -R u+w "$work"
cd "$work"
sed -i '/^replace github.com\/ory\/hydra-client-go\/v2 => /d' go.mod
GOFLAGS=-mod=mod go build -trimpath -o "$out" .
