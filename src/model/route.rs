//! Routes of every table, with the fields Calico's checks compare: type, gateway, device, protocol
//! as a number, scope, onlink, metric and mtu.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// Route protocol numbers (`rtm_protocol`) and the names iproute2 gives them.
pub struct RouteProto;

impl RouteProto {
    pub const REDIRECT: u8 = 1;
    pub const KERNEL: u8 = 2;
    pub const BOOT: u8 = 3;
    pub const STATIC: u8 = 4;
    pub const RA: u8 = 9;
    pub const ZEBRA: u8 = 11;
    pub const BIRD: u8 = 12;
    pub const DHCP: u8 = 16;
    /// Calico Felix's private protocol number; iproute2 prints it as `proto 80`.
    pub const FELIX: u8 = 80;
    pub const BGP: u8 = 186;
    pub const ISIS: u8 = 187;
    pub const OSPF: u8 = 188;

    /// Number for an iproute2 protocol name or a decimal/hex number.
    pub fn parse(s: &str) -> Option<u8> {
        Some(match s {
            "redirect" => Self::REDIRECT,
            "kernel" => Self::KERNEL,
            "boot" => Self::BOOT,
            "static" => Self::STATIC,
            "gated" => 8,
            "ra" => Self::RA,
            "mrt" => 10,
            "zebra" => Self::ZEBRA,
            "bird" => Self::BIRD,
            "dnrouted" => 13,
            "xorp" => 14,
            "ntk" => 15,
            "dhcp" => Self::DHCP,
            "keepalived" => 18,
            "babel" => 42,
            "openr" => 99,
            "bgp" => Self::BGP,
            "isis" => Self::ISIS,
            "ospf" => Self::OSPF,
            "rip" => 189,
            "eigrp" => 192,
            "unspec" => 0,
            other => {
                if let Some(hex) = other.strip_prefix("0x") {
                    u8::from_str_radix(hex, 16).ok()?
                } else {
                    other.parse().ok()?
                }
            }
        })
    }

    /// The name iproute2 prints for a protocol number (numbers it has no name for print as digits).
    pub fn name(p: u8) -> String {
        match p {
            0 => "unspec".into(),
            Self::REDIRECT => "redirect".into(),
            Self::KERNEL => "kernel".into(),
            Self::BOOT => "boot".into(),
            Self::STATIC => "static".into(),
            Self::RA => "ra".into(),
            Self::ZEBRA => "zebra".into(),
            Self::BIRD => "bird".into(),
            Self::DHCP => "dhcp".into(),
            Self::BGP => "bgp".into(),
            Self::ISIS => "isis".into(),
            Self::OSPF => "ospf".into(),
            n => n.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteType {
    Unicast,
    Local,
    Broadcast,
    Anycast,
    Multicast,
    Blackhole,
    Unreachable,
    Prohibit,
    Throw,
    Nat,
    Other,
}

impl RouteType {
    pub fn parse(s: &str) -> Option<RouteType> {
        Some(match s {
            "unicast" => RouteType::Unicast,
            "local" => RouteType::Local,
            "broadcast" => RouteType::Broadcast,
            "anycast" => RouteType::Anycast,
            "multicast" => RouteType::Multicast,
            "blackhole" => RouteType::Blackhole,
            "unreachable" => RouteType::Unreachable,
            "prohibit" => RouteType::Prohibit,
            "throw" => RouteType::Throw,
            "nat" => RouteType::Nat,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            RouteType::Unicast => "unicast",
            RouteType::Local => "local",
            RouteType::Broadcast => "broadcast",
            RouteType::Anycast => "anycast",
            RouteType::Multicast => "multicast",
            RouteType::Blackhole => "blackhole",
            RouteType::Unreachable => "unreachable",
            RouteType::Prohibit => "prohibit",
            RouteType::Throw => "throw",
            RouteType::Nat => "nat",
            RouteType::Other => "other",
        }
    }
}

/// `rtm_scope`: 0 universe ("global"), 200 site, 253 link, 254 host, 255 nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RouteScope(pub u8);

impl RouteScope {
    pub const UNIVERSE: RouteScope = RouteScope(0);
    pub const SITE: RouteScope = RouteScope(200);
    pub const LINK: RouteScope = RouteScope(253);
    pub const HOST: RouteScope = RouteScope(254);
    pub const NOWHERE: RouteScope = RouteScope(255);

    pub fn parse(s: &str) -> Option<RouteScope> {
        Some(match s {
            "global" | "universe" => Self::UNIVERSE,
            "site" => Self::SITE,
            "link" => Self::LINK,
            "host" => Self::HOST,
            "nowhere" => Self::NOWHERE,
            n => RouteScope(n.parse().ok()?),
        })
    }

    pub fn name(&self) -> String {
        match self.0 {
            0 => "global".into(),
            200 => "site".into(),
            253 => "link".into(),
            254 => "host".into(),
            255 => "nowhere".into(),
            n => n.to_string(),
        }
    }
}

/// One path of a multipath route (`nexthop via … dev … weight 1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NextHop {
    pub gateway: Option<IpAddr>,
    pub dev: Option<String>,
    pub weight: Option<u16>,
    pub onlink: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Route {
    /// Table number: 254 main, 255 local, 253 default.
    pub table: u32,
    /// Destination; `default` is `0.0.0.0/0` or `::/0`.
    pub dst: IpNet,
    pub kind: RouteType,
    pub gateway: Option<IpAddr>,
    pub dev: Option<String>,
    /// Protocol number. iproute2 leaves `proto boot` (3) out of its output unless `-d` is given, so a
    /// text dump without `proto` means 3.
    pub protocol: Option<u8>,
    pub scope: Option<RouteScope>,
    pub onlink: bool,
    pub linkdown: bool,
    pub metric: Option<u32>,
    pub mtu: Option<u32>,
    pub src: Option<IpAddr>,
    /// Multipath next hops; empty for single-path routes.
    pub nexthops: Vec<NextHop>,
}

impl Route {
    pub const TABLE_MAIN: u32 = 254;
    pub const TABLE_LOCAL: u32 = 255;

    /// A unicast main-table route to `dst` with nothing else known.
    pub fn new(dst: IpNet) -> Route {
        Route {
            table: Self::TABLE_MAIN,
            dst,
            kind: RouteType::Unicast,
            gateway: None,
            dev: None,
            protocol: None,
            scope: None,
            onlink: false,
            linkdown: false,
            metric: None,
            mtu: None,
            src: None,
            nexthops: Vec::new(),
        }
    }

    pub fn is_main(&self) -> bool {
        self.table == Self::TABLE_MAIN
    }

    /// Every (gateway, device) pair the route can use: itself, or its multipath next hops.
    pub fn paths(&self) -> Vec<(Option<IpAddr>, Option<&str>)> {
        if self.nexthops.is_empty() {
            vec![(self.gateway, self.dev.as_deref())]
        } else {
            self.nexthops
                .iter()
                .map(|n| (n.gateway, n.dev.as_deref()))
                .collect()
        }
    }
}

impl std::fmt::Display for Route {
    /// iproute2's form, with the protocol always spelled out (as `ip -d route` does).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind != RouteType::Unicast {
            write!(f, "{} ", self.kind.as_str())?;
        }
        if self.dst.prefix_len() == 0 {
            write!(f, "default")?;
        } else {
            write!(f, "{}", self.dst)?;
        }
        if let Some(gw) = self.gateway {
            write!(f, " via {gw}")?;
        }
        if let Some(dev) = &self.dev {
            write!(f, " dev {dev}")?;
        }
        if self.table != Route::TABLE_MAIN {
            write!(f, " table {}", self.table)?;
        }
        if let Some(p) = self.protocol {
            write!(f, " proto {}", RouteProto::name(p))?;
        }
        if let Some(s) = self.scope {
            if s != RouteScope::UNIVERSE {
                write!(f, " scope {}", s.name())?;
            }
        }
        if let Some(src) = self.src {
            write!(f, " src {src}")?;
        }
        if let Some(m) = self.metric {
            write!(f, " metric {m}")?;
        }
        if self.onlink {
            write!(f, " onlink")?;
        }
        if self.linkdown {
            write!(f, " linkdown")?;
        }
        if let Some(m) = self.mtu {
            write!(f, " mtu {m}")?;
        }
        for nh in &self.nexthops {
            write!(f, " nexthop")?;
            if let Some(gw) = nh.gateway {
                write!(f, " via {gw}")?;
            }
            if let Some(dev) = &nh.dev {
                write!(f, " dev {dev}")?;
            }
            if nh.onlink {
                write!(f, " onlink")?;
            }
        }
        Ok(())
    }
}
