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
# hyperfine (Debian's package; installed here as root when missing) times every command in the
# same run; the ratios of issue 17's goals are printed from its medians.
if ! command -v hyperfine >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
fi
if ! command -v hyperfine >/dev/null 2>&1; then
  echo "scripts/bench-netns.sh: needs hyperfine (sudo apt-get install hyperfine)" >&2
  exit 2
fi
hyperfine -N --warmup 1 --runs "${RUNS:-10}" -i --export-json "$dir/times.json" \
  -n "iproute2 dump (ip -j route + ip -j neigh + bridge -j fdb)" "bash -c '$iproute'" \
  -n "netdiag show state (collect only)" "bash -c '$collect'" \
  -n "netdiag node-status, intent as YAML (collect + intent + diff)" "bash -c '$netdiag'" \
  -n "netdiag node-status, intent as JSON (collect + intent + diff)" "bash -c '$netdiag_json'"
python3 - "$dir/times.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
base = next(v for k, v in r.items() if k.startswith("iproute2"))
print(f"ratios to the iproute2 dump (medians; {base * 1000:.0f} ms):")
for name, goal in [("netdiag show state", 0.6), ("intent as YAML", 1.0), ("intent as JSON", 1.0)]:
    k, v = next((k, v) for k, v in r.items() if name in k)
    print(f"  {k:64} {v * 1000:6.0f} ms  {v / base:5.2f}  (goal <= {goal})")
PY
