#!/usr/bin/env bash
# Builds the node under test of each Flannel scenario in throwaway namespaces (nd-scn-fl-*: the
# host namespace is never touched), programs what flanneld's vxlan backend programs (flannel
# pkg/backend/vxlan: flannel.1 VNI 1 dstport 8472 nolearning, MTU eth0 - 50, <lease>.0/32 on it;
# per peer: neighbour <peer lease>.0 lladdr VtepMAC permanent, FDB VtepMAC dst <public-ip>, route
# <peer lease> via <peer lease>.0 dev flannel.1 onlink) plus the flannel CNI's cni0 bridge and one
# pod, breaks it as the scenario says, and writes real `ip`/`bridge` output to
# ../flannel-<scenario>/nodes/worker/. Run as root: testdata/scenarios/flannel/generate.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
N=nd-scn-fl-node P=nd-scn-fl-peer Q=nd-scn-fl-pod
cleanup() { for ns in $N $P $Q; do ip netns del $ns 2>/dev/null || true; done; }
trap cleanup EXIT

# name local-ip lease vtep-mac public-ip
peers=(
  "control-plane 10.244.0.0/24 ae:41:b3:12:6c:01 10.10.10.10"
  "worker2 10.244.2.0/24 ae:41:b3:12:6c:03 10.10.10.12"
  "worker3 10.244.3.0/24 ae:41:b3:12:6c:04 10.10.20.13"
)

build() { # scenario
  local s=$1 vni=1 port=8472 learn=nolearning mtu=1450 cni=10.244.1.1/24 direct=no canal=no
  case $s in
    directrouting*) direct=yes ;;
    canal*) canal=yes ;;
    wrong-vni) vni=7 ;;            # device made with another VNI (named flannel.1 still)
    wrong-port) port=4789 ;;
    learning-on) learn=learning ;;
    mtu) mtu=1400 ;;
    cni0-mismatch) cni=10.244.9.1/24 ;;
  esac
  cleanup
  ip netns add $N; ip netns add $P; ip netns add $Q
  ip -n $N link add eth0 address 02:00:0a:0a:0a:0b type veth peer name up0 address 02:00:0a:0a:0a:01 netns $P
  ip -n $N link set lo up
  ip -n $N addr add 10.10.10.11/24 dev eth0
  ip -n $N link set eth0 up; ip -n $P link set up0 up
  ip -n $N route add default via 10.10.10.1 dev eth0
  local local=10.10.10.11 addr=10.244.1.0/32
  [[ $s == local-mismatch ]] && { ip -n $N addr add 10.10.10.51/24 dev eth0; local=10.10.10.51; }
  [[ $s == addr-mismatch ]] && addr=10.244.9.0/32
  if [[ $s != device-missing ]]; then
  ip -n $N link add flannel.1 address ae:41:b3:12:6c:02 type vxlan id $vni local $local dev eth0 dstport $port $learn
  ip -n $N link set flannel.1 mtu $mtu
  ip -n $N addr add $addr dev flannel.1
  ip -n $N link set flannel.1 up
  fi
  if [[ $canal == yes ]]; then
    # Canal: Calico's CNI (host-local IPAM on the podCIDR), a cali* veth with Calico's host MAC
    # and a /32 route, no cni0.
    ip -n $N link add cali1f2e3d4c5b6 address ee:ee:ee:ee:ee:ee type veth peer name eth0 address 0a:58:0a:f4:01:05 netns $Q
    ip -n $N link set cali1f2e3d4c5b6 mtu 1450 up
    ip -n $Q addr add 10.244.1.5/32 dev eth0; ip -n $Q link set eth0 mtu 1450 up
    ip -n $N route add 10.244.1.5/32 dev cali1f2e3d4c5b6 scope link
  else
    # The bridge plugin's MACs are 0a:58 + the IPv4 address (containernetworking `hwaddr`).
    ip -n $N link add cni0 address 0a:58:0a:f4:01:01 type bridge
    ip -n $N link set cni0 mtu 1450
    ip -n $N addr add $cni dev cni0
    ip -n $N link set cni0 up
    ip -n $N link add veth3b1c2d4e address 6a:99:c5:61:e9:fc type veth peer name eth0 address 0a:58:0a:f4:01:05 netns $Q
    ip -n $N link set veth3b1c2d4e mtu 1450 master cni0 up
    ip -n $Q addr add 10.244.1.5/24 dev eth0; ip -n $Q link set eth0 mtu 1450 up
  fi
  peers_now=("${peers[@]}")
  [[ $s == device-missing ]] && peers_now=()
  [[ $s == peer-no-lease ]] && peers_now=("${peers[@]:0:2}")
  for p in "${peers_now[@]}"; do
    set -- $p
    local name=$1 lease=$2 mac=$3 pub=$4 vtep=${2%/*}
    if [[ $direct == yes && $pub == 10.10.10.* ]]; then
      # DirectRouting to a peer on eth0's subnet: `<lease> via <public-ip>`, nothing on flannel.1.
      if [[ $s == directrouting-tunnel ]]; then
        # What a flanneld started before DirectRouting was set programmed, and kept.
        ip -n $N route add $lease via $vtep dev flannel.1 onlink
        ip -n $N neigh add $vtep lladdr $mac dev flannel.1 nud permanent
        bridge -n $N fdb append $mac dev flannel.1 dst $pub self permanent
      else
        ip -n $N route add $lease via $pub
      fi
      continue
    fi
    [[ $s == missing-route && $name == worker3 ]] || \
      ip -n $N route add $lease via $vtep dev flannel.1 onlink
    local nmac=$mac
    [[ $s == neigh-wrong-mac && $name == worker3 ]] && nmac=ae:41:b3:12:6c:99
    [[ $s == missing-neigh && $name == worker3 ]] || \
      ip -n $N neigh add $vtep lladdr $nmac dev flannel.1 nud permanent
    local dst=$pub
    [[ $s == *stale-fdb && $name == worker3 ]] && dst=10.10.20.99
    [[ $s == missing-fdb && $name == worker3 ]] || \
      bridge -n $N fdb append $mac dev flannel.1 dst $dst self permanent
  done
  if [[ $s == stale-entry ]]; then
    # A node deleted from the cluster (10.244.5.0/24, once 10.10.10.15): its neighbour and FDB
    # entry stayed (flanneld was down when the lease went).
    ip -n $N neigh add 10.244.5.0 lladdr ae:41:b3:12:6c:05 dev flannel.1 nud permanent
    bridge -n $N fdb append ae:41:b3:12:6c:05 dev flannel.1 dst 10.10.10.15 self permanent
  fi
  # Down after the fact: the kernel drops the routes and neighbours on it, the FDB stays.
  [[ $s == device-down ]] && ip -n $N link set flannel.1 down
  local out=$here/../flannel-$s/nodes/worker
  mkdir -p "$out"
  ip -n $N -d link show > "$out/ip-link.txt"
  ip -n $N addr show > "$out/ip-addr.txt"
  ip -n $N -d route show table all > "$out/ip-route.txt"
  ip -n $N neigh show > "$out/ip-neigh.txt"
  bridge -n $N fdb show > "$out/bridge-fdb.txt"
  local envmtu=1450 envsub=10.244.1.1/24
  [[ $s == subnet-env-stale ]] && envsub=10.244.7.1/24
  printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=%s\nFLANNEL_MTU=%s\nFLANNEL_IPMASQ=true\n' $envsub $envmtu > "$out/subnet.env"
}

for s in device-missing device-down addr-mismatch local-mismatch neigh-wrong-mac stale-entry peer-no-lease mac-mismatch lease-outside-network backend-host-gw healthy directrouting directrouting-tunnel canal-healthy canal-stale-fdb stale-fdb missing-fdb missing-neigh missing-route wrong-vni wrong-port learning-on mtu cni0-mismatch subnet-env-stale; do
  build $s
  echo "flannel-$s"
done
# Intent-only faults share a healthy node's dumps.
mkdir -p "$here/../flannel-canal-iface-mismatch/nodes/worker"
cp "$here"/../flannel-canal-healthy/nodes/worker/* "$here/../flannel-canal-iface-mismatch/nodes/worker/"
echo flannel-canal-iface-mismatch
