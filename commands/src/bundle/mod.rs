//! `netdiag bundle`: a support bundle of one node — what `node-status` needs to reach the same
//! verdict offline, what a person needs to read it, nothing secret — written atomically as one
//! .tar.gz under a size cap; `bundle inspect` and `bundle diff` read bundles, and `--from` of every
//! analysing command takes one (see `source/bundle.rs`). Read-only on the node.
//!
//! Layout (the `--from DIR` layout, so the same loaders read it):
//! `manifest.json`, `cluster/intent.json`, `nodes/<node>/{state.json, node-status.txt,
//! node-status.json, sysctl.txt, kernel.txt, ethtool-k.txt, capture.pcap, text/*.txt}`.
//! `--all-nodes` (`all_nodes.rs`): every node under `nodes/`, plus `cluster-status.json`/`.txt`.

pub mod all_nodes;
pub mod archive;
pub mod collect;
pub mod diff;
pub mod host;
pub mod inspect;

use std::hash::BuildHasher as _;
use std::io::IsTerminal as _;
use std::path::PathBuf;

use anyhow::Result;
use netdiag_core::bundle::manifest::{Redaction, Sources};
use netdiag_core::bundle::{Manifest, RedactOptions, Redactor, BUNDLE_SCHEMA};

use crate::cli::{BundleArgs, BundleCommand, BundleCreateArgs, RedactWhat};
use archive::human;

pub fn run(args: &BundleArgs) -> Result<u8> {
    match &args.command {
        Some(BundleCommand::Inspect(a)) => inspect::run(a),
        Some(BundleCommand::Diff(a)) => diff::run(a),
        None => create(&args.create),
    }
}

/// Progress on stderr, only when it is a terminal: one line, rewritten.
pub struct Progress {
    tty: bool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
        }
    }

    pub fn step(&self, what: &str) {
        if self.tty {
            eprint!("\r\x1b[Knetdiag bundle: {what}…");
        }
    }

    pub fn done(&self) {
        if self.tty {
            eprint!("\r\x1b[K");
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

pub(crate) fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `20261122T140136Z` from an RFC 3339 time.
fn compact_time(rfc3339: &str) -> String {
    let s: String = rfc3339
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    format!("{s}Z")
}

fn intent_origin(a: &BundleCreateArgs) -> String {
    let s = &a.source;
    if let Some(lab) = &s.lab {
        return format!("lab {lab}'s cluster/");
    }
    if crate::source::kube::explicit(s)
        || (s.from_path().is_none() && crate::source::kube::available(s))
    {
        return "the Kubernetes API (kubeconfig or service account; credentials are never copied)"
            .into();
    }
    match s.from_path() {
        Some(d) => format!("{}/cluster/", d.display()),
        None => "nowhere (no --from, --lab or kubeconfig: recorded as not collected)".into(),
    }
}

fn dry_run(a: &BundleCreateArgs) -> Result<u8> {
    let node = a.source.node.clone().unwrap_or_else(|| "<node>".into());
    let state = match (
        &a.source.lab,
        &a.source.netns,
        a.source.from_path(),
        a.source.live,
    ) {
        (Some(lab), _, _, _) => format!("live, lab {lab}'s namespace of {node} (netlink)"),
        (_, Some(ns), _, _) => format!("live, network namespace {ns} (netlink)"),
        (_, _, Some(d), false) => format!("files {}/nodes/{node}/", d.display()),
        _ => "live, this network namespace (netlink)".into(),
    };
    let out = a
        .output
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| format!("netdiag-{node}-<time>.tar.gz"));
    let mut t = format!(
        "would write {out} (mode 0600, at most {}); nothing is collected in a dry run\n",
        human(a.max_size)
    );
    let d = format!("nodes/{node}");
    let mut rows: Vec<(String, String)> = vec![
        ("manifest.json".into(), "netdiag and schema versions, time, node, sources, size and SHA-256 of every file, what failed, was left out or redacted".into()),
        ("cluster/intent.json".into(), format!("the intent from {}, without Secrets, ServiceAccounts, other ConfigMaps or Pod specs", intent_origin(a))),
        (format!("{d}/state.json"), format!("links with tunnel details, addresses, routes of all tables, neighbours, FDB (`show state -o json`), {state}")),
        (format!("{d}/text/*.txt"), "the same as ip -d addr / ip -d route show table all / ip neigh / bridge fdb text".into()),
        (format!("{d}/node-status.txt, .json"), "the node-status report".into()),
        (format!("{d}/sysctl.txt"), "ip_forward, rp_filter (all, default, each interface), proxy_arp and forwarding on cali*".into()),
        (format!("{d}/kernel.txt"), "kernel release and version; vxlan/ipip modules".into()),
        (format!("{d}/ethtool-k.txt"), "offload features of vxlan.calico/tunl0 and their parents (ETHTOOL netlink)".into()),
    ];
    if let Some(n) = a.capture_seconds {
        let redacted = if a.redact.is_empty() {
            ""
        } else {
            " (headers only, their addresses redacted)"
        };
        rows.push((
            format!("{d}/capture.pcap"),
            format!("{n} s of tunnel traffic on the underlay{redacted}, at most {}; left out first when the cap is reached", human(a.max_size)),
        ));
    }
    for (p, what) in rows {
        t.push_str(&format!("  {p:<34} {what}\n"));
    }
    if !a.redact.is_empty() {
        let what: Vec<&str> = a
            .redact
            .iter()
            .map(|r| match r {
                RedactWhat::Ips => "addresses",
                RedactWhat::Hostnames => "node names",
            })
            .collect();
        t.push_str(&format!(
            "redacted: {} replaced by consistent placeholders in every file and file name\n",
            what.join(" and ")
        ));
    }
    crate::output::print(&t)?;
    Ok(0)
}

fn create(args: &BundleCreateArgs) -> Result<u8> {
    if args.all_nodes {
        return all_nodes::create(args);
    }
    if args.dry_run {
        return dry_run(args);
    }
    // A bundle as --from (re-bundling, e.g. to redact one): unpacked for as long as this runs.
    let opened = crate::source::open(&args.source)?;
    let mut args = args.clone();
    args.source = opened.args.clone();
    let started = now_ns();
    let created = netdiag_core::packet::json::rfc3339(started);
    let created = format!("{}Z", created.get(..19).unwrap_or(&created));

    let progress = Progress::new();
    let c = collect::collect(&args, &progress)?;

    write(&args, c, started, &created, &progress, Vec::new())
}

/// Redacts, caps and writes what was collected; `nodes` names the nodes of an `--all-nodes`
/// bundle (empty for one node's).
pub(crate) fn write(
    args: &BundleCreateArgs,
    c: collect::Collected,
    started: i64,
    created: &str,
    progress: &Progress,
    nodes: Vec<String>,
) -> Result<u8> {
    progress.step("writing");
    let opts = RedactOptions {
        ips: args.redact.contains(&RedactWhat::Ips),
        hostnames: args.redact.contains(&RedactWhat::Hostnames),
    };
    let seed = std::collections::hash_map::RandomState::new().hash_one(started);
    let mut texts: Vec<&str> = c
        .members
        .iter()
        .filter_map(|m| std::str::from_utf8(&m.bytes).ok())
        .collect();
    texts.push(&c.state_source);
    if let Some(s) = &c.intent_source {
        texts.push(s);
    }
    for f in &c.failures {
        texts.push(&f.why);
    }
    let mut r = Redactor::new(opts, seed, &texts, &c.hostnames);
    let mut members = Vec::with_capacity(c.members.len());
    for m in &c.members {
        let bytes = match (opts.any(), std::str::from_utf8(&m.bytes)) {
            (false, _) => m.bytes.clone(),
            // Packets: headers only (data can hold anything), addresses through the same map.
            (true, _) if m.path.ends_with(".pcap") => {
                netdiag_parsers::packet::redact::redact_pcap(&m.bytes, &c.vxlan_ports, &mut |ip| {
                    r.ip(ip)
                })
                .map_err(|e| anyhow::anyhow!("{}: cannot redact: {e}", m.path))?
            }
            (true, Ok(s)) => r.text(s).into_bytes(),
            (true, Err(_)) => m.bytes.clone(),
        };
        members.push(archive::Member {
            path: r.text(&m.path),
            bytes,
            drop_rank: m.drop_rank,
        });
    }
    let node = r.text(&c.node);
    let failures = c
        .failures
        .iter()
        .map(|f| netdiag_core::bundle::manifest::Failure {
            what: f.what.clone(),
            why: r.text(&f.why),
        })
        .collect();
    let sources = Sources {
        state: r.text(&c.state_source),
        intent: c.intent_source.as_ref().map(|s| r.text(s)),
    };
    let (addresses, hosts) = r.counts();
    let mut notes = Vec::new();
    if opts.ips {
        let (v4, v6) = r.cuts();
        notes.push(format!(
            "addresses: each IPv4 /{v4} (IPv6 /{v6}) network mapped to a new one, host bits kept, so subnets and prefixes hold; 0/8, loopback, link-local, multicast, 172.17-18/16 kept"
        ));
    }
    if opts.hostnames {
        notes.push("node names: node-N in every file and file name; VTEP MACs derived from the original names written into the Nodes".into());
    }
    if opts.any() {
        notes.push("capture: headers only (outer, inner, ARP, quoted ICMP), data cut, addresses mapped as everywhere else".into());
        notes.push("not covered: MAC addresses, interface names, namespaces and pod names other than their node-name part".into());
    }
    let manifest = Manifest {
        schema_version: BUNDLE_SCHEMA.into(),
        netdiag_version: env!("CARGO_PKG_VERSION").into(),
        created: created.to_string(),
        node: node.clone(),
        sources,
        files: Vec::new(),
        failures,
        left_out: Vec::new(),
        filtered: c.filtered.clone(),
        redaction: Redaction {
            ips: opts.ips,
            hostnames: opts.hostnames,
            addresses,
            hosts,
            notes,
        },
        max_size: args.max_size,
        nodes: nodes.iter().map(|n| r.text(n)).collect(),
    };
    let out = args.output.clone().unwrap_or_else(|| {
        let who = if nodes.is_empty() {
            node.as_str()
        } else {
            "cluster"
        };
        PathBuf::from(format!("netdiag-{who}-{}.tar.gz", compact_time(created)))
    });
    let mtime = u64::try_from(started / 1_000_000_000).unwrap_or(0);
    let (bytes, manifest) = archive::build(members, manifest, mtime)?;
    archive::write_atomic(&out, &bytes)?;
    progress.done();

    let what = if manifest.nodes.is_empty() {
        format!("node {node}")
    } else {
        format!("{} nodes", manifest.nodes.len())
    };
    let mut t = format!(
        "wrote {}: {what}, {} files and manifest.json, {}\n",
        out.display(),
        manifest.files.len(),
        human(bytes.len() as u64)
    );
    for f in &manifest.failures {
        t.push_str(&format!("  not collected  {}: {}\n", f.what, f.why));
    }
    for l in &manifest.left_out {
        t.push_str(&format!(
            "  left out       {} ({}): {}\n",
            l.path,
            human(l.size),
            l.why
        ));
    }
    crate::output::print(&t)?;
    for l in &manifest.left_out {
        eprintln!(
            "netdiag: bundle: left out {} ({}): {}",
            l.path,
            human(l.size),
            l.why
        );
    }
    Ok(0)
}
