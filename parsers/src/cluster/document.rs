//! Splits one file into documents (YAML `---` streams or concatenated JSON) and documents into
//! objects (single objects, `kind: List` and typed `*List`s with `items`), numbering both as a user
//! counts them: documents from 1 including empty ones, List items from 1.
//!
//! The YAML stream is cut at document markers here rather than by the YAML crate so that a syntax
//! error in document 7 names document 7 and its line in the file, and so that empty documents keep
//! their number. A line starting with `---` or `...` followed by a blank or the line end is a
//! document marker in YAML 1.2 even inside block scalars (`c-forbidden`), so cutting on such lines
//! never splits a valid document.

use serde_json::Value;

use super::value::{type_name, Ctx};
use crate::error::{Location, ParseError};

/// One document of the input, numbered from 1.
#[derive(Debug)]
pub(crate) struct Document {
    pub index: usize,
    pub value: Value,
}

/// One object to decode: a document, or an item of a List document.
#[derive(Debug)]
pub(crate) struct Object<'v> {
    pub ctx: Ctx,
    pub value: &'v Value,
    pub kind: String,
    /// `apiVersion`, inherited from a typed List when the item leaves it out.
    pub api_version: Option<String>,
}

/// Limits well above any real `kubectl get -A -o yaml` (a 5,000-pod List with managedFields is a
/// few million nodes) but still bounded, so alias bombs and nesting storms stop with an error.
/// Depth stays at the crate's default of 64: Kubernetes objects nest about 20 deep (managedFields
/// included), while about 100 nested block sequences already overflow a 2 MiB thread stack in a
/// debug build. kubectl and calicoctl never print anchors or aliases, so those get a small budget
/// that stops an alias bomb in milliseconds.
///
/// Booleans are YAML 1.2's (`true`/`false`) so that a node named `n` or `on` stays a name; fields
/// that want a boolean still take the YAML 1.1 spellings (see `Cursor::boolean`).
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        strict_booleans: true,
        budget: serde_saphyr::budget! {
            max_events: 100_000_000,
            max_nodes: 50_000_000,
            max_depth: 64,
            max_recorded_anchor_events: 20_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
        },
    }
}

/// Splits `input` into its non-empty documents. JSON (an input starting with `{` or `[`) may hold
/// several concatenated values; anything else is read as a YAML stream.
pub(crate) fn split_documents(input: &str) -> Result<Vec<Document>, ParseError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let first = input.trim_start().chars().next();
    if matches!(first, Some('{') | Some('[')) {
        match split_json(input) {
            Ok(docs) => return Ok(docs),
            // A YAML flow document (`{kind: IPPool, ...}`) is not JSON; only if YAML cannot read
            // it either is the JSON error the better one to show.
            Err(json_err) => return split_yaml(input).map_err(|_| json_err),
        }
    }
    split_yaml(input)
}

fn split_json(input: &str) -> Result<Vec<Document>, ParseError> {
    let mut docs = Vec::new();
    let stream = serde_json::Deserializer::from_str(input).into_iter::<Value>();
    for (i, value) in stream.enumerate() {
        let index = i + 1;
        let value = value.map_err(|e| {
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let msg = full.strip_suffix(&suffix).unwrap_or(&full);
            let msg = if e.column() > 0 {
                format!(
                    "invalid JSON in document {index}: {msg} (column {})",
                    e.column()
                )
            } else {
                format!("invalid JSON in document {index}: {msg}")
            };
            if e.line() > 0 {
                ParseError::at_line(e.line(), "", msg)
            } else {
                ParseError::new(Location::Input, "", msg)
            }
        })?;
        if !value.is_null() {
            docs.push(Document { index, value });
        }
    }
    Ok(docs)
}

/// A line that is the marker `m` (`---` or `...`) followed by nothing, a blank or content.
fn is_marker(line: &str, m: &str) -> bool {
    line.strip_prefix(m)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// A line that carries document content (not blank, not a comment, directive or end marker).
fn is_content(line: &str) -> bool {
    let t = line.trim();
    !(t.is_empty() || t.starts_with('#') || line.starts_with('%') || is_marker(line, "..."))
}

/// A piece of the stream between markers.
struct Chunk<'a> {
    text: &'a str,
    /// 1-based line of the chunk's first line in the input.
    first_line: usize,
    /// Opened by `---`: a document even when empty.
    explicit: bool,
}

fn chunks(input: &str) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let (mut start, mut first_line, mut explicit) = (0usize, 1usize, false);
    let b = input.as_bytes();
    // Line by line, each end found with memchr; only a line starting with `-` or `.` can be a
    // marker (iterating `split_inclusive` lines was a fifth of reading a large intent).
    let (mut offset, mut lineno) = (0usize, 1usize);
    while offset < b.len() {
        let end = memchr::memchr(b'\n', &b[offset..]).map_or(b.len(), |i| offset + i + 1);
        if matches!(b[offset], b'-' | b'.') {
            let line = &input[offset..end];
            if is_marker(line, "---") {
                out.push(Chunk {
                    text: &input[start..offset],
                    first_line,
                    explicit,
                });
                (start, first_line, explicit) = (offset, lineno, true);
            } else if is_marker(line, "...") {
                out.push(Chunk {
                    text: &input[start..end],
                    first_line,
                    explicit,
                });
                (start, first_line, explicit) = (end, lineno + 1, false);
            }
        }
        offset = end;
        lineno += 1;
    }
    out.push(Chunk {
        text: &input[start..],
        first_line,
        explicit,
    });
    out
}

/// The documents' texts of a YAML stream, as [`split_documents`] cuts them (tests, fuzzing).
pub(crate) fn yaml_chunks(input: &str) -> Vec<&str> {
    chunks(input)
        .into_iter()
        .filter(|c| c.explicit || c.text.lines().any(is_content))
        .map(|c| c.text)
        .collect()
}

fn split_yaml(input: &str) -> Result<Vec<Document>, ParseError> {
    let mut docs = Vec::new();
    let mut index = 0;
    for chunk in chunks(input) {
        if !chunk.explicit && !chunk.text.lines().any(is_content) {
            // Comments or blank lines before the first `---` (or after `...`) are no document.
            continue;
        }
        index += 1;
        // kubectl's and calicoctl's YAML through the fast reader; anything else, and every
        // error, through serde-saphyr.
        let value: Value = match super::fast_yaml::parse(chunk.text) {
            Some(v) => v,
            None => serde_saphyr::from_str_with_options(chunk.text, yaml_options())
                .map_err(|e| yaml_error(&e, index, chunk.first_line))?,
        };
        if !value.is_null() {
            docs.push(Document { index, value });
        }
    }
    Ok(docs)
}

fn yaml_error(e: &serde_saphyr::Error, doc: usize, first_line: usize) -> ParseError {
    use serde_saphyr::MessageFormatter;
    // The bare message, without the crate's own "at line L, column C" (relative to the chunk).
    // Errors print as one line (`netdiag: FILE:LINE: …`).
    let msg = serde_saphyr::UserMessageFormatter
        .format_message(e)
        .replace(['\n', '\r'], " ");
    match e.location().filter(|l| l.line() > 0) {
        Some(loc) => {
            let line = usize::try_from(loc.line())
                .unwrap_or(usize::MAX)
                .saturating_add(first_line - 1);
            ParseError::at_line(
                line,
                "",
                format!(
                    "invalid YAML in document {doc}: {msg} (column {})",
                    loc.column()
                ),
            )
        }
        None => ParseError::new(
            Location::Document { doc, item: None },
            "",
            format!("invalid YAML: {msg}"),
        ),
    }
}

/// A kind naming a list of objects: `List` (kubectl's generic list) or `IPPoolList`, `NodeList`…
fn is_list_kind(kind: &str) -> bool {
    kind.ends_with("List")
}

fn kind_and_version(ctx: &Ctx, v: &Value) -> Result<(Option<String>, Option<String>), ParseError> {
    let root = ctx.root(v);
    let kind = root.get("kind")?.string()?.filter(|k| !k.trim().is_empty());
    let version = root
        .get("apiVersion")?
        .string()?
        .filter(|k| !k.trim().is_empty());
    Ok((kind, version))
}

/// The objects of one document: itself, or the items of a List.
pub(crate) fn objects(doc: &Document) -> Result<Vec<Object<'_>>, ParseError> {
    let ctx = Ctx::new(doc.index, None);
    if !doc.value.is_object() {
        // A bare list is what `kubectl get … -o json | jq .items` leaves; say how to keep it.
        let hint = if doc.value.is_array() {
            " (to pass a bare list of objects, wrap it as `kind: List` with `items`)"
        } else {
            ""
        };
        return Err(ctx.error(
            "",
            format!(
                "expected a Kubernetes object (a mapping with apiVersion and kind), found {}{hint}",
                type_name(&doc.value)
            ),
        ));
    }
    let (kind, api_version) = kind_and_version(&ctx, &doc.value)?;
    let Some(kind) = kind else {
        return Err(ctx.error(
            "kind",
            "required but missing (every Kubernetes or Calico object has a kind)",
        ));
    };
    if !is_list_kind(&kind) {
        return Ok(vec![Object {
            ctx,
            value: &doc.value,
            kind,
            api_version,
        }]);
    }

    // A typed list (`IPPoolList`) names its items' kind and version; kubectl's `List` does not.
    let (item_kind, item_version) = if kind == "List" {
        (None, None)
    } else {
        (
            Some(kind.trim_end_matches("List").to_string()),
            api_version.clone(),
        )
    };
    let items = ctx.root(&doc.value).get("items")?;
    let Some(values) = items.value() else {
        return Ok(Vec::new());
    };
    let Value::Array(values) = values else {
        return Err(items.error(format!("expected a list, found {}", type_name(values))));
    };
    let mut out = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let ctx = Ctx::new(doc.index, Some(i + 1));
        if !value.is_object() {
            return Err(ctx.error(
                "",
                format!(
                    "expected a Kubernetes object (a mapping), found {}",
                    type_name(value)
                ),
            ));
        }
        let (own_kind, api_version) = kind_and_version(&ctx, value)?;
        let Some(this_kind) = own_kind.or_else(|| item_kind.clone()) else {
            return Err(ctx.error(
                "kind",
                format!("required but missing (a {kind:?} does not say what its items are)"),
            ));
        };
        out.push(Object {
            ctx,
            value,
            kind: this_kind,
            api_version: api_version.or_else(|| item_version.clone()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indexes(input: &str) -> Vec<usize> {
        split_documents(input)
            .expect("should split")
            .iter()
            .map(|d| d.index)
            .collect()
    }

    /// The chunks as cutting every line with `split_inclusive` gives them: the streams' edges
    /// (no final newline, markers first and last, CRLF, markers with comments or text after
    /// them, `-` and `.` lines that are no markers).
    #[test]
    fn chunks_cut_where_the_markers_are() {
        fn by_lines(input: &str) -> Vec<(&str, usize, bool)> {
            let mut out = Vec::new();
            let (mut start, mut first, mut explicit, mut offset) = (0, 1, false, 0);
            for (i, line) in input.split_inclusive('\n').enumerate() {
                if is_marker(line, "---") {
                    out.push((&input[start..offset], first, explicit));
                    (start, first, explicit) = (offset, i + 1, true);
                } else if is_marker(line, "...") {
                    let end = offset + line.len();
                    out.push((&input[start..end], first, explicit));
                    (start, first, explicit) = (end, i + 2, false);
                }
                offset += line.len();
            }
            out.push((&input[start..], first, explicit));
            out
        }
        for input in [
            "",
            "\n",
            "---",
            "---\n",
            "a: 1",
            "a: 1\n---\nb: 2",
            "---\na: 1\n...\n---\nb: 2\n...",
            "--- # first\r\na: 1\r\n---\r\n",
            "---x\n- item\n-- no\n.... no\n...\n# after\n",
            "- a\n- b\n---\t\n.\n..\n---",
            "\n\n---\n\n...\n\n",
        ] {
            let got: Vec<_> = chunks(input)
                .iter()
                .map(|c| (c.text, c.first_line, c.explicit))
                .collect();
            assert_eq!(got, by_lines(input), "{input:?}");
        }
    }

    #[test]
    fn numbering_counts_empty_documents_but_not_leading_comments() {
        assert_eq!(indexes("# header\n---\na: 1\n---\n---\nb: 2\n"), vec![1, 3]);
        assert_eq!(indexes("a: 1\n---\nb: 2\n"), vec![1, 2]);
        assert_eq!(indexes("---\na: 1\n...\n# trailing\n"), vec![1]);
        assert_eq!(indexes("a: 1\n...\nb: 2\n"), vec![1, 2]);
        assert_eq!(indexes(""), Vec::<usize>::new());
        assert_eq!(indexes("%YAML 1.2\n---\na: 1\n"), vec![1]);
    }

    #[test]
    fn marker_with_content_on_the_same_line() {
        let docs = split_documents("--- {kind: A}\n--- {kind: B}\n").expect("should split");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].value["kind"], "B");
    }

    #[test]
    fn pem_dashes_are_not_markers() {
        let docs = split_documents("a: |\n  -----BEGIN X-----\n  abc\n").expect("should split");
        assert_eq!(docs.len(), 1);
    }

    #[test]
    fn syntax_error_names_the_file_line_and_document() {
        let err =
            split_documents("a: 1\n---\nkind: X\nspec: [1, 2\nb: c: d\n").expect_err("should fail");
        assert!(
            matches!(err.location, Location::Line(l) if (4..=5).contains(&l)),
            "{err}"
        );
        assert!(err.message.contains("document 2"), "{err}");
    }

    #[test]
    fn json_stream_and_json_errors() {
        let docs = split_documents("{\"kind\":\"A\"}\n{\"kind\":\"B\"}\n").expect("should split");
        assert_eq!(docs.iter().map(|d| d.index).collect::<Vec<_>>(), vec![1, 2]);
        let err =
            split_documents("{\n  \"kind\": \"A\",\n  \"x\": [1,\n}").expect_err("should fail");
        assert_eq!(err.location, Location::Line(4), "{err}");
        assert!(
            err.message.starts_with("invalid JSON in document 1"),
            "{err}"
        );
    }

    #[test]
    fn yaml_flow_mapping_is_not_mistaken_for_json() {
        let docs = split_documents("{kind: IPPool, spec: {cidr: 10.0.0.0/16}}").expect("yaml");
        assert_eq!(docs[0].value["spec"]["cidr"], "10.0.0.0/16");
    }

    #[test]
    fn hostile_inputs_are_errors_not_crashes() {
        // Nesting far past both parsers' depth limits, as JSON and as YAML.
        assert!(split_documents(&"[".repeat(200_000)).is_err());
        assert!(split_documents(&"- ".repeat(200_000)).is_err());
        // Billion laughs: each level multiplies the previous by ten.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(split_documents(&bomb).is_err());
        // Ten thousand empty documents are only counted.
        assert!(split_documents(&"---\n".repeat(10_000))
            .expect("empty docs")
            .is_empty());
    }

    #[test]
    fn typed_list_items_inherit_kind_and_version() {
        let docs = split_documents(
            "apiVersion: projectcalico.org/v3\nkind: IPPoolList\nitems:\n- metadata: {name: a}\n- kind: IPPool\n  apiVersion: crd.projectcalico.org/v1\n",
        )
        .expect("should split");
        let objs = objects(&docs[0]).expect("objects");
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].kind, "IPPool");
        assert_eq!(objs[0].api_version.as_deref(), Some("projectcalico.org/v3"));
        assert_eq!(objs[0].ctx.item, Some(1));
        assert_eq!(
            objs[1].api_version.as_deref(),
            Some("crd.projectcalico.org/v1")
        );
    }

    #[test]
    fn generic_list_items_need_a_kind() {
        let docs =
            split_documents("apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n- metadata: {}\n")
                .expect("should split");
        let err = objects(&docs[0]).expect_err("should fail");
        assert_eq!(
            err.location,
            Location::Document {
                doc: 1,
                item: Some(2)
            }
        );
        assert_eq!(err.field, "kind");
    }

    #[test]
    fn documents_without_kind_or_not_mappings_are_errors() {
        let docs = split_documents("a: 1\n---\n- x\n").expect("should split");
        assert_eq!(objects(&docs[0]).expect_err("no kind").field, "kind");
        let err = objects(&docs[1]).expect_err("not a mapping");
        assert_eq!(err.location, Location::Document { doc: 2, item: None });
    }
}
