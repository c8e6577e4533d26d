//! Writes a synthetic capture shaped like the `netdiag lab` cluster (VXLAN CrossSubnet, 4 nodes):
//! VXLAN between subnets (TCP, UDP, ICMP), IPIP, direct same-subnet pod traffic, ARP inside VXLAN,
//! and a few odd packets (wrong VNI, I flag missing, reserved bits, outer fragment, ICMP
//! frag-needed, a snaplen-cut packet, an unknown node, an inner packet above the tunnel MTU).
//! Used for `testdata/pcap/` and the benchmark (`scripts/bench-capture.sh`).
//!
//! `cargo run -p netdiag-parsers --example pcapgen -- OUT.pcap [COUNT] [--sll]`
//! COUNT (default: one of each template) cycles through the templates with rising timestamps.

use std::io::{BufWriter, Write};

use etherparse::PacketBuilder;
use netdiag_parsers::packet::vxlan_header;

const NODE: [[u8; 4]; 4] = [
    [10, 10, 10, 10],
    [10, 10, 10, 11],
    [10, 10, 10, 12],
    [10, 10, 20, 13],
];
const VTEP_MAC: [[u8; 6]; 4] = [
    [0x66, 0xa2, 0x3e, 0x62, 0x72, 0xa8],
    [0x66, 0x11, 0x22, 0x33, 0x44, 0x55],
    [0x66, 0x54, 0xbd, 0x6c, 0x19, 0x2d],
    [0x66, 0x5a, 0xcd, 0xe9, 0x86, 0x51],
];
const HOST_MAC: [u8; 6] = [0x52, 0x54, 0, 0, 0, 1];
const GW_MAC: [u8; 6] = [0x52, 0x54, 0, 0, 0, 2];

fn pod(node: usize, n: u8) -> [u8; 4] {
    [192, 168, node as u8 + 1, n]
}

/// An inner IPv4 packet (no link header).
fn inner_tcp(
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    syn: bool,
    payload: &[u8],
) -> Vec<u8> {
    let b = PacketBuilder::ipv4(src, dst, 63).tcp(sport, dport, 1000, 64240);
    let b = if syn { b.syn() } else { b.ack(1).psh() };
    let mut v = Vec::new();
    let _ = b.write(&mut v, payload);
    v
}

fn inner_udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = PacketBuilder::ipv4(src, dst, 63)
        .udp(sport, dport)
        .write(&mut v, payload);
    v
}

fn inner_ping(src: [u8; 4], dst: [u8; 4], seq: u16) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = PacketBuilder::ipv4(src, dst, 63)
        .icmpv4_echo_request(7, seq)
        .write(&mut v, &[0x42; 56]);
    v
}

fn eth(dst: [u8; 6], src: [u8; 6], ether_type: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(14 + payload.len());
    v.extend_from_slice(&dst);
    v.extend_from_slice(&src);
    v.extend_from_slice(&ether_type.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// Outer Ethernet/IPv4/UDP around a VXLAN header and an inner Ethernet frame.
fn vxlan(
    from: [u8; 4],
    to: [u8; 4],
    sport: u16,
    dport: u16,
    hdr: [u8; 8],
    inner_frame: &[u8],
) -> Vec<u8> {
    let mut payload = hdr.to_vec();
    payload.extend_from_slice(inner_frame);
    let mut v = Vec::new();
    let _ = PacketBuilder::ethernet2(HOST_MAC, GW_MAC)
        .ipv4(from, to, 64)
        .udp(sport, dport)
        .write(&mut v, &payload);
    v
}

fn vx(a: usize, b: usize, sport: u16, vni: u32, inner_ip: &[u8]) -> Vec<u8> {
    let frame = eth(VTEP_MAC[b], VTEP_MAC[a], 0x0800, inner_ip);
    vxlan(NODE[a], NODE[b], sport, 4789, vxlan_header(vni), &frame)
}

fn ipip(a: usize, b: usize, inner_ip: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = PacketBuilder::ethernet2(HOST_MAC, GW_MAC)
        .ipv4(NODE[a], NODE[b], 64)
        .write(&mut v, etherparse::IpNumber(4), inner_ip);
    v
}

fn direct(inner_ip: &[u8]) -> Vec<u8> {
    eth(GW_MAC, HOST_MAC, 0x0800, inner_ip)
}

/// The templates: (frame, length on the wire).
fn templates() -> Vec<(Vec<u8>, usize)> {
    let mut t: Vec<Vec<u8>> = vec![
        vx(
            1,
            3,
            43122,
            4096,
            &inner_tcp(pod(1, 2), pod(3, 2), 43122, 80, true, &[]),
        ),
        vx(
            3,
            1,
            51000,
            4096,
            &inner_tcp(pod(3, 2), pod(1, 2), 80, 43122, false, &[0x61; 200]),
        ),
        vx(1, 3, 40001, 4096, &inner_ping(pod(1, 2), pod(3, 2), 1)),
        vx(
            3,
            1,
            40002,
            4096,
            &inner_udp(pod(3, 3), pod(1, 3), 5353, 53, &[0; 40]),
        ),
        ipip(0, 3, &inner_ping(pod(0, 2), pod(3, 3), 2)),
        ipip(
            3,
            0,
            &inner_tcp(pod(3, 3), pod(0, 2), 8080, 33000, false, &[0x62; 1000]),
        ),
        direct(&inner_ping(pod(1, 2), pod(2, 2), 3)),
        direct(&inner_tcp(pod(1, 3), pod(2, 3), 41000, 443, true, &[])),
    ];
    // Odd: pod traffic sent directly across subnets (CrossSubnet says tunnel).
    t.push(direct(&inner_ping(pod(1, 2), pod(3, 2), 6)));
    // ARP inside VXLAN.
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1];
    arp.extend_from_slice(&VTEP_MAC[1]);
    arp.extend_from_slice(&[192, 168, 2, 0]);
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&[192, 168, 4, 0]);
    t.push(vxlan(
        NODE[1],
        NODE[3],
        40100,
        4789,
        vxlan_header(4096),
        &eth([0xff; 6], VTEP_MAC[1], 0x0806, &arp),
    ));
    // Odd: wrong VNI, I flag missing, reserved bits set.
    t.push(vx(1, 3, 40003, 4097, &inner_ping(pod(1, 2), pod(3, 2), 4)));
    let ping = inner_ping(pod(1, 2), pod(3, 2), 5);
    let frame = eth(VTEP_MAC[3], VTEP_MAC[1], 0x0800, &ping);
    t.push(vxlan(
        NODE[1],
        NODE[3],
        40004,
        4789,
        [0, 0, 0, 0, 0, 0x10, 0, 0],
        &frame,
    ));
    t.push(vxlan(
        NODE[1],
        NODE[3],
        40005,
        4789,
        [0x88, 0, 0x01, 0, 0, 0x10, 0, 0],
        &frame,
    ));
    // Odd: VXLAN from an address that is no node.
    let mut unknown = vx(1, 3, 40006, 4096, &ping);
    unknown[26..30].copy_from_slice(&[10, 10, 10, 99]);
    fix_ipv4_checksum(&mut unknown[14..34]);
    t.push(unknown);
    // Odd: an inner UDP packet above the tunnel MTU (1450): the VXLAN device's MTU is too high.
    t.push(vx(
        1,
        3,
        40007,
        4096,
        &inner_udp(pod(1, 3), pod(3, 3), 5353, 53, &[0x63; 1460]),
    ));
    // Not odd: a TCP segmentation-offload (GSO) packet, as a capture on the sender shows it.
    t.push(vx(
        1,
        3,
        40009,
        4096,
        &inner_tcp(pod(1, 2), pod(3, 2), 43122, 80, false, &[0x64; 2896]),
    ));
    // Odd: an outer first fragment (MF set).
    let mut frag = vx(1, 3, 40008, 4096, &ping);
    frag[20] |= 0x20;
    fix_ipv4_checksum(&mut frag[14..34]);
    t.push(frag);
    // Odd: ICMP fragmentation needed (MTU 1400) quoting a pod TCP packet, inside VXLAN.
    let quoted = inner_tcp(pod(1, 2), pod(3, 2), 43122, 80, false, &[0; 8]);
    let mut icmp = Vec::new();
    let _ = PacketBuilder::ipv4(pod(3, 2), pod(1, 2), 63)
        .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
            etherparse::icmpv4::DestUnreachableHeader::FragmentationNeeded { next_hop_mtu: 1400 },
        ))
        .write(&mut icmp, &quoted[..28]);
    t.push(vx(3, 1, 40009, 4096, &icmp));
    let mut out: Vec<(Vec<u8>, usize)> = t
        .into_iter()
        .map(|f| {
            let n = f.len();
            (f, n)
        })
        .collect();
    // Odd: cut by a 96-byte snaplen.
    let big = vx(
        1,
        3,
        40010,
        4096,
        &inner_tcp(pod(1, 2), pod(3, 2), 43122, 80, false, &[0x64; 300]),
    );
    out.push((big[..96].to_vec(), big.len()));
    out
}

/// How many of [`templates`] come first and are ordinary traffic (the rest are odd).
const ORDINARY: usize = 8;

fn fix_ipv4_checksum(h: &mut [u8]) {
    h[10] = 0;
    h[11] = 0;
    let mut sum = 0u32;
    for c in h.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let cs = !(sum as u16);
    h[10..12].copy_from_slice(&cs.to_be_bytes());
}

/// Ethernet → Linux cooked (SLL, DLT 113) as `tcpdump -i any` writes it.
fn to_sll(frame: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 4, 0, 1, 0, 6];
    v.extend_from_slice(&frame[6..12]);
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&frame[12..]);
    v
}

/// The link layer written.
#[derive(Clone, Copy, PartialEq)]
enum Link {
    Ethernet,
    Sll,
    Sll2,
}

impl Link {
    fn dlt(self) -> u32 {
        match self {
            Link::Ethernet => 1,
            Link::Sll => 113,
            Link::Sll2 => 276,
        }
    }

    /// The frame and its wire length in this link layer.
    fn frame(self, (f, wire): &(Vec<u8>, usize)) -> (Vec<u8>, usize) {
        match self {
            Link::Ethernet => (f.clone(), *wire),
            Link::Sll => (to_sll(f), wire + 2),
            Link::Sll2 => (to_sll2(f), wire + 6),
        }
    }
}

/// Ethernet → Linux cooked v2 (SLL2, DLT 276) as `tcpdump -i any` writes it on newer libpcap.
fn to_sll2(frame: &[u8]) -> Vec<u8> {
    let mut v = frame[12..14].to_vec(); // protocol
    v.extend_from_slice(&[0, 0]); // reserved
    v.extend_from_slice(&2u32.to_be_bytes()); // interface index
    v.extend_from_slice(&[0, 1, 4, 6]); // ARPHRD_ETHER, outgoing, address length
    v.extend_from_slice(&frame[6..12]);
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&frame[14..]);
    v
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args
        .iter()
        .find(|a| !a.starts_with("--") && a.parse::<u64>().is_err())
    else {
        eprintln!("usage: pcapgen OUT [COUNT] [--sll|--sll2] [--pcapng]");
        std::process::exit(2);
    };
    let flag = |f: &str| args.iter().any(|a| a == f);
    let link = if flag("--sll") {
        Link::Sll
    } else if flag("--sll2") {
        Link::Sll2
    } else {
        Link::Ethernet
    };
    let t: Vec<(Vec<u8>, usize)> = templates().iter().map(|f| link.frame(f)).collect();
    // Without COUNT: each template once. With COUNT: ordinary traffic in turn, and one odd packet
    // in every 1000 (a realistic mix for the benchmark).
    let count = args.iter().find_map(|a| a.parse::<u64>().ok());
    let pick = |i: u64| -> usize {
        match count {
            None => i as usize,
            Some(_) if i % 1000 == 999 => ORDINARY + (i / 1000) as usize % (t.len() - ORDINARY),
            Some(_) => i as usize % ORDINARY,
        }
    };
    let count = count.unwrap_or(t.len() as u64);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let start: u64 = 1_795_000_000; // 2026-11-18
    if flag("--pcapng") {
        write_pcapng_header(&mut w, link.dlt())?;
    } else {
        // pcap global header: magic (µs), v2.4, tz 0, sigfigs 0, snaplen 262144, link type.
        w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
        w.write_all(&2u16.to_le_bytes())?;
        w.write_all(&4u16.to_le_bytes())?;
        w.write_all(&[0; 8])?;
        w.write_all(&262_144u32.to_le_bytes())?;
        w.write_all(&link.dlt().to_le_bytes())?;
    }
    for i in 0..count {
        let (frame, wire) = &t[pick(i)];
        let usec = start * 1_000_000 + i * 137;
        if flag("--pcapng") {
            write_pcapng_packet(&mut w, usec, frame, *wire)?;
        } else {
            w.write_all(&((usec / 1_000_000) as u32).to_le_bytes())?;
            w.write_all(&((usec % 1_000_000) as u32).to_le_bytes())?;
            w.write_all(&(frame.len() as u32).to_le_bytes())?;
            w.write_all(&(*wire as u32).to_le_bytes())?;
            w.write_all(frame)?;
        }
    }
    w.flush()
}

/// pcapng: a Section Header Block and one Interface Description Block (µs resolution, the
/// default).
fn write_pcapng_header(w: &mut impl Write, dlt: u32) -> std::io::Result<()> {
    // SHB: type, length 28, byte-order magic, version 1.0, section length unknown, length.
    w.write_all(&0x0a0d_0d0au32.to_le_bytes())?;
    w.write_all(&28u32.to_le_bytes())?;
    w.write_all(&0x1a2b_3c4du32.to_le_bytes())?;
    w.write_all(&1u16.to_le_bytes())?;
    w.write_all(&0u16.to_le_bytes())?;
    w.write_all(&(-1i64).to_le_bytes())?;
    w.write_all(&28u32.to_le_bytes())?;
    // IDB: type 1, length 20, link type, reserved, snaplen, length.
    w.write_all(&1u32.to_le_bytes())?;
    w.write_all(&20u32.to_le_bytes())?;
    w.write_all(&(dlt as u16).to_le_bytes())?;
    w.write_all(&0u16.to_le_bytes())?;
    w.write_all(&262_144u32.to_le_bytes())?;
    w.write_all(&20u32.to_le_bytes())
}

/// pcapng Enhanced Packet Block on interface 0.
fn write_pcapng_packet(
    w: &mut impl Write,
    usec: u64,
    frame: &[u8],
    wire: usize,
) -> std::io::Result<()> {
    let padded = frame.len().div_ceil(4) * 4;
    let len = (32 + padded) as u32;
    w.write_all(&6u32.to_le_bytes())?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&0u32.to_le_bytes())?;
    w.write_all(&((usec >> 32) as u32).to_le_bytes())?;
    w.write_all(&(usec as u32).to_le_bytes())?;
    w.write_all(&(frame.len() as u32).to_le_bytes())?;
    w.write_all(&(wire as u32).to_le_bytes())?;
    w.write_all(frame)?;
    w.write_all(&[0; 3][..padded - frame.len()])?;
    w.write_all(&len.to_le_bytes())
}
