//! netdiag-parsers: pure translations of foreign formats into netdiag-core types.
//!
//! - [`bird`]: BIRD control-socket replies (`show protocols all`, `show route`), 1.6 and 2.x.
//! - [`bundle`]: a support bundle's tar(.gz), walked with every stated length bounded.
//! - [`cluster`]: Kubernetes and Calico resources (YAML or JSON; single objects, `List`s, multi-doc).
//! - [`flannel`]: Flannel's `net-conf.json`, `backend-data` annotation and `subnet.env`.
//! - [`iproute2`]: `ip`/`bridge` text output and their `-j` JSON.
//! - [`netlink`]: rtnetlink messages (links, addresses, routes, neighbours, FDB).
//! - [`pcapfile`]: the classic pcap file format's headers (pcapng is left to libpcap).
//! - [`sysctl`]: `sysctl -a` output (a bundle's `sysctl.txt`).
//! - [`packet`]: captured frames (Ethernet/VLAN, Linux SLL/SLL2, raw IP → outer IP → VXLAN or IPIP →
//!   inner Ethernet/IP → TCP/UDP/ICMP) into `PacketRecord`s.
//!
//! No decoder performs I/O or panics on any input; every failure is a [`ParseError`] that names the
//! file, line or document, and field.

pub mod bird;
pub mod bundle;
pub mod cluster;
pub mod error;
pub mod flannel;
pub mod iproute2;
pub mod netlink;
pub mod packet;
pub mod pcapfile;
pub mod sysctl;

pub use error::{Location, ParseError};
