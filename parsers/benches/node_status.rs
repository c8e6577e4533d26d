//! Benchmark of the node-status hot path at scale: parsing a node's dumps (100 000 routes, 10 000
//! neighbours, 10 000 FDB entries) and a 5 000-node intent, and diffing the two. Run with
//! `cargo bench -p netdiag-parsers --bench node_status` (routes also as a netlink dump's bytes,
//! both ways the project can read them); the README compares the whole command
//! against `ip -j`/`bridge -j` merely dumping the same namespace (`scripts/bench-netns.sh`).

mod synth;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netdiag_core::{expect, NodeState};
use netdiag_parsers::{cluster, iproute2, netlink};

fn state(s: &synth::Size) -> NodeState {
    let mut links = iproute2::parse_links_text(&synth::ip_link(s)).expect("links");
    iproute2::merge_links(
        &mut links,
        iproute2::parse_links_text(&synth::ip_addr(s)).expect("addrs"),
    );
    NodeState {
        node: Some("node-0".into()),
        source: "bench".into(),
        links: Some(links),
        addrs_collected: true,
        routes: Some(iproute2::parse_routes_text(&synth::ip_route(s)).expect("routes")),
        neighbours: Some(iproute2::parse_neigh_text(&synth::ip_neigh(s)).expect("neigh")),
        fdb: Some(iproute2::parse_fdb_text(&synth::bridge_fdb(s)).expect("fdb")),
        sysctl: None,
        bgp: None,
        flannel_subnet_env: None,
        notes: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let s = synth::BENCH;
    let routes = synth::ip_route(&s);
    let neigh = synth::ip_neigh(&s);
    let fdb = synth::bridge_fdb(&s);
    let yaml = synth::intent_yaml(&s);
    let json = synth::intent_json(&s);

    let mut g = c.benchmark_group("parse");
    g.sample_size(10);
    g.throughput(Throughput::Elements(s.routes as u64));
    g.bench_function("routes_text_100k", |b| {
        b.iter(|| iproute2::parse_routes_text(black_box(&routes)).expect("routes"))
    });
    // The live collector's path (a route dump's bytes straight into routes) against
    // netlink-packet-route's messages converted, on the same bytes.
    let dump = synth::route_dump(&s);
    let names = |i: u32| match i {
        2 => Some("eth0".to_string()),
        3 => Some("vxlan.calico".to_string()),
        _ => None,
    };
    g.bench_function("routes_netlink_bytes_100k", |b| {
        b.iter(|| {
            let mut routes = Vec::new();
            let batch = netlink::route_dump_batch(black_box(&dump), 1, 2, &names, |r| {
                routes.push(r.expect("route"))
            })
            .expect("dump");
            assert_eq!(batch.end, netlink::DumpEnd::Done);
            routes
        })
    });
    g.bench_function("routes_netlink_packet_route_100k", |b| {
        b.iter(|| {
            netlink::decode_dump(black_box(&dump))
                .expect("dump")
                .iter()
                .filter_map(|m| match m {
                    netlink_packet_route::RouteNetlinkMessage::NewRoute(r) => {
                        Some(netlink::route(r, &names).expect("route"))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    });
    g.throughput(Throughput::Elements(s.neigh as u64));
    g.bench_function("neigh_text_10k", |b| {
        b.iter(|| iproute2::parse_neigh_text(black_box(&neigh)).expect("neigh"))
    });
    g.throughput(Throughput::Elements(s.fdb as u64));
    g.bench_function("fdb_text_10k", |b| {
        b.iter(|| iproute2::parse_fdb_text(black_box(&fdb)).expect("fdb"))
    });
    g.throughput(Throughput::Elements(s.nodes as u64));
    g.bench_function("intent_yaml_5k_nodes", |b| {
        b.iter(|| cluster::parse_resources(black_box(&yaml)).expect("intent"))
    });
    g.bench_function("intent_json_5k_nodes", |b| {
        b.iter(|| cluster::parse_resources(black_box(&json)).expect("intent"))
    });
    g.finish();

    let intent = cluster::parse_resources(&yaml).expect("intent");
    let st = state(&s);
    let mut g = c.benchmark_group("diff");
    g.sample_size(10);
    g.bench_function("check_100k_routes_5k_nodes", |b| {
        b.iter(|| expect::check(black_box(&intent), black_box(&st), "node-0").expect("report"))
    });
    g.bench_function("parse_dumps_and_check", |b| {
        b.iter(|| {
            let st = state(&s);
            expect::check(&intent, &st, "node-0").expect("report")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
