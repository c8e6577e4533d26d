//! Annotating decoded packets with the cluster intent: node names for node IPs, pod names for pod
//! IPs, and the anomalies only the intent can reveal (a tunnel endpoint that is no node; VXLAN or
//! IPIP between nodes that the pool says should talk directly, or pod traffic sent directly where
//! the pool says it must be tunnelled). Pure: built once from a [`ClusterIntent`], then a few hash
//! look-ups per packet and no allocation.

use rustc_hash::FxHashMap as HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::cluster::{EncapMode, IpPool};
use crate::model::packet::{Anomaly, Encap, PacketRecord};
use crate::ClusterIntent;

/// What an address is in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name<'a> {
    Node(&'a str),
    Pod { namespace: &'a str, name: &'a str },
}

/// The names of a packet's endpoints, when known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Names<'a> {
    pub outer_src: Option<&'a str>,
    pub outer_dst: Option<&'a str>,
    pub inner_src: Option<Name<'a>>,
    pub inner_dst: Option<Name<'a>>,
}

#[derive(Debug)]
struct NodeInfo {
    name: String,
    net: Option<IpNet>,
}

#[derive(Debug)]
struct PodInfo {
    namespace: String,
    name: String,
    node: Option<usize>,
}

/// The intent, indexed by address.
#[derive(Debug, Default)]
pub struct Annotator {
    nodes: Vec<NodeInfo>,
    /// Node addresses (Calico IPv4/IPv6, InternalIPs) → node.
    node_by_ip: HashMap<IpAddr, usize>,
    /// Tunnel addresses (VXLAN/IPIP) → node: inner traffic from a node itself.
    tunnel_by_ip: HashMap<IpAddr, usize>,
    pods: HashMap<IpAddr, PodInfo>,
    /// Affine blocks → node, for pod IPs without a Pod object.
    blocks: Vec<(IpNet, usize)>,
    pools: Vec<IpPool>,
}

impl Annotator {
    pub fn new(intent: &ClusterIntent) -> Annotator {
        let mut a = Annotator::default();
        let mut idx: HashMap<&str, usize> = HashMap::default();
        for n in &intent.nodes {
            let i = a.nodes.len();
            idx.insert(&n.name, i);
            a.nodes.push(NodeInfo {
                name: n.name.clone(),
                net: n.ipv4,
            });
            for ip in n
                .ipv4
                .iter()
                .chain(n.ipv6.iter())
                .map(IpNet::addr)
                .chain(n.addresses.iter().copied())
            {
                a.node_by_ip.entry(ip).or_insert(i);
            }
            for ip in [
                n.vxlan_tunnel_ip.map(IpAddr::V4),
                n.vxlan_v6_tunnel_ip.map(IpAddr::V6),
                n.ipip_tunnel_ip.map(IpAddr::V4),
            ]
            .into_iter()
            .flatten()
            {
                a.tunnel_by_ip.insert(ip, i);
            }
        }
        for p in &intent.pods {
            if p.host_network {
                continue;
            }
            let node = p.node.as_deref().and_then(|n| idx.get(n).copied());
            for ip in &p.ips {
                a.pods.insert(
                    *ip,
                    PodInfo {
                        namespace: p.namespace.clone(),
                        name: p.name.clone(),
                        node,
                    },
                );
            }
        }
        for b in intent.blocks.iter().filter(|b| !b.deleted) {
            if let Some(i) = b.affinity.as_deref().and_then(|n| idx.get(n)) {
                a.blocks.push((b.cidr, *i));
            }
        }
        a.pools = intent
            .pools
            .iter()
            .filter(|p| !p.disabled)
            .cloned()
            .collect();
        a
    }

    /// Whether the intent knows any node (without, "unknown node" means nothing).
    pub fn knows_nodes(&self) -> bool {
        !self.nodes.is_empty()
    }

    fn node_name(&self, i: usize) -> &str {
        self.nodes.get(i).map(|n| n.name.as_str()).unwrap_or("")
    }

    /// The node an address belongs to (its own address, not its pods').
    pub fn node_of(&self, ip: IpAddr) -> Option<&str> {
        self.node_by_ip.get(&ip).map(|i| self.node_name(*i))
    }

    pub fn name_of(&self, ip: IpAddr) -> Option<Name<'_>> {
        if let Some(p) = self.pods.get(&ip) {
            return Some(Name::Pod {
                namespace: &p.namespace,
                name: &p.name,
            });
        }
        self.node_by_ip
            .get(&ip)
            .or_else(|| self.tunnel_by_ip.get(&ip))
            .map(|i| Name::Node(self.node_name(*i)))
    }

    /// The node hosting a pod IP (its Pod, else the affine block).
    fn host_of(&self, ip: IpAddr) -> Option<usize> {
        if let Some(n) = self.pods.get(&ip).and_then(|p| p.node) {
            return Some(n);
        }
        self.blocks
            .iter()
            .filter(|(net, _)| net.contains(&ip))
            .max_by_key(|(net, _)| net.prefix_len())
            .map(|(_, n)| *n)
    }

    fn pool_of(&self, ip: IpAddr) -> Option<&IpPool> {
        self.pools
            .iter()
            .filter(|p| p.cidr.contains(&ip))
            .max_by_key(|p| p.cidr.prefix_len())
    }

    /// Whether `to` is in `from`'s subnet (the sending node's prefix decides, as in Felix).
    fn same_subnet(&self, from: usize, to: usize) -> Option<bool> {
        let net = self.nodes.get(from)?.net?;
        let addr = self.nodes.get(to)?.net?.addr();
        Some(net.contains(&addr))
    }

    /// Adds the intent's anomalies to `rec` and returns the endpoint names.
    pub fn annotate(&self, rec: &mut PacketRecord) -> Names<'_> {
        let mut names = Names::default();
        if let Some(inner) = &rec.inner {
            names.inner_src = self.name_of(inner.src);
            names.inner_dst = self.name_of(inner.dst);
        }
        let Some(outer) = rec.outer else {
            return names;
        };
        if rec.encap == Encap::None {
            names.outer_src = self.node_of(outer.src);
            names.outer_dst = self.node_of(outer.dst);
            // Pod to pod on different nodes, unencapsulated: does the pool say tunnel?
            if let (Some(s), Some(d)) = (self.host_of(outer.src), self.host_of(outer.dst)) {
                if s != d {
                    if let Some(pool) = self.pool_of(outer.dst) {
                        let mode = encap_mode(pool);
                        let missing = match mode {
                            Some(EncapMode::Always) => true,
                            Some(EncapMode::CrossSubnet) => self.same_subnet(s, d) == Some(false),
                            _ => false,
                        };
                        if missing {
                            rec.anomalies.add(Anomaly::EncapMissing);
                        }
                    }
                }
            }
            return names;
        }
        let src = self.node_by_ip.get(&outer.src).copied();
        let dst = self.node_by_ip.get(&outer.dst).copied();
        names.outer_src = src.map(|i| self.node_name(i));
        names.outer_dst = dst.map(|i| self.node_name(i));
        if self.knows_nodes() && (src.is_none() || dst.is_none()) {
            rec.anomalies.add(Anomaly::UnknownNode);
        }
        let pool = rec.inner.and_then(|i| {
            self.pool_of(i.dst)
                .filter(|_| self.host_of(i.dst).is_some())
                .or_else(|| self.pool_of(i.src))
        });
        if let (Some(pool), Some(s), Some(d)) = (pool, src, dst) {
            let mode = match rec.encap {
                Encap::Vxlan => pool.vxlan_mode,
                Encap::Ipip => pool.ipip_mode,
                Encap::None => EncapMode::Never,
            };
            let unexpected = match mode {
                EncapMode::Always => false,
                EncapMode::CrossSubnet => self.same_subnet(s, d) == Some(true),
                _ => true,
            };
            if unexpected {
                rec.anomalies.add(Anomaly::EncapUnexpected);
            }
        }
        names
    }
}

/// The pool's encapsulation (VXLAN before IPIP, as Felix), or None for a no-encap pool.
fn encap_mode(pool: &IpPool) -> Option<EncapMode> {
    [pool.vxlan_mode, pool.ipip_mode]
        .into_iter()
        .find(|m| m.is_on())
}
