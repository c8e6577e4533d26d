#!/usr/bin/env python3
"""Regenerates the netdiag scenario fixtures (testdata/scenarios/<name>/).

What it does, per scenario:
  * writes the cluster intent (cluster/*.yaml) in the shape `kubectl get ... -o yaml` prints;
  * builds the node under test for real in throwaway network namespaces (nd-scn-*), from the
    state calico-expected-state.md says Calico programs, plus the scenario's breakage;
  * dumps that namespace with the real iproute2 on this machine (ip / bridge, iproute2-6.1.0) and
    applies the few edits listed in README.md (eth0 is a veth here but a NIC on a node; tunl0
    cannot be created here; pod namespace names become containerd's cni-<uuid>);
  * deletes the namespaces again. The host's own namespace is never touched.

SCENARIO.md and expected-findings.txt are written by describe.py (prose and findings by hand);
check_consistency.py re-derives the expected state from the written files alone and lists the differences.
Run as root:  python3 generate.py [OUTDIR] [scenario ...]
"""

import hashlib
import ipaddress
import json
import os
import re
import subprocess
import sys
import time
import uuid

NOW_DAY = "2026-11-22"


# ---------------------------------------------------------------------------------------------
# small helpers

def sha1hex(s):
    return hashlib.sha1(s.encode()).hexdigest()


def vtep_mac(node):
    h = sha1hex(node)
    return "66:" + ":".join(h[i:i + 2] for i in range(0, 10, 2))


def cali_name(ns, pod):
    return "cali" + sha1hex(f"{ns}.{pod}")[:11]


def pseudo_mac(seed):
    h = sha1hex("mac:" + seed)
    b0 = (int(h[0:2], 16) & 0xFC) | 0x02  # locally administered unicast
    return ":".join([f"{b0:02x}"] + [h[i:i + 2] for i in range(2, 12, 2)])


def pseudo_uuid(seed):
    return str(uuid.UUID(hex=sha1hex("uuid:" + seed)[:32], version=4))


def container_id(seed):
    return sha1hex("cid:" + seed) + sha1hex("cid2:" + seed)[:24]


def ts(hhmmss, day="2026-11-20"):
    return f"{day}T{hhmmss}Z"


def ipam_ts(hhmmss, day="2026-11-20"):
    frac = int(sha1hex(hhmmss)[:8], 16) % 1000000000
    return f"{day} {hhmmss}.{frac:09d} +0000 UTC"


def nth(cidr, n):
    return str(ipaddress.ip_network(cidr)[n])


def in_net(ip, cidr):
    return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)


# ---------------------------------------------------------------------------------------------
# YAML emitter that prints like sigs.k8s.io/yaml (go-yaml v2), i.e. like `kubectl get -o yaml`:
# keys sorted (natural order), sequences not indented under their key, strings that would read
# as another type double-quoted, strings that cannot be plain single-quoted, multi-line as |-.

_RESERVED = {"", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
             "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON",
             "off", "Off", "OFF", ".inf", ".Inf", "-.inf", ".nan", "<<"}


def _looks_typed(s):
    if s in _RESERVED:
        return True
    if re.fullmatch(r"[-+]?(0|[1-9][0-9_]*)", s) or re.fullmatch(r"[-+]?0[0-7_]+", s):
        return True
    if re.fullmatch(r"[-+]?0x[0-9a-fA-F_]+", s) or re.fullmatch(r"[-+]?0b[01_]+", s):
        return True
    if re.fullmatch(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?", s):
        return True
    if re.fullmatch(r"\d{4}-\d\d?-\d\d?([Tt ]\d\d?:\d\d:\d\d(\.\d*)?(Z|[-+]\d\d:\d\d)?)?", s):
        return True
    return False


def _needs_single(s):
    if s[0] in "-?:,[]{}#&*!|>'\"%@` " or s[-1] == " ":
        return True
    return ": " in s or " #" in s or s.endswith(":")


def yscalar(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if _looks_typed(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if _needs_single(s):
        return "'" + s.replace("'", "''") + "'"
    return s


def _natkey(k):
    parts = re.split(r"(\d+)", str(k))
    return [(0, int(p)) if p.isdigit() else (1, p) for p in parts if p != ""]


def yemit(obj, indent=0):
    pad = " " * indent
    out = []
    if isinstance(obj, dict):
        for k in sorted(obj, key=_natkey):
            v = obj[k]
            key = yscalar(k)
            if isinstance(v, dict):
                if not v:
                    out.append(f"{pad}{key}: {{}}")
                else:
                    out.append(f"{pad}{key}:")
                    out += yemit(v, indent + 2)
            elif isinstance(v, list):
                if not v:
                    out.append(f"{pad}{key}: []")
                else:
                    out.append(f"{pad}{key}:")
                    out += yemit(v, indent)
            elif isinstance(v, str) and "\n" in v:
                style = "|" if v.endswith("\n") else "|-"
                out.append(f"{pad}{key}: {style}")
                for line in v.rstrip("\n").split("\n"):
                    out.append(f"{pad}  {line}" if line else "")
            else:
                out.append(f"{pad}{key}: {yscalar(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict) and item:
                sub = yemit(item, indent + 2)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out += sub
            elif isinstance(item, list) and item:
                sub = yemit(item, indent + 2)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out += sub
            else:
                out.append(f"{pad}- {yscalar(item) if not isinstance(item, (dict, list)) else ('{}' if isinstance(item, dict) else '[]')}")
    return out


def kubelist(items):
    return "\n".join(yemit({"apiVersion": "v1", "items": items, "kind": "List",
                            "metadata": {"resourceVersion": ""}})) + "\n"


def kubeobj(obj):
    return "\n".join(yemit(obj)) + "\n"


# ---------------------------------------------------------------------------------------------
# the lab

class Node:
    def __init__(self, name, ip, prefix, eth_mac, gw, block, podcidr, *, iface_prefix=None,
                 role=None):
        self.name, self.ip, self.prefix, self.eth_mac, self.gw = name, ip, prefix, eth_mac, gw
        self.block = block
        self.podcidr = podcidr
        self.iface_prefix = iface_prefix or prefix
        self.role = role
        self.vxlan_tun = None
        self.ipip_tun = None
        self.mac_annotation = None
        self.has_ipv4 = True

    @property
    def cidr(self):
        return ipaddress.ip_interface(f"{self.ip}/{self.prefix}").network


def lab_nodes(worker3_ip="10.10.20.13"):
    w3gw = "10.10.20.1" if not worker3_ip.startswith("10.10.10.") else "10.10.10.1"
    return {
        "control-plane": Node("control-plane", "10.10.10.10", 24, "52:54:00:5e:0a:0a", "10.10.10.1",
                              "192.168.49.128/26", "10.244.0.0/24", role="control-plane"),
        "worker": Node("worker", "10.10.10.11", 24, "52:54:00:5e:0a:0b", "10.10.10.1",
                       "192.168.81.0/26", "10.244.1.0/24"),
        "worker2": Node("worker2", "10.10.10.12", 24, "52:54:00:5e:0a:0c", "10.10.10.1",
                        "192.168.133.192/26", "10.244.2.0/24"),
        "worker3": Node("worker3", worker3_ip, 24, "52:54:00:5e:14:0d", w3gw,
                        "192.168.210.64/26", "10.244.3.0/24"),
    }


class Pod:
    def __init__(self, ns, name, node, ip=None, host=False, annotations=None, labels=None,
                 image="registry.k8s.io/pause:3.10", created="08:20:11"):
        self.ns, self.name, self.node, self.ip, self.host = ns, name, node, ip, host
        self.annotations = annotations or {}
        self.labels = labels or {}
        self.image, self.created = image, created
        self.cid = container_id(f"{ns}/{name}")
        self.cali = cali_name(ns, name)
        self.mac = pseudo_mac(f"{ns}/{name}")
        self.netns = "cni-" + pseudo_uuid(f"{ns}/{name}")


def lab_pods(nodes, with_host_pods=True):
    b = {n: nodes[n].block for n in nodes}
    pods = [
        Pod("kube-system", "coredns-7c65d6cfc9-4xq9z", "control-plane", nth(b["control-plane"], 1),
            image="registry.k8s.io/coredns/coredns:v1.11.3", created="07:58:40"),
        Pod("kube-system", "calico-kube-controllers-6879d4fcdc-8k2lm", "control-plane",
            nth(b["control-plane"], 2), image="docker.io/calico/kube-controllers:v3.30.4",
            created="07:58:41"),
        Pod("kube-system", "coredns-7c65d6cfc9-m2j8w", "worker", nth(b["worker"], 1),
            image="registry.k8s.io/coredns/coredns:v1.11.3", created="08:02:13"),
        Pod("default", "web-5d9c8b7f6d-q7x2m", "worker", nth(b["worker"], 2),
            image="docker.io/library/nginx:1.27", created="08:20:11"),
        Pod("default", "api-6b8f9d4c7-m4n8p", "worker", nth(b["worker"], 4),
            image="ghcr.io/example/api:2.4.1", created="09:41:57"),
        Pod("default", "web-5d9c8b7f6d-h2j5k", "worker2", nth(b["worker2"], 1),
            image="docker.io/library/nginx:1.27", created="08:20:11"),
        Pod("default", "db-0", "worker2", nth(b["worker2"], 2),
            image="docker.io/library/postgres:17", created="08:21:30"),
        Pod("default", "web-5d9c8b7f6d-z8c3v", "worker3", nth(b["worker3"], 1),
            image="docker.io/library/nginx:1.27", created="08:20:12"),
    ]
    if with_host_pods:
        for n, sfx in (("control-plane", "h7x2k"), ("worker", "q9v4t"), ("worker2", "b2n6s"),
                       ("worker3", "w5r8d")):
            pods.append(Pod("kube-system", f"calico-node-{sfx}", n, nodes[n].ip, host=True,
                            image="docker.io/calico/node:v3.30.4", created="07:57:02"))
        for n, sfx in (("control-plane", "7fkzq"), ("worker", "l4d9x"), ("worker2", "m8c2p"),
                       ("worker3", "t6w3h")):
            pods.append(Pod("kube-system", f"kube-proxy-{sfx}", n, nodes[n].ip, host=True,
                            image="registry.k8s.io/kube-proxy:v1.31.2", created="07:55:19"))
    return pods


class Pool:
    def __init__(self, name, cidr, vxlan="Never", ipip="Never", api="crd", block_size=26,
                 allowed=("Workload", "Tunnel"), nat=True, selector="all()"):
        self.name, self.cidr, self.vxlan, self.ipip, self.api = name, cidr, vxlan, ipip, api
        self.block_size, self.allowed, self.nat, self.selector = block_size, list(allowed), nat, selector

    @property
    def kind(self):
        if self.vxlan != "Never":
            return "vxlan"
        if self.ipip != "Never":
            return "ipip"
        return "noencap"

    @property
    def cross(self):
        return "CrossSubnet" in (self.vxlan, self.ipip)


class Cluster:
    """The cluster intent for one scenario, plus the derived IPAM."""

    def __init__(self, nodes, pools, pods, backend, *, felix=None, calico_config=True,
                 node_api="k8s", extra_blocks=None):
        self.nodes, self.pools, self.pods, self.backend = nodes, pools, pods, backend
        self.felix = felix or {}
        self.calico_config = calico_config
        self.node_api = node_api
        self.extra_blocks = extra_blocks or []  # (cidr, owner) for blocks without tunnel/pods
        self.affinity_overrides = {}

    def pool_for(self, cidr):
        net = ipaddress.ip_network(cidr)
        best = None
        for p in self.pools:
            pn = ipaddress.ip_network(p.cidr)
            if net.subnet_of(pn) and (best is None or pn.prefixlen > ipaddress.ip_network(best.cidr).prefixlen):
                best = p
        return best

    def vxlan_enabled(self):
        return any(p.vxlan != "Never" for p in self.pools)

    def ipip_enabled(self):
        return any(p.ipip != "Never" for p in self.pools)

    def blocks(self):
        """{cidr: {"owner": node, "allocs": {ordinal: attrdict}}} from tunnel IPs and pod IPs."""
        blocks = {}
        for n in self.nodes.values():
            blocks.setdefault(n.block, {"owner": n.name, "allocs": {}})
        for cidr, owner in self.extra_blocks:
            blocks.setdefault(cidr, {"owner": owner, "allocs": {}})

        def place(ip, attr):
            for cidr, b in blocks.items():
                if in_net(ip, cidr):
                    off = int(ipaddress.ip_address(ip)) - int(ipaddress.ip_network(cidr).network_address)
                    b["allocs"][off] = attr
                    return
            raise SystemExit(f"no block for {ip}")

        for n in self.nodes.values():
            if n.vxlan_tun:
                place(n.vxlan_tun, {"handle_id": f"vxlan-tunnel-addr-{n.name}",
                                    "secondary": {"node": n.name, "type": "vxlanTunnelAddress",
                                                  "timestamp": ipam_ts("07:57:09")}})
            if n.ipip_tun:
                place(n.ipip_tun, {"handle_id": f"ipip-tunnel-addr-{n.name}",
                                   "secondary": {"node": n.name, "type": "ipipTunnelAddress",
                                                 "timestamp": ipam_ts("07:57:09")}})
        for p in self.pods:
            if p.host or not p.ip:
                continue
            attr = {"handle_id": f"k8s-pod-network.{p.cid}",
                    "secondary": {"namespace": p.ns, "node": p.node, "pod": p.name,
                                  "timestamp": ipam_ts(p.created)}}
            if "cni.projectcalico.org/ipAddrs" in p.annotations:
                attr["_fixed"] = True  # asked for by address, so not taken in ordinal order
            place(p.ip, attr)
        return blocks


# ---------------------------------------------------------------------------------------------
# cluster YAML

def meta(name, created, *, namespace=None, extra=None, calico_meta=False, gen=None):
    m = {"creationTimestamp": created, "name": name,
         "resourceVersion": str(int(sha1hex("rv" + name)[:6], 16) % 900000 + 1000),
         "uid": pseudo_uuid("uid:" + (namespace or "") + name)}
    if namespace:
        m["namespace"] = namespace
    if calico_meta:
        m["annotations"] = {"projectcalico.org/metadata": '{"creationTimestamp":null}'}
    if gen is not None:
        m["generation"] = gen
    if extra:
        for k, v in extra.items():
            if k in m and isinstance(m[k], dict):
                m[k].update(v)
            else:
                m[k] = v
    return m


def k8s_labels(n):
    lab = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
           "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": n.name,
           "kubernetes.io/os": "linux"}
    if n.role == "control-plane":
        lab["node-role.kubernetes.io/control-plane"] = ""
        lab["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    return lab


def yaml_nodes(c):
    items = []
    for n in c.nodes.values():
        if c.node_api == "v3":
            spec = {"addresses": [{"address": f"{n.ip}/{n.prefix}", "type": "CalicoNodeIP"},
                                  {"address": n.ip, "type": "InternalIP"}],
                    "orchRefs": [{"nodeName": n.name, "orchestrator": "k8s"}]}
            bgp = {"ipv4Address": f"{n.ip}/{n.prefix}"}
            if n.ipip_tun:
                bgp["ipv4IPIPTunnelAddr"] = n.ipip_tun
            spec["bgp"] = bgp
            if n.vxlan_tun:
                spec["ipv4VXLANTunnelAddr"] = n.vxlan_tun
            if n.mac_annotation:
                spec["vxlanTunnelMACAddr"] = n.mac_annotation
            items.append({
                "apiVersion": "projectcalico.org/v3", "kind": "Node",
                "metadata": meta(n.name, ts("07:54:31"), extra={
                    "labels": k8s_labels(n),
                    "annotations": {"projectcalico.org/kube-labels": json.dumps(k8s_labels(n), separators=(",", ":"), sort_keys=True)}}),
                "spec": spec, "status": {"podCIDRs": [n.podcidr]}})
            continue
        ann = {"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
               "node.alpha.kubernetes.io/ttl": "0",
               "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
        if n.has_ipv4:
            ann["projectcalico.org/IPv4Address"] = f"{n.ip}/{n.prefix}"
        if n.vxlan_tun:
            ann["projectcalico.org/IPv4VXLANTunnelAddr"] = n.vxlan_tun
        if n.ipip_tun:
            ann["projectcalico.org/IPv4IPIPTunnelAddr"] = n.ipip_tun
        if n.mac_annotation:
            ann["projectcalico.org/VXLANTunnelMACAddr"] = n.mac_annotation
        spec = {"podCIDR": n.podcidr, "podCIDRs": [n.podcidr]}
        if n.role == "control-plane":
            spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
        status = {
            "addresses": [{"address": n.ip, "type": "InternalIP"}, {"address": n.name, "type": "Hostname"}],
            "allocatable": {"cpu": "4", "ephemeral-storage": "47227066046", "hugepages-2Mi": "0",
                            "memory": "8036852Ki", "pods": "110"},
            "capacity": {"cpu": "4", "ephemeral-storage": "51246560Ki", "hugepages-2Mi": "0",
                         "memory": "8139252Ki", "pods": "110"},
            "conditions": [
                {"lastHeartbeatTime": ts("07:57:31"), "lastTransitionTime": ts("07:57:31"),
                 "message": "Calico is running on this node", "reason": "CalicoIsUp",
                 "status": "False", "type": "NetworkUnavailable"},
                {"lastHeartbeatTime": ts("06:12:48", NOW_DAY), "lastTransitionTime": ts("07:57:40"),
                 "message": "kubelet is posting ready status", "reason": "KubeletReady",
                 "status": "True", "type": "Ready"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"architecture": "amd64", "bootID": pseudo_uuid("boot" + n.name),
                         "containerRuntimeVersion": "containerd://1.7.24",
                         "kernelVersion": "6.8.0-48-generic", "kubeProxyVersion": "v1.31.2",
                         "kubeletVersion": "v1.31.2", "machineID": sha1hex("mid" + n.name)[:32],
                         "operatingSystem": "linux", "osImage": "Ubuntu 24.04.1 LTS",
                         "systemUUID": pseudo_uuid("sys" + n.name)}}
        items.append({"apiVersion": "v1", "kind": "Node",
                      "metadata": meta(n.name, ts("07:54:31"), extra={"annotations": ann, "labels": k8s_labels(n)}),
                      "spec": spec, "status": status})
    return kubelist(items)


def yaml_pools(c):
    items = []
    for p in c.pools:
        spec = {"allowedUses": p.allowed, "blockSize": p.block_size, "cidr": p.cidr,
                "ipipMode": p.ipip, "natOutgoing": p.nat, "nodeSelector": p.selector,
                "vxlanMode": p.vxlan}
        if p.api == "v3":
            spec["assignmentMode"] = "Automatic"
            items.append({"apiVersion": "projectcalico.org/v3", "kind": "IPPool",
                          "metadata": meta(p.name, ts("07:57:05")), "spec": spec})
        else:
            items.append({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool",
                          "metadata": meta(p.name, ts("07:57:05"), calico_meta=True, gen=1), "spec": spec})
    return kubelist(items)


def block_name(cidr):
    return cidr.replace(".", "-").replace("/", "-")


def yaml_blocks(c):
    items = []
    for cidr, b in sorted(c.blocks().items(), key=lambda kv: ipaddress.ip_network(kv[0])):
        size = ipaddress.ip_network(cidr).num_addresses
        allocs = [None] * size
        attrs = []
        seq = {}
        for off in sorted(b["allocs"]):
            allocs[off] = len(attrs)
            attrs.append({k: v for k, v in b["allocs"][off].items() if k != "_fixed"})
            seq[str(off)] = 1763625429000000000 + off * 1000
        # ordinals released after use go to the end of `unallocated`, as Calico IPAM does; an
        # address asked for explicitly does not mean the ordinals below it were ever used.
        in_order = [o for o, a in b["allocs"].items() if not a.get("_fixed")]
        released = [o for o in range(size) if allocs[o] is None and o < max(in_order or [0])]
        fresh = [o for o in range(size) if allocs[o] is None and o not in released]
        items.append({
            "apiVersion": "crd.projectcalico.org/v1", "kind": "IPAMBlock",
            "metadata": meta(block_name(cidr), ts("07:57:09"), calico_meta=True, gen=len(attrs) + len(released) + 1),
            "spec": {"affinity": f"host:{b['owner']}", "allocations": allocs, "attributes": attrs,
                     "cidr": cidr, "deleted": False,
                     "sequenceNumber": 1763625429000000000 + size * 1000,
                     "sequenceNumberForAllocation": seq, "strictAffinity": False,
                     "unallocated": fresh + released}})
    return kubelist(items)


def yaml_affinities(c):
    items = []
    for cidr, b in sorted(c.blocks().items(), key=lambda kv: ipaddress.ip_network(kv[0])):
        node = c.affinity_overrides.get(cidr, b["owner"])
        items.append({"apiVersion": "crd.projectcalico.org/v1", "kind": "BlockAffinity",
                      "metadata": meta(f"{node}-{block_name(cidr)}", ts("07:57:09"), calico_meta=True, gen=2),
                      "spec": {"cidr": cidr, "deleted": "false", "node": node, "state": "confirmed",
                               "type": "host"}})
    return kubelist(items)


def yaml_felix(c):
    spec = {"bpfConnectTimeLoadBalancing": "TCP", "bpfHostNetworkedNATWithoutCTLB": "Enabled",
            "bpfLogLevel": "", "floatingIPs": "Disabled", "logSeverityScreen": "Info",
            "reportingInterval": "0s"}
    spec.update(c.felix)
    return kubelist([{"apiVersion": "crd.projectcalico.org/v1", "kind": "FelixConfiguration",
                      "metadata": meta("default", ts("07:57:03"), calico_meta=True, gen=1), "spec": spec}])


def yaml_pods(c):
    items = []
    for p in sorted(c.pods, key=lambda p: (p.ns, p.name)):
        ann = {}
        if not p.host:
            ann = {"cni.projectcalico.org/containerID": p.cid,
                   "cni.projectcalico.org/podIP": f"{p.ip}/32",
                   "cni.projectcalico.org/podIPs": f"{p.ip}/32"}
        ann.update(p.annotations)
        m = meta(p.name, ts(p.created), namespace=p.ns)
        if ann:
            m["annotations"] = ann
        if p.labels:
            m["labels"] = p.labels
        cname = re.sub(r"-[a-z0-9]{8,10}-[a-z0-9]{5}$|-[a-z0-9]{5}$|-\d+$", "", p.name)
        spec = {"containers": [{"image": p.image, "imagePullPolicy": "IfNotPresent", "name": cname}],
                "dnsPolicy": "ClusterFirst", "nodeName": p.node, "restartPolicy": "Always",
                "schedulerName": "default-scheduler", "serviceAccountName": "default"}
        if p.host:
            spec["hostNetwork"] = True
        node_ip = c.nodes[p.node].ip
        status = {"hostIP": node_ip, "hostIPs": [{"ip": node_ip}], "phase": "Running",
                  "podIP": p.ip, "podIPs": [{"ip": p.ip}], "qosClass": "BestEffort",
                  "startTime": ts(p.created)}
        items.append({"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec, "status": status})
    return kubelist(items)


CNI_CONF = """{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "__KUBERNETES_NODE_NAME__",
      "mtu": __CNI_MTU__,
      "ipam": {
          "type": "calico-ipam"
      },
      "policy": {
          "type": "k8s"
      },
      "kubernetes": {
          "kubeconfig": "__KUBECONFIG_FILEPATH__"
      }
    },
    {
      "type": "portmap",
      "snat": true,
      "capabilities": {"portMappings": true}
    },
    {
      "type": "bandwidth",
      "capabilities": {"bandwidth": true}
    }
  ]
}"""


def yaml_calico_config(c):
    return kubeobj({"apiVersion": "v1", "kind": "ConfigMap",
                    "data": {"calico_backend": c.backend, "cni_network_config": CNI_CONF,
                             "typha_service_name": "none", "veth_mtu": "0"},
                    "metadata": meta("calico-config", ts("07:56:58"), namespace="kube-system")})


# ---------------------------------------------------------------------------------------------
# the node under test: desired state per calico-expected-state.md (sections 1-4), as iproute2
# commands, which scenarios then break.

class NodeBuild:
    def __init__(self):
        self.links = []      # dicts: name, kind, index, ...
        self.addrs = []      # (dev, "a.b.c.d/len", extra args)
        self.routes = []     # argument strings for `ip route add`
        self.neigh = []      # argument strings for `ip neigh add`
        self.fdb = []        # argument strings for `bridge fdb append`
        self.pods = []       # Pod objects with a cali veth
        self.pod_peer_index = 3

    def link(self, name):
        return next(l for l in self.links if l["name"] == name)

    def drop_route(self, prefix):
        before = len(self.routes)
        self.routes = [r for r in self.routes if not re.match(rf"(blackhole )?{re.escape(prefix)} ", r + " ")]
        assert len(self.routes) == before - 1, prefix

    def replace_route(self, prefix, new):
        self.drop_route(prefix)
        self.routes.append(new)

    def drop_neigh(self, ip):
        before = len(self.neigh)
        self.neigh = [n for n in self.neigh if not n.startswith(ip + " ")]
        assert len(self.neigh) == before - 1, ip


def remote_route(c, me, dst, owner_name, pool):
    """The route Calico programs on `me` for `dst` (a block or a /32) owned by `owner_name`."""
    r = c.nodes[owner_name]
    same = pool.cross and in_net(r.ip, str(me.cidr))
    if pool.kind == "vxlan":
        if same:
            return f"{dst} via {r.ip} dev eth0 proto 80 onlink"
        if r.vxlan_tun and r.has_ipv4:
            return f"{dst} via {r.vxlan_tun} dev vxlan.calico onlink"
        return None
    if pool.kind == "ipip":  # BIRD-programmed (<= v3.30)
        if same:
            return f"{dst} via {r.ip} dev eth0 proto bird"
        return f"{dst} via {r.ip} dev tunl0 proto bird onlink"
    # no-encap by BIRD: `gateway recursive`, a next hop off our subnet resolves via the underlay
    if in_net(r.ip, str(ipaddress.ip_interface(f"{me.ip}/{me.iface_prefix}").network)):
        return f"{dst} via {r.ip} dev eth0 proto bird"
    return f"{dst} via {me.gw} dev eth0 proto bird"


def desired_node(c, me_name, *, cali_indexes=(7, 10, 14, 15, 18), docker0=False, bare_tunl0=False,
                 dhcp=False):
    me = c.nodes[me_name]
    nb = NodeBuild()
    nb.links.append({"name": "eth0", "kind": "eth", "index": 2, "mac": me.eth_mac, "mtu": 1500})
    nb.addrs.append(("eth0", f"{me.ip}/{me.iface_prefix}", "metric 100" if dhcp else ""))
    if docker0:
        nb.links.append({"name": "docker0", "kind": "bridge", "index": 3, "mac": "02:42:" + pseudo_mac("docker" + me.name)[6:], "mtu": 1500})
        nb.addrs.append(("docker0", "172.17.0.1/16", "brd 172.17.255.255"))
    vx, ipip = c.vxlan_enabled(), c.ipip_enabled()
    if ipip or bare_tunl0:
        nb.links.append({"name": "tunl0", "kind": "tunl0", "index": 4, "mtu": 1480, "up": ipip})
        # pods keep eth0 at index 3 (lo, tunl0, eth0 in their netns)
        if ipip:
            nb.addrs.append(("tunl0", f"{me.ipip_tun}/32", ""))
    if vx:
        nb.links.append({"name": "vxlan.calico", "kind": "vxlan", "index": 5, "mac": vtep_mac(me.name),
                         "mtu": 1450, "vni": int(c.felix.get("vxlanVNI", 4096)),
                         "port": int(c.felix.get("vxlanPort", 4789)), "local": me.ip, "dev": "eth0",
                         "learning": False})
        nb.addrs.append(("vxlan.calico", f"{me.vxlan_tun}/32", ""))
    pod_mtu = 1450 if vx else (1480 if ipip else 1500)
    local = [p for p in c.pods if p.node == me_name and not p.host]
    for p, idx in zip(local, cali_indexes):
        nb.links.append({"name": p.cali, "kind": "cali", "index": idx, "mtu": pod_mtu, "pod": p})
        nb.pods.append(p)

    # routes
    if dhcp:
        if me.iface_prefix == 32:
            nb.routes.append(f"{me.gw} dev eth0 proto dhcp scope link src {me.ip} metric 100")
        nb.routes.append(f"default via {me.gw} dev eth0 proto dhcp src {me.ip} metric 100")
    else:
        nb.routes.append(f"default via {me.gw} dev eth0 proto static")
    blocks = c.blocks()
    for cidr, b in blocks.items():
        pool = c.pool_for(cidr)
        if b["owner"] == me_name:
            proto = "80" if pool.kind == "vxlan" else "bird"
            if ipaddress.ip_network(cidr).prefixlen < 32:
                nb.routes.append(f"blackhole {cidr} proto {proto}")
        else:
            r = remote_route(c, me, cidr, b["owner"], pool)
            if r:
                nb.routes.append(r)
        for off, attr in b["allocs"].items():
            n = attr["secondary"].get("node")
            if n and n != b["owner"] and n != me_name:
                ip = nth(cidr, off)
                r = remote_route(c, me, ip, n, pool)
                if r:
                    nb.routes.append(r)
    for p in nb.pods:
        nb.routes.append(f"{p.ip} dev {p.cali} scope link")

    # neighbours and FDB (section 1.5), pods' static ARP (1.6), plus the underlay's usual entries
    third = int(me.gw.split(".")[2])
    gwmac = f"52:54:00:5e:{third:02x}:01"
    nb.neigh.append(f"{me.gw} lladdr {gwmac} dev eth0 nud reachable")
    if me.iface_prefix < 32:
        ifnet = str(ipaddress.ip_interface(f"{me.ip}/{me.iface_prefix}").network)
        for n in c.nodes.values():
            if n.name != me_name and in_net(n.ip, ifnet):
                state = "reachable" if n.name == "worker2" else "stale"
                nb.neigh.append(f"{n.ip} lladdr {n.eth_mac} dev eth0 nud {state}")
    if vx:
        for n in c.nodes.values():
            if n.name == me_name or not n.vxlan_tun or not n.has_ipv4:
                continue
            mac = n.mac_annotation or vtep_mac(n.name)
            nb.neigh.append(f"{n.vxlan_tun} lladdr {mac} dev vxlan.calico nud permanent")
            nb.fdb.append(f"{mac} dev vxlan.calico dst {n.ip} self permanent")
    for p in nb.pods:
        nb.neigh.append(f"{p.ip} lladdr {p.mac} dev {p.cali} nud permanent")
    nb.neigh.append(f"-6 fe80::5054:ff:fe5e:{third:x}01 lladdr {gwmac} dev eth0 router nud stale")
    return nb


# ---------------------------------------------------------------------------------------------
# building and dumping the namespace

def sh(args, check=True):
    r = subprocess.run(args, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(args)}\n{r.stderr}")
    return r.stdout


def build_and_dump(tag, nb, outdir, fmt):
    ns, fab = f"nd-scn-{tag}", f"nd-scn-{tag}-f"
    podns = {p.netns: f"nd-scn-{tag}-p{i}" for i, p in enumerate(nb.pods)}
    alln = [ns, fab] + list(podns.values())
    for n in alln:
        sh(["ip", "netns", "del", n], check=False)
    try:
        for n in alln:
            sh(["ip", "netns", "add", n])
        ip = ["ip", "-n", ns]
        sh(ip + ["link", "set", "lo", "up"])
        # pod veths first, so the pods' netns get the low nsids (as on a node that has run for a while)
        for l in nb.links:
            if l["kind"] != "cali":
                continue
            p = l["pod"]
            pn = podns[p.netns]
            sh(ip + ["link", "add", l["name"], "index", str(l["index"]), "mtu", str(l["mtu"]),
                     "address", l.get("mac", "ee:ee:ee:ee:ee:ee"), "type", "veth", "peer", "name", "eth0",
                     "netns", pn, "index", str(nb.pod_peer_index), "address", p.mac, "mtu", str(l["mtu"])])
            sh(["ip", "-n", pn, "link", "set", "lo", "up"])
            sh(["ip", "-n", pn, "link", "set", "eth0", "up"])
            sh(["ip", "-n", pn, "addr", "add", f"{p.ip}/32", "dev", "eth0"])
        for l in sorted(nb.links, key=lambda l: l["index"]):
            k = l["kind"]
            if k == "eth":
                sh(ip + ["link", "add", "eth0", "index", "2", "address", l["mac"], "mtu", str(l["mtu"]),
                         "type", "veth", "peer", "name", "uplink", "netns", fab])
                sh(["ip", "-n", fab, "link", "set", "uplink", "up"])
                sh(["tc", "-n", ns, "qdisc", "replace", "dev", "eth0", "root", "pfifo_fast"])
            elif k == "bridge":
                sh(ip + ["link", "add", l["name"], "index", str(l["index"]), "address", l["mac"], "type", "bridge"])
            elif k == "tunl0":
                # placeholder: routes and addresses are real; its link records are rewritten later
                sh(ip + ["link", "add", "tunl0", "index", str(l["index"]), "type", "vxlan", "id", "999",
                         "dstport", "4790"])
                sh(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.tunl0.disable_ipv6=1"])
                sh(ip + ["link", "set", "tunl0", "mtu", str(l["mtu"])])
            elif k == "vxlan":
                args = ip + ["link", "add", "vxlan.calico", "index", str(l["index"]), "address", l["mac"],
                             "mtu", str(l["mtu"]), "type", "vxlan", "id", str(l["vni"]), "local", l["local"],
                             "dev", l["dev"], "dstport", str(l["port"])]
                args.append("learning" if l["learning"] else "nolearning")
                sh(args)
        for l in sorted(nb.links, key=lambda l: l["index"]):
            if l["kind"] == "cali" or l.get("up", True):
                sh(ip + ["link", "set", l["name"], "up"])
        for dev, a, extra in nb.addrs:
            sh(ip + ["addr", "add", a] + extra.split() + ["dev", dev])
        for r in nb.routes:
            sh(ip + ["route", "add"] + r.split())
        for n in nb.neigh:
            a = n.split()
            fam = []
            if a[0] == "-6":
                fam, a = ["-6"], a[1:]
            sh(["ip"] + fam + ["-n", ns, "neigh", "add"] + a)
        for f in nb.fdb:
            sh(["bridge", "-n", ns, "fdb", "append"] + f.split())
        time.sleep(3)  # let IPv6 DAD finish, as on a node that has been up for a while

        def run(*a):
            return sh(list(a))

        nodedir = outdir
        os.makedirs(nodedir, exist_ok=True)
        if fmt == "text":
            files = {"ip-link.txt": run("ip", "-n", ns, "-d", "link", "show"),
                     "ip-addr.txt": run("ip", "-n", ns, "addr", "show"),
                     "ip-route.txt": run("ip", "-n", ns, "-d", "route", "show", "table", "all"),
                     "ip-neigh.txt": run("ip", "-n", ns, "neigh", "show"),
                     "bridge-fdb.txt": run("bridge", "-n", ns, "fdb", "show")}
        elif fmt == "plain":
            files = {"ip-link.txt": run("ip", "-n", ns, "link", "show"),
                     "ip-addr.txt": run("ip", "-n", ns, "addr", "show"),
                     "ip-route.txt": run("ip", "-n", ns, "route", "show"),
                     "ip-neigh.txt": run("ip", "-n", ns, "neigh", "show"),
                     "bridge-fdb.txt": run("bridge", "-n", ns, "fdb", "show")}
        elif fmt == "json":
            files = {"ip-link.json": run("ip", "-n", ns, "-d", "-j", "link", "show"),
                     "ip-addr.json": run("ip", "-n", ns, "-j", "addr", "show"),
                     "ip-route.json": run("ip", "-n", ns, "-d", "-j", "route", "show", "table", "all"),
                     "ip-neigh.json": run("ip", "-n", ns, "-j", "neigh", "show"),
                     "bridge-fdb.json": run("bridge", "-n", ns, "-j", "fdb", "show")}
        else:
            raise SystemExit(fmt)
        tunl = next((l for l in nb.links if l["kind"] == "tunl0"), None)
        for fname, text in files.items():
            text = postprocess(fname, text, fab, podns, tunl, fmt)
            with open(os.path.join(nodedir, fname), "w") as f:
                f.write(text)
    finally:
        for n in alln:
            sh(["ip", "netns", "del", n], check=False)


def split_records(text):
    recs, cur = [], []
    for line in text.splitlines(keepends=True):
        if re.match(r"^\d+: ", line) and cur:
            recs.append(cur)
            cur = []
        cur.append(line)
    if cur:
        recs.append(cur)
    return recs


TUNL0_D = ("{idx}: tunl0@NONE: <{flags}> mtu {mtu} qdisc {q} state {st} mode DEFAULT group default qlen 1000\n"
           "    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 \n"
           "    ipip any remote any local any ttl inherit nopmtudisc addrgenmode eui64 numtxqueues 1 "
           "numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 65536 tso_max_segs 65535 "
           "gro_max_size 65536 \n")
TUNL0_PLAIN = ("{idx}: tunl0@NONE: <{flags}> mtu {mtu} qdisc {q} state {st} mode DEFAULT group default qlen 1000\n"
               "    link/ipip 0.0.0.0 brd 0.0.0.0\n")
TUNL0_ADDR = ("{idx}: tunl0@NONE: <{flags}> mtu {mtu} qdisc {q} state {st} group default qlen 1000\n"
              "    link/ipip 0.0.0.0 brd 0.0.0.0\n")


def postprocess(fname, text, fab, podns, tunl, fmt):
    rev = {v: k for k, v in podns.items()}
    if fname.endswith(".json"):
        data = json.loads(text)
        for e in data:
            if e.get("ifname") == "eth0" and "link_netnsid" in e:
                # a NIC, not a veth: no peer, no link-netns, no kind
                e.pop("link_index", None)
                e.pop("link_netnsid", None)
                e.pop("linkinfo", None)
            if e.get("ifname") == "tunl0":
                raise SystemExit("tunl0 in a JSON scenario is not supported")
        return json.dumps(data, separators=(",", ":")) + "\n"
    for short, real in rev.items():
        text = re.sub(rf"\b{re.escape(short)}\b", real, text)
    if fname not in ("ip-link.txt", "ip-addr.txt"):
        return text
    out = []
    for rec in split_records(text):
        head = rec[0]
        m = re.match(r"^(\d+): ([^:@]+)(@[^:]+)?: ", head)
        name = m.group(2) if m else None
        if name == "eth0":
            s = "".join(rec)
            s = s.replace("eth0@if2:", "eth0:", 1)
            s = re.sub(rf" link-netns {re.escape(fab)}", "", s)
            s = s.replace("\n    veth ", "", 1)
            out.append(s)
        elif name == "tunl0":
            up = tunl.get("up", True)
            d = {"idx": tunl["index"], "mtu": tunl["mtu"],
                 "flags": "NOARP,UP,LOWER_UP" if up else "NOARP",
                 "q": "noqueue" if up else "noop", "st": "UNKNOWN" if up else "DOWN"}
            if fname == "ip-addr.txt":
                rest = [l for l in rec[2:]]
                out.append(TUNL0_ADDR.format(**d) + "".join(rest))
            else:
                out.append((TUNL0_D if fmt == "text" else TUNL0_PLAIN).format(**d))
        else:
            out.append("".join(rec))
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# scenarios

def vx_lab(mode="Always", pool_api="crd", worker3_ip="10.10.20.13", host_pods=True):
    nodes = lab_nodes(worker3_ip)
    for n in nodes.values():
        n.vxlan_tun = nth(n.block, 0)
    pods = lab_pods(nodes, host_pods)
    pools = [Pool("default-ipv4-ippool", "192.168.0.0/16", vxlan=mode, api=pool_api)]
    return nodes, pools, pods


SCENARIOS = {}


def scenario(name):
    def deco(fn):
        SCENARIOS[name] = fn
        return fn
    return deco


@scenario("vxlan-always-healthy")
def s_vxlan_always_healthy():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker", docker0=True)
    return c, nb, "text"


@scenario("vxlan-crosssubnet-healthy")
def s_vxlan_cs_healthy():
    nodes, pools, pods = vx_lab("CrossSubnet", pool_api="v3")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker", bare_tunl0=True)
    return c, nb, "text"


@scenario("vxlan-stale-fdb")
def s_vxlan_stale_fdb():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    mac = vtep_mac("worker3")
    nb.fdb = [f if not f.startswith(mac) else f"{mac} dev vxlan.calico dst 10.10.20.99 self permanent" for f in nb.fdb]
    return c, nb, "text"


@scenario("vxlan-missing-neigh")
def s_vxlan_missing_neigh():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    nb.drop_neigh(nodes["worker2"].vxlan_tun)
    return c, nb, "text"


@scenario("vxlan-wrong-vni")
def s_vxlan_wrong_vni():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan", felix={"vxlanVNI": 4096})
    nb = desired_node(c, "worker")
    nb.link("vxlan.calico")["vni"] = 4097
    return c, nb, "text"


@scenario("vxlan-wrong-port")
def s_vxlan_wrong_port():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    nb.link("vxlan.calico")["port"] = 8472
    return c, nb, "json"


@scenario("vxlan-crosssubnet-tunnel-route")
def s_vxlan_cs_tunnel_route():
    nodes, pools, pods = vx_lab("CrossSubnet", pool_api="v3")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    w2 = nodes["worker2"]
    nb.replace_route(w2.block, f"{w2.block} via {w2.vxlan_tun} dev vxlan.calico onlink")
    return c, nb, "text"


@scenario("vxlan-crosssubnet-degraded")
def s_vxlan_cs_degraded():
    nodes, pools, pods = vx_lab("CrossSubnet")
    nodes["worker"].prefix = 32
    nodes["worker"].iface_prefix = 32
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker", dhcp=True)
    return c, nb, "text"


@scenario("mtu-above-budget")
def s_mtu_above_budget():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    for l in nb.links:
        if l["kind"] == "cali" and l["pod"].name != "coredns-7c65d6cfc9-m2j8w":
            l["mtu"] = 1500
    return c, nb, "text"


@scenario("missing-blackhole")
def s_missing_blackhole():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    nb.drop_route(nodes["worker"].block)
    return c, nb, "text"


@scenario("stray-permanent-neighbour")
def s_stray_neigh():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    # worker4 (10.10.10.14, block 192.168.17.0/26, tunnel 192.168.17.0) was deleted from the cluster
    nb.neigh.append(f"192.168.17.0 lladdr {vtep_mac('worker4')} dev vxlan.calico nud permanent")
    nb.fdb.append(f"{vtep_mac('worker4')} dev vxlan.calico dst 10.10.10.14 self permanent")
    return c, nb, "json"


@scenario("mixed-pools")
def s_mixed_pools():
    nodes = lab_nodes()
    for n in nodes.values():
        n.vxlan_tun = nth(n.block, 0)
    pods = lab_pods(nodes)
    pods += [Pod("analytics", "spark-worker-0", "worker", "172.16.12.0", created="10:03:44",
                 image="docker.io/apache/spark:3.5.3"),
             Pod("analytics", "spark-worker-1", "worker2", "172.16.33.64", created="10:03:44",
                 image="docker.io/apache/spark:3.5.3")]
    pools = [Pool("default-ipv4-ippool", "192.168.0.0/16", vxlan="CrossSubnet"),
             Pool("analytics-noencap", "172.16.0.0/16", allowed=("Workload",), nat=False)]
    c = Cluster(nodes, pools, pods, "bird",
                extra_blocks=[("172.16.12.0/26", "worker"), ("172.16.33.64/26", "worker2")])
    nb = desired_node(c, "worker")
    return c, nb, "text"


def ipip_lab(mode, pool_api, node_api):
    nodes = lab_nodes()
    for n in nodes.values():
        n.ipip_tun = nth(n.block, 0)
    pods = lab_pods(nodes)
    pools = [Pool("default-ipv4-ippool", "192.168.0.0/16", ipip=mode, api=pool_api)]
    return Cluster(nodes, pools, pods, "bird", node_api=node_api)


@scenario("ipip-always-bird")
def s_ipip_always():
    c = ipip_lab("Always", "v3", "v3")
    nb = desired_node(c, "worker", docker0=True)
    return c, nb, "text"


@scenario("ipip-crosssubnet-bird")
def s_ipip_cs():
    c = ipip_lab("CrossSubnet", "crd", "k8s")
    nb = desired_node(c, "worker")
    return c, nb, "text"


def bgp_lab(worker3_ip, pool_api):
    nodes = lab_nodes(worker3_ip)
    pods = lab_pods(nodes)
    pools = [Pool("default-ipv4-ippool", "192.168.0.0/16", api=pool_api)]
    return Cluster(nodes, pools, pods, "bird", node_api="v3")


@scenario("bgp-noencap")
def s_bgp_noencap():
    c = bgp_lab("10.10.10.13", "v3")
    nb = desired_node(c, "worker")
    return c, nb, "text"


@scenario("bgp-noencap-cross-subnet")
def s_bgp_noencap_cs():
    c = bgp_lab("10.10.20.13", "crd")
    nb = desired_node(c, "worker")
    return c, nb, "text"


@scenario("borrowed-ips")
def s_borrowed():
    nodes, pools, pods = vx_lab("Always", pool_api="v3")
    pods.append(Pod("default", "legacy-fixed-ip-0", "worker3", "192.168.133.200", created="11:15:02",
                    annotations={"cni.projectcalico.org/ipAddrs": '["192.168.133.200"]'},
                    image="ghcr.io/example/legacy:1.0"))
    for p in pods:  # operator install: Calico's own pods live in calico-system
        if p.name.startswith(("calico-node-", "calico-kube-controllers-")):
            p.ns = "calico-system"
    c = Cluster(nodes, pools, pods, "vxlan", calico_config=False)
    nb = desired_node(c, "worker")
    return c, nb, "text"


@scenario("vxlan-device-missing")
def s_device_missing():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    # `ip link del vxlan.calico`: the kernel drops the device's routes, neighbours and FDB with it
    nb.links = [l for l in nb.links if l["name"] != "vxlan.calico"]
    nb.addrs = [a for a in nb.addrs if a[0] != "vxlan.calico"]
    nb.routes = [r for r in nb.routes if "dev vxlan.calico" not in r]
    nb.neigh = [n for n in nb.neigh if "dev vxlan.calico" not in n]
    nb.fdb = []
    return c, nb, "text"


@scenario("plain-dumps-healthy")
def s_plain():
    nodes, pools, pods = vx_lab("CrossSubnet", pool_api="v3")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker", bare_tunl0=True)
    return c, nb, "plain"


@scenario("json-dumps")
def s_json():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    return c, nb, "json"


# ---- extra scenarios (not in the original brief): one fault each, for codes the list above misses

@scenario("vxlan-learning-on")
def s_learning_on():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    nb.link("vxlan.calico")["learning"] = True
    return c, nb, "text"


@scenario("vxlan-mac-annotation-mismatch")
def s_mac_annotation():
    nodes, pools, pods = vx_lab("Always")
    nodes["worker"].mac_annotation = "02:ca:11:c0:0a:0b"
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    nb.link("vxlan.calico")["mac"] = vtep_mac("worker")
    return c, nb, "text"


@scenario("peer-no-vtep")
def s_peer_no_vtep():
    nodes, pools, pods = vx_lab("Always")
    nodes["worker3"].vxlan_tun = None
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    return c, nb, "text"


@scenario("stale-blackhole")
def s_stale_blackhole():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    nb.routes.append("blackhole 192.168.81.64/26 proto 80")
    return c, nb, "text"


@scenario("workload-route-orphan")
def s_orphan():
    nodes, pools, pods = vx_lab("Always")
    c = Cluster(nodes, pools, pods, "vxlan")
    nb = desired_node(c, "worker")
    ghost = Pod("default", "web-5d9c8b7f6d-v8r4n", "worker", nth(nodes["worker"].block, 3), created="08:20:11")
    nb.links.append({"name": ghost.cali, "kind": "cali", "index": 9, "mtu": 1450, "pod": ghost})
    nb.pods.append(ghost)
    nb.routes.append(f"{ghost.ip} dev {ghost.cali} scope link")
    nb.neigh.append(f"{ghost.ip} lladdr {ghost.mac} dev {ghost.cali} nud permanent")
    return c, nb, "text"


@scenario("ipip-bgp-peer-down")
def s_ipip_peer_down():
    c = ipip_lab("Always", "crd", "k8s")
    nb = desired_node(c, "worker")
    nb.drop_route(c.nodes["worker2"].block)
    return c, nb, "text"


def write_cluster(c, d):
    os.makedirs(d, exist_ok=True)
    files = {"nodes.yaml": yaml_nodes(c), "ippools.yaml": yaml_pools(c), "ipamblocks.yaml": yaml_blocks(c),
             "blockaffinities.yaml": yaml_affinities(c), "felixconfigurations.yaml": yaml_felix(c),
             "pods.yaml": yaml_pods(c)}
    if c.calico_config:
        files["calico-config.yaml"] = yaml_calico_config(c)
    for k, v in files.items():
        with open(os.path.join(d, k), "w") as f:
            f.write(v)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    only = sys.argv[2:]
    for i, (name, fn) in enumerate(SCENARIOS.items()):
        if only and name not in only:
            continue
        c, nb, fmt = fn()
        d = os.path.join(out, name)
        for sub in ("cluster", "nodes/worker"):
            p = os.path.join(d, sub)
            if os.path.isdir(p):
                for f in os.listdir(p):
                    os.unlink(os.path.join(p, f))
        write_cluster(c, os.path.join(d, "cluster"))
        build_and_dump(f"{i:02d}", nb, os.path.join(d, "nodes", "worker"), fmt)
        print("wrote", name)


if __name__ == "__main__":
    main()
