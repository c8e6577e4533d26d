#!/usr/bin/env bash
# Regenerates the lab-a fixtures: builds a throwaway network namespace that looks like a Calico node
# (an underlay veth "eth0", vxlan.calico, a bridge, a workload veth, routes of every kind, permanent
# neighbours and VXLAN FDB entries), dumps it with iproute2 in text and JSON, and deletes it again.
# Needs root, iproute2 and the veth, bridge and vxlan kernel modules. Never touches the caller's own
# namespace: every command runs with `-n` / `netns exec`.
set -euo pipefail

NS=nd-fix-laba          # the "node"
PEER=nd-fix-laba-peer   # the other end of the underlay veth (so eth0 shows as eth0@ifN link-netns …)
POD=nd-fix-laba-pod     # a workload namespace (so the cali veth shows @ifN too)
OUT=$(cd "$(dirname "$0")" && pwd)

cleanup() {
    ip netns del "$NS" 2>/dev/null || true
    ip netns del "$PEER" 2>/dev/null || true
    ip netns del "$POD" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

ip netns add "$NS"
ip netns add "$PEER"
ip netns add "$POD"
ip -n "$NS" link set lo up

# Underlay: eth0 in the node, its peer in $PEER.
ip -n "$NS" link add eth0 address 52:54:00:00:00:05 type veth peer name eth0 netns "$PEER"
ip -n "$NS" link set eth0 up
ip -n "$PEER" link set eth0 up
ip -n "$NS" addr add 10.0.0.5/24 brd + dev eth0
ip -n "$NS" addr add fd00::5/64 dev eth0 nodad

# Calico's VXLAN device.
ip -n "$NS" link add vxlan.calico address 66:ee:11:22:33:05 mtu 1450 type vxlan id 4096 \
    local 10.0.0.5 dev eth0 dstport 4789 nolearning
ip -n "$NS" link set vxlan.calico up
ip -n "$NS" addr add 192.168.10.0/32 dev vxlan.calico

# A flannel-style multicast VXLAN (learning on), and an external (collect-metadata) one.
ip -n "$NS" link add vxlan0 address 66:ee:11:22:33:06 type vxlan id 100 group 239.1.1.1 \
    dev eth0 dstport 4790 ttl 64
ip -n "$NS" link set vxlan0 up
ip -n "$NS" link add vxlan-ext type vxlan external dstport 4791
ip -n "$NS" link set vxlan-ext up
# Unicast-remote and IPv6-underlay VXLAN devices.
ip -n "$NS" link add vxlan-uc type vxlan id 1 remote 10.0.0.2 local 10.0.0.5 dev eth0 dstport 4792
ip -n "$NS" link set vxlan-uc up
ip -n "$NS" link add vxlan6 type vxlan id 7 local fd00::5 dev eth0 dstport 4793
ip -n "$NS" link set vxlan6 up

# A workload veth (Calico names them cali…); the pod end sits in $POD.
ip -n "$NS" link add cali12345678901 address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns "$POD"
ip -n "$NS" link set cali12345678901 up
ip -n "$POD" link set eth0 up
ip -n "$POD" addr add 192.168.10.5/32 dev eth0

# A bridge with a veth slave, and a veth pair whose peer is down (LOWERLAYERDOWN, linkdown routes).
ip -n "$NS" link add br0 type bridge
ip -n "$NS" link add vbr0 type veth peer name vbr1
ip -n "$NS" link set vbr0 master br0
ip -n "$NS" link set vbr0 up
ip -n "$NS" link set vbr1 up
ip -n "$NS" link set br0 up
ip -n "$NS" addr add 172.16.0.1/24 dev br0
ip -n "$NS" link add vdown0 type veth peer name vdown1
ip -n "$NS" link set vdown0 up
ip -n "$NS" addr add 10.9.0.1/24 dev vdown0
# A veth pair that is taken admin-down after a multipath route uses it (a `dead` nexthop).
ip -n "$NS" link add vnh0 type veth peer name vnh1
ip -n "$NS" link set vnh0 up
ip -n "$NS" link set vnh1 up
ip -n "$NS" addr add 10.8.0.1/24 dev vnh0
# A point-to-point style address.
ip -n "$NS" addr add 10.0.0.7 peer 10.0.0.8/32 dev vbr1

# Routes of every kind.
ip -n "$NS" route add default via 10.0.0.1 dev eth0
ip -n "$NS" route add 192.168.20.0/26 via 10.0.0.6 dev eth0 proto bird
ip -n "$NS" route add 192.168.30.0/26 via 192.168.30.0 dev vxlan.calico onlink proto 80
ip -n "$NS" route add blackhole 192.168.10.0/26 proto 80
ip -n "$NS" route add 192.168.10.5 dev cali12345678901 scope link proto 80
ip -n "$NS" route add unreachable 192.168.99.0/24
ip -n "$NS" route add prohibit 192.168.98.0/24
ip -n "$NS" route add throw 192.168.97.0/24
ip -n "$NS" route add 10.1.0.0/16 via 10.0.0.1 dev eth0 metric 1024
ip -n "$NS" route add 10.2.0.0/16 via 10.0.0.1 dev eth0 mtu 1450
ip -n "$NS" route add 10.2.1.0/24 via 10.0.0.1 dev eth0 mtu lock 1400
ip -n "$NS" route add 10.3.0.0/16 via 10.0.0.1 dev eth0 src 10.0.0.5 proto static
ip -n "$NS" route add 10.4.0.0/16 proto bird \
    nexthop via 10.0.0.6 dev eth0 weight 1 nexthop via 10.0.0.8 dev eth0 weight 2
ip -n "$NS" route add 10.6.0.0/16 via 10.9.0.2 dev vdown0
ip -n "$NS" route add 10.5.0.0/16 via 10.0.0.1 dev eth0 table 100
ip -n "$NS" route add 10.7.0.0/16 \
    nexthop via 10.0.0.6 dev eth0 weight 1 nexthop via 172.16.0.2 dev br0 weight 1
ip -n "$NS" route add 10.10.0.0/16 \
    nexthop via 10.0.0.6 dev eth0 weight 1 nexthop via 10.8.0.2 dev vnh0 weight 1
ip -n "$NS" -6 route add default via fd00::1 dev eth0 metric 1024 pref medium
ip -n "$NS" -6 route add fd00:10::/64 via fd00::6 dev eth0 proto bird
ip -n "$NS" -6 route add blackhole fd00:20::/122 proto 80
ip -n "$NS" -6 route add 2001:db8:1::/64 via fd00::1 dev eth0 expires 300
ip -n "$NS" -6 route add 2001:db8:2::/64 via fd00::1 dev eth0 pref high
ip -n "$NS" -6 route add 2001:db8:3::/64 proto bird \
    nexthop via fd00::6 dev eth0 weight 1 nexthop via fd00::7 dev eth0 weight 1
ip -n "$NS" -6 route add unreachable 2001:db8:4::/64
# Taking br0's only slave down makes br0 lose carrier: the 10.7.0.0/16 nexthop via br0 turns
# `dead linkdown`, br0's connected route `linkdown`.
ip -n "$NS" link set vbr0 down
ip -n "$NS" link set vnh0 down

# Neighbours.
ip -n "$NS" neigh replace 10.0.0.2 lladdr 52:54:00:12:34:56 dev eth0 nud permanent
ip -n "$NS" neigh replace 10.0.0.3 lladdr 52:54:00:12:34:57 dev eth0 nud reachable
ip -n "$NS" neigh replace 10.0.0.4 lladdr 52:54:00:12:34:58 dev eth0 nud stale
ip -n "$NS" neigh replace 10.0.0.10 lladdr 52:54:00:12:34:5a dev eth0 nud noarp
ip -n "$NS" neigh replace 10.0.0.11 lladdr 52:54:00:12:34:5b dev eth0 extern_learn
ip -n "$NS" neigh add proxy 10.0.0.100 dev eth0
ip -n "$NS" neigh replace 192.168.30.0 lladdr 66:11:22:33:44:55 dev vxlan.calico nud permanent
ip -n "$NS" neigh replace fe80::1 lladdr 52:54:00:12:34:59 dev eth0 router nud stale
ip -n "$NS" neigh replace fd00::2 lladdr 52:54:00:12:34:56 dev eth0 nud permanent
# Unanswered ARP requests leave an INCOMPLETE entry that turns FAILED after three probes
# (10.0.0.78 has had time to fail by the time of the dump; 10.0.0.77 is still INCOMPLETE).
ip netns exec "$NS" bash -c 'echo x > /dev/udp/10.0.0.78/9' || true

# FDB entries.
bridge -n "$NS" fdb append 66:11:22:33:44:55 dev vxlan.calico dst 10.0.0.2 self permanent
bridge -n "$NS" fdb append 00:00:00:00:00:00 dev vxlan0 dst 10.0.0.3 self permanent
bridge -n "$NS" fdb add 66:11:22:33:44:66 dev vxlan0 dst 10.0.0.4 port 4795 vni 200 self permanent
bridge -n "$NS" fdb append 00:00:00:00:00:00 dev vxlan6 dst fd00::2 self permanent
bridge -n "$NS" fdb add aa:bb:cc:dd:ee:01 dev vbr0 master static
bridge -n "$NS" fdb add aa:bb:cc:dd:ee:03 dev vbr0 master permanent

# Let carrier changes and neighbour timers settle, then start the INCOMPLETE resolution, so every
# text dump and its JSON twin see the same state.
sleep 4
ip netns exec "$NS" bash -c 'echo x > /dev/udp/10.0.0.77/9' || true
sleep 0.2

dump() { # dump NAME CMD...: the output of CMD into NAME.txt (dumpj: into NAME.json)
    local name=$1; shift
    "$@" >"$OUT/$name.txt"
}
dumpj() {
    local name=$1; shift
    "$@" >"$OUT/$name.json"
}
for d in "" "-d"; do
    sfx=${d:+-d}
    dump  "ip-link$sfx"           ip -n "$NS" $d link show
    dumpj "ip-link$sfx"           ip -n "$NS" $d -j link show
    dump  "ip-addr$sfx"           ip -n "$NS" $d addr show
    dumpj "ip-addr$sfx"           ip -n "$NS" $d -j addr show
    dump  "ip-route$sfx"          ip -n "$NS" $d route show table all
    dumpj "ip-route$sfx"          ip -n "$NS" $d -j route show table all
done
dump  ip-route-main      ip -n "$NS" route show
dumpj ip-route-main      ip -n "$NS" -j route show
dump  ip-route-6         ip -n "$NS" -6 route show
dumpj ip-route-6         ip -n "$NS" -6 -j route show
dump  ip-neigh           ip -n "$NS" neigh show
dumpj ip-neigh           ip -n "$NS" -j neigh show
dump  ip-neigh-s         ip -n "$NS" -s neigh show
dump  ip-neigh-all       ip -n "$NS" neigh show nud all
dumpj ip-neigh-all       ip -n "$NS" -j neigh show nud all
dump  ip-neigh-proxy     ip -n "$NS" neigh show proxy
dumpj ip-neigh-proxy     ip -n "$NS" -j neigh show proxy
dump  ip-link-o          ip -n "$NS" -o link show
dump  ip-addr-o          ip -n "$NS" -o addr show
dump  ip-link-s          ip -n "$NS" -s -d link show
dump  bridge-fdb         bridge -n "$NS" fdb show
dumpj bridge-fdb         bridge -n "$NS" -j fdb show
dumpj ip-link-d-pretty   ip -n "$NS" -d -j -p link show
{
    echo "ip -V: $(ip -V)"
    echo "bridge -V: $(bridge -V)"
    echo "uname -r: $(uname -r)"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$OUT/VERSIONS"
