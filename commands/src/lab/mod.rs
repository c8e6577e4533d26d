//! `netdiag lab`: a Calico-shaped cluster on one Linux box, out of network namespaces, veths,
//! bridges and real VXLAN devices, with the matching cluster intent — and faults on demand.
//!
//! Safety: the lab creates and deletes only namespaces named `nd-<lab>-…` (and links inside them;
//! veths are created from inside a lab namespace straight into another one), never touches the host
//! namespace, and has no link out of its namespaces, so no traffic leaves them. `lab.json` is
//! written before anything is built, so `lab down` can always clean a crashed `up`.

/// `writeln!` into a String (infallible), printed at the end with `output::print` so a closed pipe
/// exits quietly.
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

mod bird;
mod faults;
pub mod intent;
pub mod plan;
mod sh;

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::cli::{LabArgs, LabCommand, LabDownArgs, LabExecArgs, LabMode, LabUpArgs};
use plan::{LabParams, Plan};

/// Where each lab keeps `lab.json` and `cluster/*.yaml`.
pub const STATE_ROOT: &str = "/run/netdiag/lab";
const NETNS_DIR: &str = "/run/netns";
/// The nftables table `break blocked-vxlan` adds to the fabric.
const NFT_TABLE: &str = "netdiag_lab";
const IPIP_MISSING: &str = "IPIP needs the kernel's ipip module (CONFIG_NET_IPIP), which this kernel lacks; use --mode vxlan-crosssubnet or bgp";

/// The lab's `lab.json`: what it was built from and every namespace it may have created.
#[derive(Debug, Serialize, Deserialize)]
struct LabFile {
    schema: String,
    params: LabParams,
    namespaces: Vec<String>,
}

pub fn run(args: &LabArgs) -> Result<u8> {
    require_root()?;
    match &args.command {
        LabCommand::Up(a) => up(a),
        LabCommand::Down(a) => down(a),
        LabCommand::Status(a) => status(&a.name),
        LabCommand::Exec(a) => exec(a),
        LabCommand::Break(a) => faults::inject(a),
        LabCommand::Heal(a) => heal(&a.name),
    }
}

fn require_root() -> Result<()> {
    let euid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2))
                .and_then(|u| u.parse::<u32>().ok())
        });
    if euid != Some(0) {
        bail!("the lab needs root (it creates network namespaces): run it with sudo");
    }
    Ok(())
}

/// Lab names are short and plain, so `nd-<name>-` never prefixes another lab's namespaces.
fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 12
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !ok || name == "test" {
        bail!("invalid lab name {name:?}: use 1 to 12 lowercase letters or digits (not \"test\")");
    }
    Ok(())
}

pub fn state_dir(name: &str) -> PathBuf {
    PathBuf::from(STATE_ROOT).join(name)
}

/// The lab's plan, re-derived from its `lab.json`.
pub fn load(name: &str) -> Result<Plan> {
    validate_name(name)?;
    let path = state_dir(name).join("lab.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no lab {name:?} ({} unreadable): create it with `netdiag lab up{}`",
            path.display(),
            name_flag(name)
        )
    })?;
    let file: LabFile = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a lab file", path.display()))?;
    Ok(Plan::new(&file.params))
}

/// The control socket of `node`'s BIRD in lab `name` (a bgp lab runs one per node).
pub fn bird_socket(name: &str, node: &str) -> PathBuf {
    bird::socket(name, node)
}

/// The namespace of `node` in lab `name` (for `--lab`), or an error listing the nodes.
pub fn node_netns(name: &str, node: Option<&str>) -> Result<String> {
    let plan = load(name)?;
    let names: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    match node.and_then(|n| plan.node(n)) {
        Some(n) => Ok(n.netns.clone()),
        None => bail!(
            "{} lab {name:?}'s nodes are {}: pass --node NAME",
            match node {
                Some(n) => format!("no node {n:?} in"),
                None => "which node?".to_string(),
            },
            names.join(", ")
        ),
    }
}

/// ` --name N` unless it is the default.
fn name_flag(name: &str) -> String {
    if name == "lab" {
        String::new()
    } else {
        format!(" --name {name}")
    }
}

/// `--lab` or `--lab N`.
fn lab_flag(name: &str) -> String {
    if name == "lab" {
        "--lab".into()
    } else {
        format!("--lab {name}")
    }
}

/// Namespaces under /run/netns whose name starts with `nd-<name>-`.
fn existing_namespaces(name: &str) -> Vec<String> {
    let prefix = format!("nd-{name}-");
    let mut v: Vec<String> = std::fs::read_dir(NETNS_DIR)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn up(a: &LabUpArgs) -> Result<u8> {
    let name = &a.name.name;
    validate_name(name)?;
    let dir = state_dir(name);
    if dir.exists() || !existing_namespaces(name).is_empty() {
        bail!(
            "lab {name:?} already exists (state in {}): remove it first with `netdiag lab down{}`",
            dir.display(),
            name_flag(name)
        );
    }
    if matches!(a.mode, LabMode::IpipAlways | LabMode::IpipCrosssubnet) && !ipip_supported(name) {
        bail!(IPIP_MISSING);
    }
    let params = LabParams {
        name: name.clone(),
        mode: a.mode,
        nodes: usize::from(a.nodes),
        pods_per_node: usize::from(a.pods_per_node),
        mtu: a.mtu,
    };
    let plan = Plan::new(&params);
    if plan.bird_runs() && !sh::have("bird") {
        bail!(bird::MISSING);
    }
    let result = write_state(&plan).and_then(|()| build(&plan));
    if let Err(e) = result {
        teardown(name);
        return Err(e.context(format!(
            "lab up failed; removed what it had made of lab {name:?}"
        )));
    }
    let mut out = String::new();
    outln!(
        out,
        "lab {name:?} is up: {} nodes, {} pods, mode {}",
        plan.nodes.len(),
        plan.pods.len(),
        mode_name(plan.params.mode)
    );
    if plan.bird_runs() {
        outln!(
            out,
            "BIRD runs in every node namespace: {} mesh sessions Established, block routes learned over iBGP (sockets in {})",
            bird::wait_established(&plan, std::time::Duration::from_secs(0)).unwrap_or(0),
            bird::dir(name).display()
        );
    }
    out.push_str(&status_text(&plan));
    crate::output::print(&out)?;
    Ok(0)
}

fn mode_name(m: LabMode) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn write_state(plan: &Plan) -> Result<()> {
    let dir = state_dir(&plan.params.name);
    let cluster = dir.join("cluster");
    std::fs::create_dir_all(&cluster)
        .with_context(|| format!("cannot create {}", cluster.display()))?;
    let file = LabFile {
        schema: "netdiag-lab/v1".into(),
        params: plan.params.clone(),
        namespaces: plan.namespaces(),
    };
    std::fs::write(dir.join("lab.json"), crate::output::json(&file)?)
        .with_context(|| format!("cannot write {}", dir.join("lab.json").display()))?;
    for (f, text) in intent::documents(plan)? {
        std::fs::write(cluster.join(f), text)
            .with_context(|| format!("cannot write {}", cluster.join(f).display()))?;
    }
    Ok(())
}

fn build(plan: &Plan) -> Result<()> {
    sh::run_all(&plan.fabric_cmds())?;
    for i in 0..plan.nodes.len() {
        sh::run_all(&plan.node_base_cmds(i))?;
    }
    for p in &plan.pods {
        sh::run_all(&plan.pod_base_cmds(p))?;
    }
    for i in 0..plan.nodes.len() {
        sh::run_all(&plan.node_calico_cmds(i))?;
    }
    sh::run_all(&plan.fabric_route_cmds())?;
    if plan.bird_runs() {
        bird::start_all(plan)?;
        bird::wait_established(plan, std::time::Duration::from_secs(30))?;
    }
    Ok(())
}

/// Whether an ipip tunnel can be created: tried in a scratch namespace of this lab, deleted again.
fn ipip_supported(name: &str) -> bool {
    let ns = format!("nd-{name}-probe");
    let cmd = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let ok = sh::run(&cmd(&format!("ip netns add {ns}"))).is_ok()
        && sh::run(&cmd(&format!(
            "ip -n {ns} link add ndprobe type ipip local 10.255.0.1 remote 10.255.0.2"
        )))
        .is_ok();
    sh::run_ignoring(&[cmd(&format!("ip netns del {ns}"))]);
    ok
}

/// Deletes every namespace of lab `name` (listed in lab.json or named `nd-<name>-…`) and its state.
fn teardown(name: &str) -> usize {
    // BIRDs first: each lives in a namespace about to go.
    bird::stop_all(name);
    let mut namespaces = existing_namespaces(name);
    if let Ok(text) = std::fs::read_to_string(state_dir(name).join("lab.json")) {
        if let Ok(f) = serde_json::from_str::<LabFile>(&text) {
            namespaces.extend(
                f.namespaces
                    .into_iter()
                    .filter(|n| std::path::Path::new(NETNS_DIR).join(n).exists()),
            );
        }
    }
    namespaces.sort();
    namespaces.dedup();
    for ns in &namespaces {
        sh::run_ignoring(&[vec!["ip".into(), "netns".into(), "del".into(), ns.clone()]]);
    }
    let _ = std::fs::remove_dir_all(state_dir(name));
    namespaces.len()
}

fn down(a: &LabDownArgs) -> Result<u8> {
    let names: Vec<String> = if a.all {
        let mut v: Vec<String> = std::fs::read_dir(STATE_ROOT)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| validate_name(n).is_ok())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    } else {
        validate_name(&a.name)?;
        vec![a.name.clone()]
    };
    let mut out = String::new();
    if names.is_empty() {
        outln!(out, "no labs");
    }
    for name in names {
        let existed = state_dir(&name).exists();
        let n = teardown(&name);
        if n == 0 && !existed {
            outln!(out, "lab {name:?}: nothing to remove");
        } else {
            outln!(out, "lab {name:?} removed ({n} namespaces)");
        }
    }
    crate::output::print(&out)?;
    Ok(0)
}

fn status_text(plan: &Plan) -> String {
    let name = &plan.params.name;
    let mut s = String::new();
    let encap = match (plan.vxlan_enabled() || plan.flannel(), plan.ipip_enabled()) {
        (true, _) => format!("{} MTU {}, ", plan.vxlan_dev(), plan.vxlan_mtu),
        (_, true) => format!("tunl0 MTU {}, ", plan.ipip_mtu),
        _ => String::new(),
    };
    let _ = writeln!(
        s,
        "lab {name}  mode {}  backend {}  underlay MTU {} ({encap}pods {})",
        mode_name(plan.params.mode),
        // Flannel routes in the Flannel modes (Canal's calico_backend is none).
        if plan.flannel() {
            "flannel vxlan"
        } else {
            plan.backend
        },
        plan.params.mtu,
        plan.pod_mtu
    );
    for p in &plan.pools {
        let _ = writeln!(
            s,
            "pool {} {} vxlanMode {} ipipMode {}",
            p.name,
            p.cidr,
            p.vxlan_mode(),
            p.ipip_mode()
        );
    }
    let _ = writeln!(
        s,
        "\n{:<14} {:<15} {:<20} {:<16} {:<18} NETNS",
        "NODE", "IP", "BLOCKS", "TUNNEL IP", "VTEP MAC"
    );
    for n in &plan.nodes {
        let blocks: Vec<String> = n
            .blocks
            .iter()
            .map(|b| b.cidr)
            .chain(n.pod_cidr)
            .map(|c| c.to_string())
            .collect();
        let _ = writeln!(
            s,
            "{:<14} {:<15} {:<20} {:<16} {:<18} {}",
            n.name,
            n.cidr(),
            blocks.join(","),
            n.tunnel_ip.map(|t| t.to_string()).unwrap_or("-".into()),
            if plan.vxlan_enabled() || plan.flannel() {
                n.vtep_mac.as_str()
            } else {
                "-"
            },
            n.netns
        );
    }
    let _ = writeln!(
        s,
        "\n{:<16} {:<14} {:<15} {:<16} NETNS",
        "POD", "NODE", "IP", "INTERFACE"
    );
    for p in &plan.pods {
        let _ = writeln!(
            s,
            "{:<16} {:<14} {:<15} {:<16} {}",
            p.name, plan.nodes[p.node].name, p.ip, p.cali, p.netns
        );
    }
    let nf = name_flag(name);
    let lf = lab_flag(name);
    let from = plan
        .pods
        .iter()
        .find(|p| plan.nodes[p.node].name == "worker");
    let to = plan
        .pods
        .iter()
        .rev()
        .find(|p| p.node != from.map_or(0, |f| f.node));
    let _ = writeln!(s, "\ntry:");
    let _ = writeln!(s, "  netdiag node-status {lf} --node worker");
    if let (Some(f), Some(t)) = (from, to) {
        let _ = writeln!(
            s,
            "  netdiag lab exec{nf} {} -- ping -c1 -W2 {}      # to {} on {}",
            f.name, t.ip, t.name, plan.nodes[t.node].name
        );
    }
    let _ = writeln!(s, "  netdiag show routes {lf} --node worker");
    let _ = writeln!(
        s,
        "  netdiag lab break stale-fdb{nf} --node worker --peer worker3"
    );
    let _ = writeln!(s, "  netdiag lab heal{nf}");
    let _ = writeln!(s, "  netdiag lab down{nf}");
    s
}

fn status(name: &str) -> Result<u8> {
    let plan = load(name)?;
    let missing: Vec<String> = plan
        .namespaces()
        .into_iter()
        .filter(|n| !std::path::Path::new(NETNS_DIR).join(n).exists())
        .collect();
    let mut out = status_text(&plan);
    outln!(out, "state {}", state_dir(name).display());
    if !missing.is_empty() {
        outln!(out,
            "warning: {} namespaces are missing ({}): recreate the lab with `netdiag lab down{nf} && netdiag lab up{nf}`",
            missing.len(),
            missing.join(", "),
            nf = name_flag(name)
        );
        crate::output::print(&out)?;
        return Ok(1);
    }
    crate::output::print(&out)?;
    Ok(0)
}

/// The namespace of a node, a pod, or `fabric`.
fn target_netns(plan: &Plan, target: &str) -> Result<String> {
    if target == "fabric" {
        return Ok(plan.fabric.clone());
    }
    if let Some(n) = plan.node(target) {
        return Ok(n.netns.clone());
    }
    if let Some(p) = plan.pods.iter().find(|p| p.name == target) {
        return Ok(p.netns.clone());
    }
    let nodes: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    let pods: Vec<&str> = plan.pods.iter().map(|p| p.name.as_str()).collect();
    bail!(
        "no node or pod {target:?} in lab {:?}: nodes {}; pods {}; or fabric",
        plan.params.name,
        nodes.join(", "),
        pods.join(", ")
    )
}

fn exec(a: &LabExecArgs) -> Result<u8> {
    let plan = load(&a.name.name)?;
    let ns = target_netns(&plan, &a.target)?;
    let status = std::process::Command::new("ip")
        .args(["netns", "exec", &ns])
        .args(&a.command)
        .status()
        .context("cannot run ip netns exec (install the package iproute2)")?;
    Ok(status
        .code()
        .map_or(2, |c| u8::try_from(c.clamp(0, 255)).unwrap_or(2)))
}

fn heal(name: &str) -> Result<u8> {
    let plan = load(name)?;
    if sh::have("nft") {
        sh::run_ignoring(&[faults::nft_cmd(
            &plan,
            &format!("delete table inet {NFT_TABLE}"),
        )]);
    }
    sh::run_all(&plan.fabric_route_cmds())?;
    if plan.bird_runs() {
        bird::stop_all(name);
    }
    for i in 0..plan.nodes.len() {
        sh::run_ignoring(&plan.node_reset_cmds(i));
        sh::run_all(&plan.node_underlay_cmds(i))?;
        sh::run_all(&plan.node_calico_cmds(i))?;
    }
    if plan.bird_runs() {
        bird::start_all(&plan)?;
        bird::wait_established(&plan, std::time::Duration::from_secs(30))?;
    }
    let mut out = String::new();
    outln!(
        out,
        "lab {name:?} healed: re-programmed {} nodes and the fabric for mode {}",
        plan.nodes.len(),
        mode_name(plan.params.mode)
    );
    crate::output::print(&out)?;
    Ok(0)
}
