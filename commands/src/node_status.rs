//! `netdiag node-status`: collect, pick the node, run the expectation engine, print the report and
//! turn its worst finding into the exit code. Without the node's intent (API unreadable, node not in
//! it) the local checks still run and an `INTENT-UNAVAILABLE`/`NODE-NOT-IN-INTENT` error finding
//! says why the rest is unknown, so the exit code follows `--fail-on` as for any report.

use anyhow::Result;
use netdiag_core::expect::{self, IntentGap};
use netdiag_core::report::Report;
use netdiag_core::report::{render_text, RenderOptions};
use netdiag_core::{ClusterIntent, NodeState};

use crate::cli::{NodeStatusArgs, ReportFormat, SourceArgs};
use crate::output;

/// Runs the command; returns the exit code (0 healthy, 1 findings at or above --fail-on).
pub fn run(args: &NodeStatusArgs, color: bool) -> Result<u8> {
    // `--from bundle.tar.gz`: verified and unpacked for as long as this runs.
    let opened = crate::source::open(&args.source)?;
    let socket = crate::source::bird::socket_for(&opened.args, args.bird_socket.as_deref());
    let mut report = report_with_bird(&opened.args, socket.as_deref())?;
    if let (Some(b), Some(file)) = (&opened.bundle, args.source.from_path()) {
        // Name the bundle, not the temporary directory it was unpacked into.
        let (tmp, file) = (b.path().display().to_string(), file.display().to_string());
        report.source = report.source.replace(&tmp, &file);
        if let Some(bgp) = report.bgp.as_mut() {
            bgp.source = bgp.source.replace(&tmp, &file);
        }
    }
    let text = match args.output {
        ReportFormat::Text => render_text(
            &report,
            RenderOptions {
                color,
                all_peers: args.all_peers,
            },
        ),
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Yaml => output::yaml(&report)?,
    };
    output::print(&text)?;
    Ok(args.fail_on.exit_code(report.worst()))
}

/// Collects and checks: the report `node-status` prints (also put into bundles).
pub fn report(source: &SourceArgs) -> Result<Report> {
    report_with_bird(source, None)
}

/// [`report`] with BGP sessions read from BIRD's control socket (when the state does not carry
/// them already, as a bundle's files do).
pub fn report_with_bird(source: &SourceArgs, socket: Option<&std::path::Path>) -> Result<Report> {
    let (intent, state) = read(source);
    let mut state = state?;
    if let (None, Some(socket)) = (&state.bgp, socket) {
        state.bgp = Some(crate::source::bird::collect(socket));
    }
    build(intent, &state, source.node.as_deref())
}

/// The intent and the node state, read at once.
pub fn read(source: &SourceArgs) -> (Result<ClusterIntent>, Result<NodeState>) {
    // The intent (YAML/JSON parsing) and the node state (netlink dumps or files) are independent:
    // read them on two threads, so a 5 000-node intent costs no time on top of the collection.
    std::thread::scope(|s| {
        let intent =
            s.spawn(|| crate::source::intent_for(source, crate::source::kube::Needs::AllLocalPods));
        let state = crate::source::state(source);
        let intent = intent.join().unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "reading the cluster intent failed unexpectedly"
            ))
        });
        (intent, state)
    })
}

/// The report for `state` against `intent` (or the local checks, when the intent is unavailable
/// or lacks the node). `named`: --node.
pub fn build(
    intent: Result<ClusterIntent>,
    state: &NodeState,
    named: Option<&str>,
) -> Result<Report> {
    // An API that cannot be read does not lose the local checks (a usage error still stops here);
    // neither does an intent without this node.
    let intent = match intent {
        Ok(intent) => Ok(intent),
        Err(e) => match e.downcast::<crate::source::kube::Unavailable>() {
            Ok(u) => Err(IntentGap::Unavailable {
                error: u.to_string(),
                hint: u.hint(),
            }),
            Err(e) => return Err(e),
        },
    };
    Ok(match intent {
        Ok(intent) if expect::ExpectError::no_nodes_collected(&intent) => {
            expect::check_local(state, named, &IntentGap::NoNodes)
        }
        Ok(intent) => match expect::pick_node(&intent, state, named) {
            Ok(node) => expect::check(&intent, state, &node)?,
            Err(e) if e.node_missing() => {
                expect::check_local(state, named, &IntentGap::NodeMissing(e.to_string()))
            }
            Err(e) => return Err(e.into()),
        },
        Err(gap) => expect::check_local(state, named, &gap),
    })
}
