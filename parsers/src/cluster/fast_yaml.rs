//! A fast reader for the YAML that `kubectl get -o yaml` and `calicoctl get -o yaml` print (block
//! mappings and sequences at two-space steps, plain, quoted and literal scalars, one-line flow
//! collections), straight into `serde_json::Value`. It either returns exactly the value
//! serde-saphyr would, or `None`, and then the caller parses the document with serde-saphyr.
//!
//! Why: serde-saphyr reads about 6 MB/s, so the YAML intent of a 5 000-node cluster took five
//! times as long as its JSON form (issue 17). The YAML those tools print uses a small part of the
//! language; everything outside that part — anchors, tags, complex keys, folded scalars, multi-line
//! flow or quoted scalars, tabs, comments after values, scalars whose type depends on the schema
//! (`yes`, `0x1f`, `1e3`, `.inf`, `012`), duplicate keys, deep nesting — makes this reader give up
//! on the whole document rather than guess. So it never decides a type or a structure serde-saphyr
//! would decide differently, and every error message still comes from serde-saphyr. The
//! differential fuzz target `cluster_yaml_fast` and the tests below hold the two to the same value.

use serde_json::{Map, Number, Value};

/// Nesting beyond this is left to serde-saphyr (whose own limit then reports it).
const MAX_DEPTH: usize = 60;

/// Comment lines this reader takes above a document's content (well under serde-saphyr's 96
/// buffered events, see `parse`).
const MAX_COMMENTS: usize = 48;

/// Whether `b` holds a control character other than a line feed or a tab, or DEL. Folded over
/// 64-byte blocks without stopping early, so that the compiler checks many bytes at once: this
/// runs over every byte of the intent (a tenth of reading a large one, byte by byte).
fn has_control(b: &[u8]) -> bool {
    let bad = |c: u8| (c < 0x20 && c != b'\n' && c != b'\t') | (c == 0x7f);
    let mut blocks = b.chunks_exact(64);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &c| any | bad(c)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&c| bad(c))
}

/// The value of one YAML document (the text between markers), or `None` when it uses anything
/// this reader does not take.
pub(crate) fn parse(doc: &str) -> Option<Value> {
    // Characters YAML does not allow (controls), or treats as line breaks (a lone CR, NEL, LS,
    // PS), or a BOM inside the stream: serde-saphyr says what is wrong with them. CRLF files too.
    if has_control(doc.as_bytes())
        || (!doc.is_ascii()
            && doc.chars().any(|c| {
                matches!(
                    c,
                    '\u{80}'
                        ..='\u{9f}'
                            | '\u{2028}'
                            | '\u{2029}'
                            | '\u{feff}'
                            | '\u{fffe}'
                            | '\u{ffff}'
                )
            }))
    {
        return None;
    }
    let mut lines = Vec::with_capacity(doc.len() / 24 + 1);
    let mut pieces = doc.split('\n').peekable();
    // The document's own `---` (the stream is cut before it); content on the marker's line is
    // left to serde-saphyr.
    if let Some(first) = pieces.peek() {
        if let Some(rest) = first.strip_prefix("---") {
            if !rest.trim_end_matches([' ', '\r']).is_empty() {
                return None;
            }
            pieces.next();
        }
    }
    let mut comments = 0usize;
    let mut seen_content = false;
    for raw in pieces {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.starts_with("...") || raw.starts_with("---") || raw.starts_with('%') {
            // An end marker (the stream is cut after it), or a directive: not this reader's.
            return None;
        }
        let bytes = raw.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        let content = &raw[indent..];
        if content.starts_with('#') {
            comments += 1;
            // serde-saphyr's parser refuses a document when, looking ahead past comments, it has
            // buffered 96 events (granit-parser's `max_buffered_comment_events`; found twice by
            // the `cluster_yaml_fast` fuzz target, once with only 45 comments between sequence
            // items). kubectl and calicoctl print no comments; only a header above the content
            // (how people annotate a saved file) is taken here, and only a short one. Anything
            // else goes to serde-saphyr, whose answer is the one that counts.
            if seen_content || comments >= MAX_COMMENTS {
                return None;
            }
        } else if !content.trim_end_matches(' ').is_empty() {
            seen_content = true;
        }
        lines.push(Line {
            indent,
            content,
            raw,
        });
    }
    let mut r = Reader { lines, pos: 0 };
    r.skip_blank();
    if r.pos >= r.lines.len() {
        // Only comments and blanks: a null document, as serde-saphyr reads it.
        return Some(Value::Null);
    }
    if r.lines[r.pos].indent != 0 {
        return None;
    }
    let v = r.node(0, 0)?;
    r.skip_blank();
    (r.pos >= r.lines.len()).then_some(v)
}

#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    /// The line after its indentation (for a sequence item, after the `- `).
    content: &'a str,
    /// The whole line, for block scalars.
    raw: &'a str,
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
}

/// A line that is no content: blank, or a comment.
fn is_blank(content: &str) -> bool {
    content.is_empty() || content.starts_with('#') || content.bytes().all(|b| b == b' ')
}

fn is_seq_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

impl<'a> Reader<'a> {
    fn skip_blank(&mut self) {
        while self.pos < self.lines.len() && is_blank(self.lines[self.pos].content) {
            self.pos += 1;
        }
    }

    /// The next content line, if it is indented at least `min`.
    fn peek(&mut self, min: usize) -> Option<Line<'a>> {
        self.skip_blank();
        let l = *self.lines.get(self.pos)?;
        (l.indent >= min).then_some(l)
    }

    /// The node whose first line is the current one (at its own indentation).
    fn node(&mut self, indent: usize, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let l = self.peek(indent)?;
        if l.content.contains('\t') {
            return None;
        }
        if is_seq_item(l.content) {
            self.sequence(l.indent, depth)
        } else if split_key(l.content).is_some() {
            self.mapping(l.indent, depth)
        } else {
            None
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Option<Value> {
        let mut items = Vec::new();
        while let Some(l) = self.peek(indent) {
            if l.indent != indent || !is_seq_item(l.content) {
                break;
            }
            if l.content.contains('\t') {
                return None;
            }
            let rest = l.content[1..].trim_start_matches(' ');
            if rest.is_empty() || rest.starts_with('#') {
                if rest.starts_with('#') {
                    return None;
                }
                self.pos += 1;
                // `-` alone: the item is the block below it, or null.
                match self.peek(indent + 1) {
                    Some(next) if next.indent > indent => {
                        items.push(self.node(next.indent, depth + 1)?)
                    }
                    _ => items.push(Value::Null),
                }
                continue;
            }
            let col = indent + (l.content.len() - rest.len());
            if is_seq_item(rest) || split_key(rest).is_some() {
                // A compact nested node: read it as if it started on its own line at `col`.
                self.lines[self.pos] = Line {
                    indent: col,
                    content: rest,
                    raw: l.raw,
                };
                items.push(self.node(col, depth + 1)?);
            } else {
                self.pos += 1;
                items.push(self.scalar_value(rest, indent, depth)?);
            }
        }
        Some(Value::Array(items))
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Option<Value> {
        let mut map = Map::new();
        while let Some(l) = self.peek(indent) {
            if l.indent != indent {
                // A deeper line after a complete entry: an error, or a structure this reader does
                // not follow.
                return None;
            }
            if is_seq_item(l.content) {
                break;
            }
            if l.content.contains('\t') {
                return None;
            }
            let (key, rest) = split_key(l.content)?;
            let key = key_string(key)?;
            if key == "<<" || map.contains_key(&key) {
                return None;
            }
            self.pos += 1;
            let value = if rest.is_empty() {
                // The value is the block below: deeper, or a sequence at the same indentation
                // (`key:\n- item`, as kubectl prints it), else null.
                match self.peek(indent) {
                    Some(next) if next.indent > indent => self.node(next.indent, depth + 1)?,
                    Some(next) if next.indent == indent && is_seq_item(next.content) => {
                        self.sequence(indent, depth + 1)?
                    }
                    _ => Value::Null,
                }
            } else {
                self.scalar_value(rest, indent, depth)?
            };
            map.insert(key, value);
        }
        Some(Value::Object(map))
    }

    /// A value that starts on the line just consumed (`rest`), owned by a node at `parent`
    /// indentation: a literal block scalar, a one-line flow collection, a quoted or a plain
    /// scalar (which may continue on deeper lines).
    fn scalar_value(&mut self, rest: &'a str, parent: usize, depth: usize) -> Option<Value> {
        match rest.as_bytes()[0] {
            b'|' => self.literal(rest, parent).map(Value::String),
            b'{' | b'[' => {
                let mut f = Flow {
                    s: rest.as_bytes(),
                    text: rest,
                    i: 0,
                };
                let v = f.value(depth)?;
                f.ws();
                (f.i == f.s.len()).then_some(v)
            }
            b'\'' | b'"' => {
                let (s, used) = quoted(rest)?;
                rest[used..]
                    .bytes()
                    .all(|b| b == b' ')
                    .then_some(Value::String(s))
            }
            _ => {
                // A plain scalar may be folded onto deeper lines; join them as YAML does.
                let mut text = std::borrow::Cow::Borrowed(rest.trim_end_matches(' '));
                while let Some(next) = self.peek_raw(parent) {
                    let c = next.content.trim_end_matches(' ');
                    let lead = c.as_bytes()[0];
                    if b"-?:,[]{}#&*!|>'\"%@`".contains(&lead)
                        || c.contains(": ")
                        || c.ends_with(':')
                        || c.contains(" #")
                    {
                        return None;
                    }
                    let t = text.to_mut();
                    t.push(' ');
                    t.push_str(c);
                    self.pos += 1;
                }
                if matches!(text, std::borrow::Cow::Owned(_)) {
                    // A folded scalar is a string only if it would be one on a single line.
                    return match plain(&text)? {
                        Value::String(s) => Some(Value::String(s)),
                        _ => None,
                    };
                }
                plain(&text)
            }
        }
    }

    /// The next line if it is a continuation (deeper than `parent`, not blank: a blank line inside
    /// a folded plain scalar is a line break, which this reader leaves to serde-saphyr).
    fn peek_raw(&self, parent: usize) -> Option<Line<'a>> {
        let l = *self.lines.get(self.pos)?;
        if l.indent > parent && !is_blank(l.content) {
            return Some(l);
        }
        None
    }

    /// `|`, `|-` or `|+` and the lines below it that are deeper than `parent`.
    fn literal(&mut self, header: &str, parent: usize) -> Option<String> {
        let chomp = match header.trim_end_matches(' ') {
            "|" => Chomp::Clip,
            "|-" => Chomp::Strip,
            "|+" => Chomp::Keep,
            _ => return None,
        };
        // The content's indentation is the first non-empty line's.
        let mut j = self.pos;
        let mut content_indent = None;
        while let Some(l) = self.lines.get(j) {
            if !l.raw.bytes().all(|b| b == b' ') {
                content_indent = Some(l.indent);
                break;
            }
            j += 1;
        }
        let ci = content_indent.filter(|&c| c > parent)?;
        let mut out = String::new();
        let mut pending_breaks = 0usize;
        let mut any = false;
        while let Some(l) = self.lines.get(self.pos) {
            if l.raw.bytes().all(|b| b == b' ') {
                if l.raw.len() > ci {
                    // Spaces beyond the content's indentation on an otherwise empty line are
                    // content; leave that subtlety to serde-saphyr.
                    return None;
                }
                pending_breaks += 1;
                self.pos += 1;
                continue;
            }
            if l.indent < ci {
                if l.indent > parent {
                    // Less indented than the content but still inside the node: an error.
                    return None;
                }
                break;
            }
            if l.raw.starts_with("---") || l.raw.starts_with("...") {
                return None;
            }
            if any {
                out.push('\n');
            }
            for _ in 0..pending_breaks {
                out.push('\n');
            }
            pending_breaks = 0;
            out.push_str(&l.raw[ci..]);
            any = true;
            self.pos += 1;
        }
        // The document's last line has no newline after it in `split('\n')`, but the trailing
        // empty piece counts as a blank line here; serde-saphyr's view of the end of the input is
        // not worth modelling for `|+`.
        if !any {
            return None;
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => out.push('\n'),
            Chomp::Keep => return None,
        }
        Some(out)
    }
}

enum Chomp {
    Clip,
    Strip,
    Keep,
}

/// YAML 1.2 allows an implicit key of at most 1024 characters, the blanks before its `:`
/// included (`ns-s-implicit-yaml-key`); serde-saphyr refuses a longer one ("mapping values are not
/// allowed in this context", found by the `cluster_yaml_fast` fuzz target). Counted in bytes,
/// which are never fewer than characters: a longer key goes to serde-saphyr.
const MAX_KEY: usize = 1024;

/// `key: rest` or `key:` (rest empty), for a key this reader takes.
fn split_key(content: &str) -> Option<(&str, &str)> {
    let (key, rest) = split_key_any(content)?;
    // The key and the blanks up to its colon.
    let colon = content.len() - rest.len();
    (colon <= MAX_KEY && key.len() <= MAX_KEY).then_some((key, rest))
}

fn split_key_any(content: &str) -> Option<(&str, &str)> {
    let b = content.as_bytes();
    if matches!(b.first(), Some(b'{' | b'[')) {
        // A flow collection, never a key in the output this reader takes.
        return None;
    }
    if b.first() == Some(&b'"') || b.first() == Some(&b'\'') {
        let (_, used) = quoted(content)?;
        let after = &content[used..];
        let after = after.strip_prefix(':')?;
        if after.is_empty() {
            return Some((&content[..used], ""));
        }
        let rest = after.strip_prefix(' ')?;
        return Some((&content[..used], rest.trim_start_matches(' ')));
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] == b':' {
            // A plain key ends before the blanks in front of its colon.
            if i + 1 == b.len() {
                return Some((content[..i].trim_end_matches(' '), ""));
            }
            if b[i + 1] == b' ' {
                let rest = content[i + 1..].trim_start_matches(' ');
                return Some((content[..i].trim_end_matches(' '), rest));
            }
        } else if b[i] == b' ' && b.get(i + 1) == Some(&b'#') {
            return None;
        }
        i += 1;
    }
    None
}

/// A mapping key as serde_json's map takes it: quoted keys as written, plain keys only when they
/// are unmistakably strings.
fn key_string(key: &str) -> Option<String> {
    match key.as_bytes().first()? {
        b'"' | b'\'' => quoted(key).map(|(s, _)| s),
        _ => match plain(key)? {
            Value::String(s) => Some(s),
            _ => None,
        },
    }
}

/// A quoted scalar at the start of `s` (on one line) and the bytes it used.
fn quoted(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let q = b[0];
    let mut out = String::new();
    let mut i = 1;
    let mut start = 1;
    while i < b.len() {
        let c = b[i];
        if q == b'\'' && c == b'\'' {
            out.push_str(&s[start..i]);
            if b.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                start = i;
                continue;
            }
            return Some((out, i + 1));
        }
        if q == b'"' {
            if c == b'"' {
                out.push_str(&s[start..i]);
                return Some((out, i + 1));
            }
            if c == b'\\' {
                out.push_str(&s[start..i]);
                let e = *b.get(i + 1)?;
                let (ch, len) = match e {
                    b'\\' => ('\\', 2),
                    b'"' => ('"', 2),
                    b'/' => ('/', 2),
                    b'n' => ('\n', 2),
                    b't' => ('\t', 2),
                    b'r' => ('\r', 2),
                    b'0' => ('\0', 2),
                    b'x' => (hex_char(s.get(i + 2..i + 4)?)?, 4),
                    b'u' => (hex_char(s.get(i + 2..i + 6)?)?, 6),
                    _ => return None,
                };
                out.push(ch);
                i += len;
                start = i;
                continue;
            }
        }
        if c == b'\t' {
            return None;
        }
        i += 1;
    }
    // Not closed on this line: a multi-line quoted scalar, left to serde-saphyr.
    None
}

fn hex_char(h: &str) -> Option<char> {
    if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    char::from_u32(u32::from_str_radix(h, 16).ok()?)
}

/// A plain scalar's value under serde-saphyr's resolution, or `None` where the answer depends on
/// the schema or the spelling is one this reader does not vouch for.
fn plain(s: &str) -> Option<Value> {
    let b = s.as_bytes();
    let first = *b.first()?;
    // Indicators that cannot start a plain scalar, or start one only in some contexts.
    if b"[]{}#&*!|>'\"%@`,".contains(&first)
        || (matches!(first, b'-' | b'?' | b':') && b.get(1).is_none_or(|&c| c == b' '))
    {
        return None;
    }
    // `: ` or ` #` inside, a tab, or a `:` at the end: one pass over the bytes (three
    // `str::contains` were two thirds of reading a large intent's scalars).
    let mut at = 0;
    while let Some(i) = memchr::memchr3(b':', b'#', b'\t', b.get(at..).unwrap_or_default()) {
        let i = at + i;
        let stop = match b[i] {
            b':' => b.get(i + 1).is_none_or(|&n| n == b' '),
            b'#' => i > 0 && b[i - 1] == b' ',
            _ => true,
        };
        if stop {
            return None;
        }
        at = i + 1;
    }
    match s {
        "null" | "~" => return Some(Value::Null),
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if s.len() <= 5
        && [
            "null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "nan",
        ]
        .iter()
        .any(|w| s.eq_ignore_ascii_case(w))
    {
        return None;
    }
    if (first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) && maybe_number(s) {
        if let Some(n) = decimal_int(s) {
            return Some(Value::Number(n));
        }
        return None;
    }
    Some(Value::String(s.to_string()))
}

/// Whether some YAML schema could read `s` (which starts with a digit, sign or dot) as a number
/// or a timestamp: `1.5`, `0x1F`, `1_000`, `-.inf`, `1e-3`, `2024-05-02`. Everything else —
/// `10.0.0.1`, `100m`, a CIDR, a UID like `0e47571d-fd5a-…`, a block name like `192-168-1-0-26`,
/// a MAC — is a string in every schema serde-saphyr implements (it has no YAML 1.1 base-60
/// numbers: `66:00:0a:00:00:01` and `1:30` are strings, as the differential fuzz target checks).
fn maybe_number(s: &str) -> bool {
    let b = s.as_bytes();
    let has = |w: &[u8]| b.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
    // Addresses, CIDRs and MACs hold no `i` or `n`: one pass instead of two window scans.
    let letters = b.iter().any(|&c| matches!(c | 0x20, b'i' | b'n'));
    if letters && (has(b"inf") || has(b"nan")) {
        return true;
    }
    if !b.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let bb = s.trim_start_matches(['-', '+']).as_bytes();
    if bb.len() > 1 && bb[0] == b'0' && matches!(bb[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B') {
        return true;
    }
    if bb.len() > 4 && bb[..4].iter().all(u8::is_ascii_digit) && bb[4] == b'-' {
        return true;
    }
    let mut dots = 0;
    for (i, &c) in bb.iter().enumerate() {
        match c {
            b'0'..=b'9' | b'_' | b'e' | b'E' => {}
            b'.' => dots += 1,
            b'-' | b'+' if i > 0 && matches!(bb[i - 1], b'e' | b'E') => {}
            _ => return false,
        }
    }
    dots < 2
}

/// `0`, `-7`, `64512`: the decimal integers every schema agrees on.
fn decimal_int(s: &str) -> Option<Number> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty()
        || digits.len() > 18
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
        || s == "-0"
    {
        return None;
    }
    let n: i64 = s.parse().ok()?;
    Some(Number::from(n))
}

/// A one-line flow collection (`{name: x, spec: {cidr: …}}`, `[0, 1]`, `{}`).
struct Flow<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Flow<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.s.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut map = Map::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Some(Value::Object(map));
                }
                loop {
                    self.ws();
                    let key_start = self.i;
                    let key = match self.scalar(true)? {
                        Value::String(k) => k,
                        _ => return None,
                    };
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') || self.i - key_start > MAX_KEY {
                        return None;
                    }
                    self.i += 1;
                    if self.s.get(self.i) != Some(&b' ') {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    if key == "<<" || map.insert(key, v).is_some() {
                        return None;
                    }
                    self.ws();
                    match *self.s.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(Value::Object(map));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match *self.s.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Value::Array(items));
                        }
                        _ => return None,
                    }
                }
            }
            _ => self.scalar(false),
        }
    }

    /// A quoted or plain scalar inside a flow collection; a plain one ends at `,`, `]`, `}` or
    /// (for a key) `: `.
    fn scalar(&mut self, key: bool) -> Option<Value> {
        let start = self.i;
        let c = *self.s.get(start)?;
        if c == b'"' || c == b'\'' {
            let (s, used) = quoted(&self.text[start..])?;
            self.i += used;
            return Some(Value::String(s));
        }
        while let Some(&c) = self.s.get(self.i) {
            match c {
                b',' | b']' | b'}' | b'[' | b'{' | b'#' | b'"' | b'\'' => break,
                b':' if key || self.s.get(self.i + 1).is_none_or(|&n| n == b' ') => break,
                _ => self.i += 1,
            }
        }
        let text = self.text[start..self.i].trim_end_matches(' ');
        if text.is_empty() {
            return None;
        }
        // Flow indicators inside a plain scalar, or one that ran into a bracket, are left to
        // serde-saphyr.
        if matches!(self.s.get(self.i), Some(b'[' | b'{' | b'#' | b'"' | b'\'')) {
            return None;
        }
        plain(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saphyr(doc: &str) -> Value {
        serde_saphyr::from_str_with_options(doc, super::super::document::yaml_options())
            .expect("serde-saphyr reads it")
    }

    /// The fast reader takes `doc` and agrees with serde-saphyr.
    fn same(doc: &str) {
        let fast = parse(doc).unwrap_or_else(|| panic!("fast reader gave up on:\n{doc}"));
        assert_eq!(fast, saphyr(doc), "on:\n{doc}");
    }

    /// The fast reader gives up (and serde-saphyr decides).
    fn gives_up(doc: &str) {
        assert_eq!(parse(doc), None, "on:\n{doc}");
    }

    /// Found by the `cluster_yaml_fast` fuzz target (fuzz/artifacts/cluster_yaml_fast/crash-d1d5bbb4…,
    /// kept as testdata/cluster/bad/fuzz-cluster-yaml-fast-many-comments.yaml): a sequence of nulls
    /// between ~130 comment lines, which serde-saphyr refuses ("too many buffered comments while
    /// looking ahead") and the fast reader took. Past `MAX_COMMENTS` it gives the document up.
    #[test]
    fn fuzz_cluster_yaml_fast_many_comments_go_to_serde_saphyr() {
        let crash =
            include_str!("../../../testdata/cluster/bad/fuzz-cluster-yaml-fast-many-comments.yaml");
        assert_eq!(super::super::fast_yaml_disagrees(crash), Ok(()));
        gives_up(crash);
        // The third find (crash-88e56f39…): a quoted key past YAML's 1024-character limit.
        let long = format!("'{}': 1\n", "k".repeat(1100));
        assert_eq!(super::super::fast_yaml_disagrees(&long), Ok(()));
        gives_up(&long);
        gives_up(&format!("{{{}: 1}}\n", "k".repeat(1100)));
        same(&format!("{}: 1\n", "k".repeat(1000)));
        // The second find (crash-90d60538…): 45 comments between null sequence items.
        let nulls = format!("-\n{}", "#-\n -\n".repeat(45));
        assert_eq!(super::super::fast_yaml_disagrees(&nulls), Ok(()));
        gives_up(&nulls);
        // A comment after the content starts is serde-saphyr's; a short header is read here.
        gives_up("a: 1\n# note\nb: 2\n");
        gives_up(&format!("{}a: 1\n", "# note\n".repeat(MAX_COMMENTS)));
        same(&format!(
            "{}a: 1\nb: 2\n",
            "# note\n".repeat(MAX_COMMENTS - 1)
        ));
    }

    /// The block-wise check finds every control character wherever it sits (in a block or the
    /// remainder), and nothing else.
    #[test]
    fn control_characters_found_anywhere() {
        let plain = |b: &[u8]| {
            b.iter()
                .any(|&c| (c < 0x20 && c != b'\n' && c != b'\t') || c == 0x7f)
        };
        for len in [0, 1, 63, 64, 65, 130] {
            for at in 0..len {
                for c in 0u8..=255 {
                    let mut b = vec![b'a'; len];
                    b[at] = c;
                    assert_eq!(has_control(&b), plain(&b), "{c:#x} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn kubectl_shapes_read_the_same_as_serde_saphyr() {
        same("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n    annotations:\n      a/b: unix:///var/run/x.sock\n      ttl: \"0\"\n    labels:\n      role: \"\"\n  spec:\n    podCIDR: 10.244.0.0/24\n    podCIDRs:\n    - 10.244.0.0/24\n    taints:\n    - effect: NoSchedule\n      key: k\nkind: List\nmetadata:\n  resourceVersion: \"\"\n");
        same("f:metadata:\n  k:{\"type\":\"Ready\"}:\n    .: {}\n    f:status: {}\nlist: []\n");
        same("a: 'it''s'\nb: \"tab\\tq\\\" \\u00e9\"\nc: 64512\nd: -3\ne: true\nf: null\ng: ~\nh:\ni: 10.0.0.1\nj: 100m\nk: v3.26.0\nmac: 66:00:0a:00:00:01\nuid: 0e47571d-fd5a-4861-8173-bbd4fe104ec0\nblock: 192-168-49-128-26\n");
        same("data:\n  cfg: |\n    {\n      \"x\": 1\n    }\n  strip: |-\n    one\n\n    two\nnext: x\n");
        same("metadata: {name: b0, labels: {a: b}}\nspec: {cidr: 10.0.0.0/26, allocations: [0, null, 3], attributes: [{handle_id: h, secondary: {node: n0}}]}\n");
        same("- - a\n  - b\n- c\n");
        same("- \n  x: 1\n-\n- z\n");
        same("# a comment\n\n# header\nkey: value\nlast: 1\n");
        gives_up("# a comment\nkey: value\n  # another\nlast: 1\n");
        same("description: a long sentence that go-yaml\n  folded onto the next line\nnext: 1\n");
        same("");
    }

    #[test]
    fn schema_dependent_or_rare_yaml_is_left_to_serde_saphyr() {
        for doc in [
            "a: yes\n",
            "a: True\n",
            "a: 0x1f\n",
            "a: 1e3\n",
            "a: .inf\n",
            "a: 012\n",
            "a: 1.5\n",
            "a: 2024-05-02\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "? a\n: b\n",
            "a: >\n  f\n",
            "a: |+\n  k\n",
            "a: 'multi\n  line'\n",
            "a: b\na: c\n",
            "a: 1 # c\n",
            "a:\tb\n",
            "1: a\n",
            "a: {b: [c,\n  d]}\n",
            "<<: {a: 1}\n",
            "a: b: c\n",
            "just a scalar\n",
        ] {
            gives_up(doc);
        }
    }

    #[test]
    fn every_committed_yaml_fixture_reads_the_same_as_serde_saphyr() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata");
        let mut files = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).expect("testdata") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 20, "found {} YAML fixtures", files.len());
        let (mut taken, mut docs) = (0, 0);
        for f in &files {
            let text = std::fs::read_to_string(f).expect("utf-8 fixture");
            for chunk in super::super::document::yaml_chunks(&text) {
                docs += 1;
                if std::env::var_os("FAST_YAML_DEBUG").is_some() && parse(chunk).is_none() {
                    let lines: Vec<&str> = chunk.lines().collect();
                    let k = (1..=lines.len())
                        .find(|&k| parse(&lines[..k].join("\n")).is_none())
                        .unwrap_or(0);
                    eprintln!(
                        "-- gave up: {} line {k}: {:?}",
                        f.display(),
                        lines.get(k.saturating_sub(1))
                    );
                }
                let Ok(want) = serde_saphyr::from_str_with_options::<Value>(
                    chunk,
                    super::super::document::yaml_options(),
                ) else {
                    assert_eq!(
                        parse(chunk),
                        None,
                        "{}: fast reader took a bad document",
                        f.display()
                    );
                    continue;
                };
                if let Some(got) = parse(chunk) {
                    taken += 1;
                    assert_eq!(got, want, "{}", f.display());
                }
            }
        }
        // Most fixtures are kubectl/calicoctl output: the fast path must take nearly all of them.
        assert!(
            taken * 10 >= docs * 8,
            "fast reader took {taken} of {docs} documents"
        );
    }
}
