#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo-fuzz + libFuzzer, nightly) for SECONDS each, one after
# the other, each from a temporary corpus seeded with testdata/ (never committed), and prints one
# line per target: executions, crashes, timeouts, out-of-memory. Exits 1 when any target crashed,
# hung or ran out of memory; the input is kept in fuzz/artifacts/TARGET/ (reproduce with
# `cd fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/crash-…`). Every run is appended to
# fuzz/runs.tsv (not committed), whose totals per target are printed at the end.
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET…]
# env:   FUZZ_SANITIZER=none|address (default none: the code is safe Rust, and without ASan a
#        target runs 2-3x more inputs; panics, overflows (debug assertions on), hangs and memory
#        blow-ups are caught either way), FUZZ_TIMEOUT (s per input, default 10),
#        FUZZ_RSS_MB (default 2048), FUZZ_MAX_LEN (bytes per input; default libFuzzer's own: the
#        largest seed, at least 4096. A smaller bound keeps the slow targets (the cluster loaders,
#        the bundle archive, the pcap reader) on short inputs, several times the executions).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-60}
shift || true
sanitizer=${FUZZ_SANITIZER:-none}
timeout=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-2048}
max_len=${FUZZ_MAX_LEN:-}

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "scripts/fuzz.sh: no nightly toolchain (rustup toolchain list shows none): cargo-fuzz needs one; install it with: rustup toolchain install nightly" >&2
  exit 2
fi
# libfuzzer-sys compiles libFuzzer itself (C++).
if ! command -v c++ >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null
  else
    echo "scripts/fuzz.sh: no C++ compiler (libfuzzer-sys builds libFuzzer); install one with: sudo apt-get install g++" >&2
    exit 2
  fi
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (cargo install --locked cargo-fuzz)"
  cargo install --locked cargo-fuzz
fi

echo "== build (nightly, sanitizer $sanitizer, debug assertions)"
# Always fuzz/target (a CARGO_TARGET_DIR shared with stable builds would mix their flags).
(cd fuzz && env -u CARGO_TARGET_DIR cargo +nightly fuzz build -s "$sanitizer" -a)
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin_dir=$root/fuzz/target/$triple/release

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi

work=$(mktemp -d -t netdiag-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Seeds. Frames for the packet targets come from the committed captures; a real bundle (and its
# manifest) is written by netdiag itself from a scenario.
echo "== seeds"
# Built with the whole workspace's features, as `cargo test --workspace` builds them, so that after
# the tests (CI) nothing is compiled a second time (a `-p` build resolves other features and
# rebuilt the dependencies, which once filled a CI machine's disk).
target_dir=${CARGO_TARGET_DIR:-$root/target}
cargo build -q --workspace --locked --examples --bins
"$target_dir/debug/examples/fuzz_seeds" "$work/frames" testdata/pcap/*.pcap
if [ -x "$target_dir/debug/netdiag" ]; then
  "$target_dir/debug/netdiag" bundle --from testdata/scenarios/vxlan-stale-fdb \
    -o "$work/bundle.tar.gz" >/dev/null
  gzip -dc "$work/bundle.tar.gz" >"$work/bundle.tar"
  tar -xOf "$work/bundle.tar" manifest.json >"$work/manifest.json"
fi
printf 'net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 2\nnet.ipv4.conf.vxlan/calico.rp_filter = 0\nnet.ipv4.conf.cali1234.proxy_arp = 1\nnet.ipv4.conf.eth0.rp_filter = (unreadable: No such file or directory (os error 2))\nkernel.osrelease = 6.1.0-13-amd64\n' \
  >"$work/sysctl.txt"
mkdir -p "$work/flannel"
i=0
for f in testdata/scenarios/flannel-*/cluster/kube-flannel-cfg.yaml; do
  { printf '\x00'; sed -n '/net-conf.json: |/,$p' "$f" | tail -n +2; } >"$work/flannel/netconf-$i"
  i=$((i + 1))
done
printf '\x01{"VNI":1,"VtepMAC":"ae:41:b3:12:6c:01"}' >"$work/flannel/backend-data"
for f in testdata/scenarios/flannel-*/nodes/*/subnet.env; do
  { printf '\x02'; cat "$f"; } >"$work/flannel/subnet-env-$i"
  i=$((i + 1))
done

# The seed files of a target (globs that match nothing are dropped).
seeds() {
  shopt -s nullglob
  local d=testdata/iproute2 s=testdata/scenarios
  case $1 in
    packet_decode) echo "$work"/frames/* ;;
    packet_redact) echo "$work"/frames/* testdata/pcap/*.pcap ;;
    pcap_file) echo testdata/pcap/*.pcap testdata/pcap/*.pcapng ;;
    iproute2_link_text) echo $d/*/ip-link*.txt $d/*/ip-addr*.txt $s/*/nodes/*/ip-link*.txt $s/*/nodes/*/ip-addr*.txt ;;
    iproute2_link_json) echo $d/*/ip-link*.json $d/*/ip-addr*.json $s/*/nodes/*/ip-link*.json $s/*/nodes/*/ip-addr*.json ;;
    iproute2_route_text) echo $d/*/ip-route*.txt $s/*/nodes/*/ip-route*.txt ;;
    iproute2_route_json) echo $d/*/ip-route*.json $s/*/nodes/*/ip-route*.json ;;
    iproute2_neigh_text) echo $d/*/ip-neigh*.txt $s/*/nodes/*/ip-neigh*.txt ;;
    iproute2_neigh_json) echo $d/*/ip-neigh*.json $s/*/nodes/*/ip-neigh*.json ;;
    iproute2_fdb_text) echo $d/*/bridge-fdb*.txt $s/*/nodes/*/bridge-fdb*.txt ;;
    iproute2_fdb_json) echo $d/*/bridge-fdb*.json $s/*/nodes/*/bridge-fdb*.json ;;
    cluster_yaml) echo testdata/cluster/*.yaml testdata/cluster/bad/*.yaml $s/vxlan-stale-fdb/cluster/*.yaml $s/ipip-always/cluster/*.yaml ;;
    cluster_yaml_fast) echo testdata/cluster/*.yaml testdata/cluster/bad/*.yaml $s/*/cluster/*.yaml testdata/real/*/cluster/*.yaml ;;
    cluster_json) echo testdata/cluster/*.json testdata/cluster/bad/*.json ;;
    netlink) echo testdata/netlink/*.bin ;;
    netlink_route_bytes) echo testdata/netlink/routes4.bin testdata/netlink/routes6.bin ;;
    sysctl) echo "$work/sysctl.txt" ;;
    bird) echo testdata/bird/* $s/*/nodes/*/bird-*.txt ;;
    # net-conf.json (0), backend-data (1), subnet.env (2): each seed gets its selector byte.
    flannel) echo "$work"/flannel/* ;;
    bundle_archive) echo "$work"/bundle.tar "$work"/bundle.tar.gz ;;
    bundle_manifest) echo "$work"/manifest.json ;;
  esac
}

stats=fuzz/runs.tsv
failed=0
echo "== fuzz: ${#targets[@]} targets, ${secs} s each"
printf '%-22s %14s %8s %9s %5s\n' target execs crashes timeouts ooms
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  art=$work/artifacts/$t
  mkdir -p "$corpus" "$art"
  for f in $(seeds "$t"); do
    [ -f "$f" ] && cp "$f" "$corpus/$(echo "$f" | tr '/' '_')"
  done
  log=$work/$t.log
  rc=0
  started=$(date +%s)
  "$bin_dir/$t" "$corpus" -max_total_time="$secs" -timeout="$timeout" -rss_limit_mb="$rss" \
    -print_final_stats=1 -artifact_prefix="$art/" ${max_len:+-max_len="$max_len"} >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -z "$execs" ]; then
    # A crash ends the run before the final stats: the last status line's count.
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  execs=${execs:-0}
  # The seconds it really ran (a crash or an interrupt ends it before SECONDS).
  ran=$(($(date +%s) - started))
  crashes=$(find "$art" -name 'crash-*' | wc -l)
  timeouts=$(find "$art" -name 'timeout-*' | wc -l)
  ooms=$(find "$art" -name 'oom-*' | wc -l)
  printf '%-22s %14s %8s %9s %5s\n' "$t" "$execs" "$crashes" "$timeouts" "$ooms"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$ran" "$execs" "$crashes" "$timeouts" "$ooms" "${max_len:-default}" >>"$stats"
  if [ "$rc" -ne 0 ] || [ $((crashes + timeouts + ooms)) -gt 0 ]; then
    failed=1
    mkdir -p "fuzz/artifacts/$t"
    cp "$art"/* "fuzz/artifacts/$t/" 2>/dev/null || true
    echo "---- $t (exit $rc): the end of its log; inputs in fuzz/artifacts/$t/" >&2
    # The panic (or libFuzzer's verdict) and the input, without the backtrace and status lines.
    grep -E -A2 'panicked at|ERROR: libFuzzer|ALARM|out-of-memory' "$log" | head -12 >&2 || true
    grep -E '^(SUMMARY|artifact_prefix|Base64)' "$log" | tail -3 >&2 || true
  fi
done

echo "== totals over every run in $stats"
awk -F'\t' '{e[$2]+=$4; c[$2]+=$5; t[$2]+=$6; o[$2]+=$7; s[$2]+=$3}
  END {for (k in e) printf "%-22s %14d execs in %6d s, %d crashes, %d timeouts, %d ooms\n", k, e[k], s[k], c[k], t[k], o[k]}' \
  "$stats" | sort
if [ "$failed" -ne 0 ]; then
  echo "scripts/fuzz.sh: a target crashed, hung or ran out of memory (see above)" >&2
  exit 1
fi
