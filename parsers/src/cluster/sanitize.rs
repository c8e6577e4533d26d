//! What of the cluster intent may go into a support bundle: the kinds netdiag reads, each cut to
//! the fields it reads or that cannot hold a secret, re-serialised as one `kind: List`. Secrets,
//! ServiceAccounts, every other ConfigMap and every unknown kind are dropped (and counted, by kind,
//! never named). Pods keep only names, labels, Calico's annotations, node, host network, phase and
//! addresses — their specs may carry credentials in `env`. `managedFields` and
//! `kubectl.kubernetes.io/last-applied-configuration` (a copy of the whole applied object) go
//! everywhere.
//!
//! `pin_vtep_macs`: a Node's VXLAN MAC is derived from its name when no annotation sets it; a
//! bundle whose host names are redacted gets the derived MAC written into the Node (the annotation
//! or `spec.vxlanTunnelMACAddr` Felix itself would honour), so the analysis of the renamed Node
//! still expects the MAC its VTEP really has.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::document::{objects, split_documents};
use super::is_calico_group;
use crate::error::ParseError;

/// The kept objects and, by kind, how many were dropped.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Sanitized {
    pub items: Vec<Value>,
    pub dropped: BTreeMap<String, usize>,
}

impl Sanitized {
    /// Adds another file's result.
    pub fn extend(&mut self, other: Sanitized) {
        self.items.extend(other.items);
        for (k, n) in other.dropped {
            *self.dropped.entry(k).or_default() += n;
        }
    }

    /// The kept objects as one `kind: List` document (pretty JSON), readable by
    /// [`parse_resources`](super::parse_resources).
    pub fn to_list_json(&self) -> String {
        let doc = json!({"apiVersion": "v1", "kind": "List", "items": self.items});
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }
}

/// Sanitises one file's content (any form [`parse_resources`](super::parse_resources) accepts).
pub fn sanitize_resources(input: &str, pin_vtep_macs: bool) -> Result<Sanitized, ParseError> {
    let mut out = Sanitized::default();
    for doc in split_documents(input)? {
        for obj in objects(&doc)? {
            let api = obj
                .api_version
                .clone()
                .or_else(|| obj.value["apiVersion"].as_str().map(str::to_string))
                .unwrap_or_default();
            match keep(&obj.kind, &api, obj.value, pin_vtep_macs) {
                Some(v) => out.items.push(v),
                None => *out.dropped.entry(obj.kind.clone()).or_default() += 1,
            }
        }
    }
    Ok(out)
}

fn keep(kind: &str, api: &str, v: &Value, pin: bool) -> Option<Value> {
    let calico = is_calico_group(api);
    let mut v = match (kind, api) {
        (
            "IPPool" | "IPAMBlock" | "BlockAffinity" | "FelixConfiguration" | "BGPConfiguration",
            _,
        ) if calico => v.clone(),
        ("Node", "v1") => {
            let mut n = v.clone();
            if let Some(status) = n.get_mut("status").and_then(Value::as_object_mut) {
                // Images and volumes say nothing about the network and are large.
                status.retain(|k, _| matches!(k.as_str(), "addresses" | "conditions"));
            }
            if pin {
                pin_annotations(&mut n);
            }
            n
        }
        ("Node", _) if calico => {
            let mut n = v.clone();
            if pin {
                pin_spec(&mut n);
            }
            n
        }
        ("Pod", "v1") => pod(v),
        ("ConfigMap", "v1") if v["metadata"]["name"] == "calico-config" => v.clone(),
        // Flannel's and Canal's: only the keys netdiag reads (cni-conf.json and
        // cni_network_config say nothing the checks use).
        ("ConfigMap", "v1")
            if v["metadata"]["name"] == "kube-flannel-cfg"
                || v["metadata"]["name"] == "canal-config"
                || v["metadata"]["name"] == "rke2-canal-config" =>
        {
            let mut data = serde_json::Map::new();
            for k in [
                "net-conf.json",
                "calico_backend",
                "veth_mtu",
                "canal_iface",
                "masquerade",
            ] {
                if let Some(val) = v["data"].get(k) {
                    data.insert(k.to_string(), val.clone());
                }
            }
            json!({
                "metadata": {"name": v["metadata"]["name"], "namespace": v["metadata"]["namespace"]},
                "data": data,
            })
        }
        ("Installation", a) if a.starts_with("operator.tigera.io/") => json!({
            "spec": {"calicoNetwork": v["spec"]["calicoNetwork"]},
            "metadata": {"name": v["metadata"]["name"]},
        }),
        _ => return None,
    };
    let o = v.as_object_mut()?;
    o.insert("apiVersion".into(), json!(api));
    o.insert("kind".into(), json!(kind));
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            ann.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    Some(v)
}

fn pod(v: &Value) -> Value {
    let pick = |from: &Value, keys: &[&str]| {
        let mut m = Map::new();
        for k in keys {
            if let Some(x) = from.get(*k) {
                m.insert((*k).to_string(), x.clone());
            }
        }
        Value::Object(m)
    };
    let mut meta = pick(&v["metadata"], &["name", "namespace", "labels", "uid"]);
    if let Some(ann) = v["metadata"]["annotations"].as_object() {
        let calico: Map<String, Value> = ann
            .iter()
            .filter(|(k, _)| k.contains("projectcalico.org/"))
            .map(|(k, x)| (k.clone(), x.clone()))
            .collect();
        if let Some(m) = meta.as_object_mut() {
            m.insert("annotations".into(), Value::Object(calico));
        }
    }
    json!({
        "metadata": meta,
        "spec": pick(&v["spec"], &["nodeName", "hostNetwork"]),
        "status": pick(&v["status"], &["phase", "podIP", "podIPs", "hostIP", "hostIPs"]),
    })
}

fn mac_of(name: &str, v6: bool) -> String {
    netdiag_core::calico::derived_vtep_mac(name, v6).to_string()
}

fn pin_annotations(n: &mut Value) {
    let Some(name) = n["metadata"]["name"].as_str().map(str::to_string) else {
        return;
    };
    let Some(ann) = n
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (addr, mac, v6) in [
        (
            "projectcalico.org/IPv4VXLANTunnelAddr",
            "projectcalico.org/VXLANTunnelMACAddr",
            false,
        ),
        (
            "projectcalico.org/IPv6VXLANTunnelAddr",
            "projectcalico.org/VXLANTunnelMACAddrV6",
            true,
        ),
    ] {
        if ann.contains_key(addr) && !ann.contains_key(mac) {
            ann.insert(mac.into(), json!(mac_of(&name, v6)));
        }
    }
}

fn pin_spec(n: &mut Value) {
    let Some(name) = n["metadata"]["name"].as_str().map(str::to_string) else {
        return;
    };
    let Some(spec) = n.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for (addr, mac, v6) in [
        ("ipv4VXLANTunnelAddr", "vxlanTunnelMACAddr", false),
        ("ipv6VXLANTunnelAddr", "vxlanTunnelMACAddrV6", true),
    ] {
        if spec.contains_key(addr) && !spec.contains_key(mac) {
            spec.insert(mac.into(), json!(mac_of(&name, v6)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;
    use super::*;

    const INPUT: &str = r#"
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: calico-etcd-secrets, namespace: kube-system}
  data: {token: c3VwZXJzZWNyZXQtdG9rZW4=}
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: calico-node}
  secrets: [{name: calico-node-token-abcde}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: other, namespace: kube-system}
  data: {password: hunter2}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web
    namespace: default
    annotations:
      cni.projectcalico.org/podIP: 192.168.2.2/32
      kubectl.kubernetes.io/last-applied-configuration: '{"env":"hunter2"}'
    managedFields: [{manager: kubectl}]
  spec:
    nodeName: worker
    containers: [{name: c, env: [{name: PASSWORD, value: hunter2}]}]
  status: {podIP: 192.168.2.2, phase: Running}
- apiVersion: v1
  kind: Node
  metadata:
    name: worker
    annotations:
      projectcalico.org/IPv4Address: 10.10.10.11/24
      projectcalico.org/IPv4VXLANTunnelAddr: 192.168.2.0
  status:
    addresses: [{type: InternalIP, address: 10.10.10.11}]
    images: [{names: [big]}]
---
apiVersion: projectcalico.org/v3
kind: IPPoolList
items:
- metadata: {name: default-ipv4-ippool}
  spec: {cidr: 192.168.0.0/16, vxlanMode: Always}
"#;

    #[test]
    fn secrets_are_dropped_and_what_is_kept_still_parses() {
        let s = sanitize_resources(INPUT, false).expect("sanitises");
        let text = s.to_list_json();
        for secret in [
            "hunter2",
            "c3VwZXJzZWNyZXQtdG9rZW4",
            "calico-etcd-secrets",
            "token-abcde",
            "managedFields",
        ] {
            assert!(!text.contains(secret), "{secret} kept: {text}");
        }
        assert_eq!(
            s.dropped,
            BTreeMap::from([
                ("ConfigMap".to_string(), 1),
                ("Secret".to_string(), 1),
                ("ServiceAccount".to_string(), 1)
            ])
        );
        let before = parse_resources(INPUT).expect("original parses");
        let after = parse_resources(&text).expect("sanitised parses");
        assert_eq!(before.pools, after.pools);
        assert_eq!(before.nodes, after.nodes);
        assert_eq!(before.pods, after.pods);
        assert!(text.contains("cni.projectcalico.org/podIP"));
        assert!(!text.contains("VXLANTunnelMACAddr"));
    }

    #[test]
    fn pinned_vtep_macs_survive_a_rename() {
        let s = sanitize_resources(INPUT, true).expect("sanitises");
        let text = s.to_list_json().replace("worker", "node-1");
        let intent = parse_resources(&text).expect("parses");
        let node = intent
            .nodes
            .iter()
            .find(|n| n.name == "node-1")
            .expect("node");
        assert_eq!(
            node.vxlan_tunnel_mac,
            Some(netdiag_core::calico::derived_vtep_mac("worker", false))
        );
    }
}

#[cfg(test)]
mod flannel_tests {
    use super::*;

    /// Issue 16: Flannel's and Canal's ConfigMaps reach a bundle with the keys netdiag reads only,
    /// and read back to the same intent; Nodes keep their flannel.alpha.coreos.com annotations.
    #[test]
    fn flannel_config_maps_keep_what_is_read() {
        let input = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: canal-config, namespace: kube-system}\ndata:\n  canal_iface: eth1\n  masquerade: \"true\"\n  calico_backend: none\n  cni_network_config: '{\"secret-ish\": true}'\n  net-conf.json: '{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":4}}'\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: w1\n  annotations: {flannel.alpha.coreos.com/backend-type: vxlan, flannel.alpha.coreos.com/public-ip: 10.0.0.1}\nspec: {podCIDR: 10.244.1.0/24}\n";
        let text = sanitize_resources(input, false)
            .expect("sanitises")
            .to_list_json();
        assert!(!text.contains("cni_network_config"), "{text}");
        let before = crate::cluster::parse_resources(input).expect("parses");
        let after = crate::cluster::parse_resources(&text).expect("parses back");
        assert_eq!(after.flannel, before.flannel);
        assert_eq!(after.canal, before.canal);
        assert_eq!(after.canal.and_then(|c| c.iface).as_deref(), Some("eth1"));
        assert_eq!(after.flannel.map(|c| c.vni()), Some(4));
        assert_eq!(after.nodes[0].flannel, before.nodes[0].flannel);
    }
}
