//! Network links and their addresses, with the tunnel details (VXLAN, IPIP) that overlay checks need.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::MacAddr;

/// The kind of a link as `ip -d link` names it (IFLA_INFO_KIND). Physical NICs have no kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    /// No IFLA_INFO_KIND: a physical device (or a source that does not say).
    Device,
    Loopback,
    Veth,
    Bridge,
    Vxlan,
    /// `ipip` (tunl0 and friends).
    Ipip,
    Dummy,
    Wireguard,
    Other(String),
}

impl LinkKind {
    /// Maps an IFLA_INFO_KIND / `ip -d link` kind string.
    pub fn from_kind(kind: &str) -> LinkKind {
        match kind {
            "veth" => LinkKind::Veth,
            "bridge" => LinkKind::Bridge,
            "vxlan" => LinkKind::Vxlan,
            "ipip" => LinkKind::Ipip,
            "dummy" => LinkKind::Dummy,
            "wireguard" => LinkKind::Wireguard,
            other => LinkKind::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            LinkKind::Device => "device",
            LinkKind::Loopback => "loopback",
            LinkKind::Veth => "veth",
            LinkKind::Bridge => "bridge",
            LinkKind::Vxlan => "vxlan",
            LinkKind::Ipip => "ipip",
            LinkKind::Dummy => "dummy",
            LinkKind::Wireguard => "wireguard",
            LinkKind::Other(s) => s,
        }
    }
}

/// IFLA_OPERSTATE as iproute2 prints it (`state UP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperState {
    Up,
    Down,
    LowerLayerDown,
    Dormant,
    NotPresent,
    Testing,
    /// The kernel itself says UNKNOWN (common for loopback and tunnels that have no carrier).
    Unknown,
}

impl OperState {
    pub fn parse(s: &str) -> Option<OperState> {
        Some(match s.to_ascii_uppercase().as_str() {
            "UP" => OperState::Up,
            "DOWN" => OperState::Down,
            "LOWERLAYERDOWN" => OperState::LowerLayerDown,
            "DORMANT" => OperState::Dormant,
            "NOTPRESENT" => OperState::NotPresent,
            "TESTING" => OperState::Testing,
            "UNKNOWN" => OperState::Unknown,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            OperState::Up => "UP",
            OperState::Down => "DOWN",
            OperState::LowerLayerDown => "LOWERLAYERDOWN",
            OperState::Dormant => "DORMANT",
            OperState::NotPresent => "NOTPRESENT",
            OperState::Testing => "TESTING",
            OperState::Unknown => "UNKNOWN",
        }
    }
}

/// One address on a link (`inet 10.0.0.5/24`). `addr` keeps its host bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix_len: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl IfAddr {
    /// The address as an interface network (`10.0.0.5/24`), which keeps the host bits.
    pub fn net(&self) -> Option<IpNet> {
        IpNet::new(self.addr, self.prefix_len).ok()
    }
}

/// VXLAN attributes (IFLA_INFO_DATA of kind vxlan; `ip -d link`: `vxlan id 4096 local … dev … dstport …`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VxlanInfo {
    pub vni: Option<u32>,
    pub port: Option<u16>,
    pub local: Option<IpAddr>,
    /// IFLA_VXLAN_LINK: the index of the underlay ("parent") device.
    pub parent_index: Option<u32>,
    /// The underlay device by name, when the source names it (`dev eth0` in `ip -d link`).
    pub parent_name: Option<String>,
    pub learning: Option<bool>,
    /// Multicast group or unicast remote (`group`/`remote`), if any.
    pub remote: Option<IpAddr>,
}

/// IPIP tunnel attributes (`ip -d link`: `ipip remote any local any`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IpipInfo {
    /// `None` when the source does not say; `Some(None)` is "any".
    pub local: Option<Option<IpAddr>>,
    pub remote: Option<Option<IpAddr>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Interface index; `None` when a source (e.g. a text dump) does not give it.
    pub index: Option<u32>,
    pub name: String,
    /// `None` when the dump had no `-d` details, so the kind is not known.
    pub kind: Option<LinkKind>,
    pub mtu: Option<u32>,
    pub mac: Option<MacAddr>,
    pub oper_state: Option<OperState>,
    /// The UP flag (administratively up), when known.
    pub admin_up: Option<bool>,
    /// Master (bridge/bond) by name.
    pub master: Option<String>,
    /// IFLA_LINK: the peer/parent index (`veth0@if7` gives 7).
    pub link_index: Option<u32>,
    /// The name after `@` in `ip link` (`eth0@if7` → `if7`, `tunl0@NONE` → `NONE`).
    pub link_name: Option<String>,
    pub addrs: Vec<IfAddr>,
    pub vxlan: Option<VxlanInfo>,
    pub ipip: Option<IpipInfo>,
    /// Interface counters (IFLA_STATS64), when the source collected them (`tui` does; dumps and
    /// `show` do not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<LinkStats>,
}

/// Interface counters since the interface was created, as `ip -s link` shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkStats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
}

impl Link {
    pub fn new(name: impl Into<String>) -> Link {
        Link {
            index: None,
            name: name.into(),
            kind: None,
            mtu: None,
            mac: None,
            oper_state: None,
            admin_up: None,
            master: None,
            link_index: None,
            link_name: None,
            addrs: Vec::new(),
            vxlan: None,
            ipip: None,
            stats: None,
        }
    }

    /// Whether the link is usable: oper-state UP, or UNKNOWN with the UP flag (tunnels and loopback
    /// report UNKNOWN while passing traffic).
    pub fn is_up(&self) -> Option<bool> {
        match self.oper_state {
            Some(OperState::Up) => Some(true),
            Some(OperState::Unknown) => self.admin_up.or(Some(true)),
            Some(_) => Some(false),
            None => self.admin_up,
        }
    }

    pub fn has_addr(&self, ip: IpAddr) -> bool {
        self.addrs.iter().any(|a| a.addr == ip)
    }
}
