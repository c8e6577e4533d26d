//! `netdiag show WHAT`: kubectl-get-style listings of collected state and cluster intent, as a
//! table, or as a versioned JSON/YAML document (`{schema_version, kind, node, source, items}`) that
//! `--from` reads back.

use anyhow::{Context as _, Result};
use netdiag_core::model::{FdbState, Link, NodeState, Route, RouteProto, RouteScope};
use serde::Serialize;

use crate::cli::{ShowArgs, ShowWhat, TableFormat};
use crate::output;

#[derive(Serialize)]
struct Document<'a, T: Serialize> {
    schema_version: &'static str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<&'a str>,
    source: &'a str,
    items: T,
}

pub fn run(args: &ShowArgs) -> Result<u8> {
    // `--from bundle.tar.gz`: verified and unpacked for as long as this runs.
    let opened = crate::source::open(&args.source)?;
    let original = args.source.from_path().map(std::path::Path::to_path_buf);
    let args = &ShowArgs {
        what: args.what,
        source: opened.args.clone(),
        output: args.output,
    };
    let shown = match args.what {
        ShowWhat::Ippools | ShowWhat::Nodes | ShowWhat::Blocks | ShowWhat::Pods => {
            Shown::Text(show_intent(args)?)
        }
        _ => show_state(args)?,
    };
    // Name the bundle, not the temporary directory it was unpacked into.
    let shown = match (&opened.bundle, &original) {
        (Some(b), Some(file)) => {
            shown.replace(&b.path().display().to_string(), &file.display().to_string())
        }
        _ => shown,
    };
    output::print_with(|w| shown.write_to(w))?;
    Ok(0)
}

fn kind_name(what: ShowWhat) -> &'static str {
    match what {
        ShowWhat::Links => "links",
        ShowWhat::Addrs => "addrs",
        ShowWhat::Routes => "routes",
        ShowWhat::Neigh => "neigh",
        ShowWhat::Fdb => "fdb",
        ShowWhat::Ippools => "ippools",
        ShowWhat::Nodes => "nodes",
        ShowWhat::Blocks => "blocks",
        ShowWhat::Pods => "pods",
        ShowWhat::State => "state",
    }
}

fn doc<T: Serialize>(
    args: &ShowArgs,
    node: Option<&str>,
    source: &str,
    items: T,
) -> Result<String> {
    let d = Document {
        schema_version: netdiag_core::SCHEMA_VERSION,
        kind: kind_name(args.what),
        node,
        source,
        items,
    };
    match args.output {
        TableFormat::Yaml => output::yaml(&d),
        _ => output::json(&d),
    }
}

/// `show state -o json`: serde's document with the routes written by hand (the routes are taken
/// out of `state`).
fn state_json(node: Option<&str>, src: &str, state: &mut NodeState) -> Result<Shown> {
    let routes = state.routes.take();
    let text = output::json(&Document {
        schema_version: netdiag_core::SCHEMA_VERSION,
        kind: "state",
        node,
        source: src,
        items: &*state,
    })?;
    Ok(match routes {
        Some(routes) => splice_routes(text, "\n    \"routes\": null", routes, 2)?,
        None => Shown::Text(text),
    })
}

/// What `show` prints: text, or a document whose route table is written as it is printed.
enum Shown {
    Text(String),
    /// serde's document cut where its `routes` value goes (`head` ends before it, `tail` starts
    /// after it), and the routes, written by `netdiag_core::model::json` in between: the hot part
    /// of a big node's JSON, streamed rather than held (34 MB for 100 000 routes).
    Spliced {
        head: String,
        routes: Vec<Route>,
        depth: usize,
        tail: String,
    },
}

impl Shown {
    /// `replace` applied to the parts serde wrote (routes hold no paths).
    fn replace(self, from: &str, to: &str) -> Shown {
        match self {
            Shown::Text(t) => Shown::Text(t.replace(from, to)),
            Shown::Spliced {
                head,
                routes,
                depth,
                tail,
            } => Shown::Spliced {
                head: head.replace(from, to),
                routes,
                depth,
                tail: tail.replace(from, to),
            },
        }
    }

    fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        match self {
            Shown::Text(t) => w.write_all(t.as_bytes()),
            Shown::Spliced {
                head,
                routes,
                depth,
                tail,
            } => {
                w.write_all(head.as_bytes())?;
                netdiag_core::model::json::write_routes_chunked(routes, *depth, |s| {
                    w.write_all(s)
                })?;
                w.write_all(tail.as_bytes())
            }
        }
    }

    #[cfg(test)]
    fn into_string(self) -> String {
        let mut v = Vec::new();
        self.write_to(&mut v).expect("in memory");
        String::from_utf8(v).expect("utf-8")
    }
}

/// Cuts serde's `text` where `null` stands for the routes: `key_line` is that key's line as
/// serde's pretty printer writes it (a newline, the indentation, the quoted key and `null`), unique
/// in the text because a newline and unescaped quotes never occur inside a JSON string. The bytes
/// printed are what serde would have written (the tests below hold them to it).
fn splice_routes(text: String, key_line: &str, routes: Vec<Route>, depth: usize) -> Result<Shown> {
    // Only a change of the document's shape can lose the line (the tests below would fail first);
    // printing the document without its routes would be a silent lie, so it is an error.
    let at = text.find(key_line).ok_or_else(|| {
        anyhow::anyhow!("internal error: no {key_line:?} line in the JSON document for the routes")
    })?;
    let value_at = at + key_line.len() - "null".len();
    Ok(Shown::Spliced {
        head: text[..value_at].to_string(),
        routes,
        depth,
        tail: text[value_at + "null".len()..].to_string(),
    })
}

fn show_state(args: &ShowArgs) -> Result<Shown> {
    let mut state = crate::source::state(&args.source)?;
    if args.output == TableFormat::Json && matches!(args.what, ShowWhat::State | ShowWhat::Routes) {
        let (node, src) = (state.node.clone(), state.source.clone());
        if args.what == ShowWhat::State {
            return state_json(node.as_deref(), &src, &mut state);
        }
        if let Some(routes) = state.routes.take() {
            let text = doc(args, node.as_deref(), &src, None::<()>)?;
            return splice_routes(text, "\n  \"items\": null", routes, 1);
        }
    }
    state_text(args, state).map(Shown::Text)
}

/// Every other form of `show` on the node's state: tables, YAML, and JSON of one part.
fn state_text(args: &ShowArgs, state: NodeState) -> Result<String> {
    let (node_name, source) = (state.node.clone(), state.source.clone());
    let node = node_name.as_deref();
    let src = source.as_str();
    let missing = |part: &str| {
        anyhow::anyhow!(
            "{part} were not collected from {src}{}",
            state
                .notes
                .iter()
                .find(|n| part.starts_with(&n.part))
                .map(|n| format!(": {}", n.message))
                .unwrap_or_default()
        )
    };
    if args.output != TableFormat::Table {
        return match args.what {
            ShowWhat::Links | ShowWhat::Addrs => doc(
                args,
                node,
                src,
                state.links.as_ref().ok_or_else(|| missing("links"))?,
            ),
            ShowWhat::Routes => doc(
                args,
                node,
                src,
                state.routes.as_ref().ok_or_else(|| missing("routes"))?,
            ),
            ShowWhat::Neigh => doc(
                args,
                node,
                src,
                state.neighbours.as_ref().ok_or_else(|| missing("neigh"))?,
            ),
            ShowWhat::Fdb => doc(
                args,
                node,
                src,
                state.fdb.as_ref().ok_or_else(|| missing("fdb"))?,
            ),
            _ => doc(args, node, src, &state),
        };
    }
    let mut t = Table::default();
    match args.what {
        ShowWhat::Links => {
            t.header(&[
                "INDEX", "NAME", "KIND", "STATE", "MTU", "MAC", "MASTER", "DETAILS",
            ]);
            for l in state.links.as_ref().ok_or_else(|| missing("links"))? {
                t.row(vec![
                    opt(l.index),
                    l.name.clone(),
                    l.kind
                        .as_ref()
                        .map(|k| k.as_str().to_string())
                        .unwrap_or_else(|| "?".into()),
                    l.oper_state
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "?".into()),
                    opt(l.mtu),
                    opt(l.mac),
                    l.master.clone().unwrap_or_default(),
                    link_details(l),
                ]);
            }
        }
        ShowWhat::Addrs => {
            t.header(&["LINK", "FAMILY", "ADDRESS", "SCOPE"]);
            for l in state.links.as_ref().ok_or_else(|| missing("links"))? {
                for a in &l.addrs {
                    t.row(vec![
                        l.name.clone(),
                        if a.addr.is_ipv4() { "inet" } else { "inet6" }.to_string(),
                        format!("{}/{}", a.addr, a.prefix_len),
                        a.scope.clone().unwrap_or_default(),
                    ]);
                }
            }
        }
        ShowWhat::Routes => {
            t.header(&[
                "TABLE", "TYPE", "DST", "GATEWAY", "DEV", "PROTO", "SCOPE", "METRIC", "FLAGS",
                "MTU",
            ]);
            for r in state.routes.as_ref().ok_or_else(|| missing("routes"))? {
                let mut flags = Vec::new();
                if r.onlink {
                    flags.push("onlink");
                }
                if r.linkdown {
                    flags.push("linkdown");
                }
                let gw = if r.nexthops.is_empty() {
                    opt(r.gateway)
                } else {
                    r.nexthops
                        .iter()
                        .map(|n| format!("{}@{}", opt(n.gateway), n.dev.as_deref().unwrap_or("?")))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                t.row(vec![
                    match r.table {
                        254 => "main".into(),
                        255 => "local".into(),
                        n => n.to_string(),
                    },
                    r.kind.as_str().to_string(),
                    r.dst.to_string(),
                    gw,
                    r.dev.clone().unwrap_or_default(),
                    r.protocol
                        .map(RouteProto::name)
                        .unwrap_or_else(|| "?".into()),
                    r.scope
                        .map(|s: RouteScope| s.name())
                        .unwrap_or_else(|| "?".into()),
                    opt(r.metric),
                    flags.join(","),
                    opt(r.mtu),
                ]);
            }
        }
        ShowWhat::Neigh => {
            t.header(&["IP", "DEV", "MAC", "STATE"]);
            for n in state.neighbours.as_ref().ok_or_else(|| missing("neigh"))? {
                t.row(vec![
                    n.ip.to_string(),
                    n.dev.clone(),
                    opt(n.mac),
                    opt(n.state),
                ]);
            }
        }
        ShowWhat::Fdb => {
            t.header(&["MAC", "DEV", "DST", "VLAN", "MASTER", "FLAGS", "STATE"]);
            for e in state.fdb.as_ref().ok_or_else(|| missing("fdb"))? {
                let mut flags = Vec::new();
                if e.is_self {
                    flags.push("self");
                }
                if e.is_master {
                    flags.push("master");
                }
                t.row(vec![
                    e.mac.to_string(),
                    e.dev.clone(),
                    opt(e.dst),
                    opt(e.vlan),
                    e.master.clone().unwrap_or_default(),
                    flags.join(","),
                    match e.state {
                        Some(FdbState::Permanent) => "permanent".into(),
                        Some(FdbState::Static) => "static".into(),
                        Some(FdbState::Dynamic) => "dynamic".into(),
                        None => "?".into(),
                    },
                ]);
            }
        }
        _ => return doc(args, node, src, &state).context("rendering the state"),
    }
    Ok(t.render())
}

fn show_intent(args: &ShowArgs) -> Result<String> {
    use crate::source::kube::Needs;
    let needs = match args.what {
        ShowWhat::Ippools => Needs::Pools,
        ShowWhat::Nodes => Needs::Nodes,
        ShowWhat::Blocks => Needs::Blocks,
        ShowWhat::Pods => Needs::Pods,
        _ => Needs::All,
    };
    let intent = crate::source::intent_for(&args.source, needs)?;
    let src = if crate::source::intent_from_api(&args.source) {
        "kubernetes API".to_string()
    } else {
        args.source
            .from_path()
            .map(|p| format!("files {}", p.display()))
            .unwrap_or_default()
    };
    if args.output != TableFormat::Table {
        return match args.what {
            ShowWhat::Ippools => doc(args, None, &src, &intent.pools),
            ShowWhat::Nodes => doc(args, None, &src, &intent.nodes),
            ShowWhat::Blocks => doc(args, None, &src, &intent.blocks),
            _ => doc(args, None, &src, &intent.pods),
        };
    }
    let mut t = Table::default();
    match args.what {
        ShowWhat::Ippools => {
            t.header(&[
                "NAME",
                "CIDR",
                "BLOCKSIZE",
                "MODE",
                "IPIP",
                "VXLAN",
                "NAT",
                "DISABLED",
            ]);
            for p in &intent.pools {
                t.row(vec![
                    p.name.clone(),
                    p.cidr.to_string(),
                    p.block_size.to_string(),
                    p.mode_label(),
                    p.ipip_mode.as_str().into(),
                    p.vxlan_mode.as_str().into(),
                    p.nat_outgoing.to_string(),
                    p.disabled.to_string(),
                ]);
            }
        }
        ShowWhat::Nodes => {
            t.header(&["NAME", "IPV4", "VXLAN-TUNNEL", "VTEP-MAC", "IPIP-TUNNEL"]);
            for n in &intent.nodes {
                let mac = if n.vxlan_tunnel_ip.is_some() {
                    netdiag_core::expect::vtep_mac_for(n).to_string()
                } else {
                    String::new()
                };
                t.row(vec![
                    n.name.clone(),
                    opt(n.ipv4),
                    opt(n.vxlan_tunnel_ip),
                    mac,
                    opt(n.ipip_tunnel_ip),
                ]);
            }
        }
        ShowWhat::Blocks => {
            t.header(&["CIDR", "AFFINITY", "ALLOCATED", "BORROWED"]);
            for b in &intent.blocks {
                // Made from a BlockAffinity: its allocations are unknown, not zero.
                let (alloc, borrowed) = if b.from_affinity {
                    ("? (from affinity)".to_string(), "?".to_string())
                } else {
                    (
                        b.allocations.len().to_string(),
                        b.borrowed().count().to_string(),
                    )
                };
                t.row(vec![
                    b.cidr.to_string(),
                    b.affinity.clone().unwrap_or_default(),
                    alloc,
                    borrowed,
                ]);
            }
        }
        _ => {
            t.header(&["NAMESPACE", "NAME", "NODE", "IPS"]);
            for p in &intent.pods {
                t.row(vec![
                    p.namespace.clone(),
                    p.name.clone(),
                    p.node.clone().unwrap_or_default(),
                    p.ips
                        .iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                ]);
            }
        }
    }
    Ok(t.render())
}

fn link_details(l: &Link) -> String {
    if let Some(v) = &l.vxlan {
        let mut s = format!("vni {} port {}", opt(v.vni), opt(v.port));
        if let Some(local) = v.local {
            s.push_str(&format!(" local {local}"));
        }
        if let Some(p) = &v.parent_name {
            s.push_str(&format!(" dev {p}"));
        } else if let Some(i) = v.parent_index {
            s.push_str(&format!(" dev #{i}"));
        }
        match v.learning {
            Some(true) => s.push_str(" learning"),
            Some(false) => s.push_str(" nolearning"),
            None => {}
        }
        return s;
    }
    if let Some(i) = &l.ipip {
        let show = |v: &Option<Option<std::net::IpAddr>>| match v {
            Some(Some(a)) => a.to_string(),
            Some(None) => "any".into(),
            None => "?".into(),
        };
        return format!("local {} remote {}", show(&i.local), show(&i.remote));
    }
    l.link_name
        .as_ref()
        .map(|p| format!("@{p}"))
        .unwrap_or_default()
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A left-aligned table with two spaces between columns, as kubectl prints them.
#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn header(&mut self, cols: &[&str]) {
        self.rows.push(cols.iter().map(|c| c.to_string()).collect());
    }

    fn row(&mut self, cols: Vec<String>) {
        self.rows.push(cols);
    }

    fn render(&self) -> String {
        let ncol = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut width = vec![0usize; ncol];
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        for r in &self.rows {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                if i + 1 == r.len() {
                    line.push_str(c);
                } else {
                    line.push_str(&format!("{c:<w$}  ", w = width[i]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spliced `show state -o json` and `show routes -o json` are byte for byte serde's, on
    /// the route tables of every committed scenario (text and JSON dumps, IPv4 and IPv6,
    /// multipath, blackholes, every table).
    #[test]
    fn hand_written_routes_are_what_serde_writes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/scenarios");
        let mut routes_seen = 0;
        for e in std::fs::read_dir(&root).expect("scenarios") {
            let dir = e.expect("entry").path();
            let Ok(nodes) = crate::source::files::node_dirs(&dir) else {
                continue;
            };
            for n in nodes {
                let Ok(state) = crate::source::files::load_state(&dir, &n) else {
                    continue;
                };
                routes_seen += state.routes().len();
                let want = output::json(&Document {
                    schema_version: netdiag_core::SCHEMA_VERSION,
                    kind: "state",
                    node: Some(&n),
                    source: "files",
                    items: &state,
                })
                .expect("serde");
                let got = state_json(Some(&n), "files", &mut state.clone())
                    .expect("spliced")
                    .into_string();
                assert_eq!(got, want, "{} node {n}", dir.display());
                let want = output::json(&Document {
                    schema_version: netdiag_core::SCHEMA_VERSION,
                    kind: "routes",
                    node: None,
                    source: "files",
                    items: state.routes(),
                })
                .expect("serde");
                let text = output::json(&Document {
                    schema_version: netdiag_core::SCHEMA_VERSION,
                    kind: "routes",
                    node: None,
                    source: "files",
                    items: None::<()>,
                })
                .expect("serde");
                let got = splice_routes(text, "\n  \"items\": null", state.routes().to_vec(), 1)
                    .expect("spliced")
                    .into_string();
                assert_eq!(got, want, "{} node {n}", dir.display());
            }
        }
        assert!(
            routes_seen > 500,
            "only {routes_seen} routes in the scenarios"
        );
    }
}
