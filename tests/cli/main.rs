//! CLI suite: the real binary, run as a user would — exit codes, one-line errors for bad input,
//! JSON output, colour rules, help text and the checked-in shell completions.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netdiag"));
    c.env_remove("NO_COLOR").env_remove("COLUMNS");
    c
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenario(name: &str) -> PathBuf {
    repo().join("testdata/scenarios").join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An error is one line on stderr, prefixed `netdiag: `, with exit code 2.
fn assert_clean_error(o: &Output, mentions: &str) {
    assert_eq!(o.status.code(), Some(2), "exit 2; stderr: {}", stderr(o));
    let err = stderr(o);
    assert!(err.starts_with("netdiag: "), "prefixed: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(mentions), "mentions {mentions:?}: {err}");
    assert!(!err.contains("panicked"), "no panic: {err}");
}

#[test]
fn healthy_scenario_exits_zero_and_says_so() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let o = run(&["node-status", "--from", dir.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("healthy"), "{}", stdout(&o));
}

#[test]
fn broken_scenario_exits_one_unless_fail_on_never() {
    let dir = scenario("vxlan-stale-fdb");
    let d = dir.to_str().expect("utf8");
    let o = run(&["node-status", "--from", d]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("VXLAN-FDB-STALE-DST"));
    let o = run(&["node-status", "--from", d, "--fail-on", "never"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn fail_on_warning_counts_warnings() {
    let dir = scenario("missing-blackhole");
    let d = dir.to_str().expect("utf8");
    assert_eq!(run(&["node-status", "--from", d]).status.code(), Some(0));
    assert_eq!(
        run(&["node-status", "--from", d, "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn json_output_is_versioned_and_complete() {
    let dir = scenario("vxlan-stale-fdb");
    let o = run(&[
        "node-status",
        "--from",
        dir.to_str().expect("utf8"),
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["schema_version"], "netdiag/v1");
    assert_eq!(v["node"], "worker");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"VXLAN-FDB-STALE-DST"), "{codes:?}");
    assert!(v["checked"]["fdb"].as_u64().expect("count") > 0);
}

#[test]
fn yaml_output_parses() {
    let dir = scenario("vxlan-always-healthy");
    let o = run(&[
        "node-status",
        "--from",
        dir.to_str().expect("utf8"),
        "-o",
        "yaml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("schema_version: netdiag/v1"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn colour_only_when_asked_or_on_a_tty() {
    let dir = scenario("vxlan-stale-fdb");
    let d = dir.to_str().expect("utf8");
    // Not a TTY (captured): no escapes.
    assert!(!stdout(&run(&["node-status", "--from", d])).contains('\x1b'));
    assert!(stdout(&run(&["--color", "always", "node-status", "--from", d])).contains('\x1b'));
    let o = bin()
        .args(["node-status", "--from", d])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert!(!stdout(&o).contains('\x1b'));
}

#[test]
fn missing_directory_is_a_clean_error() {
    let o = run(&["node-status", "--from", "/nonexistent/netdiag-dump"]);
    assert_clean_error(&o, "/nonexistent/netdiag-dump");
}

#[test]
fn garbage_yaml_names_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cluster = tmp.path().join("cluster");
    fs::create_dir_all(&cluster).expect("mkdir");
    fs::write(
        cluster.join("pools.yaml"),
        "kind: IPPool\nspec: [unclosed\n  : :\n",
    )
    .expect("write");
    let o = run(&[
        "node-status",
        "--from",
        tmp.path().to_str().expect("utf8"),
        "--live",
    ]);
    assert_clean_error(&o, "pools.yaml");
}

#[test]
fn wrong_field_names_document_and_field() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cluster = tmp.path().join("cluster");
    fs::create_dir_all(&cluster).expect("mkdir");
    fs::write(
        cluster.join("pools.yaml"),
        "apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec:\n  cidr: 10.0.0/33\n",
    )
    .expect("write");
    let o = run(&[
        "show",
        "ippools",
        "--from",
        tmp.path().to_str().expect("utf8"),
    ]);
    assert_clean_error(&o, "spec.cidr");
}

#[test]
fn bad_dump_line_names_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = scenario("vxlan-always-healthy");
    copy_dir(&src, tmp.path());
    let node = tmp.path().join("nodes/worker");
    for f in ["ip-route.txt", "ip-route.json"] {
        let _ = fs::remove_file(node.join(f));
    }
    fs::write(
        node.join("ip-route.txt"),
        "default via 10.10.10.1 dev eth0\n10.999.0.0/26 via 10.10.10.12 dev eth0\n",
    )
    .expect("write");
    let o = run(&["node-status", "--from", tmp.path().to_str().expect("utf8")]);
    assert_clean_error(&o, "ip-route.txt:2");
}

#[test]
fn missing_dumps_are_findings_not_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    copy_dir(&scenario("vxlan-always-healthy"), tmp.path());
    let node = tmp.path().join("nodes/worker");
    for f in ["bridge-fdb.txt", "bridge-fdb.json"] {
        let _ = fs::remove_file(node.join(f));
    }
    let o = run(&[
        "node-status",
        "--from",
        tmp.path().to_str().expect("utf8"),
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let partial = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["code"] == "COLLECT-PARTIAL");
    assert!(partial, "{v}");
    assert!(v["unknown"].to_string().contains("FDB"), "{v}");
}

#[test]
fn unknown_node_lists_the_known_ones() {
    let dir = scenario("vxlan-always-healthy");
    let o = run(&[
        "node-status",
        "--from",
        dir.to_str().expect("utf8"),
        "--node",
        "nosuch",
    ]);
    assert_clean_error(&o, "nosuch");
}

#[test]
fn show_round_trips_through_from() {
    // `show state -o json` is readable again as nodes/<node>/state.json.
    let src = scenario("vxlan-crosssubnet-healthy");
    let o = run(&[
        "show",
        "state",
        "--from",
        src.to_str().expect("utf8"),
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let tmp = tempfile::tempdir().expect("tmp");
    copy_dir(&src.join("cluster"), &tmp.path().join("cluster"));
    let node = tmp.path().join("nodes/worker");
    fs::create_dir_all(&node).expect("mkdir");
    fs::write(node.join("state.json"), &o.stdout).expect("write");
    let a = run(&[
        "node-status",
        "--from",
        src.to_str().expect("utf8"),
        "-o",
        "json",
    ]);
    let b = run(&[
        "node-status",
        "--from",
        tmp.path().to_str().expect("utf8"),
        "-o",
        "json",
    ]);
    let mut va: serde_json::Value = serde_json::from_slice(&a.stdout).expect("json");
    let mut vb: serde_json::Value = serde_json::from_slice(&b.stdout).expect("json");
    va["source"] = serde_json::Value::Null;
    vb["source"] = serde_json::Value::Null;
    assert_eq!(va, vb);
}

#[test]
fn show_tables_list_state_and_intent() {
    let d = scenario("vxlan-crosssubnet-healthy");
    let d = d.to_str().expect("utf8");
    let routes = stdout(&run(&["show", "routes", "--from", d]));
    assert!(routes.starts_with("TABLE"), "{routes}");
    assert!(routes.contains("vxlan.calico"), "{routes}");
    let pools = stdout(&run(&["show", "ippools", "--from", d]));
    assert!(pools.contains("CrossSubnet"), "{pools}");
    let nodes = stdout(&run(&["show", "nodes", "--from", d]));
    assert!(
        nodes.contains("66:10:f5:eb:e6:ac"),
        "derived VTEP MAC of worker: {nodes}"
    );
}

#[test]
fn help_reads_well() {
    let o = run(&["--help"]);
    insta::assert_snapshot!("help", stdout(&o));
    let o = run(&["node-status", "--help"]);
    insta::assert_snapshot!("help-node-status", stdout(&o));
    let o = run(&["show", "--help"]);
    insta::assert_snapshot!("help-show", stdout(&o));
}

/// The checked-in completions match the binary; regenerate with
/// `NETDIAG_UPDATE_COMPLETIONS=1 cargo test -p netdiag --test cli completions`.
#[test]
fn completions_are_current() {
    use clap_complete::Shell;
    let dir = repo().join("completions");
    let update = std::env::var_os("NETDIAG_UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let want = netdiag::completions::script(shell);
        let path = dir.join(netdiag::completions::file_name(shell));
        if update {
            fs::write(&path, &want).expect("write completions");
            continue;
        }
        let o = run(&["completions", &shell.to_string()]);
        assert_eq!(o.stdout, want, "the binary prints the same script");
        if fs::read(&path).ok().as_deref() != Some(&want[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions {stale:?}: run NETDIAG_UPDATE_COMPLETIONS=1 cargo test -p netdiag --test cli completions"
    );
}

#[test]
fn broken_pipe_exits_zero() {
    use std::io::Read;
    use std::process::Stdio;
    // More output than a pipe buffers (64 KiB), so the writer really meets the closed pipe.
    let tmp = tempfile::tempdir().expect("tmp");
    let node = tmp.path().join("nodes/n1");
    fs::create_dir_all(&node).expect("mkdir");
    let routes: String = (0..5000)
        .map(|i| {
            format!(
                "10.{}.{}.0/24 via 192.168.0.1 dev eth0 proto bird\n",
                i / 256,
                i % 256
            )
        })
        .collect();
    fs::write(node.join("ip-route.txt"), routes).expect("write");
    let mut child = bin()
        .args([
            "show",
            "routes",
            "--from",
            tmp.path().to_str().expect("utf8"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    out.read_exact(&mut first).expect("some output");
    drop(out);
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(stderr(&o).is_empty(), "quiet: {}", stderr(&o));
}

fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("mkdir");
    for e in fs::read_dir(src).expect("read") {
        let e = e.expect("entry");
        let to = dst.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            fs::copy(e.path(), &to).expect("copy");
        }
    }
}

/// Support greps the README for codes: every code the engine can emit is in its findings table.
#[test]
fn readme_lists_every_finding_code() {
    let readme = fs::read_to_string(repo().join("README.md")).expect("README.md");
    let missing: Vec<&str> = netdiag_core::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !readme.contains(&format!("| `{c}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "README findings table lacks {missing:?}"
    );
}

/// Issue 14: affinities without IPAMBlocks, in both API groups (the CRDs as `kubectl get
/// blockaffinities` prints them, and `projectcalico.org/v3` as calicoctl does): the blocks are
/// taken from the affinities, the healthy node stays healthy (exit 0), and the summary says so.
#[test]
fn affinities_without_ipamblocks_in_both_groups_keep_a_healthy_node_healthy() {
    for group in ["crd.projectcalico.org/v1", "projectcalico.org/v3"] {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("s");
        copy_dir(&scenario("vxlan-crosssubnet-healthy"), &dir);
        fs::remove_file(dir.join("cluster/ipamblocks.yaml")).expect("rm");
        let aff = fs::read_to_string(dir.join("cluster/blockaffinities.yaml")).expect("read");
        fs::write(
            dir.join("cluster/blockaffinities.yaml"),
            aff.replace("crd.projectcalico.org/v1", group),
        )
        .expect("write");
        let o = run(&["node-status", "--from", dir.to_str().expect("utf-8")]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{group}: {out}{}", stderr(&o));
        assert!(out.contains("(from BlockAffinities"), "{group}: {out}");
        assert!(
            out.contains("vxlan        1 block"),
            "{group}: peers keep their blocks: {out}"
        );
        let o = run(&[
            "node-status",
            "--from",
            dir.to_str().expect("utf-8"),
            "-o",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["blocks_from_affinities"], true, "{group}");
        assert!(
            v["checked"]["routes"].as_u64().expect("routes") >= 4,
            "{group}: {v}"
        );
    }
}

/// Issue 14: files without any Node are a partial intent, not a missing node: the local checks,
/// an info finding, exit 0 — and a real fault of the node (ip_forward off in its sysctl.txt) is
/// still an error.
#[test]
fn files_without_nodes_are_partial_and_still_judge_the_local_node() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("s");
    copy_dir(&scenario("vxlan-crosssubnet-healthy"), &dir);
    fs::remove_file(dir.join("cluster/nodes.yaml")).expect("rm");
    let o = run(&[
        "node-status",
        "--from",
        dir.to_str().expect("utf-8"),
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code"))
        .collect();
    assert!(codes.contains(&"INTENT-PARTIAL"), "{codes:?}");
    assert!(!codes.contains(&"NODE-NOT-IN-INTENT"), "{codes:?}");
    fs::write(
        dir.join("nodes/worker/sysctl.txt"),
        "net.ipv4.ip_forward = 0\nnet.ipv4.conf.all.rp_filter = 0\n",
    )
    .expect("write");
    let o = run(&["node-status", "--from", dir.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("KERNEL-IP-FORWARD-OFF"),
        "{}",
        stdout(&o)
    );
}

/// Issue 14: a node with sysctl.txt (as `sysctl -a` prints it) gets the kernel checks; one
/// pod's veth with proxy_arp off is an error naming the interface.
#[test]
fn sysctl_txt_drives_the_kernel_checks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("s");
    copy_dir(&scenario("vxlan-crosssubnet-healthy"), &dir);
    let links = fs::read_to_string(dir.join("nodes/worker/ip-link.txt"))
        .or_else(|_| fs::read_to_string(dir.join("nodes/worker/ip-addr.txt")))
        .expect("a link dump");
    let cali: Vec<String> = links
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().expect("name").to_string())
        .filter(|n| n.starts_with("cali"))
        .collect();
    assert!(!cali.is_empty(), "the scenario has pods");
    let mut sysctl = String::from("net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 2\n");
    for (i, c) in cali.iter().enumerate() {
        let v = if i == 0 { 0 } else { 1 };
        sysctl.push_str(&format!(
            "net.ipv4.conf.{c}.proxy_arp = {v}\nnet.ipv4.conf.{c}.forwarding = 1\n"
        ));
    }
    fs::write(dir.join("nodes/worker/sysctl.txt"), &sysctl).expect("write");
    let o = run(&["node-status", "--from", dir.to_str().expect("utf-8")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!("KERNEL-PROXY-ARP-OFF  link {}", cali[0])),
        "{out}"
    );
    assert_eq!(out.matches("KERNEL-PROXY-ARP-OFF").count(), 1, "{out}");
    // All on: clean, and the kernel line is gone from "not checked".
    fs::write(
        dir.join("nodes/worker/sysctl.txt"),
        sysctl.replace("proxy_arp = 0", "proxy_arp = 1"),
    )
    .expect("write");
    let o = run(&["node-status", "--from", dir.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&o).contains("kernel settings"), "{}", stdout(&o));
}

/// A stand-in BIRD on a unix socket: the greeting, then the recorded BIRD 2 replies of the bgp lab's
/// worker (testdata/bird/) to `show protocols all` and `show route`; every command it receives is
/// kept, so the test proves node-status sends nothing but `show`.
fn fake_bird(dir: &Path) -> (PathBuf, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let path = dir.join("bird.ctl");
    let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
    let reply = |f: &str| {
        let t = fs::read_to_string(repo().join("testdata/bird").join(f)).expect("fixture");
        // The recordings start with the greeting, which BIRD sends once per connection.
        t.split_once('\n')
            .map(|(_, r)| r.to_string())
            .expect("greeting line")
    };
    let (protocols, routes) = (
        reply("bird2-worker-protocols-all.txt"),
        reply("bird2-worker-route.txt"),
    );
    let h = std::thread::spawn(move || {
        let mut got = Vec::new();
        let Ok((mut s, _)) = listener.accept() else {
            return got;
        };
        let _ = s.write_all(b"0001 BIRD 2.0.12 ready.\n");
        let mut r = BufReader::new(s.try_clone().expect("clone"));
        let mut line = String::new();
        while r.read_line(&mut line).is_ok_and(|n| n > 0) {
            let cmd = line.trim().to_string();
            let answer = match cmd.as_str() {
                "show protocols all" => protocols.clone(),
                "show route" => routes.clone(),
                _ => "9001 syntax error\n".to_string(),
            };
            got.push(cmd);
            let _ = s.write_all(answer.as_bytes());
            line.clear();
        }
        got
    });
    (path, h)
}

#[test]
fn node_status_reads_bird_over_its_socket_and_only_asks() {
    let dir = tempfile::tempdir().expect("tmp");
    let (sock, server) = fake_bird(dir.path());
    let o = run(&[
        "node-status",
        "--from",
        scenario("bgp-noencap").to_str().expect("utf8"),
        "--bird-socket",
        sock.to_str().expect("utf8"),
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let asked = server.join().expect("server");
    assert_eq!(asked, ["show protocols all", "show route"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let got: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("BGP-") && c != "BGP-NOENCAP-CROSS-SUBNET")
        })
        .map(|f| {
            (
                f["code"].as_str().unwrap_or("").into(),
                f["subject"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    // The lab's worker peers with 10.10.20.13; this scenario's worker3 is 10.10.10.13, and the lab's
    // blocks are not the scenario's.
    for want in [
        ("BGP-PEER-NO-SESSION", "bgp Mesh_10_10_10_13"),
        ("BGP-SESSION-NO-NODE", "bgp Mesh_10_10_20_13"),
        ("BGP-ROUTES-MISMATCH", "bgp Mesh_10_10_10_10"),
    ] {
        assert!(
            got.iter().any(|(c, s)| c == want.0 && s == want.1),
            "{want:?} in {got:?}"
        );
    }

    // No socket: one "not checked" line with the reason, no finding, exit 0.
    let o = run(&[
        "node-status",
        "--from",
        scenario("bgp-noencap").to_str().expect("utf8"),
        "--bird-socket",
        "/nonexistent/bird.ctl",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("BGP sessions: no BIRD control socket at /nonexistent/bird.ctl"),
        "{}",
        stdout(&o)
    );
}

/// Issue 16: a bad net-conf.json (k3s's file form) and a bad subnet.env are one line naming the
/// file and the field or line, exit 2, never a panic.
#[test]
fn bad_flannel_files_name_the_file_and_field() {
    let scenario = repo().join("testdata/scenarios/flannel-healthy");
    let tmp = tempfile::tempdir().expect("tmp");
    let cluster = tmp.path().join("cluster");
    let node = tmp.path().join("nodes/worker");
    fs::create_dir_all(&cluster).expect("mkdir");
    fs::create_dir_all(&node).expect("mkdir");
    fs::copy(
        scenario.join("cluster/nodes.yaml"),
        cluster.join("nodes.yaml"),
    )
    .expect("copy");
    for f in [
        "ip-link.txt",
        "ip-addr.txt",
        "ip-route.txt",
        "ip-neigh.txt",
        "bridge-fdb.txt",
    ] {
        fs::copy(scenario.join("nodes/worker").join(f), node.join(f)).expect("copy");
    }
    fs::write(
        cluster.join("net-conf.json"),
        r#"{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan", "Port": "8472"}}"#,
    )
    .expect("write");
    let dir = tmp.path().to_str().expect("utf8");
    let o = run(&["node-status", "--from", dir]);
    assert_clean_error(&o, "net-conf.json");
    assert!(stderr(&o).contains("Backend.Port"), "{}", stderr(&o));

    fs::write(
        cluster.join("net-conf.json"),
        r#"{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}"#,
    )
    .expect("write");
    fs::write(
        node.join("subnet.env"),
        "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1\n",
    )
    .expect("write");
    let o = run(&["node-status", "--from", dir]);
    assert_clean_error(&o, "subnet.env:2");
    assert!(stderr(&o).contains("FLANNEL_SUBNET"), "{}", stderr(&o));

    // Good files: the Flannel rules run, and the node is healthy.
    fs::write(node.join("subnet.env"), "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
        .expect("write");
    let o = run(&["node-status", "--from", dir]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("backend flannel-vxlan (configured)"),
        "{}",
        stdout(&o)
    );
}
