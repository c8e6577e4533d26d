//! iproute2 dumps — `ip [-d] [-o] link|addr|route|neigh show` and `bridge fdb show`, as text or
//! as `-j` JSON — decoded into the core model. Pure functions: no I/O, no panics on any input;
//! a line or item that does not decode is a [`ParseError`] naming the line (or the JSON document
//! and item) and the field.
//!
//! The rules every decoder follows:
//! - What the dump does not say is `None`, never a guess (`ip link` without `-d` gives no kind).
//!   Where iproute2 leaves a value out *because* it is the default (route type `unicast`, table
//!   main, `proto boot`, scope universe; FDB state dynamic), the default is filled in: the dump
//!   does say it. Each module documents its own such rules.
//! - Text is read line by line with `split_ascii_whitespace` (odd spacing and tabs are fine; blank
//!   lines are skipped). Unknown keywords are skipped one word at a time, because iproute2 adds
//!   keywords over time and the arity of an unknown one cannot be known; a malformed value of a
//!   known keyword is an error.
//! - JSON goes through borrowed, all-optional structs (see `json.rs`), so a value of the wrong type is
//!   reported with its key, and unknown keys are ignored.

mod fdb;
mod json;
mod link;
mod neigh;
mod route;
mod tokens;

pub use fdb::{parse_fdb_json, parse_fdb_text};
pub use link::{merge_links, parse_links_json, parse_links_text};
pub use neigh::{parse_neigh_json, parse_neigh_text};
pub use route::{parse_routes_json, parse_routes_text};

use netdiag_core::model::{FdbEntry, Link, Neighbour, Route};

use crate::error::ParseError;

/// The kinds of iproute2 dump a node's state is collected from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DumpKind {
    /// `ip [-d] link show`
    Link,
    /// `ip [-d] addr show`: links with their addresses.
    Addr,
    /// `ip [-d] route show table all` (and `ip -6 route show table all`)
    Route,
    /// `ip neigh show`
    Neigh,
    /// `bridge fdb show`
    Fdb,
}

impl DumpKind {
    pub const ALL: [DumpKind; 5] = [
        DumpKind::Link,
        DumpKind::Addr,
        DumpKind::Route,
        DumpKind::Neigh,
        DumpKind::Fdb,
    ];

    /// The file name (without `.txt`/`.json`) a dump of this kind is saved under in a bundle.
    pub fn file_stem(&self) -> &'static str {
        match self {
            DumpKind::Link => "ip-link",
            DumpKind::Addr => "ip-addr",
            DumpKind::Route => "ip-route",
            DumpKind::Neigh => "ip-neigh",
            DumpKind::Fdb => "bridge-fdb",
        }
    }

    pub fn from_file_stem(stem: &str) -> Option<DumpKind> {
        DumpKind::ALL.into_iter().find(|k| k.file_stem() == stem)
    }
}

/// The decoded items of one dump. `Link` and `Addr` dumps both give [`Dump::Links`]; combine the
/// two with [`merge_links`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dump {
    Links(Vec<Link>),
    Routes(Vec<Route>),
    Neighbours(Vec<Neighbour>),
    Fdb(Vec<FdbEntry>),
}

impl Dump {
    pub fn len(&self) -> usize {
        match self {
            Dump::Links(v) => v.len(),
            Dump::Routes(v) => v.len(),
            Dump::Neighbours(v) => v.len(),
            Dump::Fdb(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Decodes one dump of `kind`, as `-j` JSON when `json` is set, as text otherwise.
pub fn parse_dump(kind: DumpKind, input: &str, json: bool) -> Result<Dump, ParseError> {
    Ok(match (kind, json) {
        (DumpKind::Link | DumpKind::Addr, false) => Dump::Links(parse_links_text(input)?),
        (DumpKind::Link | DumpKind::Addr, true) => Dump::Links(parse_links_json(input)?),
        (DumpKind::Route, false) => Dump::Routes(parse_routes_text(input)?),
        (DumpKind::Route, true) => Dump::Routes(parse_routes_json(input)?),
        (DumpKind::Neigh, false) => Dump::Neighbours(parse_neigh_text(input)?),
        (DumpKind::Neigh, true) => Dump::Neighbours(parse_neigh_json(input)?),
        (DumpKind::Fdb, false) => Dump::Fdb(parse_fdb_text(input)?),
        (DumpKind::Fdb, true) => Dump::Fdb(parse_fdb_json(input)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_round_trip() {
        for k in DumpKind::ALL {
            assert_eq!(DumpKind::from_file_stem(k.file_stem()), Some(k));
        }
        assert_eq!(DumpKind::Fdb.file_stem(), "bridge-fdb");
        assert_eq!(DumpKind::from_file_stem("ip-rule"), None);
    }

    #[test]
    fn parse_dump_dispatches() {
        let d =
            parse_dump(DumpKind::Route, "default via 10.0.0.1 dev eth0\n", false).expect("route");
        assert!(matches!(&d, Dump::Routes(r) if r.len() == 1));
        let d = parse_dump(DumpKind::Neigh, "[]", true).expect("neigh");
        assert!(matches!(&d, Dump::Neighbours(n) if n.is_empty()));
        assert!(d.is_empty());
        let d = parse_dump(DumpKind::Addr, "1: lo: <UP> mtu 65536\n", false).expect("addr");
        assert_eq!(d.len(), 1);
        assert!(parse_dump(DumpKind::Fdb, "not a mac dev x\n", false).is_err());
    }
}
