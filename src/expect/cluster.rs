//! Cluster-level rules (§8 E1, rules 12, 13, 17): the node IP is local and plausible and unique,
//! CrossSubnet can take effect and is symmetric, and IPAM blocks and affinities agree.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use super::context::Context;
use super::Outcome;
use crate::finding::{Code, Finding};

pub fn check(ctx: &Context, out: &mut Outcome) {
    node_ip(ctx, out);
    cross_subnet(ctx, out);
    ipam(ctx, out);
    installation_pools(ctx, out);
}

/// Each pool template of the operator's Installation should exist as an IPPool of the same CIDR:
/// the operator creates it at install time, so one missing means it has not (yet) or was deleted.
fn installation_pools(ctx: &Context, out: &mut Outcome) {
    let Some(inst) = &ctx.intent.installation else {
        return;
    };
    if !ctx.intent.listed.pools {
        // No IPPools read: nothing says the Installation's pools are missing.
        return;
    }
    for t in &inst.pools {
        if ctx
            .intent
            .pools
            .iter()
            .any(|p| p.cidr.trunc() == t.cidr.trunc())
        {
            continue;
        }
        out.push(
            Finding::new(Code::InstallationPoolMissing, format!("pool {}", t.cidr))
                .expected(format!(
                    "an IPPool with CIDR {} (Installation {} spec.calicoNetwork.ipPools{})",
                    t.cidr,
                    inst.name,
                    t.name.as_deref().map(|n| format!(", {n}")).unwrap_or_default()
                ))
                .actual(if ctx.intent.pools.is_empty() {
                    "no IPPool in the intent".to_string()
                } else {
                    let have: Vec<String> = ctx.intent.pools.iter().map(|p| p.cidr.to_string()).collect();
                    format!("IPPools have {}", have.join(", "))
                })
                .hint("the operator creates the Installation's pools when it reconciles; check `kubectl get tigerastatus` and the operator's logs"),
        );
    }
}

fn node_ip(ctx: &Context, out: &mut Outcome) {
    let Some(ip) = ctx.node_ip else {
        out.unknown("the Node has no IPv4 address in the intent (no projectcalico.org/IPv4Address, bgp.ipv4Address or InternalIP): the node-IP checks are not made");
        return;
    };
    // A pasted excerpt of `ip addr` holding only Calico's devices says nothing about the host's
    // own interfaces: then the node IP's absence proves nothing. A host interface that is there
    // without the address (renumbered, address deleted) is the real fault.
    let host_links = ctx
        .state
        .links()
        .iter()
        .any(|l| !is_calico_device(ctx, &l.name) && l.name != "lo");
    if ctx.state.links.is_some() && ctx.state.addrs_collected && !host_links {
        out.unknown("the address dump holds only Calico's devices (an excerpt?): whether the node IP is local is not checked");
    } else if ctx.state.links.is_some() && ctx.state.addrs_collected {
        out.checked.links += 1;
        if ctx.parent.is_none() {
            out.push(
                Finding::new(Code::NodeIpNotLocal, format!("node {}", ctx.node.name))
                    .expected(format!("{ip} on a local interface"))
                    .actual("no local interface has it")
                    .hint("the Node's IPv4Address is stale or autodetected wrongly (IP_AUTODETECTION_METHOD); Felix cannot find the VXLAN parent"),
            );
        }
    }
    let suspicious = is_docker_default(ip)
        || ip.is_link_local()
        || ctx
            .parent
            .map(|p| {
                ["docker", "br-", "virbr", "cni", "podman", "lxcbr", "cbr"]
                    .iter()
                    .any(|pre| p.name.starts_with(pre))
            })
            .unwrap_or(false);
    if suspicious {
        out.push(
            Finding::new(Code::NodeIpSuspicious, format!("node {}", ctx.node.name))
                .expected("the address peers reach this node on (its main NIC)")
                .actual(format!(
                    "{ip}{}",
                    ctx.parent.map(|p| format!(" on {}", p.name)).unwrap_or_default()
                ))
                .hint("autodetection picked a bridge or link-local address; set IP_AUTODETECTION_METHOD (e.g. interface=eth0 or kubernetes-internal-ip)"),
        );
    }
    let mut by_ip: HashMap<Ipv4Addr, Vec<&str>> = HashMap::new();
    for n in &ctx.intent.nodes {
        if let (true, Some(a)) = (n.has_bgp_spec, n.ipv4_addr()) {
            by_ip.entry(a).or_default().push(n.name.as_str());
        }
    }
    if let Some(names) = by_ip.get(&ip) {
        if names.len() > 1 {
            out.push(
                Finding::new(Code::NodeIpDuplicate, format!("node {}", ctx.node.name))
                    .expected(format!("{ip} used by one Node"))
                    .actual(format!("used by {}", names.join(", ")))
                    .hint("a stale Node object or a cloned machine: delete the stale Node; peers send this node's traffic to either"),
            );
        }
    }
}

fn is_docker_default(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    o[0] == 172 && (o[1] == 17 || o[1] == 18)
}

fn cross_subnet(ctx: &Context, out: &mut Outcome) {
    let cross: Vec<_> = ctx
        .intent
        .pools
        .iter()
        .filter(|p| p.cross_subnet())
        .collect();
    if cross.is_empty() {
        return;
    }
    let Some(net) = ctx.node_net else { return };
    if net.prefix_len() == net.max_prefix_len() {
        out.push(
            Finding::new(Code::CrossSubnetDegraded, format!("node {}", ctx.node.name))
                .expected(format!(
                    "an IPv4Address with the subnet prefix (e.g. {}/24), so same-subnet peers are routed directly",
                    net.addr()
                ))
                .actual(format!("{net}: every peer counts as another subnet"))
                .hint("pool(s) CrossSubnet behave like Always; fix the node's IPv4Address prefix (autodetection with cidr= or interface=) (#3003)"),
        );
        // Peers with a real prefix still see this node as same-subnet: the asymmetry below is the
        // consequence that breaks with strict rp_filter (§7.8), so it is reported too.
    }
    let Some(local_ip) = ctx.node_ip else { return };
    for peer in &ctx.peers {
        if peer.ip.is_none() || peer.node.ipv4.is_none() {
            continue;
        }
        out.checked.peers += 1;
        if peer.in_local_subnet != peer.local_in_its_subnet {
            let (here, there) = (
                if peer.in_local_subnet {
                    "direct"
                } else {
                    "tunnelled"
                },
                if peer.local_in_its_subnet {
                    "direct"
                } else {
                    "tunnelled"
                },
            );
            out.push(
                Finding::new(Code::CrossSubnetAsymmetric, format!("node {}", peer.node.name))
                    .peer(peer.node.name.clone())
                    .expected("both nodes agree whether they share a subnet")
                    .actual(format!(
                        "{} ({net}) → {}: {here}; {} ({}) → {local_ip}: {there}",
                        ctx.node.name,
                        peer.ip.map(|i| i.to_string()).unwrap_or_default(),
                        peer.node.name,
                        peer.node.ipv4.map(|n| n.to_string()).unwrap_or_default()
                    ))
                    .hint("replies arrive on another interface than requests leave by: strict rp_filter drops them; make the Nodes' IPv4Address prefixes agree"),
            );
        }
    }
}

fn ipam(ctx: &Context, out: &mut Outcome) {
    let mut by_cidr: HashMap<ipnet::IpNet, Vec<&str>> = HashMap::new();
    for a in ctx.intent.affinities.iter().filter(|a| !a.deleted) {
        by_cidr
            .entry(a.cidr.trunc())
            .or_default()
            .push(a.node.as_str());
    }
    let mut dup: Vec<_> = by_cidr.iter().filter(|(_, v)| v.len() > 1).collect();
    dup.sort_by_key(|(c, _)| **c);
    for (cidr, nodes) in dup {
        out.push(
            Finding::new(Code::IpamDuplicateAffinity, format!("block {cidr}"))
                .expected("one BlockAffinity per block")
                .actual(format!("affine to {}", nodes.join(" and ")))
                .hint("BIRD may install ECMP routes to both nodes (#6867); delete the stale BlockAffinity after checking `calicoctl ipam check`"),
        );
    }
    for b in &ctx.intent.blocks {
        let Some(owner) = b.affinity.as_deref() else {
            continue;
        };
        out.checked.blocks += 1;
        if owner != ctx.node.name && ctx.peer(owner).is_none() && ctx.peers_not_collected() {
            out.unknown("the intent holds only this node's Node: blocks of other nodes are not checked for leaks (add `kubectl get nodes -o yaml`)");
        } else if owner != ctx.node.name && ctx.peer(owner).is_none() {
            out.push(
                Finding::new(Code::IpamAffinityNoNode, format!("block {}", b.cidr))
                    .expected(format!("{owner} to be a Node"))
                    .actual(format!("no Node named {owner}"))
                    .hint("the node was deleted and its block leaked; `calicoctl ipam check` then `calicoctl ipam release`"),
            );
        }
        if let Some(nodes) = by_cidr.get(&b.cidr.trunc()) {
            if nodes.len() == 1 && nodes[0] != owner {
                out.push(
                    Finding::new(Code::IpamBlockAffinityMismatch, format!("block {}", b.cidr))
                        .expected(format!("the BlockAffinity to name {owner} like the block"))
                        .actual(format!("BlockAffinity names {}", nodes[0]))
                        .hint("Felix follows the block, BIRD follows the affinity: routes and blackholes disagree across nodes"),
                );
            }
        }
    }
}

/// Calico's own devices: tunnels, workload veths and the BPF/WireGuard devices.
fn is_calico_device(ctx: &Context, name: &str) -> bool {
    ctx.is_workload_iface(name)
        || name.ends_with(".cali")
        || name.ends_with(".calico")
        || name == crate::calico::IPIP_DEVICE
}
