//! `netdiag bundle diff A B`: the node state of two bundles (two nodes, or one node before and
//! after) compared, grouped by links, addresses, routes, neighbours and FDB. Exit 0 when equal, 1
//! when something differs (as diff(1)), 2 when a bundle cannot be read.

use std::path::Path;

use anyhow::Result;
use netdiag_core::bundle::diff_states;
use netdiag_core::NodeState;

use crate::cli::{BundleDiffArgs, CaptureFormat};

fn state(path: &Path) -> Result<NodeState> {
    let b = crate::source::bundle::extract(path)?;
    let mut s = crate::source::files::load_state(b.path(), &b.manifest.node)?;
    s.source = format!("bundle {}", path.display());
    Ok(s)
}

pub fn run(args: &BundleDiffArgs) -> Result<u8> {
    let a = state(&args.a)?;
    let b = state(&args.b)?;
    let d = diff_states(&a, &b);
    let text = match args.output {
        CaptureFormat::Text => d.render(),
        CaptureFormat::Json => crate::output::json(&d)?,
    };
    crate::output::print(&text)?;
    Ok(u8::from(d.differs()))
}
