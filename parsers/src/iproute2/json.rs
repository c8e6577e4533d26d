//! JSON plumbing shared by the `ip -j` / `bridge -j` decoders: lenient value wrappers that never
//! fail on a wrong shape (so a bad value becomes a [`ParseError`] naming its field, not an opaque
//! serde message), and a walker over one or more top-level arrays that reports items by
//! `Location::Document { doc, item }`.
//!
//! iproute2's JSON is not typed consistently across versions (`"table": "100"` is a string,
//! `"link": null` means "no link", flags are arrays of strings), so every leaf is read as a
//! [`Loose`] value and interpreted by the decoder that knows what the key means.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;

use netdiag_core::model::MacAddr;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::tokens;
use crate::error::{Location, ParseError};

/// Any JSON value, kept as cheaply as possible: strings are borrowed from the input when they have
/// no escapes; objects are skipped (a key whose value should be an object uses [`Obj`]).
/// `Absent` (the key is missing) and `Null` (`"link": null`) are different facts.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) enum Loose<'a> {
    #[default]
    Absent,
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    List(Vec<Loose<'a>>),
    Object,
}

impl Loose<'_> {
    pub(crate) fn is_present(&self) -> bool {
        !matches!(self, Loose::Absent)
    }

    fn kind(&self) -> &'static str {
        match self {
            Loose::Absent => "nothing",
            Loose::Null => "null",
            Loose::Bool(_) => "a boolean",
            Loose::U64(_) | Loose::I64(_) | Loose::F64(_) => "a number",
            Loose::Str(_) => "a string",
            Loose::List(_) => "an array",
            Loose::Object => "an object",
        }
    }
}

struct LooseVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for LooseVisitor<'a> {
    type Value = Loose<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Loose::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Loose::I64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Loose::F64(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element::<Loose<'a>>()? {
            v.push(x);
        }
        Ok(Loose::List(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Object)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor(PhantomData))
    }
}

/// A key whose value should be an object decoded as `T`; any other shape is kept as `Wrong` for
/// the decoder to report with the key's name. `null` counts as absent.
#[derive(Debug, Default)]
pub(crate) enum Obj<T> {
    #[default]
    Absent,
    Ok(T),
    Wrong(&'static str),
}

/// A key whose value should be an array of `T`.
#[derive(Debug, Default)]
pub(crate) enum List<T> {
    #[default]
    Absent,
    Ok(Vec<T>),
    Wrong(&'static str),
}

/// The visitor behind [`Obj`] and [`List`]: `OBJ` says which shape is wanted.
struct ShapeVisitor<T, const OBJ: bool>(PhantomData<T>);

enum Shaped<T> {
    Absent,
    Obj(T),
    List(Vec<T>),
    Wrong(&'static str),
}

impl<'de, T: Deserialize<'de>, const OBJ: bool> Visitor<'de> for ShapeVisitor<T, OBJ> {
    type Value = Shaped<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if OBJ { "an object" } else { "an array" })
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Shaped::Wrong("a boolean"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Shaped::Wrong("a number"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Shaped::Wrong("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Shaped::Wrong("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Shaped::Wrong("a string"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Shaped::Absent)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Shaped::Absent)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if OBJ {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Shaped::Wrong("an array"));
        }
        let mut v = Vec::new();
        while let Some(x) = seq.next_element::<T>()? {
            v.push(x);
        }
        Ok(Shaped::List(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if OBJ {
            return T::deserialize(MapAccessDeserializer::new(map)).map(Shaped::Obj);
        }
        // Drain through a deserializer so the map is consumed.
        IgnoredAny::deserialize(MapAccessDeserializer::new(map))?;
        Ok(Shaped::Wrong("an object"))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(
            match d.deserialize_any(ShapeVisitor::<T, true>(PhantomData))? {
                Shaped::Absent => Obj::Absent,
                Shaped::Obj(t) => Obj::Ok(t),
                Shaped::List(_) => Obj::Wrong("an array"),
                Shaped::Wrong(w) => Obj::Wrong(w),
            },
        )
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(
            match d.deserialize_any(ShapeVisitor::<T, false>(PhantomData))? {
                Shaped::Absent => List::Absent,
                Shaped::List(v) => List::Ok(v),
                Shaped::Obj(_) => List::Wrong("an object"),
                Shaped::Wrong(w) => List::Wrong(w),
            },
        )
    }
}

/// A key whose value is an array of objects, or (in some iproute2 versions) a single object:
/// `"metrics": [{"mtu": 1450}]` and `"metrics": {"mtu": 1450}` both decode to one element.
#[derive(Debug)]
pub(crate) struct Many<T>(pub(crate) List<Obj<T>>);

impl<T> Default for Many<T> {
    fn default() -> Self {
        Many(List::Absent)
    }
}

struct ManyVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ManyVisitor<T> {
    type Value = Many<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object or an array of objects")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Many(List::Wrong("a boolean")))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Many(List::Wrong("a number")))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Many(List::Wrong("a number")))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Many(List::Wrong("a number")))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Many(List::Wrong("a string")))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Many(List::Absent))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Many(List::Absent))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element::<Obj<T>>()? {
            v.push(x);
        }
        Ok(Many(List::Ok(v)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let t = T::deserialize(MapAccessDeserializer::new(map))?;
        Ok(Many(List::Ok(vec![Obj::Ok(t)])))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ManyVisitor(PhantomData))
    }
}

impl<T> Obj<T> {
    /// The object, if present; a wrong shape is an error naming `field`.
    pub(crate) fn get(&self, loc: &Location, field: &str) -> Result<Option<&T>, ParseError> {
        match self {
            Obj::Absent => Ok(None),
            Obj::Ok(t) => Ok(Some(t)),
            Obj::Wrong(w) => Err(tokens::err(
                loc,
                field,
                format!("expected an object, got {w}"),
            )),
        }
    }
}

impl<T> List<T> {
    pub(crate) fn get(&self, loc: &Location, field: &str) -> Result<&[T], ParseError> {
        match self {
            List::Absent => Ok(&[]),
            List::Ok(v) => Ok(v),
            List::Wrong(w) => Err(tokens::err(
                loc,
                field,
                format!("expected an array, got {w}"),
            )),
        }
    }
}

fn wrong(loc: &Location, field: &str, want: &str, got: &Loose) -> ParseError {
    tokens::err(loc, field, format!("expected {want}, got {}", got.kind()))
}

/// A string value; absent or null is `None`.
pub(crate) fn str_of<'x>(
    v: &'x Loose,
    loc: &Location,
    field: &str,
) -> Result<Option<&'x str>, ParseError> {
    match v {
        Loose::Absent | Loose::Null => Ok(None),
        Loose::Str(s) => Ok(Some(s)),
        other => Err(wrong(loc, field, "a string", other)),
    }
}

/// A string value that must be there.
pub(crate) fn req_str<'x>(
    v: &'x Loose,
    loc: &Location,
    field: &str,
) -> Result<&'x str, ParseError> {
    str_of(v, loc, field)?.ok_or_else(|| tokens::err(loc, field, "missing"))
}

/// An unsigned number; iproute2 prints some numbers as strings (`"table": "100"`), so a string of
/// digits is accepted too.
pub(crate) fn num_of<T: TryFrom<u64> + std::str::FromStr>(
    v: &Loose,
    loc: &Location,
    field: &str,
) -> Result<Option<T>, ParseError> {
    match v {
        Loose::Absent | Loose::Null => Ok(None),
        Loose::U64(n) => T::try_from(*n)
            .map(Some)
            .map_err(|_| tokens::err(loc, field, format!("{n} is out of range"))),
        Loose::Str(s) => tokens::num(s, loc, field).map(Some),
        other => Err(wrong(loc, field, "an unsigned number", other)),
    }
}

pub(crate) fn bool_of(v: &Loose, loc: &Location, field: &str) -> Result<Option<bool>, ParseError> {
    match v {
        Loose::Absent | Loose::Null => Ok(None),
        Loose::Bool(b) => Ok(Some(*b)),
        // Some iproute2 versions print kernel u8 booleans as 0/1.
        Loose::U64(0) => Ok(Some(false)),
        Loose::U64(1) => Ok(Some(true)),
        other => Err(wrong(loc, field, "a boolean", other)),
    }
}

/// A flag iproute2 prints as a key with a `null` value (`"router": null`): set when present,
/// unless a version prints it as an explicit boolean.
pub(crate) fn flag_of(v: &Loose) -> bool {
    match v {
        Loose::Absent => false,
        Loose::Bool(b) => *b,
        _ => true,
    }
}

pub(crate) fn ip_of(v: &Loose, loc: &Location, field: &str) -> Result<Option<IpAddr>, ParseError> {
    str_of(v, loc, field)?
        .map(|s| tokens::ip(s, loc, field))
        .transpose()
}

pub(crate) fn mac_of(
    v: &Loose,
    loc: &Location,
    field: &str,
) -> Result<Option<MacAddr>, ParseError> {
    str_of(v, loc, field)?
        .map(|s| tokens::mac(s, loc, field))
        .transpose()
}

/// The strings of an array of strings (`"flags": ["UP", …]`); a lone string counts as a one-item
/// array, absent or null as none.
pub(crate) fn strs_of<'x>(
    v: &'x Loose,
    loc: &Location,
    field: &str,
) -> Result<Vec<&'x str>, ParseError> {
    match v {
        Loose::Absent | Loose::Null => Ok(Vec::new()),
        Loose::Str(s) => Ok(vec![s.as_ref()]),
        Loose::List(items) => items
            .iter()
            .map(|i| match i {
                Loose::Str(s) => Ok(s.as_ref()),
                other => Err(wrong(loc, field, "an array of strings", other)),
            })
            .collect(),
        other => Err(wrong(loc, field, "an array of strings", other)),
    }
}

/// Decodes every item of every top-level array in `input` (`ip -j` prints one array; files that
/// concatenate `ip -4 -j …` and `ip -6 -j …` hold two), calling `f` with each item and its
/// location (`doc` and `item` are 1-based).
pub(crate) fn for_each_item<'a, T, F>(input: &'a str, mut f: F) -> Result<(), ParseError>
where
    T: Deserialize<'a>,
    F: FnMut(T, &Location) -> Result<(), ParseError>,
{
    let mut de = serde_json::Deserializer::from_str(input);
    let mut doc = 0usize;
    loop {
        // `end` skips whitespace and succeeds only at the end of the input.
        if de.end().is_ok() {
            break;
        }
        doc += 1;
        let current = Cell::new(None);
        let items = DocSeed::<T> {
            current: &current,
            marker: PhantomData,
        }
        .deserialize(&mut de)
        .map_err(|e| json_error(e, doc, current.get()))?;
        for (i, item) in items.into_iter().enumerate() {
            let loc = Location::Document {
                doc,
                item: Some(i + 1),
            };
            f(item, &loc)?;
        }
    }
    if doc == 0 {
        return Err(ParseError::new(
            Location::Input,
            "",
            "empty input: expected a JSON array (the output of `ip -j …`)",
        ));
    }
    Ok(())
}

fn json_error(e: serde_json::Error, doc: usize, item: Option<usize>) -> ParseError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ParseError::new(
            Location::Line(e.line()),
            "json",
            format!("invalid JSON: {e}"),
        ),
        Category::Data => match item {
            Some(i) => ParseError::new(
                Location::Document {
                    doc,
                    item: Some(i + 1),
                },
                "",
                e.to_string(),
            ),
            None => ParseError::new(
                Location::Document { doc, item: None },
                "",
                format!("{e} (expected the array `ip -j`/`bridge -j` prints)"),
            ),
        },
    }
}

/// One top-level array; records the index of the item being decoded so a decoding error can name
/// it.
struct DocSeed<'c, T> {
    current: &'c Cell<Option<usize>>,
    marker: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for DocSeed<'_, T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for DocSeed<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        loop {
            self.current.set(Some(out.len()));
            match seq.next_element::<T>()? {
                Some(x) => out.push(x),
                None => break,
            }
        }
        self.current.set(None);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Item<'a> {
        #[serde(default, borrow)]
        a: Loose<'a>,
        #[serde(default, borrow)]
        o: Obj<Inner<'a>>,
        #[serde(default, borrow)]
        l: List<Obj<Inner<'a>>>,
    }

    #[derive(Deserialize)]
    struct Inner<'a> {
        #[serde(default, borrow)]
        x: Loose<'a>,
    }

    fn items(input: &str) -> Result<Vec<(Location, String)>, ParseError> {
        let mut out = Vec::new();
        for_each_item::<Item, _>(input, |it, loc| {
            let o = it.o.get(loc, "o")?.map(|i| format!("{:?}", i.x));
            let l = it.l.get(loc, "l")?.len();
            out.push((loc.clone(), format!("{:?} {:?} {}", it.a, o, l)));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn absent_null_and_values_differ() {
        let got =
            items(r#"[{"a": null}, {}, {"a": "x\"y", "o": {"x": 1}, "l": [{"x": 2}, null]}]"#)
                .expect("valid");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].1, "Null None 0");
        assert_eq!(got[1].1, "Absent None 0");
        assert_eq!(got[2].1, "Str(\"x\\\"y\") Some(\"U64(1)\") 2");
        assert_eq!(
            got[2].0,
            Location::Document {
                doc: 1,
                item: Some(3)
            }
        );
    }

    #[test]
    fn several_documents_are_numbered() {
        let got = items("[{}]\n[{}, {}]\n").expect("valid");
        assert_eq!(
            got.iter().map(|g| g.0.clone()).collect::<Vec<_>>(),
            vec![
                Location::Document {
                    doc: 1,
                    item: Some(1)
                },
                Location::Document {
                    doc: 2,
                    item: Some(1)
                },
                Location::Document {
                    doc: 2,
                    item: Some(2)
                },
            ]
        );
    }

    #[test]
    fn wrong_shapes_name_the_key() {
        let e = items(r#"[{}, {"o": [1]}]"#).expect_err("error");
        assert_eq!(
            e.location,
            Location::Document {
                doc: 1,
                item: Some(2)
            }
        );
        assert_eq!(e.field, "o");
        let e = items(r#"[{"l": 5}]"#).expect_err("error");
        assert_eq!(e.field, "l");
    }

    #[test]
    fn not_an_array_syntax_errors_and_empty_input() {
        let e = items(r#"{"a": 1}"#).expect_err("error");
        assert_eq!(e.location, Location::Document { doc: 1, item: None });
        let e = items("[{}, \n{\"a\": }]").expect_err("error");
        assert_eq!(e.location, Location::Line(2));
        assert_eq!(e.field, "json");
        let e = items("  \n").expect_err("error");
        assert_eq!(e.location, Location::Input);
        // An item that is not an object: the derive refuses it, and the item is named.
        let e = items("[{}, 7]").expect_err("error");
        assert_eq!(
            e.location,
            Location::Document {
                doc: 1,
                item: Some(2)
            }
        );
    }

    #[test]
    fn value_helpers() {
        let l = Location::Document {
            doc: 1,
            item: Some(1),
        };
        assert_eq!(
            num_of::<u32>(&Loose::Str("100".into()), &l, "t").ok(),
            Some(Some(100))
        );
        assert_eq!(num_of::<u32>(&Loose::U64(7), &l, "t").ok(), Some(Some(7)));
        assert!(num_of::<u16>(&Loose::U64(70000), &l, "t").is_err());
        assert!(num_of::<u32>(&Loose::Bool(true), &l, "t").is_err());
        assert_eq!(bool_of(&Loose::U64(1), &l, "b").ok(), Some(Some(true)));
        assert_eq!(
            strs_of(&Loose::Str("UP".into()), &l, "flags").ok(),
            Some(vec!["UP"])
        );
        assert!(strs_of(&Loose::List(vec![Loose::U64(1)]), &l, "flags").is_err());
        assert!(req_str(&Loose::Absent, &l, "dst").is_err());
    }
}
