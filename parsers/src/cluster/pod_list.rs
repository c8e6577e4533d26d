//! The fast path for JSON Pod lists (`GET /api/v1/pods` pages, `kubectl get pods -A -o json`):
//! each item is read straight into a small typed struct holding only what netdiag keeps (name,
//! namespace, node, host network, pod IPs); the rest of a pod (containers, managedFields, …) is
//! skipped by the tokenizer without building a tree. A 150 000-pod cluster is mostly pods, and the
//! generic JSON tree per pod was the cost of building its intent (see the README's scale table).
//!
//! Guarantee: the same [`Pod`]s as the generic path, or nothing. Anything unusual — YAML, another
//! kind, a field of an unexpected type, an IP that does not parse, a missing name, a duplicate —
//! makes [`parse`] return `None`, and the caller reads the input with the generic parser, which
//! accepts every form the generic path does and names the document, item and field of an error.

use std::collections::HashSet;
use std::net::IpAddr;

use netdiag_core::model::cluster::Pod;
use serde::Deserialize;

#[derive(Deserialize)]
struct List {
    kind: Option<String>,
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    kind: Option<String>,
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    metadata: Meta,
    #[serde(default)]
    spec: Spec,
    #[serde(default)]
    status: Status,
}

#[derive(Deserialize, Default)]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
}

#[derive(Deserialize, Default)]
struct Spec {
    #[serde(rename = "nodeName")]
    node_name: Option<String>,
    #[serde(rename = "hostNetwork")]
    host_network: Option<bool>,
}

#[derive(Deserialize, Default)]
struct Status {
    #[serde(rename = "podIP")]
    pod_ip: Option<IpAddr>,
    #[serde(rename = "podIPs")]
    pod_ips: Option<Vec<PodIp>>,
}

#[derive(Deserialize)]
struct PodIp {
    ip: Option<IpAddr>,
}

/// The pods of a JSON `PodList` (the API's typed list, whose items carry no kind) or of a `List`
/// whose items are all `v1` Pods; `None` for anything else (see the module's guarantee).
pub(crate) fn parse(input: &str) -> Option<Vec<Pod>> {
    // Cheap refusals first: YAML, and JSON that names another kind before its items.
    if !input.trim_start().starts_with('{') {
        return None;
    }
    let list: List = serde_json::from_str(input).ok()?;
    let typed = match list.kind.as_deref() {
        Some("PodList") => true,
        Some("List") => false,
        _ => return None,
    };
    if list.api_version.as_deref().is_some_and(|v| v != "v1") {
        return None;
    }
    let mut seen: HashSet<(&str, &str)> = HashSet::with_capacity(list.items.len());
    for item in &list.items {
        let kind_ok = match item.kind.as_deref() {
            Some(k) => k == "Pod",
            None => typed,
        };
        if !kind_ok || item.api_version.as_deref().is_some_and(|v| v != "v1") {
            return None;
        }
        let name = item
            .metadata
            .name
            .as_deref()
            .filter(|n| !n.trim().is_empty())?;
        let ns = namespace(&item.metadata);
        // A duplicate is the generic path's to note; the API never sends one.
        if !seen.insert((ns, name)) {
            return None;
        }
    }
    Some(list.items.into_iter().map(pod).collect())
}

/// A namespaced object without a namespace lives in `default`, as in the generic path.
fn namespace(m: &Meta) -> &str {
    m.namespace
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
}

fn pod(item: Item) -> Pod {
    let namespace = namespace(&item.metadata).to_string();
    // `status.podIPs` lists every family (dual-stack); `status.podIP` is its first entry and what
    // older servers print alone.
    let mut ips: Vec<IpAddr> = Vec::new();
    for ip in item.status.pod_ips.iter().flatten().filter_map(|p| p.ip) {
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    if ips.is_empty() {
        ips.extend(item.status.pod_ip);
    }
    Pod {
        namespace,
        name: item.metadata.name.unwrap_or_default(),
        node: item.spec.node_name.filter(|s| !s.is_empty()),
        ips,
        host_network: item.spec.host_network.unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;
    use super::parse;

    /// The fast path and the generic one agree on every pod of a list that exercises each field.
    #[test]
    fn same_pods_as_the_generic_path() {
        let list = r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"x"},"items":[
            {"metadata":{"name":"web-0","namespace":"shop","labels":{"a":"b"}},"spec":{"nodeName":"w1","containers":[{"name":"c"}]},
             "status":{"phase":"Running","podIP":"10.244.1.2","podIPs":[{"ip":"10.244.1.2"},{"ip":"fd00::2"}]}},
            {"metadata":{"name":"old"},"spec":{"nodeName":""},"status":{"podIP":"10.244.1.3"}},
            {"metadata":{"name":"pending","namespace":"x"},"spec":{},"status":{"phase":"Pending"}},
            {"metadata":{"name":"calico-node-a","namespace":"kube-system"},"spec":{"hostNetwork":true,"nodeName":"w1"},"status":{"podIP":"10.0.0.5","podIPs":null}}
        ]}"#;
        let fast = parse(list).expect("a pod list");
        assert_eq!(fast.len(), 4);
        assert_eq!(fast, parse_resources(list).expect("generic").pods);
        let kubectl = r#"{"kind":"List","apiVersion":"v1","items":[{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"n"},"spec":{"nodeName":"w"},"status":{"podIPs":[{"ip":"10.0.0.9"}]}}]}"#;
        assert_eq!(
            parse(kubectl).expect("a pod list"),
            parse_resources(kubectl).expect("generic").pods
        );
    }

    /// Everything unusual is left to the generic path, which notes or names it.
    #[test]
    fn unusual_input_is_refused() {
        for input in [
            "kind: PodList\nitems: []\n",
            r#"{"kind":"IPPoolList","items":[]}"#,
            r#"{"kind":"List","items":[{"kind":"Service","metadata":{"name":"s"}}]}"#,
            r#"{"kind":"List","items":[{"metadata":{"name":"s"}}]}"#,
            r#"{"kind":"PodList","items":[{"metadata":{"name":"p"},"status":{"podIP":"10.244.1"}}]}"#,
            r#"{"kind":"PodList","items":[{"metadata":{"name":" "}}]}"#,
            r#"{"kind":"PodList","items":[{"metadata":{"name":"p"}},{"metadata":{"name":"p"}}]}"#,
            r#"{"kind":"PodList","items":[{"metadata":{"name":"p"},"spec":{"hostNetwork":"yes"}}]}"#,
        ] {
            assert!(parse(input).is_none(), "{input}");
        }
    }
}
