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
    Anomalies, Fragment, IpHeader, PacketRecord, QuotedHeader, TcpFlags, Transport, UdpPorts,
    VxlanHeader,
};
use crate::model::MacAddr;
use crate::packet::text::{proto_name, push_ip, push_u64, put_padded};
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

/// RFC 3339 UTC with nanoseconds (days → civil date after H. Hinnant).
pub fn rfc3339(ts_ns: i64) -> String {
    let mut b = Vec::with_capacity(30);
    push_rfc3339(&mut b, ts_ns);
    String::from_utf8(b).unwrap_or_default()
}

/// [`rfc3339`] appended to `b`: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (years beyond 0000–9999 written
/// in full, as `{:04}` does).
pub(crate) fn push_rfc3339(b: &mut Vec<u8>, ts_ns: i64) {
    let secs = ts_ns.div_euclid(1_000_000_000);
    let nanos = ts_ns.rem_euclid(1_000_000_000) as u64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if (0..10_000).contains(&y) {
        let mut t = *b"0000-00-00T00:00:00.000000000Z";
        put_padded(&mut t, 0, y as u64, 4);
        put_padded(&mut t, 5, m as u64, 2);
        put_padded(&mut t, 8, d as u64, 2);
        put_padded(&mut t, 11, sod / 3600, 2);
        put_padded(&mut t, 14, sod / 60 % 60, 2);
        put_padded(&mut t, 17, sod % 60, 2);
        put_padded(&mut t, 20, nanos, 9);
        b.extend_from_slice(&t);
    } else {
        use std::io::Write as _;
        let _ = write!(
            b,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        );
    }
}

/// A JSON string: quoted, with `"`, `\` and control characters escaped as serde_json does
/// (`\n`, `\t`, … or `\u00XX`); everything else, UTF-8 included, as is.
fn push_str(b: &mut Vec<u8>, s: &str) {
    b.push(b'"');
    push_str_body(b, s);
    b.push(b'"');
}

fn push_str_body(b: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Names almost never need it: one scan, one copy.
    if !bytes.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\') {
        b.extend_from_slice(bytes);
        return;
    }
    for &c in bytes {
        match c {
            b'"' => b.extend_from_slice(b"\\\""),
            b'\\' => b.extend_from_slice(b"\\\\"),
            b'\n' => b.extend_from_slice(b"\\n"),
            b'\r' => b.extend_from_slice(b"\\r"),
            b'\t' => b.extend_from_slice(b"\\t"),
            0x08 => b.extend_from_slice(b"\\b"),
            0x0c => b.extend_from_slice(b"\\f"),
            c if c < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                b.extend_from_slice(b"\\u00");
                b.push(HEX[usize::from(c >> 4)]);
                b.push(HEX[usize::from(c & 0xf)]);
            }
            c => b.push(c),
        }
    }
}

/// A `namespace/name` or node name as a JSON string (what [`name_string`] gives, without the
/// `String`).
fn push_name(b: &mut Vec<u8>, n: Name<'_>) {
    b.push(b'"');
    match n {
        Name::Pod { namespace, name } => {
            push_str_body(b, namespace);
            b.push(b'/');
            push_str_body(b, name);
        }
        Name::Node(node) => push_str_body(b, node),
    }
    b.push(b'"');
}

fn push_bool(b: &mut Vec<u8>, v: bool) {
    b.extend_from_slice(if v { b"true" } else { b"false" });
}

/// An address as a JSON string (no address needs escaping).
fn push_ip_str(b: &mut Vec<u8>, ip: IpAddr) {
    b.push(b'"');
    push_ip(b, ip);
    b.push(b'"');
}

fn push_opt_u16(b: &mut Vec<u8>, v: Option<u16>) {
    match v {
        Some(v) => push_u64(b, u64::from(v)),
        None => b.extend_from_slice(b"null"),
    }
}

/// An IP protocol as [`Proto`] serializes it.
fn push_proto(b: &mut Vec<u8>, p: Proto) {
    b.push(b'"');
    match (p.0, proto_name(p.0)) {
        (255, _) => b.extend_from_slice(b"ARP"),
        (n, "proto") => push_u64(b, u64::from(n)),
        (_, name) => b.extend_from_slice(name.as_bytes()),
    }
    b.push(b'"');
}

/// Writes the fields of one object: `,` between them, `{`…`}` around.
struct Obj<'b> {
    b: &'b mut Vec<u8>,
    first: bool,
}

impl<'b> Obj<'b> {
    fn open(b: &'b mut Vec<u8>) -> Obj<'b> {
        b.push(b'{');
        Obj { b, first: true }
    }

    /// Starts a field: `"key":` (keys are plain ASCII, written as they are).
    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.b.push(b',');
        }
        self.first = false;
        self.b.push(b'"');
        self.b.extend_from_slice(k.as_bytes());
        self.b.extend_from_slice(b"\":");
        self.b
    }

    fn num(&mut self, k: &str, v: u64) {
        push_u64(self.key(k), v);
    }

    fn close(self) {
        self.b.push(b'}');
    }
}

fn push_outer(b: &mut Vec<u8>, o: &IpHeader) {
    let mut j = Obj::open(b);
    push_ip_str(j.key("src"), o.src);
    push_ip_str(j.key("dst"), o.dst);
    j.num("proto", u64::from(o.proto));
    j.num("ttl", u64::from(o.ttl));
    j.num("len", u64::from(o.len));
    push_bool(j.key("df"), o.df);
    let b = j.key("fragment");
    match o.fragment {
        Some(f) => {
            let mut fj = Obj::open(b);
            fj.num("offset", u64::from(f.offset));
            push_bool(fj.key("more"), f.more);
            fj.close();
        }
        None => b.extend_from_slice(b"null"),
    }
    j.close();
}

fn push_quoted(b: &mut Vec<u8>, q: &QuotedHeader) {
    let mut j = Obj::open(b);
    push_ip_str(j.key("src"), q.src);
    push_ip_str(j.key("dst"), q.dst);
    j.num("proto", u64::from(q.proto));
    push_opt_u16(j.key("sport"), q.sport);
    push_opt_u16(j.key("dport"), q.dport);
    j.close();
}

fn push_mac(b: &mut Vec<u8>, m: MacAddr) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = *b"\"00:00:00:00:00:00\"";
    for (i, o) in m.0.into_iter().enumerate() {
        t[1 + i * 3] = HEX[usize::from(o >> 4)];
        t[2 + i * 3] = HEX[usize::from(o & 0xf)];
    }
    b.extend_from_slice(&t);
}

/// The `inner` object, the fields in [`JsonInner`]'s order.
fn push_inner(b: &mut Vec<u8>, rec: &PacketRecord) {
    let mut j = Obj::open(b);
    if let Some(e) = &rec.inner_eth {
        push_mac(j.key("src_mac"), e.src_mac);
        push_mac(j.key("dst_mac"), e.dst_mac);
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
        push_ip_str(j.key("src"), ip);
    }
    if let Some(ip) = dst {
        push_ip_str(j.key("dst"), ip);
    }
    if let Some(p) = proto {
        push_proto(j.key("proto"), p);
    }
    match rec.transport {
        Some(Transport::Tcp {
            sport,
            dport,
            flags,
            seq,
            ..
        }) => {
            j.num("sport", u64::from(sport));
            j.num("dport", u64::from(dport));
            let mut fb = [0u8; 8];
            // Flag letters and `.`: nothing to escape.
            let b = j.key("tcp_flags");
            b.push(b'"');
            b.extend_from_slice(flags.letters(&mut fb).as_bytes());
            b.push(b'"');
            j.num("seq", u64::from(seq));
        }
        Some(Transport::Udp { sport, dport, .. }) => {
            j.num("sport", u64::from(sport));
            j.num("dport", u64::from(dport));
        }
        Some(Transport::Icmp {
            icmp_type,
            icmp_code,
            mtu,
            quoted,
        }) => icmp(&mut j, icmp_type, icmp_code, mtu.map(u32::from), quoted),
        Some(Transport::Icmpv6 {
            icmp_type,
            icmp_code,
            mtu,
            quoted,
        }) => icmp(&mut j, icmp_type, icmp_code, mtu, quoted),
        Some(Transport::Arp { op, .. }) => j.num("arp_op", u64::from(op)),
        None => {}
    }
    if let Some(i) = &rec.inner {
        j.num("len", u64::from(i.len));
    }
    j.close();
}

fn icmp(j: &mut Obj<'_>, t: u8, c: u8, mtu: Option<u32>, quoted: Option<QuotedHeader>) {
    j.num("icmp_type", u64::from(t));
    j.num("icmp_code", u64::from(c));
    if let Some(m) = mtu {
        j.num("mtu", u64::from(m));
    }
    if let Some(q) = &quoted {
        push_quoted(j.key("quoted"), q);
    }
}

/// One packet as one line of JSON (the object [`JsonRecord`] serializes to, then `\n`), appended
/// to `b` without allocating.
pub fn line(b: &mut Vec<u8>, rec: &PacketRecord, names: &Names<'_>) {
    // One growth check for the whole line instead of one per piece.
    b.reserve(768);
    let mut j = Obj::open(b);
    let t = j.key("ts");
    t.push(b'"');
    push_rfc3339(t, rec.ts_ns);
    t.push(b'"');
    j.num("len", u64::from(rec.wire_len));
    j.num("caplen", u64::from(rec.cap_len));
    if let Some(v) = rec.vlan {
        j.num("vlan", u64::from(v));
    }
    let e = j.key("encap");
    e.push(b'"');
    e.extend_from_slice(rec.encap.as_str().as_bytes());
    e.push(b'"');
    if let Some(o) = &rec.outer {
        push_outer(j.key("outer"), o);
    }
    if let Some(u) = &rec.udp {
        let mut uj = Obj::open(j.key("udp"));
        uj.num("sport", u64::from(u.sport));
        uj.num("dport", u64::from(u.dport));
        uj.close();
    }
    if let Some(v) = &rec.vxlan {
        let mut vj = Obj::open(j.key("vxlan"));
        vj.num("flags", u64::from(v.flags));
        vj.num("vni", u64::from(v.vni));
        vj.num("reserved", u64::from(v.reserved));
        vj.close();
    }
    if rec.inner.is_some() || rec.transport.is_some() || rec.inner_eth.is_some() {
        push_inner(j.key("inner"), rec);
    }
    if names.outer_src.is_some()
        || names.outer_dst.is_some()
        || names.inner_src.is_some()
        || names.inner_dst.is_some()
    {
        let mut nj = Obj::open(j.key("names"));
        if let Some(n) = names.outer_src {
            push_str(nj.key("outer_src"), n);
        }
        if let Some(n) = names.outer_dst {
            push_str(nj.key("outer_dst"), n);
        }
        if let Some(n) = names.inner_src {
            push_name(nj.key("inner_src"), n);
        }
        if let Some(n) = names.inner_dst {
            push_name(nj.key("inner_dst"), n);
        }
        nj.close();
    }
    let a = j.key("anomalies");
    a.push(b'[');
    for (n, an) in rec.anomalies.iter().enumerate() {
        if n > 0 {
            a.push(b',');
        }
        a.push(b'"');
        a.extend_from_slice(an.code().as_bytes());
        a.push(b'"');
    }
    a.push(b']');
    j.close();
    b.push(b'\n');
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
        use crate::model::packet::{Anomaly, Encap, EthHeader};
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
