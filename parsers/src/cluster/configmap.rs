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
pub(crate) const FLANNEL_CONFIGS: [&str; 2] = ["kube-flannel-cfg", "canal-config"];

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
