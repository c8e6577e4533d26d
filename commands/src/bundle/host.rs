//! What a bundle records about the node beyond its routing state, read inside the node's network
//! namespace (on a thread that joined it: `/proc/sys/net` shows the namespace of the thread that
//! opens it, and netlink sockets stay in the namespace they were created in): the sysctls overlays
//! depend on, the kernel, whether the vxlan/ipip modules are there, and the offload features of the
//! tunnel devices and their parents (`ethtool -k`, over the ETHTOOL generic-netlink family) — the
//! checksum-offload bugs of calico-expected-state.md §7.6. Read-only: files are opened for reading,
//! netlink sends GET requests only. Each part that fails is a failure in the manifest, not an error.

use std::fmt::Write as _;
use std::path::Path;

use futures::StreamExt;
use netdiag_core::NodeState;

use crate::source::netns;

/// The texts collected, each `Err(why)` when it could not be.
pub struct HostFacts {
    pub sysctl: Result<String, String>,
    pub kernel: Result<String, String>,
    pub offload: Result<String, String>,
}

/// Reads the facts in `netns` (None: the current namespace). `state` names the links.
pub fn collect(netns: Option<&str>, state: &NodeState) -> anyhow::Result<HostFacts> {
    let links: Vec<String> = state.links().iter().map(|l| l.name.clone()).collect();
    let mut tunnels: Vec<String> = Vec::new();
    for l in state.links() {
        if matches!(
            l.name.as_str(),
            "vxlan.calico" | "vxlan-v6.calico" | "tunl0"
        ) {
            tunnels.push(l.name.clone());
            let parent = l.vxlan.as_ref().and_then(|v| {
                v.parent_name.clone().or_else(|| {
                    v.parent_index
                        .and_then(|i| state.link_by_index(i))
                        .map(|p| p.name.clone())
                })
            });
            if let Some(p) = parent {
                if !tunnels.contains(&p) {
                    tunnels.push(p);
                }
            }
        }
    }
    netns::run_on_thread(netns, move || {
        Ok(HostFacts {
            sysctl: Ok(sysctls(&links)),
            kernel: Ok(kernel()),
            offload: offload(&tunnels),
        })
    })
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// `sysctl` lines (`net.ipv4.ip_forward = 1`), or `… = (unreadable: why)`.
fn sysctls(links: &[String]) -> String {
    // (sysctl's name, the file): sysctl writes a dotted interface with a slash (vxlan/calico).
    let conf = |dev: &str, key: &str| {
        (
            format!("net.ipv4.conf.{}.{key}", dev.replace('.', "/")),
            format!("/proc/sys/net/ipv4/conf/{dev}/{key}"),
        )
    };
    let mut keys = vec![
        (
            "net.ipv4.ip_forward".to_string(),
            "/proc/sys/net/ipv4/ip_forward".to_string(),
        ),
        (
            "net.ipv6.conf.all.forwarding".to_string(),
            "/proc/sys/net/ipv6/conf/all/forwarding".to_string(),
        ),
        conf("all", "rp_filter"),
        conf("default", "rp_filter"),
        conf("all", "proxy_arp"),
    ];
    for l in links {
        keys.push(conf(l, "rp_filter"));
        // node-status judges forwarding on the parent and the tunnels too.
        keys.push(conf(l, "forwarding"));
        if l.starts_with("cali") {
            keys.push(conf(l, "proxy_arp"));
        }
    }
    let mut out = String::new();
    for (name, path) in keys {
        match std::fs::read_to_string(&path) {
            Ok(v) => {
                let _ = writeln!(out, "{name} = {}", v.trim());
            }
            Err(e) => {
                let _ = writeln!(out, "{name} = (unreadable: {e})");
            }
        }
    }
    out
}

/// The kernel (`uname -srvm` from /proc) and the tunnel modules.
fn kernel() -> String {
    let mut out = String::new();
    for (k, p) in [
        ("ostype", "/proc/sys/kernel/ostype"),
        ("osrelease", "/proc/sys/kernel/osrelease"),
        ("version", "/proc/sys/kernel/version"),
    ] {
        let _ = writeln!(
            out,
            "{k}: {}",
            read_trim(p).unwrap_or_else(|| "(unreadable)".into())
        );
    }
    let _ = writeln!(out, "machine: {}", std::env::consts::ARCH);
    let modules = std::fs::read_to_string("/proc/modules").unwrap_or_default();
    for m in ["vxlan", "ipip", "ip_tunnel", "udp_tunnel", "ip6_udp_tunnel"] {
        let loaded = modules
            .lines()
            .any(|l| l.split_whitespace().next() == Some(m));
        let sys = Path::new("/sys/module").join(m).exists();
        let what = match (loaded, sys) {
            (true, _) => "loaded (/proc/modules)",
            (false, true) => "built in or loaded (/sys/module)",
            (false, false) => "absent",
        };
        let _ = writeln!(out, "module {m}: {what}");
    }
    out
}

/// `ethtool -k`-style features of each device, from the kernel's ETHTOOL netlink family.
fn offload(devs: &[String]) -> Result<String, String> {
    if devs.is_empty() {
        return Err("no vxlan.calico, vxlan-v6.calico or tunl0 on this node".into());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    rt.block_on(async {
        let (conn, mut handle, _) = ethtool::new_connection()
            .map_err(|e| format!("cannot open a generic netlink socket: {e}"))?;
        tokio::spawn(conn);
        let mut out = String::new();
        let mut failed = Vec::new();
        for dev in devs {
            match features(&mut handle, dev).await {
                Ok(text) => out.push_str(&text),
                Err(e) => failed.push(format!("{dev}: {e}")),
            }
        }
        if out.is_empty() {
            return Err(format!(
                "ETHTOOL netlink failed ({}); the kernel may lack it (5.6+)",
                failed.join("; ")
            ));
        }
        for f in failed {
            let _ = writeln!(out, "# not read: {f}");
        }
        Ok(out)
    })
}

async fn features(handle: &mut ethtool::EthtoolHandle, dev: &str) -> Result<String, String> {
    use ethtool::{EthtoolAttr, EthtoolFeatureAttr};
    let mut stream = handle
        .feature()
        .get(Some(dev))
        .execute()
        .await
        .map_err(|e| e.to_string())?;
    // ACTIVE lists the features that are on; HW the ones that can change; NOCHANGE the fixed
    // ones. `ethtool -k` prints the union, each on or off.
    let mut active = std::collections::HashSet::new();
    let mut names: Vec<String> = Vec::new();
    let mut fixed = std::collections::HashSet::new();
    while let Some(msg) = stream.next().await {
        let msg = msg.map_err(|e| e.to_string())?;
        for nla in msg.payload.nlas {
            if let EthtoolAttr::Feature(f) = nla {
                match f {
                    EthtoolFeatureAttr::Active(bits) => {
                        for b in bits {
                            if b.value {
                                active.insert(b.name.clone());
                            }
                            names.push(b.name);
                        }
                    }
                    EthtoolFeatureAttr::Hw(bits) => names.extend(bits.into_iter().map(|b| b.name)),
                    EthtoolFeatureAttr::NoChange(bits) => {
                        for b in bits {
                            fixed.insert(b.name.clone());
                            names.push(b.name);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let mut out = format!("Features for {dev}:\n");
    names.sort();
    names.dedup();
    for name in names {
        let on = active.contains(&name);
        let _ = writeln!(
            out,
            "{name}: {}{}",
            if on { "on" } else { "off" },
            if fixed.contains(&name) {
                " [fixed]"
            } else {
                ""
            }
        );
    }
    Ok(out)
}
