//! Scenario suite: every `testdata/scenarios/<name>/` (cluster intent + one node's dumps, written
//! independently of the engine from shared/design/calico-expected-state.md) is loaded through the
//! same file source the binary uses and checked. The finding codes at warning or above must equal
//! the scenario's `expected-findings.txt`, and the rendered report is snapshotted.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use netdiag::source::files;
use netdiag_core::expect;
use netdiag_core::report::{render_text, RenderOptions};
use netdiag_core::Severity;

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/scenarios")
}

fn scenarios() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(scenarios_dir())
        .expect("testdata/scenarios exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.join("cluster").is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Codes expected, with how often each appears (first word of each non-comment line).
fn expected_codes(dir: &Path) -> BTreeMap<String, usize> {
    let text = fs::read_to_string(dir.join("expected-findings.txt")).unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let code = line.split_whitespace().next().expect("a code").to_string();
        *out.entry(code).or_insert(0) += 1;
    }
    out
}

struct Outcome {
    name: String,
    report: netdiag_core::report::Report,
}

fn run(dir: &Path) -> Outcome {
    let name = dir
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let mut intent = files::load_intent(dir).unwrap_or_else(|e| panic!("{name}: intent: {e:#}"));
    // As every command does (source::intent_for).
    intent.derive_blocks();
    let nodes = files::node_dirs(dir).expect("nodes");
    assert_eq!(nodes.len(), 1, "{name}: one node under test");
    let mut state =
        files::load_state(dir, &nodes[0]).unwrap_or_else(|e| panic!("{name}: state: {e:#}"));
    // The checkout's absolute path differs between machines; snapshots show the repo-relative one.
    state.source = format!("files testdata/scenarios/{name}/nodes/{}", nodes[0]);
    if let Some(b) = state.bgp.as_mut() {
        b.source = format!(
            "file testdata/scenarios/{name}/nodes/{}/bird-protocols.txt",
            nodes[0]
        );
    }
    let node = expect::pick_node(&intent, &state, None).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(node, nodes[0], "{name}: the node is found by its addresses");
    let report = expect::check(&intent, &state, &node).unwrap_or_else(|e| panic!("{name}: {e}"));
    Outcome { name, report }
}

#[test]
fn every_scenario_gives_exactly_its_expected_findings() {
    let all = scenarios();
    assert!(
        all.len() >= 10,
        "the scenario set is there ({} found)",
        all.len()
    );
    let mut failures = Vec::new();
    for dir in &all {
        let o = run(dir);
        let want = expected_codes(dir);
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        for f in o
            .report
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
        {
            *got.entry(f.code.as_str().to_string()).or_insert(0) += 1;
        }
        let want_set: Vec<&String> = want.keys().collect();
        let got_set: Vec<&String> = got.keys().collect();
        if want_set != got_set {
            failures.push(format!(
                "{}: expected codes {:?}, got {:?}\n{}",
                o.name,
                want,
                got,
                render_text(&o.report, RenderOptions::default())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn reports_render_as_snapshotted() {
    for dir in scenarios() {
        let o = run(&dir);
        let text = render_text(&o.report, RenderOptions::default());
        insta::assert_snapshot!(format!("text-{}", o.name), text);
    }
}

#[test]
fn json_report_carries_the_documented_fields() {
    for dir in scenarios() {
        let o = run(&dir);
        let v = serde_json::to_value(&o.report).expect("serializes");
        assert_eq!(
            v["schema_version"],
            netdiag_core::SCHEMA_VERSION,
            "{}",
            o.name
        );
        assert_eq!(v["node"], o.report.node.as_str());
        assert!(v["checked"].is_object());
        for f in v["findings"].as_array().expect("findings array") {
            for key in ["code", "severity", "subject", "expected", "actual", "hint"] {
                assert!(f.get(key).is_some(), "{}: finding lacks {key}: {f}", o.name);
            }
        }
    }
}

/// The intent with one kind taken away, as a ticket that lacks that file would give it: the
/// objects gone and the kind no longer listed.
fn without(
    intent: &netdiag_core::ClusterIntent,
    kind: &str,
    local: &str,
) -> netdiag_core::ClusterIntent {
    let mut i = intent.clone();
    // Blocks made from affinities are not the source's: take them back before dropping.
    i.blocks.retain(|b| !b.from_affinity);
    match kind {
        "ippools" => {
            i.pools.clear();
            i.listed.pools = false;
        }
        "nodes" => {
            i.nodes.clear();
            i.listed.nodes = false;
        }
        // Only the local node's Node: the peers' were not collected.
        "peer-nodes" => i.nodes.retain(|n| n.name == local),
        "ipamblocks" => {
            i.blocks.clear();
            i.listed.blocks = false;
        }
        "blockaffinities" => {
            i.affinities.clear();
            i.listed.affinities = false;
        }
        "ipam" => {
            i.blocks.clear();
            i.affinities.clear();
            i.listed.blocks = false;
            i.listed.affinities = false;
        }
        "felixconfigurations" => {
            i.felix.clear();
            i.listed.felix = false;
        }
        "pods" => {
            i.pods.clear();
            i.listed.pods = false;
        }
        "calico-config" => {
            i.backend = None;
            i.veth_mtu = None;
            i.listed.calico_config = false;
        }
        // Flannel's ConfigMap (kube-flannel-cfg or Canal's canal-config).
        "flannel-config" => i.flannel = None,
        other => panic!("no kind {other}"),
    }
    i.derive_blocks();
    i
}

const KINDS: [&str; 11] = [
    "ippools",
    "nodes",
    "peer-nodes",
    "ipamblocks",
    "blockaffinities",
    "ipam",
    "felixconfigurations",
    "pods",
    "calico-config",
    "ipam",
    "flannel-config",
];

/// Issue 14: an absence of intent is "not checked", never a finding. For every scenario, healthy
/// or broken, and every kind taken away, the report may lose findings but gains none at warning
/// or above: each remaining one was in the full report too (same code and subject).
#[test]
fn a_missing_kind_adds_no_finding() {
    let mut failures = Vec::new();
    for dir in scenarios() {
        let full = run(&dir);
        let name = full.name.clone();
        let intent = {
            let mut i = files::load_intent(&dir).expect("intent");
            i.derive_blocks();
            i
        };
        let node_dir = files::node_dirs(&dir).expect("nodes").remove(0);
        let state = files::load_state(&dir, &node_dir).expect("state");
        let before: std::collections::HashSet<(String, String)> = full
            .report
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .map(|f| (f.code.as_str().to_string(), f.subject.clone()))
            .collect();
        for kind in KINDS {
            let partial = without(&intent, kind, &full.report.node);
            let report = netdiag::node_status::build(Ok(partial), &state, Some(&node_dir))
                .unwrap_or_else(|e| panic!("{name} without {kind}: {e:#}"));
            for f in report
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Warning)
            {
                if !before.contains(&(f.code.as_str().to_string(), f.subject.clone())) {
                    failures.push(format!(
                        "{name} without {kind}: new {} {} {}: {} / {}",
                        f.severity.as_str(),
                        f.code.as_str(),
                        f.subject,
                        f.actual,
                        f.hint
                    ));
                }
            }
            // And the reason is on record.
            let says = report
                .findings
                .iter()
                .any(|f| f.code == netdiag_core::Code::IntentPartial);
            // A Flannel node reads Nodes, its ConfigMap and (Canal) Pods; Calico's kinds mean
            // nothing to it, and Flannel's ConfigMap nothing to a Calico node.
            let flannel = name.starts_with("flannel-");
            let used = if flannel {
                matches!(kind, "nodes" | "peer-nodes" | "flannel-config")
                    || (kind == "pods" && name.starts_with("flannel-canal"))
            } else {
                !matches!(kind, "peer-nodes" | "blockaffinities" | "flannel-config")
            };
            if used && !says {
                failures.push(format!("{name} without {kind}: no INTENT-PARTIAL finding"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn real_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/real")
}

/// Fixtures transcribed from public posts of real nodes (testdata/real/README.md): each gives
/// exactly the codes its expected-findings.txt names, at warning or above.
#[test]
fn real_nodes_give_their_expected_findings() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(real_dir())
        .expect("testdata/real exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.join("cluster").is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6, "at least six real nodes ({})", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let mut intent = files::load_intent(dir).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        intent.derive_blocks();
        let node = files::node_dirs(dir).expect("nodes").remove(0);
        let state = files::load_state(dir, &node).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        let report = netdiag::node_status::build(Ok(intent), &state, Some(&node))
            .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        let want = expected_codes(dir);
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
        {
            *got.entry(f.code.as_str().to_string()).or_insert(0) += 1;
        }
        if want != got {
            failures.push(format!(
                "{name}: expected {want:?}, got {got:?}\n{}",
                render_text(&report, RenderOptions::default())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Dual-stack BGP: Calico's BIRD 1.6 fork runs IPv6 in bird6, with its own socket and replies
/// (bird6-protocols.txt). The IPv6 mesh is checked only when bird6 was read; its sessions' imports
/// are compared with the IPv6 blocks only, and a missing IPv6 session is named by its v6 name.
#[test]
fn bgp_rules_read_bird6_for_ipv6_sessions() {
    use netdiag_core::model::cluster::IpamBlock;

    let dir = scenarios_dir().join("bgp-noencap-sessions");
    let mut intent = files::load_intent(&dir).expect("intent");
    intent.derive_blocks();
    let v6 = [
        ("control-plane", "fd00:10::10", "fd00:99::/122"),
        ("worker", "fd00:10::11", "fd00:99::40/122"),
        ("worker2", "fd00:10::12", "fd00:99::80/122"),
        ("worker3", "fd00:10::13", "fd00:99::c0/122"),
    ];
    for (name, ip, block) in v6 {
        let n = intent
            .nodes
            .iter_mut()
            .find(|n| n.name == name)
            .expect("node");
        n.ipv6 = Some(format!("{ip}/64").parse().expect("v6"));
        intent.blocks.push(IpamBlock {
            name: format!("v6-{name}"),
            cidr: block.parse().expect("block"),
            affinity: Some(name.to_string()),
            allocations: Vec::new(),
            deleted: false,
            from_affinity: false,
        });
    }
    let mut pool = intent.pools[0].clone();
    pool.name = "default-ipv6-ippool".into();
    pool.cidr = "fd00:99::/64".parse().expect("pool");
    intent.pools.push(pool);
    let base = files::load_state(&dir, "worker").expect("state");
    let bgp_codes = |state: &netdiag_core::NodeState| {
        let r = expect::check(&intent, state, "worker").expect("report");
        let codes: Vec<(String, Option<String>, String)> = r
            .findings
            .iter()
            // The scenario's own IPv4 faults (a session down, one to a gone node) stay as they are.
            .filter(|f| f.code.as_str().starts_with("BGP-") && f.subject.contains("fd00"))
            .map(|f| {
                (
                    f.code.as_str().to_string(),
                    f.peer.clone(),
                    f.subject.clone(),
                )
            })
            .collect();
        (codes, r.unknown)
    };

    // bird6 not read: nothing of IPv6 is judged, and the report says why.
    let (codes, unknown) = bgp_codes(&base);
    assert!(codes.is_empty(), "{codes:?}");
    assert!(
        unknown
            .iter()
            .any(|u| u.contains("bird6") && u.contains("was not read")),
        "{unknown:?}"
    );

    // bird6's replies as Calico's fork prints them: worker3's session is missing, worker2's
    // session imports control-plane's block instead of its own.
    let session = |name: &str, ip: &str| {
        format!(
            "1002-{name} BGP      master   up     2026-11-22  Established   \n1006-  Description:    Connection to BGP peer\n   Preference:     100\n   Routes:         1 imported, 1 exported, 1 preferred\n   BGP state:          Established\n     Neighbor address: {ip}\n     Neighbor AS:      64512\n     Local AS:         64512\n \n"
        )
    };
    let protocols = format!(
        "0001 BIRD v0.3.3+birdv1.6.8 ready.\n2002-name     proto    table    state  since       info\n{}{}0000 \n",
        session("Mesh_fd00_10__10", "fd00:10::10"),
        session("Mesh_fd00_10__12", "fd00:10::12"),
    );
    let routes = "0001 BIRD v0.3.3+birdv1.6.8 ready.\n1007-fd00:99::/122      via fd00:10::10 on eth0 [Mesh_fd00_10__10 2026-11-22] * (100/0) [i]\n fd00:99::/122      via fd00:10::12 on eth0 [Mesh_fd00_10__12 2026-11-22] * (100/0) [i]\n0000 \n";
    let (version, protocols) =
        netdiag_parsers::bird::parse_protocols(&protocols).expect("bird6 protocols");
    let mut s = base.clone();
    s.bgp
        .as_mut()
        .expect("bird")
        .merge_ipv6(netdiag_core::model::BgpState {
            source: "file nodes/worker/bird6-protocols.txt".into(),
            version,
            protocols,
            routes: Some(netdiag_parsers::bird::parse_routes(routes).expect("bird6 routes")),
            ..Default::default()
        });
    let (codes, unknown) = bgp_codes(&s);
    assert_eq!(
        codes,
        [
            (
                "BGP-ROUTES-MISMATCH".to_string(),
                Some("worker2".to_string()),
                "bgp Mesh_fd00_10__12".to_string()
            ),
            (
                "BGP-PEER-NO-SESSION".to_string(),
                Some("worker3".to_string()),
                "bgp Mesh_fd00_10__13".to_string()
            ),
        ]
    );
    assert!(!unknown.iter().any(|u| u.contains("bird6")), "{unknown:?}");

    // bird6's sessions without its routes: the IPv6 imports are not compared.
    let mut s = base.clone();
    let (version, protocols) = netdiag_parsers::bird::parse_protocols(&format!(
        "0001 BIRD v0.3.3+birdv1.6.8 ready.\n2002-name     proto    table    state  since       info\n{}{}{}0000 \n",
        session("Mesh_fd00_10__10", "fd00:10::10"),
        session("Mesh_fd00_10__12", "fd00:10::12"),
        session("Mesh_fd00_10__13", "fd00:10::13"),
    ))
    .expect("bird6 protocols");
    s.bgp
        .as_mut()
        .expect("bird")
        .merge_ipv6(netdiag_core::model::BgpState {
            source: "socket /var/run/calico/bird6.ctl".into(),
            version,
            protocols,
            ..Default::default()
        });
    let (codes, unknown) = bgp_codes(&s);
    assert!(codes.is_empty(), "{codes:?}");
    assert!(
        unknown
            .iter()
            .any(|u| u.contains("IPv6 sessions' imports are not compared")),
        "{unknown:?}"
    );
}

/// The BGP rules on bgp-noencap-sessions' BIRD replies, each changed the way a real fault changes
/// them: a mesh peer's session gone, a session importing a block its peer does not own, a cluster
/// with the mesh off (only explicit-peer sessions).
#[test]
fn bgp_rules_follow_the_bird_replies() {
    let dir = scenarios_dir().join("bgp-noencap-sessions");
    let mut intent = files::load_intent(&dir).expect("intent");
    intent.derive_blocks();
    let base = files::load_state(&dir, "worker").expect("state");
    let bgp = base.bgp.clone().expect("bird-protocols.txt is read");
    assert_eq!(bgp.version.as_deref(), Some("v0.3.3+birdv1.6.8"));
    let codes = |state: &netdiag_core::NodeState| -> Vec<(String, Option<String>)> {
        expect::check(&intent, state, "worker")
            .expect("report")
            .findings
            .iter()
            .filter(|f| {
                f.code.as_str().starts_with("BGP-S")
                    || f.code.as_str().starts_with("BGP-P")
                    || f.code.as_str().starts_with("BGP-R")
            })
            .map(|f| (f.code.as_str().to_string(), f.peer.clone()))
            .collect()
    };

    // worker2's session is missing from bird.cfg.
    let mut s = base.clone();
    if let Some(b) = s.bgp.as_mut() {
        b.protocols.retain(|p| p.name != "Mesh_10_10_10_12");
    }
    let got = codes(&s);
    assert!(
        got.contains(&("BGP-PEER-NO-SESSION".into(), Some("worker2".into()))),
        "{got:?}"
    );

    // control-plane's session also carries worker2's block, and not its own.
    let mut s = base.clone();
    if let Some(routes) = s.bgp.as_mut().and_then(|b| b.routes.as_mut()) {
        for r in routes
            .iter_mut()
            .filter(|r| r.protocol == "Mesh_10_10_10_10")
        {
            r.prefix = "192.168.133.192/26".parse().expect("prefix");
        }
    }
    let got = codes(&s);
    assert!(
        got.contains(&("BGP-ROUTES-MISMATCH".into(), Some("control-plane".into()))),
        "{got:?}"
    );
    let r = expect::check(&intent, &s, "worker").expect("report");
    let f = r
        .findings
        .iter()
        .find(|f| f.code.as_str() == "BGP-ROUTES-MISMATCH")
        .expect("finding");
    assert!(
        f.actual.contains("not imported: 192.168.49.128/26")
            && f.actual.contains("192.168.133.192/26"),
        "{}",
        f.actual
    );

    // Mesh off: only Node_ sessions (route reflectors); no mesh peer is "missing".
    let mut s = base.clone();
    if let Some(b) = s.bgp.as_mut() {
        for p in b.protocols.iter_mut() {
            p.name = p.name.replace("Mesh_", "Node_");
        }
    }
    let r = expect::check(&intent, &s, "worker").expect("report");
    assert!(
        !r.findings
            .iter()
            .any(|f| f.code.as_str() == "BGP-PEER-NO-SESSION"),
        "{:?}",
        r.findings
    );
    assert!(
        r.unknown.iter().any(|u| u.contains("assumed off")),
        "{:?}",
        r.unknown
    );

    // The same BIRD with BGPConfiguration default saying the mesh is on: the sessions confd should
    // have written are missing, whatever BIRD's Node_ sessions suggest.
    let mut on = intent.clone();
    on.bgp_configs
        .push(netdiag_core::model::cluster::BgpConfig {
            name: "default".into(),
            node_to_node_mesh: Some(true),
            as_number: Some(64512),
        });
    let r = expect::check(&on, &s, "worker").expect("report");
    let missing = r
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "BGP-PEER-NO-SESSION")
        .count();
    assert_eq!(missing, 3, "{:?}", r.findings);
    assert!(
        r.unknown
            .iter()
            .any(|u| u.contains("on (BGPConfiguration default)")),
        "{:?}",
        r.unknown
    );
    // And saying it is off: a missing Mesh_ session is no finding, even with other Mesh_ ones up.
    let mut off = intent.clone();
    off.bgp_configs
        .push(netdiag_core::model::cluster::BgpConfig {
            name: "default".into(),
            node_to_node_mesh: Some(false),
            as_number: None,
        });
    let mut s = base.clone();
    if let Some(b) = s.bgp.as_mut() {
        b.protocols.retain(|p| p.name != "Mesh_10_10_10_12");
    }
    let r = expect::check(&off, &s, "worker").expect("report");
    assert!(
        !r.findings
            .iter()
            .any(|f| f.code.as_str() == "BGP-PEER-NO-SESSION"),
        "{:?}",
        r.findings
    );
    assert!(
        r.unknown
            .iter()
            .any(|u| u.contains("nodeToNodeMeshEnabled: false")),
        "{:?}",
        r.unknown
    );

    // worker2 is a route reflector: confd gives it no mesh session on any node (bgp_processor.go
    // processMeshPeers), so its missing Mesh_ session is no finding; the other peers still are.
    let mut rr = intent.clone();
    for n in rr.nodes.iter_mut().filter(|n| n.name == "worker2") {
        n.route_reflector_cluster_id = Some("244.0.0.1".into());
    }
    let mut s = base.clone();
    if let Some(b) = s.bgp.as_mut() {
        b.protocols
            .retain(|p| p.name != "Mesh_10_10_10_12" && p.name != "Mesh_10_10_10_10");
    }
    let rr_codes: Vec<_> = expect::check(&rr, &s, "worker")
        .expect("report")
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "BGP-PEER-NO-SESSION")
        .map(|f| f.peer.clone())
        .collect();
    assert_eq!(rr_codes, [Some("control-plane".to_string())]);
    // This node itself is the route reflector: no mesh at all, whatever BIRD holds.
    for n in rr.nodes.iter_mut().filter(|n| n.name == "worker") {
        n.route_reflector_cluster_id = Some("244.0.0.1".into());
    }
    let r = expect::check(&rr, &s, "worker").expect("report");
    assert!(
        !r.findings
            .iter()
            .any(|f| f.code.as_str() == "BGP-PEER-NO-SESSION"),
        "{:?}",
        r.findings
    );
    assert!(
        r.unknown.iter().any(|u| u.contains("route reflector")),
        "{:?}",
        r.unknown
    );

    // BIRD unreachable: a "not checked" line, never a finding.
    let mut s = base.clone();
    s.bgp = Some(netdiag_core::model::BgpState {
        source: "socket /nonexistent".into(),
        unavailable: Some("no BIRD control socket at /nonexistent".into()),
        ..Default::default()
    });
    let r = expect::check(&intent, &s, "worker").expect("report");
    assert!(codes(&s).is_empty());
    assert!(
        r.unknown
            .iter()
            .any(|u| u.contains("no BIRD control socket")),
        "{:?}",
        r.unknown
    );
}

/// Issue 16: every FLANNEL-* code is the expected finding of at least one scenario, so each
/// Flannel rule is held to a node built from flannel's own source.
#[test]
fn every_flannel_code_has_a_scenario() {
    let mut expected = std::collections::BTreeSet::new();
    for dir in scenarios() {
        expected.extend(expected_codes(&dir).into_keys());
    }
    let missing: Vec<&str> = netdiag_core::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| c.starts_with("FLANNEL-") && !expected.contains(*c))
        .collect();
    assert!(missing.is_empty(), "no scenario expects {missing:?}");
}
