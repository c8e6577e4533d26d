//! Live collection of a node's state over rtnetlink, in the current or a named network namespace.
//! Read-only: the only requests sent are dumps (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE,
//! RTM_GETNEIGH with NLM_F_DUMP). A part that fails becomes a note and stays `None`; the other parts
//! still come back, so one refused dump never hides the rest of the node.

use anyhow::Context;
use futures::{Stream, TryStreamExt};
use netlink_packet_route::link::LinkExtentMask;
use netlink_packet_route::neighbour::NeighbourMessage;
use netlink_packet_route::route::{RouteHeader, RouteMessage};
use netlink_packet_route::AddressFamily;
use nix::errno::Errno;

use netdiag_core::model::{FdbEntry, Link, Neighbour, Route};
use netdiag_core::NodeState;
use netdiag_parsers::netlink as convert;
use netdiag_parsers::ParseError;

use super::netns;

/// Where to collect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetlinkOptions {
    /// A name under /run/netns (`ip netns add NAME`), or an absolute path to a namespace file
    /// (`/proc/PID/ns/net`). `None`: the namespace netdiag runs in.
    pub netns: Option<String>,
    /// Also collect interface counters (the TUI's rates); off otherwise, so the kernel does not
    /// ship them for nothing.
    pub stats: bool,
}

/// Dumps links (with addresses), routes of every table, neighbours and the bridge FDB, IPv4 and
/// IPv6, and converts them to the model. Errors only when nothing can be collected at all (a
/// missing namespace, no privilege to enter it, no netlink socket); anything narrower is a note.
pub fn collect(opts: &NetlinkOptions) -> anyhow::Result<NodeState> {
    let source = match &opts.netns {
        Some(ns) => format!("netlink netns={ns}"),
        None => "netlink".to_string(),
    };
    // The runtime and the socket are created on the collection thread: in the target namespace
    // when there is one (a socket stays in the namespace it was created in).
    netns::run_on_thread(opts.netns.as_deref(), move || {
        // Two workers: the big dumps below run on their own sockets at once, and decoding their
        // messages (the costly part at 100 000 routes) is spread over both cores. Worker threads
        // are spawned from this thread, so they are in its namespace too.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_io()
            .build()
            .context("cannot start the netlink runtime")?;
        rt.block_on(collect_here(source, opts.stats))
    })
}

/// A netlink socket (created now, on the namespace's thread) with its connection task running.
fn connect() -> anyhow::Result<rtnetlink::Handle> {
    let (conn, handle, _) = rtnetlink::new_connection().context("cannot open a netlink socket")?;
    tokio::spawn(conn);
    Ok(handle)
}

async fn collect_here(source: String, stats: bool) -> anyhow::Result<NodeState> {
    let handle = connect()?;
    let mut state = NodeState {
        source,
        ..NodeState::default()
    };

    // Links first: every other part names links by index (if this dump fails they print as
    // `if<N>`). RTEXT_FILTER_SKIP_STATS unless counters were asked for.
    let link_msgs = match dump(
        handle
            .link()
            .get()
            .set_filter_mask(
                AddressFamily::Unspec,
                if stats {
                    Vec::new()
                } else {
                    vec![LinkExtentMask::SkipStats]
                },
            )
            .execute(),
    )
    .await
    {
        Ok(msgs) => Some(msgs),
        Err(e) => {
            state.note("links", format!("link dump failed: {}", describe(&e)));
            None
        }
    };
    let names = link_msgs
        .as_deref()
        .map(convert::link_names)
        .unwrap_or_default();
    let lookup = |i: u32| names.get(&i).cloned();
    let mut links: Option<Vec<Link>> = link_msgs.map(|msgs| {
        convert_all(&mut state, "links", "link", msgs.iter(), |m| {
            convert::link(m, &lookup)
        })
    });

    // AF_UNSPEC: IPv4 and IPv6 in one dump, like `ip addr`.
    match dump(handle.address().get().execute()).await {
        Ok(msgs) => {
            let ip = msgs.iter().filter(|m| is_ip(m.header.family));
            let addrs = convert_all(&mut state, "addrs", "address", ip, convert::address);
            if let Some(links) = links.as_mut() {
                let orphans = convert::attach_addrs(links, addrs);
                state.addrs_collected = true;
                if let Some((index, a)) = orphans.first() {
                    state.note(
                        "addrs",
                        format!(
                            "{} address(es) on links missing from the link dump (first: {} on index {index}); a link changed during collection",
                            orphans.len(),
                            a.addr
                        ),
                    );
                }
            }
        }
        Err(e) => state.note("addrs", format!("address dump failed: {}", describe(&e))),
    }

    // The remaining dumps are independent: one socket each, all in flight together.
    let route_req = |family| {
        // rtm_table 0 (RT_TABLE_UNSPEC) and no RTA_TABLE: every table, not just main.
        let mut req = RouteMessage::default();
        req.header.address_family = family;
        req.header.table = RouteHeader::RT_TABLE_UNSPEC;
        req
    };
    let (h_r4, h_r6, h_n4, h_n6, h_fdb) =
        (connect()?, connect()?, connect()?, connect()?, connect()?);
    // Each dump is converted as it arrives (see `dump_converting`); a kernel without a family
    // (ipv6.disable=1) answers an unknown family with its all-families dump, so only the messages
    // of the family asked for are kept.
    let route_of = |family| {
        move |m: &RouteMessage| {
            (m.header.address_family == family).then(|| convert::route(m, &lookup))
        }
    };
    let neigh_of = |family| {
        move |m: &NeighbourMessage| {
            (m.header.family == family).then(|| convert::neighbour(m, &lookup))
        }
    };
    let (r4, r6, n4, n6, fdb_dump) = futures::join!(
        dump_converting(
            h_r4.route().get(route_req(AddressFamily::Inet)).execute(),
            route_of(AddressFamily::Inet)
        ),
        dump_converting(
            h_r6.route().get(route_req(AddressFamily::Inet6)).execute(),
            route_of(AddressFamily::Inet6)
        ),
        dump_converting(
            h_n4.neighbours()
                .get()
                .set_address_family(AddressFamily::Inet)
                .execute(),
            neigh_of(AddressFamily::Inet)
        ),
        dump_converting(
            h_n6.neighbours()
                .get()
                .set_address_family(AddressFamily::Inet6)
                .execute(),
            neigh_of(AddressFamily::Inet6)
        ),
        // `bridge fdb show`: RTM_GETNEIGH with family AF_BRIDGE. It holds VXLAN devices' own
        // (self) entries as well as bridges'.
        dump_converting(
            h_fdb
                .neighbours()
                .get()
                .set_address_family(AddressFamily::Bridge)
                .execute(),
            |m: &NeighbourMessage| {
                (m.header.family == AddressFamily::Bridge).then(|| convert::fdb_entry(m, &lookup))
            }
        ),
    );

    let mut routes: Option<Vec<Route>> = Some(Vec::new());
    for (family, result) in [(AddressFamily::Inet, r4), (AddressFamily::Inet6, r6)] {
        match result {
            Ok(got) => {
                let got = got.keep(&mut state, "routes", "route");
                if let Some(r) = routes.as_mut() {
                    r.extend(got);
                }
            }
            Err(e) => {
                // Half a routing table would read as "route missing": unknown is the truth.
                state.note(
                    "routes",
                    format!(
                        "{} route dump failed: {}",
                        family_name(family),
                        describe(&e)
                    ),
                );
                routes = None;
            }
        }
    }

    let mut neighbours: Option<Vec<Neighbour>> = Some(Vec::new());
    for (family, result) in [(AddressFamily::Inet, n4), (AddressFamily::Inet6, n6)] {
        match result {
            Ok(got) => {
                let got = got.keep(&mut state, "neigh", "neighbour");
                if let Some(n) = neighbours.as_mut() {
                    n.extend(got);
                }
            }
            Err(e) => {
                state.note(
                    "neigh",
                    format!(
                        "{} neighbour dump failed: {}",
                        family_name(family),
                        describe(&e)
                    ),
                );
                neighbours = None;
            }
        }
    }

    let fdb: Option<Vec<FdbEntry>> = match fdb_dump {
        Ok(got) => Some(got.keep(&mut state, "fdb", "FDB entry")),
        Err(e) => {
            state.note("fdb", format!("FDB dump failed: {}", describe(&e)));
            None
        }
    };

    state.links = links;
    state.routes = routes;
    state.neighbours = neighbours;
    state.fdb = fdb;
    Ok(state)
}

/// The kernel's own route for each address, as `ip route get ADDR` asks it (RTM_GETROUTE with a
/// destination and no NLM_F_DUMP: a lookup, read-only). `state` names the interfaces. An address
/// the kernel refuses (unreachable, no route) is left out: the caller falls back to the table.
pub fn route_get(
    netns: Option<&str>,
    ips: &[std::net::IpAddr],
    state: &NodeState,
) -> anyhow::Result<std::collections::HashMap<std::net::IpAddr, Route>> {
    let names: std::collections::HashMap<u32, String> = state
        .links()
        .iter()
        .filter_map(|l| Some((l.index?, l.name.clone())))
        .collect();
    netns::run_on_thread(netns, move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .context("cannot start the netlink runtime")?;
        rt.block_on(async {
            let handle = connect()?;
            let lookup = |i: u32| names.get(&i).cloned();
            let mut out = std::collections::HashMap::new();
            for ip in ips {
                let mut msg = RouteMessage::default();
                let (family, len, addr) = match ip {
                    std::net::IpAddr::V4(a) => (
                        AddressFamily::Inet,
                        32,
                        netlink_packet_route::route::RouteAddress::Inet(*a),
                    ),
                    std::net::IpAddr::V6(a) => (
                        AddressFamily::Inet6,
                        128,
                        netlink_packet_route::route::RouteAddress::Inet6(*a),
                    ),
                };
                msg.header.address_family = family;
                msg.header.destination_prefix_length = len;
                msg.attributes
                    .push(netlink_packet_route::route::RouteAttribute::Destination(
                        addr,
                    ));
                let Ok(msgs) = dump(handle.route().get(msg).execute()).await else {
                    continue;
                };
                if let Some(r) = msgs.first().and_then(|m| convert::route(m, &lookup).ok()) {
                    out.insert(*ip, r);
                }
            }
            Ok(out)
        })
    })
}

async fn dump<T>(
    stream: impl Stream<Item = Result<T, rtnetlink::Error>>,
) -> Result<Vec<T>, rtnetlink::Error> {
    stream.try_collect().await
}

/// A dump's messages converted to the model as they arrived, and those that could not be.
struct Converted<T> {
    items: Vec<T>,
    skipped: usize,
    first: Option<ParseError>,
}

impl<T> Converted<T> {
    /// The converted items; the skipped ones become one note for the part (as [`convert_all`]).
    fn keep(self, state: &mut NodeState, part: &str, what: &str) -> Vec<T> {
        if let Some(e) = self.first {
            state.note(
                part,
                format!(
                    "skipped {} {what} message(s) netdiag could not read (first: {}: {})",
                    self.skipped, e.field, e.message
                ),
            );
        }
        self.items
    }
}

/// Reads a dump converting each message as it arrives and dropping it, rather than collecting
/// the messages first: a 100 000-route table is then never held twice (netlink-packet-route's
/// messages, then the routes), and converting runs in this task while the connection's task
/// parses the next messages on the runtime's other worker. `one` returns `None` for a message to
/// leave out silently (another family).
async fn dump_converting<M, T>(
    stream: impl Stream<Item = Result<M, rtnetlink::Error>>,
    mut one: impl FnMut(&M) -> Option<Result<T, ParseError>>,
) -> Result<Converted<T>, rtnetlink::Error> {
    futures::pin_mut!(stream);
    let mut c = Converted {
        items: Vec::new(),
        skipped: 0,
        first: None,
    };
    while let Some(m) = stream.try_next().await? {
        match one(&m) {
            None => {}
            Some(Ok(v)) => c.items.push(v),
            Some(Err(e)) => {
                c.skipped += 1;
                c.first.get_or_insert(e);
            }
        }
    }
    Ok(c)
}

/// Converts every message, keeping the good ones and noting the rest once per part (the first
/// reason and a count), so one odd message neither aborts the part nor floods the report.
fn convert_all<'m, M: 'm, T>(
    state: &mut NodeState,
    part: &str,
    what: &str,
    msgs: impl Iterator<Item = &'m M>,
    mut one: impl FnMut(&M) -> Result<T, ParseError>,
) -> Vec<T> {
    let mut out = Vec::new();
    let mut skipped = 0usize;
    let mut first: Option<ParseError> = None;
    for m in msgs {
        match one(m) {
            Ok(v) => out.push(v),
            Err(e) => {
                skipped += 1;
                first.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first {
        state.note(
            part,
            format!(
                "skipped {skipped} {what} message(s) netdiag could not read (first: {}: {})",
                e.field, e.message
            ),
        );
    }
    out
}

fn is_ip(family: AddressFamily) -> bool {
    matches!(family, AddressFamily::Inet | AddressFamily::Inet6)
}

fn family_name(family: AddressFamily) -> &'static str {
    match family {
        AddressFamily::Inet6 => "IPv6",
        AddressFamily::Bridge => "bridge",
        _ => "IPv4",
    }
}

/// A netlink error as one line, with the fix for the one users can act on (privilege).
fn describe(e: &rtnetlink::Error) -> String {
    match e {
        rtnetlink::Error::NetlinkError(msg) => {
            let io = msg.to_io();
            match io.raw_os_error().map(Errno::from_raw) {
                Some(Errno::EPERM | Errno::EACCES) => {
                    format!("{io}: needs root or CAP_SYS_ADMIN/CAP_NET_ADMIN: run with sudo")
                }
                _ => io.to_string(),
            }
        }
        other => other.to_string(),
    }
}
