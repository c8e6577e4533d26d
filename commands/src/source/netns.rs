//! Running work inside a network namespace without touching the caller's: the work runs on a
//! dedicated thread, and only that thread calls setns(2). Nothing is created, mounted or changed —
//! the namespace file is opened read-only and joined; the thread (and its membership) then ends.
//!
//! Why a thread: a network namespace is a property of a thread, not of the process. Switching the
//! caller's thread would leave every later socket of the program (kube client, a second
//! collection) in the wrong namespace if anything went wrong on the way back; a thread that only
//! exists for the collection cannot leak its namespace. Sockets keep the namespace they were
//! created in, so everything that opens one (the rtnetlink connection) must run on that thread.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use nix::errno::Errno;
use nix::sched::{setns, CloneFlags};

/// Where `ip netns add NAME` puts its namespaces.
pub const NETNS_RUN_DIR: &str = "/run/netns";

const NEEDS_PRIVILEGE: &str = "needs root or CAP_SYS_ADMIN/CAP_NET_ADMIN: run with sudo";

/// The file of the namespace given on the command line: `/run/netns/NAME` for a name, the path
/// itself for an absolute path (`/proc/1234/ns/net`, a CNI bind mount).
pub fn netns_path(netns: &str) -> anyhow::Result<PathBuf> {
    let p = Path::new(netns);
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    if netns.is_empty() || netns == "." || netns == ".." || netns.contains('/') {
        bail!(
            "invalid network namespace {netns:?}: give a name from `ip netns list` or an absolute path"
        );
    }
    Ok(Path::new(NETNS_RUN_DIR).join(netns))
}

/// Opens the namespace file, mapping the usual failures to what the user should do.
fn open(netns: &str) -> anyhow::Result<(File, PathBuf)> {
    let path = netns_path(netns)?;
    match File::open(&path) {
        Ok(f) => Ok((f, path)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if Path::new(netns).is_absolute() {
                bail!("network namespace file {} not found", path.display())
            }
            bail!(
                "network namespace {netns} not found ({}): list them with `ip netns list`",
                path.display()
            )
        }
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => bail!(
            "cannot open network namespace {netns} ({}): {NEEDS_PRIVILEGE}",
            path.display()
        ),
        Err(e) => {
            Err(e).with_context(|| format!("cannot open network namespace {}", path.display()))
        }
    }
}

fn enter(file: &File, netns: &str, path: &Path) -> anyhow::Result<()> {
    setns(file, CloneFlags::CLONE_NEWNET).map_err(|e| match e {
        Errno::EPERM | Errno::EACCES => anyhow!(
            "cannot enter network namespace {netns} ({}): {NEEDS_PRIVILEGE}",
            path.display()
        ),
        Errno::EINVAL => anyhow!("{} is not a network namespace", path.display()),
        e => anyhow!(
            "cannot enter network namespace {netns} ({}): {e}",
            path.display()
        ),
    })
}

/// Runs `work` on a fresh thread, inside network namespace `netns` when given (else in the
/// caller's), and returns its result. The caller's thread never changes namespace.
///
/// The namespace is opened before the thread starts, so a missing namespace fails fast. A fresh
/// thread is used even without a namespace so that `work` may build its own async runtime whatever
/// the caller is running (block_on inside a tokio runtime panics).
///
/// Scoped, so `work` may borrow from the caller (the capture loop borrows the cluster intent).
pub fn run_on_thread<T, F>(netns: Option<&str>, work: F) -> anyhow::Result<T>
where
    T: Send,
    F: FnOnce() -> anyhow::Result<T> + Send,
{
    let target = match netns {
        Some(name) => {
            let (file, path) = open(name)?;
            Some((name.to_string(), file, path))
        }
        None => None,
    };
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("netdiag-netns".into())
            .spawn_scoped(scope, move || {
                if let Some((name, file, path)) = target {
                    enter(&file, &name, &path)?;
                }
                work()
            })
            .context("cannot start the collection thread")?;
        join(handle, netns)
    })
}

fn join<T>(
    handle: std::thread::ScopedJoinHandle<'_, anyhow::Result<T>>,
    netns: Option<&str>,
) -> anyhow::Result<T> {
    handle.join().map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        match netns {
            Some(ns) => anyhow!("collection in network namespace {ns} failed: {what}"),
            None => anyhow!("collection failed: {what}"),
        }
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(
            netns_path("nd-1").expect("name"),
            PathBuf::from("/run/netns/nd-1")
        );
        assert_eq!(
            netns_path("/proc/1/ns/net").expect("path"),
            PathBuf::from("/proc/1/ns/net")
        );
        for bad in ["", ".", "..", "a/b", "../etc"] {
            let e = netns_path(bad).expect_err(bad);
            assert!(e.to_string().contains("ip netns list"), "{e}");
        }
    }

    #[test]
    fn missing_namespace_is_named_with_a_hint() {
        let e = run_on_thread(Some("nd-no-such-netns-x"), || Ok(())).expect_err("missing");
        assert_eq!(
            e.to_string(),
            "network namespace nd-no-such-netns-x not found (/run/netns/nd-no-such-netns-x): \
             list them with `ip netns list`"
        );
        let e = run_on_thread(Some("/nonexistent/netns"), || Ok(())).expect_err("missing");
        assert_eq!(
            e.to_string(),
            "network namespace file /nonexistent/netns not found"
        );
    }

    #[test]
    fn a_file_that_is_not_a_namespace() {
        // /proc/self/ns/uts is a namespace file, but not a network one. setns(2) checks the type
        // before any privilege, so this runs unprivileged too.
        let e = run_on_thread(Some("/proc/self/ns/uts"), || Ok(())).expect_err("not net");
        assert!(e.to_string().contains("is not a network namespace"), "{e}");
    }

    #[test]
    fn work_runs_and_panics_are_reported() {
        assert_eq!(run_on_thread(None, || Ok(7)).expect("runs"), 7);
        let e =
            run_on_thread(None, || -> anyhow::Result<()> { panic!("boom") }).expect_err("panicked");
        assert_eq!(e.to_string(), "collection failed: boom");
    }
}
