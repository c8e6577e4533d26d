#!/usr/bin/env python3
"""Regenerates the `netdiag trace` fixtures (testdata/trace/<name>/): one cluster intent and the
dumps of every node that runs pods (worker, worker2, worker3), in the `--from DIR` layout
(`cluster/`, `nodes/<node>/`), so a trace has both ends' state.

It reuses ../scenarios/generate.py: the same lab cluster, the same desired node state taken from
design/calico-expected-state.md (not from netdiag's engine), built for real in throwaway network
namespaces (nd-scn-*) and dumped with the real iproute2, then deleted. Faults are applied to one
node's desired state, as the node-status scenarios do.
Run as root:  python3 generate.py [OUTDIR] [fixture ...]
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios"))
import generate as g  # noqa: E402

NODES = ("worker", "worker2", "worker3")
FIXTURES = {}


def fixture(name):
    def deco(fn):
        FIXTURES[name] = fn
        return fn
    return deco


def vx(mode, **kw):
    nodes, pools, pods = g.vx_lab(mode, **kw)
    return g.Cluster(nodes, pools, pods, "vxlan")


@fixture("vxlan-always")
def f_vxlan_always():
    return vx("Always"), {}


@fixture("vxlan-crosssubnet")
def f_vxlan_cs():
    return vx("CrossSubnet", pool_api="v3"), {}


@fixture("vxlan-crosssubnet-asymmetric")
def f_vxlan_cs_asym():
    # worker's address is a /32 (DHCP on a cloud VM): it sees nobody in its subnet and tunnels to
    # worker2, while worker2 sees worker inside its /24 and sends directly back.
    nodes, pools, pods = g.vx_lab("CrossSubnet")
    nodes["worker"].prefix = 32
    nodes["worker"].iface_prefix = 32
    return g.Cluster(nodes, pools, pods, "vxlan"), {"worker": {"dhcp": True}}


@fixture("ipip-always")
def f_ipip_always():
    return g.ipip_lab("Always", "v3", "v3"), {}


@fixture("ipip-crosssubnet")
def f_ipip_cs():
    return g.ipip_lab("CrossSubnet", "crd", "k8s"), {}


@fixture("bgp")
def f_bgp():
    return g.bgp_lab("10.10.10.13", "v3"), {}


@fixture("bgp-cross-subnet")
def f_bgp_cs():
    return g.bgp_lab("10.10.20.13", "crd"), {}


@fixture("mixed-pools")
def f_mixed():
    nodes = g.lab_nodes()
    for n in nodes.values():
        n.vxlan_tun = g.nth(n.block, 0)
    pods = g.lab_pods(nodes)
    pods += [g.Pod("analytics", "spark-worker-0", "worker", "172.16.12.0", created="10:03:44",
                   image="docker.io/apache/spark:3.5.3"),
             g.Pod("analytics", "spark-worker-1", "worker2", "172.16.33.64", created="10:03:44",
                   image="docker.io/apache/spark:3.5.3")]
    pools = [g.Pool("default-ipv4-ippool", "192.168.0.0/16", vxlan="CrossSubnet"),
             g.Pool("analytics-noencap", "172.16.0.0/16", allowed=("Workload",), nat=False)]
    c = g.Cluster(nodes, pools, pods, "bird",
                  extra_blocks=[("172.16.12.0/26", "worker"), ("172.16.33.64/26", "worker2")])
    return c, {}


@fixture("borrowed-ip")
def f_borrowed():
    nodes, pools, pods = g.vx_lab("Always", pool_api="v3")
    pods.append(g.Pod("default", "legacy-fixed-ip-0", "worker3", "192.168.133.200", created="11:15:02",
                      annotations={"cni.projectcalico.org/ipAddrs": '["192.168.133.200"]'},
                      image="ghcr.io/example/legacy:1.0"))
    return g.Cluster(nodes, pools, pods, "vxlan"), {}


def stale_fdb(nb):
    mac = g.vtep_mac("worker3")
    nb.fdb = [f if not f.startswith(mac) else f"{mac} dev vxlan.calico dst 10.10.20.99 self permanent"
              for f in nb.fdb]


@fixture("vxlan-stale-fdb")
def f_stale_fdb():
    return vx("Always"), {"worker": {"fault": stale_fdb}}


def wrong_vni(nb):
    nb.link("vxlan.calico")["vni"] = 4097


@fixture("vxlan-wrong-vni-dst")
def f_wrong_vni():
    return vx("Always"), {"worker3": {"fault": wrong_vni}}


def no_workload_route(nb):
    nb.routes = [r for r in nb.routes if not (r.startswith("192.168.210.65 ") and " dev cali" in r)]


@fixture("workload-route-missing-dst")
def f_no_workload_route():
    return vx("Always"), {"worker3": {"fault": no_workload_route}}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    only = sys.argv[2:]
    for i, (name, fn) in enumerate(FIXTURES.items()):
        if only and name not in only:
            continue
        c, per_node = fn()
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        g.write_cluster(c, os.path.join(d, "cluster"))
        for j, node in enumerate(NODES):
            opts = dict(per_node.get(node, {}))
            fault = opts.pop("fault", None)
            nb = g.desired_node(c, node, **opts)
            if fault:
                fault(nb)
            nd = os.path.join(d, "nodes", node)
            os.makedirs(nd, exist_ok=True)
            g.build_and_dump(f"t{i:02d}{j}", nb, nd, "text")
        print("wrote", name)


if __name__ == "__main__":
    main()
