#!/usr/bin/env python3
"""Independent consistency check of the scenario fixtures: reads only the files in each scenario
directory (YAML + dumps), re-derives what Calico would program, and prints the differences.
Written separately from generate.py so a bug in one shows up against the other."""
import hashlib, ipaddress, json, os, re, sys
import yaml

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def mac_for(name):
    h = hashlib.sha1(name.encode()).hexdigest()
    return "66:" + ":".join(h[i:i + 2] for i in range(0, 10, 2))


def items(path):
    if not os.path.exists(path):
        return []
    d = yaml.safe_load(open(path))
    return d["items"] if d.get("kind") == "List" else [d]


def load_cluster(d):
    c = {}
    nodes = {}
    for n in items(f"{d}/cluster/nodes.yaml"):
        name = n["metadata"]["name"]
        if n["apiVersion"] == "v1":
            a = n["metadata"].get("annotations", {})
            nodes[name] = dict(cidr=a.get("projectcalico.org/IPv4Address"),
                               vx=a.get("projectcalico.org/IPv4VXLANTunnelAddr"),
                               ipip=a.get("projectcalico.org/IPv4IPIPTunnelAddr"),
                               mac=a.get("projectcalico.org/VXLANTunnelMACAddr"))
        else:
            s = n["spec"]
            nodes[name] = dict(cidr=s.get("bgp", {}).get("ipv4Address"), vx=s.get("ipv4VXLANTunnelAddr"),
                               ipip=s.get("bgp", {}).get("ipv4IPIPTunnelAddr"), mac=s.get("vxlanTunnelMACAddr"))
        nodes[name]["ip"] = nodes[name]["cidr"].split("/")[0]
        nodes[name]["mac"] = nodes[name]["mac"] or mac_for(name)
    c["nodes"] = nodes
    c["pools"] = [p["spec"] for p in items(f"{d}/cluster/ippools.yaml")]
    c["blocks"] = [b["spec"] for b in items(f"{d}/cluster/ipamblocks.yaml")]
    c["aff"] = [b["spec"] for b in items(f"{d}/cluster/blockaffinities.yaml")]
    c["felix"] = items(f"{d}/cluster/felixconfigurations.yaml")[0]["spec"]
    c["pods"] = items(f"{d}/cluster/pods.yaml")
    cc = items(f"{d}/cluster/calico-config.yaml")
    c["backend"] = cc[0]["data"]["calico_backend"] if cc else None
    return c


def pool_of(c, cidr):
    net = ipaddress.ip_network(cidr)
    best = None
    for p in c["pools"]:
        pn = ipaddress.ip_network(p["cidr"])
        if net.subnet_of(pn) and (best is None or pn.prefixlen > ipaddress.ip_network(best["cidr"]).prefixlen):
            best = p
    return best


def ptype(p):
    if p.get("vxlanMode", "Never") != "Never":
        return "vxlan"
    if p.get("ipipMode", "Never") != "Never":
        return "ipip"
    return "noencap"


def cross(p):
    return "CrossSubnet" in (p.get("vxlanMode"), p.get("ipipMode"))


# ---- dump parsing (both forms) -------------------------------------------------------------

def parse_node(d):
    nd = f"{d}/nodes/worker"
    st = {"links": {}, "routes": [], "neigh": [], "fdb": []}
    if os.path.exists(f"{nd}/ip-link.json"):
        for l in json.load(open(f"{nd}/ip-link.json")):
            info = l.get("linkinfo", {})
            st["links"][l["ifname"]] = dict(mtu=l["mtu"], mac=l.get("address"), up="UP" in l["flags"],
                                            kind=info.get("info_kind"), data=info.get("info_data", {}))
        for l in json.load(open(f"{nd}/ip-addr.json")):
            st["links"][l["ifname"]]["addrs"] = [f"{a['local']}/{a['prefixlen']}" for a in l["addr_info"] if a["family"] == "inet"]
        for r in json.load(open(f"{nd}/ip-route.json")):
            if ":" in r["dst"] or r.get("table") != "main":
                continue
            st["routes"].append(dict(type=r.get("type", "unicast"), dst=norm(r["dst"]), gw=r.get("gateway"), dev=r.get("dev"),
                                     proto=r.get("protocol", "boot"), onlink="onlink" in r.get("flags", [])))
        for n in json.load(open(f"{nd}/ip-neigh.json")):
            st["neigh"].append(dict(ip=n["dst"], dev=n["dev"], mac=n.get("lladdr"), state=n["state"][0]))
        for f in json.load(open(f"{nd}/bridge-fdb.json")):
            if "dst" in f:
                st["fdb"].append(dict(mac=f["mac"], dev=f["ifname"], dst=f["dst"], state=f.get("state"), flags=f["flags"]))
        return st
    link_txt = open(f"{nd}/ip-link.txt").read()
    for rec in re.split(r"\n(?=\d+: )", link_txt.strip()):
        m = re.match(r"(\d+): ([^:@]+)(@\S+)?: <([^>]*)> mtu (\d+)", rec)
        name = m.group(2)
        mac = re.search(r"link/\S+ (\S+)", rec).group(1)
        kind, data = None, {}
        vm = re.search(r"\n    vxlan id (\d+) (?:local (\S+) )?(?:dev (\S+) )?.*?dstport (\d+) (nolearning)?", rec)
        if vm:
            kind = "vxlan"
            data = dict(id=int(vm.group(1)), local=vm.group(2), link=vm.group(3), port=int(vm.group(4)),
                        learning=vm.group(5) is None)
        elif "vxlan" in name and "\n    " not in rec.split("\n", 2)[-1]:
            kind = "vxlan?"
        st["links"][name] = dict(mtu=int(m.group(5)), mac=mac, up="UP" in m.group(4).split(","), kind=kind, data=data)
    addr_txt = open(f"{nd}/ip-addr.txt").read()
    for rec in re.split(r"\n(?=\d+: )", addr_txt.strip()):
        name = re.match(r"\d+: ([^:@]+)", rec).group(1)
        st["links"][name]["addrs"] = re.findall(r"inet (\S+)", rec)
    for line in open(f"{nd}/ip-route.txt"):
        t = line.split()
        typ = "unicast"
        if t[0] in ("unicast", "blackhole", "local", "broadcast", "multicast", "unreachable", "prohibit"):
            typ = t.pop(0)
        if ":" in t[0]:
            continue
        kv = {}
        i = 1
        flags = []
        while i < len(t):
            if t[i] in ("via", "dev", "table", "proto", "scope", "src", "metric"):
                kv[t[i]] = t[i + 1]; i += 2
            else:
                flags.append(t[i]); i += 1
        if kv.get("table", "main") != "main":
            continue
        st["routes"].append(dict(type=typ, dst=norm(t[0]), gw=kv.get("via"), dev=kv.get("dev"),
                                 proto=kv.get("proto", "boot"), onlink="onlink" in flags))
    for line in open(f"{nd}/ip-neigh.txt"):
        t = line.split()
        dev = t[t.index("dev") + 1]
        mac = t[t.index("lladdr") + 1] if "lladdr" in t else None
        st["neigh"].append(dict(ip=t[0], dev=dev, mac=mac, state=t[-1]))
    for line in open(f"{nd}/bridge-fdb.txt"):
        t = line.split()
        if "dst" in t:
            st["fdb"].append(dict(mac=t[0], dev=t[t.index("dev") + 1], dst=t[t.index("dst") + 1], state=t[-1], flags=t))
    return st


def norm(dst):
    if dst == "default":
        return "0.0.0.0/0"
    return dst if "/" in dst else dst + "/32"


# ---- re-derivation and diff ----------------------------------------------------------------

def check(d):
    c = load_cluster(d)
    st = parse_node(d)
    me = c["nodes"]["worker"]
    mynet = ipaddress.ip_interface(me["cidr"]).network
    probs = []
    vx = any(p.get("vxlanMode", "Never") != "Never" for p in c["pools"])
    ipip = any(p.get("ipipMode", "Never") != "Never" for p in c["pools"])
    L = st["links"]
    parent_mtu = L["eth0"]["mtu"]
    # consistency of intent
    blocks_by_owner = {}
    for b in c["blocks"]:
        owner = b["affinity"].split(":", 1)[1]
        blocks_by_owner.setdefault(owner, []).append(b["cidr"])
        net = ipaddress.ip_network(b["cidr"])
        assert len(b["allocations"]) == net.num_addresses, b["cidr"]
        used = [i for i, a in enumerate(b["allocations"]) if a is not None]
        assert sorted(used + b["unallocated"]) == list(range(net.num_addresses)), b["cidr"]
        for i in used:
            attr = b["attributes"][b["allocations"][i]]
            ip = str(net[i])
            sec = attr["secondary"]
            if sec.get("type") == "vxlanTunnelAddress":
                assert c["nodes"][sec["node"]]["vx"] == ip, (ip, sec)
            elif sec.get("type") == "ipipTunnelAddress":
                assert c["nodes"][sec["node"]]["ipip"] == ip, (ip, sec)
            else:
                pod = [p for p in c["pods"] if p["metadata"]["name"] == sec["pod"] and p["metadata"]["namespace"] == sec["namespace"]]
                assert len(pod) == 1 and pod[0]["status"]["podIP"] == ip and pod[0]["spec"]["nodeName"] == sec["node"], (ip, sec)
    for p in c["pods"]:
        if p["spec"].get("hostNetwork"):
            assert p["status"]["podIP"] == c["nodes"][p["spec"]["nodeName"]]["ip"]
            continue
        ip = p["status"]["podIP"]
        assert any(ipaddress.ip_address(ip) in ipaddress.ip_network(b["cidr"]) for b in c["blocks"]), ip
    for a in c["aff"]:
        b = [b for b in c["blocks"] if b["cidr"] == a["cidr"]]
        assert b and b[0]["affinity"] == "host:" + a["node"], a
    for n, v in c["nodes"].items():
        for t in (v["vx"], v["ipip"]):
            if t:
                assert any(ipaddress.ip_address(t) in ipaddress.ip_network(x) for x in blocks_by_owner[n]), (n, t)

    # expected routes
    want = {}
    def remote(dst, owner, pool):
        r = c["nodes"][owner]
        same = cross(pool) and ipaddress.ip_address(r["ip"]) in mynet
        k = ptype(pool)
        if k == "vxlan":
            if same:
                return dict(gw=r["ip"], dev="eth0", proto="80", onlink=True)
            return dict(gw=r["vx"], dev="vxlan.calico", proto="boot", onlink=True) if r["vx"] else None
        if k == "ipip":
            if same:
                return dict(gw=r["ip"], dev="eth0", proto="bird", onlink=False)
            return dict(gw=r["ip"], dev="tunl0", proto="bird", onlink=True)
        if ipaddress.ip_address(r["ip"]) in mynet:
            return dict(gw=r["ip"], dev="eth0", proto="bird", onlink=False)
        return dict(gw="<recursive>", dev="eth0", proto="bird", onlink=False, xsubnet=True)

    for b in c["blocks"]:
        owner = b["affinity"].split(":", 1)[1]
        pool = pool_of(c, b["cidr"])
        if owner == "worker":
            want[b["cidr"]] = dict(type="blackhole", proto="80" if ptype(pool) == "vxlan" else "bird")
        else:
            want[b["cidr"]] = remote(b["cidr"], owner, pool)
        net = ipaddress.ip_network(b["cidr"])
        for i, a in enumerate(b["allocations"]):
            if a is None:
                continue
            n = b["attributes"][a]["secondary"].get("node")
            if n and n != owner and n != "worker":
                want[f"{net[i]}/32"] = remote(f"{net[i]}/32", n, pool)
    local_pods = [p for p in c["pods"] if p["spec"]["nodeName"] == "worker" and not p["spec"].get("hostNetwork")]
    for p in local_pods:
        h = hashlib.sha1(f"{p['metadata']['namespace']}.{p['metadata']['name']}".encode()).hexdigest()[:11]
        want[p["status"]["podIP"] + "/32"] = dict(dev="cali" + h, scope="link")

    have = {}
    for r in st["routes"]:
        if r["dst"] in ("0.0.0.0/0",) or r["proto"] in ("kernel", "dhcp", "static"):
            continue
        have.setdefault(r["dst"], []).append(r)
    for dst, w in want.items():
        h = have.pop(dst, [])
        if w is None:
            if h:
                probs.append(f"route {dst}: expected none, have {h}")
            continue
        if len(h) != 1:
            probs.append(f"route {dst}: {len(h)} routes (want {w})")
            continue
        h = h[0]
        if w.get("type") == "blackhole":
            if h["type"] != "blackhole" or h["proto"] != w["proto"]:
                probs.append(f"blackhole {dst}: have {h}")
            continue
        if "scope" in w:
            if h["dev"] != w["dev"] or h["gw"]:
                probs.append(f"workload {dst}: have {h}")
            continue
        if w.get("xsubnet"):
            probs.append(f"noencap cross-subnet {dst}: have via {h['gw']} dev {h['dev']}")
            continue
        for k in ("gw", "dev", "proto", "onlink"):
            if h[k] != w[k]:
                probs.append(f"route {dst}: {k} want {w[k]} have {h[k]}  ({h})")
                break
    for dst, hs in have.items():
        probs.append(f"unexpected route {dst}: {hs}")

    # devices
    v = L.get("vxlan.calico")
    if vx:
        if not v:
            probs.append("vxlan.calico missing")
        else:
            dd = v["data"]
            if dd:
                if dd["id"] != int(c["felix"].get("vxlanVNI", 4096)):
                    probs.append(f"vxlan VNI {dd['id']}")
                if dd["port"] != int(c["felix"].get("vxlanPort", 4789)):
                    probs.append(f"vxlan port {dd['port']}")
                if dd["local"] != me["ip"] or dd["link"] != "eth0":
                    probs.append("vxlan local/link")
                if dd["learning"]:
                    probs.append("vxlan learning")
            else:
                print(f"  (note) vxlan.calico details unknown (no -d)")
            if v["mac"] != me["mac"]:
                probs.append("vxlan mac")
            if v["addrs"] != [me["vx"] + "/32"]:
                probs.append(f"vxlan addrs {v['addrs']}")
            if v["mtu"] != parent_mtu - 50:
                probs.append(f"vxlan mtu {v['mtu']}")
    elif v:
        probs.append("vxlan.calico unexpected")
    t = L.get("tunl0")
    if ipip:
        if not t or not t["up"]:
            probs.append("tunl0 missing/down")
        elif t["addrs"] != [me["ipip"] + "/32"] or t["mtu"] != parent_mtu - 20:
            probs.append(f"tunl0 {t}")
    elif t and t.get("addrs"):
        probs.append("tunl0 has addrs without IPIP")
    tunnel_mtu = min([x for x in ((parent_mtu - 50) if vx else None, (parent_mtu - 20) if ipip else None) if x] or [parent_mtu])
    for name, l in L.items():
        if name.startswith("cali"):
            if l["mtu"] > tunnel_mtu:
                probs.append(f"{name} mtu {l['mtu']} > {tunnel_mtu}")
            if l["mac"] != "ee:ee:ee:ee:ee:ee":
                probs.append(f"{name} mac")
    # neighbours / fdb
    if vx:
        vteps = {n: v for n, v in c["nodes"].items() if n != "worker" and v["vx"]}
        neigh = {n["ip"]: n for n in st["neigh"] if n["dev"] == "vxlan.calico"}
        fdb = {}
        for f in st["fdb"]:
            if f["dev"] == "vxlan.calico":
                fdb.setdefault(f["mac"], []).append(f)
        for n, v in vteps.items():
            e = neigh.pop(v["vx"], None)
            if not e:
                probs.append(f"neigh missing {v['vx']} ({n})")
            elif e["mac"] != v["mac"] or e["state"] != "PERMANENT":
                probs.append(f"neigh wrong {e}")
            fs = fdb.pop(v["mac"], [])
            if not fs:
                probs.append(f"fdb missing {v['mac']} ({n})")
            elif len(fs) > 1 or fs[0]["dst"] != v["ip"]:
                probs.append(f"fdb {v['mac']} ({n}) dst {[x['dst'] for x in fs]} want {v['ip']}")
        for ip, e in neigh.items():
            probs.append(f"stray neigh {ip} {e['mac']} {e['state']}")
        for mac, fs in fdb.items():
            probs.append(f"stray fdb {mac} -> {[x['dst'] for x in fs]}")
    # pods' ARP
    for p in local_pods:
        ip = p["status"]["podIP"]
        if not any(n["ip"] == ip and n["dev"].startswith("cali") and n["state"] == "PERMANENT" for n in st["neigh"]):
            probs.append(f"pod ARP missing {ip}")
    # crosssubnet sanity
    if any(cross(p) for p in c["pools"]):
        if mynet.prefixlen == 32:
            probs.append("CrossSubnet degraded (/32)")
        for n, v in c["nodes"].items():
            if n == "worker":
                continue
            a = ipaddress.ip_address(v["ip"]) in mynet
            b = ipaddress.ip_address(me["ip"]) in ipaddress.ip_interface(v["cidr"]).network
            if a != b:
                probs.append(f"asymmetric with {n}")
    return probs


for name in sorted(os.listdir(ROOT)):
    d = os.path.join(ROOT, name)
    if not os.path.isdir(d):
        continue
    print(f"== {name}")
    try:
        for p in check(d):
            print("  ", p)
    except AssertionError as e:
        print("   ASSERTION", e)
