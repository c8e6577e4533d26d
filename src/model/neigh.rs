//! Neighbour (ARP/NDP) entries and bridge FDB entries.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::MacAddr;

/// NUD state flags (`ndm_state`), as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NeighState(pub u16);

impl NeighState {
    pub const INCOMPLETE: u16 = 0x01;
    pub const REACHABLE: u16 = 0x02;
    pub const STALE: u16 = 0x04;
    pub const DELAY: u16 = 0x08;
    pub const PROBE: u16 = 0x10;
    pub const FAILED: u16 = 0x20;
    pub const NOARP: u16 = 0x40;
    pub const PERMANENT: u16 = 0x80;

    const NAMES: [(u16, &'static str); 8] = [
        (Self::INCOMPLETE, "INCOMPLETE"),
        (Self::REACHABLE, "REACHABLE"),
        (Self::STALE, "STALE"),
        (Self::DELAY, "DELAY"),
        (Self::PROBE, "PROBE"),
        (Self::FAILED, "FAILED"),
        (Self::NOARP, "NOARP"),
        (Self::PERMANENT, "PERMANENT"),
    ];

    /// The flag for one iproute2 state word (`PERMANENT`, `reachable`, …); `NONE` is 0.
    pub fn flag(word: &str) -> Option<u16> {
        let up = word.to_ascii_uppercase();
        if up == "NONE" {
            return Some(0);
        }
        Self::NAMES.iter().find(|(_, n)| *n == up).map(|(f, _)| *f)
    }

    pub fn has(&self, flag: u16) -> bool {
        self.0 & flag != 0
    }

    pub fn is_permanent(&self) -> bool {
        self.has(Self::PERMANENT)
    }

    /// A neighbour that cannot resolve: INCOMPLETE or FAILED.
    pub fn is_unresolved(&self) -> bool {
        self.has(Self::INCOMPLETE) || self.has(Self::FAILED)
    }

    pub fn names(&self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(f, _)| self.0 & f != 0)
            .map(|(_, n)| *n)
            .collect()
    }
}

impl std::fmt::Display for NeighState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = self.names();
        if names.is_empty() {
            write!(f, "NONE")
        } else {
            write!(f, "{}", names.join(","))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Neighbour {
    pub ip: IpAddr,
    pub mac: Option<MacAddr>,
    pub dev: String,
    /// `None` when the dump did not state it.
    pub state: Option<NeighState>,
    pub router: bool,
    pub proxy: bool,
}

/// How an FDB entry is held: `permanent`, `static`, or learnt (dynamic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FdbState {
    Permanent,
    Static,
    Dynamic,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FdbEntry {
    pub mac: MacAddr,
    pub dev: String,
    /// VXLAN remote (`dst 10.0.0.2`).
    pub dst: Option<IpAddr>,
    pub vlan: Option<u16>,
    pub vni: Option<u32>,
    pub port: Option<u16>,
    /// The bridge this entry belongs to (`master br0`).
    pub master: Option<String>,
    /// NTF_SELF: the entry is in the device's own table (VXLAN FDB).
    pub is_self: bool,
    /// NTF_MASTER: the entry is in the master bridge's table.
    pub is_master: bool,
    pub state: Option<FdbState>,
}

impl std::fmt::Display for Neighbour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} dev {}", self.ip, self.dev)?;
        if let Some(mac) = self.mac {
            write!(f, " lladdr {mac}")?;
        }
        if self.router {
            write!(f, " router")?;
        }
        if self.proxy {
            write!(f, " proxy")?;
        }
        if let Some(s) = self.state {
            write!(f, " {s}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for FdbEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} dev {}", self.mac, self.dev)?;
        if let Some(dst) = self.dst {
            write!(f, " dst {dst}")?;
        }
        if let Some(v) = self.vlan {
            write!(f, " vlan {v}")?;
        }
        if let Some(m) = &self.master {
            write!(f, " master {m}")?;
        }
        if self.is_self {
            write!(f, " self")?;
        }
        match self.state {
            Some(FdbState::Permanent) => write!(f, " permanent")?,
            Some(FdbState::Static) => write!(f, " static")?,
            _ => {}
        }
        Ok(())
    }
}
