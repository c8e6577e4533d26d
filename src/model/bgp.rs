//! BGP session state as BIRD reports it over its control socket (`show protocols all`, `show
//! route`): the protocols with their state, neighbour, AS numbers and last error, and the routes
//! BIRD holds with the protocol that brought each one. Read-only evidence for `expect::bgp`.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// What was learned from BIRD for one node, or why nothing could be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BgpState {
    /// Where it came from: `socket /var/run/calico/bird.ctl`, `file …/bird-protocols.txt`.
    pub source: String,
    /// Why BIRD could not be read (no socket, connection refused, no file): the BGP checks are
    /// then "not checked" with this reason — an absence is never a finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// BIRD's version from the greeting (`2.0.12`, `v0.3.3+birdv1.6.8`), when seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub protocols: Vec<BirdProtocol>,
    /// `show route`: None when not collected (the imported-routes check is then not made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<BirdRoute>>,
    /// Calico's BIRD 1.6 fork runs a second daemon for IPv6, `bird6`, on its own socket
    /// (`bird6.ctl` beside `bird.ctl`): where its protocols and routes (merged into the two lists
    /// above) came from, when it was read. `None`: IPv6 sessions were not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_source: Option<String>,
    /// bird6's socket (or file) exists but could not be read, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_unavailable: Option<String>,
    /// bird6's `show route` is in `routes` too (IPv6 sessions' imports can be compared).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ipv6_routes: bool,
}

impl BgpState {
    /// Adds bird6's state (`v6`, read from its own socket or file) to this one, bird's.
    pub fn merge_ipv6(&mut self, v6: BgpState) {
        match v6.unavailable {
            Some(why) => self.ipv6_unavailable = Some(why),
            None => {
                self.ipv6_source = Some(v6.source);
                self.protocols.extend(v6.protocols);
                if let (Some(mine), Some(theirs)) = (&mut self.routes, v6.routes) {
                    mine.extend(theirs);
                    self.ipv6_routes = true;
                }
            }
        }
    }
}

/// One line of `show protocols` with the details `show protocols all` adds under it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BirdProtocol {
    /// `Mesh_10_10_10_12`, `Node_…`, `Global_…` for Calico's BGP peers; `kernel1`, `static1` …
    pub name: String,
    /// `BGP`, `Kernel`, `Static`, `Device`, `Direct`.
    pub proto: String,
    /// `up`, `start`, `down` (BIRD's protocol state).
    pub state: String,
    /// The "since" column: a time of day (`00:48:39.647`), a date, or both.
    pub since: String,
    /// The info column: for BGP the session state and, when down, the last error
    /// (`Established`, `Active  Socket: Connection refused`).
    pub info: String,
    /// `BGP state:` (Established, Idle, Connect, Active, OpenSent, OpenConfirm, Passive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgp_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbor: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbor_as: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_as: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// `Routes: N imported, M exported, …` (BIRD 1.6 per protocol, BIRD 2 per channel, summed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes_imported: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes_exported: Option<u32>,
}

impl BirdProtocol {
    pub fn is_bgp(&self) -> bool {
        self.proto.eq_ignore_ascii_case("bgp")
    }

    /// The session state: `BGP state:` when detailed, else the info column's first word.
    pub fn session_state(&self) -> &str {
        self.bgp_state
            .as_deref()
            .or_else(|| self.info.split_whitespace().next())
            .unwrap_or("")
    }

    pub fn established(&self) -> bool {
        self.state == "up" && self.session_state().eq_ignore_ascii_case("established")
    }

    /// The peer type and address Calico encodes in the name (`Mesh_10_0_0_2` → mesh, 10.0.0.2;
    /// `Mesh_fd00__2` → fd00::2), as calicoctl's `bgpPeerRegex` reads it.
    /// The neighbour address from `show protocols all` wins over the name's when both are known
    /// (a bundle redacted by address rewrites the address, not the name's underscore form).
    pub fn calico_peer(&self) -> Option<(&str, IpAddr)> {
        let (kind, rest) = self.name.split_once('_')?;
        if !matches!(kind, "Mesh" | "Node" | "Global") {
            return None;
        }
        if let Some(ip) = self.neighbor {
            return Some((kind, ip));
        }
        let ip = rest
            .replace('_', ".")
            .parse()
            .ok()
            .or_else(|| rest.replace('_', ":").parse().ok())?;
        Some((kind, ip))
    }
}

/// One route of `show route`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BirdRoute {
    pub prefix: IpNet,
    /// `unicast`, `blackhole`, `unreachable`, `prohibit` (BIRD 1.6 writes `via …` for unicast).
    pub kind: String,
    /// The protocol in brackets: `Mesh_10_10_10_10`, `kernel1`, `static1`.
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `from A.B.C.D`: the BGP peer that sent it, when not the next hop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<IpAddr>,
    /// Marked `*`: the route BIRD selected (and exports to the kernel).
    pub primary: bool,
}
