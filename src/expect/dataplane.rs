//! Dataplanes that change what Felix programs, detected so that such a node is never judged by the
//! rules of the plain (iptables/nftables) dataplane: the eBPF dataplane and WireGuard encryption.
//!
//! Neither is modelled in full. What is known of each is used (WireGuard's MTU overhead for the
//! pod-MTU budget), what differs is left out with a reason, and one `DATAPLANE-NOT-MODELLED`
//! finding at the top says which checks that leaves.
//!
//! Sources (projectcalico/calico at 87c15906f2, v3.34 development; v3.30–v3.32 checked where
//! they differ):
//! - `felix/config/config_params.go`: `BPFEnabled`, `WireguardEnabled`, `WireguardEnabledV6`,
//!   `WireguardInterfaceName` (default `wireguard.cali`), `WireguardInterfaceNameV6`
//!   (`wg-v6.cali`), `WireguardMTU` (0: auto).
//! - `felix/dataplane/linux/dataplanedefs/dataplane_defs.go`: the BPF devices `bpfin.cali` and
//!   `bpfout.cali`, made by `ensureBPFDevices` in `felix/dataplane/linux/bpf_ep_mgr.go`.
//! - `felix/dataplane/linux/vxlan_mgr.go` `device()` and `felix/vxlanfdb/vxlan_fdb.go` (BPF mode,
//!   since v3.31): vxlan.calico is flow-based (no VNI, parent or local address) and carries no
//!   FDB entries, only the permanent ARP entries; Felix does not manage its MTU.
//! - `felix/dataplane/linux/bpf_ep_mgr.go` `onInterfaceUpdate`: `all.rp_filter = 0`, and
//!   rp_filter 2 with accept_local 1 on host, tunnel and workload interfaces.
//! - `felix/wireguard/wireguard.go` `addRouteRule`: rule 99 `not from all fwmark M/M lookup 1`
//!   sends traffic to keyed peers through table 1 (`wireguard.cali` routes); the main table's
//!   VXLAN/IPIP routes stay (`felix/dataplane/linux/wireguard_mgr.go`).
//! - `felix/dataplane/linux/int_dataplane.go`: WireGuard overhead 60 (IPv4) / 80 (IPv6), and
//!   `determinePodMTU`, the smallest MTU of the enabled encapsulations, WireGuard's included.

use crate::model::cluster::FelixConfig;
use crate::model::{LinkKind, NodeState};

/// The BPF dataplane's devices (`bpfnatin`/`bpfnatout` survive only in comments of old code,
/// but a node upgraded in place may still carry them).
pub const BPF_DEVICES: [&str; 4] = ["bpfin.cali", "bpfout.cali", "bpfnatin", "bpfnatout"];
pub const WIREGUARD_DEVICE: &str = "wireguard.cali";
pub const WIREGUARD_V6_DEVICE: &str = "wg-v6.cali";
pub const WIREGUARD_OVERHEAD_V4: u32 = 60;
pub const WIREGUARD_OVERHEAD_V6: u32 = 80;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dataplane {
    /// The eBPF dataplane is on: the evidence.
    pub ebpf: Option<String>,
    /// WireGuard is on: the evidence and the device.
    pub wireguard: Option<WireGuard>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireGuard {
    pub evidence: String,
    /// The IPv4 device's name (FelixConfiguration wireguardInterfaceName or the default).
    pub device: String,
    /// FelixConfiguration wireguardMTU (0 and unset: auto, host MTU − 60).
    pub mtu: Option<u32>,
}

impl Dataplane {
    /// From FelixConfiguration and the devices on the node: a setting says what was asked, a
    /// device what runs, and either is enough to stop judging by the plain dataplane's rules.
    pub fn detect(felix: &FelixConfig, state: &NodeState) -> Dataplane {
        let ebpf = if felix.bpf_enabled == Some(true) {
            Some("FelixConfiguration bpfEnabled: true".to_string())
        } else {
            BPF_DEVICES
                .iter()
                .find(|d| state.link(d).is_some())
                .map(|d| format!("device {d} exists"))
        };
        let device = felix
            .wireguard_interface
            .clone()
            .unwrap_or_else(|| WIREGUARD_DEVICE.to_string());
        let wg_link = state
            .links()
            .iter()
            .find(|l| l.name == device || l.name == WIREGUARD_V6_DEVICE)
            .or_else(|| {
                state
                    .links()
                    .iter()
                    .find(|l| l.kind == Some(LinkKind::Wireguard))
            });
        let wireguard =
            if felix.wireguard_enabled == Some(true) || felix.wireguard_enabled_v6 == Some(true) {
                Some("FelixConfiguration wireguardEnabled: true".to_string())
            } else {
                wg_link.map(|l| format!("device {} exists", l.name))
            }
            .map(|evidence| WireGuard {
                evidence,
                device: wg_link.map(|l| l.name.clone()).unwrap_or(device),
                mtu: felix.wireguard_mtu.filter(|m| *m != 0),
            });
        Dataplane { ebpf, wireguard }
    }

    pub fn any(&self) -> bool {
        self.ebpf.is_some() || self.wireguard.is_some()
    }
}
