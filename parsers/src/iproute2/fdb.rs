//! `bridge [-s] fdb show`, as text or `-j` JSON, into [`FdbEntry`]s: VXLAN remotes (`dst`) and
//! bridge entries (`master br0`).
//!
//! iproute2 prints a state word for every state but NUD_REACHABLE (a learnt, dynamic entry), so
//! an entry without one is [`FdbState::Dynamic`]; `stale` is a dynamic entry too. A state it
//! prints as `state=0x…` is one the model has no name for: `None`.

use netdiag_core::model::{FdbEntry, FdbState};
use serde::Deserialize;

use super::json::{self, Loose};
use super::tokens::{self, err, num, tokens, value, Tokens};
use crate::error::{Location, ParseError};

fn state_word(w: &str) -> Option<Option<FdbState>> {
    match w {
        "permanent" => Some(Some(FdbState::Permanent)),
        "static" => Some(Some(FdbState::Static)),
        "stale" => Some(Some(FdbState::Dynamic)),
        _ if w.starts_with("state=") => Some(None),
        _ => None,
    }
}

/// Words that can follow a bare `master` flag, so `master` before them names no bridge.
fn is_flag_or_state(w: &str) -> bool {
    matches!(
        w,
        "self" | "router" | "extern_learn" | "offload" | "master" | "sticky" | "locked"
    ) || state_word(w).is_some()
}

/// Decodes `bridge fdb show` text: `MAC dev DEV [dst IP] [vlan N] [port N] [vni N] [src_vni N]
/// [via DEV] [self] [extern_learn] [offload] [master BR] [permanent|static|stale]`.
pub fn parse_fdb_text(input: &str) -> Result<Vec<FdbEntry>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let loc = Location::Line(i + 1);
        let mut t = tokens(line);
        let Some(first) = t.next() else {
            continue;
        };
        out.push(entry(first, &mut t, &loc)?);
    }
    Ok(out)
}

fn entry(first: &str, t: &mut Tokens, loc: &Location) -> Result<FdbEntry, ParseError> {
    let mut e = FdbEntry {
        mac: tokens::mac(first, loc, "mac")?,
        dev: String::new(),
        dst: None,
        vlan: None,
        vni: None,
        port: None,
        master: None,
        is_self: false,
        is_master: false,
        state: Some(FdbState::Dynamic),
    };
    let mut dev = None;
    while let Some(tok) = t.next() {
        match tok {
            "dev" => dev = Some(value(t, loc, tok)?),
            "dst" => e.dst = Some(tokens::ip(value(t, loc, tok)?, loc, tok)?),
            "vlan" => e.vlan = Some(num(value(t, loc, tok)?, loc, tok)?),
            "port" => e.port = Some(num(value(t, loc, tok)?, loc, tok)?),
            "vni" => e.vni = Some(num(value(t, loc, tok)?, loc, tok)?),
            "src_vni" => {
                num::<u32>(value(t, loc, tok)?, loc, tok)?;
            }
            // `via eth0`, or `via ifindex 5` when the device is in another namespace.
            "via" => {
                if value(t, loc, tok)? == "ifindex" {
                    value(t, loc, tok)?;
                }
            }
            "nhid" | "link-netnsid" | "used" => {
                value(t, loc, tok)?;
            }
            "self" => e.is_self = true,
            // `master br0` (NDA_MASTER: the bridge's own table), or a bare `master` (NTF_MASTER).
            "master" => {
                e.is_master = true;
                match t.peek() {
                    Some(w) if !is_flag_or_state(w) => e.master = Some((*w).to_string()),
                    _ => continue,
                }
                t.next();
            }
            w => {
                if let Some(s) = state_word(w) {
                    e.state = s;
                }
            }
        }
    }
    e.dev = dev
        .ok_or_else(|| {
            err(
                loc,
                "dev",
                "missing (a dump filtered with `dev X` leaves it out: dump the whole FDB)",
            )
        })?
        .to_string();
    Ok(e)
}

#[derive(Deserialize)]
struct JFdb<'a> {
    #[serde(default, borrow)]
    mac: Loose<'a>,
    /// iproute2 6.x; older versions print `dev`.
    #[serde(default, borrow)]
    ifname: Loose<'a>,
    #[serde(default, borrow)]
    dev: Loose<'a>,
    #[serde(default, borrow)]
    dst: Loose<'a>,
    #[serde(default, borrow)]
    vlan: Loose<'a>,
    #[serde(default, borrow)]
    port: Loose<'a>,
    #[serde(default, borrow)]
    vni: Loose<'a>,
    #[serde(default, borrow)]
    master: Loose<'a>,
    #[serde(default, borrow)]
    flags: Loose<'a>,
    #[serde(default, borrow)]
    state: Loose<'a>,
}

/// Decodes `bridge -j fdb show`.
pub fn parse_fdb_json(input: &str) -> Result<Vec<FdbEntry>, ParseError> {
    let mut out = Vec::new();
    json::for_each_item::<JFdb, _>(input, |j, loc| {
        let mac = json::mac_of(&j.mac, loc, "mac")?.ok_or_else(|| err(loc, "mac", "missing"))?;
        let dev = match json::str_of(&j.ifname, loc, "ifname")? {
            Some(d) => d,
            None => json::req_str(&j.dev, loc, "ifname")?,
        };
        let flags = json::strs_of(&j.flags, loc, "flags")?;
        let master = json::str_of(&j.master, loc, "master")?.map(str::to_string);
        let state = match json::str_of(&j.state, loc, "state")? {
            None | Some("") => Some(FdbState::Dynamic),
            // A word this version does not know is a state the model has no name for.
            Some(s) => state_word(s).flatten(),
        };
        out.push(FdbEntry {
            mac,
            dev: dev.to_string(),
            dst: json::ip_of(&j.dst, loc, "dst")?,
            vlan: json::num_of(&j.vlan, loc, "vlan")?,
            vni: json::num_of(&j.vni, loc, "vni")?,
            port: json::num_of(&j.port, loc, "port")?,
            is_self: flags.contains(&"self"),
            is_master: master.is_some() || flags.contains(&"master"),
            master,
            state,
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use netdiag_core::model::MacAddr;

    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("test address"))
    }

    fn mac(s: &str) -> MacAddr {
        s.parse().expect("test MAC")
    }

    fn e(m: &str, dev: &str) -> FdbEntry {
        FdbEntry {
            mac: mac(m),
            dev: dev.into(),
            dst: None,
            vlan: None,
            vni: None,
            port: None,
            master: None,
            is_self: false,
            is_master: false,
            state: Some(FdbState::Dynamic),
        }
    }

    #[test]
    fn entry_forms() {
        let input = "\
66:11:22:33:44:55 dev vxlan.calico dst 10.0.0.2 self permanent
00:00:00:00:00:00 dev vxlan0 dst 239.1.1.1 via eth0 self permanent
33:33:00:00:00:01 dev eth0 self permanent

aa:bb:cc:dd:ee:01 dev veth0 master br0 
aa:bb:cc:dd:ee:02 dev veth0 vlan 1 master br0 permanent
aa:bb:cc:dd:ee:03 dev br0 vlan 1 master br0 permanent
aa:bb:cc:dd:ee:04 dev veth0 master br0 static
aa:bb:cc:dd:ee:05 dev vxlan0 dst 10.0.0.9 self extern_learn offload
66:11:22:33:44:66 dev vxlan0 dst 10.0.0.4 port 4790 vni 100 src_vni 200 via ifindex 5 link-netnsid 0 self permanent
aa:bb:cc:dd:ee:06\tdev  veth0 used 5/3 master stale
aa:bb:cc:dd:ee:07 dev veth0 nhid 4 self state=0x40
";
        let got = parse_fdb_text(input).expect("parses");
        let mut want = Vec::new();
        let mut x = e("66:11:22:33:44:55", "vxlan.calico");
        x.dst = ip("10.0.0.2");
        x.is_self = true;
        x.state = Some(FdbState::Permanent);
        want.push(x);
        let mut x = e("00:00:00:00:00:00", "vxlan0");
        x.dst = ip("239.1.1.1");
        x.is_self = true;
        x.state = Some(FdbState::Permanent);
        want.push(x);
        let mut x = e("33:33:00:00:00:01", "eth0");
        x.is_self = true;
        x.state = Some(FdbState::Permanent);
        want.push(x);
        let mut x = e("aa:bb:cc:dd:ee:01", "veth0");
        x.master = Some("br0".into());
        x.is_master = true;
        want.push(x);
        let mut x = e("aa:bb:cc:dd:ee:02", "veth0");
        x.vlan = Some(1);
        x.master = Some("br0".into());
        x.is_master = true;
        x.state = Some(FdbState::Permanent);
        want.push(x);
        let mut x = e("aa:bb:cc:dd:ee:03", "br0");
        x.vlan = Some(1);
        x.master = Some("br0".into());
        x.is_master = true;
        x.state = Some(FdbState::Permanent);
        want.push(x);
        let mut x = e("aa:bb:cc:dd:ee:04", "veth0");
        x.master = Some("br0".into());
        x.is_master = true;
        x.state = Some(FdbState::Static);
        want.push(x);
        let mut x = e("aa:bb:cc:dd:ee:05", "vxlan0");
        x.dst = ip("10.0.0.9");
        x.is_self = true;
        want.push(x);
        let mut x = e("66:11:22:33:44:66", "vxlan0");
        x.dst = ip("10.0.0.4");
        x.port = Some(4790);
        x.vni = Some(100);
        x.is_self = true;
        x.state = Some(FdbState::Permanent);
        want.push(x);
        // A bare `master` flag before a state word names no bridge.
        let mut x = e("aa:bb:cc:dd:ee:06", "veth0");
        x.is_master = true;
        want.push(x);
        let mut x = e("aa:bb:cc:dd:ee:07", "veth0");
        x.is_self = true;
        x.state = None;
        want.push(x);
        assert_eq!(got, want);
    }

    #[test]
    fn text_errors_name_line_and_field() {
        let f = |s: &str| {
            let e = parse_fdb_text(s).expect_err("must fail");
            (e.location, e.field)
        };
        let l = Location::Line;
        assert_eq!(
            f("66:11:22:33:44:55 dev x self\n66:11:22:33:44 dev x\n"),
            (l(2), "mac".into())
        );
        assert_eq!(
            f("66:11:22:33:44:55 dev x dst 10.0.0\n"),
            (l(1), "dst".into())
        );
        assert_eq!(
            f("66:11:22:33:44:55 dev x vlan 5000000\n"),
            (l(1), "vlan".into())
        );
        assert_eq!(
            f("66:11:22:33:44:55 dev x port 70000\n"),
            (l(1), "port".into())
        );
        assert_eq!(
            f("66:11:22:33:44:55 dev x vni many\n"),
            (l(1), "vni".into())
        );
        assert_eq!(
            f("66:11:22:33:44:55 dst 10.0.0.1 self\n"),
            (l(1), "dev".into())
        );
    }

    #[test]
    fn json_entries_agree_with_text() {
        let input = r#"[
{"mac":"66:11:22:33:44:55","ifname":"vxlan.calico","dst":"10.0.0.2","flags":["self"],"state":"permanent"},
{"mac":"00:00:00:00:00:00","ifname":"vxlan0","dst":"239.1.1.1","viaIf":"eth0","flags":["self"],"state":"permanent"},
{"mac":"aa:bb:cc:dd:ee:01","ifname":"veth0","flags":[],"master":"br0"},
{"mac":"aa:bb:cc:dd:ee:02","ifname":"veth0","vlan":1,"flags":[],"master":"br0","state":"permanent"},
{"mac":"aa:bb:cc:dd:ee:04","dev":"veth0","master":"br0","state":"static"},
{"mac":"66:11:22:33:44:66","ifname":"vxlan0","dst":"10.0.0.4","port":4790,"vni":100,"src_vni":200,"flags":["self"],"state":"permanent"},
{"mac":"aa:bb:cc:dd:ee:05","ifname":"vxlan0","dst":"10.0.0.9","flags":["self","extern_learn","offload"],"state":""}
]"#;
        let text = "\
66:11:22:33:44:55 dev vxlan.calico dst 10.0.0.2 self permanent
00:00:00:00:00:00 dev vxlan0 dst 239.1.1.1 via eth0 self permanent
aa:bb:cc:dd:ee:01 dev veth0 master br0 
aa:bb:cc:dd:ee:02 dev veth0 vlan 1 master br0 permanent
aa:bb:cc:dd:ee:04 dev veth0 master br0 static
66:11:22:33:44:66 dev vxlan0 dst 10.0.0.4 port 4790 vni 100 src_vni 200 self permanent
aa:bb:cc:dd:ee:05 dev vxlan0 dst 10.0.0.9 self extern_learn offload
";
        assert_eq!(
            parse_fdb_json(input).expect("json"),
            parse_fdb_text(text).expect("text")
        );
    }

    #[test]
    fn json_errors_name_item_and_field() {
        let f = |s: &str| {
            let e = parse_fdb_json(s).expect_err("must fail");
            (e.location, e.field)
        };
        let item = |i| Location::Document {
            doc: 1,
            item: Some(i),
        };
        assert_eq!(
            f(r#"[{"mac":"66:11:22:33:44:55","ifname":"x"},{"ifname":"x"}]"#),
            (item(2), "mac".into())
        );
        assert_eq!(
            f(r#"[{"mac":"66:11:22:33:44:55"}]"#),
            (item(1), "ifname".into())
        );
        assert_eq!(
            f(r#"[{"mac":"66:11:22:33:44:55","ifname":"x","vni":-1}]"#),
            (item(1), "vni".into())
        );
        assert_eq!(
            f(r#"[{"mac":"66:11:22:33:44:55","ifname":"x","dst":"nope"}]"#),
            (item(1), "dst".into())
        );
        assert_eq!(
            f(r#"[{"mac":"66:11:22:33:44:55","ifname":"x","flags":{}}]"#),
            (item(1), "flags".into())
        );
    }
}
