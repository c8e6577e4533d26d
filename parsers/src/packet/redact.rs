//! Redacting a captured frame for a support bundle: every IP address in its headers — outer,
//! inner (VXLAN, IPIP), ARP, and the header an ICMP error quotes — replaced through the caller's
//! mapping, and everything after the innermost transport header cut off, since application data
//! (DNS answers, HTTP headers) can hold addresses and names in any form.
//!
//! IPv4 header checksums are recomputed, so the headers stay valid. TCP/UDP/ICMPv6 checksums get
//! the pseudo-header change (RFC 1624 incremental update); they cover the payload that is cut, so
//! a reader cannot verify them anyway (Wireshark says "unverified" for a cut packet).
//! MAC addresses are kept, as in the rest of a bundle (the VTEP checks compare them with the
//! node's neighbours and FDB) — though Docker, kind and the lab derive a MAC from an IP address.

use std::net::IpAddr;

use netdiag_core::model::packet::LinkType;

use super::{be16, ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_QINQ, ETH_VLAN};

/// Rewrites `frame`'s addresses with `map`; returns how many of its bytes to keep.
pub fn redact_frame(
    link: LinkType,
    frame: &mut [u8],
    vxlan_ports: &[u16],
    map: &mut dyn FnMut(IpAddr) -> IpAddr,
) -> usize {
    let mut r = Redact {
        f: frame,
        link,
        ports: vxlan_ports,
        map,
    };
    let end = match r.link() {
        Some((Some(ETH_ARP), at)) => r.arp(at),
        Some((Some(ETH_IPV4 | ETH_IPV6) | None, at)) => r.ip(at, 0),
        Some((Some(_), at)) => at,
        None => 0,
    };
    end.min(r.f.len())
}

/// Tunnels inside tunnels are not followed further than this (and a quoted header never is).
const MAX_DEPTH: u8 = 2;

struct Redact<'a, 'm> {
    f: &'a mut [u8],
    link: LinkType,
    ports: &'a [u16],
    map: &'m mut dyn FnMut(IpAddr) -> IpAddr,
}

impl Redact<'_, '_> {
    /// The ether type (none for raw IP) and where the network header starts.
    fn link(&self) -> Option<(Option<u16>, usize)> {
        let f = &*self.f;
        Some(match self.link {
            LinkType::Ethernet => {
                let (mut et, mut at) = (be16(f, 12)?, 14);
                for _ in 0..2 {
                    if et != ETH_VLAN && et != ETH_QINQ {
                        break;
                    }
                    et = be16(f, at + 2)?;
                    at += 4;
                }
                (Some(et), at)
            }
            LinkType::LinuxSll => (Some(be16(f, 14)?), 16),
            LinkType::LinuxSll2 => (Some(be16(f, 0)?), 20),
            LinkType::RawIp => (None, 0),
        })
    }

    /// An IP packet at `at`: its addresses, then what it carries. Returns the end of what is kept.
    fn ip(&mut self, at: usize, depth: u8) -> usize {
        let Some(h) = self.ip_header(at) else {
            // Not a readable IP header: cut before it (it may still hold addresses).
            return at;
        };
        if h.later_fragment {
            return h.payload;
        }
        self.transport(&h, depth)
    }

    /// Rewrites the IP header at `at` (IPv4 checksum recomputed).
    fn ip_header(&mut self, at: usize) -> Option<IpHeaderAt> {
        let f = &mut *self.f;
        match f.get(at)? >> 4 {
            4 => {
                let ihl = usize::from(f[at] & 0x0f) * 4;
                if ihl < 20 || f.len() < at + ihl {
                    return None;
                }
                let mut old = [0u8; 32];
                old[..8].copy_from_slice(&f[at + 12..at + 20]);
                for off in [12, 16] {
                    if !self.map_at(at + off, 4) {
                        return None;
                    }
                }
                let f = &mut *self.f;
                f[at + 10] = 0;
                f[at + 11] = 0;
                let sum = checksum(&f[at..at + ihl]);
                f[at + 10..at + 12].copy_from_slice(&sum.to_be_bytes());
                let mut new = [0u8; 32];
                new[..8].copy_from_slice(&f[at + 12..at + 20]);
                Some(IpHeaderAt {
                    proto: f[at + 9],
                    payload: at + ihl,
                    later_fragment: be16(f, at + 6)? & 0x1fff != 0,
                    old,
                    new,
                    addr_len: 8,
                    v6: false,
                })
            }
            6 => {
                if f.len() < at + 40 {
                    return None;
                }
                let mut old = [0u8; 32];
                old.copy_from_slice(&f[at + 8..at + 40]);
                for off in [8, 24] {
                    if !self.map_at(at + off, 16) {
                        return None;
                    }
                }
                let f = &mut *self.f;
                let mut new = [0u8; 32];
                new.copy_from_slice(&f[at + 8..at + 40]);
                Some(IpHeaderAt {
                    proto: f[at + 6],
                    payload: at + 40,
                    later_fragment: false,
                    old,
                    new,
                    addr_len: 32,
                    v6: true,
                })
            }
            _ => None,
        }
    }

    /// The transport header after `h`, with the checksum following the address change.
    fn transport(&mut self, h: &IpHeaderAt, depth: u8) -> usize {
        let at = h.payload;
        let len = self.f.len();
        match h.proto {
            6 => {
                if len < at + 20 {
                    return len;
                }
                self.adjust(at + 16, h);
                at + usize::from(self.f[at + 12] >> 4) * 4
            }
            17 => {
                if len < at + 8 {
                    return len;
                }
                // An IPv4 UDP checksum of 0 means "none" and stays so.
                if h.v6 || be16(self.f, at + 6) != Some(0) {
                    self.adjust(at + 6, h);
                }
                let dport = be16(self.f, at + 2).unwrap_or(0);
                if depth < MAX_DEPTH && self.ports.contains(&dport) {
                    // VXLAN header (8), then the inner Ethernet header.
                    let eth = at + 16;
                    return match be16(self.f, eth + 12) {
                        Some(ETH_ARP) => self.arp(eth + 14),
                        Some(ETH_IPV4 | ETH_IPV6) => self.ip(eth + 14, depth + 1),
                        Some(_) => eth + 14,
                        None => at + 8,
                    };
                }
                at + 8
            }
            // IPIP, and IPv6 in IPv4.
            4 | 41 if depth < MAX_DEPTH => self.ip(at, depth + 1),
            1 | 58 => {
                if len < at + 8 {
                    return len;
                }
                if h.v6 {
                    self.adjust(at + 2, h);
                }
                let error = if h.v6 {
                    matches!(self.f[at], 1..=4)
                } else {
                    matches!(self.f[at], 3 | 11 | 12)
                };
                if !error {
                    return at + 8;
                }
                // The quoted packet: its header's addresses, and the 8 bytes after it (ports).
                match self.ip_header(at + 8) {
                    Some(q) => q.payload + 8,
                    None => at + 8,
                }
            }
            _ => at,
        }
    }

    /// Applies the pseudo-header's address change to the checksum at `at`.
    fn adjust(&mut self, at: usize, h: &IpHeaderAt) {
        let Some(old) = be16(self.f, at) else {
            return;
        };
        let n = h.addr_len;
        let sum = update(old, &h.old[..n], &h.new[..n]);
        self.f[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    }

    /// Maps the address of `len` bytes (4 or 16) at `at` in place. Were the map to answer with the
    /// other family, the bytes are zeroed (never left as they were) and the answer is false.
    fn map_at(&mut self, at: usize, len: usize) -> bool {
        let Some(b) = self.f.get(at..at + len) else {
            return false;
        };
        let ip = match (<[u8; 4]>::try_from(b), <[u8; 16]>::try_from(b)) {
            (Ok(a), _) => IpAddr::from(a),
            (_, Ok(a)) => IpAddr::from(a),
            _ => return false,
        };
        let dst = &mut self.f[at..at + len];
        match (self.map)(ip) {
            IpAddr::V4(n) if len == 4 => dst.copy_from_slice(&n.octets()),
            IpAddr::V6(n) if len == 16 => dst.copy_from_slice(&n.octets()),
            _ => {
                dst.fill(0);
                return false;
            }
        }
        true
    }

    /// ARP (IPv4 over Ethernet): sender and target addresses.
    fn arp(&mut self, at: usize) -> usize {
        let f = &mut *self.f;
        if f.len() < at + 28 || be16(f, at + 2) != Some(ETH_IPV4) || f[at + 5] != 4 {
            return at.min(f.len());
        }
        for off in [14, 24] {
            self.map_at(at + off, 4);
        }
        at + 28
    }
}

/// What a rewritten IP header tells the layers after it.
struct IpHeaderAt {
    proto: u8,
    /// Where its payload starts.
    payload: usize,
    /// A fragment other than the first: no transport header follows.
    later_fragment: bool,
    /// The source and destination before and after (8 or 32 bytes used).
    old: [u8; 32],
    new: [u8; 32],
    addr_len: usize,
    v6: bool,
}

/// The Internet checksum of `b`.
fn checksum(b: &[u8]) -> u16 {
    let mut sum = 0u32;
    for w in b.chunks(2) {
        sum += u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]));
    }
    fold(sum)
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// RFC 1624: the checksum `hc` after the 16-bit words `old` became `new` (HC' = ~(~HC + ~m + m')).
fn update(hc: u16, old: &[u8], new: &[u8]) -> u16 {
    let mut sum = u32::from(!hc);
    for (o, n) in old.chunks(2).zip(new.chunks(2)) {
        sum += u32::from(!u16::from_be_bytes([o[0], o[1]]));
        sum += u32::from(u16::from_be_bytes([n[0], n[1]]));
    }
    fold(sum)
}

/// Why a capture file could not be redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedactPcapError {
    #[error("not a classic pcap file")]
    NotPcap,
    #[error("link type {0} is not decoded, so its packets cannot be redacted")]
    LinkType(u16),
    #[error("record {index}: {why}")]
    Record { index: u64, why: String },
}

/// A classic pcap file with every frame redacted ([`redact_frame`]); stamps and wire lengths
/// kept, captured lengths cut. Written little-endian with nanosecond stamps.
pub fn redact_pcap(
    file: &[u8],
    vxlan_ports: &[u16],
    map: &mut dyn FnMut(IpAddr) -> IpAddr,
) -> Result<Vec<u8>, RedactPcapError> {
    use crate::pcapfile::{
        global_header, record_header, write_global_header, write_record, FileKind,
        GLOBAL_HEADER_LEN, RECORD_HEADER_LEN,
    };
    let FileKind::Pcap(g) = global_header(file) else {
        return Err(RedactPcapError::NotPcap);
    };
    let link =
        super::link_type(i32::from(g.linktype)).ok_or(RedactPcapError::LinkType(g.linktype))?;
    let mut out = Vec::with_capacity(file.len() / 2);
    write_global_header(&mut out, g.linktype, g.snaplen);
    let mut at = GLOBAL_HEADER_LEN;
    let mut frame = Vec::new();
    let mut index = 0u64;
    while at < file.len() {
        index += 1;
        let bad = |why: String| RedactPcapError::Record { index, why };
        let r = match record_header(&file[at..], &g) {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(bad(e.to_string())),
            None => return Err(bad("the file ends inside a record header".into())),
        };
        let start = at + RECORD_HEADER_LEN;
        let data = file
            .get(start..start + r.caplen as usize)
            .ok_or_else(|| bad("the file ends inside a record".into()))?;
        frame.clear();
        frame.extend_from_slice(data);
        let keep = redact_frame(link, &mut frame, vxlan_ports, map);
        write_record(&mut out, r.ts_ns, r.wire_len, &frame[..keep]);
        at = start + data.len();
    }
    Ok(out)
}
