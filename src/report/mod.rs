//! The node-status report: a summary (node, backend, pools, peers), the findings, what was checked
//! and what could not be. Its JSON form is versioned by [`crate::SCHEMA_VERSION`] and documented in
//! the README; `render` prints it for humans.

mod render;

use serde::{Deserialize, Serialize};

use crate::expect::{BackendOrigin, Context, Outcome, PeerPath};
use crate::finding::{Finding, Severity};
use crate::model::cluster::PoolType;

pub use render::{render_text, RenderOptions};

/// How many things of each kind were compared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    pub links: usize,
    pub routes: usize,
    pub neighbours: usize,
    pub fdb: usize,
    pub workloads: usize,
    pub mtu: usize,
    pub peers: usize,
    pub blocks: usize,
}

impl Checked {
    pub fn total(&self) -> usize {
        self.links
            + self.routes
            + self.neighbours
            + self.fdb
            + self.workloads
            + self.mtu
            + self.peers
            + self.blocks
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackendSummary {
    /// `bird`, `vxlan`, `none` or `unknown`.
    pub name: String,
    /// `configured` (calico-config) or `inferred`.
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSummary {
    pub name: String,
    pub cidr: String,
    /// `VXLAN CrossSubnet`, `IPIP Always`, `no-encap (BGP)`, …
    pub mode: String,
    pub disabled: bool,
    /// Blocks of this pool affine to the node.
    pub local_blocks: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerSummary {
    pub name: String,
    pub node_ip: Option<String>,
    pub same_subnet: bool,
    /// Paths its blocks take from here: `direct`, `vxlan`, `ipip`, `fabric`.
    pub paths: Vec<String>,
    pub vtep_ip: Option<String>,
    pub vtep_mac: Option<String>,
    pub blocks: usize,
    /// Worst finding about this peer, or `ok`.
    pub health: String,
}

/// BIRD's BGP sessions as `calicoctl node status` lists them (when BIRD was read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BgpSummary {
    /// `socket PATH` or `file PATH`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub sessions: Vec<BgpSessionSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BgpSessionSummary {
    /// BIRD's protocol name (`Mesh_10_10_10_12`).
    pub name: String,
    /// The Node behind it, when one has its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbor: Option<String>,
    /// BIRD's protocol state (`up`, `start`, `down`) and the BGP state (`Established`, `Active`…).
    pub state: String,
    pub bgp_state: String,
    pub since: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes_imported: Option<u32>,
}

impl BgpSessionSummary {
    pub fn established(&self) -> bool {
        self.state == "up" && self.bgp_state.eq_ignore_ascii_case("established")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    fn of(findings: &[Finding]) -> Counts {
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        Counts {
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
        }
    }
}

/// Most severe first, then grouped by peer and subject, so the text output reads top-down.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.peer.cmp(&b.peer))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.subject.cmp(&b.subject))
    });
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: String,
    pub node: String,
    pub node_ip: Option<String>,
    pub source: String,
    pub backend: BackendSummary,
    pub pools: Vec<PoolSummary>,
    pub peers: Vec<PeerSummary>,
    pub findings: Vec<Finding>,
    pub counts: Counts,
    pub checked: Checked,
    /// Checks that could not be made, and why.
    pub unknown: Vec<String>,
    /// The blocks were made from BlockAffinities: the intent held no IPAMBlocks.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocks_from_affinities: bool,
    /// BIRD's BGP sessions, when BIRD was read (backend bird).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgp: Option<BgpSummary>,
}

impl Report {
    pub fn build(ctx: &Context, out: Outcome) -> Report {
        let Outcome {
            mut findings,
            checked,
            unknown,
        } = out;
        sort_findings(&mut findings);
        let local = ctx.node.name.as_str();
        let pools = ctx
            .intent
            .pools
            .iter()
            .map(|p| PoolSummary {
                name: p.name.clone(),
                cidr: p.cidr.to_string(),
                mode: p.mode_label(),
                disabled: p.disabled,
                local_blocks: ctx
                    .intent
                    .blocks
                    .iter()
                    .filter(|b| b.affinity.as_deref() == Some(local) && p.cidr.contains(&b.cidr))
                    .count(),
            })
            .collect();

        let mut blocks_of: std::collections::HashMap<&str, Vec<&crate::model::cluster::IpamBlock>> =
            std::collections::HashMap::new();
        for b in &ctx.intent.blocks {
            if let Some(owner) = b.affinity.as_deref() {
                blocks_of.entry(owner).or_default().push(b);
            }
        }
        let mut worst_of: std::collections::HashMap<&str, Severity> =
            std::collections::HashMap::new();
        for f in &findings {
            if let Some(p) = f.peer.as_deref() {
                let w = worst_of.entry(p).or_insert(f.severity);
                *w = (*w).max(f.severity);
            }
        }
        let peers = ctx
            .peers
            .iter()
            .map(|peer| {
                let name = peer.node.name.as_str();
                let blocks = blocks_of.get(name).map(Vec::as_slice).unwrap_or_default();
                let mut paths: Vec<PeerPath> = blocks
                    .iter()
                    .filter_map(|b| ctx.pool_for(&b.cidr))
                    .filter_map(|pool| match pool.pool_type() {
                        PoolType::Vxlan if ctx.same_subnet(pool, peer) => Some(PeerPath::Direct),
                        PoolType::Vxlan => Some(PeerPath::Vxlan),
                        PoolType::Ipip if ctx.same_subnet(pool, peer) => Some(PeerPath::Direct),
                        PoolType::Ipip => Some(PeerPath::Ipip),
                        PoolType::NoEncap if peer.in_local_subnet => Some(PeerPath::Direct),
                        PoolType::NoEncap => Some(PeerPath::Fabric),
                        PoolType::None => None,
                    })
                    .collect();
                paths.sort();
                paths.dedup();
                let worst = worst_of.get(name).copied();
                PeerSummary {
                    name: name.to_string(),
                    node_ip: peer.ip.map(|i| i.to_string()),
                    same_subnet: peer.in_local_subnet,
                    paths: paths.iter().map(|p| p.as_str().to_string()).collect(),
                    vtep_ip: peer.vtep.map(|(ip, _)| ip.to_string()),
                    vtep_mac: peer.vtep.map(|(_, mac)| mac.to_string()),
                    blocks: blocks.len(),
                    health: worst.map(|s| s.as_str()).unwrap_or("ok").to_string(),
                }
            })
            .collect();
        Report {
            schema_version: crate::SCHEMA_VERSION.to_string(),
            node: ctx.node.name.clone(),
            node_ip: ctx.node.ipv4.map(|n| n.to_string()),
            source: ctx.state.source.clone(),
            backend: BackendSummary {
                name: ctx.backend.backend_label().to_string(),
                origin: match ctx.backend.origin {
                    BackendOrigin::Configured | BackendOrigin::Installation(_) => {
                        "configured".to_string()
                    }
                    BackendOrigin::Inferred(_) => "inferred".to_string(),
                },
                evidence: match &ctx.backend.origin {
                    BackendOrigin::Configured => None,
                    BackendOrigin::Installation(name) => {
                        Some(format!("Installation {name} (spec.calicoNetwork.bgp)"))
                    }
                    BackendOrigin::Inferred(e) => Some(e.clone()),
                },
            },
            pools,
            peers,
            counts: Counts::of(&findings),
            findings,
            checked,
            unknown,
            blocks_from_affinities: ctx.intent.blocks_from_affinities(),
            bgp: crate::expect::bgp_summary(ctx),
        }
    }

    /// The report of a run without the local node's intent ([`crate::expect::check_local`]): no
    /// pools, peers or node IP to summarise, the backend unknown, the same findings/unknown lists.
    pub fn local_only(node: Option<&str>, state: &crate::model::NodeState, out: Outcome) -> Report {
        let Outcome {
            mut findings,
            checked,
            unknown,
        } = out;
        sort_findings(&mut findings);
        Report {
            schema_version: crate::SCHEMA_VERSION.to_string(),
            node: node.unwrap_or("unknown").to_string(),
            node_ip: None,
            source: state.source.clone(),
            backend: BackendSummary {
                name: "unknown".to_string(),
                origin: "inferred".to_string(),
                evidence: Some("no cluster intent for this node".to_string()),
            },
            pools: Vec::new(),
            peers: Vec::new(),
            counts: Counts::of(&findings),
            findings,
            checked,
            unknown,
            blocks_from_affinities: false,
            bgp: None,
        }
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}
