//! Real BIRD in a bgp lab: one daemon per node namespace (`ip netns exec NS bird`), its config,
//! control socket and pid file in the lab's own directory (`/run/netdiag/lab/<name>/bird/`), so
//! `lab down` finds and stops exactly the BIRDs it started. Nothing runs in the host namespace:
//! every BIRD is started through `ip netns exec` into a lab namespace, and only pids whose
//! command line names this lab's socket are ever signalled.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use super::plan::{Plan, BGP_AS};
use super::{sh, state_dir};

pub const MISSING: &str = "the bgp lab runs real BIRD in each node namespace, and `bird` is not installed: install the package bird2 (as root: scripts/setup.sh, or apt-get install bird2)";

pub fn dir(lab: &str) -> PathBuf {
    state_dir(lab).join("bird")
}

/// The control socket of `node`'s BIRD in lab `lab` (what `node-status --lab` reads).
pub fn socket(lab: &str, node: &str) -> PathBuf {
    dir(lab).join(format!("{node}.ctl"))
}

fn pidfile(lab: &str, node: &str) -> PathBuf {
    dir(lab).join(format!("{node}.pid"))
}

fn config(lab: &str, node: &str) -> PathBuf {
    dir(lab).join(format!("{node}.conf"))
}

/// Writes node `i`'s config and starts its BIRD in its namespace (BIRD checks the config first and
/// daemonises once its socket is open).
pub fn start(plan: &Plan, i: usize, local_as: u32) -> Result<()> {
    if !sh::have("bird") {
        bail!(MISSING);
    }
    let lab = &plan.params.name;
    let n = &plan.nodes[i];
    std::fs::create_dir_all(dir(lab))
        .with_context(|| format!("cannot create {}", dir(lab).display()))?;
    let conf = config(lab, &n.name);
    std::fs::write(&conf, plan.bird_config(i, local_as))
        .with_context(|| format!("cannot write {}", conf.display()))?;
    let p = |x: PathBuf| x.display().to_string();
    sh::run(&vec![
        "ip".into(),
        "netns".into(),
        "exec".into(),
        n.netns.clone(),
        "bird".into(),
        "-c".into(),
        p(conf),
        "-s".into(),
        p(socket(lab, &n.name)),
        "-P".into(),
        p(pidfile(lab, &n.name)),
    ])
}

pub fn start_all(plan: &Plan) -> Result<()> {
    (0..plan.nodes.len()).try_for_each(|i| start(plan, i, BGP_AS))
}

/// The pid of `node`'s BIRD, if it runs: the pid file's, and only when that process is a `bird`
/// whose command line names this lab's socket (a stale pid file never signals a stranger).
fn pid_of(lab: &str, node: &str) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(pidfile(lab, node))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let sock = socket(lab, node).display().to_string();
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let is_bird = args.first().is_some_and(|a| a.ends_with("bird"));
    (is_bird && args.contains(&sock)).then_some(pid)
}

/// Stops `node`'s BIRD (SIGTERM: BIRD tells its peers "administrative shutdown", as
/// `sv stop bird` in calico-node does) and waits for it to exit. True when one was running.
pub fn stop(lab: &str, node: &str) -> bool {
    let Some(pid) = pid_of(lab, node) else {
        return false;
    };
    let _ = std::process::Command::new("kill")
        .arg(pid.to_string())
        .status();
    let t = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists()
        && t.elapsed() < Duration::from_secs(5)
    {
        // A zombie (its parent is gone) counts as exited.
        if std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z ")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if std::path::Path::new(&format!("/proc/{pid}/cmdline")).exists() && pid_of(lab, node).is_some()
    {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    let _ = std::fs::remove_file(pidfile(lab, node));
    let _ = std::fs::remove_file(socket(lab, node));
    true
}

/// Stops every BIRD of lab `lab` it finds pid files for; returns how many ran.
pub fn stop_all(lab: &str) -> usize {
    let Ok(rd) = std::fs::read_dir(dir(lab)) else {
        return 0;
    };
    let nodes: Vec<String> = rd
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".pid")
                .map(str::to_string)
        })
        .collect();
    nodes.iter().filter(|n| stop(lab, n)).count()
}

/// Waits until every node's BIRD has every mesh session Established and the kernel holds the
/// routes BIRD learned (at most `limit`); returns the sessions counted, or what is still down.
pub fn wait_established(plan: &Plan, limit: Duration) -> Result<usize> {
    let lab = &plan.params.name;
    let t = Instant::now();
    loop {
        let mut up = 0;
        let mut down = Vec::new();
        for n in &plan.nodes {
            let st = crate::source::bird::collect(&socket(lab, &n.name));
            if let Some(why) = st.unavailable {
                down.push(format!("{}: {why}", n.name));
                continue;
            }
            for p in st.protocols.iter().filter(|p| p.is_bgp()) {
                if p.established() {
                    up += 1;
                } else {
                    down.push(format!(
                        "{} {} {} {}",
                        n.name,
                        p.name,
                        p.session_state(),
                        p.last_error.clone().unwrap_or_default()
                    ));
                }
            }
        }
        if down.is_empty() {
            // BIRD's kernel protocol writes what it learned at once; give it one scan.
            std::thread::sleep(Duration::from_millis(300));
            return Ok(up);
        }
        if t.elapsed() > limit {
            bail!(
                "BIRD sessions not Established after {}s: {}",
                limit.as_secs(),
                down.join("; ")
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
