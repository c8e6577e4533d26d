//! The expectation engine: from the cluster intent and the node's own state, what Calico would have
//! programmed on this node (per pool and mode), diffed against what the node has, as findings.
//!
//! One file per rule family, following shared/design/calico-expected-state.md §8:
//! `context` (E1–E6: node IP, parent, MTU, pools, peers, backend), `routes` (remote blocks, borrowed
//! addresses, tunnel /32s, blackholes, stray routes), `vxlan` (device, neighbours, FDB), `ipip`
//! (tunl0), `workload` (pod routes and cali* interfaces), `mtu`, `cluster` (node IP hygiene,
//! CrossSubnet sanity, IPAM integrity).
//!
//! The engine never fails: what it cannot check (a section not collected, a peer without a node IP)
//! becomes an `unknown` entry or a finding, so a partial dump still gives a useful report.

mod cluster;
mod context;
mod ipip;
mod local;
mod mtu;
mod routes;
mod vxlan;
mod workload;

use crate::finding::{Code, Finding};
use crate::model::{ClusterIntent, NodeState};
use crate::report::{Checked, Report};

pub use context::{vtep_mac as vtep_mac_for, BackendInfo, BackendOrigin, Context, Peer, PeerPath};
pub use local::{check_local, IntentGap};
pub use routes::{ExpectedRoute, RoutePath};

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

    Ok(Report::build(&ctx, out))
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
