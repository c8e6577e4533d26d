//! What differs between two node states (two nodes, or one node before and after), grouped by
//! links, addresses, routes, neighbours and FDB. Each entry is keyed by what identifies it (a link
//! by name, a route by table, destination and type, a neighbour by device and address, an FDB
//! entry by device and MAC), so a changed attribute shows as one change, not a removal and an
//! addition.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::NodeState;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiffGroup {
    pub name: &'static str,
    /// Present in A only (as A prints it).
    pub only_a: Vec<String>,
    /// Present in B only.
    pub only_b: Vec<String>,
    /// Same key, different attributes: (key, A, B).
    pub changed: Vec<(String, String, String)>,
    /// Not collected on one side, so not compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

impl DiffGroup {
    pub fn is_empty(&self) -> bool {
        self.only_a.is_empty()
            && self.only_b.is_empty()
            && self.changed.is_empty()
            && self.unknown.is_none()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StateDiff {
    pub a: String,
    pub b: String,
    pub groups: Vec<DiffGroup>,
}

impl StateDiff {
    /// Whether anything differs (or could not be compared).
    pub fn differs(&self) -> bool {
        self.groups.iter().any(|g| !g.is_empty())
    }

    /// The human form: one block per group with differences, `-` A only, `+` B only, `~` changed.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "A {}\nB {}", self.a, self.b);
        if !self.differs() {
            out.push_str("no differences in links, addresses, routes, neighbours or fdb\n");
            return out;
        }
        for g in self.groups.iter().filter(|g| !g.is_empty()) {
            let _ = writeln!(
                out,
                "\n{}: {} only in A, {} only in B, {} changed",
                g.name,
                g.only_a.len(),
                g.only_b.len(),
                g.changed.len()
            );
            if let Some(u) = &g.unknown {
                let _ = writeln!(out, "  ? {u}");
            }
            for x in &g.only_a {
                let _ = writeln!(out, "  - {x}");
            }
            for x in &g.only_b {
                let _ = writeln!(out, "  + {x}");
            }
            for (k, a, b) in &g.changed {
                let _ = writeln!(out, "  ~ {k}\n      A {a}\n      B {b}");
            }
        }
        out
    }
}

fn group(
    name: &'static str,
    a: Option<BTreeMap<String, String>>,
    b: Option<BTreeMap<String, String>>,
) -> DiffGroup {
    let mut g = DiffGroup {
        name,
        ..DiffGroup::default()
    };
    let (a, b) = match (a, b) {
        (Some(a), Some(b)) => (a, b),
        (a, b) => {
            let side = match (a.is_some(), b.is_some()) {
                (false, false) => "either side",
                (false, true) => "A",
                _ => "B",
            };
            g.unknown = Some(format!("{name} were not collected on {side}"));
            return g;
        }
    };
    for (k, va) in &a {
        match b.get(k) {
            None => g.only_a.push(va.clone()),
            Some(vb) if vb != va => g.changed.push((k.clone(), va.clone(), vb.clone())),
            Some(_) => {}
        }
    }
    for (k, vb) in &b {
        if !a.contains_key(k) {
            g.only_b.push(vb.clone());
        }
    }
    g
}

/// Entries with the same key are joined (`;`), so ECMP-like duplicates compare as one.
fn keyed<T>(
    items: Option<&Vec<T>>,
    key: impl Fn(&T) -> String,
    val: impl Fn(&T) -> String,
) -> Option<BTreeMap<String, String>> {
    let items = items?;
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in items {
        m.entry(key(i)).or_default().push(val(i));
    }
    Some(
        m.into_iter()
            .map(|(k, mut v)| {
                v.sort();
                (k, v.join("; "))
            })
            .collect(),
    )
}

fn link_summary(l: &crate::model::Link) -> String {
    let mut s = crate::bundle::text::links(&NodeState {
        links: Some(vec![crate::model::Link {
            addrs: Vec::new(),
            index: None,
            link_index: None,
            ..l.clone()
        }]),
        ..NodeState::default()
    });
    // `?: ` of the missing index, and line breaks, out of a one-line summary.
    s = s.trim_start_matches("?: ").replace("\n    ", ", ");
    s.trim_end().to_string()
}

/// Compares A with B.
pub fn diff_states(a: &NodeState, b: &NodeState) -> StateDiff {
    let label = |s: &NodeState| match &s.node {
        Some(n) => format!("{n} ({})", s.source),
        None => s.source.clone(),
    };
    let addrs = |s: &NodeState| {
        let links = s.links.as_ref()?;
        if !s.addrs_collected {
            return None;
        }
        let mut m = BTreeMap::new();
        for l in links {
            for a in &l.addrs {
                let v = format!("{}/{} dev {}", a.addr, a.prefix_len, l.name);
                m.insert(v.clone(), v);
            }
        }
        Some(m)
    };
    StateDiff {
        a: label(a),
        b: label(b),
        groups: vec![
            group(
                "links",
                keyed(a.links.as_ref(), |l| l.name.clone(), link_summary),
                keyed(b.links.as_ref(), |l| l.name.clone(), link_summary),
            ),
            group("addresses", addrs(a), addrs(b)),
            group(
                "routes",
                keyed(a.routes.as_ref(), route_key, |r| r.to_string()),
                keyed(b.routes.as_ref(), route_key, |r| r.to_string()),
            ),
            group(
                "neighbours",
                keyed(
                    a.neighbours.as_ref(),
                    |n| format!("{} dev {}", n.ip, n.dev),
                    |n| n.to_string(),
                ),
                keyed(
                    b.neighbours.as_ref(),
                    |n| format!("{} dev {}", n.ip, n.dev),
                    |n| n.to_string(),
                ),
            ),
            group(
                "fdb",
                keyed(
                    a.fdb.as_ref(),
                    |f| format!("{} dev {}", f.mac, f.dev),
                    |f| f.to_string(),
                ),
                keyed(
                    b.fdb.as_ref(),
                    |f| format!("{} dev {}", f.mac, f.dev),
                    |f| f.to_string(),
                ),
            ),
        ],
    }
}

fn route_key(r: &crate::model::Route) -> String {
    format!("table {} {} {:?}", r.table, r.dst, r.kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FdbEntry, FdbState, Link, MacAddr, Route};

    fn state() -> NodeState {
        let mut eth0 = Link::new("eth0");
        eth0.mtu = Some(1500);
        let mut r = Route::new("192.168.4.0/26".parse().expect("net"));
        r.gateway = "192.168.4.0".parse().ok();
        r.dev = Some("vxlan.calico".into());
        NodeState {
            node: Some("worker".into()),
            source: "test".into(),
            links: Some(vec![eth0]),
            addrs_collected: true,
            routes: Some(vec![r]),
            neighbours: Some(vec![]),
            fdb: Some(vec![FdbEntry {
                mac: MacAddr([0x66, 0x5a, 0xcd, 0xe9, 0x86, 0x51]),
                dev: "vxlan.calico".into(),
                dst: "10.10.20.13".parse().ok(),
                vlan: None,
                vni: None,
                port: None,
                master: None,
                is_self: true,
                is_master: false,
                state: Some(FdbState::Permanent),
            }]),
            sysctl: None,
            bgp: None,
            flannel_subnet_env: None,
            notes: vec![],
        }
    }

    #[test]
    fn equal_states_do_not_differ() {
        let d = diff_states(&state(), &state());
        assert!(!d.differs(), "{}", d.render());
    }

    #[test]
    fn changes_are_grouped_and_keyed() {
        let a = state();
        let mut b = state();
        b.fdb.as_mut().expect("fdb")[0].dst = "10.10.20.113".parse().ok();
        b.routes.as_mut().expect("routes").clear();
        b.links.as_mut().expect("links")[0].mtu = Some(9000);
        b.neighbours = None;
        let d = diff_states(&a, &b);
        let by = |n: &str| d.groups.iter().find(|g| g.name == n).expect(n).clone();
        assert_eq!(by("fdb").changed.len(), 1);
        assert!(by("fdb").changed[0].2.contains("dst 10.10.20.113"));
        assert_eq!(by("routes").only_a.len(), 1);
        assert!(by("routes").only_b.is_empty());
        assert_eq!(by("links").changed.len(), 1);
        assert!(by("links").changed[0].2.contains("mtu 9000"));
        assert!(by("neighbours").unknown.is_some());
        let text = d.render();
        assert!(
            text.contains("fdb: 0 only in A, 0 only in B, 1 changed"),
            "{text}"
        );
        assert!(
            text.contains("  - 192.168.4.0/26 via 192.168.4.0 dev vxlan.calico"),
            "{text}"
        );
    }
}
