//! `trace`: the path between two endpoints (pods, nodes, addresses) hop by hop, as the kernel will
//! take it — the source pod's host side, the source node's route and why it is encapsulated or not,
//! the tunnel device, the VTEP's neighbour and FDB entries, the underlay route, the MTU budget, the
//! destination node's tunnel, delivery to the pod's cali interface — each with a verdict, the
//! evidence line from the node's own state and, when broken, node-status's finding code and hint.
//!
//! Pure: the caller collects each node's state (and, live, the kernel's route lookup and sysctls)
//! and hands them in; a node whose state is missing makes its hops `unknown`, with what to collect.

mod path;
mod render;
mod resolve;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::finding::Code;
use crate::model::{ClusterIntent, NodeState, Route};

pub use render::render_text;
pub use resolve::{resolve, Endpoint, EndpointKind, ResolveError};

/// Version of the `trace -o json` document. Bumped on incompatible changes only.
pub const TRACE_SCHEMA_VERSION: &str = "netdiag.trace/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Unknown,
    Broken,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Unknown => "unknown",
            Verdict::Broken => "broken",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encap {
    None,
    Ipip,
    Vxlan,
}

impl Encap {
    pub fn as_str(&self) -> &'static str {
        match self {
            Encap::None => "none",
            Encap::Ipip => "ipip",
            Encap::Vxlan => "vxlan",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Icmp,
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(&self) -> &'static str {
        match self {
            Proto::Icmp => "icmp",
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }

    /// Bytes of IP plus transport header in front of the payload, for the largest payload that fits.
    fn header_len(&self, v6: bool) -> u32 {
        let ip = if v6 { 40 } else { 20 };
        ip + match self {
            Proto::Icmp | Proto::Udp => 8,
            Proto::Tcp => 20,
        }
    }
}

/// The steps of a path, in order. Not every trace has every step (no tunnel steps when direct).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The source pod's way out: its default route via 169.254.1.1, answered by proxy ARP on the
    /// host-side cali interface, whose /32 route is the way back.
    SrcPod,
    /// Traffic that starts in a node's host namespace.
    SrcHost,
    /// The source node's route for the destination, and the encapsulation it implies.
    Route,
    /// The tunnel device the packet leaves by (vxlan.calico, vxlan-v6.calico, tunl0).
    TunnelOut,
    /// VXLAN: the neighbour entry (VTEP IP → MAC) and FDB entry (MAC → node IP) that give the outer
    /// destination.
    Vtep,
    /// The source node's route to the outer (or next-hop) address on the underlay.
    Underlay,
    /// Pod MTU, tunnel overhead and underlay MTU.
    Mtu,
    /// The destination node receives it: the outer address is its own, the tunnel device matches,
    /// rp_filter lets it in.
    Arrive,
    /// The destination node forwards it to the pod's cali interface (/32 route, forwarding on).
    Deliver,
    /// The destination pod's host-side interface and static ARP entry.
    DstPod,
    /// `--probe` contradicted the prediction: real packets did not do what the state says.
    Probe,
}

impl Step {
    pub fn as_str(&self) -> &'static str {
        match self {
            Step::SrcPod => "src-pod",
            Step::SrcHost => "src-host",
            Step::Route => "route",
            Step::TunnelOut => "tunnel-out",
            Step::Vtep => "vtep",
            Step::Underlay => "underlay",
            Step::Mtu => "mtu",
            Step::Arrive => "arrive",
            Step::Deliver => "deliver",
            Step::DstPod => "dst-pod",
            Step::Probe => "probe",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    /// The node the step happens on (`None` for the path-wide MTU budget).
    pub node: Option<String>,
    pub step: Step,
    pub verdict: Verdict,
    /// One line on what this step does here.
    pub summary: String,
    /// The lines of state that prove the verdict (routes, neighbours, FDB entries, links), as
    /// iproute2 prints them, and the expectation they were held against.
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The outer header of an encapsulated packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outer {
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    /// `udp` (VXLAN) or `ipip` (IP protocol 4).
    pub proto: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vni: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dport: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MtuBudget {
    /// The MTU of the source pod's interface (its host-side cali has the same).
    pub pod: Option<u32>,
    /// Bytes the encapsulation adds (0 direct, 20 IPIP, 50 VXLAN over IPv4, 70 over IPv6).
    pub overhead: u32,
    /// The smallest MTU of the underlay interfaces on both ends (those known).
    pub underlay: Option<u32>,
    /// The largest inner packet that crosses without fragmentation or drop.
    pub path: Option<u32>,
    /// The largest payload of the traced protocol in such a packet.
    pub max_payload: Option<u32>,
}

/// What a `--probe` saw (filled in by the binary, which sends and captures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub sent: u32,
    pub received: u32,
    /// Mean round trip of the answered probes.
    pub rtt_ms: Option<f64>,
    /// Packets seen leaving the source node's underlay interface, and how.
    pub seen_leaving: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_as: Option<String>,
    /// Packets seen arriving on the destination node's underlay interface.
    pub seen_arriving: u32,
    /// The probe agrees with the predicted path.
    pub agrees: bool,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    pub schema_version: String,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub proto: Proto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// What the cluster intent says this traffic should use.
    pub encapsulation: Encap,
    /// Why: the pool and its mode, and the subnet comparison (or same node, or a node address).
    pub reason: String,
    /// What the source node's route actually does, when it differs from `encapsulation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encapsulation_actual: Option<Encap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outer: Option<Outer>,
    pub mtu: MtuBudget,
    pub hops: Vec<Hop>,
    /// broken if any hop is broken, else unknown if any is unknown, else ok.
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<Probe>,
}

impl Trace {
    pub fn broken(&self) -> bool {
        self.verdict == Verdict::Broken
    }

    /// Whether packets should get through despite what is broken: a route that takes the wrong
    /// path (tunnelled where direct is intended, or the reverse) still delivers.
    pub fn predicts_delivery(&self) -> bool {
        self.hops
            .iter()
            .filter(|h| h.verdict == Verdict::Broken)
            .all(|h| h.code == Some(Code::RouteWrongPath))
    }
}

/// What is known of one node: its state and, when read live, sysctls and the kernel's own answer
/// to a route lookup toward the trace's destination.
#[derive(Debug, Clone, Default)]
pub struct NodeEvidence {
    pub state: NodeState,
    /// `net.ipv4.ip_forward`, `net.ipv4.conf.<dev|all>.rp_filter`, `….proxy_arp` → value.
    pub sysctl: BTreeMap<String, String>,
    /// The kernel's route for an address (`ip route get`), keyed by that address.
    pub lookups: HashMap<IpAddr, Route>,
}

/// What to trace.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub src: &'a Endpoint,
    pub dst: &'a Endpoint,
    pub proto: Proto,
    pub port: Option<u16>,
}

/// Walks the path from `req.src` to `req.dst`. `nodes` holds the state of the nodes that could be
/// read, by name; missing ones make their hops unknown.
pub fn trace(
    intent: &ClusterIntent,
    nodes: &HashMap<String, NodeEvidence>,
    req: Request<'_>,
) -> Trace {
    path::walk(intent, nodes, req)
}
