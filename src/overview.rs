//! A node at a glance, for the TUI: its tunnels and, per remote node, how traffic to it travels
//! (subnet relation, expected path, VTEP, the neighbour and FDB entries resolving it, the routes
//! through it) and whether node-status finds anything wrong with it. Pure: built from the intent,
//! the node's state and node-status's report.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::calico;
use crate::expect::{self, Context, PeerPath};
use crate::finding::{Code, Finding, Severity};
use crate::model::{ClusterIntent, LinkKind, LinkStats, NodeState};
use crate::report::Report;

#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub node: String,
    pub node_ip: Option<String>,
    pub backend: String,
    /// `name cidr mode`, one per pool.
    pub pools: Vec<String>,
    pub tunnels: Vec<TunnelRow>,
    pub peers: Vec<PeerRow>,
    /// Findings that concern no peer (devices, node IP, MTU, workloads).
    pub local_findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TunnelRow {
    pub name: String,
    // `up: None` with a `*-DEVICE-MISSING` finding: the device should exist and does not.
    /// `vxlan` or `ipip`.
    pub kind: String,
    pub up: Option<bool>,
    pub vni: Option<u32>,
    pub port: Option<u16>,
    pub local: Option<IpAddr>,
    pub parent: Option<String>,
    pub mtu: Option<u32>,
    /// The MTU Calico would set (FelixConfiguration, else host MTU minus the overhead).
    pub expected_mtu: Option<u32>,
    pub stats: Option<LinkStats>,
    /// node-status's findings about this device.
    pub findings: Vec<Finding>,
}

/// How a peer's health reads in one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Ok,
    Warning,
    Broken,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeerRow {
    pub name: String,
    pub ip: Option<IpAddr>,
    /// The peer's node IP is inside this node's prefix (CrossSubnet's test).
    pub same_subnet: bool,
    /// How its blocks are reached, from the intent (one entry per kind of pool).
    pub paths: Vec<PeerPath>,
    pub vtep_ip: Option<IpAddr>,
    pub vtep_mac: Option<String>,
    /// The neighbour entry for the VTEP on the tunnel device, as `ip neigh` prints it.
    pub neigh: Option<String>,
    pub neigh_state: Option<String>,
    pub fdb_dst: Option<IpAddr>,
    pub fdb: Option<String>,
    /// The node's routes for this peer's blocks and borrowed addresses, as `ip route` prints them.
    pub routes: Vec<String>,
    /// How many of the routes Calico would program for it are present.
    pub routes_expected: usize,
    pub health: Health,
    pub findings: Vec<Finding>,
}

impl PeerRow {
    /// The code of its worst finding, for the health cell.
    pub fn worst_code(&self) -> Option<&'static str> {
        self.findings
            .iter()
            .max_by_key(|f| f.severity)
            .map(|f| f.code.as_str())
    }

    pub fn path_label(&self) -> String {
        if self.paths.is_empty() {
            return "-".to_string();
        }
        self.paths
            .iter()
            .map(|p| match p {
                PeerPath::Direct => "direct",
                PeerPath::Vxlan => "VXLAN",
                PeerPath::Ipip => "IPIP",
                PeerPath::Fabric => "fabric",
            })
            .collect::<Vec<_>>()
            .join("+")
    }
}

/// Builds the overview of `node` (which must be in the intent; else only tunnels are listed).
pub fn build(intent: &ClusterIntent, state: &NodeState, report: &Report) -> Overview {
    let pools = intent
        .pools
        .iter()
        .map(|p| format!("{} {} {}", p.name, p.cidr, p.mode_label()))
        .collect();
    let mut by_peer: HashMap<&str, Vec<Finding>> = HashMap::new();
    let mut local_findings = Vec::new();
    for f in &report.findings {
        match f.peer.as_deref() {
            Some(p) => by_peer.entry(p).or_default().push(f.clone()),
            None => local_findings.push(f.clone()),
        }
    }
    let Some(me) = intent.node(&report.node) else {
        return Overview {
            node: report.node.clone(),
            node_ip: report.node_ip.clone(),
            backend: report.backend.name.clone(),
            pools,
            tunnels: tunnels(state, None, &local_findings),
            peers: Vec::new(),
            local_findings,
        };
    };
    let ctx = Context::new(intent, state, me);
    // Flannel/Canal: the peers' leases, flannel.1's neighbours and FDB entries.
    if expect::flannel::detect(intent).is_some() {
        let mut peers = flannel_peers(intent, state, me, &mut by_peer);
        peers.sort_by(|a, b| a.name.cmp(&b.name));
        for (_, fs) in by_peer {
            local_findings.extend(fs);
        }
        return Overview {
            node: report.node.clone(),
            node_ip: report.node_ip.clone(),
            backend: report.backend.name.clone(),
            pools: report
                .pools
                .iter()
                .map(|p| format!("{} {} {}", p.name, p.cidr, p.mode))
                .collect(),
            tunnels: tunnels(state, Some(&ctx), &local_findings),
            peers,
            local_findings,
        };
    }
    let expected = expect::expected_routes(&ctx);
    let main: HashMap<IpNet, &crate::model::Route> = state
        .routes()
        .iter()
        .filter(|r| r.is_main())
        .map(|r| (r.dst.trunc(), r))
        .collect();
    let mut peers: Vec<PeerRow> = ctx
        .peers
        .iter()
        .map(|p| {
            let name = p.node.name.as_str();
            let mine: Vec<_> = expected
                .iter()
                .filter(|e| e.peer.as_deref() == Some(name))
                .collect();
            let mut paths: Vec<PeerPath> = mine.iter().map(|e| e.kind).collect();
            paths.sort();
            paths.dedup();
            let routes: Vec<String> = mine
                .iter()
                .filter_map(|e| main.get(&e.dst.trunc()))
                .map(|r| r.to_string())
                .collect();
            let vtep = p.fam(false).vtep;
            let neigh = vtep.and_then(|(ip, _)| {
                state
                    .neighbours()
                    .iter()
                    .find(|n| n.ip == ip && n.dev == calico::VXLAN_DEVICE)
            });
            let fdb = vtep.and_then(|(_, mac)| {
                state
                    .fdb()
                    .iter()
                    .find(|e| e.mac == mac && e.dev == calico::VXLAN_DEVICE)
            });
            let findings = by_peer.remove(name).unwrap_or_default();
            let health = match findings.iter().map(|f| f.severity).max() {
                Some(Severity::Error) => Health::Broken,
                Some(Severity::Warning) => Health::Warning,
                _ => Health::Ok,
            };
            PeerRow {
                name: name.to_string(),
                ip: p.ip.map(IpAddr::V4).or(p.ip6.map(IpAddr::V6)),
                same_subnet: p.in_local_subnet,
                paths,
                vtep_ip: vtep.map(|(ip, _)| ip),
                vtep_mac: vtep.map(|(_, m)| m.to_string()),
                neigh: neigh.map(|n| n.to_string()),
                neigh_state: neigh.and_then(|n| n.state).map(|s| s.to_string()),
                fdb_dst: fdb.and_then(|e| e.dst),
                fdb: fdb.map(|e| e.to_string()),
                routes_expected: mine.len(),
                routes,
                health,
                findings,
            }
        })
        .collect();
    peers.sort_by(|a, b| a.name.cmp(&b.name));
    // Findings for peers the intent does not list (a deleted node's leftovers) stay visible.
    for (_, fs) in by_peer {
        local_findings.extend(fs);
    }
    Overview {
        node: report.node.clone(),
        node_ip: report.node_ip.clone(),
        backend: report.backend.name.clone(),
        pools,
        tunnels: tunnels(state, Some(&ctx), &local_findings),
        peers,
        local_findings,
    }
}

/// The peer rows of a Flannel node: each peer's lease, the path flanneld takes to it, and the
/// neighbour, FDB entry and route on flannel.<VNI> (`expect::flannel` says what is expected).
fn flannel_peers(
    intent: &ClusterIntent,
    state: &NodeState,
    me: &crate::model::cluster::NodeIntent,
    by_peer: &mut HashMap<&str, Vec<Finding>>,
) -> Vec<PeerRow> {
    use expect::flannel::{path_to, Expected, FlannelPath, Lease};
    let exp = Expected::of(intent.flannel.as_ref());
    intent
        .nodes
        .iter()
        .filter(|n| n.name != me.name)
        .map(|n| {
            let lease = Lease::of(n);
            let path = path_to(&exp, state, &lease);
            let vtep_ip = lease.vtep_ip().map(IpAddr::V4);
            let neigh = vtep_ip.and_then(|ip| {
                state
                    .neighbours()
                    .iter()
                    .find(|x| x.ip == ip && x.dev == exp.device)
            });
            let fdb = lease.vtep_mac.and_then(|mac| {
                state
                    .fdb()
                    .iter()
                    .find(|e| e.mac == mac && e.dev == exp.device)
            });
            let route = lease
                .subnet
                .and_then(|sn| state.routes().iter().find(|r| r.is_main() && r.dst == sn));
            let findings = by_peer.remove(n.name.as_str()).unwrap_or_default();
            let health = match findings.iter().map(|f| f.severity).max() {
                Some(Severity::Error) => Health::Broken,
                Some(Severity::Warning) => Health::Warning,
                _ => Health::Ok,
            };
            PeerRow {
                name: n.name.clone(),
                ip: lease
                    .public_ip
                    .map(IpAddr::V4)
                    .or(n.ipv4_addr().map(IpAddr::V4)),
                same_subnet: lease
                    .public_ip
                    .is_some_and(|ip| expect::flannel::directly_connected(state, ip)),
                paths: match path {
                    FlannelPath::Vxlan => vec![PeerPath::Vxlan],
                    FlannelPath::Direct => vec![PeerPath::Direct],
                    FlannelPath::None(_) => Vec::new(),
                },
                vtep_ip,
                vtep_mac: lease.vtep_mac.map(|m| m.to_string()),
                neigh: neigh.map(|x| x.to_string()),
                neigh_state: neigh.and_then(|x| x.state).map(|s| s.to_string()),
                fdb_dst: fdb.and_then(|e| e.dst),
                fdb: fdb.map(|e| e.to_string()),
                routes_expected: usize::from(lease.subnet.is_some()),
                routes: route.map(|r| r.to_string()).into_iter().collect(),
                health,
                findings,
            }
        })
        .collect()
}

/// Every VXLAN device and tunl0, Calico's first.
fn tunnels(state: &NodeState, ctx: Option<&Context>, findings: &[Finding]) -> Vec<TunnelRow> {
    let mut rows: Vec<TunnelRow> = state
        .links()
        .iter()
        .filter(|l| {
            l.vxlan.is_some()
                || matches!(l.kind, Some(LinkKind::Vxlan) | Some(LinkKind::Ipip))
                || l.name == calico::IPIP_DEVICE
        })
        .map(|l| {
            let vxlan = l.vxlan.is_some() || l.kind == Some(LinkKind::Vxlan);
            let expected_mtu = ctx.and_then(|c| {
                if l.name == calico::VXLAN_DEVICE {
                    c.vxlan_mtu()
                } else if l.name == calico::VXLAN_V6_DEVICE {
                    c.fam(true).mtu
                } else if l.name == calico::IPIP_DEVICE {
                    c.ipip_mtu()
                } else {
                    None
                }
            });
            let subject = format!("link {}", l.name);
            TunnelRow {
                name: l.name.clone(),
                kind: if vxlan { "vxlan" } else { "ipip" }.to_string(),
                up: l.is_up(),
                vni: l.vxlan.as_ref().and_then(|v| v.vni),
                port: l.vxlan.as_ref().and_then(|v| v.port),
                local: l.vxlan.as_ref().and_then(|v| v.local),
                parent: l.vxlan.as_ref().and_then(|v| v.parent_name.clone()),
                mtu: l.mtu,
                expected_mtu,
                stats: l.stats,
                findings: findings
                    .iter()
                    .filter(|f| f.subject == subject)
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    // A device the pools need but that does not exist still gets its row, with its finding.
    for (code, name, kind) in [
        (Code::VxlanDeviceMissing, calico::VXLAN_DEVICE, "vxlan"),
        (Code::VxlanDeviceMissing, calico::VXLAN_V6_DEVICE, "vxlan"),
        (Code::IpipDeviceMissing, calico::IPIP_DEVICE, "ipip"),
    ] {
        let subject = format!("link {name}");
        let missing: Vec<Finding> = findings
            .iter()
            .filter(|f| f.code == code && f.subject == subject)
            .cloned()
            .collect();
        if !missing.is_empty() && !rows.iter().any(|r| r.name == name) {
            rows.push(TunnelRow {
                name: name.to_string(),
                kind: kind.to_string(),
                up: None,
                vni: None,
                port: None,
                local: None,
                parent: None,
                mtu: None,
                expected_mtu: None,
                stats: None,
                findings: missing,
            });
        }
    }
    let rank = |n: &str| match n {
        calico::VXLAN_DEVICE => 0,
        calico::VXLAN_V6_DEVICE => 1,
        calico::IPIP_DEVICE => 2,
        _ => 3,
    };
    rows.sort_by(|a, b| rank(&a.name).cmp(&rank(&b.name)).then(a.name.cmp(&b.name)));
    rows
}
