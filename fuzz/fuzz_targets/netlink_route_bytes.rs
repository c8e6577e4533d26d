//! Differential: a route dump read straight from its bytes (`route_dump_batch`, the live
//! collector's path) against netlink-packet-route's parse + `netlink::route`, message by message.
//! Wherever netlink-packet-route reads a message, both must give the same route or both refuse
//! it; any difference is a crash. The whole buffer is also walked as one `recv` would return it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdiag_parsers::netlink;

fuzz_target!(|data: &[u8]| {
    let seq = data
        .get(8..12)
        .map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    let family = data.get(16).copied().unwrap_or(2);
    let names = |i: u32| (i % 3 == 0).then(|| format!("dev{i}"));
    let _ = netlink::route_dump_batch(data, seq, family, &names, |_| {});
    let mut at = 0;
    while let Some(h) = data.get(at..at + 16) {
        let len = u32::from_ne_bytes([h[0], h[1], h[2], h[3]]) as usize;
        if len < 16 || at + len > data.len() {
            break;
        }
        if let Some(why) = netlink::route_bytes_disagree(&data[at..at + len]) {
            panic!("message at byte {at}: {why}");
        }
        at += (len + 3) & !3;
    }
});
