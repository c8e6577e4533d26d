//! `netdiag bundle inspect FILE`: every member verified against the manifest (size and SHA-256,
//! nothing unlisted, no unsafe entry), then the manifest's summary. A bad bundle is one line naming
//! the member, exit 2.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use netdiag_core::bundle::Manifest;

use super::archive::human;
use crate::cli::{BundleInspectArgs, CaptureFormat};

pub fn run(args: &BundleInspectArgs) -> Result<u8> {
    let manifest = crate::source::bundle::read(&args.file)?;
    let text = match args.output {
        CaptureFormat::Text => render(&args.file, &manifest),
        CaptureFormat::Json => crate::output::json(&serde_json::json!({
            "verified": true,
            "manifest": manifest,
        }))?,
    };
    crate::output::print(&text)?;
    Ok(0)
}

/// The human summary.
pub fn render(file: &Path, m: &Manifest) -> String {
    let mut t = String::new();
    let total: u64 = m.files.iter().map(|f| f.size).sum();
    let _ = writeln!(
        t,
        "bundle {}: verified, {} files ({} unpacked), SHA-256 of each as in manifest.json",
        file.display(),
        m.files.len(),
        human(total)
    );
    let _ = writeln!(
        t,
        "made by   netdiag {} ({}) at {}",
        m.netdiag_version, m.schema_version, m.created
    );
    if m.nodes.is_empty() {
        let _ = writeln!(t, "node      {}", m.node);
    } else {
        let _ = writeln!(t, "nodes     {} ({})", m.nodes.join(", "), m.nodes.len());
    }
    let _ = writeln!(t, "state     {}", m.sources.state);
    let _ = writeln!(
        t,
        "intent    {}",
        m.sources.intent.as_deref().unwrap_or("(not collected)")
    );
    let redacted: Vec<&str> = [
        (m.redaction.ips, "ips"),
        (m.redaction.hostnames, "hostnames"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, w)| *w)
    .collect();
    if redacted.is_empty() {
        let _ = writeln!(t, "redacted  nothing");
    } else {
        let _ = writeln!(
            t,
            "redacted  {} ({} addresses, {} node names)",
            redacted.join(", "),
            m.redaction.addresses,
            m.redaction.hosts
        );
    }
    let _ = writeln!(t, "size cap  {}", human(m.max_size));
    let _ = writeln!(t, "\nfiles");
    for f in &m.files {
        let _ = writeln!(
            t,
            "  {:>9}  {}  {}",
            f.size,
            &f.sha256[..12.min(f.sha256.len())],
            f.path
        );
    }
    if !m.failures.is_empty() {
        let _ = writeln!(t, "\nnot collected");
        for f in &m.failures {
            let _ = writeln!(t, "  {}: {}", f.what, f.why);
        }
    }
    if !m.left_out.is_empty() {
        let _ = writeln!(t, "\nleft out");
        for l in &m.left_out {
            let _ = writeln!(t, "  {} ({}): {}", l.path, human(l.size), l.why);
        }
    }
    if !m.filtered.is_empty() {
        let _ = writeln!(t, "\nfiltered from the intent");
        for f in &m.filtered {
            let _ = writeln!(t, "  {f}");
        }
    }
    t
}
