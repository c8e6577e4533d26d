//! Shared helper of the suites that drive `netdiag lab` through the real binary: running netdiag,
//! and [`Lab`], a lab owned by one test and removed on drop even when the test panics. Suites add
//! their own methods in their own `impl Lab` blocks.
//!
//! Include it with `#[path = "../common/lab.rs"] mod lab_util;` next to `privileged`.

#![allow(dead_code)] // Each suite uses its own subset.

use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_netdiag");

/// Runs netdiag without colour and waits for it.
pub fn netdiag(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run netdiag")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A lab owned by one test (`t<pid><tag>`); `lab down` on drop.
pub struct Lab {
    pub name: String,
}

impl Lab {
    /// `lab up` with `extra` arguments (a mode, …); fails the test when it fails.
    pub fn up(tag: &str, extra: &[&str]) -> Lab {
        let name = format!("t{}{tag}", std::process::id());
        // A killed earlier run with the same pid is unlikely; clean it anyway.
        let _ = netdiag(&["lab", "down", "--name", &name]);
        let lab = Lab { name };
        let mut args = vec!["lab", "up", "--name", &lab.name];
        args.extend_from_slice(extra);
        let o = netdiag(&args);
        assert!(
            o.status.success(),
            "lab up failed: {}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
        lab
    }

    /// `node-status --lab NAME --node NODE -o json --fail-on never`, parsed; fails the test when
    /// it does not run.
    pub fn node_status_json(&self, node: &str) -> serde_json::Value {
        let o = netdiag(&[
            "node-status",
            "--lab",
            &self.name,
            "--node",
            node,
            "-o",
            "json",
            "--fail-on",
            "never",
        ]);
        assert!(
            o.status.success(),
            "node-status on {node}: {}",
            text(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).expect("node-status JSON")
    }

    /// `lab break FAULT --node NODE --peer PEER`; fails the test when it fails.
    pub fn break_fault(&self, fault: &str, node: &str, peer: &str) {
        let o = netdiag(&[
            "lab", "break", fault, "--name", &self.name, "--node", node, "--peer", peer,
        ]);
        assert!(o.status.success(), "lab break {fault}: {}", text(&o.stderr));
    }

    /// `lab exec` of `cmd` in `target` (a node or a pod).
    pub fn exec(&self, target: &str, cmd: &[&str]) -> Output {
        let mut a = vec!["lab", "exec", "--name", &self.name, target, "--"];
        a.extend_from_slice(cmd);
        netdiag(&a)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = netdiag(&["lab", "down", "--name", &self.name]);
    }
}
