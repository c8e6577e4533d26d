//! `FelixConfiguration` (`default`, `node.<name>`) into [`FelixConfig`]: only the fields that shape
//! routes, devices and MTUs. Unset stays `None` so the expectation code applies Felix's defaults.

use netdiag_core::model::cluster::{BgpConfig, FelixConfig};

use super::value::Cursor;
use crate::error::ParseError;

/// VXLAN network identifiers are 24 bits (RFC 7348).
const MAX_VNI: u64 = (1 << 24) - 1;
/// Largest MTU a Linux device takes (IP_MAX_MTU is 0xFFFF for IPv4 tunnels anyway).
const MAX_MTU: u64 = 65535;

pub(crate) fn parse(obj: &Cursor<'_, '_>, name: &str) -> Result<FelixConfig, ParseError> {
    let spec = obj.get("spec")?;
    let uint =
        |field: &str, max: u64| -> Result<Option<u64>, ParseError> { spec.get(field)?.uint(max) };
    let narrow = |v: Option<u64>| v.and_then(|n| u32::try_from(n).ok());
    let string = |field: &str| -> Result<Option<String>, ParseError> {
        Ok(spec.get(field)?.string()?.filter(|s| !s.is_empty()))
    };
    let boolean = |field: &str| -> Result<Option<bool>, ParseError> { spec.get(field)?.boolean() };

    Ok(FelixConfig {
        name: name.to_string(),
        vxlan_vni: narrow(uint("vxlanVNI", MAX_VNI)?),
        vxlan_port: uint("vxlanPort", u64::from(u16::MAX))?.and_then(|n| u16::try_from(n).ok()),
        vxlan_mtu: narrow(uint("vxlanMTU", MAX_MTU)?),
        vxlan_mtu_v6: narrow(uint("vxlanMTUV6", MAX_MTU)?),
        ipip_mtu: narrow(uint("ipipMTU", MAX_MTU)?),
        vxlan_enabled: boolean("vxlanEnabled")?,
        ipip_enabled: boolean("ipipEnabled")?,
        device_route_protocol: uint("deviceRouteProtocol", u64::from(u8::MAX))?
            .and_then(|n| u8::try_from(n).ok()),
        mtu_iface_pattern: string("mtuIfacePattern")?,
        interface_prefix: string("interfacePrefix")?,
        route_source: string("routeSource")?,
        remove_external_routes: boolean("removeExternalRoutes")?,
        program_cluster_routes: string("programClusterRoutes")?,
        bpf_enabled: boolean("bpfEnabled")?,
        wireguard_enabled: boolean("wireguardEnabled")?,
        wireguard_enabled_v6: boolean("wireguardEnabledV6")?,
        wireguard_mtu: narrow(uint("wireguardMTU", MAX_MTU)?),
        wireguard_interface: string("wireguardInterfaceName")?,
        wireguard_routing_table: narrow(uint("wireguardRoutingTableIndex", u64::from(u32::MAX))?),
    })
}

/// `BGPConfiguration` (`default`, `node.<name>`) into [`BgpConfig`]: whether confd writes the
/// node-to-node mesh, and the AS number.
pub(crate) fn parse_bgp(obj: &Cursor<'_, '_>, name: &str) -> Result<BgpConfig, ParseError> {
    let spec = obj.get("spec")?;
    Ok(BgpConfig {
        name: name.to_string(),
        node_to_node_mesh: spec.get("nodeToNodeMeshEnabled")?.boolean()?,
        as_number: spec
            .get("asNumber")?
            .uint(u64::from(u32::MAX))?
            .and_then(|n| u32::try_from(n).ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;

    /// BGPConfiguration in both groups, with the mesh set, unset, and a wrong type (named).
    #[test]
    fn bgp_configuration() {
        let ci = parse_resources(
            "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {nodeToNodeMeshEnabled: false, asNumber: 64513, logSeverityScreen: Info}\n---\napiVersion: crd.projectcalico.org/v1\nkind: BGPConfiguration\nmetadata: {name: node.worker}\nspec: {asNumber: \"65001\"}\n",
        )
        .expect("parse");
        let got: Vec<_> = ci
            .bgp_configs
            .iter()
            .map(|c| (c.name.as_str(), c.node_to_node_mesh, c.as_number))
            .collect();
        assert_eq!(
            got,
            [
                ("default", Some(false), Some(64513)),
                ("node.worker", None, Some(65001))
            ]
        );
        let e = parse_resources(
            "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {nodeToNodeMeshEnabled: [true]}\n",
        )
        .expect_err("a list is no boolean");
        assert_eq!(e.field, "spec.nodeToNodeMeshEnabled");
        // Someone else's BGPConfiguration is skipped, not read.
        let ci = parse_resources(
            "apiVersion: example.com/v1\nkind: BGPConfiguration\nmetadata: {name: default}\n",
        )
        .expect("parse");
        assert!(ci.bgp_configs.is_empty());
    }

    #[test]
    fn every_field_and_strings_as_numbers() {
        let ci = parse_resources(
            r#"
apiVersion: crd.projectcalico.org/v1
kind: FelixConfiguration
metadata:
  name: default
spec:
  bpfEnabled: false
  deviceRouteProtocol: 80
  interfacePrefix: cali
  ipipEnabled: true
  ipipMTU: "1480"
  logSeverityScreen: Info
  mtuIfacePattern: ^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)
  programClusterRoutes: Enabled
  removeExternalRoutes: true
  routeSource: WorkloadIPs
  vxlanEnabled: true
  vxlanMTU: 1450
  vxlanMTUV6: "1430"
  vxlanPort: "4789"
  vxlanVNI: 4096
"#,
        )
        .expect("parse");
        let f = &ci.felix[0];
        assert_eq!(f.name, "default");
        assert_eq!(f.vxlan_vni, Some(4096));
        assert_eq!(f.vxlan_port, Some(4789));
        assert_eq!(f.vxlan_mtu, Some(1450));
        assert_eq!(f.vxlan_mtu_v6, Some(1430));
        assert_eq!(f.ipip_mtu, Some(1480));
        assert_eq!(f.vxlan_enabled, Some(true));
        assert_eq!(f.ipip_enabled, Some(true));
        assert_eq!(f.device_route_protocol, Some(80));
        assert_eq!(
            f.mtu_iface_pattern.as_deref(),
            Some("^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)")
        );
        assert_eq!(f.interface_prefix.as_deref(), Some("cali"));
        assert_eq!(f.route_source.as_deref(), Some("WorkloadIPs"));
        assert_eq!(f.remove_external_routes, Some(true));
        assert_eq!(f.program_cluster_routes.as_deref(), Some("Enabled"));
        assert_eq!(f.bpf_enabled, Some(false));
    }

    #[test]
    fn unset_fields_stay_unset() {
        let ci = parse_resources(
            "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.worker-1}\nspec: {}\n",
        )
        .expect("parse");
        let f = &ci.felix[0];
        assert_eq!(f.name, "node.worker-1");
        assert_eq!(f.vxlan_vni, None);
        assert_eq!(f.vxlan_port, None);
        assert_eq!(f.device_route_protocol, None);
        assert_eq!(f.route_source, None);
    }

    #[test]
    fn out_of_range_names_the_field() {
        for (field, value) in [
            ("vxlanPort", "70000"),
            ("vxlanVNI", "16777216"),
            ("deviceRouteProtocol", "256"),
            ("vxlanMTU", "-1"),
            ("ipipMTU", "\"big\""),
        ] {
            let err = parse_resources(&format!(
                "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {{name: default}}\nspec:\n  {field}: {value}\n"
            ))
            .expect_err("out of range");
            assert_eq!(err.field, format!("spec.{field}"), "{err}");
        }
    }
}
