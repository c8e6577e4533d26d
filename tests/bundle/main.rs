//! `netdiag bundle` end to end with the real binary: bundles made from files (planted Secrets and
//! kubeconfig tokens never reach the archive; `--from bundle` gives the same report as the
//! directory; size cap, atomic write, mode 0600; `inspect` snapshot; `diff`), bad archives built
//! here (path traversal, absolute path, symlink, hard link, truncation, tampering, unlisted or
//! missing members) refused with one line naming the member, hostile ones written byte by byte (a
//! long name claiming 2 GB, a gzip bomb, a member larger than the file, too many entries) refused
//! the same way under a memory limit and a deadline (issue 17), and — as root, on private labs — the
//! round trip live → bundle → node-status for a healthy and a broken node, redaction that leaves no
//! original address or node name anywhere yet the same verdicts, and the embedded capture read by
//! `capture -r`. Privileged tests follow `tests/common/privileged.rs` (skip, or fail with
//! `NETDIAG_REQUIRE_PRIVILEGED=1`).

#[path = "../common/lab.rs"]
mod lab_util;
#[path = "../common/privileged.rs"]
mod privileged;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use lab_util::{netdiag, text, Lab};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenario(name: &str) -> PathBuf {
    repo().join("testdata/scenarios").join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// An error is one line on stderr, prefixed `netdiag: `, exit 2, no panic.
fn assert_clean_error(o: &Output, mentions: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "exit 2; stderr: {err}");
    assert!(err.starts_with("netdiag: "), "prefixed: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(mentions), "mentions {mentions:?}: {err}");
    assert!(!err.contains("panicked"), "no panic: {err}");
}

/// Every member of a bundle, decompressed, by name (read with the archive crates, not netdiag).
fn members(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let f = fs::File::open(path).expect("open bundle");
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut out = BTreeMap::new();
    for e in a.entries().expect("entries") {
        let mut e = e.expect("entry");
        let name = String::from_utf8(e.path_bytes().into_owned()).expect("utf-8 name");
        let mut b = Vec::new();
        e.read_to_end(&mut b).expect("read member");
        out.insert(name, b);
    }
    out
}

/// Writes an archive of raw entries: (name bytes as stored, type, data, link target).
fn raw_archive(path: &Path, entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) {
    let f = fs::File::create(path).expect("create");
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        f,
        flate2::Compression::fast(),
    ));
    for (name, kind, data, link) in entries {
        let mut h = tar::Header::new_gnu();
        // Straight into the header: the builder's own path checks would refuse `..`.
        let gnu = h.as_gnu_mut().expect("gnu header");
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(l) = link {
            gnu.linkname[..l.len()].copy_from_slice(l.as_bytes());
        }
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        b.append(&h, *data).expect("append");
    }
    b.into_inner().expect("tar").finish().expect("gzip");
}

/// Rewrites a bundle's members (the manifest left as it was unless `members` changes it).
fn rewrite(path: &Path, members: &BTreeMap<String, Vec<u8>>) {
    let entries: Vec<(&str, tar::EntryType, &[u8], Option<&str>)> = members
        .iter()
        .map(|(n, b)| (n.as_str(), tar::EntryType::Regular, b.as_slice(), None))
        .collect();
    raw_archive(path, &entries);
}

fn bundle_from(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut a = vec!["bundle", "--from", s(dir), "-o", s(out)];
    a.extend_from_slice(extra);
    netdiag(&a)
}

/// (code, severity, subject) of `node-status … -o json`.
fn findings(args: &[&str]) -> Vec<(String, String, String)> {
    let mut a = vec!["node-status", "-o", "json", "--fail-on", "never"];
    a.extend_from_slice(args);
    let o = netdiag(&a);
    assert!(
        o.status.success(),
        "node-status {args:?}: {}",
        text(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    let mut f: Vec<_> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["subject"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    f.sort();
    f
}

fn codes(f: &[(String, String, String)]) -> Vec<(String, String)> {
    let mut c: Vec<_> = f.iter().map(|(a, b, _)| (a.clone(), b.clone())).collect();
    c.sort();
    c
}

#[test]
fn a_bundle_of_files_analyses_like_the_directory() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = scenario("vxlan-stale-fdb");
    let out = tmp.path().join("b.tar.gz");
    let o = bundle_from(&dir, &out, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("wrote"), "{}", text(&o.stdout));
    let want = findings(&["--from", s(&dir)]);
    assert!(!want.is_empty());
    assert_eq!(findings(&["--from", s(&out)]), want);
    // The exit code follows the report, as for a directory.
    let o = netdiag(&["node-status", "--from", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // show reads it too, and it was read from the bundle's files.
    let o = netdiag(&["show", "routes", "--from", s(&out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("vxlan.calico"),
        "{}",
        text(&o.stdout)
    );
    let o = netdiag(&["show", "ippools", "--from", s(&out)]);
    assert!(
        text(&o.stdout).contains("192.168.0.0/16"),
        "{}",
        text(&o.stdout)
    );

    let m = members(&out);
    let names: Vec<&str> = m.keys().map(String::as_str).collect();
    for want in [
        "manifest.json",
        "cluster/intent.json",
        "nodes/worker/state.json",
        "nodes/worker/node-status.txt",
        "nodes/worker/node-status.json",
        "nodes/worker/text/ip-d-route-table-all.txt",
        "nodes/worker/text/bridge-fdb.txt",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&m["manifest.json"]).expect("manifest");
    assert_eq!(manifest["schema_version"], "netdiag-bundle/v1");
    assert_eq!(manifest["node"], "worker");
    assert_eq!(
        manifest["files"].as_array().expect("files").len(),
        m.len() - 1
    );
    // Files give no live node: that part is a recorded failure, not an error.
    assert!(
        manifest["failures"].to_string().contains("not a live node"),
        "{manifest}"
    );
    let bridge = String::from_utf8_lossy(&m["nodes/worker/text/bridge-fdb.txt"]).into_owned();
    assert!(
        bridge.contains("66:5a:cd:e9:86:51 dev vxlan.calico dst 10.10.20.99 self permanent"),
        "{bridge}"
    );

    // Mode 0600, and nothing but the bundle in the directory (no temporary file left).
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        fs::metadata(&out).expect("meta").permissions().mode() & 0o777,
        0o600
    );
    let left: Vec<_> = fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn planted_secrets_and_kubeconfig_tokens_never_reach_the_bundle() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("dump");
    copy_dir(&scenario("vxlan-stale-fdb"), &dir);
    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.planted-service-account-token-XYZZY";
    const PASSWORD: &str = "planted-db-password-PLUGH";
    const CERT: &str = "planted-client-key-data-FROTZ";
    // A Secret (data base64, stringData plain), a kubeconfig dropped among the resources, and a
    // Pod whose spec carries a password in env and in a last-applied annotation.
    let b64 = "cGxhbnRlZC1kYi1wYXNzd29yZC1QTFVHSA=="; // base64(PASSWORD)
    fs::write(
        dir.join("cluster/zz-secrets.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: calico-etcd-secrets, namespace: kube-system}}\n\
             data: {{password: {b64}}}\nstringData: {{token: {TOKEN}}}\n---\n\
             apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: 'https://10.0.0.1:6443'}}}}]\n\
             users: [{{name: admin, user: {{token: {TOKEN}, client-key-data: {CERT}}}}}]\n---\n\
             apiVersion: v1\nkind: Pod\nmetadata:\n  name: leaky\n  namespace: default\n  annotations:\n    \
             kubectl.kubernetes.io/last-applied-configuration: '{{\"password\":\"{PASSWORD}\"}}'\n\
             spec:\n  nodeName: worker\n  containers: [{{name: c, env: [{{name: DB_PASSWORD, value: {PASSWORD}}}]}}]\n\
             status: {{phase: Running}}\n"
        ),
    )
    .expect("plant");
    let kubeconfig = tmp.path().join("kubeconfig");
    fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:1'}}}}]\n\
             contexts: [{{name: c, context: {{cluster: c, user: u}}}}]\nusers: [{{name: u, user: {{token: {TOKEN}}}}}]\n"
        ),
    )
    .expect("kubeconfig");
    let out = tmp.path().join("b.tar.gz");
    let o = Command::new(lab_util::BIN)
        .args(["bundle", "--from", s(&dir), "-o", s(&out)])
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", text(&o.stderr));

    // Every byte of every member, decompressed, and the member names.
    let m = members(&out);
    let mut all = Vec::new();
    for (name, bytes) in &m {
        all.extend_from_slice(name.as_bytes());
        all.extend_from_slice(bytes);
    }
    let all = String::from_utf8_lossy(&all);
    for secret in [
        TOKEN,
        "planted-service-account-token",
        PASSWORD,
        b64,
        CERT,
        "calico-etcd-secrets",
        "DB_PASSWORD",
    ] {
        assert!(!all.contains(secret), "{secret} leaked into the bundle");
    }
    let manifest = String::from_utf8_lossy(&m["manifest.json"]).into_owned();
    assert!(manifest.contains("dropped 1 Secret"), "{manifest}");
    assert!(manifest.contains("dropped 1 Config"), "{manifest}");
    // The pod itself is kept (its IP-less entry), its spec is not.
    assert!(all.contains("\"leaky\""), "the pod's name is kept");
}

#[test]
fn inspect_summarises_and_verifies() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("b.tar.gz");
    // A relative --from so the sources in the manifest do not depend on the checkout's path.
    let o = Command::new(lab_util::BIN)
        .current_dir(repo())
        .args([
            "bundle",
            "--from",
            "testdata/scenarios/vxlan-always-healthy",
            "-o",
            s(&out),
        ])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = netdiag(&["bundle", "inspect", s(&out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary = text(&o.stdout)
        .replace(s(&out), "BUNDLE")
        .lines()
        .map(|l| {
            if l.starts_with("made by") {
                "made by   netdiag VERSION (netdiag-bundle/v1) at TIME".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("inspect", summary);
    let o = netdiag(&["bundle", "inspect", s(&out), "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["verified"], true);
    assert_eq!(v["manifest"]["node"], "worker");
}

#[test]
fn diff_groups_what_changed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = tmp.path().join("a.tar.gz");
    let b = tmp.path().join("b.tar.gz");
    assert!(bundle_from(&scenario("vxlan-always-healthy"), &a, &[])
        .status
        .success());
    assert!(bundle_from(&scenario("vxlan-stale-fdb"), &b, &[])
        .status
        .success());
    let o = netdiag(&["bundle", "diff", s(&a), s(&a)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("no differences"),
        "{}",
        text(&o.stdout)
    );
    let o = netdiag(&["bundle", "diff", s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("\nfdb: "), "{out}");
    assert!(out.contains("dst 10.10.20.99"), "{out}");
    let o = netdiag(&["bundle", "diff", s(&a), s(&b), "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let groups: Vec<&str> = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(
        groups,
        ["links", "addresses", "routes", "neighbours", "fdb"]
    );
}

#[test]
fn size_cap_and_failed_writes_leave_nothing_behind() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("b.tar.gz");
    let o = bundle_from(&scenario("vxlan-stale-fdb"), &out, &["--max-size", "1KB"]);
    assert_clean_error(&o, "raise --max-size");
    assert!(text(&o.stderr).contains("1.0 KB"), "{}", text(&o.stderr));
    assert_eq!(
        fs::read_dir(tmp.path()).expect("ls").count(),
        0,
        "nothing written"
    );
    // The text renders go before the essentials: a cap between the two sizes leaves them out, by name.
    let full = tmp.path().join("full.tar.gz");
    assert!(bundle_from(&scenario("vxlan-stale-fdb"), &full, &[])
        .status
        .success());
    let size = fs::metadata(&full).expect("meta").len();
    let capped = tmp.path().join("capped.tar.gz");
    let o = bundle_from(
        &scenario("vxlan-stale-fdb"),
        &capped,
        &["--max-size", &(size - 200).to_string()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("left out nodes/worker/text/"),
        "{}",
        text(&o.stderr)
    );
    assert!(fs::metadata(&capped).expect("meta").len() < size - 200);
    let m = members(&capped);
    let manifest = String::from_utf8_lossy(&m["manifest.json"]).into_owned();
    assert!(
        manifest.contains("\"left_out\": [") && manifest.contains("would exceed --max-size"),
        "{manifest}"
    );
    // A report from the capped bundle is still the same.
    assert_eq!(
        findings(&["--from", s(&capped)]),
        findings(&["--from", s(&full)])
    );

    // An existing bundle is not damaged by a failed rewrite.
    let before = fs::read(&full).expect("read");
    let o = bundle_from(&scenario("vxlan-stale-fdb"), &full, &["--max-size", "1KB"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fs::read(&full).expect("read"), before);
    // A directory that does not exist.
    let o = bundle_from(
        &scenario("vxlan-stale-fdb"),
        &tmp.path().join("no/such/b.tar.gz"),
        &[],
    );
    assert_clean_error(&o, "pick another directory");
    let names: BTreeSet<_> = fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn max_size_takes_units_and_refuses_garbage() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("b.tar.gz");
    for ok in ["20MB", "500KB", "1GiB", "1048576", "0.5MiB"] {
        let o = bundle_from(
            &scenario("vxlan-stale-fdb"),
            &out,
            &["--dry-run", "--max-size", ok],
        );
        assert!(o.status.success(), "{ok}: {}", text(&o.stderr));
    }
    let o = bundle_from(
        &scenario("vxlan-stale-fdb"),
        &out,
        &["--dry-run", "--max-size", "20XB"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("is not a size"),
        "{}",
        text(&o.stderr)
    );
    let o = netdiag(&["bundle", "--dry-run", "--max-size", "1.5GB", "--from", "x"]);
    assert!(
        text(&o.stdout).contains("at most 1500.0 MB"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn dry_run_lists_and_collects_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("b.tar.gz");
    let o = bundle_from(
        &scenario("vxlan-stale-fdb"),
        &out,
        &["--dry-run", "--node", "worker", "--redact", "ips"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let t = text(&o.stdout);
    for want in [
        "manifest.json",
        "cluster/intent.json",
        "nodes/worker/state.json",
        "sysctl.txt",
        "ethtool-k.txt",
        "redacted: addresses",
    ] {
        assert!(t.contains(want), "{want}: {t}");
    }
    assert!(!out.exists());
}

#[test]
fn bad_archives_are_refused_naming_the_member() {
    let tmp = tempfile::tempdir().expect("tmp");
    let good = tmp.path().join("good.tar.gz");
    assert!(bundle_from(&scenario("vxlan-stale-fdb"), &good, &[])
        .status
        .success());
    let m = members(&good);
    let escape = format!("nd-bundle-escape-{}", std::process::id());
    let traversal = format!("../{escape}");
    let absolute = format!("/tmp/{escape}-abs");

    let check = |name: &str, path: &Path, mentions: &str| {
        for args in [
            vec!["node-status", "--from", s(path)],
            vec!["bundle", "inspect", s(path)],
            vec!["show", "routes", "--from", s(path)],
        ] {
            let o = netdiag(&args);
            assert_clean_error(&o, mentions);
            assert!(
                text(&o.stderr).contains(s(path)),
                "{name}: names the file: {}",
                text(&o.stderr)
            );
        }
    };

    let p = tmp.path().join("traversal.tar.gz");
    raw_archive(&p, &[(&traversal, tar::EntryType::Regular, b"x", None)]);
    check("traversal", &p, "`..` leaves the bundle");
    assert!(
        !Path::new("/tmp").join(&escape).exists(),
        "escaped the directory"
    );

    let p = tmp.path().join("absolute.tar.gz");
    raw_archive(&p, &[(&absolute, tar::EntryType::Regular, b"x", None)]);
    check("absolute", &p, "absolute path");
    assert!(!Path::new(&absolute).exists());

    let p = tmp.path().join("symlink.tar.gz");
    raw_archive(
        &p,
        &[("cluster", tar::EntryType::Symlink, b"", Some("/etc"))],
    );
    check("symlink", &p, "\"cluster\" is refused: a symbolic link");

    let p = tmp.path().join("hardlink.tar.gz");
    raw_archive(
        &p,
        &[(
            "nodes/worker/state.json",
            tar::EntryType::Link,
            b"",
            Some("/etc/shadow"),
        )],
    );
    check("hardlink", &p, "a hard link");

    // Cut in half: the gzip stream ends early.
    let bytes = fs::read(&good).expect("read");
    let p = tmp.path().join("truncated.tar.gz");
    fs::write(&p, &bytes[..bytes.len() / 2]).expect("write");
    check("truncated", &p, "truncated or corrupt archive");

    // One byte of a member changed, the manifest left alone.
    let mut tampered = m.clone();
    let state = tampered.get_mut("nodes/worker/state.json").expect("state");
    let at = state.iter().position(|b| *b == b'9').expect("a digit");
    state[at] = b'8';
    let p = tmp.path().join("tampered.tar.gz");
    rewrite(&p, &tampered);
    check(
        "tampered",
        &p,
        "member \"nodes/worker/state.json\" does not match its SHA-256",
    );

    // A member the manifest does not list, one it lists but is gone, no manifest at all.
    let mut extra = m.clone();
    extra.insert(
        "nodes/worker/ip-route.txt".into(),
        b"default via 1.2.3.4 dev eth0\n".to_vec(),
    );
    let p = tmp.path().join("unlisted.tar.gz");
    rewrite(&p, &extra);
    check(
        "unlisted",
        &p,
        "\"nodes/worker/ip-route.txt\" is not listed",
    );
    let mut gone = m.clone();
    gone.remove("cluster/intent.json");
    let p = tmp.path().join("missing.tar.gz");
    rewrite(&p, &gone);
    check(
        "missing",
        &p,
        "\"cluster/intent.json\" is listed in manifest.json but missing",
    );
    let mut headless = m;
    headless.remove("manifest.json");
    let p = tmp.path().join("headless.tar.gz");
    rewrite(&p, &headless);
    check("no manifest", &p, "no manifest.json");

    // Not gzip at all is not a bundle: a file --from is read as a resource file, as before.
    let p = tmp.path().join("garbage.tar.gz");
    fs::write(&p, [0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]).expect("write");
    let o = netdiag(&["bundle", "inspect", s(&p)]);
    assert_clean_error(&o, "truncated or corrupt archive");
}

/// The address-space limit and deadline the hostile archives are read under: far below what the
/// 2 GB long name took (7.3 GB of RSS, past 30 s) before the reader bounded every length.
const HOSTILE_AS: u64 = 512 << 20;
const HOSTILE_DEADLINE: Duration = Duration::from_secs(60);

/// The real binary under `prlimit --as` and a deadline (killed past it): its output and time.
fn netdiag_bounded(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = Command::new("prlimit")
        .arg(format!("--as={HOSTILE_AS}"))
        .arg("--")
        .arg(lab_util::BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs netdiag");
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > HOSTILE_DEADLINE {
            let _ = child.kill();
            let o = child.wait_with_output().expect("output");
            panic!(
                "netdiag {args:?} still running after {HOSTILE_DEADLINE:?}; stderr: {}",
                text(&o.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().expect("output");
    (o, started.elapsed())
}

/// A GNU tar header written byte by byte (the tar crate's builder would not write these lies).
fn tar_header(name: &str, kind: u8, size: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000600");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[257..265].copy_from_slice(b"ustar  \0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

/// `data` as a tar member: header, data, padding to 512.
fn tar_member(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    out.extend_from_slice(&tar_header(name, b'0', data.len() as u64));
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// Raw deflate of `input` with `flush`, to the end of what the compressor has to say.
fn deflate(c: &mut flate2::Compress, mut input: &[u8], flush: flate2::FlushCompress) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        out.reserve(64 << 10);
        let before = c.total_in();
        let status = c.compress_vec(input, &mut out, flush).expect("deflate");
        let used = usize::try_from(c.total_in() - before).expect("usize");
        input = &input[used..];
        let room_left = out.len() < out.capacity();
        let done = match flush {
            flate2::FlushCompress::Finish => status == flate2::Status::StreamEnd,
            _ => input.is_empty() && room_left,
        };
        if done {
            return out;
        }
    }
}

/// A valid gzip file of `prefix`, then `zeros` zero bytes, then `suffix`, written in constant
/// memory and a fraction of a second however many zeros: the deflate of 1 MiB of zeros after a
/// window of zeros is the same bytes every time, so it is made once and repeated (about 1 KiB
/// per MiB — a gzip bomb). The CRC is combined per repeat, so the trailer is right too.
fn gzip_with_zeros(path: &Path, prefix: &[u8], zeros: u64, suffix: &[u8]) -> u64 {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    use std::io::Write as _;
    const WINDOW: u64 = 64 << 10;
    const CHUNK: u64 = 1 << 20;
    assert!(zeros >= WINDOW);
    let mut out = std::io::BufWriter::new(fs::File::create(path).expect("create"));
    let mut put = |b: &[u8]| out.write_all(b).expect("write");
    put(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let mut c = Compress::new(Compression::default(), false);
    let mut crc = Crc::new();
    let window = vec![0u8; WINDOW as usize];
    let mut head = prefix.to_vec();
    head.extend_from_slice(&window);
    put(&deflate(&mut c, &head, FlushCompress::Sync));
    crc.update(&head);
    let chunk_zeros = vec![0u8; CHUNK as usize];
    let chunk = deflate(&mut c, &chunk_zeros, FlushCompress::Sync);
    let mut chunk_crc = Crc::new();
    chunk_crc.update(&chunk_zeros);
    let rest = zeros - WINDOW;
    for _ in 0..rest / CHUNK {
        put(&chunk);
        crc.combine(&chunk_crc);
    }
    let tail = vec![0u8; usize::try_from(rest % CHUNK).expect("usize")];
    put(&deflate(&mut c, &tail, FlushCompress::Sync));
    crc.update(&tail);
    put(&deflate(&mut c, suffix, FlushCompress::Finish));
    crc.update(suffix);
    put(&crc.sum().to_le_bytes());
    put(&crc.amount().to_le_bytes());
    out.flush().expect("flush");
    fs::metadata(path).expect("stat").len()
}

/// Every reader of bundles refuses `path` within the memory limit and deadline: exit 2, one line
/// naming the bundle and `mentions` (the member), no panic.
fn refused_bounded(path: &Path, mentions: &[&str]) {
    for args in [
        vec!["bundle", "inspect", s(path)],
        vec!["node-status", "--from", s(path)],
        vec!["capture", "-r", s(path)],
    ] {
        let (o, took) = netdiag_bounded(&args);
        for m in mentions {
            assert_clean_error(&o, m);
        }
        assert!(
            text(&o.stderr).contains(s(path)),
            "names the bundle: {}",
            text(&o.stderr)
        );
        eprintln!(
            "{args:?}: refused in {:.2} s under --as={HOSTILE_AS}: {}",
            took.as_secs_f64(),
            text(&o.stderr).trim_end()
        );
    }
}

/// Issue 17: a .tar.gz of a few MB whose GNU long-name header claims about 2 GB (and then holds
/// it, compressed) made `bundle inspect` grow to 7.3 GB of RSS. Now refused at the header.
#[test]
fn issue_17_a_long_name_claiming_two_gigabytes_is_refused_in_bounded_memory() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("long-name.tar.gz");
    let size: u64 = 2_000_000_000;
    let mut tail = vec![0u8; usize::try_from(size.div_ceil(512) * 512 - size).expect("pad")];
    tail.extend_from_slice(&tar_header("nodes/worker/state.json", b'0', 0));
    tail.extend_from_slice(&[0; 1024]);
    let mut head = Vec::new();
    head.extend_from_slice(&tar_header("././@LongLink", b'L', size));
    let len = gzip_with_zeros(&p, &head, size, &tail);
    assert!(len < 4 << 20, "the bundle is small: {len} bytes");
    refused_bounded(
        &p,
        &[
            "GNU long name entry \"././@LongLink\"",
            "2000000000 bytes",
            "4 KiB",
        ],
    );
    // The same through a PAX header, and a GNU long link.
    for (kind, what) in [(b'x', "PAX extended header"), (b'K', "GNU long link")] {
        let p = tmp.path().join(format!("{}.tar.gz", char::from(kind)));
        let mut head = Vec::new();
        head.extend_from_slice(&tar_header("nodes/", b'5', 0));
        head.extend_from_slice(&tar_header("PaxHeaders/x", kind, size));
        gzip_with_zeros(&p, &head, size, &tail);
        refused_bounded(&p, &[what, "after member \"nodes/\""]);
    }
}

/// A gzip bomb: 1 GiB of zeros (about 1 MB compressed) as one member, refused at its header;
/// a manifest listing three 400 MiB members, refused at the one that crosses 1 GiB in total.
#[test]
fn issue_17_a_gzip_bomb_is_refused_in_bounded_memory() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("bomb.tar.gz");
    let gib: u64 = 1 << 30;
    let head = tar_header("nodes/worker/capture.pcap", b'0', gib);
    let len = gzip_with_zeros(&p, &head, gib, &[0; 1024]);
    assert!(len < 2 << 20, "{len}");
    refused_bounded(
        &p,
        &[
            "member \"nodes/worker/capture.pcap\" claims 1073741824 bytes (1 GiB), more than the 512 MiB",
        ],
    );

    let files: Vec<serde_json::Value> = (1..=3)
        .map(|i| serde_json::json!({"path": format!("nodes/worker/capture-{i}.pcap"), "size": 400u64 << 20, "sha256": "00"}))
        .collect();
    let manifest = serde_json::json!({
        "schema_version": "netdiag-bundle/v1", "netdiag_version": "0.1.0",
        "created": "2026-11-22T00:00:00Z", "node": "worker",
        "sources": {"state": "files x", "intent": null}, "files": files,
        "redaction": {"ips": false, "hostnames": false, "addresses": 0, "hosts": 0},
        "max_size": 20_000_000u64,
    });
    let mut head = Vec::new();
    tar_member(
        &mut head,
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    );
    head.extend_from_slice(&tar_header("nodes/worker/capture-1.pcap", b'0', 400 << 20));
    let p = tmp.path().join("bomb-listed.tar.gz");
    gzip_with_zeros(&p, &head, gib + (200 << 20), &[0; 1024]);
    refused_bounded(
        &p,
        &["member \"nodes/worker/capture-3.pcap\" takes the bundle beyond 1 GiB unpacked"],
    );
}

/// A member whose header claims more than the file holds is truncation in that member, read
/// without reserving what the header claims; so many entries that only the count stops them.
#[test]
fn issue_17_a_member_larger_than_the_file_and_too_many_entries() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("cut.tar.gz");
    let mut t = Vec::new();
    t.extend_from_slice(&tar_header("nodes/worker/state.json", b'0', 400 << 20));
    t.extend_from_slice(b"{\"links\":[");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &t).expect("gzip");
    fs::write(&p, gz.finish().expect("gzip")).expect("write");
    refused_bounded(
        &p,
        &[
            "truncated or corrupt archive in member \"nodes/worker/state.json\"",
            "header says 419430400 bytes, the archive ends after 10",
        ],
    );

    let p = tmp.path().join("entries.tar.gz");
    let mut t = Vec::new();
    for i in 0..10_001 {
        t.extend_from_slice(&tar_header(&format!("d{i}/"), b'5', 0));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &t).expect("gzip");
    fs::write(&p, gz.finish().expect("gzip")).expect("write");
    refused_bounded(&p, &["more than 10000 entries", "after member \"d9999/\""]);
}

fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("mkdir");
    for e in fs::read_dir(src).expect("read") {
        let e = e.expect("entry");
        let to = dst.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            fs::copy(e.path(), &to).expect("copy");
        }
    }
}

// ---- privileged: live labs ----------------------------------------------------------------

/// Every IPv4 address written in `t` (dotted), except those redaction keeps on purpose.
fn addresses(t: &str) -> BTreeSet<String> {
    t.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|w| w.parse::<Ipv4Addr>().ok())
        .filter(|a| {
            let o = a.octets();
            !(o[0] == 0 || o[0] == 127 || o[0] >= 224 || (o[0] == 169 && o[1] == 254))
        })
        .map(|a| a.to_string())
        .collect()
}

/// Whether `needle` occurs in `hay` as a whole address (not inside a longer dotted number).
fn has_address(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && !after.is_some_and(|c| {
                c.is_ascii_digit()
                    || (c == '.'
                        && hay[i + needle.len() + 1..].starts_with(|d: char| d.is_ascii_digit()))
            })
    })
}

fn all_text(m: &BTreeMap<String, Vec<u8>>) -> String {
    let mut t = String::new();
    for (name, bytes) in m {
        t.push_str(name);
        t.push('\n');
        t.push_str(&String::from_utf8_lossy(bytes));
        t.push('\n');
    }
    t
}

#[test]
fn lab_round_trip_healthy_and_broken_and_redacted() {
    if !privileged::can_run("lab_round_trip_healthy_and_broken_and_redacted") {
        return;
    }
    let lab = Lab::up("b1", &[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let live = ["--lab", lab.name.as_str(), "--node", "worker"];
    let bundle = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let mut a = vec!["bundle", "-o", s(&out)];
        a.extend_from_slice(&live);
        a.extend_from_slice(extra);
        let o = netdiag(&a);
        assert!(
            o.status.success(),
            "bundle {name}: {}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
        out
    };

    let healthy = bundle("healthy.tar.gz", &[]);
    assert_eq!(findings(&["--from", s(&healthy)]), findings(&live));
    assert!(findings(&live).is_empty(), "the lab is healthy");
    let m = members(&healthy);
    // Read inside the node's namespace: the lab's cali* have proxy_arp on (the host has no cali*).
    let sysctl = String::from_utf8_lossy(&m["nodes/worker/sysctl.txt"]).into_owned();
    assert!(sysctl.contains("net.ipv4.ip_forward = 1"), "{sysctl}");
    assert!(
        sysctl
            .lines()
            .any(|l| l.starts_with("net.ipv4.conf.cali") && l.ends_with(".proxy_arp = 1")),
        "{sysctl}"
    );
    assert!(
        sysctl.contains("net.ipv4.conf.vxlan/calico.rp_filter = "),
        "{sysctl}"
    );
    let kernel = String::from_utf8_lossy(&m["nodes/worker/kernel.txt"]).into_owned();
    assert!(
        kernel.contains("osrelease: ") && kernel.contains("module vxlan: "),
        "{kernel}"
    );
    // Offloads: the ETHTOOL family answers in the node's namespace for vxlan.calico and eth0.
    let ethtool = String::from_utf8_lossy(&m["nodes/worker/ethtool-k.txt"]).into_owned();
    assert!(
        ethtool.contains("Features for vxlan.calico:") && ethtool.contains("Features for eth0:"),
        "{ethtool}"
    );
    assert!(ethtool.contains("tx-checksum-ip-generic: "), "{ethtool}");

    let o = netdiag(&["lab", "break", "stale-fdb", "--name", &lab.name]);
    assert!(o.status.success(), "break: {}", text(&o.stderr));
    let broken = bundle("broken.tar.gz", &[]);
    let want = findings(&live);
    assert!(
        want.iter().any(|f| f.0 == "VXLAN-FDB-STALE-DST"),
        "{want:?}"
    );
    assert_eq!(findings(&["--from", s(&broken)]), want);

    // Before and after: only the FDB entry differs.
    let o = netdiag(&["bundle", "diff", s(&healthy), s(&broken)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let d = text(&o.stdout);
    assert!(
        d.contains("fdb: 0 only in A, 0 only in B, 1 changed"),
        "{d}"
    );
    assert!(!d.contains("\nroutes:") && !d.contains("\nlinks:"), "{d}");

    // Redacted: not one original address or node name anywhere, the same verdicts.
    let redacted = bundle("redacted.tar.gz", &["--redact", "ips,hostnames"]);
    let plain = all_text(&members(&broken));
    let red = all_text(&members(&redacted));
    let originals = addresses(&plain);
    assert!(
        originals.contains("10.10.10.11") && originals.contains("192.168.2.0"),
        "{originals:?}"
    );
    for a in &originals {
        assert!(!has_address(&red, a), "address {a} survived redaction");
    }
    let plan = netdiag::lab::load(&lab.name).expect("lab.json");
    for n in &plan.nodes {
        assert!(
            !red.contains(n.name.as_str()),
            "node name {} survived redaction",
            n.name
        );
    }
    let redacted_findings = findings(&["--from", s(&redacted)]);
    assert_eq!(codes(&redacted_findings), codes(&want));
    // Same subnet still same subnet: the report's peers keep their paths.
    let o = netdiag(&["node-status", "--from", s(&redacted), "--fail-on", "never"]);
    let t = text(&o.stdout);
    let peers: Vec<&str> = t
        .lines()
        .filter(|l| l.starts_with("  ✓") || l.starts_with("  ✗"))
        .collect();
    assert_eq!(
        peers.iter().filter(|l| l.contains(" direct ")).count(),
        2,
        "{t}"
    );
    assert_eq!(
        peers.iter().filter(|l| l.contains(" vxlan ")).count(),
        1,
        "{t}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&members(&redacted)["manifest.json"]).expect("manifest");
    assert_eq!(manifest["redaction"]["ips"], true);
    assert_eq!(manifest["redaction"]["hostnames"], true);
    assert_eq!(manifest["redaction"]["hosts"], 4);
}

/// Twelve cross-subnet pings from worker-p1 to worker3's pod over 3 s, their data filled with
/// `pattern` (hex), on a thread.
fn ping_worker3(lab: &Lab, pattern: &str) -> std::thread::JoinHandle<Output> {
    let (name, pattern) = (lab.name.clone(), pattern.to_string());
    std::thread::spawn(move || {
        netdiag(&[
            "lab",
            "exec",
            "--name",
            &name,
            "worker-p1",
            "--",
            "ping",
            "-c",
            "12",
            "-i",
            "0.25",
            "-W",
            "1",
            "-p",
            &pattern,
            "192.168.4.1",
        ])
    })
}

#[test]
fn lab_capture_is_embedded_and_read_back() {
    if !privileged::can_run("lab_capture_is_embedded_and_read_back") {
        return;
    }
    let lab = Lab::up("b2", &[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("cap.tar.gz");
    // Cross-subnet pings (worker → worker3 is VXLAN) while the bundle captures.
    let pinger = ping_worker3(&lab, "00");
    let o = netdiag(&[
        "bundle",
        "--lab",
        &lab.name,
        "--node",
        "worker",
        "--capture-seconds",
        "2",
        "-o",
        s(&out),
    ]);
    let _ = pinger.join();
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let m = members(&out);
    assert!(
        m.contains_key("nodes/worker/capture.pcap"),
        "{:?}",
        m.keys()
    );
    let o = netdiag(&["capture", "-r", s(&out)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let t = text(&o.stdout);
    assert!(
        t.contains("worker→worker3") && t.contains("VXLAN vni 4096"),
        "{t}"
    );
    // A redacted bundle carries the headers only, with addresses mapped as in every other file:
    // the packets still name the same nodes through the redacted intent, and no original address
    // is left in them.
    let red = tmp.path().join("red.tar.gz");
    let pinger = ping_worker3(&lab, "0a0a0a0b");
    let o = netdiag(&[
        "bundle",
        "--lab",
        &lab.name,
        "--node",
        "worker",
        "--capture-seconds",
        "2",
        "--redact",
        "ips",
        "-o",
        s(&red),
    ]);
    let _ = pinger.join();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let m = members(&red);
    let pcap = m
        .iter()
        .find(|(k, _)| k.ends_with("capture.pcap"))
        .map(|(_, v)| v.clone())
        .expect("a redacted capture");
    // The ping data (the pattern repeats 10.10.10.11) is cut. (The lab derives MACs from node
    // IPs, as Docker does; MACs are not redacted — documented — so only IP layers are checked.)
    let data = [10u8, 10, 10, 11, 10, 10, 10, 11];
    assert!(
        !pcap.windows(8).any(|w| w == data),
        "the ping data survived"
    );
    assert!(pcap.len() > 24, "packets were captured");
    assert!(String::from_utf8_lossy(&m["manifest.json"]).contains("headers only"));
    let o = netdiag(&["capture", "-r", s(&red)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let t = text(&o.stdout);
    assert!(
        t.contains("worker→worker3") && t.contains("VXLAN vni 4096"),
        "{t}"
    );
    assert!(
        !t.contains("10.10.10.11") && !t.contains("192.168.4.1 "),
        "{t}"
    );
}

#[test]
fn lab_all_nodes_bundle_holds_every_node_and_the_cross_check() {
    if !privileged::can_run("lab_all_nodes_bundle_holds_every_node_and_the_cross_check") {
        return;
    }
    let lab = Lab::up("ba", &[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let plan = netdiag::lab::load(&lab.name).expect("lab.json");
    let names: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    let bundle = |file: &str, extra: &[&str]| {
        let out = tmp.path().join(file);
        let mut a = vec!["bundle", "--lab", &lab.name, "--all-nodes", "-o", s(&out)];
        a.extend_from_slice(extra);
        let o = netdiag(&a);
        assert!(
            o.status.success(),
            "bundle --all-nodes: {}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
        out
    };

    let healthy = bundle("all.tar.gz", &[]);
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(&healthy).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let o = netdiag(&["bundle", "inspect", s(&healthy)]);
    assert!(o.status.success(), "inspect: {}", text(&o.stderr));
    let listing = text(&o.stdout);
    assert!(
        listing.contains(&format!("nodes     {}", names.join(", "))),
        "{listing}"
    );
    let m = members(&healthy);
    for n in &names {
        for f in ["state.json", "node-status.json", "node-status.txt"] {
            let p = format!("nodes/{n}/{f}");
            assert!(m.contains_key(&p), "{p} in {:?}", m.keys());
        }
    }
    for f in [
        "cluster/intent.json",
        "cluster-status.json",
        "cluster-status.txt",
    ] {
        assert!(m.contains_key(f), "{f}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&m["manifest.json"]).expect("manifest");
    assert_eq!(manifest["schema_version"], "netdiag-bundle/v1");
    assert_eq!(manifest["nodes"], serde_json::json!(names));
    assert_eq!(manifest["failures"], serde_json::json!([]));
    let live = ["--lab", lab.name.as_str(), "--node", "worker"];
    let from = ["--from", s(&healthy), "--node", "worker"];
    assert_eq!(codes(&findings(&from)), codes(&findings(&live)));

    lab.break_fault("stale-fdb", "worker", "worker3");
    let stale = bundle("stale.tar.gz", &[]);
    let m = members(&stale);
    let report: serde_json::Value =
        serde_json::from_slice(&m["cluster-status.json"]).expect("cluster-status.json");
    let culprits: Vec<(String, String)> = report["culprits"]
        .as_array()
        .expect("culprits")
        .iter()
        .map(|c| {
            (
                c["node"].as_str().unwrap_or_default().to_string(),
                c["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        culprits,
        vec![("worker".to_string(), "CLUSTER-STALE-PEER-STATE".to_string())]
    );
    assert!(
        text(&m["cluster-status.txt"]).contains("worker holds stale state for 1 peer"),
        "{}",
        text(&m["cluster-status.txt"])
    );
    let from = ["--from", s(&stale), "--node", "worker"];
    let live_codes = codes(&findings(&live));
    assert!(
        live_codes.iter().any(|(c, _)| c == "VXLAN-FDB-STALE-DST"),
        "{live_codes:?}"
    );
    assert_eq!(codes(&findings(&from)), live_codes);

    // The cap: text renderings go first, the states, reports and intent stay.
    let cap = fs::metadata(&stale).expect("meta").len() - 800;
    let small = bundle("small.tar.gz", &["--max-size", &cap.to_string()]);
    assert!(fs::metadata(&small).expect("meta").len() <= cap);
    let m = members(&small);
    let manifest: serde_json::Value =
        serde_json::from_slice(&m["manifest.json"]).expect("manifest");
    let left: Vec<&str> = manifest["left_out"]
        .as_array()
        .expect("left_out")
        .iter()
        .filter_map(|l| l["path"].as_str())
        .collect();
    assert!(!left.is_empty(), "something was left out at {cap} B");
    assert!(
        left.iter().all(|p| p.ends_with(".txt")),
        "only text renderings: {left:?}"
    );
    for n in &names {
        assert!(m.contains_key(&format!("nodes/{n}/state.json")));
    }
    assert!(m.contains_key("cluster-status.json"));
}
