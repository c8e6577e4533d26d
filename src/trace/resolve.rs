//! Turning what the user typed (`ns/name`, `name`, a pod or node IP, `node/NAME`) into an endpoint:
//! its IP, its node and, for a pod, its name. Like kubectl, a bare name is a pod in `-n`'s namespace;
//! without `-n` it may be a pod in any namespace, or a node, as long as only one thing has the name.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::model::cluster::Pod;
use crate::model::ClusterIntent;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointKind {
    Pod,
    Node,
    /// An address allocated by Calico IPAM that no pod in the intent holds (a tunnel address, or a
    /// pod the intent does not list).
    Address,
}

/// One end of a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub kind: EndpointKind,
    pub ip: IpAddr,
    /// The node it lives on, when the intent says.
    pub node: Option<String>,
    /// `namespace/name` of a pod.
    pub pod: Option<String>,
    /// A host-network pod has its node's address: its traffic starts in the host namespace.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host_network: bool,
}

impl Endpoint {
    /// How the endpoint reads in text: the pod's name, else the node's, else the address.
    pub fn label(&self) -> String {
        match (&self.pod, &self.kind, &self.node) {
            (Some(p), _, _) => p.clone(),
            (None, EndpointKind::Node, Some(n)) => format!("node/{n}"),
            _ => self.ip.to_string(),
        }
    }

    /// Whether traffic to or from it starts in a node's host namespace rather than a pod's.
    pub fn in_host_namespace(&self) -> bool {
        self.kind == EndpointKind::Node || self.host_network
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("{0:?}: no pod, node or Calico-allocated address in the cluster intent has this name or IP (pods are `ns/name`, or `name` with -n NS; nodes `node/NAME`)")]
    NotFound(String),
    #[error("{0:?} names several pods ({1}): write it as ns/name or pass -n NS")]
    AmbiguousPod(String, String),
    #[error("{0:?} is both a node and a pod ({1}): write node/{0} or ns/name")]
    NodeOrPod(String, String),
    #[error("pod {0} has no IP in the intent (not running yet?): trace a running pod")]
    NoIp(String),
}

/// Resolves `spec` against the intent. `namespace` is `-n`: it narrows bare pod names.
pub fn resolve(
    intent: &ClusterIntent,
    spec: &str,
    namespace: Option<&str>,
) -> Result<Endpoint, ResolveError> {
    let spec = spec.trim();
    if let Some(name) = spec.strip_prefix("node/") {
        return node_endpoint(intent, name).ok_or_else(|| ResolveError::NotFound(spec.into()));
    }
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return by_ip(intent, ip).ok_or_else(|| ResolveError::NotFound(spec.into()));
    }
    let spec = spec.strip_prefix("pod/").unwrap_or(spec);
    if let Some((ns, name)) = spec.split_once('/') {
        return match intent
            .pods
            .iter()
            .find(|p| p.namespace == ns && p.name == name)
        {
            Some(p) => pod_endpoint(intent, p),
            None => Err(ResolveError::NotFound(spec.into())),
        };
    }
    let pods: Vec<&Pod> = intent
        .pods
        .iter()
        .filter(|p| p.name == spec && namespace.is_none_or(|ns| p.namespace == ns))
        .collect();
    let node = node_endpoint(intent, spec);
    match (pods.as_slice(), node) {
        ([one], None) => pod_endpoint(intent, one),
        // -n says a pod is meant.
        ([one], Some(_)) if namespace.is_some() => pod_endpoint(intent, one),
        ([one], Some(_)) => Err(ResolveError::NodeOrPod(
            spec.into(),
            format!("{}/{}", one.namespace, one.name),
        )),
        ([], Some(n)) => Ok(n),
        ([], None) => Err(ResolveError::NotFound(spec.into())),
        (many, _) => Err(ResolveError::AmbiguousPod(
            spec.into(),
            many.iter()
                .map(|p| format!("{}/{}", p.namespace, p.name))
                .collect::<Vec<_>>()
                .join(", "),
        )),
    }
}

fn pod_endpoint(intent: &ClusterIntent, p: &Pod) -> Result<Endpoint, ResolveError> {
    let name = format!("{}/{}", p.namespace, p.name);
    // IPv4 first: Calico's IPv4 path is the common one; a v6-only pod still resolves.
    let ip = p
        .ips
        .iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| p.ips.first())
        .copied()
        .ok_or_else(|| ResolveError::NoIp(name.clone()))?;
    let node = p.node.clone().or_else(|| owner_of(intent, ip));
    Ok(Endpoint {
        kind: EndpointKind::Pod,
        ip,
        node,
        pod: Some(name),
        host_network: p.host_network,
    })
}

fn node_endpoint(intent: &ClusterIntent, name: &str) -> Option<Endpoint> {
    let n = intent.node(name)?;
    let ip = n
        .ipv4_addr()
        .map(IpAddr::V4)
        .or_else(|| n.addresses.first().copied())?;
    Some(Endpoint {
        kind: EndpointKind::Node,
        ip,
        node: Some(n.name.clone()),
        pod: None,
        host_network: false,
    })
}

fn by_ip(intent: &ClusterIntent, ip: IpAddr) -> Option<Endpoint> {
    if let Some(p) = intent
        .pods
        .iter()
        .find(|p| !p.host_network && p.ips.contains(&ip))
    {
        return pod_endpoint(intent, p).ok();
    }
    if let Some(n) = intent
        .nodes
        .iter()
        .find(|n| n.ipv4_addr().map(IpAddr::V4) == Some(ip) || n.addresses.contains(&ip))
    {
        return Some(Endpoint {
            kind: EndpointKind::Node,
            ip,
            node: Some(n.name.clone()),
            pod: None,
            host_network: false,
        });
    }
    let node = owner_of(intent, ip)?;
    Some(Endpoint {
        kind: EndpointKind::Address,
        ip,
        node: Some(node),
        pod: None,
        host_network: false,
    })
}

/// The node an IPAM-allocated address lives on: the allocation's node, else the block's affinity;
/// with host-local IPAM (Flannel, Canal), the Node whose podCIDR holds it.
fn owner_of(intent: &ClusterIntent, ip: IpAddr) -> Option<String> {
    let Some(block) = intent
        .blocks
        .iter()
        .filter(|b| !b.deleted && b.cidr.contains(&ip))
        .max_by_key(|b| b.cidr.prefix_len())
    else {
        return intent
            .nodes
            .iter()
            .find(|n| n.pod_cidrs.iter().any(|c| c.contains(&ip)))
            .map(|n| n.name.clone());
    };
    block
        .allocations
        .iter()
        .find(|a| a.ip == ip)
        .and_then(|a| a.node.clone())
        .or_else(|| {
            block
                .affinity
                .as_deref()
                .map(|a| a.strip_prefix("host:").unwrap_or(a).to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cluster::NodeIntent;

    fn pod(ns: &str, name: &str, node: &str, ip: &str) -> Pod {
        Pod {
            namespace: ns.into(),
            name: name.into(),
            node: Some(node.into()),
            ips: vec![ip.parse().expect("ip")],
            host_network: false,
        }
    }

    fn intent() -> ClusterIntent {
        ClusterIntent {
            nodes: vec![
                NodeIntent {
                    name: "worker".into(),
                    ipv4: Some("10.0.0.1/24".parse().expect("net")),
                    ..NodeIntent::default()
                },
                NodeIntent {
                    name: "db".into(),
                    ipv4: Some("10.0.0.2/24".parse().expect("net")),
                    ..NodeIntent::default()
                },
            ],
            pods: vec![
                pod("default", "web", "worker", "192.168.0.1"),
                pod("prod", "web", "worker", "192.168.0.2"),
                pod("default", "db", "db", "192.168.1.1"),
                pod("default", "api", "worker", "192.168.0.3"),
            ],
            ..ClusterIntent::default()
        }
    }

    #[test]
    fn pods_by_namespace_and_name_bare_names_and_ips() {
        let i = intent();
        let e = resolve(&i, "prod/web", None).expect("pod");
        assert_eq!(
            (e.kind, e.ip.to_string()),
            (EndpointKind::Pod, "192.168.0.2".into())
        );
        assert_eq!(e.node.as_deref(), Some("worker"));
        assert_eq!(
            resolve(&i, "api", None).expect("bare").pod.as_deref(),
            Some("default/api")
        );
        assert_eq!(
            resolve(&i, "web", Some("prod")).expect("-n").pod.as_deref(),
            Some("prod/web")
        );
        let by_ip = resolve(&i, "192.168.1.1", None).expect("ip");
        assert_eq!(by_ip.pod.as_deref(), Some("default/db"));
    }

    #[test]
    fn nodes_by_name_prefix_and_ip() {
        let i = intent();
        let n = resolve(&i, "node/worker", None).expect("node");
        assert_eq!(
            (n.kind, n.ip.to_string()),
            (EndpointKind::Node, "10.0.0.1".into())
        );
        assert_eq!(
            resolve(&i, "10.0.0.2", None).expect("ip").node.as_deref(),
            Some("db")
        );
        assert_eq!(
            resolve(&i, "worker", None).expect("bare node").kind,
            EndpointKind::Node
        );
    }

    #[test]
    fn ambiguity_and_absence_are_errors_that_say_what_to_write() {
        let i = intent();
        let e = resolve(&i, "web", None).expect_err("two webs");
        assert!(e.to_string().contains("default/web, prod/web"), "{e}");
        let e = resolve(&i, "db", None).expect_err("node and pod");
        assert!(e.to_string().contains("node/db"), "{e}");
        assert!(matches!(
            resolve(&i, "nope", None),
            Err(ResolveError::NotFound(_))
        ));
        assert!(matches!(
            resolve(&i, "10.9.9.9", None),
            Err(ResolveError::NotFound(_))
        ));
        assert!(matches!(
            resolve(&i, "default/none", None),
            Err(ResolveError::NotFound(_))
        ));
    }
}
