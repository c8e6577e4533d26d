//! The human form of a report: a short summary, then findings grouped by peer (or "this node"), each
//! with expected, actual and hint. Quiet and green when healthy. Colour is optional and decided by
//! the caller (TTY and NO_COLOR are the binary's business).

use std::fmt::Write;

use super::Report;
use crate::finding::Severity;

#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub color: bool,
    /// List every peer even in large clusters.
    pub all_peers: bool,
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn sev(&self, sev: Severity, s: &str) -> String {
        match sev {
            Severity::Error => self.wrap("1;31", s),
            Severity::Warning => self.wrap("33", s),
            Severity::Info => self.wrap("36", s),
        }
    }
    fn ok(&self, s: &str) -> String {
        self.wrap("32", s)
    }
}

/// Peers are listed one by one up to this many; beyond it only the unhealthy ones are.
const PEER_LIST_LIMIT: usize = 12;

pub fn render_text(r: &Report, opts: RenderOptions) -> String {
    let p = Paint { on: opts.color };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}{}  backend {} ({})  source {}",
        p.bold("node"),
        p.bold(&r.node),
        r.node_ip
            .as_deref()
            .map(|ip| format!(" ({ip})"))
            .unwrap_or_default(),
        r.backend.name,
        r.backend.origin,
        r.source
    );
    for pool in &r.pools {
        let _ = writeln!(
            s,
            "{} {} {} {}{}, {} local block{}{}",
            p.bold("pool"),
            pool.name,
            pool.cidr,
            pool.mode,
            if pool.disabled { " (disabled)" } else { "" },
            pool.local_blocks,
            plural(pool.local_blocks),
            if r.blocks_from_affinities {
                " (from BlockAffinities: no IPAMBlocks in the intent)"
            } else {
                ""
            }
        );
    }
    if r.pools.is_empty() {
        let _ = writeln!(s, "{} none in the intent", p.bold("pool"));
    }
    let unhealthy = r.peers.iter().filter(|x| x.health != "ok").count();
    let _ = writeln!(
        s,
        "{} {} ({} healthy)",
        p.bold("peers"),
        r.peers.len(),
        r.peers.len() - unhealthy
    );
    let list_all = opts.all_peers || r.peers.len() <= PEER_LIST_LIMIT;
    for peer in r.peers.iter().filter(|x| list_all || x.health != "ok") {
        let mark = match peer.health.as_str() {
            "ok" => p.ok("✓"),
            "error" => p.sev(Severity::Error, "✗"),
            "warning" => p.sev(Severity::Warning, "!"),
            _ => p.sev(Severity::Info, "i"),
        };
        let vtep = match (&peer.vtep_ip, &peer.vtep_mac) {
            (Some(ip), Some(mac)) => format!("  vtep {ip} {mac}"),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {mark} {:<16} {:<15} {:<12} {} block{}{vtep}",
            peer.name,
            peer.node_ip.as_deref().unwrap_or("-"),
            if peer.paths.is_empty() {
                "-".to_string()
            } else {
                peer.paths.join("+")
            },
            peer.blocks,
            plural(peer.blocks),
        );
    }
    if let Some(b) = &r.bgp {
        let up = b.sessions.iter().filter(|x| x.established()).count();
        let _ = writeln!(
            s,
            "{} {} session{} ({up} Established)  {}{}",
            p.bold("bgp"),
            b.sessions.len(),
            plural(b.sessions.len()),
            b.version
                .as_deref()
                .map(|v| format!("BIRD {v}, "))
                .unwrap_or_default(),
            b.source
        );
        let list_all = opts.all_peers || b.sessions.len() <= PEER_LIST_LIMIT;
        for x in b.sessions.iter().filter(|x| list_all || !x.established()) {
            let ok = x.established();
            let mark = if ok {
                p.ok("✓")
            } else {
                p.sev(Severity::Error, "✗")
            };
            let _ = writeln!(
                s,
                "  {mark} {:<20} {:<16} {:<6} {:<12} since {}{}{}",
                x.name,
                x.peer.as_deref().unwrap_or("(no Node)"),
                x.state,
                x.bgp_state,
                x.since,
                x.routes_imported
                    .map(|n| format!(", {n} imported"))
                    .unwrap_or_default(),
                x.last_error
                    .as_deref()
                    .filter(|_| !ok)
                    .map(|e| format!(", {e}"))
                    .unwrap_or_default()
            );
        }
    }
    let c = &r.checked;
    let _ = writeln!(
        s,
        "{} {} (routes {}, neighbours {}, fdb {}, links {}, workloads {}, mtu {}, peers {}, blocks {})",
        p.bold("checked"),
        c.total(),
        c.routes,
        c.neighbours,
        c.fdb,
        c.links,
        c.workloads,
        c.mtu,
        c.peers,
        c.blocks
    );
    s.push('\n');

    // What could not be checked beyond the line every report carries (firewalls, path MTU).
    let gaps = r
        .unknown
        .iter()
        .filter(|u| u.as_str() != crate::expect::NOT_IN_STATE)
        .count();
    if r.counts.error == 0 && r.counts.warning == 0 && c.total() == 0 {
        // A clean report of nothing is no verdict: say so instead of painting it green.
        let _ = writeln!(
            s,
            "{}",
            p.sev(
                Severity::Info,
                "? nothing could be checked: see \"not checked\" for what to collect"
            )
        );
    } else if r.counts.error == 0 && r.counts.warning == 0 && gaps > 0 {
        let _ = writeln!(
            s,
            "{}",
            p.ok(&format!(
                "✓ no fault in what was checked ({} checks); {gaps} part{} not checked, listed below",
                c.total(),
                plural(gaps)
            ))
        );
    } else if r.counts.error == 0 && r.counts.warning == 0 {
        let _ = writeln!(
            s,
            "{}",
            p.ok(&format!(
                "✓ healthy: the node matches what Calico would program ({} checks)",
                c.total()
            ))
        );
    } else {
        let head = format!(
            "✗ {} error{}, {} warning{}",
            r.counts.error,
            plural(r.counts.error),
            r.counts.warning,
            plural(r.counts.warning)
        );
        let sev = if r.counts.error > 0 {
            Severity::Error
        } else {
            Severity::Warning
        };
        let _ = writeln!(s, "{}", p.sev(sev, &head));
    }

    // Group by peer: this node's own objects first, then peers by name.
    let mut groups: Vec<Option<&str>> = r.findings.iter().map(|f| f.peer.as_deref()).collect();
    groups.sort();
    groups.dedup();
    for g in groups {
        let _ = writeln!(
            s,
            "\n{}",
            p.bold(&match g {
                None => format!("this node ({})", r.node),
                Some(peer) => format!("peer {peer}"),
            })
        );
        for f in r.findings.iter().filter(|f| f.peer.as_deref() == g) {
            let _ = writeln!(
                s,
                "  {} {}  {}",
                p.sev(f.severity, &format!("{:<7}", f.severity.as_str())),
                p.bold(f.code.as_str()),
                f.subject
            );
            if !f.expected.is_empty() {
                let _ = writeln!(s, "          {} {}", p.dim("expected"), f.expected);
            }
            if !f.actual.is_empty() {
                let _ = writeln!(s, "          {}   {}", p.dim("actual"), f.actual);
            }
            if !f.hint.is_empty() {
                let _ = writeln!(s, "          {}     {}", p.dim("hint"), f.hint);
            }
        }
    }
    if !r.unknown.is_empty() {
        let _ = writeln!(s, "\n{}", p.bold("not checked"));
        for u in &r.unknown {
            let _ = writeln!(s, "  - {u}");
        }
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
