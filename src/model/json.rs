//! Hand-written pretty JSON for the bulk of a node's state, the route table: byte for byte what
//! `serde_json::to_string_pretty` writes for `[Route]` at the same depth (the tests hold it to that
//! over every route shape), so a caller may splice it into a document serde wrote.
//!
//! Why: on a node of 100 000 routes, serde's path — a formatter call and an escape scan for every
//! key, `Display` through `core::fmt` for every address — was two thirds of `netdiag show state -o
//! json` (callgrind, issue 17). Here keys are constants, IPv4 addresses are written digit by
//! digit, and only interface names are checked for characters JSON must escape. The text is
//! written as bytes: checking each number's and address's digits as UTF-8 to push them onto a
//! `String` was a fifth of the rest.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::route::{NextHop, Route};

/// Appends `routes` as serde_json's pretty printer writes the array when its opening bracket sits
/// at nesting depth `depth` (two spaces per level).
pub fn write_routes(out: &mut String, routes: &[Route], depth: usize) {
    let _ = write_routes_chunked::<std::convert::Infallible>(routes, depth, |s| {
        // Pieces end between routes, never inside a character.
        out.push_str(&String::from_utf8_lossy(s));
        Ok(())
    });
}

/// About this much text is handed to `emit` at a time.
const CHUNK_BYTES: usize = 256 * 1024;

/// The same text as [`write_routes`], handed to `emit` in pieces of about 256 KiB, so a caller can
/// stream a route table of any size without holding its JSON (about 340 bytes a route).
pub fn write_routes_chunked<E>(
    routes: &[Route],
    depth: usize,
    mut emit: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    if routes.is_empty() {
        return emit(b"[]");
    }
    // Every key with its line break and indentation, made once: a field then costs two copies.
    let rk = keys(&ROUTE_KEYS, depth + 2);
    let hk = keys(&HOP_KEYS, depth + 4);
    let (route_open, hop_open) = (indent(depth + 1), indent(depth + 3));
    let mut out = Vec::with_capacity(CHUNK_BYTES.min(routes.len() * 340) + 4096);
    out.push(b'[');
    for (i, r) in routes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(route_open.as_bytes());
        route(&mut out, r, &rk, &hk, hop_open, indent(depth + 2));
        if out.len() >= CHUNK_BYTES {
            emit(&out)?;
            out.clear();
        }
    }
    out.extend_from_slice(indent(depth).as_bytes());
    out.push(b']');
    emit(&out)
}

const ROUTE_KEYS: [&str; 13] = [
    "table", "dst", "kind", "gateway", "dev", "protocol", "scope", "onlink", "linkdown", "metric",
    "mtu", "src", "nexthops",
];
const HOP_KEYS: [&str; 4] = ["gateway", "dev", "weight", "onlink"];

/// `names` as `\n<indent>"name": `, in order.
fn keys<const N: usize>(names: &[&str; N], depth: usize) -> [String; N] {
    std::array::from_fn(|i| format!("{}\"{}\": ", indent(depth), names[i]))
}

/// A line break and `depth` levels of indentation (up to 32).
fn indent(depth: usize) -> &'static str {
    const PAD: &str = "\n                                                                ";
    &PAD[..(1 + 2 * depth).min(PAD.len())]
}

fn route(
    out: &mut Vec<u8>,
    r: &Route,
    k: &[String; 13],
    hk: &[String; 4],
    hop_open: &str,
    inner: &str,
) {
    let mut buf = Num::default();
    out.push(b'{');
    put(out, &k[0]);
    put(out, buf.uint(u64::from(r.table)));
    out.push(b',');
    put(out, &k[1]);
    net(out, &r.dst);
    out.push(b',');
    put(out, &k[2]);
    out.push(b'"');
    put(out, r.kind.as_str());
    put(out, "\",");
    put(out, &k[3]);
    opt_ip(out, r.gateway);
    out.push(b',');
    put(out, &k[4]);
    opt_str(out, r.dev.as_deref());
    out.push(b',');
    put(out, &k[5]);
    opt_uint(out, r.protocol.map(u64::from));
    out.push(b',');
    put(out, &k[6]);
    opt_uint(out, r.scope.map(|s| u64::from(s.0)));
    out.push(b',');
    put(out, &k[7]);
    put(out, if r.onlink { "true," } else { "false," });
    put(out, &k[8]);
    put(out, if r.linkdown { "true," } else { "false," });
    put(out, &k[9]);
    opt_uint(out, r.metric.map(u64::from));
    out.push(b',');
    put(out, &k[10]);
    opt_uint(out, r.mtu.map(u64::from));
    out.push(b',');
    put(out, &k[11]);
    opt_ip(out, r.src);
    out.push(b',');
    put(out, &k[12]);
    if r.nexthops.is_empty() {
        put(out, b"[]");
    } else {
        out.push(b'[');
        for (i, h) in r.nexthops.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            put(out, hop_open);
            nexthop(out, h, hk, hop_open);
        }
        put(out, inner);
        out.push(b']');
    }
    // The route's closing brace sits one level above its keys.
    put(out, &inner[..inner.len() - 2]);
    out.push(b'}');
}

fn nexthop(out: &mut Vec<u8>, h: &NextHop, k: &[String; 4], close: &str) {
    out.push(b'{');
    put(out, &k[0]);
    opt_ip(out, h.gateway);
    out.push(b',');
    put(out, &k[1]);
    opt_str(out, h.dev.as_deref());
    out.push(b',');
    put(out, &k[2]);
    opt_uint(out, h.weight.map(u64::from));
    out.push(b',');
    put(out, &k[3]);
    put(out, if h.onlink { "true" } else { "false" });
    put(out, close);
    out.push(b'}');
}

#[inline]
fn put(out: &mut Vec<u8>, s: impl AsRef<[u8]>) {
    out.extend_from_slice(s.as_ref());
}

/// Decimal digits on the stack.
#[derive(Default)]
struct Num {
    buf: [u8; 20],
}

impl Num {
    fn uint(&mut self, mut n: u64) -> &[u8] {
        let mut i = self.buf.len();
        loop {
            i -= 1;
            self.buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        &self.buf[i..]
    }
}

fn opt_uint(out: &mut Vec<u8>, n: Option<u64>) {
    match n {
        Some(n) => put(out, Num::default().uint(n)),
        None => put(out, b"null"),
    }
}

/// An IPv4 address, each octet's digits from the capture lines' table.
fn v4(out: &mut Vec<u8>, a: Ipv4Addr) {
    let mut b = [0u8; 16];
    let n = crate::packet::out::put_v4(&mut b, a.octets());
    put(out, &b[..n]);
}

/// An address as its `Display` form (IPv6 through `core::fmt`: rare on these nodes, and its
/// compression rules are not worth repeating).
fn ip(out: &mut Vec<u8>, a: IpAddr) {
    match a {
        IpAddr::V4(a) => v4(out, a),
        IpAddr::V6(a) => {
            let _ = write!(out, "{a}");
        }
    }
}

fn opt_ip(out: &mut Vec<u8>, a: Option<IpAddr>) {
    match a {
        Some(a) => {
            out.push(b'"');
            ip(out, a);
            out.push(b'"');
        }
        None => put(out, b"null"),
    }
}

fn net(out: &mut Vec<u8>, n: &IpNet) {
    out.push(b'"');
    match n {
        IpNet::V4(n) => v4(out, n.addr()),
        IpNet::V6(n) => {
            let _ = write!(out, "{}", n.addr());
        }
    }
    out.push(b'/');
    put(out, Num::default().uint(u64::from(n.prefix_len())));
    out.push(b'"');
}

fn opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => put(out, b"null"),
    }
}

/// A string, escaped by serde_json when it holds anything JSON must escape (interface names can
/// hold quotes and backslashes; the kernel only forbids `/`, `:` and blanks).
fn string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        put(
            out,
            serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()),
        );
    } else {
        out.push(b'"');
        put(out, s);
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RouteScope, RouteType};

    /// The routes wrapped as they sit in `show state` (items → routes: depth 2), through serde and
    /// through [`write_routes`].
    fn both(routes: &[Route]) -> (String, String) {
        #[derive(serde::Serialize)]
        struct Items<'a> {
            routes: &'a [Route],
        }
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            items: Items<'a>,
        }
        let want = serde_json::to_string_pretty(&Doc {
            items: Items { routes },
        })
        .expect("serde");
        let mut got = String::from("{\n  \"items\": {\n    \"routes\": ");
        write_routes(&mut got, routes, 2);
        got.push_str("\n  }\n}");
        (got, want)
    }

    fn shapes() -> Vec<Route> {
        let mut plain = Route::new("10.244.1.0/26".parse().expect("net"));
        plain.dev = Some("vxlan.calico".into());
        plain.gateway = Some("10.244.1.0".parse().expect("ip"));
        plain.protocol = Some(80);
        plain.onlink = true;
        let mut full = Route::new("fd00:10:244::/122".parse().expect("net"));
        full.table = 255;
        full.kind = RouteType::Blackhole;
        full.scope = Some(RouteScope::LINK);
        full.metric = Some(1024);
        full.mtu = Some(u32::MAX);
        full.src = Some("fd00::1".parse().expect("ip"));
        full.linkdown = true;
        full.dev = Some("we\"ird\\name\u{1}".into());
        full.nexthops = vec![
            NextHop {
                gateway: Some("192.168.0.255".parse().expect("ip")),
                dev: Some("eth0".into()),
                weight: Some(1),
                onlink: true,
            },
            NextHop {
                gateway: None,
                dev: None,
                weight: None,
                onlink: false,
            },
        ];
        let default = Route::new("0.0.0.0/0".parse().expect("net"));
        let mut out = vec![plain, full, default];
        for k in [
            "local",
            "broadcast",
            "anycast",
            "multicast",
            "unreachable",
            "prohibit",
            "throw",
            "nat",
        ] {
            let mut r = Route::new("192.0.2.0/24".parse().expect("net"));
            r.kind = RouteType::parse(k).expect("kind");
            out.push(r);
        }
        let mut other = Route::new("::/0".parse().expect("net"));
        other.kind = RouteType::Other;
        out.push(other);
        out
    }

    #[test]
    fn every_route_shape_is_what_serde_writes() {
        for r in shapes() {
            let (got, want) = both(std::slice::from_ref(&r));
            assert_eq!(got, want);
        }
        let (got, want) = both(&shapes());
        assert_eq!(got, want);
        let (got, want) = both(&[]);
        assert_eq!(got, want);
    }

    /// A table bigger than one chunk comes out in several pieces that join to the whole text.
    #[test]
    fn chunks_join_to_the_whole_array() {
        let routes: Vec<Route> = (0..4000u32)
            .map(|i| {
                let net = ipnet::Ipv4Net::new(Ipv4Addr::from(0x0a00_0000 + (i << 6)), 26);
                let mut r = Route::new(IpNet::V4(net.expect("prefix")));
                r.dev = Some("vxlan.calico".into());
                r
            })
            .collect();
        let (mut whole, mut pieces) = (String::new(), Vec::new());
        write_routes(&mut whole, &routes, 2);
        write_routes_chunked::<()>(&routes, 2, |s| {
            pieces.push(String::from_utf8(s.to_vec()).expect("UTF-8"));
            Ok(())
        })
        .expect("infallible");
        assert!(pieces.len() > 1, "{} piece(s)", pieces.len());
        assert_eq!(pieces.concat(), whole);
        let (got, want) = both(&routes);
        assert_eq!(got, want);
    }
}
