//! `netdiag bundle --all-nodes`: one archive of every node — `cluster-status`'s fan-out (a Pod per
//! node through the API, or each lab node's namespace) hands each state over as it arrives, kept
//! as that node's `nodes/<node>/{state.json, text/*.txt, node-status.json, node-status.txt}`, plus
//! the sanitised `cluster/intent.json` and the cross-check as `cluster-status.json` and `.txt`.
//! Nodes that could not be collected are `failures` with cluster-status's reason. Redaction, the
//! size cap (text renderings left out first) and the atomic write are those of one node's bundle.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Result};
use netdiag_core::bundle::manifest::Failure;
use netdiag_core::{cluster, NodeState};

use super::archive::Member;
use super::collect::{self, Collected, KEEP, TEXT};
use super::Progress;
use crate::cli::{BundleCreateArgs, ClusterStatusArgs, FailOn, RedactWhat, ReportFormat};
use crate::cluster_status::{self, Sink};

/// What the fan-out kept of one node: its members, or why its report could not be made.
type Kept = BTreeMap<String, (Vec<Member>, Vec<Failure>)>;

pub fn create(args: &BundleCreateArgs) -> Result<u8> {
    if args.dry_run {
        bail!("--dry-run lists one node's bundle: leave out --all-nodes (an --all-nodes bundle holds each node's state.json, text/*.txt and node-status, cluster/intent.json and cluster-status.json/.txt)");
    }
    let src = &args.source;
    let started = super::now_ns();
    let created = netdiag_core::packet::json::rfc3339(started);
    let created = format!("{}Z", created.get(..19).unwrap_or(&created));
    let progress = Progress::new();

    let mut c = Collected {
        node: String::new(),
        state_source: String::new(),
        intent_source: None,
        members: Vec::new(),
        failures: Vec::new(),
        filtered: Vec::new(),
        hostnames: Vec::new(),
        vxlan_ports: Vec::new(),
    };
    progress.step("reading the cluster intent");
    let pin = args.redact.contains(&RedactWhat::Hostnames);
    // The intent every node's report is made from: the sanitised one the bundle holds, so a
    // reader of the bundle reaches the same verdicts.
    let intent = Arc::new(collect::intent(src, pin, &mut c)?);
    c.hostnames
        .extend(intent.nodes.iter().map(|n| n.name.clone()));
    c.hostnames
        .extend(intent.pods.iter().filter_map(|p| p.node.clone()));

    let kept: Arc<Mutex<Kept>> = Arc::new(Mutex::new(BTreeMap::new()));
    let sink: Sink = {
        let (kept, intent) = (Arc::clone(&kept), Arc::clone(&intent));
        Arc::new(move |node: &str, state: &NodeState| {
            let entry = node_members(&intent, node, state);
            if let Ok(mut k) = kept.lock() {
                k.insert(node.to_string(), entry);
            }
        })
    };
    progress.step("collecting every node");
    let report = match &src.lab {
        Some(lab) => cluster_status::lab_report(lab, Some(sink))?,
        None => cluster_status::api_report(&fan_out_args(args), Some(sink))?,
    };
    c.state_source = format!("{}: every node's `show state -o json`", report.source);

    let kept = std::mem::take(
        &mut *kept
            .lock()
            .map_err(|_| anyhow::anyhow!("a collector panicked"))?,
    );
    let nodes: Vec<String> = kept.keys().cloned().collect();
    for (node, (members, failures)) in kept {
        c.members.extend(members);
        c.failures.extend(failures);
        c.hostnames.push(node);
    }
    for n in report.nodes.iter() {
        if let Some(u) = &n.unreachable {
            c.failures.push(collect::fail(
                &format!("node {}", u.node),
                format!("{}: {}", u.reason, u.detail),
            ));
            c.hostnames.push(u.node.clone());
        }
    }
    c.members.push(Member::new(
        "cluster-status.json",
        crate::output::json(&report)?.into_bytes(),
        KEEP,
    ));
    c.members.push(Member::new(
        "cluster-status.txt",
        cluster::render_text(&report, cluster::RenderOptions { color: false }).into_bytes(),
        TEXT,
    ));
    if nodes.is_empty() {
        bail!("no node could be collected: nothing was written");
    }
    super::write(args, c, started, &created, &progress, nodes)
}

/// One node's members: its state and text renderings, and its node-status report (its text a
/// rendering, left out with the rest when the cap is reached).
fn node_members(
    intent: &netdiag_core::ClusterIntent,
    node: &str,
    state: &NodeState,
) -> (Vec<Member>, Vec<Failure>) {
    let dir = format!("nodes/{node}");
    let mut members = Vec::new();
    let mut failures = Vec::new();
    if node.is_empty() || node.contains('/') || node == "." || node == ".." {
        failures.push(collect::fail(
            &format!("node {node}"),
            "the name cannot name a bundle directory",
        ));
        return (members, failures);
    }
    match collect::state_members(&dir, node, state) {
        Ok(m) => members.extend(m),
        Err(e) => failures.push(collect::fail(
            &format!("{dir}/state.json"),
            format!("{e:#}"),
        )),
    }
    let report = crate::node_status::build(Ok(intent.clone()), state, Some(node))
        .and_then(|r| collect::report_members(&dir, &r, TEXT));
    match report {
        Ok(m) => members.extend(m),
        Err(e) => failures.push(collect::fail(
            &format!("node-status of {node}"),
            format!("{e:#}"),
        )),
    }
    (members, failures)
}

/// `cluster-status`'s flags from the bundle's.
fn fan_out_args(a: &BundleCreateArgs) -> ClusterStatusArgs {
    ClusterStatusArgs {
        kubeconfig: a.source.kubeconfig.clone(),
        context: a.source.context.clone(),
        nodes: a.nodes.clone(),
        concurrency: a.concurrency,
        timeout: a.timeout,
        image: a.image.clone(),
        request_timeout: a.source.request_timeout,
        lab: None,
        cleanup: false,
        output: ReportFormat::Json,
        fail_on: FailOn::Never,
        poll_interval: a.poll_interval,
    }
}
