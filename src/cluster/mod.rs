//! The cluster-wide cross-check (`netdiag cluster-status`): every node's real state (collected by
//! a Pod on it, or in a lab namespace) against every other node's view of it — for every ordered
//! pair (A, B), A's route, neighbour and FDB entry for B against B's *real* VTEP MAC, tunnel IP and
//! node IP — plus MTUs across nodes, Calico Node addresses on no link, and each node's own
//! node-status report. Disagreements are grouped by the node whose real state the others do not
//! hold, so a changed VTEP MAC on one node is one culprit line, not N−1 separate reports.
//!
//! Pure: no I/O; the same input gives the same report whichever way the states were collected.
//! Cost: O(N × (entries of a node)) hash look-ups for the pairs; the per-node reports run the
//! expectation engine once per node, on every core.

mod render;
pub mod synth;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};

use serde::{Deserialize, Serialize};

use crate::calico;
use crate::finding::Severity;
use crate::model::cluster::{NodeIntent, PoolType};
use crate::model::{ClusterIntent, Link, MacAddr, NodeState};

pub use render::{render_text, RenderOptions};

/// Version of the `cluster-status -o json` document.
pub const CLUSTER_SCHEMA: &str = "netdiag.cluster/v1";

/// Largest cluster whose N×N matrix the text output draws.
pub const MATRIX_MAX_NODES: usize = 12;

/// Why a node's state could not be collected (a Pod that never ran, RBAC, garbage in its log, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreachable {
    pub node: String,
    /// Stable reason: `pending-timeout`, `image-pull`, `forbidden`, `log-not-json`, `node-gone`,
    /// `pod-failed`, `api-error`, `collect-failed`.
    pub reason: String,
    /// One line: what happened, with the Pod's own words when it gave any.
    pub detail: String,
}

/// Stable codes of cluster findings (grep for them; listed in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ClusterCode {
    /// The node's vxlan.calico MAC differs from what its peers hold for it.
    #[serde(rename = "CLUSTER-VTEP-MAC-CHANGED")]
    VtepMacChanged,
    /// The node's underlay address differs from what its peers send to.
    #[serde(rename = "CLUSTER-NODE-IP-CHANGED")]
    NodeIpChanged,
    /// The node's vxlan.calico address differs from what its peers route and resolve.
    #[serde(rename = "CLUSTER-TUNNEL-IP-CHANGED")]
    TunnelIpChanged,
    /// This node holds state for peers that does not match their real state (a minority view).
    #[serde(rename = "CLUSTER-STALE-PEER-STATE")]
    StalePeerState,
    /// This node lacks the route, neighbour or FDB entry for peers.
    #[serde(rename = "CLUSTER-PEER-STATE-MISSING")]
    PeerStateMissing,
    /// The node's Calico Node address is on none of its links (wrong autodetection, changed IP).
    #[serde(rename = "CLUSTER-NODE-IP-NOT-LOCAL")]
    NodeIpNotLocal,
    /// The node's tunnel MTU differs from most nodes'.
    #[serde(rename = "CLUSTER-TUNNEL-MTU-MISMATCH")]
    TunnelMtuMismatch,
    /// The node's underlay (parent) MTU differs from most nodes'.
    #[serde(rename = "CLUSTER-UNDERLAY-MTU-MISMATCH")]
    UnderlayMtuMismatch,
    /// The node's own node-status report has findings at warning or above.
    #[serde(rename = "CLUSTER-NODE-FINDINGS")]
    NodeFindings,
    /// The node's state could not be collected.
    #[serde(rename = "CLUSTER-NODE-UNREACHABLE")]
    NodeUnreachable,
}

impl ClusterCode {
    pub const ALL: &'static [ClusterCode] = &[
        ClusterCode::VtepMacChanged,
        ClusterCode::NodeIpChanged,
        ClusterCode::TunnelIpChanged,
        ClusterCode::StalePeerState,
        ClusterCode::PeerStateMissing,
        ClusterCode::NodeIpNotLocal,
        ClusterCode::TunnelMtuMismatch,
        ClusterCode::UnderlayMtuMismatch,
        ClusterCode::NodeFindings,
        ClusterCode::NodeUnreachable,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ClusterCode::VtepMacChanged => "CLUSTER-VTEP-MAC-CHANGED",
            ClusterCode::NodeIpChanged => "CLUSTER-NODE-IP-CHANGED",
            ClusterCode::TunnelIpChanged => "CLUSTER-TUNNEL-IP-CHANGED",
            ClusterCode::StalePeerState => "CLUSTER-STALE-PEER-STATE",
            ClusterCode::PeerStateMissing => "CLUSTER-PEER-STATE-MISSING",
            ClusterCode::NodeIpNotLocal => "CLUSTER-NODE-IP-NOT-LOCAL",
            ClusterCode::TunnelMtuMismatch => "CLUSTER-TUNNEL-MTU-MISMATCH",
            ClusterCode::UnderlayMtuMismatch => "CLUSTER-UNDERLAY-MTU-MISMATCH",
            ClusterCode::NodeFindings => "CLUSTER-NODE-FINDINGS",
            ClusterCode::NodeUnreachable => "CLUSTER-NODE-UNREACHABLE",
        }
    }

    pub fn default_severity(&self) -> Severity {
        match self {
            ClusterCode::TunnelMtuMismatch | ClusterCode::UnderlayMtuMismatch => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            ClusterCode::VtepMacChanged => "The node's vxlan.calico MAC is not the one its peers hold in their neighbour and FDB entries (the MAC changed; peers did not follow).",
            ClusterCode::NodeIpChanged => "The node's underlay address is not the one its peers' FDB entries and direct routes send to (the IP changed; peers did not follow).",
            ClusterCode::TunnelIpChanged => "The node's vxlan.calico address is not the one its peers route via and resolve.",
            ClusterCode::StalePeerState => "This node holds entries for peers that match neither their real state nor what the other nodes hold (this node's Felix is not syncing).",
            ClusterCode::PeerStateMissing => "This node lacks the route, neighbour or FDB entry for peers that the other nodes have.",
            ClusterCode::NodeIpNotLocal => "The node's Calico Node address is on none of its links: wrong IP autodetection, or the address changed.",
            ClusterCode::TunnelMtuMismatch => "The node's tunnel MTU differs from most nodes' (large packets between them are dropped one way).",
            ClusterCode::UnderlayMtuMismatch => "The node's underlay (parent) MTU differs from most nodes'.",
            ClusterCode::NodeFindings => "The node's own node-status report has errors or warnings not explained by a culprit above.",
            ClusterCode::NodeUnreachable => "The node's state could not be collected (Pod pending, image pull, RBAC, timeout, node gone): it is missing from the cross-check.",
        }
    }
}

/// What went wrong in one ordered pair: `holder`'s entry for `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairIssue {
    /// The FDB entry for the target's real VTEP MAC sends elsewhere than its real node IP.
    FdbWrongDst,
    /// No FDB entry has the target's real VTEP MAC, but one sends to its node IP with another MAC.
    FdbOldMac,
    /// No FDB entry for the target at all.
    FdbMissing,
    /// The neighbour for the target's real tunnel IP has another MAC.
    NeighWrongMac,
    /// No neighbour for the target's real tunnel IP.
    NeighMissing,
    /// A route to the target's block goes via an address of the target's that is not its real one.
    RouteStaleGateway,
    /// No route to one of the target's blocks.
    RouteMissing,
}

impl PairIssue {
    pub fn as_str(&self) -> &'static str {
        match self {
            PairIssue::FdbWrongDst => "fdb-wrong-dst",
            PairIssue::FdbOldMac => "fdb-old-mac",
            PairIssue::FdbMissing => "fdb-missing",
            PairIssue::NeighWrongMac => "neigh-wrong-mac",
            PairIssue::NeighMissing => "neigh-missing",
            PairIssue::RouteStaleGateway => "route-stale-gateway",
            PairIssue::RouteMissing => "route-missing",
        }
    }

    /// Which real fact of the target the issue is about.
    fn aspect(&self) -> Aspect {
        match self {
            PairIssue::FdbOldMac | PairIssue::NeighWrongMac => Aspect::VtepMac,
            PairIssue::FdbWrongDst => Aspect::NodeIp,
            PairIssue::RouteStaleGateway => Aspect::Gateway,
            PairIssue::NeighMissing | PairIssue::FdbMissing | PairIssue::RouteMissing => {
                Aspect::Missing
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Aspect {
    VtepMac,
    NodeIp,
    Gateway,
    Missing,
}

/// One pair disagreement, with the target's real value and what the holder has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairFinding {
    pub holder: String,
    pub target: String,
    pub issue: PairIssue,
    /// The target's real value (from its own state).
    pub expected: String,
    /// What the holder has (`none` when missing).
    pub actual: String,
}

/// A node's facts as its own state shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealFacts {
    /// The IPv4 address of vxlan.calico's parent device (or of the link carrying the Node's
    /// address when there is no VXLAN device).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_ip: Option<Ipv4Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel_ip: Option<Ipv4Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vtep_mac: Option<MacAddr>,
    /// The tunnel device's MTU (vxlan.calico, else tunl0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel_mtu: Option<u32>,
    /// The underlay (parent) device and its MTU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub underlay_mtu: Option<u32>,
}

impl RealFacts {
    /// Reads the facts from a node's state; `intent` (its Node) picks the parent when there is no
    /// VXLAN device.
    pub fn of(state: &NodeState, intent: Option<&NodeIntent>) -> RealFacts {
        let vx = state.link(calico::VXLAN_DEVICE);
        let parent: Option<&Link> = vx
            .and_then(|l| l.vxlan.as_ref())
            .and_then(|v| {
                v.parent_index
                    .and_then(|i| state.link_by_index(i))
                    .or_else(|| v.parent_name.as_deref().and_then(|n| state.link(n)))
                    .or_else(|| v.local.and_then(|ip| state.link_with_addr(ip)))
            })
            .or_else(|| {
                let ip = intent?.ipv4_addr()?;
                state.link_with_addr(IpAddr::V4(ip))
            });
        let node_ip = parent.and_then(|p| {
            let v4: Vec<Ipv4Addr> = p
                .addrs
                .iter()
                .filter_map(|a| match a.addr {
                    IpAddr::V4(ip) if !ip.is_link_local() => Some(ip),
                    _ => None,
                })
                .collect();
            // The Node's address when the parent has it among others, else its first.
            let named = intent.and_then(NodeIntent::ipv4_addr);
            named
                .filter(|n| v4.contains(n))
                .or_else(|| v4.first().copied())
        });
        let tunnel_ip = vx.and_then(|l| {
            l.addrs.iter().find_map(|a| match a.addr {
                IpAddr::V4(ip) => Some(ip),
                _ => None,
            })
        });
        let tunnel_mtu = vx
            .or_else(|| state.link(calico::IPIP_DEVICE))
            .and_then(|l| l.mtu);
        RealFacts {
            node_ip,
            tunnel_ip,
            vtep_mac: vx.and_then(|l| l.mac),
            tunnel_mtu,
            parent: parent.map(|p| p.name.clone()),
            underlay_mtu: parent.and_then(|p| p.mtu),
        }
    }
}

/// One node's own node-status report, summarised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatusSummary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    /// Distinct codes at warning or above, sorted.
    pub codes: Vec<String>,
    /// Why the engine could not run for this node, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// One node in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeEntry {
    pub name: String,
    /// `ok` (collected, no culprit), `culprit`, or `unreachable`.
    pub status: String,
    /// The Node's Calico IPv4 address in the intent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real: Option<RealFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_status: Option<NodeStatusSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<Unreachable>,
}

/// One culprit: a node, what is wrong with it (or with its view of others), and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Culprit {
    pub node: String,
    pub code: ClusterCode,
    pub severity: Severity,
    /// One sentence: "worker3's VTEP MAC changed; 2 peers still hold the old one".
    pub summary: String,
    /// The nodes on the other side of the evidence (holders for a changed node, targets for a
    /// stale holder).
    pub peers: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub expected: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub actual: String,
    pub hint: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Nodes selected (collected + unreachable).
    pub nodes: usize,
    pub collected: usize,
    pub unreachable: usize,
    /// Ordered pairs checked (both ends collected), and those with an issue.
    pub pairs_checked: usize,
    pub pairs_broken: usize,
    pub culprits: usize,
}

/// The `cluster-status` report (schema [`CLUSTER_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterReport {
    pub schema_version: String,
    /// Where the states came from: `api https://…`, `lab NAME`.
    pub source: String,
    pub summary: Summary,
    pub culprits: Vec<Culprit>,
    pub nodes: Vec<NodeEntry>,
    /// Every pair disagreement (holder, target), sorted.
    pub pairs: Vec<PairFinding>,
    /// Checks that could not be made and why.
    pub unknown: Vec<String>,
}

impl ClusterReport {
    pub fn worst(&self) -> Option<Severity> {
        self.culprits.iter().map(|c| c.severity).max()
    }
}

/// Runs the per-node engine and the cross-check.
pub fn check(
    intent: &ClusterIntent,
    states: &BTreeMap<String, NodeState>,
    unreachable: &[Unreachable],
    source: &str,
) -> ClusterReport {
    let statuses = node_statuses(intent, states);
    cross_check(
        intent,
        &digests(intent, states),
        unreachable,
        statuses,
        source,
    )
}

/// Each node's own report (the node-status engine), on every core: 1 000 nodes of a 1 000-node
/// cluster each compare ~1 000 peers' entries.
pub fn node_statuses(
    intent: &ClusterIntent,
    states: &BTreeMap<String, NodeState>,
) -> BTreeMap<String, NodeStatusSummary> {
    let items: Vec<(&String, &NodeState)> = states.iter().collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16);
    let chunk = items.len().div_ceil(threads).max(1);
    let one = node_status;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(n, st)| ((*n).clone(), one(intent, st, n)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out = BTreeMap::new();
        for h in handles {
            // A panicking engine thread loses its nodes' summaries, not the run.
            if let Ok(part) = h.join() {
                out.extend(part);
            }
        }
        out
    })
}

/// One node's own node-status report (the expectation engine), summarised.
pub fn node_status(intent: &ClusterIntent, state: &NodeState, name: &str) -> NodeStatusSummary {
    match crate::expect::check(intent, state, name) {
        Ok(r) => {
            let mut codes: Vec<String> = r
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Warning)
                .map(|f| f.code.as_str().to_string())
                .collect();
            codes.sort();
            codes.dedup();
            NodeStatusSummary {
                error: r.counts.error,
                warning: r.counts.warning,
                info: r.counts.info,
                codes,
                failed: None,
            }
        }
        Err(e) => NodeStatusSummary {
            failed: Some(e.to_string()),
            ..NodeStatusSummary::default()
        },
    }
}

/// What the cross-check keeps of one node: its real facts and, compactly, its entries for peers
/// (IPv4 vxlan.calico FDB and neighbours, main-table routes inside the pools), sorted for binary
/// search. 1 000 nodes' states would take gigabytes as `NodeState`s; their digests take tens of
/// megabytes, so a fan-out can digest each state as it arrives and drop it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeDigest {
    pub facts: RealFacts,
    /// Whether the Node's Calico address is on one of its links (`None`: unknown — no address in
    /// the intent, or links/addresses not collected), and the address.
    pub intent_ip_local: Option<(Ipv4Addr, bool)>,
    has_vxlan: bool,
    /// vxlan.calico FDB entries (MAC, destination), sorted by MAC.
    fdb: Option<Vec<(MacAddr, Ipv4Addr)>>,
    /// vxlan.calico neighbours (IP, MAC), sorted by IP.
    neigh: Option<Vec<(Ipv4Addr, Option<MacAddr>)>>,
    /// Routes in a pool: (network address, prefix, gateway) per path, sorted.
    routes: Option<Vec<(Ipv4Addr, u8, Option<Ipv4Addr>)>>,
}

impl NodeDigest {
    /// Digests `state`; `node` is its Node in the intent, `pools` the IPv4 pool CIDRs.
    pub fn of(state: &NodeState, node: Option<&NodeIntent>, pools: &[ipnet::IpNet]) -> NodeDigest {
        let dev = calico::VXLAN_DEVICE;
        let v4 = |ip: IpAddr| match ip {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        };
        let fdb = state.fdb.as_ref().map(|f| {
            let mut v: Vec<(MacAddr, Ipv4Addr)> = f
                .iter()
                .filter(|e| e.dev == dev)
                .filter_map(|e| Some((e.mac, v4(e.dst?)?)))
                .collect();
            v.sort_unstable();
            v
        });
        let neigh = state.neighbours.as_ref().map(|n| {
            let mut v: Vec<(Ipv4Addr, Option<MacAddr>)> = n
                .iter()
                .filter(|n| n.dev == dev)
                .filter_map(|n| Some((v4(n.ip)?, n.mac)))
                .collect();
            v.sort_unstable();
            v
        });
        let routes = state.routes.as_ref().map(|rs| {
            let mut v = Vec::new();
            for r in rs.iter().filter(|r| r.is_main()) {
                let (ipnet::IpNet::V4(net), true) =
                    (r.dst.trunc(), pools.iter().any(|p| p.contains(&r.dst)))
                else {
                    continue;
                };
                for (gw, _) in r.paths() {
                    v.push((net.addr(), net.prefix_len(), gw.and_then(v4)));
                }
            }
            v.sort_unstable();
            v
        });
        let intent_ip_local = node.and_then(NodeIntent::ipv4_addr).and_then(|ip| {
            (state.links.is_some() && state.addrs_collected)
                .then(|| (ip, state.link_with_addr(IpAddr::V4(ip)).is_some()))
        });
        NodeDigest {
            facts: RealFacts::of(state, node),
            intent_ip_local,
            has_vxlan: state.link(dev).is_some(),
            fdb,
            neigh,
            routes,
        }
    }

    fn fdb_dsts(&self, mac: MacAddr) -> Vec<Ipv4Addr> {
        let Some(f) = &self.fdb else {
            return Vec::new();
        };
        let start = f.partition_point(|(m, _)| *m < mac);
        f[start..]
            .iter()
            .take_while(|(m, _)| *m == mac)
            .map(|(_, d)| *d)
            .collect()
    }

    fn fdb_macs_to(&self, dst: Ipv4Addr) -> Vec<MacAddr> {
        self.fdb
            .iter()
            .flatten()
            .filter(|(_, d)| *d == dst)
            .map(|(m, _)| *m)
            .collect()
    }

    fn neigh_of(&self, ip: Ipv4Addr) -> Option<Option<MacAddr>> {
        let n = self.neigh.as_ref()?;
        let i = n.binary_search_by(|(a, _)| a.cmp(&ip)).ok()?;
        Some(n[i].1)
    }

    /// Gateways of the routes to exactly `net` (`None` when there is no such route).
    fn route_gws(&self, net: &ipnet::Ipv4Net) -> Option<Vec<Option<Ipv4Addr>>> {
        let r = self.routes.as_ref()?;
        let key = (net.addr(), net.prefix_len());
        let start = r.partition_point(|(a, p, _)| (*a, *p) < key);
        let gws: Vec<Option<Ipv4Addr>> = r[start..]
            .iter()
            .take_while(|(a, p, _)| (*a, *p) == key)
            .map(|(_, _, g)| *g)
            .collect();
        (!gws.is_empty()).then_some(gws)
    }
}

/// The IPv4 pool CIDRs of the intent (what [`NodeDigest::of`] keeps routes for).
pub fn pool_cidrs(intent: &ClusterIntent) -> Vec<ipnet::IpNet> {
    intent
        .pools
        .iter()
        .filter(|p| p.cidr.addr().is_ipv4())
        .map(|p| p.cidr)
        .collect()
}

/// Digests every state (see [`NodeDigest`]).
pub fn digests(
    intent: &ClusterIntent,
    states: &BTreeMap<String, NodeState>,
) -> BTreeMap<String, NodeDigest> {
    let pools = pool_cidrs(intent);
    states
        .iter()
        .map(|(n, s)| (n.clone(), NodeDigest::of(s, intent.node(n), &pools)))
        .collect()
}

/// The cross-check proper, given each node's own report summary.
pub fn cross_check(
    intent: &ClusterIntent,
    states: &BTreeMap<String, NodeDigest>,
    unreachable: &[Unreachable],
    mut statuses: BTreeMap<String, NodeStatusSummary>,
    source: &str,
) -> ClusterReport {
    let mut unknown = Vec::new();
    let intents: HashMap<&str, &NodeIntent> =
        intent.nodes.iter().map(|n| (n.name.as_str(), n)).collect();
    let facts: BTreeMap<&str, RealFacts> = states
        .iter()
        .map(|(n, d)| (n.as_str(), d.facts.clone()))
        .collect();
    // Blocks by affine node, of pools that route (not LoadBalancer-only), live ones only.
    let mut blocks: HashMap<&str, Vec<ipnet::Ipv4Net>> = HashMap::new();
    for b in intent.blocks.iter().filter(|b| !b.deleted) {
        let routed = intent
            .pool_for(&b.cidr)
            .is_some_and(|p| p.pool_type() != PoolType::None && !p.cidr.addr().is_ipv6());
        if let (Some(aff), true) = (b.affinity.as_deref(), routed) {
            if let ipnet::IpNet::V4(net) = b.cidr.trunc() {
                blocks.entry(aff).or_default().push(net);
            }
        }
    }
    let vxlan_in_use = intent
        .pools
        .iter()
        .any(|p| p.pool_type() == PoolType::Vxlan && p.cidr.addr().is_ipv4());

    // ---- pairs ----
    let mut pairs: Vec<PairFinding> = Vec::new();
    let mut pairs_checked = 0usize;
    let names: Vec<&str> = states.keys().map(String::as_str).collect();
    for (holder, idx) in states {
        for &target in &names {
            if target == holder {
                continue;
            }
            pairs_checked += 1;
            let Some(real) = facts.get(target) else {
                continue;
            };
            let tintent = intents.get(target).copied();
            check_pair(
                holder,
                target,
                idx,
                real,
                tintent,
                blocks.get(target).map(Vec::as_slice).unwrap_or(&[]),
                vxlan_in_use,
                &mut pairs,
            );
        }
    }
    pairs.sort_by(|a, b| {
        (&a.holder, &a.target, a.issue, &a.actual).cmp(&(&b.holder, &b.target, b.issue, &b.actual))
    });
    let mut broken: Vec<(&str, &str)> = pairs
        .iter()
        .map(|p| (p.holder.as_str(), p.target.as_str()))
        .collect();
    broken.dedup();
    let pairs_broken = broken.len();

    // ---- culprits ----
    let mut culprits = Vec::new();
    aggregate_pairs(&pairs, &facts, &intents, states.len(), &mut culprits);
    node_ip_not_local(states, &mut culprits);
    mtu_outliers(&facts, &mut culprits);
    for u in unreachable {
        culprits.push(Culprit {
            node: u.node.clone(),
            code: ClusterCode::NodeUnreachable,
            severity: ClusterCode::NodeUnreachable.default_severity(),
            summary: format!("{} could not be checked: {}", u.node, u.detail),
            peers: Vec::new(),
            expected: String::new(),
            actual: u.reason.clone(),
            hint: unreachable_hint(&u.reason).to_string(),
        });
    }
    // Node-status findings not already explained by a culprit naming the node.
    for (name, st) in &statuses {
        let explained = culprits
            .iter()
            .any(|c| &c.node == name || c.peers.iter().any(|p| p == name));
        if explained || (st.error == 0 && st.warning == 0 && st.failed.is_none()) {
            continue;
        }
        let severity = if st.error > 0 || st.failed.is_some() {
            Severity::Error
        } else {
            Severity::Warning
        };
        culprits.push(Culprit {
            node: name.clone(),
            code: ClusterCode::NodeFindings,
            severity,
            summary: match &st.failed {
                Some(why) => format!("{name}: node-status could not run: {why}"),
                None => format!(
                    "{name}: node-status reports {} error(s), {} warning(s): {}",
                    st.error,
                    st.warning,
                    st.codes.join(", ")
                ),
            },
            peers: Vec::new(),
            expected: String::new(),
            actual: st.codes.join(", "),
            hint: format!(
                "run `netdiag node-status --node {name}` on that node (or its bundle) for the details"
            ),
        });
    }
    culprits.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.node.cmp(&b.node))
    });

    // ---- nodes ----
    let mut nodes: Vec<NodeEntry> = Vec::new();
    for name in states.keys() {
        let f = facts.get(name.as_str()).cloned();
        let is_culprit = culprits.iter().any(|c| &c.node == name);
        nodes.push(NodeEntry {
            name: name.clone(),
            status: if is_culprit { "culprit" } else { "ok" }.to_string(),
            intent_ip: intents
                .get(name.as_str())
                .and_then(|n| n.ipv4)
                .map(|n| n.to_string()),
            real: f,
            node_status: statuses.remove(name),
            unreachable: None,
        });
    }
    for u in unreachable {
        nodes.push(NodeEntry {
            name: u.node.clone(),
            status: "unreachable".to_string(),
            intent_ip: intents
                .get(u.node.as_str())
                .and_then(|n| n.ipv4)
                .map(|n| n.to_string()),
            real: None,
            node_status: None,
            unreachable: Some(u.clone()),
        });
    }
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    for name in states.keys() {
        if !intents.contains_key(name.as_str()) {
            unknown.push(format!(
                "{name}: no Node of that name in the intent; its peers' view of it is judged by its real state only"
            ));
        }
    }
    if !unreachable.is_empty() {
        unknown.push(format!(
            "{} node(s) not collected: pairs with them are not checked",
            unreachable.len()
        ));
    }
    let summary = Summary {
        nodes: states.len() + unreachable.len(),
        collected: states.len(),
        unreachable: unreachable.len(),
        pairs_checked,
        pairs_broken,
        culprits: culprits.len(),
    };
    ClusterReport {
        schema_version: CLUSTER_SCHEMA.to_string(),
        source: source.to_string(),
        summary,
        culprits,
        nodes,
        pairs,
        unknown,
    }
}

#[allow(clippy::too_many_arguments)]
fn check_pair(
    holder: &str,
    target: &str,
    idx: &NodeDigest,
    real: &RealFacts,
    tintent: Option<&NodeIntent>,
    tblocks: &[ipnet::Ipv4Net],
    vxlan_in_use: bool,
    out: &mut Vec<PairFinding>,
) {
    let mut push = |issue: PairIssue, expected: String, actual: String| {
        out.push(PairFinding {
            holder: holder.to_string(),
            target: target.to_string(),
            issue,
            expected,
            actual,
        });
    };
    // VXLAN: both ends have a device and the target has a VTEP.
    if vxlan_in_use && idx.has_vxlan {
        if let (Some(mac), Some(node_ip), true) = (real.vtep_mac, real.node_ip, idx.fdb.is_some()) {
            let dsts = idx.fdb_dsts(mac);
            if dsts.contains(&node_ip) {
            } else if !dsts.is_empty() {
                push(
                    PairIssue::FdbWrongDst,
                    format!("{mac} dst {node_ip}"),
                    format!("{mac} dst {}", join_ips(&dsts)),
                );
            } else {
                // An entry sending to the target under another MAC: the old MAC.
                let intent_ip = tintent.and_then(NodeIntent::ipv4_addr);
                let mut at = node_ip;
                let mut old = idx.fdb_macs_to(node_ip);
                if old.is_empty() {
                    if let Some(ip) = intent_ip {
                        at = ip;
                        old = idx.fdb_macs_to(ip);
                    }
                }
                if old.is_empty() {
                    push(
                        PairIssue::FdbMissing,
                        format!("{mac} dst {node_ip}"),
                        "none".to_string(),
                    );
                } else {
                    let macs: Vec<String> = old.iter().map(|m| m.to_string()).collect();
                    push(
                        PairIssue::FdbOldMac,
                        format!("{mac} dst {node_ip}"),
                        format!("{} dst {at}", macs.join(",")),
                    );
                }
            }
        }
        if let (Some(mac), Some(tun), true) = (real.vtep_mac, real.tunnel_ip, idx.neigh.is_some()) {
            match idx.neigh_of(tun) {
                Some(Some(m)) if m == mac => {}
                Some(m) => push(
                    PairIssue::NeighWrongMac,
                    format!("{tun} lladdr {mac}"),
                    format!("{tun} lladdr {}", opt(m)),
                ),
                None => push(
                    PairIssue::NeighMissing,
                    format!("{tun} lladdr {mac}"),
                    "none".to_string(),
                ),
            }
        }
    }
    // Routes to the target's blocks: judged only by whether they point at an address the target
    // used to have (its intent's) rather than its real one, or are missing. Which path a pool
    // mode wants is node-status's job.
    if idx.routes.is_some() {
        let real_addrs: Vec<Ipv4Addr> = [real.node_ip, real.tunnel_ip]
            .into_iter()
            .flatten()
            .collect();
        let old_addrs: Vec<Ipv4Addr> = tintent
            .map(|n| {
                [n.ipv4_addr(), n.vxlan_tunnel_ip, n.ipip_tunnel_ip]
                    .into_iter()
                    .flatten()
                    .filter(|a| !real_addrs.contains(a))
                    .collect()
            })
            .unwrap_or_default();
        for b in tblocks {
            match idx.route_gws(b) {
                None => push(
                    PairIssue::RouteMissing,
                    format!("{b} via {}", join_ips(&real_addrs)),
                    "none".to_string(),
                ),
                Some(gws) => {
                    let stale: Vec<Ipv4Addr> = gws
                        .iter()
                        .flatten()
                        .filter(|g| old_addrs.contains(g))
                        .copied()
                        .collect();
                    if !stale.is_empty() {
                        push(
                            PairIssue::RouteStaleGateway,
                            format!("{b} via {}", join_ips(&real_addrs)),
                            format!("{b} via {}", join_ips(&stale)),
                        );
                    }
                }
            }
        }
    }
}

fn join_ips(ips: &[Ipv4Addr]) -> String {
    if ips.is_empty() {
        return "?".to_string();
    }
    ips.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Groups pair findings by the node at fault. For each target and aspect: when the target's real
/// value differs from its intent (it changed) or most of its holders disagree with it, the target
/// is the culprit; otherwise each disagreeing holder is (it holds a minority, stale view).
fn aggregate_pairs(
    pairs: &[PairFinding],
    facts: &BTreeMap<&str, RealFacts>,
    intents: &HashMap<&str, &NodeIntent>,
    collected: usize,
    culprits: &mut Vec<Culprit>,
) {
    let holders_of_target = collected.saturating_sub(1).max(1);
    // (target, aspect) → findings.
    let mut by_target: BTreeMap<(&str, Aspect), Vec<&PairFinding>> = BTreeMap::new();
    for p in pairs {
        by_target
            .entry((p.target.as_str(), p.issue.aspect()))
            .or_default()
            .push(p);
    }
    let mut holder_blame: BTreeMap<(&str, bool), Vec<&PairFinding>> = BTreeMap::new();
    // (target, code) → (what changed, verbs, holders, first evidence).
    #[allow(clippy::type_complexity)]
    let mut blamed: BTreeMap<
        (String, ClusterCode),
        (String, (&str, &str), Vec<String>, &PairFinding),
    > = BTreeMap::new();
    for ((target, aspect), found) in &by_target {
        let mut holders: Vec<&str> = found.iter().map(|p| p.holder.as_str()).collect();
        holders.sort_unstable();
        holders.dedup();
        let real = facts.get(target).cloned().unwrap_or_default();
        let ti = intents.get(target).copied();
        let changed_from_intent = match aspect {
            Aspect::VtepMac => match (real.vtep_mac, ti) {
                (Some(m), Some(n)) => m != crate::expect::vtep_mac_for(n),
                _ => false,
            },
            Aspect::NodeIp | Aspect::Gateway => {
                let ip_changed = matches!((real.node_ip, ti.and_then(NodeIntent::ipv4_addr)), (Some(r), Some(i)) if r != i);
                let tun_changed = matches!((real.tunnel_ip, ti.and_then(|n| n.vxlan_tunnel_ip)), (Some(r), Some(i)) if r != i);
                ip_changed || tun_changed
            }
            Aspect::Missing => false,
        };
        let majority = holders.len() >= 2 && holders.len() * 2 > holders_of_target;
        if changed_from_intent || majority {
            let (code, what, old) = match aspect {
                Aspect::VtepMac => (
                    ClusterCode::VtepMacChanged,
                    format!("VTEP MAC changed (vxlan.calico has {})", opt(real.vtep_mac)),
                    ("holds the old one", "hold the old one"),
                ),
                Aspect::NodeIp => (
                    ClusterCode::NodeIpChanged,
                    format!(
                        "node IP changed ({} has {})",
                        real.parent.as_deref().unwrap_or("its parent"),
                        opt(real.node_ip)
                    ),
                    ("sends to the old one", "send to the old one"),
                ),
                Aspect::Gateway => {
                    let tun = matches!((real.tunnel_ip, ti.and_then(|n| n.vxlan_tunnel_ip)), (Some(r), Some(i)) if r != i);
                    if tun {
                        (
                            ClusterCode::TunnelIpChanged,
                            format!(
                                "tunnel IP changed (vxlan.calico has {})",
                                opt(real.tunnel_ip)
                            ),
                            ("routes via the old one", "route via the old one"),
                        )
                    } else {
                        (
                            ClusterCode::NodeIpChanged,
                            format!(
                                "node IP changed ({} has {})",
                                real.parent.as_deref().unwrap_or("its parent"),
                                opt(real.node_ip)
                            ),
                            ("routes via the old one", "route via the old one"),
                        )
                    }
                }
                Aspect::Missing => (
                    ClusterCode::PeerStateMissing,
                    "entries are missing on most peers".to_string(),
                    ("lacks them", "lack them"),
                ),
            };
            let entry = blamed
                .entry((target.to_string(), code))
                .or_insert_with(|| (what, old, Vec::new(), found[0]));
            entry.2.extend(holders.iter().map(|h| h.to_string()));
        } else {
            let missing = *aspect == Aspect::Missing;
            for p in found {
                holder_blame
                    .entry((p.holder.as_str(), missing))
                    .or_default()
                    .push(p);
            }
        }
    }
    for ((target, code), (what, old, mut holders, first)) in blamed {
        holders.sort();
        holders.dedup();
        let n = holders.len();
        let summary = if code == ClusterCode::PeerStateMissing {
            format!(
                "{target}: {n} of {holders_of_target} peers have no route, neighbour or FDB entry for it"
            )
        } else {
            format!(
                "{target}'s {what}; {n} peer{} still {}",
                if n == 1 { "" } else { "s" },
                if n == 1 { old.0 } else { old.1 }
            )
        };
        culprits.push(Culprit {
            node: target.clone(),
            code,
            severity: code.default_severity(),
            summary,
            peers: holders,
            expected: first.expected.clone(),
            actual: first.actual.clone(),
            hint: match code {
                ClusterCode::VtepMacChanged => format!("the peers' Felix did not see {target}'s new MAC: check that the Calico Node {target} carries it (vxlanTunnelMACAddr) and that calico-node on the holders is syncing; restarting calico-node on a holder re-programs its entries"),
                ClusterCode::NodeIpChanged => format!("update the Calico Node {target} (spec.bgp.ipv4Address / IP autodetection: calico-node on {target} re-detects on restart); the peers follow the Node, not the host"),
                ClusterCode::TunnelIpChanged => format!("the Calico Node {target}'s vxlanTunnelAddress and its vxlan.calico disagree: restart calico-node on {target}"),
                _ => format!("calico-node on the peers has not programmed {target}: is {target}'s Calico Node complete (tunnel address, node IP) and are the peers' calico-node pods running?"),
            },
        });
    }
    for ((holder, missing), found) in holder_blame {
        let mut targets: Vec<String> = found.iter().map(|p| p.target.clone()).collect();
        targets.sort();
        targets.dedup();
        let code = if missing {
            ClusterCode::PeerStateMissing
        } else {
            ClusterCode::StalePeerState
        };
        let issues: Vec<&str> = {
            let mut v: Vec<&str> = found.iter().map(|p| p.issue.as_str()).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let first = found[0];
        let summary = if missing {
            format!(
                "{holder} lacks entries for {} peer{} the others have ({}): {}",
                targets.len(),
                if targets.len() == 1 { "" } else { "s" },
                issues.join(", "),
                list_names(&targets)
            )
        } else {
            format!(
                "{holder} holds stale state for {} peer{} ({}): {}",
                targets.len(),
                if targets.len() == 1 { "" } else { "s" },
                issues.join(", "),
                list_names(&targets)
            )
        };
        culprits.push(Culprit {
            node: holder.to_string(),
            code,
            severity: code.default_severity(),
            summary,
            peers: targets,
            expected: format!("{} (real state of {})", first.expected, first.target),
            actual: first.actual.clone(),
            hint: format!("the other nodes hold the peers' real state, {holder} does not: its calico-node (Felix) is not syncing or someone changed its entries; restart calico-node on {holder}, then check `netdiag node-status --node {holder}`"),
        });
    }
}

fn list_names(names: &[String]) -> String {
    if names.len() > 8 {
        format!("{} … ({} in all)", names[..8].join(", "), names.len())
    } else {
        names.join(", ")
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
}

/// Nodes whose Calico Node address is on none of their links.
fn node_ip_not_local(states: &BTreeMap<String, NodeDigest>, culprits: &mut Vec<Culprit>) {
    for (name, d) in states {
        let Some((ip, false)) = d.intent_ip_local else {
            continue;
        };
        let real = &d.facts;
        let has = match (&real.parent, real.node_ip) {
            (Some(p), Some(r)) => format!("{p} has {r}"),
            _ => "no link has it".to_string(),
        };
        culprits.push(Culprit {
            node: name.clone(),
            code: ClusterCode::NodeIpNotLocal,
            severity: ClusterCode::NodeIpNotLocal.default_severity(),
            summary: format!("{name}'s Calico Node address {ip} is on none of its links ({has})"),
            peers: Vec::new(),
            expected: format!("{ip} on a link of {name}"),
            actual: has,
            hint: format!("IP autodetection picked a wrong or old address: set IP_AUTODETECTION_METHOD (e.g. interface=eth0 or cidr=…) on calico-node, or fix spec.bgp.ipv4Address of the Calico Node {name}"),
        });
    }
}

/// Nodes whose tunnel or underlay MTU differs from the most common value.
fn mtu_outliers(facts: &BTreeMap<&str, RealFacts>, culprits: &mut Vec<Culprit>) {
    for (code, get, what) in [
        (
            ClusterCode::TunnelMtuMismatch,
            (|f: &RealFacts| f.tunnel_mtu) as fn(&RealFacts) -> Option<u32>,
            "tunnel MTU",
        ),
        (
            ClusterCode::UnderlayMtuMismatch,
            |f: &RealFacts| f.underlay_mtu,
            "underlay MTU",
        ),
    ] {
        let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
        for f in facts.values() {
            if let Some(m) = get(f) {
                *counts.entry(m).or_default() += 1;
            }
        }
        if counts.len() < 2 {
            continue;
        }
        // The most common value; ties go to the larger count then the smaller MTU.
        let Some((&common, &n)) = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        else {
            continue;
        };
        for (name, f) in facts {
            let Some(m) = get(f) else { continue };
            if m == common {
                continue;
            }
            culprits.push(Culprit {
                node: name.to_string(),
                code,
                severity: code.default_severity(),
                summary: format!(
                    "{name}'s {what} {m} differs from the {n} other node{}' {common}",
                    if n == 1 { "" } else { "s" }
                ),
                peers: Vec::new(),
                expected: common.to_string(),
                actual: m.to_string(),
                hint: "packets that fit one end's MTU are dropped at the other: set the MTU in FelixConfiguration (vxlanMTU/ipipMTU) or the Installation for all nodes, and the underlay MTU alike".to_string(),
            });
        }
    }
}

fn unreachable_hint(reason: &str) -> &'static str {
    match reason {
        "pending-timeout" => "the Pod did not start in --timeout: look at `kubectl -n netdiag describe pod` (taints, resources, a node NotReady), or raise --timeout",
        "image-pull" => "the node cannot pull the netdiag image: push it where the nodes can pull it (see deploy/Dockerfile) and pass --image",
        "forbidden" => "grant the cluster-status RBAC: kubectl apply -f deploy/netdiag-namespace.yaml -f deploy/netdiag-cluster-status-rbac.yaml",
        "log-not-json" => "the Pod's output is not `netdiag show state -o json`: is --image a netdiag image of this version?",
        "node-gone" => "the Node or its Pod disappeared during the run (scaled down, deleted): re-run",
        "pod-failed" => "the Pod ran and failed: its log says why (`kubectl -n netdiag logs …`); it needs CAP_NET_ADMIN and hostNetwork",
        _ => "see the detail; re-run with a longer --timeout or --request-timeout",
    }
}

#[cfg(test)]
mod tests;
