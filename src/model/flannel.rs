//! Flannel's intent (and Canal's, which is Flannel networking under Calico policy): the
//! `kube-flannel-cfg` ConfigMap's `net-conf.json`, the `flannel.alpha.coreos.com/*` annotations
//! Flannel's kube subnet manager writes on each Node, Canal's `calico-config` settings and a node's
//! `/run/flannel/subnet.env`. Every field a source did not state is `None`; Flannel's own defaults
//! are applied by the rules (`expect::flannel`), where the source that sets them is cited.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::MacAddr;

/// `net-conf.json` from the `kube-flannel-cfg` ConfigMap (flannel `pkg/subnet/config.go`
/// `Config`, `pkg/backend/vxlan/vxlan.go` `VXLANConfig`). Go's JSON decoder matches keys without
/// regard to case, so `VNI`, `vni` and `Vni` are one field; the parser does the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlannelConfig {
    /// Where it came from: `ConfigMap kube-flannel/kube-flannel-cfg`.
    pub source: String,
    /// `Network`: the cluster's pod network (IPv4).
    pub network: Option<IpNet>,
    pub ipv6_network: Option<IpNet>,
    /// `EnableIPv4` (Flannel's default true) / `EnableIPv6`.
    pub enable_ipv4: Option<bool>,
    pub enable_ipv6: Option<bool>,
    /// `SubnetLen`: the per-node subnet's prefix (only the etcd subnet manager assigns by it;
    /// with the kube subnet manager the Node's podCIDR is the lease).
    pub subnet_len: Option<u8>,
    /// `Backend.Type`, lower-cased (`vxlan`, `host-gw`, `wireguard`, `udp`, …). Flannel's
    /// `parseBackendType` makes a missing Backend `udp`.
    pub backend_type: Option<String>,
    /// `Backend.VNI` (default 1), `Port` (0: the kernel's default, 8472 on Linux), `MTU` (the
    /// external interface's MTU, of which the device gets − 50), `GBP`, `Learning`,
    /// `DirectRouting`.
    pub vni: Option<u32>,
    pub port: Option<u16>,
    pub mtu: Option<u32>,
    pub gbp: Option<bool>,
    pub learning: Option<bool>,
    pub direct_routing: Option<bool>,
}

/// What Flannel wrote on one Node (flannel `pkg/subnet/kube/annotations.go` `newAnnotations`, with
/// the default prefix `flannel.alpha.coreos.com/`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlannelNode {
    /// `backend-type`: `vxlan`, `host-gw`, …
    pub backend_type: Option<String>,
    /// `backend-data`: `{"VNI":1,"VtepMAC":"…"}` — the node's flannel.<VNI> MAC, which peers
    /// put in their neighbour and FDB entries.
    pub vtep_mac: Option<MacAddr>,
    pub vni: Option<u32>,
    /// `public-ip`: the address peers send VXLAN to (the FDB entry's `dst`).
    pub public_ip: Option<IpAddr>,
    /// `public-ip-overwrite`: an operator's override of `public-ip`, which Flannel copies into it.
    pub public_ip_overwrite: Option<IpAddr>,
    /// `kube-subnet-manager: "true"`: the lease is the Node's podCIDR.
    pub kube_subnet_manager: Option<bool>,
    /// Annotations present but unreadable, for the report (`backend-data` that is not JSON).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Canal's settings in its `calico-config` ConfigMap (Canal manifest: `canal_iface`,
/// `masquerade`): the interface Flannel uses (empty: the default route's) and whether Flannel
/// masquerades pod traffic leaving the network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CanalConfig {
    pub iface: Option<String>,
    pub masquerade: Option<bool>,
}

/// `/run/flannel/subnet.env` (flannel `pkg/subnet/subnet.go` `WriteSubnetFile`): what flanneld
/// told the CNI plugin. `FLANNEL_SUBNET` is the first usable address of the node's lease with the
/// lease's prefix (`10.244.1.1/24`), `FLANNEL_MTU` the backend's MTU (device MTU).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubnetEnv {
    pub network: Option<IpNet>,
    pub subnet: Option<IpNet>,
    pub ipv6_network: Option<IpNet>,
    pub ipv6_subnet: Option<IpNet>,
    pub mtu: Option<u32>,
    pub ipmasq: Option<bool>,
}

/// Flannel's defaults, each from the source line that sets it.
pub mod defaults {
    /// `pkg/backend/vxlan/vxlan.go`: `defaultVNI = 1`.
    pub const VNI: u32 = 1;
    /// `Port: 0` leaves IFLA_VXLAN_PORT unset and the Linux kernel uses its own default, 8472
    /// (the pre-IANA port; `drivers/net/vxlan`'s `vxlan_port` module parameter).
    pub const LINUX_PORT: u16 = 8472;
    /// `pkg/backend/vxlan/device.go` `newVXLANDevice`: `MTU: devAttrs.MTU - 50`.
    pub const OVERHEAD: u32 = 50;
}

impl FlannelConfig {
    pub fn backend(&self) -> &str {
        self.backend_type.as_deref().unwrap_or("udp")
    }

    pub fn is_vxlan(&self) -> bool {
        self.backend() == "vxlan"
    }

    pub fn vni(&self) -> u32 {
        self.vni.unwrap_or(defaults::VNI)
    }

    /// The UDP port in force on Linux: the configured one, or the kernel's 8472 for 0/unset.
    pub fn port(&self) -> u16 {
        self.port
            .filter(|p| *p != 0)
            .unwrap_or(defaults::LINUX_PORT)
    }

    /// `flannel.<VNI>` (`createVXLANDevice`).
    pub fn device(&self) -> String {
        format!("flannel.{}", self.vni())
    }

    pub fn direct_routing(&self) -> bool {
        self.direct_routing == Some(true)
    }
}

impl FlannelNode {
    /// The address peers send to: the overwrite when set (Flannel copies it into `public-ip`).
    pub fn public_ipv4(&self) -> Option<Ipv4Addr> {
        match self.public_ip_overwrite.or(self.public_ip)? {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        }
    }

    pub fn merge(&mut self, other: FlannelNode) {
        self.backend_type = self.backend_type.take().or(other.backend_type);
        self.vtep_mac = self.vtep_mac.or(other.vtep_mac);
        self.vni = self.vni.or(other.vni);
        self.public_ip = self.public_ip.or(other.public_ip);
        self.public_ip_overwrite = self.public_ip_overwrite.or(other.public_ip_overwrite);
        self.kube_subnet_manager = self.kube_subnet_manager.or(other.kube_subnet_manager);
        self.problems.extend(other.problems);
    }
}

/// `FLANNEL_SUBNET` for a lease: its first usable address with the lease's prefix.
pub fn first_usable(lease: &IpNet) -> Option<IpNet> {
    match lease.trunc() {
        IpNet::V4(n) => {
            let ip = Ipv4Addr::from(u32::from(n.network()).checked_add(1)?);
            IpNet::new(IpAddr::V4(ip), n.prefix_len()).ok()
        }
        IpNet::V6(n) => {
            let ip = std::net::Ipv6Addr::from(u128::from(n.network()).checked_add(1)?);
            IpNet::new(IpAddr::V6(ip), n.prefix_len()).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_flannel() {
        let c = FlannelConfig {
            backend_type: Some("vxlan".into()),
            port: Some(0),
            ..FlannelConfig::default()
        };
        assert_eq!(
            (c.vni(), c.port(), c.device()),
            (1, 8472, "flannel.1".into())
        );
        assert_eq!(FlannelConfig::default().backend(), "udp");
        let lease: IpNet = "10.244.1.0/24".parse().expect("net");
        assert_eq!(first_usable(&lease), "10.244.1.1/24".parse().ok());
    }
}
