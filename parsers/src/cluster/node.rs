//! Nodes into [`NodeIntent`]: the Kubernetes `Node` (apiVersion v1) with Calico's annotations, and
//! the Calico `Node` (projectcalico.org/v3, crd.projectcalico.org/v1) with `spec.bgp`. Both follow
//! what Felix reads: the node IP from the BGP spec (CIDR form, host bits kept) or, without one, the
//! first InternalIP then ExternalIP (`FindNodeAddress`), and only the BGP form counts for VTEPs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use netdiag_core::model::cluster::NodeIntent;
use netdiag_core::model::MacAddr;

use super::value::{parse_cidr_or_ip, Cursor};
use crate::error::ParseError;

const ANN_IPV4: &str = "projectcalico.org/IPv4Address";
const ANN_IPV6: &str = "projectcalico.org/IPv6Address";
const ANN_IPIP: &str = "projectcalico.org/IPv4IPIPTunnelAddr";
const ANN_VXLAN: &str = "projectcalico.org/IPv4VXLANTunnelAddr";
const ANN_VXLAN_MAC: &str = "projectcalico.org/VXLANTunnelMACAddr";
const ANN_VXLAN_V6: &str = "projectcalico.org/IPv6VXLANTunnelAddr";
const ANN_VXLAN_MAC_V6: &str = "projectcalico.org/VXLANTunnelMACAddrV6";
const ANN_RR_CLUSTER_ID: &str = "projectcalico.org/RouteReflectorClusterID";

/// Which of the two Node resources an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    Kubernetes,
    Calico,
}

impl Flavour {
    /// By apiVersion; `None` for a group that is neither (someone else's `Node`). An object with no
    /// apiVersion (hand-written) is told apart by shape: only the Calico Node has `spec.bgp`,
    /// `spec.orchRefs` or `spec.addresses`.
    pub fn of(api_version: Option<&str>, obj: &Cursor<'_, '_>) -> Option<Flavour> {
        match api_version {
            Some("v1") => Some(Flavour::Kubernetes),
            Some(v) if super::is_calico_group(v) => Some(Flavour::Calico),
            Some(_) => None,
            None => {
                let calico_shape = ["spec.bgp", "spec.orchRefs", "spec.addresses"]
                    .iter()
                    .any(|p| obj.get(p).map(|c| c.is_set()).unwrap_or(false));
                Some(if calico_shape {
                    Flavour::Calico
                } else {
                    Flavour::Kubernetes
                })
            }
        }
    }
}

pub(crate) fn parse(
    obj: &Cursor<'_, '_>,
    name: &str,
    flavour: Flavour,
    notes: &mut Vec<String>,
) -> Result<NodeIntent, ParseError> {
    match flavour {
        Flavour::Kubernetes => parse_k8s(obj, name, notes),
        Flavour::Calico => parse_calico(obj, name, notes),
    }
}

/// A node's InternalIP and ExternalIP addresses in listed order: what Felix falls back to for the
/// node IP when there is no BGP address.
struct Fallback {
    internal: Vec<IpNet>,
    external: Vec<IpNet>,
}

impl Fallback {
    /// First IPv4 InternalIP, else first IPv4 ExternalIP (`FindNodeAddress(node, type, 4)`).
    fn ipv4(&self) -> Option<IpNet> {
        let v4 = |n: &&IpNet| matches!(n, IpNet::V4(_));
        self.internal
            .iter()
            .find(v4)
            .or_else(|| self.external.iter().find(v4))
            .copied()
    }
}

/// Reads `addresses`-style lists (`status.addresses` or `spec.addresses`): InternalIP and
/// ExternalIP entries, each a bare address or (Calico) a CIDR.
fn read_addresses(list: &Cursor<'_, '_>, node: &mut NodeIntent) -> Result<Fallback, ParseError> {
    let mut fb = Fallback {
        internal: Vec::new(),
        external: Vec::new(),
    };
    for item in list.items()? {
        let kind = item.get("type")?.string()?;
        let target = match kind.as_deref() {
            Some("InternalIP") => &mut fb.internal,
            Some("ExternalIP") => &mut fb.external,
            // Hostname, InternalDNS, CalicoNodeIP (the BGP address again): not host addresses
            // netdiag matches on.
            _ => continue,
        };
        let field = item.get("address")?;
        let net = field
            .cidr_or_ip()?
            .ok_or_else(|| field.error("required but missing"))?;
        target.push(net);
        if !node.addresses.contains(&net.addr()) {
            node.addresses.push(net.addr());
        }
    }
    Ok(fb)
}

fn push_cidrs(node: &mut NodeIntent, field: &Cursor<'_, '_>) -> Result<(), ParseError> {
    if let Some(c) = field.cidr()? {
        if !node.pod_cidrs.contains(&c) {
            node.pod_cidrs.push(c);
        }
    }
    Ok(())
}

fn parse_k8s(
    obj: &Cursor<'_, '_>,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<NodeIntent, ParseError> {
    let mut node = NodeIntent {
        name: name.to_string(),
        ..NodeIntent::default()
    };
    let annotations = obj.get("metadata.annotations")?.string_map()?;
    let ann = |key: &str| {
        annotations
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    // Calico's K8sNodeToCalico runs each annotation through a validator and drops what fails, so
    // Felix never sees it. Mirror that, but say so: a bad annotation is itself a finding.
    let at = obj.where_();
    let mut ignored = |key: &str, value: &str, want: &str| {
        notes.push(format!(
            "Node {name}: annotation {key}={value:?} is not {want}; Calico ignores it ({at})"
        ));
    };

    if let Some(v) = ann(ANN_IPV4) {
        match parse_cidr_or_ip(v) {
            Some(n @ IpNet::V4(_)) => {
                node.ipv4 = Some(n);
                node.has_bgp_spec = true;
            }
            _ => ignored(ANN_IPV4, v, "an IPv4 CIDR"),
        }
    }
    if let Some(v) = ann(ANN_IPV6) {
        match parse_cidr_or_ip(v) {
            Some(n @ IpNet::V6(_)) => node.ipv6 = Some(n),
            _ => ignored(ANN_IPV6, v, "an IPv6 CIDR"),
        }
    }
    // The tunnel addresses and MACs: one value each, dropped (with a note) when it does not parse.
    fn parsed<T: std::str::FromStr>(
        v: Option<&str>,
        key: &str,
        want: &str,
        ignored: &mut impl FnMut(&str, &str, &str),
    ) -> Option<T> {
        let v = v?;
        let parsed = v.parse().ok();
        if parsed.is_none() {
            ignored(key, v, want);
        }
        parsed
    }
    node.ipip_tunnel_ip = parsed(ann(ANN_IPIP), ANN_IPIP, "an IPv4 address", &mut ignored);
    node.vxlan_tunnel_ip = parsed(ann(ANN_VXLAN), ANN_VXLAN, "an IPv4 address", &mut ignored);
    node.vxlan_tunnel_mac = parsed(
        ann(ANN_VXLAN_MAC),
        ANN_VXLAN_MAC,
        "a MAC address",
        &mut ignored,
    );
    node.vxlan_v6_tunnel_ip = parsed(
        ann(ANN_VXLAN_V6),
        ANN_VXLAN_V6,
        "an IPv6 address",
        &mut ignored,
    );
    node.vxlan_v6_tunnel_mac = parsed(
        ann(ANN_VXLAN_MAC_V6),
        ANN_VXLAN_MAC_V6,
        "a MAC address",
        &mut ignored,
    );

    // libcalico-go (lib/backend/k8s/resources/node.go) keeps it only when it is an IPv4 address.
    node.route_reflector_cluster_id = parsed::<Ipv4Addr>(
        ann(ANN_RR_CLUSTER_ID),
        ANN_RR_CLUSTER_ID,
        "an IPv4 address",
        &mut ignored,
    )
    .map(|id| id.to_string());

    node.flannel = flannel_annotations(&annotations, name, &at, notes);

    let fallback = read_addresses(&obj.get("status.addresses")?, &mut node)?;
    if node.ipv4.is_none() {
        node.ipv4 = fallback.ipv4().map(host_route);
    }

    push_cidrs(&mut node, &obj.get("spec.podCIDR")?)?;
    for c in obj.get("spec.podCIDRs")?.items()? {
        push_cidrs(&mut node, &c)?;
    }
    Ok(node)
}

/// Flannel's annotation prefix (flannel `main.go` `--kube-annotation-prefix` default; k3s and
/// Canal keep it).
const FLANNEL_PREFIX: &str = "flannel.alpha.coreos.com/";

/// The `flannel.alpha.coreos.com/*` annotations (flannel `pkg/subnet/kube/annotations.go`), or
/// `None` when the Node has none. A value that does not parse is dropped with a note, as flanneld
/// drops the lease it cannot read (`nodeToLease`), and recorded on the node for the rules.
fn flannel_annotations(
    annotations: &[(String, Option<String>)],
    name: &str,
    at: &str,
    notes: &mut Vec<String>,
) -> Option<netdiag_core::model::flannel::FlannelNode> {
    use crate::flannel::{parse_backend_data, parse_public_ip};
    let mut f = netdiag_core::model::flannel::FlannelNode::default();
    let mut any = false;
    for (k, v) in annotations {
        let Some(short) = k.strip_prefix(FLANNEL_PREFIX) else {
            continue;
        };
        any = true;
        let v = v.as_deref().map(str::trim).unwrap_or("");
        let mut bad = |why: String| {
            let line = format!("Node {name}: annotation {k}: {why} ({at})");
            notes.push(line.clone());
            f.problems.push(format!("{k}: {why}"));
        };
        match short {
            "backend-type" if !v.is_empty() => f.backend_type = Some(v.to_ascii_lowercase()),
            "backend-data" => match parse_backend_data(v) {
                Ok((vni, mac)) => {
                    f.vni = vni;
                    f.vtep_mac = mac;
                }
                Err(e) => bad(e),
            },
            "public-ip" if !v.is_empty() => match parse_public_ip(v) {
                Ok(ip) => f.public_ip = Some(ip),
                Err(e) => bad(e),
            },
            "public-ip-overwrite" if !v.is_empty() => match parse_public_ip(v) {
                Ok(ip) => f.public_ip_overwrite = Some(ip),
                Err(e) => bad(e),
            },
            "kube-subnet-manager" => f.kube_subnet_manager = Some(v.eq_ignore_ascii_case("true")),
            _ => {}
        }
    }
    any.then_some(f)
}

/// Kubernetes node addresses are bare IPs; as a node IP they mean the host alone.
fn host_route(n: IpNet) -> IpNet {
    IpNet::from(n.addr())
}

fn ipv4_addr(field: &Cursor<'_, '_>) -> Result<Option<Ipv4Addr>, ParseError> {
    match field.ip()? {
        None => Ok(None),
        Some(IpAddr::V4(a)) => Ok(Some(a)),
        Some(IpAddr::V6(a)) => Err(field.error(format!("{a} is not an IPv4 address"))),
    }
}

fn ipv6_addr(field: &Cursor<'_, '_>) -> Result<Option<Ipv6Addr>, ParseError> {
    match field.ip()? {
        None => Ok(None),
        Some(IpAddr::V6(a)) => Ok(Some(a)),
        Some(IpAddr::V4(a)) => Err(field.error(format!("{a} is not an IPv6 address"))),
    }
}

fn mac(field: &Cursor<'_, '_>) -> Result<Option<MacAddr>, ParseError> {
    match field.string()? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s
            .trim()
            .parse::<MacAddr>()
            .map(Some)
            .map_err(|_| field.error(format!("{s:?} is not a MAC address"))),
    }
}

fn parse_calico(
    obj: &Cursor<'_, '_>,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<NodeIntent, ParseError> {
    let mut node = NodeIntent {
        name: name.to_string(),
        ..NodeIntent::default()
    };
    let spec = obj.get("spec")?;
    let bgp = spec.get("bgp")?;
    if bgp.mapping()?.is_some() {
        let f = bgp.get("ipv4Address")?;
        match f.cidr_or_ip()? {
            Some(n @ IpNet::V4(_)) => {
                node.ipv4 = Some(n);
                node.has_bgp_spec = true;
            }
            Some(n) => return Err(f.error(format!("{n} is not an IPv4 CIDR"))),
            None => {}
        }
        let f = bgp.get("ipv6Address")?;
        match f.cidr_or_ip()? {
            Some(n @ IpNet::V6(_)) => node.ipv6 = Some(n),
            Some(n) => return Err(f.error(format!("{n} is not an IPv6 CIDR"))),
            None => {}
        }
        node.ipip_tunnel_ip = ipv4_addr(&bgp.get("ipv4IPIPTunnelAddr")?)?;
        node.route_reflector_cluster_id = bgp
            .get("routeReflectorClusterID")?
            .string()?
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
    }
    node.vxlan_tunnel_ip = ipv4_addr(&spec.get("ipv4VXLANTunnelAddr")?)?;
    node.vxlan_tunnel_mac = mac(&spec.get("vxlanTunnelMACAddr")?)?;
    node.vxlan_v6_tunnel_ip = ipv6_addr(&spec.get("ipv6VXLANTunnelAddr")?)?;
    node.vxlan_v6_tunnel_mac = mac(&spec.get("vxlanTunnelMACAddrV6")?)?;

    let fallback = read_addresses(&spec.get("addresses")?, &mut node)?;
    if node.ipv4.is_none() {
        // Calico Node addresses may carry a prefix; FindNodeAddress keeps it.
        node.ipv4 = fallback.ipv4();
    }

    for c in obj.get("status.podCIDRs")?.items()? {
        push_cidrs(&mut node, &c)?;
    }

    // The Kubernetes name of this node, when it differs (hostname vs FQDN), is worth knowing:
    // pods and kubelet speak the Kubernetes name.
    for r in spec.get("orchRefs")?.items()? {
        let orch = r.get("orchestrator")?.string()?;
        let kname = r.get("nodeName")?.string()?;
        if let (Some(o), Some(k)) = (orch, kname) {
            if o.eq_ignore_ascii_case("k8s") && k != name {
                notes.push(format!(
                    "Calico Node {name} is Kubernetes node {k} (spec.orchRefs, {})",
                    obj.where_()
                ));
            }
        }
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;
    use super::*;

    const K8S_NODE: &str = r#"
apiVersion: v1
kind: Node
metadata:
  name: worker-1
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    projectcalico.org/IPv4Address: 10.0.0.5/24
    projectcalico.org/IPv4VXLANTunnelAddr: 10.244.36.64
    projectcalico.org/VXLANTunnelMACAddr: "66:0A:1b:2c:3d:4e"
    projectcalico.org/IPv4IPIPTunnelAddr: 10.244.36.65
    projectcalico.org/IPv6Address: fd00:10::5/64
    projectcalico.org/IPv6VXLANTunnelAddr: "fd00:10:244:1::"
    projectcalico.org/VXLANTunnelMACAddrV6: 66:11:22:33:44:55
spec:
  podCIDR: 10.244.1.0/24
  podCIDRs:
  - 10.244.1.0/24
  - fd00:10:244:1::/64
status:
  addresses:
  - address: 10.0.0.5
    type: InternalIP
  - address: 203.0.113.5
    type: ExternalIP
  - address: worker-1
    type: Hostname
"#;

    #[test]
    fn kubernetes_node_annotations() {
        let ci = parse_resources(K8S_NODE).expect("parse");
        let n = ci.node("worker-1").expect("node");
        let ipv4 = n.ipv4.expect("ipv4");
        assert_eq!(ipv4.to_string(), "10.0.0.5/24", "host bits kept");
        assert_eq!(n.ipv4_addr(), Some(Ipv4Addr::new(10, 0, 0, 5)));
        assert!(n.has_bgp_spec);
        assert_eq!(n.vxlan_tunnel_ip, Some(Ipv4Addr::new(10, 244, 36, 64)));
        assert_eq!(
            n.vxlan_tunnel_mac.expect("mac").to_string(),
            "66:0a:1b:2c:3d:4e"
        );
        assert_eq!(n.ipip_tunnel_ip, Some(Ipv4Addr::new(10, 244, 36, 65)));
        assert_eq!(n.ipv6.expect("v6").to_string(), "fd00:10::5/64");
        assert_eq!(
            n.vxlan_v6_tunnel_ip,
            Some("fd00:10:244:1::".parse().expect("v6"))
        );
        assert_eq!(
            n.vxlan_v6_tunnel_mac.expect("mac6").to_string(),
            "66:11:22:33:44:55"
        );
        let addrs: Vec<String> = n.addresses.iter().map(|a| a.to_string()).collect();
        assert_eq!(addrs, vec!["10.0.0.5", "203.0.113.5"]);
        let cidrs: Vec<String> = n.pod_cidrs.iter().map(|a| a.to_string()).collect();
        assert_eq!(cidrs, vec!["10.244.1.0/24", "fd00:10:244:1::/64"]);
        assert!(ci.notes.is_empty(), "{:?}", ci.notes);
    }

    #[test]
    fn kubernetes_node_without_calico_annotation_falls_back_to_internal_ip() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus:\n  addresses:\n  - {type: ExternalIP, address: 203.0.113.9}\n  - {type: InternalIP, address: 'fd00::9'}\n  - {type: InternalIP, address: 192.168.1.9}\n",
        )
        .expect("parse");
        let n = ci.node("n").expect("node");
        assert_eq!(n.ipv4.expect("ipv4").to_string(), "192.168.1.9/32");
        assert!(!n.has_bgp_spec);
        let ci = parse_resources(
            "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus:\n  addresses:\n  - {type: ExternalIP, address: 203.0.113.9}\n",
        )
        .expect("parse");
        assert_eq!(
            ci.node("n").and_then(|n| n.ipv4).expect("ipv4").to_string(),
            "203.0.113.9/32"
        );
    }

    #[test]
    fn invalid_annotations_are_ignored_like_calico_does_and_noted() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n  annotations:\n    projectcalico.org/IPv4Address: not-an-ip\n    projectcalico.org/VXLANTunnelMACAddr: 66:0a\nstatus:\n  addresses:\n  - {type: InternalIP, address: 10.1.1.1}\n",
        )
        .expect("parse");
        let n = ci.node("n").expect("node");
        assert_eq!(n.ipv4.expect("ipv4").to_string(), "10.1.1.1/32");
        assert!(!n.has_bgp_spec);
        assert_eq!(n.vxlan_tunnel_mac, None);
        assert_eq!(ci.notes.len(), 2, "{:?}", ci.notes);
        assert!(ci.notes[0].contains("projectcalico.org/IPv4Address"));
    }

    #[test]
    fn bad_status_address_is_an_error() {
        let err = parse_resources(
            "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus:\n  addresses:\n  - {type: InternalIP, address: 10.1.1}\n",
        )
        .expect_err("bad address");
        assert_eq!(err.field, "status.addresses[0].address");
    }

    const CALICO_NODE: &str = r#"
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: worker-2
spec:
  addresses:
  - address: 10.0.1.6/24
    type: CalicoNodeIP
  - address: 10.0.1.6
    type: InternalIP
  bgp:
    ipv4Address: 10.0.1.6/24
    ipv4IPIPTunnelAddr: 10.244.2.1
  ipv4VXLANTunnelAddr: 10.244.2.0
  vxlanTunnelMACAddr: 66:aa:bb:cc:dd:ee
  orchRefs:
  - nodeName: worker-2.example.internal
    orchestrator: k8s
status:
  podCIDRs:
  - 10.244.2.0/24
"#;

    #[test]
    fn calico_node_spec() {
        let ci = parse_resources(CALICO_NODE).expect("parse");
        let n = ci.node("worker-2").expect("node");
        assert_eq!(n.ipv4.expect("ipv4").to_string(), "10.0.1.6/24");
        assert!(n.has_bgp_spec);
        assert_eq!(n.ipip_tunnel_ip, Some(Ipv4Addr::new(10, 244, 2, 1)));
        assert_eq!(n.vxlan_tunnel_ip, Some(Ipv4Addr::new(10, 244, 2, 0)));
        assert_eq!(
            n.vxlan_tunnel_mac.expect("mac").to_string(),
            "66:aa:bb:cc:dd:ee"
        );
        assert_eq!(n.addresses, vec!["10.0.1.6".parse::<IpAddr>().expect("ip")]);
        assert_eq!(n.pod_cidrs.len(), 1);
        assert_eq!(ci.notes.len(), 1, "orchRef note: {:?}", ci.notes);
    }

    /// A route reflector, both ways Calico stores it; the annotation is dropped (with a note) when
    /// it is not an IPv4 address, as libcalico-go's validator drops it.
    #[test]
    fn route_reflector_cluster_id() {
        let ci = parse_resources(
            "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: rr}\nspec:\n  bgp: {ipv4Address: 10.0.0.9/24, routeReflectorClusterID: 244.0.0.1}\n",
        )
        .expect("parse");
        assert_eq!(
            ci.node("rr")
                .expect("node")
                .route_reflector_cluster_id
                .as_deref(),
            Some("244.0.0.1")
        );
        let ci = parse_resources(
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: a\n  annotations: {projectcalico.org/RouteReflectorClusterID: 244.0.0.2}\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: b\n  annotations: {projectcalico.org/RouteReflectorClusterID: rr-one}\n",
        )
        .expect("parse");
        assert_eq!(
            ci.node("a")
                .expect("a")
                .route_reflector_cluster_id
                .as_deref(),
            Some("244.0.0.2")
        );
        assert_eq!(ci.node("b").expect("b").route_reflector_cluster_id, None);
        assert!(
            ci.notes
                .iter()
                .any(|n| n.contains("RouteReflectorClusterID")),
            "{:?}",
            ci.notes
        );
        assert_eq!(
            parse_resources(CALICO_NODE)
                .expect("parse")
                .node("worker-2")
                .expect("node")
                .route_reflector_cluster_id,
            None
        );
    }

    #[test]
    fn calico_node_without_bgp_falls_back() {
        let ci = parse_resources(
            "apiVersion: crd.projectcalico.org/v1\nkind: Node\nmetadata: {name: n}\nspec:\n  addresses:\n  - {address: 10.0.3.3, type: InternalIP}\n  ipv4VXLANTunnelAddr: 10.244.3.0\n",
        )
        .expect("parse");
        let n = ci.node("n").expect("node");
        assert_eq!(n.ipv4.expect("ipv4").to_string(), "10.0.3.3/32");
        assert!(!n.has_bgp_spec);
    }

    #[test]
    fn calico_node_bad_fields_are_errors() {
        let err = parse_resources(
            "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n}\nspec:\n  bgp: {ipv4Address: 10.0.0.1/33}\n",
        )
        .expect_err("bad cidr");
        assert_eq!(err.field, "spec.bgp.ipv4Address");
        let err = parse_resources(
            "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n}\nspec:\n  vxlanTunnelMACAddr: zz:zz\n",
        )
        .expect_err("bad mac");
        assert_eq!(err.field, "spec.vxlanTunnelMACAddr");
    }

    #[test]
    fn kubernetes_and_calico_node_of_one_name_merge() {
        let input = format!(
            "apiVersion: v1\nkind: Node\nmetadata: {{name: worker-2}}\nspec: {{podCIDR: 10.244.9.0/24}}\nstatus:\n  addresses:\n  - {{type: InternalIP, address: 10.0.1.6}}\n---\n{CALICO_NODE}"
        );
        let ci = parse_resources(&input).expect("parse");
        assert_eq!(ci.nodes.len(), 1);
        let n = &ci.nodes[0];
        assert_eq!(n.ipv4.expect("ipv4").to_string(), "10.0.1.6/24");
        assert!(n.has_bgp_spec);
        assert_eq!(n.vxlan_tunnel_ip, Some(Ipv4Addr::new(10, 244, 2, 0)));
        assert_eq!(n.pod_cidrs.len(), 2);
    }

    #[test]
    fn flavour_without_api_version_by_shape() {
        let ci = parse_resources(
            "kind: Node\nmetadata: {name: n}\nspec:\n  bgp: {ipv4Address: 10.0.0.1/24}\n",
        )
        .expect("parse");
        assert!(ci.nodes[0].has_bgp_spec);
    }
}
