//! Packet lines: the one-line form (outer and inner together, names, anomalies) and the layered
//! `-v` view. Writes into a caller's reused buffer with hand-rolled number and address formatting,
//! because this runs once per packet and `format!` would allocate each time (see the
//! `capture_decode` benchmark).

use std::io::Write as _;
use std::net::IpAddr;

use crate::model::packet::{Encap, PacketRecord, QuotedHeader, Transport};
use crate::packet::{Name, Names};

/// "00" to "99": two digits per division.
const DIGITS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// `n` in decimal, assembled on the stack two digits at a time and appended at once.
pub(crate) fn push_u64(b: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut at = tmp.len();
    while n >= 100 {
        let d = (n % 100) as usize * 2;
        n /= 100;
        at -= 2;
        tmp[at..at + 2].copy_from_slice(&DIGITS[d..d + 2]);
    }
    if n >= 10 {
        let d = n as usize * 2;
        at -= 2;
        tmp[at..at + 2].copy_from_slice(&DIGITS[d..d + 2]);
    } else {
        at -= 1;
        tmp[at] = b'0' + n as u8;
    }
    b.extend_from_slice(&tmp[at..]);
}

/// Writes `n` as `width` digits (zero-padded, higher digits dropped) at `out[at..]`.
pub(crate) fn put_padded(out: &mut [u8], at: usize, mut n: u64, width: usize) {
    for i in (at..at + width).rev() {
        if let Some(c) = out.get_mut(i) {
            *c = b'0' + (n % 10) as u8;
        }
        n /= 10;
    }
}

/// An address; IPv4 is assembled on the stack and appended at once (one copy per address
/// instead of seven small ones).
pub(crate) fn push_ip(b: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            let mut tmp = [0u8; 15];
            let mut n = 0;
            for (i, o) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    tmp[n] = b'.';
                    n += 1;
                }
                if o >= 100 {
                    tmp[n] = b'0' + o / 100;
                    n += 1;
                }
                if o >= 10 {
                    tmp[n] = b'0' + o / 10 % 10;
                    n += 1;
                }
                tmp[n] = b'0' + o % 10;
                n += 1;
            }
            b.extend_from_slice(&tmp[..n]);
        }
        IpAddr::V6(v6) => {
            let _ = write!(b, "{v6}");
        }
    }
}

/// `HH:MM:SS.micro` (UTC).
pub(crate) fn push_time(b: &mut Vec<u8>, ts_ns: i64) {
    let day_ns = ts_ns.rem_euclid(86_400_000_000_000) as u64;
    let secs = day_ns / 1_000_000_000;
    let mut t = *b"00:00:00.000000";
    put_padded(&mut t, 0, secs / 3600, 2);
    put_padded(&mut t, 3, secs / 60 % 60, 2);
    put_padded(&mut t, 6, secs % 60, 2);
    put_padded(&mut t, 9, day_ns % 1_000_000_000 / 1000, 6);
    b.extend_from_slice(&t);
}

pub(crate) fn push_name(b: &mut Vec<u8>, n: Option<Name<'_>>) {
    match n {
        Some(Name::Pod { namespace, name }) => {
            b.extend_from_slice(name.as_bytes());
            b.push(b'(');
            b.extend_from_slice(namespace.as_bytes());
            b.extend_from_slice(b") ");
        }
        Some(Name::Node(node)) => {
            b.extend_from_slice(node.as_bytes());
            b.push(b' ');
        }
        None => {}
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

fn icmp_text(b: &mut Vec<u8>, v6: bool, t: u8, c: u8) {
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
            b.extend_from_slice(b"type ");
            push_u64(b, u64::from(t));
            b.extend_from_slice(b" code ");
            push_u64(b, u64::from(c));
            return;
        }
    };
    b.extend_from_slice(s.as_bytes());
}

/// The one-line form: time, outer (nodes, addresses, tunnel), `|`, inner (pods, addresses, ports,
/// protocol), anomalies.
pub fn line(b: &mut Vec<u8>, rec: &PacketRecord, names: &Names<'_>, color: bool) {
    // One growth check for the whole line instead of one per piece.
    b.reserve(256);
    push_time(b, rec.ts_ns);
    b.push(b' ');
    if let Some(o) = &rec.outer {
        if rec.encap != Encap::None {
            if names.outer_src.is_some() || names.outer_dst.is_some() {
                match names.outer_src {
                    Some(n) => b.extend_from_slice(n.as_bytes()),
                    None => b.push(b'?'),
                }
                b.extend_from_slice("→".as_bytes());
                match names.outer_dst {
                    Some(n) => b.extend_from_slice(n.as_bytes()),
                    None => b.push(b'?'),
                }
                b.push(b' ');
            }
            push_ip(b, o.src);
            b.extend_from_slice("→".as_bytes());
            push_ip(b, o.dst);
            match (&rec.vxlan, rec.encap) {
                (Some(v), _) => {
                    b.extend_from_slice(b" VXLAN vni ");
                    push_u64(b, u64::from(v.vni));
                }
                (None, Encap::Vxlan) => b.extend_from_slice(b" VXLAN"),
                _ => b.extend_from_slice(b" IPIP"),
            }
            b.extend_from_slice(b" | ");
        } else {
            b.extend_from_slice(b"direct | ");
        }
    }
    if let Some(i) = &rec.inner {
        let (sp, dp) = match rec.transport {
            Some(Transport::Tcp { sport, dport, .. })
            | Some(Transport::Udp { sport, dport, .. }) => (Some(sport), Some(dport)),
            _ => (None, None),
        };
        push_name(b, names.inner_src);
        push_ip(b, i.src);
        if let Some(p) = sp {
            b.push(b':');
            push_u64(b, u64::from(p));
        }
        b.extend_from_slice(" → ".as_bytes());
        push_name(b, names.inner_dst);
        push_ip(b, i.dst);
        if let Some(p) = dp {
            b.push(b':');
            push_u64(b, u64::from(p));
        }
        b.push(b' ');
    }
    match rec.transport {
        Some(Transport::Tcp {
            flags, payload_len, ..
        }) => {
            let mut fb = [0u8; 8];
            b.extend_from_slice(b"TCP [");
            b.extend_from_slice(flags.letters(&mut fb).as_bytes());
            b.extend_from_slice(b"] len ");
            push_u64(b, u64::from(payload_len));
        }
        Some(Transport::Udp { payload_len, .. }) => {
            b.extend_from_slice(b"UDP len ");
            push_u64(b, u64::from(payload_len));
        }
        Some(Transport::Icmp {
            icmp_type,
            icmp_code,
            mtu,
            quoted,
        }) => {
            b.extend_from_slice(b"ICMP ");
            icmp_text(b, false, icmp_type, icmp_code);
            if let Some(m) = mtu {
                b.extend_from_slice(b" mtu ");
                push_u64(b, u64::from(m));
            }
            push_quoted(b, quoted);
        }
        Some(Transport::Icmpv6 {
            icmp_type,
            icmp_code,
            mtu,
            quoted,
        }) => {
            b.extend_from_slice(b"ICMPv6 ");
            icmp_text(b, true, icmp_type, icmp_code);
            if let Some(m) = mtu {
                b.extend_from_slice(b" mtu ");
                push_u64(b, u64::from(m));
            }
            push_quoted(b, quoted);
        }
        Some(Transport::Arp {
            op,
            sender_ip,
            target_ip,
        }) => {
            if op == 1 {
                b.extend_from_slice(b"ARP who-has ");
                push_ip(b, target_ip);
                b.extend_from_slice(b" tell ");
                push_ip(b, sender_ip);
            } else {
                b.extend_from_slice(b"ARP reply ");
                push_ip(b, sender_ip);
            }
        }
        None => match &rec.inner {
            Some(i) => {
                b.extend_from_slice(proto_name(i.proto).as_bytes());
                if proto_name(i.proto) == "proto" {
                    b.push(b' ');
                    push_u64(b, u64::from(i.proto));
                }
                b.extend_from_slice(b" len ");
                push_u64(b, u64::from(i.len));
            }
            None if rec.outer.is_none() => b.extend_from_slice(b"non-IP"),
            None => {}
        },
    }
    if let Some(Encap::Vxlan | Encap::Ipip) =
        Some(rec.encap).filter(|_| rec.inner.is_none() && rec.transport.is_none())
    {
        b.extend_from_slice(b"(no inner packet)");
    }
    if !rec.anomalies.is_empty() {
        b.extend_from_slice(if color { b"  \x1b[31m! " } else { b"  ! " });
        for (n, a) in rec.anomalies.iter().enumerate() {
            if n > 0 {
                b.push(b',');
            }
            b.extend_from_slice(a.code().as_bytes());
        }
        if color {
            b.extend_from_slice(b"\x1b[0m");
        }
    }
    b.push(b'\n');
}

fn push_quoted(b: &mut Vec<u8>, q: Option<QuotedHeader>) {
    if let Some(q) = q {
        b.extend_from_slice(b" (quoting ");
        push_ip(b, q.src);
        if let Some(p) = q.sport {
            b.push(b':');
            push_u64(b, u64::from(p));
        }
        b.extend_from_slice(" → ".as_bytes());
        push_ip(b, q.dst);
        if let Some(p) = q.dport {
            b.push(b':');
            push_u64(b, u64::from(p));
        }
        b.push(b' ');
        b.extend_from_slice(proto_name(q.proto).as_bytes());
        b.push(b')');
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
        push_time(&mut b, 1_700_000_000_123_456_789);
        assert_eq!(b, b"22:13:20.123456");
    }
}
