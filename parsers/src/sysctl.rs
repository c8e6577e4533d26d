//! `sysctl -a` output (and a bundle's `sysctl.txt`, written the same way): `name = value` lines.
//!
//! sysctl writes a dotted interface name with slashes (`net.ipv4.conf.vxlan/calico.rp_filter`,
//! since the dots separate the path); the keys returned use the interface's real name
//! (`net.ipv4.conf.vxlan.calico.rp_filter`), which is how the trace asks for them. Lines that are
//! not `name = value`, or whose value says it could not be read, are skipped: a sysctl dump is
//! evidence, and a setting it lacks is simply unknown.

use std::collections::BTreeMap;

/// The settings in `text`, keyed by name (interface names restored).
pub fn parse_sysctl(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        // `sysctl -a` writes `name = value`; `sysctl -w` echoes and people paste `name=value`.
        let Some((name, value)) = line.split_once(" = ").or_else(|| line.split_once('=')) else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || name.contains(' ') || value.starts_with("(unreadable") {
            continue;
        }
        out.insert(restore_dev(name), value.to_string());
    }
    out
}

/// `net.ipv4.conf.vxlan/calico.rp_filter` → `net.ipv4.conf.vxlan.calico.rp_filter` (the part
/// between `conf.` and the last dot is the interface).
fn restore_dev(name: &str) -> String {
    for family in [
        "net.ipv4.conf.",
        "net.ipv6.conf.",
        "net.ipv4.neigh.",
        "net.ipv6.neigh.",
    ] {
        if let Some(rest) = name.strip_prefix(family) {
            if let Some((dev, key)) = rest.rsplit_once('.') {
                return format!("{family}{}.{key}", dev.replace('/', "."));
            }
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_a_lines_with_dotted_interfaces() {
        let text = "\
net.ipv4.ip_forward = 1
net.ipv4.conf.all.rp_filter = 2
net.ipv4.conf.vxlan/calico.rp_filter = 0
net.ipv4.conf.cali1234.proxy_arp = 1
net.ipv4.conf.eth0.rp_filter = (unreadable: No such file or directory (os error 2))
kernel.version = #1 SMP PREEMPT_DYNAMIC Debian 6.1.0
sysctl: permission denied on key 'fs.protected_regular'
garbage
 = 3
net.ipv4.ip_local_port_range = 32768\t60999
";
        let m = parse_sysctl(text);
        assert_eq!(m["net.ipv4.ip_forward"], "1");
        assert_eq!(m["net.ipv4.conf.all.rp_filter"], "2");
        assert_eq!(m["net.ipv4.conf.vxlan.calico.rp_filter"], "0");
        assert_eq!(m["net.ipv4.conf.cali1234.proxy_arp"], "1");
        assert_eq!(m["kernel.version"], "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0");
        assert_eq!(m["net.ipv4.ip_local_port_range"], "32768\t60999");
        assert!(!m.contains_key("net.ipv4.conf.eth0.rp_filter"));
        assert_eq!(m.len(), 6, "{m:?}");
    }
}
