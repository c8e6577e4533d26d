//! A node state as `ip`/`bridge` would print it, for people reading a bundle: `ip -d addr`
//! (links with tunnel details and their addresses), `ip -d route show table all`, `ip neigh` and
//! `bridge fdb`. The machine-readable copy is `state.json`; this text is never parsed back.

use std::fmt::Write as _;

use crate::model::Link;
use crate::NodeState;

/// `ip -d addr show`-style: one block per link.
pub fn links(state: &NodeState) -> String {
    let mut out = String::new();
    for l in state.links() {
        link(&mut out, l);
    }
    out
}

fn link(out: &mut String, l: &Link) {
    let index = l.index.map(|i| i.to_string()).unwrap_or_else(|| "?".into());
    let at = l
        .link_name
        .as_ref()
        .map(|n| format!("@{n}"))
        .unwrap_or_default();
    let mut flags = Vec::new();
    if l.admin_up == Some(true) {
        flags.push("UP");
    }
    let _ = write!(out, "{index}: {}{at}: <{}>", l.name, flags.join(","));
    if let Some(m) = l.mtu {
        let _ = write!(out, " mtu {m}");
    }
    if let Some(m) = &l.master {
        let _ = write!(out, " master {m}");
    }
    let state = l.oper_state.map(|s| s.as_str()).unwrap_or("UNKNOWN");
    let _ = writeln!(out, " state {state}");
    if let Some(mac) = l.mac {
        let _ = writeln!(out, "    link/ether {mac}");
    }
    if let Some(v) = &l.vxlan {
        let _ = write!(out, "    vxlan");
        if let Some(x) = v.vni {
            let _ = write!(out, " id {x}");
        }
        if let Some(x) = v.remote {
            let _ = write!(out, " remote {x}");
        }
        if let Some(x) = v.local {
            let _ = write!(out, " local {x}");
        }
        match (&v.parent_name, v.parent_index) {
            (Some(n), _) => {
                let _ = write!(out, " dev {n}");
            }
            (None, Some(i)) => {
                let _ = write!(out, " dev if{i}");
            }
            _ => {}
        }
        if let Some(x) = v.port {
            let _ = write!(out, " dstport {x}");
        }
        match v.learning {
            Some(false) => out.push_str(" nolearning"),
            Some(true) => out.push_str(" learning"),
            None => {}
        }
        out.push('\n');
    } else if let Some(k) = &l.kind {
        let _ = writeln!(out, "    {}", k.as_str());
    }
    if let Some(i) = &l.ipip {
        let any = |a: &Option<Option<std::net::IpAddr>>| match a {
            Some(Some(ip)) => ip.to_string(),
            Some(None) => "any".into(),
            None => "?".into(),
        };
        let _ = writeln!(
            out,
            "    ipip remote {} local {}",
            any(&i.remote),
            any(&i.local)
        );
    }
    for a in &l.addrs {
        let fam = if a.addr.is_ipv6() { "inet6" } else { "inet" };
        let _ = write!(out, "    {fam} {}/{}", a.addr, a.prefix_len);
        if let Some(s) = &a.scope {
            let _ = write!(out, " scope {s}");
        }
        out.push('\n');
    }
}

/// `ip -d route show table all`-style, one route a line.
pub fn routes(state: &NodeState) -> String {
    lines(state.routes().iter())
}

/// `ip neigh show`-style.
pub fn neighbours(state: &NodeState) -> String {
    lines(state.neighbours().iter())
}

/// `bridge fdb show`-style.
pub fn fdb(state: &NodeState) -> String {
    lines(state.fdb().iter())
}

fn lines<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    let mut out = String::new();
    for i in items {
        let _ = writeln!(out, "{i}");
    }
    out
}
