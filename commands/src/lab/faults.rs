//! `netdiag lab break FAULT`: one fault per call, on one node (and peer), as it happens in real
//! clusters — a stale FDB entry after a node IP change, a lost route, a wrong VNI… Each prints what
//! it ran, the finding `node-status` should report, and how to undo it (`netdiag lab heal`
//! re-programs everything).

use std::net::Ipv4Addr;

use anyhow::{bail, Result};

use super::plan::{
    mesh_name, Cmd, Encap, Plan, BGP_AS, FLANNEL_DEV, FLANNEL_PORT, FLANNEL_VNI, PROTO_FELIX,
    VXLAN_DEV, VXLAN_PORT, VXLAN_VNI,
};
use super::{lab_flag, name_flag, sh, NFT_TABLE};
use crate::cli::{LabBreakArgs, LabFault};

fn cmd(line: &str) -> Cmd {
    line.split_whitespace().map(str::to_string).collect()
}

/// `ip netns exec FABRIC nft <rule>` (nft joins its arguments, so the rule is one argument).
pub fn nft_cmd(plan: &Plan, rule: &str) -> Cmd {
    vec![
        "ip".into(),
        "netns".into(),
        "exec".into(),
        plan.fabric.clone(),
        "nft".into(),
        rule.into(),
    ]
}

struct Fault {
    what: String,
    cmds: Vec<Cmd>,
    undo: Vec<String>,
    /// The finding node-status should report on the broken node (None: invisible on the node).
    code: Option<&'static str>,
}

pub fn inject(a: &LabBreakArgs) -> Result<u8> {
    let name = &a.name.name;
    let plan = super::load(name)?;
    let node_name = a.node.as_deref().unwrap_or("worker");
    let Some(ni) = plan.nodes.iter().position(|n| n.name == node_name) else {
        bail!(
            "no node {node_name:?} in lab {name:?}: pass --node with one of {}",
            node_list(&plan)
        );
    };
    let pi = match &a.peer {
        Some(p) => match plan.nodes.iter().position(|n| &n.name == p) {
            Some(i) if i != ni => i,
            _ => bail!(
                "--peer {p:?} must be another node of lab {name:?}: {}",
                node_list(&plan)
            ),
        },
        None => default_peer(&plan, ni, a.fault),
    };
    let f = fault(&plan, a.fault, ni, pi)?;
    sh::run_all(&f.cmds)?;
    let ran_bird = bird_actions(&plan, a.fault, pi)?;
    let n = &plan.nodes[ni];
    // bgp-blocked is in the fabric: the far subnet's node, which connects actively, shows it.
    let check_name = match a.fault {
        LabFault::BgpBlocked => far_node(&plan).unwrap_or(&n.name).to_string(),
        _ => n.name.clone(),
    };
    let mut out = String::new();
    outln!(out, "broke {}: {}", n.name, f.what);
    for c in &f.cmds {
        outln!(out, "  ran   {}", c.join(" "));
    }
    for r in &ran_bird {
        outln!(out, "  ran   {r}");
    }
    match f.code {
        Some(code) => outln!(out,
            "  check netdiag node-status {} --node {check_name}    # expect {code}",
            lab_flag(name),
        ),
        None => outln!(out,
            "  check netdiag node-status {} --node {}    # the node looks healthy: the fault is in the fabric",
            lab_flag(name),
            n.name
        ),
    }
    for u in &f.undo {
        outln!(out, "  undo  {u}");
    }
    outln!(out, "  or    netdiag lab heal{}", name_flag(name));
    crate::output::print(&out)?;
    Ok(0)
}

/// What the BIRD faults do to the lab's own BIRDs (after `cmds`): stop the peer's, restart it
/// with another AS, or restart the cross-subnet sessions so the nft rule in the fabric bites now
/// rather than at the hold timer (240 s). Returns the lines to print as "ran".
fn bird_actions(plan: &Plan, fault: LabFault, pi: usize) -> Result<Vec<String>> {
    let lab = &plan.params.name;
    let r = &plan.nodes[pi];
    Ok(match fault {
        LabFault::BirdStopped => {
            super::bird::stop(lab, &r.name);
            vec![format!(
                "kill <pid of {}'s bird> (SIGTERM, {})",
                r.name,
                super::bird::socket(lab, &r.name).display()
            )]
        }
        LabFault::WrongAs => {
            super::bird::stop(lab, &r.name);
            super::bird::start(plan, pi, BGP_AS + 1)?;
            vec![format!(
                "restarted {}'s bird with `local as {}` (the cluster's AS is {BGP_AS})",
                r.name,
                BGP_AS + 1
            )]
        }
        LabFault::BgpBlocked => {
            // Restart BIRD on the nodes outside the first node's subnet: their sessions across the
            // fabric must reconnect, through the filter.
            let first = plan.nodes[0].subnet();
            let mut ran = Vec::new();
            for (i, n) in plan
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| !first.contains(&n.ip))
            {
                super::bird::stop(lab, &n.name);
                super::bird::start(plan, i, BGP_AS)?;
                ran.push(format!("restarted {}'s bird (its sessions across the fabric reconnect through the filter)", n.name));
            }
            ran
        }
        _ => Vec::new(),
    })
}

/// The first node outside the first node's subnet: it connects actively to the others (confd
/// makes the session toward the higher address passive), so its sessions show a blocked fabric.
fn far_node(plan: &Plan) -> Option<&str> {
    let first = plan.nodes.first()?.subnet();
    plan.nodes
        .iter()
        .find(|x| !first.contains(&x.ip))
        .map(|x| x.name.as_str())
}

fn need_bird(plan: &Plan, fault: &str) -> Result<()> {
    if !plan.bird_runs() {
        bail!("{fault} needs a lab with real BIRD: `netdiag lab up --mode bgp`");
    }
    Ok(())
}

fn node_list(plan: &Plan) -> String {
    plan.nodes
        .iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// worker3 (another subnet) for path faults; for wrong-route a same-subnet peer, so CrossSubnet's
/// direct route turns into a tunnel one.
fn default_peer(plan: &Plan, ni: usize, fault: LabFault) -> usize {
    let n = &plan.nodes[ni];
    let others = || (0..plan.nodes.len()).filter(move |&i| i != ni);
    let same = others().find(|&i| n.subnet().contains(&plan.nodes[i].ip));
    let other = others().find(|&i| !n.subnet().contains(&plan.nodes[i].ip));
    let first = others().next().unwrap_or(0);
    if fault == LabFault::WrongRoute {
        same.or(other).unwrap_or(first)
    } else {
        other.or(same).unwrap_or(first)
    }
}

fn need_vxlan(plan: &Plan, fault: &str) -> Result<()> {
    if !plan.vxlan_enabled() {
        bail!(
            "{fault} needs a VXLAN lab (this one is {:?}): `netdiag lab up --mode vxlan-crosssubnet`",
            plan.params.mode
        );
    }
    Ok(())
}

fn fault(plan: &Plan, fault: LabFault, ni: usize, pi: usize) -> Result<Fault> {
    if plan.flannel() {
        return flannel_fault(plan, fault, ni, pi);
    }
    let n = &plan.nodes[ni];
    let r = &plan.nodes[pi];
    let ns = &n.netns;
    let ip = |l: &str| cmd(&format!("ip -n {ns} {l}"));
    let bridge = |l: &str| cmd(&format!("bridge -n {ns} {l}"));
    let rtun = r.tunnel_ip.unwrap_or(r.ip);
    let heal_only = vec![];
    let o = r.ip.octets();
    let stale_ip = Ipv4Addr::new(o[0], o[1], o[2], o[3].wrapping_add(100));
    let fdb_ok = format!(
        "fdb append {} dev {VXLAN_DEV} dst {} self permanent",
        r.vtep_mac, r.ip
    );
    let neigh_ok = format!(
        "neigh replace {rtun} lladdr {} dev {VXLAN_DEV} nud permanent",
        r.vtep_mac
    );
    let block = r.blocks[0].clone();
    let route_ok = plan.remote_block_route(ni, pi, &block);
    Ok(match fault {
        LabFault::StaleFdb => {
            need_vxlan(plan, "stale-fdb")?;
            Fault {
                what: format!(
                    "the FDB entry for {}'s VTEP {} sends to {stale_ip}, not {} (the peer's IP changed, the entry did not)",
                    r.name, r.vtep_mac, r.ip
                ),
                cmds: vec![
                    bridge(&format!("fdb del {} dev {VXLAN_DEV} self", r.vtep_mac)),
                    bridge(&format!(
                        "fdb append {} dev {VXLAN_DEV} dst {stale_ip} self permanent",
                        r.vtep_mac
                    )),
                ],
                undo: vec![
                    format!("bridge -n {ns} fdb del {} dev {VXLAN_DEV} self", r.vtep_mac),
                    format!("bridge -n {ns} {fdb_ok}"),
                ],
                code: Some("VXLAN-FDB-STALE-DST"),
            }
        }
        LabFault::MissingFdb => {
            need_vxlan(plan, "missing-fdb")?;
            Fault {
                what: format!("deleted the FDB entry for {}'s VTEP {}", r.name, r.vtep_mac),
                cmds: vec![bridge(&format!(
                    "fdb del {} dev {VXLAN_DEV} self",
                    r.vtep_mac
                ))],
                undo: vec![format!("bridge -n {ns} {fdb_ok}")],
                code: Some("VXLAN-FDB-MISSING"),
            }
        }
        LabFault::MissingNeigh => {
            need_vxlan(plan, "missing-neigh")?;
            Fault {
                what: format!(
                    "deleted the permanent neighbour for {}'s VTEP {rtun}",
                    r.name
                ),
                cmds: vec![ip(&format!("neigh del {rtun} dev {VXLAN_DEV}"))],
                undo: vec![format!("ip -n {ns} {neigh_ok}")],
                code: Some("VXLAN-NEIGH-MISSING"),
            }
        }
        LabFault::WrongNeighMac => {
            need_vxlan(plan, "wrong-neigh-mac")?;
            Fault {
                what: format!(
                    "the neighbour for {}'s VTEP {rtun} has MAC 66:00:00:00:00:01, not {}",
                    r.name, r.vtep_mac
                ),
                cmds: vec![ip(&format!(
                    "neigh replace {rtun} lladdr 66:00:00:00:00:01 dev {VXLAN_DEV} nud permanent"
                ))],
                undo: vec![format!("ip -n {ns} {neigh_ok}")],
                code: Some("VXLAN-NEIGH-WRONG-MAC"),
            }
        }
        // With real BIRD a route deleted by hand comes back at its next kernel scan (2 s): the
        // route goes the way it goes in a cluster, by BIRD losing the session to the peer.
        LabFault::MissingRoute if plan.bird_runs() => {
            let sock = super::bird::socket(&plan.params.name, &n.name)
                .display()
                .to_string();
            let proto = mesh_name(r.ip);
            Fault {
                what: format!(
                    "disabled {}'s BGP session {proto} to {}: BIRD withdraws {}'s block {}",
                    n.name, r.name, r.name, block.cidr
                ),
                cmds: vec![cmd(&format!("birdc -s {sock} disable {proto}"))],
                undo: vec![format!("birdc -s {sock} enable {proto}")],
                code: Some("ROUTE-MISSING"),
            }
        }
        LabFault::MissingRoute => Fault {
            what: format!("deleted the route to {}'s block {}", r.name, block.cidr),
            cmds: vec![ip(&format!("route del {}", block.cidr))],
            undo: vec![format!("ip -n {ns} route replace {route_ok}")],
            code: Some("ROUTE-MISSING"),
        },
        LabFault::WrongRoute => {
            if plan.pools[block.pool].encap != Encap::Vxlan {
                bail!("wrong-route needs a VXLAN pool's block (lab up --mode vxlan-crosssubnet)");
            }
            let direct = route_ok.contains(" dev eth0 ");
            let wrong = if direct {
                format!("{} via {rtun} dev {VXLAN_DEV} onlink", block.cidr)
            } else {
                format!(
                    "{} via {} dev eth0 proto {PROTO_FELIX} onlink",
                    block.cidr, r.ip
                )
            };
            Fault {
                what: format!(
                    "{}'s block {} is routed {} ({wrong})",
                    r.name,
                    block.cidr,
                    if direct {
                        "through the tunnel where CrossSubnet wants it direct"
                    } else {
                        "directly where the pool wants it tunnelled"
                    }
                ),
                cmds: vec![ip(&format!("route replace {wrong}"))],
                undo: vec![format!("ip -n {ns} route replace {route_ok}")],
                code: Some("ROUTE-WRONG-PATH"),
            }
        }
        LabFault::WrongVni | LabFault::WrongPort => {
            need_vxlan(plan, "wrong-vni/wrong-port")?;
            let (vni, port, what, code) = if fault == LabFault::WrongVni {
                (VXLAN_VNI + 1, VXLAN_PORT, "VNI", "VXLAN-VNI-MISMATCH")
            } else {
                (VXLAN_VNI, VXLAN_PORT + 1, "UDP port", "VXLAN-PORT-MISMATCH")
            };
            let mut cmds = vec![ip(&format!("link del {VXLAN_DEV}"))];
            cmds.extend(plan.vxlan_device_cmds(ni, vni, port));
            cmds.extend(plan.node_route_cmds(ni));
            Fault {
                what: format!(
                    "re-created {VXLAN_DEV} with {what} {} (FelixConfiguration says {})",
                    if fault == LabFault::WrongVni {
                        vni
                    } else {
                        u32::from(port)
                    },
                    if fault == LabFault::WrongVni {
                        VXLAN_VNI
                    } else {
                        u32::from(VXLAN_PORT)
                    }
                ),
                cmds,
                undo: heal_only,
                code: Some(code),
            }
        }
        LabFault::TunnelDown => {
            need_vxlan(plan, "tunnel-down")?;
            Fault {
                what: format!("set {VXLAN_DEV} down (the kernel drops its routes with it)"),
                cmds: vec![ip(&format!("link set {VXLAN_DEV} down"))],
                undo: heal_only,
                code: Some("VXLAN-DEVICE-DOWN"),
            }
        }
        LabFault::Mtu => {
            if !plan.vxlan_enabled() && !plan.ipip_enabled() {
                bail!("mtu needs a tunnelled lab (vxlan or ipip modes): pods may use the full MTU here");
            }
            let pods: Vec<_> = plan.pods_of(ni).collect();
            if pods.is_empty() {
                bail!(
                    "mtu needs pods on {}: lab up --pods-per-node 1 or more",
                    n.name
                );
            }
            Fault {
                what: format!(
                    "set the MTU of {}'s pod interfaces to {} (tunnel MTU {})",
                    n.name,
                    plan.params.mtu,
                    if plan.vxlan_enabled() {
                        plan.vxlan_mtu
                    } else {
                        plan.ipip_mtu
                    }
                ),
                cmds: pods
                    .iter()
                    .map(|p| ip(&format!("link set {} mtu {}", p.cali, plan.params.mtu)))
                    .collect(),
                undo: pods
                    .iter()
                    .map(|p| format!("ip -n {ns} link set {} mtu {}", p.cali, plan.pod_mtu))
                    .collect(),
                code: Some("MTU-POD-ABOVE-TUNNEL"),
            }
        }
        LabFault::StaleBlackhole => {
            let own = n.blocks[0].cidr;
            let stale = ipnet::Ipv4Net::new(
                Ipv4Addr::from(u32::from(own.network()) + 64),
                own.prefix_len(),
            )
            .unwrap_or(own);
            Fault {
                what: format!(
                    "added a blackhole for block {stale}, which {} no longer owns",
                    n.name
                ),
                cmds: vec![ip(&format!(
                    "route add blackhole {stale} proto {PROTO_FELIX}"
                ))],
                undo: vec![format!("ip -n {ns} route del blackhole {stale}")],
                code: Some("BLACKHOLE-STALE"),
            }
        }
        LabFault::NodeIpChanged => {
            let o = n.ip.octets();
            let new = Ipv4Addr::new(o[0], o[1], o[2], o[3].wrapping_add(100));
            Fault {
                what: format!(
                    "eth0 now has {new}/{}; the Node still says {}",
                    n.prefix,
                    n.cidr()
                ),
                cmds: vec![
                    ip(&format!("addr del {} dev eth0", n.cidr())),
                    ip(&format!("addr add {new}/{} dev eth0", n.prefix)),
                    ip(&format!("route replace default via {} dev eth0", n.gateway)),
                ],
                undo: heal_only,
                code: Some("NODE-IP-NOT-LOCAL"),
            }
        }
        LabFault::Learning => {
            need_vxlan(plan, "learning")?;
            let mut cmds = vec![ip(&format!("link del {VXLAN_DEV}"))];
            cmds.extend(plan.vxlan_device_cmds_learning(ni, VXLAN_VNI, VXLAN_PORT, true));
            cmds.extend(plan.node_route_cmds(ni));
            Fault {
                what: format!(
                    "re-created {VXLAN_DEV} with learning on (Felix makes it nolearning)"
                ),
                cmds,
                undo: heal_only,
                code: Some("VXLAN-LEARNING-ON"),
            }
        }
        LabFault::BlockedVxlan => {
            need_vxlan(plan, "blocked-vxlan")?;
            if !sh::have("nft") {
                bail!("blocked-vxlan needs nftables' `nft`: install the package nftables (apt-get install nftables)");
            }
            Fault {
                what: format!(
                    "nftables in the fabric ({}) drops UDP port {VXLAN_PORT} between the subnets",
                    plan.fabric
                ),
                cmds: vec![
                    nft_cmd(plan, &format!("add table inet {NFT_TABLE}")),
                    nft_cmd(
                        plan,
                        &format!("add chain inet {NFT_TABLE} forward {{ type filter hook forward priority 0 ; policy accept ; }}"),
                    ),
                    nft_cmd(
                        plan,
                        &format!("add rule inet {NFT_TABLE} forward udp dport {VXLAN_PORT} drop"),
                    ),
                ],
                undo: vec![format!(
                    "ip netns exec {} nft delete table inet {NFT_TABLE}",
                    plan.fabric
                )],
                code: None,
            }
        }
        LabFault::BirdStopped => {
            need_bird(plan, "bird-stopped")?;
            Fault {
                what: format!("{}'s BIRD is stopped (calico-node down there): {}'s session {} goes down and BIRD withdraws {}'s block {}", r.name, n.name, mesh_name(r.ip), r.name, block.cidr),
                cmds: Vec::new(),
                undo: heal_only,
                code: Some("BGP-SESSION-DOWN"),
            }
        }
        LabFault::WrongAs => {
            need_bird(plan, "wrong-as")?;
            Fault {
                what: format!("{}'s BIRD runs with AS {} while its peers expect {BGP_AS}: its sessions fail with \"Bad peer AS\"", r.name, BGP_AS + 1),
                cmds: Vec::new(),
                undo: heal_only,
                code: Some("BGP-SESSION-DOWN"),
            }
        }
        LabFault::BgpBlocked => {
            need_bird(plan, "bgp-blocked")?;
            if !sh::have("nft") {
                bail!("bgp-blocked needs nftables' `nft`: install the package nftables (apt-get install nftables)");
            }
            Fault {
                what: format!("nftables in the fabric ({}) drops BGP (TCP 179) between the subnets: the sessions across it cannot connect", plan.fabric),
                cmds: vec![
                    nft_cmd(plan, &format!("add table inet {NFT_TABLE}")),
                    nft_cmd(plan, &format!("add chain inet {NFT_TABLE} forward {{ type filter hook forward priority 0 ; policy accept ; }}")),
                    nft_cmd(plan, &format!("add rule inet {NFT_TABLE} forward tcp dport 179 drop")),
                    nft_cmd(plan, &format!("add rule inet {NFT_TABLE} forward tcp sport 179 drop")),
                ],
                undo: vec![format!("ip netns exec {} nft delete table inet {NFT_TABLE}", plan.fabric)],
                code: Some("BGP-SESSION-DOWN"),
            }
        }
    })
}

/// The faults of the Flannel modes (flannel-vxlan, canal): the same names, on flannel.1 and
/// flanneld's per-lease state, each naming the FLANNEL-* finding node-status reports.
fn flannel_fault(plan: &Plan, fault: LabFault, ni: usize, pi: usize) -> Result<Fault> {
    let n = &plan.nodes[ni];
    let r = &plan.nodes[pi];
    let ns = &n.netns;
    let ip = |l: &str| cmd(&format!("ip -n {ns} {l}"));
    let bridge = |l: &str| cmd(&format!("bridge -n {ns} {l}"));
    let (Some(rtun), Some(lease)) = (r.tunnel_ip, r.pod_cidr) else {
        bail!("{} has no lease in this lab", r.name);
    };
    let o = r.ip.octets();
    let stale_ip = Ipv4Addr::new(o[0], o[1], o[2], o[3].wrapping_add(100));
    let dev = FLANNEL_DEV;
    let fdb_ok = format!(
        "fdb append {} dev {dev} dst {} self permanent",
        r.vtep_mac, r.ip
    );
    let neigh_ok = format!(
        "neigh replace {rtun} lladdr {} dev {dev} nud permanent",
        r.vtep_mac
    );
    let route_ok = plan.flannel_route(pi, lease, rtun);
    let recreate = |vni: u32, port: u16, learning: bool| {
        let mut cmds = vec![ip(&format!("link del {dev}"))];
        cmds.extend(plan.vxlan_device_cmds_learning(ni, vni, port, learning));
        cmds
    };
    Ok(match fault {
        LabFault::StaleFdb => Fault {
            what: format!(
                "the FDB entry for {}'s VtepMAC {} sends to {stale_ip}, not its public-ip {}",
                r.name, r.vtep_mac, r.ip
            ),
            cmds: vec![
                bridge(&format!("fdb del {} dev {dev} self", r.vtep_mac)),
                bridge(&format!("fdb append {} dev {dev} dst {stale_ip} self permanent", r.vtep_mac)),
            ],
            undo: vec![
                format!("bridge -n {ns} fdb del {} dev {dev} self", r.vtep_mac),
                format!("bridge -n {ns} {fdb_ok}"),
            ],
            code: Some("FLANNEL-FDB-STALE-DST"),
        },
        LabFault::MissingFdb => Fault {
            what: format!("deleted the FDB entry for {}'s VtepMAC {}", r.name, r.vtep_mac),
            cmds: vec![bridge(&format!("fdb del {} dev {dev} self", r.vtep_mac))],
            undo: vec![format!("bridge -n {ns} {fdb_ok}")],
            code: Some("FLANNEL-FDB-MISSING"),
        },
        LabFault::MissingNeigh => Fault {
            what: format!("deleted the permanent neighbour for {}'s flannel.1 address {rtun}", r.name),
            cmds: vec![ip(&format!("neigh del {rtun} dev {dev}"))],
            undo: vec![format!("ip -n {ns} {neigh_ok}")],
            code: Some("FLANNEL-NEIGH-MISSING"),
        },
        LabFault::WrongNeighMac => Fault {
            what: format!(
                "the neighbour for {}'s flannel.1 address {rtun} has MAC 0e:00:00:00:00:01, not {}",
                r.name, r.vtep_mac
            ),
            cmds: vec![ip(&format!(
                "neigh replace {rtun} lladdr 0e:00:00:00:00:01 dev {dev} nud permanent"
            ))],
            undo: vec![format!("ip -n {ns} {neigh_ok}")],
            code: Some("FLANNEL-NEIGH-WRONG-MAC"),
        },
        LabFault::MissingRoute => Fault {
            what: format!("deleted the route to {}'s podCIDR {lease}", r.name),
            cmds: vec![ip(&format!("route del {lease}"))],
            undo: vec![format!("ip -n {ns} route replace {route_ok}")],
            code: Some("FLANNEL-ROUTE-MISSING"),
        },
        LabFault::WrongRoute => Fault {
            what: format!(
                "{}'s podCIDR {lease} is routed via its node IP on eth0 (a host-gw leftover), not through {dev}",
                r.name
            ),
            cmds: vec![ip(&format!("route replace {lease} via {} dev eth0 onlink", r.ip))],
            undo: vec![format!("ip -n {ns} route replace {route_ok}")],
            code: Some("FLANNEL-ROUTE-WRONG"),
        },
        LabFault::WrongVni => Fault {
            what: format!("re-created {dev} with VNI {} (net-conf.json leaves it at {FLANNEL_VNI})", FLANNEL_VNI + 1),
            cmds: recreate(FLANNEL_VNI + 1, FLANNEL_PORT, false),
            undo: vec![],
            code: Some("FLANNEL-VNI-MISMATCH"),
        },
        LabFault::WrongPort => Fault {
            what: format!("re-created {dev} with UDP port {} (net-conf.json's Port 0 is the kernel's {FLANNEL_PORT})", VXLAN_PORT),
            cmds: recreate(FLANNEL_VNI, VXLAN_PORT, false),
            undo: vec![],
            code: Some("FLANNEL-PORT-MISMATCH"),
        },
        LabFault::Learning => Fault {
            what: format!("re-created {dev} with learning on (flanneld makes it nolearning)"),
            cmds: recreate(FLANNEL_VNI, FLANNEL_PORT, true),
            undo: vec![],
            code: Some("FLANNEL-LEARNING-ON"),
        },
        LabFault::TunnelDown => Fault {
            what: format!("set {dev} down (the kernel drops its routes with it)"),
            cmds: vec![ip(&format!("link set {dev} down"))],
            undo: vec![],
            code: Some("FLANNEL-DEVICE-DOWN"),
        },
        LabFault::Mtu => {
            let pods: Vec<_> = plan.pods_of(ni).collect();
            if pods.is_empty() {
                bail!("mtu needs pods on {}: lab up --pods-per-node 1 or more", n.name);
            }
            Fault {
                what: format!(
                    "set the MTU of {}'s pod interfaces to {} ({dev} MTU {})",
                    n.name, plan.params.mtu, plan.vxlan_mtu
                ),
                cmds: pods
                    .iter()
                    .map(|p| ip(&format!("link set {} mtu {}", p.cali, plan.params.mtu)))
                    .collect(),
                undo: pods
                    .iter()
                    .map(|p| format!("ip -n {ns} link set {} mtu {}", p.cali, plan.pod_mtu))
                    .collect(),
                code: Some("MTU-POD-ABOVE-TUNNEL"),
            }
        }
        LabFault::BlockedVxlan => {
            if !sh::have("nft") {
                bail!("blocked-vxlan needs nftables' `nft`: install the package nftables (apt-get install nftables)");
            }
            Fault {
                what: format!(
                    "nftables in the fabric ({}) drops UDP port {FLANNEL_PORT} between the subnets",
                    plan.fabric
                ),
                cmds: vec![
                    nft_cmd(plan, &format!("add table inet {NFT_TABLE}")),
                    nft_cmd(
                        plan,
                        &format!("add chain inet {NFT_TABLE} forward {{ type filter hook forward priority 0 ; policy accept ; }}"),
                    ),
                    nft_cmd(
                        plan,
                        &format!("add rule inet {NFT_TABLE} forward udp dport {FLANNEL_PORT} drop"),
                    ),
                ],
                undo: vec![format!("ip netns exec {} nft delete table inet {NFT_TABLE}", plan.fabric)],
                code: None,
            }
        }
        LabFault::BirdStopped | LabFault::BgpBlocked | LabFault::WrongAs => {
            need_bird(plan, "this fault")?;
            bail!("BGP faults need a Calico bgp lab");
        }
        LabFault::StaleBlackhole | LabFault::NodeIpChanged => bail!(
            "{} is a Calico fault (IPAM blocks, Calico's node address): this lab is {:?}; Flannel faults: stale-fdb, missing-fdb, missing-neigh, wrong-neigh-mac, missing-route, wrong-route, wrong-vni, wrong-port, learning, tunnel-down, mtu, blocked-vxlan",
            match fault {
                LabFault::StaleBlackhole => "stale-blackhole",
                _ => "node-ip-changed",
            },
            plan.params.mode
        ),
    })
}
