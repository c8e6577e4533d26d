//! Reading state and intent from disk, for tickets and offline work:
//! `DIR/cluster/*.yaml|yml|json` (Kubernetes and Calico resources) and `DIR/nodes/<node>/` (the
//! `ip`/`bridge` dumps as `.txt` or `-j` `.json`, or netdiag's own `show -o json` documents).
//! A missing dump is a note (that part was not collected), never an error; a dump that does not
//! parse is an error naming the file, line and field.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use netdiag_core::model::{FdbEntry, Link, Neighbour, Route};
use netdiag_core::{ClusterIntent, NodeState};
use netdiag_parsers::iproute2;
use serde::de::DeserializeOwned;

/// The cluster intent from `DIR/cluster/` (or from DIR itself when it holds the resource files).
pub fn load_intent(dir: &Path) -> Result<ClusterIntent> {
    let cluster = dir.join("cluster");
    let root = if cluster.is_dir() {
        cluster
    } else if dir.is_dir() {
        dir.to_path_buf()
    } else if dir.is_file() {
        return load_intent_file(dir);
    } else {
        bail!(
            "{}: no such directory: pass a directory with cluster/ and nodes/<node>/ (see `netdiag node-status --help`)",
            dir.display()
        );
    };
    let mut files = resource_files(&root)?;
    files.sort();
    if files.is_empty() {
        bail!(
            "{}: no *.yaml, *.yml or *.json resources found: put `kubectl get ippools,nodes,ipamblocks,blockaffinities,felixconfigurations,pods -A -o yaml` output there",
            root.display()
        );
    }
    let mut intent = ClusterIntent::default();
    for f in files {
        intent.extend(load_intent_file(&f)?);
    }
    Ok(intent)
}

fn load_intent_file(path: &Path) -> Result<ClusterIntent> {
    let text = read(path)?;
    // Flannel's net-conf.json as a file (k3s keeps it in
    // /var/lib/rancher/k3s/agent/etc/flannel/net-conf.json; it has no ConfigMap).
    if path.file_name().and_then(|n| n.to_str()) == Some(netdiag_parsers::flannel::NET_CONF_KEY) {
        let conf =
            netdiag_parsers::flannel::parse_net_conf(&text, &format!("file {}", path.display()))
                .map_err(|e| e.in_file(path.display().to_string()))
                .map_err(|e| anyhow::anyhow!("{e}; fix or remove the file"))?;
        return Ok(ClusterIntent {
            flannel: Some(conf),
            ..ClusterIntent::default()
        });
    }
    netdiag_parsers::cluster::parse_resources(&text)
        .map_err(|e| e.in_file(path.display().to_string()))
        .map_err(|e| anyhow::anyhow!("{e}; fix or remove the file"))
}

pub(crate) fn resource_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))?;
    let mut out = Vec::new();
    for entry in rd {
        let p = entry
            .with_context(|| format!("{}: cannot list", dir.display()))?
            .path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if p.is_file() && matches!(ext, "yaml" | "yml" | "json") {
            out.push(p);
        }
    }
    Ok(out)
}

/// The node directories under `DIR/nodes/`.
pub fn node_dirs(dir: &Path) -> Result<Vec<String>> {
    let nodes = dir.join("nodes");
    if !nodes.is_dir() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for entry in
        fs::read_dir(&nodes).with_context(|| format!("{}: cannot list", nodes.display()))?
    {
        let entry = entry.with_context(|| format!("{}: cannot list", nodes.display()))?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The sysctls of `node` from `DIR/nodes/<node>/sysctl.txt` (`sysctl -a` output; a bundle writes
/// one): empty when there is none, so that the settings are unknown rather than assumed.
pub fn load_sysctl(dir: &Path, node: &str) -> Result<std::collections::BTreeMap<String, String>> {
    let path = dir.join("nodes").join(node).join("sysctl.txt");
    match fs::read_to_string(&path) {
        Ok(text) => Ok(netdiag_parsers::sysctl::parse_sysctl(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => bail!("{}: cannot read: {e}", path.display()),
    }
}

/// A netdiag JSON document (`show … -o json`): a schema version, a kind and items.
#[derive(serde::Deserialize)]
struct Document<T> {
    schema_version: String,
    items: T,
}

/// The state of `node` from `DIR/nodes/<node>/`.
pub fn load_state(dir: &Path, node: &str) -> Result<NodeState> {
    let ndir = dir.join("nodes").join(node);
    if !ndir.is_dir() {
        bail!(
            "{}: no such node directory (nodes here: {})",
            ndir.display(),
            node_dirs(dir)?.join(", ")
        );
    }
    let whole = ndir.join("state.json");
    if whole.is_file() {
        let text = read(&whole)?;
        let doc: Document<NodeState> = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not a `netdiag show state -o json` document",
                whole.display()
            )
        })?;
        check_schema(&whole, &doc.schema_version)?;
        let mut state = doc.items;
        state.node = Some(node.to_string());
        state.source = format!("files {}", ndir.display());
        if state.sysctl.is_none() {
            state.sysctl = load_node_sysctl(&ndir)?;
        }
        if state.bgp.is_none() {
            state.bgp = load_node_bird(&ndir)?;
        }
        if state.flannel_subnet_env.is_none() {
            state.flannel_subnet_env = load_subnet_env(&ndir)?;
        }
        return Ok(state);
    }

    let mut state = NodeState {
        node: Some(node.to_string()),
        source: format!("files {}", ndir.display()),
        ..NodeState::default()
    };
    let links = read_dump::<Vec<Link>>(
        &ndir,
        "ip-link",
        iproute2::parse_links_text,
        iproute2::parse_links_json,
    )?;
    let addrs = read_dump::<Vec<Link>>(
        &ndir,
        "ip-addr",
        iproute2::parse_links_text,
        iproute2::parse_links_json,
    )?;
    match (links, addrs) {
        (Some(mut links), Some(addrs)) => {
            iproute2::merge_links(&mut links, addrs);
            state.links = Some(links);
            state.addrs_collected = true;
        }
        (Some(links), None) => {
            state.note(
                "addrs",
                format!(
                    "{}: no ip-addr dump; link addresses are unknown",
                    ndir.display()
                ),
            );
            state.links = Some(links);
        }
        (None, Some(addrs)) => {
            // `ip addr` prints the link lines too, without -d details.
            state.links = Some(addrs);
            state.addrs_collected = true;
        }
        (None, None) => state.note(
            "links",
            format!("{}: no ip-link or ip-addr dump", ndir.display()),
        ),
    }
    state.routes = read_dump::<Vec<Route>>(
        &ndir,
        "ip-route",
        iproute2::parse_routes_text,
        iproute2::parse_routes_json,
    )?;
    if state.routes.is_none() {
        state.note("routes", format!("{}: no ip-route dump", ndir.display()));
    }
    state.neighbours = read_dump::<Vec<Neighbour>>(
        &ndir,
        "ip-neigh",
        iproute2::parse_neigh_text,
        iproute2::parse_neigh_json,
    )?;
    if state.neighbours.is_none() {
        state.note("neigh", format!("{}: no ip-neigh dump", ndir.display()));
    }
    state.fdb = read_dump::<Vec<FdbEntry>>(
        &ndir,
        "bridge-fdb",
        iproute2::parse_fdb_text,
        iproute2::parse_fdb_json,
    )?;
    if state.fdb.is_none() {
        state.note("fdb", format!("{}: no bridge-fdb dump", ndir.display()));
    }
    // Optional: without it the kernel checks say "not checked" (no note: most tickets lack it).
    state.sysctl = load_node_sysctl(&ndir)?;
    state.bgp = load_node_bird(&ndir)?;
    // Optional too: only Flannel/Canal nodes have one (`/run/flannel/subnet.env`).
    state.flannel_subnet_env = load_subnet_env(&ndir)?;
    Ok(state)
}

/// `DIR/nodes/<node>/subnet.env` (a copy of `/run/flannel/subnet.env`), when present.
fn load_subnet_env(ndir: &Path) -> Result<Option<netdiag_core::model::flannel::SubnetEnv>> {
    let path = ndir.join("subnet.env");
    if !path.is_file() {
        return Ok(None);
    }
    let text = read(&path)?;
    netdiag_parsers::flannel::parse_subnet_env(&text)
        .map(Some)
        .map_err(|e| e.in_file(path.display().to_string()))
        .map_err(|e| anyhow::anyhow!("{e}; fix or remove the file"))
}

/// BIRD's `show protocols all` (and `show route`) from `bird-protocols.txt` / `bird-routes.txt`
/// (a bundle writes the socket's replies; `birdcl` output pasted into a ticket parses too). None
/// when there is none: the BGP checks then say the sessions were not read.
pub fn load_node_bird(ndir: &Path) -> Result<Option<netdiag_core::model::BgpState>> {
    let Some(mut state) = load_bird_files(ndir, "bird")? else {
        return Ok(None);
    };
    // bird6 (Calico's IPv6 daemon), when the node's folder holds its replies too.
    if let Some(v6) = load_bird_files(ndir, "bird6")? {
        state.merge_ipv6(v6);
    }
    Ok(Some(state))
}

/// `<daemon>-protocols.txt` and `<daemon>-routes.txt` of one node's folder.
fn load_bird_files(ndir: &Path, daemon: &str) -> Result<Option<netdiag_core::model::BgpState>> {
    let path = ndir.join(format!("{daemon}-protocols.txt"));
    if !path.is_file() {
        return Ok(None);
    }
    let parsed = netdiag_parsers::bird::parse_protocols(&read(&path)?).map_err(|e| {
        anyhow::anyhow!(
            "{}; fix or remove the file",
            e.in_file(path.display().to_string())
        )
    })?;
    let rpath = ndir.join(format!("{daemon}-routes.txt"));
    let routes = if rpath.is_file() {
        Some(
            netdiag_parsers::bird::parse_routes(&read(&rpath)?).map_err(|e| {
                anyhow::anyhow!(
                    "{}; fix or remove the file",
                    e.in_file(rpath.display().to_string())
                )
            })?,
        )
    } else {
        None
    };
    Ok(Some(netdiag_core::model::BgpState {
        source: format!("file {}", path.display()),
        unavailable: None,
        version: parsed.0,
        protocols: parsed.1,
        routes,
        ..Default::default()
    }))
}

fn load_node_sysctl(ndir: &Path) -> Result<Option<std::collections::BTreeMap<String, String>>> {
    let path = ndir.join("sysctl.txt");
    match fs::read(&path) {
        Ok(_) => Ok(Some(netdiag_parsers::sysctl::parse_sysctl(&read(&path)?))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => bail!("{}: cannot read: {e}", path.display()),
    }
}

type Parser<T> = fn(&str) -> Result<T, netdiag_parsers::ParseError>;

/// Reads `<stem>.json`, `<stem>.txt` or `<stem>`, whichever exists first. JSON is either iproute2's
/// `-j` output or a netdiag document (recognised by its `schema_version`).
fn read_dump<T: DeserializeOwned>(
    dir: &Path,
    stem: &str,
    text: Parser<T>,
    json: Parser<T>,
) -> Result<Option<T>> {
    let json_path = dir.join(format!("{stem}.json"));
    if json_path.is_file() {
        let body = read(&json_path)?;
        if body.trim_start().starts_with('{') {
            let doc: Document<T> = serde_json::from_str(&body).with_context(|| {
                format!(
                    "{}: not iproute2 `-j` output nor a netdiag `show -o json` document",
                    json_path.display()
                )
            })?;
            check_schema(&json_path, &doc.schema_version)?;
            return Ok(Some(doc.items));
        }
        return json(&body)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{}", e.in_file(json_path.display().to_string())));
    }
    for candidate in [dir.join(format!("{stem}.txt")), dir.join(stem)] {
        if candidate.is_file() {
            let body = read(&candidate)?;
            return text(&body)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("{}", e.in_file(candidate.display().to_string())));
        }
    }
    Ok(None)
}

fn check_schema(path: &Path, version: &str) -> Result<()> {
    if version != netdiag_core::SCHEMA_VERSION {
        bail!(
            "{}: schema_version {version:?} is not {:?}: produce it with this netdiag version",
            path.display(),
            netdiag_core::SCHEMA_VERSION
        );
    }
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            anyhow::anyhow!(
                "{}: permission denied: run as a user who can read it",
                path.display()
            )
        }
        _ => anyhow::anyhow!("{}: {e}", path.display()),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: not UTF-8 text (byte {}): is this the right file?",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// bird6's replies beside bird's are read and merged; without bird-protocols.txt nothing is.
    #[test]
    fn bird6_files_are_merged_into_birds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let greeting = "0001 BIRD v0.3.3+birdv1.6.8 ready.\n";
        let one = |name: &str| {
            format!("{greeting}2002-name     proto    table    state  since       info\n1002-{name} BGP      master   up     2026-11-22  Established   \n0000 \n")
        };
        std::fs::write(dir.path().join("bird6-protocols.txt"), one("Mesh_fd00__2")).expect("w");
        assert!(load_node_bird(dir.path()).expect("read").is_none());

        std::fs::write(dir.path().join("bird-protocols.txt"), one("Mesh_10_0_0_2")).expect("w");
        let s = load_node_bird(dir.path()).expect("read").expect("state");
        let names: Vec<&str> = s.protocols.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Mesh_10_0_0_2", "Mesh_fd00__2"]);
        assert!(s
            .ipv6_source
            .as_deref()
            .is_some_and(|p| p.contains("bird6-protocols.txt")));
        assert!(s.routes.is_none() && !s.ipv6_routes);

        let routes = format!("{greeting}0000 \n");
        std::fs::write(dir.path().join("bird-routes.txt"), &routes).expect("w");
        std::fs::write(dir.path().join("bird6-routes.txt"), &routes).expect("w");
        let s = load_node_bird(dir.path()).expect("read").expect("state");
        assert!(s.routes.is_some() && s.ipv6_routes);

        std::fs::write(dir.path().join("bird6-protocols.txt"), "garbage").expect("w");
        let e = load_node_bird(dir.path()).expect_err("bad file");
        assert!(e.to_string().contains("bird6-protocols.txt"), "{e}");
    }
}
