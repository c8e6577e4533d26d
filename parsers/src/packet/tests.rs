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

/// ICMP "fragmentation needed" (MTU 1400) from P2 to P1, quoting the start of [`syn`].
fn frag_needed() -> Vec<u8> {
    let mut icmp = Vec::new();
    PacketBuilder::ipv4(P2, P1, 63)
        .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
            etherparse::icmpv4::DestUnreachableHeader::FragmentationNeeded { next_hop_mtu: 1400 },
        ))
        .write(&mut icmp, &syn()[..28])
        .expect("test packet");
    icmp
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
    let icmp = frag_needed();
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

/// An ARP request for 192.168.4.0 from 192.168.2.0, broadcast inside VXLAN.
fn arp_in_vxlan() -> Vec<u8> {
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
    v
}

#[test]
fn arp_inside_vxlan() {
    match dec(LinkType::Ethernet, &arp_in_vxlan()).transport {
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

/// Redaction: a bijection that moves every address somewhere recognisable.
fn flip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let mut o = a.octets();
            o[0] ^= 0x80;
            IpAddr::V4(o.into())
        }
        IpAddr::V6(a) => {
            let mut o = a.octets();
            o[0] ^= 0x80;
            IpAddr::V6(o.into())
        }
    }
}

fn redacted(link: LinkType, f: &[u8]) -> (Vec<u8>, PacketRecord) {
    let mut v = f.to_vec();
    let keep = redact::redact_frame(link, &mut v, &[4789], &mut flip);
    v.truncate(keep);
    let r = decode(link, 0, f.len() as u32, &v, &DecodeConfig::default());
    (v, r)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn ipv4_checksum_ok(h: &[u8]) -> bool {
    let s = etherparse::Ipv4HeaderSlice::from_slice(h).expect("ipv4 header");
    s.header_checksum() == s.to_header().calc_header_checksum()
}

#[test]
fn redaction_rewrites_outer_and_inner_and_cuts_the_data() {
    // Inner TCP carrying data that itself holds an address (as a DNS answer would).
    let mut data = P2.to_vec();
    data.extend_from_slice(b"GET / HTTP/1.1 Host: 192.168.4.2");
    let mut tcp = Vec::new();
    PacketBuilder::ipv4(P1, P2, 63)
        .tcp(43122, 80, 1000, 64240)
        .ack(1)
        .write(&mut tcp, &data)
        .expect("tcp");
    let f = vxlan_frame(4789, vxlan_header(4096), &tcp);
    let (v, r) = redacted(LinkType::Ethernet, &f);
    let o = r.outer.expect("outer");
    let i = r.inner.expect("inner");
    assert_eq!((o.src, o.dst), (flip(A.into()), flip(B.into())));
    assert_eq!((i.src, i.dst), (flip(P1.into()), flip(P2.into())));
    assert_eq!(r.vxlan.expect("vxlan").vni, 4096);
    assert!(matches!(
        r.transport,
        Some(Transport::Tcp {
            sport: 43122,
            dport: 80,
            ..
        })
    ));
    // Headers only: Ethernet, IP, UDP, VXLAN, Ethernet, IP, TCP.
    assert_eq!(v.len(), 14 + 20 + 8 + 8 + 14 + 20 + 20);
    for addr in [A, B, P1, P2] {
        assert!(!contains(&v, &addr), "{addr:?} survived");
    }
    assert!(ipv4_checksum_ok(&v[14..34]) && ipv4_checksum_ok(&v[64..84]));
}

#[test]
fn redaction_keeps_transport_checksums_right_when_nothing_is_cut() {
    let mut f = Vec::new();
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(P1, P2, 64)
        .tcp(1000, 2000, 7, 100)
        .syn()
        .write(&mut f, &[])
        .expect("syn");
    let (v, _) = redacted(LinkType::Ethernet, &f);
    assert_eq!(v.len(), f.len());
    let ip = etherparse::Ipv4HeaderSlice::from_slice(&v[14..])
        .expect("ip")
        .to_header();
    let tcp = etherparse::TcpHeaderSlice::from_slice(&v[34..])
        .expect("tcp")
        .to_header();
    assert_eq!(tcp.checksum, tcp.calc_checksum_ipv4(&ip, &[]).expect("sum"));
    let mut u = Vec::new();
    PacketBuilder::ipv6([0xfd; 16], [0xfe; 16], 64)
        .udp(53, 5353)
        .write(&mut u, &[])
        .expect("udp6");
    let (v, r) = redacted(LinkType::RawIp, &u);
    let ip = etherparse::Ipv6HeaderSlice::from_slice(&v)
        .expect("ip6")
        .to_header();
    let udp = etherparse::UdpHeaderSlice::from_slice(&v[40..])
        .expect("udp")
        .to_header();
    assert_eq!(udp.checksum, udp.calc_checksum_ipv6(&ip, &[]).expect("sum"));
    assert_eq!(r.inner.expect("ip").src, flip(IpAddr::from([0xfd; 16])));
}

#[test]
fn redaction_covers_ipip_arp_and_quoted_headers() {
    // IPIP.
    let mut ipip = Vec::new();
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(A, B, 64)
        .write(&mut ipip, etherparse::IpNumber(4), &ping_len(56))
        .expect("ipip");
    let (v, r) = redacted(LinkType::Ethernet, &ipip);
    assert_eq!(r.encap, Encap::Ipip);
    assert_eq!(r.inner.expect("inner").dst, flip(P2.into()));
    assert_eq!(v.len(), 14 + 20 + 20 + 8);
    // ARP inside VXLAN.
    let (_, r) = redacted(LinkType::Ethernet, &arp_in_vxlan());
    match r.transport {
        Some(Transport::Arp {
            sender_ip,
            target_ip,
            ..
        }) => {
            assert_eq!(sender_ip, flip(IpAddr::from([192, 168, 2, 0])));
            assert_eq!(target_ip, flip(IpAddr::from([192, 168, 4, 0])));
        }
        other => panic!("{other:?}"),
    }
    // ICMP frag-needed: the quoted header's addresses too (ports kept).
    let icmp = frag_needed();
    let (v, r) = redacted(
        LinkType::Ethernet,
        &vxlan_frame(4789, vxlan_header(4096), &icmp),
    );
    match r.transport {
        Some(Transport::Icmp {
            quoted: Some(q), ..
        }) => {
            assert_eq!((q.src, q.dst), (flip(P1.into()), flip(P2.into())));
            assert_eq!((q.sport, q.dport), (Some(43122), Some(80)));
        }
        other => panic!("{other:?}"),
    }
    for addr in [A, B, P1, P2] {
        assert!(!contains(&v, &addr), "{addr:?} survived");
    }
}

#[test]
fn redacted_pcap_keeps_stamps_and_wire_lengths() {
    use crate::pcapfile::{
        global_header, record_header, write_global_header, write_record, FileKind,
        GLOBAL_HEADER_LEN, RECORD_HEADER_LEN,
    };
    let f = vxlan_frame(4789, vxlan_header(4096), &ping_len(100));
    let mut file = Vec::new();
    write_global_header(&mut file, 1, 65535);
    write_record(&mut file, 1_700_000_000_000_000_123, f.len() as u32, &f);
    write_record(&mut file, 1_700_000_001_000_000_000, 1500, &f[..40]);
    let out = redact::redact_pcap(&file, &[4789], &mut flip).expect("redacts");
    let FileKind::Pcap(g) = global_header(&out) else {
        panic!("a pcap file")
    };
    let r1 = record_header(&out[GLOBAL_HEADER_LEN..], &g)
        .expect("r1")
        .expect("r1");
    assert_eq!(
        (r1.ts_ns, r1.wire_len),
        (1_700_000_000_000_000_123, f.len() as u32)
    );
    assert!((r1.caplen as usize) < f.len());
    let at = GLOBAL_HEADER_LEN + RECORD_HEADER_LEN + r1.caplen as usize;
    let r2 = record_header(&out[at..], &g).expect("r2").expect("r2");
    assert_eq!(
        (r2.wire_len, r2.caplen),
        (1500, 40),
        "a cut UDP header is kept as captured"
    );
    assert!(!contains(&out, &A) && !contains(&out, &B));
    // A cut file is an error naming the record.
    let e = redact::redact_pcap(&file[..file.len() - 5], &[4789], &mut flip).expect_err("cut");
    assert!(e.to_string().starts_with("record 2"), "{e}");
    assert_eq!(
        redact::redact_pcap(b"junk", &[], &mut flip),
        Err(redact::RedactPcapError::NotPcap)
    );
}

proptest! {
    #[test]
    fn redaction_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for link in [LinkType::Ethernet, LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::RawIp] {
            let mut v = bytes.clone();
            let keep = redact::redact_frame(link, &mut v, &[4789], &mut flip);
            prop_assert!(keep <= v.len());
        }
    }

    #[test]
    fn redaction_of_mutated_vxlan_never_panics(pos in 0usize..120, val in any::<u8>(), cut in 0usize..120) {
        let mut f = vxlan_frame(4789, vxlan_header(4096), &syn());
        if pos < f.len() { f[pos] = val; }
        f.truncate(cut);
        let keep = redact::redact_frame(LinkType::Ethernet, &mut f, &[4789], &mut flip);
        prop_assert!(keep <= f.len());
    }
}
