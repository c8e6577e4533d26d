//! The `cluster-status` report for people: a summary line, the culprits (most severe first, each
//! with expected, actual and a hint), the N×N matrix for clusters of at most
//! [`super::MATRIX_MAX_NODES`] nodes, and the nodes that could not be collected with why.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::{ClusterReport, MATRIX_MAX_NODES};
use crate::finding::Severity;

#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub color: bool,
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

pub fn render_text(r: &ClusterReport, opts: RenderOptions) -> String {
    let c = opts.color;
    let mut o = String::new();
    let s = &r.summary;
    let _ = writeln!(
        o,
        "cluster {} nodes ({} collected, {} unreachable)  source {}",
        s.nodes, s.collected, s.unreachable, r.source
    );
    let _ = writeln!(
        o,
        "pairs {} checked ({} with an issue)",
        s.pairs_checked, s.pairs_broken
    );
    o.push('\n');
    if r.culprits.is_empty() {
        let line = format!(
            "✓ no culprit: every collected node holds every peer's real VTEP MAC, tunnel IP and node IP; MTUs agree; node-status clean on all {}",
            s.collected
        );
        let _ = writeln!(o, "{}", paint(c, "32", &line));
    } else {
        let errors = r
            .culprits
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .count();
        let line = format!(
            "✗ {} culprit{} ({} error{}, {} warning{})",
            r.culprits.len(),
            plural(r.culprits.len()),
            errors,
            plural(errors),
            r.culprits.len() - errors,
            plural(r.culprits.len() - errors)
        );
        let _ = writeln!(
            o,
            "{}",
            paint(c, if errors > 0 { "31" } else { "33" }, &line)
        );
        for k in &r.culprits {
            let sev = format!("{:<7}", k.severity.as_str());
            let sev = paint(
                c,
                if k.severity == Severity::Error {
                    "31"
                } else {
                    "33"
                },
                &sev,
            );
            let _ = writeln!(o, "  {sev} {:<30} {}", k.code.as_str(), k.summary);
            if !k.expected.is_empty() {
                let _ = writeln!(o, "          expected {}", k.expected);
            }
            if !k.actual.is_empty() {
                let _ = writeln!(o, "          actual   {}", k.actual);
            }
            let _ = writeln!(o, "          hint     {}", k.hint);
        }
    }
    if s.nodes <= MATRIX_MAX_NODES && s.nodes > 1 {
        o.push('\n');
        matrix(r, c, &mut o);
    }
    let unreachable: Vec<_> = r
        .nodes
        .iter()
        .filter_map(|n| n.unreachable.as_ref())
        .collect();
    if !unreachable.is_empty() {
        o.push('\n');
        let _ = writeln!(o, "unreachable {}", unreachable.len());
        for u in unreachable {
            let _ = writeln!(o, "  {:<16} {:<16} {}", u.node, u.reason, u.detail);
        }
    }
    if !r.unknown.is_empty() {
        o.push('\n');
        let _ = writeln!(o, "not checked");
        for u in &r.unknown {
            let _ = writeln!(o, "  ? {u}");
        }
    }
    o
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Row: the holder; column: the target whose real state the holder's entries are compared with.
fn matrix(r: &ClusterReport, c: bool, o: &mut String) {
    let names: Vec<&str> = r.nodes.iter().map(|n| n.name.as_str()).collect();
    let down: HashSet<&str> = r
        .nodes
        .iter()
        .filter(|n| n.unreachable.is_some())
        .map(|n| n.name.as_str())
        .collect();
    let broken: HashSet<(&str, &str)> = r
        .pairs
        .iter()
        .map(|p| (p.holder.as_str(), p.target.as_str()))
        .collect();
    let width = names.iter().map(|n| n.len()).max().unwrap_or(4).max(4);
    let _ = writeln!(
        o,
        "matrix (row = holder, column = peer: . ok  x holds a wrong or no entry  ? not collected)"
    );
    let _ = write!(o, "   {:<width$}", "");
    for i in 1..=names.len() {
        let _ = write!(o, "{:>3}", i);
    }
    o.push('\n');
    for (i, a) in names.iter().enumerate() {
        let _ = write!(o, "{:>2} {:<width$}", i + 1, a);
        for b in &names {
            let cell = if a == b {
                "-".to_string()
            } else if down.contains(a) || down.contains(b) {
                "?".to_string()
            } else if broken.contains(&(*a, *b)) {
                paint(c, "31", "x")
            } else {
                paint(c, "32", ".")
            };
            let _ = write!(o, "  {cell}");
        }
        o.push('\n');
    }
}
