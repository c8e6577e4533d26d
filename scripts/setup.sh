#!/usr/bin/env bash
# Installs what netdiag's build, demo and tests need on a fresh Debian machine, only when missing.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run twice.
set -euo pipefail

need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v bridge >/dev/null 2>&1 || need+=(iproute2)
command -v cc >/dev/null 2>&1 || need+=(gcc)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# netdiag capture links libpcap; its tests cross-check the decode against tcpdump.
[ -e /usr/include/pcap/pcap.h ] || [ -e /usr/include/pcap.h ] || need+=(libpcap-dev)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
# netdiag lab (root only): ping inside pods, nft for `lab break blocked-vxlan`.
if [ "$(id -u)" -eq 0 ]; then
  command -v ping >/dev/null 2>&1 || need+=(iputils-ping)
  command -v nft >/dev/null 2>&1 || need+=(nftables)
  # the tui smoke test drives the real binary in a terminal
  command -v tmux >/dev/null 2>&1 || need+=(tmux)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "netdiag setup: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
    exit 2
  fi
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "netdiag setup: no Rust toolchain (cargo) found; install Rust 1.89 or newer (rustup) first" >&2
  exit 2
fi
