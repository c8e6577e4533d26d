//! `netdiag trace` through the real binary: every mode from recorded two-node fixtures
//! (testdata/trace, built from the design doc by generate.py, not from netdiag's engine), faults
//! found at the right hop, unknown hops when a node's state is missing, clear errors, snapshots of
//! the text; and, as root, the lab: healthy paths whose probe agrees, and each path fault found at
//! its hop with the probe confirming the failure.

#[path = "../common/lab.rs"]
mod lab_util;
#[path = "../common/privileged.rs"]
mod privileged;

use std::path::{Path, PathBuf};
use std::process::Output;

use lab_util::{netdiag, text, Lab};
use serde_json::Value;

const WEB: &str = "default/web-5d9c8b7f6d-q7x2m"; // worker
const WEB2: &str = "default/web-5d9c8b7f6d-h2j5k"; // worker2, same subnet as worker
const WEB3: &str = "default/web-5d9c8b7f6d-z8c3v"; // worker3, another subnet
const API: &str = "default/api-6b8f9d4c7-m4n8p"; // worker

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/trace")
        .join(name);
    p.to_str().expect("utf8").to_string()
}

fn trace(args: &[&str]) -> (Output, Value) {
    let mut a = vec!["trace"];
    a.extend_from_slice(args);
    a.extend(["-o", "json"]);
    let o = netdiag(&a);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "trace {args:?}: not JSON ({e}): {}{}",
            text(&o.stdout),
            text(&o.stderr)
        )
    });
    (o, v)
}

fn steps(v: &Value) -> Vec<String> {
    v["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .map(|h| h["step"].as_str().expect("step").to_string())
        .collect()
}

fn broken(v: &Value) -> Vec<(String, String, String)> {
    v["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .filter(|h| h["verdict"] == "broken")
        .map(|h| {
            (
                h["step"].as_str().unwrap_or("").to_string(),
                h["node"].as_str().unwrap_or("").to_string(),
                h["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn every_mode_decides_the_encapsulation_and_why() {
    // (fixture, src, dst, encapsulation, words the reason must quote)
    let cases: &[(&str, &str, &str, &str, &[&str])] = &[
        ("vxlan-always", WEB, WEB2, "vxlan", &["VXLAN Always"]),
        ("vxlan-always", WEB, WEB3, "vxlan", &["VXLAN Always"]),
        (
            "vxlan-crosssubnet",
            WEB,
            WEB2,
            "none",
            &[
                "CrossSubnet",
                "10.10.10.12 (worker2) is inside 10.10.10.0/24",
                "direct",
            ],
        ),
        (
            "vxlan-crosssubnet",
            WEB,
            WEB3,
            "vxlan",
            &[
                "CrossSubnet",
                "10.10.20.13 (worker3) is outside 10.10.10.0/24",
            ],
        ),
        (
            "vxlan-crosssubnet",
            WEB3,
            WEB,
            "vxlan",
            &["10.10.10.11 (worker) is outside 10.10.20.0/24"],
        ),
        ("ipip-always", WEB, WEB3, "ipip", &["IPIP Always"]),
        (
            "ipip-crosssubnet",
            WEB,
            WEB2,
            "none",
            &["IPIP CrossSubnet", "same subnet"],
        ),
        (
            "ipip-crosssubnet",
            WEB,
            WEB3,
            "ipip",
            &["IPIP CrossSubnet", "other subnet"],
        ),
        ("bgp", WEB, WEB3, "none", &["no-encap", "same subnet"]),
        (
            "bgp-cross-subnet",
            WEB,
            WEB3,
            "none",
            &["no-encap", "fabric"],
        ),
        (
            "mixed-pools",
            "analytics/spark-worker-0",
            "analytics/spark-worker-1",
            "none",
            &["analytics-noencap"],
        ),
        (
            "mixed-pools",
            WEB,
            WEB3,
            "vxlan",
            &["default-ipv4-ippool", "CrossSubnet"],
        ),
        (
            "borrowed-ip",
            WEB,
            "default/legacy-fixed-ip-0",
            "vxlan",
            &["VXLAN Always"],
        ),
        (
            "vxlan-always",
            WEB,
            API,
            "none",
            &["both ends are on worker"],
        ),
        (
            "vxlan-always",
            WEB,
            "node/worker3",
            "none",
            &["node address"],
        ),
    ];
    for (fx, src, dst, encap, words) in cases {
        let (o, v) = trace(&[src, dst, "--from", &fixture(fx)]);
        let what = format!("{fx}: {src} → {dst}");
        assert_eq!(o.status.code(), Some(0), "{what}: {}", text(&o.stdout));
        assert_eq!(v["verdict"], "ok", "{what}: {v:#}");
        assert_eq!(v["encapsulation"], *encap, "{what}");
        let reason = v["reason"].as_str().expect("reason");
        for w in *words {
            assert!(reason.contains(w), "{what}: reason {reason:?} lacks {w:?}");
        }
        let s = steps(&v);
        let tunnelled = s.contains(&"tunnel-out".to_string());
        assert_eq!(tunnelled, *encap != "none", "{what}: {s:?}");
        assert_eq!(
            s.contains(&"vtep".to_string()),
            *encap == "vxlan",
            "{what}: {s:?}"
        );
        if *encap != "none" {
            let outer = &v["outer"];
            assert!(
                outer["src"].is_string() && outer["dst"].is_string(),
                "{what}: {outer}"
            );
        }
        if *encap == "vxlan" {
            assert_eq!(
                (v["outer"]["vni"].as_u64(), v["outer"]["dport"].as_u64()),
                (Some(4096), Some(4789)),
                "{what}"
            );
        }
    }
}

#[test]
fn the_json_has_the_documented_shape() {
    let (_, v) = trace(&[
        WEB,
        WEB3,
        "--from",
        &fixture("vxlan-crosssubnet"),
        "--port",
        "80",
    ]);
    assert_eq!(v["schema_version"], "netdiag.trace/v1");
    for end in ["src", "dst"] {
        for k in ["ip", "node", "pod"] {
            assert!(v[end][k].is_string(), "{end}.{k}: {v:#}");
        }
    }
    assert_eq!(
        (v["proto"].as_str(), v["port"].as_u64()),
        (Some("tcp"), Some(80))
    );
    assert_eq!(v["outer"]["src"], "10.10.10.11");
    assert_eq!(v["outer"]["dst"], "10.10.20.13");
    assert_eq!(v["mtu"]["path"], 1450);
    // TCP: 20 bytes of IP and 20 of TCP in front of the payload.
    assert_eq!(v["mtu"]["max_payload"], 1410);
    for h in v["hops"].as_array().expect("hops") {
        for k in ["node", "step", "verdict", "evidence", "summary"] {
            assert!(!h[k].is_null(), "hop lacks {k}: {h}");
        }
    }
}

#[test]
fn faults_are_found_at_the_hop_where_the_packet_is_lost() {
    let cases = [
        ("vxlan-stale-fdb", "vtep", "worker", "VXLAN-FDB-STALE-DST"),
        (
            "vxlan-wrong-vni-dst",
            "arrive",
            "worker3",
            "VXLAN-VNI-MISMATCH",
        ),
        (
            "workload-route-missing-dst",
            "deliver",
            "worker3",
            "WORKLOAD-ROUTE-MISSING",
        ),
    ];
    for (fx, step, node, code) in cases {
        let (o, v) = trace(&[WEB, WEB3, "--from", &fixture(fx)]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{fx}: exit 1 when a hop is broken"
        );
        assert_eq!(v["verdict"], "broken", "{fx}");
        let b = broken(&v);
        assert_eq!(
            b.first(),
            Some(&(step.to_string(), node.to_string(), code.to_string())),
            "{fx}: {b:?}"
        );
        let hop = v["hops"]
            .as_array()
            .expect("hops")
            .iter()
            .find(|h| h["step"] == step)
            .expect("hop");
        assert!(
            hop["hint"].as_str().is_some_and(|h| !h.is_empty()),
            "{fx}: {hop}"
        );
    }
    // The stale FDB entry also makes the outer destination wrong, and worker3 never sees it.
    let (_, v) = trace(&[WEB, WEB3, "--from", &fixture("vxlan-stale-fdb")]);
    assert_eq!(v["outer"]["dst"], "10.10.20.99");
    assert!(broken(&v)
        .iter()
        .any(|(s, n, _)| s == "arrive" && n == "worker3"));
}

#[test]
fn crosssubnet_asymmetry_shows_with_both_directions() {
    let (o, v) = trace(&[
        WEB,
        WEB2,
        "--both",
        "--from",
        &fixture("vxlan-crosssubnet-asymmetric"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let both = v.as_array().expect("--both gives an array of two traces");
    assert_eq!(both.len(), 2);
    // worker's address is a /32: it tunnels to worker2, which answers directly.
    assert_eq!(both[0]["encapsulation"], "vxlan");
    assert_eq!(both[1]["encapsulation"], "none");
    assert_eq!(both[1]["src"]["pod"], WEB2);
    for t in both {
        assert!(
            t["reason"]
                .as_str()
                .expect("reason")
                .contains("CROSSSUBNET-ASYMMETRIC"),
            "{t}"
        );
    }
}

#[test]
fn a_node_whose_state_is_missing_makes_its_hops_unknown_and_says_what_to_collect() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = PathBuf::from(fixture("vxlan-crosssubnet"));
    copy_dir(&src.join("cluster"), &dir.path().join("cluster"));
    copy_dir(&src.join("nodes/worker"), &dir.path().join("nodes/worker"));
    let (o, v) = trace(&[WEB, WEB3, "--from", dir.path().to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0), "unknown is not broken");
    assert_eq!(v["verdict"], "unknown");
    for h in v["hops"].as_array().expect("hops") {
        if h["node"] == "worker3" {
            assert_eq!(h["verdict"], "unknown", "{h}");
            assert!(
                h["hint"].as_str().expect("hint").contains("nodes/worker3"),
                "{h}"
            );
        } else if h["node"] == "worker" {
            assert_eq!(h["verdict"], "ok", "{h}");
        }
    }
    // The text says so too.
    let o = netdiag(&[
        "trace",
        WEB,
        WEB3,
        "--from",
        dir.path().to_str().expect("utf8"),
    ]);
    assert!(
        text(&o.stdout).contains("verdict: unknown"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn each_node_may_come_from_its_own_from() {
    // Two directories, as two support bundles would be: the intent and worker in one, worker3 in
    // the other (listed first: the one holding the intent is found wherever it is).
    let (a, b) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let src = PathBuf::from(fixture("vxlan-stale-fdb"));
    copy_dir(&src.join("cluster"), &a.path().join("cluster"));
    copy_dir(&src.join("nodes/worker"), &a.path().join("nodes/worker"));
    copy_dir(&src.join("nodes/worker3"), &b.path().join("nodes/worker3"));
    let (a, b) = (
        a.path().to_str().expect("utf8"),
        b.path().to_str().expect("utf8"),
    );
    let (o, v) = trace(&[WEB, WEB3, "--from", b, "--from", a]);
    assert_eq!(o.status.code(), Some(1), "{v:#}");
    assert!(
        v["hops"]
            .as_array()
            .expect("hops")
            .iter()
            .all(|h| h["verdict"] != "unknown"),
        "both nodes' state was read: {v:#}"
    );
    assert_eq!(broken(&v).first().map(|b| b.0.as_str()), Some("vtep"));
    // Other commands read one node: a second --from is refused.
    let o = netdiag(&["node-status", "--from", a, "--from", b]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("only `netdiag trace`"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn sysctls_from_a_dump_are_checked() {
    // The healthy cross-subnet fixture, with `sysctl -a` output for both nodes: forwarding off on
    // the receiver, strict rp_filter on the sender's tunnel (harmless: the route back is there).
    let dir = tempfile::tempdir().expect("tmp");
    let src = PathBuf::from(fixture("vxlan-crosssubnet"));
    copy_dir(&src.join("cluster"), &dir.path().join("cluster"));
    for n in ["worker", "worker3"] {
        copy_dir(
            &src.join("nodes").join(n),
            &dir.path().join("nodes").join(n),
        );
    }
    let d = dir.path().to_str().expect("utf8");
    let (o, v) = trace(&[WEB, WEB3, "--from", d]);
    assert_eq!(o.status.code(), Some(0), "healthy without sysctls: {v:#}");
    std::fs::write(
        dir.path().join("nodes/worker3/sysctl.txt"),
        "net.ipv4.ip_forward = 0\nnet.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.vxlan/calico.rp_filter = 1\n",
    )
    .expect("write");
    let (o, v) = trace(&[WEB, WEB3, "--from", d]);
    assert_eq!(o.status.code(), Some(1), "{v:#}");
    let deliver = v["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .find(|h| h["step"] == "deliver")
        .expect("deliver hop");
    assert_eq!(deliver["verdict"], "broken", "{deliver:#}");
    assert!(
        deliver["hint"]
            .as_str()
            .unwrap_or("")
            .contains("ip_forward=1"),
        "{deliver:#}"
    );
    let evidence = v.to_string();
    assert!(evidence.contains("rp_filter 1 on vxlan.calico"), "{v:#}");
}

#[test]
fn bad_endpoints_and_flags_are_one_line_errors() {
    let fx = fixture("vxlan-always");
    for (args, needle) in [
        (
            vec!["trace", "default/nope", WEB, "--from", &fx],
            "default/nope",
        ),
        (vec!["trace", "10.99.0.1", WEB, "--from", &fx], "10.99.0.1"),
        (
            vec![
                "trace", WEB, WEB3, "--from", &fx, "--port", "80", "--proto", "icmp",
            ],
            "--port",
        ),
        (vec!["trace", WEB, WEB3, "--from", &fx, "--probe"], "--lab"),
    ] {
        let o = netdiag(&args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn text_output_draws_the_path() {
    for (name, fx, dst) in [
        ("trace-vxlan-crosssubnet", "vxlan-crosssubnet", WEB3),
        ("trace-stale-fdb", "vxlan-stale-fdb", WEB3),
        ("trace-same-subnet-direct", "vxlan-crosssubnet", WEB2),
    ] {
        let o = netdiag(&["trace", WEB, dst, "--from", &fixture(fx)]);
        // The fixture's path differs per checkout; the snapshot should not.
        let out = text(&o.stdout).replace(&fixture(fx), "FIXTURE");
        insta::assert_snapshot!(name, out);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

// ---- privileged: the lab --------------------------------------------------------------------

fn lab_trace(lab: &Lab, src: &str, dst: &str, extra: &[&str]) -> (Output, Value) {
    let mut a = vec![src, dst, "--lab", lab.name.as_str(), "--probe"];
    a.extend_from_slice(extra);
    trace(&a)
}

fn break_lab(lab: &Lab, fault: &str) {
    let o = netdiag(&[
        "lab", "break", fault, "--name", &lab.name, "--node", "worker", "--peer", "worker3",
    ]);
    assert!(o.status.success(), "break {fault}: {}", text(&o.stderr));
}

fn heal(lab: &Lab) {
    let o = netdiag(&["lab", "heal", "--name", &lab.name]);
    assert!(o.status.success(), "heal: {}", text(&o.stderr));
}

#[test]
fn lab_healthy_paths_are_ok_and_the_probe_agrees() {
    if !privileged::can_run("lab_healthy_paths_are_ok_and_the_probe_agrees") {
        return;
    }
    let lab = Lab::up("tr", &[]);
    for (src, dst, encap) in [
        ("worker-p1", "worker3-p2", "vxlan"),
        ("worker3-p2", "worker-p1", "vxlan"),
        ("worker-p1", "worker2-p1", "none"),
        ("worker-p1", "worker-p2", "none"),
        ("worker-p1", "node/worker3", "none"),
    ] {
        let (o, v) = lab_trace(&lab, src, dst, &[]);
        let what = format!("{src} → {dst}");
        assert_eq!(o.status.code(), Some(0), "{what}: {v:#}");
        assert_eq!(v["verdict"], "ok", "{what}: {v:#}");
        assert_eq!(v["encapsulation"], encap, "{what}");
        let p = &v["probe"];
        assert_eq!(p["agrees"], true, "{what}: {p}");
        assert_eq!(p["received"], 3, "{what}: {p}");
        if encap == "vxlan" {
            assert_eq!(p["seen_leaving"], 3, "{what}: {p}");
            assert_eq!(p["seen_arriving"], 3, "{what}: {p}");
            let left = p["left_as"].as_str().expect("left_as");
            assert!(left.starts_with("vxlan vni 4096"), "{what}: {left}");
        }
        // Live: the route is the kernel's own answer.
        let route = v["hops"]
            .as_array()
            .expect("hops")
            .iter()
            .find(|h| h["step"] == "route")
            .expect("route hop");
        assert!(
            route["evidence"][0]
                .as_str()
                .expect("evidence")
                .starts_with("kernel: "),
            "{route}"
        );
    }
    // TCP: a SYN to a closed port is answered with a RST, which is an answer.
    let (_, v) = lab_trace(&lab, "worker-p1", "worker3-p2", &["--port", "80"]);
    assert_eq!(v["probe"]["agrees"], true, "{}", v["probe"]);

    // Offline, from one support bundle per node: the same verdict, every hop known.
    let dir = tempfile::tempdir().expect("tmp");
    let mut bundles = Vec::new();
    for node in ["worker", "worker3"] {
        let file = dir.path().join(format!("{node}.tar.gz"));
        let file = file.to_str().expect("utf8").to_string();
        let o = netdiag(&["bundle", "--lab", &lab.name, "--node", node, "-o", &file]);
        assert!(o.status.success(), "bundle {node}: {}", text(&o.stderr));
        bundles.push(file);
    }
    let (o, v) = trace(&[
        "worker-p1",
        "worker3-p2",
        "--from",
        &bundles[0],
        "--from",
        &bundles[1],
    ]);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(v["verdict"], "ok", "{v:#}");
}

#[test]
fn lab_faults_are_found_at_their_hop_and_the_probe_confirms() {
    if !privileged::can_run("lab_faults_are_found_at_their_hop_and_the_probe_confirms") {
        return;
    }
    let lab = Lab::up("tf", &[]);
    // (fault, step, node, code) — worker → worker3 crosses subnets, so it is tunnelled.
    let cases = [
        ("stale-fdb", "vtep", "worker", "VXLAN-FDB-STALE-DST"),
        ("missing-fdb", "vtep", "worker", "VXLAN-FDB-MISSING"),
        ("missing-neigh", "vtep", "worker", "VXLAN-NEIGH-MISSING"),
        ("wrong-neigh-mac", "vtep", "worker", "VXLAN-NEIGH-WRONG-MAC"),
        ("missing-route", "route", "worker", "ROUTE-MISSING"),
        ("wrong-vni", "tunnel-out", "worker", "VXLAN-VNI-MISMATCH"),
        ("wrong-port", "tunnel-out", "worker", "VXLAN-PORT-MISMATCH"),
        ("mtu", "mtu", "worker", "MTU-POD-ABOVE-TUNNEL"),
        // Nothing in either node's state is wrong: only the probe finds it.
        ("blocked-vxlan", "probe", "worker3", ""),
    ];
    for (fault, step, node, code) in cases {
        break_lab(&lab, fault);
        let (o, v) = lab_trace(&lab, "worker-p1", "worker3-p2", &[]);
        heal(&lab);
        assert_eq!(o.status.code(), Some(1), "{fault}: {v:#}");
        let b = broken(&v);
        assert_eq!(
            b.first(),
            Some(&(step.to_string(), node.to_string(), code.to_string())),
            "{fault}: {b:?}"
        );
        let p = &v["probe"];
        assert_eq!(p["received"], 0, "{fault}: the probe must fail: {p}");
        assert_eq!(p["agrees"], fault != "blocked-vxlan", "{fault}: {p}");
    }
    // Healed, the same path is ok again.
    let (o, v) = lab_trace(&lab, "worker-p1", "worker3-p2", &[]);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
}

fn scenario(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/scenarios")
        .join(name);
    p.to_str().expect("utf8").to_string()
}

/// Issue 16: on a Flannel node the trace follows flanneld's state — VXLAN with VNI 1 on 8472, or
/// DirectRouting to a peer on a connected network and why — and a Flannel fault breaks the hop
/// that node-status's FLANNEL code names.
#[test]
fn flannel_paths_follow_flannels_state() {
    let (o, v) = trace(&[
        "node/worker",
        "10.244.3.7",
        "--from",
        &scenario("flannel-healthy"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(v["encapsulation"], "vxlan");
    assert_eq!(v["outer"]["dport"], 8472);
    assert_eq!(v["outer"]["vni"], 1);
    assert_eq!(v["outer"]["dst"], "10.10.20.13");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("kube-flannel-cfg")),
        "{v:#}"
    );
    assert!(
        steps(&v).starts_with(&[
            "src-host".into(),
            "route".into(),
            "tunnel-out".into(),
            "vtep".into(),
            "underlay".into()
        ]),
        "{v:#}"
    );
    // worker3's end was not collected: unknown, not broken.
    assert_eq!(v["verdict"], "unknown");

    let (_, v) = trace(&[
        "node/worker",
        "10.244.2.9",
        "--from",
        &scenario("flannel-directrouting"),
    ]);
    assert_eq!(v["encapsulation"], "none", "{v:#}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("connected network")),
        "{v:#}"
    );
    assert!(!steps(&v).contains(&"vtep".to_string()), "{v:#}");

    for (name, step, code) in [
        ("flannel-stale-fdb", "vtep", "FLANNEL-FDB-STALE-DST"),
        ("flannel-missing-neigh", "vtep", "FLANNEL-NEIGH-MISSING"),
        ("flannel-missing-route", "route", "FLANNEL-ROUTE-MISSING"),
        ("flannel-wrong-vni", "tunnel-out", "FLANNEL-VNI-MISMATCH"),
        (
            "flannel-directrouting-tunnel",
            "route",
            "FLANNEL-ROUTE-WRONG",
        ),
    ] {
        let dst = if name == "flannel-directrouting-tunnel" {
            "10.244.2.9"
        } else {
            "10.244.3.7"
        };
        let (o, v) = trace(&["node/worker", dst, "--from", &scenario(name)]);
        assert_eq!(o.status.code(), Some(1), "{name}: {v:#}");
        let b = broken(&v);
        assert_eq!(
            b.first(),
            Some(&(step.to_string(), "worker".to_string(), code.to_string())),
            "{name}: {b:?}"
        );
    }
}
