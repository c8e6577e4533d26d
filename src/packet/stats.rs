//! The capture summary (`--stats`, and the end of a live capture): packets and bytes per node pair
//! and per pod flow, by encapsulation and by anomaly — kept in a flow table that also caches each
//! flow's names and intent anomalies, so the per-packet cost is one hash look-up.

use std::collections::BTreeMap;

use serde::Serialize;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use crate::model::packet::{Anomalies, Anomaly, Encap, PacketRecord};
use crate::packet::json::{name_string, Proto};
use crate::packet::text::{proto_name, push_ip, push_name, FlowText};
use crate::packet::{Annotator, Names};
use rustc_hash::FxHashMap;

#[derive(Debug, Default, Clone, Copy)]
struct Counter {
    packets: u64,
    bytes: u64,
    anomalous: u64,
    anomalies: u32,
}

impl Counter {
    fn add(&mut self, rec: &PacketRecord) {
        self.packets += 1;
        self.bytes += u64::from(rec.wire_len);
        if !rec.anomalies.is_empty() {
            self.anomalous += 1;
            self.anomalies |= rec.anomalies.0;
        }
    }

    fn merge(&mut self, o: &Counter) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.anomalous += o.anomalous;
        self.anomalies |= o.anomalies;
    }
}

/// Busiest first; ties by key, so the output is stable.
fn sorted<K: Copy + Ord>(m: FxHashMap<K, Counter>) -> Vec<(K, Counter)> {
    let mut v: Vec<(K, Counter)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.packets.cmp(&a.1.packets).then(a.0.cmp(&b.0)));
    v
}

/// What a packet is counted and named by: the encapsulation, the outer endpoints (node pair) and
/// the inner endpoints and protocol (pod flow). Everything [`Annotator::annotate`] looks at is in
/// it, so its result can be kept per flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FlowKey {
    encap: Encap,
    outer: Option<(IpAddr, IpAddr)>,
    inner: Option<(IpAddr, IpAddr, u8)>,
}

/// Hashes each address as one integer. The derived impl wrote every address as a length-prefixed
/// byte slice — a dozen hasher rounds per packet, the largest single cost of `--stats`. Equal keys
/// still hash equally (the fields written are those `Eq` compares).
impl Hash for FlowKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        fn pair<H: Hasher>(h: &mut H, a: IpAddr, b: IpAddr) {
            match (a, b) {
                (IpAddr::V4(a), IpAddr::V4(b)) => {
                    h.write_u64(u64::from(a.to_bits()) << 32 | u64::from(b.to_bits()))
                }
                (a, b) => {
                    h.write_u128(ip_bits(a));
                    h.write_u128(ip_bits(b));
                }
            }
        }
        fn ip_bits(a: IpAddr) -> u128 {
            match a {
                IpAddr::V4(a) => u128::from(a.to_bits()),
                IpAddr::V6(a) => a.to_bits(),
            }
        }
        let (inner_proto, inner_some) = self.inner.map_or((0, 0), |i| (i.2, 1));
        h.write_u32(
            (self.encap as u32) << 16
                | u32::from(self.outer.is_some()) << 9
                | inner_some << 8
                | u32::from(inner_proto),
        );
        if let Some((s, d)) = self.outer {
            pair(h, s, d);
        }
        if let Some((s, d, _)) = self.inner {
            pair(h, s, d);
        }
    }
}

impl FlowKey {
    fn of(rec: &PacketRecord) -> FlowKey {
        FlowKey {
            encap: rec.encap,
            outer: rec.outer.map(|o| (o.src, o.dst)),
            inner: rec.inner.map(|i| (i.src, i.dst, i.proto)),
        }
    }
}

/// A [`FlowKey`] as the flow table looks it up: without an IPv6 address (nearly every packet of
/// a cluster), three integers — built, hashed and compared in a few instructions, where the
/// `IpAddr` enums cost a branch per address each time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Packed {
    V4 { meta: u32, outer: u64, inner: u64 },
    Any(FlowKey),
}

impl Packed {
    #[inline]
    fn of(rec: &PacketRecord) -> Packed {
        fn pair(a: IpAddr, b: IpAddr) -> Option<u64> {
            match (a, b) {
                (IpAddr::V4(a), IpAddr::V4(b)) => {
                    Some(u64::from(a.to_bits()) << 32 | u64::from(b.to_bits()))
                }
                _ => None,
            }
        }
        let outer = rec.outer.as_ref().map_or(Some(0), |o| pair(o.src, o.dst));
        let inner = rec.inner.as_ref().map_or(Some(0), |i| pair(i.src, i.dst));
        match (outer, inner) {
            (Some(outer), Some(inner)) => Packed::V4 {
                meta: (rec.encap as u32) << 16
                    | u32::from(rec.outer.is_some()) << 9
                    | u32::from(rec.inner.is_some()) << 8
                    | u32::from(rec.inner.as_ref().map_or(0, |i| i.proto)),
                outer,
                inner,
            },
            _ => Packed::Any(FlowKey::of(rec)),
        }
    }
}

/// One flow: its names and intent anomalies (computed once) and its counter.
#[derive(Debug)]
struct Flow<'a> {
    key: FlowKey,
    /// The same key as looked up.
    packed: Packed,
    names: Names<'a>,
    intent: Anomalies,
    counter: Counter,
    /// What its text lines share (filled by the first one).
    text: FlowText,
}

/// The flow table behind both the per-packet annotation and the summary. A packet costs one
/// hash look-up (FxHash: the keys are addresses, not attacker-chosen strings worth SipHash's
/// cost); the annotation — several look-ups and a block scan — runs once per new flow.
/// Node pairs and pod flows are summed from it when printing.
#[derive(Debug)]
pub struct Stats<'a> {
    ann: &'a Annotator,
    total: Counter,
    by_encap: [u64; 3],
    by_anomaly: [u64; 12],
    /// The flows, in the order they were first seen, and where each key's flow is (an index
    /// rather than the flow itself: a look-up returns no borrow of the table, and the map's
    /// entries stay small).
    flows: Vec<Flow<'a>>,
    index: FxHashMap<Packed, u32>,
    /// Packets of flows beyond [`MAX_FLOWS`]: in the totals, not in the tables.
    untracked: u64,
    /// The names of the last such packet.
    untracked_names: Names<'a>,
}

/// More flows than this are annotated afresh and counted in the totals only (memory stays
/// bounded whatever the capture holds).
const MAX_FLOWS: usize = 100_000;

fn encap_index(e: Encap) -> usize {
    match e {
        Encap::Vxlan => 0,
        Encap::Ipip => 1,
        Encap::None => 2,
    }
}

impl<'a> Stats<'a> {
    pub fn new(ann: &'a Annotator) -> Stats<'a> {
        Stats {
            ann,
            total: Counter::default(),
            by_encap: [0; 3],
            by_anomaly: [0; 12],
            flows: Vec::new(),
            index: FxHashMap::default(),
            untracked: 0,
            untracked_names: Names::default(),
        }
    }

    /// The annotator this summary names packets with (a part counted elsewhere uses the same).
    pub fn annotator(&self) -> &'a Annotator {
        self.ann
    }

    /// Names the packet's endpoints, adds the intent's anomalies to it and counts it.
    pub fn record(&mut self, rec: &mut PacketRecord) -> Names<'a> {
        *self.record_text(rec).0
    }

    /// [`Stats::record`], and the flow's [`FlowText`] for the packet's text line (none for a
    /// flow past [`MAX_FLOWS`]).
    pub fn record_text(&mut self, rec: &mut PacketRecord) -> (&Names<'a>, Option<&mut FlowText>) {
        let key = Packed::of(rec);
        let at = match self.index.get(&key) {
            Some(&at) => {
                let flow = &mut self.flows[at as usize];
                rec.anomalies.0 |= flow.intent.0;
                flow.counter.add(rec);
                Some(at as usize)
            }
            None => {
                let decoded = rec.anomalies;
                let names = self.ann.annotate(rec);
                if self.flows.len() < MAX_FLOWS {
                    let mut counter = Counter::default();
                    counter.add(rec);
                    let intent = Anomalies(rec.anomalies.0 & !decoded.0);
                    self.index.insert(key, self.flows.len() as u32);
                    self.flows.push(Flow {
                        key: FlowKey::of(rec),
                        packed: key,
                        names,
                        intent,
                        counter,
                        text: FlowText::default(),
                    });
                    Some(self.flows.len() - 1)
                } else {
                    self.untracked += 1;
                    self.untracked_names = names;
                    None
                }
            }
        };
        self.total.add(rec);
        self.by_encap[encap_index(rec.encap)] += 1;
        if !rec.anomalies.is_empty() {
            for (i, a) in Anomaly::ALL.iter().enumerate() {
                if rec.anomalies.has(*a) {
                    self.by_anomaly[i] += 1;
                }
            }
        }
        match at {
            Some(at) => {
                let flow = &mut self.flows[at];
                (&flow.names, Some(&mut flow.text))
            }
            None => (&self.untracked_names, None),
        }
    }

    /// Adds what `other` counted (a part of the same capture, counted on another thread with
    /// the same annotator): the totals and every flow.
    pub fn merge(&mut self, other: Stats<'a>) {
        self.total.merge(&other.total);
        for (a, b) in self.by_encap.iter_mut().zip(other.by_encap) {
            *a += b;
        }
        for (a, b) in self.by_anomaly.iter_mut().zip(other.by_anomaly) {
            *a += b;
        }
        self.untracked += other.untracked;
        for flow in other.flows {
            match self.index.get(&flow.packed) {
                Some(&at) => self.flows[at as usize].counter.merge(&flow.counter),
                None if self.flows.len() < MAX_FLOWS => {
                    self.index.insert(flow.packed, self.flows.len() as u32);
                    self.flows.push(flow);
                }
                None => self.untracked += flow.counter.packets,
            }
        }
    }

    /// Tunnelled traffic per (outer source, outer destination, encapsulation).
    fn node_pairs(&self) -> Vec<((IpAddr, IpAddr, Encap), Counter)> {
        let mut m: FxHashMap<(IpAddr, IpAddr, Encap), Counter> = FxHashMap::default();
        for f in &self.flows {
            if let (Some((s, d)), Encap::Vxlan | Encap::Ipip) = (f.key.outer, f.key.encap) {
                m.entry((s, d, f.key.encap)).or_default().merge(&f.counter);
            }
        }
        sorted(m)
    }

    /// Traffic per (inner source, inner destination, protocol), tunnelled or not.
    fn pod_flows(&self) -> Vec<((IpAddr, IpAddr, u8), Counter)> {
        let mut m: FxHashMap<(IpAddr, IpAddr, u8), Counter> = FxHashMap::default();
        for f in &self.flows {
            if let Some(i) = f.key.inner {
                m.entry(i).or_default().merge(&f.counter);
            }
        }
        sorted(m)
    }

    pub fn text(&self) -> String {
        let ann = self.ann;
        use std::fmt::Write as _;
        let mut s = String::new();
        let node = |ip: IpAddr| ann.node_of(ip).unwrap_or("").to_string();
        let t = &self.total;
        let _ = writeln!(
            s,
            "packets {}  bytes {}  vxlan {}  ipip {}  direct {}  with anomalies {}",
            t.packets, t.bytes, self.by_encap[0], self.by_encap[1], self.by_encap[2], t.anomalous
        );
        let anomalies: Vec<String> = Anomaly::ALL
            .iter()
            .zip(self.by_anomaly)
            .filter(|(_, n)| *n > 0)
            .map(|(a, n)| format!("{} {n}", a.code()))
            .collect();
        if !anomalies.is_empty() {
            let _ = writeln!(s, "anomalies: {}", anomalies.join(", "));
        }
        let pairs = self.node_pairs();
        if !pairs.is_empty() {
            let _ = writeln!(s, "node pairs:");
            for ((src, dst, encap), c) in pairs.iter().take(50) {
                let _ = writeln!(
                    s,
                    "  {:<24} → {:<24} {:<5} {:>10} pkts {:>12} bytes{}",
                    format!("{} {src}", node(*src)).trim(),
                    format!("{} {dst}", node(*dst)).trim(),
                    encap.as_str(),
                    c.packets,
                    c.bytes,
                    anomaly_list(c)
                );
            }
        }
        let flows = self.pod_flows();
        if !flows.is_empty() {
            let _ = writeln!(s, "pod flows:");
            for ((src, dst, proto), c) in flows.iter().take(50) {
                let _ = writeln!(
                    s,
                    "  {:<36} → {:<36} {:<6} {:>10} pkts {:>12} bytes{}",
                    endpoint(ann, *src),
                    endpoint(ann, *dst),
                    proto_name(*proto),
                    c.packets,
                    c.bytes,
                    anomaly_list(c)
                );
            }
            if flows.len() > 50 {
                let _ = writeln!(s, "  … {} more flows", flows.len() - 50);
            }
        }
        s
    }

    /// The summary as one JSON document (`kind: CaptureStats`, schema in the README).
    pub fn json(&self) -> StatsJson<'a> {
        let ann = self.ann;
        StatsJson {
            schema_version: crate::SCHEMA_VERSION,
            kind: "CaptureStats",
            total: CounterJson::from(&self.total),
            encap: EncapCounts {
                vxlan: self.by_encap[0],
                ipip: self.by_encap[1],
                none: self.by_encap[2],
            },
            anomalies: Anomaly::ALL
                .iter()
                .zip(self.by_anomaly)
                .filter(|(_, n)| *n > 0)
                .map(|(a, n)| (a.code(), n))
                .collect(),
            node_pairs: self
                .node_pairs()
                .into_iter()
                .map(|((src, dst, encap), c)| NodePairJson {
                    src,
                    dst,
                    src_node: ann.node_of(src),
                    dst_node: ann.node_of(dst),
                    encap: encap.as_str(),
                    counts: CounterJson::from(&c),
                })
                .collect(),
            flows: self
                .pod_flows()
                .into_iter()
                .map(|((src, dst, proto), c)| FlowJson {
                    src,
                    dst,
                    src_name: name_string(ann.name_of(src)),
                    dst_name: name_string(ann.name_of(dst)),
                    proto: Proto(proto),
                    counts: CounterJson::from(&c),
                })
                .collect(),
        }
    }
}

/// `--stats -o json`.
#[derive(Debug, Serialize)]
pub struct StatsJson<'a> {
    pub schema_version: &'static str,
    pub kind: &'static str,
    pub total: CounterJson,
    pub encap: EncapCounts,
    /// Packets per anomaly code (codes with none are left out).
    pub anomalies: BTreeMap<&'static str, u64>,
    pub node_pairs: Vec<NodePairJson<'a>>,
    pub flows: Vec<FlowJson>,
}

#[derive(Debug, Serialize)]
pub struct EncapCounts {
    pub vxlan: u64,
    pub ipip: u64,
    pub none: u64,
}

#[derive(Debug, Serialize)]
pub struct CounterJson {
    pub packets: u64,
    pub bytes: u64,
    /// Packets with at least one anomaly, and the union of their codes.
    pub anomalous: u64,
    pub anomalies: Anomalies,
}

impl From<&Counter> for CounterJson {
    fn from(c: &Counter) -> Self {
        CounterJson {
            packets: c.packets,
            bytes: c.bytes,
            anomalous: c.anomalous,
            anomalies: Anomalies(c.anomalies),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct NodePairJson<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_node: Option<&'a str>,
    pub dst_node: Option<&'a str>,
    pub encap: &'static str,
    #[serde(flatten)]
    pub counts: CounterJson,
}

#[derive(Debug, Serialize)]
pub struct FlowJson {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_name: Option<String>,
    pub dst_name: Option<String>,
    pub proto: Proto,
    #[serde(flatten)]
    pub counts: CounterJson,
}

/// `name(namespace) ip`, `node ip` or the address alone.
fn endpoint(ann: &Annotator, ip: IpAddr) -> String {
    let mut b = Vec::new();
    push_name(&mut b, ann.name_of(ip));
    push_ip(&mut b, ip);
    String::from_utf8_lossy(&b).into_owned()
}

fn anomaly_list(c: &Counter) -> String {
    if c.anomalous == 0 {
        return String::new();
    }
    let codes: Vec<&str> = Anomalies(c.anomalies).iter().map(Anomaly::code).collect();
    format!("  ! {} ({} pkts)", codes.join(","), c.anomalous)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cluster::{EncapMode, IpPool, IpamBlock, NodeIntent, Pod};
    use crate::model::packet::IpHeader;
    use crate::packet::Name;
    use crate::ClusterIntent;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    /// Three nodes, a and b in 10.0.1.0/24, c in 10.0.2.0/24; a VXLAN CrossSubnet pool; pod p on c.
    fn intent() -> ClusterIntent {
        let node = |name: &str, addr: &str| NodeIntent {
            name: name.into(),
            ipv4: Some(addr.parse().expect("net")),
            ..NodeIntent::default()
        };
        let block = |cidr: &str, node: &str| IpamBlock {
            name: cidr.into(),
            cidr: cidr.parse().expect("net"),
            affinity: Some(node.into()),
            allocations: Vec::new(),
            deleted: false,
            from_affinity: false,
        };
        ClusterIntent {
            pools: vec![IpPool {
                name: "pool".into(),
                cidr: "192.168.0.0/16".parse().expect("net"),
                block_size: 26,
                ipip_mode: EncapMode::Never,
                vxlan_mode: EncapMode::CrossSubnet,
                nat_outgoing: true,
                disabled: false,
                node_selector: None,
                allowed_uses: Vec::new(),
            }],
            nodes: vec![
                node("a", "10.0.1.1/24"),
                node("b", "10.0.1.2/24"),
                node("c", "10.0.2.3/24"),
            ],
            blocks: vec![
                block("192.168.1.0/26", "a"),
                block("192.168.2.0/26", "b"),
                block("192.168.3.0/26", "c"),
            ],
            pods: vec![Pod {
                namespace: "ns".into(),
                name: "p".into(),
                node: Some("c".into()),
                ips: vec![ip("192.168.3.5")],
                host_network: false,
            }],
            ..ClusterIntent::default()
        }
    }

    fn header(src: &str, dst: &str, proto: u8) -> IpHeader {
        IpHeader {
            src: ip(src),
            dst: ip(dst),
            proto,
            ttl: 64,
            len: 84,
            id: 0,
            df: true,
            fragment: None,
        }
    }

    fn vxlan(outer: (&str, &str), inner: (&str, &str)) -> PacketRecord {
        PacketRecord {
            wire_len: 134,
            encap: Encap::Vxlan,
            outer: Some(header(outer.0, outer.1, 17)),
            inner: Some(header(inner.0, inner.1, 1)),
            ..PacketRecord::default()
        }
    }

    fn direct(src: &str, dst: &str) -> PacketRecord {
        let h = header(src, dst, 1);
        PacketRecord {
            wire_len: 98,
            outer: Some(h),
            inner: Some(h),
            ..PacketRecord::default()
        }
    }

    /// Counting a capture in two parts and merging gives the summary of counting it whole.
    #[test]
    fn merged_parts_equal_the_whole() {
        let ann = Annotator::new(&intent());
        let packets = || {
            vec![
                vxlan(("10.0.1.1", "10.0.2.3"), ("192.168.1.7", "192.168.3.5")),
                vxlan(("10.0.1.1", "10.0.1.2"), ("192.168.1.7", "192.168.2.9")),
                direct("192.168.1.7", "192.168.3.5"),
                vxlan(("10.0.9.9", "10.0.2.3"), ("192.168.1.7", "192.168.3.5")),
                vxlan(("10.0.1.1", "10.0.2.3"), ("192.168.1.7", "192.168.3.5")),
            ]
        };
        let mut whole = Stats::new(&ann);
        for mut r in packets() {
            whole.record(&mut r);
        }
        let (mut first, mut second) = (Stats::new(&ann), Stats::new(&ann));
        for (i, mut r) in packets().into_iter().enumerate() {
            if i < 2 {
                first.record(&mut r)
            } else {
                second.record(&mut r)
            };
        }
        first.merge(second);
        assert_eq!(first.text(), whole.text());
        assert_eq!(
            serde_json::to_string(&first.json()).expect("json"),
            serde_json::to_string(&whole.json()).expect("json")
        );
        assert!(whole.text().contains("packets 5"), "{}", whole.text());
    }

    /// A flow's kept line pieces give the bytes of the line written afresh: on its first line,
    /// after it, when its VNI changes and changes back, for IPv6, IPIP, direct, an outer header
    /// alone and a flow past the table's limit (none kept).
    #[test]
    fn lines_from_kept_pieces_equal_lines_written_afresh() {
        use crate::model::packet::{TcpFlags, Transport, VxlanHeader};
        use crate::packet::{text, Lines};
        let ann = Annotator::new(&intent());
        let tcp = |mut r: PacketRecord, sport| {
            r.transport = Some(Transport::Tcp {
                sport,
                dport: 443,
                flags: TcpFlags(0x12),
                seq: 1,
                payload_len: 7,
            });
            r
        };
        let with_vni = |mut r: PacketRecord, vni| {
            r.vxlan = Some(VxlanHeader {
                flags: 0x08,
                vni,
                reserved: 0,
            });
            r
        };
        let a_c = || vxlan(("10.0.1.1", "10.0.2.3"), ("192.168.1.7", "192.168.3.5"));
        let mut ipip = a_c();
        ipip.encap = Encap::Ipip;
        let mut outer_only = a_c();
        outer_only.inner = None;
        let packets = vec![
            with_vni(tcp(a_c(), 40000), 4096),
            with_vni(tcp(a_c(), 40001), 4096),
            with_vni(tcp(a_c(), 40002), 7),
            with_vni(tcp(a_c(), 40003), 4096),
            a_c(),
            a_c(),
            vxlan(("fd00::1", "fd00::2"), ("fd10::7", "fd10::9")),
            vxlan(("fd00::1", "fd00::2"), ("fd10::7", "fd10::9")),
            ipip,
            ipip,
            tcp(direct("192.168.1.7", "192.168.3.5"), 5),
            tcp(direct("192.168.1.7", "192.168.3.5"), 6),
            outer_only,
            outer_only,
        ];
        let mut fresh = Stats::new(&ann);
        let mut kept = Stats::new(&ann);
        let mut full = Stats::new(&ann);
        full.flows = (0..MAX_FLOWS)
            .map(|_| Flow {
                key: FlowKey::of(&PacketRecord::default()),
                packed: Packed::Any(FlowKey::of(&PacketRecord::default())),
                names: Names::default(),
                intent: Anomalies::default(),
                counter: Counter::default(),
                text: FlowText::default(),
            })
            .collect();
        let (mut want, mut got, mut untracked) = (Vec::new(), Lines::default(), Lines::default());
        for (i, p) in packets.into_iter().enumerate() {
            let (mut a, mut b, mut c) = (p, p, p);
            let names = fresh.record(&mut a);
            text::line(&mut want, &a, &names, i % 2 == 0);
            let (names, flow) = kept.record_text(&mut b);
            assert!(flow.is_some());
            text::write_line(&mut got, &b, names, flow, i % 2 == 0);
            let (names, flow) = full.record_text(&mut c);
            assert!(flow.is_none(), "past the limit");
            text::write_line(&mut untracked, &c, names, flow, i % 2 == 0);
        }
        let want = String::from_utf8(want).expect("UTF-8");
        assert_eq!(String::from_utf8_lossy(got.as_bytes()), want);
        assert_eq!(String::from_utf8_lossy(untracked.as_bytes()), want);
        assert!(
            want.contains(
                "a→c 10.0.1.1→10.0.2.3 VXLAN vni 7 | 192.168.1.7:40002 → p(ns) 192.168.3.5:443"
            ),
            "{want}"
        );
    }

    #[test]
    fn names_and_crosssubnet_anomalies_cached_per_flow() {
        let ann = Annotator::new(&intent());
        let mut stats = Stats::new(&ann);
        for _ in 0..2 {
            // a → c: different subnets, tunnelled as the pool says.
            let mut r = vxlan(("10.0.1.1", "10.0.2.3"), ("192.168.1.7", "192.168.3.5"));
            let n = stats.record(&mut r);
            assert_eq!((n.outer_src, n.outer_dst), (Some("a"), Some("c")));
            assert_eq!(
                n.inner_dst,
                Some(Name::Pod {
                    namespace: "ns",
                    name: "p"
                })
            );
            assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
            // a → b: same subnet, so tunnelling is unexpected.
            let mut r = vxlan(("10.0.1.1", "10.0.1.2"), ("192.168.1.7", "192.168.2.9"));
            stats.record(&mut r);
            assert!(r.anomalies.has(Anomaly::EncapUnexpected));
            // a → c sent directly: the pool says tunnel.
            let mut r = direct("192.168.1.7", "192.168.3.5");
            stats.record(&mut r);
            assert!(r.anomalies.has(Anomaly::EncapMissing));
            // a → b directly: fine.
            let mut r = direct("192.168.1.7", "192.168.2.9");
            stats.record(&mut r);
            assert!(r.anomalies.is_empty());
            // From an address that is no node.
            let mut r = vxlan(("10.0.9.9", "10.0.2.3"), ("192.168.1.7", "192.168.3.5"));
            stats.record(&mut r);
            assert!(r.anomalies.has(Anomaly::UnknownNode));
        }
        // The second round came from the cache and counted the same.
        let j = stats.json();
        assert_eq!(j.total.packets, 10);
        assert_eq!(j.encap.vxlan, 6);
        assert_eq!(j.anomalies.get("encap-unexpected"), Some(&2));
        assert_eq!(j.anomalies.get("encap-missing"), Some(&2));
        let pair = j
            .node_pairs
            .iter()
            .find(|p| p.src_node == Some("a") && p.dst_node == Some("c"))
            .expect("a→c pair");
        assert_eq!(pair.counts.packets, 2);
        let text = stats.text();
        assert!(text.starts_with("packets 10 "), "{text}");
        assert!(text.contains("p(ns) 192.168.3.5"), "{text}");
    }
}
