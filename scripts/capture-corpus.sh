#!/usr/bin/env bash
# `netdiag capture -r` over every capture of a fetched corpus nobody here wrote — e.g. tcpdump's
# tests folder (hundreds of odd and malformed pcaps and pcapngs; BSD licence, not committed here:
#   git clone --depth 1 https://github.com/the-tcpdump-group/tcpdump /tmp/tcpdump
#   scripts/capture-corpus.sh /tmp/tcpdump/tests
# ). Each file is read three ways (`-v`, `-o json`, `--stats`), under a memory limit and a
# deadline, output to /dev/null. Reported: panics, hangs, crashes (signals), errors that are not one
# `netdiag: …` line naming the file, files netdiag refuses, and of those the ones tcpdump reads
# (libpcap accepts them). Peak RSS over all runs is printed when /usr/bin/time exists.
# Exit 1 on any panic, hang, crash or malformed error.
#
# usage: scripts/capture-corpus.sh DIR [SECONDS (default 20)] [ADDRESS_SPACE_MB (default 1024)]
# env:   NETDIAG=path/to/netdiag (default: a debug build of this checkout, so overflows panic)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/capture-corpus.sh DIR [SECONDS] [ADDRESS_SPACE_MB]}
secs=${2:-20}
as_mb=${3:-1024}
if [ -z "${NETDIAG:-}" ]; then
  cargo build -q -p netdiag --bin netdiag
  NETDIAG=${CARGO_TARGET_DIR:-$PWD/target}/debug/netdiag
fi
work=$(mktemp -d -t netdiag-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%M' -o "$work/rss")
mapfile -t files < <(find "$dir" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
[ ${#files[@]} -gt 0 ] || { echo "no *.pcap, *.pcapng or *.cap below $dir" >&2; exit 2; }

runs=0 ok=0 refused=0 panics=0 hangs=0 crashes=0 badmsg=0 peak=0
declare -A refused_files=()
problems=()
for f in "${files[@]}"; do
  for mode in "-v" "-o json" "--stats"; do
    runs=$((runs + 1))
    rc=0
    rm -f "$work/rss"
    # shellcheck disable=SC2086 # $mode is two words on purpose
    timeout -k 2 "$secs" "${timer[@]}" prlimit --as=$((as_mb << 20)) -- \
      "$NETDIAG" capture -r "$f" $mode >/dev/null 2>"$work/err" || rc=$?
    if [ ${#timer[@]} -gt 0 ] && [ -s "$work/rss" ]; then
      rss=$(tail -1 "$work/rss")
      [[ $rss =~ ^[0-9]+$ ]] && [ "$rss" -gt "$peak" ] && peak=$rss
    fi
    err=$(cat "$work/err")
    if grep -q 'panicked' "$work/err"; then
      panics=$((panics + 1)); problems+=("panic  $mode $f: $(grep -m1 panicked "$work/err")")
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      hangs=$((hangs + 1)); problems+=("hang   $mode $f (over ${secs} s)")
    elif [ "$rc" -gt 128 ]; then
      crashes=$((crashes + 1)); problems+=("signal $((rc - 128)) $mode $f: ${err:0:200}")
    elif [ "$rc" -eq 0 ]; then
      ok=$((ok + 1))
    elif [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] \
      && [[ $err == netdiag:* ]] && [[ $err == *"$(basename "$f")"* ]]; then
      refused=$((refused + 1)); refused_files[$f]=$err
    else
      badmsg=$((badmsg + 1)); problems+=("error  (exit $rc) $mode $f: ${err:0:300}")
    fi
  done
done

# Refused files that tcpdump (libpcap) reads to the end.
both=0 only=()
for f in "${!refused_files[@]}"; do
  if command -v tcpdump >/dev/null 2>&1 && ! timeout "$secs" tcpdump -nr "$f" >/dev/null 2>&1; then
    both=$((both + 1))
  else
    only+=("$f: ${refused_files[$f]}")
  fi
done

echo "files ${#files[@]}, runs $runs: ok $ok, refused $refused (${#refused_files[@]} files; $both also refused by tcpdump), panics $panics, hangs $hangs, crashes $crashes, malformed errors $badmsg"
[ "$peak" -gt 0 ] && echo "peak RSS of any run: $((peak / 1024)) MB (limit: ${as_mb} MB of address space, ${secs} s)"
if [ ${#only[@]} -gt 0 ]; then
  echo "refused by netdiag, read by tcpdump (files per reason; the file name taken out of the message):"
  for e in "${only[@]}"; do
    f=${e%%: netdiag: *}
    printf '%s\n' "${e#*: netdiag: "$f": }"
  done | sed 's/ (Ethernet, Linux SLL.*//' | sort | uniq -c | sort -rn | sed 's/^/  /'
fi
if [ ${#problems[@]} -gt 0 ]; then
  echo "problems:"
  printf '  %s\n' "${problems[@]}"
  exit 1
fi
