#!/usr/bin/env python3
"""Writes SCENARIO.md and expected-findings.txt for each scenario. The prose and the expected findings
are written by hand below, from calico-expected-state.md section 8; the cluster tables are filled from the
same scenario definitions generate.py uses, so they cannot drift from the YAML.
Run:  python3 describe.py [OUTDIR]"""
import ipaddress, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

FMT = {
    "text": "iproute2 6.1 text with details: `ip -d link show`, `ip addr show`, `ip -d route show table all`, "
            "`ip neigh show`, `bridge fdb show` (`*.txt`)",
    "plain": "iproute2 6.1 text **without** details: `ip link show`, `ip addr show`, `ip route show` (main table "
             "only, `proto boot` hidden), `ip neigh show`, `bridge fdb show` (`*.txt`)",
    "json": "iproute2 6.1 JSON: `ip -d -j link show` (`ip-link.json`), `ip -j addr show` (`ip-addr.json`), "
            "`ip -d -j route show table all` (`ip-route.json`), `ip -j neigh show` (`ip-neigh.json`), "
            "`bridge -j fdb show` (`bridge-fdb.json`)",
}

DOC = {}


def doc(name, verdict, broken, expect, findings, notes=""):
    DOC[name] = dict(verdict=verdict, broken=broken, expect=expect, findings=findings, notes=notes)


doc("vxlan-always-healthy", "healthy",
    "Nothing. The node also has a `docker0` bridge (172.17.0.1/16, no carrier, `linkdown` route) left by an old "
    "Docker install; Calico ignores it and so must netdiag (it is neither the parent nor the node IP).",
    "- §1.2 tunnel route per remote block: `<block> via <tunnel IP> dev vxlan.calico onlink`, proto boot (3), no mtu "
    "(v3.30 < v3.31).\n- §1.3 `blackhole 192.168.81.0/26 proto 80`.\n- §1.5 one PERMANENT neighbour and one "
    "`self permanent` FDB entry per remote VTEP.\n- §1.6 `/32 dev caliXXXX scope link` per local pod, metric 0 (< v3.32), "
    "PERMANENT ARP per pod; host-network pods (calico-node, kube-proxy) get nothing.\n- §2 device: VNI 4096, port 4789, "
    "`local 10.10.10.11 dev eth0`, nolearning, MAC 66:10:f5:eb:e6:ac, MTU 1500-50 = 1450, `192.168.81.0/32`.",
    [])

doc("vxlan-crosssubnet-healthy", "healthy",
    "Nothing. `tunl0@NONE` exists without an address and DOWN (the ipip module is loaded; the cluster once "
    "used IPIP): rule 3 only warns about tunl0 **carrying addresses**, so this must not be reported.",
    "- §1.2 same-subnet form for peers inside worker's 10.10.10.0/24 (control-plane, worker2): "
    "`<block> via <node IP> dev eth0 proto 80 onlink`; tunnel form for worker3 (10.10.20.13): "
    "`192.168.210.64/26 via 192.168.210.64 dev vxlan.calico onlink`.\n- §1.5 neighbours and FDB for **all** "
    "remote VTEPs, same-subnet ones included.\n- §8 rule 12: every pair is symmetric (all prefixes are /24).",
    [])

doc("vxlan-stale-fdb", "broken: worker3's FDB entry points at its old node IP",
    "worker3 was re-addressed from 10.10.20.99 to 10.10.20.13 (its Node annotation and InternalIP are already "
    "the new address). calico-node on worker has been crash-looping since before the change, so the FDB entry "
    "for worker3's VTEP MAC still says `dst 10.10.20.99`. Route and neighbour for worker3 are correct, so "
    "traffic to 192.168.210.64/26 is encapsulated towards an address nobody answers on.",
    "- §1.5: expect `66:5a:cd:e9:86:51 dev vxlan.calico dst 10.10.20.13 self permanent`.\n"
    "- §7.1 signature; §8 rule 9: a dst that differs from the current NodeIP(R) → FAIL (\"stale FDB after IP change\").",
    ["VXLAN-FDB-STALE-DST 66:5a:cd:e9:86:51"])

doc("vxlan-missing-neigh", "broken: no ARP entry for worker2's VTEP",
    "The PERMANENT neighbour `192.168.133.192 lladdr 66:54:bd:6c:19:2d` on vxlan.calico is missing (someone ran "
    "`ip neigh flush dev vxlan.calico` while Felix was stopped). Route and FDB for worker2 are present. No "
    "traffic has been tried yet, so there is no INCOMPLETE/FAILED entry either.",
    "- §1.5 neighbour per remote VTEP.\n- §8 rule 8: missing → FAIL.",
    ["VXLAN-NEIGH-MISSING 192.168.133.192"])

doc("vxlan-wrong-vni", "broken: vxlan.calico has VNI 4097, FelixConfiguration says 4096",
    "The FelixConfiguration `default` sets `vxlanVNI: 4096` explicitly. vxlan.calico on worker was left by an "
    "earlier install that used 4097, and Felix on worker is not running (it would delete and recreate the device "
    "within 10 s, §2). Everything else on the node is as Felix programs it.",
    "- §2: `id` = vxlanVNI.\n- §8 rule 2: vxlan id == vxlanVNI, else FAIL.",
    ["VXLAN-VNI-MISMATCH vxlan.calico"])

doc("vxlan-wrong-port", "broken: vxlan.calico uses dstport 8472, Felix expects 4789",
    "The FelixConfiguration sets no vxlanPort, so the default 4789 applies. vxlan.calico on worker was created "
    "with `dstport 8472` (the VMware workaround of §7.6, applied on this node only and never reverted), and Felix "
    "has not reconciled it. The dumps are the JSON forms, so the port is `linkinfo.info_data.port`.",
    "- §2: `dstport` = vxlanPort (default 4789, §5 FelixConfiguration defaults).\n- §8 rule 2 → FAIL.",
    ["VXLAN-PORT-MISMATCH vxlan.calico"])

doc("vxlan-crosssubnet-tunnel-route", "broken: worker2's block goes through the tunnel although worker2 is in worker's subnet",
    "worker2 (10.10.10.12/24) is inside worker's 10.10.10.0/24, so Felix's CrossSubnet rule gives a direct route. "
    "On worker the route is `192.168.133.192/26 via 192.168.133.192 dev vxlan.calico onlink` instead (stale: worker2 "
    "used to sit in another subnet, and worker's Felix has not resynced). The Node annotations are correct. The "
    "routes to control-plane (direct) and worker3 (tunnel) are correct.",
    "- §1.2 same-subnet route `192.168.133.192/26 via 10.10.10.12 dev eth0 proto 80 onlink`; E6 sameSubnet uses "
    "worker's own prefix.\n- §8 rule 4: wrong gateway/device → FAIL; the engine's code for tunnel-where-direct is "
    "ROUTE-WRONG-PATH.",
    ["ROUTE-WRONG-PATH 192.168.133.192/26"])

doc("vxlan-crosssubnet-degraded", "warning: worker's IPv4Address is a /32, so CrossSubnet behaves as Always on worker",
    "worker's eth0 is configured GCE-style with `10.10.10.11/32` plus a DHCP host route to the gateway, and "
    "calico-node autodetected `projectcalico.org/IPv4Address: 10.10.10.11/32`. The other nodes are /24. "
    "Felix on worker therefore finds no peer inside its own prefix and sends **every** remote block through "
    "vxlan.calico: those routes are exactly what Felix programs, so no route finding is expected. But "
    "control-plane and worker2 (10.10.10.0/24) do consider worker same-subnet and send to it natively: the "
    "paths are asymmetric.",
    "- §1.1 `nodeInOurSubnet` uses the LOCAL node's prefix; §7.9 signature (/32 prefix).\n- §8 rule 12: "
    "local prefix /32 with CrossSubnet pools → WARN (CROSSSUBNET-DEGRADED); sameSubnet(A→B) != sameSubnet(B→A) "
    "→ WARN for worker↔control-plane and worker↔worker2 (worker3 is outside both prefixes, symmetric).\n"
    "- Routes: tunnel form for all three peers (§1.2), correct.",
    ["CROSSSUBNET-DEGRADED worker", "CROSSSUBNET-ASYMMETRIC control-plane", "CROSSSUBNET-ASYMMETRIC worker2"])

doc("mtu-above-budget", "broken: two pod veths have MTU 1500 over a 1450 tunnel",
    "Someone edited /etc/cni/net.d/10-calico.conflist on worker to `\"mtu\": 1500`. Pods created afterwards "
    "(web-5d9c8b7f6d-q7x2m → cali18fd1e230a5, api-6b8f9d4c7-m4n8p → cali62175d8b242) got 1500; coredns "
    "(cali727908bfbb3), created before, still has 1450. vxlan.calico is 1450 as Felix sets it. The ConfigMap "
    "still says `veth_mtu: \"0\"`.",
    "- §2 MTU rule: pod MTU = min over enabled encaps = 1450.\n- §7.2 signature; §8 rule 11: any cali* MTU > "
    "vxlan.calico MTU → FAIL.",
    ["MTU-POD-ABOVE-TUNNEL cali18fd1e230a5", "MTU-POD-ABOVE-TUNNEL cali62175d8b242"])

doc("missing-blackhole", "warning: no blackhole for worker's own block",
    "`blackhole 192.168.81.0/26 proto 80` is missing (deleted by hand). Everything else is as Felix programs it.",
    "- §1.3 blackhole for each local block, proto 80 for VXLAN.\n- §8 rule 5: missing → WARN.",
    ["BLACKHOLE-MISSING 192.168.81.0/26"])

doc("stray-permanent-neighbour", "warning: ARP and FDB entries for a node that no longer exists",
    "Node `worker4` (10.10.10.14, VTEP MAC 66:7b:4e:ce:c4:66 = 0x66 + SHA-1(\"worker4\")[:5], tunnel IP "
    "192.168.17.0 from its block 192.168.17.0/26) was removed from the cluster: no Node, no block, no affinity "
    "remain. worker still has `192.168.17.0 lladdr 66:7b:4e:ce:c4:66 PERMANENT` and "
    "`66:7b:4e:ce:c4:66 dst 10.10.10.14 self permanent` on vxlan.calico (Felix on worker was down when the "
    "node went away). No route to 192.168.17.0/26 remains. The dumps are the JSON forms.",
    "- §1.5 resync deletes every undesired PERMANENT entry.\n- §8 rule 8: extra PERMANENT entry for an IP that is "
    "no current VTEP → WARN; rule 9: FDB MAC that belongs to no node → WARN.",
    ["VXLAN-NEIGH-STALE 192.168.17.0", "VXLAN-FDB-UNKNOWN-MAC 66:7b:4e:ce:c4:66"])

doc("mixed-pools", "healthy",
    "Nothing. Two pools: `default-ipv4-ippool` 192.168.0.0/16 vxlanMode CrossSubnet (routes by Felix) and "
    "`analytics-noencap` 172.16.0.0/16 Never/Never, allowedUses [Workload], natOutgoing false (routes by BIRD, "
    "backend bird). worker and worker2 each also own a 172.16 block (pods in namespace `analytics`); "
    "worker's analytics pod has the block's **.0** address 172.16.12.0, which is a valid pod IP.",
    "- §4: the route follows the pool containing the block.\n- VXLAN pool: same-subnet `proto 80 onlink` via eth0 to "
    "control-plane/worker2, tunnel route to worker3, `blackhole 192.168.81.0/26 proto 80`.\n- No-encap pool: "
    "`172.16.33.64/26 via 10.10.10.12 dev eth0 proto bird` (no onlink), `blackhole 172.16.12.0/26 proto bird` "
    "(§3.2, BIRD-owned kinds).\n- MTU: pod MTU = min over enabled encaps = 1450 for pods of both pools.",
    [])

doc("ipip-always-bird", "healthy",
    "Nothing. IPIP Always, BIRD programs the routes (v3.30). The node has a leftover docker0 bridge.",
    "- §3.1 tunl0: MTU 1500-20 = 1480, address = IPv4IPIPTunnelAddr/32 (192.168.81.0/32), up; no vxlan.calico "
    "(no VXLAN pool).\n- §3.2 `<block> via <node IP> dev tunl0 proto bird onlink` for every remote block (worker3 too); "
    "`blackhole 192.168.81.0/26 proto bird`.\n- Pods 1480. No neighbours/FDB on tunl0.",
    [])

doc("ipip-crosssubnet-bird", "healthy",
    "Nothing. IPIP CrossSubnet, BIRD programs the routes (v3.30).",
    "- §3.2: next hop inside worker's 10.10.10.0/24 (control-plane, worker2) → `via <node IP> dev eth0 proto bird` "
    "**without** onlink; worker3 (10.10.20.13) → `via 10.10.20.13 dev tunl0 proto bird onlink`.\n"
    "- §8 rule 15; blackhole `proto bird`; tunl0 1480 with 192.168.81.0/32.",
    [])

doc("bgp-noencap", "healthy",
    "Nothing. Plain BGP, no encapsulation: pool Never/Never, all four nodes in 10.10.10.0/24 (worker3 is "
    "10.10.10.13 in this scenario). Calico `projectcalico.org/v3` Node objects carry the node IPs "
    "(`spec.bgp.ipv4Address`).",
    "- §3.2 BGP-only: `<block> via <node IP> dev eth0 proto bird`, no onlink, no metric (< v3.32); blackhole "
    "`proto bird`.\n- No tunnel devices, no tunnel addresses in IPAM; pod MTU = host MTU 1500 (§2: no encap enabled).",
    [])

doc("bgp-noencap-cross-subnet", "warning: a no-encap pool spans two subnets",
    "Same as bgp-noencap, but worker3 is 10.10.20.13 in 10.10.20.0/24. BIRD's `gateway recursive` resolves "
    "worker3's next hop through worker's default route, so worker has "
    "`192.168.210.64/26 via 10.10.10.1 dev eth0 proto bird`: pod traffic to worker3 is handed unencapsulated "
    "to the router 10.10.10.1, which only works if the fabric itself knows the pod routes.",
    "- §3.2 BGP-only and `gateway recursive`; §4 no-encap pools.\n- The engine's code for this is "
    "BGP-NOENCAP-CROSS-SUBNET (warning), once per peer outside worker's subnet (worker3; every block it "
    "owns is affected). The route itself is what BIRD programs, so no ROUTE-* finding is expected for it.",
    ["BGP-NOENCAP-CROSS-SUBNET worker3"])

doc("borrowed-ips", "healthy",
    "Nothing. Pod `default/legacy-fixed-ip-0` runs on worker3 but has the fixed address 192.168.133.200 "
    "(annotation `cni.projectcalico.org/ipAddrs`) from worker2's block 192.168.133.192/26; IPAM records it with "
    "`secondary.node: worker3`. worker therefore has the block route via worker2's VTEP **and** "
    "`192.168.133.200 via 192.168.210.64 dev vxlan.calico onlink` via worker3's VTEP. This cluster is an "
    "operator-style install: there is no `calico-config` ConfigMap, so the backend (vxlan: no BIRD routes, "
    "VXLAN Always) must be inferred (at most an INFO finding).",
    "- §1.1 `routesFromBlock` /32 per non-affine allocation; §1.4 borrowed workload IP; §8 rule 6.",
    [])

doc("vxlan-device-missing", "broken: vxlan.calico does not exist",
    "Someone ran `ip link del vxlan.calico` on worker while calico-node was stopped. The kernel removed the "
    "device's routes, neighbours and FDB entries with it: the three remote block routes are gone; the local "
    "blackhole and the workload routes (not on vxlan.calico) remain. The intent is complete (worker has a tunnel "
    "IP, node IP and block), so the VTEP is not the cause.",
    "- §2 device expected since the pool has vxlanMode Always; §8 rule 1 → FAIL.\n- §8 rule 4 (each remote "
    "block route missing → FAIL), rule 8 (neighbour missing → FAIL) and rule 9 (FDB entry missing → FAIL) "
    "apply as written; see the note below.",
    ["VXLAN-DEVICE-MISSING vxlan.calico",
     "ROUTE-MISSING 192.168.49.128/26", "ROUTE-MISSING 192.168.133.192/26", "ROUTE-MISSING 192.168.210.64/26",
     "VXLAN-NEIGH-MISSING 192.168.49.128", "VXLAN-NEIGH-MISSING 192.168.133.192", "VXLAN-NEIGH-MISSING 192.168.210.64",
     "VXLAN-FDB-MISSING 66:a2:3e:62:72:a8", "VXLAN-FDB-MISSING 66:54:bd:6c:19:2d", "VXLAN-FDB-MISSING 66:5a:cd:e9:86:51"],
    notes="The spec's rules are independent, so every dependent entry is listed. An engine that folds the nine "
          "dependent findings under VXLAN-DEVICE-MISSING would be a deliberate design choice; if that is made, "
          "trim this file to the first line and say so in the engine's README.")

doc("plain-dumps-healthy", "healthy (details unknown)",
    "Nothing is broken: same cluster and node state as vxlan-crosssubnet-healthy (bare tunl0 included). The dumps "
    "are plain `ip link show` / `ip route show`, so the VXLAN device's VNI, port, local address and learning "
    "flag are **not in the input**, and `proto boot` is indistinguishable from a missing proto. Those checks "
    "must come out as unknown (at most INFO), not as errors.",
    "- As vxlan-crosssubnet-healthy; §0: iproute2 hides `proto boot` without `-d`.",
    [])

doc("json-dumps", "healthy",
    "Nothing. Same as vxlan-always-healthy without docker0, dumped as iproute2 JSON.",
    "- As vxlan-always-healthy. In `ip -d -j route` the protocol of Felix's tunnel/workload routes is the "
    "string `\"boot\"`, of blackholes `\"80\"`; `flags` carries `\"onlink\"`.",
    [])

doc("vxlan-learning-on", "broken: vxlan.calico learns MACs",
    "A node bootstrap script pre-creates vxlan.calico with the right VNI, port, local address, MAC, MTU and "
    "address but without `nolearning` (learning is the kernel default). Felix adopts the device: learning is not "
    "among the attributes whose mismatch makes it recreate the device (§2 reconciliation list), so the flag "
    "stays on. `ip -d link` therefore shows no `nolearning` token. Extra scenario (not in the original list).",
    "- §2: learning off.\n- §8 rule 2: nolearning, else FAIL.",
    ["VXLAN-LEARNING-ON vxlan.calico"])

doc("vxlan-mac-annotation-mismatch", "broken: worker's Node carries a VTEP MAC override that its device does not have",
    "An admin set `projectcalico.org/VXLANTunnelMACAddr: 02:ca:11:c0:0a:0b` on worker (§5: an optional override). "
    "Peers use that MAC for worker, but vxlan.calico on worker still has the derived 66:10:f5:eb:e6:ac (Felix "
    "on worker not reconciling). Extra scenario.",
    "- §1.5/E5: MAC = spec.vxlanTunnelMACAddr if set.\n- §8 rule 2: MAC == E5(N), else FAIL.",
    ["VXLAN-MAC-MISMATCH vxlan.calico"])

doc("peer-no-vtep", "broken: worker3 owns a VXLAN block but has no VTEP",
    "worker3's VXLAN tunnel address was released (no `projectcalico.org/IPv4VXLANTunnelAddr`, no "
    "vxlanTunnelAddress allocation in its block 192.168.210.64/26). Felix on worker therefore programs no route, "
    "neighbour or FDB entry for worker3 — which is what worker has. Pods on worker3 are unreachable from worker. "
    "Extra scenario.",
    "- §1.1 VTEP needs both node IP and tunnel IP; §1.2 \"If the remote VTEP is unknown, no route is "
    "programmed at all\".\n- §8 rule 4: expect no route; report \"peer R has no VTEP\".",
    ["PEER-NO-VTEP worker3"])

doc("stale-blackhole", "broken: a blackhole for a block worker no longer owns",
    "worker has `blackhole 192.168.81.64/26 proto 80` for a second block it held during a scale-up; the block "
    "and its affinity have since been released (no IPAMBlock, no BlockAffinity), and Felix on worker has not "
    "removed the route. Extra scenario.",
    "- §1.3 blackholes only for local blocks; §7.13.\n- §8 rule 5: a blackhole for a block not owned by N → FAIL.",
    ["BLACKHOLE-STALE 192.168.81.64/26"])

doc("workload-route-orphan", "warning: a cali* route for a pod that no longer exists",
    "Pod `default/web-5d9c8b7f6d-v8r4n` (192.168.81.3) was deleted but the CNI DEL failed: its host veth "
    "cali89fc257deef, the `/32` route and the PERMANENT ARP entry are still there. IPAM already released "
    "ordinal 3 and the Pod object is gone. Extra scenario.",
    "- §1.6 route ownership (`removeExternalRoutes`).\n- §8 rule 10: a route to a cali* iface with no WEP → WARN.",
    ["WORKLOAD-ROUTE-ORPHAN 192.168.81.3/32"])

doc("ipip-bgp-peer-down", "broken: no route to worker2's block (BGP session down)",
    "IPIP Always with BIRD (k8s Nodes, crd pool). The BGP session worker↔worker2 is not Established (TCP 179 "
    "blocked by a new host firewall rule on worker2), so BIRD on worker has no route for 192.168.133.192/26; "
    "the other peers' routes and the local blackhole are present. Extra scenario.",
    "- §3.2 IPIP routes by BIRD; §7.10 signature (routes for that peer's blocks missing, blackholes present).\n"
    "- §8 rule 15/4: missing → FAIL. (Rule 16 needs birdcl output, which this scenario does not include.)",
    ["ROUTE-MISSING 192.168.133.192/26"])


def lab_table(c, nb):
    rows = ["| node | Calico IPv4Address | InternalIP | block(s) | tunnel IP | VTEP MAC |", "|---|---|---|---|---|---|"]
    blocks = c.blocks()
    for n in c.nodes.values():
        bl = ", ".join(k for k, v in sorted(blocks.items()) if v["owner"] == n.name)
        tun = n.vxlan_tun and f"{n.vxlan_tun} (VXLAN)" or n.ipip_tun and f"{n.ipip_tun} (IPIP)" or "—"
        mac = (n.mac_annotation + " (annotation)" if n.mac_annotation else g.vtep_mac(n.name)) if n.vxlan_tun else "—"
        rows.append(f"| {n.name}{' **(under test)**' if n.name == 'worker' else ''} | {n.ip}/{n.prefix} | {n.ip} | {bl} | {tun} | {mac} |")
    return "\n".join(rows)


def pools_text(c):
    out = []
    for p in c.pools:
        api = "projectcalico.org/v3" if p.api == "v3" else "crd.projectcalico.org/v1"
        out.append(f"  - `{p.name}` {p.cidr}, blockSize {p.block_size}, vxlanMode {p.vxlan}, ipipMode {p.ipip}, "
                   f"natOutgoing {str(p.nat).lower()}, allowedUses [{', '.join(p.allowed)}] ({api})")
    return "\n".join(out)


def felix_text(c):
    if not c.felix:
        return "defaults (no VXLAN/MTU fields set: VNI 4096, port 4789, MTU auto)"
    return ", ".join(f"`{k}: {v}`" for k, v in c.felix.items()) + " (otherwise defaults)"


for name, fn in g.SCENARIOS.items():
    c, nb, fmt = fn()
    d = DOC[name]
    vx, ipip = c.vxlan_enabled(), c.ipip_enabled()
    mtu = 1450 if vx else 1480 if ipip else 1500
    backend = f"`calico_backend: {c.backend}` (kube-system/calico-config)" if c.calico_config else \
        f"no calico-config ConfigMap (operator-style install); the backend is {c.backend} (no BIRD routes)"
    node_api = "Calico `projectcalico.org/v3` Node objects (`spec.bgp.ipv4Address`)" if c.node_api == "v3" else \
        "Kubernetes `v1` Nodes with `projectcalico.org/*` annotations"
    text = f"""# {name}

**Verdict:** {d['verdict']}

## Cluster

- Calico v3.30 (calico/node:v3.30.4), Kubernetes v1.31, Kubernetes datastore; {backend}.
- Nodes: {node_api}.
- IP pools:
{pools_text(c)}
- FelixConfiguration `default`: {felix_text(c)}.
- Host MTU 1500 on eth0 → expected pod MTU {mtu}{' (VXLAN 1450)' if vx else ''}{' (IPIP 1480)' if ipip else ''}.

{lab_table(c, nb)}

Node under test: **worker**. Dumps in `nodes/worker/`: {FMT[fmt]}.
Pods on worker: {', '.join(f'`{p.ns}/{p.name}` {p.ip} → {p.cali}' for p in c.pods if p.node == 'worker' and not p.host)};
host-network pods (calico-node, kube-proxy) use the node IP and have no cali interface.

## What is broken

{d['broken']}

## What the spec expects (design/calico-expected-state.md)

{d['expect']}

## Expected findings (warning or error)

{chr(10).join('- `' + f + '`' for f in d['findings']) if d['findings'] else 'None (`expected-findings.txt` is empty).'}
"""
    if d["notes"]:
        text += f"\n{d['notes']}\n"
    sd = os.path.join(OUT, name)
    with open(os.path.join(sd, "SCENARIO.md"), "w") as f:
        f.write(text)
    with open(os.path.join(sd, "expected-findings.txt"), "w") as f:
        f.write("".join(x + "\n" for x in d["findings"]))
print(len(DOC), "scenarios documented")
