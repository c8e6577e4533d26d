//! Benchmark of `netdiag cluster-status`'s pure part on a synthetic healthy 1 000-node VXLAN
//! cluster (each node: 999 routes, neighbours and FDB entries): digesting one node's state, the
//! N×N cross-check of 1 000 digests (999 000 ordered pairs), and one node's node-status run against
//! the 1 000-node intent (the engine the fan-out runs once per node). Run with
//! `cargo bench -p netdiag-parsers --bench cluster_check`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use netdiag_core::cluster::{self, synth};

const N: usize = 1000;

fn bench(c: &mut Criterion) {
    let intent = synth::intent(N);
    let states = synth::states(N);
    let digests = cluster::digests(&intent, &states);
    let pools = cluster::pool_cidrs(&intent);
    let statuses = std::collections::BTreeMap::new();
    let mut g = c.benchmark_group("cluster_check");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let one = &states[&synth::node_name(7)];
    g.bench_function("digest one node (999 peers)", |b| {
        b.iter(|| {
            black_box(cluster::NodeDigest::of(
                one,
                intent.node("node-0007"),
                &pools,
            ))
        })
    });
    g.bench_function("cross-check 1000 nodes (999000 pairs)", |b| {
        b.iter(|| {
            let r = cluster::cross_check(&intent, &digests, &[], statuses.clone(), "bench");
            assert!(r.culprits.is_empty());
            black_box(r)
        })
    });
    g.bench_function("node-status of one node (1000-node intent)", |b| {
        b.iter(|| black_box(cluster::node_status(&intent, one, "node-0007")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
