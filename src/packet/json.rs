//! One packet as a JSON object (`netdiag capture -o json`, one per line; schema in the README).

use std::net::IpAddr;

use serde::Serialize;

use crate::model::packet::{
    Anomalies, Fragment, PacketRecord, QuotedHeader, TcpFlags, Transport, UdpPorts, VxlanHeader,
};
use crate::model::MacAddr;
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

/// RFC 3339 UTC with nanoseconds (days → civil date after H. Hinnant).
pub fn rfc3339(ts_ns: i64) -> String {
    let secs = ts_ns.div_euclid(1_000_000_000);
    let nanos = ts_ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
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
    }
}
