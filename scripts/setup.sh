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
  # lab up --mode bgp runs real BIRD (2.x) in each node namespace
  command -v bird >/dev/null 2>&1 || need+=(bird2)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    # bird2's postinst starts a bird daemon in the host namespace: forbid service starts for the
    # install (policy-rc.d exit 101), and stop any bird that appeared anyway (not one that ran).
    before=$(pgrep -x bird || true)
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    if [ -n "$policy" ]; then rm -f "$policy"; fi
    for pid in $(pgrep -x bird || true); do
      # never a lab's BIRD (its command line names /run/netdiag/lab/…)
      if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q /run/netdiag/lab/; then continue; fi
      case " $before " in *" $pid "*) ;; *) kill "$pid" 2>/dev/null || true ;; esac
    done
  else
    echo "netdiag setup: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
    exit 2
  fi
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "netdiag setup: no Rust toolchain (cargo) found; install Rust 1.89 or newer (rustup) first" >&2
  exit 2
fi
