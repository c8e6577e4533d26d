#!/usr/bin/env bash
# Decoding a capture: netdiag against `tcpdump -nr` (which does less: no names, no checks) and
# `cat` (the cost of reading the file), in one run, on the same synthetic file of COUNT packets
# (default 2 000 000: a VXLAN/IPIP/direct mix shaped like the lab cluster, one odd packet in a
# thousand; written by parsers/examples/pcapgen.rs). Prints wall time and peak RSS of each.
#   scripts/bench-capture.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
count="${1:-2000000}"
[ -x /usr/bin/time ] || { echo "bench-capture: needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet -p netdiag -p netdiag-parsers --bins --examples
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file="$dir/bench.pcap"
target/release/examples/pcapgen "$file" "$count"
echo "file: $count packets, $(du -h "$file" | cut -f1)"
cat "$file" >/dev/null # page cache warm for everybody
nd="$PWD/target/release/netdiag"
intent="testdata/pcap/lab"
run() {
  local name="$1"
  shift
  /usr/bin/time -f "%e s  %M KB peak RSS  $name" "$@" >/dev/null 2>"$dir/err" || true
  tail -n 1 "$dir/err"
}
for _ in 1 2 3; do
  run "cat FILE" cat "$file"
  run "tcpdump -nr FILE" tcpdump -nr "$file"
  run "netdiag capture -r FILE --from lab (text lines)" "$nd" capture -r "$file" --from "$intent"
  run "netdiag capture -r FILE --from lab --stats" "$nd" capture -r "$file" --from "$intent" --stats
  run "netdiag capture -r FILE --from lab -o json" "$nd" capture -r "$file" --from "$intent" -o json
done
