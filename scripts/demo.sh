#!/usr/bin/env bash
# The main job on its embedded default: as root, bring up the default lab (a 4-node VXLAN
# CrossSubnet cluster in network namespaces), check worker, break its FDB entry for worker3, check
# again, heal, watch its VXLAN traffic with `capture`, and remove the lab (also when something fails on the way); then node-status on two
# bundled example nodes (a healthy one and one with a stale FDB entry) and a bundled capture decoded.
# Without root, only the latter.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo build --release --quiet
nd=target/release/netdiag
examples() {
  for s in vxlan-crosssubnet-healthy vxlan-stale-fdb; do
    echo "\$ netdiag node-status --from testdata/scenarios/$s"
    "$nd" node-status --from "testdata/scenarios/$s" || true
    echo
  done
  echo "\$ netdiag capture -r testdata/pcap/mix.pcap --from testdata/pcap/lab"
  "$nd" capture -r testdata/pcap/mix.pcap --from testdata/pcap/lab || true
  echo
}

if [ "$(id -u)" -ne 0 ]; then
  echo "(not root: showing the bundled example nodes; run as root for the live lab)"
  examples
  exit 0
fi
lab=demo
trap '"$nd" lab down --name "$lab" >/dev/null 2>&1 || true' EXIT
run() { echo "\$ netdiag $*"; "$nd" "$@" || true; echo; }
"$nd" lab down --name "$lab" >/dev/null 2>&1 || true
run lab up --name "$lab"
run node-status --lab "$lab" --node worker
run lab break stale-fdb --name "$lab" --node worker --peer worker3
run lab exec --name "$lab" worker-p1 -- ping -c1 -W1 192.168.4.1
run node-status --lab "$lab" --node worker
# The pod-to-pod path hop by hop: where the packet is lost, and a probe that proves it.
run trace --lab "$lab" worker-p1 worker3-p1 --probe
run lab heal --name "$lab"
run trace --lab "$lab" worker-p1 worker3-p1 --probe
run node-status --lab "$lab" --node worker
# Watch the tunnel: capture on worker's underlay while a pod pings one on the other subnet.
echo "\$ netdiag capture --lab $lab --node worker -c 4 --duration 5   (while worker-p1 pings worker3-p1)"
"$nd" capture --lab "$lab" --node worker -c 4 --duration 5 &
cap=$!
sleep 1
"$nd" lab exec --name "$lab" worker-p1 -- ping -c2 -W1 192.168.4.1 >/dev/null || true
wait "$cap" || true
echo
run lab down --name "$lab"
examples
