//! Decoder tests on packets built here (etherparse's builder plus VXLAN/IPIP wrapping): every
//! encapsulation and link type, every anomaly the decoder flags, and garbage that must not panic.

use etherparse::PacketBuilder;
use netdiag_core::model::packet::{Anomaly, Encap, LinkType, Transport};
use proptest::prelude::*;

use super::*;

const A: [u8; 4] = [10, 10, 10, 11];
const B: [u8; 4] = [10, 10, 20, 13];
const P1: [u8; 4] = [192, 168, 2, 2];
const P2: [u8; 4] = [192, 168, 4, 2];

fn syn() -> Vec<u8> {
    let mut v = Vec::new();
    PacketBuilder::ipv4(P1, P2, 63)
        .tcp(43122, 80, 1000, 64240)
        .syn()
        .write(&mut v, &[])
        .expect("test packet");
    v
}

fn ping_len(n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    PacketBuilder::ipv4(P1, P2, 63)
        .icmpv4_echo_request(1, 1)
        .write(&mut v, &vec![0; n])
        .expect("test packet");
    v
}

fn vxlan_frame(dport: u16, hdr: [u8; 8], inner_ip: &[u8]) -> Vec<u8> {
    let mut payload = hdr.to_vec();
    payload.extend_from_slice(&[0x66, 0, 0, 0, 0, 2, 0x66, 0, 0, 0, 0, 1, 8, 0]);
    payload.extend_from_slice(inner_ip);
    let mut v = Vec::new();
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(A, B, 64)
        .udp(40000, dport)
        .write(&mut v, &payload)
        .expect("test packet");
    v
}

fn dec(link: LinkType, f: &[u8]) -> PacketRecord {
    decode(link, 0, f.len() as u32, f, &DecodeConfig::default())
}

#[test]
fn vxlan_tcp_syn_outer_and_inner() {
    let r = dec(
        LinkType::Ethernet,
        &vxlan_frame(4789, vxlan_header(4096), &syn()),
    );
    assert_eq!(r.encap, Encap::Vxlan);
    assert_eq!(r.outer.expect("test packet").src.to_string(), "10.10.10.11");
    assert_eq!(r.udp.expect("test packet").dport, 4789);
    assert_eq!(r.vxlan.expect("test packet").vni, 4096);
    assert_eq!(
        r.inner_eth.expect("test packet").dst_mac.to_string(),
        "66:00:00:00:00:02"
    );
    assert_eq!(r.inner.expect("test packet").dst.to_string(), "192.168.4.2");
    match r.transport {
        Some(Transport::Tcp {
            sport,
            dport,
            flags,
            seq,
            ..
        }) => {
            assert_eq!((sport, dport, seq), (43122, 80, 1000));
            assert_eq!(flags.0, TcpFlags::SYN);
        }
        other => panic!("{other:?}"),
    }
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn ipip_raw_sll_sll2_and_vlan() {
    let mut ipip = Vec::new();
    PacketBuilder::ipv4(A, B, 64)
        .write(&mut ipip, etherparse::IpNumber(4), &syn())
        .expect("test packet");
    let r = dec(LinkType::RawIp, &ipip);
    assert_eq!(r.encap, Encap::Ipip);
    assert_eq!(r.inner.expect("test packet").src.to_string(), "192.168.2.2");
    // SLL: 14 bytes of header then the protocol.
    let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 8, 0];
    sll.extend_from_slice(&ipip);
    assert_eq!(dec(LinkType::LinuxSll, &sll).encap, Encap::Ipip);
    // SLL2: protocol first, 20 bytes.
    let mut sll2 = vec![8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0];
    sll2.extend_from_slice(&ipip);
    assert_eq!(dec(LinkType::LinuxSll2, &sll2).encap, Encap::Ipip);
    // VLAN-tagged Ethernet.
    let mut vlan = vec![1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0x81, 0, 0, 42, 8, 0];
    vlan.extend_from_slice(&ipip);
    let r = dec(LinkType::Ethernet, &vlan);
    assert_eq!((r.vlan, r.encap), (Some(42), Encap::Ipip));
}

#[test]
fn ipv6_outer_and_plain_traffic() {
    let mut v = Vec::new();
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv6([0xfd; 16], [0xfe; 16], 64)
        .udp(1000, 4789)
        .write(&mut v, &{
            let mut p = vxlan_header(4096).to_vec();
            p.extend_from_slice(&[0x66, 0, 0, 0, 0, 2, 0x66, 0, 0, 0, 0, 1, 8, 0]);
            p.extend_from_slice(&syn());
            p
        })
        .expect("test packet");
    let r = dec(LinkType::Ethernet, &v);
    assert_eq!(r.encap, Encap::Vxlan);
    assert!(r.outer.expect("test packet").src.is_ipv6());
    let r = dec(LinkType::RawIp, &syn());
    assert_eq!(r.encap, Encap::None);
    assert_eq!(r.inner, r.outer);
}

fn has(r: &PacketRecord, a: Anomaly) -> bool {
    r.anomalies.has(a)
}

#[test]
fn every_decoder_anomaly() {
    let cfg = DecodeConfig {
        vxlan_ports: vec![4789, 8472],
        ..DecodeConfig::default()
    };
    let d = |f: &[u8]| decode(LinkType::Ethernet, 0, f.len() as u32, f, &cfg);
    assert!(has(
        &d(&vxlan_frame(4789, vxlan_header(4097), &syn())),
        Anomaly::VniMismatch
    ));
    assert!(has(
        &d(&vxlan_frame(8472, vxlan_header(4096), &syn())),
        Anomaly::PortMismatch
    ));
    assert!(has(
        &d(&vxlan_frame(4789, [0, 0, 0, 0, 0, 0x10, 0, 0], &syn())),
        Anomaly::IFlagMissing
    ));
    assert!(has(
        &d(&vxlan_frame(4789, [8, 0, 0, 0, 0, 0x10, 0, 1], &syn())),
        Anomaly::ReservedBits
    ));
    assert!(has(
        &d(&vxlan_frame(4789, vxlan_header(4096), &ping_len(1500))),
        Anomaly::InnerOverMtu
    ));
    assert!(!has(
        &d(&vxlan_frame(4789, vxlan_header(4096), &ping_len(1400))),
        Anomaly::InnerOverMtu
    ));
    // A TCP segmentation-offload packet (64 KB on the tap, split later) is not a fault.
    let mut gso = Vec::new();
    PacketBuilder::ipv4(P1, P2, 63)
        .tcp(43122, 80, 1000, 64240)
        .ack(1)
        .write(&mut gso, &[0; 8000])
        .expect("test packet");
    assert!(!has(
        &d(&vxlan_frame(4789, vxlan_header(4096), &gso)),
        Anomaly::InnerOverMtu
    ));
    let mut frag = vxlan_frame(4789, vxlan_header(4096), &syn());
    frag[20] |= 0x20; // MF
    let r = d(&frag);
    assert!(has(&r, Anomaly::OuterFragment));
    assert_eq!(
        r.vxlan.expect("test packet").vni,
        4096,
        "a first fragment still decodes"
    );
    // ICMP fragmentation needed with the quoted header.
    let mut icmp = Vec::new();
    PacketBuilder::ipv4(P2, P1, 63)
        .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
            etherparse::icmpv4::DestUnreachableHeader::FragmentationNeeded { next_hop_mtu: 1400 },
        ))
        .write(&mut icmp, &syn()[..28])
        .expect("test packet");
    let r = d(&vxlan_frame(4789, vxlan_header(4096), &icmp));
    assert!(has(&r, Anomaly::IcmpFragNeeded));
    match r.transport {
        Some(Transport::Icmp { mtu, quoted, .. }) => {
            assert_eq!(mtu, Some(1400));
            let q = quoted.expect("test packet");
            assert_eq!((q.sport, q.dport, q.proto), (Some(43122), Some(80), 6));
        }
        other => panic!("{other:?}"),
    }
    // Truncated: cut by the snaplen (wire length larger), and a cut inner header.
    let full = vxlan_frame(4789, vxlan_header(4096), &syn());
    let r = decode(LinkType::Ethernet, 0, full.len() as u32, &full[..60], &cfg);
    assert!(has(&r, Anomaly::Truncated));
    assert_eq!(r.vxlan.expect("test packet").vni, 4096);
    // Malformed: inner IPv4 with a header length below 20.
    let mut bad = syn();
    bad[0] = 0x43;
    assert!(has(
        &d(&vxlan_frame(4789, vxlan_header(4096), &bad)),
        Anomaly::Malformed
    ));
}

#[test]
fn arp_inside_vxlan() {
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1, 1, 2, 3, 4, 5, 6, 192, 168, 2, 0];
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&[192, 168, 4, 0]);
    let mut payload = vxlan_header(4096).to_vec();
    payload.extend_from_slice(&[0xff; 6]);
    payload.extend_from_slice(&[0x66, 0, 0, 0, 0, 1, 8, 6]);
    payload.extend_from_slice(&arp);
    let mut v = Vec::new();
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(A, B, 64)
        .udp(40000, 4789)
        .write(&mut v, &payload)
        .expect("test packet");
    match dec(LinkType::Ethernet, &v).transport {
        Some(Transport::Arp { op, target_ip, .. }) => {
            assert_eq!((op, target_ip.to_string().as_str()), (1, "192.168.4.0"))
        }
        other => panic!("{other:?}"),
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), wire in 0u32..2000) {
        for link in [LinkType::Ethernet, LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::RawIp] {
            let _ = decode(link, 0, wire, &bytes, &DecodeConfig::default());
        }
    }

    #[test]
    fn mutated_vxlan_never_panics(pos in 0usize..200, val in any::<u8>(), cut in 0usize..200) {
        let mut f = vxlan_frame(4789, vxlan_header(4096), &syn());
        if pos < f.len() { f[pos] = val; }
        let n = f.len();
        let _ = decode(LinkType::Ethernet, 0, n as u32, &f[..cut.min(n)], &DecodeConfig::default());
    }
}

proptest! {
    /// The direct IPv4 reading agrees with etherparse's wherever it answers: a real header with
    /// some bytes (flags, fragment offset, total length, payload) replaced and the capture cut.
    #[test]
    fn plain_ipv4_agrees_with_etherparse(
        edits in proptest::collection::vec((0usize..40, any::<u8>()), 0..4),
        cut in 0usize..120,
    ) {
        let mut b = Vec::new();
        PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(1000, 2000)
            .write(&mut b, &[9; 60])
            .expect("ipv4");
        for (at, v) in edits {
            b[at] = v;
        }
        b.truncate(cut);
        let mut rec = PacketRecord::default();
        if let Some(fast) = plain_ipv4(&b) {
            let slow = lax_ip_layer(&b, &mut rec).expect("etherparse reads what the fast path read");
            prop_assert_eq!(fast.header, slow.header);
            prop_assert_eq!(fast.payload, slow.payload);
            prop_assert_eq!(fast.payload_len, slow.payload_len);
            prop_assert!(rec.anomalies.is_empty(), "{:?}", rec.anomalies);
        }
    }
}

/// The fast path does answer for ordinary packets (else the property above tests nothing).
#[test]
fn plain_ipv4_reads_an_ordinary_header() {
    let b = ping_len(72);
    let l = plain_ipv4(&b).expect("an ordinary IPv4 header");
    assert_eq!(l.header.len, 100);
    assert_eq!(l.payload.len(), 80);
}
