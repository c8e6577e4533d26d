//! The TUI's I/O: a collector thread that reads the node (netlink with counters, in its namespace,
//! or the dump files once), runs node-status's engine and a trace per peer, and sends snapshots;
//! and, on demand, a capture thread that decodes tunnelled packets on the node's underlay. Both
//! talk to the terminal loop over one channel and never block it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use netdiag_core::overview::{self, Overview};
use netdiag_core::packet::annotate::Annotator;
use netdiag_core::packet::text;
use netdiag_core::trace::{self, EndpointKind, NodeEvidence, Proto, Request, Verdict};
use netdiag_core::{expect, ClusterIntent, NodeState};

use super::app::PacketLine;
use crate::source::{files, netlink, netns};

/// Where the node is read from.
#[derive(Debug, Clone)]
pub enum Origin {
    Live { netns: Option<String> },
    Files { dir: PathBuf, node: String },
}

/// What the background threads tell the terminal loop.
pub enum Event {
    Snapshot(Result<(Overview, HashMap<String, String>), String>),
    Packet(PacketLine),
    /// Kernel counters of the capture (received, dropped) and lines this side dropped because the
    /// screen fell behind.
    Drops(u32, u32, u64),
    CaptureError(String),
}

/// Traces are computed for at most this many peers per refresh (each runs the engine once).
const TRACED_PEERS: usize = 32;

/// Runs the collector until the loop hangs up: one snapshot now, then one per `interval` or when
/// asked (`refresh`).
pub fn collector(
    origin: Origin,
    intent: Arc<ClusterIntent>,
    node: Option<String>,
    interval: Duration,
    refresh: Receiver<()>,
    tx: SyncSender<Event>,
) {
    loop {
        let snap = snapshot(&origin, &intent, node.as_deref()).map_err(|e| format!("{e:#}"));
        if tx.send(Event::Snapshot(snap)).is_err() {
            return;
        }
        match refresh.recv_timeout(interval) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn read_state(origin: &Origin) -> Result<NodeState> {
    match origin {
        Origin::Live { netns } => netlink::collect(&netlink::NetlinkOptions {
            netns: netns.clone(),
            stats: true,
        }),
        Origin::Files { dir, node } => files::load_state(dir, node),
    }
}

/// One snapshot: the overview and a short trace per peer.
pub fn snapshot(
    origin: &Origin,
    intent: &ClusterIntent,
    node: Option<&str>,
) -> Result<(Overview, HashMap<String, String>)> {
    let state = read_state(origin)?;
    let name = expect::pick_node(intent, &state, node)?;
    let report = expect::check(intent, &state, &name)?;
    let ov = overview::build(intent, &state, &report);
    let traces = traces(intent, state, &name, &ov);
    Ok((ov, traces))
}

/// From a local pod to one pod of each peer, with this node's state only: the local hops are
/// checked, the peer's are unknown by design.
fn traces(
    intent: &ClusterIntent,
    state: NodeState,
    node: &str,
    ov: &Overview,
) -> HashMap<String, String> {
    let pod_on = |n: &str| {
        intent
            .pods
            .iter()
            .find(|p| p.node.as_deref() == Some(n) && !p.host_network && !p.ips.is_empty())
            .and_then(|p| trace::resolve(intent, &format!("{}/{}", p.namespace, p.name), None).ok())
    };
    let Some(src) = pod_on(node) else {
        return HashMap::new();
    };
    let mut nodes = HashMap::new();
    nodes.insert(
        node.to_string(),
        NodeEvidence {
            state,
            ..NodeEvidence::default()
        },
    );
    let mut out = HashMap::new();
    for p in ov.peers.iter().take(TRACED_PEERS) {
        let Some(dst) = pod_on(&p.name) else { continue };
        let t = trace::trace(
            intent,
            &nodes,
            Request {
                src: &src,
                dst: &dst,
                proto: Proto::Icmp,
                port: None,
            },
        );
        let local_broken = t
            .hops
            .iter()
            .find(|h| h.verdict == Verdict::Broken && h.node.as_deref() == Some(node));
        let verdict = match local_broken {
            Some(h) => format!(
                "broken at {}{}",
                h.step.as_str(),
                h.code
                    .map(|c| format!(" ({})", c.as_str()))
                    .unwrap_or_default()
            ),
            None => "this node's hops ok (the peer's side needs its state)".to_string(),
        };
        let label = |e: &trace::Endpoint| match e.kind {
            EndpointKind::Pod => e.pod.clone().unwrap_or_default(),
            _ => e.ip.to_string(),
        };
        out.insert(
            p.name.clone(),
            format!(
                "{} → {}: {}; {}",
                label(&src),
                label(&dst),
                t.encapsulation.as_str(),
                verdict
            ),
        );
    }
    out
}

/// Captures tunnelled packets on `iface` in `netns` until `stop`, sending each decoded line with
/// the peer node it was exchanged with, and the kernel's drop counters every second.
pub fn capture(
    netns: Option<String>,
    iface: String,
    intent: Arc<ClusterIntent>,
    local: Option<String>,
    stop: Arc<AtomicBool>,
    tx: SyncSender<Event>,
) {
    let result = netns::run_on_thread(netns.as_deref(), || {
        let cfg = crate::capture::decode_config(&intent, local.as_deref(), &[]);
        let mut cap = crate::source::pcap::open_live(&iface, 256)?;
        crate::source::pcap::Packets::set_filter(&mut cap, &crate::capture::default_filter(&cfg))?;
        let link = netdiag_parsers::packet::link_type(cap.get_datalink().0)
            .ok_or_else(|| anyhow::anyhow!("{iface}: a link type netdiag does not decode"))?;
        let annotator = Annotator::new(&intent);
        // Pod IP → node: a packet whose outer address is no node (a stale FDB entry sends to an
        // old IP) still belongs to the peer its inner destination lives on.
        let pod_node: HashMap<IpAddr, &str> = intent
            .pods
            .iter()
            .filter(|p| !p.host_network)
            .filter_map(|p| {
                let node = p.node.as_deref()?;
                Some(p.ips.iter().map(move |ip| (*ip, node)))
            })
            .flatten()
            .collect();
        let mut buf = Vec::with_capacity(256);
        let mut last_stats = std::time::Instant::now();
        let mut ui_dropped = 0u64;
        use crate::source::pcap::{Next, Packets};
        while !stop.load(Ordering::Relaxed) {
            match cap.next() {
                Ok(Next::Packet(p)) => {
                    let mut rec =
                        netdiag_parsers::packet::decode(link, p.ts_ns, p.wire_len, p.data, &cfg);
                    let names = annotator.annotate(&mut rec);
                    buf.clear();
                    text::line(&mut buf, &rec, &names, false);
                    let not_local = |n: &&str| Some(*n) != local.as_deref();
                    let peer = rec
                        .outer
                        .as_ref()
                        .and_then(|o| {
                            [o.src, o.dst]
                                .into_iter()
                                .filter_map(|ip: IpAddr| annotator.node_of(ip))
                                .find(not_local)
                        })
                        .or_else(|| {
                            rec.inner.as_ref().and_then(|i| {
                                [i.src, i.dst]
                                    .into_iter()
                                    .filter_map(|ip| pod_node.get(&ip).copied())
                                    .find(not_local)
                            })
                        })
                        .map(str::to_string);
                    let line = PacketLine {
                        peer,
                        text: String::from_utf8_lossy(&buf).trim_end().to_string(),
                    };
                    // Never block the capture on a busy screen: count what does not fit.
                    match tx.try_send(Event::Packet(line)) {
                        Ok(()) => {}
                        Err(TrySendError::Full(_)) => ui_dropped += 1,
                        Err(TrySendError::Disconnected(_)) => return Ok(()),
                    }
                }
                Ok(Next::Idle) => cap.wait_readable(100),
                Ok(Next::End) => return Ok(()),
                Err(e) => anyhow::bail!("capture on {iface}: {e}"),
            }
            if last_stats.elapsed() >= Duration::from_secs(1) {
                last_stats = std::time::Instant::now();
                if let Ok(s) = cap.stats() {
                    let _ = tx.try_send(Event::Drops(s.received, s.dropped, ui_dropped));
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        let _ = tx.send(Event::CaptureError(format!("{e:#}")));
    }
}
