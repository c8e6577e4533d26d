//! The human form of a trace: a header with both ends, the encapsulation decision and its reason,
//! then the path drawn top to bottom, one hop per line with its verdict, evidence indented under it
//! and, when broken, the finding code and hint. Colour is the caller's choice.

use std::fmt::Write;

use super::{Encap, Trace, Verdict};

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn verdict(on: bool, v: Verdict) -> String {
    let text = format!("{:<7}", v.as_str());
    match v {
        Verdict::Ok => paint(on, "32", &text),
        Verdict::Unknown => paint(on, "33", &text),
        Verdict::Broken => paint(on, "1;31", &text),
    }
}

pub fn render_text(t: &Trace, color: bool) -> String {
    let mut s = String::new();
    let end = |e: &super::Endpoint| {
        format!(
            "{} ({}{})",
            e.label(),
            e.ip,
            e.node
                .as_deref()
                .map(|n| format!(" on {n}"))
                .unwrap_or_default()
        )
    };
    let port = t.port.map(|p| format!("/{p}")).unwrap_or_default();
    let _ = writeln!(
        s,
        "{} {} → {}  {}{port}",
        paint(color, "1", "trace"),
        end(&t.src),
        end(&t.dst),
        t.proto.as_str()
    );
    let encap = match t.encapsulation {
        Encap::None => "no encapsulation",
        Encap::Ipip => "IPIP",
        Encap::Vxlan => "VXLAN",
    };
    let _ = writeln!(s, "  {}: {}", paint(color, "1", encap), t.reason);
    if let Some(a) = t.encapsulation_actual {
        let _ = writeln!(
            s,
            "  {} the node's route uses {} instead",
            paint(color, "1;31", "but"),
            a.as_str()
        );
    }
    if let Some(o) = &t.outer {
        let what = match (o.vni, o.dport) {
            (Some(v), Some(p)) => format!("udp/{p} vni {v}"),
            _ => "ip proto 4".to_string(),
        };
        let ip = |v: Option<std::net::IpAddr>| v.map(|i| i.to_string()).unwrap_or("?".into());
        let _ = writeln!(s, "  outer {} → {} {what}", ip(o.src), ip(o.dst));
    }
    let width = t
        .hops
        .iter()
        .map(|h| h.node.as_deref().unwrap_or("").len())
        .max()
        .unwrap_or(0)
        .max(4);
    let _ = writeln!(s);
    let mut last_node: Option<&str> = None;
    for (i, h) in t.hops.iter().enumerate() {
        let node = h.node.as_deref().unwrap_or("");
        let shown = if Some(node) == last_node { "" } else { node };
        last_node = Some(node);
        let dot = match h.verdict {
            Verdict::Ok => paint(color, "32", "●"),
            Verdict::Unknown => paint(color, "33", "○"),
            Verdict::Broken => paint(color, "1;31", "✗"),
        };
        let _ = writeln!(
            s,
            "  {shown:<width$}  {dot} {:<10} {} {}",
            h.step.as_str(),
            verdict(color, h.verdict),
            h.summary
        );
        let pad = " ".repeat(width + 2);
        let bar = if i + 1 < t.hops.len() { "│" } else { " " };
        for e in &h.evidence {
            let _ = writeln!(s, "  {pad}  {bar}   {}", paint(color, "2", e));
        }
        if let Some(hint) = &h.hint {
            let code = h
                .code
                .map(|c| format!("{} ", c.as_str()))
                .unwrap_or_default();
            let mark = if h.verdict == Verdict::Broken {
                paint(color, "1;31", &format!("{code}→"))
            } else {
                paint(color, "33", &format!("{code}→"))
            };
            let _ = writeln!(s, "  {pad}  {bar}   {mark} {hint}");
        }
    }
    let _ = writeln!(s);
    let m = &t.mtu;
    if let (Some(path), Some(max)) = (m.path, m.max_payload) {
        let _ = writeln!(
            s,
            "mtu: pod {}, overhead {}, underlay {} → path {path}, largest {} payload {max}",
            m.pod.map(|v| v.to_string()).unwrap_or("?".into()),
            m.overhead,
            m.underlay.map(|v| v.to_string()).unwrap_or("?".into()),
            t.proto.as_str()
        );
    }
    if let Some(p) = &t.probe {
        let rtt = p
            .rtt_ms
            .map(|r| format!(", rtt {r:.2} ms"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "probe: {}/{} answered{rtt}; seen leaving {} ({}), arriving {}; {}",
            p.received,
            p.sent,
            p.seen_leaving,
            p.left_as.as_deref().unwrap_or("-"),
            p.seen_arriving,
            if p.agrees {
                paint(color, "32", "agrees with the prediction")
            } else {
                paint(color, "1;31", "CONTRADICTS the prediction")
            }
        );
        for n in &p.notes {
            let _ = writeln!(s, "  {n}");
        }
    }
    let broken = t
        .hops
        .iter()
        .filter(|h| h.verdict == Verdict::Broken)
        .count();
    let unknown = t
        .hops
        .iter()
        .filter(|h| h.verdict == Verdict::Unknown)
        .count();
    let line = match t.verdict {
        Verdict::Ok => paint(color, "32", "verdict: ok — every hop checks out"),
        Verdict::Unknown => paint(
            color,
            "33",
            &format!("verdict: unknown — {unknown} hop(s) could not be checked, none is broken"),
        ),
        Verdict::Broken => paint(
            color,
            "1;31",
            &format!(
                "verdict: broken — {broken} hop(s) broken, first at {}",
                t.hops
                    .iter()
                    .find(|h| h.verdict == Verdict::Broken)
                    .map(|h| format!(
                        "{} on {}",
                        h.step.as_str(),
                        h.node.as_deref().unwrap_or("the path")
                    ))
                    .unwrap_or_default()
            ),
        ),
    };
    let _ = writeln!(s, "{line}");
    s
}
