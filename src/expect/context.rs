//! Derived facts every rule needs (§8 E1–E6): the local node's IP and prefix, its parent interface,
//! the effective Felix settings, the host MTU, which encapsulations are on, the backend (stated or
//! inferred), and each peer's node IP, VTEP and subnet relation.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::calico;
use crate::model::cluster::{Backend, ClusterIntent, FelixConfig, IpPool, NodeIntent, PoolType};
use crate::model::{Link, MacAddr, NodeState, RouteProto};

/// Where the backend came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendOrigin {
    /// The calico-config ConfigMap says so.
    Configured,
    /// The operator's Installation says so (`spec.calicoNetwork.bgp`, and its pools), named.
    Installation(String),
    /// Inferred from evidence, which is named.
    Inferred(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendInfo {
    pub backend: Option<Backend>,
    pub origin: BackendOrigin,
}

impl BackendInfo {
    pub fn backend_label(&self) -> &'static str {
        self.backend.map(|b| b.as_str()).unwrap_or("unknown")
    }

    /// Whether BIRD runs (and so programs IPIP and no-encap routes, unless Felix owns them).
    pub fn bird(&self) -> bool {
        self.backend == Some(Backend::Bird)
    }
}

/// How traffic to one peer's blocks of one pool kind travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeerPath {
    Direct,
    Vxlan,
    Ipip,
    Fabric,
}

impl PeerPath {
    pub fn as_str(&self) -> &'static str {
        match self {
            PeerPath::Direct => "direct",
            PeerPath::Vxlan => "vxlan",
            PeerPath::Ipip => "ipip",
            PeerPath::Fabric => "fabric",
        }
    }
}

/// A remote node as the local node's Felix sees it.
#[derive(Debug, Clone)]
pub struct Peer<'a> {
    pub node: &'a NodeIntent,
    pub ip: Option<Ipv4Addr>,
    /// The local prefix contains this peer's IP (E6, before the pool's CrossSubnet test).
    pub in_local_subnet: bool,
    /// The peer's prefix contains the local IP (for asymmetry).
    pub local_in_its_subnet: bool,
    /// The VTEP Felix programs for it: tunnel IP and MAC, when it has both a BGP IP and a tunnel IP.
    pub vtep: Option<(Ipv4Addr, MacAddr)>,
    /// The IPv6 counterparts: node IPv6, same-subnet by the local IPv6 prefix, and the v6 VTEP
    /// (`vxlan-v6.calico`: IPv6 address + IPv6 VXLAN tunnel address, MAC from `-v6`).
    pub ip6: Option<Ipv6Addr>,
    pub in_local_subnet6: bool,
    pub vtep6: Option<(Ipv6Addr, MacAddr)>,
}

/// One address family's view of a peer, for rules written once for IPv4 and IPv6.
#[derive(Debug, Clone, Copy)]
pub struct PeerFam {
    pub ip: Option<IpAddr>,
    pub in_local_subnet: bool,
    pub vtep: Option<(IpAddr, MacAddr)>,
}

impl Peer<'_> {
    pub fn fam(&self, v6: bool) -> PeerFam {
        if v6 {
            PeerFam {
                ip: self.ip6.map(IpAddr::V6),
                in_local_subnet: self.in_local_subnet6,
                vtep: self.vtep6.map(|(ip, mac)| (IpAddr::V6(ip), mac)),
            }
        } else {
            PeerFam {
                ip: self.ip.map(IpAddr::V4),
                in_local_subnet: self.in_local_subnet,
                vtep: self.vtep.map(|(ip, mac)| (IpAddr::V4(ip), mac)),
            }
        }
    }
}

/// One address family's view of the local node's VXLAN setup: `vxlan.calico` for IPv4,
/// `vxlan-v6.calico` for IPv6 (§2, "IPv6 variant").
#[derive(Debug, Clone, Copy)]
pub struct Fam<'a> {
    pub v6: bool,
    pub device: &'static str,
    pub overhead: u32,
    /// A pool of this family uses VXLAN (or FelixConfiguration forces it, IPv4 only).
    pub enabled: bool,
    pub node_ip: Option<IpAddr>,
    pub node_net: Option<IpNet>,
    /// The link carrying the node IP of this family.
    pub parent: Option<&'a Link>,
    pub tunnel_ip: Option<IpAddr>,
    pub vtep_mac: MacAddr,
    pub mtu: Option<u32>,
}

pub struct Context<'a> {
    pub intent: &'a ClusterIntent,
    pub state: &'a NodeState,
    pub node: &'a NodeIntent,
    pub felix: FelixConfig,
    pub node_ip: Option<Ipv4Addr>,
    pub node_net: Option<IpNet>,
    /// The link that carries the node IP (E1).
    pub parent: Option<&'a Link>,
    /// (host MTU, true when it fell back to 1460).
    pub host_mtu: Option<(u32, bool)>,
    pub vxlan_enabled: bool,
    pub vxlan6_enabled: bool,
    pub ipip_enabled: bool,
    pub backend: BackendInfo,
    pub peers: Vec<Peer<'a>>,
    pub peer_index: HashMap<&'a str, usize>,
    pub vxlan_vni: u32,
    pub vxlan_port: u16,
    pub device_route_protocol: u8,
    pub interface_prefix: String,
    /// Which blocks exist is known: IPAMBlocks were listed or present, or were derived from
    /// BlockAffinities. Without it no route to a block is expected, and none is judged stray.
    pub blocks_known: bool,
    /// The same per family: affinities of IPv4 blocks only say nothing of IPv6 blocks.
    pub blocks_known_v4: bool,
    pub blocks_known_v6: bool,
    /// Blocks whose affine node is not a Node of the intent (a partial Nodes list, or IPAM
    /// leaks): stray entries on the tunnel devices may be theirs.
    pub foreign_owned_blocks: BlockSet,
    /// Dataplanes that change what Felix programs (eBPF, WireGuard), when detected.
    pub dataplane: super::dataplane::Dataplane,
}

impl<'a> Context<'a> {
    pub fn new(intent: &'a ClusterIntent, state: &'a NodeState, node: &'a NodeIntent) -> Self {
        let felix = intent.felix_for(&node.name);
        let node_ip = node.ipv4_addr();
        let node_net = node.ipv4;
        let parent = node_ip.and_then(|ip| state.link_with_addr(IpAddr::V4(ip)));
        let v4_pools = || intent.pools.iter().filter(|p| p.cidr.addr().is_ipv4());
        // Felix enables an encapsulation when any IPv4 pool uses it, disabled pools included, unless
        // FelixConfiguration overrides it (EncapsulationCalculator).
        let vxlan_enabled = felix
            .vxlan_enabled
            .unwrap_or_else(|| v4_pools().any(|p| p.vxlan_mode.is_on()));
        // IPv6 has no FelixConfiguration override: any IPv6 pool with VXLAN.
        let vxlan6_enabled = intent
            .pools
            .iter()
            .any(|p| p.cidr.addr().is_ipv6() && p.vxlan_mode.is_on());
        let ipip_enabled = felix
            .ipip_enabled
            .unwrap_or_else(|| v4_pools().any(|p| p.ipip_mode.is_on()));
        let backend = infer_backend(intent, state);
        let host_mtu = host_mtu(state, &felix);

        let mut peers = Vec::with_capacity(intent.nodes.len());
        let mut peer_index = HashMap::with_capacity(intent.nodes.len());
        for other in intent.nodes.iter().filter(|n| n.name != node.name) {
            let ip = other.ipv4_addr();
            let in_local_subnet = match (node_net, ip) {
                (Some(net), Some(ip)) => net.contains(&IpAddr::V4(ip)),
                _ => false,
            };
            let local_in_its_subnet = match (other.ipv4, node_ip) {
                (Some(net), Some(ip)) => net.contains(&IpAddr::V4(ip)),
                _ => false,
            };
            // VXLANResolver: a VTEP needs spec.bgp.ipv4Address and an IPv4 VXLAN tunnel address.
            let vtep = match (other.has_bgp_spec, ip, other.vxlan_tunnel_ip) {
                (true, Some(_), Some(tun)) => Some((tun, vtep_mac(other))),
                _ => None,
            };
            let ip6 = match other.ipv6.map(|n| n.addr()) {
                Some(IpAddr::V6(a)) => Some(a),
                _ => None,
            };
            let in_local_subnet6 = match (node.ipv6, ip6) {
                (Some(net), Some(ip)) => net.contains(&IpAddr::V6(ip)),
                _ => false,
            };
            let vtep6 = match (ip6, other.vxlan_v6_tunnel_ip) {
                (Some(_), Some(tun)) => Some((
                    tun,
                    other
                        .vxlan_v6_tunnel_mac
                        .unwrap_or_else(|| calico::derived_vtep_mac(&other.name, true)),
                )),
                _ => None,
            };
            peer_index.insert(other.name.as_str(), peers.len());
            peers.push(Peer {
                node: other,
                ip,
                in_local_subnet,
                local_in_its_subnet,
                vtep,
                ip6,
                in_local_subnet6,
                vtep6,
            });
        }

        let blocks_known = !intent.blocks.is_empty() || intent.listed.blocks;
        let blocks_known_v6 =
            intent.listed.blocks || intent.blocks.iter().any(|b| b.cidr.addr().is_ipv6());
        let blocks_known_v4 =
            intent.listed.blocks || intent.blocks.iter().any(|b| b.cidr.addr().is_ipv4());
        let foreign_owned_blocks = intent
            .blocks
            .iter()
            .filter(|b| !b.deleted)
            .filter(|b| {
                b.affinity
                    .as_deref()
                    .is_some_and(|a| a != node.name && !peer_index.contains_key(a))
            })
            .map(|b| b.cidr)
            .collect::<BlockSet>();
        let dataplane = super::dataplane::Dataplane::detect(&felix, state);
        let drp = felix
            .device_route_protocol
            .unwrap_or(calico::DEFAULT_DEVICE_ROUTE_PROTOCOL);
        Context {
            intent,
            state,
            node,
            vxlan_vni: felix.vxlan_vni.unwrap_or(calico::DEFAULT_VXLAN_VNI),
            vxlan_port: felix.vxlan_port.unwrap_or(calico::DEFAULT_VXLAN_PORT),
            interface_prefix: felix
                .interface_prefix
                .clone()
                .unwrap_or_else(|| calico::DEFAULT_INTERFACE_PREFIX.to_string()),
            device_route_protocol: drp,
            felix,
            node_ip,
            node_net,
            parent,
            host_mtu,
            vxlan_enabled,
            vxlan6_enabled,
            ipip_enabled,
            backend,
            peers,
            peer_index,
            blocks_known,
            blocks_known_v4,
            blocks_known_v6,
            foreign_owned_blocks,
            dataplane,
        }
    }

    /// Whether the configured tunnel MTUs are known: FelixConfigurations were read (an absent
    /// field then really is Felix's default), or the operator's Installation sets the MTU.
    pub fn mtu_configured_known(&self) -> bool {
        self.intent.listed.felix || self.installation_mtu().is_some()
    }

    /// Whether the blocks of `net`'s family are known.
    pub fn blocks_known_for(&self, net: &IpNet) -> bool {
        if net.addr().is_ipv6() {
            self.blocks_known_v6
        } else {
            self.blocks_known_v4
        }
    }

    /// The intent's Nodes are only this node's own (`kubectl get node NAME`): its peers were not
    /// collected, so nodes that own blocks but are missing are no leak.
    pub fn peers_not_collected(&self) -> bool {
        self.peers.is_empty() && !self.foreign_owned_blocks.is_empty()
    }

    /// Whether `net` lies in a block owned by a node the intent does not hold.
    pub fn in_foreign_block(&self, net: &IpNet) -> bool {
        self.foreign_owned_blocks.covers(net)
    }

    /// The IPv4 or IPv6 view of the local node's VXLAN setup.
    pub fn fam(&self, v6: bool) -> Fam<'a> {
        if v6 {
            let node_net = self.node.ipv6;
            let node_ip = node_net.map(|n| n.addr());
            Fam {
                v6,
                device: calico::VXLAN_V6_DEVICE,
                overhead: calico::VXLAN_OVERHEAD_V6,
                enabled: self.vxlan6_enabled,
                node_ip,
                node_net,
                parent: node_ip.and_then(|ip| self.state.link_with_addr(ip)),
                tunnel_ip: self.node.vxlan_v6_tunnel_ip.map(IpAddr::V6),
                vtep_mac: self
                    .node
                    .vxlan_v6_tunnel_mac
                    .unwrap_or_else(|| calico::derived_vtep_mac(&self.node.name, true)),
                mtu: self
                    .felix
                    .vxlan_mtu_v6
                    .filter(|m| *m != 0)
                    .or(self.installation_mtu())
                    .or_else(|| {
                        self.host_mtu
                            .map(|(m, _)| m.saturating_sub(calico::VXLAN_OVERHEAD_V6))
                    }),
            }
        } else {
            Fam {
                v6,
                device: calico::VXLAN_DEVICE,
                overhead: calico::VXLAN_OVERHEAD_V4,
                enabled: self.vxlan_enabled,
                node_ip: self.node_ip.map(IpAddr::V4),
                node_net: self.node_net,
                parent: self.parent,
                tunnel_ip: self.node.vxlan_tunnel_ip.map(IpAddr::V4),
                vtep_mac: vtep_mac(self.node),
                mtu: self.vxlan_mtu(),
            }
        }
    }

    pub fn peer(&self, name: &str) -> Option<&Peer<'a>> {
        self.peer_index.get(name).map(|i| &self.peers[*i])
    }

    /// `calculateRouteProtocol`: blackholes, same-subnet and Felix no-encap/IPIP routes use 80 when
    /// deviceRouteProtocol is the default 3, else the configured value.
    pub fn felix_special_proto(&self) -> u8 {
        if self.device_route_protocol == calico::DEFAULT_DEVICE_ROUTE_PROTOCOL {
            RouteProto::FELIX
        } else {
            self.device_route_protocol
        }
    }

    /// Whether Felix (not BIRD) programs routes of this pool kind (`programClusterRoutes`).
    pub fn felix_owns(&self, kind: PoolType) -> bool {
        let pcr = self
            .felix
            .program_cluster_routes
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        match kind {
            PoolType::Vxlan => true,
            PoolType::Ipip => pcr == "enabled" || pcr == "enabledipiponly",
            PoolType::NoEncap => pcr == "enabled" || pcr == "enablednoencaponly",
            PoolType::None => false,
        }
    }

    /// Whether who programs IPIP routes is known. `programClusterRoutes` unset means Felix's
    /// default, which moved (felix/config/config_params.go `ProgramClusterRoutes`): absent up to
    /// v3.30 and `Disabled` in v3.31–v3.32 (BIRD programs IPIP), `EnabledIPIPOnly` from v3.34
    /// (Felix does, proto 80, onlink, with an MTU). Without it either is right, so the IPIP
    /// routes' protocol, onlink flag and MTU are not judged; their path still is.
    pub fn ipip_owner_known(&self) -> bool {
        self.felix.program_cluster_routes.is_some()
    }

    /// Whether anything programs routes of this kind: Felix, or BIRD when the backend is bird.
    pub fn kind_programmed(&self, kind: PoolType) -> bool {
        self.felix_owns(kind)
            || (kind != PoolType::Vxlan
                && self.backend.backend != Some(Backend::Vxlan)
                && self.backend.backend != Some(Backend::None))
    }

    /// The operator's `calicoNetwork.mtu`: it sets every tunnel MTU when FelixConfiguration sets
    /// none (the operator passes it to calico-node as FELIX_VXLANMTU, FELIX_IPINIPMTU, …).
    fn installation_mtu(&self) -> Option<u32> {
        self.intent
            .installation
            .as_ref()
            .and_then(|i| i.mtu)
            .filter(|m| *m != 0)
    }

    pub fn vxlan_mtu(&self) -> Option<u32> {
        self.felix
            .vxlan_mtu
            .filter(|m| *m != 0)
            .or(self.installation_mtu())
            .or_else(|| {
                self.host_mtu
                    .map(|(m, _)| m.saturating_sub(calico::VXLAN_OVERHEAD_V4))
            })
    }

    pub fn ipip_mtu(&self) -> Option<u32> {
        self.felix
            .ipip_mtu
            .filter(|m| *m != 0)
            .or(self.installation_mtu())
            .or_else(|| {
                self.host_mtu
                    .map(|(m, _)| m.saturating_sub(calico::IPIP_OVERHEAD))
            })
    }

    /// The pool a block or address belongs to.
    pub fn pool_for(&self, net: &IpNet) -> Option<&'a IpPool> {
        self.intent.pool_for(net)
    }

    /// Whether the local node would send to `peer` unencapsulated for a pool (E6), by the local
    /// prefix of the pool's family.
    pub fn same_subnet(&self, pool: &IpPool, peer: &Peer) -> bool {
        pool.cross_subnet() && peer.fam(pool.cidr.addr().is_ipv6()).in_local_subnet
    }

    pub fn is_workload_iface(&self, name: &str) -> bool {
        name.starts_with(&self.interface_prefix)
    }
}

/// The MAC peers use for a node's VTEP: its annotation, else the SHA-1 derivation.
pub fn vtep_mac(node: &NodeIntent) -> MacAddr {
    node.vxlan_tunnel_mac
        .unwrap_or_else(|| calico::derived_vtep_mac(&node.name, false))
}

/// hostMTU (§2): the smallest MTU of oper-up links matching mtuIfacePattern, else 1460. A custom
/// pattern cannot be evaluated without a regex engine in the core, so the parent's MTU stands in.
fn host_mtu(state: &NodeState, felix: &FelixConfig) -> Option<(u32, bool)> {
    state.links.as_ref()?;
    if felix.mtu_iface_pattern.is_some() {
        return None;
    }
    let min = state
        .links()
        .iter()
        .filter(|l| calico::matches_default_mtu_iface_pattern(&l.name))
        .filter(|l| l.is_up() != Some(false))
        .filter_map(|l| l.mtu)
        .min();
    Some(match min {
        Some(m) => (m, false),
        None => (calico::FALLBACK_HOST_MTU, true),
    })
}

/// The backend from the calico-config ConfigMap, else from evidence: BIRD-learnt routes mean bird; a
/// VXLAN device with no BIRD routes and only VXLAN pools means vxlan.
fn infer_backend(intent: &ClusterIntent, state: &NodeState) -> BackendInfo {
    if let Some(b) = intent.backend {
        return BackendInfo {
            backend: Some(b),
            origin: BackendOrigin::Configured,
        };
    }
    // Operator-managed clusters have no calico-config: the Installation is their statement.
    if let Some((inst, b)) = intent
        .installation
        .as_ref()
        .and_then(|i| i.backend().map(|b| (i, b)))
    {
        return BackendInfo {
            backend: Some(b),
            origin: BackendOrigin::Installation(inst.name.clone()),
        };
    }
    let bird_routes = state
        .routes()
        .iter()
        .filter(|r| r.protocol == Some(RouteProto::BIRD))
        .count();
    if bird_routes > 0 {
        return BackendInfo {
            backend: Some(Backend::Bird),
            origin: BackendOrigin::Inferred(format!("{bird_routes} routes with proto bird")),
        };
    }
    let only_vxlan = !intent.pools.is_empty()
        && intent
            .pools
            .iter()
            .all(|p| matches!(p.pool_type(), PoolType::Vxlan | PoolType::None));
    if only_vxlan {
        return BackendInfo {
            backend: Some(Backend::Vxlan),
            origin: BackendOrigin::Inferred(
                "every pool uses VXLAN and no route has proto bird".to_string(),
            ),
        };
    }
    if state.routes.is_some() {
        // Non-VXLAN pools with no BIRD routes at all: either BIRD is down or it is not running.
        return BackendInfo {
            backend: Some(Backend::Bird),
            origin: BackendOrigin::Inferred(
                "pools use IPIP or no encapsulation, which need BIRD by default; no proto bird route was seen"
                    .to_string(),
            ),
        };
    }
    BackendInfo {
        backend: None,
        origin: BackendOrigin::Inferred("no calico-config and no routes to judge by".to_string()),
    }
}

/// A set of blocks answering "does a block contain / overlap this prefix" in O(block sizes +
/// log n) per question instead of a scan of every block: 100 000 routes are asked against up to
/// 20 000 blocks on a large node. Blocks come in few sizes (one per pool, usually one in all).
#[derive(Debug, Clone, Default)]
pub struct BlockSet {
    /// Network address -> prefix lengths of the blocks starting there.
    starts: std::collections::BTreeMap<IpAddr, Vec<u8>>,
    /// The distinct prefix lengths.
    lens: Vec<u8>,
}

impl FromIterator<IpNet> for BlockSet {
    fn from_iter<I: IntoIterator<Item = IpNet>>(iter: I) -> Self {
        let mut set = BlockSet::default();
        for net in iter {
            let net = net.trunc();
            set.starts
                .entry(net.addr())
                .or_default()
                .push(net.prefix_len());
            if !set.lens.contains(&net.prefix_len()) {
                set.lens.push(net.prefix_len());
            }
        }
        set
    }
}

impl BlockSet {
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// A block of the set contains `net` (or is it).
    pub fn covers(&self, net: &IpNet) -> bool {
        self.lens
            .iter()
            .filter(|l| **l <= net.prefix_len())
            .any(|l| {
                IpNet::new(net.addr(), *l)
                    .ok()
                    .and_then(|n| self.starts.get(&n.trunc().addr()))
                    .is_some_and(|ls| ls.contains(l))
            })
    }

    /// A block contains `net`, or `net` contains a block.
    pub fn overlaps(&self, net: &IpNet) -> bool {
        self.covers(net)
            || self
                .starts
                .range(net.network()..=net.broadcast())
                .any(|(_, ls)| ls.iter().any(|l| *l >= net.prefix_len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().expect("test net")
    }

    #[test]
    fn block_set_answers_like_a_scan() {
        let blocks = [
            "192.168.1.0/26",
            "192.168.1.64/26",
            "10.0.0.0/24",
            "fd00::/122",
        ];
        let set: BlockSet = blocks.iter().map(|b| net(b)).collect();
        let scan_covers = |n: &IpNet| blocks.iter().any(|b| net(b).contains(n));
        let scan_overlaps = |n: &IpNet| {
            blocks
                .iter()
                .any(|b| net(b).contains(n) || n.contains(&net(b)))
        };
        for q in [
            "192.168.1.0/26",
            "192.168.1.5/32",
            "192.168.1.70/32",
            "192.168.1.128/26",
            "192.168.1.0/24",
            "192.168.0.0/16",
            "10.0.0.0/25",
            "10.0.1.0/24",
            "fd00::5/128",
            "fd00::/64",
            "fd00:1::/122",
        ] {
            let q = net(q);
            assert_eq!(set.covers(&q), scan_covers(&q), "covers {q}");
            assert_eq!(set.overlaps(&q), scan_overlaps(&q), "overlaps {q}");
        }
        assert!(BlockSet::default().is_empty() && !set.is_empty());
    }
}
