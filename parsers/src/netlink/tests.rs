//! Tests of the netlink conversion: on kernel bytes captured from a Calico-like VXLAN node
//! (testdata/netlink, see its README), on messages built in code for what the capture cannot show
//! (IPIP, RTA_VIA, odd or truncated messages), and on garbage, which must never panic.

use std::collections::HashMap;
use std::net::IpAddr;

use netlink_packet_core::{Emitable, Parseable};
use netlink_packet_route::link::LinkHeader;
use netlink_packet_route::neighbour::{NeighbourHeader, NeighbourState};
use netlink_packet_route::route::{RouteHeader, RouteProtocol};
use proptest::prelude::*;

use netdiag_core::model::{FdbState, RouteProto};

use super::*;

const LINKS: &[u8] = include_bytes!("../../../testdata/netlink/links.bin");
const ADDRS: &[u8] = include_bytes!("../../../testdata/netlink/addrs.bin");
const ROUTES4: &[u8] = include_bytes!("../../../testdata/netlink/routes4.bin");
const ROUTES6: &[u8] = include_bytes!("../../../testdata/netlink/routes6.bin");
const NEIGH4: &[u8] = include_bytes!("../../../testdata/netlink/neigh4.bin");
const NEIGH6: &[u8] = include_bytes!("../../../testdata/netlink/neigh6.bin");
const FDB: &[u8] = include_bytes!("../../../testdata/netlink/fdb.bin");

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test IP")
}

fn net(s: &str) -> IpNet {
    s.parse().expect("test net")
}

fn mac_of(s: &str) -> MacAddr {
    s.parse().expect("test MAC")
}

fn decode(bytes: &[u8]) -> Vec<RouteNetlinkMessage> {
    decode_dump(bytes).expect("fixture decodes")
}

fn link_msgs() -> Vec<LinkMessage> {
    decode(LINKS)
        .into_iter()
        .filter_map(|m| match m {
            RouteNetlinkMessage::NewLink(l) => Some(l),
            _ => None,
        })
        .collect()
}

/// The fixture namespace as the collector would build it.
struct Node {
    names: HashMap<u32, String>,
    links: Vec<Link>,
}

impl Node {
    fn load() -> Node {
        let msgs = link_msgs();
        let names = link_names(&msgs);
        let lookup = |i: u32| names.get(&i).cloned();
        let mut links: Vec<Link> = msgs
            .iter()
            .map(|m| link(m, &lookup).expect("link converts"))
            .collect();
        let addrs = decode(ADDRS).into_iter().map(|m| match m {
            RouteNetlinkMessage::NewAddress(a) => address(&a).expect("address converts"),
            other => panic!("not an address: {other:?}"),
        });
        assert!(attach_addrs(&mut links, addrs).is_empty());
        Node { names, links }
    }

    fn link(&self, name: &str) -> &Link {
        self.links
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("no link {name}"))
    }

    fn lookup(&self) -> impl Fn(u32) -> Option<String> + '_ {
        |i| self.names.get(&i).cloned()
    }

    fn routes(&self, bytes: &[u8]) -> Vec<Route> {
        let lookup = self.lookup();
        decode(bytes)
            .into_iter()
            .map(|m| match m {
                RouteNetlinkMessage::NewRoute(r) => route(&r, &lookup).expect("route converts"),
                other => panic!("not a route: {other:?}"),
            })
            .collect()
    }

    fn neighbours(&self, bytes: &[u8]) -> Vec<Neighbour> {
        let lookup = self.lookup();
        decode(bytes)
            .into_iter()
            .map(|m| match m {
                RouteNetlinkMessage::NewNeighbour(n) => {
                    neighbour(&n, &lookup).expect("neighbour converts")
                }
                other => panic!("not a neighbour: {other:?}"),
            })
            .collect()
    }

    fn fdb(&self) -> Vec<FdbEntry> {
        let lookup = self.lookup();
        decode(FDB)
            .into_iter()
            .map(|m| match m {
                RouteNetlinkMessage::NewNeighbour(n) => fdb_entry(&n, &lookup).expect("fdb"),
                other => panic!("not an FDB entry: {other:?}"),
            })
            .collect()
    }
}

fn find_route<'a>(routes: &'a [Route], table: u32, dst: &str) -> &'a Route {
    routes
        .iter()
        .find(|r| r.table == table && r.dst == net(dst))
        .unwrap_or_else(|| panic!("no route {dst} in table {table}"))
}

#[test]
fn captured_links_convert_with_kind_state_and_vxlan_details() {
    let node = Node::load();
    assert_eq!(
        node.links
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>(),
        ["lo", "eth0", "vxlan.calico", "br0", "brp1", "brp0"]
    );

    let lo = node.link("lo");
    assert_eq!(lo.kind, Some(LinkKind::Loopback));
    assert_eq!(lo.oper_state, Some(OperState::Unknown));
    assert_eq!(lo.admin_up, Some(true));
    assert_eq!(lo.mtu, Some(65536));

    let eth0 = node.link("eth0");
    assert_eq!(eth0.index, Some(2));
    assert_eq!(eth0.kind, Some(LinkKind::Veth));
    assert_eq!(eth0.mac, Some(mac_of("02:00:0a:0a:0a:0b")));
    assert_eq!(eth0.oper_state, Some(OperState::Up));
    assert_eq!(eth0.mtu, Some(1500));
    // The peer lives in another namespace (IFLA_LINK_NETNSID): its index must not be resolved
    // against this namespace's names (index 2 here is eth0 itself).
    assert_eq!(eth0.link_index, Some(2));
    assert_eq!(eth0.link_name.as_deref(), Some("if2"));

    let vx = node.link("vxlan.calico");
    assert_eq!(vx.kind, Some(LinkKind::Vxlan));
    assert_eq!(vx.mtu, Some(1450));
    assert_eq!(vx.mac, Some(mac_of("66:11:22:33:44:55")));
    assert_eq!(vx.oper_state, Some(OperState::Unknown));
    assert_eq!(vx.is_up(), Some(true));
    assert_eq!(
        vx.vxlan,
        Some(VxlanInfo {
            vni: Some(4096),
            // Big-endian on the wire: 4789, not 46354.
            port: Some(4789),
            local: Some(ip("10.10.10.11")),
            parent_index: Some(2),
            parent_name: Some("eth0".into()),
            learning: Some(false),
            remote: None,
        })
    );

    assert_eq!(node.link("br0").kind, Some(LinkKind::Bridge));
    let brp0 = node.link("brp0");
    assert_eq!(brp0.master.as_deref(), Some("br0"));
    assert_eq!(brp0.oper_state, Some(OperState::LowerLayerDown));
    // Same-namespace veth peer: resolved to its name, as `brp0@brp1`.
    assert_eq!(brp0.link_name.as_deref(), Some("brp1"));
    assert_eq!(node.link("brp1").admin_up, Some(false));
}

#[test]
fn captured_addresses_attach_to_their_links() {
    let node = Node::load();
    let eth0 = node.link("eth0");
    let got: Vec<(IpAddr, u8, Option<&str>)> = eth0
        .addrs
        .iter()
        .map(|a| (a.addr, a.prefix_len, a.scope.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (ip("10.10.10.11"), 24, Some("global")),
            (ip("fd00:10::11"), 64, Some("global")),
            (ip("fe80::aff:fe0a:a0b"), 64, Some("link")),
        ]
    );
    assert!(node.link("vxlan.calico").has_addr(ip("192.168.81.0")));
    assert_eq!(node.link("lo").addrs[0].scope.as_deref(), Some("host"));
}

#[test]
fn captured_ipv4_routes_of_all_tables() {
    let node = Node::load();
    let routes = node.routes(ROUTES4);

    let blackhole = find_route(&routes, 254, "192.168.81.0/26");
    assert_eq!(blackhole.kind, RouteType::Blackhole);
    assert_eq!(blackhole.protocol, Some(RouteProto::FELIX));
    assert_eq!(blackhole.dev, None);

    let vxlan = find_route(&routes, 254, "192.168.209.64/26");
    assert_eq!(vxlan.gateway, Some(ip("192.168.209.64")));
    assert_eq!(vxlan.dev.as_deref(), Some("vxlan.calico"));
    assert!(vxlan.onlink);
    assert_eq!(vxlan.protocol, Some(80));

    let same_subnet = find_route(&routes, 254, "192.168.50.0/26");
    assert!(same_subnet.onlink);
    assert_eq!(same_subnet.gateway, Some(ip("10.10.10.12")));

    let metric = find_route(&routes, 254, "192.168.60.0/24");
    assert_eq!(
        (metric.metric, metric.mtu, metric.protocol),
        (Some(1024), Some(1400), Some(RouteProto::BOOT))
    );
    assert!(!metric.onlink);

    // No RTA_DST: the default route.
    let default = find_route(&routes, 254, "0.0.0.0/0");
    assert_eq!(default.gateway, Some(ip("10.10.10.1")));

    let connected = find_route(&routes, 254, "10.10.10.0/24");
    assert_eq!(connected.protocol, Some(RouteProto::KERNEL));
    assert_eq!(connected.scope, Some(RouteScope::LINK));
    assert_eq!(connected.src, Some(ip("10.10.10.11")));

    let multipath = find_route(&routes, 254, "192.168.70.0/24");
    assert_eq!(
        multipath.nexthops,
        [
            NextHop {
                gateway: Some(ip("10.10.10.12")),
                dev: Some("eth0".into()),
                weight: Some(2),
                onlink: false
            },
            NextHop {
                gateway: Some(ip("10.10.10.13")),
                dev: Some("eth0".into()),
                weight: Some(1),
                onlink: false
            },
        ]
    );

    assert_eq!(
        find_route(&routes, 100, "192.168.100.0/24").gateway,
        Some(ip("10.10.10.12"))
    );
    // Table 1000 does not fit rtm_table: only RTA_TABLE carries it.
    assert_eq!(
        find_route(&routes, 1000, "192.168.101.0/24").dev.as_deref(),
        Some("eth0")
    );
    let local = find_route(&routes, Route::TABLE_LOCAL, "192.168.81.0/32");
    assert_eq!(local.kind, RouteType::Local);
    assert_eq!(local.scope, Some(RouteScope::HOST));
}

#[test]
fn captured_ipv6_routes() {
    let node = Node::load();
    let routes = node.routes(ROUTES6);
    let felix = find_route(&routes, 254, "fd00:99::/64");
    assert_eq!(
        (felix.gateway, felix.protocol, felix.metric),
        (Some(ip("fd00:10::12")), Some(80), Some(1024))
    );
    assert_eq!(
        find_route(&routes, 254, "::/0").gateway,
        Some(ip("fd00:10::1"))
    );
    assert_eq!(
        find_route(&routes, 255, "ff00::/8").kind,
        RouteType::Multicast
    );
}

#[test]
fn captured_neighbours_keep_state_bits_and_flags() {
    let node = Node::load();
    let v4 = node.neighbours(NEIGH4);
    let calico = v4
        .iter()
        .find(|n| n.ip == ip("192.168.209.64"))
        .expect("VTEP neighbour");
    assert_eq!(
        calico,
        &Neighbour {
            ip: ip("192.168.209.64"),
            mac: Some(mac_of("66:aa:bb:cc:dd:ee")),
            dev: "vxlan.calico".into(),
            state: Some(NeighState(NeighState::PERMANENT)),
            router: false,
            proxy: false,
        }
    );
    let incomplete = v4
        .iter()
        .find(|n| n.ip == ip("10.10.10.1"))
        .expect("unresolved gateway");
    assert_eq!(incomplete.mac, None);
    assert!(incomplete.state.is_some_and(|s| s.is_unresolved()));

    let v6 = node.neighbours(NEIGH6);
    let router = v6
        .iter()
        .find(|n| n.ip == ip("fd00:10::1"))
        .expect("v6 router");
    assert!(router.router);
    assert!(router.state.is_some_and(|s| s.is_permanent()));
}

#[test]
fn captured_fdb_has_vxlan_remotes_and_bridge_entries() {
    let node = Node::load();
    let fdb = node.fdb();
    let vtep = fdb
        .iter()
        .find(|e| e.mac == mac_of("66:aa:bb:cc:dd:ee"))
        .expect("VTEP FDB entry");
    assert_eq!(
        vtep,
        &FdbEntry {
            mac: mac_of("66:aa:bb:cc:dd:ee"),
            dev: "vxlan.calico".into(),
            dst: Some(ip("10.10.20.13")),
            vlan: None,
            vni: None,
            port: None,
            master: None,
            is_self: true,
            is_master: false,
            state: Some(FdbState::Permanent),
        }
    );
    // NDA_PORT and NDA_VNI only appear when they differ from the device's own.
    let flood = fdb
        .iter()
        .find(|e| e.mac == MacAddr::ZERO)
        .expect("all-zero entry");
    assert_eq!(
        (flood.dst, flood.port, flood.vni),
        (Some(ip("10.10.20.14")), Some(4790), Some(5000))
    );
    let bridged = fdb
        .iter()
        .find(|e| e.mac == mac_of("02:00:00:00:00:05"))
        .expect("bridge entry");
    assert_eq!(bridged.dev, "brp0");
    assert_eq!(bridged.master.as_deref(), Some("br0"));
    assert!(bridged.is_master && !bridged.is_self);
    assert_eq!(bridged.state, Some(FdbState::Static));
}

fn vxlan_link(data: Vec<InfoVxlan>) -> LinkMessage {
    let mut m = LinkMessage::default();
    m.header.index = 7;
    m.attributes = vec![
        LinkAttribute::IfName("vxlan-v6.calico".into()),
        LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Vxlan),
            LinkInfo::Data(InfoData::Vxlan(data)),
        ]),
    ];
    m
}

#[test]
fn vxlan_port_is_decoded_from_network_byte_order() {
    // Emit → parse goes through the wire format, where IFLA_VXLAN_PORT is big-endian.
    let msg = vxlan_link(vec![InfoVxlan::Port(4789)]);
    let mut buf = vec![0; msg.buffer_len()];
    msg.emit(&mut buf);
    assert!(buf.windows(2).any(|w| w == [0x12, 0xb5]), "4789 big-endian");
    let parsed = LinkMessage::parse(&buf).expect("parses");
    let l = link(&parsed, &|_| None).expect("link");
    assert_eq!(l.vxlan.and_then(|v| v.port), Some(4789));
}

#[test]
fn vxlan_v6_and_unspecified_addresses() {
    let msg = vxlan_link(vec![
        InfoVxlan::Id(4098),
        InfoVxlan::Local6(Ipv6Addr::UNSPECIFIED),
        InfoVxlan::Group6("ff05::100".parse().expect("v6")),
        InfoVxlan::Link(9),
        InfoVxlan::Learning(true),
    ]);
    let l = link(&msg, &|i| (i == 9).then(|| "ens5".to_string())).expect("link");
    assert_eq!(
        l.vxlan,
        Some(VxlanInfo {
            vni: Some(4098),
            port: None,
            local: None,
            parent_index: Some(9),
            parent_name: Some("ens5".into()),
            learning: Some(true),
            remote: Some(ip("ff05::100")),
        })
    );
    // No IFLA_INFO_DATA at all: still a VXLAN device, with nothing known about it.
    let mut bare = vxlan_link(vec![]);
    bare.attributes.truncate(1);
    bare.attributes
        .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(
            InfoKind::Vxlan,
        )]));
    assert_eq!(
        link(&bare, &|_| None).expect("link").vxlan,
        Some(VxlanInfo::default())
    );
}

#[test]
fn ipip_tunnel_local_any_and_remote() {
    let mut m = LinkMessage::default();
    m.header = LinkHeader {
        index: 4,
        link_layer_type: LinkLayerType::Tunnel,
        flags: LinkFlags::Up | LinkFlags::Noarp,
        ..LinkHeader::default()
    };
    m.attributes = vec![
        LinkAttribute::IfName("tunl0".into()),
        LinkAttribute::Mtu(1480),
        // IPIP "addresses" are 4 bytes: not a MAC.
        LinkAttribute::Address(vec![0, 0, 0, 0]),
        LinkAttribute::Link(0),
        LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::IpIp),
            LinkInfo::Data(InfoData::IpTunnel(vec![
                InfoIpTunnel::Local(ip("0.0.0.0")),
                InfoIpTunnel::Remote(ip("10.0.0.2")),
            ])),
        ]),
    ];
    let l = link(&m, &|_| None).expect("link");
    assert_eq!(l.kind, Some(LinkKind::Ipip));
    assert_eq!(l.mac, None);
    assert_eq!(l.admin_up, Some(true));
    assert_eq!(l.oper_state, None);
    assert_eq!((l.link_index, l.link_name.as_deref()), (None, Some("NONE")));
    assert_eq!(
        l.ipip,
        Some(IpipInfo {
            local: Some(None),
            remote: Some(Some(ip("10.0.0.2"))),
        })
    );
}

#[test]
fn link_without_name_or_kind() {
    let mut m = LinkMessage::default();
    m.header.index = 3;
    let e = link(&m, &|_| None).expect_err("no name");
    assert_eq!(e.field, "IFLA_IFNAME");
    assert!(e.to_string().contains("link 3 has no name"), "{e}");

    m.attributes = vec![
        LinkAttribute::IfName("ens5".into()),
        LinkAttribute::Controller(12),
        LinkAttribute::OperState(State::Other(42)),
    ];
    let l = link(&m, &|_| None).expect("link");
    assert_eq!(l.kind, Some(LinkKind::Device));
    // Unknown master index: named the way iproute2 names it, not dropped.
    assert_eq!(l.master.as_deref(), Some("if12"));
    assert_eq!(l.oper_state, None);
}

fn route_msg(family: AddressFamily, attributes: Vec<RouteAttribute>) -> RouteMessage {
    let mut m = RouteMessage::default();
    m.header = RouteHeader {
        address_family: family,
        table: RouteHeader::RT_TABLE_MAIN,
        protocol: RouteProtocol::Other(80),
        kind: NlRouteType::Unicast,
        ..RouteHeader::default()
    };
    m.attributes = attributes;
    m
}

#[test]
fn route_via_other_family_and_unknown_device() {
    let mut m = route_msg(
        AddressFamily::Inet,
        vec![
            RouteAttribute::Destination(RouteAddress::Inet("10.244.1.0".parse().expect("v4"))),
            RouteAttribute::Via(RouteVia::Inet6("fe80::1".parse().expect("v6"))),
            RouteAttribute::Oif(42),
        ],
    );
    m.header.destination_prefix_length = 24;
    m.header.flags = RouteFlags::Onlink | RouteFlags::Linkdown;
    let r = route(&m, &|_| None).expect("route");
    assert_eq!(r.dst, net("10.244.1.0/24"));
    assert_eq!(r.gateway, Some(ip("fe80::1")));
    assert_eq!(r.dev.as_deref(), Some("if42"));
    assert_eq!(r.table, 254);
    assert_eq!(r.protocol, Some(80));
    assert!(r.onlink && r.linkdown);
}

#[test]
fn multipath_next_hop_flags() {
    let mut nh = RouteNextHop::default();
    nh.flags = RouteNextHopFlags::Onlink;
    nh.interface_index = 5;
    nh.attributes = vec![RouteAttribute::Gateway(RouteAddress::Inet(
        "192.168.1.1".parse().expect("v4"),
    ))];
    let m = route_msg(
        AddressFamily::Inet,
        vec![RouteAttribute::MultiPath(vec![nh])],
    );
    let r = route(&m, &|i| (i == 5).then(|| "vxlan.calico".to_string())).expect("route");
    assert_eq!(r.dst, net("0.0.0.0/0"));
    assert_eq!(
        r.nexthops,
        [NextHop {
            gateway: Some(ip("192.168.1.1")),
            dev: Some("vxlan.calico".into()),
            weight: Some(1),
            onlink: true,
        }]
    );
}

#[test]
fn odd_routes_are_errors_not_panics() {
    let mut too_long = route_msg(AddressFamily::Inet, vec![]);
    too_long.header.destination_prefix_length = 40;
    assert_eq!(
        route(&too_long, &|_| None).expect_err("prefix").field,
        "rtm_dst_len"
    );

    let mpls = route_msg(AddressFamily::Mpls, vec![]);
    assert_eq!(
        route(&mpls, &|_| None).expect_err("family").field,
        "rtm_family"
    );

    let mixed = route_msg(
        AddressFamily::Inet,
        vec![RouteAttribute::Destination(RouteAddress::Inet6(
            "fd00::".parse().expect("v6"),
        ))],
    );
    assert_eq!(
        route(&mixed, &|_| None).expect_err("mixed").field,
        "RTA_DST"
    );
}

fn neigh_msg(
    family: AddressFamily,
    state: NeighbourState,
    flags: NeighbourFlags,
) -> NeighbourMessage {
    let mut m = NeighbourMessage::default();
    m.header = NeighbourHeader {
        family,
        ifindex: 3,
        state,
        flags,
        ..NeighbourHeader::default()
    };
    m
}

#[test]
fn neighbour_state_combinations_and_errors() {
    let mut m = neigh_msg(
        AddressFamily::Inet,
        NeighbourState::Other(NeighState::STALE | NeighState::NOARP),
        NeighbourFlags::Proxy,
    );
    m.attributes = vec![
        NeighbourAttribute::Destination(NeighbourAddress::Inet("10.0.0.9".parse().expect("v4"))),
        // A 4-byte lladdr (IPIP neighbours): not a MAC.
        NeighbourAttribute::LinkLayerAddress(vec![10, 0, 0, 9]),
    ];
    let n = neighbour(&m, &|_| None).expect("neighbour");
    assert_eq!(n.state.map(|s| s.names()), Some(vec!["STALE", "NOARP"]));
    assert_eq!((n.mac, n.proxy, n.dev.as_str()), (None, true, "if3"));

    let no_dst = neigh_msg(
        AddressFamily::Inet6,
        NeighbourState::Reachable,
        NeighbourFlags::empty(),
    );
    assert_eq!(
        neighbour(&no_dst, &|_| None).expect_err("dst").field,
        "NDA_DST"
    );

    let bridge = neigh_msg(
        AddressFamily::Bridge,
        NeighbourState::Permanent,
        NeighbourFlags::Own,
    );
    assert_eq!(
        neighbour(&bridge, &|_| None).expect_err("family").field,
        "ndm_family"
    );
    assert_eq!(
        fdb_entry(
            &neigh_msg(
                AddressFamily::Inet,
                NeighbourState::Permanent,
                NeighbourFlags::Own
            ),
            &|_| None
        )
        .expect_err("family")
        .field,
        "ndm_family"
    );
}

#[test]
fn fdb_states_and_missing_lladdr() {
    let names = |i: u32| (i == 3).then(|| "vxlan.calico".to_string());
    let entry = |state| {
        let mut m = neigh_msg(AddressFamily::Bridge, state, NeighbourFlags::Own);
        m.attributes = vec![
            NeighbourAttribute::LinkLayerAddress(vec![0x66, 1, 2, 3, 4, 5]),
            NeighbourAttribute::Destination(NeighbourAddress::Other(
                "fd00::2".parse::<Ipv6Addr>().expect("v6").octets().to_vec(),
            )),
            NeighbourAttribute::Vlan(10),
        ];
        fdb_entry(&m, &names).expect("fdb")
    };
    let e = entry(NeighbourState::Noarp);
    assert_eq!(e.state, Some(FdbState::Static));
    assert_eq!(
        (e.dst, e.vlan, e.dev.as_str()),
        (Some(ip("fd00::2")), Some(10), "vxlan.calico")
    );
    assert_eq!(
        entry(NeighbourState::Reachable).state,
        Some(FdbState::Dynamic)
    );
    assert_eq!(entry(NeighbourState::Stale).state, Some(FdbState::Dynamic));
    assert_eq!(
        entry(NeighbourState::Permanent).state,
        Some(FdbState::Permanent)
    );

    let bare = neigh_msg(
        AddressFamily::Bridge,
        NeighbourState::Permanent,
        NeighbourFlags::Own,
    );
    assert_eq!(
        fdb_entry(&bare, &names).expect_err("lladdr").field,
        "NDA_LLADDR"
    );
}

#[test]
fn address_prefers_ifa_local_and_needs_an_address() {
    let mut m = AddressMessage::default();
    m.header.index = 4;
    m.header.prefix_len = 32;
    m.attributes = vec![
        AddressAttribute::Address(ip("10.0.0.2")),
        AddressAttribute::Local(ip("10.0.0.1")),
    ];
    let (index, a) = address(&m).expect("address");
    assert_eq!((index, a.addr, a.prefix_len), (4, ip("10.0.0.1"), 32));
    assert_eq!(a.scope.as_deref(), Some("global"));

    m.attributes.clear();
    assert_eq!(address(&m).expect_err("none").field, "IFA_ADDRESS");
}

#[test]
fn attach_addrs_returns_orphans() {
    let mut links = vec![Link {
        index: Some(1),
        ..Link::new("lo")
    }];
    let a = IfAddr {
        addr: ip("127.0.0.1"),
        prefix_len: 8,
        scope: None,
    };
    let orphans = attach_addrs(&mut links, [(1, a.clone()), (9, a.clone())]);
    assert_eq!(links[0].addrs, std::slice::from_ref(&a));
    assert_eq!(orphans, [(9, a)]);
}

#[test]
fn decode_dump_reports_truncation_and_netlink_errors() {
    let e = decode_dump(&LINKS[..LINKS.len() - 3]).expect_err("truncated");
    assert_eq!(e.field, "nlmsghdr");
    assert!(e.message.contains("at byte"), "{e}");

    // NLMSG_ERROR carrying -EPERM.
    let mut nack = Vec::new();
    nack.extend_from_slice(&36u32.to_ne_bytes());
    nack.extend_from_slice(&2u16.to_ne_bytes());
    nack.extend_from_slice(&0u16.to_ne_bytes());
    nack.extend_from_slice(&[0; 8]);
    nack.extend_from_slice(&(-1i32).to_ne_bytes());
    nack.extend_from_slice(&[0; 16]);
    let e = decode_dump(&nack).expect_err("nack");
    assert_eq!(e.field, "nlmsgerr");

    assert!(decode_dump(&[]).expect("empty").is_empty());
}

proptest! {
    /// Whatever the bytes, decoding and converting returns; it never panics.
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_dump(&bytes);
        convert_all(&bytes);
    }

    /// Real messages with a corrupted byte: the same promise, closer to valid input.
    #[test]
    fn corrupted_fixtures_never_panic(which in 0usize..7, at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let fixtures = [LINKS, ADDRS, ROUTES4, ROUTES6, NEIGH4, NEIGH6, FDB];
        let mut bytes = fixtures[which].to_vec();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        convert_all(&bytes);
    }
}

fn convert_all(bytes: &[u8]) {
    let Ok(msgs) = decode_dump(bytes) else { return };
    let names = |i: u32| Some(format!("dev{i}"));
    for m in msgs {
        match m {
            RouteNetlinkMessage::NewLink(l) => {
                let _ = link(&l, &names);
            }
            RouteNetlinkMessage::NewAddress(a) => {
                let _ = address(&a);
            }
            RouteNetlinkMessage::NewRoute(r) => {
                let _ = route(&r, &names);
            }
            RouteNetlinkMessage::NewNeighbour(n) => {
                let _ = neighbour(&n, &names);
                let _ = fdb_entry(&n, &names);
            }
            _ => {}
        }
    }
}

/// Found by the `netlink` fuzz target (fuzz/artifacts/netlink/crash-2bd4ce07…): an NLMSG_ERROR
/// whose code is i32::MIN made the error's text overflow (`abs()`), a panic in a debug build.
#[test]
fn fuzz_netlink_error_code_i32_min_is_an_error_not_a_panic() {
    let mut msg = Vec::new();
    msg.extend_from_slice(&36u32.to_le_bytes()); // nlmsg_len
    msg.extend_from_slice(&2u16.to_le_bytes()); // NLMSG_ERROR
    msg.extend_from_slice(&[0; 10]); // flags, seq, pid
    msg.extend_from_slice(&i32::MIN.to_le_bytes()); // error code
    msg.extend_from_slice(&[0; 16]); // the request's header
    let e = decode_dump(&msg).expect_err("an error message");
    assert!(e.to_string().contains("error code -2147483648"), "{e}");

    // The fuzzer's input itself.
    let crash: &[u8] = &[
        0x3c, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x04, 0x00, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x02, 0x28, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x80,
        0x00, 0x02, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x01, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00,
    ];
    assert!(decode_dump(crash).is_err());

    // An ordinary errno still reads as the OS names it.
    msg[16..20].copy_from_slice(&(-2i32).to_le_bytes());
    let e = decode_dump(&msg).expect_err("ENOENT");
    assert!(e.to_string().contains("No such file or directory"), "{e}");
}

/// The whole netlink messages of a dump buffer (stops at the first malformed header).
fn messages(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(h) = bytes.get(at..at + 16) {
        let len = u32::from_ne_bytes([h[0], h[1], h[2], h[3]]) as usize;
        if len < 16 || at + len > bytes.len() {
            break;
        }
        out.push(&bytes[at..at + len]);
        at += (len + 3) & !3;
    }
    out
}

fn seq_of(bytes: &[u8]) -> u32 {
    u32::from_ne_bytes([bytes[8], bytes[9], bytes[10], bytes[11]])
}

/// Every route of both captured dumps reads the same from the bytes as through
/// netlink-packet-route, and the batch walk finds them all.
#[test]
fn route_bytes_read_the_captured_dumps_as_netlink_packet_route() {
    let node = Node::load();
    let lookup = node.lookup();
    for (bytes, family) in [(ROUTES4, 2u8), (ROUTES6, 10)] {
        let want = node.routes(bytes);
        let mut got = Vec::new();
        let batch = route_dump_batch(bytes, seq_of(bytes), family, &lookup, |r| {
            got.push(r.expect("captured route reads"))
        })
        .expect("captured dump walks");
        assert!(!batch.interrupted);
        assert_eq!(got, want);
        assert!(!want.is_empty());
        for m in messages(bytes) {
            assert_eq!(route_bytes_disagree(m), None);
        }
        // The other family's dump holds nothing of this one.
        let other = if family == 2 { 10 } else { 2 };
        let mut n = 0;
        route_dump_batch(bytes, seq_of(bytes), other, &lookup, |_| n += 1).expect("walks");
        assert_eq!(n, 0);
        // Another sequence number is another request's answer.
        route_dump_batch(
            bytes,
            seq_of(bytes).wrapping_add(1),
            family,
            &lookup,
            |_| n += 1,
        )
        .expect("walks");
        assert_eq!(n, 0);
    }
}

/// A route message built by netlink-packet-route, as the kernel would send it.
fn route_bytes_of(m: &RouteMessage) -> Vec<u8> {
    let mut msg = NetlinkMessage::from(RouteNetlinkMessage::NewRoute(m.clone()));
    msg.header.sequence_number = 7;
    msg.finalize();
    let mut buf = vec![0; msg.buffer_len()];
    msg.serialize(&mut buf);
    buf
}

/// The shapes the captures do not hold (RTA_VIA of either family, multipath with flags and
/// RTA_VIA, metrics, RTA_TABLE, a too-long prefix, a mixed-family destination) read the same both
/// ways, errors included.
#[test]
fn route_bytes_agree_on_built_messages() {
    let v4 = |s: &str| RouteAddress::Inet(s.parse().expect("v4"));
    let mut nh1 = RouteNextHop::default();
    nh1.flags = RouteNextHopFlags::Onlink;
    nh1.interface_index = 5;
    nh1.hops = 3;
    nh1.attributes = vec![RouteAttribute::Gateway(v4("192.168.1.1"))];
    let mut nh2 = RouteNextHop::default();
    nh2.interface_index = 6;
    nh2.attributes = vec![RouteAttribute::Via(RouteVia::Inet6(
        "fe80::2".parse().expect("v6"),
    ))];
    let cases = vec![
        route_msg(
            AddressFamily::Inet,
            vec![
                RouteAttribute::Destination(v4("10.244.1.0")),
                RouteAttribute::Via(RouteVia::Inet6("fe80::1".parse().expect("v6"))),
                RouteAttribute::Oif(42),
                RouteAttribute::Table(1000),
                RouteAttribute::Priority(7),
                RouteAttribute::PrefSource(v4("10.0.0.1")),
                RouteAttribute::Metrics(vec![RouteMetric::Mtu(1400), RouteMetric::Hoplimit(3)]),
            ],
        ),
        route_msg(
            AddressFamily::Inet,
            vec![RouteAttribute::MultiPath(vec![nh1, nh2])],
        ),
        route_msg(
            AddressFamily::Inet6,
            vec![
                RouteAttribute::Destination(RouteAddress::Inet6("fd00::".parse().expect("v6"))),
                RouteAttribute::Gateway(RouteAddress::Inet6("fd00::1".parse().expect("v6"))),
                RouteAttribute::Oif(0),
            ],
        ),
        route_msg(
            AddressFamily::Inet,
            vec![RouteAttribute::Destination(RouteAddress::Inet6(
                "fd00::".parse().expect("v6"),
            ))],
        ),
        route_msg(AddressFamily::Mpls, vec![]),
    ];
    for (i, mut m) in cases.into_iter().enumerate() {
        for (len, flags) in [
            (24, RouteFlags::empty()),
            (32, RouteFlags::Onlink | RouteFlags::Linkdown),
            (40, RouteFlags::empty()),
        ] {
            m.header.destination_prefix_length = len;
            m.header.flags = flags;
            let bytes = route_bytes_of(&m);
            assert_eq!(route_bytes_disagree(&bytes), None, "case {i}, /{len}");
        }
    }
    let mut m = route_msg(AddressFamily::Inet, vec![]);
    m.header.destination_prefix_length = 40;
    let e = route_from_bytes(&route_bytes_of(&m)[16..], &|_| None).expect_err("prefix");
    assert_eq!(e.field, "rtm_dst_len");
}

/// How a dump ends: NLMSG_DONE (with or without an error), NLMSG_ERROR, a message flagged
/// NLM_F_DUMP_INTR, a cut header.
#[test]
fn route_dump_batch_ends_and_errors() {
    let msg = |kind: u16, flags: u16, seq: u32, payload: &[u8]| {
        let mut b = Vec::new();
        b.extend_from_slice(&(16 + payload.len() as u32).to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(&flags.to_ne_bytes());
        b.extend_from_slice(&seq.to_ne_bytes());
        b.extend_from_slice(&0u32.to_ne_bytes());
        b.extend_from_slice(payload);
        b
    };
    let none = |_: u32| None;
    let walk = |bytes: &[u8]| {
        let mut n = 0;
        let b = route_dump_batch(bytes, 9, 2, &none, |r| {
            r.expect("route");
            n += 1
        });
        (b, n)
    };
    let route = &route_bytes_of(&route_msg(AddressFamily::Inet, vec![]))[16..];

    let mut buf = msg(24, 0, 9, route);
    buf.extend(msg(24, 0x10, 9, route));
    let (b, n) = walk(&buf);
    let b = b.expect("walks");
    assert_eq!((b.end, b.interrupted, n), (DumpEnd::More, true, 2));
    let e = walk(&buf[..buf.len() - 3]).0.expect_err("cut");
    assert_eq!(e.field, "nlmsghdr");
    assert!(e.message.contains("at byte"), "{e}");

    buf.extend(msg(3, 0, 9, &0i32.to_ne_bytes()));
    buf.extend(msg(24, 0, 9, route)); // after NLMSG_DONE: not read
    let (b, n) = walk(&buf);
    assert_eq!((b.expect("walks").end, n), (DumpEnd::Done, 2));

    let (b, _) = walk(&msg(3, 0, 9, &(-4i32).to_ne_bytes()));
    assert_eq!(b.expect("walks").end, DumpEnd::Failed(4));
    let (b, _) = walk(&msg(
        2,
        0,
        9,
        &[&(-1i32).to_ne_bytes()[..], &[0; 16]].concat(),
    ));
    assert_eq!(b.expect("walks").end, DumpEnd::Failed(1));
    let (b, _) = walk(&msg(2, 0, 9, &i32::MIN.to_ne_bytes()));
    assert_eq!(b.expect("walks").end, DumpEnd::Failed(i32::MAX));
    // An acknowledgement (error 0) is not an end.
    let (b, _) = walk(&msg(2, 0, 9, &0i32.to_ne_bytes()));
    assert_eq!(b.expect("walks").end, DumpEnd::More);

    let req = route_dump_request(10, 5);
    assert_eq!(req.len(), 28);
    assert_eq!(u16::from_ne_bytes([req[4], req[5]]), 26);
    assert_eq!(u16::from_ne_bytes([req[6], req[7]]), 0x301);
    assert_eq!((seq_of(&req), req[16], req[20]), (5, 10, 0));
}

proptest! {
    /// A captured route message with a corrupted byte (or cut short) reads the same from the bytes
    /// as through netlink-packet-route whenever that parses it, and never panics.
    #[test]
    fn route_bytes_agree_on_corrupted_captures(which in 0usize..2, m in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in 0usize..8) {
        let dump = [ROUTES4, ROUTES6][which];
        let msgs = messages(dump);
        let mut msg = msgs[m.index(msgs.len())].to_vec();
        let i = at.index(msg.len());
        msg[i] = byte;
        msg.truncate(msg.len().saturating_sub(cut));
        prop_assert_eq!(route_bytes_disagree(&msg), None);
        let _ = route_dump_batch(&msg, 0, 2, &|_| None, |_| {});
    }
}
