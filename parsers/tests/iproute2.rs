//! The iproute2 decoders against the fixtures in `testdata/iproute2/` (real `ip`/`bridge` output
//! from a lab namespace, and hand-written forms this lab cannot produce): every dump decodes, a
//! text dump and its `-j` twin agree on the facts both carry, known values come out right, and
//! no input — random strings, keyword soup, truncated fixtures, random JSON — makes a decoder panic.

use std::collections::BTreeMap;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use netdiag_core::model::{
    FdbEntry, FdbState, IfAddr, IpipInfo, Link, LinkKind, MacAddr, NeighState, Neighbour,
    OperState, Route, RouteProto, RouteScope, RouteType, VxlanInfo,
};
use netdiag_parsers::iproute2::{
    merge_links, parse_dump, parse_fdb_json, parse_fdb_text, parse_links_json, parse_links_text,
    parse_neigh_json, parse_neigh_text, parse_routes_json, parse_routes_text, Dump, DumpKind,
};
use netdiag_parsers::{Location, ParseError};
use proptest::prelude::*;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/iproute2");

fn read(rel: &str) -> String {
    let p = Path::new(ROOT).join(rel);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `.txt`/`.json` dump under `testdata/iproute2/`, with the kind its name says.
fn fixtures() -> Vec<(PathBuf, DumpKind, bool)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = fs::read_dir(ROOT)
        .expect("testdata/iproute2")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .expect("fixture dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let json = name.ends_with(".json");
            if !json && !name.ends_with(".txt") {
                continue;
            }
            let kind = DumpKind::ALL
                .into_iter()
                .find(|k| name.starts_with(k.file_stem()))
                .unwrap_or_else(|| panic!("{}: no dump kind in its name", f.display()));
            out.push((f, kind, json));
        }
    }
    out
}

#[test]
fn every_fixture_decodes() {
    let all = fixtures();
    assert!(all.len() >= 39, "fixtures missing: {}", all.len());
    for (path, kind, json) in all {
        let body = fs::read_to_string(&path).expect("fixture");
        let dump =
            parse_dump(kind, &body, json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!dump.is_empty(), "{}: decoded nothing", path.display());
    }
}

/// Every `X.txt` with an `X.json` beside it decodes to the same items.
#[test]
fn text_and_json_twins_agree() {
    let mut pairs = 0;
    for (path, kind, json) in fixtures() {
        if json {
            continue;
        }
        let twin = path.with_extension("json");
        if !twin.is_file() {
            continue;
        }
        pairs += 1;
        let text = parse_dump(kind, &fs::read_to_string(&path).expect("text"), false)
            .expect("text decodes");
        let json = parse_dump(kind, &fs::read_to_string(&twin).expect("json"), true)
            .expect("json decodes");
        let (t, j) = (normalized(text), normalized(json));
        assert_eq!(t.len(), j.len(), "{}: item counts differ", path.display());
        for (a, b) in t.iter().zip(&j) {
            assert_eq!(a, b, "{} and its .json disagree", path.display());
        }
    }
    assert!(pairs >= 17, "only {pairs} text/json pairs");
}

/// Items as comparable strings, sorted where the kernel's dump order is not stable between two
/// dumps (neighbour and FDB hash tables).
fn normalized(d: Dump) -> Vec<String> {
    let mut v: Vec<String> = match d {
        Dump::Links(l) => l.iter().map(|x| format!("{x:?}")).collect(),
        Dump::Routes(r) => r.iter().map(|x| format!("{x:?}")).collect(),
        Dump::Neighbours(n) => n.iter().map(|x| format!("{x:?}")).collect(),
        Dump::Fdb(f) => f.iter().map(|x| format!("{x:?}")).collect(),
    };
    v.sort();
    v
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn net(s: &str) -> IpNet {
    s.parse().expect("test prefix")
}

fn mac(s: &str) -> MacAddr {
    s.parse().expect("test MAC")
}

fn link<'a>(links: &'a [Link], name: &str) -> &'a Link {
    links
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no link {name}"))
}

fn lab_links_d() -> Vec<Link> {
    parse_links_text(&read("lab-a/ip-link-d.txt")).expect("ip -d link")
}

#[test]
fn lab_vxlan_devices() {
    for links in [
        lab_links_d(),
        parse_links_json(&read("lab-a/ip-link-d.json")).expect("json"),
        parse_links_json(&read("lab-a/ip-link-d-pretty.json")).expect("pretty json"),
    ] {
        let vx = link(&links, "vxlan.calico");
        assert_eq!(vx.kind, Some(LinkKind::Vxlan));
        assert_eq!(vx.mtu, Some(1450));
        assert_eq!(vx.mac, Some(mac("66:ee:11:22:33:05")));
        assert_eq!(
            vx.vxlan,
            Some(VxlanInfo {
                vni: Some(4096),
                port: Some(4789),
                local: Some(ip("10.0.0.5")),
                parent_index: None,
                parent_name: Some("eth0".into()),
                learning: Some(false),
                remote: None,
            })
        );
        let v0 = link(&links, "vxlan0")
            .vxlan
            .clone()
            .expect("vxlan0 details");
        assert_eq!(v0.remote, Some(ip("239.1.1.1")));
        assert_eq!(v0.learning, Some(true));
        assert_eq!(v0.port, Some(4790));
        let uc = link(&links, "vxlan-uc")
            .vxlan
            .clone()
            .expect("vxlan-uc details");
        assert_eq!(uc.remote, Some(ip("10.0.0.2")));
        let v6 = link(&links, "vxlan6")
            .vxlan
            .clone()
            .expect("vxlan6 details");
        assert_eq!(v6.local, Some(ip("fd00::5")));
        assert_eq!(v6.vni, Some(7));
        let ext = link(&links, "vxlan-ext")
            .vxlan
            .clone()
            .expect("external details");
        assert_eq!((ext.vni, ext.port, ext.local), (Some(0), Some(4791), None));
        assert_eq!(link(&links, "lo").kind, Some(LinkKind::Loopback));
        assert_eq!(link(&links, "br0").kind, Some(LinkKind::Bridge));
        let vbr0 = link(&links, "vbr0");
        assert_eq!(vbr0.kind, Some(LinkKind::Veth));
        assert_eq!(vbr0.master.as_deref(), Some("br0"));
        assert_eq!(vbr0.link_name.as_deref(), Some("vbr1"));
        let eth0 = link(&links, "eth0");
        assert_eq!(eth0.kind, Some(LinkKind::Veth));
        assert_eq!(eth0.link_name.as_deref(), Some("if2"));
        assert_eq!(eth0.link_index, Some(2));
        assert_eq!(eth0.oper_state, Some(OperState::Up));
        assert_eq!(eth0.admin_up, Some(true));
        let vdown0 = link(&links, "vdown0");
        assert_eq!(vdown0.oper_state, Some(OperState::LowerLayerDown));
    }
}

#[test]
fn lab_without_details_has_no_kinds() {
    for links in [
        parse_links_text(&read("lab-a/ip-link.txt")).expect("text"),
        parse_links_json(&read("lab-a/ip-link.json")).expect("json"),
        parse_links_text(&read("lab-a/ip-addr.txt")).expect("addr text"),
    ] {
        for l in &links {
            let want = (l.name == "lo").then_some(LinkKind::Loopback);
            assert_eq!(l.kind, want, "{}", l.name);
            assert_eq!(l.vxlan, None);
        }
    }
}

#[test]
fn lab_link_variants_agree() {
    let plain = parse_links_text(&read("lab-a/ip-link.txt")).expect("plain");
    let oneline = parse_links_text(&read("lab-a/ip-link-o.txt")).expect("-o");
    assert_eq!(plain, oneline);
    // `-s -d`: statistics lines do not disturb the details.
    let stats = parse_links_text(&read("lab-a/ip-link-s.txt")).expect("-s -d");
    let details = lab_links_d();
    assert_eq!(stats.len(), details.len());
    for (s, d) in stats.iter().zip(&details) {
        assert_eq!((&s.name, &s.kind, &s.vxlan), (&d.name, &d.kind, &d.vxlan));
    }
    // `-o addr` has only the address lines; the addresses are the same.
    let addr = parse_links_text(&read("lab-a/ip-addr.txt")).expect("addr");
    let addr_o = parse_links_text(&read("lab-a/ip-addr-o.txt")).expect("addr -o");
    for o in &addr_o {
        assert_eq!(o.addrs, link(&addr, &o.name).addrs, "{}", o.name);
    }
}

#[test]
fn lab_addresses_and_merge() {
    let addrs = parse_links_text(&read("lab-a/ip-addr.txt")).expect("addr");
    let eth0 = link(&addrs, "eth0");
    assert!(eth0.addrs.contains(&IfAddr {
        addr: ip("10.0.0.5"),
        prefix_len: 24,
        scope: Some("global".into())
    }));
    assert!(eth0.has_addr(ip("fd00::5")));
    let vbr1 = link(&addrs, "vbr1");
    assert!(vbr1.addrs.contains(&IfAddr {
        addr: ip("10.0.0.7"),
        prefix_len: 32,
        scope: Some("global".into())
    }));

    let mut links = lab_links_d();
    let n = links.len();
    merge_links(&mut links, addrs);
    assert_eq!(links.len(), n);
    let vx = link(&links, "vxlan.calico");
    assert_eq!(vx.kind, Some(LinkKind::Vxlan));
    assert!(vx.has_addr(ip("192.168.10.0")));
}

fn lab_routes() -> Vec<Route> {
    parse_routes_text(&read("lab-a/ip-route.txt")).expect("routes")
}

fn route<'a>(routes: &'a [Route], table: u32, dst: &str) -> &'a Route {
    routes
        .iter()
        .find(|r| r.table == table && r.dst == net(dst))
        .unwrap_or_else(|| panic!("no route {dst} in table {table}"))
}

#[test]
fn lab_routes_known_values() {
    for routes in [
        lab_routes(),
        parse_routes_json(&read("lab-a/ip-route.json")).expect("json"),
        parse_routes_text(&read("lab-a/ip-route-d.txt")).expect("-d"),
        parse_routes_json(&read("lab-a/ip-route-d.json")).expect("-d json"),
    ] {
        let bh = route(&routes, 254, "192.168.10.0/26");
        assert_eq!(bh.kind, RouteType::Blackhole);
        assert_eq!(bh.protocol, Some(RouteProto::FELIX));
        assert_eq!(bh.dev, None);

        let vx = route(&routes, 254, "192.168.30.0/26");
        assert_eq!(vx.gateway, Some(ip("192.168.30.0")));
        assert_eq!(vx.dev.as_deref(), Some("vxlan.calico"));
        assert!(vx.onlink);
        assert_eq!(vx.protocol, Some(80));

        let def = route(&routes, 254, "0.0.0.0/0");
        assert_eq!(def.protocol, Some(RouteProto::BOOT));
        assert_eq!(def.scope, Some(RouteScope::UNIVERSE));
        assert_eq!(route(&routes, 254, "::/0").gateway, Some(ip("fd00::1")));

        assert_eq!(route(&routes, 254, "10.2.1.0/24").mtu, Some(1400));
        assert_eq!(route(&routes, 254, "10.1.0.0/16").metric, Some(1024));
        assert_eq!(route(&routes, 254, "10.3.0.0/16").src, Some(ip("10.0.0.5")));
        assert_eq!(
            route(&routes, 100, "10.5.0.0/16").gateway,
            Some(ip("10.0.0.1"))
        );
        assert!(route(&routes, 254, "10.6.0.0/16").linkdown);
        assert_eq!(
            route(&routes, 254, "192.168.99.0/24").kind,
            RouteType::Unreachable
        );
        assert_eq!(
            route(&routes, 254, "192.168.98.0/24").kind,
            RouteType::Prohibit
        );
        assert_eq!(
            route(&routes, 254, "192.168.97.0/24").kind,
            RouteType::Throw
        );

        let mp = route(&routes, 254, "10.4.0.0/16");
        assert_eq!(mp.protocol, Some(RouteProto::BIRD));
        assert_eq!(
            mp.paths(),
            vec![
                (Some(ip("10.0.0.6")), Some("eth0")),
                (Some(ip("10.0.0.8")), Some("eth0"))
            ]
        );
        assert_eq!(mp.nexthops[1].weight, Some(2));
        // One next hop is `dead linkdown`; the model keeps the path.
        assert_eq!(route(&routes, 254, "10.10.0.0/16").nexthops.len(), 2);
        assert_eq!(route(&routes, 254, "2001:db8:3::/64").nexthops.len(), 2);

        let local = route(&routes, 255, "10.0.0.5/32");
        assert_eq!(local.kind, RouteType::Local);
        assert_eq!(local.scope, Some(RouteScope::HOST));
        assert_eq!(
            route(&routes, 255, "10.0.0.255/32").kind,
            RouteType::Broadcast
        );
        assert_eq!(
            route(&routes, 254, "fd00:20::/122").kind,
            RouteType::Blackhole
        );
        assert!(routes.iter().any(|r| r.kind == RouteType::Multicast));
    }
}

#[test]
fn lab_route_views_are_consistent() {
    let all = lab_routes();
    let main = parse_routes_text(&read("lab-a/ip-route-main.txt")).expect("main");
    for r in &main {
        assert!(all.contains(r), "{r:?} missing from table all");
    }
    let v6 = parse_routes_text(&read("lab-a/ip-route-6.txt")).expect("-6");
    let all_v6_main: Vec<&Route> = all
        .iter()
        .filter(|r| r.dst.addr().is_ipv6() && r.is_main())
        .collect();
    assert_eq!(v6.iter().collect::<Vec<_>>(), all_v6_main);
    // `-d` prints the defaults explicitly; the facts are the same.
    let d = parse_routes_text(&read("lab-a/ip-route-d.txt")).expect("-d");
    assert_eq!(
        all.iter()
            .map(|r| (r.table, r.dst, r.kind, r.protocol, r.scope))
            .collect::<Vec<_>>(),
        d.iter()
            .map(|r| (r.table, r.dst, r.kind, r.protocol, r.scope))
            .collect::<Vec<_>>()
    );
}

#[test]
fn lab_neighbours() {
    let want_perm = [
        ("10.0.0.2", "eth0", "52:54:00:12:34:56"),
        ("192.168.30.0", "vxlan.calico", "66:11:22:33:44:55"),
        ("fd00::2", "eth0", "52:54:00:12:34:56"),
        ("10.0.0.11", "eth0", "52:54:00:12:34:5b"),
    ];
    for n in [
        parse_neigh_text(&read("lab-a/ip-neigh.txt")).expect("text"),
        parse_neigh_json(&read("lab-a/ip-neigh.json")).expect("json"),
        parse_neigh_text(&read("lab-a/ip-neigh-s.txt")).expect("-s"),
    ] {
        let by_ip: BTreeMap<IpAddr, &Neighbour> = n.iter().map(|x| (x.ip, x)).collect();
        for (a, dev, m) in want_perm {
            let x = by_ip[&ip(a)];
            assert_eq!(x.dev, dev);
            assert_eq!(x.mac, Some(mac(m)));
            assert_eq!(x.state, Some(NeighState(NeighState::PERMANENT)));
        }
        let r = by_ip[&ip("fe80::1")];
        assert!(r.router);
        assert_eq!(r.state, Some(NeighState(NeighState::STALE)));
        assert_eq!(
            by_ip[&ip("10.0.0.3")].state,
            Some(NeighState(NeighState::REACHABLE))
        );
        let failed = by_ip[&ip("10.0.0.78")];
        assert_eq!(
            (failed.mac, failed.state),
            (None, Some(NeighState(NeighState::FAILED)))
        );
        assert!(by_ip[&ip("10.0.0.77")]
            .state
            .is_some_and(|s| s.is_unresolved()));
    }
    let all = parse_neigh_text(&read("lab-a/ip-neigh-all.txt")).expect("nud all");
    let noarp = all
        .iter()
        .find(|x| x.ip == ip("10.0.0.10"))
        .expect("noarp entry");
    assert_eq!(noarp.state, Some(NeighState(NeighState::NOARP)));
    for p in [
        parse_neigh_text(&read("lab-a/ip-neigh-proxy.txt")).expect("proxy"),
        parse_neigh_json(&read("lab-a/ip-neigh-proxy.json")).expect("proxy json"),
    ] {
        assert_eq!(
            p,
            vec![Neighbour {
                ip: ip("10.0.0.100"),
                mac: None,
                dev: "eth0".into(),
                state: None,
                router: false,
                proxy: true,
            }]
        );
    }
}

#[test]
fn lab_fdb() {
    for f in [
        parse_fdb_text(&read("lab-a/bridge-fdb.txt")).expect("text"),
        parse_fdb_json(&read("lab-a/bridge-fdb.json")).expect("json"),
    ] {
        let calico = f
            .iter()
            .find(|e| e.dev == "vxlan.calico")
            .expect("vxlan.calico entry");
        assert_eq!(
            calico,
            &FdbEntry {
                mac: mac("66:11:22:33:44:55"),
                dev: "vxlan.calico".into(),
                dst: Some(ip("10.0.0.2")),
                vlan: None,
                vni: None,
                port: None,
                master: None,
                is_self: true,
                is_master: false,
                state: Some(FdbState::Permanent),
            }
        );
        let custom = f
            .iter()
            .find(|e| e.mac == mac("66:11:22:33:44:66"))
            .expect("port/vni entry");
        assert_eq!((custom.port, custom.vni), (Some(4795), Some(200)));
        let group = f
            .iter()
            .find(|e| e.dev == "vxlan0" && e.dst == Some(ip("239.1.1.1")))
            .expect("multicast default entry");
        assert!(group.mac.is_zero());
        assert!(f
            .iter()
            .any(|e| e.dev == "vxlan6" && e.dst == Some(ip("fd00::2"))));
        let bridged = f
            .iter()
            .find(|e| e.mac == mac("aa:bb:cc:dd:ee:01"))
            .expect("bridge entry");
        assert_eq!(bridged.master.as_deref(), Some("br0"));
        assert!(bridged.is_master && !bridged.is_self);
        assert_eq!(bridged.state, Some(FdbState::Static));
    }
}

#[test]
fn hand_written_ipip_node() {
    for links in [
        parse_links_text(&read("hand-calico-ipip/ip-link-d.txt")).expect("text"),
        parse_links_json(&read("hand-calico-ipip/ip-link-d.json")).expect("json"),
    ] {
        let t = link(&links, "tunl0");
        assert_eq!(t.kind, Some(LinkKind::Ipip));
        assert_eq!(t.link_name.as_deref(), Some("NONE"));
        assert_eq!(
            t.ipip,
            Some(IpipInfo {
                local: Some(None),
                remote: Some(None)
            })
        );
        assert_eq!(t.mac, None);
        assert_eq!(link(&links, "ens3").kind, Some(LinkKind::Device));
        assert_eq!(link(&links, "cali0a1b2c3d4e5").link_index, Some(3));
    }
    for routes in [
        parse_routes_text(&read("hand-calico-ipip/ip-route.txt")).expect("text"),
        parse_routes_json(&read("hand-calico-ipip/ip-route.json")).expect("json"),
    ] {
        let ecmp = route(&routes, 254, "10.96.0.0/12");
        assert_eq!(ecmp.protocol, Some(RouteProto::BIRD));
        assert_eq!(ecmp.nexthops.len(), 3);
        let tun = route(&routes, 254, "192.168.88.0/26");
        assert_eq!((tun.dev.as_deref(), tun.onlink), (Some("tunl0"), true));
        assert!(route(&routes, 254, "192.168.89.0/26").linkdown);
        assert!(route(&routes, 254, "10.0.1.0/24").linkdown);
        assert_eq!(
            route(&routes, 254, "0.0.0.0/0").protocol,
            Some(RouteProto::DHCP)
        );
        let mp = route(&routes, 254, "192.168.90.0/26");
        assert!(mp.nexthops.iter().all(|n| n.onlink));
    }
}

#[test]
fn hand_written_bridge_fdb() {
    let f = parse_fdb_text(&read("hand-bridge-vlan/bridge-fdb.txt")).expect("text");
    let vlan10 = f
        .iter()
        .find(|e| e.mac == mac("52:54:00:bb:00:02"))
        .expect("entry");
    assert_eq!(
        (vlan10.vlan, vlan10.state),
        (Some(10), Some(FdbState::Static))
    );
    let learnt = f
        .iter()
        .find(|e| e.mac == mac("52:54:00:bb:00:01"))
        .expect("entry");
    assert_eq!(learnt.state, Some(FdbState::Dynamic));
    let remote = f
        .iter()
        .find(|e| e.dev == "vxlan100" && e.port.is_some())
        .expect("entry");
    assert_eq!(
        (remote.dst, remote.port, remote.vni, remote.is_self),
        (Some(ip("10.0.0.2")), Some(4790), Some(100), true)
    );
}

/// A node can hold 100 000 routes; decoding them must stay linear (this runs in the debug build
/// in well under a second; a quadratic step would not).
#[test]
fn a_hundred_thousand_routes() {
    let mut text = String::with_capacity(100_000 * 64);
    let mut json = String::from("[");
    for i in 0..100_000u32 {
        let (a, b) = (10 + (i >> 16), (i >> 8) & 0xff);
        let c = i & 0xff;
        text.push_str(&format!(
            "{a}.{b}.{c}.0/24 via 10.0.0.{} dev eth0 proto bird onlink \n",
            c % 250 + 1
        ));
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            r#"{{"dst":"{a}.{b}.{c}.0/24","gateway":"10.0.0.{}","dev":"eth0","protocol":"bird","flags":["onlink"]}}"#,
            c % 250 + 1
        ));
    }
    json.push(']');
    let t = parse_routes_text(&text).expect("text");
    let j = parse_routes_json(&json).expect("json");
    assert_eq!(t.len(), 100_000);
    assert_eq!(t, j);
}

// ---- errors ----------------------------------------------------------------------------------

fn loc_field(e: ParseError) -> (Location, String) {
    (e.location, e.field)
}

#[test]
fn errors_in_real_dumps_name_the_line_and_field() {
    // Break one value deep inside a real dump; the error points at it.
    let body = read("lab-a/ip-route.txt");
    let line = body
        .lines()
        .position(|l| l.starts_with("10.1.0.0/16"))
        .expect("line")
        + 1;
    let broken = body.replace("metric 1024 \n", "metric 10x24 \n");
    let e = parse_routes_text(&broken).expect_err("must fail");
    assert_eq!(
        loc_field(e.clone()),
        (Location::Line(line), "metric".into())
    );
    let shown = e.in_file("ip-route.txt").to_string();
    assert!(
        shown.starts_with(&format!("ip-route.txt:{line}: metric: ")),
        "{shown}"
    );

    let body = read("lab-a/bridge-fdb.txt");
    let broken = body.replace("dst 10.0.0.2 self", "dst 10.0.0.256 self");
    let line = body
        .lines()
        .position(|l| l.contains("dst 10.0.0.2 self"))
        .expect("line")
        + 1;
    assert_eq!(
        loc_field(parse_fdb_text(&broken).expect_err("must fail")),
        (Location::Line(line), "dst".into())
    );

    let body = read("lab-a/ip-link-d.txt");
    let broken = body.replace("dstport 4789", "dstport 99999");
    let line = body
        .lines()
        .position(|l| l.contains("dstport 4789"))
        .expect("line")
        + 1;
    assert_eq!(
        loc_field(parse_links_text(&broken).expect_err("must fail")),
        (Location::Line(line), "vxlan dstport".into())
    );

    let body = read("lab-a/ip-neigh.json");
    let broken = body.replacen("\"dst\":\"10.0.0.4\",", "", 1);
    let e = parse_neigh_json(&broken).expect_err("must fail");
    assert_eq!(e.field, "dst");
    assert!(matches!(
        e.location,
        Location::Document {
            doc: 1,
            item: Some(_)
        }
    ));

    let e = parse_routes_json(&read("lab-a/ip-link.json")).expect_err("links are not routes");
    assert_eq!(e.field, "dst");
    let e = parse_links_json("[{\"ifname\": \"x\"}").expect_err("truncated");
    assert_eq!(e.field, "json");
}

// ---- properties ------------------------------------------------------------------------------

type Parser = fn(&str) -> Result<(), ParseError>;

fn text_parsers() -> [Parser; 4] {
    [
        |s| parse_links_text(s).map(drop),
        |s| parse_routes_text(s).map(drop),
        |s| parse_neigh_text(s).map(drop),
        |s| parse_fdb_text(s).map(drop),
    ]
}

fn json_parsers() -> [Parser; 4] {
    [
        |s| parse_links_json(s).map(drop),
        |s| parse_routes_json(s).map(drop),
        |s| parse_neigh_json(s).map(drop),
        |s| parse_fdb_json(s).map(drop),
    ]
}

const VOCAB: &[&str] = &[
    "1:",
    "2:",
    "eth0:",
    "eth0@if7:",
    "tunl0@NONE:",
    "@",
    "<UP,LOWER_UP>",
    "<BROADCAST",
    ">",
    "mtu",
    "qdisc",
    "master",
    "state",
    "UP",
    "DOWN",
    "UNKNOWN",
    "LOWERLAYERDOWN",
    "mode",
    "group",
    "qlen",
    "link/ether",
    "link/ipip",
    "link/none",
    "link/loopback",
    "link-netns",
    "link-netnsid",
    "brd",
    "promiscuity",
    "vxlan",
    "id",
    "local",
    "remote",
    "dev",
    "srcport",
    "dstport",
    "nolearning",
    "ipip",
    "any",
    "veth",
    "bridge",
    "bridge_slave",
    "inet",
    "inet6",
    "peer",
    "scope",
    "global",
    "link",
    "host",
    "valid_lft",
    "forever",
    "default",
    "via",
    "table",
    "proto",
    "kernel",
    "bird",
    "80",
    "metric",
    "1024",
    "lock",
    "src",
    "pref",
    "medium",
    "expires",
    "300sec",
    "onlink",
    "linkdown",
    "dead",
    "rt_trunc",
    "nexthop",
    "weight",
    "cache",
    "blackhole",
    "unreachable",
    "local",
    "broadcast",
    "encap",
    "inet6",
    "lladdr",
    "router",
    "proxy",
    "REACHABLE",
    "STALE",
    "PERMANENT",
    "FAILED",
    "NOARP",
    "used",
    "probes",
    "self",
    "permanent",
    "static",
    "vlan",
    "port",
    "vni",
    "src_vni",
    "dst",
    "10.0.0.1",
    "10.0.0.0/24",
    "0/8",
    "fd00::1",
    "fe80::/64",
    "::/0",
    "52:54:00:12:34:56",
    "00:00:00:00:00:00",
    "ff:ff",
    "4096",
    "4789",
    "65536",
    "-1",
    "99999999999",
    "",
    "/",
    "\\",
    ":",
    "\t",
];

fn soup() -> impl Strategy<Value = String> {
    let tok = prop::sample::select(VOCAB);
    let sep = prop::sample::select(&[" ", " ", " ", "\t", "\n", "\n    ", "\n\t", "\\"][..]);
    prop::collection::vec((tok, sep), 0..60).prop_map(|v| {
        let mut s = String::new();
        for (t, sep) in v {
            s.push_str(t);
            s.push_str(sep);
        }
        s
    })
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u32>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(VOCAB).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    let keys = prop::sample::select(
        &[
            "ifindex",
            "ifname",
            "flags",
            "mtu",
            "master",
            "operstate",
            "link_type",
            "address",
            "link",
            "link_index",
            "promiscuity",
            "linkinfo",
            "info_kind",
            "info_data",
            "id",
            "local",
            "local6",
            "remote",
            "group6",
            "port",
            "learning",
            "addr_info",
            "family",
            "prefixlen",
            "scope",
            "type",
            "dst",
            "gateway",
            "via",
            "host",
            "dev",
            "protocol",
            "table",
            "metric",
            "metrics",
            "prefsrc",
            "pref",
            "nexthops",
            "weight",
            "lladdr",
            "router",
            "proxy",
            "state",
            "mac",
            "vlan",
            "vni",
            "x",
        ][..],
    );
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(String::from), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The real fixtures, for truncation and splicing.
fn fixture_bodies() -> Vec<(String, bool)> {
    fixtures()
        .into_iter()
        .map(|(p, _, json)| (fs::read_to_string(p).expect("fixture"), json))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC*") {
        for p in text_parsers().into_iter().chain(json_parsers()) {
            let _ = p(&s);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        let s = String::from_utf8_lossy(&b);
        for p in text_parsers().into_iter().chain(json_parsers()) {
            let _ = p(&s);
        }
    }

    #[test]
    fn keyword_soup_never_panics(s in soup()) {
        for p in text_parsers() {
            let _ = p(&s);
        }
    }

    #[test]
    fn random_json_never_panics(items in prop::collection::vec(json_value(), 0..6)) {
        let doc = serde_json::Value::Array(items).to_string();
        for p in json_parsers() {
            let _ = p(&doc);
        }
    }

    #[test]
    fn truncated_and_spliced_fixtures_never_panic(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        other in any::<prop::sample::Index>(),
        insert in soup(),
    ) {
        let bodies = fixture_bodies();
        let (body, json) = &bodies[pick.index(bodies.len())];
        let at = cut.index(body.len() + 1);
        // Fixtures are ASCII, so every byte offset is a char boundary.
        let truncated = &body[..at];
        let spliced = format!("{}{}{}", &body[..at], insert, &body[other.index(body.len() + 1).max(at)..]);
        let ps = if *json { json_parsers() } else { text_parsers() };
        for p in ps {
            let _ = p(truncated);
            let _ = p(&spliced);
        }
    }
}
