//! `ip [-d] [-o] [-4|-6] route show [table all]`, as text or `-j` JSON, into [`Route`]s.
//!
//! iproute2 leaves out what equals its default, so an absent key is a known value here, not an
//! unknown one (the same rules hold for the text and the JSON forms, which print the same keys):
//! - no type word: `unicast` (printed only with `-d` or when not unicast);
//! - no `table`: main (254) — except that `ip route show table N` never prints the table, so a
//!   dump filtered by table is read as main; collect with `table all`;
//! - no `proto`: `boot` (3), which is printed only with `-d`;
//! - no `scope`: universe (`global`), printed only with `-d` or when not universe;
//! - `default` (and `0/N`) carry no address: the family is taken from the gateway, source or
//!   `pref` (IPv6 only), and is IPv4 otherwise.
//!
//! `metric` stays `None` when not printed (for IPv4 that means 0: the kernel omits a zero
//! priority). Flags the model has no field for (`dead`, `pervasive`, `offload`, `rt_trunc`, …),
//! `pref`, `expires` and the other metrics are read past.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;

use ipnet::IpNet;
use netdiag_core::model::{NextHop, Route, RouteProto, RouteScope, RouteType};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::json::{self, List, Loose, Many, Obj};
use super::link::in_list;
use super::tokens::{self, err, num, tokens, value, Dst, RouteFamily, Tokens};
use crate::error::{Location, ParseError};

/// A route whose destination family may still depend on lines to come (multipath next hops).
struct Pending {
    route: Route,
    dst: Dst,
    family: RouteFamily,
    loc: Location,
}

impl Pending {
    fn new(kind: RouteType, dst: Dst, loc: &Location) -> Pending {
        let mut family = RouteFamily::default();
        if let Dst::Net(n) = dst {
            family.same_as(n.addr());
        }
        let mut route = Route::new(IpNet::default());
        route.kind = kind;
        route.protocol = Some(RouteProto::BOOT);
        route.scope = Some(RouteScope::UNIVERSE);
        Pending {
            route,
            dst,
            family,
            loc: loc.clone(),
        }
    }

    fn finish(mut self) -> Result<Route, ParseError> {
        self.route.dst = self.family.resolve(self.dst, &self.loc)?;
        Ok(self.route)
    }
}

/// Decodes `ip route` text: one route per line, multipath next hops on the tab-indented
/// `nexthop …` lines that follow it; `cache …` lines are skipped.
pub fn parse_routes_text(input: &str) -> Result<Vec<Route>, ParseError> {
    let mut out = Vec::new();
    let mut pending: Option<Pending> = None;
    for (i, raw) in input.lines().enumerate() {
        let loc = Location::Line(i + 1);
        // `ip -o` joins a route's lines with `\`.
        for seg in raw.split('\\') {
            let mut t = tokens(seg);
            match t.peek().copied() {
                None => {}
                Some("nexthop") => {
                    t.next();
                    let Some(p) = pending.as_mut() else {
                        return Err(err(&loc, "nexthop", "a `nexthop` line before any route"));
                    };
                    nexthops(&mut t, &loc, p)?;
                }
                // The cache details of the route above (`ip route show cache`, `ip route get`).
                Some("cache") => {}
                Some(_) => {
                    if let Some(p) = pending.take() {
                        out.push(p.finish()?);
                    }
                    pending = Some(route_line(&mut t, &loc)?);
                }
            }
        }
    }
    if let Some(p) = pending {
        out.push(p.finish()?);
    }
    Ok(out)
}

/// `[TYPE] DST [via [FAMILY] GW] [dev DEV] [table T] [proto P] [scope S] [src A] [metric M]
/// [flags…] [pref P] [mtu [lock] N] …`.
fn route_line(t: &mut Tokens, loc: &Location) -> Result<Pending, ParseError> {
    let first = value(t, loc, "dst")?;
    let (kind, dst_tok) = match tokens::route_type(first) {
        Some(k) => (k, value(t, loc, "dst")?),
        None => (RouteType::Unicast, first),
    };
    let mut p = Pending::new(kind, tokens::dst(dst_tok, loc)?, loc);
    while let Some(tok) = t.next() {
        match tok {
            "via" => {
                let (gw, explicit) = via(t, loc)?;
                p.route.gateway = Some(gw);
                note_gateway(&mut p.family, gw, explicit);
            }
            "dev" => p.route.dev = Some(value(t, loc, tok)?.to_string()),
            "table" => p.route.table = tokens::table(value(t, loc, tok)?, loc)?,
            "proto" => p.route.protocol = tokens::protocol(value(t, loc, tok)?, loc)?,
            "scope" => p.route.scope = Some(tokens::scope(value(t, loc, tok)?, loc)?),
            "src" => {
                let a = tokens::ip(value(t, loc, tok)?, loc, tok)?;
                p.route.src = Some(a);
                p.family.same_as(a);
            }
            "metric" => p.route.metric = Some(num(value(t, loc, tok)?, loc, tok)?),
            "mtu" => {
                let mut v = value(t, loc, tok)?;
                if v == "lock" {
                    v = value(t, loc, tok)?;
                }
                p.route.mtu = Some(num(v, loc, tok)?);
            }
            "onlink" => p.route.onlink = true,
            "linkdown" => p.route.linkdown = true,
            "pref" => {
                value(t, loc, tok)?;
                p.family.ipv6();
            }
            "nexthop" => nexthops(t, loc, &mut p)?,
            "encap" => skip_encap(t),
            "as" => skip_value(t, loc, tok, "to")?,
            "cache" => break,
            kw if tokens::route_keyword_with_value(kw) => skip_value(t, loc, kw, "lock")?,
            // Unknown keywords and flags (iproute2 adds some over time): skip just the word.
            _ => {}
        }
    }
    Ok(p)
}

/// Reads past the value of `kw`, and past one more word when the first is `modifier` (`rtt lock
/// 10ms`, `as to 10.0.0.1`).
fn skip_value(t: &mut Tokens, loc: &Location, kw: &str, modifier: &str) -> Result<(), ParseError> {
    if value(t, loc, kw)? == modifier {
        value(t, loc, kw)?;
    }
    Ok(())
}

/// `via [inet|inet6] ADDR`; the family word marks RTA_VIA, a gateway of the other family.
fn via(t: &mut Tokens, loc: &Location) -> Result<(IpAddr, bool), ParseError> {
    let v = value(t, loc, "via")?;
    if matches!(v, "inet" | "inet6") {
        let a = tokens::ip(value(t, loc, "via")?, loc, "via")?;
        if (v == "inet6") != a.is_ipv6() {
            return Err(err(loc, "via", format!("{a} is not an `{v}` address")));
        }
        return Ok((a, true));
    }
    Ok((tokens::ip(v, loc, "via")?, false))
}

fn note_gateway(family: &mut RouteFamily, gw: IpAddr, explicit_family: bool) {
    if explicit_family {
        family.other_than(gw);
    } else {
        family.same_as(gw);
    }
}

/// Light-weight tunnel encapsulation (`encap mpls 100/200`, `encap ip id 5 src … dst …`,
/// `encap seg6 mode encap segs …`): its words are not route keywords (`src` there is the
/// tunnel's), so skip to the next keyword printed after it.
fn skip_encap(t: &mut Tokens) {
    while let Some(&tok) = t.peek() {
        if matches!(
            tok,
            "via" | "dev" | "table" | "proto" | "scope" | "metric" | "nexthop" | "weight" | "pref"
        ) {
            break;
        }
        t.next();
    }
}

/// One or more `nexthop via GW dev DEV weight W [onlink] [dead] [linkdown]` groups; the leading
/// `nexthop` has been consumed.
fn nexthops(t: &mut Tokens, loc: &Location, p: &mut Pending) -> Result<(), ParseError> {
    loop {
        let mut nh = NextHop {
            gateway: None,
            dev: None,
            weight: None,
            onlink: false,
        };
        let more = loop {
            let Some(tok) = t.next() else {
                break false;
            };
            match tok {
                "nexthop" => break true,
                "via" => {
                    let (gw, explicit) = via(t, loc)?;
                    nh.gateway = Some(gw);
                    note_gateway(&mut p.family, gw, explicit);
                }
                "dev" => nh.dev = Some(value(t, loc, tok)?.to_string()),
                "weight" => nh.weight = Some(num(value(t, loc, tok)?, loc, tok)?),
                "onlink" => nh.onlink = true,
                "encap" => skip_encap(t),
                "realm" | "realms" => {
                    value(t, loc, tok)?;
                }
                "pref" => {
                    value(t, loc, tok)?;
                    p.family.ipv6();
                }
                // `dead`, `linkdown`, `pervasive`, …: flags the model has no field for.
                _ => {}
            }
        };
        p.route.nexthops.push(nh);
        if !more {
            return Ok(());
        }
    }
}

// ---- JSON ------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct JRoute<'a> {
    #[serde(default, borrow, rename = "type")]
    kind: Loose<'a>,
    #[serde(default, borrow)]
    dst: Loose<'a>,
    #[serde(default, borrow)]
    gateway: Loose<'a>,
    #[serde(default, borrow)]
    via: Obj<JVia<'a>>,
    #[serde(default, borrow)]
    dev: Loose<'a>,
    #[serde(default, borrow)]
    protocol: Loose<'a>,
    #[serde(default, borrow)]
    scope: Loose<'a>,
    #[serde(default, borrow)]
    table: Loose<'a>,
    #[serde(default, borrow)]
    metric: Loose<'a>,
    #[serde(default, borrow)]
    flags: Loose<'a>,
    #[serde(default, borrow)]
    metrics: Many<JMetrics<'a>>,
    #[serde(default, borrow)]
    prefsrc: Loose<'a>,
    #[serde(default, borrow)]
    pref: Loose<'a>,
    #[serde(default, borrow)]
    nexthops: List<Obj<JNextHop<'a>>>,
}

/// RTA_VIA: `{"family": "inet6", "host": "fe80::1"}`.
#[derive(Deserialize)]
struct JVia<'a> {
    #[serde(default, borrow)]
    host: Loose<'a>,
}

#[derive(Deserialize)]
struct JNextHop<'a> {
    #[serde(default, borrow)]
    gateway: Loose<'a>,
    #[serde(default, borrow)]
    via: Obj<JVia<'a>>,
    #[serde(default, borrow)]
    dev: Loose<'a>,
    #[serde(default, borrow)]
    weight: Loose<'a>,
    #[serde(default, borrow)]
    flags: Loose<'a>,
}

#[derive(Deserialize)]
struct JMetrics<'a> {
    #[serde(default, borrow)]
    mtu: Metric<'a>,
}

/// One route metric: `1450`, `"1450"`, or an object holding the value (`{"value": 1450,
/// "lock": true}`); iproute2 6.1 prints the number and drops `lock`, others may not.
#[derive(Debug, Default)]
struct Metric<'a>(Loose<'a>);

struct MetricVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for MetricVisitor<'a> {
    type Value = Metric<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a metric value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Metric(Loose::Bool(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Metric(Loose::U64(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Metric(Loose::I64(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Metric(Loose::F64(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Metric(Loose::Str(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Metric(Loose::Str(Cow::Owned(v.to_string()))))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Metric(Loose::Null))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Metric(Loose::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Metric(Loose::List(Vec::new())))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Loose::Object;
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            if matches!(k.as_ref(), "value" | "mtu") {
                out = map.next_value::<Loose<'a>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Metric(out))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Metric<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MetricVisitor(PhantomData))
    }
}

/// Decodes `ip [-d] -j route show …`.
pub fn parse_routes_json(input: &str) -> Result<Vec<Route>, ParseError> {
    let mut out = Vec::new();
    json::for_each_item::<JRoute, _>(input, |j, loc| {
        out.push(route_json(&j, loc)?);
        Ok(())
    })?;
    Ok(out)
}

/// A name iproute2 may also print as a number (`"protocol": "80"`, `"table": 100`).
fn name_or_num<T: TryFrom<u64>>(
    v: &Loose,
    loc: &Location,
    field: &str,
    by_name: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<Option<T>, ParseError> {
    match v {
        Loose::Absent | Loose::Null => Ok(None),
        Loose::Str(s) => by_name(s).map(Some),
        Loose::U64(n) => T::try_from(*n)
            .map(Some)
            .map_err(|_| err(loc, field, format!("{n} is out of range"))),
        _ => Err(err(loc, field, "expected a name or a number")),
    }
}

fn route_json(j: &JRoute, loc: &Location) -> Result<Route, ParseError> {
    let kind = match json::str_of(&j.kind, loc, "type")? {
        None => RouteType::Unicast,
        Some(s) => tokens::route_type(s)
            .ok_or_else(|| err(loc, "type", format!("{s:?} is not a route type")))?,
    };
    let dst = tokens::dst(json::req_str(&j.dst, loc, "dst")?, loc)?;
    let mut p = Pending::new(kind, dst, loc);
    let r = &mut p.route;
    if let Some(gw) = json::ip_of(&j.gateway, loc, "gateway")? {
        r.gateway = Some(gw);
        p.family.same_as(gw);
    }
    if let Some(v) = j.via.get(loc, "via")? {
        let gw = json::ip_of(&v.host, loc, "via.host")?
            .ok_or_else(|| err(loc, "via.host", "missing"))?;
        r.gateway = Some(gw);
        p.family.other_than(gw);
    }
    r.dev = json::str_of(&j.dev, loc, "dev")?.map(str::to_string);
    if let Some(t) = name_or_num(&j.table, loc, "table", |s| tokens::table(s, loc))? {
        r.table = t;
    }
    match &j.protocol {
        Loose::Absent => {}
        Loose::Str(s) => {
            r.protocol = tokens::protocol(s, loc).map_err(|mut e| {
                e.field = "protocol".to_string();
                e
            })?
        }
        other => r.protocol = json::num_of(other, loc, "protocol")?,
    }
    if let Some(s) = name_or_num(&j.scope, loc, "scope", |s| {
        tokens::scope(s, loc).map(|s| s.0)
    })? {
        r.scope = Some(RouteScope(s));
    }
    r.metric = json::num_of(&j.metric, loc, "metric")?;
    for f in json::strs_of(&j.flags, loc, "flags")? {
        match f {
            "onlink" => r.onlink = true,
            "linkdown" => r.linkdown = true,
            _ => {}
        }
    }
    for (i, m) in j.metrics.0.get(loc, "metrics")?.iter().enumerate() {
        if let Some(m) = m.get(loc, "").map_err(|e| in_list(e, "metrics", i))? {
            if let Some(mtu) =
                json::num_of(&m.mtu.0, loc, "mtu").map_err(|e| in_list(e, "metrics", i))?
            {
                r.mtu = Some(mtu);
            }
        }
    }
    if let Some(a) = json::ip_of(&j.prefsrc, loc, "prefsrc")? {
        r.src = Some(a);
        p.family.same_as(a);
    }
    if j.pref.is_present() {
        p.family.ipv6();
    }
    for (i, n) in j.nexthops.get(loc, "nexthops")?.iter().enumerate() {
        let nh = n
            .get(loc, "")
            .and_then(|n| n.map(|n| nexthop_json(n, loc, &mut p.family)).transpose())
            .map_err(|e| in_list(e, "nexthops", i))?;
        p.route.nexthops.extend(nh);
    }
    p.finish()
}

fn nexthop_json(
    n: &JNextHop,
    loc: &Location,
    family: &mut RouteFamily,
) -> Result<NextHop, ParseError> {
    let mut nh = NextHop {
        gateway: json::ip_of(&n.gateway, loc, "gateway")?,
        dev: json::str_of(&n.dev, loc, "dev")?.map(str::to_string),
        weight: json::num_of(&n.weight, loc, "weight")?,
        onlink: false,
    };
    if let Some(gw) = nh.gateway {
        family.same_as(gw);
    }
    if let Some(v) = n.via.get(loc, "via")? {
        let gw = json::ip_of(&v.host, loc, "via.host")?
            .ok_or_else(|| err(loc, "via.host", "missing"))?;
        nh.gateway = Some(gw);
        family.other_than(gw);
    }
    nh.onlink = json::strs_of(&n.flags, loc, "flags")?.contains(&"onlink");
    Ok(nh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().expect("test prefix")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn one(line: &str) -> Route {
        let mut v = parse_routes_text(line).expect("parses");
        assert_eq!(v.len(), 1, "{v:?}");
        v.remove(0)
    }

    /// A main-table unicast route as `ip route` prints it with nothing but the destination: the
    /// defaults iproute2 leaves out, filled in.
    fn base(dst: &str) -> Route {
        let mut r = Route::new(net(dst));
        r.protocol = Some(RouteProto::BOOT);
        r.scope = Some(RouteScope::UNIVERSE);
        r
    }

    #[test]
    fn default_via_and_omitted_defaults() {
        let mut want = base("0.0.0.0/0");
        want.gateway = Some(ip("10.0.0.1"));
        want.dev = Some("eth0".into());
        assert_eq!(one("default via 10.0.0.1 dev eth0 \n"), want);
        // `-d` prints the defaults explicitly; same facts.
        assert_eq!(
            one("unicast default via 10.0.0.1 dev eth0 table main proto boot scope global \n"),
            want
        );
    }

    #[test]
    fn odd_spacing_and_tabs() {
        let mut want = base("10.1.0.0/16");
        want.gateway = Some(ip("10.0.0.1"));
        want.dev = Some("eth0".into());
        want.metric = Some(1024);
        assert_eq!(
            one("  10.1.0.0/16 \t via   10.0.0.1\tdev eth0  metric\t1024   "),
            want
        );
    }

    #[test]
    fn connected_route_with_kernel_proto_scope_link_src_and_linkdown() {
        let mut want = base("10.0.0.0/24");
        want.dev = Some("eth0".into());
        want.protocol = Some(RouteProto::KERNEL);
        want.scope = Some(RouteScope::LINK);
        want.src = Some(ip("10.0.0.5"));
        want.linkdown = true;
        assert_eq!(
            one("10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5 linkdown \n"),
            want
        );
    }

    #[test]
    fn calico_routes() {
        // Felix's VXLAN route, its IPAM blackhole and a workload route.
        let mut vx = base("192.168.30.0/26");
        vx.gateway = Some(ip("192.168.30.0"));
        vx.dev = Some("vxlan.calico".into());
        vx.protocol = Some(RouteProto::FELIX);
        vx.onlink = true;
        assert_eq!(
            one("192.168.30.0/26 via 192.168.30.0 dev vxlan.calico proto 80 onlink \n"),
            vx
        );
        let mut bh = base("10.0.0.0/26");
        bh.kind = RouteType::Blackhole;
        bh.protocol = Some(80);
        assert_eq!(one("blackhole 10.0.0.0/26 proto 80\n"), bh);
        let mut wl = base("192.168.10.5/32");
        wl.dev = Some("cali12345678901".into());
        wl.protocol = Some(80);
        wl.scope = Some(RouteScope::LINK);
        assert_eq!(
            one("192.168.10.5 dev cali12345678901 proto 80 scope link \n"),
            wl
        );
        let mut bird = base("192.168.20.0/26");
        bird.gateway = Some(ip("10.0.0.6"));
        bird.dev = Some("eth0".into());
        bird.protocol = Some(RouteProto::BIRD);
        assert_eq!(
            one("192.168.20.0/26 via 10.0.0.6 dev eth0 proto bird\n"),
            bird
        );
    }

    #[test]
    fn mtu_and_mtu_lock() {
        assert_eq!(
            one("10.2.0.0/16 via 10.0.0.1 dev eth0 mtu 1450").mtu,
            Some(1450)
        );
        assert_eq!(
            one("10.2.1.0/24 via 10.0.0.1 dev eth0 mtu lock 1400 ").mtu,
            Some(1400)
        );
        // Other metrics (with `lock` too) are read past without disturbing what follows.
        let r = one("10.2.1.0/24 via 10.0.0.1 dev eth0 rtt lock 10ms advmss 1400 mtu 1300 onlink");
        assert_eq!(r.mtu, Some(1300));
        assert!(r.onlink);
    }

    #[test]
    fn reject_types() {
        for (word, kind) in [
            ("unreachable", RouteType::Unreachable),
            ("prohibit", RouteType::Prohibit),
            ("throw", RouteType::Throw),
        ] {
            let mut want = base("192.168.99.0/24");
            want.kind = kind;
            assert_eq!(one(&format!("{word} 192.168.99.0/24 \n")), want);
        }
    }

    #[test]
    fn local_table_routes() {
        let input = "\
local 10.0.0.5 dev eth0 table local proto kernel scope host src 10.0.0.5 
broadcast 10.0.0.255 dev eth0 table local proto kernel scope link src 10.0.0.5 linkdown
local ::1 dev lo table local proto kernel metric 0 pref medium
multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium
anycast fe80:: dev eth0 table local proto kernel metric 0 pref medium
10.5.0.0/16 via 10.0.0.1 dev eth0 table 100 
";
        let r = parse_routes_text(input).expect("parses");
        assert_eq!(r.len(), 6);
        let mut local = base("10.0.0.5/32");
        local.kind = RouteType::Local;
        local.table = Route::TABLE_LOCAL;
        local.dev = Some("eth0".into());
        local.protocol = Some(RouteProto::KERNEL);
        local.scope = Some(RouteScope::HOST);
        local.src = Some(ip("10.0.0.5"));
        assert_eq!(r[0], local);
        assert_eq!(r[1].kind, RouteType::Broadcast);
        assert_eq!(r[1].scope, Some(RouteScope::LINK));
        assert!(r[1].linkdown);
        assert_eq!(r[2].dst, net("::1/128"));
        assert_eq!(r[2].metric, Some(0));
        assert_eq!(r[3].kind, RouteType::Multicast);
        assert_eq!(r[3].dst, net("ff00::/8"));
        assert_eq!(r[4].kind, RouteType::Anycast);
        assert_eq!(r[5].table, 100);
        assert!(r[..5].iter().all(|r| r.table == Route::TABLE_LOCAL));
    }

    #[test]
    fn ipv6_routes() {
        let input = "\
2001:db8:1::/64 via fd00::1 dev eth0 metric 1024 expires 300sec pref medium
default via fe80::1 dev eth0 proto ra metric 1024 expires 1797sec hoplimit 64 pref medium
default dev tun0 metric 1024 pref medium
unreachable 2001:db8:4::/64 dev lo metric 1024 error -113 pref medium
";
        let r = parse_routes_text(input).expect("parses");
        let mut first = base("2001:db8:1::/64");
        first.gateway = Some(ip("fd00::1"));
        first.dev = Some("eth0".into());
        first.metric = Some(1024);
        assert_eq!(r[0], first);
        assert_eq!(r[1].dst, net("::/0"));
        assert_eq!(r[1].protocol, Some(RouteProto::RA));
        // No address at all: `pref` says IPv6.
        assert_eq!(r[2].dst, net("::/0"));
        assert_eq!(r[2].dev.as_deref(), Some("tun0"));
        assert_eq!(r[3].kind, RouteType::Unreachable);
        assert_eq!(r[3].dev.as_deref(), Some("lo"));
    }

    #[test]
    fn gateway_of_the_other_family_and_zero_length_destination() {
        // RFC 5549: an IPv4 route via an IPv6 next hop prints the family word.
        let r = one("default via inet6 fe80::1 dev eth0 proto bird onlink");
        assert_eq!(r.dst, net("0.0.0.0/0"));
        assert_eq!(r.gateway, Some(ip("fe80::1")));
        assert!(r.onlink);
        let r = one("0/8 dev eth0 scope link");
        assert_eq!(r.dst, net("0.0.0.0/8"));
    }

    #[test]
    fn multipath_routes() {
        let input = "\
10.4.0.0/16 proto bird 
\tnexthop via 10.0.0.6 dev eth0 weight 1 
\tnexthop via 10.0.0.8 dev eth1 weight 2 onlink
10.10.0.0/16 
\tnexthop via 10.0.0.6 dev eth0 weight 1 
\tnexthop via 10.8.0.2 dev vnh0 weight 1 dead linkdown 
default proto bird metric 1024 pref medium
\tnexthop via fe80::1 dev eth0 weight 1 
\tnexthop via fe80::2 dev eth1 weight 1 
192.168.0.0/16 via 10.0.0.1 dev eth0
";
        let r = parse_routes_text(input).expect("parses");
        assert_eq!(r.len(), 4);
        let mut want = base("10.4.0.0/16");
        want.protocol = Some(RouteProto::BIRD);
        want.nexthops = vec![
            NextHop {
                gateway: Some(ip("10.0.0.6")),
                dev: Some("eth0".into()),
                weight: Some(1),
                onlink: false,
            },
            NextHop {
                gateway: Some(ip("10.0.0.8")),
                dev: Some("eth1".into()),
                weight: Some(2),
                onlink: true,
            },
        ];
        assert_eq!(r[0], want);
        assert_eq!(r[1].nexthops.len(), 2);
        assert_eq!(r[1].nexthops[1].dev.as_deref(), Some("vnh0"));
        assert_eq!(r[2].dst, net("::/0"));
        assert_eq!(r[2].nexthops.len(), 2);
        assert!(r[3].nexthops.is_empty());
        // `ip -o` puts the next hops on the route's line.
        let o = parse_routes_text(
            "10.4.0.0/16 proto bird \\\tnexthop via 10.0.0.6 dev eth0 weight 1 \\\tnexthop via 10.0.0.8 dev eth1 weight 2 onlink\n",
        )
        .expect("parses");
        assert_eq!(o, vec![want]);
    }

    #[test]
    fn cache_lines_flags_and_unknown_words_are_skipped() {
        let input = "\
10.0.0.2 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0 
    cache expires 590sec mtu 1400 
10.3.0.0/16 via 10.0.0.1 dev eth0 rt_trunc pervasive offload trap rt_offload newfangled
10.6.0.0/16 nhid 12 via 10.0.0.1 dev eth0 dead
10.7.0.0/16 encap ip id 100 src 1.1.1.1 dst 2.2.2.2 ttl 64 via 10.0.0.1 dev eth0
";
        let r = parse_routes_text(input).expect("parses");
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].mtu, None, "the cache line's mtu is not the route's");
        assert_eq!(r[0].src, Some(ip("10.0.0.5")));
        assert_eq!(r[1].gateway, Some(ip("10.0.0.1")));
        assert_eq!(r[2].dev.as_deref(), Some("eth0"));
        assert_eq!(r[3].src, None, "the encap's src is the tunnel's");
        assert_eq!(r[3].gateway, Some(ip("10.0.0.1")));
    }

    fn text_err(input: &str) -> (Location, String) {
        let e = parse_routes_text(input).expect_err("must fail");
        (e.location, e.field)
    }

    #[test]
    fn text_errors_name_line_and_field() {
        let l = |n| Location::Line(n);
        assert_eq!(
            text_err("default dev eth0\nnowhere dev eth0\n"),
            (l(2), "dst".into())
        );
        assert_eq!(text_err("\n\n10.0.0.0/33 dev eth0\n"), (l(3), "dst".into()));
        assert_eq!(text_err("blackhole\n"), (l(1), "dst".into()));
        assert_eq!(text_err("10.0.0.0/8 via eth0\n"), (l(1), "via".into()));
        assert_eq!(
            text_err("10.0.0.0/8 dev eth0 metric -1\n"),
            (l(1), "metric".into())
        );
        assert_eq!(
            text_err("10.0.0.0/8 dev eth0 mtu lock\n"),
            (l(1), "mtu".into())
        );
        assert_eq!(
            text_err("10.0.0.0/8 dev eth0 table calico\n"),
            (l(1), "table".into())
        );
        assert_eq!(
            text_err("10.0.0.0/8 dev eth0 scope planet\n"),
            (l(1), "scope".into())
        );
        assert_eq!(
            text_err("10.0.0.0/8 dev eth0 proto 999\n"),
            (l(1), "proto".into())
        );
        assert_eq!(
            text_err("\tnexthop via 10.0.0.1 dev eth0\n"),
            (l(1), "nexthop".into())
        );
        assert_eq!(
            text_err("10.4.0.0/16\n\tnexthop via 10.0.0.1 dev eth0 weight x\n"),
            (l(2), "weight".into())
        );
        assert_eq!(text_err("10.0.0.0/8 dev\n"), (l(1), "dev".into()));
        assert_eq!(
            text_err("10.0.0.0/8 via inet6 10.0.0.1 dev eth0\n"),
            (l(1), "via".into())
        );
        // A site-specific protocol name is known to be a name, just not a number we know.
        assert_eq!(one("10.0.0.0/8 dev eth0 proto mysite").protocol, None);
    }

    #[test]
    fn json_routes() {
        let input = r#"[
{"dst":"default","gateway":"10.0.0.1","dev":"eth0","flags":[]},
{"dst":"10.0.0.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.0.0.5","flags":["linkdown"]},
{"type":"blackhole","dst":"192.168.10.0/26","protocol":"80","flags":[]},
{"dst":"192.168.30.0/26","gateway":"192.168.30.0","dev":"vxlan.calico","protocol":"80","flags":["onlink"]},
{"dst":"10.2.0.0/16","gateway":"10.0.0.1","dev":"eth0","flags":[],"metrics":[{"mtu":1450}]},
{"dst":"10.2.1.0/24","gateway":"10.0.0.1","dev":"eth0","flags":[],"metrics":[{"mtu":{"value":1400,"lock":true}}]},
{"dst":"10.2.2.0/24","gateway":"10.0.0.1","dev":"eth0","metrics":{"mtu":"1300"}},
{"dst":"10.4.0.0/16","protocol":"bird","metric":1024,"flags":[],"nexthops":[{"gateway":"10.0.0.6","dev":"eth0","weight":1,"flags":[]},{"gateway":"10.0.0.8","dev":"eth1","weight":2,"flags":["onlink","dead"]}]},
{"type":"local","dst":"10.0.0.5","dev":"eth0","table":"local","protocol":"kernel","scope":"host","prefsrc":"10.0.0.5","flags":[]},
{"dst":"10.5.0.0/16","gateway":"10.0.0.1","dev":"eth0","table":"100","flags":[]},
{"dst":"default","dev":"tun0","metric":1024,"flags":[],"pref":"medium"},
{"dst":"default","via":{"family":"inet6","host":"fe80::1"},"dev":"eth0","protocol":12,"table":254,"scope":0},
{"dst":"fd00::/64","dev":"eth0","protocol":"kernel","metric":256,"flags":[],"pref":"medium","expires":299,"unknown_key":{"a":[1,2]}}
]"#;
        let r = parse_routes_json(input).expect("parses");
        assert_eq!(r.len(), 13);
        assert_eq!(r[0], one("default via 10.0.0.1 dev eth0"));
        assert_eq!(
            r[1],
            one("10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5 linkdown")
        );
        assert_eq!(r[2], one("blackhole 192.168.10.0/26 proto 80"));
        assert_eq!(
            r[3],
            one("192.168.30.0/26 via 192.168.30.0 dev vxlan.calico proto 80 onlink")
        );
        assert_eq!(r[4].mtu, Some(1450));
        assert_eq!(r[5].mtu, Some(1400));
        assert_eq!(r[6].mtu, Some(1300));
        assert_eq!(
            r[7],
            one("10.4.0.0/16 proto bird metric 1024\n\tnexthop via 10.0.0.6 dev eth0 weight 1\n\tnexthop via 10.0.0.8 dev eth1 weight 2 onlink dead\n")
        );
        assert_eq!(
            r[8],
            one("local 10.0.0.5 dev eth0 table local proto kernel scope host src 10.0.0.5")
        );
        assert_eq!(r[9].table, 100);
        assert_eq!(r[10].dst, net("::/0"));
        assert_eq!(r[11].dst, net("0.0.0.0/0"));
        assert_eq!(r[11].gateway, Some(ip("fe80::1")));
        assert_eq!(r[11].protocol, Some(RouteProto::BIRD));
        assert_eq!(r[12].metric, Some(256));
    }

    fn json_err(input: &str) -> (Location, String) {
        let e = parse_routes_json(input).expect_err("must fail");
        (e.location, e.field)
    }

    #[test]
    fn json_errors_name_item_and_field() {
        let item = |i| Location::Document {
            doc: 1,
            item: Some(i),
        };
        assert_eq!(
            json_err(r#"[{"dst":"default"},{"dev":"eth0"}]"#),
            (item(2), "dst".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"10.0.0.0/99"}]"#),
            (item(1), "dst".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","gateway":"x"}]"#),
            (item(1), "gateway".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","metric":"x"}]"#),
            (item(1), "metric".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","type":"sideways"}]"#),
            (item(1), "type".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","protocol":"300"}]"#),
            (item(1), "protocol".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","table":"calico"}]"#),
            (item(1), "table".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","flags":"onlink"},{"dst":1}]"#),
            (item(2), "dst".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","nexthops":[{"gateway":"10.0.0.1"},{"weight":"w"}]}]"#),
            (item(1), "nexthops[1].weight".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","metrics":[{"mtu":"big"}]}]"#),
            (item(1), "metrics[0].mtu".into())
        );
        assert_eq!(
            json_err(r#"[{"dst":"default","via":{"family":"inet6"}}]"#),
            (item(1), "via.host".into())
        );
        assert_eq!(
            json_err("[{\"dst\":\"default\"},\n{\"dst\": nope}]").0,
            Location::Line(2)
        );
    }
}
