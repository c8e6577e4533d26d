//! The `calico-config` ConfigMap of manifest installs: the networking backend (`calico_backend`)
//! and the veth MTU (`veth_mtu`), and in Canal's manifest `canal_iface`/`masquerade`; and
//! Flannel's `kube-flannel-cfg` (its `net-conf.json`). Other ConfigMaps are not read.

use netdiag_core::model::cluster::Backend;

use super::value::Cursor;
use crate::error::ParseError;

/// The ConfigMap's name in Calico's manifests (`manifests/calico*.yaml`).
pub(crate) const CALICO_CONFIG: &str = "calico-config";
/// Flannel's ConfigMap (kube-flannel.yml, in kube-flannel; older manifests and Canal's flannel
/// put theirs in kube-system, Canal's is named `canal-config` and carries `net-conf.json` too).
pub(crate) const FLANNEL_CONFIGS: [&str; 3] =
    ["kube-flannel-cfg", "canal-config", "rke2-canal-config"];

/// Flannel's net-conf.json from its ConfigMap; `None` when the key is absent.
pub(crate) fn parse_flannel(
    obj: &Cursor<'_, '_>,
    name: &str,
) -> Result<Option<netdiag_core::model::flannel::FlannelConfig>, ParseError> {
    let ns = obj
        .get("metadata.namespace")?
        .string()?
        .unwrap_or_else(|| "kube-system".to_string());
    let data = obj.get("data")?.string_map()?;
    let Some(text) = data
        .iter()
        .find(|(k, _)| k == crate::flannel::NET_CONF_KEY)
        .and_then(|(_, v)| v.as_deref())
    else {
        return Ok(None);
    };
    let source = format!("ConfigMap {ns}/{name}");
    crate::flannel::parse_net_conf(text, &source)
        .map(Some)
        .map_err(|e| {
            obj.get("data").map_or(e.clone(), |d| {
                d.error(format!("[\"net-conf.json\"].{}: {}", e.field, e.message))
            })
        })
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct CalicoConfig {
    pub backend: Option<Backend>,
    pub veth_mtu: Option<u32>,
    /// Canal's `canal_iface`/`masquerade`: present only in Canal's calico-config.
    pub canal: Option<netdiag_core::model::flannel::CanalConfig>,
}

pub(crate) fn parse(obj: &Cursor<'_, '_>) -> Result<CalicoConfig, ParseError> {
    let data = obj.get("data")?;
    let backend_field = data.get("calico_backend")?;
    let backend = match backend_field.string()? {
        None => None,
        Some(s) => Some(Backend::parse(&s).ok_or_else(|| {
            backend_field.error(format!(
                "{s:?} is not a Calico backend (expected bird, vxlan or none)"
            ))
        })?),
    };
    // "0" means "detect"; kept as 0 for the MTU rules to interpret.
    let veth_mtu = data
        .get("veth_mtu")?
        .uint(u64::from(u32::MAX))?
        .and_then(|n| u32::try_from(n).ok());
    let canal_iface = data.get("canal_iface")?;
    let canal = if canal_iface.is_set() {
        let masquerade = data.get("masquerade")?.string()?;
        Some(netdiag_core::model::flannel::CanalConfig {
            iface: canal_iface.string()?.filter(|s| !s.trim().is_empty()),
            masquerade: masquerade.map(|m| m.trim().eq_ignore_ascii_case("true")),
        })
    } else {
        None
    };
    Ok(CalicoConfig {
        backend,
        veth_mtu,
        canal,
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;
    use netdiag_core::model::cluster::Backend;

    #[test]
    fn calico_config_backend_and_mtu() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: calico-config, namespace: kube-system}\ndata:\n  calico_backend: vxlan\n  veth_mtu: \"0\"\n  typha_service_name: none\n",
        )
        .expect("parse");
        assert_eq!(ci.backend, Some(Backend::Vxlan));
        assert_eq!(ci.veth_mtu, Some(0));
        assert!(ci.notes.is_empty(), "{:?}", ci.notes);
    }

    #[test]
    fn unknown_backend_names_the_field() {
        let err = parse_resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: calico-config}\ndata: {calico_backend: flannel}\n",
        )
        .expect_err("bad backend");
        assert_eq!(err.field, "data.calico_backend");
        let err = parse_resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: calico-config}\ndata: {veth_mtu: auto}\n",
        )
        .expect_err("bad mtu");
        assert_eq!(err.field, "data.veth_mtu");
    }

    #[test]
    fn other_config_maps_are_noted_not_read() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: coredns, namespace: kube-system}\ndata: {calico_backend: bird}\n",
        )
        .expect("parse");
        assert_eq!(ci.backend, None);
        assert_eq!(ci.notes.len(), 1);
    }
}

#[cfg(test)]
mod flannel_tests {
    use super::super::parse_resources;

    #[test]
    fn kube_flannel_cfg_and_annotations_are_read() {
        let ci = parse_resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n  cni-conf.json: '{}'\n  net-conf.json: '{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"Port\": 4789}}'\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: w1\n  annotations:\n    flannel.alpha.coreos.com/backend-data: '{\"VNI\":1,\"VtepMAC\":\"ae:41:b3:12:6c:01\"}'\n    flannel.alpha.coreos.com/backend-type: vxlan\n    flannel.alpha.coreos.com/kube-subnet-manager: \"true\"\n    flannel.alpha.coreos.com/public-ip: 10.0.0.1\n    flannel.alpha.coreos.com/public-ip-overwrite: 192.0.2.7\nspec: {podCIDR: 10.244.1.0/24}\n",
        )
        .expect("parse");
        let c = ci.flannel.expect("net-conf");
        assert_eq!(c.source, "ConfigMap kube-flannel/kube-flannel-cfg");
        assert_eq!((c.port(), c.vni()), (4789, 1));
        assert!(ci.notes.is_empty(), "{:?}", ci.notes);
        let f = ci.nodes[0].flannel.clone().expect("annotations");
        assert_eq!(f.backend_type.as_deref(), Some("vxlan"));
        assert_eq!(f.kube_subnet_manager, Some(true));
        assert_eq!(
            f.public_ipv4().map(|i| i.to_string()).as_deref(),
            Some("192.0.2.7")
        );
        assert_eq!(
            f.vtep_mac.map(|m| m.to_string()).as_deref(),
            Some("ae:41:b3:12:6c:01")
        );
    }

    #[test]
    fn bad_net_conf_names_the_field_and_bad_annotations_are_notes() {
        let err = parse_resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-system}\ndata:\n  net-conf.json: '{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\", \"VNI\": -1}}'\n",
        )
        .expect_err("bad VNI");
        assert!(err.field.starts_with("data"), "{err}");
        assert!(err.to_string().contains("Backend.VNI"), "{err}");
        let ci = parse_resources(
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: w1\n  annotations: {flannel.alpha.coreos.com/backend-data: '{not json', flannel.alpha.coreos.com/public-ip: nope}\n",
        )
        .expect("a bad annotation is not an error");
        let f = ci.nodes[0].flannel.clone().expect("annotations");
        assert_eq!((f.vtep_mac, f.public_ip), (None, None));
        assert_eq!(f.problems.len(), 2);
        assert_eq!(ci.notes.len(), 2, "{:?}", ci.notes);
    }
}
