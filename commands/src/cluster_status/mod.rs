//! `netdiag cluster-status`: every selected node's state, collected at once — by one short-lived
//! Pod per node through the Kubernetes API (`source/pods.rs`), or per lab node namespace with
//! `--lab` — then the same pure cross-check (`netdiag_core::cluster`) over all of them.
//!
//! Guarantees: at most `--concurrency` Pods exist at once; every Pod created is deleted before the
//! command returns, on success, on errors and on Ctrl-C/SIGTERM (leftovers of a killed run:
//! `--cleanup`); each state is digested as it arrives and dropped, so memory grows with the
//! digests, not the states; a node that fails is reported with why, the rest still checked.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use futures::StreamExt as _;
use netdiag_core::cluster::{
    self, ClusterReport, NodeDigest, NodeStatusSummary, RenderOptions, Unreachable,
};
use netdiag_core::{ClusterIntent, NodeState};

use crate::cli::{ClusterStatusArgs, ReportFormat, SourceArgs};
use crate::output;
use crate::source::pods::{self, PodApi};

pub fn run(args: &ClusterStatusArgs, color: bool) -> Result<u8> {
    if args.cleanup {
        return cleanup(args);
    }
    let report = match &args.lab {
        Some(lab) => lab_report(lab, None)?,
        None => api_report(args, None)?,
    };
    let text = match args.output {
        ReportFormat::Text => cluster::render_text(&report, RenderOptions { color }),
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Yaml => output::yaml(&report)?,
    };
    output::print(&text)?;
    Ok(args.fail_on.exit_code(report.worst()))
}

fn source_args(args: &ClusterStatusArgs) -> SourceArgs {
    SourceArgs {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        request_timeout: args.request_timeout,
        ..SourceArgs::default()
    }
}

/// Parses one collector's output: the `netdiag show state -o json` document.
pub fn parse_state(text: &str, node: &str, source: String) -> Result<NodeState, String> {
    #[derive(serde::Deserialize)]
    struct Document {
        schema_version: String,
        items: NodeState,
    }
    let doc: Document = serde_json::from_str(text).map_err(|e| {
        let head: String = text.trim().chars().take(60).collect();
        format!("not a `netdiag show state -o json` document ({e}); it begins {head:?}")
    })?;
    if doc.schema_version != netdiag_core::SCHEMA_VERSION {
        return Err(format!(
            "schema {:?}, this netdiag reads {:?}: use an image of the same version",
            doc.schema_version,
            netdiag_core::SCHEMA_VERSION
        ));
    }
    let mut state = doc.items;
    state.node = Some(node.to_string());
    state.source = source;
    Ok(state)
}

/// Handed every node's state as it is collected, before it is digested and dropped
/// (`bundle --all-nodes` keeps what it writes of each); called from the collecting threads.
pub type Sink = Arc<dyn Fn(&str, &NodeState) + Send + Sync>;

/// What one node gave: its digest and node-status summary, or why not.
enum Outcome {
    Collected(String, Box<NodeDigest>, NodeStatusSummary),
    Down(Unreachable),
}

fn down(node: &str, reason: &str, detail: impl Into<String>) -> Outcome {
    Outcome::Down(Unreachable {
        node: node.to_string(),
        reason: reason.to_string(),
        detail: detail.into(),
    })
}

/// Digests a state and runs its node-status (CPU work; a blocking thread in the fan-out).
fn digest(
    intent: &ClusterIntent,
    pools: &[ipnet::IpNet],
    node: &str,
    state: &NodeState,
) -> Outcome {
    let d = NodeDigest::of(state, intent.node(node), pools);
    let s = cluster::node_status(intent, state, node);
    Outcome::Collected(node.to_string(), Box::new(d), s)
}

fn assemble(intent: &ClusterIntent, outcomes: Vec<Outcome>, source: &str) -> ClusterReport {
    let mut digests = BTreeMap::new();
    let mut statuses = BTreeMap::new();
    let mut unreachable = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Collected(n, d, s) => {
                digests.insert(n.clone(), *d);
                statuses.insert(n, s);
            }
            Outcome::Down(u) => unreachable.push(u),
        }
    }
    unreachable.sort_by(|a, b| a.node.cmp(&b.node));
    cluster::cross_check(intent, &digests, &unreachable, statuses, source)
}

// ---- the lab -------------------------------------------------------------------------------

/// `--lab NAME`: each lab node's namespace collected live (netlink + sysctls), as its Pod would.
pub fn lab_report(lab: &str, sink: Option<Sink>) -> Result<ClusterReport> {
    let plan = crate::lab::load(lab)?;
    let base = SourceArgs {
        lab: Some(lab.to_string()),
        ..SourceArgs::default()
    };
    let intent = crate::source::intent(&base)?;
    let pools = cluster::pool_cidrs(&intent);
    let outcomes = std::thread::scope(|s| {
        let handles: Vec<_> = plan
            .nodes
            .iter()
            .map(|n| {
                let args = SourceArgs {
                    node: Some(n.name.clone()),
                    ..base.clone()
                };
                let (intent, pools, sink) = (&intent, &pools, &sink);
                s.spawn(move || match crate::source::state(&args) {
                    Ok(state) => {
                        if let Some(keep) = sink {
                            keep(&n.name, &state);
                        }
                        digest(intent, pools, &n.name, &state)
                    }
                    Err(e) => down(&n.name, "collect-failed", format!("{e:#}")),
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(&plan.nodes)
            .map(|(h, n)| {
                h.join()
                    .unwrap_or_else(|_| down(&n.name, "collect-failed", "the collection panicked"))
            })
            .collect::<Vec<_>>()
    });
    // Not one namespace readable (not root, say) is a failure of the run, not of every node.
    if let (true, Some(Outcome::Down(first))) = (
        outcomes.iter().all(|o| matches!(o, Outcome::Down(_))),
        outcomes.first(),
    ) {
        bail!("lab {lab:?}: no node could be collected: {}", first.detail);
    }
    Ok(assemble(&intent, outcomes, &format!("lab {lab}")))
}

// ---- the API -------------------------------------------------------------------------------

/// Shared by every node's task.
struct Run {
    api: PodApi,
    id: String,
    image: String,
    timeout: Duration,
    poll: Duration,
    intent: Arc<ClusterIntent>,
    pools: Arc<Vec<ipnet::IpNet>>,
    /// Pods created and not yet deleted.
    live: Mutex<Vec<String>>,
    /// Ctrl-C / SIGTERM.
    stop: Arc<AtomicBool>,
    /// A failure that dooms every node (RBAC, no namespace, API unreachable): the run ends with it.
    fatal: Mutex<Option<String>>,
    done: AtomicUsize,
    /// Pods deleted so far.
    deleted: AtomicUsize,
    sink: Option<Sink>,
}

impl Run {
    fn cancelled(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.fatal.lock().map(|f| f.is_some()).unwrap_or(true)
    }

    fn set_fatal(&self, line: String) {
        if let Ok(mut f) = self.fatal.lock() {
            f.get_or_insert(line);
        }
    }

    fn forget(&self, pod: &str) {
        if let Ok(mut l) = self.live.lock() {
            l.retain(|p| p != pod);
        }
    }
}

fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 40);
    format!("{:08x}", mixed & 0xffff_ffff)
}

pub fn api_report(args: &ClusterStatusArgs, sink: Option<Sink>) -> Result<ClusterReport> {
    let src = source_args(args);
    if !crate::source::kube::explicit(&src) && !crate::source::kube::available(&src) {
        bail!("no Kubernetes API to run Pods on: pass --kubeconfig PATH (or set KUBECONFIG), or --lab NAME for a lab");
    }
    // The intent first (its own client and runtime), then the fan-out.
    let intent = crate::source::kube::load_intent_for(&src, crate::source::kube::Needs::All)?;
    let mut intent = intent;
    intent.derive_blocks();
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("cannot install the Ctrl-C handler")?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the Kubernetes client's runtime")?;
    rt.block_on(fan_out(args, &src, intent, stop, sink))
}

async fn fan_out(
    args: &ClusterStatusArgs,
    src: &SourceArgs,
    intent: ClusterIntent,
    stop: Arc<AtomicBool>,
    sink: Option<Sink>,
) -> Result<ClusterReport> {
    let api = PodApi::connect(src).await?;
    let nodes = api.node_names(args.nodes.as_deref()).await?;
    if nodes.is_empty() {
        match &args.nodes {
            Some(sel) => bail!("no Node matches --nodes {sel:?}"),
            None => bail!("API server {}: the cluster has no Nodes", api.server),
        }
    }
    let pools = Arc::new(cluster::pool_cidrs(&intent));
    let run = Arc::new(Run {
        api: api.clone(),
        id: run_id(),
        image: args.image.clone(),
        timeout: args.timeout,
        poll: args.poll_interval.max(Duration::from_millis(10)),
        intent: Arc::new(intent),
        pools,
        live: Mutex::new(Vec::new()),
        stop,
        fatal: Mutex::new(None),
        done: AtomicUsize::new(0),
        deleted: AtomicUsize::new(0),
        sink,
    });
    let total = nodes.len();
    let progress = std::io::stderr().is_terminal();
    let outcomes: Vec<Outcome> = futures::stream::iter(nodes.into_iter().enumerate())
        .map(|(i, node)| {
            let run = Arc::clone(&run);
            async move {
                let o = collect_node(&run, i, &node).await;
                let n = run.done.fetch_add(1, Ordering::Relaxed) + 1;
                if progress {
                    let _ = write!(std::io::stderr(), "\rcluster-status: {n}/{total} nodes");
                }
                o
            }
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;
    if progress {
        let _ = writeln!(std::io::stderr());
    }
    // Whatever is still alive (errors, cancellation) goes now.
    let left: Vec<String> = run.live.lock().map(|l| l.clone()).unwrap_or_default();
    let failed = delete_all(&run.api, &left, usize::from(args.concurrency)).await;
    if run.stop.load(Ordering::Relaxed) {
        bail!(
            "interrupted: {} Pod(s) deleted{}",
            run.deleted.load(Ordering::Relaxed) + left.len() - failed.len(),
            cleanup_note(&failed, &run.id)
        );
    }
    if let Some(f) = run.fatal.lock().ok().and_then(|f| f.clone()) {
        bail!("{f}{}", cleanup_note(&failed, &run.id));
    }
    if !failed.is_empty() {
        eprintln!(
            "netdiag: cluster-status: {} Pod(s) could not be deleted{}",
            failed.len(),
            cleanup_note(&failed, &run.id)
        );
    }
    let intent = Arc::clone(&run.intent);
    Ok(assemble(
        &intent,
        outcomes,
        &format!("api {}", run.api.server),
    ))
}

fn cleanup_note(failed: &[String], run: &str) -> String {
    if failed.is_empty() {
        String::new()
    } else {
        format!(
            "; {} Pod(s) of run {run} could not be deleted: run `netdiag cluster-status --cleanup`",
            failed.len()
        )
    }
}

async fn delete_all(api: &PodApi, pods: &[String], concurrency: usize) -> Vec<String> {
    futures::stream::iter(pods.iter().cloned())
        .map(|p| async move {
            match api.delete_pod(&p).await {
                Ok(()) => None,
                Err(_) => Some(p),
            }
        })
        .buffer_unordered(concurrency.max(1))
        .filter_map(|x| async move { x })
        .collect()
        .await
}

/// One node: create its Pod, wait for it, read its log, delete it, digest the state.
async fn collect_node(run: &Run, i: usize, node: &str) -> Outcome {
    if run.cancelled() {
        return down(node, "cancelled", "the run was stopped before this node");
    }
    let name = format!("netdiag-{}-{i:04}", run.id);
    let deadline = run.timeout + Duration::from_secs(30);
    let manifest = pods::pod_manifest(&name, node, &run.id, &run.image, deadline);
    let create_path = format!("/api/v1/namespaces/{}/pods", pods::NAMESPACE);
    if let Err(e) = run.api.create_pod(manifest).await {
        let line = e.line(&run.api.server, "POST", &create_path);
        return match e.code() {
            Some(403) => {
                run.set_fatal(line.clone());
                down(node, "forbidden", line)
            }
            Some(404) => {
                let l = format!(
                    "API server {}: namespace {} does not exist: kubectl apply -f {}",
                    run.api.server,
                    pods::NAMESPACE,
                    pods::NAMESPACE_MANIFEST
                );
                run.set_fatal(l.clone());
                down(node, "api-error", l)
            }
            Some(401) | None => {
                run.set_fatal(line.clone());
                down(node, "api-error", line)
            }
            Some(_) => down(node, "api-error", line),
        };
    }
    if let Ok(mut l) = run.live.lock() {
        l.push(name.clone());
    }
    let outcome = wait_and_read(run, &name, node).await;
    // Deleted as soon as it is done with; a failure leaves it to the final sweep.
    if run.api.delete_pod(&name).await.is_ok() {
        run.forget(&name);
        run.deleted.fetch_add(1, Ordering::Relaxed);
    }
    match outcome {
        Ok(text) => {
            let (intent, pools) = (Arc::clone(&run.intent), Arc::clone(&run.pools));
            let owned = node.to_string();
            let source = format!("pod {}/{name}", pods::NAMESPACE);
            let sink = run.sink.clone();
            tokio::task::spawn_blocking(move || match parse_state(&text, &owned, source) {
                Ok(state) => {
                    if let Some(keep) = &sink {
                        keep(&owned, &state);
                    }
                    digest(&intent, &pools, &owned, &state)
                }
                Err(why) => down(&owned, "log-not-json", format!("log of Pod {name}: {why}")),
            })
            .await
            .unwrap_or_else(|_| down(node, "collect-failed", "digesting the state panicked"))
        }
        Err(o) => o,
    }
}

const IMAGE_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
];

/// Polls the Pod until it ends, then reads its log; `Err` is the node's failure.
async fn wait_and_read(run: &Run, name: &str, node: &str) -> std::result::Result<String, Outcome> {
    let start = Instant::now();
    let mut errors = 0u8;
    let gone = |what: &str| {
        down(
            node,
            "node-gone",
            format!("Pod {name} disappeared while {what} (404): the node was removed, or someone deleted the Pod"),
        )
    };
    loop {
        tokio::time::sleep(run.poll).await;
        if run.cancelled() {
            return Err(down(node, "cancelled", "the run was stopped"));
        }
        let p = match run.api.pod_phase(name).await {
            Ok(p) => {
                errors = 0;
                p
            }
            Err(e) if e.code() == Some(404) => return Err(gone("waiting for it")),
            // A busy API server drops a request now and then: three in a row fail the node.
            Err(_) if errors < 2 => {
                errors += 1;
                continue;
            }
            Err(e) => {
                let path = format!("/api/v1/namespaces/{}/pods/{name}", pods::NAMESPACE);
                return Err(down(
                    node,
                    "api-error",
                    e.line(&run.api.server, "GET", &path),
                ));
            }
        };
        match p.phase.as_str() {
            "Succeeded" => break,
            "Failed" => {
                let tail = run
                    .api
                    .pod_log(name)
                    .await
                    .ok()
                    .and_then(|l| l.lines().last().map(str::to_string))
                    .unwrap_or_default();
                return Err(down(
                    node,
                    "pod-failed",
                    format!(
                        "Pod {name} failed: {}{}",
                        p.why.unwrap_or_else(|| "no reason given".into()),
                        if tail.is_empty() {
                            String::new()
                        } else {
                            format!("; its log ends {tail:?}")
                        }
                    ),
                ));
            }
            phase => {
                if start.elapsed() >= run.timeout {
                    let image = p
                        .waiting_reason
                        .as_deref()
                        .is_some_and(|r| IMAGE_REASONS.contains(&r));
                    let reason = if image {
                        "image-pull"
                    } else if phase == "Pending" {
                        "pending-timeout"
                    } else {
                        "timeout"
                    };
                    return Err(down(
                        node,
                        reason,
                        format!(
                            "Pod {name} still {phase} after {}s{}",
                            run.timeout.as_secs(),
                            p.why.map(|w| format!(": {w}")).unwrap_or_default()
                        ),
                    ));
                }
            }
        }
    }
    let path = format!("/api/v1/namespaces/{}/pods/{name}/log", pods::NAMESPACE);
    match run.api.pod_log(name).await {
        Ok(t) => Ok(t),
        Err(e) if e.code() == Some(404) => Err(gone("reading its log")),
        Err(e) => Err(down(
            node,
            "api-error",
            e.line(&run.api.server, "GET", &path),
        )),
    }
}

/// `--cleanup`: deletes every collector Pod by label.
fn cleanup(args: &ClusterStatusArgs) -> Result<u8> {
    let src = source_args(args);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the Kubernetes client's runtime")?;
    rt.block_on(async {
        let api = PodApi::connect(&src).await?;
        let found = api
            .pods_labelled(pods::APP_LABEL.0, pods::APP_LABEL.1)
            .await?;
        let failed = delete_all(&api, &found, usize::from(args.concurrency)).await;
        let mut out = String::new();
        for p in found.iter().filter(|p| !failed.contains(p)) {
            out.push_str(&format!("deleted pod {}/{p}\n", pods::NAMESPACE));
        }
        if found.is_empty() {
            out.push_str(&format!(
                "no netdiag Pods in namespace {}\n",
                pods::NAMESPACE
            ));
        }
        output::print(&out)?;
        if !failed.is_empty() {
            bail!(
                "API server {}: {} Pod(s) could not be deleted: {}",
                api.server,
                failed.len(),
                failed.join(", ")
            );
        }
        Ok(0)
    })
}
