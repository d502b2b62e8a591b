#!/usr/bin/env bash
# run.sh builds sigil and the load generator, starts `sigil serve` on free
# loopback ports with a fresh data dir and a one-domain registry, runs every
# scenario of bench/load against it, prints the server's peak RSS, and stops
# and cleans up. Extra arguments go to bench/load (for example -d 5s or
# -json). It exits non-zero if anything failed.
set -euo pipefail

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/sigil-bench.XXXXXX")
pid=""
cleanup() {
	if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "building sigil and bench/load..." >&2
go build -o "$work/sigil" ./cmd/sigil
go build -o "$work/load" ./bench/load

# Two free loopback ports: bind port 0, read what the kernel gave.
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
public="127.0.0.1:$(freeport)"
admin="127.0.0.1:$(freeport)"
token="bench-admin-token-0123456789abcdef"
domain="bench.crypto"
read -r key address < <("$work/load" -genkey)
cat >"$work/domains.yaml" <<YAML
domains:
  $domain:
    owner: "$address"
YAML

"$work/sigil" serve --issuer "http://$public" --public-addr "$public" --admin-addr "$admin" \
	--data-dir "$work/data" --admin-token "$token" --domains "$work/domains.yaml" \
	>"$work/sigil.log" 2>&1 &
pid=$!

for i in $(seq 200); do
	if curl -fsS "http://$public/health/alive" >/dev/null 2>&1; then break; fi
	if ! kill -0 "$pid" 2>/dev/null || [[ $i == 200 ]]; then
		echo "sigil did not start:" >&2
		cat "$work/sigil.log" >&2
		exit 1
	fi
	sleep 0.1
done

status=0
"$work/load" -issuer "http://$public" -admin "http://$admin" -admin-token "$token" \
	-key "$key" -domain "$domain" -server-pid "$pid" "$@" || status=$?

if ! kill -0 "$pid" 2>/dev/null; then
	echo "sigil exited during the run:" >&2
	tail -n 50 "$work/sigil.log" >&2
	exit 1
fi
echo
echo "sigil peak RSS (VmHWM): $(awk '/^VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$pid/status")"
if [[ $status != 0 ]]; then
	echo "bench/load failed (exit $status); last lines of the sigil log:" >&2
	tail -n 20 "$work/sigil.log" >&2
fi
exit $status
