//! Gathering a bundle's members from the node and the intent's source: the node state (the
//! `show state -o json` document and its ip/bridge-style text), the intent cut to what is safe to
//! share, the node-status report, sysctls/kernel/offloads and an optional capture. Read-only. A part
//! that cannot be collected is a failure with its reason; only a node state that cannot be read at
//! all stops the bundle.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use netdiag_core::bundle::manifest::Failure;
use netdiag_core::bundle::text;
use netdiag_core::report::{render_text, RenderOptions};
use netdiag_core::{expect, ClusterIntent, NodeState};
use netdiag_parsers::cluster::{parse_resources, sanitize_resources, Sanitized};

use super::archive::Member;
use super::Progress;
use crate::cli::{BundleCreateArgs, SourceArgs};
use crate::source::{self, files, kube};

/// Drop ranks (see [`Member::drop_rank`]): what goes first when the size cap is reached.
pub const KEEP: u8 = 0;
pub const TEXT: u8 = 1;
pub const CAPTURE: u8 = 2;

pub struct Collected {
    pub node: String,
    pub state_source: String,
    pub intent_source: Option<String>,
    pub members: Vec<Member>,
    pub failures: Vec<Failure>,
    pub filtered: Vec<String>,
    /// Every node name the bundle mentions (for host-name redaction).
    pub hostnames: Vec<String>,
    /// The UDP ports the capture's VXLAN is on (for redacting its inner headers).
    pub vxlan_ports: Vec<u16>,
}

pub fn fail(what: &str, why: impl std::fmt::Display) -> Failure {
    Failure {
        what: what.to_string(),
        why: why.to_string().replace('\n', " "),
    }
}

/// The intent's raw texts (one per file or API response) and where they came from.
fn raw_intent(src: &SourceArgs) -> Result<(Vec<(String, String)>, String)> {
    let from_dir = |dir: &Path| -> Result<(Vec<(String, String)>, String)> {
        let root = if dir.join("cluster").is_dir() {
            dir.join("cluster")
        } else {
            dir.to_path_buf()
        };
        let mut paths: Vec<PathBuf> = if root.is_file() {
            vec![root.clone()]
        } else {
            files::resource_files(&root)?
        };
        paths.sort();
        if paths.is_empty() {
            bail!("{}: no *.yaml, *.yml or *.json resources", root.display());
        }
        let mut out = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| anyhow!("{}: cannot read: {e}", p.display()))?;
            out.push((p.display().to_string(), text));
        }
        Ok((out, format!("files {}", dir.display())))
    };
    if let Some(lab) = &src.lab {
        crate::lab::load(lab)?;
        return from_dir(&crate::lab::state_dir(lab));
    }
    if kube::explicit(src) || (src.from_path().is_none() && kube::available(src)) {
        let (_, pages, server) = kube::load_intent_raw(src)?;
        let pages = pages
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("API response {}", i + 1), p))
            .collect();
        return Ok((pages, format!("api {server}")));
    }
    match src.from_path() {
        Some(dir) => from_dir(dir),
        None => {
            bail!("no cluster intent: pass --from DIR, --lab, or --kubeconfig PATH to include it")
        }
    }
}

/// The sanitised intent as `cluster/intent.json`, and the parsed intent the report is made from
/// (parsed back from that very file, so the bundle's analysis equals this one).
pub fn intent(src: &SourceArgs, pin: bool, c: &mut Collected) -> Result<ClusterIntent> {
    let (raw, origin) = raw_intent(src)?;
    c.intent_source = Some(origin);
    let mut all = Sanitized::default();
    for (label, text) in &raw {
        let s =
            sanitize_resources(text, pin).map_err(|e| anyhow!("{}", e.in_file(label.clone())))?;
        all.extend(s);
    }
    for (kind, n) in &all.dropped {
        c.filtered.push(format!(
            "dropped {n} {kind} object(s): not read by netdiag, may hold secrets"
        ));
    }
    c.filtered.push(
        "Pods cut to name, namespace, labels, Calico annotations, node, host network, phase and IPs; managedFields and last-applied-configuration removed everywhere".into(),
    );
    let json = all.to_list_json();
    let mut intent =
        parse_resources(&json).map_err(|e| anyhow!("{}", e.in_file("cluster/intent.json")))?;
    // As every command reads an intent (source::intent_for): affinities stand in for blocks.
    intent.derive_blocks();
    c.members
        .push(Member::new("cluster/intent.json", json.into_bytes(), KEEP));
    Ok(intent)
}

/// Where live facts can be read: the namespace of --lab/--netns, the current one for a live
/// collection, nowhere for a state read from files.
fn live_netns(src: &SourceArgs, node: &str) -> Result<Option<Option<String>>> {
    if let Some(lab) = &src.lab {
        return Ok(Some(Some(crate::lab::node_netns(lab, Some(node))?)));
    }
    Ok(match (&src.netns, src.from_path(), src.live) {
        (Some(ns), _, _) => Some(Some(ns.clone())),
        (None, Some(_), false) => None,
        _ => Some(None),
    })
}

pub fn collect(args: &BundleCreateArgs, progress: &Progress) -> Result<Collected> {
    let src = &args.source;
    progress.step("reading the node state");
    let state: NodeState = source::state(src)?;
    let mut c = Collected {
        node: String::new(),
        state_source: state.source.clone(),
        intent_source: None,
        members: Vec::new(),
        failures: Vec::new(),
        filtered: Vec::new(),
        hostnames: Vec::new(),
        vxlan_ports: vec![4789],
    };

    progress.step("reading the cluster intent");
    let pin = args.redact.contains(&crate::cli::RedactWhat::Hostnames);
    let intent = intent(src, pin, &mut c);
    if let Err(e) = &intent {
        c.failures.push(fail("intent", format!("{e:#}")));
    }

    let node = match (&src.node, &intent) {
        (Some(n), _) => n.clone(),
        (None, Ok(i)) => expect::pick_node(i, &state, None)
            .ok()
            .or_else(|| state.node.clone())
            .unwrap_or_else(|| "node".into()),
        (None, Err(_)) => state.node.clone().unwrap_or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "node".into())
        }),
    };
    if node.is_empty() || node.contains('/') || node == "." || node == ".." {
        bail!("node name {node:?} cannot name a bundle directory: pass --node NAME");
    }
    c.node = node.clone();
    if let Ok(i) = &intent {
        c.hostnames.extend(i.nodes.iter().map(|n| n.name.clone()));
        c.hostnames
            .extend(i.pods.iter().filter_map(|p| p.node.clone()));
    }
    c.hostnames.push(node.clone());
    if let Ok(i) = &intent {
        c.vxlan_ports = crate::capture::decode_config(i, Some(&node), &[]).vxlan_ports;
    }
    let dir = format!("nodes/{node}");

    c.members.extend(state_members(&dir, &node, &state)?);

    // BIRD's own replies, kept as files (`--from` reads them back); state.json stays the netlink
    // state. Read-only: `show protocols all` and `show route` only.
    let mut state = state;
    let mut src_node = src.clone();
    src_node.node.get_or_insert(node.clone());
    if let Some(socket) = source::bird::socket_for(&src_node, None) {
        progress.step("reading BGP sessions from BIRD");
        match source::bird::read_raw(&socket) {
            Ok(raw) => {
                state.bgp = Some(source::bird::parse(&socket, &raw));
                c.members.push(Member::new(
                    &format!("{dir}/bird-protocols.txt"),
                    raw.protocols.into_bytes(),
                    KEEP,
                ));
                c.members.push(Member::new(
                    &format!("{dir}/bird-routes.txt"),
                    raw.routes.into_bytes(),
                    KEEP,
                ));
            }
            Err(e) => {
                // No socket at all is a node without BIRD (VXLAN-only): the report's "not
                // checked" says so where it matters; a socket that does not answer is a failure.
                if socket.exists() {
                    c.failures.push(fail("bird", format!("{e:#}")));
                }
                state.bgp = Some(source::bird::unavailable(&socket, format!("{e:#}")));
            }
        }
        // bird6 (Calico's IPv6 daemon), when its socket sits beside: kept as bird6-*.txt.
        if let Some(s6) = source::bird::bird6_socket(&socket) {
            let v6 = match source::bird::read_raw(&s6) {
                Ok(raw) => {
                    let v6 = source::bird::parse(&s6, &raw);
                    c.members.push(Member::new(
                        &format!("{dir}/bird6-protocols.txt"),
                        raw.protocols.into_bytes(),
                        KEEP,
                    ));
                    c.members.push(Member::new(
                        &format!("{dir}/bird6-routes.txt"),
                        raw.routes.into_bytes(),
                        KEEP,
                    ));
                    v6
                }
                Err(e) => {
                    c.failures.push(fail("bird6", format!("{e:#}")));
                    source::bird::unavailable(&s6, format!("{e:#}"))
                }
            };
            if let Some(b) = state.bgp.as_mut() {
                b.merge_ipv6(v6);
            }
        }
    }

    progress.step("checking the node");
    // The same report `node-status` prints. Without an intent (none given, unreadable), the local
    // checks still run and an INTENT-UNAVAILABLE finding says why the rest is unknown.
    let report = match intent {
        Ok(i) => crate::node_status::build(Ok(i), &state, src.node.as_deref()),
        Err(e) => Ok(expect::check_local(
            &state,
            Some(&node),
            &expect::IntentGap::Unavailable {
                error: format!("{e:#}"),
                hint: "bundle again with --from DIR, --lab, or --kubeconfig PATH to include the intent".into(),
            },
        )),
    };
    match report {
        Ok(report) => c.members.extend(report_members(&dir, &report, KEEP)?),
        Err(e) => c.failures.push(fail("node-status", format!("{e:#}"))),
    }

    progress.step("reading sysctls, kernel and offloads");
    match live_netns(src, &node)? {
        Some(netns) => match super::host::collect(netns.as_deref(), &state) {
            Ok(facts) => {
                for (what, name, r) in [
                    ("sysctl", "sysctl.txt", facts.sysctl),
                    ("kernel", "kernel.txt", facts.kernel),
                    ("offload", "ethtool-k.txt", facts.offload),
                ] {
                    match r {
                        Ok(t) => c.members.push(Member::new(
                            &format!("{dir}/{name}"),
                            t.into_bytes(),
                            KEEP,
                        )),
                        Err(why) => c.failures.push(fail(what, why)),
                    }
                }
            }
            Err(e) => c
                .failures
                .push(fail("sysctl, kernel, offload", format!("{e:#}"))),
        },
        None => c.failures.push(fail(
            "sysctl, kernel, offload",
            "the node state came from files, not a live node",
        )),
    }

    if let Some(secs) = args.capture_seconds {
        progress.step(&format!("capturing tunnel traffic for {secs} s"));
        match capture(src, &node, secs, args.max_size) {
            Ok(bytes) => {
                c.members
                    .push(Member::new(&format!("{dir}/capture.pcap"), bytes, CAPTURE))
            }
            Err(e) => c.failures.push(fail("capture", format!("{e:#}"))),
        }
    }
    Ok(c)
}

/// `DIR/state.json` (the `show state -o json` document, readable again by `--from`) and its
/// ip/bridge-style text under `DIR/text/`.
pub fn state_members(dir: &str, node: &str, state: &NodeState) -> Result<Vec<Member>> {
    let mut out = Vec::new();
    let doc = serde_json::json!({
        "schema_version": netdiag_core::SCHEMA_VERSION,
        "kind": "state",
        "node": node,
        "source": state.source,
        "items": state,
    });
    let mut state_json = serde_json::to_string_pretty(&doc)?;
    state_json.push('\n');
    out.push(Member::new(
        &format!("{dir}/state.json"),
        state_json.into_bytes(),
        KEEP,
    ));
    for (name, body) in [
        ("ip-d-addr.txt", text::links(state)),
        ("ip-d-route-table-all.txt", text::routes(state)),
        ("ip-neigh.txt", text::neighbours(state)),
        ("bridge-fdb.txt", text::fdb(state)),
    ] {
        out.push(Member::new(
            &format!("{dir}/text/{name}"),
            body.into_bytes(),
            TEXT,
        ));
    }
    Ok(out)
}

/// `DIR/node-status.txt` (left out at `txt_rank`) and `DIR/node-status.json`.
pub fn report_members(
    dir: &str,
    report: &netdiag_core::report::Report,
    txt_rank: u8,
) -> Result<Vec<Member>> {
    let text = render_text(
        report,
        RenderOptions {
            color: false,
            all_peers: true,
        },
    );
    Ok(vec![
        Member::new(
            &format!("{dir}/node-status.txt"),
            text.into_bytes(),
            txt_rank,
        ),
        Member::new(
            &format!("{dir}/node-status.json"),
            crate::output::json(report)?.into_bytes(),
            KEEP,
        ),
    ])
}

/// A bounded capture of tunnel traffic on the node's underlay (`netdiag capture -w`), at most
/// `max_bytes` of packets.
fn capture(src: &SourceArgs, node: &str, secs: u64, max_bytes: u64) -> Result<Vec<u8>> {
    if live_netns(src, node)?.is_none() {
        bail!("the node state came from files: nothing to capture on");
    }
    let tmp = tempfile::Builder::new()
        .prefix("netdiag-bundle-capture-")
        .tempdir()?;
    let pcap = tmp.path().join("capture.pcap");
    let mut source = src.clone();
    if source.lab.is_some() {
        source.node = Some(node.to_string());
    }
    let cargs = crate::cli::CaptureArgs {
        source,
        read: None,
        interface: None,
        write: Some(pcap.clone()),
        decode: false,
        filter: None,
        vxlan_port: Vec::new(),
        count: None,
        max_bytes: Some(max_bytes),
        duration: Some(secs as f64),
        verbose: false,
        output: crate::cli::CaptureFormat::Text,
        stats: false,
        snaplen: 262_144,
    };
    crate::capture::run(&cargs, false)?;
    Ok(std::fs::read(&pcap)?)
}
