//! `netdiag trace`: resolve both ends from the intent, gather each end's node state from wherever it
//! is available (both lab namespaces, `--from DIR`'s node dumps, or the local node only), with the
//! kernel's own route lookups and the sysctls when live, then walk the path (core `trace`) and
//! print it. `--probe` sends real packets in the lab and captures them on both underlays.

mod probe;

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use netdiag_core::model::RouteType;
use netdiag_core::trace::{self, Endpoint, NodeEvidence, Proto, Request, Trace};
use netdiag_core::{expect, ClusterIntent, NodeState};

use crate::cli::{ReportFormat, TraceArgs, TraceProto};
use crate::output;
use crate::source::{self, files, kube, netlink, sysctl};

/// Where both nodes' state comes from.
enum Nodes<'a> {
    Lab(&'a str),
    Live(Option<&'a str>),
    /// One or more directories (bundles unpacked): each node from the first that has it.
    Files(Vec<&'a Path>),
}

pub fn run(args: &TraceArgs, color: bool) -> Result<u8> {
    // `--from bundle.tar.gz` (#8), once per node: verified and unpacked for as long as this runs.
    let (opened, _bundles) = source::bundle::open_all(&args.source)?;
    let args = &TraceArgs {
        src: args.src.clone(),
        dst: args.dst.clone(),
        source: opened,
        port: args.port,
        proto: args.proto,
        both: args.both,
        probe: args.probe,
        output: args.output,
    };
    let proto = match (args.proto, args.port) {
        (Some(TraceProto::Icmp), _) => Proto::Icmp,
        (Some(TraceProto::Tcp), _) | (None, Some(_)) => Proto::Tcp,
        (Some(TraceProto::Udp), _) => Proto::Udp,
        (None, None) => Proto::Icmp,
    };
    if proto == Proto::Icmp && args.port.is_some() {
        bail!("--port needs --proto tcp or udp (ICMP has no ports)");
    }
    let intent = source::intent_for(&args.source, kube::Needs::All)?;
    let ns = args.source.namespace.as_deref();
    let src = trace::resolve(&intent, &args.src, ns)?;
    let dst = trace::resolve(&intent, &args.dst, ns)?;

    let where_from = if let Some(lab) = &args.source.lab {
        Nodes::Lab(lab)
    } else if args.source.netns.is_some() || args.source.live || args.source.from_path().is_none() {
        Nodes::Live(args.source.netns.as_deref())
    } else {
        Nodes::Files(args.source.from.iter().map(PathBuf::as_path).collect())
    };
    if args.probe && !matches!(where_from, Nodes::Lab(_)) {
        bail!("--probe sends packets, which netdiag does only inside its own lab: use it with --lab (netdiag lab up)");
    }
    let nodes = gather(&intent, &where_from, &[&src, &dst], args)?;

    let mut traces = vec![trace::trace(
        &intent,
        &nodes,
        Request {
            src: &src,
            dst: &dst,
            proto,
            port: args.port,
        },
    )];
    if args.both {
        traces.push(trace::trace(
            &intent,
            &nodes,
            Request {
                src: &dst,
                dst: &src,
                proto,
                port: args.port,
            },
        ));
    }
    if args.probe {
        if let Nodes::Lab(lab) = where_from {
            for t in traces.iter_mut() {
                probe::run(lab, t, args.port)?;
            }
        }
    }

    let text = match args.output {
        ReportFormat::Text => traces
            .iter()
            .map(|t| trace::render_text(t, color))
            .collect::<Vec<_>>()
            .join("\n"),
        ReportFormat::Json if traces.len() == 1 => output::json(&traces[0])?,
        ReportFormat::Json => output::json(&traces)?,
        ReportFormat::Yaml if traces.len() == 1 => output::yaml(&traces[0])?,
        ReportFormat::Yaml => output::yaml(&traces)?,
    };
    output::print(&text)?;
    Ok(u8::from(traces.iter().any(Trace::broken)))
}

/// The state of the nodes the endpoints live on, as far as it can be read. A node whose state
/// cannot be read is left out (its hops become unknown), except that nothing at all is an error.
fn gather(
    intent: &ClusterIntent,
    from: &Nodes<'_>,
    ends: &[&Endpoint],
    args: &TraceArgs,
) -> Result<HashMap<String, NodeEvidence>> {
    let wanted: BTreeSet<&str> = ends.iter().filter_map(|e| e.node.as_deref()).collect();
    // Addresses the kernel is asked about: both ends, and the nodes' own IPs (underlay routes).
    let mut probe_ips: Vec<IpAddr> = ends.iter().map(|e| e.ip).collect();
    for n in &wanted {
        if let Some(ip) = intent.node(n).and_then(|n| n.ipv4_addr()) {
            probe_ips.push(IpAddr::V4(ip));
        }
    }
    probe_ips.sort_unstable();
    probe_ips.dedup();

    let mut out = HashMap::new();
    match from {
        Nodes::Lab(lab) => {
            for node in wanted {
                let netns = crate::lab::node_netns(lab, Some(node))?;
                out.insert(node.to_string(), live(Some(&netns), &probe_ips, ends)?);
            }
        }
        Nodes::Live(netns) => {
            let ev = live(*netns, &probe_ips, ends)?;
            let name = expect::pick_node(intent, &ev.state, args.source.node.as_deref())?;
            out.insert(name, ev);
        }
        Nodes::Files(dirs) => {
            for node in wanted {
                for dir in dirs {
                    if files::node_dirs(dir)?.iter().any(|p| p == node) {
                        out.insert(
                            node.to_string(),
                            NodeEvidence {
                                state: files::load_state(dir, node)?,
                                // A bundle holds them; a directory may (`sysctl -a` output).
                                sysctl: files::load_sysctl(dir, node)?,
                                ..NodeEvidence::default()
                            },
                        );
                        break;
                    }
                }
            }
            if out.is_empty() {
                bail!(
                    "{}: no dumps of {} under nodes/: add DIR/nodes/<node>/ with `ip -d link`, `ip addr`, `ip -d route show table all`, `ip neigh`, `bridge fdb` output, or give a bundle of each node (--from a.tar.gz --from b.tar.gz)",
                    dirs.iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    ends.iter()
                        .filter_map(|e| e.node.as_deref())
                        .collect::<Vec<_>>()
                        .join(" or ")
                );
            }
        }
    }
    Ok(out)
}

/// One node read live: netlink state, the kernel's routes for `ips`, and the sysctls of the
/// interfaces a trace looks at.
fn live(netns: Option<&str>, ips: &[IpAddr], ends: &[&Endpoint]) -> Result<NodeEvidence> {
    let state = netlink::collect(&netlink::NetlinkOptions {
        netns: netns.map(str::to_string),
        ..Default::default()
    })?;
    let lookups = netlink::route_get(netns, ips, &state)?;
    let devs = interesting_devs(&state, ends);
    let sysctl = sysctl::read(netns, &devs)?;
    // node-status's kernel checks (run inside the trace) see the same settings.
    let mut state = state;
    state.sysctl = Some(sysctl.clone());
    Ok(NodeEvidence {
        state,
        sysctl,
        lookups,
    })
}

/// Every non-workload interface (tunnels, underlay), plus the workload interfaces of the ends: a
/// node with 500 pods does not need 1 000 sysctl reads.
fn interesting_devs(state: &NodeState, ends: &[&Endpoint]) -> Vec<String> {
    let mut devs: Vec<String> = state
        .links()
        .iter()
        .filter(|l| !l.name.starts_with("cali"))
        .map(|l| l.name.clone())
        .collect();
    for e in ends {
        let host = ipnet::IpNet::from(e.ip);
        if let Some(dev) = state
            .routes()
            .iter()
            .find(|r| r.is_main() && r.dst == host && r.kind == RouteType::Unicast)
            .and_then(|r| r.dev.clone())
        {
            devs.push(dev);
        }
    }
    devs.sort();
    devs.dedup();
    devs
}
