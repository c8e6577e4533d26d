//! Route rules (§8 rules 4–7, 14, 15 and the no-encap cases of §3–4): for every IPAM block and
//! borrowed address, the route Calico programs for its pool's mode; blackholes for local blocks;
//! /32s for borrowed VXLAN tunnel IPs; then the diff against the main table, and the Calico-owned
//! routes nobody expects.

// Fx hashing: these maps are keyed by prefixes and addresses and asked once per route (100 000
// on a large node); SipHash was a third of the engine's time.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::context::{BlockSet, Context, Peer, PeerPath};
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
    unresolved_bird_routes(ctx, routes, out);
    if !ctx.intent.listed.pools && ctx.intent.pools.is_empty() {
        // No IPPools: no block's mode, so no route shape to expect and none to call stray. Who
        // owns each block still says which next hops are wrong.
        out.unknown(
            "no IPPools in the intent: routes to blocks, blackholes and stray routes are not \
             checked (collect `kubectl get ippools -o yaml`)",
        );
        foreign_next_hops(ctx, &MainTable::new(routes), out);
        return;
    }
    if !ctx.blocks_known {
        // No IPAMBlocks and no BlockAffinities: nothing says which node owns what, so no route is
        // expected and none can be called stray (an absence of intent is never a finding). What
        // the pools' modes alone decide is still judged.
        out.unknown(
            "no IPAMBlocks or BlockAffinities in the intent: routes to remote blocks, local \
             blackholes, tunnel-IP routes and stray routes are not checked (collect \
             `kubectl get blockaffinities,ipamblocks -o yaml`); only what the pool modes decide is",
        );
        pool_mode_routes(ctx, routes, out);
        return;
    }
    if ctx.intent.blocks_from_affinities() {
        out.unknown(
            "blocks derived from BlockAffinities (no IPAMBlocks in the intent): borrowed \
             addresses and more specific routes inside blocks are not checked",
        );
    }
    let expected = expected_routes(ctx, out);
    let index = MainTable::new(routes);
    let mut matched: HashSet<IpNet> =
        HashSet::with_capacity_and_hasher(expected.len(), Default::default());
    for exp in &expected {
        out.checked.routes += 1;
        matched.insert(exp.dst);
        diff_one(exp, &index, ctx.device_route_protocol, out);
    }
    // Overrides first: a more specific route inside a peer's block is that, not also a stray.
    matched.extend(overrides(ctx, routes, &expected, &matched, out));
    stray_routes(ctx, routes, &matched, out);
    foreign_next_hops(ctx, &index, out);
}

/// The main table indexed by destination; the lowest metric wins, as in the kernel.
struct MainTable<'r> {
    by_dst: HashMap<IpNet, &'r Route>,
}

impl<'r> MainTable<'r> {
    fn new(routes: &'r [Route]) -> Self {
        let mut by_dst: HashMap<IpNet, &Route> =
            HashMap::with_capacity_and_hasher(routes.len(), Default::default());
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
    let mut no_vtep_reported: HashSet<&str> = HashSet::default();
    let mut no_programmer_reported: HashSet<&str> = HashSet::default();
    let mut fabric_reported: HashSet<&str> = HashSet::default();

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
                let known = kind != PoolType::Ipip || ctx.ipip_owner_known();
                exp.push(ExpectedRoute {
                    dst: block.cidr,
                    path: RoutePath::Blackhole,
                    kind: PeerPath::Direct,
                    proto: known.then(|| {
                        if bird {
                            RouteProto::BIRD
                        } else {
                            ctx.felix_special_proto()
                        }
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
            let known = ctx.ipip_owner_known();
            let proto = known.then(|| {
                if felix {
                    ctx.felix_special_proto()
                } else {
                    RouteProto::BIRD
                }
            });
            // Unknown owner: BIRD's same-subnet route has no onlink, Felix's has; accept both.
            let felix = felix && known;
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

fn diff_one(exp: &ExpectedRoute, table: &MainTable, drp: u8, out: &mut Outcome) {
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
                PeerPath::Ipip | PeerPath::Direct if exp.proto.is_none() => "BIRD programs this route, or Felix with programClusterRoutes (the default moved between Calico versions): check `calicoctl node status` for the BGP session with that peer, and calico-node on this node",
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
            check_proto(exp, actual, drp, out);
        }
        return;
    }

    if actual.kind != RouteType::Unicast {
        let (code, hint) = if matches!(actual.kind, RouteType::Unreachable | RouteType::Prohibit) {
            (Code::RouteUnreachable, UNREACHABLE_HINT)
        } else if actual.kind == RouteType::Blackhole {
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
            PeerPath::Direct if is_tunnel_dev(actual_dev) && exp.why.contains("CrossSubnet") => (
                Code::RouteWrongPath,
                "the pool is CrossSubnet and the peer shares this node's subnet: Felix routes it directly; a tunnel route here is stale, or the node's IPv4Address prefix changed",
            ),
            PeerPath::Direct if is_tunnel_dev(actual_dev) => (
                Code::RouteWrongPath,
                "the pool uses no encapsulation: BIRD (or Felix with programClusterRoutes) routes it via the peer's node IP; a tunnel route here is left from an earlier encapsulation (#10449) or hand-made",
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
    if !check_proto(exp, actual, drp, out) {
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
fn check_proto(exp: &ExpectedRoute, actual: &Route, drp: u8, out: &mut Outcome) -> bool {
    let (Some(want), Some(have)) = (exp.proto, actual.protocol) else {
        return true;
    };
    if want == have {
        return true;
    }
    // Protocols Calico never uses for its routes unless deviceRouteProtocol says so: a person or
    // another agent wrote this one (`ip route add` defaults to boot, NetworkManager and netplan to
    // static, DHCP clients to dhcp).
    // Felix's own deviceRouteProtocol (boot by default) is not foreign: that is Felix writing a
    // route BIRD should own, which the next hint covers.
    let foreign = matches!(
        have,
        RouteProto::BOOT | RouteProto::STATIC | RouteProto::DHCP
    ) && want != have
        && have != drp;
    let (code, hint) = if foreign {
        (
            Code::RouteForeignProto,
            "written by hand or by a host agent, not by Calico: Felix rewrites routes on its own devices (vxlan.calico, cali*) within routeRefreshInterval (90 s), but one via the parent stays until removed — and when Felix or BIRD later withdraws the block, this copy keeps sending its traffic to the old place; delete it and let Calico program it",
        )
    } else if want == RouteProto::BIRD || have == RouteProto::BIRD {
        (Code::RouteAttr, "BIRD and Felix disagree on who programs these routes: check FelixConfiguration and BGPConfiguration programClusterRoutes")
    } else {
        (Code::RouteAttr, "Calico owns routes by protocol; one with another protocol was installed by something else (or FelixConfiguration deviceRouteProtocol changed)")
    };
    let mut f = Finding::new(code, format!("route {}", exp.dst))
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
    let mut foreign_noted = false;
    let from_affinities = ctx.intent.blocks_from_affinities();
    let owned = BlockSet::from_iter(
        ctx.intent
            .blocks
            .iter()
            .filter(|b| !b.deleted && b.affinity.is_some())
            .map(|b| b.cidr),
    );
    for r in routes.iter().filter(|r| r.is_main()) {
        let dst = r.dst.trunc();
        if matched.contains(&dst) {
            continue;
        }
        if !ctx.blocks_known_for(&dst) {
            // Affinities of one family only (a hand-assembled intent): the other family's routes
            // cannot be judged.
            continue;
        }
        if from_affinities
            && dst.prefix_len() == dst.max_prefix_len()
            && ctx.pool_for(&dst).is_some()
        {
            // A borrowed address, perhaps: blocks made from affinities have no allocations.
            continue;
        }
        if ctx.in_foreign_block(&dst) {
            // The block's node is not in the intent: its route cannot be judged either way.
            if !foreign_noted {
                foreign_noted = true;
                out.unknown("routes into blocks of nodes that are not in the intent are not judged (add those Nodes)");
            }
            continue;
        }
        let pool = ctx.pool_for(&dst);
        let in_pool = pool.is_some();
        if in_pool && matches!(r.kind, RouteType::Unreachable | RouteType::Prohibit) {
            out.push(unreachable(r, &dst));
            continue;
        }
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
        if let Some(pool) = pool.filter(|_| r.kind == RouteType::Unicast) {
            if let Some(f) = orphan_block_route(ctx, &owned, pool, r, &dst) {
                out.push(f);
                continue;
            }
        }
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

/// A unicast route in a pool to a block-sized (or smaller) range that no live block owned by a
/// node covers: a block released or moved while its route stayed (BIRD withdraws a block when its
/// affinity goes, Felix when the block does; a route left behind by a restart or written by hand
/// stays). The next node to claim that block gets its traffic stolen. `None` when the route is
/// explained: a workload /32, a borrowed address, a range wider than a block (a fabric or
/// aggregate route), or a block that exists.
fn orphan_block_route(
    ctx: &Context,
    owned: &BlockSet,
    pool: &IpPool,
    r: &Route,
    dst: &IpNet,
) -> Option<Finding> {
    if dst.prefix_len() < pool.block_size || dst.prefix_len() == dst.max_prefix_len() {
        // Wider than a block: an aggregate. Host routes: workloads and borrowed addresses, which
        // the workload and override rules judge.
        return None;
    }
    if r.dev.as_deref().is_some_and(|d| ctx.is_workload_iface(d)) {
        return None;
    }
    if owned.overlaps(dst) {
        return None;
    }
    Some(
        Finding::new(Code::RouteOrphanBlock, format!("route {dst}"))
            .expected(format!(
                "no route: no block of pool {} at {dst} is affine to any node",
                pool.name
            ))
            .actual(r.to_string())
            .hint(match r.protocol {
                Some(RouteProto::BIRD) => "BIRD still exports or learnt a block that IPAM released: check the peer's BIRD (`birdcl show route`) and the BlockAffinities; the next node to claim this block will have its traffic sent here",
                Some(p) if p == ctx.device_route_protocol || p == RouteProto::FELIX => "Felix programmed this for a block that no longer exists; it removes it on its next route refresh (90 s) when running — a lasting one means Felix is stuck on this node",
                _ => "not written by Calico (see its proto) and outside every live block: remove it, or the node that claims this block next loses its traffic here",
            }),
    )
}

/// A more specific route inside a peer's block that goes somewhere else than the block's own
/// route: longest-prefix match hands part of the block (often a single pod) to another node,
/// device or gateway. Borrowed addresses Calico routes on purpose are matched first and skipped;
/// blocks made from affinities have unknown allocations, so nothing is judged inside them.
/// Returns the destinations reported. Only unicast routes: blackholes and unreachable ones are
/// the stray rules' to name.
fn overrides(
    ctx: &Context,
    routes: &[Route],
    expected: &[ExpectedRoute],
    matched: &HashSet<IpNet>,
    out: &mut Outcome,
) -> Vec<IpNet> {
    let mut reported = Vec::new();
    let derived: HashSet<IpNet> = ctx
        .intent
        .blocks
        .iter()
        .filter(|b| b.from_affinity)
        .map(|b| b.cidr.trunc())
        .collect();
    let blocks: Vec<&ExpectedRoute> = expected
        .iter()
        .filter(|e| e.peer.is_some() && e.dst.prefix_len() < e.dst.max_prefix_len())
        .filter(|e| !derived.contains(&e.dst.trunc()))
        .collect();
    if blocks.is_empty() {
        return reported;
    }
    let pods: HashMap<IpAddr, &crate::model::cluster::Pod> = ctx
        .intent
        .pods
        .iter()
        .flat_map(|p| p.ips.iter().map(move |ip| (*ip, p)))
        .collect();
    // By (prefix length, network): a route looks up its covering block once per block size.
    let mut lens: Vec<u8> = blocks.iter().map(|e| e.dst.prefix_len()).collect();
    lens.sort_unstable();
    lens.dedup();
    let by_net: HashMap<IpNet, &ExpectedRoute> =
        blocks.iter().map(|e| (e.dst.trunc(), *e)).collect();
    for r in routes.iter().filter(|r| r.is_main()) {
        let dst = r.dst.trunc();
        if matched.contains(&dst) || r.kind != RouteType::Unicast {
            continue;
        }
        let Some(block) = lens
            .iter()
            .filter(|l| **l < dst.prefix_len())
            .find_map(|l| {
                IpNet::new(dst.addr(), *l)
                    .ok()
                    .and_then(|n| by_net.get(&n.trunc()).copied())
            })
        else {
            continue;
        };
        if r.dev.as_deref().is_some_and(|d| ctx.is_workload_iface(d)) {
            // A local workload inside a peer's block: a borrowed address the workload rule
            // checks against the Pods.
            continue;
        }
        let same_path = match &block.path {
            RoutePath::Via { gateway, dev, .. } => r
                .paths()
                .iter()
                .any(|(g, d)| *g == Some(*gateway) && *d == Some(dev.as_str())),
            RoutePath::Fabric => r.kind == RouteType::Unicast,
            _ => false,
        };
        if same_path {
            continue;
        }
        let owner = block.peer.as_deref().unwrap_or("?");
        let pod = pods
            .get(&dst.addr())
            .filter(|_| dst.prefix_len() == dst.max_prefix_len())
            .map(|p| {
                format!(
                    " (pod {}/{} on {})",
                    p.namespace,
                    p.name,
                    p.node.as_deref().unwrap_or("?")
                )
            })
            .unwrap_or_default();
        out.push(
            Finding::new(Code::RouteOverride, format!("route {dst}"))
                .peer(owner)
                .expected(format!(
                    "{dst}{pod} follows its block's route: {} ({})",
                    block.describe(),
                    block.why
                ))
                .actual(r.to_string())
                .hint("a more specific route wins by longest prefix: this part of the block goes elsewhere. Calico writes /32s only for borrowed addresses (in the IPAMBlocks) and local pods; a leftover of a moved pod, a hand-made route or another agent wrote this one — delete it"),
        );
        reported.push(dst);
    }
    reported
}

const UNREACHABLE_HINT: &str = "Calico never programs unreachable or prohibit routes: BIRD installs `unreachable` for a route whose BGP next hop it cannot resolve (the peer is in another subnet without IPIP/VXLAN CrossSubnet, or its next hop is not on a local link — #1761); pods behind it get ICMP errors. Check `birdcl show route all` and the pool's encapsulation";

fn unreachable(r: &Route, dst: &IpNet) -> Finding {
    Finding::new(Code::RouteUnreachable, format!("route {dst}"))
        .expected(format!(
            "a unicast route to {dst} toward the node that owns it"
        ))
        .actual(r.to_string())
        .hint(UNREACHABLE_HINT)
}

/// Without blocks, what the pool's mode alone decides about a route inside it (§3–4): an
/// unreachable route is always wrong; in an `Always` pool every block route goes through the
/// tunnel; in a `Never` pool none does. CrossSubnet depends on the owner, so it is left alone.
fn pool_mode_routes(ctx: &Context, routes: &[Route], out: &mut Outcome) {
    for r in routes.iter().filter(|r| r.is_main()) {
        let dst = r.dst.trunc();
        let Some(pool) = ctx.pool_for(&dst) else {
            continue;
        };
        if dst.prefix_len() < pool.block_size && !dst.addr().is_ipv6() {
            // An aggregate (the whole pool via a router), not a block route.
            continue;
        }
        if r.dev.as_deref().is_some_and(|d| ctx.is_workload_iface(d)) {
            continue;
        }
        out.checked.routes += 1;
        if matches!(r.kind, RouteType::Unreachable | RouteType::Prohibit) {
            out.push(unreachable(r, &dst));
            continue;
        }
        if r.kind != RouteType::Unicast {
            continue;
        }
        let dev = r.paths().first().and_then(|(_, d)| *d).unwrap_or("");
        let tunnel = match pool.pool_type() {
            PoolType::Vxlan if pool.vxlan_mode == crate::model::cluster::EncapMode::Always => {
                Some(if dst.addr().is_ipv6() {
                    calico::VXLAN_V6_DEVICE
                } else {
                    calico::VXLAN_DEVICE
                })
            }
            PoolType::Ipip if pool.ipip_mode == crate::model::cluster::EncapMode::Always => {
                Some(calico::IPIP_DEVICE)
            }
            _ => None,
        };
        let wrong = match (pool.pool_type(), tunnel) {
            (_, Some(t)) => dev != t,
            (PoolType::NoEncap, None) => is_tunnel_dev(dev),
            _ => false,
        };
        if !wrong {
            continue;
        }
        let (expected, hint) = match tunnel {
            Some(t) => (
                format!("{dst} via <peer's {}> dev {t} onlink (pool {} is {}: always encapsulated)", if t == calico::IPIP_DEVICE { "node IP" } else { "VTEP" }, pool.name, pool.mode_label()),
                "traffic to this block leaves unencapsulated although the pool says Always: the fabric must then route pod CIDRs, which it usually does not. A route from another encapsulation or a hand-made one; Felix/BIRD reprogram it when they run",
            ),
            None => (
                format!("{dst} via <peer's node IP> (pool {} is no-encap)", pool.name),
                "the pool uses no encapsulation but this route tunnels: the encapsulation was switched without cleanup (#10449)",
            ),
        };
        out.push(
            Finding::new(Code::RouteWrongPath, format!("route {dst}"))
                .expected(expected)
                .actual(r.to_string())
                .hint(hint),
        );
    }
}

/// BIRD's `unreachable` routes outside the pools: BIRD could not resolve a BGP next hop (a peer
/// in another subnet without a route to it, a next hop that is not on a local link). Inside a
/// pool the block rules report them as errors; outside one they still say a BGP session carries
/// routes this node cannot use, which is how #1761 looked.
fn unresolved_bird_routes(ctx: &Context, routes: &[Route], out: &mut Outcome) {
    for r in routes.iter().filter(|r| r.is_main()) {
        let dst = r.dst.trunc();
        if r.protocol != Some(RouteProto::BIRD)
            || !matches!(r.kind, RouteType::Unreachable | RouteType::Prohibit)
            || ctx.pool_for(&dst).is_some()
        {
            continue;
        }
        out.push(
            unreachable(r, &dst)
                .severity(crate::Severity::Warning)
                .expected(format!(
                    "a unicast route to {dst}: BIRD learnt it from a peer"
                )),
        );
    }
}

/// A block's route with a next hop that belongs to another node than the block's owner: an ECMP
/// route across two nodes (a duplicate BlockAffinity: BIRD learns the block from both, #6486) or,
/// when the pool is not in the intent, any route to a node that does not own the block. Every
/// flow hashed to the wrong node is lost. Judged by who owns the gateway, so no pool is needed.
fn foreign_next_hops(ctx: &Context, table: &MainTable, out: &mut Outcome) {
    let mut owner_of: HashMap<IpAddr, &str> = HashMap::default();
    for p in &ctx.peers {
        let name = p.node.name.as_str();
        for ip in [
            p.ip.map(IpAddr::V4),
            p.ip6.map(IpAddr::V6),
            p.vtep.map(|(t, _)| IpAddr::V4(t)),
            p.vtep6.map(|(t, _)| IpAddr::V6(t)),
            p.node.ipip_tunnel_ip.map(IpAddr::V4),
        ]
        .into_iter()
        .flatten()
        {
            owner_of.entry(ip).or_insert(name);
        }
    }
    for b in ctx.intent.blocks.iter().filter(|b| !b.deleted) {
        let Some(owner) = b.affinity.as_deref() else {
            continue;
        };
        if owner == ctx.node.name {
            continue;
        }
        let Some(r) = table.get(&b.cidr) else {
            continue;
        };
        let paths = r.paths();
        let pool_known = ctx.pool_for(&b.cidr).is_some();
        if pool_known && paths.len() < 2 {
            // One path: the block rules already judged it.
            continue;
        }
        let strangers: Vec<(IpAddr, &str)> = paths
            .iter()
            .filter_map(|(g, _)| g.and_then(|g| owner_of.get(&g).map(|n| (g, *n))))
            .filter(|(_, n)| *n != owner)
            .collect();
        let Some((gw, other)) = strangers.first() else {
            continue;
        };
        out.push(
            Finding::new(Code::RouteStaleGateway, format!("route {}", b.cidr))
                .peer(owner)
                .expected(format!(
                    "{} toward {owner}, the block's owner{}",
                    b.cidr,
                    if paths.len() > 1 { ", only" } else { "" }
                ))
                .actual(r.to_string())
                .hint(format!(
                    "next hop {gw} is {other}, which does not own this block{}: a duplicate or stale BlockAffinity makes BIRD learn the block from both nodes (#6486); `calicoctl ipam check`, then delete the stale BlockAffinity",
                    if paths.len() > 1 { " — flows hashed to it are lost" } else { "" }
                )),
        );
    }
}
