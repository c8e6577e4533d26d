//! A synthetic Calico node at scale, for the benchmark and the namespace comparison: a VXLAN Always
//! cluster of `nodes` nodes (one /26 block each, all in 10.0.0.0/16), seen from `node-0`, whose main
//! table holds a route per peer block plus filler routes up to `routes`, a permanent neighbour per
//! VTEP plus filler neighbours up to `neigh`, and an FDB entry per VTEP plus stale entries up to
//! `fdb`. It emits the intent as `kubectl get -o yaml` text, the dumps as iproute2 text, and the
//! same state as `ip -batch`/`bridge -batch` commands.

#![allow(dead_code)]

use std::fmt::Write;
use std::net::Ipv4Addr;

pub struct Size {
    pub nodes: u32,
    pub routes: u32,
    pub neigh: u32,
    pub fdb: u32,
}

pub const BENCH: Size = Size {
    nodes: 5_000,
    routes: 100_000,
    neigh: 10_000,
    fdb: 10_000,
};

fn node_ip(i: u32) -> Ipv4Addr {
    // 10.0.0.1 … inside one /16, so every node shares the subnet.
    Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 1)) + i)
}

fn block(i: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 128, 0, 0)) + i * 64)
}

/// The VTEP MAC Calico derives for `node-<i>`: computed here by a deterministic stand-in (the bench
/// writes the MAC into the Node annotation, so the derivation is not exercised).
fn vtep_mac(i: u32) -> String {
    let b = i.to_be_bytes();
    format!("66:00:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3])
}

fn filler(i: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(100, 64, 0, 0)) + i)
}

pub fn intent_yaml(s: &Size) -> String {
    let mut y = String::with_capacity(s.nodes as usize * 600);
    y.push_str("apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: default-ipv4-ippool}\nspec: {cidr: 10.128.0.0/9, blockSize: 26, vxlanMode: Always, ipipMode: Never, natOutgoing: true}\n---\n");
    y.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: calico-config, namespace: kube-system}\ndata: {calico_backend: vxlan, veth_mtu: \"0\"}\n---\n");
    y.push_str("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..s.nodes {
        let _ = write!(
            y,
            "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: node-{i}\n    annotations:\n      projectcalico.org/IPv4Address: {}/16\n      projectcalico.org/IPv4VXLANTunnelAddr: {}\n      projectcalico.org/VXLANTunnelMACAddr: {}\n  status:\n    addresses:\n    - {{type: InternalIP, address: {}}}\n",
            node_ip(i),
            block(i),
            vtep_mac(i),
            node_ip(i)
        );
        let _ = write!(
            y,
            "- apiVersion: crd.projectcalico.org/v1\n  kind: IPAMBlock\n  metadata: {{name: b{i}}}\n  spec:\n    cidr: {}/26\n    affinity: host:node-{i}\n    allocations: [0]\n    attributes: [{{handle_id: vxlan-tunnel-addr-node-{i}, secondary: {{node: node-{i}, type: vxlanTunnelAddress}}}}]\n",
            block(i)
        );
    }
    y
}

pub fn ip_link(_: &Size) -> String {
    let mut t = String::new();
    t.push_str("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0 \n");
    t.push_str("2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n    link/ether 02:00:0a:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n");
    let _ = writeln!(
        t,
        "3: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/ether {} brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    vxlan id 4096 local {} dev eth0 srcport 0 0 dstport 4789 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx ",
        vtep_mac(0),
        node_ip(0)
    );
    t
}

pub fn ip_addr(_: &Size) -> String {
    format!(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n\
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n    link/ether 02:00:0a:00:00:01 brd ff:ff:ff:ff:ff:ff\n    inet {}/16 scope global eth0\n       valid_lft forever preferred_lft forever\n\
3: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/ether {} brd ff:ff:ff:ff:ff:ff\n    inet {}/32 scope global vxlan.calico\n       valid_lft forever preferred_lft forever\n",
        node_ip(0),
        vtep_mac(0),
        block(0)
    )
}

/// The main-table routes as `ip -d route show` prints them.
pub fn ip_route(s: &Size) -> String {
    let mut t = String::with_capacity(s.routes as usize * 70);
    let _ = writeln!(t, "blackhole {}/26 proto 80 scope global", block(0));
    let _ = writeln!(
        t,
        "10.0.0.0/16 dev eth0 proto kernel scope link src {}",
        node_ip(0)
    );
    let mut n = 2;
    for i in 1..s.nodes {
        let _ = writeln!(
            t,
            "unicast {}/26 via {} dev vxlan.calico proto boot scope global onlink ",
            block(i),
            block(i)
        );
        n += 1;
    }
    let mut i: u32 = 0;
    while n < s.routes {
        let _ = writeln!(
            t,
            "unicast {}/32 via 10.0.255.254 dev eth0 proto static scope global ",
            filler(i)
        );
        i += 1;
        n += 1;
    }
    t
}

pub fn ip_neigh(s: &Size) -> String {
    let mut t = String::with_capacity(s.neigh as usize * 64);
    let mut n = 0;
    for i in 1..s.nodes {
        let _ = writeln!(
            t,
            "{} dev vxlan.calico lladdr {} PERMANENT",
            block(i),
            vtep_mac(i)
        );
        n += 1;
    }
    let mut i: u32 = 0;
    while n < s.neigh {
        let b = (i + 1).to_be_bytes();
        let _ = writeln!(
            t,
            "{} dev eth0 lladdr 02:01:{:02x}:{:02x}:{:02x}:{:02x} PERMANENT",
            node_ip(s.nodes + i),
            b[0],
            b[1],
            b[2],
            b[3]
        );
        i += 1;
        n += 1;
    }
    t
}

pub fn bridge_fdb(s: &Size) -> String {
    let mut t = String::with_capacity(s.fdb as usize * 64);
    let mut n = 0;
    for i in 1..s.nodes {
        let _ = writeln!(
            t,
            "{} dev vxlan.calico dst {} self permanent",
            vtep_mac(i),
            node_ip(i)
        );
        n += 1;
    }
    let mut i: u32 = 0;
    while n < s.fdb {
        // Stale entries of nodes that left the cluster.
        let _ = writeln!(
            t,
            "{} dev vxlan.calico dst {} self permanent",
            vtep_mac(s.nodes + i),
            node_ip(s.nodes + i)
        );
        i += 1;
        n += 1;
    }
    t
}

/// `ip -batch` commands that build the same node in a namespace (after `netns_setup`).
pub fn ip_batch(s: &Size) -> String {
    let mut t = String::with_capacity(s.routes as usize * 70);
    let _ = writeln!(t, "route add blackhole {}/26 proto 80", block(0));
    let mut n = 2;
    for i in 1..s.nodes {
        let _ = writeln!(
            t,
            "route add {}/26 via {} dev vxlan.calico onlink",
            block(i),
            block(i)
        );
        n += 1;
    }
    let mut i: u32 = 0;
    while n < s.routes {
        let _ = writeln!(
            t,
            "route add {}/32 via 10.0.255.254 dev eth0 proto static",
            filler(i)
        );
        i += 1;
        n += 1;
    }
    for line in ip_neigh(s).lines() {
        // "IP dev D lladdr M PERMANENT" → "neigh add IP lladdr M dev D nud permanent"
        let w: Vec<&str> = line.split_whitespace().collect();
        let _ = writeln!(
            t,
            "neigh add {} lladdr {} dev {} nud permanent",
            w[0], w[4], w[2]
        );
    }
    t
}

pub fn bridge_batch(s: &Size) -> String {
    bridge_fdb(s)
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            format!(
                "fdb append {} dev {} dst {} self permanent\n",
                w[0], w[2], w[4]
            )
        })
        .collect()
}

/// Shell commands (for `ip -n NS …`) that create the links and addresses of node-0.
pub fn netns_setup() -> Vec<String> {
    vec![
        "link set lo up".into(),
        "link add eth0 address 02:00:0a:00:00:01 type veth peer name eth0-peer".into(),
        format!("addr add {}/16 dev eth0", node_ip(0)),
        "link set eth0-peer up".into(),
        "link set eth0 up".into(),
        format!(
            "link add vxlan.calico address {} mtu 1450 type vxlan id 4096 local {} dev eth0 dstport 4789 nolearning",
            vtep_mac(0),
            node_ip(0)
        ),
        format!("addr add {}/32 dev vxlan.calico", block(0)),
        "link set vxlan.calico up".into(),
    ]
}

/// The same intent as one `kubectl get -o json`-style List (what the API server sends).
pub fn intent_json(s: &Size) -> String {
    use serde_json::json;
    let mut items = vec![
        json!({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool",
               "metadata": {"name": "default-ipv4-ippool"},
               "spec": {"cidr": "10.128.0.0/9", "blockSize": 26, "vxlanMode": "Always",
                        "ipipMode": "Never", "natOutgoing": true}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "calico-config", "namespace": "kube-system"},
               "data": {"calico_backend": "vxlan", "veth_mtu": "0"}}),
    ];
    for i in 0..s.nodes {
        items.push(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": format!("node-{i}"), "annotations": {
                "projectcalico.org/IPv4Address": format!("{}/16", node_ip(i)),
                "projectcalico.org/IPv4VXLANTunnelAddr": block(i).to_string(),
                "projectcalico.org/VXLANTunnelMACAddr": vtep_mac(i)}},
            "status": {"addresses": [{"type": "InternalIP", "address": node_ip(i).to_string()}]}}));
        items.push(json!({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPAMBlock",
            "metadata": {"name": format!("b{i}")},
            "spec": {"cidr": format!("{}/26", block(i)), "affinity": format!("host:node-{i}"),
                     "allocations": [0],
                     "attributes": [{"handle_id": format!("vxlan-tunnel-addr-node-{i}"),
                                     "secondary": {"node": format!("node-{i}"), "type": "vxlanTunnelAddress"}}]}}));
    }
    json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
}

/// The same main table as a kernel route dump returns it: `RTM_NEWROUTE` messages as
/// netlink-packet-route emits them (RTA_TABLE, RTA_DST, RTA_GATEWAY, RTA_OIF), one after the
/// other, sequence number 1, ending with NLMSG_DONE.
pub fn route_dump(s: &Size) -> Vec<u8> {
    use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
    use netlink_packet_route::route::{
        RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope,
        RouteType,
    };
    use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

    let msg = |dst: Ipv4Addr, len: u8, gw: Option<Ipv4Addr>, oif: u32, proto: RouteProtocol| {
        let mut m = RouteMessage::default();
        m.header.address_family = AddressFamily::Inet;
        m.header.destination_prefix_length = len;
        m.header.table = RouteHeader::RT_TABLE_MAIN;
        m.header.protocol = proto;
        m.header.scope = RouteScope::Universe;
        m.header.kind = RouteType::Unicast;
        m.attributes = vec![
            RouteAttribute::Table(254),
            RouteAttribute::Destination(RouteAddress::Inet(dst)),
        ];
        if let Some(gw) = gw {
            m.attributes
                .push(RouteAttribute::Gateway(RouteAddress::Inet(gw)));
        }
        m.attributes.push(RouteAttribute::Oif(oif));
        RouteNetlinkMessage::NewRoute(m)
    };
    let mut out = Vec::with_capacity(s.routes as usize * 64);
    let mut push = |payload: NetlinkPayload<RouteNetlinkMessage>| {
        let mut m = NetlinkMessage::new(Default::default(), payload);
        m.header.sequence_number = 1;
        m.finalize();
        let at = out.len();
        out.resize(at + m.buffer_len(), 0);
        m.serialize(&mut out[at..]);
    };
    let mut n = 0;
    for i in 1..s.nodes {
        push(NetlinkPayload::InnerMessage(msg(
            block(i),
            26,
            Some(block(i)),
            3,
            RouteProtocol::Boot,
        )));
        n += 1;
    }
    let mut i = 0;
    while n < s.routes {
        push(NetlinkPayload::InnerMessage(msg(
            filler(i),
            32,
            Some(Ipv4Addr::new(10, 0, 255, 254)),
            2,
            RouteProtocol::Static,
        )));
        i += 1;
        n += 1;
    }
    push(NetlinkPayload::Done(Default::default()));
    out
}
