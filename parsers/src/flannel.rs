//! Flannel's own formats: `net-conf.json` (the `kube-flannel-cfg` ConfigMap's key, or k3s's
//! `/var/lib/rancher/k3s/agent/etc/flannel/net-conf.json`), the `backend-data` Node annotation and
//! `/run/flannel/subnet.env`. Pure; every error names the field (or line) and what is wrong.
//!
//! flanneld decodes net-conf.json with Go's `encoding/json` into `subnet.Config` and the backend's
//! `VXLANConfig` (flannel `pkg/subnet/config.go` `ParseConfig`, `pkg/backend/vxlan/vxlan.go`
//! `parseVXLANConfig`), which matches object keys case-insensitively: so does this parser.

use std::net::IpAddr;

use ipnet::IpNet;
use netdiag_core::model::flannel::{FlannelConfig, SubnetEnv};
use netdiag_core::model::MacAddr;
use serde_json::{Map, Value};

use crate::error::{Location, ParseError};

/// The key of `net-conf.json` in the ConfigMap.
pub const NET_CONF_KEY: &str = "net-conf.json";

fn key<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn err(field: &str, message: impl Into<String>) -> ParseError {
    ParseError::new(Location::Input, field, message)
}

fn string(m: &Map<String, Value>, name: &str, path: &str) -> Result<Option<String>, ParseError> {
    match key(m, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(err(path, format!("expected a string, got {v}"))),
    }
}

fn cidr(m: &Map<String, Value>, name: &str, path: &str) -> Result<Option<IpNet>, ParseError> {
    match string(m, name, path)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s
            .trim()
            .parse::<IpNet>()
            .map(Some)
            .map_err(|_| err(path, format!("{s:?} is not a CIDR"))),
    }
}

fn uint(
    m: &Map<String, Value>,
    name: &str,
    path: &str,
    max: u64,
) -> Result<Option<u64>, ParseError> {
    match key(m, name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if v <= max => Ok(Some(v)),
            _ => Err(err(path, format!("{n} is not a number from 0 to {max}"))),
        },
        Some(v) => Err(err(path, format!("expected a number, got {v}"))),
    }
}

fn boolean(m: &Map<String, Value>, name: &str, path: &str) -> Result<Option<bool>, ParseError> {
    match key(m, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(err(path, format!("expected true or false, got {v}"))),
    }
}

/// `net-conf.json` into [`FlannelConfig`]; `source` says where it came from (for the report).
pub fn parse_net_conf(text: &str, source: &str) -> Result<FlannelConfig, ParseError> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| err(NET_CONF_KEY, format!("not JSON: {e}")))?;
    let Value::Object(m) = &v else {
        return Err(err(NET_CONF_KEY, "expected a JSON object"));
    };
    let mut c = FlannelConfig {
        source: source.to_string(),
        network: cidr(m, "Network", "Network")?,
        ipv6_network: cidr(m, "IPv6Network", "IPv6Network")?,
        enable_ipv4: boolean(m, "EnableIPv4", "EnableIPv4")?,
        enable_ipv6: boolean(m, "EnableIPv6", "EnableIPv6")?,
        subnet_len: uint(m, "SubnetLen", "SubnetLen", 32)?.map(|n| n as u8),
        ..FlannelConfig::default()
    };
    match key(m, "Backend") {
        // `parseBackendType`: no Backend is udp; a Backend without Type is "" (flanneld refuses it).
        None => {}
        Some(Value::Object(b)) => {
            c.backend_type = Some(
                string(b, "Type", "Backend.Type")?
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
            );
            c.vni = uint(b, "VNI", "Backend.VNI", u64::from(u32::MAX))?.map(|n| n as u32);
            c.port = uint(b, "Port", "Backend.Port", u64::from(u16::MAX))?.map(|n| n as u16);
            c.mtu = uint(b, "MTU", "Backend.MTU", u64::from(u32::MAX))?.map(|n| n as u32);
            c.gbp = boolean(b, "GBP", "Backend.GBP")?;
            c.learning = boolean(b, "Learning", "Backend.Learning")?;
            c.direct_routing = boolean(b, "DirectRouting", "Backend.DirectRouting")?;
        }
        Some(v) => return Err(err("Backend", format!("expected an object, got {v}"))),
    }
    Ok(c)
}

/// The `backend-data` annotation of the vxlan backend: `{"VNI":1,"VtepMAC":"aa:bb:…"}`
/// (`vxlanLeaseAttrs`, marshalled by `newSubnetAttrs`). `null` and `""` mean nothing.
pub fn parse_backend_data(text: &str) -> Result<(Option<u32>, Option<MacAddr>), String> {
    let text = text.trim();
    if text.is_empty() || text == "null" {
        return Ok((None, None));
    }
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(m) = &v else {
        return Err("not a JSON object".to_string());
    };
    let vni = match key(m, "VNI") {
        None => None,
        Some(n) => Some(
            n.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("VNI {n} is not a number"))?,
        ),
    };
    let mac = match key(m, "VtepMAC") {
        None => None,
        Some(Value::String(s)) => Some(
            s.parse::<MacAddr>()
                .map_err(|_| format!("VtepMAC {s:?} is not a MAC address"))?,
        ),
        Some(v) => return Err(format!("VtepMAC {v} is not a string")),
    };
    Ok((vni, mac))
}

/// `/run/flannel/subnet.env`: `KEY=VALUE` lines (`FLANNEL_NETWORK`, `FLANNEL_SUBNET`,
/// `FLANNEL_IPV6_NETWORK`, `FLANNEL_IPV6_SUBNET`, `FLANNEL_MTU`, `FLANNEL_IPMASQ`). Unknown keys,
/// blank lines and comments are skipped; a known key with a bad value is an error naming its line.
pub fn parse_subnet_env(text: &str) -> Result<SubnetEnv, ParseError> {
    let mut env = SubnetEnv::default();
    let mut any = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            return Err(ParseError::at_line(
                i + 1,
                "",
                format!("{line:?} is not KEY=VALUE"),
            ));
        };
        let (k, v) = (k.trim(), v.trim().trim_matches('"'));
        let bad = |what: &str| ParseError::at_line(i + 1, k, format!("{v:?} is not {what}"));
        let net = || v.parse::<IpNet>().map(Some).map_err(|_| bad("a CIDR"));
        match k {
            "FLANNEL_NETWORK" => env.network = net()?,
            "FLANNEL_SUBNET" => env.subnet = net()?,
            "FLANNEL_IPV6_NETWORK" => env.ipv6_network = net()?,
            "FLANNEL_IPV6_SUBNET" => env.ipv6_subnet = net()?,
            "FLANNEL_MTU" => env.mtu = Some(v.parse().map_err(|_| bad("a number"))?),
            "FLANNEL_IPMASQ" => {
                env.ipmasq = Some(match v {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("true or false")),
                })
            }
            _ => continue,
        }
        any = true;
    }
    if !any {
        return Err(ParseError::new(
            Location::Input,
            "",
            "no FLANNEL_* line: not a flannel subnet.env",
        ));
    }
    Ok(env)
}

/// A Node annotation's address (`public-ip`), or why it is not one.
pub fn parse_public_ip(text: &str) -> Result<IpAddr, String> {
    text.trim()
        .parse::<IpAddr>()
        .map_err(|_| format!("{text:?} is not an IP address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_conf_of_kube_flannel_yml() {
        // kube-flannel.yml's net-conf.json, as shipped (Documentation/kube-flannel.yml).
        let c = parse_net_conf(
            "{\n  \"Network\": \"10.244.0.0/16\",\n  \"EnableNFTables\": false,\n  \"Backend\": {\n    \"Type\": \"vxlan\"\n  }\n}\n",
            "ConfigMap kube-flannel/kube-flannel-cfg",
        )
        .expect("parses");
        assert_eq!(c.network, "10.244.0.0/16".parse().ok());
        assert!(c.is_vxlan());
        assert_eq!(
            (c.vni(), c.port(), c.device().as_str()),
            (1, 8472, "flannel.1")
        );
    }

    #[test]
    fn net_conf_keys_are_case_insensitive_as_in_go() {
        let c = parse_net_conf(
            r#"{"network":"10.42.0.0/16","backend":{"type":"VXLAN","vni":4096,"port":4789,"directRouting":true,"MTU":1400}}"#,
            "x",
        )
        .expect("parses");
        assert_eq!(
            (c.vni(), c.port(), c.direct_routing(), c.mtu),
            (4096, 4789, true, Some(1400))
        );
        assert!(c.is_vxlan());
    }

    #[test]
    fn net_conf_errors_name_the_field() {
        for (text, field) in [
            (r#"{"Network":"10.244.0.0"}"#, "Network"),
            (r#"{"Backend":{"Type":"vxlan","VNI":"one"}}"#, "Backend.VNI"),
            (
                r#"{"Backend":{"Type":"vxlan","Port":70000}}"#,
                "Backend.Port",
            ),
            (r#"{"Backend":"vxlan"}"#, "Backend"),
            ("not json", NET_CONF_KEY),
            ("[]", NET_CONF_KEY),
        ] {
            assert_eq!(
                parse_net_conf(text, "x").expect_err(text).field,
                field,
                "{text}"
            );
        }
        assert_eq!(parse_net_conf("{}", "x").expect("empty").backend(), "udp");
    }

    #[test]
    fn backend_data() {
        let (vni, mac) =
            parse_backend_data(r#"{"VNI":1,"VtepMAC":"ae:2d:41:3c:91:0a"}"#).expect("parses");
        assert_eq!(vni, Some(1));
        assert_eq!(
            mac.map(|m| m.to_string()).as_deref(),
            Some("ae:2d:41:3c:91:0a")
        );
        assert_eq!(parse_backend_data("null"), Ok((None, None)));
        assert!(parse_backend_data(r#"{"VtepMAC":"zz"}"#).is_err());
        assert!(parse_backend_data("{").is_err());
    }

    #[test]
    fn subnet_env() {
        let e = parse_subnet_env(
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n",
        )
        .expect("parses");
        assert_eq!(e.subnet, "10.244.1.1/24".parse().ok());
        assert_eq!((e.mtu, e.ipmasq), (Some(1450), Some(true)));
        let bad = parse_subnet_env("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=big\n")
            .expect_err("bad mtu");
        assert_eq!(
            (bad.location, bad.field.as_str()),
            (Location::Line(2), "FLANNEL_MTU")
        );
        assert!(parse_subnet_env("hello\n").is_err());
        assert!(parse_subnet_env("").is_err());
    }
}
