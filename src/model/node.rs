//! One node's network state as collected (live over netlink, or from dumps). A section that was not
//! collected is `None`: checks that need it report "unknown" instead of guessing.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{FdbEntry, Link, Neighbour, Route};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeState {
    /// The node this state belongs to, when the source knows it (a dump directory's name).
    pub node: Option<String>,
    /// Where the state came from (`netlink`, `netlink netns=NAME`, `files DIR`).
    pub source: String,
    pub links: Option<Vec<Link>>,
    /// Whether link addresses were collected (links may exist without their addresses).
    pub addrs_collected: bool,
    pub routes: Option<Vec<Route>>,
    pub neighbours: Option<Vec<Neighbour>>,
    pub fdb: Option<Vec<FdbEntry>>,
    /// Kernel settings by sysctl name (`net.ipv4.ip_forward`, `net.ipv4.conf.eth0.rp_filter`),
    /// read live from /proc/sys in the node's namespace or from `sysctl.txt` (`sysctl -a`, a
    /// bundle). `None`: not collected, so the kernel checks are not made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysctl: Option<std::collections::BTreeMap<String, String>>,
    /// BGP sessions and routes read from BIRD's control socket (or a bundle's `bird-*.txt`).
    /// `None`: BIRD was not asked (not a BIRD node, or a source without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgp: Option<super::BgpState>,
    /// `/run/flannel/subnet.env`, when the node runs Flannel and it was collected
    /// (`subnet.env` in the node's dump directory or bundle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flannel_subnet_env: Option<super::flannel::SubnetEnv>,
    /// Partial collection failures and other notes about the source; they become findings.
    pub notes: Vec<CollectionNote>,
}

/// Something about collection the report must say (a missing dump, a netlink error, a skipped kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionNote {
    /// The part concerned: `links`, `routes`, `neigh`, `fdb`, `cluster`, or a file path.
    pub part: String,
    pub message: String,
}

impl NodeState {
    pub fn links(&self) -> &[Link] {
        self.links.as_deref().unwrap_or_default()
    }

    pub fn routes(&self) -> &[Route] {
        self.routes.as_deref().unwrap_or_default()
    }

    pub fn neighbours(&self) -> &[Neighbour] {
        self.neighbours.as_deref().unwrap_or_default()
    }

    pub fn fdb(&self) -> &[FdbEntry] {
        self.fdb.as_deref().unwrap_or_default()
    }

    /// One sysctl by name, when collected.
    pub fn sysctl(&self, key: &str) -> Option<&str> {
        self.sysctl.as_ref()?.get(key).map(String::as_str)
    }

    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links().iter().find(|l| l.name == name)
    }

    pub fn link_by_index(&self, index: u32) -> Option<&Link> {
        self.links().iter().find(|l| l.index == Some(index))
    }

    /// The link that carries `ip` as one of its addresses.
    pub fn link_with_addr(&self, ip: IpAddr) -> Option<&Link> {
        self.links().iter().find(|l| l.has_addr(ip))
    }

    pub fn note(&mut self, part: impl Into<String>, message: impl Into<String>) {
        self.notes.push(CollectionNote {
            part: part.into(),
            message: message.into(),
        });
    }
}
