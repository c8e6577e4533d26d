//! Running the lab's `ip`/`bridge`/`nft` command lines: each one's failure becomes an error naming
//! the command and the tool's own message; a missing tool names the Debian package to install.

use std::process::Command;

use anyhow::{bail, Context, Result};

use super::plan::Cmd;

/// The Debian package that provides `program`.
fn package_of(program: &str) -> &'static str {
    match program {
        "nft" => "nftables",
        "ping" => "iputils-ping",
        "sysctl" => "procps",
        "bird" | "birdc" => "bird2",
        _ => "iproute2",
    }
}

/// Whether `program` is on the PATH.
pub fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

pub fn run(c: &Cmd) -> Result<()> {
    let Some((program, args)) = c.split_first() else {
        return Ok(());
    };
    let out = Command::new(program).args(args).output().with_context(|| {
        format!(
            "cannot run {program} (install the package {})",
            package_of(program)
        )
    })?;
    if !out.status.success() {
        bail!(
            "`{}` failed: {}",
            c.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

pub fn run_all(cmds: &[Cmd]) -> Result<()> {
    cmds.iter().try_for_each(run)
}

/// Runs every command, ignoring failures (clean-up of parts that may not exist).
pub fn run_ignoring(cmds: &[Cmd]) {
    for c in cmds {
        let _ = run(c);
    }
}
