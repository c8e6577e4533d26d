//! `manifest.json`: the table of contents of a bundle (netdiag version, schema, time, node,
//! sources, every member with its size and SHA-256, what failed or was left out and why, what was
//! redacted), the checks a reader makes before trusting any member, and the member-name rules that
//! keep an archive from writing outside the directory it is unpacked into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The bundle format's version, independent of [`crate::SCHEMA_VERSION`] (the documents inside).
pub const BUNDLE_SCHEMA: &str = "netdiag-bundle/v1";

/// The manifest's member name, at the archive's root.
pub const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`BUNDLE_SCHEMA`].
    pub schema_version: String,
    pub netdiag_version: String,
    /// When collection started, RFC 3339 UTC.
    pub created: String,
    /// The node collected (its placeholder when host names are redacted).
    pub node: String,
    pub sources: Sources,
    /// Every member but the manifest, in archive order.
    pub files: Vec<FileEntry>,
    /// What could not be collected, and why.
    #[serde(default)]
    pub failures: Vec<Failure>,
    /// Members collected but not written because the size cap was reached.
    #[serde(default)]
    pub left_out: Vec<LeftOut>,
    /// Resource kinds (or fields) removed from the intent because they may hold secrets.
    #[serde(default)]
    pub filtered: Vec<String>,
    pub redaction: Redaction,
    /// The total size cap in bytes (compressed archive).
    pub max_size: u64,
    /// The nodes under `nodes/` of a `bundle --all-nodes` archive (`node` is then empty); absent
    /// in one node's bundle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    /// Where the node state came from (`netlink netns=…`, `files DIR`).
    pub state: String,
    /// Where the intent came from (`files DIR`, `api https://…`), if it was read.
    pub intent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What was not collected (`offload`, `capture`, `intent`, …).
    pub what: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    pub path: String,
    pub size: u64,
    pub why: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub ips: bool,
    pub hostnames: bool,
    /// Distinct addresses replaced.
    pub addresses: usize,
    /// Distinct host names replaced.
    pub hosts: usize,
    /// How the replacement was made, and what it does not cover.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Why a bundle cannot be trusted. Each names the member concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("member {name:?} is refused: {why}")]
    UnsafeMember { name: String, why: &'static str },
    #[error("member {name:?} appears twice")]
    Duplicate { name: String },
    #[error("no {MANIFEST}: not a netdiag bundle")]
    NoManifest,
    #[error("{MANIFEST} is not a netdiag bundle manifest: {0}")]
    BadManifest(String),
    #[error("{MANIFEST}: schema_version {0:?} is not {BUNDLE_SCHEMA:?}: read it with the netdiag version that wrote it")]
    Schema(String),
    #[error("member {name:?} is listed in {MANIFEST} but missing from the archive")]
    Missing { name: String },
    #[error("member {name:?} is not listed in {MANIFEST} (added after the bundle was made?)")]
    Unlisted { name: String },
    #[error("member {name:?} has {actual} bytes, {MANIFEST} says {expected}")]
    Size {
        name: String,
        expected: u64,
        actual: u64,
    },
    #[error("member {name:?} does not match its SHA-256 in {MANIFEST} (changed or corrupt)")]
    Checksum { name: String },
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

/// A member name may only name a file below the bundle's root: relative, `/`-separated, no empty,
/// `.` or `..` component, no backslash or NUL, at most 255 bytes.
pub fn check_member_name(name: &str) -> Result<(), BundleError> {
    let bad = |why| {
        Err(BundleError::UnsafeMember {
            name: name.to_string(),
            why,
        })
    };
    if name.is_empty() || name.len() > 255 {
        return bad("empty or longer than 255 bytes");
    }
    if name.starts_with('/') {
        return bad("absolute path");
    }
    if name.contains('\\') || name.contains('\0') {
        return bad("backslash or NUL in the name");
    }
    for c in name.split('/') {
        match c {
            ".." => return bad("`..` leaves the bundle"),
            "" | "." => return bad("empty or `.` path component"),
            _ => {}
        }
    }
    Ok(())
}

impl Manifest {
    /// Parses and checks the manifest's own document.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, BundleError> {
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| BundleError::BadManifest(e.to_string()))?;
        if m.schema_version != BUNDLE_SCHEMA {
            return Err(BundleError::Schema(m.schema_version));
        }
        for f in &m.files {
            check_member_name(&f.path)?;
        }
        Ok(m)
    }

    /// Every listed member present with its size and SHA-256; nothing unlisted besides the
    /// manifest. The first problem, in manifest order, is the error.
    pub fn verify(&self, members: &BTreeMap<String, Vec<u8>>) -> Result<(), BundleError> {
        for f in &self.files {
            let Some(bytes) = members.get(&f.path) else {
                return Err(BundleError::Missing {
                    name: f.path.clone(),
                });
            };
            let actual = bytes.len() as u64;
            if actual != f.size {
                return Err(BundleError::Size {
                    name: f.path.clone(),
                    expected: f.size,
                    actual,
                });
            }
            if sha256_hex(bytes) != f.sha256 {
                return Err(BundleError::Checksum {
                    name: f.path.clone(),
                });
            }
        }
        for name in members.keys() {
            if name != MANIFEST && !self.files.iter().any(|f| &f.path == name) {
                return Err(BundleError::Unlisted { name: name.clone() });
            }
        }
        Ok(())
    }

    /// The entry for `bytes` stored as `path`.
    pub fn entry(path: &str, bytes: &[u8]) -> FileEntry {
        FileEntry {
            path: path.to_string(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(files: Vec<FileEntry>) -> Manifest {
        Manifest {
            schema_version: BUNDLE_SCHEMA.into(),
            netdiag_version: "0.1.0".into(),
            created: "2026-11-22T00:00:00Z".into(),
            node: "worker".into(),
            sources: Sources {
                state: "netlink".into(),
                intent: None,
            },
            files,
            failures: vec![],
            left_out: vec![],
            filtered: vec![],
            redaction: Redaction::default(),
            max_size: 20_000_000,
            nodes: Vec::new(),
        }
    }

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2 test vector.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn member_names() {
        for ok in [
            "manifest.json",
            "nodes/worker/state.json",
            "cluster/intent.json",
        ] {
            check_member_name(ok).expect(ok);
        }
        for bad in [
            "../x",
            "nodes/../../etc/passwd",
            "/etc/passwd",
            "",
            "a//b",
            "./a",
            "a/",
            "a\\..\\b",
            "a\0b",
        ] {
            assert!(check_member_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn verify_names_the_bad_member() {
        let mut members = BTreeMap::new();
        members.insert("a.txt".to_string(), b"hello".to_vec());
        members.insert("b.txt".to_string(), b"world".to_vec());
        let m = manifest(vec![
            Manifest::entry("a.txt", b"hello"),
            Manifest::entry("b.txt", b"world"),
        ]);
        m.verify(&members).expect("intact");

        let mut tampered = members.clone();
        tampered.insert("b.txt".into(), b"World".to_vec());
        assert_eq!(
            m.verify(&tampered),
            Err(BundleError::Checksum {
                name: "b.txt".into()
            })
        );
        let mut cut = members.clone();
        cut.insert("a.txt".into(), b"hell".to_vec());
        assert!(matches!(m.verify(&cut), Err(BundleError::Size { name, .. }) if name == "a.txt"));
        let mut gone = members.clone();
        gone.remove("b.txt");
        assert_eq!(
            m.verify(&gone),
            Err(BundleError::Missing {
                name: "b.txt".into()
            })
        );
        let mut extra = members;
        extra.insert("c.txt".into(), vec![]);
        assert_eq!(
            m.verify(&extra),
            Err(BundleError::Unlisted {
                name: "c.txt".into()
            })
        );
    }

    #[test]
    fn manifest_round_trips_and_checks_schema() {
        let m = manifest(vec![Manifest::entry("a", b"x")]);
        let bytes = serde_json::to_vec(&m).expect("json");
        assert_eq!(Manifest::parse(&bytes).expect("parses"), m);
        let mut other = m.clone();
        other.schema_version = "netdiag-bundle/v0".into();
        let bytes = serde_json::to_vec(&other).expect("json");
        assert!(matches!(
            Manifest::parse(&bytes),
            Err(BundleError::Schema(_))
        ));
        let mut evil = m;
        evil.files[0].path = "../../x".into();
        let bytes = serde_json::to_vec(&evil).expect("json");
        assert!(matches!(
            Manifest::parse(&bytes),
            Err(BundleError::UnsafeMember { .. })
        ));
        assert!(matches!(
            Manifest::parse(b"{"),
            Err(BundleError::BadManifest(_))
        ));
    }
}
