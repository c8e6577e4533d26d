//! What the fuzz targets share: how one input byte picks the link type and decode settings, the
//! intent packets are annotated with (a scenario's, parsed once), and the whole `capture -r -v -o
//! json --stats` path a decoded record goes through, so a panic anywhere after the decoder counts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use netdiag_core::model::packet::{LinkType, PacketRecord};
use netdiag_core::packet::json::JsonRecord;
use netdiag_core::packet::{text, Annotator, Stats};
use netdiag_core::ClusterIntent;
use netdiag_parsers::packet::DecodeConfig;

/// The link type for selector byte `sel` (its low two bits).
pub fn link(sel: u8) -> LinkType {
    match sel & 3 {
        0 => LinkType::Ethernet,
        1 => LinkType::LinuxSll,
        2 => LinkType::LinuxSll2,
        _ => LinkType::RawIp,
    }
}

/// Calico's defaults, or (bit 2) another VXLAN port and no VNI check.
pub fn config(sel: u8) -> DecodeConfig {
    let mut c = DecodeConfig::default();
    if sel & 4 != 0 {
        c.vxlan_ports = vec![4789, 8472];
        c.cluster_port = 8472;
        c.vni = None;
    }
    c
}

/// The selector byte for `link` (what the seed writer puts first).
pub fn selector(link: LinkType) -> u8 {
    match link {
        LinkType::Ethernet => 0,
        LinkType::LinuxSll => 1,
        LinkType::LinuxSll2 => 2,
        LinkType::RawIp => 3,
    }
}

/// The vxlan-stale-fdb scenario's cluster (nodes, pools, blocks, pods), parsed once.
pub fn intent() -> &'static ClusterIntent {
    static INTENT: OnceLock<ClusterIntent> = OnceLock::new();
    INTENT.get_or_init(|| {
        let text = [
            include_str!("../../testdata/scenarios/vxlan-stale-fdb/cluster/nodes.yaml"),
            include_str!("../../testdata/scenarios/vxlan-stale-fdb/cluster/ippools.yaml"),
            include_str!("../../testdata/scenarios/vxlan-stale-fdb/cluster/ipamblocks.yaml"),
            include_str!("../../testdata/scenarios/vxlan-stale-fdb/cluster/pods.yaml"),
        ]
        .join("\n---\n");
        netdiag_parsers::cluster::parse_resources(&text).expect("the scenario's intent parses")
    })
}

/// The annotator of [`intent`], made once.
pub fn annotator() -> &'static Annotator {
    static ANN: OnceLock<Annotator> = OnceLock::new();
    ANN.get_or_init(|| Annotator::new(intent()))
}

/// What `capture -r -v -o json --stats` does with a record: annotate and count it, the text line
/// and the layered `-v` form, the JSON line, then the summary in both forms.
pub fn render(recs: &mut [PacketRecord]) {
    let ann = annotator();
    let mut stats = Stats::new(ann);
    let mut out = Vec::new();
    for rec in recs.iter_mut() {
        let names = stats.record(rec);
        text::line(&mut out, rec, &names, false);
        text::line(&mut out, rec, &names, true);
        text::layered(&mut out, rec);
        let _ = serde_json::to_writer(&mut out, &JsonRecord::new(rec, &names));
        out.clear();
    }
    let _ = stats.text();
    let _ = serde_json::to_string(&stats.json());
}

/// An address map for redaction that moves every address elsewhere, and (when `cross` is set)
/// across families, so both the same-family and the family-change paths run.
pub fn redaction_map(cross: bool) -> impl FnMut(IpAddr) -> IpAddr {
    move |ip| match (ip, cross) {
        (IpAddr::V4(a), false) => IpAddr::V4(Ipv4Addr::from(u32::from(a) ^ 0x0a0a_0000)),
        (IpAddr::V4(a), true) => IpAddr::V6(a.to_ipv6_mapped()),
        (IpAddr::V6(a), false) => IpAddr::V6(Ipv6Addr::from(u128::from(a) ^ (0xfd << 120))),
        (IpAddr::V6(a), true) => IpAddr::V4(Ipv4Addr::from(u128::from(a) as u32)),
    }
}
