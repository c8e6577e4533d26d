//! The cluster's intent: Calico IPPools, nodes (Calico Node or Kubernetes Node with Calico
//! annotations), IPAM blocks and affinities, FelixConfiguration, pods and the networking backend.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::MacAddr;

/// `ipipMode` / `vxlanMode` of an IPPool. Unset means Never.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EncapMode {
    #[default]
    Never,
    Always,
    CrossSubnet,
}

impl EncapMode {
    pub fn parse(s: &str) -> Option<EncapMode> {
        // Calico v1 CRDs and old calicoctl output also use lower case ("always", "cross-subnet").
        Some(
            match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
                "never" | "off" | "" => EncapMode::Never,
                "always" => EncapMode::Always,
                "crosssubnet" => EncapMode::CrossSubnet,
                _ => return None,
            },
        )
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            EncapMode::Never => "Never",
            EncapMode::Always => "Always",
            EncapMode::CrossSubnet => "CrossSubnet",
        }
    }

    pub fn is_on(&self) -> bool {
        *self != EncapMode::Never
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AllowedUse {
    Workload,
    Tunnel,
    LoadBalancer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpPool {
    pub name: String,
    pub cidr: IpNet,
    /// Default 26 (IPv4) / 122 (IPv6) when the resource leaves it out.
    pub block_size: u8,
    pub ipip_mode: EncapMode,
    pub vxlan_mode: EncapMode,
    pub nat_outgoing: bool,
    pub disabled: bool,
    pub node_selector: Option<String>,
    /// Empty means Workload + Tunnel.
    pub allowed_uses: Vec<AllowedUse>,
}

/// How traffic to a pool's blocks travels, by Calico's precedence (VXLAN before IPIP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolType {
    Vxlan,
    Ipip,
    NoEncap,
    /// LoadBalancer-only pools: no routes at all.
    None,
}

impl PoolType {
    pub fn as_str(&self) -> &'static str {
        match self {
            PoolType::Vxlan => "vxlan",
            PoolType::Ipip => "ipip",
            PoolType::NoEncap => "no-encap",
            PoolType::None => "none",
        }
    }
}

impl IpPool {
    /// `poolTypeForPool` in Felix's L3 route resolver.
    pub fn pool_type(&self) -> PoolType {
        if self.allowed_uses == [AllowedUse::LoadBalancer] {
            PoolType::None
        } else if self.vxlan_mode.is_on() {
            PoolType::Vxlan
        } else if self.ipip_mode.is_on() {
            PoolType::Ipip
        } else {
            PoolType::NoEncap
        }
    }

    /// CrossSubnet if either mode says so (`getPoolInfo`).
    pub fn cross_subnet(&self) -> bool {
        self.vxlan_mode == EncapMode::CrossSubnet || self.ipip_mode == EncapMode::CrossSubnet
    }

    /// The pool's mode as a user would name it: `VXLAN CrossSubnet`, `IPIP Always`, `no-encap`.
    pub fn mode_label(&self) -> String {
        match self.pool_type() {
            PoolType::Vxlan => format!("VXLAN {}", self.vxlan_mode.as_str()),
            PoolType::Ipip => format!("IPIP {}", self.ipip_mode.as_str()),
            PoolType::NoEncap => "no-encap (BGP)".to_string(),
            PoolType::None => "LoadBalancer only".to_string(),
        }
    }
}

/// A cluster node as Calico sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeIntent {
    pub name: String,
    /// `spec.bgp.ipv4Address` / annotation `projectcalico.org/IPv4Address`, with its prefix
    /// (`10.0.0.5/24`). Falls back to an InternalIP as a /32 when neither is set.
    pub ipv4: Option<IpNet>,
    pub ipv6: Option<IpNet>,
    /// True when `ipv4` came from the BGP spec/annotation (Felix only builds VTEPs for those nodes).
    pub has_bgp_spec: bool,
    pub vxlan_tunnel_ip: Option<Ipv4Addr>,
    pub vxlan_tunnel_mac: Option<MacAddr>,
    pub vxlan_v6_tunnel_ip: Option<Ipv6Addr>,
    pub vxlan_v6_tunnel_mac: Option<MacAddr>,
    pub ipip_tunnel_ip: Option<Ipv4Addr>,
    /// Kubernetes `status.addresses` of type InternalIP/ExternalIP, for matching a node to a host.
    pub addresses: Vec<IpAddr>,
    /// `spec.podCIDR(s)` of the Kubernetes Node (host-local IPAM, Flannel).
    pub pod_cidrs: Vec<IpNet>,
    /// The `flannel.alpha.coreos.com/*` annotations, when Flannel (or Canal) runs on the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flannel: Option<super::flannel::FlannelNode>,
    /// `spec.bgp.routeReflectorClusterID` / annotation `projectcalico.org/RouteReflectorClusterID`:
    /// the node is a BGP route reflector, which confd leaves out of the node-to-node mesh on both
    /// ends (confd/pkg/backends/calico/bgp_processor.go, `processMeshPeers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_reflector_cluster_id: Option<String>,
}

impl NodeIntent {
    /// Fills what `self` does not know from `other` (a Kubernetes Node and a Calico Node of the same
    /// name describe one host). What `self` already says wins.
    pub fn merge(&mut self, other: NodeIntent) {
        let better = self.ipv4.is_none() || (!self.has_bgp_spec && other.has_bgp_spec);
        if better && other.ipv4.is_some() {
            self.ipv4 = other.ipv4;
            self.has_bgp_spec = other.has_bgp_spec;
        }
        self.ipv6 = self.ipv6.or(other.ipv6);
        self.vxlan_tunnel_ip = self.vxlan_tunnel_ip.or(other.vxlan_tunnel_ip);
        self.vxlan_tunnel_mac = self.vxlan_tunnel_mac.or(other.vxlan_tunnel_mac);
        self.vxlan_v6_tunnel_ip = self.vxlan_v6_tunnel_ip.or(other.vxlan_v6_tunnel_ip);
        self.vxlan_v6_tunnel_mac = self.vxlan_v6_tunnel_mac.or(other.vxlan_v6_tunnel_mac);
        self.ipip_tunnel_ip = self.ipip_tunnel_ip.or(other.ipip_tunnel_ip);
        if self.route_reflector_cluster_id.is_none() {
            self.route_reflector_cluster_id = other.route_reflector_cluster_id;
        }
        for a in other.addresses {
            if !self.addresses.contains(&a) {
                self.addresses.push(a);
            }
        }
        for c in other.pod_cidrs {
            if !self.pod_cidrs.contains(&c) {
                self.pod_cidrs.push(c);
            }
        }
        match (&mut self.flannel, other.flannel) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (mine @ None, theirs) => *mine = theirs,
            _ => {}
        }
    }

    pub fn ipv4_addr(&self) -> Option<Ipv4Addr> {
        match self.ipv4?.addr() {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        }
    }
}

/// One allocated address of an IPAM block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub ip: IpAddr,
    /// `secondary.node`: the node the address is used on (for borrowed addresses).
    pub node: Option<String>,
    /// `secondary.type`: `vxlanTunnelAddress`, `ipipTunnelAddress`, … (absent for pods).
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub handle: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpamBlock {
    pub name: String,
    pub cidr: IpNet,
    /// The affine node (`spec.affinity: host:NAME`), if any.
    pub affinity: Option<String>,
    pub allocations: Vec<Allocation>,
    pub deleted: bool,
    /// Not an IPAMBlock of the intent: made from a BlockAffinity because the intent holds no
    /// IPAMBlocks ([`ClusterIntent::derive_blocks`]). Its allocations are unknown, not empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_affinity: bool,
}

impl IpamBlock {
    /// Allocations used on a node other than the block's affine node ("borrowed").
    pub fn borrowed(&self) -> impl Iterator<Item = &Allocation> {
        self.allocations
            .iter()
            .filter(move |a| match (&a.node, &self.affinity) {
                (Some(n), Some(aff)) => n != aff,
                (Some(_), None) => true,
                _ => false,
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockAffinity {
    pub name: String,
    pub node: String,
    pub cidr: IpNet,
    /// `confirmed`, `pending`, `pendingDeletion`.
    pub state: Option<String>,
    pub deleted: bool,
}

/// BGPConfiguration fields that decide which BGP sessions confd writes into bird.cfg. `None` is
/// "not set": Calico's default applies (the mesh on, AS 64512; confd/pkg/backends/calico/client.go
/// `globalDefaults`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BgpConfig {
    /// `default` (the cluster's) or `node.<name>` (one node's).
    pub name: String,
    /// `spec.nodeToNodeMeshEnabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_to_node_mesh: Option<bool>,
    /// `spec.asNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_number: Option<u32>,
}

/// FelixConfiguration fields that shape the dataplane. `None` means "not set" (Felix's default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FelixConfig {
    pub name: String,
    pub vxlan_vni: Option<u32>,
    pub vxlan_port: Option<u16>,
    pub vxlan_mtu: Option<u32>,
    pub vxlan_mtu_v6: Option<u32>,
    pub ipip_mtu: Option<u32>,
    pub vxlan_enabled: Option<bool>,
    pub ipip_enabled: Option<bool>,
    pub device_route_protocol: Option<u8>,
    pub mtu_iface_pattern: Option<String>,
    pub interface_prefix: Option<String>,
    pub route_source: Option<String>,
    pub remove_external_routes: Option<bool>,
    pub program_cluster_routes: Option<String>,
    pub bpf_enabled: Option<bool>,
    /// `wireguardEnabled` / `wireguardEnabledV6`: node-to-node encryption over wireguard.cali.
    #[serde(default)]
    pub wireguard_enabled: Option<bool>,
    #[serde(default)]
    pub wireguard_enabled_v6: Option<bool>,
    #[serde(default)]
    pub wireguard_mtu: Option<u32>,
    #[serde(default)]
    pub wireguard_interface: Option<String>,
    #[serde(default)]
    pub wireguard_routing_table: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub node: Option<String>,
    pub ips: Vec<IpAddr>,
    pub host_network: bool,
}

/// Calico's networking backend (`calico_backend` / `CALICO_NETWORKING_BACKEND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Bird,
    Vxlan,
    None,
}

impl Backend {
    pub fn parse(s: &str) -> Option<Backend> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "bird" => Backend::Bird,
            "vxlan" => Backend::Vxlan,
            "none" => Backend::None,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Bird => "bird",
            Backend::Vxlan => "vxlan",
            Backend::None => "none",
        }
    }
}

/// Everything the cluster declares. Built by the parsers from files or the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterIntent {
    pub pools: Vec<IpPool>,
    pub nodes: Vec<NodeIntent>,
    pub blocks: Vec<IpamBlock>,
    pub affinities: Vec<BlockAffinity>,
    pub felix: Vec<FelixConfig>,
    pub pods: Vec<Pod>,
    /// From the `calico-config` ConfigMap (`calico_backend`), when present.
    pub backend: Option<Backend>,
    /// `veth_mtu` from the `calico-config` ConfigMap ("0" = auto, kept as 0).
    pub veth_mtu: Option<u32>,
    /// Things the loader skipped or could not use (unknown kinds, duplicates), for the report.
    pub notes: Vec<String>,
    /// The Tigera operator's `Installation`, when the cluster is operator-managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation: Option<Installation>,
    /// Which kinds the source really read. An empty `blocks` means "no IPAM blocks" only when
    /// `listed.blocks` is set; otherwise nobody collected them, and the checks that need them are
    /// "not checked" rather than judged against nothing.
    #[serde(default)]
    pub listed: Listed,
    /// Flannel's `net-conf.json` (the `kube-flannel-cfg` ConfigMap), when the cluster runs Flannel
    /// or Canal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flannel: Option<super::flannel::FlannelConfig>,
    /// Canal's `canal_iface`/`masquerade` from its calico-config: the cluster is Canal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canal: Option<super::flannel::CanalConfig>,
    /// BGPConfigurations, when the source holds any (an absent one is Calico's defaults, so its
    /// absence is never a finding: the BGP rules say what they assumed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bgp_configs: Vec<BgpConfig>,
}

/// The kinds a source read in full: the API lists every kind it asks for (an empty list is the
/// truth, a 404 on calico-config means there is none); a directory of files states a kind only by
/// holding at least one object of it (`kubectl get … -o yaml` of an empty list names no kind).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Listed {
    pub pools: bool,
    pub nodes: bool,
    pub blocks: bool,
    pub affinities: bool,
    pub felix: bool,
    pub pods: bool,
    /// The calico-config ConfigMap was looked for (API) or read (files).
    pub calico_config: bool,
}

impl Listed {
    /// Every kind: an intent built in code (the lab, tests) that is complete by construction.
    pub const ALL: Listed = Listed {
        pools: true,
        nodes: true,
        blocks: true,
        affinities: true,
        felix: true,
        pods: true,
        calico_config: true,
    };

    pub fn union(self, o: Listed) -> Listed {
        Listed {
            pools: self.pools || o.pools,
            nodes: self.nodes || o.nodes,
            blocks: self.blocks || o.blocks,
            affinities: self.affinities || o.affinities,
            felix: self.felix || o.felix,
            pods: self.pods || o.pods,
            calico_config: self.calico_config || o.calico_config,
        }
    }

    /// The kinds missing, as `kubectl get` resource names, for "not checked" lines.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        for (have, name) in [
            (self.pools, "ippools"),
            (self.nodes, "nodes"),
            (self.blocks, "ipamblocks"),
            (self.affinities, "blockaffinities"),
            (self.felix, "felixconfigurations"),
            (self.pods, "pods"),
            (self.calico_config, "configmap/calico-config"),
        ] {
            if !have {
                m.push(name);
            }
        }
        m
    }
}

/// The operator's `Installation` (`operator.tigera.io/v1`, usually named `default`): what the
/// operator was asked to set up. It writes no calico-config ConfigMap, so this is where an
/// operator-managed cluster states its backend and MTU.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installation {
    pub name: String,
    /// `spec.calicoNetwork.bgp`: `Enabled` (BIRD runs) or `Disabled`.
    pub bgp: Option<bool>,
    /// `spec.calicoNetwork.mtu`: the operator hands it to Felix as the tunnel MTUs (vxlanMTU,
    /// vxlanMTUV6, ipipMTU) and to the CNI as the pods' MTU.
    pub mtu: Option<u32>,
    /// `spec.calicoNetwork.ipPools`: the pools the operator creates when they do not exist.
    pub pools: Vec<PoolTemplate>,
}

/// One of the Installation's `ipPools` templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolTemplate {
    pub name: Option<String>,
    pub cidr: IpNet,
    /// From `encapsulation` (IPIP, IPIPCrossSubnet, VXLAN, VXLANCrossSubnet, None).
    pub ipip_mode: EncapMode,
    pub vxlan_mode: EncapMode,
    pub nat_outgoing: Option<bool>,
    pub block_size: Option<u8>,
    pub node_selector: Option<String>,
}

impl Installation {
    /// The backend the operator configures calico-node with: BIRD when BGP is enabled; without
    /// BGP, VXLAN when a pool template uses it, else none.
    pub fn backend(&self) -> Option<Backend> {
        Some(match self.bgp? {
            true => Backend::Bird,
            false if self.pools.iter().any(|p| p.vxlan_mode.is_on()) => Backend::Vxlan,
            false => Backend::None,
        })
    }
}

impl ClusterIntent {
    /// When the intent has BlockAffinities but no IPAMBlocks (`kubectl get blockaffinities` was
    /// collected, `ipamblocks` was not), stands in one block per live affinity, so that remote
    /// block routes and local blackholes can still be checked: BIRD exports a node's blocks from
    /// its affinities (confd watches `/calico/ipam/v2/host/<node>/ipv4/block/`), and Felix's
    /// blocks carry the same affinity while IPAM is consistent. Nothing is derived when IPAM
    /// blocks were listed, even as an empty list, since that is the cluster's truth. Returns how
    /// many blocks were derived.
    pub fn derive_blocks(&mut self) -> usize {
        if !self.blocks.is_empty() || self.listed.blocks {
            return 0;
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.affinities {
            // pendingDeletion: the affinity is being released; no component programs it.
            let releasing = a
                .state
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("pendingDeletion"));
            if a.deleted || releasing || !seen.insert(a.cidr.trunc()) {
                continue;
            }
            self.blocks.push(IpamBlock {
                name: a.name.clone(),
                cidr: a.cidr,
                affinity: Some(a.node.clone()),
                allocations: Vec::new(),
                deleted: false,
                from_affinity: true,
            });
        }
        self.blocks.len()
    }

    /// Whether the blocks were made from affinities ([`ClusterIntent::derive_blocks`]).
    pub fn blocks_from_affinities(&self) -> bool {
        self.blocks.iter().any(|b| b.from_affinity)
    }

    pub fn node(&self, name: &str) -> Option<&NodeIntent> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The longest-prefix pool containing `net` (Felix's trie lookup).
    pub fn pool_for(&self, net: &IpNet) -> Option<&IpPool> {
        self.pools
            .iter()
            .filter(|p| p.cidr.contains(net))
            .max_by_key(|p| p.cidr.prefix_len())
    }

    /// The effective Felix configuration for `node`: `default`, overlaid by `node.<name>`.
    pub fn felix_for(&self, node: &str) -> FelixConfig {
        let mut eff = self
            .felix
            .iter()
            .find(|f| f.name == "default")
            .cloned()
            .unwrap_or_default();
        let node_name = format!("node.{node}");
        if let Some(n) = self.felix.iter().find(|f| f.name == node_name) {
            macro_rules! overlay {
                ($($f:ident),*) => { $( if n.$f.is_some() { eff.$f = n.$f.clone(); } )* };
            }
            overlay!(
                vxlan_vni,
                vxlan_port,
                vxlan_mtu,
                vxlan_mtu_v6,
                ipip_mtu,
                vxlan_enabled,
                ipip_enabled,
                device_route_protocol,
                mtu_iface_pattern,
                interface_prefix,
                route_source,
                remove_external_routes,
                program_cluster_routes,
                bpf_enabled,
                wireguard_enabled,
                wireguard_enabled_v6,
                wireguard_mtu,
                wireguard_interface,
                wireguard_routing_table
            );
        }
        eff.name = node_name;
        eff
    }

    /// Merges another intent (another file) into this one.
    pub fn extend(&mut self, other: ClusterIntent) {
        self.pools.extend(other.pools);
        if !other.nodes.is_empty() {
            // By name, through an index: two files of 5 000 Nodes each must not cost 25 M compares.
            let mut at: std::collections::HashMap<String, usize> = self
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.name.clone(), i))
                .collect();
            for node in other.nodes {
                match at.get(&node.name) {
                    Some(&i) => self.nodes[i].merge(node),
                    None => {
                        at.insert(node.name.clone(), self.nodes.len());
                        self.nodes.push(node);
                    }
                }
            }
        }
        self.blocks.extend(other.blocks);
        self.affinities.extend(other.affinities);
        self.felix.extend(other.felix);
        self.bgp_configs.extend(other.bgp_configs);
        self.pods.extend(other.pods);
        self.backend = other.backend.or(self.backend);
        self.veth_mtu = other.veth_mtu.or(self.veth_mtu);
        self.installation = other.installation.or(self.installation.take());
        self.flannel = other.flannel.or(self.flannel.take());
        self.canal = other.canal.or(self.canal.take());
        self.listed = self.listed.union(other.listed);
        self.notes.extend(other.notes);
    }
}
