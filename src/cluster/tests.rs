//! Unit tests of the cross-check on synthetic clusters: healthy is clean; one changed VTEP MAC,
//! one changed node IP, one stale holder, a tunnel MTU outlier and an unreachable node each give
//! exactly one culprit naming the right node.

use std::net::{IpAddr, Ipv4Addr};

use super::synth;
use super::*;
use crate::model::MacAddr;

fn run(n: usize, edit: impl FnOnce(&mut BTreeMap<String, NodeState>)) -> ClusterReport {
    let intent = synth::intent(n);
    let mut states = synth::states(n);
    edit(&mut states);
    check(&intent, &states, &[], "test")
}

fn codes(r: &ClusterReport) -> Vec<(String, &'static str)> {
    r.culprits
        .iter()
        .map(|c| (c.node.clone(), c.code.as_str()))
        .collect()
}

#[test]
fn healthy_cluster_has_no_culprit_and_no_broken_pair() {
    let r = run(5, |_| {});
    assert_eq!(
        r.culprits,
        Vec::new(),
        "{}",
        render_text(&r, RenderOptions::default())
    );
    assert_eq!(r.summary.pairs_checked, 20);
    assert_eq!(r.summary.pairs_broken, 0);
    assert!(r.nodes.iter().all(|n| n.status == "ok"));
    assert!(r
        .nodes
        .iter()
        .all(|n| n.node_status.as_ref().is_some_and(|s| s.error == 0)));
    let text = render_text(&r, RenderOptions::default());
    assert!(text.contains("✓ no culprit"), "{text}");
    assert!(text.contains("matrix"), "{text}");
}

#[test]
fn changed_vtep_mac_blames_the_node_not_its_peers() {
    let new_mac: MacAddr = "66:00:00:00:00:01".parse().expect("mac");
    let r = run(4, |s| {
        let st = s.get_mut("node-0003").expect("node");
        for l in st.links.as_mut().expect("links") {
            if l.name == "vxlan.calico" {
                l.mac = Some(new_mac);
            }
        }
    });
    assert_eq!(
        codes(&r),
        vec![("node-0003".to_string(), "CLUSTER-VTEP-MAC-CHANGED")]
    );
    let c = &r.culprits[0];
    assert_eq!(c.peers, vec!["node-0000", "node-0001", "node-0002"]);
    assert!(
        c.summary
            .starts_with("node-0003's VTEP MAC changed (vxlan.calico has 66:00:00:00:00:01); 3 peers still hold the old one"),
        "{}",
        c.summary
    );
    // 3 holders × (neighbour + FDB) for node-0003.
    assert_eq!(r.summary.pairs_broken, 3);
    assert!(r.pairs.iter().all(|p| p.target == "node-0003"));
}

#[test]
fn changed_node_ip_is_one_culprit_with_the_address_off_its_links() {
    let r = run(4, |s| {
        let st = s.get_mut("node-0001").expect("node");
        for l in st.links.as_mut().expect("links") {
            if l.name == "eth0" {
                l.addrs[0].addr = IpAddr::V4(Ipv4Addr::new(10, 1, 0, 111));
            }
        }
    });
    let got = codes(&r);
    assert!(
        got.contains(&("node-0001".to_string(), "CLUSTER-NODE-IP-CHANGED")),
        "{got:?}"
    );
    assert!(
        got.contains(&("node-0001".to_string(), "CLUSTER-NODE-IP-NOT-LOCAL")),
        "{got:?}"
    );
    assert!(got.iter().all(|(n, _)| n == "node-0001"), "{got:?}");
    let c = r
        .culprits
        .iter()
        .find(|c| c.code == ClusterCode::NodeIpChanged)
        .expect("culprit");
    assert!(c.summary.contains("eth0 has 10.1.0.111"), "{}", c.summary);
    assert!(
        c.summary.contains("3 peers still send to the old one"),
        "{}",
        c.summary
    );
}

#[test]
fn one_stale_fdb_entry_blames_its_holder() {
    let r = run(4, |s| {
        let st = s.get_mut("node-0001").expect("node");
        let mac = crate::calico::derived_vtep_mac("node-0003", false);
        for e in st.fdb.as_mut().expect("fdb") {
            if e.mac == mac {
                e.dst = Some(IpAddr::V4(Ipv4Addr::new(10, 1, 0, 113)));
            }
        }
    });
    assert_eq!(
        codes(&r),
        vec![("node-0001".to_string(), "CLUSTER-STALE-PEER-STATE")]
    );
    let c = &r.culprits[0];
    assert_eq!(c.peers, vec!["node-0003"]);
    assert!(c.summary.contains("fdb-wrong-dst"), "{}", c.summary);
    assert_eq!(r.pairs.len(), 1);
    assert_eq!(
        r.pairs[0].actual,
        format!(
            "{} dst 10.1.0.113",
            c.actual.split(' ').next().unwrap_or("")
        )
    );
}

#[test]
fn a_missing_route_on_one_holder_is_that_holders_fault() {
    let r = run(4, |s| {
        let st = s.get_mut("node-0002").expect("node");
        let b = synth::block(0);
        st.routes.as_mut().expect("routes").retain(|r| r.dst != b);
    });
    let got = codes(&r);
    assert_eq!(
        got,
        vec![("node-0002".to_string(), "CLUSTER-PEER-STATE-MISSING")],
        "{got:?}"
    );
}

#[test]
fn tunnel_mtu_outlier_is_named() {
    let r = run(5, |s| {
        let st = s.get_mut("node-0004").expect("node");
        for l in st.links.as_mut().expect("links") {
            if l.name == "vxlan.calico" {
                l.mtu = Some(1400);
            }
        }
    });
    let c = r
        .culprits
        .iter()
        .find(|c| c.code == ClusterCode::TunnelMtuMismatch)
        .expect("mtu culprit");
    assert_eq!(c.node, "node-0004");
    assert_eq!(c.expected, "1450");
    assert_eq!(c.actual, "1400");
    assert!(
        r.culprits.iter().all(|c| c.node == "node-0004"),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn unreachable_nodes_are_listed_with_why_and_not_cross_checked() {
    let intent = synth::intent(4);
    let mut states = synth::states(4);
    states.remove("node-0002");
    let u = Unreachable {
        node: "node-0002".into(),
        reason: "image-pull".into(),
        detail: "Pod pending: ErrImagePull".into(),
    };
    let r = check(&intent, &states, std::slice::from_ref(&u), "test");
    assert_eq!(
        codes(&r),
        vec![("node-0002".to_string(), "CLUSTER-NODE-UNREACHABLE")]
    );
    assert_eq!(r.summary.nodes, 4);
    assert_eq!(r.summary.collected, 3);
    assert_eq!(r.summary.pairs_checked, 6);
    let text = render_text(&r, RenderOptions::default());
    assert!(text.contains("unreachable 1"), "{text}");
    assert!(text.contains("ErrImagePull"), "{text}");
    assert!(text.contains('?'), "{text}");
}

#[test]
fn json_is_versioned_and_round_trips() {
    let r = run(3, |_| {});
    let text = serde_json::to_string(&r).expect("json");
    assert!(text.contains("\"schema_version\":\"netdiag.cluster/v1\""));
    let back: ClusterReport = serde_json::from_str(&text).expect("parse");
    assert_eq!(back, r);
}

#[test]
fn large_clusters_render_without_a_matrix() {
    let r = run(13, |_| {});
    let text = render_text(&r, RenderOptions::default());
    assert!(!text.contains("matrix"), "{text}");
    assert!(r.culprits.is_empty());
}
