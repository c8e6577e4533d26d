//! VXLAN rules (§8 rules 1–3, 8, 9): the vxlan.calico device and its attributes, one permanent
//! neighbour and one `self permanent` FDB entry per remote VTEP, and nothing stale beside them.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use super::context::{Context, Fam};
use super::Outcome;
use crate::finding::{Code, Finding};
use crate::model::{FdbState, Link, MacAddr};

pub fn check_device(ctx: &Context, out: &mut Outcome) {
    if ctx.state.links.is_none() {
        out.unknown("links were not collected: the vxlan.calico and tunl0 devices are unknown");
        return;
    }
    check_device_fam(ctx, &ctx.fam(false), out);
    check_device_fam(ctx, &ctx.fam(true), out);
}

fn check_device_fam(ctx: &Context, fam: &Fam, out: &mut Outcome) {
    let family = if fam.v6 { "IPv6" } else { "IPv4" };
    let dev = ctx.state.link(fam.device);
    if !fam.enabled {
        if !ctx.intent.listed.pools {
            if let Some(dev) = dev {
                // What is wrong whatever the pools say still is.
                out.checked.links += 1;
                device_state(dev, out);
                out.unknown(format!("no IPPools in the intent: whether {} should exist, and its VNI, port and addresses, are not checked", fam.device));
            }
            return;
        }
        if let Some(dev) = dev {
            out.checked.links += 1;
            out.push(
                Finding::new(Code::VxlanDeviceUnexpected, format!("link {}", dev.name))
                    .expected(format!("no {}: no {family} pool uses VXLAN", fam.device))
                    .actual(format!("{} exists (mtu {})", fam.device, opt(dev.mtu)))
                    .hint("Felix deletes it when VXLAN is off; a leftover from another cluster or an old encapsulation (#6383)"),
            );
        }
        return;
    }
    out.checked.links += 1;
    let Some(dev) = dev else {
        let has_ip = if fam.v6 {
            fam.node_ip.is_some()
        } else {
            ctx.node.has_bgp_spec
        };
        let cause = match (has_ip, fam.tunnel_ip) {
            (false, _) => "this Node has no Calico address of this family, so it has no VTEP",
            (true, None) => {
                "this Node has no VXLAN tunnel address (host-local IPAM? VXLAN needs Calico IPAM)"
            }
            _ if fam.parent.is_none() => {
                "the node IP is on no local interface, so Felix cannot find the parent device"
            }
            _ => "Felix has not created it: check calico-node's logs on this node",
        };
        out.push(
            Finding::new(Code::VxlanDeviceMissing, format!("link {}", fam.device))
                .expected(format!(
                    "{} (VNI {}, port {}) because an {family} pool uses VXLAN",
                    fam.device, ctx.vxlan_vni, ctx.vxlan_port
                ))
                .actual("no such device")
                .hint(cause),
        );
        return;
    };
    let subject = format!("link {}", dev.name);
    device_state(dev, out);
    match &dev.vxlan {
        // BPF mode: the device is flow-based (no VNI, parent or local address), by design.
        Some(_) if ctx.dataplane.ebpf.is_some() => out.unknown(format!(
            "eBPF dataplane: {}'s VNI, port, local address, parent and MTU are not judged (flow-based device)",
            fam.device
        )),
        None => out.unknown("vxlan.calico details (VNI, port, local, learning) are not in the dump: collect `ip -d link`"),
        Some(v) => {
            if let Some(vni) = v.vni {
                if vni != ctx.vxlan_vni && !ctx.intent.listed.felix {
                    out.unknown(format!("{} has VNI {vni}, not Felix's default {}: no FelixConfiguration in the intent says whether vxlanVNI sets it", fam.device, ctx.vxlan_vni));
                } else if vni != ctx.vxlan_vni {
                    out.push(
                        Finding::new(Code::VxlanVniMismatch, subject.clone())
                            .expected(format!("vxlan id {}", ctx.vxlan_vni))
                            .actual(format!("vxlan id {vni}"))
                            .hint("peers encapsulate with FelixConfiguration vxlanVNI; Felix recreates the device on mismatch, so a lasting one means Felix is not running"),
                    );
                }
            }
            if let Some(port) = v.port {
                if port != ctx.vxlan_port && !ctx.intent.listed.felix {
                    out.unknown(format!("{} has port {port}, not Felix's default {}: no FelixConfiguration in the intent says whether vxlanPort sets it", fam.device, ctx.vxlan_port));
                } else if port != ctx.vxlan_port {
                    out.push(
                        Finding::new(Code::VxlanPortMismatch, subject.clone())
                            .expected(format!("dstport {}", ctx.vxlan_port))
                            .actual(format!("dstport {port}"))
                            .hint("FelixConfiguration vxlanPort and the device disagree (env var FELIX_VXLANPORT overriding? #10692); peers send to the configured port"),
                    );
                }
            }
            if let (Some(local), Some(node_ip)) = (v.local, fam.node_ip) {
                if local != node_ip {
                    out.push(
                        Finding::new(Code::VxlanLocalMismatch, subject.clone())
                            .expected(format!("local {node_ip}"))
                            .actual(format!("local {local}"))
                            .hint("the device uses another address than the Node's IPv4Address: peers' FDB entries point at the Node's; check IP autodetection"),
                    );
                }
            }
            if let Some(parent) = fam.parent {
                let by_index = matches!((v.parent_index, parent.index), (Some(a), Some(b)) if a != b);
                let by_name = matches!(&v.parent_name, Some(n) if *n != parent.name);
                if by_index || by_name {
                    let actual = v
                        .parent_name
                        .clone()
                        .or_else(|| {
                            v.parent_index
                                .and_then(|i| ctx.state.link_by_index(i))
                                .map(|l| l.name.clone())
                        })
                        .unwrap_or_else(|| format!("ifindex {}", opt(v.parent_index)));
                    out.push(
                        Finding::new(Code::VxlanLocalMismatch, subject.clone())
                            .expected(format!("dev {} (the interface with the node IP)", parent.name))
                            .actual(format!("dev {actual}"))
                            .hint("the tunnel's parent is not the interface that carries the node IP"),
                    );
                }
            }
        }
    }
    let want_mac = fam.vtep_mac;
    if let Some(mac) = dev.mac {
        if mac != want_mac {
            let annotated = if fam.v6 {
                ctx.node.vxlan_v6_tunnel_mac.is_some()
            } else {
                ctx.node.vxlan_tunnel_mac.is_some()
            };
            let origin = if annotated {
                "the Node's VXLANTunnelMACAddr"
            } else {
                "derived from the node name"
            };
            out.push(
                Finding::new(Code::VxlanMacMismatch, subject.clone())
                    .expected(format!("link/ether {want_mac} ({origin})"))
                    .actual(format!("link/ether {mac}"))
                    .hint("peers' neighbour entries carry the expected MAC, so frames to this node are dropped; Felix recreates the device when it runs"),
            );
        }
    }
    if let Some(want) = fam.mtu.filter(|_| ctx.dataplane.ebpf.is_none()) {
        if let Some(mtu) = dev.mtu {
            if mtu != want && !ctx.mtu_configured_known() {
                out.unknown(format!("{} has MTU {mtu}, not the {want} Felix derives from the host MTU: no FelixConfiguration in the intent says whether {} sets it", fam.device, if fam.v6 { "vxlanMTUV6" } else { "vxlanMTU" }));
            } else if mtu != want {
                out.push(
                    Finding::new(Code::VxlanMtuMismatch, subject.clone())
                        .expected(format!("mtu {want}"))
                        .actual(format!("mtu {mtu}"))
                        .hint(format!("FelixConfiguration {}, or host MTU − {}; Felix resets it within 10 s when running", if fam.v6 { "vxlanMTUV6" } else { "vxlanMTU" }, fam.overhead)),
                );
            }
        }
    }
    if ctx.state.addrs_collected {
        // The family's addresses, minus the IPv6 link-local every device carries.
        let host_len = if fam.v6 { 128 } else { 32 };
        let v4: Vec<_> = dev
            .addrs
            .iter()
            .filter(|a| a.addr.is_ipv6() == fam.v6 && !is_link_local(a.addr))
            .collect();
        let want = fam.tunnel_ip;
        let good = match want {
            Some(ip) => v4.len() == 1 && v4[0].addr == ip && v4[0].prefix_len == host_len,
            None => v4.is_empty(),
        };
        if !good {
            let actual: Vec<String> = v4
                .iter()
                .map(|a| format!("{}/{}", a.addr, a.prefix_len))
                .collect();
            out.push(
                Finding::new(Code::VxlanAddrMismatch, subject)
                    .expected(match want {
                        Some(ip) => format!("{ip}/{host_len} only"),
                        None => "no address (the Node has no VXLAN tunnel address)".to_string(),
                    })
                    .actual(if actual.is_empty() {
                        "no address".to_string()
                    } else {
                        actual.join(", ")
                    })
                    .hint(if fam.v6 {
                        "the tunnel address must be the Node's IPv6VXLANTunnelAddr as /128; host-sourced traffic to pods uses it"
                    } else {
                        "the tunnel address must be the Node's IPv4VXLANTunnelAddr as /32; host-sourced traffic to pods uses it"
                    }),
            );
        }
    }
}

/// The remote VTEPs of a family: tunnel IP → (node, MAC, node IP).
type Vteps<'c> = HashMap<IpAddr, (&'c str, MacAddr, Option<IpAddr>)>;

fn vteps<'c>(ctx: &'c Context, v6: bool) -> Vteps<'c> {
    ctx.peers
        .iter()
        .filter_map(|p| {
            let f = p.fam(v6);
            f.vtep
                .map(|(ip, mac)| (ip, (p.node.name.as_str(), mac, f.ip)))
        })
        .collect()
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
        IpAddr::V4(a) => a.is_link_local(),
    }
}

/// What is wrong with a Calico VXLAN device whatever the intent says: it is down, or it learns
/// MACs. Shared with the local-only run, which has no intent to compare the rest against.
pub(super) fn device_state(dev: &Link, out: &mut Outcome) {
    let subject = format!("link {}", dev.name);
    if dev.is_up() == Some(false) {
        out.push(
            Finding::new(Code::VxlanDeviceDown, subject.clone())
                .expected("state UP")
                .actual(format!(
                    "state {}",
                    dev.oper_state.map(|s| s.as_str()).unwrap_or("DOWN")
                ))
                .hint("Felix sets it up; a DOWN device drops all tunnelled traffic (#4468)"),
        );
    }
    if dev.vxlan.as_ref().and_then(|v| v.learning) == Some(true) {
        out.push(
            Finding::new(Code::VxlanLearning, subject)
                .expected("nolearning")
                .actual("learning")
                .hint(
                    "Calico programs the FDB statically; learning lets stale or foreign entries in",
                ),
        );
    }
}

pub fn check_neighbours(ctx: &Context, out: &mut Outcome) {
    if !ctx.intent.listed.pools && ctx.intent.pools.is_empty() {
        let vxlan = crate::calico::VXLAN_DEVICE;
        if ctx.state.link(vxlan).is_some()
            || ctx.state.neighbours().iter().any(|n| n.dev == vxlan)
            || ctx.state.fdb().iter().any(|e| e.dev == vxlan)
        {
            out.unknown("no IPPools in the intent: the VTEP neighbours and FDB entries on vxlan.calico are not checked");
        }
        return;
    }
    if !ctx.vxlan_enabled && !ctx.vxlan6_enabled {
        return;
    }
    let Some(neigh) = ctx.state.neighbours.as_deref() else {
        out.unknown("neighbours were not collected: the VTEP ARP entries are unknown");
        return;
    };
    for fam in [ctx.fam(false), ctx.fam(true)] {
        if fam.enabled {
            check_neighbours_fam(ctx, &fam, neigh, out);
        }
    }
}

fn check_neighbours_fam(
    ctx: &Context,
    fam: &Fam,
    neigh: &[crate::model::Neighbour],
    out: &mut Outcome,
) {
    let device = fam.device;
    let vteps = vteps(ctx, fam.v6);
    let on_dev: Vec<_> = neigh
        .iter()
        .filter(|n| n.dev == device && !is_link_local(n.ip) && !n.ip.is_multicast())
        .collect();
    let by_ip: HashMap<IpAddr, &crate::model::Neighbour> =
        on_dev.iter().map(|n| (n.ip, *n)).collect();
    for (ip, (node, mac, _)) in &vteps {
        out.checked.neighbours += 1;
        let found = by_ip.get(ip);
        let healthy = found.is_some_and(|n| {
            n.mac == Some(*mac)
                && n.state
                    .is_none_or(|s| s.is_permanent() && !s.is_unresolved())
        });
        if healthy {
            // The common case at scale: no strings to build.
            continue;
        }
        let subject = format!("neigh {ip}");
        let expected = format!("{ip} dev {device} lladdr {mac} PERMANENT");
        match found {
            None => out.push(
                Finding::new(Code::NeighMissing, subject)
                    .peer(*node)
                    .expected(expected)
                    .actual("no neighbour entry")
                    .hint("without it the kernel ARPs on a nolearning VXLAN device and the packets never leave; Felix writes these entries"),
            ),
            Some(n) if n.mac.is_some() && n.mac != Some(*mac) => out.push(
                Finding::new(Code::NeighWrongMac, subject)
                    .peer(*node)
                    .expected(expected)
                    .actual(n.to_string())
                    .hint("the peer's VTEP MAC changed (device recreated, annotation edited) and this entry is stale; Felix rewrites it when it runs"),
            ),
            Some(n) if n.state.map(|s| s.is_unresolved()).unwrap_or(false) || n.mac.is_none() => out.push(
                Finding::new(Code::NeighUnresolved, subject)
                    .peer(*node)
                    .expected(expected)
                    .actual(n.to_string())
                    .hint("the entry is not resolved: Felix did not program the peer's VTEP"),
            ),
            Some(n) if n.state.map(|s| !s.is_permanent()).unwrap_or(false) => out.push(
                Finding::new(Code::NeighNotPermanent, subject)
                    .peer(*node)
                    .expected(expected)
                    .actual(n.to_string())
                    .hint("Felix writes VTEP entries PERMANENT (felix/dataplane/linux/vxlan_mgr.go); a dynamic one was learnt or added by something else and the kernel may age it out or re-resolve it on a nolearning device — Felix replaces it on its next resync when running"),
            ),
            Some(_) => {}
        }
    }
    // Without blocks nothing says which nodes should have VTEPs; with blocks of nodes the intent
    // lacks, an entry may be theirs.
    let partial = !ctx.foreign_owned_blocks.is_empty() || !ctx.blocks_known;
    for n in &on_dev {
        if vteps.contains_key(&n.ip) {
            continue;
        }
        if partial && !n.state.is_some_and(|s| s.is_unresolved()) {
            out.unknown(format!("entries on {device} for VTEPs of nodes not in the intent are not judged (add those Nodes, and the IPAM blocks)"));
            continue;
        }
        if n.state.map(|s| s.is_unresolved()).unwrap_or(false) {
            out.push(
                Finding::new(Code::NeighUnresolved, format!("neigh {}", n.ip))
                    .expected(format!("no unresolved neighbour on {device}"))
                    .actual(n.to_string())
                    .hint("a route points at a gateway that is no known VTEP (stale route or missing peer)"),
            );
        } else if n.state.map(|s| s.is_permanent()).unwrap_or(false) {
            out.push(
                Finding::new(Code::NeighStale, format!("neigh {}", n.ip))
                    .expected("no entry: the address is no current VTEP")
                    .actual(n.to_string())
                    .hint("left over from a removed node or an old tunnel IP; Felix removes it within 90 s when running"),
            );
        }
    }
}

pub fn check_fdb(ctx: &Context, out: &mut Outcome) {
    if !ctx.vxlan_enabled && !ctx.vxlan6_enabled {
        return;
    }
    if ctx.dataplane.ebpf.is_some() {
        // felix/vxlanfdb/vxlan_fdb.go: in BPF mode only the ARP entries are programmed; the BPF
        // programs pick the outer destination.
        out.unknown(
            "eBPF dataplane: the VXLAN FDB is not judged (Felix programs none in BPF mode)",
        );
        return;
    }
    let Some(fdb) = ctx.state.fdb.as_deref() else {
        out.unknown("the bridge FDB was not collected: the VTEP forwarding entries are unknown");
        return;
    };
    for fam in [ctx.fam(false), ctx.fam(true)] {
        if fam.enabled {
            check_fdb_fam(ctx, &fam, fdb, out);
        }
    }
}

fn check_fdb_fam(ctx: &Context, fam: &Fam, fdb: &[crate::model::FdbEntry], out: &mut Outcome) {
    let device = fam.device;
    let vteps = vteps(ctx, fam.v6);
    let by_mac: HashMap<MacAddr, (&str, Option<IpAddr>)> = vteps
        .values()
        .map(|(node, mac, ip)| (*mac, (*node, *ip)))
        .collect();
    let own_mac = ctx.state.link(device).and_then(|l| l.mac);
    let entries: Vec<_> = fdb
        .iter()
        .filter(|e| e.dev == device && Some(e.mac) != own_mac)
        .collect();
    let mut by_entry_mac: HashMap<MacAddr, Vec<&crate::model::FdbEntry>> = HashMap::new();
    for e in &entries {
        by_entry_mac.entry(e.mac).or_default().push(e);
    }

    for (mac, (node, node_ip)) in &by_mac {
        out.checked.fdb += 1;
        let mine: &[&crate::model::FdbEntry] =
            by_entry_mac.get(mac).map(Vec::as_slice).unwrap_or_default();
        let healthy = mine.len() == 1
            && mine[0].is_self
            && mine[0].state.is_none_or(|s| s == FdbState::Permanent)
            && node_ip.is_some_and(|ip| mine[0].dst == Some(ip));
        if healthy {
            continue;
        }
        let subject = format!("fdb {mac}");
        let want_dst = node_ip
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "?".into());
        let expected = format!("{mac} dev {device} dst {want_dst} self permanent");
        if mine.is_empty() {
            out.push(
                Finding::new(Code::FdbMissing, subject)
                    .peer(*node)
                    .expected(expected)
                    .actual("no FDB entry")
                    .hint("without it the kernel has no outer destination for this VTEP and drops the frames; Felix writes these entries"),
            );
            continue;
        }
        if let Some(want) = node_ip {
            if !mine.iter().any(|e| e.dst == Some(*want)) {
                let actual: Vec<String> = mine.iter().map(|e| e.to_string()).collect();
                out.push(
                    Finding::new(Code::FdbStaleDst, subject)
                        .peer(*node)
                        .expected(expected)
                        .actual(actual.join("; "))
                        .hint("the peer's node IP changed and this entry still sends to the old one (#7281); Felix rewrites it within 90 s when running, else the Node resource is stale"),
                );
                continue;
            }
        }
        if let Some(e) = mine
            .iter()
            .find(|e| !e.is_self || e.state.is_some_and(|s| s != FdbState::Permanent))
        {
            out.push(
                Finding::new(Code::FdbNotPermanent, subject)
                    .peer(*node)
                    .expected(expected)
                    .actual(e.to_string())
                    .hint("Felix writes `self permanent` entries; this one was added by something else"),
            );
        }
    }
    let partial = !ctx.foreign_owned_blocks.is_empty() || !ctx.blocks_known;
    for e in &entries {
        if !by_mac.contains_key(&e.mac) && partial && !e.mac.is_zero() {
            out.unknown(format!("entries on {device} for VTEPs of nodes not in the intent are not judged (add those Nodes, and the IPAM blocks)"));
        } else if !by_mac.contains_key(&e.mac) {
            out.push(
                Finding::new(Code::FdbUnknownMac, format!("fdb {}", e.mac))
                    .expected("no entry: the MAC is no current VTEP")
                    .actual(e.to_string())
                    .hint(if e.mac.is_zero() {
                        "a flood entry: Calico never programs one (learning is off, no group); another VXLAN setup shares this device name"
                    } else {
                        "left over from a removed node or an old MAC; Felix removes it when running"
                    }),
            );
        }
    }
    duplicates(&entries, out);
}

/// Two entries on one VXLAN device sharing a destination or a MAC: wrong whatever the intent says,
/// so the local-only run checks it too. `entries` are one device's, its own MAC left out.
pub(super) fn duplicates(entries: &[&crate::model::FdbEntry], out: &mut Outcome) {
    let mut seen_mac: HashMap<MacAddr, Vec<IpAddr>> = HashMap::new();
    let mut seen_dst: HashMap<IpAddr, HashSet<MacAddr>> = HashMap::new();
    for e in entries {
        if let Some(dst) = e.dst {
            seen_mac.entry(e.mac).or_default().push(dst);
            seen_dst.entry(dst).or_default().insert(e.mac);
        }
    }
    let mut reported_dup: HashSet<String> = HashSet::new();
    for e in entries {
        if let Some(macs) = e.dst.and_then(|dst| seen_dst.get(&dst).map(|m| (dst, m))) {
            let (dst, macs) = macs;
            if macs.len() > 1 && reported_dup.insert(format!("dst {dst}")) {
                let mut list: Vec<String> = macs.iter().map(|m| m.to_string()).collect();
                list.sort();
                out.push(
                    Finding::new(Code::FdbDuplicate, format!("fdb dst {dst}"))
                        .expected("one VTEP MAC per node IP")
                        .actual(format!("{} MACs send to {dst}: {}", macs.len(), list.join(", ")))
                        .hint("two Nodes share an IP or a node was re-added with a new MAC while the old entry stayed"),
                );
            }
        }
        let Some(dsts) = seen_mac.get(&e.mac) else {
            continue;
        };
        if dsts.len() > 1 && reported_dup.insert(format!("mac {}", e.mac)) {
            let list: Vec<String> = dsts.iter().map(|d| d.to_string()).collect();
            out.push(
                Finding::new(Code::FdbDuplicate, format!("fdb {}", e.mac))
                    .expected("one destination per VTEP MAC")
                    .actual(format!("{} sends to {}", e.mac, list.join(" and ")))
                    .hint("two Nodes carry the same VXLANTunnelMACAddr, or an old entry stayed beside the new one"),
            );
        }
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
}
