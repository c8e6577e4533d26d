//! Kube suite: the real binary and the real `kube` client against a small HTTP/1.1 server on
//! 127.0.0.1 that serves recorded resources the way the API server does — discovery (`/api`,
//! `/apis`, `/apis/projectcalico.org/v3`), typed list responses whose items carry no
//! apiVersion/kind, `metadata.resourceVersion`, `limit`/`continue` paging, 403/404/401 `Status`
//! objects and a slow endpoint. No traffic leaves loopback; every loop and sleep is bounded.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

const TOKEN: &str = "netdiag-test-token";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenario(name: &str) -> PathBuf {
    repo().join("testdata/scenarios").join(name)
}

/// The binary with no ambient cluster: no KUBECONFIG, no in-cluster env, HOME without ~/.kube.
fn bin(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netdiag"));
    c.env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env("HOME", home);
    c
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An error is one line on stderr, prefixed `netdiag: `, with exit code 2.
fn assert_clean_error(o: &Output, mentions: &[&str]) {
    let e = err(o);
    assert_eq!(o.status.code(), Some(2), "exit 2; stderr: {e}");
    assert!(e.starts_with("netdiag: "), "prefixed: {e}");
    assert_eq!(e.trim_end().lines().count(), 1, "one line: {e}");
    for m in mentions {
        assert!(e.contains(m), "mentions {m:?}: {e}");
    }
    assert!(!e.contains("panicked"), "no panic: {e}");
}

/// Which Calico API group the served cluster offers.
#[derive(Clone, Copy, PartialEq)]
enum Group {
    /// The CRDs only (`crd.projectcalico.org/v1`), as without the Calico API server.
    Crd,
    /// The Calico API server (`projectcalico.org/v3`) and nothing else, so any CRD request shows.
    V3,
    /// Neither: Calico is not installed.
    None,
}

/// One served list: its typed list kind, apiVersion and items (without apiVersion/kind).
struct List {
    kind: String,
    api_version: String,
    items: Vec<Value>,
    /// Each item serialised once, on first use: the scale test serves 150 000 pods in 300 pages,
    /// and re-serialising them per page made the test server, not netdiag, the measured cost.
    text: std::sync::OnceLock<Vec<String>>,
}

impl List {
    fn new(kind: &str, api_version: &str, items: Vec<Value>) -> List {
        List {
            kind: kind.to_string(),
            api_version: api_version.to_string(),
            items,
            text: std::sync::OnceLock::new(),
        }
    }

    fn text(&self) -> &[String] {
        self.text
            .get_or_init(|| self.items.iter().map(Value::to_string).collect())
    }
}

#[derive(Default)]
struct Cluster {
    v3: bool,
    crd: bool,
    /// The Tigera operator's group (`operator.tigera.io/v1`), served when an Installation is.
    operator: bool,
    lists: BTreeMap<String, List>,
    objects: BTreeMap<String, Value>,
    /// Paths answered with 403.
    forbidden: HashSet<String>,
    /// Paths answered with 404 although their group is served.
    missing: HashSet<String>,
    /// Paths answered after 3 s.
    slow: HashSet<String>,
    /// The server returns at most this many items per page (the API may return fewer than asked).
    page_cap: Option<usize>,
    /// Every request line, for assertions.
    log: Mutex<Vec<String>>,
}

impl Cluster {
    /// The resources of a scenario's `cluster/*.yaml`, re-served per resource type.
    fn from_scenario(dir: &Path, group: Group) -> Cluster {
        let mut c = Cluster {
            v3: group == Group::V3,
            crd: group == Group::Crd,
            ..Cluster::default()
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("cluster"))
            .expect("cluster/")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            let v: Value = serde_saphyr::from_str(&text).expect("yaml");
            let objs = match v.get("items") {
                Some(Value::Array(items)) => items.clone(),
                _ => vec![v],
            };
            for o in objs {
                c.add(o, group);
            }
        }
        c
    }

    fn add(&mut self, mut o: Value, group: Group) {
        let kind = o["kind"].as_str().expect("kind").to_string();
        let api = o["apiVersion"].as_str().expect("apiVersion").to_string();
        let calico_gv = match group {
            Group::V3 => "projectcalico.org/v3",
            _ => "crd.projectcalico.org/v1",
        };
        let (path, gv) = match (kind.as_str(), api.as_str()) {
            ("ConfigMap", _) => {
                let name = o["metadata"]["name"].as_str().expect("name").to_string();
                let ns = o["metadata"]["namespace"].as_str().expect("ns").to_string();
                self.objects
                    .insert(format!("/api/v1/namespaces/{ns}/configmaps/{name}"), o);
                return;
            }
            ("Installation", _) => {
                self.operator = true;
                (
                    "/apis/operator.tigera.io/v1/installations".to_string(),
                    "operator.tigera.io/v1",
                )
            }
            ("Node", "v1") => ("/api/v1/nodes".to_string(), "v1"),
            ("Pod", _) => ("/api/v1/pods".to_string(), "v1"),
            (k, _) => {
                if group == Group::None {
                    return;
                }
                let res = match k {
                    "IPPool" => "ippools",
                    "BlockAffinity" => "blockaffinities",
                    "IPAMBlock" => "ipamblocks",
                    "FelixConfiguration" => "felixconfigurations",
                    "BGPConfiguration" => "bgpconfigurations",
                    "Node" => "nodes",
                    other => panic!("unexpected kind {other}"),
                };
                (format!("/apis/{calico_gv}/{res}"), calico_gv)
            }
        };
        // The API server leaves apiVersion and kind out of a typed list's items.
        if let Some(m) = o.as_object_mut() {
            m.remove("apiVersion");
            m.remove("kind");
        }
        self.lists
            .entry(path)
            .or_insert_with(|| List::new(&format!("{kind}List"), gv, Vec::new()))
            .items
            .push(o);
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    /// Answers one request: (status code, JSON body).
    fn answer(&self, target: &str, auth: Option<&str>) -> (u16, String) {
        match self.answer_value(target, auth) {
            Answer::Json(code, v) => (code, v.to_string()),
            Answer::Text(code, t) => (code, t),
        }
    }

    fn answer_value(&self, target: &str, auth: Option<&str>) -> Answer {
        self.log.lock().expect("log").push(target.to_string());
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if auth != Some(&format!("Bearer {TOKEN}")) {
            return Answer::Json(401, status(401, "Unauthorized", "Unauthorized"));
        }
        if self.slow.contains(path) {
            std::thread::sleep(Duration::from_secs(3));
        }
        if self.forbidden.contains(path) {
            let res = path.rsplit('/').next().unwrap_or("");
            return Answer::Json(
                403,
                status(
                    403,
                    "Forbidden",
                    &format!("{res} is forbidden: User \"system:serviceaccount:default:netdiag\" cannot list resource \"{res}\" at the cluster scope"),
                ),
            );
        }
        if self.missing.contains(path) {
            return Answer::Json(
                404,
                status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            );
        }
        match path {
            "/api" => return Answer::Json(200, json!({"kind": "APIVersions", "versions": ["v1"]})),
            "/apis" => {
                let mut groups = vec![
                    json!({"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}]}),
                ];
                if self.crd {
                    groups.push(json!({"name": "crd.projectcalico.org", "versions": [{"groupVersion": "crd.projectcalico.org/v1", "version": "v1"}], "preferredVersion": {"groupVersion": "crd.projectcalico.org/v1", "version": "v1"}}));
                }
                if self.operator {
                    groups.push(json!({"name": "operator.tigera.io", "versions": [{"groupVersion": "operator.tigera.io/v1", "version": "v1"}]}));
                }
                if self.v3 {
                    groups.push(json!({"name": "projectcalico.org", "versions": [{"groupVersion": "projectcalico.org/v3", "version": "v3"}], "preferredVersion": {"groupVersion": "projectcalico.org/v3", "version": "v3"}}));
                }
                return Answer::Json(
                    200,
                    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
                );
            }
            "/apis/projectcalico.org/v3" if self.v3 => {
                let resources: Vec<Value> = [
                    "ippools",
                    "blockaffinities",
                    "ipamblocks",
                    "felixconfigurations",
                    "bgpconfigurations",
                    "nodes",
                    "nodes/status",
                ]
                .iter()
                .map(|n| json!({"name": n, "namespaced": false, "kind": "X", "verbs": ["get", "list"]}))
                .collect();
                return Answer::Json(
                    200,
                    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "projectcalico.org/v3", "resources": resources}),
                );
            }
            _ => {}
        }
        if let Some(o) = self.objects.get(path) {
            return Answer::Json(200, o.clone());
        }
        // Namespaced pods: the all-namespaces list, filtered.
        let (list_path, ns) = match path
            .strip_prefix("/api/v1/namespaces/")
            .and_then(|r| r.strip_suffix("/pods"))
        {
            Some(ns) => ("/api/v1/pods", Some(ns)),
            None => (path, None),
        };
        let served = self.lists.get(list_path);
        let known_empty = (list_path.starts_with("/apis/crd.projectcalico.org/v1/") && self.crd)
            || (list_path.starts_with("/apis/projectcalico.org/v3/") && self.v3)
            || list_path.starts_with("/api/v1/");
        let Some(list) = served else {
            if known_empty && !list_path.contains("/configmaps/") {
                return Answer::Json(
                    200,
                    json!({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1000"}, "items": []}),
                );
            }
            return Answer::Json(
                404,
                status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            );
        };
        let param = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .map(str::to_string)
        };
        let on_node = param("fieldSelector")
            .and_then(|f| f.strip_prefix("spec.nodeName%3D").map(str::to_string));
        let text = list.text();
        let items: Vec<usize> = (0..list.items.len())
            .filter(|&i| ns.is_none_or(|ns| list.items[i]["metadata"]["namespace"] == ns))
            .filter(|&i| {
                on_node
                    .as_ref()
                    .is_none_or(|n| list.items[i]["spec"]["nodeName"] == n.as_str())
            })
            .collect();
        let limit = param("limit")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        let limit = limit.min(self.page_cap.unwrap_or(usize::MAX)).max(1);
        // Continue tokens look like the real ones: opaque base64-ish text (with '=' to be encoded).
        let start = param("continue")
            .and_then(|t| t.strip_prefix("tok-").map(str::to_string))
            .and_then(|t| t.strip_suffix("%3D").map(str::to_string))
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or(0);
        let end = (start + limit).min(items.len());
        let mut meta = json!({"resourceVersion": "1000"});
        if end < items.len() {
            meta["continue"] = json!(format!("tok-{end}="));
            meta["remainingItemCount"] = json!(items.len() - end);
        }
        // Items as the server writes them, from the text cache: a page is a join, not a re-encode.
        let page = items[start.min(end)..end]
            .iter()
            .map(|&i| text[i].as_str())
            .collect::<Vec<_>>()
            .join(",");
        Answer::Text(
            200,
            format!(
                r#"{{"kind":{},"apiVersion":{},"metadata":{meta},"items":[{page}]}}"#,
                json!(list.kind),
                json!(list.api_version)
            ),
        )
    }
}

/// A response body: a JSON value, or list pages already as text.
enum Answer {
    Json(u16, Value),
    Text(u16, String),
}

fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code})
}

/// Serves `cluster` on 127.0.0.1 (HTTP/1.1 with keep-alive) until the test process ends.
fn serve(cluster: Cluster) -> (u16, Arc<Cluster>) {
    // Serialise every item before the first request, as an API server has its objects ready: the
    // scale test then measures netdiag, not this server's first page.
    for list in cluster.lists.values() {
        list.text();
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let cluster = Arc::new(cluster);
    let c = Arc::clone(&cluster);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let c = Arc::clone(&c);
            std::thread::spawn(move || connection(stream, &c));
        }
    });
    (port, cluster)
}

fn connection(stream: TcpStream, cluster: &Cluster) {
    // Bounded: an idle connection closes after 30 s.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut auth = None;
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("authorization") {
                    auth = Some(v.trim().to_string());
                }
            }
        }
        let (code, body) = cluster.answer(&target, auth.as_deref());
        // One write per response: head and body in two small writes would meet Nagle's algorithm
        // and the client's delayed ACK on every page.
        let mut response = format!(
            "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        response.push_str(&body);
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// A temp dir with a kubeconfig for `server` (token auth) and an empty HOME.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(server: &str) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let kc = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {server}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: netdiag\n- name: other\n  context:\n    cluster: test\n    user: nobody\ncurrent-context: test\nusers:\n- name: netdiag\n  user:\n    token: {TOKEN}\n- name: nobody\n  user:\n    token: wrong\n"
        );
        std::fs::write(dir.path().join("kubeconfig"), kc).expect("write kubeconfig");
        std::fs::create_dir(dir.path().join("home")).expect("home");
        Env { dir }
    }

    fn for_port(port: u16) -> Env {
        Env::new(&format!("http://127.0.0.1:{port}"))
    }

    fn kubeconfig(&self) -> String {
        self.dir
            .path()
            .join("kubeconfig")
            .to_str()
            .expect("utf8")
            .to_string()
    }

    fn run(&self, args: &[&str]) -> Output {
        bin(&self.dir.path().join("home"))
            .args(args)
            .output()
            .expect("binary runs")
    }
}

/// `node-status` of the scenario's node from files only, and with the intent from the served API
/// (`--kubeconfig` given explicitly, so `--from` supplies the node state only): the same report.
fn assert_same_report(name: &str, group: Group, page_cap: Option<usize>) -> Arc<Cluster> {
    let dir = scenario(name);
    let d = dir.to_str().expect("utf8");
    let mut cluster = Cluster::from_scenario(&dir, group);
    cluster.page_cap = page_cap;
    let (port, cluster) = serve(cluster);
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    for format in ["text", "json"] {
        let files = env.run(&["node-status", "--from", d, "-o", format]);
        let api = env.run(&[
            "node-status",
            "--from",
            d,
            "--kubeconfig",
            &kc,
            "-o",
            format,
        ]);
        assert_eq!(api.status.code(), files.status.code(), "{}", err(&api));
        assert!(!out(&files).is_empty());
        assert_eq!(
            out(&api),
            out(&files),
            "{name} {format}: stderr {}",
            err(&api)
        );
    }
    cluster
}

#[test]
fn crd_group_intent_gives_the_same_report_as_files() {
    let c = assert_same_report("vxlan-crosssubnet-healthy", Group::Crd, None);
    let reqs = c.requests();
    assert!(reqs
        .iter()
        .any(|r| r.starts_with("/apis/crd.projectcalico.org/v1/ipamblocks?limit=500")));
    assert!(!reqs.iter().any(|r| r.contains("projectcalico.org/v3")));
}

#[test]
fn broken_scenario_gives_the_same_findings_from_the_api() {
    assert_same_report("vxlan-stale-fdb", Group::Crd, None);
    assert_same_report("mixed-pools", Group::Crd, None);
}

#[test]
fn v3_group_is_used_when_the_calico_api_server_serves_it() {
    let c = assert_same_report("vxlan-crosssubnet-healthy", Group::V3, None);
    let reqs = c.requests();
    assert!(reqs
        .iter()
        .any(|r| r.starts_with("/apis/projectcalico.org/v3/ippools?")));
    assert!(reqs
        .iter()
        .any(|r| r.starts_with("/apis/projectcalico.org/v3/nodes?")));
    assert!(!reqs.iter().any(|r| r.contains("crd.projectcalico.org")));
    // Discovery once per run (4 runs: text and json, files and API; only the API runs ask).
    assert_eq!(reqs.iter().filter(|r| *r == "/apis").count(), 2);
}

#[test]
fn lists_are_paged_with_continue_tokens() {
    let c = assert_same_report("vxlan-crosssubnet-healthy", Group::Crd, Some(3));
    let reqs = c.requests();
    let pods: Vec<&String> = reqs
        .iter()
        .filter(|r| r.starts_with("/api/v1/pods?"))
        .collect();
    // 16 pods in pages of 3: 6 pages per run, the later ones with the (encoded) token.
    assert_eq!(pods.len(), 12, "{pods:?}");
    assert!(
        pods.iter().any(|r| r.contains("&continue=tok-15%3D")),
        "{pods:?}"
    );
}

#[test]
fn node_status_with_node_lists_only_that_nodes_pods() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let d = dir.to_str().expect("utf8");
    let (port, c) = serve(Cluster::from_scenario(&dir, Group::Crd));
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    let files = env.run(&["node-status", "--from", d, "--node", "worker"]);
    let api = env.run(&[
        "node-status",
        "--from",
        d,
        "--node",
        "worker",
        "--kubeconfig",
        &kc,
    ]);
    assert_eq!(api.status.code(), Some(0), "{}", err(&api));
    assert_eq!(out(&api), out(&files));
    let reqs = c.requests();
    assert!(
        reqs.iter()
            .any(|r| r == "/api/v1/pods?fieldSelector=spec.nodeName%3Dworker&limit=500"),
        "{reqs:?}"
    );
}

#[test]
fn show_lists_the_same_intent_from_the_api_as_from_files() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let d = dir.to_str().expect("utf8");
    let (port, c) = serve(Cluster::from_scenario(&dir, Group::Crd));
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    for what in ["ippools", "nodes", "blocks", "pods"] {
        let files = env.run(&["show", what, "--from", d]);
        // No --from: the API is the intent source because a kubeconfig is given.
        let api = env.run(&["show", what, "--kubeconfig", &kc]);
        assert_eq!(api.status.code(), Some(0), "{what}: {}", err(&api));
        assert_eq!(out(&api), out(&files), "{what}");
    }
    // Only what each listing needs is asked for: pods once (for `show pods`), nothing else twice.
    let reqs = c.requests();
    let count = |prefix: &str| reqs.iter().filter(|r| r.starts_with(prefix)).count();
    assert_eq!(count("/api/v1/pods?"), 1, "{reqs:?}");
    assert_eq!(count("/api/v1/nodes?"), 1, "{reqs:?}");
    assert_eq!(
        count("/apis/crd.projectcalico.org/v1/ipamblocks?"),
        1,
        "{reqs:?}"
    );
    assert_eq!(
        count("/apis/crd.projectcalico.org/v1/felixconfigurations?"),
        0
    );
    // KUBECONFIG alone (no flag, no --from) selects the API too.
    let o = bin(&env.dir.path().join("home"))
        .env("KUBECONFIG", &kc)
        .args(["show", "ippools"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("192.168.0.0/16"), "{}", out(&o));
}

#[test]
fn namespace_narrows_the_pod_list() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let (port, c) = serve(Cluster::from_scenario(&dir, Group::Crd));
    let env = Env::for_port(port);
    let o = env.run(&[
        "show",
        "pods",
        "--kubeconfig",
        &env.kubeconfig(),
        "-n",
        "kube-system",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!out(&o).contains("api-6b8f9d4c7-m4n8p"), "{}", out(&o));
    let reqs = c.requests();
    assert!(reqs
        .iter()
        .any(|r| r.starts_with("/api/v1/namespaces/kube-system/pods?limit=500")));
    assert!(!reqs.iter().any(|r| r.starts_with("/api/v1/pods")));
}

#[test]
fn rbac_denial_names_the_verb_resource_and_the_clusterrole() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    cluster
        .forbidden
        .insert("/apis/crd.projectcalico.org/v1/ipamblocks".to_string());
    let (port, _c) = serve(cluster);
    let env = Env::for_port(port);
    let o = env.run(&["show", "blocks", "--kubeconfig", &env.kubeconfig()]);
    assert_clean_error(
        &o,
        &[
            "forbidden",
            "\"list\"",
            "\"ipamblocks.crd.projectcalico.org\" cluster-wide",
            "deploy/netdiag-clusterrole.yaml",
        ],
    );
}

#[test]
fn rejected_credentials_are_a_401_line() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let (port, _c) = serve(Cluster::from_scenario(&dir, Group::Crd));
    let env = Env::for_port(port);
    let o = env.run(&[
        "show",
        "ippools",
        "--kubeconfig",
        &env.kubeconfig(),
        "--context",
        "other",
    ]);
    assert_clean_error(&o, &["401 Unauthorized", "credentials"]);
}

#[test]
fn missing_calico_groups_ask_whether_calico_is_installed() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let (port, _c) = serve(Cluster::from_scenario(&dir, Group::None));
    let env = Env::for_port(port);
    let o = env.run(&["show", "ippools", "--kubeconfig", &env.kubeconfig()]);
    assert_clean_error(
        &o,
        &[
            "neither projectcalico.org/v3 nor crd.projectcalico.org/v1",
            "is Calico installed?",
        ],
    );
}

/// Issue 16: a Flannel-only cluster (no Calico group served) and a Canal cluster are read from
/// their ConfigMap (kube-flannel/kube-flannel-cfg, kube-system/canal-config), Nodes and Pods,
/// and give the same report as their files.
#[test]
fn flannel_and_canal_intent_from_the_api_gives_the_same_report_as_files() {
    for (name, configmap) in [
        (
            "flannel-healthy",
            "/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg",
        ),
        (
            "flannel-stale-fdb",
            "/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg",
        ),
        (
            "flannel-canal-stale-fdb",
            "/api/v1/namespaces/kube-system/configmaps/canal-config",
        ),
    ] {
        let c = assert_same_report(name, Group::None, None);
        let requests = c.requests();
        assert!(
            requests.iter().any(|r| r == configmap),
            "{name}: {configmap} was read: {requests:?}"
        );
        assert!(
            !requests.iter().any(|r| r.contains("projectcalico.org/v1/")),
            "{name}: no Calico list is asked for when no Calico group is served: {requests:?}"
        );
    }
}

#[test]
fn a_crd_answering_404_is_named() {
    // The CRD group is served, but one CRD is absent (a partial install): its list answers 404.
    let dir = scenario("vxlan-crosssubnet-healthy");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    cluster
        .missing
        .insert("/apis/crd.projectcalico.org/v1/ipamblocks".to_string());
    let (port, _c) = serve(cluster);
    let env = Env::for_port(port);
    let o = env.run(&["show", "blocks", "--kubeconfig", &env.kubeconfig()]);
    assert_clean_error(
        &o,
        &[
            "404",
            "ipamblocks.crd.projectcalico.org is not served",
            "is Calico installed?",
        ],
    );
}

#[test]
fn slow_server_times_out_with_the_limit_named() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    cluster.slow.insert("/api/v1/pods".to_string());
    let (port, _c) = serve(cluster);
    let env = Env::for_port(port);
    let o = env.run(&[
        "show",
        "pods",
        "--kubeconfig",
        &env.kubeconfig(),
        "--request-timeout",
        "1s",
    ]);
    assert_clean_error(
        &o,
        &["GET /api/v1/pods timed out after 1s", "--request-timeout"],
    );
}

#[test]
fn closed_port_is_unreachable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let env = Env::for_port(port);
    let o = env.run(&["show", "ippools", "--kubeconfig", &env.kubeconfig()]);
    assert_clean_error(&o, &["unreachable", "connection refused"]);
}

#[test]
fn tls_failure_is_named() {
    // A plain-HTTP server behind an https:// URL: the TLS handshake fails.
    let dir = scenario("vxlan-crosssubnet-healthy");
    let (port, _c) = serve(Cluster::from_scenario(&dir, Group::Crd));
    let env = Env::new(&format!("https://127.0.0.1:{port}"));
    let o = env.run(&["show", "ippools", "--kubeconfig", &env.kubeconfig()]);
    assert_clean_error(&o, &["TLS failure"]);
}

#[test]
fn without_any_kubeconfig_the_error_says_how_to_give_one() {
    let home = tempfile::tempdir().expect("tempdir");
    let o = bin(home.path())
        .args(["show", "ippools"])
        .output()
        .expect("runs");
    assert_clean_error(&o, &["no cluster intent", "--kubeconfig"]);
}

#[test]
fn request_timeout_takes_kubectl_durations() {
    let home = tempfile::tempdir().expect("tempdir");
    let o = bin(home.path())
        .args(["show", "ippools", "--request-timeout", "soon"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("not a duration"), "{}", err(&o));
}

/// #5: an API that cannot be read does not lose the local checks. `node-status` still reports, in
/// text and JSON: the local findings of the node state (here vxlan.calico learning), plus one
/// INTENT-UNAVAILABLE error carrying the API's one-line failure; the exit code is the report's (1
/// by the default --fail-on error, since the answer is incomplete), never a bare exit-2 abort.
fn assert_local_report(env: &Env, extra: &[&str], failure: &[&str]) {
    let dir = scenario("vxlan-learning-on");
    let d = dir.to_str().expect("utf8");
    let kc = env.kubeconfig();
    let mut args = vec!["node-status", "--from", d, "--kubeconfig", &kc];
    args.extend_from_slice(extra);
    let text = env.run(&args);
    assert_eq!(text.status.code(), Some(1), "stderr: {}", err(&text));
    assert!(err(&text).is_empty(), "nothing on stderr: {}", err(&text));
    let t = out(&text);
    assert!(t.contains("INTENT-UNAVAILABLE"), "{t}");
    assert!(t.contains("VXLAN-LEARNING-ON"), "{t}");
    assert!(t.contains("deploy/netdiag-clusterrole.yaml"), "{t}");
    for m in failure {
        assert!(t.contains(m), "mentions {m:?}: {t}");
    }

    args.extend(["-o", "json"]);
    let json = env.run(&args);
    assert_eq!(json.status.code(), Some(1), "stderr: {}", err(&json));
    let v: Value = serde_json::from_slice(&json.stdout).expect("a JSON report");
    assert_eq!(v["node"], "worker");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"VXLAN-LEARNING-ON"), "{codes:?}");
    let gap = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "INTENT-UNAVAILABLE")
        .expect("an INTENT-UNAVAILABLE finding");
    assert_eq!(gap["severity"], "error");
    let actual = gap["actual"].as_str().expect("actual");
    assert_eq!(actual.lines().count(), 1, "one line: {actual}");
    for m in failure {
        assert!(actual.contains(m), "mentions {m:?}: {actual}");
    }
    assert!(v["checked"]["links"].as_u64().unwrap_or(0) > 0, "{v}");
    assert!(!v["unknown"].as_array().expect("unknown").is_empty(), "{v}");

    // --fail-on never: the report is still printed, and the exit code is 0 as for any report.
    args.extend(["--fail-on", "never"]);
    assert_eq!(env.run(&args).status.code(), Some(0));
}

#[test]
fn node_status_without_a_reachable_api_still_runs_the_local_checks() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let env = Env::for_port(port);
    assert_local_report(&env, &[], &["unreachable", "connection refused"]);
}

#[test]
fn node_status_denied_by_rbac_still_runs_the_local_checks() {
    let dir = scenario("vxlan-learning-on");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    cluster
        .forbidden
        .insert("/apis/crd.projectcalico.org/v1/ipamblocks".to_string());
    let (port, _c) = serve(cluster);
    let env = Env::for_port(port);
    assert_local_report(
        &env,
        &[],
        &["forbidden", "ipamblocks.crd.projectcalico.org"],
    );
}

#[test]
fn node_status_timing_out_still_runs_the_local_checks() {
    let dir = scenario("vxlan-learning-on");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    cluster.slow.insert("/api/v1/pods".to_string());
    let (port, _c) = serve(cluster);
    let env = Env::for_port(port);
    assert_local_report(
        &env,
        &["--request-timeout", "1s"],
        &["timed out after 1s", "--request-timeout"],
    );
}

#[test]
fn node_status_without_calico_still_runs_the_local_checks() {
    let dir = scenario("vxlan-learning-on");
    let (port, _c) = serve(Cluster::from_scenario(&dir, Group::None));
    let env = Env::for_port(port);
    assert_local_report(&env, &[], &["is Calico installed?"]);
}

#[test]
fn node_status_with_an_unusable_kubeconfig_is_still_a_usage_error() {
    let dir = scenario("vxlan-learning-on");
    let d = dir.to_str().expect("utf8");
    let env = Env::for_port(1);
    let missing = env.dir.path().join("no-such-kubeconfig");
    let o = env.run(&[
        "node-status",
        "--from",
        d,
        "--kubeconfig",
        missing.to_str().expect("utf8"),
    ]);
    assert_clean_error(&o, &["no-such-kubeconfig", "cannot read the kubeconfig"]);
    assert!(out(&o).is_empty(), "no report: {}", out(&o));

    let garbage = env.dir.path().join("garbage");
    std::fs::write(&garbage, "{{{ not: [yaml\n\t").expect("write");
    let o = env.run(&[
        "node-status",
        "--from",
        d,
        "--kubeconfig",
        garbage.to_str().expect("utf8"),
    ]);
    assert_clean_error(&o, &["garbage", "kubeconfig"]);
    assert!(out(&o).is_empty(), "no report: {}", out(&o));
}

/// An intent that was read but has no Node for this node: the same local run, with a
/// NODE-NOT-IN-INTENT error that names the nodes it does hold.
#[test]
fn node_status_for_a_node_missing_from_the_intent_runs_the_local_checks() {
    let dir = scenario("vxlan-learning-on");
    let d = dir.to_str().expect("utf8");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    for list in cluster.lists.values_mut() {
        let nodes = list.kind.ends_with("NodeList");
        list.items
            .retain(|i| !(nodes && i["metadata"]["name"] == "worker"));
    }
    let (port, _c) = serve(cluster);
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    let o = env.run(&[
        "node-status",
        "--from",
        d,
        "--kubeconfig",
        &kc,
        "--node",
        "worker",
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"NODE-NOT-IN-INTENT"), "{codes:?}");
    assert!(codes.contains(&"VXLAN-LEARNING-ON"), "{codes:?}");
    assert!(
        v.to_string().contains("control-plane"),
        "names the known nodes: {v}"
    );
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("read_dir") {
        let e = e.expect("entry");
        let to = dst.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
}

/// #5: the operator's Installation, read from a file and served over the API, gives the same
/// report: its backend stands in for the absent calico-config, its MTU is the expected tunnel MTU
/// (FelixConfiguration sets none), and a pool template without its IPPool is a finding.
#[test]
fn installation_from_files_and_from_the_api_gives_the_same_report() {
    let env = Env::for_port(1);
    let dir = env.dir.path().join("operator");
    copy_dir(&scenario("vxlan-crosssubnet-healthy"), &dir);
    std::fs::remove_file(dir.join("cluster/calico-config.yaml")).expect("no calico-config");
    let vxlan_mtu = std::fs::read_to_string(dir.join("nodes/worker/ip-link.txt"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.contains("vxlan.calico:"))
                .and_then(|l| l.split(" mtu ").nth(1))
                .and_then(|r| r.split_whitespace().next())
                .map(str::to_string)
        });
    let mtu = vxlan_mtu.as_deref().unwrap_or("1450");
    std::fs::write(
        dir.join("cluster/installation.yaml"),
        format!("apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata:\n  name: default\nspec:\n  calicoNetwork:\n    bgp: Disabled\n    mtu: {mtu}\n    ipPools:\n    - name: default-ipv4-ippool\n      cidr: 192.168.0.0/16\n      encapsulation: VXLANCrossSubnet\n    - name: extra\n      cidr: 10.99.0.0/16\n      encapsulation: VXLAN\n"),
    )
    .expect("write installation");
    let d = dir.to_str().expect("utf8");
    let (port, c) = serve(Cluster::from_scenario(&dir, Group::Crd));
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    let files = env.run(&["node-status", "--from", d, "-o", "json"]);
    let api = env.run(&[
        "node-status",
        "--from",
        d,
        "--kubeconfig",
        &kc,
        "-o",
        "json",
    ]);
    assert_eq!(out(&api), out(&files), "stderr {}", err(&api));
    let v: Value = serde_json::from_slice(&files.stdout).expect("a JSON report");
    assert_eq!(v["backend"]["name"], "vxlan", "{v}");
    assert_eq!(v["backend"]["origin"], "configured", "{v}");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert_eq!(codes, ["INSTALLATION-POOL-MISSING"], "{v}");
    assert!(v.to_string().contains("10.99.0.0/16"), "{v}");
    assert!(c
        .requests()
        .iter()
        .any(|r| r.starts_with("/apis/operator.tigera.io/v1/installations")));

    // A wrong MTU in the Installation is now the expectation the device is held to.
    let text = std::fs::read_to_string(dir.join("cluster/installation.yaml")).expect("read");
    std::fs::write(
        dir.join("cluster/installation.yaml"),
        text.replace(&format!("mtu: {mtu}"), "mtu: 1234"),
    )
    .expect("write");
    let files = env.run(&["node-status", "--from", d, "-o", "json"]);
    assert!(
        out(&files).contains("VXLAN-MTU-MISMATCH"),
        "{}",
        out(&files)
    );
    assert!(out(&files).contains("mtu 1234"), "{}", out(&files));
}

/// An older ClusterRole without installations: a note, not the loss of the intent.
#[test]
fn a_forbidden_installation_costs_a_note_not_the_intent() {
    let env = Env::for_port(1);
    let dir = env.dir.path().join("operator");
    copy_dir(&scenario("vxlan-crosssubnet-healthy"), &dir);
    std::fs::write(
        dir.join("cluster/installation.yaml"),
        "apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}\nspec: {calicoNetwork: {bgp: Disabled}}\n",
    )
    .expect("write installation");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    cluster
        .forbidden
        .insert("/apis/operator.tigera.io/v1/installations".to_string());
    let (port, _c) = serve(cluster);
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    let o = env.run(&[
        "node-status",
        "--from",
        d(&dir),
        "--kubeconfig",
        &kc,
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr {}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    assert!(
        v["unknown"]
            .to_string()
            .contains("installations.operator.tigera.io not readable"),
        "{v}"
    );
}

/// BGPConfiguration from the API decides the mesh as the same file does; a ClusterRole without
/// bgpconfigurations costs a note and the mesh is assumed again.
#[test]
fn bgp_configuration_from_the_api_decides_the_mesh() {
    let env = Env::for_port(1);
    let dir = env.dir.path().join("bgp");
    copy_dir(&scenario("bgp-noencap-sessions"), &dir);
    std::fs::write(
        dir.join("cluster/bgpconfiguration.yaml"),
        "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {nodeToNodeMeshEnabled: false, asNumber: 64512}\n",
    )
    .expect("write bgpconfiguration");
    let run = |cluster: Cluster| {
        let (port, c) = serve(cluster);
        let env = Env::for_port(port);
        let kc = env.kubeconfig();
        let args = [
            "node-status",
            "--from",
            d(&dir),
            "--node",
            "worker",
            "-o",
            "json",
        ];
        let files = env.run(&args);
        let api = env.run(&[&args[..], &["--kubeconfig", &kc]].concat());
        (files, api, c)
    };
    let (files, api, c) = run(Cluster::from_scenario(&dir, Group::V3));
    assert_eq!(out(&api), out(&files), "stderr {}", err(&api));
    assert!(
        out(&api).contains("nodeToNodeMeshEnabled: false"),
        "{}",
        out(&api)
    );
    assert!(c
        .requests()
        .iter()
        .any(|r| r.starts_with("/apis/projectcalico.org/v3/bgpconfigurations")));

    let mut cluster = Cluster::from_scenario(&dir, Group::V3);
    cluster
        .forbidden
        .insert("/apis/projectcalico.org/v3/bgpconfigurations".to_string());
    let (_, api, _) = run(cluster);
    assert_eq!(api.status.code(), Some(1), "stderr {}", err(&api));
    let v: Value = serde_json::from_slice(&api.stdout).expect("a JSON report");
    assert!(
        v["unknown"]
            .to_string()
            .contains("bgpconfigurations.projectcalico.org not readable"),
        "{v}"
    );
    assert!(v["unknown"].to_string().contains("assumed"), "{v}");
}

fn d(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

/// #5: the lab's intent, as `netdiag lab up` writes it (rendered by the lab's own code, so this
/// follows the lab as it changes), read from files and served over the API, gives the same report
/// for the same node state. The node state is a recorded Calico-like node (testdata/iproute2/lab-a)
/// filed under a lab node's name: no namespaces needed, and routes, neighbours and FDB entries are
/// all compared against the lab's pools, blocks and VTEPs.
#[test]
fn lab_intent_gives_the_same_report_from_files_and_from_the_api() {
    use netdiag::cli::LabMode;
    use netdiag::lab::plan::{node_name, LabParams, Plan};

    for mode in [LabMode::VxlanCrosssubnet, LabMode::Mixed] {
        let plan = Plan::new(&LabParams {
            name: "lab".to_string(),
            mode,
            nodes: 4,
            pods_per_node: 2,
            mtu: 1500,
        });
        let env = Env::for_port(1);
        let dir = env.dir.path().join("lab");
        std::fs::create_dir_all(dir.join("cluster")).expect("cluster/");
        for (file, text) in netdiag::lab::intent::documents(&plan).expect("the lab's intent") {
            std::fs::write(dir.join("cluster").join(file), text).expect("write");
        }
        let node = node_name(1);
        let dumps = dir.join("nodes").join(&node);
        std::fs::create_dir_all(&dumps).expect("nodes/<node>/");
        let lab_a = repo().join("testdata/iproute2/lab-a");
        for (from, to) in [
            ("ip-link-d.txt", "ip-link.txt"),
            ("ip-addr.txt", "ip-addr.txt"),
            ("ip-route-d.txt", "ip-route.txt"),
            ("ip-neigh.txt", "ip-neigh.txt"),
            ("bridge-fdb.txt", "bridge-fdb.txt"),
        ] {
            std::fs::copy(lab_a.join(from), dumps.join(to)).expect("copy dump");
        }
        let (port, c) = serve(Cluster::from_scenario(&dir, Group::Crd));
        let env = Env::for_port(port);
        let kc = env.kubeconfig();
        let files = env.run(&[
            "node-status",
            "--from",
            d(&dir),
            "--node",
            &node,
            "-o",
            "json",
        ]);
        let api = env.run(&[
            "node-status",
            "--from",
            d(&dir),
            "--node",
            &node,
            "--kubeconfig",
            &kc,
            "-o",
            "json",
        ]);
        assert!(err(&files).is_empty(), "{}", err(&files));
        assert_eq!(api.status.code(), files.status.code(), "{}", err(&api));
        let report: Value = serde_json::from_slice(&files.stdout).expect("a JSON report");
        assert_eq!(report["node"], node.as_str());
        assert!(!report["pools"].as_array().expect("pools").is_empty());
        assert!(report["peers"].as_array().expect("peers").len() >= 3);
        assert_eq!(out(&api), out(&files), "stderr {}", err(&api));
        assert!(c.requests().iter().any(|r| r.starts_with("/api/v1/pods")));
    }
}

/// Builds the intent of a 5 000-node cluster (5 000 Nodes, 20 000 blocks and affinities, 150 000
/// pods) from the served API and prints time and peak RSS. Not a timed assertion; run with
/// `cargo test --release -p netdiag --test kube -- --ignored --nocapture scale`.
#[test]
#[ignore]
fn scale_5000_nodes() {
    let mut c = Cluster {
        crd: true,
        ..Cluster::default()
    };
    let mut add = |path: &str, kind: &str, gv: &str, items: Vec<Value>| {
        c.lists.insert(path.to_string(), List::new(kind, gv, items));
    };
    let crd = "crd.projectcalico.org/v1";
    add(
        "/apis/crd.projectcalico.org/v1/ippools",
        "IPPoolList",
        crd,
        vec![
            json!({"metadata": {"name": "default-ipv4-ippool", "resourceVersion": "1"},
                    "spec": {"cidr": "10.0.0.0/8", "vxlanMode": "CrossSubnet", "ipipMode": "Never",
                             "natOutgoing": true, "blockSize": 26, "nodeSelector": "all()"}}),
        ],
    );
    let block = |n: usize, b: usize| {
        let i = n * 4 + b;
        format!(
            "10.{}.{}.{}/26",
            i >> 10 & 0xff,
            (i >> 2) & 0xff,
            (i & 3) * 64
        )
    };
    let node = |n: usize| format!("node-{n:05}");
    let node_ip = |n: usize| format!("172.{}.{}.{}", 16 + n / 65536, (n >> 8) & 0xff, n & 0xff);
    add("/api/v1/nodes", "NodeList", "v1", (0..5000).map(|n| json!({
        "metadata": {"name": node(n), "resourceVersion": "1", "labels": {"kubernetes.io/hostname": node(n), "kubernetes.io/os": "linux"},
                     "annotations": {"projectcalico.org/IPv4Address": format!("{}/16", node_ip(n)),
                                     "projectcalico.org/IPv4VXLANTunnelAddr": block(n, 0).replace("/26", ""),
                                     "node.alpha.kubernetes.io/ttl": "0"}},
        "spec": {"podCIDR": format!("10.244.{}.0/24", n & 0xff)},
        "status": {"addresses": [{"type": "InternalIP", "address": node_ip(n)}, {"type": "Hostname", "address": node(n)}],
                   "nodeInfo": {"kubeletVersion": "v1.31.0", "osImage": "Debian GNU/Linux 12", "containerRuntimeVersion": "containerd://1.7"}}
    })).collect());
    add("/apis/crd.projectcalico.org/v1/ipamblocks", "IPAMBlockList", crd,
        (0..20000).map(|i| json!({
            "metadata": {"name": block(i / 4, i % 4).replace(['.', '/'], "-"), "resourceVersion": "1"},
            "spec": {"cidr": block(i / 4, i % 4), "affinity": format!("host:{}", node(i / 4)), "strictAffinity": false,
                     "allocations": [0, 0, 0, 0, 0, 0, 0, 0, null, null], "unallocated": [8, 9, 10],
                     "attributes": [{"handle_id": "k8s-pod-network.x", "secondary": {"namespace": "default", "node": node(i / 4)}}],
                     "sequenceNumber": 1}
        })).collect());
    add("/apis/crd.projectcalico.org/v1/blockaffinities", "BlockAffinityList", crd,
        (0..20000).map(|i| json!({
            "metadata": {"name": format!("{}-{}", node(i / 4), block(i / 4, i % 4).replace(['.', '/'], "-")), "resourceVersion": "1"},
            "spec": {"cidr": block(i / 4, i % 4), "node": node(i / 4), "state": "confirmed", "deleted": "false"}
        })).collect());
    add(
        "/apis/crd.projectcalico.org/v1/felixconfigurations",
        "FelixConfigurationList",
        crd,
        vec![
            json!({"metadata": {"name": "default", "resourceVersion": "1"}, "spec": {"vxlanVNI": 4096, "vxlanPort": 4789}}),
        ],
    );
    add("/api/v1/pods", "PodList", "v1", (0..150000).map(|p| {
        let n = p / 30;
        let ip = format!("10.{}.{}.{}", ((n * 4) >> 10) & 0xff, ((n * 4) >> 2) & 0xff, p % 30 + 1);
        json!({
            "metadata": {"name": format!("app-{p:06}-7d9f8b6c5-x2k4q"), "namespace": format!("ns-{}", p % 200), "resourceVersion": "1",
                         "uid": "fe81c9d5-0a1a-4fbf-95c4-664de172d4e1",
                         "labels": {"app": "app", "pod-template-hash": "7d9f8b6c5"},
                         "annotations": {"cni.projectcalico.org/podIP": format!("{ip}/32"), "cni.projectcalico.org/podIPs": format!("{ip}/32"),
                                         "cni.projectcalico.org/containerID": "43c7e5c16318e6c897bad73d18bf9a2c00fd77bdd025fbdcb2a39b7e4bae55fc"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "app-7d9f8b6c5", "uid": "x", "controller": true}]},
            "spec": {"nodeName": node(n), "containers": [{"name": "app", "image": "ghcr.io/example/app:1.0",
                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                     "ports": [{"containerPort": 8080, "protocol": "TCP"}]}],
                     "restartPolicy": "Always", "serviceAccountName": "default", "dnsPolicy": "ClusterFirst"},
            "status": {"phase": "Running", "hostIP": node_ip(n), "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": "Burstable",
                       "conditions": [{"type": "Ready", "status": "True"}]}
        })
    }).collect());
    let (port, _c) = serve(c);
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    // node-status needs the whole intent; the node state is an empty dump directory (every part
    // "not collected"), so the run measures the API, the parser and the engine.
    let state = env.dir.path().join("state");
    std::fs::create_dir_all(state.join("nodes/node-00001")).expect("state dir");
    let state = state.to_str().expect("utf8").to_string();
    // Without --node every pod is listed (the node comes from the one dump directory); with it,
    // only that node's pods (fieldSelector).
    for narrowed in [false, true] {
        let mut cmd = vec![
            "node-status",
            "--kubeconfig",
            &kc,
            "--from",
            &state,
            "--fail-on",
            "never",
            "-o",
            "json",
        ];
        if narrowed {
            cmd.extend(["--node", "node-00001"]);
        }
        let time = Path::new("/usr/bin/time");
        let start = std::time::Instant::now();
        let o = if time.exists() {
            Command::new(time)
                .arg("-v")
                .arg(env!("CARGO_BIN_EXE_netdiag"))
                .args(&cmd)
                .env("HOME", env.dir.path().join("home"))
                .env_remove("KUBECONFIG")
                .output()
                .expect("time runs")
        } else {
            env.run(&cmd)
        };
        let wall = start.elapsed();
        assert!(o.status.success(), "{}", err(&o));
        let _report: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
        let pick = |what: &str| {
            err(&o)
                .lines()
                .find(|l| l.contains(what))
                .map(|l| l.trim().to_string())
                .unwrap_or_default()
        };
        let measured = [
            pick("Elapsed (wall clock)"),
            pick("User time"),
            pick("System time"),
            pick("Maximum resident set size"),
        ]
        .join("; ");
        eprintln!(
            "scale: 5000 nodes, 20000 blocks, 20000 affinities, 150000 pods, pods narrowed to the node: {narrowed}: {measured} (seen by the test: {wall:?})"
        );
    }
}

/// Issue 8: a bundle whose intent is read from the API keeps nothing secret — not the kubeconfig's
/// bearer token, not a Pod's env or last-applied copy, not managedFields — and analyses like the API.
#[test]
fn bundle_from_the_api_carries_no_token_or_secret() {
    use std::io::Read as _;
    const PASSWORD: &str = "planted-db-password-PLUGH";
    let dir = scenario("vxlan-stale-fdb");
    let d = dir.to_str().expect("utf8");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    cluster.add(
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "leaky", "namespace": "default",
                            "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                                            format!("{{\"password\":\"{PASSWORD}\"}}")},
                            "managedFields": [{"manager": "planted-manager-XYZZY"}]},
               "spec": {"nodeName": "worker",
                        "containers": [{"name": "c", "env": [{"name": "DB_PASSWORD", "value": PASSWORD}]}]},
               "status": {"phase": "Running"}}),
        Group::Crd,
    );
    let (port, _cluster) = serve(cluster);
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    let bundle = env.dir.path().join("b.tar.gz");
    let b = bundle.to_str().expect("utf8");
    let o = env.run(&["bundle", "--from", d, "--kubeconfig", &kc, "-o", b]);
    assert!(o.status.success(), "{}", err(&o));

    let mut all = String::new();
    let f = std::fs::File::open(&bundle).expect("bundle");
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    for e in a.entries().expect("entries") {
        let mut e = e.expect("entry");
        all.push_str(&String::from_utf8_lossy(&e.path_bytes()));
        let mut s = Vec::new();
        e.read_to_end(&mut s).expect("member");
        all.push_str(&String::from_utf8_lossy(&s));
    }
    for secret in [TOKEN, PASSWORD, "DB_PASSWORD", "planted-manager-XYZZY"] {
        assert!(!all.contains(secret), "{secret} in the bundle");
    }
    assert!(
        all.contains(&format!("\"intent\": \"api http://127.0.0.1:{port}\"")),
        "source named"
    );
    // Read back, the bundle gives the API's findings.
    let api = env.run(&[
        "node-status",
        "--from",
        d,
        "--kubeconfig",
        &kc,
        "-o",
        "json",
    ]);
    let from_bundle = env.run(&["node-status", "--from", b, "-o", "json"]);
    let codes = |o: &Output| -> Vec<String> {
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["code"].to_string())
            .collect()
    };
    assert!(!codes(&api).is_empty());
    assert_eq!(codes(&from_bundle), codes(&api), "{}", err(&from_bundle));
}

/// Issue 16: an older ClusterRole that cannot GET Flannel's ConfigMaps costs a note on a Calico
/// cluster, not the intent: the report is the files' plus that note.
#[test]
fn a_forbidden_flannel_config_map_costs_a_note_not_the_intent() {
    let dir = scenario("vxlan-crosssubnet-healthy");
    let mut cluster = Cluster::from_scenario(&dir, Group::Crd);
    for p in [
        "/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg",
        "/api/v1/namespaces/kube-system/configmaps/kube-flannel-cfg",
    ] {
        cluster.forbidden.insert(p.to_string());
    }
    let (port, _c) = serve(cluster);
    let env = Env::for_port(port);
    let kc = env.kubeconfig();
    let o = env.run(&[
        "node-status",
        "--from",
        d(&dir),
        "--kubeconfig",
        &kc,
        "-o",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr {}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    assert_eq!(v["backend"]["name"], "vxlan", "{v}");
    assert!(
        v["unknown"]
            .to_string()
            .contains("kube-flannel-cfg forbidden (403)"),
        "{v}"
    );
}
