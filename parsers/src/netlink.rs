//! Pure conversion of rtnetlink messages (`netlink-packet-route` 0.34) into netdiag-core's model:
//! links, addresses, routes, neighbours and bridge FDB entries, plus decoding of raw dump bytes.
//! No I/O and no panics on any message: an attribute the kernel left out becomes `None`; a message
//! that cannot describe its object at all (a link without a name, a neighbour without an address)
//! is a [`ParseError`] naming the missing attribute, so the caller can skip it and say so.
//!
//! Interface indexes are turned into names through a lookup the caller builds from the link dump of
//! the same namespace ([`link_names`]); an index the lookup does not know prints as `if<N>`, as
//! iproute2 does, so a dangling reference stays visible instead of vanishing.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use netlink_packet_core::{NetlinkBuffer, NetlinkMessage, NetlinkPayload};
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{
    InfoData, InfoIpTunnel, InfoKind, InfoVxlan, LinkAttribute, LinkFlags, LinkInfo, LinkLayerType,
    LinkMessage, State,
};
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteMessage, RouteMetric, RouteNextHop,
    RouteNextHopFlags, RouteType as NlRouteType, RouteVia,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use netdiag_core::model::{
    FdbEntry, FdbState, IfAddr, IpipInfo, Link, LinkKind, LinkStats, MacAddr, NeighState,
    Neighbour, NextHop, OperState, Route, RouteScope, RouteType, VxlanInfo,
};

use crate::error::{Location, ParseError};

/// Index → name lookup for one network namespace (see [`link_names`]).
pub type Names<'a> = &'a dyn Fn(u32) -> Option<String>;

fn err(field: &str, message: impl Into<String>) -> ParseError {
    ParseError::new(Location::Input, field, message)
}

/// The name iproute2 would print for an interface index: its name, or `if<N>` when unknown.
fn dev_name(names: Names<'_>, index: u32) -> String {
    names(index).unwrap_or_else(|| format!("if{index}"))
}

/// A MAC from a link-layer address attribute. Other lengths (IPIP's 4-byte "addresses", InfiniBand's
/// 20 bytes) are not Ethernet MACs, so they are `None` rather than a truncated value.
fn mac(bytes: &[u8]) -> Option<MacAddr> {
    <[u8; 6]>::try_from(bytes).ok().map(MacAddr)
}

/// The kernel reports "any"/"unset" as 0.0.0.0 or :: in some attributes; the model says `None`.
fn specified(ip: IpAddr) -> Option<IpAddr> {
    (!ip.is_unspecified()).then_some(ip)
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(b) = <[u8; 4]>::try_from(bytes) {
        Some(IpAddr::V4(Ipv4Addr::from(b)))
    } else if let Ok(b) = <[u8; 16]>::try_from(bytes) {
        Some(IpAddr::V6(Ipv6Addr::from(b)))
    } else {
        None
    }
}

/// Index → name of every link in a dump. Build it from the whole link dump first: routes,
/// neighbours, masters and VXLAN parents refer to links by index only.
pub fn link_names(links: &[LinkMessage]) -> HashMap<u32, String> {
    links
        .iter()
        .filter_map(|l| {
            l.attributes.iter().find_map(|a| match a {
                LinkAttribute::IfName(n) => Some((l.header.index, n.clone())),
                _ => None,
            })
        })
        .collect()
}

fn oper_state(s: &State) -> Option<OperState> {
    Some(match s {
        State::Up => OperState::Up,
        State::Down => OperState::Down,
        State::LowerLayerDown => OperState::LowerLayerDown,
        State::Dormant => OperState::Dormant,
        State::NotPresent => OperState::NotPresent,
        State::Testing => OperState::Testing,
        State::Unknown => OperState::Unknown,
        // A state newer than this crate knows: unknown to us, not the kernel's "UNKNOWN".
        _ => return None,
    })
}

/// `RTM_NEWLINK` → [`Link`]. Addresses are not part of a link message: attach them with
/// [`attach_addrs`]. Fails only when the message has no IFLA_IFNAME.
pub fn link(msg: &LinkMessage, names: Names<'_>) -> Result<Link, ParseError> {
    let mut link = Link::new(String::new());
    let mut name = None;
    let mut iflink = None;
    // IFLA_LINK_NETNSID: IFLA_LINK / IFLA_VXLAN_LINK index another namespace's links, so looking
    // them up in this namespace's names would give a wrong (or another link's) name.
    let mut other_netns = false;
    let mut kind = None;
    let mut data = None;
    for attr in &msg.attributes {
        match attr {
            LinkAttribute::IfName(n) => name = Some(n.clone()),
            LinkAttribute::Mtu(m) => link.mtu = Some(*m),
            LinkAttribute::Address(b) => link.mac = mac(b),
            LinkAttribute::OperState(s) => link.oper_state = oper_state(s),
            LinkAttribute::Controller(i) if *i != 0 => link.master = Some(dev_name(names, *i)),
            LinkAttribute::Link(i) => iflink = Some(*i),
            LinkAttribute::LinkNetNsId(_) => other_netns = true,
            LinkAttribute::Stats64(st) => {
                link.stats = Some(LinkStats {
                    rx_packets: st.rx_packets,
                    tx_packets: st.tx_packets,
                    rx_bytes: st.rx_bytes,
                    tx_bytes: st.tx_bytes,
                    rx_errors: st.rx_errors,
                    tx_errors: st.tx_errors,
                    rx_dropped: st.rx_dropped,
                    tx_dropped: st.tx_dropped,
                })
            }
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    match info {
                        LinkInfo::Kind(k) => kind = Some(k),
                        LinkInfo::Data(d) => data = Some(d),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    link.name = name.ok_or_else(|| {
        err(
            "IFLA_IFNAME",
            format!("link {} has no name", msg.header.index),
        )
    })?;
    link.index = Some(msg.header.index);
    link.admin_up = Some(msg.header.flags.contains(LinkFlags::Up));
    link.kind = Some(match kind {
        Some(k) => LinkKind::from_kind(&k.to_string()),
        // `lo` has no IFLA_INFO_KIND; it is known by IFF_LOOPBACK / ARPHRD_LOOPBACK.
        None if msg.header.flags.contains(LinkFlags::Loopback)
            || msg.header.link_layer_type == LinkLayerType::Loopback =>
        {
            LinkKind::Loopback
        }
        None => LinkKind::Device,
    });
    // iproute2's `name@peer`: IFLA_LINK 0 is `@NONE` (tunl0), an index in another namespace is
    // `@if<N>`, otherwise the local name.
    match iflink {
        Some(0) => link.link_name = Some("NONE".to_string()),
        Some(i) => {
            link.link_index = Some(i);
            link.link_name = Some(if other_netns {
                format!("if{i}")
            } else {
                dev_name(names, i)
            });
        }
        None => {}
    }
    match (kind, data) {
        (_, Some(InfoData::Vxlan(attrs))) => {
            link.vxlan = Some(vxlan_info(attrs, names, other_netns));
        }
        (Some(InfoKind::IpIp), Some(InfoData::IpTunnel(attrs))) => {
            link.ipip = Some(ipip_info(attrs));
        }
        // A vxlan link whose data is missing still is a VXLAN device: say "nothing known".
        (Some(InfoKind::Vxlan), _) => link.vxlan = Some(VxlanInfo::default()),
        (Some(InfoKind::IpIp), _) => link.ipip = Some(IpipInfo::default()),
        _ => {}
    }
    Ok(link)
}

fn vxlan_info(attrs: &[InfoVxlan], names: Names<'_>, other_netns: bool) -> VxlanInfo {
    let mut v = VxlanInfo::default();
    for a in attrs {
        match a {
            InfoVxlan::Id(id) => v.vni = Some(*id),
            // IFLA_VXLAN_PORT is big-endian on the wire; netlink-packet-route already decodes it
            // with parse_u16_be, so this is the host-order port (4789), not 0xb512.
            InfoVxlan::Port(p) => v.port = Some(*p),
            InfoVxlan::Local(ip) => v.local = specified(IpAddr::V4(*ip)),
            InfoVxlan::Local6(ip) => v.local = specified(IpAddr::V6(*ip)),
            InfoVxlan::Group(ip) => v.remote = specified(IpAddr::V4(*ip)),
            InfoVxlan::Group6(ip) => v.remote = specified(IpAddr::V6(*ip)),
            InfoVxlan::Link(i) if *i != 0 => v.parent_index = Some(*i),
            InfoVxlan::Learning(l) => v.learning = Some(*l),
            _ => {}
        }
    }
    if !other_netns {
        v.parent_name = v.parent_index.and_then(names);
    }
    v
}

fn ipip_info(attrs: &[InfoIpTunnel]) -> IpipInfo {
    let mut info = IpipInfo::default();
    for a in attrs {
        match a {
            // The kernel always sends both; 0.0.0.0 is `any`.
            InfoIpTunnel::Local(ip) => info.local = Some(specified(*ip)),
            InfoIpTunnel::Remote(ip) => info.remote = Some(specified(*ip)),
            _ => {}
        }
    }
    info
}

/// `RTM_NEWADDR` → (interface index, [`IfAddr`]). IFA_LOCAL is the address itself; IFA_ADDRESS is
/// the peer on point-to-point links, so it is used only when IFA_LOCAL is absent (IPv6).
pub fn address(msg: &AddressMessage) -> Result<(u32, IfAddr), ParseError> {
    let mut local = None;
    let mut address = None;
    for attr in &msg.attributes {
        match attr {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            _ => {}
        }
    }
    let addr = local.or(address).ok_or_else(|| {
        err(
            "IFA_ADDRESS",
            format!(
                "address message for link {} has no address",
                msg.header.index
            ),
        )
    })?;
    Ok((
        msg.header.index,
        IfAddr {
            addr,
            prefix_len: msg.header.prefix_len,
            scope: Some(RouteScope(u8::from(msg.header.scope)).name()),
        },
    ))
}

/// Puts each address on the link with its index. Returns the addresses whose link is not in
/// `links` (a link that appeared between the two dumps), so the caller can mention them.
pub fn attach_addrs(
    links: &mut [Link],
    addrs: impl IntoIterator<Item = (u32, IfAddr)>,
) -> Vec<(u32, IfAddr)> {
    let mut orphans = Vec::new();
    for (index, addr) in addrs {
        match links.iter_mut().find(|l| l.index == Some(index)) {
            Some(l) => l.addrs.push(addr),
            None => orphans.push((index, addr)),
        }
    }
    orphans
}

fn route_type(t: NlRouteType) -> RouteType {
    match t {
        NlRouteType::Unicast => RouteType::Unicast,
        NlRouteType::Local => RouteType::Local,
        NlRouteType::Broadcast => RouteType::Broadcast,
        NlRouteType::Anycast => RouteType::Anycast,
        NlRouteType::Multicast => RouteType::Multicast,
        NlRouteType::BlackHole => RouteType::Blackhole,
        NlRouteType::Unreachable => RouteType::Unreachable,
        NlRouteType::Prohibit => RouteType::Prohibit,
        NlRouteType::Throw => RouteType::Throw,
        NlRouteType::Nat => RouteType::Nat,
        _ => RouteType::Other,
    }
}

fn route_addr(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(ip) => Some(IpAddr::V4(*ip)),
        RouteAddress::Inet6(ip) => Some(IpAddr::V6(*ip)),
        RouteAddress::Other(bytes) => ip_from_bytes(bytes),
        _ => None,
    }
}

/// RTA_VIA: a gateway of another family (an IPv4 route via an IPv6 next hop, RFC 5549).
fn via_addr(v: &RouteVia) -> Option<IpAddr> {
    match v {
        RouteVia::Inet(ip) => Some(IpAddr::V4(*ip)),
        RouteVia::Inet6(ip) => Some(IpAddr::V6(*ip)),
        _ => None,
    }
}

fn next_hop(nh: &RouteNextHop, names: Names<'_>) -> NextHop {
    let mut gateway = None;
    for attr in &nh.attributes {
        match attr {
            RouteAttribute::Gateway(a) => gateway = route_addr(a),
            RouteAttribute::Via(v) => gateway = via_addr(v),
            _ => {}
        }
    }
    NextHop {
        gateway,
        dev: (nh.interface_index != 0).then(|| dev_name(names, nh.interface_index)),
        // rtnh_hops is weight - 1; iproute2 prints `weight` = rtnh_hops + 1.
        weight: Some(u16::from(nh.hops) + 1),
        onlink: nh.flags.contains(RouteNextHopFlags::Onlink),
    }
}

/// `RTM_NEWROUTE` (IPv4 or IPv6) → [`Route`]. No RTA_DST means the default route (`0.0.0.0/0`,
/// `::/0`); RTA_TABLE wins over the 8-bit `rtm_table` (tables above 255 only fit there).
pub fn route(msg: &RouteMessage, names: Names<'_>) -> Result<Route, ParseError> {
    let h = &msg.header;
    let any: IpAddr = match h.address_family {
        AddressFamily::Inet => Ipv4Addr::UNSPECIFIED.into(),
        AddressFamily::Inet6 => Ipv6Addr::UNSPECIFIED.into(),
        other => {
            return Err(err(
                "rtm_family",
                format!("not an IPv4/IPv6 route (family {other:?})"),
            ))
        }
    };
    let mut dst = None;
    let mut r = Route::new(IpNet::default());
    r.table = u32::from(h.table);
    r.kind = route_type(h.kind);
    r.protocol = Some(u8::from(h.protocol));
    r.scope = Some(RouteScope(u8::from(h.scope)));
    r.onlink = h.flags.contains(RouteFlags::Onlink);
    r.linkdown = h.flags.contains(RouteFlags::Linkdown);
    for attr in &msg.attributes {
        match attr {
            RouteAttribute::Table(t) => r.table = *t,
            RouteAttribute::Destination(a) => {
                dst = Some(
                    route_addr(a)
                        .ok_or_else(|| err("RTA_DST", format!("not an IP destination: {a:?}")))?,
                );
            }
            RouteAttribute::Gateway(a) => r.gateway = route_addr(a),
            RouteAttribute::Via(v) => r.gateway = via_addr(v),
            RouteAttribute::Oif(i) if *i != 0 => r.dev = Some(dev_name(names, *i)),
            RouteAttribute::Priority(p) => r.metric = Some(*p),
            RouteAttribute::PrefSource(a) => r.src = route_addr(a),
            RouteAttribute::Metrics(ms) => {
                for m in ms {
                    if let RouteMetric::Mtu(mtu) = m {
                        r.mtu = Some(*mtu);
                    }
                }
            }
            RouteAttribute::MultiPath(hops) => {
                r.nexthops = hops.iter().map(|nh| next_hop(nh, names)).collect();
            }
            _ => {}
        }
    }
    let dst = dst.unwrap_or(any);
    r.dst = IpNet::new(dst, h.destination_prefix_length).map_err(|_| {
        err(
            "rtm_dst_len",
            format!(
                "prefix length {} too long for {dst}",
                h.destination_prefix_length
            ),
        )
    })?;
    if r.dst.addr().is_ipv4() != any.is_ipv4() {
        return Err(err(
            "RTA_DST",
            format!(
                "{dst} does not match the message's family {:?}",
                h.address_family
            ),
        ));
    }
    Ok(r)
}

/// `RTM_NEWNEIGH` of family AF_INET/AF_INET6 → [`Neighbour`] (ARP/NDP). AF_BRIDGE messages are FDB
/// entries: see [`fdb_entry`].
pub fn neighbour(msg: &NeighbourMessage, names: Names<'_>) -> Result<Neighbour, ParseError> {
    let h = &msg.header;
    if !matches!(h.family, AddressFamily::Inet | AddressFamily::Inet6) {
        return Err(err(
            "ndm_family",
            format!("not an IPv4/IPv6 neighbour (family {:?})", h.family),
        ));
    }
    let mut ip = None;
    let mut lladdr = None;
    for attr in &msg.attributes {
        match attr {
            NeighbourAttribute::Destination(NeighbourAddress::Inet(a)) => ip = Some(IpAddr::V4(*a)),
            NeighbourAttribute::Destination(NeighbourAddress::Inet6(a)) => {
                ip = Some(IpAddr::V6(*a))
            }
            NeighbourAttribute::Destination(NeighbourAddress::Other(b)) => ip = ip_from_bytes(b),
            NeighbourAttribute::LinkLayerAddress(b) => lladdr = mac(b),
            _ => {}
        }
    }
    let ip = ip.ok_or_else(|| {
        err(
            "NDA_DST",
            format!("neighbour on link {} has no IP address", h.ifindex),
        )
    })?;
    Ok(Neighbour {
        ip,
        mac: lladdr,
        dev: dev_name(names, h.ifindex),
        // The state is a bit set; netlink-packet-route models it as an enum with `Other(bits)` for
        // combinations, so go back to the raw bits.
        state: Some(NeighState(u16::from(h.state))),
        router: h.flags.contains(NeighbourFlags::Router),
        proxy: h.flags.contains(NeighbourFlags::Proxy),
    })
}

/// `RTM_NEWNEIGH` of family AF_BRIDGE → [`FdbEntry`] (`bridge fdb`). NUD_PERMANENT is `permanent`,
/// NUD_NOARP `static`, anything else learnt (`Dynamic`), as `bridge fdb show` prints them.
pub fn fdb_entry(msg: &NeighbourMessage, names: Names<'_>) -> Result<FdbEntry, ParseError> {
    let h = &msg.header;
    if h.family != AddressFamily::Bridge {
        return Err(err(
            "ndm_family",
            format!("not a bridge FDB entry (family {:?})", h.family),
        ));
    }
    let mut lladdr = None;
    let mut dst = None;
    let mut vlan = None;
    let mut vni = None;
    let mut port = None;
    let mut master = None;
    for attr in &msg.attributes {
        match attr {
            NeighbourAttribute::LinkLayerAddress(b) => lladdr = mac(b),
            // With family AF_BRIDGE the crate cannot know NDA_DST's family and keeps raw bytes.
            NeighbourAttribute::Destination(NeighbourAddress::Other(b)) => dst = ip_from_bytes(b),
            NeighbourAttribute::Destination(NeighbourAddress::Inet(a)) => {
                dst = Some(IpAddr::V4(*a))
            }
            NeighbourAttribute::Destination(NeighbourAddress::Inet6(a)) => {
                dst = Some(IpAddr::V6(*a))
            }
            NeighbourAttribute::Vlan(v) => vlan = Some(*v),
            NeighbourAttribute::Vni(v) => vni = Some(*v),
            // NDA_PORT is big-endian on the wire; the crate decodes it to host order.
            NeighbourAttribute::Port(p) => port = Some(*p),
            NeighbourAttribute::Controller(i) if *i != 0 => master = Some(dev_name(names, *i)),
            _ => {}
        }
    }
    let mac = lladdr.ok_or_else(|| {
        err(
            "NDA_LLADDR",
            format!("FDB entry on link {} has no Ethernet address", h.ifindex),
        )
    })?;
    // The bridge does not set NTF_MASTER in its dumps; an entry of its table is known by
    // NDA_MASTER (that is where `bridge fdb show` gets `master br0`).
    let is_master = h.flags.contains(NeighbourFlags::Controller) || master.is_some();
    let bits = NeighState(u16::from(h.state));
    let state = if bits.has(NeighState::PERMANENT) {
        FdbState::Permanent
    } else if bits.has(NeighState::NOARP) {
        FdbState::Static
    } else {
        FdbState::Dynamic
    };
    Ok(FdbEntry {
        mac,
        dev: dev_name(names, h.ifindex),
        dst,
        vlan,
        vni,
        port,
        master,
        is_self: h.flags.contains(NeighbourFlags::Own),
        is_master,
        state: Some(state),
    })
}

/// Decodes a byte stream of netlink messages as a dump returns them (each `nlmsghdr` + payload,
/// 4-byte aligned) into rtnetlink messages. Stops at NLMSG_DONE; an NLMSG_ERROR with a non-zero
/// code or a malformed message is an error naming its byte offset.
pub fn decode_dump(bytes: &[u8]) -> Result<Vec<RouteNetlinkMessage>, ParseError> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        let len = NetlinkBuffer::new_checked(rest)
            .map_err(|e| err("nlmsghdr", format!("at byte {offset}: {e}")))?
            .length() as usize;
        let msg = NetlinkMessage::<RouteNetlinkMessage>::deserialize(rest)
            .map_err(|e| err("nlmsghdr", format!("at byte {offset}: {e}")))?;
        match msg.payload {
            NetlinkPayload::InnerMessage(m) => out.push(m),
            NetlinkPayload::Done(_) => break,
            NetlinkPayload::Error(e) if e.code.is_some() => {
                return Err(err("nlmsgerr", format!("at byte {offset}: {}", errno(&e))));
            }
            _ => {}
        }
        // new_checked guarantees len >= the header size, so this always advances.
        offset = offset.saturating_add(len.saturating_add(3) & !3);
    }
    Ok(out)
}

/// An NLMSG_ERROR's code as the OS error it names (`No such file or directory (os error 2)`).
/// Not `ErrorMessage`'s own Display: it takes `abs()` of the code, which overflows (a panic in a
/// debug build) on a code of i32::MIN — found by the `netlink` fuzz target.
fn errno(e: &netlink_packet_core::ErrorMessage) -> String {
    let code = e.raw_code();
    match i32::try_from(code.unsigned_abs()) {
        Ok(n) => std::io::Error::from_raw_os_error(n).to_string(),
        Err(_) => format!("error code {code}"),
    }
}

mod route_bytes;
pub use route_bytes::{
    route_bytes_disagree, route_dump_batch, route_dump_request, route_from_bytes, Batch, DumpEnd,
};

#[cfg(test)]
mod tests;
