//! Live collection of a node's state over rtnetlink, in the current or a named network namespace.
//! Read-only: the only requests sent are dumps (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE,
//! RTM_GETNEIGH with NLM_F_DUMP). A part that fails becomes a note and stays `None`; the other parts
//! still come back, so one refused dump never hides the rest of the node.

use anyhow::Context;
use futures::{Stream, TryStreamExt};
use netlink_packet_route::link::LinkExtentMask;
use netlink_packet_route::neighbour::NeighbourMessage;
use netlink_packet_route::route::RouteMessage;
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

    // The remaining dumps are independent: one socket each, all in flight together. The route
    // tables (the big part: 100 000 routes on a node of a 5 000-node cluster) are read on a thread
    // of their own straight from the socket's bytes (`dump_routes`); the neighbour and FDB dumps
    // go through rtnetlink meanwhile.
    let (h_n4, h_n6, h_fdb) = (connect()?, connect()?, connect()?);
    let route_thread = {
        let names = names.clone();
        // Spawned from a thread of the namespace, so it is in the namespace too.
        std::thread::Builder::new()
            .name("netdiag-routes".into())
            .spawn(move || {
                let lookup = |i: u32| names.get(&i).cloned();
                [AF_INET, AF_INET6].map(|family| (family, dump_routes(family, &lookup)))
            })
            .context("cannot start the route dump thread")?
    };
    let neigh_of = |family| {
        move |m: &NeighbourMessage| {
            (m.header.family == family).then(|| convert::neighbour(m, &lookup))
        }
    };
    let (n4, n6, fdb_dump) = futures::join!(
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
    let route_dumps = route_thread
        .join()
        .map_err(|_| anyhow::anyhow!("the route dump thread panicked"))?;

    let mut routes: Option<Vec<Route>> = Some(Vec::new());
    for (family, result) in route_dumps {
        match result {
            Ok(got) => {
                if got.interrupted {
                    state.note(
                        "routes",
                        format!(
                            "the {} route table changed during each of {DUMP_TRIES} dumps (NLM_F_DUMP_INTR): the last one is kept and may be inconsistent",
                            if family == AF_INET { "IPv4" } else { "IPv6" }
                        ),
                    );
                }
                let got = got.routes.keep(&mut state, "routes", "route");
                match routes.as_mut() {
                    // Moved, not copied: the IPv4 table is the big one.
                    Some(r) if r.is_empty() => *r = got,
                    Some(r) => r.extend(got),
                    None => {}
                }
            }
            Err(e) => {
                // Half a routing table would read as "route missing": unknown is the truth.
                state.note(
                    "routes",
                    format!(
                        "{} route dump failed: {e}",
                        if family == AF_INET { "IPv4" } else { "IPv6" }
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

const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
/// `recv` returns a datagram's whole length even when it did not fit (`<sys/socket.h>`).
const MSG_TRUNC: i32 = 0x20;
/// How many times a route dump is taken when the table keeps changing under it.
const DUMP_TRIES: usize = 3;

/// One family's route dump, as read by [`dump_routes`].
struct RouteDump {
    routes: Converted<Route>,
    /// Every try was interrupted by a change of the table (NLM_F_DUMP_INTR).
    interrupted: bool,
}

/// Every route of one family, all tables (`ip route show table all`), on a socket of its own: the
/// RTM_GETROUTE dump request, then each buffer the kernel returns walked straight into routes
/// (`netdiag_parsers::netlink::route_dump_batch`, held to netlink-packet-route's reading by its
/// tests and fuzz target). netlink-packet-route's `RouteMessage`s with a `Vec` of every attribute
/// were most of the collection's time at 100 000 routes. A dump the table changed under
/// (NLM_F_DUMP_INTR) is taken again, up to [`DUMP_TRIES`] times. The error is one line.
fn dump_routes(family: u8, names: convert::Names<'_>) -> Result<RouteDump, String> {
    use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

    let mut sock = Socket::new(NETLINK_ROUTE).map_err(|e| describe_io(&e))?;
    sock.bind_auto().map_err(|e| describe_io(&e))?;
    sock.connect(&SocketAddr::new(0, 0))
        .map_err(|e| describe_io(&e))?;
    // The kernel fills at most 32 KiB per read for a dump; a bigger buffer costs nothing until
    // touched, and MSG_TRUNC below tells if a message still did not fit.
    let mut buf: Vec<u8> = Vec::with_capacity(256 * 1024);
    let mut last = None;
    for seq in 1..=DUMP_TRIES as u32 {
        sock.send(&convert::route_dump_request(family, seq), 0)
            .map_err(|e| describe_io(&e))?;
        let mut routes = Converted {
            items: Vec::new(),
            skipped: 0,
            first: None,
        };
        let mut interrupted = false;
        loop {
            buf.clear();
            let n = match sock.recv(&mut buf, MSG_TRUNC) {
                Ok(n) => n,
                // A signal (the TUI's resize) landed on this thread: read again.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(describe_io(&e)),
            };
            if n > buf.capacity() {
                return Err(format!(
                    "a netlink message of {n} bytes did not fit the {} byte buffer",
                    buf.capacity()
                ));
            }
            if n == 0 {
                return Err("the kernel closed the netlink socket mid-dump".into());
            }
            let batch = convert::route_dump_batch(&buf, seq, family, names, |r| match r {
                Ok(r) => routes.items.push(r),
                Err(e) => {
                    routes.skipped += 1;
                    routes.first.get_or_insert(e);
                }
            })
            .map_err(|e| format!("{}: {}", e.field, e.message))?;
            interrupted |= batch.interrupted;
            match batch.end {
                convert::DumpEnd::More => {}
                convert::DumpEnd::Done => break,
                convert::DumpEnd::Failed(errno) => {
                    return Err(describe_io(&std::io::Error::from_raw_os_error(errno)))
                }
            }
        }
        last = Some(RouteDump {
            routes,
            interrupted,
        });
        if !interrupted {
            break;
        }
    }
    last.ok_or_else(|| "no route dump was taken".to_string())
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
        rtnetlink::Error::NetlinkError(msg) => describe_io(&msg.to_io()),
        other => other.to_string(),
    }
}

/// An OS error of a netlink socket as one line, with the fix for privilege errors.
fn describe_io(io: &std::io::Error) -> String {
    match io.raw_os_error().map(Errno::from_raw) {
        Some(Errno::EPERM | Errno::EACCES) => {
            format!("{io}: needs root or CAP_SYS_ADMIN/CAP_NET_ADMIN: run with sudo")
        }
        _ => io.to_string(),
    }
}
