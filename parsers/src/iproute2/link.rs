//! `ip [-d] [-o] link show` and `ip [-d] [-o] addr show`, as text or `-j` JSON, into [`Link`]s
//! (with their addresses when the dump is an `addr` dump), and the merge of the two.
//!
//! What a dump does not say stays `None`:
//! - `kind` is known only from `-d` output (a kind word on the line after `link/…`, or
//!   `linkinfo.info_kind`); with `-d` and no kind the link is a physical [`LinkKind::Device`].
//!   `link/loopback` (JSON `link_type: "loopback"`) is [`LinkKind::Loopback`] with or without `-d`,
//!   since the link type itself says so.
//! - VXLAN and IPIP details exist only with `-d`.
//! - `-d` is recognised by `promiscuity`, which iproute2 prints for every link with `-d` only.

use std::collections::HashMap;
use std::net::IpAddr;

use netdiag_core::model::{IfAddr, IpipInfo, Link, LinkKind, MacAddr, OperState, VxlanInfo};
use serde::Deserialize;

use super::json::{self, List, Loose, Obj};
use super::tokens::{self, err, num, tokens, value, Tokens};
use crate::error::{Location, ParseError};

/// A link being assembled from its header and continuation lines.
struct TextLink {
    link: Link,
    /// The dump has `-d` details for this link.
    details: bool,
    /// The previous segment was the `link/…` line, so this one may start with the kind word.
    after_linkline: bool,
}

impl TextLink {
    fn finish(mut self) -> Link {
        if self.details && self.link.kind.is_none() {
            self.link.kind = Some(LinkKind::Device);
        }
        self.link
    }
}

/// Decodes `ip [-d] [-o] link show` or `ip [-d] [-o] addr show` text.
pub fn parse_links_text(input: &str) -> Result<Vec<Link>, ParseError> {
    let mut out = Vec::new();
    let mut cur: Option<TextLink> = None;
    for (i, raw) in input.lines().enumerate() {
        let loc = Location::Line(i + 1);
        // `ip -o` joins a link's lines with `\`; each piece is handled like a line of its own.
        for (n, seg) in raw.split('\\').enumerate() {
            let is_header = n == 0 && seg.starts_with(|c: char| !c.is_ascii_whitespace());
            if is_header {
                header(seg, &loc, &mut cur, &mut out)?;
            } else {
                let mut t = tokens(seg);
                if t.peek().is_none() {
                    continue;
                }
                let Some(c) = cur.as_mut() else {
                    return Err(err(
                        &loc,
                        "",
                        "an indented line before the first `N: NAME: <FLAGS>` line",
                    ));
                };
                continuation(&mut t, &loc, c)?;
            }
        }
    }
    if let Some(c) = cur {
        out.push(c.finish());
    }
    Ok(out)
}

/// `2: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP …`,
/// or, from `ip -o addr`, `2: eth0    inet 10.0.0.5/24 …`.
fn header(
    seg: &str,
    loc: &Location,
    cur: &mut Option<TextLink>,
    out: &mut Vec<Link>,
) -> Result<(), ParseError> {
    let mut t = tokens(seg);
    let first = value(&mut t, loc, "ifindex")?;
    let Some(idx) = first.strip_suffix(':') else {
        return Err(err(
            loc,
            "ifindex",
            format!("expected a link line `N: NAME: <FLAGS> …`, found {first:?}"),
        ));
    };
    // A paste that lost the index (`cali34d45bc515f@if4: <BROADCAST,…> mtu 1500 …`, cut from the
    // middle of a line or copied from a list item): the name comes first, the flags next.
    let pasted_without_index = !idx.is_empty()
        && idx.parse::<u32>().is_err()
        && t.peek().is_some_and(|f| f.starts_with('<'));
    let (index, name_tok) = if pasted_without_index {
        (None, idx)
    } else {
        (
            Some(num(idx, loc, "ifindex")?),
            value(&mut t, loc, "ifname")?,
        )
    };
    let name_tok = name_tok.strip_suffix(':').unwrap_or(name_tok);
    // Interface names cannot contain `:` or whitespace; `@` separates the IFLA_LINK part.
    let (name, link_part) = match name_tok.rsplit_once('@') {
        Some((n, l)) if !n.is_empty() => (n, Some(l)),
        _ => (name_tok, None),
    };
    if name.is_empty() {
        return Err(err(loc, "ifname", "empty interface name"));
    }

    // `ip -o addr` prints one line per address, each with the link's header.
    let same = cur
        .as_ref()
        .is_some_and(|c| c.link.index == index && c.link.name == name);
    if !same {
        if let Some(c) = cur.take() {
            out.push(c.finish());
        }
        let mut link = Link::new(name);
        link.index = index;
        if let Some(l) = link_part {
            // `@ifN`: the peer/parent index (in another namespace, or not resolvable to a name);
            // `@NONE`: IFLA_LINK is 0; `@eth0`: the parent by name, index not printed.
            link.link_index = l.strip_prefix("if").and_then(|n| n.parse().ok());
            link.link_name = Some(l.to_string());
        }
        *cur = Some(TextLink {
            link,
            details: false,
            after_linkline: false,
        });
    }
    let Some(c) = cur.as_mut() else {
        return Ok(());
    };

    match t.peek() {
        Some(f) if f.starts_with('<') => {
            let flags = value(&mut t, loc, "flags")?;
            let Some(inner) = flags.strip_prefix('<').and_then(|f| f.strip_suffix('>')) else {
                return Err(err(
                    loc,
                    "flags",
                    format!("{flags:?} is not a `<FLAG,…>` list"),
                ));
            };
            c.link.admin_up = Some(inner.split(',').any(|f| f == "UP"));
            header_keywords(&mut t, loc, &mut c.link)
        }
        Some(_) => continuation(&mut t, loc, c),
        None => Ok(()),
    }
}

fn header_keywords(t: &mut Tokens, loc: &Location, link: &mut Link) -> Result<(), ParseError> {
    while let Some(tok) = t.next() {
        match tok {
            "mtu" => link.mtu = Some(num(value(t, loc, "mtu")?, loc, "mtu")?),
            "master" => link.master = Some(value(t, loc, "master")?.to_string()),
            "state" => {
                let s = value(t, loc, "state")?;
                link.oper_state = Some(
                    OperState::parse(s)
                        .ok_or_else(|| err(loc, "state", format!("{s:?} is not an operstate")))?,
                );
            }
            "qdisc" | "mode" | "group" | "qlen" | "link-netnsid" | "link-netns" => {
                value(t, loc, tok)?;
            }
            // Unknown keywords (iproute2 adds some over time): skip just the keyword.
            _ => {}
        }
    }
    Ok(())
}

/// An indented line of a link block: `link/…`, `inet …`, `inet6 …`, the `-d` kind line, and lines
/// the model has nothing for (`valid_lft …`, `altname …`, `bridge_slave …`, statistics).
fn continuation(t: &mut Tokens, loc: &Location, c: &mut TextLink) -> Result<(), ParseError> {
    let Some(first) = t.next() else {
        return Ok(());
    };
    let after_linkline = std::mem::replace(&mut c.after_linkline, false);
    if let Some(ty) = first.strip_prefix("link/") {
        c.after_linkline = true;
        return linkline(first, ty, t, loc, c);
    }
    match first {
        "inet" | "inet6" => {
            let a = addr(first, t, loc)?;
            c.link.addrs.push(a);
        }
        word if c.details && after_linkline && c.link.kind.is_none() && is_kind_word(word) => {
            let kind = LinkKind::from_kind(word);
            match kind {
                LinkKind::Vxlan => c.link.vxlan = Some(vxlan_text(t, loc)?),
                LinkKind::Ipip => c.link.ipip = Some(ipip_text(t, loc)?),
                _ => {}
            }
            c.link.kind = Some(kind);
        }
        _ => {}
    }
    Ok(())
}

/// Whether the first word of the line after `link/…` names a kind (IFLA_INFO_KIND). Slave-kind
/// lines (`bridge_slave …`, `bond_slave …`) and the other lines that can follow `link/…` do not:
/// a physical NIC enslaved to a bridge has no kind of its own.
fn is_kind_word(w: &str) -> bool {
    let plain = w
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    let has_letter = w.bytes().any(|b| b.is_ascii_lowercase());
    plain
        && has_letter
        && !w.ends_with("_slave")
        && !matches!(
            w,
            "altname"
                | "alias"
                | "addrgenmode"
                | "numtxqueues"
                | "valid_lft"
                | "vf"
                | "prop"
                | "portname"
                | "portid"
                | "parentbus"
                | "parentdev"
        )
}

/// `link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff link-netns NAME promiscuity 0 …`.
fn linkline(
    first: &str,
    ty: &str,
    t: &mut Tokens,
    loc: &Location,
    c: &mut TextLink,
) -> Result<(), ParseError> {
    if ty == "loopback" && c.link.kind.is_none() {
        c.link.kind = Some(LinkKind::Loopback);
    }
    if matches!(ty, "ether" | "loopback") {
        let a = value(t, loc, first)?;
        c.link.mac = Some(tokens::mac(a, loc, first)?);
    } else if let Some(m) = t.peek().and_then(|a| a.parse::<MacAddr>().ok()) {
        // Other link types print their own address forms (`link/ipip 0.0.0.0`, `link/none`);
        // only a 6-octet MAC is one the model can hold.
        c.link.mac = Some(m);
        t.next();
    }
    while let Some(tok) = t.next() {
        match tok {
            "promiscuity" => {
                c.details = true;
                value(t, loc, tok)?;
            }
            "brd" | "peer" | "link-netns" | "link-netnsid" | "permaddr" => {
                value(t, loc, tok)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// `inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0`, `inet 10.0.0.7 peer 10.0.0.8/32 …`,
/// `inet6 fe80::1/64 scope link`.
fn addr(first: &str, t: &mut Tokens, loc: &Location) -> Result<IfAddr, ParseError> {
    let a = tokens::prefix(value(t, loc, first)?, loc, first)?;
    if (first == "inet") != a.addr().is_ipv4() {
        return Err(err(
            loc,
            first,
            format!("{} is not an `{first}` address", a.addr()),
        ));
    }
    let mut out = IfAddr {
        addr: a.addr(),
        prefix_len: a.prefix_len(),
        scope: None,
    };
    while let Some(tok) = t.next() {
        match tok {
            // With a peer, the prefix length printed belongs to the peer's network.
            "peer" => out.prefix_len = tokens::prefix(value(t, loc, tok)?, loc, tok)?.prefix_len(),
            "scope" => out.scope = Some(value(t, loc, tok)?.to_string()),
            "brd" | "broadcast" | "anycast" | "metric" | "proto" => {
                value(t, loc, tok)?;
            }
            // The label, and flags (`secondary`, `dynamic`, `noprefixroute`, `tentative`, …).
            _ => {}
        }
    }
    Ok(out)
}

/// `vxlan id 4096 [remote|group ADDR] local ADDR dev eth0 srcport 0 0 dstport 4789 [nolearning] …`.
/// The kernel always reports IFLA_VXLAN_LEARNING and iproute2 prints only `nolearning` for it, so
/// a details line without `nolearning` means learning is on.
fn vxlan_text(t: &mut Tokens, loc: &Location) -> Result<VxlanInfo, ParseError> {
    let mut v = VxlanInfo {
        learning: Some(true),
        ..VxlanInfo::default()
    };
    while let Some(tok) = t.next() {
        match tok {
            "id" => v.vni = Some(num(value(t, loc, "vxlan id")?, loc, "vxlan id")?),
            "remote" | "group" => {
                v.remote = Some(tokens::ip(value(t, loc, tok)?, loc, "vxlan remote")?)
            }
            "local" => v.local = Some(tokens::ip(value(t, loc, tok)?, loc, "vxlan local")?),
            "dev" => v.parent_name = Some(value(t, loc, "vxlan dev")?.to_string()),
            "dstport" => v.port = Some(num(value(t, loc, tok)?, loc, "vxlan dstport")?),
            "srcport" => {
                value(t, loc, tok)?;
                value(t, loc, tok)?;
            }
            "nolearning" => v.learning = Some(false),
            "learning" => v.learning = Some(true),
            "ttl" | "tos" | "df" | "flowlabel" | "ageing" | "maxaddress" | "label" => {
                value(t, loc, tok)?;
            }
            _ => {}
        }
    }
    Ok(v)
}

/// `ipip [PROTO] remote any local any [dev NAME] ttl inherit nopmtudisc …`: `any` is "no
/// endpoint" (`Some(None)`); iproute2 prints `unknown` for an address it cannot decode (`None`).
fn ipip_text(t: &mut Tokens, loc: &Location) -> Result<IpipInfo, ParseError> {
    let mut v = IpipInfo::default();
    while let Some(tok) = t.next() {
        match tok {
            "remote" => v.remote = endpoint(value(t, loc, tok)?, loc, "ipip remote")?,
            "local" => v.local = endpoint(value(t, loc, tok)?, loc, "ipip local")?,
            "dev" | "ttl" | "tos" | "hoplimit" | "encap" | "encap-sport" | "encap-dport" => {
                value(t, loc, tok)?;
            }
            _ => {}
        }
    }
    Ok(v)
}

fn endpoint(s: &str, loc: &Location, field: &str) -> Result<Option<Option<IpAddr>>, ParseError> {
    match s {
        "any" => Ok(Some(None)),
        "unknown" => Ok(None),
        _ => tokens::ip(s, loc, field).map(|a| Some(Some(a))),
    }
}

/// Merges links from an `ip addr` dump into links from an `ip link` dump, by name: a link both
/// know gets the addr dump's addresses and any field the link dump left unknown; a link only the
/// addr dump knows is added.
pub fn merge_links(links: &mut Vec<Link>, from_addr: Vec<Link>) {
    let mut by_name: HashMap<String, usize> = links
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.clone(), i))
        .collect();
    for a in from_addr {
        let Some(l) = by_name.get(&a.name).and_then(|&i| links.get_mut(i)) else {
            by_name.insert(a.name.clone(), links.len());
            links.push(a);
            continue;
        };
        l.addrs = a.addrs;
        l.index = l.index.or(a.index);
        l.kind = l.kind.take().or(a.kind);
        l.mtu = l.mtu.or(a.mtu);
        l.mac = l.mac.or(a.mac);
        l.oper_state = l.oper_state.or(a.oper_state);
        l.admin_up = l.admin_up.or(a.admin_up);
        l.master = l.master.take().or(a.master);
        l.link_index = l.link_index.or(a.link_index);
        l.link_name = l.link_name.take().or(a.link_name);
        l.vxlan = l.vxlan.take().or(a.vxlan);
        l.ipip = l.ipip.take().or(a.ipip);
    }
}

// ---- JSON ------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct JLink<'a> {
    #[serde(default, borrow)]
    ifindex: Loose<'a>,
    #[serde(default, borrow)]
    ifname: Loose<'a>,
    #[serde(default, borrow)]
    flags: Loose<'a>,
    #[serde(default, borrow)]
    mtu: Loose<'a>,
    #[serde(default, borrow)]
    master: Loose<'a>,
    #[serde(default, borrow)]
    operstate: Loose<'a>,
    #[serde(default, borrow)]
    link_type: Loose<'a>,
    #[serde(default, borrow)]
    address: Loose<'a>,
    /// The peer/parent by name (`"if7"` when not resolvable), or `null` for `@NONE`.
    #[serde(default, borrow)]
    link: Loose<'a>,
    /// The peer/parent index when it lives in another namespace.
    #[serde(default, borrow)]
    link_index: Loose<'a>,
    #[serde(default, borrow)]
    promiscuity: Loose<'a>,
    #[serde(default, borrow)]
    linkinfo: Obj<JLinkInfo<'a>>,
    #[serde(default, borrow)]
    addr_info: List<Obj<JAddr<'a>>>,
}

#[derive(Deserialize)]
struct JLinkInfo<'a> {
    #[serde(default, borrow)]
    info_kind: Loose<'a>,
    #[serde(default, borrow)]
    info_data: Obj<JInfoData<'a>>,
}

/// The keys of `info_data` for the kinds the model details (vxlan, ipip).
#[derive(Deserialize)]
struct JInfoData<'a> {
    #[serde(default, borrow)]
    id: Loose<'a>,
    #[serde(default, borrow)]
    local: Loose<'a>,
    #[serde(default, borrow)]
    local6: Loose<'a>,
    #[serde(default, borrow)]
    remote: Loose<'a>,
    #[serde(default, borrow)]
    remote6: Loose<'a>,
    #[serde(default, borrow)]
    group: Loose<'a>,
    #[serde(default, borrow)]
    group6: Loose<'a>,
    /// The underlay device, by name.
    #[serde(default, borrow)]
    link: Loose<'a>,
    #[serde(default, borrow)]
    port: Loose<'a>,
    #[serde(default, borrow)]
    learning: Loose<'a>,
}

#[derive(Deserialize)]
struct JAddr<'a> {
    #[serde(default, borrow)]
    family: Loose<'a>,
    #[serde(default, borrow)]
    local: Loose<'a>,
    #[serde(default, borrow)]
    prefixlen: Loose<'a>,
    #[serde(default, borrow)]
    scope: Loose<'a>,
}

/// Decodes `ip [-d] -j link show` or `ip [-d] -j addr show` (`addr_info` fills `addrs`).
pub fn parse_links_json(input: &str) -> Result<Vec<Link>, ParseError> {
    let mut out = Vec::new();
    json::for_each_item::<JLink, _>(input, |j, loc| {
        out.push(link_json(&j, loc)?);
        Ok(())
    })?;
    Ok(out)
}

fn link_json(j: &JLink, loc: &Location) -> Result<Link, ParseError> {
    let mut link = Link::new(json::req_str(&j.ifname, loc, "ifname")?);
    link.index = json::num_of(&j.ifindex, loc, "ifindex")?;
    if j.flags.is_present() {
        link.admin_up = Some(json::strs_of(&j.flags, loc, "flags")?.contains(&"UP"));
    }
    link.mtu = json::num_of(&j.mtu, loc, "mtu")?;
    link.master = json::str_of(&j.master, loc, "master")?.map(str::to_string);
    if let Some(s) = json::str_of(&j.operstate, loc, "operstate")? {
        link.oper_state = Some(
            OperState::parse(s)
                .ok_or_else(|| err(loc, "operstate", format!("{s:?} is not an operstate")))?,
        );
    }
    let link_type = json::str_of(&j.link_type, loc, "link_type")?;
    if matches!(link_type, Some("ether" | "loopback")) {
        link.mac = json::mac_of(&j.address, loc, "address")?;
    } else if let Some(a) = json::str_of(&j.address, loc, "address")? {
        link.mac = a.parse().ok();
    }
    match &j.link {
        Loose::Absent => {}
        Loose::Null => link.link_name = Some("NONE".to_string()),
        Loose::Str(s) => {
            link.link_index = s.strip_prefix("if").and_then(|n| n.parse().ok());
            link.link_name = Some(s.to_string());
        }
        _ => {
            return Err(err(loc, "link", "expected a string or null"));
        }
    }
    if let Some(n) = json::num_of::<u32>(&j.link_index, loc, "link_index")? {
        link.link_index = Some(n);
        // What the text form prints for the same link: `veth0@if7`.
        link.link_name.get_or_insert_with(|| format!("if{n}"));
    }

    let details = j.promiscuity.is_present();
    let info = j.linkinfo.get(loc, "linkinfo")?;
    let info_kind = match info {
        Some(i) => json::str_of(&i.info_kind, loc, "linkinfo.info_kind")?,
        None => None,
    };
    link.kind = if link_type == Some("loopback") {
        Some(LinkKind::Loopback)
    } else if let Some(k) = info_kind {
        Some(LinkKind::from_kind(k))
    } else if details {
        Some(LinkKind::Device)
    } else {
        None
    };
    let data = match info {
        Some(i) => i.info_data.get(loc, "linkinfo.info_data")?,
        None => None,
    };
    if let Some(d) = data {
        match link.kind {
            Some(LinkKind::Vxlan) => {
                link.vxlan = Some(vxlan_json(d, loc).map_err(|e| in_obj(e, "linkinfo.info_data"))?)
            }
            Some(LinkKind::Ipip) => {
                link.ipip = Some(ipip_json(d, loc).map_err(|e| in_obj(e, "linkinfo.info_data"))?)
            }
            _ => {}
        }
    }

    for (i, a) in j.addr_info.get(loc, "addr_info")?.iter().enumerate() {
        let a = a
            .get(loc, "")
            .and_then(|a| match a {
                Some(a) => addr_json(a, loc).map(Some),
                None => Ok(None),
            })
            .map_err(|e| in_list(e, "addr_info", i))?;
        link.addrs.extend(a);
    }
    Ok(link)
}

/// Prefixes an error's field with the array element it came from: `addr_info[2].local`.
pub(crate) fn in_list(mut e: ParseError, list: &str, i: usize) -> ParseError {
    e.field = if e.field.is_empty() {
        format!("{list}[{i}]")
    } else {
        format!("{list}[{i}].{}", e.field)
    };
    e
}

fn addr_json(a: &JAddr, loc: &Location) -> Result<IfAddr, ParseError> {
    let local = json::ip_of(&a.local, loc, "local")?.ok_or_else(|| err(loc, "local", "missing"))?;
    if let Some(f) = json::str_of(&a.family, loc, "family")? {
        let ok = match f {
            "inet" => local.is_ipv4(),
            "inet6" => local.is_ipv6(),
            _ => true,
        };
        if !ok {
            return Err(err(
                loc,
                "local",
                format!("{local} is not an `{f}` address"),
            ));
        }
    }
    let max = if local.is_ipv4() { 32 } else { 128 };
    let prefix_len: u8 = json::num_of(&a.prefixlen, loc, "prefixlen")?
        .ok_or_else(|| err(loc, "prefixlen", "missing"))?;
    if prefix_len > max {
        return Err(err(
            loc,
            "prefixlen",
            format!("{prefix_len} is longer than {max}"),
        ));
    }
    Ok(IfAddr {
        addr: local,
        prefix_len,
        scope: json::str_of(&a.scope, loc, "scope")?.map(str::to_string),
    })
}

fn vxlan_json(d: &JInfoData, loc: &Location) -> Result<VxlanInfo, ParseError> {
    // IPv6 endpoints come as `local6`/`remote6`/`group6`; `group` is multicast, `remote` unicast.
    let either = |a: &Loose, b: &Loose, ka: &str, kb: &str| -> Result<Option<IpAddr>, ParseError> {
        Ok(match json::ip_of(a, loc, ka)? {
            Some(x) => Some(x),
            None => json::ip_of(b, loc, kb)?,
        })
    };
    let remote = match either(&d.remote, &d.remote6, "remote", "remote6")? {
        Some(r) => Some(r),
        None => either(&d.group, &d.group6, "group", "group6")?,
    };
    Ok(VxlanInfo {
        vni: json::num_of(&d.id, loc, "id")?,
        port: json::num_of(&d.port, loc, "port")?,
        local: either(&d.local, &d.local6, "local", "local6")?,
        parent_index: None,
        parent_name: json::str_of(&d.link, loc, "link")?.map(str::to_string),
        learning: json::bool_of(&d.learning, loc, "learning")?,
        remote,
    })
}

fn ipip_json(d: &JInfoData, loc: &Location) -> Result<IpipInfo, ParseError> {
    let ep = |v: &Loose, k: &str| -> Result<Option<Option<IpAddr>>, ParseError> {
        match json::str_of(v, loc, k)? {
            None => Ok(None),
            Some(s) => endpoint(s, loc, k),
        }
    };
    Ok(IpipInfo {
        local: ep(&d.local, "local")?,
        remote: ep(&d.remote, "remote")?,
    })
}

/// Prefixes an error's field with the object it came from: `linkinfo.info_data.id`.
pub(crate) fn in_obj(mut e: ParseError, obj: &str) -> ParseError {
    e.field = format!("{obj}.{}", e.field);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn mac(s: &str) -> Option<MacAddr> {
        Some(s.parse().expect("test MAC"))
    }

    fn one(input: &str) -> Link {
        let mut v = parse_links_text(input).expect("parses");
        assert_eq!(v.len(), 1, "{v:?}");
        v.remove(0)
    }

    fn by_name<'l>(links: &'l [Link], name: &str) -> &'l Link {
        links.iter().find(|l| l.name == name).expect("link present")
    }

    #[test]
    fn plain_link_line_without_details() {
        let l = one(
            "8: cali12345@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netns cni-1234\n",
        );
        let mut want = Link::new("cali12345");
        want.index = Some(8);
        want.mtu = Some(1450);
        want.mac = mac("ee:ee:ee:ee:ee:ee");
        want.oper_state = Some(OperState::Up);
        want.admin_up = Some(true);
        want.link_index = Some(7);
        want.link_name = Some("if7".into());
        assert_eq!(l, want);
    }

    #[test]
    fn link_suffixes_master_states_and_link_types() {
        let input = "\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1440 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ipip 0.0.0.0 brd 0.0.0.0
4: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ether 66:ee:11:22:33:05 brd ff:ff:ff:ff:ff:ff
5: vbr0@eth1: <BROADCAST,MULTICAST> mtu 1500 qdisc noop master br0 state DOWN mode DEFAULT group default qlen 1000
    link/ether 9e:92:d9:b8:b7:47 brd ff:ff:ff:ff:ff:ff link-netnsid 0
6: vdown0@vdown1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000
    link/ether 2e:52:af:f3:99:dc brd ff:ff:ff:ff:ff:ff
7: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/none 
";
        let links = parse_links_text(input).expect("parses");
        assert_eq!(links.len(), 6);

        let lo = by_name(&links, "lo");
        // The link type says loopback, with or without -d.
        assert_eq!(lo.kind, Some(LinkKind::Loopback));
        assert_eq!(lo.mac, Some(MacAddr::ZERO));
        assert_eq!(lo.oper_state, Some(OperState::Unknown));

        let tunl = by_name(&links, "tunl0");
        assert_eq!(tunl.link_name.as_deref(), Some("NONE"));
        assert_eq!(tunl.link_index, None);
        assert_eq!(tunl.mac, None, "link/ipip has no MAC");
        assert_eq!(tunl.kind, None, "no -d: kind unknown");
        assert_eq!(tunl.ipip, None);
        assert_eq!(tunl.mtu, Some(1440));

        let vx = by_name(&links, "vxlan.calico");
        assert_eq!(vx.link_name, None);
        assert_eq!(vx.kind, None);
        assert_eq!(vx.vxlan, None);

        let vbr0 = by_name(&links, "vbr0");
        assert_eq!(vbr0.master.as_deref(), Some("br0"));
        assert_eq!(vbr0.link_name.as_deref(), Some("eth1"));
        assert_eq!(vbr0.link_index, None, "a name gives no index");
        assert_eq!(vbr0.admin_up, Some(false));
        assert_eq!(vbr0.oper_state, Some(OperState::Down));

        let vdown = by_name(&links, "vdown0");
        assert_eq!(vdown.oper_state, Some(OperState::LowerLayerDown));
        assert_eq!(vdown.admin_up, Some(true));
        assert_eq!(vdown.is_up(), Some(false));

        let wg = by_name(&links, "wg0");
        assert_eq!(wg.mac, None);
        assert_eq!(wg.kind, None);
    }

    #[test]
    fn details_give_kinds_and_tunnel_attributes() {
        let input = "\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1
2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master br0 state UP mode DEFAULT group default qlen 1000
    link/ether 52:54:00:00:00:05 brd ff:ff:ff:ff:ff:ff promiscuity 1 minmtu 68 maxmtu 9000 
    bridge_slave state forwarding priority 32 cost 4 hairpin off
    altname enp0s3
3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1440 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0 minmtu 0 maxmtu 0 
    ipip any remote any local any ttl inherit nopmtudisc addrgenmode eui64 numtxqueues 1 numrxqueues 1
4: vxlan.calico: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ether 66:ee:11:22:33:05 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 
    vxlan id 4096 local 10.0.0.5 dev eth0 srcport 0 0 dstport 4789 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 numtxqueues 1
5: vxlan1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ether 66:ee:11:22:33:06 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 
    vxlan id 1 remote 1.2.3.4 local 10.0.0.5 dev eth0 srcport 0 0 dstport 8472 ttl auto ageing 300
6: vx-ext: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ether 8a:25:94:14:0a:c2 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 
    vxlan external id 0 srcport 0 0 dstport 4791 nolearning ttl auto ageing 300
7: cali1@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff link-netnsid 2 promiscuity 0 minmtu 68 maxmtu 65535 
    veth addrgenmode eui64 numtxqueues 2
8: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
    link/ether 9e:92:d9:b8:b7:47 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 
    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768
9: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/none  promiscuity 0 minmtu 0 maxmtu 2147483552 
    wireguard addrgenmode none numtxqueues 1
10: tun0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UNKNOWN mode DEFAULT group default qlen 500
    link/none  promiscuity 0 minmtu 68 maxmtu 65535 
    tun type tun pi off vnet_hdr off persist off
11: ipip1@eth0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000
    link/ipip 10.0.0.5 peer 10.0.0.6 promiscuity 0 minmtu 0 maxmtu 0 
    ipip ipip remote 10.0.0.6 local 10.0.0.5 dev eth0 ttl inherit pmtudisc
";
        let links = parse_links_text(input).expect("parses");
        assert_eq!(links.len(), 11);
        assert_eq!(by_name(&links, "lo").kind, Some(LinkKind::Loopback));
        let ens3 = by_name(&links, "ens3");
        assert_eq!(
            ens3.kind,
            Some(LinkKind::Device),
            "bridge_slave is not a kind"
        );
        assert_eq!(ens3.master.as_deref(), Some("br0"));

        let tunl = by_name(&links, "tunl0");
        assert_eq!(tunl.kind, Some(LinkKind::Ipip));
        assert_eq!(
            tunl.ipip,
            Some(IpipInfo {
                local: Some(None),
                remote: Some(None)
            })
        );
        let ipip1 = by_name(&links, "ipip1");
        assert_eq!(
            ipip1.ipip,
            Some(IpipInfo {
                local: Some(Some(ip("10.0.0.5"))),
                remote: Some(Some(ip("10.0.0.6")))
            })
        );

        let vx = by_name(&links, "vxlan.calico");
        assert_eq!(vx.kind, Some(LinkKind::Vxlan));
        assert_eq!(
            vx.vxlan,
            Some(VxlanInfo {
                vni: Some(4096),
                port: Some(4789),
                local: Some(ip("10.0.0.5")),
                parent_index: None,
                parent_name: Some("eth0".into()),
                learning: Some(false),
                remote: None,
            })
        );
        let vx1 = by_name(&links, "vxlan1");
        assert_eq!(
            vx1.vxlan,
            Some(VxlanInfo {
                vni: Some(1),
                port: Some(8472),
                local: Some(ip("10.0.0.5")),
                parent_index: None,
                parent_name: Some("eth0".into()),
                learning: Some(true),
                remote: Some(ip("1.2.3.4")),
            })
        );
        let ext = by_name(&links, "vx-ext");
        assert_eq!(
            ext.vxlan,
            Some(VxlanInfo {
                vni: Some(0),
                port: Some(4791),
                learning: Some(false),
                ..VxlanInfo::default()
            })
        );
        assert_eq!(by_name(&links, "cali1").kind, Some(LinkKind::Veth));
        assert_eq!(by_name(&links, "br0").kind, Some(LinkKind::Bridge));
        assert_eq!(by_name(&links, "wg0").kind, Some(LinkKind::Wireguard));
        assert_eq!(
            by_name(&links, "tun0").kind,
            Some(LinkKind::Other("tun".into()))
        );
    }

    #[test]
    fn ipip_details_without_a_proto_word() {
        // The form older iproute2 prints (no IFLA_IPTUN_PROTO word before `remote`).
        let l = one("3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0 minmtu 0 maxmtu 0 \n    ipip remote any local any ttl inherit nopmtudisc \n");
        let mut want = Link::new("tunl0");
        want.index = Some(3);
        want.kind = Some(LinkKind::Ipip);
        want.mtu = Some(1480);
        want.oper_state = Some(OperState::Unknown);
        want.admin_up = Some(true);
        want.link_name = Some("NONE".into());
        want.ipip = Some(IpipInfo {
            local: Some(None),
            remote: Some(None),
        });
        assert_eq!(l, want);
    }

    #[test]
    fn addr_dump_fills_addrs() {
        // Tabs and odd spacing on purpose.
        let input = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host 
       valid_lft forever preferred_lft forever

2: eth0:   <BROADCAST,MULTICAST,UP,LOWER_UP>  mtu 1500\tqdisc fq_codel state UP group default qlen 1000
\tlink/ether 52:54:00:00:00:05 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.5/24 brd 10.0.0.255 scope global dynamic noprefixroute eth0
       valid_lft 86000sec preferred_lft 86000sec
    inet 10.0.0.7 peer 10.0.0.8/32 scope global eth0:1
       valid_lft forever preferred_lft forever
    inet6 fd00::5/64 scope global nodad 
       valid_lft forever preferred_lft forever
    inet6 fe80::5054:ff:fe00:5/64 scope link 
       valid_lft forever preferred_lft forever
";
        let links = parse_links_text(input).expect("parses");
        assert_eq!(links.len(), 2);
        assert_eq!(
            links[0].addrs,
            vec![
                IfAddr {
                    addr: ip("127.0.0.1"),
                    prefix_len: 8,
                    scope: Some("host".into())
                },
                IfAddr {
                    addr: ip("::1"),
                    prefix_len: 128,
                    scope: Some("host".into())
                },
            ]
        );
        let eth0 = &links[1];
        assert_eq!(eth0.name, "eth0");
        assert_eq!(eth0.mtu, Some(1500));
        assert_eq!(eth0.mac, mac("52:54:00:00:00:05"));
        assert_eq!(
            eth0.addrs,
            vec![
                IfAddr {
                    addr: ip("10.0.0.5"),
                    prefix_len: 24,
                    scope: Some("global".into())
                },
                IfAddr {
                    addr: ip("10.0.0.7"),
                    prefix_len: 32,
                    scope: Some("global".into())
                },
                IfAddr {
                    addr: ip("fd00::5"),
                    prefix_len: 64,
                    scope: Some("global".into())
                },
                IfAddr {
                    addr: ip("fe80::5054:ff:fe00:5"),
                    prefix_len: 64,
                    scope: Some("link".into())
                },
            ]
        );
    }

    #[test]
    fn oneline_forms() {
        let link = "2: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 52:54:00:00:00:05 brd ff:ff:ff:ff:ff:ff link-netns peer\n";
        let l = one(link);
        assert_eq!(l.mac, mac("52:54:00:00:00:05"));
        assert_eq!(l.link_index, Some(9));
        let addr = "\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever
2: eth0    inet6 fd00::5/64 scope global nodad \\       valid_lft forever preferred_lft forever
";
        let links = parse_links_text(addr).expect("parses");
        assert_eq!(links.len(), 2);
        assert_eq!(links[1].addrs.len(), 2);
        assert_eq!(links[1].index, Some(2));
        assert_eq!(links[1].mtu, None, "-o addr lines carry no link attributes");
    }

    #[test]
    fn merge_keeps_link_facts_and_adds_addresses() {
        let mut links = parse_links_text(
            "2: eth0: <UP> mtu 1500 state UP\n    link/ether 52:54:00:00:00:05 brd ff:ff:ff:ff:ff:ff promiscuity 0\n    veth\n",
        )
        .expect("links");
        let addrs = parse_links_text(
            "2: eth0: <UP> mtu 1500 state UP\n    inet 10.0.0.5/24 scope global eth0\n3: new0: <UP> mtu 1400\n    inet 10.1.0.1/32 scope global new0\n",
        )
        .expect("addrs");
        merge_links(&mut links, addrs);
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].kind, Some(LinkKind::Veth));
        assert_eq!(links[0].addrs.len(), 1);
        assert_eq!(links[0].addrs[0].addr, ip("10.0.0.5"));
        assert_eq!(links[1].name, "new0");
        assert_eq!(links[1].mtu, Some(1400));
        // Merging the same addr dump again does not duplicate addresses.
        let again = parse_links_text("2: eth0: <UP>\n    inet 10.0.0.5/24 scope global eth0\n")
            .expect("addrs");
        merge_links(&mut links, again);
        assert_eq!(links[0].addrs.len(), 1);
    }

    fn text_err(input: &str) -> (Location, String) {
        let e = parse_links_text(input).expect_err("must fail");
        (e.location, e.field)
    }

    #[test]
    fn text_errors_name_line_and_field() {
        assert_eq!(
            text_err("1: lo: <UP> mtu 65536\n2: eth0: <UP> mtu big\n"),
            (Location::Line(2), "mtu".into())
        );
        assert_eq!(
            text_err(
                "2: eth0: <UP> mtu 1500\n    link/ether 52:54:00:00:zz:05 brd ff:ff:ff:ff:ff:ff\n"
            ),
            (Location::Line(2), "link/ether".into())
        );
        assert_eq!(
            text_err("2: eth0: <UP> state SIDEWAYS\n"),
            (Location::Line(1), "state".into())
        );
        assert_eq!(
            text_err("2: eth0: <UP>\n\n    inet 10.0.0.300/24 scope global eth0\n"),
            (Location::Line(3), "inet".into())
        );
        assert_eq!(
            text_err("2: eth0: <UP>\n    inet6 10.0.0.1/24 scope global eth0\n"),
            (Location::Line(2), "inet6".into())
        );
        assert_eq!(
            text_err("x: eth0: <UP>\n"),
            (Location::Line(1), "ifindex".into())
        );
        assert_eq!(
            text_err("hello world\n"),
            (Location::Line(1), "ifindex".into())
        );
        assert_eq!(text_err("    link/none\n"), (Location::Line(1), "".into()));
        assert_eq!(
            text_err("2: eth0: <UP mtu 1500\n"),
            (Location::Line(1), "flags".into())
        );
        assert_eq!(
            text_err(
                "4: vx: <UP>\n    link/ether 66:ee:11:22:33:05 promiscuity 0\n    vxlan id many\n"
            ),
            (Location::Line(3), "vxlan id".into())
        );
        assert_eq!(
            text_err("2: eth0: <UP> mtu\n"),
            (Location::Line(1), "mtu".into())
        );
    }

    #[test]
    fn json_links_and_details() {
        let input = r#"[
 {"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"operstate":"UNKNOWN","link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00"},
 {"ifindex":2,"link_index":7,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"52:54:00:00:00:05","link_netnsid":0,"promiscuity":0,"linkinfo":{"info_kind":"veth"}},
 {"ifindex":3,"link":null,"ifname":"tunl0","flags":["NOARP","UP","LOWER_UP"],"mtu":1440,"operstate":"UNKNOWN","link_type":"ipip","address":"0.0.0.0","broadcast":"0.0.0.0","promiscuity":0,"linkinfo":{"info_kind":"ipip","info_data":{"proto":"any","remote":"any","local":"any","ttl":0,"pmtudisc":false}}},
 {"ifindex":4,"ifname":"vxlan.calico","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,"master":null,"operstate":"UNKNOWN","link_type":"ether","address":"66:ee:11:22:33:05","promiscuity":0,"linkinfo":{"info_kind":"vxlan","info_data":{"id":4096,"local":"10.0.0.5","link":"eth0","port_range":{"low":0,"high":0},"port":4789,"learning":false,"ttl":0}}},
 {"ifindex":5,"ifname":"vxlan6","link_type":"ether","address":"2a:ec:93:4f:73:d2","promiscuity":0,"linkinfo":{"info_kind":"vxlan","info_data":{"id":7,"local6":"fd00::5","group6":"ff05::100","port":4793,"learning":true}}},
 {"ifindex":6,"link":"vbr1","ifname":"vbr0","flags":["BROADCAST","MULTICAST"],"master":"br0","operstate":"DOWN","link_type":"ether","address":"9e:92:d9:b8:b7:47","promiscuity":1,"linkinfo":{"info_kind":"veth","info_slave_kind":"bridge","info_slave_data":{"state":"disabled"}}},
 {"ifindex":7,"ifname":"ens3","link_type":"ether","address":"52:54:00:00:00:09","promiscuity":1,"linkinfo":{"info_slave_kind":"bridge"}},
 {"ifindex":8,"link":"if12","ifname":"cali1","link_type":"ether","address":"ee:ee:ee:ee:ee:ee"}
]"#;
        let links = parse_links_json(input).expect("parses");
        assert_eq!(links.len(), 8);
        let lo = by_name(&links, "lo");
        assert_eq!(lo.kind, Some(LinkKind::Loopback));
        assert_eq!(lo.admin_up, Some(true));
        assert_eq!(lo.oper_state, Some(OperState::Unknown));
        let eth0 = by_name(&links, "eth0");
        assert_eq!(eth0.kind, Some(LinkKind::Veth));
        assert_eq!(eth0.link_index, Some(7));
        assert_eq!(eth0.link_name.as_deref(), Some("if7"));
        let tunl = by_name(&links, "tunl0");
        assert_eq!(tunl.link_name.as_deref(), Some("NONE"));
        assert_eq!(tunl.mac, None);
        assert_eq!(
            tunl.ipip,
            Some(IpipInfo {
                local: Some(None),
                remote: Some(None)
            })
        );
        let vx = by_name(&links, "vxlan.calico");
        assert_eq!(vx.master, None);
        assert_eq!(
            vx.vxlan,
            Some(VxlanInfo {
                vni: Some(4096),
                port: Some(4789),
                local: Some(ip("10.0.0.5")),
                parent_index: None,
                parent_name: Some("eth0".into()),
                learning: Some(false),
                remote: None,
            })
        );
        let vx6 = by_name(&links, "vxlan6");
        assert_eq!(
            vx6.vxlan.as_ref().and_then(|v| v.local),
            Some(ip("fd00::5"))
        );
        assert_eq!(
            vx6.vxlan.as_ref().and_then(|v| v.remote),
            Some(ip("ff05::100"))
        );
        assert_eq!(vx6.admin_up, None, "no flags, no UP flag knowledge");
        let vbr0 = by_name(&links, "vbr0");
        assert_eq!(vbr0.link_name.as_deref(), Some("vbr1"));
        assert_eq!(vbr0.link_index, None);
        assert_eq!(vbr0.master.as_deref(), Some("br0"));
        assert_eq!(by_name(&links, "ens3").kind, Some(LinkKind::Device));
        let cali = by_name(&links, "cali1");
        assert_eq!(cali.kind, None, "no -d keys: kind unknown");
        assert_eq!(cali.link_index, Some(12));
    }

    #[test]
    fn json_addr_info() {
        let input = r#"[{"ifindex":2,"ifname":"eth0","flags":["UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"52:54:00:00:00:05",
          "addr_info":[{"family":"inet","local":"10.0.0.5","prefixlen":24,"broadcast":"10.0.0.255","scope":"global","label":"eth0"},
                       {"family":"inet","local":"10.0.0.7","address":"10.0.0.8","prefixlen":32,"scope":"global"},
                       {"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link","tentative":true}]}]"#;
        let l = parse_links_json(input).expect("parses");
        assert_eq!(
            l[0].addrs,
            vec![
                IfAddr {
                    addr: ip("10.0.0.5"),
                    prefix_len: 24,
                    scope: Some("global".into())
                },
                IfAddr {
                    addr: ip("10.0.0.7"),
                    prefix_len: 32,
                    scope: Some("global".into())
                },
                IfAddr {
                    addr: ip("fe80::1"),
                    prefix_len: 64,
                    scope: Some("link".into())
                },
            ]
        );
    }

    fn json_err(input: &str) -> (Location, String) {
        let e = parse_links_json(input).expect_err("must fail");
        (e.location, e.field)
    }

    fn item(i: usize) -> Location {
        Location::Document {
            doc: 1,
            item: Some(i),
        }
    }

    #[test]
    fn json_errors_name_item_and_field() {
        assert_eq!(
            json_err(r#"[{"ifname":"a"},{"ifindex":2}]"#),
            (item(2), "ifname".into())
        );
        assert_eq!(
            json_err(r#"[{"ifname":"a","mtu":"big"}]"#),
            (item(1), "mtu".into())
        );
        assert_eq!(
            json_err(r#"[{"ifname":"a","link_type":"ether","address":"nope"}]"#),
            (item(1), "address".into())
        );
        assert_eq!(
            json_err(r#"[{"ifname":"a","linkinfo":{"info_kind":"vxlan","info_data":{"id":"x"}}}]"#),
            (item(1), "linkinfo.info_data.id".into())
        );
        assert_eq!(
            json_err(r#"[{"ifname":"a","linkinfo":[1]}]"#),
            (item(1), "linkinfo".into())
        );
        assert_eq!(
            json_err(
                r#"[{"ifname":"a","addr_info":[{"local":"10.0.0.1","prefixlen":8},{"local":"x","prefixlen":8}]}]"#
            ),
            (item(1), "addr_info[1].local".into())
        );
        assert_eq!(
            json_err(r#"[{"ifname":"a","addr_info":[{"local":"10.0.0.1","prefixlen":33}]}]"#),
            (item(1), "addr_info[0].prefixlen".into())
        );
        assert_eq!(
            json_err(
                r#"[{"ifname":"a","addr_info":[{"family":"inet6","local":"10.0.0.1","prefixlen":8}]}]"#
            ),
            (item(1), "addr_info[0].local".into())
        );
        assert_eq!(
            json_err(r#"[{"ifname":"a","addr_info":[5]}]"#),
            (item(1), "addr_info[0]".into())
        );
        assert_eq!(
            json_err(r#"{"ifname":"a"}"#).0,
            Location::Document { doc: 1, item: None }
        );
    }
}

#[cfg(test)]
mod pasted {
    use super::*;

    /// calico#3895: `ip link` lines pasted without their index still parse; the index is unknown.
    #[test]
    fn a_link_line_without_its_index_parses() {
        let links = parse_links_text(
            "cali34d45bc515f@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT\n    link/ether ee:ee:ee:ee:ee:ee brd ff:ff:ff:ff:ff:ff\ntunl0@NONE: <NOARP> mtu 1440 qdisc noop state DOWN mode DEFAULT\n    link/ipip 0.0.0.0 brd 0.0.0.0\n",
        )
        .expect("parses");
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].name, "cali34d45bc515f");
        assert_eq!(links[0].index, None);
        assert_eq!(links[0].mtu, Some(1500));
        assert_eq!(links[1].name, "tunl0");
        assert_eq!(links[1].mtu, Some(1440));
    }

    #[test]
    fn a_redacted_address_says_so() {
        let e = crate::iproute2::parse_routes_text(
            "100.70.221.128/26 via xx.xx.199.27 dev tunl0 proto bird onlink\n",
        )
        .expect_err("redacted");
        assert!(e.to_string().contains("redacted?"), "{e}");
    }
}
