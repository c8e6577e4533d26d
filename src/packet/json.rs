//! One packet as a JSON object (`netdiag capture -o json`, one per line; schema in the README).
//!
//! [`line`] writes it straight into the caller's batch buffer — hand-rolled numbers, addresses and
//! timestamp, strings escaped only where they can need it (names from the intent) — because it
//! runs once per packet: serde with a [`JsonRecord`] per packet allocated the timestamp and the
//! names and took 4× the time of the rest of the decode. [`JsonRecord`] stays as the schema's
//! typed form: a test holds [`line`] to its serde output byte for byte.

use std::net::IpAddr;

use serde::Serialize;

use crate::model::packet::{
    Anomalies, Encap, Fragment, IpHeader, PacketRecord, QuotedHeader, TcpFlags, Transport,
    UdpPorts, VxlanHeader,
};
use crate::model::MacAddr;
use crate::packet::out::{Line, Lines};
use crate::packet::text::proto_name;
use crate::packet::{Name, Names};

/// One packet as JSON (schema in the README).
#[derive(Serialize)]
pub struct JsonRecord<'a> {
    ts: String,
    len: u32,
    caplen: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    vlan: Option<u16>,
    encap: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    outer: Option<JsonIp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    udp: Option<UdpPorts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vxlan: Option<VxlanHeader>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inner: Option<JsonInner>,
    #[serde(skip_serializing_if = "JsonNames::is_empty")]
    names: JsonNames<'a>,
    anomalies: Anomalies,
}

#[derive(Serialize)]
struct JsonIp {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    ttl: u8,
    len: u32,
    df: bool,
    fragment: Option<Fragment>,
}

#[derive(Serialize, Default)]
struct JsonInner {
    #[serde(skip_serializing_if = "Option::is_none")]
    src_mac: Option<MacAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dst_mac: Option<MacAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dst: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proto: Option<Proto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sport: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dport: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp_flags: Option<TcpFlags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mtu: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quoted: Option<QuotedHeader>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arp_op: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    len: Option<u32>,
}

/// An IP protocol by name (`TCP`, `UDP`, `ICMP`, …), or its number as a string when it has none
/// here (`"132"`); `ARP` for ARP, which has no IP protocol number.
#[derive(Debug, Clone, Copy)]
pub struct Proto(pub u8);

impl Proto {
    /// Not an IP protocol number in use by anything netdiag decodes as IP (255 is reserved).
    const ARP: Proto = Proto(255);
}

impl Serialize for Proto {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.0, proto_name(self.0)) {
            (255, _) => s.serialize_str("ARP"),
            (_, "proto") => s.collect_str(&self.0),
            (_, name) => s.serialize_str(name),
        }
    }
}

#[derive(Serialize, Default)]
struct JsonNames<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    outer_src: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outer_dst: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inner_src: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inner_dst: Option<String>,
}

impl JsonNames<'_> {
    fn is_empty(&self) -> bool {
        self.outer_src.is_none()
            && self.outer_dst.is_none()
            && self.inner_src.is_none()
            && self.inner_dst.is_none()
    }
}

/// `namespace/name` for a pod, the node name for a node.
pub(crate) fn name_string(n: Option<Name<'_>>) -> Option<String> {
    n.map(|n| match n {
        Name::Pod { namespace, name } => format!("{namespace}/{name}"),
        Name::Node(node) => node.to_string(),
    })
}

/// RFC 3339 UTC with nanoseconds.
pub fn rfc3339(ts_ns: i64) -> String {
    let mut b = Vec::with_capacity(32);
    Lines::append_to(&mut b, |l| Line::start(l, 32).rfc3339(ts_ns));
    String::from_utf8(b).unwrap_or_default()
}

impl<'a> JsonRecord<'a> {
    pub fn new(rec: &PacketRecord, names: &Names<'a>) -> JsonRecord<'a> {
        let inner = if rec.inner.is_some() || rec.transport.is_some() || rec.inner_eth.is_some() {
            let mut j = JsonInner {
                src_mac: rec.inner_eth.map(|e| e.src_mac),
                dst_mac: rec.inner_eth.map(|e| e.dst_mac),
                src: rec.inner.map(|i| i.src),
                dst: rec.inner.map(|i| i.dst),
                proto: rec.inner.map(|i| Proto(i.proto)),
                len: rec.inner.map(|i| i.len),
                ..JsonInner::default()
            };
            match rec.transport {
                Some(Transport::Tcp {
                    sport,
                    dport,
                    flags,
                    seq,
                    ..
                }) => {
                    (j.sport, j.dport, j.tcp_flags, j.seq) =
                        (Some(sport), Some(dport), Some(flags), Some(seq));
                }
                Some(Transport::Udp { sport, dport, .. }) => {
                    (j.sport, j.dport) = (Some(sport), Some(dport));
                }
                Some(Transport::Icmp {
                    icmp_type,
                    icmp_code,
                    mtu,
                    quoted,
                }) => {
                    (j.icmp_type, j.icmp_code, j.mtu, j.quoted) =
                        (Some(icmp_type), Some(icmp_code), mtu.map(u32::from), quoted);
                }
                Some(Transport::Icmpv6 {
                    icmp_type,
                    icmp_code,
                    mtu,
                    quoted,
                }) => {
                    (j.icmp_type, j.icmp_code, j.mtu, j.quoted) =
                        (Some(icmp_type), Some(icmp_code), mtu, quoted);
                }
                Some(Transport::Arp {
                    op,
                    sender_ip,
                    target_ip,
                }) => {
                    (j.proto, j.arp_op, j.src, j.dst) =
                        (Some(Proto::ARP), Some(op), Some(sender_ip), Some(target_ip));
                }
                None => {}
            }
            Some(j)
        } else {
            None
        };
        JsonRecord {
            ts: rfc3339(rec.ts_ns),
            len: rec.wire_len,
            caplen: rec.cap_len,
            vlan: rec.vlan,
            encap: rec.encap.as_str(),
            outer: rec.outer.map(|o| JsonIp {
                src: o.src,
                dst: o.dst,
                proto: o.proto,
                ttl: o.ttl,
                len: o.len,
                df: o.df,
                fragment: o.fragment,
            }),
            udp: rec.udp,
            vxlan: rec.vxlan,
            inner,
            names: JsonNames {
                outer_src: names.outer_src,
                outer_dst: names.outer_dst,
                inner_src: name_string(names.inner_src),
                inner_dst: name_string(names.inner_dst),
            },
            anomalies: rec.anomalies,
        }
    }
}

/// A JSON string: quoted and escaped.
#[inline]
fn put_str(l: &mut Line<'_>, s: &str) {
    l.byte(b'"');
    l.json_str_body(s);
    l.byte(b'"');
}

/// A `namespace/name` or node name as a JSON string (what [`name_string`] gives, without the
/// `String`).
fn put_name(l: &mut Line<'_>, n: Name<'_>) {
    l.byte(b'"');
    match n {
        Name::Pod { namespace, name } => {
            l.json_str_body(namespace);
            l.byte(b'/');
            l.json_str_body(name);
        }
        Name::Node(node) => l.json_str_body(node),
    }
    l.byte(b'"');
}

fn name_len(n: Option<Name<'_>>) -> usize {
    match n {
        Some(Name::Pod { namespace, name }) => namespace.len() + name.len(),
        Some(Name::Node(node)) => node.len(),
        None => 0,
    }
}

#[inline]
fn put_bool(l: &mut Line<'_>, v: bool) {
    if v {
        l.put(b"true");
    } else {
        l.put(b"false");
    }
}

/// An address as a JSON string (no address needs escaping).
#[inline]
fn put_ip(l: &mut Line<'_>, ip: IpAddr) {
    l.byte(b'"');
    l.ip(ip);
    l.byte(b'"');
}

fn put_opt_u16(l: &mut Line<'_>, v: Option<u16>) {
    match v {
        Some(v) => l.u64(u64::from(v)),
        None => l.put(b"null"),
    }
}

/// An IP protocol as [`Proto`] serializes it.
fn put_proto(l: &mut Line<'_>, p: Proto) {
    match (p.0, proto_name(p.0)) {
        (255, _) => l.put(b"\"ARP\""),
        (n, "proto") => {
            l.byte(b'"');
            l.u64(u64::from(n));
            l.byte(b'"');
        }
        (_, name) => {
            l.byte(b'"');
            l.put(name.as_bytes());
            l.byte(b'"');
        }
    }
}

// Each key is written with the separator before it (`,"key":`): the fields present in a record
// follow from its shape, so which comes first is known where it is written.

fn put_outer(l: &mut Line<'_>, o: &IpHeader) {
    l.put(b"{\"src\":");
    put_ip(l, o.src);
    l.put(b",\"dst\":");
    put_ip(l, o.dst);
    l.put(b",\"proto\":");
    l.u64(u64::from(o.proto));
    l.put(b",\"ttl\":");
    l.u64(u64::from(o.ttl));
    l.put(b",\"len\":");
    l.u64(u64::from(o.len));
    l.put(b",\"df\":");
    put_bool(l, o.df);
    match o.fragment {
        Some(f) => {
            l.put(b",\"fragment\":{\"offset\":");
            l.u64(u64::from(f.offset));
            l.put(b",\"more\":");
            put_bool(l, f.more);
            l.put(b"}}");
        }
        None => l.put(b",\"fragment\":null}"),
    }
}

fn put_quoted(l: &mut Line<'_>, q: &QuotedHeader) {
    l.put(b"{\"src\":");
    put_ip(l, q.src);
    l.put(b",\"dst\":");
    put_ip(l, q.dst);
    l.put(b",\"proto\":");
    l.u64(u64::from(q.proto));
    l.put(b",\"sport\":");
    put_opt_u16(l, q.sport);
    l.put(b",\"dport\":");
    put_opt_u16(l, q.dport);
    l.byte(b'}');
}

/// The `inner` object, the fields in [`JsonInner`]'s order.
fn put_inner(l: &mut Line<'_>, rec: &PacketRecord) {
    // `{` then, before each field but the first, `,`.
    let mut sep = b'{';
    let mut key = |l: &mut Line<'_>, k: &[u8]| {
        l.byte(sep);
        sep = b',';
        l.put(k);
    };
    if let Some(e) = &rec.inner_eth {
        key(l, b"\"src_mac\":\"");
        l.mac(e.src_mac);
        l.put(b"\",\"dst_mac\":\"");
        l.mac(e.dst_mac);
        l.byte(b'"');
    }
    let (mut src, mut dst) = (rec.inner.map(|i| i.src), rec.inner.map(|i| i.dst));
    let mut proto = rec.inner.map(|i| Proto(i.proto));
    if let Some(Transport::Arp {
        sender_ip,
        target_ip,
        ..
    }) = rec.transport
    {
        (src, dst, proto) = (Some(sender_ip), Some(target_ip), Some(Proto::ARP));
    }
    if let Some(ip) = src {
        key(l, b"\"src\":");
        put_ip(l, ip);
    }
    if let Some(ip) = dst {
        key(l, b"\"dst\":");
        put_ip(l, ip);
    }
    if let Some(p) = proto {
        key(l, b"\"proto\":");
        put_proto(l, p);
    }
    let mut icmp = |l: &mut Line<'_>, t: u8, c: u8, mtu: Option<u32>, q: Option<QuotedHeader>| {
        key(l, b"\"icmp_type\":");
        l.u64(u64::from(t));
        l.put(b",\"icmp_code\":");
        l.u64(u64::from(c));
        if let Some(m) = mtu {
            l.put(b",\"mtu\":");
            l.u64(u64::from(m));
        }
        if let Some(q) = &q {
            l.put(b",\"quoted\":");
            put_quoted(l, q);
        }
    };
    match rec.transport {
        Some(Transport::Tcp {
            sport,
            dport,
            flags,
            seq,
            ..
        }) => {
            key(l, b"\"sport\":");
            l.u64(u64::from(sport));
            l.put(b",\"dport\":");
            l.u64(u64::from(dport));
            // Flag letters and `.`: nothing to escape.
            l.put(b",\"tcp_flags\":\"");
            let (fb, n) = flags.letter_bytes();
            l.put_first(&fb, n);
            l.put(b"\",\"seq\":");
            l.u64(u64::from(seq));
        }
        Some(Transport::Udp { sport, dport, .. }) => {
            key(l, b"\"sport\":");
            l.u64(u64::from(sport));
            l.put(b",\"dport\":");
            l.u64(u64::from(dport));
        }
        Some(Transport::Icmp {
            icmp_type,
            icmp_code,
            mtu,
            quoted,
        }) => icmp(l, icmp_type, icmp_code, mtu.map(u32::from), quoted),
        Some(Transport::Icmpv6 {
            icmp_type,
            icmp_code,
            mtu,
            quoted,
        }) => icmp(l, icmp_type, icmp_code, mtu, quoted),
        Some(Transport::Arp { op, .. }) => {
            key(l, b"\"arp_op\":");
            l.u64(u64::from(op));
        }
        None => {}
    }
    if let Some(i) = &rec.inner {
        key(l, b"\"len\":");
        l.u64(u64::from(i.len));
    }
    if sep == b'{' {
        l.byte(b'{');
    }
    l.byte(b'}');
}

/// One packet as one line of JSON (the object [`JsonRecord`] serializes to, then `\n`), appended
/// to `b`.
pub fn line(b: &mut Vec<u8>, rec: &PacketRecord, names: &Names<'_>) {
    Lines::append_to(b, |l| write_line(l, rec, names));
}

/// [`line`] into a batch's [`Lines`], without allocating (beyond the buffer's growth).
pub fn write_line(b: &mut Lines, rec: &PacketRecord, names: &Names<'_>) {
    // Room for the longest record without names (about 1 100 bytes), and the names escaped.
    let name_bytes = names.outer_src.map_or(0, str::len)
        + names.outer_dst.map_or(0, str::len)
        + name_len(names.inner_src)
        + name_len(names.inner_dst);
    let l = &mut Line::start(b, 1280 + 6 * name_bytes);
    l.put(b"{\"ts\":\"");
    l.rfc3339(rec.ts_ns);
    l.put(b"\",\"len\":");
    l.u64(u64::from(rec.wire_len));
    l.put(b",\"caplen\":");
    l.u64(u64::from(rec.cap_len));
    if let Some(v) = rec.vlan {
        l.put(b",\"vlan\":");
        l.u64(u64::from(v));
    }
    l.put(match rec.encap {
        Encap::Vxlan => b",\"encap\":\"vxlan\"",
        Encap::Ipip => b",\"encap\":\"ipip\"",
        Encap::None => b",\"encap\":\"none\"",
    });
    if let Some(o) = &rec.outer {
        l.put(b",\"outer\":");
        put_outer(l, o);
    }
    if let Some(u) = &rec.udp {
        l.put(b",\"udp\":{\"sport\":");
        l.u64(u64::from(u.sport));
        l.put(b",\"dport\":");
        l.u64(u64::from(u.dport));
        l.byte(b'}');
    }
    if let Some(v) = &rec.vxlan {
        l.put(b",\"vxlan\":{\"flags\":");
        l.u64(u64::from(v.flags));
        l.put(b",\"vni\":");
        l.u64(u64::from(v.vni));
        l.put(b",\"reserved\":");
        l.u64(u64::from(v.reserved));
        l.byte(b'}');
    }
    if rec.inner.is_some() || rec.transport.is_some() || rec.inner_eth.is_some() {
        l.put(b",\"inner\":");
        put_inner(l, rec);
    }
    if names.outer_src.is_some()
        || names.outer_dst.is_some()
        || names.inner_src.is_some()
        || names.inner_dst.is_some()
    {
        let mut sep = b'{';
        let mut key = |l: &mut Line<'_>, k: &[u8]| {
            l.byte(sep);
            sep = b',';
            l.put(k);
        };
        l.put(b",\"names\":");
        if let Some(n) = names.outer_src {
            key(l, b"\"outer_src\":");
            put_str(l, n);
        }
        if let Some(n) = names.outer_dst {
            key(l, b"\"outer_dst\":");
            put_str(l, n);
        }
        if let Some(n) = names.inner_src {
            key(l, b"\"inner_src\":");
            put_name(l, n);
        }
        if let Some(n) = names.inner_dst {
            key(l, b"\"inner_dst\":");
            put_name(l, n);
        }
        l.byte(b'}');
    }
    l.put(b",\"anomalies\":[");
    let mut first = true;
    for a in rec.anomalies.iter() {
        if !first {
            l.byte(b',');
        }
        first = false;
        l.byte(b'"');
        l.put(a.code().as_bytes());
        l.byte(b'"');
    }
    l.put(b"]}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339(1_700_000_000_123_456_789),
            "2023-11-14T22:13:20.123456789Z"
        );
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
        // Beyond four-digit years, as `{:04}` wrote them.
        assert_eq!(rfc3339(i64::MAX), "2262-04-11T23:47:16.854775807Z");
        assert_eq!(rfc3339(i64::MIN), "1677-09-21T00:12:43.145224192Z");
    }

    fn serde_line(rec: &PacketRecord, names: &Names<'_>) -> String {
        let mut s = serde_json::to_string(&JsonRecord::new(rec, names)).expect("serializes");
        s.push('\n');
        s
    }

    fn hand_line(rec: &PacketRecord, names: &Names<'_>) -> String {
        let mut b = b"earlier line\n".to_vec();
        line(&mut b, rec, names);
        String::from_utf8(b.split_off(13)).expect("UTF-8")
    }

    /// Every shape a record takes (each transport, with and without outer, VXLAN, inner
    /// Ethernet, fragments, VLAN, quoted headers, IPv6, every anomaly) and names that need
    /// escaping: the hand-written line is serde's, byte for byte.
    #[test]
    fn line_is_the_serde_record_byte_for_byte() {
        use crate::model::packet::{Anomaly, EthHeader};
        let v4 = |a, b, c, d| IpAddr::from([a, b, c, d]);
        let v6: IpAddr = "fd00:10::2:0:1".parse().expect("v6");
        let ip = |src, dst, proto, fragment| IpHeader {
            src,
            dst,
            proto,
            ttl: 63,
            len: 1234,
            id: 7,
            df: true,
            fragment,
        };
        let quoted = QuotedHeader {
            src: v4(192, 168, 2, 2),
            dst: v6,
            proto: 17,
            sport: Some(53),
            dport: None,
        };
        let transports = [
            None,
            Some(Transport::Tcp {
                sport: 0,
                dport: 65535,
                flags: TcpFlags(0xff),
                seq: u32::MAX,
                payload_len: 9,
            }),
            Some(Transport::Tcp {
                sport: 43122,
                dport: 80,
                flags: TcpFlags(0),
                seq: 0,
                payload_len: 0,
            }),
            Some(Transport::Udp {
                sport: 5353,
                dport: 53,
                payload_len: 40,
            }),
            Some(Transport::Icmp {
                icmp_type: 3,
                icmp_code: 4,
                mtu: Some(1400),
                quoted: Some(quoted),
            }),
            Some(Transport::Icmp {
                icmp_type: 8,
                icmp_code: 0,
                mtu: None,
                quoted: None,
            }),
            Some(Transport::Icmpv6 {
                icmp_type: 2,
                icmp_code: 0,
                mtu: Some(u32::MAX),
                quoted: Some(QuotedHeader {
                    sport: None,
                    dport: Some(1),
                    ..quoted
                }),
            }),
            Some(Transport::Arp {
                op: 1,
                sender_ip: v4(10, 0, 0, 1),
                target_ip: v4(10, 0, 0, 255),
            }),
        ];
        let outers = [
            None,
            Some(ip(v4(10, 10, 10, 11), v4(10, 10, 20, 13), 17, None)),
            Some(ip(
                v6,
                v4(0, 0, 0, 0),
                4,
                Some(Fragment {
                    offset: 1480,
                    more: true,
                }),
            )),
        ];
        let inners = [
            None,
            Some(ip(v4(192, 168, 2, 2), v4(192, 168, 4, 2), 6, None)),
            Some(ip(v6, v6, 132, None)),
            Some(ip(v4(1, 2, 3, 4), v4(255, 255, 255, 255), 255, None)),
            Some(ip(v4(1, 2, 3, 4), v4(9, 9, 9, 9), 58, None)),
        ];
        let pod = Name::Pod {
            namespace: "kube-system",
            name: "coredns-\"x\\y\u{1}\n\t\r\u{8}\u{c}\u{1f}é→",
        };
        let names = [
            Names::default(),
            Names {
                outer_src: Some("worker"),
                outer_dst: Some("we\"ird\u{7f}"),
                inner_src: Some(pod),
                inner_dst: Some(Name::Node("control-plane")),
            },
            Names {
                inner_dst: Some(Name::Pod {
                    namespace: "ns\\",
                    name: "p",
                }),
                ..Names::default()
            },
        ];
        let mut n = 0;
        for (t, transport) in transports.iter().enumerate() {
            for (o, outer) in outers.iter().enumerate() {
                for (i, inner) in inners.iter().enumerate() {
                    let k = t * 100 + o * 10 + i;
                    let rec = PacketRecord {
                        ts_ns: 1_700_000_000_000_000_001 + k as i64 * 86_399_999_999_937,
                        wire_len: k as u32 * 997,
                        cap_len: k as u32,
                        vlan: (k % 3 == 0).then_some(k as u16 % 4096),
                        outer: *outer,
                        encap: [Encap::Vxlan, Encap::Ipip, Encap::None][k % 3],
                        udp: (k % 2 == 0).then_some(UdpPorts {
                            sport: k as u16,
                            dport: 4789,
                        }),
                        vxlan: (k % 4 == 0).then_some(VxlanHeader {
                            flags: k as u8,
                            vni: 4096 + k as u32,
                            reserved: (k as u32).wrapping_mul(65_537),
                        }),
                        inner_eth: (k % 5 < 2).then_some(EthHeader {
                            src_mac: MacAddr([0x66, 0x11, 0x22, 0x33, 0x44, k as u8]),
                            dst_mac: MacAddr([0xff, 0, 0xa, 0xb0, 0x9, 0x10]),
                            ether_type: 0x0800,
                        }),
                        inner: *inner,
                        transport: *transport,
                        anomalies: Anomalies((k as u32).wrapping_mul(2_654_435_761) & 0xfff),
                    };
                    for names in &names {
                        assert_eq!(hand_line(&rec, names), serde_line(&rec, names), "{rec:?}");
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(n, 8 * 3 * 5 * 3);
        let every = PacketRecord {
            anomalies: Anomalies(Anomaly::ALL.iter().map(|a| *a as u32).sum()),
            ..PacketRecord::default()
        };
        assert_eq!(
            hand_line(&every, &Names::default()),
            serde_line(&every, &Names::default())
        );
    }
}
