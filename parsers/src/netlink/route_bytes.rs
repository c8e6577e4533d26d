//! A route dump read straight from the socket's bytes into [`Route`]s: the hot path of collecting
//! a node with 100 000 routes. netlink-packet-route builds a `RouteMessage` with a `Vec` of every
//! attribute for each route before [`super::route`] picks the ten fields netdiag uses; that was
//! about 60 % of `show state`'s user time. Here each `RTM_NEWROUTE` is walked once and only those
//! fields are read.
//!
//! The result is held to [`super::route`] on netlink-packet-route's parse (the unit tests on the
//! captured dumps, and the `netlink_route_bytes` fuzz target on any bytes): whenever that path
//! yields a route, this one yields the same route; whenever it refuses a message it could parse,
//! this one refuses it too. It is more lenient in one way only: an attribute netdiag never reads
//! (RTA_CACHEINFO, RTA_EXPIRES, a metric other than the MTU) is not validated, so one odd field
//! the kernel added cannot cost a route.
//!
//! Layouts are the kernel's (`include/uapi/linux/netlink.h`, `rtnetlink.h`), in host byte order.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use netdiag_core::model::{NextHop, Route, RouteScope, RouteType};

use super::{dev_name, err, Names};
use crate::error::ParseError;

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP_INTR: u16 = 0x10;
const NLM_F_DUMP: u16 = 0x300;

/// `struct rtmsg`.
const RTMSG_LEN: usize = 12;
/// `struct rtnexthop`.
const RTNH_LEN: usize = 8;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const RTNH_F_ONLINK: u32 = 4;
const RTNH_F_LINKDOWN: u32 = 16;

const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_PRIORITY: u16 = 6;
const RTA_PREFSRC: u16 = 7;
const RTA_METRICS: u16 = 8;
const RTA_MULTIPATH: u16 = 9;
const RTA_TABLE: u16 = 15;
const RTA_VIA: u16 = 18;
const RTAX_MTU: u16 = 2;
/// The attribute type without NLA_F_NESTED and NLA_F_NET_BYTEORDER.
const NLA_TYPE_MASK: u16 = 0x3fff;

/// The request `ip route show table all` sends: RTM_GETROUTE with NLM_F_DUMP for one family, with
/// rtm_table 0 (RT_TABLE_UNSPEC) and no RTA_TABLE, so every table comes back.
pub fn route_dump_request(family: u8, seq: u32) -> [u8; NLMSG_HDRLEN + RTMSG_LEN] {
    let mut req = [0u8; NLMSG_HDRLEN + RTMSG_LEN];
    req[0..4].copy_from_slice(&((NLMSG_HDRLEN + RTMSG_LEN) as u32).to_ne_bytes());
    req[4..6].copy_from_slice(&RTM_GETROUTE.to_ne_bytes());
    req[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    req[8..12].copy_from_slice(&seq.to_ne_bytes());
    req[NLMSG_HDRLEN] = family;
    req
}

/// How one buffer of a dump ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpEnd {
    /// No NLMSG_DONE yet: read the next buffer.
    More,
    /// NLMSG_DONE: the dump is complete.
    Done,
    /// NLMSG_ERROR (or a NLMSG_DONE carrying an error): the kernel refused the dump; the errno.
    Failed(i32),
}

/// What [`route_dump_batch`] found in one buffer besides the routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    pub end: DumpEnd,
    /// A message carried NLM_F_DUMP_INTR: the table changed while it was dumped, so the dump may
    /// be inconsistent (iproute2 warns "Dump was interrupted and may be inconsistent").
    pub interrupted: bool,
}

/// Walks one buffer of a route dump (what one `recv` returned: whole netlink messages, 4-byte
/// aligned) and hands every `RTM_NEWROUTE` of `family` to `each`, converted, or the reason it could
/// not be. Messages of another sequence number or family are left out (a kernel without IPv6
/// answers an IPv6 dump with every family). A malformed `nlmsghdr` is an error: the rest of the
/// buffer cannot be found.
pub fn route_dump_batch(
    buf: &[u8],
    seq: u32,
    family: u8,
    names: Names<'_>,
    mut each: impl FnMut(Result<Route, ParseError>),
) -> Result<Batch, ParseError> {
    let mut batch = Batch {
        end: DumpEnd::More,
        interrupted: false,
    };
    let mut offset = 0;
    while offset < buf.len() {
        let rest = &buf[offset..];
        let Some(hdr) = rest.get(..NLMSG_HDRLEN) else {
            return Err(err(
                "nlmsghdr",
                format!(
                    "at byte {offset}: {} bytes left, a header needs {NLMSG_HDRLEN}",
                    rest.len()
                ),
            ));
        };
        let len = u32_at(hdr, 0) as usize;
        if len < NLMSG_HDRLEN || len > rest.len() {
            return Err(err(
                "nlmsghdr",
                format!(
                    "at byte {offset}: message length {len} outside {NLMSG_HDRLEN}..={}",
                    rest.len()
                ),
            ));
        }
        let kind = u16::from_ne_bytes([hdr[4], hdr[5]]);
        let flags = u16::from_ne_bytes([hdr[6], hdr[7]]);
        let payload = &rest[NLMSG_HDRLEN..len];
        offset += (len + 3) & !3;
        if u32_at(hdr, 8) != seq {
            continue;
        }
        batch.interrupted |= flags & NLM_F_DUMP_INTR != 0;
        match kind {
            RTM_NEWROUTE if payload.first() == Some(&family) => {
                each(route_from_bytes(payload, names));
            }
            NLMSG_DONE => {
                // The kernel appends the dump's final status (0, or -errno) to NLMSG_DONE.
                let code = payload.get(..4).map_or(0, |b| u32_at(b, 0) as i32);
                batch.end = if code < 0 {
                    DumpEnd::Failed(code.saturating_neg())
                } else {
                    DumpEnd::Done
                };
                return Ok(batch);
            }
            NLMSG_ERROR => {
                let code = payload.get(..4).map_or(0, |b| u32_at(b, 0) as i32);
                if code != 0 {
                    batch.end = DumpEnd::Failed(code.saturating_neg());
                    return Ok(batch);
                }
            }
            // NLMSG_NOOP, another family's route, anything else: nothing to read.
            _ => {}
        }
    }
    Ok(batch)
}

/// One `RTM_NEWROUTE` payload (`struct rtmsg` + attributes) → [`Route`], as [`super::route`] reads
/// netlink-packet-route's message: no RTA_DST is the default route, RTA_TABLE wins over rtm_table,
/// the last of a repeated attribute wins.
pub fn route_from_bytes(payload: &[u8], names: Names<'_>) -> Result<Route, ParseError> {
    let Some(h) = payload.get(..RTMSG_LEN) else {
        return Err(err(
            "rtmsg",
            format!(
                "{} bytes, a route message header needs {RTMSG_LEN}",
                payload.len()
            ),
        ));
    };
    let family = h[0];
    let addr_len = match family {
        AF_INET => 4,
        AF_INET6 => 16,
        other => {
            return Err(err(
                "rtm_family",
                format!("not an IPv4/IPv6 route (family {other})"),
            ))
        }
    };
    let mut r = Route::new(IpNet::default());
    r.table = u32::from(h[4]);
    r.protocol = Some(h[5]);
    r.scope = Some(RouteScope(h[6]));
    r.kind = route_type(h[7]);
    let flags = u32_at(h, 8);
    r.onlink = flags & RTNH_F_ONLINK != 0;
    r.linkdown = flags & RTNH_F_LINKDOWN != 0;
    let mut dst = None;
    for attr in attrs(&payload[RTMSG_LEN..]) {
        let (kind, value) = attr?;
        match kind {
            RTA_TABLE => r.table = u32_of(value, "RTA_TABLE")?,
            RTA_DST => dst = Some(addr(value, addr_len, "RTA_DST")?),
            RTA_GATEWAY => r.gateway = Some(addr(value, addr_len, "RTA_GATEWAY")?),
            RTA_VIA => r.gateway = via(value)?,
            RTA_OIF => {
                let i = u32_of(value, "RTA_OIF")?;
                if i != 0 {
                    r.dev = Some(dev_name(names, i));
                }
            }
            RTA_PRIORITY => r.metric = Some(u32_of(value, "RTA_PRIORITY")?),
            RTA_PREFSRC => r.src = Some(addr(value, addr_len, "RTA_PREFSRC")?),
            RTA_METRICS => {
                for m in attrs(value) {
                    let (kind, value) = m.map_err(|e| in_attr(e, "RTA_METRICS"))?;
                    if kind == RTAX_MTU {
                        r.mtu = Some(u32_of(value, "RTAX_MTU")?);
                    }
                }
            }
            RTA_MULTIPATH => r.nexthops = next_hops(value, addr_len, names)?,
            _ => {}
        }
    }
    let dst = dst.unwrap_or(if addr_len == 4 {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    });
    r.dst = IpNet::new(dst, h[1]).map_err(|_| {
        err(
            "rtm_dst_len",
            format!("prefix length {} too long for {dst}", h[1]),
        )
    })?;
    Ok(r)
}

/// RTA_MULTIPATH: `struct rtnexthop`s, each followed by its own attributes (only RTA_GATEWAY and
/// RTA_VIA matter here). Lengths are taken as the kernel writes them, unaligned.
fn next_hops(
    mut buf: &[u8],
    addr_len: usize,
    names: Names<'_>,
) -> Result<Vec<NextHop>, ParseError> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let Some(h) = buf.get(..RTNH_LEN) else {
            return Err(err(
                "RTA_MULTIPATH",
                format!("{} bytes left, a next hop needs {RTNH_LEN}", buf.len()),
            ));
        };
        let len = usize::from(u16::from_ne_bytes([h[0], h[1]]));
        if len < RTNH_LEN || len > buf.len() {
            return Err(err(
                "RTA_MULTIPATH",
                format!("next hop length {len} outside {RTNH_LEN}..={}", buf.len()),
            ));
        }
        let mut gateway = None;
        for attr in attrs(&buf[RTNH_LEN..len]) {
            let (kind, value) = attr.map_err(|e| in_attr(e, "RTA_MULTIPATH"))?;
            match kind {
                RTA_GATEWAY => gateway = Some(addr(value, addr_len, "RTA_GATEWAY")?),
                RTA_VIA => gateway = via(value)?,
                _ => {}
            }
        }
        let index = u32_at(h, 4);
        out.push(NextHop {
            gateway,
            dev: (index != 0).then(|| dev_name(names, index)),
            // rtnh_hops is weight - 1; iproute2 prints `weight` = rtnh_hops + 1.
            weight: Some(u16::from(h[3]) + 1),
            onlink: u32::from(h[2]) & RTNH_F_ONLINK != 0,
        });
        buf = &buf[len..];
    }
    Ok(out)
}

/// The attributes (`struct rtattr`: u16 length, u16 type, value, padded to 4) of a buffer, as
/// `(type without flags, value)`. A header that does not fit ends the walk with an error.
fn attrs(buf: &[u8]) -> impl Iterator<Item = Result<(u16, &[u8]), ParseError>> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let rest = buf.get(pos..).filter(|r| !r.is_empty())?;
        let len = rest
            .get(..2)
            .map_or(0, |b| usize::from(u16::from_ne_bytes([b[0], b[1]])));
        if rest.len() < 4 || len < 4 || len > rest.len() {
            pos = buf.len();
            return Some(Err(err(
                "rtattr",
                format!(
                    "attribute length {len} with {} bytes left (needs 4..=left)",
                    rest.len()
                ),
            )));
        }
        let kind = u16::from_ne_bytes([rest[2], rest[3]]) & NLA_TYPE_MASK;
        pos += (len + 3) & !3;
        Some(Ok((kind, &rest[4..len])))
    })
}

fn in_attr(mut e: ParseError, attr: &str) -> ParseError {
    e.field = format!("{attr}.{}", e.field);
    e
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u32_of(value: &[u8], field: &str) -> Result<u32, ParseError> {
    match <[u8; 4]>::try_from(value) {
        Ok(b) => Ok(u32::from_ne_bytes(b)),
        Err(_) => Err(err(field, format!("{} bytes, expected 4", value.len()))),
    }
}

/// An address attribute of the route's own family: exactly 4 or 16 bytes.
fn addr(value: &[u8], len: usize, field: &str) -> Result<IpAddr, ParseError> {
    if value.len() != len {
        return Err(err(
            field,
            format!("{} bytes, expected {len} for this family", value.len()),
        ));
    }
    Ok(if len == 4 {
        IpAddr::from(<[u8; 4]>::try_from(value).unwrap_or_default())
    } else {
        IpAddr::from(<[u8; 16]>::try_from(value).unwrap_or_default())
    })
}

/// RTA_VIA (`struct rtvia`: a family, then an address of that family): a gateway of another family
/// (an IPv4 route via an IPv6 next hop, RFC 5549). A family that is not IP (AF_PACKET) is no
/// gateway, as netlink-packet-route reads it.
fn via(value: &[u8]) -> Result<Option<IpAddr>, ParseError> {
    if value.len() < 2 {
        return Err(err(
            "RTA_VIA",
            format!("{} bytes, needs at least 2", value.len()),
        ));
    }
    // rtvia_family is a u16; its low byte is the family (as netlink-packet-route reads it).
    let family = u16::from_ne_bytes([value[0], value[1]]) as u8;
    match family {
        AF_INET => addr(&value[2..], 4, "RTA_VIA").map(Some),
        AF_INET6 => addr(&value[2..], 16, "RTA_VIA").map(Some),
        _ => Ok(None),
    }
}

/// `rtm_type` → [`RouteType`] (`RTN_*`).
fn route_type(t: u8) -> RouteType {
    match t {
        1 => RouteType::Unicast,
        2 => RouteType::Local,
        3 => RouteType::Broadcast,
        4 => RouteType::Anycast,
        5 => RouteType::Multicast,
        6 => RouteType::Blackhole,
        7 => RouteType::Unreachable,
        8 => RouteType::Prohibit,
        9 => RouteType::Throw,
        10 => RouteType::Nat,
        _ => RouteType::Other,
    }
}

/// The differential check of this module against netlink-packet-route + [`super::route`], on one
/// whole netlink message (header and payload), for the unit tests and the `netlink_route_bytes`
/// fuzz target: `Some(why)` when the two disagree. They must agree whenever netlink-packet-route
/// parses the message; when it cannot, this reader may still read the route (it skips attributes
/// netdiag does not use) or refuse it.
pub fn route_bytes_disagree(msg: &[u8]) -> Option<String> {
    use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
    use netlink_packet_route::RouteNetlinkMessage;

    let names = |i: u32| (i % 2 == 1).then(|| format!("eth{i}"));
    let len = msg.get(..4).map(|b| u32_at(b, 0) as usize)?;
    let kind = u16::from_ne_bytes([*msg.get(4)?, *msg.get(5)?]);
    if kind != RTM_NEWROUTE || len < NLMSG_HDRLEN || len > msg.len() {
        return None;
    }
    let ours = route_from_bytes(&msg[NLMSG_HDRLEN..len], &names);
    let Ok(parsed) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&msg[..len]) else {
        return None;
    };
    let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewRoute(m)) = parsed.payload else {
        return None;
    };
    let theirs = super::route(&m, &names);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) if a == b => None,
        (Err(_), Err(_)) => None,
        _ => Some(format!(
            "route_from_bytes gave {ours:?}, netlink-packet-route + route() gave {theirs:?}"
        )),
    }
}
