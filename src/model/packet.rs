//! One decoded packet as netdiag understands it: the outer IP header, the encapsulation (VXLAN, IPIP
//! or none), the inner Ethernet/IP/transport headers, and the anomalies found in it. Every field is
//! `Copy` (no allocation per packet); names come from [`crate::packet::Annotator`] at print time.
//! The parsers fill it (`netdiag_parsers::packet`), the capture command prints it; the JSON shape is
//! documented in the README (`netdiag capture`).

use std::net::IpAddr;

use serde::{Serialize, Serializer};

use super::mac::MacAddr;

/// The capture's link layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    Ethernet,
    LinuxSll,
    LinuxSll2,
    RawIp,
}

/// How the pod packet travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encap {
    Vxlan,
    Ipip,
    #[default]
    None,
}

impl Encap {
    pub fn as_str(self) -> &'static str {
        match self {
            Encap::Vxlan => "vxlan",
            Encap::Ipip => "ipip",
            Encap::None => "none",
        }
    }
}

/// An IP fragment: offset in bytes and the more-fragments flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fragment {
    pub offset: u16,
    pub more: bool,
}

/// An IPv4 or IPv6 header, reduced to what diagnosis needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IpHeader {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol / IPv6 next header of the payload.
    pub proto: u8,
    /// TTL or hop limit.
    pub ttl: u8,
    /// Total length from the header (IPv4 total length; IPv6 payload length + 40).
    pub len: u32,
    /// IPv4 identification (0 for IPv6).
    #[serde(skip)]
    pub id: u16,
    /// Don't-fragment flag (IPv4).
    pub df: bool,
    pub fragment: Option<Fragment>,
}

/// UDP ports (the outer UDP of VXLAN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UdpPorts {
    pub sport: u16,
    pub dport: u16,
}

/// The 8-byte VXLAN header (RFC 7348): flags byte, 24 reserved bits, VNI, 8 reserved bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VxlanHeader {
    pub flags: u8,
    pub vni: u32,
    /// The reserved bits (the 24 after the flags, then the last 8), when any is set; 0 when clean.
    /// Group Policy (VXLAN-GBP) uses the first 24, so a GBP sender shows here.
    pub reserved: u32,
}

impl VxlanHeader {
    /// The I flag: "the VNI is valid". Must be set.
    pub fn i_flag(&self) -> bool {
        self.flags & 0x08 != 0
    }
}

/// Inner Ethernet addresses (VXLAN carries a whole frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EthHeader {
    pub src_mac: MacAddr,
    pub dst_mac: MacAddr,
    pub ether_type: u16,
}

/// TCP flags in the order tcpdump prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;

    /// tcpdump's letters: S F R P . U E W (`.` = ACK).
    pub fn letters(self, buf: &mut [u8; 8]) -> &str {
        let n;
        (*buf, n) = self.letter_bytes();
        // Only ASCII letters and '.' are ever written.
        std::str::from_utf8(&buf[..n]).unwrap_or("")
    }

    /// The letters as bytes, and how many there are: for writers that copy all eight at once.
    #[inline]
    pub fn letter_bytes(self) -> ([u8; 8], usize) {
        let mut buf = [0u8; 8];
        let mut n = 0;
        for (bit, c) in [
            (Self::SYN, b'S'),
            (Self::FIN, b'F'),
            (Self::RST, b'R'),
            (Self::PSH, b'P'),
            (Self::URG, b'U'),
            (Self::ECE, b'E'),
            (Self::CWR, b'W'),
            (Self::ACK, b'.'),
        ] {
            if let Some(d) = buf.get_mut(n) {
                *d = c;
            }
            n += usize::from(self.0 & bit != 0);
        }
        (buf, n)
    }
}

impl Serialize for TcpFlags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut b = [0u8; 8];
        s.serialize_str(self.letters(&mut b))
    }
}

/// The innermost transport header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transport {
    Tcp {
        sport: u16,
        dport: u16,
        flags: TcpFlags,
        seq: u32,
        /// Payload bytes (from the IP length, not what the snaplen kept).
        payload_len: u32,
    },
    Udp {
        sport: u16,
        dport: u16,
        payload_len: u32,
    },
    Icmp {
        icmp_type: u8,
        icmp_code: u8,
        /// Fragmentation needed: the next-hop MTU the router reported.
        mtu: Option<u16>,
        /// For ICMP errors: the quoted packet's header.
        quoted: Option<QuotedHeader>,
    },
    Icmpv6 {
        icmp_type: u8,
        icmp_code: u8,
        /// Packet too big: the MTU.
        mtu: Option<u32>,
        quoted: Option<QuotedHeader>,
    },
    Arp {
        op: u16,
        sender_ip: IpAddr,
        target_ip: IpAddr,
    },
}

/// The IP header (and ports) quoted inside an ICMP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuotedHeader {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
}

/// The anomalies of one packet, as bits; listed by [`Anomaly::ALL`] with stable codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Anomalies(pub u32);

/// One kind of anomaly. The codes are stable (README, `netdiag capture`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Anomaly {
    /// VXLAN with a VNI other than the cluster's.
    VniMismatch = 1,
    /// VXLAN on a UDP port other than the cluster's (decoded because `--vxlan-port` added it).
    PortMismatch = 1 << 1,
    /// VXLAN header without the I flag.
    IFlagMissing = 1 << 2,
    /// VXLAN reserved bits or unknown flags set.
    ReservedBits = 1 << 3,
    /// The inner IP packet is larger than the tunnel MTU.
    InnerOverMtu = 1 << 4,
    /// The outer IP packet is a fragment.
    OuterFragment = 1 << 5,
    /// ICMP "fragmentation needed" / ICMPv6 "packet too big".
    IcmpFragNeeded = 1 << 6,
    /// The capture holds less than the packet (snaplen) or a header is cut.
    Truncated = 1 << 7,
    /// A header is invalid (bad version, length fields that contradict each other).
    Malformed = 1 << 8,
    /// A VXLAN/IPIP endpoint is no known node.
    UnknownNode = 1 << 9,
    /// Tunnelled between two nodes that the pool says should talk directly (CrossSubnet, same subnet;
    /// or a pool without that encapsulation).
    EncapUnexpected = 1 << 10,
    /// Pod traffic sent directly between nodes that the pool says must tunnel.
    EncapMissing = 1 << 11,
}

impl Anomaly {
    pub const ALL: [Anomaly; 12] = [
        Anomaly::VniMismatch,
        Anomaly::PortMismatch,
        Anomaly::IFlagMissing,
        Anomaly::ReservedBits,
        Anomaly::InnerOverMtu,
        Anomaly::OuterFragment,
        Anomaly::IcmpFragNeeded,
        Anomaly::Truncated,
        Anomaly::Malformed,
        Anomaly::UnknownNode,
        Anomaly::EncapUnexpected,
        Anomaly::EncapMissing,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Anomaly::VniMismatch => "vni-mismatch",
            Anomaly::PortMismatch => "port-mismatch",
            Anomaly::IFlagMissing => "i-flag-missing",
            Anomaly::ReservedBits => "reserved-bits",
            Anomaly::InnerOverMtu => "inner-over-mtu",
            Anomaly::OuterFragment => "outer-fragment",
            Anomaly::IcmpFragNeeded => "icmp-frag-needed",
            Anomaly::Truncated => "truncated",
            Anomaly::Malformed => "malformed",
            Anomaly::UnknownNode => "unknown-node",
            Anomaly::EncapUnexpected => "encap-unexpected",
            Anomaly::EncapMissing => "encap-missing",
        }
    }
}

impl Anomalies {
    pub fn add(&mut self, a: Anomaly) {
        self.0 |= a as u32;
    }
    pub fn has(self, a: Anomaly) -> bool {
        self.0 & a as u32 != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Anomaly> {
        Anomaly::ALL.into_iter().filter(move |a| self.has(*a))
    }
}

impl Serialize for Anomalies {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(Anomaly::code))
    }
}

/// One packet: where it was captured (time, lengths), the outer IP header, the encapsulation and the
/// innermost headers. For `encap: none`, `inner` is the same IP header as `outer` (so pod flows are
/// counted alike whether tunnelled or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PacketRecord {
    /// Capture time, nanoseconds since the Unix epoch.
    #[serde(skip)]
    pub ts_ns: i64,
    /// Bytes on the wire and bytes captured.
    pub wire_len: u32,
    pub cap_len: u32,
    pub vlan: Option<u16>,
    pub outer: Option<IpHeader>,
    pub encap: Encap,
    pub udp: Option<UdpPorts>,
    pub vxlan: Option<VxlanHeader>,
    pub inner_eth: Option<EthHeader>,
    pub inner: Option<IpHeader>,
    pub transport: Option<Transport>,
    pub anomalies: Anomalies,
}

#[cfg(test)]
mod tests {
    use super::TcpFlags;

    #[test]
    fn tcp_flag_letters_in_tcpdump_order_for_every_flag_byte() {
        let order = [
            (TcpFlags::SYN, 'S'),
            (TcpFlags::FIN, 'F'),
            (TcpFlags::RST, 'R'),
            (TcpFlags::PSH, 'P'),
            (TcpFlags::URG, 'U'),
            (TcpFlags::ECE, 'E'),
            (TcpFlags::CWR, 'W'),
            (TcpFlags::ACK, '.'),
        ];
        for f in 0..=255u8 {
            let want: String = order
                .iter()
                .filter(|(bit, _)| f & bit != 0)
                .map(|(_, c)| *c)
                .collect();
            let mut buf = [0u8; 8];
            assert_eq!(TcpFlags(f).letters(&mut buf), want, "{f:#04x}");
            let (bytes, n) = TcpFlags(f).letter_bytes();
            assert_eq!(&bytes[..n], want.as_bytes(), "{f:#04x}");
        }
    }
}
