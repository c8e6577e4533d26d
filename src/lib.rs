//! netdiag-core: the pure domain of netdiag — what a node has (links, addresses, routes, neighbours,
//! FDB), what the cluster intends (pools, nodes, blocks, Felix settings, pods), what Calico would
//! program from that intent (`expect`), and the findings that explain every difference.
//!
//! Nothing in this crate performs I/O: sources live in the `netdiag` binary, foreign formats in
//! `netdiag-parsers`. The dependency graph keeps it that way (CI guards it with `cargo tree`).

pub mod bundle;
pub mod calico;
pub mod cluster;
pub mod expect;
pub mod finding;
pub mod model;
pub mod overview;
pub mod packet;
pub mod report;
pub mod trace;

pub use finding::{Code, Finding, Severity};
pub use model::cluster::ClusterIntent;
pub use model::node::NodeState;

/// Version of every JSON document netdiag prints (`show -o json`, `node-status -o json`).
/// Bumped on any incompatible change; additions of fields do not bump it.
pub const SCHEMA_VERSION: &str = "netdiag/v1";
