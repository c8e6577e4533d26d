#!/usr/bin/env bash
# The main job on its embedded default: build netdiag and run node-status on bundled example nodes,
# a healthy VXLAN CrossSubnet node and one with a stale FDB entry.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo build --release --quiet
nd=target/release/netdiag
for s in vxlan-crosssubnet-healthy vxlan-stale-fdb; do
  echo "\$ netdiag node-status --from testdata/scenarios/$s"
  "$nd" node-status --from "testdata/scenarios/$s" || true
  echo
done
