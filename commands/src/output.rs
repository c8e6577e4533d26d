//! Writing to stdout: colour decision (TTY and NO_COLOR), JSON/YAML documents, and a broken pipe
//! that ends the program quietly with exit 0 (as ripgrep does) instead of a panic.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use serde::Serialize;

use crate::cli::ColorChoice;

/// Whether human output gets colour: `always`, `never`, or on a terminal with NO_COLOR unset or empty.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Marks the error of a write to a closed pipe, so `main` can exit 0.
#[derive(Debug, thiserror::Error)]
#[error("broken pipe")]
pub struct BrokenPipe;

pub fn print(s: &str) -> Result<()> {
    print_with(|w| w.write_all(s.as_bytes()))
}

/// Like [`print`], for output written piece by piece (through a 256 KiB buffer).
pub fn print_with(
    write: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(BrokenPipe.into()),
        other => Ok(other?),
    }
}

pub fn json<T: Serialize>(v: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

pub fn yaml<T: Serialize>(v: &T) -> Result<String> {
    Ok(serde_saphyr::to_string(v)?)
}
