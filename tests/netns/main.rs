//! Privileged integration tests of live netlink collection: build a Calico-like VXLAN node in a
//! scratch network namespace with `ip`/`bridge`, collect it with
//! `netdiag::source::netlink::collect`, and check the model holds exactly what was installed — and
//! that collecting changed nothing. Root-only: skipped with a message otherwise, failed when
//! `NETDIAG_REQUIRE_PRIVILEGED=1`. Every test owns its namespaces (unique names, deleted on drop),
//! so the tests run in parallel and never touch the host's network.

#[path = "../common/privileged.rs"]
mod privileged;

use std::net::IpAddr;
use std::time::Instant;

use ipnet::IpNet;
use netdiag::source::netlink::{collect, NetlinkOptions};
use netdiag_core::model::{
    FdbEntry, FdbState, Link, LinkKind, MacAddr, NeighState, NextHop, OperState, Route, RouteProto,
    RouteScope, RouteType, VxlanInfo,
};
use netdiag_core::NodeState;
use privileged::TestNetns;

const VXLAN_MAC: &str = "66:11:22:33:44:55";
const ETH0_MAC: &str = "02:00:0a:0a:0a:0b";
const REMOTE_VTEP_MAC: &str = "66:aa:bb:cc:dd:ee";

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test IP")
}

fn net(s: &str) -> IpNet {
    s.parse().expect("test net")
}

fn mac(s: &str) -> MacAddr {
    s.parse().expect("test MAC")
}

/// The index of `dev` in `ns`, from `ip -o link show dev` (`7: eth0@if6: …`).
fn index_of(ns: &TestNetns, dev: &str) -> u32 {
    let out = ns.ip(&["-o", "link", "show", "dev", dev]);
    out.split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no index in {out:?}"))
}

/// A Calico VXLAN node as Felix programs it, plus what the checks must tell apart: a peer node in a
/// second namespace behind a veth, a bridge with a port, Felix (`proto 80`) and boot routes,
/// metric/mtu, multipath, non-main tables, IPv6, permanent neighbours and FDB entries.
struct CalicoNode {
    node: TestNetns,
    peer: TestNetns,
}

impl CalicoNode {
    fn build() -> CalicoNode {
        let node = TestNetns::create();
        let peer = TestNetns::create();
        // No IPv6 DAD in either namespace: addresses are final at once (no `tentative` flag that
        // clears on its own while the test looks).
        for ns in [&node, &peer] {
            ns.exec(
                "sysctl",
                &[
                    "-qw",
                    "net.ipv6.conf.all.accept_dad=0",
                    "net.ipv6.conf.default.accept_dad=0",
                ],
            );
        }
        let n = |cmd: &str| {
            node.ipw(cmd);
        };
        n("link set lo up");
        node.ip(&[
            "link",
            "add",
            "eth0",
            "address",
            ETH0_MAC,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            peer.name(),
        ]);
        peer.ipw("link set eth0 up");
        peer.ipw("addr add 10.10.10.12/24 dev eth0");
        n("addr add 10.10.10.11/24 dev eth0");
        n("-6 addr add fd00:10::11/64 dev eth0 nodad");
        n("link set eth0 up");
        node.ipw(&format!(
            "link add vxlan.calico address {VXLAN_MAC} mtu 1450 type vxlan id 4096 local 10.10.10.11 dev eth0 dstport 4789 nolearning"
        ));
        n("addr add 192.168.81.0/32 dev vxlan.calico");
        n("link set vxlan.calico up");
        n("link add br0 type bridge");
        n("link add brp0 type veth peer name brp1");
        n("link set brp0 master br0");
        n("link set br0 up");
        n("link set brp0 up");

        n("route add blackhole 192.168.81.0/26 proto 80");
        n("route add 192.168.209.64/26 via 192.168.209.64 dev vxlan.calico onlink");
        n("route add 192.168.50.0/26 via 10.10.10.12 dev eth0 proto 80 onlink");
        n("route add 192.168.60.0/24 via 10.10.10.12 dev eth0 metric 1024 mtu 1400");
        n("route add default via 10.10.10.1 dev eth0");
        n("route add 192.168.70.0/24 nexthop via 10.10.10.12 dev eth0 weight 2 nexthop via 10.10.10.13 dev eth0 weight 1");
        n("route add 192.168.100.0/24 via 10.10.10.12 dev eth0 table 100");
        n("route add 192.168.101.0/24 dev eth0 table 1000");
        n("-6 route add fd00:99::/64 via fd00:10::12 dev eth0 proto 80");

        node.ipw(&format!(
            "neigh add 192.168.209.64 lladdr {REMOTE_VTEP_MAC} dev vxlan.calico nud permanent"
        ));
        n("-6 neigh add fd00:10::1 lladdr 02:00:0a:0a:0a:01 dev eth0 router nud permanent");
        node.bridgew(&format!(
            "fdb append {REMOTE_VTEP_MAC} dev vxlan.calico dst 10.10.20.13 self permanent"
        ));
        node.bridgew("fdb append 00:00:00:00:00:00 dev vxlan.calico dst 10.10.20.14 port 4790 vni 5000 self permanent");
        node.bridgew("fdb add 02:00:00:00:00:05 dev brp0 master static");
        CalicoNode { node, peer }
    }

    fn collect(&self) -> NodeState {
        timed_collect(Some(self.node.name().to_string()))
    }
}

fn timed_collect(netns: Option<String>) -> NodeState {
    let label = netns.clone().unwrap_or_else(|| "current".into());
    let start = Instant::now();
    let state = collect(&NetlinkOptions {
        netns,
        ..Default::default()
    })
    .expect("collect");
    eprintln!(
        "collect netns={label}: {:?} ({} links, {} routes, {} neighbours, {} FDB entries)",
        start.elapsed(),
        state.links().len(),
        state.routes().len(),
        state.neighbours().len(),
        state.fdb().len()
    );
    state
}

fn link<'a>(state: &'a NodeState, name: &str) -> &'a Link {
    state
        .link(name)
        .unwrap_or_else(|| panic!("no link {name} in {:#?}", state.links()))
}

fn route<'a>(state: &'a NodeState, table: u32, dst: &str) -> &'a Route {
    state
        .routes()
        .iter()
        .find(|r| r.table == table && r.dst == net(dst))
        .unwrap_or_else(|| panic!("no route {dst} in table {table}: {:#?}", state.routes()))
}

fn fdb<'a>(state: &'a NodeState, mac_s: &str, dev: &str) -> &'a FdbEntry {
    state
        .fdb()
        .iter()
        .find(|e| e.mac == mac(mac_s) && e.dev == dev)
        .unwrap_or_else(|| panic!("no FDB entry {mac_s} dev {dev}: {:#?}", state.fdb()))
}

#[test]
fn collects_a_calico_vxlan_node_field_by_field() {
    if !privileged::can_run("collects_a_calico_vxlan_node_field_by_field") {
        return;
    }
    let cn = CalicoNode::build();
    let state = cn.collect();

    assert_eq!(state.source, format!("netlink netns={}", cn.node.name()));
    assert!(state.notes.is_empty(), "notes: {:?}", state.notes);
    assert!(state.addrs_collected);
    assert!(state.links.is_some() && state.routes.is_some());
    assert!(state.neighbours.is_some() && state.fdb.is_some());

    // Links.
    let eth0_index = index_of(&cn.node, "eth0");
    let peer_index = index_of(&cn.peer, "eth0");
    let eth0 = link(&state, "eth0");
    assert_eq!(eth0.index, Some(eth0_index));
    assert_eq!(eth0.kind, Some(LinkKind::Veth));
    assert_eq!(eth0.mac, Some(mac(ETH0_MAC)));
    assert_eq!(eth0.mtu, Some(1500));
    assert_eq!(eth0.oper_state, Some(OperState::Up));
    assert_eq!(eth0.admin_up, Some(true));
    // The peer's index belongs to the other namespace: `eth0@ifN`, never resolved locally.
    assert_eq!(eth0.link_index, Some(peer_index));
    assert_eq!(eth0.link_name, Some(format!("if{peer_index}")));
    let eth0_addrs: Vec<(IpAddr, u8)> = eth0.addrs.iter().map(|a| (a.addr, a.prefix_len)).collect();
    assert!(
        eth0_addrs.contains(&(ip("10.10.10.11"), 24)),
        "{eth0_addrs:?}"
    );
    assert!(
        eth0_addrs.contains(&(ip("fd00:10::11"), 64)),
        "{eth0_addrs:?}"
    );

    let vx = link(&state, "vxlan.calico");
    assert_eq!(vx.kind, Some(LinkKind::Vxlan));
    assert_eq!(vx.mtu, Some(1450));
    assert_eq!(vx.mac, Some(mac(VXLAN_MAC)));
    assert_eq!(vx.admin_up, Some(true));
    assert_eq!(vx.is_up(), Some(true));
    assert_eq!(
        vx.vxlan,
        Some(VxlanInfo {
            vni: Some(4096),
            port: Some(4789),
            local: Some(ip("10.10.10.11")),
            parent_index: Some(eth0_index),
            parent_name: Some("eth0".into()),
            learning: Some(false),
            remote: None,
        })
    );
    let vx_addr = vx
        .addrs
        .iter()
        .find(|a| a.addr == ip("192.168.81.0"))
        .expect("VXLAN tunnel address");
    assert_eq!(vx_addr.prefix_len, 32);
    assert_eq!(vx_addr.scope.as_deref(), Some("global"));

    let lo = link(&state, "lo");
    assert_eq!(lo.kind, Some(LinkKind::Loopback));
    assert!(lo.has_addr(ip("127.0.0.1")));
    assert_eq!(link(&state, "br0").kind, Some(LinkKind::Bridge));
    assert_eq!(link(&state, "brp0").master.as_deref(), Some("br0"));
    assert_eq!(link(&state, "brp0").link_name.as_deref(), Some("brp1"));

    // Routes: Felix's protocol 80, the boot protocol (3) `ip route add` uses by default, the
    // kernel's (2) connected routes.
    let blackhole = route(&state, Route::TABLE_MAIN, "192.168.81.0/26");
    assert_eq!(blackhole.kind, RouteType::Blackhole);
    assert_eq!(blackhole.protocol, Some(RouteProto::FELIX));
    assert_eq!((blackhole.dev.as_deref(), blackhole.gateway), (None, None));

    let remote_block = route(&state, Route::TABLE_MAIN, "192.168.209.64/26");
    assert_eq!(remote_block.kind, RouteType::Unicast);
    assert_eq!(remote_block.gateway, Some(ip("192.168.209.64")));
    assert_eq!(remote_block.dev.as_deref(), Some("vxlan.calico"));
    assert!(remote_block.onlink);
    assert_eq!(remote_block.protocol, Some(RouteProto::BOOT));

    let same_subnet = route(&state, Route::TABLE_MAIN, "192.168.50.0/26");
    assert_eq!(same_subnet.gateway, Some(ip("10.10.10.12")));
    assert_eq!(same_subnet.dev.as_deref(), Some("eth0"));
    assert!(same_subnet.onlink);
    assert_eq!(same_subnet.protocol, Some(80));

    let metric = route(&state, Route::TABLE_MAIN, "192.168.60.0/24");
    assert_eq!((metric.metric, metric.mtu), (Some(1024), Some(1400)));
    assert!(!metric.onlink);
    assert_eq!(metric.protocol, Some(RouteProto::BOOT));

    let default = route(&state, Route::TABLE_MAIN, "0.0.0.0/0");
    assert_eq!(default.gateway, Some(ip("10.10.10.1")));
    assert_eq!(default.protocol, Some(3));

    let connected = route(&state, Route::TABLE_MAIN, "10.10.10.0/24");
    assert_eq!(connected.protocol, Some(RouteProto::KERNEL));
    assert_eq!(connected.scope, Some(RouteScope::LINK));
    assert_eq!(connected.src, Some(ip("10.10.10.11")));

    assert_eq!(
        route(&state, Route::TABLE_MAIN, "192.168.70.0/24").nexthops,
        [
            NextHop {
                gateway: Some(ip("10.10.10.12")),
                dev: Some("eth0".into()),
                weight: Some(2),
                onlink: false,
            },
            NextHop {
                gateway: Some(ip("10.10.10.13")),
                dev: Some("eth0".into()),
                weight: Some(1),
                onlink: false,
            },
        ]
    );
    assert_eq!(
        route(&state, 100, "192.168.100.0/24").gateway,
        Some(ip("10.10.10.12"))
    );
    assert_eq!(
        route(&state, 1000, "192.168.101.0/24").dev.as_deref(),
        Some("eth0")
    );
    assert_eq!(
        route(&state, Route::TABLE_LOCAL, "192.168.81.0/32").kind,
        RouteType::Local
    );
    let v6 = route(&state, Route::TABLE_MAIN, "fd00:99::/64");
    assert_eq!(
        (v6.gateway, v6.protocol, v6.metric),
        (Some(ip("fd00:10::12")), Some(80), Some(1024))
    );

    // Neighbours.
    let vtep = state
        .neighbours()
        .iter()
        .find(|n| n.ip == ip("192.168.209.64"))
        .expect("VTEP neighbour");
    assert_eq!(vtep.mac, Some(mac(REMOTE_VTEP_MAC)));
    assert_eq!(vtep.dev, "vxlan.calico");
    assert_eq!(vtep.state, Some(NeighState(NeighState::PERMANENT)));
    let router = state
        .neighbours()
        .iter()
        .find(|n| n.ip == ip("fd00:10::1"))
        .expect("IPv6 router neighbour");
    assert!(router.router && router.state.is_some_and(|s| s.is_permanent()));

    // FDB.
    assert_eq!(
        fdb(&state, REMOTE_VTEP_MAC, "vxlan.calico"),
        &FdbEntry {
            mac: mac(REMOTE_VTEP_MAC),
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
    let flood = fdb(&state, "00:00:00:00:00:00", "vxlan.calico");
    assert_eq!(
        (flood.dst, flood.port, flood.vni),
        (Some(ip("10.10.20.14")), Some(4790), Some(5000))
    );
    let bridged = fdb(&state, "02:00:00:00:00:05", "brp0");
    assert_eq!(bridged.master.as_deref(), Some("br0"));
    assert!(bridged.is_master && !bridged.is_self);
    assert_eq!(bridged.state, Some(FdbState::Static));
}

#[test]
fn a_namespace_by_path_collects_the_same_state() {
    if !privileged::can_run("a_namespace_by_path_collects_the_same_state") {
        return;
    }
    let cn = CalicoNode::build();
    let path = format!("/run/netns/{}", cn.node.name());
    // The kernel changes a fresh namespace by itself for a moment (multicast joins, learnt FDB
    // entries as links come up; seen once on a loaded machine): a pair of collections taken
    // while it did may differ, so up to three pairs are taken and the last must agree.
    let (mut by_name, mut by_path) = (cn.collect(), timed_collect(Some(path.clone())));
    for attempt in 0..3 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(300));
            (by_name, by_path) = (cn.collect(), timed_collect(Some(path.clone())));
        }
        assert_eq!(by_path.source, format!("netlink netns={path}"));
        by_path.source = by_name.source.clone();
        (by_name, by_path) = (settled(&by_name), settled(&by_path));
        if by_path == by_name {
            break;
        }
    }
    assert_eq!(by_path, by_name);
}

/// `state` without what the kernel changes on its own between two dumps of an idle namespace.
fn settled(state: &NodeState) -> NodeState {
    let mut s = state.clone();
    // Counters tick: the kernel sends MLD reports and router solicitations on links that just
    // came up, so two dumps a millisecond apart may count different packets (CI caught one).
    for l in s.links.iter_mut().flatten() {
        l.stats = None;
    }
    // The kernel resolves neighbours by itself (the gateway's ARP entry can appear between two
    // collections): keep only the entries that were installed, which never change on their own.
    if let Some(n) = s.neighbours.as_mut() {
        n.retain(|n| n.state.is_some_and(|st| st.is_permanent()));
    }
    s
}

/// `ip`/`bridge` views of everything collection could conceivably disturb.
fn snapshot(ns: &TestNetns) -> Vec<String> {
    vec![
        without_timers(&ns.ipw("-d link show")),
        without_timers(&ns.ipw("-d addr show")),
        ns.ipw("-d route show table all"),
        ns.ipw("-d -6 route show table all"),
        // Only entries that cannot age: the kernel adds and expires others on its own (the NOARP
        // multicast entries MLD/IGMP traffic creates, resolved gateways).
        ns.ipw("neigh show nud permanent"),
        ns.bridgew("fdb show"),
        ns.ipw("rule show"),
        ns.ipw("-6 rule show"),
    ]
}

/// `ip -d link`/`ip -d addr` print a bridge's running timers (`gc_timer 299.85`); they tick on their own.
fn without_timers(s: &str) -> String {
    let mut out = Vec::new();
    let mut skip = false;
    for tok in s.split_whitespace() {
        if skip {
            skip = false;
        } else if tok.ends_with("_timer") {
            skip = true;
        } else {
            out.push(tok);
        }
    }
    out.join(" ")
}

#[test]
fn collection_changes_nothing() {
    if !privileged::can_run("collection_changes_nothing") {
        return;
    }
    let cn = CalicoNode::build();
    let node_before = snapshot(&cn.node);
    let peer_before = snapshot(&cn.peer);
    let first = cn.collect();
    let second = cn.collect();
    assert_eq!(snapshot(&cn.node), node_before);
    assert_eq!(snapshot(&cn.peer), peer_before);
    // Static state reads back identically: collection is repeatable, not racing itself.
    assert_eq!(settled(&first), settled(&second));
}

#[test]
fn missing_namespace_is_a_clear_error() {
    // Needs no privilege: opening /run/netns/NAME fails the same way for everyone.
    let name = format!("nd-test-missing-{}", std::process::id());
    let err = collect(&NetlinkOptions {
        netns: Some(name.clone()),
        ..Default::default()
    })
    .expect_err("no such namespace");
    assert_eq!(
        format!("{err:#}"),
        format!(
            "network namespace {name} not found (/run/netns/{name}): list them with `ip netns list`"
        )
    );
}

/// The caller's thread stays where it was: only the collection thread enters the namespace.
#[test]
fn caller_namespace_is_untouched() {
    if !privileged::can_run("caller_namespace_is_untouched") {
        return;
    }
    let own = || std::fs::read_link("/proc/thread-self/ns/net").expect("own netns");
    let before = own();
    let cn = CalicoNode::build();
    let inside = cn.collect();
    assert_eq!(own(), before);
    // And collecting "here" afterwards reads this namespace, not the test's scratch one.
    let here = timed_collect(None);
    assert_eq!(here.source, "netlink");
    assert!(here.link("lo").is_some());
    assert!(inside.link("vxlan.calico").is_some());
    assert!(
        !here
            .links()
            .iter()
            .any(|l| l.name == "vxlan.calico" && l.mac == Some(mac(VXLAN_MAC))),
        "the scratch namespace's VXLAN device showed up in the caller's namespace"
    );
}

/// The cluster intent of a two-node VXLAN Always cluster (worker, worker3), as `kubectl get -o yaml`
/// prints it, written into `dir/cluster/`.
fn write_intent(dir: &std::path::Path) {
    let cluster = dir.join("cluster");
    std::fs::create_dir_all(&cluster).expect("mkdir");
    std::fs::write(
        cluster.join("intent.yaml"),
        r#"apiVersion: crd.projectcalico.org/v1
kind: IPPool
metadata: {name: default-ipv4-ippool}
spec: {cidr: 192.168.0.0/16, blockSize: 26, vxlanMode: Always, ipipMode: Never, natOutgoing: true}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: calico-config, namespace: kube-system}
data: {calico_backend: vxlan, veth_mtu: "0"}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata:
    name: worker
    annotations:
      projectcalico.org/IPv4Address: 10.10.10.11/24
      projectcalico.org/IPv4VXLANTunnelAddr: 192.168.81.0
  status: {addresses: [{type: InternalIP, address: 10.10.10.11}]}
- apiVersion: v1
  kind: Node
  metadata:
    name: worker3
    annotations:
      projectcalico.org/IPv4Address: 10.10.20.13/24
      projectcalico.org/IPv4VXLANTunnelAddr: 192.168.210.64
  status: {addresses: [{type: InternalIP, address: 10.10.20.13}]}
- apiVersion: crd.projectcalico.org/v1
  kind: IPAMBlock
  metadata: {name: 192-168-81-0-26}
  spec:
    cidr: 192.168.81.0/26
    affinity: host:worker
    allocations: [0]
    attributes: [{handle_id: vxlan-tunnel-addr-worker, secondary: {node: worker, type: vxlanTunnelAddress}}]
- apiVersion: crd.projectcalico.org/v1
  kind: IPAMBlock
  metadata: {name: 192-168-210-64-26}
  spec:
    cidr: 192.168.210.64/26
    affinity: host:worker3
    allocations: [0]
    attributes: [{handle_id: vxlan-tunnel-addr-worker3, secondary: {node: worker3, type: vxlanTunnelAddress}}]
"#,
    )
    .expect("write intent");
}

/// `node-status` against a live namespace programmed as Felix would for `worker` — except one FDB
/// entry that still sends to worker3's old IP — finds exactly that, and exits 1.
#[test]
fn node_status_finds_the_one_deliberate_fault() {
    if !privileged::can_run("node_status_finds_the_one_deliberate_fault") {
        return;
    }
    let node = TestNetns::create();
    let peer = TestNetns::create();
    let n = |cmd: &str| {
        node.ipw(cmd);
    };
    n("link set lo up");
    node.ipw(&format!(
        "link add eth0 type veth peer name eth0 netns {}",
        peer.name()
    ));
    n("addr add 10.10.10.11/24 dev eth0");
    n("link set eth0 up");
    // The far end up too: Felix takes the host MTU from oper-up interfaces only.
    peer.ipw("link set eth0 up");
    // Felix's device: VNI 4096, port 4789, nolearning, the VTEP MAC derived from "worker".
    n("link add vxlan.calico address 66:10:f5:eb:e6:ac mtu 1450 type vxlan id 4096 local 10.10.10.11 dev eth0 dstport 4789 nolearning");
    n("addr add 192.168.81.0/32 dev vxlan.calico");
    n("link set vxlan.calico up");
    n("route add blackhole 192.168.81.0/26 proto 80");
    n("route add 192.168.210.64/26 via 192.168.210.64 dev vxlan.calico onlink");
    n("neigh add 192.168.210.64 lladdr 66:5a:cd:e9:86:51 dev vxlan.calico nud permanent");
    // The fault: worker3 moved from 10.10.20.99 to 10.10.20.13, and this entry was not rewritten.
    node.bridgew("fdb append 66:5a:cd:e9:86:51 dev vxlan.calico dst 10.10.20.99 self permanent");
    // A new namespace starts with forwarding off; Felix turns it on (configureKernel).
    node.exec("sysctl", &["-qw", "net.ipv4.ip_forward=1"]);

    let dir = tempfile::tempdir().expect("tmp");
    write_intent(dir.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netdiag"))
        .args(["node-status", "--netns", node.name(), "--from"])
        .arg(dir.path())
        .args(["-o", "json"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}); stderr: {stderr}"));
    assert_eq!(report["node"], "worker", "picked by its address on eth0");
    assert_eq!(report["source"], format!("netlink netns={}", node.name()));
    let problems: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| {
            (
                f["code"].as_str().unwrap_or("").to_string(),
                f["actual"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(problems.len(), 1, "exactly one problem: {problems:#?}");
    assert_eq!(problems[0].0, "VXLAN-FDB-STALE-DST");
    assert!(problems[0].1.contains("10.10.20.99"), "{problems:?}");
    assert_eq!(out.status.code(), Some(1), "an error finding exits 1");
    assert!(report["checked"]["routes"].as_u64().unwrap_or(0) >= 2);
}

/// node-status reads the sysctls inside the node's namespace, not the caller's: values set only
/// there (forwarding off on vxlan.calico, strict rp_filter on eth0) come back as they are, and
/// the collection writes none.
#[test]
fn sysctls_are_read_in_the_node_namespace() {
    if !privileged::can_run("sysctls_are_read_in_the_node_namespace") {
        return;
    }
    let node = TestNetns::create();
    node.ipw("link set lo up");
    node.ipw("link add eth0 type veth peer name eth1");
    node.ipw("link add vxlan.calico type vxlan id 4096 local 10.10.10.11 dstport 4789 nolearning");
    node.exec("sysctl", &["-qw", "net.ipv4.ip_forward=1"]);
    node.exec("sysctl", &["-qw", "net.ipv4.conf.eth0.rp_filter=1"]);
    node.exec(
        "sysctl",
        &["-qw", "net.ipv4.conf.vxlan/calico.forwarding=0"],
    );
    let before = node.exec("sysctl", &["-a", "--pattern", "net.ipv4.conf"]);
    let mut state = timed_collect(Some(node.name().to_string()));
    netdiag::source::sysctl::attach(&mut state, Some(node.name()));
    assert_eq!(state.sysctl("net.ipv4.ip_forward"), Some("1"));
    assert_eq!(state.sysctl("net.ipv4.conf.eth0.rp_filter"), Some("1"));
    assert_eq!(
        state.sysctl("net.ipv4.conf.vxlan.calico.forwarding"),
        Some("0")
    );
    assert_eq!(state.sysctl("net.ipv4.conf.eth1.forwarding"), Some("1"));
    assert!(state.notes.is_empty(), "{:?}", state.notes);
    let after = node.exec("sysctl", &["-a", "--pattern", "net.ipv4.conf"]);
    assert_eq!(without_timers(&before), without_timers(&after), "read-only");
}

/// The collector reads the route tables straight from the socket's bytes; netlink-packet-route's
/// parse of a dump of the same namespace, through the same conversion, must give the same routes.
/// The namespace holds the shapes a node can have beyond the Calico ones: every route type, a
/// preferred source, RFC 5549 (`via inet6` for an IPv4 route), IPv6 multipath, the local tables.
#[test]
fn route_bytes_read_a_live_namespace_as_netlink_packet_route() {
    use futures::TryStreamExt;
    use netlink_packet_route::route::{RouteHeader, RouteMessage};
    use netlink_packet_route::AddressFamily;

    if !privileged::can_run("route_bytes_read_a_live_namespace_as_netlink_packet_route") {
        return;
    }
    let cn = CalicoNode::build();
    let n = |cmd: &str| {
        cn.node.ipw(cmd);
    };
    n("route add unreachable 192.168.90.0/24");
    n("route add prohibit 192.168.91.0/24 metric 5");
    n("route add throw 192.168.92.0/24 table 100");
    n("route add 192.168.93.0/24 via 10.10.10.12 dev eth0 src 10.10.10.11 proto 80");
    n("route add 192.168.94.0/24 via inet6 fd00:10::12 dev eth0");
    n("-6 route add fd00:98::/64 nexthop via fd00:10::12 dev eth0 weight 3 nexthop via fd00:10::13 dev eth0");
    n("-6 route add blackhole fd00:97::/64");

    let state = cn.collect();
    let names: std::collections::HashMap<u32, String> = state
        .links()
        .iter()
        .filter_map(|l| Some((l.index?, l.name.clone())))
        .collect();
    let theirs = netdiag::source::netns::run_on_thread(Some(cn.node.name()), || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        rt.block_on(async {
            let (conn, handle, _) = rtnetlink::new_connection()?;
            tokio::spawn(conn);
            let lookup = |i: u32| names.get(&i).cloned();
            let mut out = Vec::new();
            for family in [AddressFamily::Inet, AddressFamily::Inet6] {
                let mut req = RouteMessage::default();
                req.header.address_family = family;
                req.header.table = RouteHeader::RT_TABLE_UNSPEC;
                let msgs: Vec<RouteMessage> =
                    handle.route().get(req).execute().try_collect().await?;
                for m in msgs.iter().filter(|m| m.header.address_family == family) {
                    out.push(netdiag_parsers::netlink::route(m, &lookup)?);
                }
            }
            anyhow::Ok(out)
        })
    })
    .expect("netlink-packet-route dump");
    assert!(state.notes.is_empty(), "{:?}", state.notes);
    assert_eq!(state.routes(), theirs.as_slice());
    let types: std::collections::BTreeSet<_> =
        theirs.iter().map(|r| format!("{:?}", r.kind)).collect();
    assert!(types.len() >= 7, "{types:?}");
    assert!(route(&state, Route::TABLE_MAIN, "192.168.94.0/24")
        .gateway
        .is_some_and(|g| g.is_ipv6()));
}
