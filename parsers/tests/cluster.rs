//! Every fixture under `testdata/cluster/` through `parse_resources`: the good ones give the
//! expected objects, the ones under `bad/` fail with an error naming document, item and field, and
//! no input at all (garbage, YAML-ish soup, mangled fixtures) makes the parser panic.

use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use netdiag_core::model::cluster::{Backend, ClusterIntent, EncapMode, PoolType};
use netdiag_parsers::cluster::parse_resources;
use netdiag_parsers::{Location, ParseError};
use proptest::prelude::*;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/cluster")
}

fn read(rel: &str) -> String {
    let path = dir().join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn good(rel: &str) -> ClusterIntent {
    parse_resources(&read(rel)).unwrap_or_else(|e| panic!("{}", e.in_file(rel)))
}

fn bad(rel: &str) -> ParseError {
    match parse_resources(&read(rel)) {
        Ok(ci) => panic!("{rel} parsed but should not: {ci:?}"),
        Err(e) => e.in_file(rel),
    }
}

fn doc(doc: usize, item: Option<usize>) -> Location {
    Location::Document { doc, item }
}

/// Counts of what a fixture holds: pools, nodes, blocks, affinities, felix, pods, notes.
fn counts(ci: &ClusterIntent) -> [usize; 7] {
    [
        ci.pools.len(),
        ci.nodes.len(),
        ci.blocks.len(),
        ci.affinities.len(),
        ci.felix.len(),
        ci.pods.len(),
        ci.notes.len(),
    ]
}

const GOOD: &[&str] = &[
    "nodes.kubectl.yaml",
    "nodes.calicoctl.yaml",
    "ippools.calicoctl.yaml",
    "ippools.crd.yaml",
    "ipamblocks.kubectl.json",
    "blockaffinities.kubectl.yaml",
    "felixconfigurations.kubectl.yaml",
    "pods.kubectl.yaml",
    "calico-config.kubectl.yaml",
    "mixed.yaml",
    "deployments.kubectl.yaml",
    "secret.kubectl.yaml",
];

const BAD: &[&str] = &[
    "bad/garbage.yaml",
    "bad/ippools-bad-cidr.yaml",
    "bad/ipamblock-bad-allocation.json",
    "bad/felix-bad-port.yaml",
    "bad/ippool-bad-mode.yaml",
    "bad/spec-only.json",
    "bad/table-output.txt",
    "bad/truncated.json",
    "bad/fuzz-cluster-yaml-fast-many-comments.yaml",
];

/// A fixture nobody asserts on is a fixture nobody reads; the lists above must name them all.
#[test]
fn every_fixture_is_covered() {
    let mut on_disk = Vec::new();
    for sub in ["", "bad"] {
        for entry in fs::read_dir(dir().join(sub)).expect("testdata/cluster") {
            let entry = entry.expect("entry");
            if entry.file_type().expect("type").is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name != "README.md" {
                    on_disk.push(if sub.is_empty() {
                        name
                    } else {
                        format!("{sub}/{name}")
                    });
                }
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = GOOD.iter().chain(BAD).map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
    let readme = read("README.md");
    for f in &listed {
        assert!(
            readme.contains(f.as_str()),
            "README.md does not describe {f}"
        );
    }
}

#[test]
fn good_fixtures_parse_with_expected_counts() {
    let expected: &[(&str, [usize; 7])] = &[
        ("nodes.kubectl.yaml", [0, 3, 0, 0, 0, 0, 0]),
        ("nodes.calicoctl.yaml", [0, 3, 0, 0, 0, 0, 0]),
        ("ippools.calicoctl.yaml", [3, 0, 0, 0, 0, 0, 0]),
        ("ippools.crd.yaml", [2, 0, 0, 0, 0, 0, 0]),
        ("ipamblocks.kubectl.json", [0, 0, 3, 0, 0, 0, 0]),
        ("blockaffinities.kubectl.yaml", [0, 0, 0, 3, 0, 0, 0]),
        ("felixconfigurations.kubectl.yaml", [0, 0, 0, 0, 2, 0, 0]),
        ("pods.kubectl.yaml", [0, 0, 0, 0, 0, 7, 0]),
        ("calico-config.kubectl.yaml", [0, 0, 0, 0, 0, 0, 0]),
        ("mixed.yaml", [1, 1, 0, 1, 1, 0, 3]),
        ("deployments.kubectl.yaml", [0, 0, 0, 0, 0, 0, 1]),
        ("secret.kubectl.yaml", [0, 0, 0, 0, 0, 0, 1]),
    ];
    assert_eq!(expected.len(), GOOD.len());
    for (file, want) in expected {
        let ci = good(file);
        assert_eq!(counts(&ci), *want, "{file}: notes {:?}", ci.notes);
    }
}

#[test]
fn kubectl_nodes() {
    let ci = good("nodes.kubectl.yaml");
    let cp = ci.node("cp-1").expect("cp-1");
    assert_eq!(cp.ipv4.expect("ipv4").to_string(), "10.0.0.10/24");
    assert!(cp.has_bgp_spec);
    assert_eq!(cp.vxlan_tunnel_ip, Some(Ipv4Addr::new(10, 244, 87, 128)));
    assert_eq!(
        cp.vxlan_tunnel_mac, None,
        "calico-node writes no MAC annotation"
    );
    let w2 = ci.node("worker-2").expect("worker-2");
    assert_eq!(
        w2.vxlan_tunnel_mac.expect("override").to_string(),
        "66:3c:91:0e:5a:d7"
    );
    assert_eq!(
        w2.addresses,
        vec![
            "10.0.1.12".parse::<IpAddr>().expect("ip"),
            "198.51.100.12".parse().expect("ip")
        ]
    );
    assert_eq!(w2.pod_cidrs.len(), 1);
}

#[test]
fn kubectl_and_calicoctl_nodes_merge_across_files() {
    let mut ci = good("nodes.kubectl.yaml");
    ci.extend(good("nodes.calicoctl.yaml"));
    assert_eq!(ci.nodes.len(), 3);
    let w1 = ci.node("worker-1").expect("worker-1");
    assert_eq!(w1.ipv4.expect("ipv4").to_string(), "10.0.0.11/24");
    assert_eq!(w1.pod_cidrs.len(), 1);
    assert_eq!(w1.addresses.len(), 1);
}

#[test]
fn calicoctl_and_crd_pools() {
    let ci = good("ippools.calicoctl.yaml");
    let v4 = &ci.pools[0];
    assert_eq!(
        (v4.name.as_str(), v4.cidr.to_string()),
        ("default-ipv4-ippool", "10.244.0.0/16".into())
    );
    assert_eq!(v4.vxlan_mode, EncapMode::CrossSubnet);
    assert_eq!(v4.pool_type(), PoolType::Vxlan);
    assert!(v4.nat_outgoing);
    assert_eq!(ci.pools[1].block_size, 122);
    assert_eq!(ci.pools[2].pool_type(), PoolType::None);

    let crd = good("ippools.crd.yaml");
    assert_eq!(crd.pools[0], ci.pools[0], "v3 and crd v1 read the same");
    let legacy = &crd.pools[1];
    assert_eq!(legacy.ipip_mode, EncapMode::CrossSubnet);
    assert!(legacy.nat_outgoing);
    assert_eq!(legacy.mode_label(), "IPIP CrossSubnet");
}

#[test]
fn ipam_blocks_and_borrowed_addresses() {
    let ci = good("ipamblocks.kubectl.json");
    let total: usize = ci.blocks.iter().map(|b| b.allocations.len()).sum();
    assert_eq!(total, 8);
    let w1 = ci
        .blocks
        .iter()
        .find(|b| b.affinity.as_deref() == Some("worker-1"))
        .expect("worker-1 block");
    assert_eq!(w1.cidr.to_string(), "10.244.36.64/26");
    let tunnel = &w1.allocations[0];
    assert_eq!(tunnel.ip, IpAddr::V4(Ipv4Addr::new(10, 244, 36, 64)));
    assert_eq!(tunnel.kind.as_deref(), Some("vxlanTunnelAddress"));
    let borrowed: Vec<_> = ci.blocks.iter().flat_map(|b| b.borrowed()).collect();
    assert_eq!(borrowed.len(), 1);
    assert_eq!(borrowed[0].ip, IpAddr::V4(Ipv4Addr::new(10, 244, 36, 70)));
    assert_eq!(borrowed[0].node.as_deref(), Some("worker-2"));
    assert_eq!(borrowed[0].pod.as_deref(), Some("web-7d4b9c6f5-m8r4t"));

    let aff = good("blockaffinities.kubectl.yaml");
    for (a, b) in aff.affinities.iter().zip(&ci.blocks) {
        assert_eq!(Some(a.node.as_str()), b.affinity.as_deref());
        assert_eq!(a.cidr, b.cidr);
        assert_eq!(a.state.as_deref(), Some("confirmed"));
        assert!(!a.deleted);
    }
}

#[test]
fn felix_per_node_overlay() {
    let ci = good("felixconfigurations.kubectl.yaml");
    let eff = ci.felix_for("worker-2");
    assert_eq!(eff.vxlan_vni, Some(4096));
    assert_eq!(eff.vxlan_port, Some(8472));
    assert_eq!(eff.vxlan_mtu, Some(1410));
    assert_eq!(eff.device_route_protocol, Some(80));
    assert_eq!(eff.vxlan_enabled, Some(true));
    assert_eq!(ci.felix_for("worker-1").vxlan_port, None);
}

#[test]
fn pods_and_calico_config() {
    let ci = good("pods.kubectl.yaml");
    let node = ci
        .pods
        .iter()
        .find(|p| p.name == "calico-node-7x2mq")
        .expect("calico-node");
    assert!(node.host_network);
    assert_eq!(node.namespace, "kube-system");
    let pending = ci.pods.last().expect("pending");
    assert_eq!(pending.node, None);
    assert!(pending.ips.is_empty());

    let cm = good("calico-config.kubectl.yaml");
    assert_eq!(cm.backend, Some(Backend::Vxlan));
    assert_eq!(cm.veth_mtu, Some(0));
}

#[test]
fn mixed_stream_notes_and_no_secret_content() {
    let ci = good("mixed.yaml");
    assert_eq!(
        ci.notes,
        vec![
            "skipped kind Secret (doc 5)",
            "skipped kind Service (doc 6)",
            "skipped kind ConfigMap (not calico-config) (doc 10)",
        ]
    );
    // Doc 7: the BGPConfiguration, read for the mesh setting.
    assert_eq!(ci.bgp_configs.len(), 1);
    assert_eq!(ci.bgp_configs[0].node_to_node_mesh, Some(true));
    assert!(ci.nodes[0].has_bgp_spec);
    assert_eq!(ci.backend, Some(Backend::Vxlan));
    assert_eq!(ci.veth_mtu, Some(1410));
    for file in ["mixed.yaml", "secret.kubectl.yaml"] {
        let dump = format!("{:?}", good(file));
        assert!(!dump.contains("bm90LWEtcmVhbC10b2tlbg"), "{file}");
        assert!(!dump.contains("calico-node-token"), "{file}");
    }
    assert_eq!(
        good("deployments.kubectl.yaml").notes,
        vec!["skipped kind Deployment (doc 1, 2 items)"]
    );
}

#[test]
fn bad_fixtures_name_document_item_and_field() {
    // serde-saphyr's limit on comments buffered while looking ahead; the fast reader must not
    // accept what it refuses (the `cluster_yaml_fast` fuzz target's find).
    let e = bad("bad/fuzz-cluster-yaml-fast-many-comments.yaml");
    assert!(e.message.contains("comments"), "{e}");
    let e = bad("bad/ippools-bad-cidr.yaml");
    assert_eq!(
        (e.location.clone(), e.field.as_str()),
        (doc(1, Some(3)), "spec.cidr")
    );
    assert_eq!(
        e.to_string(),
        "bad/ippools-bad-cidr.yaml: document 1, item 3: spec.cidr: \"10.245.0/24\" is not a CIDR (IPPool \"extra-pool\")"
    );

    let e = bad("bad/ipamblock-bad-allocation.json");
    assert_eq!(
        (e.location.clone(), e.field.as_str()),
        (doc(1, None), "spec.allocations[3]")
    );
    assert!(e.message.contains("attribute 4"), "{e}");

    let e = bad("bad/felix-bad-port.yaml");
    assert_eq!(
        (e.location.clone(), e.field.as_str()),
        (doc(2, None), "spec.vxlanPort")
    );
    assert!(e.message.contains("84720"), "{e}");

    let e = bad("bad/ippool-bad-mode.yaml");
    assert_eq!(
        (e.location.clone(), e.field.as_str()),
        (doc(1, None), "spec.vxlanMode")
    );
    assert!(e.message.contains("\"Enabled\""), "{e}");

    let e = bad("bad/spec-only.json");
    assert_eq!(
        (e.location.clone(), e.field.as_str()),
        (doc(1, None), "kind")
    );

    let e = bad("bad/table-output.txt");
    assert_eq!(e.location, doc(1, None));
    assert!(e.message.contains("found a string"), "{e}");
}

#[test]
fn syntax_errors_give_the_line() {
    let e = bad("bad/garbage.yaml");
    assert_eq!(e.location, Location::Line(7), "{e}");
    assert!(e.message.starts_with("invalid YAML in document 1"), "{e}");
    assert!(e.to_string().starts_with("bad/garbage.yaml:7: "), "{e}");

    let e = bad("bad/truncated.json");
    assert!(matches!(e.location, Location::Line(l) if l > 1), "{e}");
    assert!(e.message.starts_with("invalid JSON"), "{e}");
}

/// Fragments real resources are made of, to build inputs that get deep into the decoders.
const SOUP: &[&str] = &[
    "apiVersion: v1\n",
    "apiVersion: projectcalico.org/v3\n",
    "apiVersion: crd.projectcalico.org/v1\n",
    "kind: List\n",
    "kind: IPPool\n",
    "kind: IPPoolList\n",
    "kind: Node\n",
    "kind: IPAMBlock\n",
    "kind: BlockAffinity\n",
    "kind: FelixConfiguration\n",
    "kind: Pod\n",
    "kind: ConfigMap\n",
    "kind: Secret\n",
    "metadata: {name: calico-config}\n",
    "metadata:\n  name: n\n",
    "  annotations:\n    projectcalico.org/IPv4Address: 10.0.0.5/24\n",
    "items:\n",
    "- ",
    "spec:\n",
    "  cidr: 10.244.0.0/16\n",
    "  cidr: 10.0.0/26\n",
    "  affinity: host:worker-1\n",
    "  allocations: [0, null, 1, 99, -1, 1.5]\n",
    "  attributes:\n  - handle_id: h\n    secondary: {node: w, type: vxlanTunnelAddress}\n",
    "  blockSize: 999\n",
    "  vxlanMode: CrossSubnet\n",
    "  ipip: {enabled: true, mode: cross-subnet}\n",
    "  vxlanPort: \"4789\"\n",
    "  bgp: {ipv4Address: 10.0.0.5/24}\n",
    "status:\n  addresses:\n  - {type: InternalIP, address: 10.0.0.5}\n",
    "  podIPs: [{ip: 10.244.1.1}, {ip: x}]\n",
    "data: {calico_backend: bird, veth_mtu: \"0\"}\n",
    "---\n",
    "...\n",
    "{",
    "}",
    "[",
    "]",
    ": ",
    ", ",
    "\"",
    "'",
    "&a ",
    "*a ",
    "!!str ",
    "<<: ",
    "# c\n",
    "\t",
    "  ",
    "\n",
    "null",
    "~",
    "%YAML 1.2\n",
    "\u{feff}",
    "é",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SOUP), 0..40).prop_map(|v| v.concat())
}

fn fixture() -> impl Strategy<Value = String> {
    prop::sample::select(GOOD).prop_map(read)
}

/// Every error is one line: the binary prints it as `netdiag: …`.
fn check(input: &str) {
    if let Err(e) = parse_resources(input) {
        let s = e.to_string();
        assert!(!s.contains('\n'), "multi-line error: {s:?}");
    }
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        check(&s);
    }

    #[test]
    fn yaml_soup_never_panics(s in soup()) {
        check(&s);
    }

    #[test]
    fn truncated_fixtures_never_panic(text in fixture(), cut in any::<prop::sample::Index>()) {
        let mut at = cut.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        check(&text[..at]);
    }

    #[test]
    fn mangled_fixtures_never_panic(
        text in fixture(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(SOUP)), 1..8),
    ) {
        let mut lines: Vec<&str> = text.lines().collect();
        for (at, frag) in &edits {
            let i = at.index(lines.len() + 1);
            if i < lines.len() && frag.len() % 2 == 0 {
                lines.remove(i);
            } else {
                lines.insert(i.min(lines.len()), frag.trim_end_matches('\n'));
            }
        }
        check(&lines.join("\n"));
    }
}
