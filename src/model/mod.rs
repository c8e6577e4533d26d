//! The normalized model: node state as the kernel reports it, and cluster intent as the
//! Kubernetes/Calico resources declare it. Every field a source did not report is `None`
//! ("unknown"), never a guessed default.

pub mod bgp;
pub mod cluster;
pub mod flannel;
pub mod json;
pub mod link;
pub mod mac;
pub mod neigh;
pub mod node;
pub mod packet;
pub mod route;

pub use bgp::{BgpState, BirdProtocol, BirdRoute};
pub use cluster::ClusterIntent;
pub use link::{IfAddr, IpipInfo, Link, LinkKind, LinkStats, OperState, VxlanInfo};
pub use mac::MacAddr;
pub use neigh::{FdbEntry, FdbState, NeighState, Neighbour};
pub use node::NodeState;
pub use route::{NextHop, Route, RouteProto, RouteScope, RouteType};
