#!/usr/bin/env bash
# Compares the whole `netdiag node-status` on a namespace holding a 5 000-node VXLAN cluster's node
# (100 000 routes, 10 000 neighbours, 10 000 FDB entries) with iproute2 merely dumping the same
# namespace (`ip -j route`, `ip -j neigh`, `bridge -j fdb`), in one run. Needs root. Builds the
# namespace nd-bench-<pid> and removes it again, whatever happens.
#   sudo scripts/bench-netns.sh [NODES ROUTES NEIGH FDB]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo build --release --quiet -p netdiag
dir=$(mktemp -d)
ns="nd-bench-$$"
trap 'ip netns del "$ns" 2>/dev/null || true; rm -rf "$dir"' EXIT
cargo run --release --quiet -p netdiag-parsers --example synth -- "$dir" "$@"
ip netns add "$ns"
while read -r line; do
  # shellcheck disable=SC2086
  ip -n "$ns" $line
done <"$dir/setup.txt"
ip -n "$ns" -batch "$dir/ip.batch"
bridge -n "$ns" -batch "$dir/bridge.batch"
echo "namespace $ns: $(ip -n "$ns" route show table all | wc -l) routes, $(ip -n "$ns" neigh show | wc -l) neighbours, $(bridge -n "$ns" fdb show | wc -l) fdb entries"

nd="$PWD/target/release/netdiag"
iproute="ip -n $ns -j route show table all >/dev/null && ip -n $ns -j neigh show >/dev/null && bridge -n $ns -j fdb show >/dev/null"
netdiag="$nd node-status --netns $ns --from $dir --node node-0 -o json >/dev/null"
netdiag_json="$nd node-status --netns $ns --from $dir/json --node node-0 -o json >/dev/null"
collect="$nd show state --netns $ns -o json >/dev/null"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N --warmup 1 --runs 10 -i \
    -n "iproute2 dump (ip -j route + ip -j neigh + bridge -j fdb)" "bash -c '$iproute'" \
    -n "netdiag show state (collect only)" "bash -c '$collect'" \
    -n "netdiag node-status, intent as YAML (collect + intent + diff)" "bash -c '$netdiag'" \
    -n "netdiag node-status, intent as JSON (collect + intent + diff)" "bash -c '$netdiag_json'"
else
  for cmd in "$iproute" "$collect" "$netdiag" "$netdiag_json"; do
    echo "== $cmd"
    time (for _ in 1 2 3 4 5; do bash -c "$cmd" || true; done)
  done
fi
