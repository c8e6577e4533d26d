//! The lab's blueprint, pure and deterministic: which namespaces, addresses, IPAM blocks, pods and
//! Calico state a lab of a given mode and size has, and the `ip`/`bridge` command lines that build
//! it. Written from shared/design/calico-expected-state.md (§1 VXLAN, §3 IPIP/BGP, §4 mixed pools,
//! §1.6 workloads) and deliberately NOT from `netdiag_core::expect`: the lab and the expectation
//! engine are two independent readings of the same document, so each checks the other.
//!
//! The Flannel modes (`flannel-vxlan`, `canal`) follow flannel's own source instead
//! (flannel-io/flannel `pkg/backend/vxlan/{vxlan,device,vxlan_network}.go`), read separately from
//! `netdiag_core::expect::flannel`: flannel.1 (VNI 1, port 8472, nolearning, MTU eth0 − 50, the
//! lease's network address /32), and per peer the permanent neighbour, the FDB entry to its
//! public IP and the route `<lease> via <lease network> dev flannel.1 onlink`.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::cli::LabMode;

/// Calico's private route protocol number (§0), as `ip route … proto 80` spells it.
pub const PROTO_FELIX: &str = "80";
/// The host-side MAC of every workload veth (§1.6).
pub const WORKLOAD_HOST_MAC: &str = "ee:ee:ee:ee:ee:ee";
pub const VXLAN_DEV: &str = "vxlan.calico";
pub const IPIP_DEV: &str = "tunl0";
pub const VXLAN_VNI: u32 = 4096;
pub const VXLAN_PORT: u16 = 4789;
const VXLAN_OVERHEAD: u32 = 50;
const IPIP_OVERHEAD: u32 = 20;
/// A block has 64 addresses; the first is the tunnel IP, so at most 63 pods fit, keep a margin.
pub const MAX_PODS_PER_NODE: usize = 60;
pub const MAX_NODES: usize = 50;
pub const FLANNEL_DEV: &str = "flannel.1";
pub const FLANNEL_VNI: u32 = 1;
/// kube-flannel.yml leaves Port at 0, which is the Linux kernel's 8472.
pub const FLANNEL_PORT: u16 = 8472;

/// What the user asked for; everything else is derived from it, so `lab.json` stores only this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabParams {
    pub name: String,
    pub mode: LabMode,
    pub nodes: usize,
    pub pods_per_node: usize,
    pub mtu: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Encap {
    Vxlan,
    Ipip,
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pool {
    pub name: String,
    pub cidr: Ipv4Net,
    pub encap: Encap,
    pub cross_subnet: bool,
}

impl Pool {
    pub fn vxlan_mode(&self) -> &'static str {
        self.mode_for(Encap::Vxlan)
    }
    pub fn ipip_mode(&self) -> &'static str {
        self.mode_for(Encap::Ipip)
    }
    fn mode_for(&self, e: Encap) -> &'static str {
        match (self.encap == e, self.cross_subnet) {
            (false, _) => "Never",
            (true, true) => "CrossSubnet",
            (true, false) => "Always",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub cidr: Ipv4Net,
    /// Index into [`Plan::pools`].
    pub pool: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub name: String,
    pub netns: String,
    pub ip: Ipv4Addr,
    pub prefix: u8,
    pub gateway: Ipv4Addr,
    /// The bridge of its subnet in the fabric namespace, and its veth's name there.
    pub bridge: String,
    pub fabric_port: String,
    pub eth_mac: String,
    pub blocks: Vec<Block>,
    /// The VXLAN or IPIP tunnel address (the first address of the node's encapsulated block).
    pub tunnel_ip: Option<Ipv4Addr>,
    pub vtep_mac: String,
    /// Flannel modes: the node's `spec.podCIDR` (its lease); `tunnel_ip` is its network address.
    pub pod_cidr: Option<Ipv4Net>,
}

impl Node {
    pub fn subnet(&self) -> Ipv4Net {
        Ipv4Net::new(self.ip, self.prefix)
            .map(|n| n.trunc())
            .unwrap_or_else(|_| Ipv4Net::from(self.ip))
    }
    pub fn cidr(&self) -> String {
        format!("{}/{}", self.ip, self.prefix)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Pod {
    pub name: String,
    pub namespace: String,
    /// Index into [`Plan::nodes`].
    pub node: usize,
    pub netns: String,
    pub ip: Ipv4Addr,
    pub cali: String,
    pub mac: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub params: LabParams,
    pub fabric: String,
    pub pools: Vec<Pool>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    pub vxlan_mtu: u32,
    pub ipip_mtu: u32,
    pub pod_mtu: u32,
    /// `calico_backend` in the calico-config ConfigMap.
    pub backend: &'static str,
}

/// One command line (program first).
pub type Cmd = Vec<String>;

fn cmd(program: &str, line: &str) -> Cmd {
    std::iter::once(program.to_string())
        .chain(line.split_whitespace().map(str::to_string))
        .collect()
}

/// `ip -n NS …`.
fn ipn(ns: &str, line: &str) -> Cmd {
    cmd("ip", &format!("-n {ns} {line}"))
}

/// `bridge -n NS …`.
fn bridgen(ns: &str, line: &str) -> Cmd {
    cmd("bridge", &format!("-n {ns} {line}"))
}

/// `ip netns exec NS sysctl -qw k=v …`.
pub fn sysctl(ns: &str, settings: &[String]) -> Cmd {
    let mut c = cmd("ip", &format!("netns exec {ns} sysctl -qw"));
    c.extend(settings.iter().cloned());
    c
}

fn sha1_hex(s: &str) -> String {
    Sha1::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The host-side veth name the Calico CNI gives a pod: `cali` + SHA-1("<namespace>.<pod>")[..11].
pub fn cali_name(namespace: &str, pod: &str) -> String {
    format!("cali{}", &sha1_hex(&format!("{namespace}.{pod}"))[..11])
}

/// Felix's VTEP MAC (§1.5): 0x66 then SHA-1(node name)[0..5] — the same rule as the core's
/// `derived_vtep_mac`, which is exactly what a real cluster has.
pub fn vtep_mac(node: &str) -> String {
    netdiag_core::calico::derived_vtep_mac(node, false).to_string()
}

/// A locally administered MAC for a pod's eth0, stable per pod.
/// A Flannel VTEP MAC: flanneld lets the kernel pick a random one (`mac.NewHardwareAddr`); the
/// lab derives a stable, locally administered one from the node name instead.
pub fn flannel_mac(node: &str) -> String {
    let h = sha1_hex(&format!("flannel.1/{node}"));
    format!(
        "0e:{}:{}:{}:{}:{}",
        &h[0..2],
        &h[2..4],
        &h[4..6],
        &h[6..8],
        &h[8..10]
    )
}

fn pod_mac(seed: &str) -> String {
    let h = sha1_hex(&format!("mac:{seed}"));
    let b0 = (u8::from_str_radix(&h[0..2], 16).unwrap_or(0) & 0xfc) | 0x02;
    let rest: Vec<&str> = (2..12).step_by(2).map(|i| &h[i..i + 2]).collect();
    format!("{b0:02x}:{}", rest.join(":"))
}

pub fn node_name(i: usize) -> String {
    match i {
        0 => "control-plane".to_string(),
        1 => "worker".to_string(),
        n => format!("worker{n}"),
    }
}

/// The third octet of node i's subnet: nodes 0–2 share 10.10.10.0/24, node 3 is in 10.10.20.0/24,
/// further nodes alternate.
fn subnet_octet(i: usize) -> u8 {
    match i {
        0..=2 => 10,
        n if n % 2 == 1 => 20,
        _ => 10,
    }
}

impl Plan {
    pub fn new(params: &LabParams) -> Plan {
        let name = &params.name;
        let mode = params.mode;
        let vxlan_pool = |cross| Pool {
            name: "default-ipv4-ippool".into(),
            cidr: Ipv4Net::new(Ipv4Addr::new(192, 168, 0, 0), 16).unwrap_or_default(),
            encap: Encap::Vxlan,
            cross_subnet: cross,
        };
        let flannel = matches!(mode, LabMode::FlannelVxlan | LabMode::Canal);
        let pools = match mode {
            LabMode::FlannelVxlan | LabMode::Canal => Vec::new(),
            LabMode::VxlanCrosssubnet => vec![vxlan_pool(true)],
            LabMode::VxlanAlways => vec![vxlan_pool(false)],
            LabMode::IpipAlways | LabMode::IpipCrosssubnet => vec![Pool {
                encap: Encap::Ipip,
                cross_subnet: mode == LabMode::IpipCrosssubnet,
                ..vxlan_pool(false)
            }],
            LabMode::Bgp => vec![Pool {
                encap: Encap::None,
                ..vxlan_pool(false)
            }],
            LabMode::Mixed => vec![
                vxlan_pool(true),
                Pool {
                    name: "noencap-ipv4-ippool".into(),
                    cidr: Ipv4Net::new(Ipv4Addr::new(172, 16, 0, 0), 16).unwrap_or_default(),
                    encap: Encap::None,
                    cross_subnet: false,
                },
            ],
        };
        let vxlan = pools.iter().any(|p| p.encap == Encap::Vxlan);
        let ipip = pools.iter().any(|p| p.encap == Encap::Ipip);
        let vxlan_mtu = params.mtu.saturating_sub(VXLAN_OVERHEAD);
        let ipip_mtu = params.mtu.saturating_sub(IPIP_OVERHEAD);
        let mut pod_mtu = params.mtu;
        if vxlan || flannel {
            pod_mtu = pod_mtu.min(vxlan_mtu);
        }
        if ipip {
            pod_mtu = pod_mtu.min(ipip_mtu);
        }
        let mut nodes = Vec::new();
        for i in 0..params.nodes {
            let octet = subnet_octet(i);
            let host = u8::try_from(10 + i).unwrap_or(254);
            let blocks: Vec<Block> = pools
                .iter()
                .enumerate()
                .map(|(pi, p)| {
                    let o = p.cidr.network().octets();
                    let third = u8::try_from(i + 1).unwrap_or(255);
                    Block {
                        cidr: Ipv4Net::new(Ipv4Addr::new(o[0], o[1], third, 0), 26)
                            .unwrap_or_default(),
                        pool: pi,
                    }
                })
                .collect();
            // Flannel: 10.244.<i>.0/24 per node (the controller-manager's --cluster-cidr
            // 10.244.0.0/16 split in /24s), its network address on flannel.1.
            let pod_cidr = flannel.then(|| {
                Ipv4Net::new(
                    Ipv4Addr::new(10, 244, u8::try_from(i).unwrap_or(255), 0),
                    24,
                )
                .unwrap_or_default()
            });
            let tunnel_ip = blocks
                .iter()
                .find(|b| pools[b.pool].encap != Encap::None)
                .map(|b| b.cidr.network())
                .or(pod_cidr.map(|c| c.network()));
            let node = node_name(i);
            nodes.push(Node {
                netns: format!("nd-{name}-{node}"),
                ip: Ipv4Addr::new(10, 10, octet, host),
                prefix: 24,
                gateway: Ipv4Addr::new(10, 10, octet, 1),
                bridge: format!("br{octet}"),
                fabric_port: format!("vn{i}"),
                eth_mac: format!("02:00:0a:0a:{octet:02x}:{host:02x}"),
                blocks,
                tunnel_ip,
                vtep_mac: if flannel {
                    flannel_mac(&node)
                } else {
                    vtep_mac(&node)
                },
                pod_cidr,
                name: node,
            });
        }
        let mut pods = Vec::new();
        for (ni, n) in nodes.iter().enumerate() {
            let mut used = vec![0u32; pools.len()];
            if let Some(cidr) = n.pod_cidr {
                // host-local IPAM on the podCIDR: .1 is cni0 (the gateway), pods from .2.
                for k in 0..params.pods_per_node {
                    let pod = format!("{}-p{}", n.name, k + 1);
                    let host = if mode == LabMode::Canal {
                        cali_name("default", &pod)
                    } else {
                        format!("veth{}", &sha1_hex(&pod)[..8])
                    };
                    pods.push(Pod {
                        netns: format!("nd-{name}-{pod}"),
                        ip: Ipv4Addr::from(u32::from(cidr.network()) + 2 + k as u32),
                        cali: host,
                        mac: pod_mac(&pod),
                        namespace: "default".into(),
                        node: ni,
                        name: pod,
                    });
                }
                continue;
            }
            for k in 0..params.pods_per_node {
                // Mixed mode alternates pools, so each node has pods in both.
                let pi = k % pools.len();
                used[pi] += 1;
                let base = u32::from(n.blocks[pi].cidr.network());
                let pod = format!("{}-p{}", n.name, k + 1);
                pods.push(Pod {
                    netns: format!("nd-{name}-{pod}"),
                    ip: Ipv4Addr::from(base + used[pi]),
                    cali: cali_name("default", &pod),
                    mac: pod_mac(&pod),
                    namespace: "default".into(),
                    node: ni,
                    name: pod,
                });
            }
        }
        Plan {
            params: params.clone(),
            fabric: format!("nd-{name}-fabric"),
            backend: if matches!(mode, LabMode::VxlanAlways | LabMode::VxlanCrosssubnet) {
                "vxlan"
            } else if flannel {
                // Canal's canal-config says calico_backend none: Flannel routes.
                "none"
            } else {
                "bird"
            },
            pools,
            nodes,
            pods,
            vxlan_mtu,
            ipip_mtu,
            pod_mtu,
        }
    }

    /// A Flannel mode (flannel-vxlan or canal): flanneld's state, not Felix's.
    pub fn flannel(&self) -> bool {
        matches!(self.params.mode, LabMode::FlannelVxlan | LabMode::Canal)
    }

    /// Canal: Calico's workload veths (cali*, /32 routes) instead of Flannel's cni0 bridge.
    pub fn canal(&self) -> bool {
        self.params.mode == LabMode::Canal
    }

    /// The VXLAN device of the mode.
    pub fn vxlan_dev(&self) -> &'static str {
        if self.flannel() {
            FLANNEL_DEV
        } else {
            VXLAN_DEV
        }
    }

    /// The VNI and port the mode's intent states.
    pub fn vxlan_vni_port(&self) -> (u32, u16) {
        if self.flannel() {
            (FLANNEL_VNI, FLANNEL_PORT)
        } else {
            (VXLAN_VNI, VXLAN_PORT)
        }
    }

    /// The first address of node `i`'s lease: cni0's, the pods' gateway.
    pub fn cni0_ip(&self, i: usize) -> Option<Ipv4Addr> {
        self.nodes[i]
            .pod_cidr
            .map(|c| Ipv4Addr::from(u32::from(c.network()) + 1))
    }

    pub fn vxlan_enabled(&self) -> bool {
        self.pools.iter().any(|p| p.encap == Encap::Vxlan)
    }

    /// Real BIRD runs in the node namespaces (`--mode bgp`): the no-encap pool's block routes and
    /// blackholes are then BIRD's, learned over iBGP, not written by the lab. (IPIP modes would be
    /// BIRD's too, but this kernel has no ipip module; `mixed` keeps its written routes.)
    pub fn bird_runs(&self) -> bool {
        self.params.mode == LabMode::Bgp
    }

    pub fn ipip_enabled(&self) -> bool {
        self.pools.iter().any(|p| p.encap == Encap::Ipip)
    }

    /// Every namespace of the lab: fabric, nodes, pods.
    pub fn namespaces(&self) -> Vec<String> {
        std::iter::once(self.fabric.clone())
            .chain(self.nodes.iter().map(|n| n.netns.clone()))
            .chain(self.pods.iter().map(|p| p.netns.clone()))
            .collect()
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn pods_of(&self, node: usize) -> impl Iterator<Item = &Pod> {
        self.pods.iter().filter(move |p| p.node == node)
    }

    /// The fabric: a bridge per node subnet with the gateway address, forwarding on.
    pub fn fabric_cmds(&self) -> Vec<Cmd> {
        let f = &self.fabric;
        let mut out = vec![
            cmd("ip", &format!("netns add {f}")),
            sysctl(f, &quiet_ns_sysctls(true)),
            ipn(f, "link set lo up"),
        ];
        let mut seen = Vec::new();
        for n in &self.nodes {
            if seen.contains(&n.bridge) {
                continue;
            }
            seen.push(n.bridge.clone());
            out.push(ipn(f, &format!("link add {} type bridge", n.bridge)));
            out.push(ipn(
                f,
                &format!("addr add {}/{} dev {}", n.gateway, n.prefix, n.bridge),
            ));
            out.push(ipn(f, &format!("link set {} up", n.bridge)));
        }
        out
    }

    /// A node namespace with its underlay: eth0 (veth into its subnet's bridge), address, default
    /// route via the gateway, forwarding on.
    pub fn node_base_cmds(&self, i: usize) -> Vec<Cmd> {
        let n = &self.nodes[i];
        let (ns, f, mtu) = (&n.netns, &self.fabric, self.params.mtu);
        let mut out = vec![
            cmd("ip", &format!("netns add {ns}")),
            sysctl(ns, &quiet_ns_sysctls(true)),
            ipn(ns, "link set lo up"),
            ipn(
                ns,
                &format!(
                    "link add eth0 address {} mtu {mtu} type veth peer name {} mtu {mtu} netns {f}",
                    n.eth_mac, n.fabric_port
                ),
            ),
            ipn(
                f,
                &format!("link set {} master {} up", n.fabric_port, n.bridge),
            ),
        ];
        out.extend(self.node_underlay_cmds(i));
        if self.flannel() && !self.canal() {
            // The flannel CNI's bridge (containernetworking `bridge` plugin, named cni0).
            out.push(ipn(ns, "link add cni0 type bridge"));
        }
        out
    }

    /// eth0's address, MTU and default route (idempotent; `heal` re-runs it after a flush).
    pub fn node_underlay_cmds(&self, i: usize) -> Vec<Cmd> {
        let n = &self.nodes[i];
        let ns = &n.netns;
        vec![
            ipn(ns, &format!("addr replace {} dev eth0", n.cidr())),
            ipn(ns, &format!("link set eth0 mtu {} up", self.params.mtu)),
            ipn(
                ns,
                &format!("route replace default via {} dev eth0", n.gateway),
            ),
        ]
    }

    /// A pod: its namespace, the `cali…` ↔ eth0 veth, the pod side as the Calico CNI sets it up
    /// (§1.6: /32 address, 169.254.1.1 scope link, default via it) and the host side's sysctls.
    pub fn pod_base_cmds(&self, pod: &Pod) -> Vec<Cmd> {
        let n = &self.nodes[pod.node];
        let (ns, pns, m) = (&n.netns, &pod.netns, self.pod_mtu);
        if let (true, false, Some(cidr), Some(gw)) = (
            self.flannel(),
            self.canal(),
            n.pod_cidr,
            self.cni0_ip(pod.node),
        ) {
            // The flannel CNI's bridge plugin: a veth into cni0, the pod's address in the
            // lease's /24, default via cni0's address.
            return vec![
                cmd("ip", &format!("netns add {pns}")),
                sysctl(pns, &quiet_ns_sysctls(false)),
                ipn(pns, "link set lo up"),
                ipn(
                    ns,
                    &format!(
                        "link add {} mtu {m} type veth peer name eth0 address {} mtu {m} netns {pns}",
                        pod.cali, pod.mac
                    ),
                ),
                ipn(pns, &format!("addr add {}/{} dev eth0", pod.ip, cidr.prefix_len())),
                ipn(pns, "link set eth0 up"),
                ipn(pns, &format!("route add default via {gw} dev eth0")),
            ];
        }
        vec![
            cmd("ip", &format!("netns add {pns}")),
            sysctl(pns, &quiet_ns_sysctls(false)),
            ipn(pns, "link set lo up"),
            ipn(
                ns,
                &format!(
                    "link add {} address {WORKLOAD_HOST_MAC} mtu {m} type veth peer name eth0 address {} mtu {m} netns {pns}",
                    pod.cali, pod.mac
                ),
            ),
            ipn(pns, &format!("addr add {}/32 dev eth0", pod.ip)),
            ipn(pns, "link set eth0 up"),
            ipn(pns, "route add 169.254.1.1 dev eth0 scope link"),
            ipn(pns, "route add default via 169.254.1.1 dev eth0"),
            sysctl(
                ns,
                &[
                    format!("net.ipv4.conf.{}.proxy_arp=1", pod.cali),
                    format!("net.ipv4.neigh.{}.proxy_delay=0", pod.cali),
                    format!("net.ipv4.conf.{}.forwarding=1", pod.cali),
                ],
            ),
        ]
    }

    /// What Felix (and BIRD, for the modes where it runs) programs on node `i`: tunnel device,
    /// routes to every remote block, VTEP neighbours and FDB entries, local blackholes, workload
    /// routes. Idempotent except for creating the tunnel device, which `heal` deletes first.
    pub fn node_calico_cmds(&self, i: usize) -> Vec<Cmd> {
        let (vni, port) = self.vxlan_vni_port();
        self.node_calico_cmds_with(i, vni, port)
    }

    /// [`Self::node_calico_cmds`] with a chosen VNI and port (the wrong-vni/wrong-port faults).
    pub fn node_calico_cmds_with(&self, i: usize, vni: u32, port: u16) -> Vec<Cmd> {
        let n = &self.nodes[i];
        let ns = &n.netns;
        let mut out = Vec::new();
        if self.vxlan_enabled() || self.flannel() {
            out.extend(self.vxlan_device_cmds(i, vni, port));
        }
        if self.ipip_enabled() {
            if let Some(t) = n.tunnel_ip {
                out.push(ipn(
                    ns,
                    &format!("link set {IPIP_DEV} mtu {} up", self.ipip_mtu),
                ));
                out.push(ipn(ns, &format!("addr replace {t}/32 dev {IPIP_DEV}")));
            }
        }
        out.extend(self.node_route_cmds(i));
        out
    }

    /// vxlan.calico with its address, then one neighbour and FDB entry per remote VTEP (§1.5, §2).
    pub fn vxlan_device_cmds(&self, i: usize, vni: u32, port: u16) -> Vec<Cmd> {
        self.vxlan_device_cmds_learning(i, vni, port, false)
    }

    /// [`Self::vxlan_device_cmds`], optionally with learning on (the `learning` fault).
    pub fn vxlan_device_cmds_learning(
        &self,
        i: usize,
        vni: u32,
        port: u16,
        learning: bool,
    ) -> Vec<Cmd> {
        let learn = if learning { "learning" } else { "nolearning" };
        if self.flannel() {
            return self.flannel_device_cmds(i, vni, port, learn);
        }
        let n = &self.nodes[i];
        let ns = &n.netns;
        let Some(tun) = n.tunnel_ip else {
            return Vec::new();
        };
        let mut out = self.vxlan_link_cmds(i, VXLAN_DEV, vni, port, learn, tun);
        for (ri, r) in self.nodes.iter().enumerate() {
            let (true, Some(rt)) = (ri != i, r.tunnel_ip) else {
                continue;
            };
            out.push(ipn(
                ns,
                &format!(
                    "neigh replace {rt} lladdr {} dev {VXLAN_DEV} nud permanent",
                    r.vtep_mac
                ),
            ));
            out.push(bridgen(
                ns,
                &format!(
                    "fdb append {} dev {VXLAN_DEV} dst {} self permanent",
                    r.vtep_mac, r.ip
                ),
            ));
        }
        out
    }

    /// The VXLAN device `dev` of node `i` (Felix's vxlan.calico and flanneld's flannel.1 are made
    /// alike): created on eth0 with the node's VTEP MAC and the lab's tunnel MTU, its tunnel
    /// address as /32, up.
    fn vxlan_link_cmds(
        &self,
        i: usize,
        dev: &str,
        vni: u32,
        port: u16,
        learn: &str,
        addr: Ipv4Addr,
    ) -> Vec<Cmd> {
        let n = &self.nodes[i];
        let ns = &n.netns;
        vec![
            ipn(
                ns,
                &format!(
                    "link add {dev} address {} mtu {} type vxlan id {vni} dstport {port} local {} dev eth0 {learn}",
                    n.vtep_mac, self.vxlan_mtu, n.ip
                ),
            ),
            ipn(ns, &format!("addr add {addr}/32 dev {dev}")),
            ipn(ns, &format!("link set {dev} up")),
        ]
    }

    /// flanneld's vxlan backend on node `i` (`createVXLANDevice`, `Configure`, then
    /// `handleSubnetEvents` for every peer lease: neighbour, FDB, route — in that order).
    fn flannel_device_cmds(&self, i: usize, vni: u32, port: u16, learn: &str) -> Vec<Cmd> {
        let n = &self.nodes[i];
        let ns = &n.netns;
        let Some(own) = n.tunnel_ip else {
            return Vec::new();
        };
        let mut out = self.vxlan_link_cmds(i, FLANNEL_DEV, vni, port, learn, own);
        for (ri, r) in self.nodes.iter().enumerate() {
            let (true, Some(rt), Some(lease)) = (ri != i, r.tunnel_ip, r.pod_cidr) else {
                continue;
            };
            out.push(ipn(
                ns,
                &format!(
                    "neigh replace {rt} lladdr {} dev {FLANNEL_DEV} nud permanent",
                    r.vtep_mac
                ),
            ));
            out.push(bridgen(
                ns,
                &format!(
                    "fdb append {} dev {FLANNEL_DEV} dst {} self permanent",
                    r.vtep_mac, r.ip
                ),
            ));
            out.push(ipn(
                ns,
                &format!("route replace {}", self.flannel_route(ri, lease, rt)),
            ));
        }
        out
    }

    /// The route flanneld programs to peer `r`'s lease.
    pub fn flannel_route(&self, _r: usize, lease: Ipv4Net, vtep: Ipv4Addr) -> String {
        format!("{lease} via {vtep} dev {FLANNEL_DEV} onlink")
    }

    /// The route node `i` has to remote block `b` of node `r` (None: the fabric's job only).
    pub fn remote_block_route(&self, i: usize, r: usize, b: &Block) -> String {
        let n = &self.nodes[i];
        let rn = &self.nodes[r];
        let pool = &self.pools[b.pool];
        // CrossSubnet decides by the LOCAL node's prefix (§1.1 nodeInOurSubnet).
        let same = n.subnet().contains(&rn.ip);
        match pool.encap {
            Encap::Vxlan if pool.cross_subnet && same => format!(
                "{} via {} dev eth0 proto {PROTO_FELIX} onlink",
                b.cidr, rn.ip
            ),
            Encap::Vxlan => format!(
                "{} via {} dev {VXLAN_DEV} onlink",
                b.cidr,
                rn.tunnel_ip.unwrap_or(rn.ip)
            ),
            Encap::Ipip if pool.cross_subnet && same => {
                format!("{} via {} dev eth0 proto bird", b.cidr, rn.ip)
            }
            Encap::Ipip => format!("{} via {} dev {IPIP_DEV} proto bird onlink", b.cidr, rn.ip),
            Encap::None if same => format!("{} via {} dev eth0 proto bird", b.cidr, rn.ip),
            // Across subnets BIRD learns the block from the ToR with the gateway as next hop.
            Encap::None => format!("{} via {} dev eth0 proto bird", b.cidr, n.gateway),
        }
    }

    /// Block routes, blackholes and workload routes/ARP of node `i` (all `replace`: idempotent).
    pub fn node_route_cmds(&self, i: usize) -> Vec<Cmd> {
        let n = &self.nodes[i];
        let ns = &n.netns;
        let mut out = Vec::new();
        // Blocks of pools BIRD owns are BIRD's to program when it runs.
        let bird = |b: &Block| self.bird_runs() && self.pools[b.pool].encap == Encap::None;
        if self.flannel() && !self.canal() {
            if let (Some(gw), Some(c)) = (self.cni0_ip(i), n.pod_cidr) {
                out.push(ipn(
                    ns,
                    &format!("addr replace {gw}/{} dev cni0", c.prefix_len()),
                ));
                out.push(ipn(ns, &format!("link set cni0 mtu {} up", self.pod_mtu)));
            }
            for p in self.pods_of(i) {
                out.push(ipn(
                    ns,
                    &format!("link set {} master cni0 mtu {} up", p.cali, self.pod_mtu),
                ));
            }
            return out;
        }
        for (ri, _) in self.nodes.iter().enumerate().filter(|(ri, _)| *ri != i) {
            for b in self.nodes[ri].blocks.iter().filter(|b| !bird(b)) {
                out.push(ipn(
                    ns,
                    &format!("route replace {}", self.remote_block_route(i, ri, b)),
                ));
            }
        }
        for b in n.blocks.iter().filter(|b| !bird(b)) {
            // Felix blackholes VXLAN blocks (proto 80); BIRD the blocks of the pools it owns.
            let proto = match self.pools[b.pool].encap {
                Encap::Vxlan => PROTO_FELIX,
                Encap::Ipip | Encap::None => "bird",
            };
            out.push(ipn(
                ns,
                &format!("route replace blackhole {} proto {proto}", b.cidr),
            ));
        }
        for p in self.pods_of(i) {
            out.push(ipn(
                ns,
                &format!("link set {} mtu {} up", p.cali, self.pod_mtu),
            ));
            out.push(ipn(
                ns,
                &format!("route replace {}/32 dev {} scope link", p.ip, p.cali),
            ));
            out.push(ipn(
                ns,
                &format!(
                    "neigh replace {} lladdr {} dev {} nud permanent",
                    p.ip, p.mac, p.cali
                ),
            ));
        }
        out
    }

    /// The fabric's static routes for blocks of no-encap pools: what the ToR learns over BGP.
    pub fn fabric_route_cmds(&self) -> Vec<Cmd> {
        let mut out = Vec::new();
        for n in &self.nodes {
            for b in &n.blocks {
                if self.pools[b.pool].encap == Encap::None {
                    out.push(ipn(
                        &self.fabric,
                        &format!("route replace {} via {}", b.cidr, n.ip),
                    ));
                }
            }
        }
        out
    }

    /// Removes what `node_calico_cmds` and the faults may have changed on node `i`, so it can be
    /// applied again from scratch (errors are expected and ignored: parts may be absent).
    pub fn node_reset_cmds(&self, i: usize) -> Vec<Cmd> {
        let ns = &self.nodes[i].netns;
        let mut out = vec![
            ipn(ns, &format!("link del {}", self.vxlan_dev())),
            ipn(ns, &format!("route flush proto {PROTO_FELIX}")),
            ipn(ns, "route flush proto bird"),
            ipn(ns, "addr flush dev eth0"),
        ];
        if self.ipip_enabled() {
            out.push(ipn(ns, &format!("addr flush dev {IPIP_DEV}")));
        }
        for p in self.pods_of(i) {
            out.push(ipn(ns, &format!("route flush dev {}", p.cali)));
        }
        out
    }
}

/// Calico's cluster-wide default AS (BGPConfiguration `asNumber` unset).
pub const BGP_AS: u32 = 64512;

impl Plan {
    /// Node `i`'s bird.conf: Calico's BIRD templates (node/filesystem/etc/calico/confd/templates/
    /// bird.cfg.template, bird_aggr.cfg.template, bird_ipam.cfg.template at projectcalico/calico
    /// 87c15906; compiled example confd/tests/compiled_templates/mesh/bgp-export/) in BIRD 2
    /// syntax: a static blackhole per own block, `calico_aggr` exporting the block and nothing
    /// beneath it, the kernel protocol learning and exporting pool routes, and one `Mesh_<ip>`
    /// iBGP session per other node (multihop, gateway recursive, `passive on` toward the higher
    /// address as confd's bgp_processor.go does). `local_as` differs only for the wrong-as fault.
    pub fn bird_config(&self, i: usize, local_as: u32) -> String {
        let n = &self.nodes[i];
        let own: Vec<&Block> = n
            .blocks
            .iter()
            .filter(|b| self.pools[b.pool].encap == Encap::None)
            .collect();
        let mut c = format!(
            "# netdiag lab {lab}, node {name}: modelled on Calico's confd BIRD templates\n\
router id {ip};\n\
protocol device {{ scan time 2; }}\n\
protocol direct {{ ipv4; interface -\"cali*\", -\"kube-ipvs*\", \"*\"; }}\n",
            lab = self.params.name,
            name = n.name,
            ip = n.ip
        );
        c.push_str("protocol static {\n  ipv4;\n");
        for b in &own {
            c.push_str(&format!("  route {} blackhole;\n", b.cidr));
        }
        c.push_str("}\nfunction calico_aggr() {\n");
        for b in &own {
            c.push_str(&format!(
                "  if ( net = {0} ) then {{ accept; }}\n  if ( net ~ {0} ) then {{ reject; }}\n",
                b.cidr
            ));
        }
        c.push_str("}\nfunction calico_export_to_bgp_peers() {\n  calico_aggr();\n");
        for p in self.pools.iter().filter(|p| p.encap == Encap::None) {
            c.push_str(&format!("  if ( net ~ {} ) then {{ accept; }}\n", p.cidr));
        }
        c.push_str("  reject;\n}\nfilter calico_kernel_programming {\n");
        for p in self.pools.iter().filter(|p| p.encap == Encap::None) {
            c.push_str(&format!("  if ( net ~ {} ) then {{ accept; }}\n", p.cidr));
        }
        c.push_str(&format!(
            "  reject;\n}}\n\
protocol kernel {{\n  learn; persist; scan time 2; merge paths on; graceful restart;\n  ipv4 {{ import all; export filter calico_kernel_programming; }};\n}}\n\
template bgp bgp_template {{\n  description \"Connection to BGP peer\";\n  local as {local_as};\n  graceful restart;\n  connect delay time 2;\n  connect retry time 5;\n  error wait time 5,30;\n  ipv4 {{ gateway recursive; add paths on; import all; export filter {{ calico_export_to_bgp_peers(); reject; }}; }};\n}}\n"
        ));
        for (_, r) in self.nodes.iter().enumerate().filter(|(ri, _)| *ri != i) {
            c.push_str(&format!(
                "protocol bgp {} from bgp_template {{\n  neighbor {} as {BGP_AS};\n  source address {};\n  multihop;\n{}}}\n",
                mesh_name(r.ip),
                r.ip,
                n.ip,
                // confd compares the addresses as strings.
                if r.ip.to_string() > n.ip.to_string() { "  passive on;\n" } else { "" }
            ));
        }
        c
    }
}

/// Calico's mesh protocol name: `Mesh_` + the peer IP with `_` for `.`.
pub fn mesh_name(ip: Ipv4Addr) -> String {
    format!("Mesh_{}", ip.to_string().replace('.', "_"))
}

/// IPv6 off in every lab namespace: no router solicitations, MLD or DAD changing counters and
/// tables behind the tests' backs. Nodes and the fabric forward IPv4.
fn quiet_ns_sysctls(forward: bool) -> Vec<String> {
    let mut v = vec![
        "net.ipv6.conf.all.disable_ipv6=1".to_string(),
        "net.ipv6.conf.default.disable_ipv6=1".to_string(),
    ];
    if forward {
        v.push("net.ipv4.ip_forward=1".to_string());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(mode: LabMode) -> LabParams {
        LabParams {
            name: "lab".into(),
            mode,
            nodes: 4,
            pods_per_node: 2,
            mtu: 1500,
        }
    }

    #[test]
    fn cali_name_matches_the_cni() {
        // From testdata/scenarios/vxlan-crosssubnet-healthy: default/api-6b8f9d4c7-m4n8p.
        assert_eq!(
            cali_name("default", "api-6b8f9d4c7-m4n8p"),
            "cali62175d8b242"
        );
    }

    #[test]
    fn default_topology() {
        let p = Plan::new(&params(LabMode::VxlanCrosssubnet));
        let names: Vec<_> = p.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["control-plane", "worker", "worker2", "worker3"]);
        let ips: Vec<_> = p.nodes.iter().map(|n| n.ip.to_string()).collect();
        assert_eq!(
            ips,
            ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.20.13"]
        );
        assert_eq!(p.nodes[1].blocks[0].cidr.to_string(), "192.168.2.0/26");
        assert_eq!(p.nodes[1].tunnel_ip, Some(Ipv4Addr::new(192, 168, 2, 0)));
        assert_eq!(p.pods.len(), 8);
        assert_eq!(p.pods[2].ip.to_string(), "192.168.2.1");
        assert_eq!(p.vxlan_mtu, 1450);
        assert_eq!(p.pod_mtu, 1450);
        for n in &p.nodes {
            assert!(n.fabric_port.len() <= 15 && n.bridge.len() <= 15);
        }
        for pod in &p.pods {
            assert_eq!(pod.cali.len(), 15);
        }
    }

    #[test]
    fn crosssubnet_routes_follow_the_local_prefix() {
        let p = Plan::new(&params(LabMode::VxlanCrosssubnet));
        let b2 = p.nodes[2].blocks[0].clone();
        let b3 = p.nodes[3].blocks[0].clone();
        assert_eq!(
            p.remote_block_route(1, 2, &b2),
            "192.168.3.0/26 via 10.10.10.12 dev eth0 proto 80 onlink"
        );
        assert_eq!(
            p.remote_block_route(1, 3, &b3),
            "192.168.4.0/26 via 192.168.4.0 dev vxlan.calico onlink"
        );
        let always = Plan::new(&params(LabMode::VxlanAlways));
        assert_eq!(
            always.remote_block_route(1, 2, &b2),
            "192.168.3.0/26 via 192.168.3.0 dev vxlan.calico onlink"
        );
    }

    #[test]
    fn bgp_routes_cross_subnets_via_the_gateway() {
        let p = Plan::new(&params(LabMode::Bgp));
        assert!(!p.vxlan_enabled());
        assert_eq!(p.pod_mtu, 1500);
        let b3 = p.nodes[3].blocks[0].clone();
        assert_eq!(
            p.remote_block_route(1, 3, &b3),
            "192.168.4.0/26 via 10.10.10.1 dev eth0 proto bird"
        );
        assert_eq!(p.fabric_route_cmds().len(), 4);
    }

    #[test]
    fn bgp_lab_leaves_block_routes_to_bird() {
        let p = Plan::new(&params(LabMode::Bgp));
        assert!(p.bird_runs());
        let routes: Vec<String> = p.node_route_cmds(1).iter().map(|c| c.join(" ")).collect();
        assert!(
            routes.iter().all(|r| !r.contains("proto bird")),
            "{routes:?}"
        );
        let c = p.bird_config(1, BGP_AS);
        assert!(c.contains("route 192.168.2.0/26 blackhole;"), "{c}");
        assert!(c.contains("protocol bgp Mesh_10_10_20_13 from bgp_template {\n  neighbor 10.10.20.13 as 64512;\n  source address 10.10.10.11;\n  multihop;\n  passive on;\n}"), "{c}");
        assert!(c.contains("protocol bgp Mesh_10_10_10_10 from bgp_template {\n  neighbor 10.10.10.10 as 64512;\n  source address 10.10.10.11;\n  multihop;\n}"), "{c}");
        assert!(!Plan::new(&params(LabMode::Mixed)).bird_runs());
    }

    #[test]
    fn mixed_has_two_pools_and_pods_in_both() {
        let p = Plan::new(&params(LabMode::Mixed));
        assert_eq!(p.pools.len(), 2);
        assert_eq!(p.backend, "bird");
        assert_eq!(p.pods[0].ip.to_string(), "192.168.1.1");
        assert_eq!(p.pods[1].ip.to_string(), "172.16.1.1");
        assert_eq!(p.fabric_route_cmds().len(), 4);
    }

    /// Issue 16: the Flannel lab programs what flanneld's vxlan backend does, from its source:
    /// flannel.1 VNI 1 port 8472 nolearning MTU 1450 with the lease's network address, and per
    /// peer neighbour, FDB entry and `<lease> via <network address> dev flannel.1 onlink`.
    #[test]
    fn flannel_lab_follows_flanneld() {
        let p = Plan::new(&params(LabMode::FlannelVxlan));
        assert!(p.flannel() && !p.canal() && p.pools.is_empty());
        assert_eq!(p.vxlan_vni_port(), (FLANNEL_VNI, FLANNEL_PORT));
        assert_eq!((p.vxlan_mtu, p.pod_mtu), (1450, 1450));
        let w = &p.nodes[1];
        assert_eq!(
            w.pod_cidr.map(|c| c.to_string()).as_deref(),
            Some("10.244.1.0/24")
        );
        assert_eq!(
            w.tunnel_ip.map(|t| t.to_string()).as_deref(),
            Some("10.244.1.0")
        );
        assert_eq!(
            p.cni0_ip(1).map(|t| t.to_string()).as_deref(),
            Some("10.244.1.1")
        );
        assert_eq!(
            p.pods_of(1).next().map(|x| x.ip.to_string()).as_deref(),
            Some("10.244.1.2")
        );
        let lines: Vec<String> = p.node_calico_cmds(1).iter().map(|c| c.join(" ")).collect();
        let w3 = &p.nodes[3];
        for want in [
            format!("link add flannel.1 address {} mtu 1450 type vxlan id 1 dstport 8472 local 10.10.10.11 dev eth0 nolearning", w.vtep_mac),
            "addr add 10.244.1.0/32 dev flannel.1".to_string(),
            format!("neigh replace 10.244.3.0 lladdr {} dev flannel.1 nud permanent", w3.vtep_mac),
            format!("fdb append {} dev flannel.1 dst 10.10.20.13 self permanent", w3.vtep_mac),
            "route replace 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink".to_string(),
            "link set cni0 mtu 1450 up".to_string(),
        ] {
            assert!(lines.iter().any(|l| l.ends_with(&want)), "{want:?} not in {lines:#?}");
        }
        assert!(!lines
            .iter()
            .any(|l| l.contains("vxlan.calico") || l.contains("blackhole")));
        let canal = Plan::new(&params(LabMode::Canal));
        assert!(canal.canal() && canal.pods[0].cali.starts_with("cali"));
        let lines: Vec<String> = canal
            .node_calico_cmds(1)
            .iter()
            .map(|c| c.join(" "))
            .collect();
        assert!(
            lines.iter().any(|l| l.ends_with(&format!(
                "route replace 10.244.1.2/32 dev {} scope link",
                canal
                    .pods_of(1)
                    .next()
                    .map(|x| x.cali.clone())
                    .unwrap_or_default()
            ))),
            "{lines:#?}"
        );
        assert!(!lines.iter().any(|l| l.contains("cni0")));
    }
}
