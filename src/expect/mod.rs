//! The expectation engine: from the cluster intent and the node's own state, what Calico would have
//! programmed on this node (per pool and mode), diffed against what the node has, as findings.
//!
//! One file per rule family, following shared/design/calico-expected-state.md §8:
//! `context` (E1–E6: node IP, parent, MTU, pools, peers, backend), `routes` (remote blocks, borrowed
//! addresses, tunnel /32s, blackholes, stray routes), `vxlan` (device, neighbours, FDB), `ipip`
//! (tunl0), `workload` (pod routes and cali* interfaces), `mtu`, `cluster` (node IP hygiene,
//! CrossSubnet sanity, IPAM integrity), `kernel` (forwarding, rp_filter, proxy ARP), `dataplane`
//! (eBPF and WireGuard, detected so that they are not judged by the plain dataplane's rules), `bgp`
//! (BIRD's sessions and imported routes against the node-to-node mesh), `flannel` (Flannel VXLAN
//! and Canal: chosen by the intent, instead of Calico's VXLAN, IPIP and block-route rules).
//!
//! An absence of intent is never a finding: a kind the source did not read (no IPAMBlocks, no
//! Pods, no FelixConfiguration in a ticket's files) turns the checks that need it into "not
//! checked" lines, and Felix's defaults are used only where the source said there is nothing.
//!
//! The engine never fails: what it cannot check (a section not collected, a peer without a node IP)
//! becomes an `unknown` entry or a finding, so a partial dump still gives a useful report.

mod bgp;
mod cluster;
mod context;
pub mod dataplane;
pub mod flannel;
mod ipip;
mod kernel;
mod local;
mod mtu;
mod routes;
mod vxlan;
mod workload;

use crate::finding::{Code, Finding};
use crate::model::{ClusterIntent, NodeState};
use crate::report::{Checked, Report};

pub use bgp::summary as bgp_summary;
pub use context::{vtep_mac as vtep_mac_for, BackendInfo, BackendOrigin, Context, Peer, PeerPath};
pub use local::{check_local, IntentGap};
pub use routes::{ExpectedRoute, RoutePath};
pub use workload::workload_iface;

/// Why the engine could not even start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpectError {
    #[error("node {0:?} is not in the cluster intent (known nodes: {1})")]
    UnknownNode(String, String),
    #[error("cannot tell which node this is: {0}; pass --node NAME")]
    AmbiguousNode(String),
    #[error("cannot tell which node this is: no Node's address is on a local link (known nodes: {0}); pass --node NAME")]
    NoLocalNode(String),
}

impl ExpectError {
    /// The intent was read but holds no Node for this node (as opposed to several candidates):
    /// [`check_local`] can still run the checks that need no intent.
    /// The intent holds no Nodes at all and the source did not list them: nothing is missing,
    /// nothing was collected ([`IntentGap::NoNodes`]).
    pub fn no_nodes_collected(intent: &ClusterIntent) -> bool {
        intent.nodes.is_empty() && !intent.listed.nodes
    }

    pub fn node_missing(&self) -> bool {
        matches!(
            self,
            ExpectError::UnknownNode(..) | ExpectError::NoLocalNode(_)
        )
    }
}

/// Picks the local node: the one named, else the one whose Calico IPv4 address (or an InternalIP) is
/// on a local link, else the state's own node name.
pub fn pick_node(
    intent: &ClusterIntent,
    state: &NodeState,
    named: Option<&str>,
) -> Result<String, ExpectError> {
    let known = || {
        let mut names: Vec<&str> = intent.nodes.iter().map(|n| n.name.as_str()).collect();
        names.sort_unstable();
        if names.len() > 8 {
            format!("{} … ({} in all)", names[..8].join(", "), names.len())
        } else if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    if let Some(name) = named {
        return match intent.node(name) {
            Some(_) => Ok(name.to_string()),
            None => Err(ExpectError::UnknownNode(name.to_string(), known())),
        };
    }
    let mut local: Vec<&str> = intent
        .nodes
        .iter()
        .filter(|n| {
            n.ipv4_addr()
                .map(|ip| state.link_with_addr(ip.into()).is_some())
                .unwrap_or(false)
                || n.addresses
                    .iter()
                    .any(|ip| state.link_with_addr(*ip).is_some())
        })
        .map(|n| n.name.as_str())
        .collect();
    local.dedup();
    match local.as_slice() {
        [one] => Ok(one.to_string()),
        [] => match &state.node {
            Some(name) if intent.node(name).is_some() => Ok(name.clone()),
            Some(name) => Err(ExpectError::UnknownNode(name.clone(), known())),
            None => Err(ExpectError::NoLocalNode(known())),
        },
        many => Err(ExpectError::AmbiguousNode(format!(
            "several Nodes have addresses on local links: {}",
            many.join(", ")
        ))),
    }
}

/// Runs every rule for `node` and returns the report.
pub fn check(intent: &ClusterIntent, state: &NodeState, node: &str) -> Result<Report, ExpectError> {
    let local = intent.node(node).ok_or_else(|| {
        ExpectError::UnknownNode(
            node.to_string(),
            intent
                .nodes
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    })?;
    let ctx = Context::new(intent, state, local);
    let mut out = Outcome::default();

    collection_notes(state, &mut out);
    for note in &intent.notes {
        out.unknown.push(format!("intent: {note}"));
    }
    // Flannel or Canal: Flannel's rules, never Calico's VXLAN/IPIP/BGP ones (and vice versa).
    if let Some(mode) = flannel::detect(intent) {
        flannel::check(intent, state, local, &mode, &mut out);
        if mode.canal {
            workload::check(&ctx, &mut out);
        }
        kernel::check(&ctx, &mut out);
        out.unknown(NOT_IN_STATE);
        return Ok(flannel_report(&ctx, &mode, out));
    }
    partial_intent(intent, &mut out);
    dataplane_caveat(&ctx, &mut out);
    if let BackendOrigin::Inferred(evidence) = &ctx.backend.origin {
        out.push(
            Finding::new(Code::BackendInferred, "backend")
                .expected("calico_backend from the calico-config ConfigMap")
                .actual(format!(
                    "{} (inferred: {evidence})",
                    ctx.backend.backend_label()
                ))
                .hint("add the kube-system/calico-config ConfigMap to the intent to state it"),
        );
    }

    cluster::check(&ctx, &mut out);
    vxlan::check_device(&ctx, &mut out);
    ipip::check_device(&ctx, &mut out);
    routes::check(&ctx, &mut out);
    vxlan::check_neighbours(&ctx, &mut out);
    vxlan::check_fdb(&ctx, &mut out);
    workload::check(&ctx, &mut out);
    mtu::check(&ctx, &mut out);
    kernel::check(&ctx, &mut out);
    bgp::check(&ctx, &mut out);
    out.unknown(NOT_IN_STATE);

    Ok(Report::build(&ctx, out))
}

/// The report of a Flannel/Canal node: the backend is Flannel's, the "pool" its Network, and
/// each peer's path, VTEP and lease are Flannel's.
fn flannel_report(ctx: &Context, mode: &flannel::FlannelMode, out: Outcome) -> Report {
    let mut r = Report::build(ctx, out);
    let conf = ctx.intent.flannel.as_ref();
    let exp = flannel::Expected::of(conf);
    r.backend = crate::report::BackendSummary {
        name: format!(
            "{}-{}",
            mode.label(),
            conf.map(|c| c.backend()).unwrap_or("vxlan")
        ),
        origin: if conf.is_some() {
            "configured"
        } else {
            "inferred"
        }
        .to_string(),
        evidence: Some(mode.evidence.clone()),
    };
    let local = flannel::Lease::of(ctx.node);
    r.pools = conf
        .and_then(|c| c.network)
        .map(|net| crate::report::PoolSummary {
            name: "flannel".to_string(),
            cidr: net.to_string(),
            mode: format!(
                "Flannel VXLAN{} (VNI {}, port {})",
                if exp.direct_routing {
                    " DirectRouting"
                } else {
                    ""
                },
                exp.vni,
                exp.port
            ),
            disabled: false,
            local_blocks: usize::from(local.subnet.is_some()),
        })
        .into_iter()
        .collect();
    for p in &mut r.peers {
        let Some(node) = ctx.intent.node(&p.name) else {
            continue;
        };
        let lease = flannel::Lease::of(node);
        p.paths = match flannel::path_to(&exp, ctx.state, &lease) {
            flannel::FlannelPath::Vxlan => vec!["vxlan".to_string()],
            flannel::FlannelPath::Direct => vec!["direct".to_string()],
            flannel::FlannelPath::None(_) => Vec::new(),
        };
        p.node_ip = lease.public_ip.map(|i| i.to_string()).or(p.node_ip.take());
        p.vtep_ip = lease.vtep_ip().map(|i| i.to_string());
        p.vtep_mac = lease.vtep_mac.map(|m| m.to_string());
        p.blocks = usize::from(lease.subnet.is_some());
    }
    r
}

/// What no node state shows, said once in every report so that a clean one is not read as proof.
pub const NOT_IN_STATE: &str = "not visible in the node state: firewall drops (nftables/iptables \
     on the nodes, security groups in the fabric) and an underlay path MTU below the tunnel's; \
     `netdiag trace SRC DST --probe` (lab) or `netdiag capture` on both nodes shows them";

/// One INTENT-PARTIAL note naming the kinds the source did not read, so a report from a ticket's
/// partial files says up front what it could not judge.
fn partial_intent(intent: &ClusterIntent, out: &mut Outcome) {
    let mut missing = intent.listed.missing();
    // Operator-managed clusters have no calico-config; the Installation stands for it.
    if intent.installation.is_some() {
        missing.retain(|k| *k != "configmap/calico-config");
    }
    if intent.blocks.is_empty() {
        // Named once, with the blocks.
        missing.retain(|k| *k != "blockaffinities");
    }
    if missing.is_empty() {
        return;
    }
    let what: Vec<&str> = missing
        .iter()
        .map(|k| match *k {
            "ippools" => "ippools (encapsulation modes)",
            "nodes" => "nodes (peers)",
            "ipamblocks" if intent.blocks.is_empty() => "ipamblocks and blockaffinities (block routes)",
            "ipamblocks" => "ipamblocks (blocks taken from the BlockAffinities; borrowed addresses unknown)",
            "blockaffinities" => "blockaffinities (cross-checked with blocks)",
            "felixconfigurations" => "felixconfigurations (VNI, port, MTUs compared only where they equal Felix's defaults)",
            "pods" => "pods (workload routes)",
            _ => "configmap/calico-config (backend inferred)",
        })
        .collect();
    out.push(
        Finding::new(Code::IntentPartial, "cluster intent")
            .expected("every kind netdiag reads: ippools, nodes, ipamblocks, blockaffinities, felixconfigurations, pods, calico-config")
            .actual(format!("not in the source: {}", what.join(", ")))
            .hint("the checks that need them are listed under \"not checked\"; add `kubectl get <kind> -A -o yaml` output for them to judge those too"),
    );
}

/// eBPF and WireGuard change what Felix programs: say so at the top, with what is left unjudged.
fn dataplane_caveat(ctx: &Context, out: &mut Outcome) {
    if let Some(evidence) = &ctx.dataplane.ebpf {
        out.push(
            Finding::new(Code::DataplaneNotModelled, "dataplane eBPF")
                .expected("the Linux (iptables/nftables) dataplane netdiag models")
                .actual(format!("eBPF dataplane ({evidence})"))
                .hint("BPF programs on the interfaces do service NAT, policy and forwarding: the kernel settings (forwarding, rp_filter, proxy_arp) are not judged; routes, tunnels, neighbours and FDB are, since Felix programs them the same way in BPF mode. Use `calico-node -bpf` on the node for the BPF maps"),
        );
    }
    if let Some(wg) = &ctx.dataplane.wireguard {
        out.push(
            Finding::new(Code::DataplaneNotModelled, "dataplane WireGuard")
                .expected("unencrypted node-to-node traffic, the paths netdiag models")
                .actual(format!("WireGuard ({}; device {})", wg.evidence, wg.device))
                .hint("traffic to peers with a WireGuard key leaves through the WireGuard device by Felix's own routing table and rule, not by the main-table routes checked here: its peers, keys, routing table and rule are not judged; the pod MTU budget includes WireGuard's 60-byte overhead. Use `wg show` on the node"),
        );
    }
}

/// Parts of the node state that were not collected, as findings (both runs: with and without intent).
fn collection_notes(state: &NodeState, out: &mut Outcome) {
    for note in &state.notes {
        out.push(
            Finding::new(Code::CollectPartial, format!("collection {}", note.part))
                .expected("collected")
                .actual(note.message.clone())
                .hint(
                    "checks that need this part are reported as unknown; collect it and run again",
                ),
        );
    }
}

/// The routes Calico would program on the context's node for remote blocks, borrowed addresses and
/// local blackholes — what [`check`] compares the main table with — for callers that need the one
/// route toward a destination (`trace`). Findings raised while building them are dropped here.
pub fn expected_routes(ctx: &Context) -> Vec<ExpectedRoute> {
    routes::expected_routes(ctx, &mut Outcome::default())
}

/// What the rules produce: findings, counts of what was compared, and what could not be checked.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub checked: Checked,
    pub unknown: Vec<String>,
}

impl Outcome {
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    pub fn unknown(&mut self, what: impl Into<String>) {
        let what = what.into();
        if !self.unknown.contains(&what) {
            self.unknown.push(what);
        }
    }
}
