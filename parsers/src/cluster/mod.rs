//! Kubernetes and Calico resources (YAML or JSON; single objects, `List`s and typed `*List`s,
//! multi-document streams) into the core's [`ClusterIntent`]. Every failure names the document,
//! the List item and the field; kinds netdiag does not use are skipped with a note, never an error.
//!
//! Read: `IPPool`, Calico `Node`, `IPAMBlock`, `BlockAffinity`, `FelixConfiguration` (all in both
//! `projectcalico.org/v3` and `crd.projectcalico.org/v1`, which share `spec`), and the Kubernetes
//! `Node`, `Pod`, the `calico-config` `ConfigMap` and the operator's `Installation`. Nothing of a
//! `Secret` is kept, not even its name.

mod configmap;
mod document;
mod fast_yaml;
mod felix;
mod installation;
mod ipam;
mod node;
mod pod;
mod pod_list;
mod pool;
pub mod sanitize;
mod value;

pub use sanitize::{sanitize_resources, Sanitized};

use netdiag_core::model::cluster::ClusterIntent;
use std::collections::HashMap;

use crate::error::ParseError;
use document::Object;
use value::Ctx;

/// For the differential fuzz target `cluster_yaml_fast`: `Err` when the fast YAML reader takes a
/// document of `input` and its value is not the one serde-saphyr reads (or serde-saphyr refuses
/// the document).
#[doc(hidden)]
pub fn fast_yaml_disagrees(input: &str) -> Result<(), String> {
    for chunk in document::yaml_chunks(input) {
        let Some(fast) = fast_yaml::parse(chunk) else {
            continue;
        };
        match serde_saphyr::from_str_with_options::<serde_json::Value>(
            chunk,
            document::yaml_options(),
        ) {
            Ok(slow) if slow == fast => {}
            Ok(slow) => return Err(format!("fast {fast} but serde-saphyr {slow} on {chunk:?}")),
            Err(e) => {
                return Err(format!(
                    "fast {fast} but serde-saphyr refused {chunk:?}: {e}"
                ))
            }
        }
    }
    Ok(())
}

/// Parses one file's content (YAML, possibly multi-document `---`, or JSON; single objects or
/// `kind: List` / `*List` kinds with `items`, as `kubectl get … -o yaml|json` and
/// `calicoctl get … -o yaml|json` print them).
///
/// Unknown kinds are skipped with a note in [`ClusterIntent::notes`] ("skipped kind X (doc N)"),
/// not an error. A Kubernetes Node and a Calico Node of the same name are merged into one
/// [`NodeIntent`](netdiag_core::model::cluster::NodeIntent). The caller attaches the file name
/// with [`ParseError::in_file`].
pub fn parse_resources(input: &str) -> Result<ClusterIntent, ParseError> {
    // Pod lists dominate a large cluster's intent: a JSON one is read into typed structs when it
    // can be (the scan for the kind's name is far cheaper than a wasted parse of other lists).
    if input.contains("\"PodList\"") || input.contains("\"Pod\"") {
        if let Some(pods) = pod_list::parse(input) {
            let mut intent = ClusterIntent {
                pods,
                ..ClusterIntent::default()
            };
            intent.listed.pods = true;
            return Ok(intent);
        }
    }
    let mut b = Builder::default();
    for doc in document::split_documents(input)? {
        let mut skipped = Skipped::default();
        for obj in document::objects(&doc)? {
            b.add(obj, &mut skipped)?;
        }
        skipped.into_notes(doc.index, &mut b.intent.notes);
    }
    Ok(b.intent)
}

/// `projectcalico.org/v3` (calicoctl, the Calico API server) or `crd.projectcalico.org/v1` (the
/// stored CRDs, `kubectl get ippools.crd.projectcalico.org`).
pub(crate) fn is_calico_group(api_version: &str) -> bool {
    api_version.starts_with("projectcalico.org/")
        || api_version.starts_with("crd.projectcalico.org/")
}

/// Objects skipped in one document, grouped by what they are, in order of first appearance, so a
/// `kubectl get all -A` of hundreds of Services makes one note, not hundreds.
#[derive(Default)]
struct Skipped {
    groups: Vec<(String, Vec<Option<usize>>)>,
}

impl Skipped {
    fn add(&mut self, label: String, item: Option<usize>) {
        match self.groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, items)) => items.push(item),
            None => self.groups.push((label, vec![item])),
        }
    }

    fn into_notes(self, doc: usize, notes: &mut Vec<String>) {
        for (label, items) in self.groups {
            notes.push(match items.as_slice() {
                [None] => format!("skipped kind {label} (doc {doc})"),
                [Some(i)] => format!("skipped kind {label} (doc {doc}, item {i})"),
                _ => format!("skipped kind {label} (doc {doc}, {} items)", items.len()),
            });
        }
    }
}

#[derive(Default)]
struct Builder {
    intent: ClusterIntent,
    seen: HashMap<(&'static str, String), usize>,
}

/// Replaces an earlier object of the same identity; notes it only when the two differ (the same
/// pools from `calicoctl` and from `kubectl get ippools.crd…` in one file are not worth a note).
/// `seen` maps (kind, identity) to the index in `list`, so a 150 000-pod List stays linear.
fn upsert<T: PartialEq>(
    list: &mut Vec<T>,
    seen: &mut HashMap<(&'static str, String), usize>,
    key: (&'static str, String),
    item: T,
    what: &str,
    ctx: &Ctx,
    notes: &mut Vec<String>,
) {
    match seen.get(&key).and_then(|i| list.get_mut(*i)) {
        Some(existing) => {
            if *existing != item {
                notes.push(format!(
                    "{what} appears twice with different content; the later one ({}) is used",
                    ctx.where_()
                ));
                *existing = item;
            }
        }
        None => {
            seen.insert(key, list.len());
            list.push(item);
        }
    }
}

impl Builder {
    fn add(&mut self, obj: Object<'_>, skipped: &mut Skipped) -> Result<(), ParseError> {
        let Object {
            mut ctx,
            value,
            kind,
            api_version,
        } = obj;
        let api = api_version.as_deref();
        let calico = api.is_none_or(is_calico_group);
        let core = api.is_none_or(|v| v == "v1");
        let foreign = |kind: &str| match api {
            Some(v) => format!("{kind} (apiVersion {v})"),
            None => kind.to_string(),
        };

        // Decide before reading anything, so nothing of a skipped object (a Secret) is touched.
        enum Take {
            Pool,
            Node(node::Flavour),
            Block,
            Affinity,
            Felix,
            Bgp,
            Pod,
            ConfigMap,
            Installation,
        }
        let take = match kind.as_str() {
            "IPPool" if calico => Take::Pool,
            "IPAMBlock" if calico => Take::Block,
            "BlockAffinity" if calico => Take::Affinity,
            "FelixConfiguration" if calico => Take::Felix,
            "BGPConfiguration" if calico => Take::Bgp,
            "Pod" if core => Take::Pod,
            "ConfigMap" if core => Take::ConfigMap,
            "Installation" if api.is_none_or(|v| v.starts_with("operator.tigera.io/")) => {
                Take::Installation
            }
            "Node" => match node::Flavour::of(api, &ctx.root(value)) {
                Some(f) => Take::Node(f),
                None => {
                    skipped.add(foreign("Node"), ctx.item);
                    return Ok(());
                }
            },
            k if k.ends_with("List") && ctx.item.is_some() => {
                skipped.add(format!("{k} (a List inside a List)"), ctx.item);
                return Ok(());
            }
            "IPPool" | "IPAMBlock" | "BlockAffinity" | "FelixConfiguration"
            | "BGPConfiguration" | "Pod" | "ConfigMap" => {
                skipped.add(foreign(&kind), ctx.item);
                return Ok(());
            }
            _ => {
                skipped.add(kind, ctx.item);
                return Ok(());
            }
        };

        let name = {
            let f = ctx.root(value).get("metadata.name")?;
            f.string()?
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| f.error("required but missing"))?
        };
        ctx.subject = Some(format!("{kind} {name:?}"));
        let root = ctx.root(value);
        let listed = &mut self.intent.listed;
        match take {
            Take::Pool => listed.pools = true,
            Take::Node(_) => listed.nodes = true,
            Take::Block => listed.blocks = true,
            Take::Affinity => listed.affinities = true,
            Take::Felix => listed.felix = true,
            Take::Pod => listed.pods = true,
            // Set below, for calico-config only; an absent BGPConfiguration is Calico's defaults.
            Take::ConfigMap | Take::Installation | Take::Bgp => {}
        }
        let notes = &mut self.intent.notes;

        match take {
            Take::Pool => {
                let p = pool::parse(&root, &name, notes)?;
                let what = format!("IPPool {name}");
                upsert(
                    &mut self.intent.pools,
                    &mut self.seen,
                    ("pool", name.clone()),
                    p,
                    &what,
                    &ctx,
                    notes,
                );
            }
            Take::Node(flavour) => {
                let n = node::parse(&root, &name, flavour, notes)?;
                let key = ("node", n.name.clone());
                match self
                    .seen
                    .get(&key)
                    .and_then(|i| self.intent.nodes.get_mut(*i))
                {
                    // A Kubernetes Node and the Calico Node of the same host.
                    Some(existing) => existing.merge(n),
                    None => {
                        self.seen.insert(key, self.intent.nodes.len());
                        self.intent.nodes.push(n);
                    }
                }
            }
            Take::Block => {
                let b = ipam::parse_block(&root, &name, notes)?;
                let what = format!("IPAMBlock {name}");
                upsert(
                    &mut self.intent.blocks,
                    &mut self.seen,
                    ("block", name.clone()),
                    b,
                    &what,
                    &ctx,
                    notes,
                );
            }
            Take::Affinity => {
                let a = ipam::parse_affinity(&root, &name)?;
                let what = format!("BlockAffinity {name}");
                upsert(
                    &mut self.intent.affinities,
                    &mut self.seen,
                    ("affinity", name.clone()),
                    a,
                    &what,
                    &ctx,
                    notes,
                );
            }
            Take::Felix => {
                let f = felix::parse(&root, &name)?;
                let what = format!("FelixConfiguration {name}");
                upsert(
                    &mut self.intent.felix,
                    &mut self.seen,
                    ("felix", name.clone()),
                    f,
                    &what,
                    &ctx,
                    notes,
                );
            }
            Take::Bgp => {
                let b = felix::parse_bgp(&root, &name)?;
                let what = format!("BGPConfiguration {name}");
                upsert(
                    &mut self.intent.bgp_configs,
                    &mut self.seen,
                    ("bgp", name.clone()),
                    b,
                    &what,
                    &ctx,
                    notes,
                );
            }
            Take::Pod => {
                let p = pod::parse(&root, &name)?;
                let what = format!("Pod {}/{name}", p.namespace);
                let ns = p.namespace.clone();
                upsert(
                    &mut self.intent.pods,
                    &mut self.seen,
                    ("pod", format!("{ns}/{name}")),
                    p,
                    &what,
                    &ctx,
                    notes,
                );
            }
            Take::Installation => {
                // One per cluster (`default`); a later one wins, as across files.
                self.intent.installation = Some(installation::parse(&root, &name)?);
            }
            Take::ConfigMap => {
                if configmap::FLANNEL_CONFIGS.contains(&name.as_str()) {
                    if let Some(f) = configmap::parse_flannel(&root, &name)? {
                        self.intent.flannel = Some(f);
                    }
                    // kube-flannel-cfg holds nothing else; Canal's canal-config also holds
                    // what calico-config holds in Calico's own manifests.
                    if !name.ends_with("canal-config") {
                        return Ok(());
                    }
                } else if name != configmap::CALICO_CONFIG {
                    skipped.add("ConfigMap (not calico-config)".to_string(), ctx.item);
                    return Ok(());
                }
                let c = configmap::parse(&root)?;
                self.intent.listed.calico_config = true;
                // Later documents win, as ClusterIntent::extend does across files.
                self.intent.backend = c.backend.or(self.intent.backend);
                self.intent.veth_mtu = c.veth_mtu.or(self.intent.veth_mtu);
                self.intent.canal = c.canal.or(self.intent.canal.take());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    #[test]
    fn unknown_kinds_and_secrets_are_noted_without_content() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: calico-etcd-secrets}\ndata: {etcd-key: c2VjcmV0}\n---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: rr1}\n",
        )
        .expect("parse");
        assert_eq!(
            ci.notes,
            vec![
                "skipped kind Secret (doc 1)".to_string(),
                "skipped kind BGPPeer (doc 2)".to_string()
            ]
        );
        assert!(!format!("{ci:?}").contains("c2VjcmV0"));
        assert!(!format!("{ci:?}").contains("calico-etcd-secrets"));
    }

    #[test]
    fn skipped_list_items_are_grouped() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n- {apiVersion: v1, kind: Service, metadata: {name: b}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: c}}\n- {apiVersion: kubeovn.io/v1, kind: IPPool, metadata: {name: d}}\n",
        )
        .expect("parse");
        assert_eq!(
            ci.notes,
            vec![
                "skipped kind Service (doc 1, 2 items)".to_string(),
                "skipped kind Namespace (doc 1, item 3)".to_string(),
                "skipped kind IPPool (apiVersion kubeovn.io/v1) (doc 1, item 4)".to_string(),
            ]
        );
        assert!(ci.pools.is_empty());
    }

    #[test]
    fn error_in_a_list_item_names_document_item_and_field() {
        let err = parse_resources(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\napiVersion: projectcalico.org/v3\nkind: IPPoolList\nitems:\n- metadata: {name: a}\n  spec: {cidr: 10.0.0.0/16}\n- metadata: {name: b}\n  spec: {cidr: 10.0.0/26}\n",
        )
        .expect_err("bad cidr");
        assert_eq!(
            err.location,
            Location::Document {
                doc: 2,
                item: Some(2)
            }
        );
        assert_eq!(err.field, "spec.cidr");
        assert_eq!(
            err.in_file("pools.yaml").to_string(),
            "pools.yaml: document 2, item 2: spec.cidr: \"10.0.0/26\" is not a CIDR (IPPool \"b\")"
        );
    }

    #[test]
    fn missing_name_is_an_error() {
        let err = parse_resources(
            "apiVersion: projectcalico.org/v3\nkind: IPPool\nspec: {cidr: 10.0.0.0/16}\n",
        )
        .expect_err("no name");
        assert_eq!(err.field, "metadata.name");
    }

    #[test]
    fn differing_duplicates_are_noted_and_the_later_wins() {
        let pool = |mode: &str| {
            format!("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {{name: p}}\nspec: {{cidr: 10.0.0.0/16, vxlanMode: {mode}}}\n")
        };
        let same = format!("{}---\n{}", pool("Always"), pool("Always"));
        let ci = parse_resources(&same).expect("parse");
        assert_eq!(ci.pools.len(), 1);
        assert!(ci.notes.is_empty());
        let differ = format!("{}---\n{}", pool("Always"), pool("CrossSubnet"));
        let ci = parse_resources(&differ).expect("parse");
        assert_eq!(ci.pools.len(), 1);
        assert_eq!(ci.pools[0].vxlan_mode.as_str(), "CrossSubnet");
        assert_eq!(ci.notes.len(), 1, "{:?}", ci.notes);
    }

    #[test]
    fn empty_input_is_an_empty_intent() {
        assert_eq!(
            parse_resources("").expect("empty"),
            ClusterIntent::default()
        );
        assert_eq!(
            parse_resources("---\n# nothing\n---\n").expect("empty"),
            ClusterIntent::default()
        );
    }
}
