//! The run without the local node's intent: when the cluster intent could not be read, or holds no
//! Node for this node, only what is wrong whatever the intent says is checked (a Calico VXLAN device
//! down or learning, unresolved VTEP neighbours, duplicate FDB entries, workload veth MACs and
//! links down, ip_forward and proxy ARP, tunnel and pod MTUs against what the devices themselves
//! say), and one finding says why everything else
//! is unknown. Felix's defaults stand in for FelixConfiguration (interface prefix `cali`).
//!
//! Guarantee: nothing here compares against pools, Nodes, blocks or pods, so a missing intent can
//! never produce a finding that an intent would have contradicted.

use super::{collection_notes, kernel, vxlan, workload, Outcome};
use crate::calico;
use crate::finding::{Code, Finding};
use crate::model::NodeState;
use crate::report::Report;

/// Why the engine runs without the local node's intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntentGap {
    /// The intent could not be read: the source's one-line error and what to do about it (the
    /// caller knows its flags and manifests; the core does not).
    Unavailable { error: String, hint: String },
    /// The intent was read but has no Node for this node: why (the engine's error, naming the
    /// known nodes).
    NodeMissing(String),
    /// The source holds no Nodes at all (files without `kubectl get nodes`): not an error, since
    /// nothing says the node is missing, only that nobody collected the Nodes.
    NoNodes,
}

/// Runs the checks that need no intent and reports the rest as unknown. `node` names the node when
/// the caller knows it (`--node`, the dump's directory).
pub fn check_local(state: &NodeState, node: Option<&str>, gap: &IntentGap) -> Report {
    let mut out = Outcome::default();
    out.push(gap_finding(gap));
    collection_notes(state, &mut out);
    out.unknown(
        "without the local node's intent: routes to remote blocks, blackholes, VTEP devices' \
         addresses and MACs, neighbour and FDB entries per peer, workload routes, IPAM and the \
         expected MTUs are not checked",
    );
    devices(state, &mut out);
    neighbours(state, &mut out);
    fdb(state, &mut out);
    if let Some(links) = state.links.as_deref() {
        out.unknown(format!(
            "FelixConfiguration unknown: workload interfaces are taken to start with {:?}",
            calico::DEFAULT_INTERFACE_PREFIX
        ));
        workload::host_macs(links, calico::DEFAULT_INTERFACE_PREFIX, &mut out);
    }
    kernel::check_local(state, calico::DEFAULT_INTERFACE_PREFIX, &mut out);
    mtu(state, &mut out);
    Report::local_only(node.or(state.node.as_deref()), state, out)
}

fn gap_finding(gap: &IntentGap) -> Finding {
    match gap {
        IntentGap::Unavailable { error, hint } => {
            Finding::new(Code::IntentUnavailable, "cluster intent")
                .expected("the cluster's IPPools, Nodes, IPAM blocks, FelixConfigurations and Pods")
                .actual(error.clone())
                .hint(hint.clone())
        }
        IntentGap::NoNodes => Finding::new(Code::IntentPartial, "cluster intent")
            .expected("the cluster's Nodes (Kubernetes or Calico), to know this node and its peers")
            .actual("no Node in the intent's files")
            .hint("add `kubectl get nodes -o yaml` (and `calicoctl get nodes -o yaml`) output to judge routes, tunnels and peers"),
        IntentGap::NodeMissing(why) => Finding::new(Code::NodeNotInIntent, "cluster intent")
            .expected("a Node for this node in the intent")
            .actual(why.clone())
            .hint("pass --node with the node's Kubernetes name, or check that calico-node registered this node (its Node and Calico Node exist)"),
    }
}

const VXLAN_DEVICES: [&str; 2] = [calico::VXLAN_DEVICE, calico::VXLAN_V6_DEVICE];

fn devices(state: &NodeState, out: &mut Outcome) {
    if state.links.is_none() {
        out.unknown("links were not collected: the Calico devices are unknown");
        return;
    }
    for dev in VXLAN_DEVICES.iter().filter_map(|n| state.link(n)) {
        out.checked.links += 1;
        vxlan::device_state(dev, out);
    }
}

/// An INCOMPLETE or FAILED neighbour on a VXLAN device is wrong for any intent: Calico programs
/// every VTEP's entry PERMANENT on a nolearning device, so the kernel should never have to resolve.
fn neighbours(state: &NodeState, out: &mut Outcome) {
    let Some(neigh) = state.neighbours.as_deref() else {
        return;
    };
    for n in neigh
        .iter()
        .filter(|n| VXLAN_DEVICES.contains(&n.dev.as_str()))
    {
        out.checked.neighbours += 1;
        if n.state.is_some_and(|s| s.is_unresolved()) {
            out.push(
                Finding::new(Code::NeighUnresolved, format!("neigh {}", n.ip))
                    .expected(format!("no unresolved neighbour on {}", n.dev))
                    .actual(n.to_string())
                    .hint("a route points at a VTEP Felix did not program (stale route or missing peer)"),
            );
        }
    }
}

fn fdb(state: &NodeState, out: &mut Outcome) {
    let Some(fdb) = state.fdb.as_deref() else {
        return;
    };
    for dev in VXLAN_DEVICES {
        let own_mac = state.link(dev).and_then(|l| l.mac);
        let entries: Vec<_> = fdb
            .iter()
            .filter(|e| e.dev == dev && Some(e.mac) != own_mac)
            .collect();
        out.checked.fdb += entries.len();
        vxlan::duplicates(&entries, out);
    }
}

/// Tunnel MTU + overhead within the parent the device names, and pod MTUs within the tunnel's —
/// only when a single tunnel device is up, since which one the pods use is the intent's to say.
/// The MTU rules that need no pool: a tunnel above the parent it names, pods above the one
/// tunnel that is up. Also node-status's, when the intent has no IPPools.
pub(super) fn mtu(state: &NodeState, out: &mut Outcome) {
    let Some(links) = state.links.as_deref() else {
        return;
    };
    let tunnels: Vec<(&str, u32, u32)> = [
        (calico::VXLAN_DEVICE, calico::VXLAN_OVERHEAD_V4),
        (calico::IPIP_DEVICE, calico::IPIP_OVERHEAD),
        (calico::VXLAN_V6_DEVICE, calico::VXLAN_OVERHEAD_V6),
    ]
    .into_iter()
    .filter_map(|(name, overhead)| {
        let l = state.link(name)?;
        (l.is_up() == Some(true)).then_some((name, l.mtu?, overhead))
    })
    .collect();
    for (name, mtu, overhead) in &tunnels {
        let Some(parent) = state
            .link(name)
            .and_then(|l| l.vxlan.as_ref())
            .and_then(|v| {
                v.parent_index
                    .and_then(|i| state.link_by_index(i))
                    .or_else(|| v.parent_name.as_deref().and_then(|n| state.link(n)))
            })
        else {
            continue;
        };
        let Some(parent_mtu) = parent.mtu else {
            continue;
        };
        out.checked.mtu += 1;
        if mtu + overhead > parent_mtu {
            out.push(
                Finding::new(Code::MtuTunnelAboveParent, format!("link {name}"))
                    .expected(format!(
                        "mtu ≤ {} ({} mtu {parent_mtu} − {overhead} overhead)",
                        parent_mtu.saturating_sub(*overhead),
                        parent.name
                    ))
                    .actual(format!("mtu {mtu}"))
                    .hint("encapsulated packets exceed the underlay MTU and are fragmented or dropped; lower vxlanMTU/ipipMTU"),
            );
        }
    }
    let [(tunnel, tunnel_mtu, _)] = tunnels.as_slice() else {
        return;
    };
    for l in links
        .iter()
        .filter(|l| l.name.starts_with(calico::DEFAULT_INTERFACE_PREFIX))
    {
        out.checked.mtu += 1;
        if let Some(mtu) = l.mtu.filter(|m| m > tunnel_mtu) {
            out.push(
                Finding::new(Code::MtuPodAboveTunnel, format!("link {}", l.name))
                    .expected(format!("mtu ≤ {tunnel_mtu} ({tunnel})"))
                    .actual(format!("mtu {mtu}"))
                    .hint("pods send packets the tunnel cannot carry: small requests work, large transfers hang (#8953); fix the CNI mtu (veth_mtu) and restart the pods"),
            );
        }
    }
}
