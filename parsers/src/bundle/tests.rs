//! The bounded walk on archives written byte by byte here: what netdiag writes reads back, and
//! every stated length beyond the limits is refused at its header, before anything of that length
//! is read (the readers below fail the test if data past the header is asked for).

use super::*;
use netdiag_core::bundle::manifest::{Redaction, Sources};
use netdiag_core::bundle::BUNDLE_SCHEMA;

/// A GNU header (magic `ustar  `), size in octal or, beyond 8 GiB, base-256.
fn header(name: &[u8], kind: u8, size: u64) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    h[100..107].copy_from_slice(b"0000600");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    if size < 1 << 33 {
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    } else {
        h[124] = 0x80;
        h[128..136].copy_from_slice(&size.to_be_bytes());
    }
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[257..265].copy_from_slice(b"ustar  \0");
    set_checksum(&mut h);
    h
}

fn set_checksum(h: &mut [u8; BLOCK]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
}

/// Header, data, padding.
fn entry(out: &mut Vec<u8>, name: &[u8], kind: u8, data: &[u8]) {
    out.extend_from_slice(&header(name, kind, data.len() as u64));
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
}

fn end(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0; 2 * BLOCK]);
}

fn manifest(files: &[(&str, &[u8])]) -> Vec<u8> {
    let m = Manifest {
        schema_version: BUNDLE_SCHEMA.into(),
        netdiag_version: "0.1.0".into(),
        created: "2026-11-22T00:00:00Z".into(),
        node: "worker".into(),
        sources: Sources {
            state: "test".into(),
            intent: None,
        },
        files: files.iter().map(|(p, b)| Manifest::entry(p, b)).collect(),
        failures: vec![],
        left_out: vec![],
        filtered: vec![],
        redaction: Redaction::default(),
        max_size: 20_000_000,
        nodes: Vec::new(),
    };
    serde_json::to_vec(&m).expect("json")
}

const STATE: &[u8] = b"{\"links\":[]}";
const INTENT: &[u8] = b"{\"kind\":\"List\",\"items\":[]}";

/// manifest first, then the members, as `netdiag bundle` writes.
fn good() -> Vec<u8> {
    let files: [(&str, &[u8]); 2] = [
        ("cluster/intent.json", INTENT),
        ("nodes/worker/state.json", STATE),
    ];
    let mut t = Vec::new();
    entry(&mut t, MANIFEST.as_bytes(), b'0', &manifest(&files));
    for (p, b) in files {
        entry(&mut t, p.as_bytes(), b'0', b);
    }
    end(&mut t);
    t
}

fn read(bytes: &[u8]) -> Result<(Manifest, Memory), ArchiveError> {
    read_with(bytes, &Limits::DEFAULT)
}

fn read_with(bytes: &[u8], limits: &Limits) -> Result<(Manifest, Memory), ArchiveError> {
    let mut mem = Memory::default();
    let m = read_tar(bytes, limits, &mut mem)?;
    Ok((m, mem))
}

/// A reader that serves `head` and then fails the test if more is asked for: proof that a
/// refusal came from the header alone.
struct HeaderOnly<'a>(&'a [u8]);

impl Read for HeaderOnly<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        assert!(
            !self.0.is_empty(),
            "read past the header that should have been refused"
        );
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn refused_at_header(head: &[u8]) -> ArchiveError {
    let mut mem = Memory::default();
    read_tar(HeaderOnly(head), &Limits::DEFAULT, &mut mem).expect_err("refused")
}

#[test]
fn what_netdiag_writes_reads_back() {
    let (m, mem) = read(&good()).expect("reads");
    assert_eq!(m.files.len(), 2);
    assert_eq!(mem.files["nodes/worker/state.json"], STATE);
    assert_eq!(mem.files["cluster/intent.json"], INTENT);
    assert!(mem.files.contains_key(MANIFEST));
    // The same through gzip.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    io::Write::write_all(&mut gz, &good()).expect("gzip");
    let gz = gz.finish().expect("gzip");
    read_gz(gz.as_slice(), &Limits::DEFAULT, &mut Discard).expect("reads gzip");
}

#[test]
fn manifest_anywhere_directories_and_the_end_of_the_stream() {
    let files: [(&str, &[u8]); 1] = [("nodes/worker/state.json", STATE)];
    let mut t = Vec::new();
    entry(&mut t, b"nodes/", b'5', b"");
    entry(&mut t, b"nodes/worker/state.json", b'0', STATE);
    entry(&mut t, MANIFEST.as_bytes(), b'0', &manifest(&files));
    // No end blocks: the stream's end on a block boundary ends the archive too.
    let (_, mem) = read(&t).expect("reads");
    assert_eq!(mem.files.len(), 2);
}

#[test]
fn a_gnu_long_name_is_read_and_checked() {
    let long = format!("nodes/{}/state.json", "w".repeat(120));
    let files: [(&str, &[u8]); 1] = [(&long, STATE)];
    let mut t = Vec::new();
    entry(&mut t, MANIFEST.as_bytes(), b'0', &manifest(&files));
    let mut name = long.clone().into_bytes();
    name.push(0);
    entry(&mut t, b"././@LongLink", b'L', &name);
    entry(&mut t, &long.as_bytes()[..100], b'0', STATE);
    end(&mut t);
    let (_, mem) = read(&t).expect("reads");
    assert_eq!(mem.files[&long], STATE);
}

#[test]
fn a_pax_header_gives_the_path_and_size() {
    let files: [(&str, &[u8]); 1] = [("nodes/worker/state.json", STATE)];
    let mut t = Vec::new();
    entry(&mut t, MANIFEST.as_bytes(), b'0', &manifest(&files));
    let rec = |k: &str, v: &str| {
        let body = format!(" {k}={v}\n");
        let mut n = body.len() + 1;
        if format!("{n}").len() > 1 {
            n = body.len() + format!("{}", body.len() + 2).len();
        }
        format!("{n}{body}")
    };
    let pax = format!(
        "{}{}{}",
        rec("path", "nodes/worker/state.json"),
        rec("size", &STATE.len().to_string()),
        rec("mtime", "1.5")
    );
    entry(&mut t, b"PaxHeaders/x", b'x', pax.as_bytes());
    // The ustar size field says 0: the PAX size wins.
    t.extend_from_slice(&header(b"short", b'0', 0));
    t.extend_from_slice(STATE);
    t.resize(t.len().div_ceil(BLOCK) * BLOCK, 0);
    end(&mut t);
    let (_, mem) = read(&t).expect("reads");
    assert_eq!(mem.files["nodes/worker/state.json"], STATE);

    let mut bad = Vec::new();
    entry(&mut bad, b"PaxHeaders/x", b'x', b"99 path=x\n");
    assert!(matches!(read(&bad), Err(ArchiveError::Corrupt { .. })));
}

#[test]
fn a_long_name_claiming_two_gigabytes_is_refused_at_its_header() {
    let e = refused_at_header(&header(b"././@LongLink", b'L', 2_000_000_000));
    assert!(
        matches!(
            &e,
            ArchiveError::TooLarge {
                size: 2_000_000_000,
                max: 4096,
                ..
            }
        ),
        "{e:?}"
    );
    let e = e.to_string();
    assert!(e.contains("GNU long name") && e.contains("4 KiB"), "{e}");
    let e = refused_at_header(&header(b"././@LongLink", b'K', 1 << 40));
    assert!(e.to_string().contains("GNU long link"), "{e}");
    let e = refused_at_header(&header(b"PaxHeaders/x", b'x', 1 << 20));
    assert!(e.to_string().contains("PAX extended header"), "{e}");
    let e = refused_at_header(&header(b"PaxHeaders/g", b'g', 1 << 20));
    assert!(e.to_string().contains("PAX global header"), "{e}");
}

#[test]
fn a_member_beyond_the_member_cap_is_refused_at_its_header() {
    for size in [(512 << 20) + 1, 1 << 30, 1 << 40, u64::MAX >> 1] {
        let e = refused_at_header(&header(b"nodes/worker/capture.pcap", b'0', size));
        assert!(
            matches!(&e, ArchiveError::TooLarge { what, .. } if what.contains("nodes/worker/capture.pcap")),
            "{size}: {e:?}"
        );
    }
    let e = refused_at_header(&header(MANIFEST.as_bytes(), b'0', 5 << 20));
    assert!(e.to_string().contains("4 MiB"), "{e}");
    // Base-256 beyond u64 saturates and is refused, never wraps to something small.
    let mut h = header(b"nodes/worker/capture.pcap", b'0', 0);
    h[124..136].copy_from_slice(&[
        0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    set_checksum(&mut h);
    assert!(matches!(
        refused_at_header(&h),
        ArchiveError::TooLarge { .. }
    ));
}

#[test]
fn the_total_and_the_entry_count_are_capped() {
    let limits = Limits {
        total: 100,
        entries: 5,
        ..Limits::DEFAULT
    };
    let mut t = Vec::new();
    entry(&mut t, b"a", b'0', &[7; 60]);
    entry(&mut t, b"b", b'0', &[7; 60]);
    let e = read_with(&t, &limits).expect_err("total");
    assert!(
        matches!(&e, ArchiveError::Total { name, .. } if name == "b"),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("\"b\" takes the bundle beyond 100 B"),
        "{e}"
    );

    let mut t = Vec::new();
    for i in 0..6 {
        entry(&mut t, format!("d{i}/").as_bytes(), b'5', b"");
    }
    let e = read_with(&t, &limits).expect_err("entries");
    assert!(e.to_string().contains("more than 5 entries"), "{e}");
}

#[test]
fn the_manifest_claims_are_capped_and_members_checked_at_their_header() {
    // Listed far beyond the caps: refused as soon as the manifest is read.
    let big = vec![0u8; 10];
    let mut m: Manifest = serde_json::from_slice(&manifest(&[("a", &big)])).expect("m");
    m.files[0].size = 600 << 20;
    let mut t = Vec::new();
    entry(
        &mut t,
        MANIFEST.as_bytes(),
        b'0',
        &serde_json::to_vec(&m).expect("json"),
    );
    let e = read(&t).expect_err("too big");
    assert!(e.to_string().contains("manifest.json: member \"a\""), "{e}");
    m.files = (0..3)
        .map(|i| netdiag_core::bundle::FileEntry {
            path: format!("m{i}"),
            size: 400 << 20,
            sha256: String::new(),
        })
        .collect();
    let mut t = Vec::new();
    entry(
        &mut t,
        MANIFEST.as_bytes(),
        b'0',
        &serde_json::to_vec(&m).expect("json"),
    );
    let e = read(&t).expect_err("total");
    assert!(
        matches!(&e, ArchiveError::Total { name, .. } if name == "m2"),
        "{e:?}"
    );

    // After the manifest: unlisted, or listed at another size, refused before the data.
    let files: [(&str, &[u8]); 1] = [("nodes/worker/state.json", STATE)];
    let mut head = Vec::new();
    entry(&mut head, MANIFEST.as_bytes(), b'0', &manifest(&files));
    let mut t = head.clone();
    t.extend_from_slice(&header(b"nodes/worker/other.json", b'0', 100));
    let e = read_tar(HeaderOnly(&t), &Limits::DEFAULT, &mut Discard).expect_err("unlisted");
    assert!(
        e.to_string()
            .contains("\"nodes/worker/other.json\" is not listed"),
        "{e}"
    );
    let mut t = head.clone();
    t.extend_from_slice(&header(b"nodes/worker/state.json", b'0', 100 << 20));
    let e = read_tar(HeaderOnly(&t), &Limits::DEFAULT, &mut Discard).expect_err("size");
    assert!(
        e.to_string()
            .contains("has 104857600 bytes, manifest.json says 12"),
        "{e}"
    );
    // Changed in place, and missing.
    let mut t = head.clone();
    entry(&mut t, b"nodes/worker/state.json", b'0', b"{\"links\":[1]");
    assert!(read(&t)
        .expect_err("sha")
        .to_string()
        .contains("does not match its SHA-256"));
    let mut t = head;
    end(&mut t);
    assert!(read(&t)
        .expect_err("missing")
        .to_string()
        .contains("missing"));
}

#[test]
fn a_member_larger_than_the_rest_of_the_file_is_truncation() {
    let mut t = Vec::new();
    t.extend_from_slice(&header(b"nodes/worker/state.json", b'0', 100 << 20));
    t.extend_from_slice(b"{\"links\"");
    let e = read(&t).expect_err("cut");
    assert!(
        matches!(&e, ArchiveError::Corrupt { at: At::In(n), .. } if n == "nodes/worker/state.json"),
        "{e:?}"
    );
    let e = e.to_string();
    assert!(
        e.contains("truncated or corrupt archive in member \"nodes/worker/state.json\"")
            && e.contains("says 104857600 bytes, the archive ends after 8"),
        "{e}"
    );
    // Cut inside a header.
    let mut t = good();
    t.truncate(t.len() - 2 * BLOCK - 300);
    assert!(matches!(read(&t), Err(ArchiveError::Corrupt { .. })));
}

#[test]
fn unsafe_names_kinds_and_damaged_headers() {
    let mut t = Vec::new();
    entry(&mut t, b"../x", b'0', b"x");
    assert!(read(&t)
        .expect_err("..")
        .to_string()
        .contains("`..` leaves the bundle"));
    for (kind, why) in [
        (b'2', "a symbolic link"),
        (b'1', "a hard link"),
        (b'3', "not a regular file"),
        (b'S', "not a regular file"),
    ] {
        let mut t = Vec::new();
        entry(&mut t, b"cluster", kind, b"");
        let e = read(&t).expect_err("kind").to_string();
        assert!(e.contains(&format!("\"cluster\" is refused: {why}")), "{e}");
    }
    let mut t = Vec::new();
    entry(&mut t, b"a\xff", b'0', b"x");
    assert!(matches!(read(&t), Err(ArchiveError::NotUtf8 { .. })));
    let mut t = good();
    t[10] ^= 1;
    let e = read(&t).expect_err("checksum").to_string();
    assert!(e.contains("checksum"), "{e}");
    let mut t = Vec::new();
    entry(&mut t, b"a", b'0', b"x");
    entry(&mut t, b"a", b'0', b"x");
    assert!(read(&t)
        .expect_err("dup")
        .to_string()
        .contains("appears twice"));
    assert!(matches!(
        read(&[]),
        Err(ArchiveError::Bundle(BundleError::NoManifest))
    ));
}

#[test]
fn numeric_fields() {
    assert_eq!(parse_size(b"00000000012\0"), Some(10));
    assert_eq!(parse_size(b"   12 \0\0\0\0\0\0"), Some(10));
    assert_eq!(parse_size(b"\0\0\0\0\0\0\0\0\0\0\0\0"), Some(0));
    assert_eq!(parse_size(b"0000000009\0\0"), None);
    assert_eq!(parse_size(&[0xff; 12]), None);
    assert_eq!(
        parse_size(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
        Some(256)
    );
    assert_eq!(iec(4096), "4 KiB");
    assert_eq!(iec(1 << 30), "1 GiB");
    assert_eq!(iec(3 << 29), "1.5 GiB");
    assert_eq!(iec(100), "100 B");
}
