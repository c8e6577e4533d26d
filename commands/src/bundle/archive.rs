//! Writing a bundle: members and manifest into one .tar.gz held in memory, members left out
//! (capture first, then the human-readable text) until it fits the size cap, then written to a
//! temporary file in the destination's directory (mode 0600) and renamed over the destination, so
//! a reader never sees half a bundle and a failure leaves nothing behind. Nothing the reader would
//! refuse (`source::bundle::LIMITS`) is written.

use std::io::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context as _, Result};
use netdiag_core::bundle::manifest::LeftOut;
use netdiag_core::bundle::{Manifest, MANIFEST};

/// One file of the bundle.
#[derive(Debug, Clone)]
pub struct Member {
    pub path: String,
    pub bytes: Vec<u8>,
    /// 0: never left out; higher ranks are left out first when the cap is reached.
    pub drop_rank: u8,
}

impl Member {
    pub fn new(path: &str, bytes: Vec<u8>, drop_rank: u8) -> Member {
        Member {
            path: path.to_string(),
            bytes,
            drop_rank,
        }
    }
}

/// A human size: 20.0 MB, 512 B.
pub fn human(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} KB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

fn tar_gz(members: &[Member], manifest: &[u8], mtime: u64) -> Result<Vec<u8>> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut add = |path: &str, bytes: &[u8]| -> Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        h.set_mtime(mtime);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, path, bytes)
            .with_context(|| format!("cannot add {path} to the bundle"))
    };
    add(MANIFEST, manifest)?;
    for m in members {
        add(&m.path, &m.bytes)?;
    }
    let gz = tar.into_inner().context("cannot finish the bundle")?;
    gz.finish().context("cannot finish the bundle")
}

/// The archive's bytes and the final manifest: everything that fits `manifest.max_size`, the rest
/// named in `left_out`. Fails when even the members that are never left out do not fit.
pub fn build(members: Vec<Member>, manifest: Manifest, mtime: u64) -> Result<(Vec<u8>, Manifest)> {
    build_within(members, manifest, mtime, &crate::source::bundle::LIMITS)
}

/// [`build`] with the reader's `limits`: what the reader would refuse is never written — such a
/// member is left out like one beyond the size cap or, if it cannot be left out, nothing is.
fn build_within(
    members: Vec<Member>,
    mut manifest: Manifest,
    mtime: u64,
    limits: &netdiag_parsers::bundle::Limits,
) -> Result<(Vec<u8>, Manifest)> {
    let max = manifest.max_size;
    let mut total: u64 = 0;
    let mut kept = Vec::with_capacity(members.len());
    for m in members {
        let size = m.bytes.len() as u64;
        let why = if size > limits.member {
            format!(
                "larger than the {} a bundle member may hold",
                netdiag_parsers::bundle::iec(limits.member)
            )
        } else if total + size > limits.total {
            format!(
                "the bundle would exceed the {} a bundle may hold unpacked",
                netdiag_parsers::bundle::iec(limits.total)
            )
        } else {
            total += size;
            kept.push(m);
            continue;
        };
        if m.drop_rank == 0 {
            bail!("{}: {why}: nothing was written", m.path);
        }
        manifest.left_out.push(LeftOut {
            path: m.path,
            size,
            why,
        });
    }
    let mut members = kept;
    loop {
        manifest.files = members
            .iter()
            .map(|m| Manifest::entry(&m.path, &m.bytes))
            .collect();
        let json = serde_json::to_vec_pretty(&manifest)?;
        let bytes = tar_gz(&members, &json, mtime)?;
        if bytes.len() as u64 <= max {
            return Ok((bytes, manifest));
        }
        let victim = members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.drop_rank > 0)
            .max_by_key(|(_, m)| (m.drop_rank, m.bytes.len()))
            .map(|(i, _)| i);
        match victim {
            Some(i) => {
                let m = members.remove(i);
                manifest.left_out.push(LeftOut {
                    path: m.path,
                    size: m.bytes.len() as u64,
                    why: format!("the bundle would exceed --max-size {}", human(max)),
                });
            }
            None => {
                let dropped = if manifest.left_out.is_empty() {
                    String::new()
                } else {
                    format!(
                        " even without {}",
                        manifest
                            .left_out
                            .iter()
                            .map(|l| l.path.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                bail!(
                    "the bundle needs {}{dropped}, more than --max-size {}: the node state, intent and report alone do not fit; raise --max-size (nothing was written)",
                    human(bytes.len() as u64),
                    human(max)
                );
            }
        }
    }
}

/// Writes `bytes` to `out` atomically, mode 0600.
pub fn write_atomic(out: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".netdiag-bundle-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| {
            anyhow!(
                "cannot create a file in {}: {e}: pick another directory with -o",
                dir.display()
            )
        })?;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot set mode 0600 on {}", tmp.path().display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| anyhow!("cannot write {}: {e} (nothing was written)", out.display()))?;
    tmp.persist(out).map_err(|e| {
        anyhow!(
            "cannot rename the bundle to {}: {} (nothing was written)",
            out.display(),
            e.error
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use netdiag_core::bundle::manifest::{Redaction, Sources};
    use netdiag_core::bundle::BUNDLE_SCHEMA;

    fn manifest(max: u64) -> Manifest {
        Manifest {
            schema_version: BUNDLE_SCHEMA.into(),
            netdiag_version: "0".into(),
            created: "2026-11-22T00:00:00Z".into(),
            node: "worker".into(),
            sources: Sources {
                state: "test".into(),
                intent: None,
            },
            files: vec![],
            failures: vec![],
            left_out: vec![],
            filtered: vec![],
            redaction: Redaction::default(),
            max_size: max,
            nodes: Vec::new(),
        }
    }

    /// Bytes that do not compress (an LCG), so sizes are predictable.
    fn noise(n: usize) -> Vec<u8> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (x >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn the_capture_goes_first_then_text_and_both_are_named() {
        let members = vec![
            Member::new("nodes/w/state.json", b"{}".to_vec(), 0),
            Member::new("nodes/w/text/ip.txt", noise(3_000), 1),
            Member::new("nodes/w/capture.pcap", noise(50_000), 2),
        ];
        let (bytes, m) = build(members.clone(), manifest(10_000), 0).expect("fits without pcap");
        assert!(bytes.len() <= 10_000);
        assert_eq!(m.left_out.len(), 1);
        assert_eq!(m.left_out[0].path, "nodes/w/capture.pcap");
        assert!(
            m.left_out[0].why.contains("--max-size 10.0 KB"),
            "{:?}",
            m.left_out
        );
        assert_eq!(m.files.len(), 2);

        let (_, m) = build(members.clone(), manifest(2_500), 0).expect("fits without both");
        let out: Vec<&str> = m.left_out.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(out, ["nodes/w/capture.pcap", "nodes/w/text/ip.txt"]);

        let e = build(members, manifest(100), 0).expect_err("essentials do not fit");
        let e = e.to_string();
        assert!(
            e.contains("raise --max-size") && e.contains("even without nodes/w/capture.pcap"),
            "{e}"
        );
    }

    #[test]
    fn what_the_reader_would_refuse_is_never_written() {
        let limits = netdiag_parsers::bundle::Limits {
            member: 1_000,
            total: 1_500,
            ..netdiag_parsers::bundle::Limits::DEFAULT
        };
        let members = vec![
            Member::new("nodes/w/state.json", noise(900), 0),
            Member::new("nodes/w/capture.pcap", noise(2_000), 2),
            Member::new("nodes/w/text/ip.txt", noise(800), 1),
        ];
        let (_, m) = build_within(members.clone(), manifest(1 << 20), 0, &limits).expect("fits");
        let out: Vec<(&str, &str)> = m
            .left_out
            .iter()
            .map(|l| (l.path.as_str(), l.why.as_str()))
            .collect();
        assert_eq!(
            out,
            [
                (
                    "nodes/w/capture.pcap",
                    "larger than the 1000 B a bundle member may hold"
                ),
                (
                    "nodes/w/text/ip.txt",
                    "the bundle would exceed the 1.5 KiB a bundle may hold unpacked"
                )
            ]
        );
        let e = build_within(
            vec![Member::new("nodes/w/state.json", noise(1_001), 0)],
            manifest(1 << 20),
            0,
            &limits,
        )
        .expect_err("essential member too large");
        assert!(e.to_string().contains("nothing was written"), "{e}");
    }

    #[test]
    fn written_atomically_with_mode_0600() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("b.tar.gz");
        write_atomic(&out, b"bundle").expect("writes");
        assert_eq!(std::fs::read(&out).expect("read"), b"bundle");
        let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("b.tar.gz")]);
        let e = write_atomic(&dir.path().join("no/such/dir/b.tar.gz"), b"x").expect_err("no dir");
        assert!(e.to_string().contains("pick another directory"), "{e}");
    }
}
