//! Kubernetes `Pod` (v1) into [`Pod`]: where it runs and which addresses it holds.

use netdiag_core::model::cluster::Pod;

use super::value::Cursor;
use crate::error::ParseError;

pub(crate) fn parse(obj: &Cursor<'_, '_>, name: &str) -> Result<Pod, ParseError> {
    // A namespaced object printed without a namespace lives in `default` (as `kubectl apply` would
    // put it); every `kubectl get` output carries the field.
    let namespace = obj
        .get("metadata.namespace")?
        .string()?
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".to_string());

    // `status.podIPs` lists every family (dual-stack); `status.podIP` is its first entry and what
    // older servers print alone.
    let mut ips = Vec::new();
    for entry in obj.get("status.podIPs")?.items()? {
        if let Some(ip) = entry.get("ip")?.ip()? {
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
    }
    if ips.is_empty() {
        if let Some(ip) = obj.get("status.podIP")?.ip()? {
            ips.push(ip);
        }
    }

    Ok(Pod {
        namespace,
        name: name.to_string(),
        node: obj
            .get("spec.nodeName")?
            .string()?
            .filter(|s| !s.is_empty()),
        ips,
        host_network: obj.get("spec.hostNetwork")?.boolean()?.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;
    use std::net::IpAddr;

    #[test]
    fn dual_stack_pod() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web-0, namespace: shop}\nspec: {nodeName: worker-1}\nstatus:\n  podIP: 10.244.36.66\n  podIPs:\n  - ip: 10.244.36.66\n  - ip: fd00:10:244:1::42\n",
        )
        .expect("parse");
        let p = &ci.pods[0];
        assert_eq!(p.namespace, "shop");
        assert_eq!(p.name, "web-0");
        assert_eq!(p.node.as_deref(), Some("worker-1"));
        let want: Vec<IpAddr> = vec![
            "10.244.36.66".parse().expect("ip"),
            "fd00:10:244:1::42".parse().expect("ip"),
        ];
        assert_eq!(p.ips, want);
        assert!(!p.host_network);
    }

    #[test]
    fn pending_host_network_and_pod_ip_only() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: pending}\nspec: {}\nstatus: {phase: Pending}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: calico-node-abcde, namespace: kube-system}\nspec: {hostNetwork: true, nodeName: w}\nstatus: {podIP: 10.0.0.5}\n",
        )
        .expect("parse");
        assert_eq!(ci.pods[0].namespace, "default");
        assert_eq!(ci.pods[0].node, None);
        assert!(ci.pods[0].ips.is_empty());
        assert!(ci.pods[1].host_network);
        assert_eq!(ci.pods[1].ips.len(), 1);
    }

    #[test]
    fn bad_pod_ip_names_the_field() {
        let err = parse_resources(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus:\n  podIPs:\n  - ip: 10.244.1\n",
        )
        .expect_err("bad ip");
        assert_eq!(err.field, "status.podIPs[0].ip");
    }
}
