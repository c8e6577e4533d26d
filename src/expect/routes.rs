//! Route rules (§8 rules 4–7, 14, 15 and the no-encap cases of §3–4): for every IPAM block and
//! borrowed address, the route Calico programs for its pool's mode; blackholes for local blocks;
//! /32s for borrowed VXLAN tunnel IPs; then the diff against the main table, and the Calico-owned
//! routes nobody expects.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::context::{Context, Peer, PeerPath};
use super::Outcome;
use crate::calico;
use crate::finding::{Code, Finding};
use crate::model::cluster::{IpPool, PoolType};
use crate::model::{Route, RouteProto, RouteType};

/// The shape of the route Calico programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutePath {
    /// `via GATEWAY dev DEV [onlink]`.
    Via {
        gateway: IpAddr,
        dev: String,
        onlink: bool,
    },
    /// `dev DEV scope link` (directly connected, no gateway).
    Connected {
        dev: String,
    },
    Blackhole,
    /// Learnt from the fabric (BGP across a router): any unicast path will do.
    Fabric,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedRoute {
    pub dst: IpNet,
    pub path: RoutePath,
    pub kind: PeerPath,
    /// The protocol Calico uses, when it is certain.
    pub proto: Option<u8>,
    /// The MTU attribute Calico sets on tunnel routes from v3.31; only compared when present.
    pub mtu: Option<u32>,
    pub peer: Option<String>,
    /// Why this route: pool, mode and the subnet comparison.
    pub why: String,
    pub missing: Code,
}

impl ExpectedRoute {
    pub fn describe(&self) -> String {
        let mut s = match &self.path {
            RoutePath::Via {
                gateway,
                dev,
                onlink,
            } => format!(
                "{} via {gateway} dev {dev}{}",
                self.dst,
                if *onlink { " onlink" } else { "" }
            ),
            RoutePath::Connected { dev } => format!("{} dev {dev} scope link", self.dst),
            RoutePath::Blackhole => format!("blackhole {}", self.dst),
            RoutePath::Fabric => format!("{} via <fabric next hop>", self.dst),
        };
        if let Some(p) = self.proto {
            s.push_str(&format!(" proto {}", RouteProto::name(p)));
        }
        s
    }
}

/// Builds the expected routes, then diffs them against the node's main table.
pub fn check(ctx: &Context, out: &mut Outcome) {
    let Some(routes) = ctx.state.routes.as_deref() else {
        out.unknown("routes were not collected: remote block routes, blackholes and workload routes are unknown");
        return;
    };
    let expected = expected_routes(ctx, out);
    let index = MainTable::new(routes);
    let mut matched: HashSet<IpNet> = HashSet::with_capacity(expected.len());
    for exp in &expected {
        out.checked.routes += 1;
        matched.insert(exp.dst);
        diff_one(exp, &index, out);
    }
    stray_routes(ctx, routes, &matched, out);
}

/// The main table indexed by destination; the lowest metric wins, as in the kernel.
struct MainTable<'r> {
    by_dst: HashMap<IpNet, &'r Route>,
}

impl<'r> MainTable<'r> {
    fn new(routes: &'r [Route]) -> Self {
        let mut by_dst: HashMap<IpNet, &Route> = HashMap::with_capacity(routes.len());
        for r in routes.iter().filter(|r| r.is_main()) {
            by_dst
                .entry(r.dst.trunc())
                .and_modify(|cur| {
                    if r.metric.unwrap_or(0) < cur.metric.unwrap_or(0) {
                        *cur = r;
                    }
                })
                .or_insert(r);
        }
        MainTable { by_dst }
    }

    fn get(&self, dst: &IpNet) -> Option<&'r Route> {
        self.by_dst.get(&dst.trunc()).copied()
    }
}

pub(super) fn expected_routes(ctx: &Context, out: &mut Outcome) -> Vec<ExpectedRoute> {
    let local = ctx.node.name.as_str();
    let mut exp = Vec::new();
    let mut no_vtep_reported: HashSet<&str> = HashSet::new();
    let mut no_programmer_reported: HashSet<&str> = HashSet::new();
    let mut fabric_reported: HashSet<&str> = HashSet::new();

    for block in &ctx.intent.blocks {
        if block.deleted {
            continue;
        }
        let Some(pool) = ctx.pool_for(&block.cidr) else {
            out.unknown(format!(
                "block {} is in no IPPool: no route expected",
                block.cidr
            ));
            continue;
        };
        let kind = pool.pool_type();
        if kind == PoolType::None || (kind == PoolType::Ipip && block.cidr.addr().is_ipv6()) {
            // Calico has no IPv6 IPIP.
            continue;
        }
        match block.affinity.as_deref() {
            // /32 blocks never get a blackhole: it would fight the CNI's /32 route.
            Some(owner)
                if owner == local && block.cidr.prefix_len() < block.cidr.max_prefix_len() =>
            {
                let bird = !ctx.felix_owns(kind) && ctx.backend.bird();
                exp.push(ExpectedRoute {
                    dst: block.cidr,
                    path: RoutePath::Blackhole,
                    kind: PeerPath::Direct,
                    proto: Some(if bird {
                        RouteProto::BIRD
                    } else {
                        ctx.felix_special_proto()
                    }),
                    mtu: None,
                    peer: None,
                    why: format!(
                        "block {} is affine to this node (pool {} {})",
                        block.cidr,
                        pool.name,
                        pool.mode_label()
                    ),
                    missing: Code::BlackholeMissing,
                });
            }
            Some(owner) if owner == local => {}
            Some(owner) => {
                if let Some(peer) = ctx.peer(owner) {
                    let ctx_reports = Reported {
                        no_vtep: &mut no_vtep_reported,
                        no_programmer: &mut no_programmer_reported,
                        fabric: &mut fabric_reported,
                    };
                    if let Some(e) = to_peer(ctx, pool, peer, block.cidr, ctx_reports, out) {
                        exp.push(e);
                    }
                } else {
                    out.unknown(format!(
                        "block {} is affine to {owner}, which is not a Node: no route expected",
                        block.cidr
                    ));
                }
            }
            None => {}
        }
        for alloc in block.borrowed() {
            let Some(user) = alloc.node.as_deref() else {
                continue;
            };
            if user == local || alloc.kind.as_deref() == Some("vxlanTunnelAddress") {
                // Local borrowed IPs are workload routes; borrowed VXLAN tunnel IPs get the
                // connected /32 of rule 7 below.
                continue;
            }
            let Some(peer) = ctx.peer(user) else {
                continue;
            };
            let dst = IpNet::from(alloc.ip);
            let reports = Reported {
                no_vtep: &mut no_vtep_reported,
                no_programmer: &mut no_programmer_reported,
                fabric: &mut fabric_reported,
            };
            if let Some(mut e) = to_peer(ctx, pool, peer, dst, reports, out) {
                e.why = format!(
                    "{} is borrowed from block {}; {}",
                    alloc.ip, block.cidr, e.why
                );
                exp.push(e);
            }
        }
    }

    if ctx.vxlan_enabled {
        exp.extend(borrowed_tunnel_ips(ctx));
    }
    exp
}

struct Reported<'a, 'n> {
    no_vtep: &'a mut HashSet<&'n str>,
    no_programmer: &'a mut HashSet<&'n str>,
    fabric: &'a mut HashSet<&'n str>,
}

/// The route toward `peer` for `dst` (a block or a borrowed /32) in `pool`.
fn to_peer<'n>(
    ctx: &Context<'n>,
    pool: &'n IpPool,
    peer: &Peer<'n>,
    dst: IpNet,
    reported: Reported<'_, 'n>,
    out: &mut Outcome,
) -> Option<ExpectedRoute> {
    let name = peer.node.name.as_str();
    let kind = pool.pool_type();
    // Everything below is per address family: IPv6 blocks go to the peer's IPv6 address, VTEP and
    // vxlan-v6.calico, by the local IPv6 prefix.
    let fam = ctx.fam(dst.addr().is_ipv6());
    let pf = peer.fam(fam.v6);
    let parent = fam.parent.map(|l| l.name.clone());
    let subnet_words = || match (fam.node_net, pf.ip) {
        (Some(net), Some(ip)) if pf.in_local_subnet => format!("{ip} is inside {}", net.trunc()),
        (Some(net), Some(ip)) => format!("{ip} is outside {}", net.trunc()),
        _ => "subnets unknown".to_string(),
    };
    let base =
        |path: RoutePath, kind: PeerPath, proto: Option<u8>, mtu: Option<u32>, why: String| {
            Some(ExpectedRoute {
                dst,
                path,
                kind,
                proto,
                mtu,
                peer: Some(name.to_string()),
                why,
                missing: Code::RouteMissing,
            })
        };

    if !ctx.kind_programmed(kind) {
        if reported.no_programmer.insert(pool.name.as_str()) {
            out.push(
                Finding::new(Code::NoEncapNoRouter, format!("pool {}", pool.name))
                    .expected(format!(
                        "{} routes programmed by BIRD or by Felix programClusterRoutes",
                        pool.mode_label()
                    ))
                    .actual(format!(
                        "backend {} and programClusterRoutes {}",
                        ctx.backend.backend_label(),
                        ctx.felix.program_cluster_routes.as_deref().unwrap_or("unset")
                    ))
                    .hint("run BIRD (calico_backend: bird) or set FelixConfiguration programClusterRoutes to cover this pool kind"),
            );
        }
        return None;
    }

    match kind {
        PoolType::Vxlan => {
            if ctx.same_subnet(pool, peer) {
                if let (Some(ip), Some(dev)) = (pf.ip, parent) {
                    return base(
                        RoutePath::Via {
                            gateway: ip,
                            dev,
                            onlink: true,
                        },
                        PeerPath::Direct,
                        Some(ctx.felix_special_proto()),
                        None,
                        format!(
                            "pool {} is {}; {}: same subnet, direct",
                            pool.name,
                            pool.mode_label(),
                            subnet_words()
                        ),
                    );
                }
            }
            match pf.vtep {
                Some((tun, _)) => base(
                    RoutePath::Via {
                        gateway: tun,
                        dev: fam.device.to_string(),
                        onlink: true,
                    },
                    PeerPath::Vxlan,
                    Some(ctx.device_route_protocol),
                    fam.mtu,
                    if pool.cross_subnet() {
                        format!(
                            "pool {} is {}; {}: other subnet, VXLAN",
                            pool.name,
                            pool.mode_label(),
                            subnet_words()
                        )
                    } else {
                        format!("pool {} is {}: always VXLAN", pool.name, pool.mode_label())
                    },
                ),
                None => {
                    if reported.no_vtep.insert(name) {
                        let missing = match (fam.v6, peer.node.has_bgp_spec, pf.ip, pf.vtep) {
                            (true, _, None, _) => {
                                "no Calico IPv6 address (projectcalico.org/IPv6Address)"
                            }
                            (true, _, Some(_), _) => {
                                "no IPv6 VXLAN tunnel address (projectcalico.org/IPv6VXLANTunnelAddr)"
                            }
                            (false, false, _, _) => {
                                "no Calico IPv4 address (projectcalico.org/IPv4Address)"
                            }
                            (false, true, _, None) => {
                                "no VXLAN tunnel address (projectcalico.org/IPv4VXLANTunnelAddr)"
                            }
                            (false, true, _, Some(_)) => "an incomplete VTEP",
                        };
                        out.push(
                            Finding::new(Code::PeerNoVtep, format!("node {name}"))
                                .peer(name)
                                .expected(format!("a VTEP for {name}, which owns VXLAN block {dst}"))
                                .actual(format!("{name} has {missing}; Felix programs no route to it"))
                                .hint("check calico-node on that node: the tunnel address is allocated at start-up (and needs Calico IPAM)"),
                        );
                    }
                    None
                }
            }
        }
        PoolType::Ipip => {
            let ip = pf.ip?;
            let felix = ctx.felix_owns(PoolType::Ipip);
            let proto = Some(if felix {
                ctx.felix_special_proto()
            } else {
                RouteProto::BIRD
            });
            if ctx.same_subnet(pool, peer) {
                if let Some(dev) = parent {
                    return base(
                        RoutePath::Via {
                            gateway: ip,
                            dev,
                            onlink: felix,
                        },
                        PeerPath::Direct,
                        proto,
                        None,
                        format!(
                            "pool {} is {}; {}: same subnet, direct",
                            pool.name,
                            pool.mode_label(),
                            subnet_words()
                        ),
                    );
                }
            }
            base(
                RoutePath::Via {
                    gateway: ip,
                    dev: calico::IPIP_DEVICE.to_string(),
                    onlink: true,
                },
                PeerPath::Ipip,
                proto,
                if felix { ctx.ipip_mtu() } else { None },
                format!(
                    "pool {} is {}; {}",
                    pool.name,
                    pool.mode_label(),
                    subnet_words()
                ),
            )
        }
        PoolType::NoEncap => {
            let ip = pf.ip?;
            if ctx.felix_owns(PoolType::NoEncap) {
                return base(
                    RoutePath::Via {
                        gateway: ip,
                        dev: parent?,
                        onlink: true,
                    },
                    PeerPath::Direct,
                    Some(ctx.felix_special_proto()),
                    None,
                    format!("pool {} is no-encap and Felix programs it", pool.name),
                );
            }
            if pf.in_local_subnet {
                return base(
                    RoutePath::Via {
                        gateway: ip,
                        dev: parent?,
                        onlink: false,
                    },
                    PeerPath::Direct,
                    Some(RouteProto::BIRD),
                    None,
                    format!("pool {} is no-encap (BGP); {}", pool.name, subnet_words()),
                );
            }
            if reported.fabric.insert(name) {
                out.push(
                    Finding::new(Code::NoEncapCrossSubnet, format!("node {name}"))
                        .peer(name)
                        .expected(format!("pod routes to {name} without encapsulation across subnets"))
                        .actual(format!(
                            "pool {} is no-encap and {}: the fabric must route pod CIDRs",
                            pool.name,
                            subnet_words()
                        ))
                        .hint("peer BIRD with the routers (BGPPeer) or use IPIP/VXLAN CrossSubnet for this pool"),
                );
            }
            base(
                RoutePath::Fabric,
                PeerPath::Fabric,
                Some(RouteProto::BIRD),
                None,
                format!("pool {} is no-encap (BGP); {}", pool.name, subnet_words()),
            )
        }
        PoolType::None => None,
    }
}

/// Rule 7: a peer's VXLAN tunnel IP that is not inside one of its own (non-/32) blocks gets a
/// connected /32 on vxlan.calico (v3.29.2+, PR #9662).
fn borrowed_tunnel_ips(ctx: &Context) -> Vec<ExpectedRoute> {
    let blocks: HashMap<IpNet, &crate::model::cluster::IpamBlock> = ctx
        .intent
        .blocks
        .iter()
        .map(|b| (b.cidr.trunc(), b))
        .collect();
    let mut out = Vec::new();
    for peer in &ctx.peers {
        let Some((tun, _)) = peer.vtep else { continue };
        let ip = IpAddr::V4(tun);
        let host = IpNet::from(ip);
        let in_own_block = ctx.intent.pools.iter().any(|pool| {
            IpNet::new(ip, pool.block_size)
                .ok()
                .and_then(|net| blocks.get(&net.trunc()))
                .map(|b| {
                    b.affinity.as_deref() == Some(peer.node.name.as_str())
                        && b.cidr.prefix_len() < b.cidr.max_prefix_len()
                })
                .unwrap_or(false)
        });
        if !in_own_block {
            out.push(ExpectedRoute {
                dst: host,
                path: RoutePath::Connected {
                    dev: calico::VXLAN_DEVICE.to_string(),
                },
                kind: PeerPath::Vxlan,
                proto: Some(ctx.device_route_protocol),
                mtu: ctx.vxlan_mtu(),
                peer: Some(peer.node.name.clone()),
                why: format!(
                    "{}'s VXLAN tunnel IP {tun} is not inside a block affine to it",
                    peer.node.name
                ),
                missing: Code::TunnelIpRouteMissing,
            });
        }
    }
    out
}

fn is_tunnel_dev(dev: &str) -> bool {
    dev == calico::VXLAN_DEVICE || dev == calico::IPIP_DEVICE || dev == calico::VXLAN_V6_DEVICE
}

fn diff_one(exp: &ExpectedRoute, table: &MainTable, out: &mut Outcome) {
    let subject = format!("route {}", exp.dst);
    let with_peer = |f: Finding| match &exp.peer {
        Some(p) => f.peer(p.clone()),
        None => f,
    };
    let Some(actual) = table.get(&exp.dst) else {
        let hint = match exp.missing {
            Code::BlackholeMissing => "Felix (VXLAN, or Felix-owned routes) or BIRD adds it for every local block; check that they run",
            Code::TunnelIpRouteMissing => "Calico before v3.29.2 lacks this route (#5595): upgrade; otherwise Felix is not syncing routes",
            _ => match exp.kind {
                PeerPath::Vxlan | PeerPath::Direct if exp.proto != Some(RouteProto::BIRD) => "Felix programs this route: check calico-node is running and ready on this node",
                _ => "BIRD programs this route: check `calicoctl node status` for the BGP session with that peer",
            },
        };
        out.push(with_peer(
            Finding::new(exp.missing, subject)
                .expected(format!("{} ({})", exp.describe(), exp.why))
                .actual("no route")
                .hint(hint),
        ));
        return;
    };

    if exp.path == RoutePath::Blackhole {
        if actual.kind != RouteType::Blackhole {
            out.push(
                Finding::new(Code::BlackholeMissing, subject)
                    .expected(format!("{} ({})", exp.describe(), exp.why))
                    .actual(actual.to_string())
                    .hint("a local block should be blackholed so its unused addresses do not leak"),
            );
        } else {
            check_proto(exp, actual, out);
        }
        return;
    }

    if actual.kind != RouteType::Unicast {
        let (code, hint) = if actual.kind == RouteType::Blackhole {
            (Code::BlackholeStale, "a blackhole for a block affine to another node: traffic to its pods is dropped here (stale affinity, or BIRD/Felix kept old state)")
        } else {
            (
                Code::RouteMissing,
                "a route of this type drops the traffic; find who installed it",
            )
        };
        out.push(with_peer(
            Finding::new(code, subject)
                .expected(format!("{} ({})", exp.describe(), exp.why))
                .actual(actual.to_string())
                .hint(hint),
        ));
        return;
    }

    let paths = actual.paths();
    let ok = match &exp.path {
        RoutePath::Via { gateway, dev, .. } => paths
            .iter()
            .any(|(g, d)| *g == Some(*gateway) && *d == Some(dev.as_str())),
        RoutePath::Connected { dev } => paths
            .iter()
            .any(|(g, d)| g.is_none() && *d == Some(dev.as_str())),
        RoutePath::Blackhole => false,
        RoutePath::Fabric => true,
    };
    if !ok {
        let actual_dev = paths.first().and_then(|(_, d)| *d).unwrap_or("");
        let (code, hint) = match exp.kind {
            PeerPath::Direct if is_tunnel_dev(actual_dev) => (
                Code::RouteWrongPath,
                "the pool is CrossSubnet and the peer shares this node's subnet: Felix routes it directly; a tunnel route here is stale, or the node's IPv4Address prefix changed",
            ),
            PeerPath::Vxlan | PeerPath::Ipip if !is_tunnel_dev(actual_dev) => (
                Code::RouteWrongPath,
                "the peer is outside this node's subnet (or the pool is Always): traffic must be encapsulated; check the pool mode and the Nodes' IPv4Address prefixes",
            ),
            PeerPath::Vxlan if actual_dev == calico::IPIP_DEVICE => (
                Code::RouteWrongPath,
                "the pool uses VXLAN but the route uses IPIP: the encapsulation was switched without cleanup (#10449)",
            ),
            PeerPath::Ipip if actual_dev == calico::VXLAN_DEVICE => (
                Code::RouteWrongPath,
                "the pool uses IPIP but the route uses VXLAN: the encapsulation was switched without cleanup",
            ),
            _ => (
                Code::RouteStaleGateway,
                "the peer's node IP or tunnel IP changed and this route kept the old one: Felix/BIRD are not syncing, or the Node resource is stale",
            ),
        };
        out.push(with_peer(
            Finding::new(code, subject)
                .expected(format!("{} ({})", exp.describe(), exp.why))
                .actual(actual.to_string())
                .hint(hint),
        ));
        return;
    }

    if let RoutePath::Via { onlink: true, .. } = exp.path {
        let nh_onlink = actual.nexthops.iter().any(|n| n.onlink);
        if !actual.onlink && !nh_onlink {
            out.push(with_peer(
                Finding::new(Code::RouteAttr, subject.clone())
                    .expected(exp.describe())
                    .actual(actual.to_string())
                    .hint("Calico sets onlink on this route; without it the kernel may refuse the gateway. Something other than Calico installed it"),
            ));
            return;
        }
    }
    if !check_proto(exp, actual, out) {
        return;
    }
    if let (Some(want), Some(have)) = (exp.mtu, actual.mtu) {
        if want != have {
            out.push(with_peer(
                Finding::new(Code::RouteAttr, subject)
                    .expected(format!("{} mtu {want}", exp.describe()))
                    .actual(actual.to_string())
                    .hint("the route MTU should match the tunnel MTU; a larger one lets oversized packets into the tunnel"),
            ));
        }
    }
}

/// Compares the protocol; returns false when a finding was written.
fn check_proto(exp: &ExpectedRoute, actual: &Route, out: &mut Outcome) -> bool {
    let (Some(want), Some(have)) = (exp.proto, actual.protocol) else {
        return true;
    };
    if want == have {
        return true;
    }
    let hint = if want == RouteProto::BIRD || have == RouteProto::BIRD {
        "BIRD and Felix disagree on who programs these routes: check FelixConfiguration and BGPConfiguration programClusterRoutes"
    } else {
        "Calico owns routes by protocol; one with another protocol was installed by something else (or FelixConfiguration deviceRouteProtocol changed)"
    };
    let mut f = Finding::new(Code::RouteAttr, format!("route {}", exp.dst))
        .expected(exp.describe())
        .actual(actual.to_string())
        .hint(hint);
    if let Some(p) = &exp.peer {
        f = f.peer(p.clone());
    }
    out.push(f);
    false
}

/// Calico-owned routes nobody expects: proto 80 anywhere and anything on vxlan.calico (Felix
/// deletes both), and blackholes for pool blocks that are not this node's.
fn stray_routes(ctx: &Context, routes: &[Route], matched: &HashSet<IpNet>, out: &mut Outcome) {
    for r in routes.iter().filter(|r| r.is_main()) {
        let dst = r.dst.trunc();
        if matched.contains(&dst) {
            continue;
        }
        let in_pool = ctx.pool_for(&dst).is_some();
        if r.kind == RouteType::Blackhole && in_pool {
            out.push(
                Finding::new(Code::BlackholeStale, format!("route {dst}"))
                    .expected(format!("no blackhole: {dst} is not a block affine to this node"))
                    .actual(r.to_string())
                    .hint("a stale affinity or blackhole: traffic to pods in that block is dropped here; check BlockAffinities and restart calico-node if they are right"),
            );
            continue;
        }
        let on_vxlan = matches!(
            r.dev.as_deref(),
            Some(calico::VXLAN_DEVICE | calico::VXLAN_V6_DEVICE)
        ) && r.protocol != Some(RouteProto::KERNEL)
            && !is_v6_link_local(&dst);
        let felix = r.protocol == Some(RouteProto::FELIX) && r.kind != RouteType::Local;
        if on_vxlan || felix {
            out.push(
                Finding::new(Code::RouteUnexpected, format!("route {dst}"))
                    .expected("no such route (no block, borrowed address or peer needs it)")
                    .actual(r.to_string())
                    .hint("Felix deletes routes it owns but does not want within routeRefreshInterval (90 s); if it stays, Felix is not syncing or the intent is stale"),
            );
        }
    }
}

fn is_v6_link_local(net: &IpNet) -> bool {
    match net.addr() {
        IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
        IpAddr::V4(_) => false,
    }
}
