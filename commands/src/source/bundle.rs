//! Reading a support bundle (`netdiag bundle`'s .tar.gz) wherever a `--from DIR` is read: the
//! archive is read member by member into memory (bounded), each name checked (relative, no `..`,
//! regular files only: symlinks, hard links and devices are refused), every member verified
//! against `manifest.json` (size and SHA-256, nothing unlisted), and only then written into a
//! private temporary directory (0700) that has the `--from DIR` layout and is removed when the
//! command ends. A corrupt, truncated or tampered bundle is one line naming the member.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use netdiag_core::bundle::manifest::check_member_name;
use netdiag_core::bundle::{BundleError, Manifest, MANIFEST};

use crate::cli::SourceArgs;

/// The most a bundle may expand to: far above the 20 MB default cap, far below a decompression bomb.
pub const MAX_EXPANDED: u64 = 1 << 30;

/// Whether `path` is a bundle (a gzip file) rather than a directory or a resource file.
pub fn is_bundle(path: &Path) -> bool {
    if !path.is_file() {
        return false;
    }
    let mut magic = [0u8; 2];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == [0x1f, 0x8b]
}

/// A bundle's verified members, in memory.
pub struct Members {
    pub manifest: Manifest,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Reads and verifies every member of `path`.
pub fn read(path: &Path) -> Result<Members> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| anyhow!("{shown}: cannot open: {e}"))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = BTreeMap::new();
    let mut total: u64 = 0;
    let mut last: Option<String> = None;
    let corrupt = |last: &Option<String>, e: std::io::Error| {
        let after = last
            .as_ref()
            .map(|m| format!(" after member {m:?}"))
            .unwrap_or_default();
        anyhow!(
            "{shown}: truncated or corrupt archive{after} ({e}): make or download the bundle again"
        )
    };
    let entries = archive.entries().map_err(|e| corrupt(&last, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(&last, e))?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8(raw).map_err(|_| {
            anyhow!("{shown}: a member name is not UTF-8: refused (not a netdiag bundle)")
        })?;
        use tar::EntryType as T;
        let kind = entry.header().entry_type();
        let refuse = |why: &'static str| {
            anyhow!(
                "{shown}: {}: refused, nothing was extracted",
                BundleError::UnsafeMember {
                    name: name.clone(),
                    why
                }
            )
        };
        match kind {
            T::Regular | T::Continuous => {}
            T::Directory => {
                check_member_name(name.trim_end_matches('/'))
                    .map_err(|e| anyhow!("{shown}: {e}: refused, nothing was extracted"))?;
                continue;
            }
            T::Symlink => return Err(refuse("a symbolic link")),
            T::Link => return Err(refuse("a hard link")),
            _ => return Err(refuse("not a regular file")),
        }
        check_member_name(&name)
            .map_err(|e| anyhow!("{shown}: {e}: refused, nothing was extracted"))?;
        let size = entry.header().size().unwrap_or(u64::MAX);
        total = total.saturating_add(size);
        if total > MAX_EXPANDED {
            bail!(
                "{shown}: member {name:?} takes the bundle beyond {} MiB unpacked: refused (not a netdiag bundle?)",
                MAX_EXPANDED >> 20
            );
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size.min(1 << 24)).unwrap_or(0));
        (&mut entry)
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(&Some(name.clone()), e))?;
        if files.insert(name.clone(), bytes).is_some() {
            bail!("{shown}: {}", BundleError::Duplicate { name: name.clone() });
        }
        last = Some(name);
    }
    let manifest_bytes = files
        .get(MANIFEST)
        .ok_or_else(|| anyhow!("{shown}: {}", BundleError::NoManifest))?;
    let manifest = Manifest::parse(manifest_bytes).map_err(|e| anyhow!("{shown}: {e}"))?;
    manifest
        .verify(&files)
        .map_err(|e| anyhow!("{shown}: {e}: make or download the bundle again"))?;
    Ok(Members { manifest, files })
}

/// A bundle unpacked into a private directory, removed on drop.
pub struct Extracted {
    dir: tempfile::TempDir,
    pub manifest: Manifest,
}

impl Extracted {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The bundle's capture, if it holds one.
    pub fn pcap(&self) -> Option<PathBuf> {
        self.manifest
            .files
            .iter()
            .find(|f| f.path.ends_with(".pcap"))
            .map(|f| self.dir.path().join(&f.path))
    }
}

/// Reads, verifies and unpacks `path`.
pub fn extract(path: &Path) -> Result<Extracted> {
    let members = read(path)?;
    let dir = tempfile::Builder::new()
        .prefix("netdiag-bundle-")
        .tempdir()
        .context("cannot create a temporary directory for the bundle")?;
    for (name, bytes) in &members.files {
        let dest = dir.path().join(name);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&dest, bytes).with_context(|| format!("cannot write {}", dest.display()))?;
    }
    Ok(Extracted {
        dir,
        manifest: members.manifest,
    })
}

/// The source flags with a bundle given to `--from` replaced by its unpacked directory (which
/// lives as long as this value).
pub struct Opened {
    pub args: SourceArgs,
    pub bundle: Option<Extracted>,
}

/// Opens `--from` when it is a bundle; otherwise the flags as they are. A second `--from` is for
/// `trace` only ([`open_all`]).
pub fn open(args: &SourceArgs) -> Result<Opened> {
    if args.from.len() > 1 {
        anyhow::bail!(
            "--from is given {} times: only `netdiag trace` reads two (one directory or bundle per node)",
            args.from.len()
        );
    }
    match args.from_path() {
        Some(p) if is_bundle(p) => {
            let x = extract(p)?;
            let mut a = args.clone();
            a.from = vec![x.path().to_path_buf()];
            Ok(Opened {
                args: a,
                bundle: Some(x),
            })
        }
        _ => Ok(Opened {
            args: args.clone(),
            bundle: None,
        }),
    }
}

/// Every `--from` (directories or bundles, `trace` takes one per node), bundles unpacked; the one
/// holding the cluster intent first, since the intent is read from the first.
pub fn open_all(args: &SourceArgs) -> Result<(SourceArgs, Vec<Extracted>)> {
    let mut a = args.clone();
    let mut kept = Vec::new();
    let mut dirs = Vec::with_capacity(args.from.len());
    for p in &args.from {
        if is_bundle(p) {
            let x = extract(p)?;
            dirs.push(x.path().to_path_buf());
            kept.push(x);
        } else {
            dirs.push(p.clone());
        }
    }
    if let Some(i) = dirs.iter().position(|d| d.join("cluster").is_dir()) {
        let first = dirs.remove(i);
        dirs.insert(0, first);
    }
    a.from = dirs;
    Ok((a, kept))
}
