//! Shared helper of root-only integration tests: decides whether a privileged test may run (skip
//! with a message, or fail when `NETDIAG_REQUIRE_PRIVILEGED=1`), and gives each test its own
//! network namespaces through [`TestNetns`], deleted on drop even when the test panics. Tests may
//! shell out to `ip`/`bridge` (the product may not); nothing here touches the host namespace.
//!
//! Include it with `#[path = "../common/privileged.rs"] mod privileged;`.

#![allow(dead_code)] // Each suite uses its own subset.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Set to `1` (CI's privileged job) to turn a skip into a failure.
pub const REQUIRE_ENV: &str = "NETDIAG_REQUIRE_PRIVILEGED";

/// Every namespace this helper creates starts with this, followed by `<pid>-<counter>`.
const PREFIX: &str = "nd-test-";

/// Whether the privileged test `test` can run here. When it cannot: panics if
/// `NETDIAG_REQUIRE_PRIVILEGED=1`, else prints why it is skipped and returns false — the test
/// should then return at once.
///
/// ```ignore
/// if !privileged::can_run("collects_vxlan_node") { return; }
/// ```
pub fn can_run(test: &str) -> bool {
    match probe() {
        Ok(()) => true,
        Err(why) => {
            if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
                panic!("{test}: cannot run privileged test ({why}) but {REQUIRE_ENV}=1");
            }
            eprintln!(
                "skipping {test}: needs root (set {REQUIRE_ENV}=1 to make this a failure): {why}"
            );
            false
        }
    }
}

/// Checked once per test binary: root, and `ip netns add` really works (a container may be root
/// without CAP_SYS_ADMIN, or lack iproute2).
fn probe() -> Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            if euid() != Some(0) {
                return Err("not running as root".into());
            }
            reap_stale();
            let ns = TestNetns::try_new()?;
            drop(ns);
            Ok(())
        })
        .clone()
}

/// The effective uid, from /proc (no libc dependency for one number).
fn euid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Deletes namespaces this helper left behind in runs that were killed (SIGKILL skips Drop): only
/// `nd-test-<pid>-…` whose process no longer exists.
fn reap_stale() {
    let Ok(entries) = std::fs::read_dir("/run/netns") else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip").args(["netns", "del", &name]).status();
        }
    }
}

/// Runs a command, returning stdout, or stderr as the error.
fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A network namespace owned by one test: `nd-test-<pid>-<counter>`, unique across the parallel
/// tests of a binary and across binaries, deleted when dropped.
#[derive(Debug)]
pub struct TestNetns {
    name: String,
}

impl TestNetns {
    /// Creates a fresh namespace; panics if that is impossible (call [`can_run`] first).
    pub fn create() -> TestNetns {
        TestNetns::try_new().unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_new() -> Result<TestNetns, String> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{PREFIX}{}-{n}", std::process::id());
        run("ip", &["netns", "add", &name])?;
        Ok(TestNetns { name })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n NAME ARGS…`; panics with stderr on failure.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", &self.name];
        all.extend_from_slice(args);
        run("ip", &all).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `ip -n NAME` with the arguments split on whitespace: `ns.ipw("route add blackhole …")`.
    pub fn ipw(&self, args: &str) -> String {
        self.ip(&args.split_whitespace().collect::<Vec<_>>())
    }

    /// `bridge -n NAME` with the arguments split on whitespace; panics with stderr on failure.
    pub fn bridgew(&self, args: &str) -> String {
        let mut all = vec!["-n", &self.name];
        all.extend(args.split_whitespace());
        run("bridge", &all).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `ip netns exec NAME PROGRAM ARGS…` (sysctl and friends); panics with stderr on failure.
    pub fn exec(&self, program: &str, args: &[&str]) -> String {
        let mut all = vec!["netns", "exec", &self.name, program];
        all.extend_from_slice(args);
        run("ip", &all).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for TestNetns {
    fn drop(&mut self) {
        // Never panic here: Drop also runs while a failed test unwinds, and a second panic aborts.
        if let Err(e) = run("ip", &["netns", "del", &self.name]) {
            eprintln!(
                "warning: could not delete test namespace {}: {e}",
                self.name
            );
        }
    }
}
