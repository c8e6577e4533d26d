#!/bin/sh
# Rebuilds testdata/netlink/*.bin: sets up a Calico-like VXLAN node in a scratch network namespace
# and dumps it with capture.py. Needs root; creates and deletes nd-capture-node and nd-capture-peer
# only (the host namespace is never touched).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
N=nd-capture-node
P=nd-capture-peer
cleanup() {
    ip netns del "$N" 2>/dev/null || true
    ip netns del "$P" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
cleanup
ip netns add "$N"
ip netns add "$P"
# No IPv6 DAD: addresses are final at once, so the dump does not depend on timing.
ip netns exec "$N" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
n() { ip -n "$N" "$@"; }

n link set lo up
n link add eth0 address 02:00:0a:0a:0a:0b type veth peer name eth0 netns "$P"
ip -n "$P" link set eth0 address 02:00:0a:0a:0a:0c up
n addr add 10.10.10.11/24 dev eth0
n -6 addr add fd00:10::11/64 dev eth0 nodad
n link set eth0 up
n link add vxlan.calico address 66:11:22:33:44:55 mtu 1450 type vxlan id 4096 local 10.10.10.11 dev eth0 dstport 4789 nolearning
n addr add 192.168.81.0/32 dev vxlan.calico
n link set vxlan.calico up
n link add br0 type bridge
n link add brp0 address 02:00:00:00:01:00 type veth peer name brp1
n link set brp0 master br0
n link set br0 up
n link set brp0 up

n route add blackhole 192.168.81.0/26 proto 80
n route add 192.168.209.64/26 via 192.168.209.64 dev vxlan.calico onlink proto 80
n route add 192.168.50.0/26 via 10.10.10.12 dev eth0 proto 80 onlink
n route add 192.168.60.0/24 via 10.10.10.12 dev eth0 metric 1024 mtu 1400
n route add default via 10.10.10.1 dev eth0
n route add 192.168.70.0/24 nexthop via 10.10.10.12 dev eth0 weight 2 nexthop via 10.10.10.13 dev eth0 weight 1
n route add 192.168.100.0/24 via 10.10.10.12 dev eth0 table 100
n route add 192.168.101.0/24 dev eth0 table 1000
n -6 route add fd00:99::/64 via fd00:10::12 dev eth0 proto 80
n -6 route add default via fd00:10::1 dev eth0

n neigh add 192.168.209.64 lladdr 66:aa:bb:cc:dd:ee dev vxlan.calico nud permanent
n -6 neigh add fd00:10::1 lladdr 02:00:0a:0a:0a:01 dev eth0 router nud permanent
bridge -n "$N" fdb append 66:aa:bb:cc:dd:ee dev vxlan.calico dst 10.10.20.13 self permanent
bridge -n "$N" fdb append 00:00:00:00:00:00 dev vxlan.calico dst 10.10.20.14 port 4790 vni 5000 self permanent
bridge -n "$N" fdb add 02:00:00:00:00:05 dev brp0 master static

ip netns exec "$N" python3 "$here/capture.py" "$here"
{
    echo "# ip -d link"; n -d link
    echo "# ip addr"; n addr
    echo "# ip route show table all"; n route show table all
    echo "# ip -6 route show table all"; n -6 route show table all
    echo "# ip neigh"; n neigh show nud all
    echo "# bridge fdb"; bridge -n "$N" fdb show
} > "$here/capture.txt"
