//! `netdiag completions SHELL`: shell completion scripts generated from the same clap definition the
//! binary parses with. The checked-in copies in `completions/` are compared by a test.

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "netdiag", &mut buf);
    buf
}

/// The file name the script is checked in under, in `completions/`.
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "netdiag.bash",
        Shell::Zsh => "_netdiag",
        Shell::Fish => "netdiag.fish",
        Shell::Elvish => "netdiag.elv",
        Shell::PowerShell => "_netdiag.ps1",
        _ => "netdiag.unknown",
    }
}

pub fn run(shell: Shell) -> Result<u8> {
    let s = String::from_utf8_lossy(&script(shell)).into_owned();
    crate::output::print(&s)?;
    Ok(0)
}
