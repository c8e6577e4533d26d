//! Netlink dump bytes (nlmsghdr + rtnetlink payload, as a dump returns them) decoded, then every
//! message converted as `node-status --netns` converts it: links (names first), addresses,
//! routes, neighbours and FDB entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdiag_parsers::netlink;
use netlink_packet_route::RouteNetlinkMessage as M;

fuzz_target!(|data: &[u8]| {
    let Ok(msgs) = netlink::decode_dump(data) else {
        return;
    };
    let link_msgs: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            M::NewLink(l) => Some(l.clone()),
            _ => None,
        })
        .collect();
    let names = netlink::link_names(&link_msgs);
    let lookup = |i: u32| names.get(&i).cloned();
    let mut links: Vec<_> = link_msgs
        .iter()
        .filter_map(|l| netlink::link(l, &lookup).ok())
        .collect();
    let mut addrs = Vec::new();
    for m in &msgs {
        match m {
            M::NewAddress(a) => addrs.extend(netlink::address(a).ok()),
            M::NewRoute(r) => {
                let _ = netlink::route(r, &lookup);
            }
            M::NewNeighbour(n) => {
                let _ = netlink::neighbour(n, &lookup);
                let _ = netlink::fdb_entry(n, &lookup);
            }
            _ => {}
        }
    }
    let _ = netlink::attach_addrs(&mut links, addrs);
});
