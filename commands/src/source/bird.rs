//! BIRD's control socket, read-only: connect to the unix socket (Calico's
//! `/var/run/calico/bird.ctl`, `--bird-socket PATH`, a lab node's socket), read the greeting,
//! send `show protocols all` and `show route`, read each reply to its final line — what
//! `calicoctl node status` does with `show protocols` (calicoctl/calicoctl/commands/node/status.go:
//! `net.Dial("unix", "/var/run/calico/bird.ctl")`, a 2 s read deadline per line). Nothing but
//! `show` commands is ever sent: `configure`, `disable` or `restart` would change the node.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use netdiag_core::model::BgpState;

use crate::cli::SourceArgs;

/// Calico's BIRD (IPv4) control socket inside calico-node, bind-mounted from the host's
/// /var/run/calico.
pub const CALICO_SOCKET: &str = "/var/run/calico/bird.ctl";
/// What calicoctl tries second: a BIRD installed on the host.
const DEFAULT_SOCKET: &str = "/var/run/bird/bird.ctl";
/// calicoctl's `birdTimeOut`.
const TIMEOUT: Duration = Duration::from_secs(2);
/// A reply larger than this is refused rather than held in memory (a full table of a route
/// reflector is a few MB; a Calico node's is a few KB).
const MAX_REPLY: usize = 64 << 20;

/// The two replies a bundle keeps and `--from` reads back.
pub struct Raw {
    pub protocols: String,
    pub routes: String,
}

/// Which socket to read for this source: `--bird-socket`, else the lab node's, else Calico's (or
/// BIRD's own default) when reading the live node; None for files (they carry their own).
pub fn socket_for(source: &SourceArgs, flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = flag {
        return Some(p.to_path_buf());
    }
    if let Some(lab) = &source.lab {
        return Some(crate::lab::bird_socket(lab, source.node.as_deref()?));
    }
    if !source.from.is_empty() && source.netns.is_none() && !source.live {
        return None;
    }
    let calico = PathBuf::from(CALICO_SOCKET);
    if !calico.exists() && Path::new(DEFAULT_SOCKET).exists() {
        return Some(DEFAULT_SOCKET.into());
    }
    Some(calico)
}

/// The BGP state behind `socket`, or why it could not be read (never an error: a node without
/// BIRD, or without access to its socket, is reported as "not checked"). bird6's state is added
/// when its socket sits beside (see [`bird6_socket`]).
pub fn collect(socket: &Path) -> BgpState {
    let mut state = match read_raw(socket) {
        Ok(raw) => parse(socket, &raw),
        Err(e) => unavailable(socket, format!("{e:#}")),
    };
    if let Some(s6) = bird6_socket(socket) {
        state.merge_ipv6(match read_raw(&s6) {
            Ok(raw) => parse(&s6, &raw),
            Err(e) => unavailable(&s6, format!("{e:#}")),
        });
    }
    state
}

/// Calico's BIRD 1.6 fork runs IPv6 in a second daemon, `bird6`, whose socket is `bird6.ctl` in
/// the same directory (calico-node's /var/run/calico; calicoctl's node/status.go looks for the
/// `bird6` process for its "IPv6 BGP status"). Its path when `socket` is a `bird.ctl` and the
/// sibling exists; BIRD 2 has one daemon and one socket for both families.
pub fn bird6_socket(socket: &Path) -> Option<PathBuf> {
    if socket.file_name()? != "bird.ctl" {
        return None;
    }
    let s6 = socket.with_file_name("bird6.ctl");
    s6.exists().then_some(s6)
}

/// No BGP state from `socket`, and why.
pub fn unavailable(socket: &Path, why: String) -> BgpState {
    BgpState {
        source: format!("socket {}", socket.display()),
        unavailable: Some(why),
        ..BgpState::default()
    }
}

/// The BGP state in replies read from `socket`.
pub fn parse(socket: &Path, raw: &Raw) -> BgpState {
    let fail = |why: String| unavailable(socket, why);
    let (version, protocols) = match netdiag_parsers::bird::parse_protocols(&raw.protocols) {
        Ok(p) => p,
        Err(e) => {
            return fail(format!(
                "BIRD's `show protocols all` reply did not parse: {e}"
            ))
        }
    };
    let routes = netdiag_parsers::bird::parse_routes(&raw.routes).ok();
    BgpState {
        source: format!("socket {}", socket.display()),
        unavailable: None,
        version,
        protocols,
        routes,
        ..Default::default()
    }
}

/// The raw `show protocols all` and `show route` replies, each with the greeting, as a
/// transcript `netdiag_parsers::bird` reads.
pub fn read_raw(socket: &Path) -> Result<Raw> {
    if !socket.exists() {
        bail!(
            "no BIRD control socket at {} (BIRD not running here, calico-node's /var/run/calico not mounted, or VXLAN-only Calico without BIRD): pass --bird-socket PATH",
            socket.display()
        );
    }
    let stream = UnixStream::connect(socket)
        .with_context(|| format!("cannot connect to BIRD's socket {}", socket.display()))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let greeting = reply(&mut reader, socket)?;
    let protocols = format!(
        "{greeting}{}",
        ask(&stream, &mut reader, socket, "show protocols all")?
    );
    let routes = format!(
        "{greeting}{}",
        ask(&stream, &mut reader, socket, "show route")?
    );
    Ok(Raw { protocols, routes })
}

fn ask(
    mut stream: &UnixStream,
    reader: &mut BufReader<UnixStream>,
    socket: &Path,
    cmd: &str,
) -> Result<String> {
    // Read-only by construction: only `show` commands leave this function.
    if !cmd.starts_with("show ") {
        bail!("refusing to send {cmd:?} to BIRD: netdiag only reads");
    }
    stream
        .write_all(format!("{cmd}\n").as_bytes())
        .with_context(|| format!("cannot write to BIRD's socket {}", socket.display()))?;
    reply(reader, socket)
}

/// Lines up to and including the reply's final `DDDD text` line.
fn reply(reader: &mut BufReader<UnixStream>, socket: &Path) -> Result<String> {
    let mut out = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).with_context(|| {
            format!(
                "no complete answer from BIRD's socket {} within {}s",
                socket.display(),
                TIMEOUT.as_secs()
            )
        })?;
        if n == 0 {
            bail!("BIRD closed its socket {} mid-reply", socket.display());
        }
        out.push_str(&line);
        if out.len() > MAX_REPLY {
            bail!(
                "BIRD's reply on {} exceeds {} MiB: refused",
                socket.display(),
                MAX_REPLY >> 20
            );
        }
        let b = line.as_bytes();
        if b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] != b'-' {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bird6_socket_is_the_sibling_of_bird_ctl() {
        let dir = tempfile::tempdir().expect("tempdir");
        let v4 = dir.path().join("bird.ctl");
        assert_eq!(bird6_socket(&v4), None);
        std::fs::write(dir.path().join("bird6.ctl"), "").expect("w");
        assert_eq!(bird6_socket(&v4), Some(dir.path().join("bird6.ctl")));
        // Another socket name (a lab's, BIRD 2's own) has no bird6 beside it.
        assert_eq!(bird6_socket(&dir.path().join("worker.ctl")), None);
        // A bird6.ctl that does not answer is "not read, and why", never an error.
        let s = collect(&v4);
        assert!(s.unavailable.is_some());
        assert!(s.ipv6_unavailable.is_some(), "{s:?}");
    }
}
