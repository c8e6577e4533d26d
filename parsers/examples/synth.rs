//! Writes the benchmark's synthetic node to a directory, for `scripts/bench-netns.sh` and for
//! trying netdiag at scale: `DIR/cluster/intent.yaml` (and the same as JSON in `DIR/json/cluster/intent.json`), `DIR/nodes/node-0/*.txt` (the dumps),
//! `DIR/ip.batch` and `DIR/bridge.batch` (to build the same node in a namespace), `DIR/setup.txt`.
//!
//! `cargo run --release -p netdiag-parsers --example synth -- DIR [NODES ROUTES NEIGH FDB]`

#[path = "../benches/synth/mod.rs"]
mod synth;

use std::fs;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.first()
            .ok_or("usage: synth DIR [NODES ROUTES NEIGH FDB]")?,
    );
    let num = |i: usize, d: u32| -> Result<u32, Box<dyn std::error::Error>> {
        Ok(match args.get(i) {
            Some(v) => v.parse()?,
            None => d,
        })
    };
    let b = synth::BENCH;
    let s = synth::Size {
        nodes: num(1, b.nodes)?,
        routes: num(2, b.routes)?,
        neigh: num(3, b.neigh)?,
        fdb: num(4, b.fdb)?,
    };
    fs::create_dir_all(dir.join("cluster"))?;
    fs::create_dir_all(dir.join("nodes/node-0"))?;
    fs::write(dir.join("cluster/intent.yaml"), synth::intent_yaml(&s))?;
    fs::create_dir_all(dir.join("json/cluster"))?;
    fs::write(dir.join("json/cluster/intent.json"), synth::intent_json(&s))?;
    let node = dir.join("nodes/node-0");
    fs::write(node.join("ip-link.txt"), synth::ip_link(&s))?;
    fs::write(node.join("ip-addr.txt"), synth::ip_addr(&s))?;
    fs::write(node.join("ip-route.txt"), synth::ip_route(&s))?;
    fs::write(node.join("ip-neigh.txt"), synth::ip_neigh(&s))?;
    fs::write(node.join("bridge-fdb.txt"), synth::bridge_fdb(&s))?;
    fs::write(dir.join("ip.batch"), synth::ip_batch(&s))?;
    fs::write(dir.join("bridge.batch"), synth::bridge_batch(&s))?;
    fs::write(
        dir.join("setup.txt"),
        synth::netns_setup().join("\n") + "\n",
    )?;
    Ok(())
}
