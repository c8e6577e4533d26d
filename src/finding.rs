//! Findings: one difference between what Calico would program and what the node has, with a stable
//! code support can grep for, a severity, the object concerned, expected vs actual, and a hint.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "warning" | "warn" => Severity::Warning,
            "error" => Severity::Error,
            _ => return None,
        })
    }
}

macro_rules! codes {
    ($( $variant:ident = $text:literal, $sev:ident, $doc:literal; )*) => {
        /// Stable finding codes. The README's findings table is generated from [`Code::ALL`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Code {
            $( #[doc = $doc] #[serde(rename = $text)] $variant, )*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(&self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            /// The severity a finding of this code has unless the rule says otherwise.
            pub fn default_severity(&self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One sentence on what the code means (README findings table).
            pub fn describe(&self) -> &'static str {
                match self { $( Code::$variant => $doc, )* }
            }
        }
    };
}

codes! {
    CollectPartial = "COLLECT-PARTIAL", Info, "A part of the node state or intent was not collected; checks that need it are unknown.";
    IntentUnavailable = "INTENT-UNAVAILABLE", Error, "The cluster intent could not be read (API unreachable, TLS, 401/403, timeout, Calico CRDs absent): only the local checks ran, the rest are unknown.";
    NodeNotInIntent = "NODE-NOT-IN-INTENT", Error, "The cluster intent has no Node for this node: only the local checks ran, the rest are unknown.";
    NodeIpNotLocal = "NODE-IP-NOT-LOCAL", Error, "The node's Calico IPv4 address is on no local interface (stale or wrong autodetection).";
    NodeIpDuplicate = "NODE-IP-DUPLICATE", Error, "Two Nodes claim the same IPv4 address.";
    NodeIpSuspicious = "NODE-IP-SUSPICIOUS", Error, "The node IP is a docker/bridge or link-local address: autodetection picked the wrong interface.";
    VxlanDeviceMissing = "VXLAN-DEVICE-MISSING", Error, "A pool uses VXLAN but vxlan.calico does not exist.";
    VxlanDeviceDown = "VXLAN-DEVICE-DOWN", Error, "vxlan.calico exists but is not up.";
    VxlanDeviceUnexpected = "VXLAN-DEVICE-UNEXPECTED", Warning, "vxlan.calico exists although no pool uses VXLAN (Felix deletes it).";
    VxlanVniMismatch = "VXLAN-VNI-MISMATCH", Error, "vxlan.calico's VNI differs from FelixConfiguration vxlanVNI.";
    VxlanPortMismatch = "VXLAN-PORT-MISMATCH", Error, "vxlan.calico's UDP port differs from FelixConfiguration vxlanPort.";
    VxlanLocalMismatch = "VXLAN-LOCAL-MISMATCH", Error, "vxlan.calico's local address or parent device is not the node IP and its interface.";
    VxlanLearning = "VXLAN-LEARNING-ON", Error, "vxlan.calico learns MACs; Calico programs the FDB statically with learning off.";
    VxlanMacMismatch = "VXLAN-MAC-MISMATCH", Error, "vxlan.calico's MAC is not the node's VTEP MAC that peers use.";
    VxlanAddrMismatch = "VXLAN-ADDR-MISMATCH", Error, "vxlan.calico does not carry exactly the node's VXLAN tunnel IP as /32.";
    VxlanMtuMismatch = "VXLAN-MTU-MISMATCH", Warning, "vxlan.calico's MTU differs from the configured or derived VXLAN MTU.";
    IpipDeviceMissing = "IPIP-DEVICE-MISSING", Error, "A pool uses IPIP but tunl0 does not exist or is down.";
    IpipAddrMismatch = "IPIP-ADDR-MISMATCH", Error, "tunl0 does not carry the node's IPIP tunnel address as /32.";
    IpipMtuMismatch = "IPIP-MTU-MISMATCH", Warning, "tunl0's MTU differs from the configured or derived IPIP MTU.";
    IpipUnexpectedAddr = "IPIP-UNEXPECTED-ADDR", Warning, "tunl0 carries an address although no pool uses IPIP (encapsulation switched without cleanup).";
    RouteMissing = "ROUTE-MISSING", Error, "A remote block (or borrowed address) has no route on this node.";
    RouteWrongPath = "ROUTE-WRONG-PATH", Error, "A remote block is routed encapsulated where the pool says direct, or the reverse.";
    RouteStaleGateway = "ROUTE-STALE-GATEWAY", Error, "A remote block's route points at a gateway or device that is not the peer's current one.";
    RouteAttr = "ROUTE-ATTR", Warning, "A route has the right path but not the attributes Calico sets (onlink, proto, mtu).";
    RouteUnexpected = "ROUTE-UNEXPECTED", Warning, "A Calico-owned route (proto 80 or on vxlan.calico) that Calico would not program; Felix deletes it.";
    PeerNoVtep = "PEER-NO-VTEP", Error, "A peer owns VXLAN blocks but has no VTEP (no tunnel IP or no node IP), so Felix programs no route to it.";
    TunnelIpRouteMissing = "TUNNEL-IP-ROUTE-MISSING", Error, "A peer's borrowed VXLAN tunnel IP has no /32 route on vxlan.calico (#5595 before v3.29.2).";
    BlackholeMissing = "BLACKHOLE-MISSING", Warning, "A local block has no blackhole route; traffic to its unused IPs leaks to the default route.";
    BlackholeStale = "BLACKHOLE-STALE", Error, "A blackhole route covers a block that is not affine to this node.";
    NeighMissing = "VXLAN-NEIGH-MISSING", Error, "A peer VTEP has no permanent neighbour entry on vxlan.calico.";
    NeighWrongMac = "VXLAN-NEIGH-WRONG-MAC", Error, "A peer VTEP's neighbour entry has a MAC other than the peer's VTEP MAC.";
    NeighStale = "VXLAN-NEIGH-STALE", Warning, "A permanent neighbour on vxlan.calico belongs to no current VTEP.";
    NeighUnresolved = "VXLAN-NEIGH-UNRESOLVED", Error, "A neighbour on vxlan.calico is INCOMPLETE or FAILED: a route points at an unknown VTEP.";
    FdbMissing = "VXLAN-FDB-MISSING", Error, "A peer VTEP's MAC has no FDB entry on vxlan.calico.";
    FdbStaleDst = "VXLAN-FDB-STALE-DST", Error, "A peer VTEP's FDB entry sends to an address other than the peer's node IP.";
    FdbUnknownMac = "VXLAN-FDB-UNKNOWN-MAC", Warning, "An FDB entry on vxlan.calico belongs to no known VTEP.";
    FdbDuplicate = "VXLAN-FDB-DUPLICATE", Error, "Two FDB entries on vxlan.calico share a destination or a MAC (duplicate node or MAC).";
    FdbNotPermanent = "VXLAN-FDB-NOT-PERMANENT", Warning, "A peer VTEP's FDB entry is not `self permanent` as Felix writes it.";
    WorkloadRouteMissing = "WORKLOAD-ROUTE-MISSING", Error, "A local pod's IP has no /32 route to a cali* interface.";
    WorkloadRouteOrphan = "WORKLOAD-ROUTE-ORPHAN", Warning, "A route to a cali* interface matches no local pod.";
    WorkloadHostMac = "WORKLOAD-HOST-MAC", Warning, "A cali* interface does not have Calico's host-side MAC ee:ee:ee:ee:ee:ee.";
    MtuPodAboveTunnel = "MTU-POD-ABOVE-TUNNEL", Error, "A cali* interface's MTU exceeds the tunnel MTU: large packets are dropped.";
    MtuTunnelAboveParent = "MTU-TUNNEL-ABOVE-PARENT", Error, "The tunnel MTU plus its overhead exceeds the parent interface's MTU.";
    MtuHostFallback = "MTU-HOST-FALLBACK", Info, "No interface matches mtuIfacePattern; Felix assumes a host MTU of 1460.";
    CrossSubnetDegraded = "CROSSSUBNET-DEGRADED", Warning, "The node's address prefix is /32, so CrossSubnet behaves like Always.";
    CrossSubnetAsymmetric = "CROSSSUBNET-ASYMMETRIC", Warning, "Two nodes disagree on whether they share a subnet: traffic is direct one way and tunnelled back.";
    NoEncapCrossSubnet = "BGP-NOENCAP-CROSS-SUBNET", Warning, "A no-encap pool's routes cross a subnet boundary: pod routes then depend on the fabric.";
    NoEncapNoRouter = "BGP-NO-ROUTE-PROGRAMMER", Error, "A pool needs BIRD or Felix to program routes, and the backend provides neither.";
    IpamDuplicateAffinity = "IPAM-DUPLICATE-AFFINITY", Error, "Two BlockAffinities claim the same CIDR.";
    IpamAffinityNoNode = "IPAM-AFFINITY-NO-NODE", Warning, "A block is affine to a node that does not exist (IPAM leak).";
    IpamBlockAffinityMismatch = "IPAM-BLOCK-AFFINITY-MISMATCH", Error, "A block and its BlockAffinity name different nodes (Felix follows the block, BIRD the affinity).";
    InstallationPoolMissing = "INSTALLATION-POOL-MISSING", Warning, "The operator's Installation lists an IP pool whose CIDR no IPPool has: the operator has not created it (yet), or it was deleted.";
    BackendInferred = "BACKEND-INFERRED", Info, "No calico-config said which backend runs; it was inferred from evidence.";
    IntentPartial = "INTENT-PARTIAL", Info, "The intent lacks a kind (no Nodes, no IPPools, …): the checks that need it are not checked.";
    RouteUnreachable = "ROUTE-UNREACHABLE", Error, "A route in a pool CIDR of type unreachable or prohibit: the kernel rejects pod traffic to it (BIRD installs these when a BGP next hop cannot be resolved).";
    RouteOrphanBlock = "ROUTE-ORPHAN-BLOCK", Warning, "A route in a pool CIDR to a block no node owns (released or never allocated).";
    RouteForeignProto = "ROUTE-FOREIGN-PROTO", Warning, "A Calico route installed with a protocol Calico does not use for it (static, boot, dhcp): someone else wrote it.";
    RouteOverride = "ROUTE-OVERRIDE", Error, "A more specific route inside a peer's block sends part of it elsewhere (to another node, device or gateway).";
    NeighNotPermanent = "VXLAN-NEIGH-NOT-PERMANENT", Warning, "A peer VTEP's neighbour entry is dynamic (REACHABLE, STALE, …), not PERMANENT as Felix writes it.";
    KernelIpForwardOff = "KERNEL-IP-FORWARD-OFF", Error, "net.ipv4.ip_forward is 0: the node forwards no pod traffic.";
    KernelForwardingOff = "KERNEL-FORWARDING-OFF", Error, "Forwarding is off on a tunnel, parent or workload interface (net.ipv4.conf.DEV.forwarding = 0).";
    KernelRpFilterStrict = "KERNEL-RP-FILTER-STRICT", Error, "Strict reverse-path filtering on the parent or tunnel device drops traffic that arrives on another interface than its return route: an error when paths are asymmetric (a peer disagreeing on the subnet, pools of different kinds), a note while they are symmetric.";
    KernelProxyArpOff = "KERNEL-PROXY-ARP-OFF", Error, "proxy_arp is off on a workload interface: the pod's gateway 169.254.1.1 never resolves.";
    WorkloadIfaceDown = "WORKLOAD-IFACE-DOWN", Error, "A workload (cali*) interface is down: its pod is unreachable.";
    FlannelBackendNotModelled = "FLANNEL-BACKEND-NOT-MODELLED", Warning, "Flannel's backend is not vxlan (host-gw, wireguard, udp): its devices and routes are not checked.";
    FlannelDeviceMissing = "FLANNEL-DEVICE-MISSING", Error, "Flannel's VXLAN device flannel.<VNI> does not exist.";
    FlannelDeviceDown = "FLANNEL-DEVICE-DOWN", Error, "flannel.<VNI> exists but is not up.";
    FlannelVniMismatch = "FLANNEL-VNI-MISMATCH", Error, "flannel.<VNI>'s VNI, or a peer's backend-data VNI, differs from net-conf.json's Backend.VNI (default 1).";
    FlannelPortMismatch = "FLANNEL-PORT-MISMATCH", Error, "flannel.<VNI>'s UDP port differs from Backend.Port (0: the kernel's 8472).";
    FlannelLearning = "FLANNEL-LEARNING-ON", Error, "flannel.<VNI> learns MACs although Backend.Learning is off (or the reverse).";
    FlannelLocalMismatch = "FLANNEL-LOCAL-MISMATCH", Error, "flannel.<VNI>'s local address is not the Node's flannel public-ip.";
    FlannelMacMismatch = "FLANNEL-MAC-MISMATCH", Error, "flannel.<VNI>'s MAC is not the VtepMAC the Node's backend-data gives peers.";
    FlannelAddrMismatch = "FLANNEL-ADDR-MISMATCH", Error, "flannel.<VNI> does not carry exactly its podCIDR's network address as /32.";
    FlannelMtuMismatch = "FLANNEL-MTU-MISMATCH", Warning, "flannel.<VNI>'s MTU is not Backend.MTU (or the external interface's) − 50.";
    FlannelLeaseOutsideNetwork = "FLANNEL-LEASE-OUTSIDE-NETWORK", Error, "The Node's podCIDR is outside net-conf.json's Network: flanneld refuses to start.";
    FlannelSubnetEnvMismatch = "FLANNEL-SUBNET-ENV-MISMATCH", Error, "/run/flannel/subnet.env disagrees with the lease, Network or tunnel MTU.";
    FlannelCni0Mismatch = "FLANNEL-CNI0-MISMATCH", Error, "cni0 does not carry the first address of the node's podCIDR (\"cni0\" already has an IP address different from …).";
    FlannelPeerNoLease = "FLANNEL-PEER-NO-LEASE", Error, "A peer Node has no complete Flannel lease (podCIDR, backend-type vxlan, public-ip, VtepMAC): nothing is programmed to it.";
    FlannelRouteMissing = "FLANNEL-ROUTE-MISSING", Error, "A peer's podCIDR has no route on this node.";
    FlannelRouteWrong = "FLANNEL-ROUTE-WRONG", Error, "A peer's podCIDR is routed other than `via <its flannel.1 address> dev flannel.1 onlink` (or, with DirectRouting on a connected network, via its public-ip).";
    FlannelNeighMissing = "FLANNEL-NEIGH-MISSING", Error, "A peer's flannel.1 address has no neighbour entry on flannel.<VNI>.";
    FlannelNeighWrongMac = "FLANNEL-NEIGH-WRONG-MAC", Error, "A peer's neighbour entry has a MAC other than its VtepMAC.";
    FlannelFdbMissing = "FLANNEL-FDB-MISSING", Error, "A peer's VtepMAC has no FDB entry on flannel.<VNI>.";
    FlannelFdbStaleDst = "FLANNEL-FDB-STALE-DST", Error, "A peer's FDB entry sends to an address other than its public-ip.";
    FlannelStaleEntry = "FLANNEL-STALE-ENTRY", Warning, "A neighbour or FDB entry on flannel.<VNI> belongs to no current Node's lease.";
    DataplaneNotModelled = "DATAPLANE-NOT-MODELLED", Warning, "The node runs a dataplane netdiag does not model (eBPF, WireGuard): the checks it changes are not made.";
    BgpSessionDown = "BGP-SESSION-DOWN", Error, "A BGP session in BIRD is not Established (state, since when and BIRD's last error say why): the peer's routes are missing.";
    BgpPeerNoSession = "BGP-PEER-NO-SESSION", Error, "A Node with a BGP address (a node-to-node mesh peer) has no BGP session in this node's BIRD.";
    BgpSessionNoNode = "BGP-SESSION-NO-NODE", Warning, "BIRD has a mesh session to an address no Node has (a deleted or renumbered node).";
    BgpRoutesMismatch = "BGP-ROUTES-MISMATCH", Error, "An Established session imports other routes than the peer's IPAM blocks (missing blocks, or blocks the peer does not own).";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The object concerned: `route 10.244.1.0/26`, `link vxlan.calico`, `fdb 66:…`.
    pub subject: String,
    /// The peer node this finding concerns, for grouping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    pub expected: String,
    pub actual: String,
    pub hint: String,
}

impl Finding {
    pub fn new(code: Code, subject: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            subject: subject.into(),
            peer: None,
            expected: String::new(),
            actual: String::new(),
            hint: String::new(),
        }
    }

    pub fn severity(mut self, s: Severity) -> Finding {
        self.severity = s;
        self
    }

    pub fn peer(mut self, p: impl Into<String>) -> Finding {
        self.peer = Some(p.into());
        self
    }

    pub fn expected(mut self, e: impl Into<String>) -> Finding {
        self.expected = e.into();
        self
    }

    pub fn actual(mut self, a: impl Into<String>) -> Finding {
        self.actual = a.into();
        self
    }

    pub fn hint(mut self, h: impl Into<String>) -> Finding {
        self.hint = h.into();
        self
    }
}
