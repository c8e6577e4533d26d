//! Typed, path-aware reads out of a generic resource tree (`serde_json::Value`): every failure names
//! the document, the List item and the field path (`spec.allocations[3]`), never panics.
//!
//! Resources are read from a generic value rather than from derived structs so that one decoder can
//! take both Calico API shapes (v3 and crd v1), the scalars YAML hands back for hand-written files
//! (numbers as strings, strings as numbers), and still say exactly which field was wrong.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::{Map, Value};

use crate::error::{Location, ParseError};

/// Where an object sits in the input and what it is, for error messages and notes.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// 1-based document of the input.
    pub doc: usize,
    /// 1-based item inside a `List` document.
    pub item: Option<usize>,
    /// `IPPool "default-ipv4-ippool"`, once kind and name are known; appended to error messages so
    /// the user can find the object in a long List.
    pub subject: Option<String>,
}

impl Ctx {
    pub fn new(doc: usize, item: Option<usize>) -> Self {
        Ctx {
            doc,
            item,
            subject: None,
        }
    }

    pub fn location(&self) -> Location {
        Location::Document {
            doc: self.doc,
            item: self.item,
        }
    }

    /// `doc 2` or `doc 2, item 5`, as used in notes.
    pub fn where_(&self) -> String {
        match self.item {
            Some(i) => format!("doc {}, item {i}", self.doc),
            None => format!("doc {}", self.doc),
        }
    }

    pub fn error(&self, field: impl Into<String>, message: impl fmt::Display) -> ParseError {
        let message = match &self.subject {
            Some(s) => format!("{message} ({s})"),
            None => message.to_string(),
        };
        ParseError::new(self.location(), field, message)
    }

    /// A cursor on the whole object.
    pub fn root<'v>(&self, value: &'v Value) -> Cursor<'v, '_> {
        Cursor {
            ctx: self,
            path: String::new(),
            value: present(Some(value)),
        }
    }
}

/// JSON `null` and a missing key mean the same thing in Kubernetes objects ("not set").
fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// The kind of a value, for "expected X, found Y" messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A value inside an object together with its path, so reads can name the field they fail on.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'v, 'c> {
    ctx: &'c Ctx,
    path: String,
    value: Option<&'v Value>,
}

impl<'v, 'c> Cursor<'v, 'c> {
    #[cfg(test)]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `doc 2` or `doc 2, item 5`, for notes about this object.
    pub fn where_(&self) -> String {
        self.ctx.where_()
    }

    pub fn value(&self) -> Option<&'v Value> {
        self.value
    }

    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }

    pub fn error(&self, message: impl fmt::Display) -> ParseError {
        self.ctx.error(self.path.clone(), message)
    }

    /// The mapping under this cursor; unset gives `None`, anything but a mapping is an error.
    pub fn mapping(&self) -> Result<Option<&'v Map<String, Value>>, ParseError> {
        match self.value {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => {
                Err(self.error(format!("expected a mapping, found {}", type_name(other))))
            }
        }
    }

    /// Walks a dotted path (`spec.bgp.ipv4Address`). Every parent that is set must be a mapping.
    /// The path is built by hand, once: one is built for every field read, and `format!` per key
    /// was a tenth of reading a 5 000-node intent.
    pub fn get(&self, dotted: &str) -> Result<Cursor<'v, 'c>, ParseError> {
        let mut path = String::with_capacity(self.path.len() + 1 + dotted.len());
        path.push_str(&self.path);
        let mut value = self.value;
        for key in dotted.split('.') {
            let map = match value {
                None => None,
                Some(Value::Object(m)) => Some(m),
                Some(other) => {
                    return Err(self.ctx.error(
                        path,
                        format!("expected a mapping, found {}", type_name(other)),
                    ))
                }
            };
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            value = map.and_then(|m| present(m.get(key)));
        }
        Ok(Cursor {
            ctx: self.ctx,
            path,
            value,
        })
    }

    /// The elements of a list; unset gives an empty list.
    pub fn items(&self) -> Result<Vec<Cursor<'v, 'c>>, ParseError> {
        match self.value {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a
                .iter()
                .enumerate()
                .map(|(i, v)| Cursor {
                    ctx: self.ctx,
                    path: indexed(&self.path, i),
                    value: present(Some(v)),
                })
                .collect()),
            Some(other) => Err(self.error(format!("expected a list, found {}", type_name(other)))),
        }
    }

    /// A string. YAML turns unquoted `1440` or `true` into numbers and booleans; where a string is
    /// expected those are taken as their text, as the Kubernetes API server would reject them but a
    /// hand-written file often carries them.
    pub fn string(&self) -> Result<Option<String>, ParseError> {
        scalar_text(self.value)
            .map_err(|other| self.error(format!("expected a string, found {}", type_name(other))))
    }

    pub fn required_string(&self) -> Result<String, ParseError> {
        self.string()?
            .ok_or_else(|| self.error("required but missing"))
    }

    /// A boolean, also from the strings `"true"`/`"false"` (BlockAffinity `deleted` is a string in
    /// crd.projectcalico.org/v1 and a boolean elsewhere) and from the YAML 1.1 spellings
    /// (`yes`, `on`, …) that Kubernetes' YAML reader takes as booleans.
    pub fn boolean(&self) -> Result<Option<bool>, ParseError> {
        match self.value {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "on" => Ok(Some(true)),
                "false" | "no" | "n" | "off" | "" => Ok(Some(false)),
                _ => Err(self.error(format!("{s:?} is not a boolean (expected true or false)"))),
            },
            Some(other) => {
                Err(self.error(format!("expected a boolean, found {}", type_name(other))))
            }
        }
    }

    /// A non-negative integer no larger than `max`, from a number or a decimal string (Felix
    /// settings are often written as strings in the wild).
    pub fn uint(&self, max: u64) -> Result<Option<u64>, ParseError> {
        let n = match self.value {
            None => return Ok(None),
            Some(Value::Number(n)) => {
                if let Some(u) = n.as_u64() {
                    u
                } else if n.as_i64().is_some() {
                    return Err(self.error(format!("{n} is out of range (0..={max})")));
                } else {
                    return Err(self.error(format!("{n} is not a whole number")));
                }
            }
            Some(Value::String(s)) => {
                let t = s.trim();
                let negative = t
                    .strip_prefix('-')
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
                if negative {
                    return Err(self.error(format!("{s:?} is out of range (0..={max})")));
                }
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(self.error(format!("{s:?} is not a whole number")));
                }
                match t.parse::<u64>() {
                    Ok(u) => u,
                    Err(_) => return Err(self.error(format!("{s:?} is out of range (0..={max})"))),
                }
            }
            Some(other) => {
                return Err(self.error(format!(
                    "expected a whole number, found {}",
                    type_name(other)
                )))
            }
        };
        if n > max {
            return Err(self.error(format!("{n} is out of range (0..={max})")));
        }
        Ok(Some(n))
    }

    /// A CIDR as written (`10.0.0.5/24` keeps its host bits; see [`parse_cidr`]).
    pub fn cidr(&self) -> Result<Option<IpNet>, ParseError> {
        match self.string()? {
            None => Ok(None),
            Some(s) => parse_cidr(&s)
                .map(Some)
                .ok_or_else(|| self.error(format!("{s:?} is not a CIDR"))),
        }
    }

    /// A CIDR or a bare address (taken as /32 or /128), as Calico's `ParseCIDROrIP` reads node
    /// addresses.
    pub fn cidr_or_ip(&self) -> Result<Option<IpNet>, ParseError> {
        match self.string()? {
            None => Ok(None),
            Some(s) => parse_cidr_or_ip(&s)
                .map(Some)
                .ok_or_else(|| self.error(format!("{s:?} is not an IP address or CIDR"))),
        }
    }

    pub fn ip(&self) -> Result<Option<IpAddr>, ParseError> {
        match self.string()? {
            None => Ok(None),
            Some(s) => s
                .trim()
                .parse::<IpAddr>()
                .map(Some)
                .map_err(|_| self.error(format!("{s:?} is not an IP address"))),
        }
    }

    /// A mapping of strings to strings (labels, annotations, ConfigMap data). Values that YAML
    /// typed as numbers or booleans are taken as their text.
    pub fn string_map(&self) -> Result<Vec<(String, Option<String>)>, ParseError> {
        let Some(m) = self.mapping()? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(m.len());
        for (k, v) in m {
            // Only a value that is not text needs its path (for the error).
            let text = match scalar_text(Some(v)) {
                Ok(text) => text,
                Err(other) => {
                    let c = Cursor {
                        ctx: self.ctx,
                        path: format!("{}[{k:?}]", self.path),
                        value: Some(other),
                    };
                    c.string()?
                }
            };
            out.push((k.clone(), text));
        }
        Ok(out)
    }
}

/// A scalar as text (see [`Cursor::string`]): unset and `null` are `None`; a mapping or a list is
/// handed back for the caller's error.
fn scalar_text(v: Option<&Value>) -> Result<Option<String>, &Value> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(other),
    }
}

/// `path[i]`, without `format!` (a path per list element).
fn indexed(path: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut n = i;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut p = String::with_capacity(path.len() + 2 + digits.len() - at);
    p.push_str(path);
    p.push('[');
    for &d in &digits[at..] {
        p.push(char::from(d));
    }
    p.push(']');
    p
}

/// `a.b.c.d/n` or `x::y/n`, keeping the host bits (Calico's node `ipv4Address` is `10.0.0.5/24`:
/// the address and its subnet in one). Surrounding blanks are tolerated.
pub(crate) fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if !s.contains('/') {
        return None;
    }
    s.parse::<IpNet>().ok()
}

pub(crate) fn parse_cidr_or_ip(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if s.contains('/') {
        s.parse::<IpNet>().ok()
    } else {
        s.parse::<IpAddr>().ok().map(IpNet::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Ctx {
        Ctx {
            doc: 2,
            item: Some(5),
            subject: Some("IPPool \"p\"".into()),
        }
    }

    #[test]
    fn errors_name_document_item_field_and_subject() {
        let v = json!({"spec": {"cidr": "10.0.0/26"}});
        let c = ctx();
        let err = c
            .root(&v)
            .get("spec.cidr")
            .and_then(|f| f.cidr())
            .expect_err("should fail");
        assert_eq!(
            err.to_string(),
            "<input>: document 2, item 5: spec.cidr: \"10.0.0/26\" is not a CIDR (IPPool \"p\")"
        );
    }

    #[test]
    fn null_is_unset_and_wrong_parent_is_an_error() {
        let v = json!({"spec": null, "status": "x"});
        let c = ctx();
        assert!(!c.root(&v).get("spec.cidr").expect("should parse").is_set());
        let err = c.root(&v).get("status.podIP").expect_err("should fail");
        assert_eq!(err.field, "status");
    }

    #[test]
    fn numbers_from_strings_and_ranges() {
        let v = json!({"a": "4789", "b": 70000, "c": -1, "d": "x1", "e": 1.5, "f": " 12 "});
        let c = ctx();
        let r = c.root(&v);
        assert_eq!(
            r.get("a")
                .expect("should parse")
                .uint(65535)
                .expect("should parse"),
            Some(4789)
        );
        assert!(r
            .get("b")
            .expect("should parse")
            .uint(65535)
            .expect_err("should fail")
            .message
            .contains("out of range"));
        assert!(r
            .get("c")
            .expect("should parse")
            .uint(65535)
            .expect_err("should fail")
            .message
            .contains("out of range"));
        assert!(r
            .get("d")
            .expect("should parse")
            .uint(65535)
            .expect_err("should fail")
            .message
            .contains("not a whole"));
        assert!(r
            .get("e")
            .expect("should parse")
            .uint(65535)
            .expect_err("should fail")
            .message
            .contains("not a whole"));
        assert_eq!(
            r.get("f")
                .expect("should parse")
                .uint(65535)
                .expect("should parse"),
            Some(12)
        );
        assert_eq!(
            r.get("zz")
                .expect("should parse")
                .uint(65535)
                .expect("should parse"),
            None
        );
    }

    #[test]
    fn booleans_from_strings() {
        let v = json!({"a": "false", "b": "True", "c": true, "d": "maybe"});
        let c = ctx();
        let r = c.root(&v);
        assert_eq!(
            r.get("a")
                .expect("should parse")
                .boolean()
                .expect("should parse"),
            Some(false)
        );
        assert_eq!(
            r.get("b")
                .expect("should parse")
                .boolean()
                .expect("should parse"),
            Some(true)
        );
        assert_eq!(
            r.get("c")
                .expect("should parse")
                .boolean()
                .expect("should parse"),
            Some(true)
        );
        assert_eq!(
            r.get("d")
                .expect("should parse")
                .boolean()
                .expect_err("should fail")
                .field,
            "d"
        );
    }

    #[test]
    fn cidr_keeps_host_bits_and_bare_ips_are_hosts() {
        let n = parse_cidr("10.0.0.5/24").expect("should parse");
        assert_eq!(n.addr().to_string(), "10.0.0.5");
        assert_eq!(n.prefix_len(), 24);
        assert!(parse_cidr("10.0.0.5").is_none());
        assert_eq!(
            parse_cidr_or_ip("10.0.0.5")
                .expect("should parse")
                .to_string(),
            "10.0.0.5/32"
        );
        assert_eq!(
            parse_cidr_or_ip("fd00::1")
                .expect("should parse")
                .to_string(),
            "fd00::1/128"
        );
    }

    #[test]
    fn list_paths_are_indexed() {
        let v = json!({"spec": {"allowedUses": ["Workload", 3, ["x"]]}});
        let c = ctx();
        let items = c
            .root(&v)
            .get("spec.allowedUses")
            .expect("should parse")
            .items()
            .expect("should parse");
        assert_eq!(items[2].path(), "spec.allowedUses[2]");
        assert_eq!(
            items[2].string().expect_err("should fail").field,
            "spec.allowedUses[2]"
        );
        assert_eq!(items[1].string().expect("should parse"), Some("3".into()));
        assert_eq!(indexed("a.b", 0), "a.b[0]");
        assert_eq!(indexed("", 1234567), "[1234567]");
        assert_eq!(indexed("x", usize::MAX), format!("x[{}]", usize::MAX));
    }

    #[test]
    fn a_parent_that_is_not_a_mapping_is_named() {
        let v = json!({"spec": {"bgp": "x"}, "m": {"k": "v", "n": 1, "bad": [1]}});
        let c = ctx();
        let e = c
            .root(&v)
            .get("spec.bgp.ipv4Address")
            .expect_err("not a mapping");
        assert_eq!(e.field, "spec.bgp");
        let root = c.root(&v);
        assert_eq!(
            root.get("spec.none.x").expect("unset").path(),
            "spec.none.x"
        );
        let e = root
            .get("m")
            .expect("map")
            .string_map()
            .expect_err("a list");
        assert_eq!(e.field, "m[\"bad\"]");
    }
}
