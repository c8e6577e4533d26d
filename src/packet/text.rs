//! Packet lines: the one-line form (outer and inner together, names, anomalies) and the layered
//! `-v` view. The line is written into a caller's reused buffer through [`Line`] (hand-rolled
//! numbers, addresses and times into reserved room), because this runs once per packet and
//! `format!` would allocate each time (see the `capture_decode` benchmark); `-v` is rarer and uses
//! `write!`.

use std::io::Write as _;
use std::net::IpAddr;

use crate::model::packet::{Encap, PacketRecord, QuotedHeader, Transport};
use crate::packet::out::{Line, Lines};
use crate::packet::{Name, Names};

/// An address.
pub(crate) fn push_ip(b: &mut Vec<u8>, ip: IpAddr) {
    Lines::append_to(b, |l| Line::start(l, 48).ip(ip));
}

/// `name(namespace) ` for a pod, `node ` for a node, nothing when unknown.
pub(crate) fn push_name(b: &mut Vec<u8>, n: Option<Name<'_>>) {
    Lines::append_to(b, |l| put_name(&mut Line::start(l, 64), n));
}

#[inline]
fn put_name(l: &mut Line<'_>, n: Option<Name<'_>>) {
    match n {
        Some(Name::Pod { namespace, name }) => {
            l.put(name.as_bytes());
            l.byte(b'(');
            l.put(namespace.as_bytes());
            l.put(b") ");
        }
        Some(Name::Node(node)) => {
            l.put(node.as_bytes());
            l.byte(b' ');
        }
        None => {}
    }
}

fn name_len(n: Option<Name<'_>>) -> usize {
    match n {
        Some(Name::Pod { namespace, name }) => namespace.len() + name.len() + 3,
        Some(Name::Node(node)) => node.len() + 1,
        None => 0,
    }
}

pub fn proto_name(p: u8) -> &'static str {
    match p {
        1 => "ICMP",
        4 => "IPIP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        47 => "GRE",
        50 => "ESP",
        58 => "ICMPv6",
        _ => "proto",
    }
}

fn icmp_text(b: &mut Line<'_>, v6: bool, t: u8, c: u8) {
    let s = match (v6, t, c) {
        (false, 8, _) => "echo request",
        (false, 0, _) => "echo reply",
        (false, 3, 4) => "frag-needed",
        (false, 3, 3) => "port unreachable",
        (false, 3, 1) => "host unreachable",
        (false, 3, _) => "unreachable",
        (false, 11, _) => "time exceeded",
        (true, 128, _) => "echo request",
        (true, 129, _) => "echo reply",
        (true, 2, _) => "packet too big",
        (true, 1, _) => "unreachable",
        (true, 135, _) => "neighbor solicitation",
        (true, 136, _) => "neighbor advertisement",
        _ => {
            b.put(b"type ");
            b.u64(u64::from(t));
            b.put(b" code ");
            b.u64(u64::from(c));
            return;
        }
    };
    b.put(s.as_bytes());
}

/// What every text line of one flow has in common, written once: the outer part (node names,
/// addresses, tunnel and VNI) up to the inner source's name and address, and the inner
/// destination's (` → name address`). The ports, the transport and the anomalies are written per
/// packet. [`Stats`](crate::packet::Stats) keeps one per flow; its key (encapsulation, outer and
/// inner addresses, protocol) fixes everything here but the VNI, which is checked.
#[derive(Debug, Default)]
pub struct FlowText {
    /// Source piece then destination piece.
    bytes: Vec<u8>,
    split: usize,
    vni: Option<u32>,
    filled: bool,
}

impl FlowText {
    /// Whether the pieces are those of this packet's line.
    #[inline]
    fn fits(&self, rec: &PacketRecord) -> bool {
        self.filled && self.vni == rec.vxlan.map(|v| v.vni)
    }

    fn keep_src(&mut self, src: &[u8]) {
        self.bytes.clear();
        self.bytes.extend_from_slice(src);
        self.split = src.len();
        self.filled = false;
    }

    fn keep_dst(&mut self, dst: &[u8], rec: &PacketRecord) {
        self.bytes.extend_from_slice(dst);
        self.vni = rec.vxlan.map(|v| v.vni);
        self.filled = true;
    }
}

/// The one-line form: time, outer (nodes, addresses, tunnel), `|`, inner (pods, addresses, ports,
/// protocol), anomalies.
pub fn line(b: &mut Vec<u8>, rec: &PacketRecord, names: &Names<'_>, color: bool) {
    Lines::append_to(b, |l| write_line(l, rec, names, None, color));
}

/// [`line`] into a batch's [`Lines`], with the pieces its flow's lines share taken from (or, on
/// its first line, kept in) `flow`: the same bytes, without formatting four addresses and names
/// again per packet.
pub fn write_line(
    out: &mut Lines,
    rec: &PacketRecord,
    names: &Names<'_>,
    flow: Option<&mut FlowText>,
    color: bool,
) {
    // Ports follow the inner addresses, so only with them.
    let (sp, dp) = match (&rec.inner, &rec.transport) {
        (Some(_), Some(Transport::Tcp { sport, dport, .. }))
        | (Some(_), Some(Transport::Udp { sport, dport, .. })) => (Some(*sport), Some(*dport)),
        _ => (None, None),
    };
    // Room for the longest line without names (about 300 bytes), and the names or the pieces.
    match flow {
        Some(flow) if flow.fits(rec) => {
            let b = &mut Line::start(out, 384 + flow.bytes.len());
            b.time_of_day(rec.ts_ns);
            b.byte(b' ');
            let (src, dst) = flow.bytes.split_at(flow.split);
            b.put(src);
            port(b, sp);
            b.put(dst);
            tail(b, rec, dp, color);
        }
        mut flow => {
            let b = &mut Line::start(out, 384 + names_len(names));
            b.time_of_day(rec.ts_ns);
            b.byte(b' ');
            let s = b.mark();
            head_src(b, rec, names);
            if let Some(flow) = flow.as_deref_mut() {
                flow.keep_src(b.since(s));
            }
            port(b, sp);
            let d = b.mark();
            head_dst(b, rec, names);
            if let Some(flow) = flow {
                flow.keep_dst(b.since(d), rec);
            }
            tail(b, rec, dp, color);
        }
    }
}

fn names_len(names: &Names<'_>) -> usize {
    names.outer_src.map_or(0, str::len)
        + names.outer_dst.map_or(0, str::len)
        + name_len(names.inner_src)
        + name_len(names.inner_dst)
}

/// `:port`, when there is one.
#[inline]
fn port(b: &mut Line<'_>, p: Option<u16>) {
    if let Some(p) = p {
        b.byte(b':');
        b.u64(u64::from(p));
    }
}

/// The line after the inner destination's address: its port, the transport, the anomalies.
fn tail(b: &mut Line<'_>, rec: &PacketRecord, dp: Option<u16>, color: bool) {
    if rec.inner.is_some() {
        port(b, dp);
        b.byte(b' ');
    }
    match rec.transport {
        Some(Transport::Tcp {
            flags, payload_len, ..
        }) => {
            b.put(b"TCP [");
            let (fb, n) = flags.letter_bytes();
            b.put_first(&fb, n);
            b.put(b"] len ");
            b.u64(u64::from(payload_len));
        }
        Some(Transport::Udp { payload_len, .. }) => {
            b.put(b"UDP len ");
            b.u64(u64::from(payload_len));
        }
        Some(Transport::Icmp {
            icmp_type,
            icmp_code,
            mtu,
            quoted,
        }) => {
            b.put(b"ICMP ");
            icmp_text(b, false, icmp_type, icmp_code);
            if let Some(m) = mtu {
                b.put(b" mtu ");
                b.u64(u64::from(m));
            }
            push_quoted(b, quoted);
        }
        Some(Transport::Icmpv6 {
            icmp_type,
            icmp_code,
            mtu,
            quoted,
        }) => {
            b.put(b"ICMPv6 ");
            icmp_text(b, true, icmp_type, icmp_code);
            if let Some(m) = mtu {
                b.put(b" mtu ");
                b.u64(u64::from(m));
            }
            push_quoted(b, quoted);
        }
        Some(Transport::Arp {
            op,
            sender_ip,
            target_ip,
        }) => {
            if op == 1 {
                b.put(b"ARP who-has ");
                b.ip(target_ip);
                b.put(b" tell ");
                b.ip(sender_ip);
            } else {
                b.put(b"ARP reply ");
                b.ip(sender_ip);
            }
        }
        None => match &rec.inner {
            Some(i) => {
                b.put(proto_name(i.proto).as_bytes());
                if proto_name(i.proto) == "proto" {
                    b.byte(b' ');
                    b.u64(u64::from(i.proto));
                }
                b.put(b" len ");
                b.u64(u64::from(i.len));
            }
            None if rec.outer.is_none() => b.put(b"non-IP"),
            None => {}
        },
    }
    if let Some(Encap::Vxlan | Encap::Ipip) =
        Some(rec.encap).filter(|_| rec.inner.is_none() && rec.transport.is_none())
    {
        b.put(b"(no inner packet)");
    }
    if !rec.anomalies.is_empty() {
        b.put(if color { b"  \x1b[31m! " } else { b"  ! " });
        for (n, a) in rec.anomalies.iter().enumerate() {
            if n > 0 {
                b.byte(b',');
            }
            b.put(a.code().as_bytes());
        }
        if color {
            b.put(b"\x1b[0m");
        }
    }
    b.byte(b'\n');
}

/// The outer part of a line (names, addresses, tunnel, `|`) and the inner source's name and
/// address.
fn head_src(b: &mut Line<'_>, rec: &PacketRecord, names: &Names<'_>) {
    if let Some(o) = &rec.outer {
        if rec.encap != Encap::None {
            if names.outer_src.is_some() || names.outer_dst.is_some() {
                match names.outer_src {
                    Some(n) => b.put(n.as_bytes()),
                    None => b.byte(b'?'),
                }
                b.put("→".as_bytes());
                match names.outer_dst {
                    Some(n) => b.put(n.as_bytes()),
                    None => b.byte(b'?'),
                }
                b.byte(b' ');
            }
            b.ip(o.src);
            b.put("→".as_bytes());
            b.ip(o.dst);
            match (&rec.vxlan, rec.encap) {
                (Some(v), _) => {
                    b.put(b" VXLAN vni ");
                    b.u64(u64::from(v.vni));
                }
                (None, Encap::Vxlan) => b.put(b" VXLAN"),
                _ => b.put(b" IPIP"),
            }
            b.put(b" | ");
        } else {
            b.put(b"direct | ");
        }
    }
    if let Some(i) = &rec.inner {
        put_name(b, names.inner_src);
        b.ip(i.src);
    }
}

/// ` → ` and the inner destination's name and address.
fn head_dst(b: &mut Line<'_>, rec: &PacketRecord, names: &Names<'_>) {
    if let Some(i) = &rec.inner {
        b.put(" → ".as_bytes());
        put_name(b, names.inner_dst);
        b.ip(i.dst);
    }
}

fn push_quoted(b: &mut Line<'_>, q: Option<QuotedHeader>) {
    if let Some(q) = q {
        b.put(b" (quoting ");
        b.ip(q.src);
        if let Some(p) = q.sport {
            b.byte(b':');
            b.u64(u64::from(p));
        }
        b.put(" → ".as_bytes());
        b.ip(q.dst);
        if let Some(p) = q.dport {
            b.byte(b':');
            b.u64(u64::from(p));
        }
        b.byte(b' ');
        b.put(proto_name(q.proto).as_bytes());
        b.byte(b')');
    }
}

/// `-v`: every decoded header on its own indented line.
pub fn layered(b: &mut Vec<u8>, rec: &PacketRecord) {
    let _ = writeln!(
        b,
        "    frame  wire {} captured {}{}",
        rec.wire_len,
        rec.cap_len,
        rec.vlan.map(|v| format!(" vlan {v}")).unwrap_or_default()
    );
    if let Some(o) = &rec.outer {
        let _ = writeln!(
            b,
            "    outer  {} → {} proto {} ({}) ttl {} len {} id {}{}{}",
            o.src,
            o.dst,
            proto_name(o.proto),
            o.proto,
            o.ttl,
            o.len,
            o.id,
            if o.df { " DF" } else { "" },
            o.fragment
                .map(|f| format!(
                    " fragment offset {}{}",
                    f.offset,
                    if f.more { " MF" } else { "" }
                ))
                .unwrap_or_default()
        );
    }
    if let Some(u) = &rec.udp {
        let _ = writeln!(b, "    udp    {} → {}", u.sport, u.dport);
    }
    if let Some(v) = &rec.vxlan {
        let _ = writeln!(
            b,
            "    vxlan  flags 0x{:02x}{} vni {} reserved 0x{:08x}",
            v.flags,
            if v.i_flag() { " [I]" } else { " [no I]" },
            v.vni,
            v.reserved
        );
    }
    if let Some(e) = &rec.inner_eth {
        let _ = writeln!(
            b,
            "    ether  {} → {} type 0x{:04x}",
            e.src_mac, e.dst_mac, e.ether_type
        );
    }
    if rec.encap != Encap::None {
        if let Some(i) = &rec.inner {
            let _ = writeln!(
                b,
                "    inner  {} → {} proto {} ({}) ttl {} len {} id {}{}",
                i.src,
                i.dst,
                proto_name(i.proto),
                i.proto,
                i.ttl,
                i.len,
                i.id,
                if i.df { " DF" } else { "" }
            );
        }
    }
    match rec.transport {
        Some(Transport::Tcp {
            sport,
            dport,
            flags,
            seq,
            payload_len,
        }) => {
            let mut fb = [0u8; 8];
            let _ = writeln!(
                b,
                "    tcp    {sport} → {dport} flags [{}] seq {seq} payload {payload_len}",
                flags.letters(&mut fb)
            );
        }
        Some(Transport::Udp {
            sport,
            dport,
            payload_len,
        }) => {
            let _ = writeln!(b, "    udp    {sport} → {dport} payload {payload_len}");
        }
        Some(Transport::Icmp {
            icmp_type,
            icmp_code,
            mtu,
            ..
        }) => {
            let _ = writeln!(
                b,
                "    icmp   type {icmp_type} code {icmp_code}{}",
                mtu.map(|m| format!(" next-hop mtu {m}"))
                    .unwrap_or_default()
            );
        }
        Some(Transport::Icmpv6 {
            icmp_type,
            icmp_code,
            mtu,
            ..
        }) => {
            let _ = writeln!(
                b,
                "    icmp6  type {icmp_type} code {icmp_code}{}",
                mtu.map(|m| format!(" mtu {m}")).unwrap_or_default()
            );
        }
        Some(Transport::Arp { op, .. }) => {
            let _ = writeln!(b, "    arp    op {op}");
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_day() {
        let mut b = Vec::new();
        Lines::append_to(&mut b, |l| {
            Line::start(l, 0).time_of_day(1_700_000_000_123_456_789)
        });
        assert_eq!(b, b"22:13:20.123456");
    }
}
