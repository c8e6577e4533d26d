//! The edges where netdiag reads the world: netlink (live, in any network namespace) and files
//! (dumps and resources on disk). `resolve` turns the command line's source flags into a node state
//! and, when asked for, the cluster intent. `--lab` is shorthand for a `netdiag lab` node's
//! namespace plus the lab's intent; `kube` reads the intent from the API server.

pub mod bird;
pub mod bundle;
pub mod files;
pub mod kube;
pub mod netlink;
pub mod netns;
pub mod pcap;
pub mod pods;
pub mod sysctl;

use anyhow::{bail, Result};
use netdiag_core::{ClusterIntent, NodeState};

use crate::cli::SourceArgs;

pub use bundle::open;

/// Where the node state comes from, decided once from the flags.
enum StateSource<'a> {
    Live(Option<&'a str>),
    Files(&'a std::path::Path),
}

fn state_source(args: &SourceArgs) -> StateSource<'_> {
    match (&args.netns, args.from_path(), args.live) {
        (Some(ns), _, _) => StateSource::Live(Some(ns)),
        (None, Some(dir), false) => StateSource::Files(dir),
        _ => StateSource::Live(None),
    }
}

/// Whether the intent comes from the Kubernetes API (see [`intent`] for the order).
pub fn intent_from_api(args: &SourceArgs) -> bool {
    args.lab.is_none()
        && (kube::explicit(args) || (args.from_path().is_none() && kube::available(args)))
}

/// The cluster intent, or an error saying how to provide one. `--lab NAME` reads the lab's
/// `cluster/` (written by `netdiag lab up`).
pub fn intent(args: &SourceArgs) -> Result<ClusterIntent> {
    intent_for(args, kube::Needs::All)
}

/// Like [`intent`]; from the API only the resources `needs` names are listed (files are read
/// whole: they are already on disk).
pub fn intent_for(args: &SourceArgs, needs: kube::Needs) -> Result<ClusterIntent> {
    let mut intent = read_intent(args, needs)?;
    // Affinities without IPAMBlocks (a common partial dump): every command sees the same blocks.
    intent.derive_blocks();
    Ok(intent)
}

fn read_intent(args: &SourceArgs, needs: kube::Needs) -> Result<ClusterIntent> {
    if let Some(lab) = &args.lab {
        crate::lab::load(lab)?;
        return files::load_intent(&crate::lab::state_dir(lab));
    }
    // An explicit --kubeconfig/--context wins: --from then supplies the node state only. Otherwise
    // --from's cluster/ wins, and the API is the default when a kubeconfig (or a pod's service
    // account) exists.
    if kube::explicit(args) {
        return kube::load_intent_for(args, needs);
    }
    match args.from_path() {
        Some(dir) => files::load_intent(dir),
        None if kube::available(args) => kube::load_intent_for(args, needs),
        None => bail!(
            "no cluster intent: pass --from DIR with DIR/cluster/ holding `kubectl get ippools,nodes,ipamblocks,blockaffinities,felixconfigurations,pods -A -o yaml` output, or --kubeconfig PATH (or set KUBECONFIG) to read it from the API server"
        ),
    }
}

/// Netlink state plus the sysctls of its links, read in the same namespace.
fn live(netns: Option<String>) -> Result<NodeState> {
    let mut state = netlink::collect(&netlink::NetlinkOptions {
        netns: netns.clone(),
        ..Default::default()
    })?;
    sysctl::attach(&mut state, netns.as_deref());
    // The host's own /run/flannel/subnet.env, when Flannel runs here; a named namespace shares
    // the host's file system, so the file would not be its own.
    if netns.is_none() {
        attach_subnet_env(&mut state, std::path::Path::new(FLANNEL_SUBNET_ENV));
    }
    Ok(state)
}

/// Where flanneld writes what it told the CNI plugin (flannel `main.go` `--subnet-file`).
pub const FLANNEL_SUBNET_ENV: &str = "/run/flannel/subnet.env";

/// Reads `path` into the state when it exists; a file that does not parse is a collection note
/// (the rest of the node is still checked), not a failure.
fn attach_subnet_env(state: &mut NodeState, path: &std::path::Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    match netdiag_parsers::flannel::parse_subnet_env(&text) {
        Ok(env) => state.flannel_subnet_env = Some(env),
        Err(e) => state.note(
            "subnet.env",
            format!("{}: not used", e.in_file(path.display().to_string())),
        ),
    }
}

/// The node state. For files, `node` picks `DIR/nodes/<node>/`; without it the only directory there
/// is used.
pub fn state(args: &SourceArgs) -> Result<NodeState> {
    if let Some(lab) = &args.lab {
        // `--lab`: live state of the node's namespace in that lab.
        let netns = crate::lab::node_netns(lab, args.node.as_deref())?;
        return live(Some(netns));
    }
    match state_source(args) {
        StateSource::Live(netns) => live(netns.map(str::to_string)),
        StateSource::Files(dir) => {
            let dirs = files::node_dirs(dir)?;
            let node = match (&args.node, dirs.as_slice()) {
                (Some(n), _) => n.clone(),
                (None, [one]) => one.clone(),
                (None, []) => bail!(
                    "{}: no nodes/<node>/ directory with dumps: add one, or pass --live/--netns to read live state",
                    dir.display()
                ),
                (None, many) => bail!(
                    "{}: several nodes ({}): pass --node NAME",
                    dir.display(),
                    many.join(", ")
                ),
            };
            files::load_state(dir, &node)
        }
    }
}

#[cfg(test)]
mod subnet_env_tests {
    use super::*;

    /// A readable subnet.env is attached; garbage is a note naming the file and line; no file,
    /// nothing.
    #[test]
    fn live_subnet_env_is_attached_or_noted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("subnet.env");
        let mut state = NodeState::default();
        attach_subnet_env(&mut state, &path);
        assert!(state.flannel_subnet_env.is_none() && state.notes.is_empty());
        std::fs::write(&path, "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n").expect("write");
        attach_subnet_env(&mut state, &path);
        assert_eq!(
            state.flannel_subnet_env.as_ref().and_then(|e| e.mtu),
            Some(1450)
        );
        let mut state = NodeState::default();
        std::fs::write(&path, "FLANNEL_MTU=big\n").expect("write");
        attach_subnet_env(&mut state, &path);
        assert!(state.flannel_subnet_env.is_none());
        assert_eq!(state.notes.len(), 1);
        assert!(
            state.notes[0].message.contains("subnet.env:1"),
            "{:?}",
            state.notes
        );
    }
}
