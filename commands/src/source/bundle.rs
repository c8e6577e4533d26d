//! Reading a support bundle (`netdiag bundle`'s .tar.gz) wherever a `--from DIR` is read: the
//! archive is walked by `netdiag_parsers::bundle` (every length it states bounded before it is
//! read, every name checked — relative, no `..`, regular files only — every member hashed and held
//! against `manifest.json`, nothing unlisted or missing), and streamed into a private temporary
//! directory (0700, files 0600) that has the `--from DIR` layout and is removed when the command
//! ends, or at once when the bundle is refused. Memory stays flat whatever the archive claims. A
//! corrupt, truncated, tampered or hostile bundle is one line naming the member.

use std::fs::File;
use std::io::{BufWriter, Read, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use netdiag_core::bundle::Manifest;
use netdiag_parsers::bundle::{Discard, Limits, Sink};

use crate::cli::SourceArgs;

/// What a bundle may claim (see the README's bundle section).
pub const LIMITS: Limits = Limits::DEFAULT;

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

fn walk(path: &Path, sink: &mut dyn Sink) -> Result<Manifest> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| anyhow!("{shown}: cannot open: {e}"))?;
    netdiag_parsers::bundle::read_gz(std::io::BufReader::new(file), &LIMITS, sink)
        .map_err(|e| anyhow!("{shown}: {e}"))
}

/// Reads and verifies every member of `path`, keeping none: its manifest.
pub fn read(path: &Path) -> Result<Manifest> {
    walk(path, &mut Discard)
}

/// Members written below `root` as they stream by (names already checked by the walk).
struct ToDir<'a> {
    root: &'a Path,
    file: Option<BufWriter<File>>,
}

impl Sink for ToDir<'_> {
    fn begin(&mut self, name: &str, _size: u64) -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let dest = self.root.join(name);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&dest)?;
        self.file = Some(BufWriter::with_capacity(64 << 10, f));
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Ok(()),
        }
    }

    fn end(&mut self) -> std::io::Result<()> {
        match self.file.take() {
            Some(mut f) => f.flush(),
            None => Ok(()),
        }
    }
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

/// Reads, verifies and unpacks `path` (the directory is removed again if the bundle is refused).
pub fn extract(path: &Path) -> Result<Extracted> {
    let dir = tempfile::Builder::new()
        .prefix("netdiag-bundle-")
        .tempdir()
        .context("cannot create a temporary directory for the bundle")?;
    let manifest = walk(
        path,
        &mut ToDir {
            root: dir.path(),
            file: None,
        },
    )?;
    Ok(Extracted { dir, manifest })
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
