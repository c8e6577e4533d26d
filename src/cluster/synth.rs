//! A synthetic, healthy VXLAN Always cluster of any size — its intent and every node's state as
//! Felix would program it — for the cross-check's tests, its benchmark and the 1 000-node API
//! simulation. Nodes `node-0000…` share the underlay 10.1.0.0/16 ([`node_ip`]); each owns one /26
//! block of the pool 10.128.0.0/9 ([`block`]) with its tunnel IP at the block's first address.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use crate::calico;
use crate::model::cluster::{
    Backend, EncapMode, FelixConfig, IpPool, IpamBlock, Listed, NodeIntent,
};
use crate::model::route::RouteProto;
use crate::model::{
    ClusterIntent, FdbEntry, FdbState, IfAddr, Link, LinkKind, NeighState, Neighbour, NodeState,
    OperState, Route, RouteType, VxlanInfo,
};

pub fn node_name(i: usize) -> String {
    format!("node-{i:04}")
}

/// Node i's underlay address: all nodes in one /16 (10.1.0.0/16), so VXLAN Always tunnels all.
pub fn node_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 1, (i / 200) as u8, (i % 200 + 10) as u8)
}

/// Node i's block: the i-th /26 of 10.128.0.0/9.
pub fn block(i: usize) -> IpNet {
    let base = u32::from(Ipv4Addr::new(10, 128, 0, 0)) + (i as u32) * 64;
    IpNet::new(IpAddr::V4(Ipv4Addr::from(base)), 26).unwrap_or_default()
}

pub fn tunnel_ip(i: usize) -> Ipv4Addr {
    match block(i).addr() {
        IpAddr::V4(a) => a,
        IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
    }
}

/// The intent of an `n`-node cluster.
pub fn intent(n: usize) -> ClusterIntent {
    let pool: IpNet = IpNet::new(IpAddr::V4(Ipv4Addr::new(10, 128, 0, 0)), 9).unwrap_or_default();
    let mut intent = ClusterIntent {
        pools: vec![IpPool {
            name: "default-ipv4-ippool".into(),
            cidr: pool,
            block_size: 26,
            ipip_mode: EncapMode::Never,
            vxlan_mode: EncapMode::Always,
            nat_outgoing: true,
            disabled: false,
            node_selector: None,
            allowed_uses: Vec::new(),
        }],
        felix: vec![FelixConfig {
            name: "default".into(),
            ..FelixConfig::default()
        }],
        backend: Some(Backend::Vxlan),
        listed: Listed::ALL,
        ..ClusterIntent::default()
    };
    for i in 0..n {
        let name = node_name(i);
        intent.nodes.push(NodeIntent {
            name: name.clone(),
            ipv4: IpNet::new(IpAddr::V4(node_ip(i)), 16).ok(),
            has_bgp_spec: true,
            vxlan_tunnel_ip: Some(tunnel_ip(i)),
            addresses: vec![IpAddr::V4(node_ip(i))],
            ..NodeIntent::default()
        });
        intent.blocks.push(IpamBlock {
            name: block(i).to_string().replace(['.', '/'], "-"),
            cidr: block(i),
            affinity: Some(name.clone()),
            allocations: Vec::new(),
            deleted: false,
            from_affinity: false,
        });
    }
    intent
}

/// Node i's state as Felix programs it in an `n`-node cluster.
pub fn state(i: usize, n: usize) -> NodeState {
    let name = node_name(i);
    let mut eth0 = Link::new("eth0");
    eth0.index = Some(2);
    eth0.kind = Some(LinkKind::Device);
    eth0.mtu = Some(1500);
    eth0.oper_state = Some(OperState::Up);
    eth0.admin_up = Some(true);
    eth0.addrs = vec![IfAddr {
        addr: IpAddr::V4(node_ip(i)),
        prefix_len: 16,
        scope: Some("global".into()),
    }];
    let mut lo = Link::new("lo");
    lo.index = Some(1);
    lo.kind = Some(LinkKind::Loopback);
    lo.mtu = Some(65536);
    lo.oper_state = Some(OperState::Unknown);
    lo.admin_up = Some(true);
    let mut vx = Link::new(calico::VXLAN_DEVICE);
    vx.index = Some(3);
    vx.kind = Some(LinkKind::Vxlan);
    vx.mtu = Some(1450);
    vx.mac = Some(calico::derived_vtep_mac(&name, false));
    vx.oper_state = Some(OperState::Unknown);
    vx.admin_up = Some(true);
    vx.addrs = vec![IfAddr {
        addr: IpAddr::V4(tunnel_ip(i)),
        prefix_len: 32,
        scope: Some("global".into()),
    }];
    vx.vxlan = Some(VxlanInfo {
        vni: Some(calico::DEFAULT_VXLAN_VNI),
        port: Some(calico::DEFAULT_VXLAN_PORT),
        local: Some(IpAddr::V4(node_ip(i))),
        parent_index: Some(2),
        parent_name: Some("eth0".into()),
        learning: Some(false),
        remote: None,
    });
    let mut routes = Vec::with_capacity(n + 2);
    let mut neighbours = Vec::with_capacity(n);
    let mut fdb = Vec::with_capacity(n);
    let mut connected =
        Route::new(IpNet::new(IpAddr::V4(Ipv4Addr::new(10, 1, 0, 0)), 16).unwrap_or_default());
    connected.dev = Some("eth0".into());
    connected.protocol = Some(RouteProto::KERNEL);
    connected.src = Some(IpAddr::V4(node_ip(i)));
    routes.push(connected);
    let mut bh = Route::new(block(i));
    bh.kind = RouteType::Blackhole;
    bh.protocol = Some(RouteProto::FELIX);
    routes.push(bh);
    for j in (0..n).filter(|&j| j != i) {
        let peer = node_name(j);
        let mac = calico::derived_vtep_mac(&peer, false);
        let mut r = Route::new(block(j));
        r.gateway = Some(IpAddr::V4(tunnel_ip(j)));
        r.dev = Some(calico::VXLAN_DEVICE.into());
        r.onlink = true;
        r.protocol = Some(calico::DEFAULT_DEVICE_ROUTE_PROTOCOL);
        routes.push(r);
        neighbours.push(Neighbour {
            ip: IpAddr::V4(tunnel_ip(j)),
            mac: Some(mac),
            dev: calico::VXLAN_DEVICE.into(),
            state: Some(NeighState(NeighState::PERMANENT)),
            router: false,
            proxy: false,
        });
        fdb.push(FdbEntry {
            mac,
            dev: calico::VXLAN_DEVICE.into(),
            dst: Some(IpAddr::V4(node_ip(j))),
            vlan: None,
            vni: None,
            port: None,
            master: None,
            is_self: true,
            is_master: false,
            state: Some(FdbState::Permanent),
        });
    }
    let mut sysctl = BTreeMap::new();
    sysctl.insert("net.ipv4.ip_forward".to_string(), "1".to_string());
    for dev in ["all", "eth0", calico::VXLAN_DEVICE] {
        sysctl.insert(format!("net.ipv4.conf.{dev}.rp_filter"), "0".to_string());
        sysctl.insert(format!("net.ipv4.conf.{dev}.forwarding"), "1".to_string());
    }
    NodeState {
        node: Some(name),
        source: "synthetic".into(),
        links: Some(vec![lo, eth0, vx]),
        addrs_collected: true,
        routes: Some(routes),
        neighbours: Some(neighbours),
        fdb: Some(fdb),
        sysctl: Some(sysctl),
        bgp: None,
        flannel_subnet_env: None,
        notes: Vec::new(),
    }
}

/// Every node's state, by name.
pub fn states(n: usize) -> BTreeMap<String, NodeState> {
    (0..n).map(|i| (node_name(i), state(i, n))).collect()
}
