//! Captured frames → [`PacketRecord`]: the link layer (Ethernet with VLAN tags, Linux cooked SLL and
//! SLL2, raw IP), the outer IPv4/IPv6 header (fragments noted), then VXLAN on the configured UDP
//! ports (header decoded in [`vxlan`]) or IPIP (IPv4 protocol 4), then the inner Ethernet/ARP/IP and
//! TCP/UDP/ICMP/ICMPv6 headers, with ICMP errors' quoted header.
//!
//! Guarantees: pure (bytes in, record out), never panics on any input (a property test feeds
//! garbage), no allocation per packet. etherparse's per-layer slices (`LaxIpSlice`, `TcpSlice`,
//! …) rather than its whole-packet `LaxSlicedPacket`: the latter copies a large struct per layer,
//! which was 40 % of the decode time; the lax IP slice still keeps what a snaplen-cut packet holds
//! and marks it `truncated`. The intent's checks (node names, CrossSubnet) are a
//! separate step: `netdiag_core::packet::Annotator`.

pub mod redact;
pub mod vxlan;

use std::net::{IpAddr, Ipv4Addr};

use etherparse::err::ip::LaxHeaderSliceError;
use etherparse::{Icmpv4Slice, Icmpv6Slice, LaxIpSlice, TcpSlice, UdpSlice};
use netdiag_core::model::packet::{
    Anomaly, Encap, EthHeader, Fragment, IpHeader, LinkType, PacketRecord, QuotedHeader, TcpFlags,
    Transport, UdpPorts,
};
use netdiag_core::model::MacAddr;

pub use vxlan::{decode_vxlan, vxlan_header, VXLAN_HEADER_LEN};

/// The cluster's tunnel settings the decoder checks packets against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeConfig {
    /// UDP destination ports decoded as VXLAN (the cluster's, plus `--vxlan-port`).
    pub vxlan_ports: Vec<u16>,
    /// The cluster's VXLAN port (FelixConfiguration vxlanPort, default 4789).
    pub cluster_port: u16,
    /// The cluster's VNI (FelixConfiguration vxlanVNI, default 4096); `None` = do not check.
    pub vni: Option<u32>,
    /// Largest inner IP packet the VXLAN (outer IPv4 / IPv6) and IPIP tunnels carry.
    pub vxlan_mtu: u32,
    pub vxlan_mtu_v6: u32,
    pub ipip_mtu: u32,
}

impl Default for DecodeConfig {
    /// Calico's defaults on a 1500-byte underlay.
    fn default() -> Self {
        DecodeConfig {
            vxlan_ports: vec![4789],
            cluster_port: 4789,
            vni: Some(4096),
            vxlan_mtu: 1450,
            vxlan_mtu_v6: 1430,
            ipip_mtu: 1480,
        }
    }
}

/// The link type of a pcap DLT / LINKTYPE number, if netdiag decodes it.
pub fn link_type(linktype: i32) -> Option<LinkType> {
    match linktype {
        1 => Some(LinkType::Ethernet),
        113 => Some(LinkType::LinuxSll),
        276 => Some(LinkType::LinuxSll2),
        12 | 14 | 101 | 228 | 229 => Some(LinkType::RawIp),
        _ => None,
    }
}

const ETH_VLAN: u16 = 0x8100;
const ETH_QINQ: u16 = 0x88a8;
const ETH_ARP: u16 = 0x0806;
const ETH_IPV4: u16 = 0x0800;
const ETH_IPV6: u16 = 0x86dd;
const IPPROTO_IPIP: u8 = 4;
const IPPROTO_UDP: u8 = 17;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Decodes one captured frame. `wire_len` is the length on the wire (the capture may hold less).
pub fn decode(
    link: LinkType,
    ts_ns: i64,
    wire_len: u32,
    data: &[u8],
    cfg: &DecodeConfig,
) -> PacketRecord {
    let mut rec = PacketRecord::default();
    decode_into(&mut rec, link, ts_ns, wire_len, data, cfg);
    rec
}

/// [`decode`] into a record the caller keeps (and reuses): the hot loops of `capture` avoid
/// copying a fresh 200-byte record out of every call.
pub fn decode_into(
    rec: &mut PacketRecord,
    link: LinkType,
    ts_ns: i64,
    wire_len: u32,
    data: &[u8],
    cfg: &DecodeConfig,
) {
    *rec = PacketRecord {
        ts_ns,
        wire_len,
        cap_len: data.len().try_into().unwrap_or(u32::MAX),
        ..PacketRecord::default()
    };
    if (data.len() as u64) < u64::from(wire_len) {
        rec.anomalies.add(Anomaly::Truncated);
    }
    // The link layer: (ether type, network payload), or raw IP.
    let (ether_type, payload) = match link {
        LinkType::Ethernet => {
            let Some(mut et) = be16(data, 12) else {
                rec.anomalies.add(Anomaly::Truncated);
                return;
            };
            let mut at = 14;
            // Up to two VLAN tags (802.1Q, QinQ); the innermost ID is kept.
            for _ in 0..2 {
                if et != ETH_VLAN && et != ETH_QINQ {
                    break;
                }
                let (Some(tci), Some(next)) = (be16(data, at), be16(data, at + 2)) else {
                    rec.anomalies.add(Anomaly::Truncated);
                    return;
                };
                rec.vlan = Some(tci & 0x0fff);
                et = next;
                at += 4;
            }
            (Some(et), data.get(at..).unwrap_or(&[]))
        }
        LinkType::LinuxSll => match be16(data, 14) {
            Some(et) => (Some(et), data.get(16..).unwrap_or(&[])),
            None => {
                rec.anomalies.add(Anomaly::Truncated);
                return;
            }
        },
        LinkType::LinuxSll2 => match (be16(data, 0), data.get(20..)) {
            (Some(et), Some(rest)) => (Some(et), rest),
            _ => {
                rec.anomalies.add(Anomaly::Truncated);
                return;
            }
        },
        LinkType::RawIp => (None, data),
    };
    let outer = match ether_type {
        Some(ETH_ARP) => {
            rec.transport = arp(payload, rec);
            return;
        }
        Some(ETH_IPV4 | ETH_IPV6) | None => ip_layer(payload, rec),
        // Not IP (LLDP, …): the record says only what the frame was.
        Some(_) => None,
    };
    let Some(outer) = outer else {
        return;
    };
    rec.outer = Some(outer.header);
    if outer.header.fragment.is_some() {
        rec.anomalies.add(Anomaly::OuterFragment);
    }
    // VXLAN: UDP to one of the configured ports. Parsed by hand so that a first fragment still shows.
    if outer.header.proto == IPPROTO_UDP && outer.header.fragment.is_none_or(|f| f.offset == 0) {
        if let (Some(sport), Some(dport)) = (be16(outer.payload, 0), be16(outer.payload, 2)) {
            if cfg.vxlan_ports.contains(&dport) {
                rec.encap = Encap::Vxlan;
                rec.udp = Some(UdpPorts { sport, dport });
                if dport != cfg.cluster_port {
                    rec.anomalies.add(Anomaly::PortMismatch);
                }
                decode_vxlan_payload(outer.payload.get(8..).unwrap_or(&[]), cfg, rec);
                return;
            }
        }
    }
    if outer.header.proto == IPPROTO_IPIP && outer.header.fragment.is_none() {
        rec.encap = Encap::Ipip;
        if let Some(l) = ip_layer(outer.payload, rec) {
            rec.inner = Some(l.header);
            transport(&l, rec);
            check_inner_mtu(rec, cfg.ipip_mtu);
        }
        return;
    }
    rec.inner = Some(outer.header);
    transport(&outer, rec);
}

fn decode_vxlan_payload(udp_payload: &[u8], cfg: &DecodeConfig, rec: &mut PacketRecord) {
    let Some((h, frame)) = decode_vxlan(udp_payload) else {
        rec.anomalies.add(Anomaly::Truncated);
        return;
    };
    rec.vxlan = Some(h);
    if !h.i_flag() {
        rec.anomalies.add(Anomaly::IFlagMissing);
    }
    if h.flags & !0x08 != 0 || h.reserved != 0 {
        rec.anomalies.add(Anomaly::ReservedBits);
    }
    if cfg.vni.is_some_and(|v| v != h.vni) {
        rec.anomalies.add(Anomaly::VniMismatch);
    }
    // The inner Ethernet header (Calico's VTEPs never tag it).
    let (Some(dst), Some(src), Some(ether_type)) = (mac(frame, 0), mac(frame, 6), be16(frame, 12))
    else {
        rec.anomalies.add(Anomaly::Truncated);
        return;
    };
    rec.inner_eth = Some(EthHeader {
        src_mac: src,
        dst_mac: dst,
        ether_type,
    });
    let payload = frame.get(14..).unwrap_or(&[]);
    let inner = match ether_type {
        ETH_ARP => {
            rec.transport = arp(payload, rec);
            return;
        }
        ETH_IPV4 | ETH_IPV6 => ip_layer(payload, rec),
        _ => None,
    };
    if let Some(l) = inner {
        rec.inner = Some(l.header);
        transport(&l, rec);
        let outer_v6 = rec.outer.is_some_and(|o| o.src.is_ipv6());
        check_inner_mtu(
            rec,
            if outer_v6 {
                cfg.vxlan_mtu_v6
            } else {
                cfg.vxlan_mtu
            },
        );
    }
}

fn mac(b: &[u8], at: usize) -> Option<MacAddr> {
    let m: [u8; 6] = b.get(at..at + 6)?.try_into().ok()?;
    Some(MacAddr(m))
}

/// Flags an inner packet above the tunnel MTU — except TCP, which a capture routinely shows as
/// one large segmentation-offload (GSO/GRO) packet that the NIC or the stack splits after the
/// tap: flagging those would drown the real cases (a UDP/ICMP packet the tunnel device let
/// through because its MTU is too high).
fn check_inner_mtu(rec: &mut PacketRecord, mtu: u32) {
    let offloadable = matches!(rec.transport, Some(Transport::Tcp { .. }));
    if !offloadable && rec.inner.is_some_and(|i| i.len > mtu) {
        rec.anomalies.add(Anomaly::InnerOverMtu);
    }
}

/// An IP header and its payload bytes (as captured).
struct IpLayer<'a> {
    header: IpHeader,
    payload: &'a [u8],
    /// Payload length by the header (what the sender sent).
    payload_len: u32,
}

/// The IP header at the start of `bytes` (etherparse's lax slicing: a header cut by the snaplen
/// still yields what it holds, flagged `truncated`).
fn ip_layer<'a>(bytes: &'a [u8], rec: &mut PacketRecord) -> Option<IpLayer<'a>> {
    if let Some(l) = plain_ipv4(bytes) {
        return Some(l);
    }
    lax_ip_layer(bytes, rec)
}

/// The common case read directly: IPv4 without options, all of it captured. Almost every packet
/// of a capture is one (twice, when tunnelled), and etherparse's general slicing was a fifth of
/// the decode time. Anything else — options, IPv6, a cut or inconsistent length — returns `None`
/// for [`lax_ip_layer`]; a test checks that both agree wherever this one answers.
fn plain_ipv4(bytes: &[u8]) -> Option<IpLayer<'_>> {
    let h: &[u8; 20] = bytes.get(..20)?.try_into().ok()?;
    if h[0] != 0x45 {
        return None;
    }
    let total = u16::from_be_bytes([h[2], h[3]]);
    if total < 20 || usize::from(total) > bytes.len() {
        return None;
    }
    let frag = u16::from_be_bytes([h[6], h[7]]);
    let (offset, more) = (frag & 0x1fff, frag & 0x2000 != 0);
    Some(IpLayer {
        header: IpHeader {
            src: IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])),
            dst: IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])),
            proto: h[9],
            ttl: h[8],
            len: u32::from(total),
            id: u16::from_be_bytes([h[4], h[5]]),
            df: frag & 0x4000 != 0,
            fragment: (offset != 0 || more).then_some(Fragment {
                offset: offset * 8,
                more,
            }),
        },
        payload: &bytes[20..usize::from(total)],
        payload_len: u32::from(total) - 20,
    })
}

/// Any IP header, through etherparse.
fn lax_ip_layer<'a>(bytes: &'a [u8], rec: &mut PacketRecord) -> Option<IpLayer<'a>> {
    let (ip, ext_err) = match LaxIpSlice::from_slice(bytes) {
        Ok(s) => s,
        Err(LaxHeaderSliceError::Len(_)) => {
            rec.anomalies.add(Anomaly::Truncated);
            return None;
        }
        Err(LaxHeaderSliceError::Content(_)) => {
            rec.anomalies.add(Anomaly::Malformed);
            return None;
        }
    };
    if let Some((e, _)) = ext_err {
        rec.anomalies.add(match e {
            etherparse::err::ipv6_exts::HeaderSliceError::Len(_) => Anomaly::Truncated,
            _ => Anomaly::Malformed,
        });
    }
    match ip {
        LaxIpSlice::Ipv4(ip) => {
            let h = ip.header();
            let p = ip.payload();
            if p.incomplete {
                rec.anomalies.add(Anomaly::Truncated);
            }
            let off = h.fragments_offset().value();
            let header_len = u32::from(h.ihl()) * 4;
            let total = u32::from(h.total_len());
            Some(IpLayer {
                header: IpHeader {
                    src: IpAddr::V4(h.source_addr()),
                    dst: IpAddr::V4(h.destination_addr()),
                    proto: h.protocol().0,
                    ttl: h.ttl(),
                    len: total,
                    id: h.identification(),
                    df: h.dont_fragment(),
                    fragment: (off != 0 || h.more_fragments()).then_some(Fragment {
                        offset: off.saturating_mul(8),
                        more: h.more_fragments(),
                    }),
                },
                payload: p.payload,
                payload_len: total.saturating_sub(header_len),
            })
        }
        LaxIpSlice::Ipv6(ip) => {
            let h = ip.header();
            let p = ip.payload();
            if p.incomplete {
                rec.anomalies.add(Anomaly::Truncated);
            }
            let plen = u32::from(h.payload_length());
            Some(IpLayer {
                header: IpHeader {
                    src: IpAddr::V6(h.source_addr()),
                    dst: IpAddr::V6(h.destination_addr()),
                    proto: p.ip_number.0,
                    ttl: h.hop_limit(),
                    len: plen + 40,
                    id: 0,
                    df: false,
                    fragment: p.fragmented.then_some(Fragment {
                        offset: 0,
                        more: true,
                    }),
                },
                payload: p.payload,
                payload_len: u32::try_from(p.payload.len()).unwrap_or(u32::MAX).max(plen),
            })
        }
    }
}

/// The transport header of `ip`'s payload (not of a later fragment: it has none), written into
/// `rec` where it lies: returning the 48-byte enum and copying it cost more than decoding it.
fn transport(ip: &IpLayer<'_>, rec: &mut PacketRecord) {
    if ip.header.fragment.is_some_and(|f| f.offset != 0) {
        return;
    }
    let b = ip.payload;
    let cut = |rec: &mut PacketRecord| rec.anomalies.add(Anomaly::Truncated);
    match ip.header.proto {
        6 => match TcpSlice::from_slice(b) {
            Ok(t) => {
                rec.transport = Some(Transport::Tcp {
                    sport: t.source_port(),
                    dport: t.destination_port(),
                    flags: TcpFlags(b.get(13).copied().unwrap_or(0)),
                    seq: t.sequence_number(),
                    payload_len: ip
                        .payload_len
                        .saturating_sub(u32::from(t.data_offset()) * 4),
                })
            }
            Err(etherparse::err::tcp::HeaderSliceError::Len(_)) => cut(rec),
            Err(_) => rec.anomalies.add(Anomaly::Malformed),
        },
        17 => match UdpSlice::from_slice_lax(b) {
            Ok(u) => {
                rec.transport = Some(Transport::Udp {
                    sport: u.source_port(),
                    dport: u.destination_port(),
                    payload_len: u32::from(u.length()).saturating_sub(8),
                })
            }
            Err(_) => cut(rec),
        },
        1 => match Icmpv4Slice::from_slice(b) {
            Ok(i) => {
                let (t, c) = (i.type_u8(), i.code_u8());
                let b = i.bytes5to8();
                let mtu = (t == 3 && c == 4).then(|| u16::from_be_bytes([b[2], b[3]]));
                if mtu.is_some() {
                    rec.anomalies.add(Anomaly::IcmpFragNeeded);
                }
                rec.transport = Some(Transport::Icmp {
                    icmp_type: t,
                    icmp_code: c,
                    mtu,
                    quoted: matches!(t, 3 | 11 | 12)
                        .then(|| quoted(i.payload()))
                        .flatten(),
                });
            }
            Err(_) => cut(rec),
        },
        58 => match Icmpv6Slice::from_slice(b) {
            Ok(i) => {
                let (t, c) = (i.type_u8(), i.code_u8());
                let mtu = (t == 2).then(|| u32::from_be_bytes(i.bytes5to8()));
                if mtu.is_some() {
                    rec.anomalies.add(Anomaly::IcmpFragNeeded);
                }
                rec.transport = Some(Transport::Icmpv6 {
                    icmp_type: t,
                    icmp_code: c,
                    mtu,
                    quoted: matches!(t, 1..=4).then(|| quoted(i.payload())).flatten(),
                });
            }
            Err(_) => cut(rec),
        },
        _ => {}
    }
}

/// The IP header (and ports) quoted in an ICMP error.
fn quoted(bytes: &[u8]) -> Option<QuotedHeader> {
    let (ip, _) = LaxIpSlice::from_slice(bytes).ok()?;
    let (src, dst, proto, payload) = match &ip {
        LaxIpSlice::Ipv4(ip) => {
            let h = ip.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                h.protocol().0,
                ip.payload().payload,
            )
        }
        LaxIpSlice::Ipv6(ip) => {
            let h = ip.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                ip.payload().ip_number.0,
                ip.payload().payload,
            )
        }
    };
    let ports = matches!(proto, 6 | 17 | 132);
    Some(QuotedHeader {
        src,
        dst,
        proto,
        sport: be16(payload, 0).filter(|_| ports),
        dport: be16(payload, 2).filter(|_| ports),
    })
}

/// ARP for IPv4 over Ethernet: operation, sender and target protocol addresses.
fn arp(b: &[u8], rec: &mut PacketRecord) -> Option<Transport> {
    let ip = |at: usize| -> Option<IpAddr> {
        let o = b.get(at..at + 4)?;
        Some(IpAddr::V4(Ipv4Addr::new(o[0], o[1], o[2], o[3])))
    };
    let (Some(op), Some(sender_ip), Some(target_ip)) = (be16(b, 6), ip(14), ip(24)) else {
        rec.anomalies.add(Anomaly::Truncated);
        return None;
    };
    if b.get(4) != Some(&6) || b.get(5) != Some(&4) {
        rec.anomalies.add(Anomaly::Malformed);
        return None;
    }
    Some(Transport::Arp {
        op,
        sender_ip,
        target_ip,
    })
}

#[cfg(test)]
mod tests;
