#!/usr/bin/env bash
# Builds node `worker` of a dual-stack VXLAN CrossSubnet cluster in a throwaway namespace, exactly as
# Felix programs it (IPv4: vxlan.calico, IPv6: vxlan-v6.calico; §1–2 of calico-expected-state.md),
# and dumps it into nodes/worker/. Run as root from this directory; removes its namespaces on exit.
set -euo pipefail
ns=nd-scn-dual-$$
peer=nd-scn-dualp-$$
trap 'ip netns del "$ns" 2>/dev/null || true; ip netns del "$peer" 2>/dev/null || true' EXIT
ip netns add "$ns"; ip netns add "$peer"
for n in "$ns" "$peer"; do
  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
n() { ip -n "$ns" "$@"; }
n link set lo up
n link add eth0 address 52:54:00:0a:0a:0b type veth peer name eth0 netns "$peer"
ip -n "$peer" link set eth0 up
n addr add 10.10.10.11/24 dev eth0
n addr add fd00:10:10::11/64 dev eth0
n link set eth0 up
n route add default via 10.10.10.1 dev eth0 proto static
n -6 route add default via fd00:10:10::1 dev eth0 proto static
# IPv4 VTEP: MAC 66 + SHA-1("worker")[0..5].
n link add vxlan.calico address 66:10:f5:eb:e6:ac mtu 1450 type vxlan id 4096 local 10.10.10.11 dev eth0 dstport 4789 nolearning
n addr add 192.168.2.0/32 dev vxlan.calico
n link set vxlan.calico up
# IPv6 VTEP: MAC 66 + SHA-1("worker-v6")[0..5], MTU host − 70.
n link add vxlan-v6.calico address 66:75:48:5d:c8:30 mtu 1430 type vxlan id 4096 local fd00:10:10::11 dev eth0 dstport 4789 nolearning
n addr add fd5f:1::2:0/128 dev vxlan-v6.calico
n link set vxlan-v6.calico up
# Local blocks.
n route add blackhole 192.168.2.0/26 proto 80
n -6 route add blackhole fd5f:1::2:0/122 proto 80
# worker2: same subnet in both families → direct.
n route add 192.168.3.0/26 via 10.10.10.12 dev eth0 proto 80 onlink
n -6 route add fd5f:1::3:0/122 via fd00:10:10::12 dev eth0 proto 80 onlink
# worker3: other subnet → VXLAN.
n route add 192.168.4.0/26 via 192.168.4.0 dev vxlan.calico onlink
n -6 route add fd5f:1::4:0/122 via fd5f:1::4:0 dev vxlan-v6.calico onlink
# One permanent neighbour and one FDB entry per remote VTEP and family.
n neigh add 192.168.3.0 lladdr 66:54:bd:6c:19:2d dev vxlan.calico nud permanent
n neigh add 192.168.4.0 lladdr 66:5a:cd:e9:86:51 dev vxlan.calico nud permanent
n neigh add fd5f:1::3:0 lladdr 66:65:83:e5:bb:cc dev vxlan-v6.calico nud permanent
n neigh add fd5f:1::4:0 lladdr 66:77:6e:7a:55:9e dev vxlan-v6.calico nud permanent
b() { bridge -n "$ns" "$@"; }
b fdb append 66:54:bd:6c:19:2d dev vxlan.calico dst 10.10.10.12 self permanent
b fdb append 66:5a:cd:e9:86:51 dev vxlan.calico dst 10.10.20.13 self permanent
b fdb append 66:65:83:e5:bb:cc dev vxlan-v6.calico dst fd00:10:10::12 self permanent
b fdb append 66:77:6e:7a:55:9e dev vxlan-v6.calico dst fd00:10:20::13 self permanent

out=nodes/worker
mkdir -p "$out"
n -d link show >"$out/ip-link.txt"
n addr show >"$out/ip-addr.txt"
n -d route show table all >"$out/ip-route.txt"   # both families
n neigh show nud permanent >"$out/ip-neigh.txt"
b fdb show >"$out/bridge-fdb.txt"
