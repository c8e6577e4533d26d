//! `netdiag node-status`: collect, pick the node, run the expectation engine, print the report and
//! turn its worst finding into the exit code.

use anyhow::Result;
use netdiag_core::report::{render_text, RenderOptions};
use netdiag_core::{expect, Severity};

use crate::cli::{FailOn, NodeStatusArgs, ReportFormat};
use crate::output;

/// Runs the command; returns the exit code (0 healthy, 1 findings at or above --fail-on).
pub fn run(args: &NodeStatusArgs, color: bool) -> Result<u8> {
    // The intent (YAML/JSON parsing) and the node state (netlink dumps or files) are independent:
    // read them on two threads, so a 5 000-node intent costs no time on top of the collection.
    let (intent, state) = std::thread::scope(|s| {
        let intent = s.spawn(|| {
            crate::source::intent_for(&args.source, crate::source::kube::Needs::AllLocalPods)
        });
        let state = crate::source::state(&args.source);
        let intent = intent.join().unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "reading the cluster intent failed unexpectedly"
            ))
        });
        (intent, state)
    });
    let (intent, state) = (intent?, state?);
    let node = expect::pick_node(&intent, &state, args.source.node.as_deref())?;
    let report = expect::check(&intent, &state, &node)?;
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
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    Ok(match (threshold, report.worst()) {
        (Some(t), Some(w)) if w >= t => 1,
        _ => 0,
    })
}
