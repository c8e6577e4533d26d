//! `netdiag tui` as a user runs it. Without a terminal it refuses with a hint; as root, on a lab
//! and inside a real terminal (tmux), it shows the node's peers with their health, reflects a
//! `lab break` within two refreshes, and quits on `q` leaving the terminal sane.

#[path = "../common/lab.rs"]
mod lab_util;
#[path = "../common/privileged.rs"]
mod privileged;

use std::process::Command;
use std::time::{Duration, Instant};

use lab_util::{netdiag, text, Lab, BIN};

#[test]
fn without_a_terminal_it_refuses_and_points_to_node_status() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/scenarios/vxlan-crosssubnet-healthy"
    );
    let o = netdiag(&["tui", "--from", dir]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("terminal") && err.contains("node-status"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// A tmux server of this test's own (private socket), killed on drop even when the test fails.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn pane(&self) -> String {
        text(&self.cmd(&["capture-pane", "-p"]).stdout)
    }

    /// Polls the pane until `pred` holds; returns the time it took, or panics with the pane.
    fn wait(&self, what: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            let pane = self.pane();
            if pred(&pane) {
                return start.elapsed();
            }
            if start.elapsed() > limit {
                panic!("{what}: not seen within {limit:?}; the pane:\n{pane}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

#[test]
fn lab_peers_health_a_break_within_two_refreshes_and_a_clean_quit() {
    if !privileged::can_run("lab_peers_health_a_break_within_two_refreshes_and_a_clean_quit") {
        return;
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        if std::env::var(privileged::REQUIRE_ENV).is_ok_and(|v| v == "1") {
            panic!("tmux is missing (scripts/setup.sh installs it)");
        }
        eprintln!("skipping: tmux is missing");
        return;
    }
    let lab = Lab::up("u1", &[]);
    let tmux = Tmux {
        socket: format!("nd-tui-{}", std::process::id()),
    };
    // After netdiag exits the shell prints its exit code and the terminal modes.
    let script = format!(
        "{BIN} tui --lab {} --node worker --interval 1s; echo NETDIAG-EXIT=$?; echo MODES $(stty -a | tr -s ' ;' '\\n\\n' | grep -E '^-?(icanon|echo|isig)$'); sleep 60",
        lab.name
    );
    let o = tmux.cmd(&[
        "new-session",
        "-d",
        "-x",
        "140",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    assert!(o.status.success(), "tmux: {}", text(&o.stderr));

    tmux.wait(
        "the peers with their health",
        Duration::from_secs(15),
        |p| {
            p.contains("Peers 3 of 3, 0 broken")
                && p.lines().any(|l| l.contains("worker3") && l.contains('✓'))
        },
    );
    lab.break_fault("stale-fdb", "worker", "worker3");
    // Two refreshes at 1 s, plus the time one collection takes.
    let took = tmux.wait("the broken peer", Duration::from_millis(3500), |p| {
        p.lines()
            .any(|l| l.contains("worker3") && l.contains("✗ VXLAN-FDB-STALE-DST"))
    });
    eprintln!("the break showed after {took:?}");

    tmux.cmd(&["send-keys", "q"]);
    // The shell prints the modes after the exit code: wait for both lines, not just the first.
    tmux.wait("netdiag exiting with 0", Duration::from_secs(5), |p| {
        p.contains("NETDIAG-EXIT=0") && p.contains("MODES ")
    });
    let pane = tmux.pane();
    assert!(
        !pane.contains("Peers 3 of 3"),
        "the alternate screen was left: {pane}"
    );
    let modes: Vec<&str> = pane
        .lines()
        .find_map(|l| l.strip_prefix("MODES "))
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    for m in ["icanon", "echo", "isig"] {
        assert!(modes.contains(&m), "terminal mode {m} restored: {pane}");
    }
}
