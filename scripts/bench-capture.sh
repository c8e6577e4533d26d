#!/usr/bin/env bash
# Decoding a capture: netdiag against `tcpdump -nr` (which does less: no names, no checks), the
# same with `TZ=UTC` (without it tcpdump stats /etc/localtime for every packet, half its time),
# and `cat` (the cost of reading the file), in one run, on the same synthetic file of COUNT
# packets (default 2 000 000: a VXLAN/IPIP/direct mix shaped like the lab cluster, one odd packet
# in a thousand; written by parsers/examples/pcapgen.rs). Prints wall time and peak RSS of each,
# then the ratios the goals are stated in, from the medians of the three runs.
#   scripts/bench-capture.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
count="${1:-2000000}"
[ -x /usr/bin/time ] || { echo "bench-capture: needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet -p netdiag -p netdiag-parsers --bins --examples
target="${CARGO_TARGET_DIR:-$PWD/target}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file="$dir/bench.pcap"
"$target/release/examples/pcapgen" "$file" "$count"
echo "file: $count packets, $(du -h "$file" | cut -f1)"
cat "$file" >/dev/null # page cache warm for everybody
nd="$target/release/netdiag"
intent="testdata/pcap/lab"
declare -A times
run() {
  local key="$1" name="$2"
  shift 2
  /usr/bin/time -f "%e s  %M KB peak RSS  $name" "$@" >/dev/null 2>"$dir/err" || true
  tail -n 1 "$dir/err"
  times[$key]+="$(tail -n 1 "$dir/err" | cut -d' ' -f1) "
}
for _ in 1 2 3; do
  run cat "cat FILE" cat "$file"
  run tcpdump "tcpdump -nr FILE" tcpdump -nr "$file"
  run tcpdump_utc "TZ=UTC tcpdump -nr FILE" env TZ=UTC tcpdump -nr "$file"
  run text "netdiag capture -r FILE --from lab (text lines)" "$nd" capture -r "$file" --from "$intent"
  run stats "netdiag capture -r FILE --from lab --stats" "$nd" capture -r "$file" --from "$intent" --stats
  run json "netdiag capture -r FILE --from lab -o json" "$nd" capture -r "$file" --from "$intent" -o json
done
# The goals, from the medians of this run: text lines at most a tenth of the TZ=UTC tcpdump, JSON
# lines at most a quarter, --stats at most 5× cat; beside them the ratios against plain tcpdump.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | sed -n 2p; }
cat_s=$(median "${times[cat]}")
awk -v c="$cat_s" -v t="$(median "${times[tcpdump]}")" -v u="$(median "${times[tcpdump_utc]}")" \
  -v x="$(median "${times[text]}")" -v j="$(median "${times[json]}")" \
  -v s="$(median "${times[stats]}")" 'BEGIN {
    printf "medians: cat %.2f s, tcpdump %.2f s, TZ=UTC tcpdump %.2f s, text %.2f s, json %.2f s, --stats %.2f s\n", c, t, u, x, j, s
    printf "text lines: %.3f of TZ=UTC tcpdump'"'"'s time (goal <= 0.1); %.3f of plain tcpdump'"'"'s\n", x / u, x / t
    printf "JSON lines: %.3f of TZ=UTC tcpdump'"'"'s time (goal <= 0.25); %.3f of plain tcpdump'"'"'s\n", j / u, j / t
    printf "--stats: %.1fx cat (goal <= 5x)\n", s / (c > 0 ? c : 0.01)
  }'
