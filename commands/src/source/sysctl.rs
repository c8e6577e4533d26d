//! The sysctls a trace needs (forwarding, reverse-path filtering, proxy ARP on pod interfaces),
//! read from /proc/sys inside the node's network namespace: /proc/sys/net answers for the
//! namespace of the thread that reads it, so the reads run on a thread that entered it. Read-only.

use std::collections::BTreeMap;

use super::netns;

/// `net.ipv4.ip_forward`, `net.ipv4.conf.all.rp_filter`, and `rp_filter`/`proxy_arp`/`forwarding` of each of
/// `devs`, keyed by their sysctl names (`net.ipv4.conf.vxlan.calico.rp_filter`). Values that cannot
/// be read are left out: the trace then says the setting is unknown.
pub fn read(netns: Option<&str>, devs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut wanted: Vec<(String, String)> = vec![
        (
            "net.ipv4.ip_forward".to_string(),
            "/proc/sys/net/ipv4/ip_forward".to_string(),
        ),
        (
            "net.ipv4.conf.all.rp_filter".to_string(),
            "/proc/sys/net/ipv4/conf/all/rp_filter".to_string(),
        ),
    ];
    for dev in devs {
        // Interface names may not contain '/', so a name cannot leave the conf directory.
        if dev.is_empty() || dev.contains('/') || dev == "." || dev == ".." {
            continue;
        }
        for key in ["rp_filter", "proxy_arp", "forwarding"] {
            wanted.push((
                format!("net.ipv4.conf.{dev}.{key}"),
                format!("/proc/sys/net/ipv4/conf/{dev}/{key}"),
            ));
        }
    }
    netns::run_on_thread(netns, move || {
        Ok(wanted
            .into_iter()
            .filter_map(|(key, path)| {
                let v = std::fs::read_to_string(path).ok()?;
                Some((key, v.trim().to_string()))
            })
            .collect())
    })
}

/// The sysctls of every link in `state`, read in `netns`, for node-status's kernel checks. A
/// failure (no /proc/sys, no permission) becomes a note and leaves the sysctls unknown.
pub fn attach(state: &mut netdiag_core::NodeState, netns: Option<&str>) {
    let devs: Vec<String> = state.links().iter().map(|l| l.name.clone()).collect();
    match read(netns, &devs) {
        Ok(map) if !map.is_empty() => state.sysctl = Some(map),
        Ok(_) => state.note("sysctl", "no sysctl under /proc/sys/net could be read"),
        Err(e) => state.note("sysctl", format!("cannot read sysctls: {e:#}")),
    }
}
