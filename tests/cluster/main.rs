//! Cluster suite (`netdiag cluster-status`): the real binary and `kube` client against a stand-in
//! API server on 127.0.0.1 that serves the intent (as tests/kube does) and also plays the Pod
//! lifecycle — POST creates a Pod, each GET moves it Pending → Running → Succeeded, its log is a
//! node's `show state -o json`, DELETE removes it — with per-node faults: pending forever, image
//! pull failure, a Pod (and node) that disappears, garbage in the log, 403 on create. The server
//! counts Pods alive at once, so bounded concurrency and cleanup are asserted, not assumed.
//! As root, a lab's namespaces stand in for the Pods (`--lab`), and the lab's states served as
//! Pod logs give the same report as `--lab`. No traffic leaves loopback or the lab's namespaces.

#[path = "../common/lab.rs"]
mod lab_util;
#[path = "../common/privileged.rs"]
mod privileged;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netdiag_core::cluster::synth;
use serde_json::{json, Value};

const TOKEN: &str = "netdiag-cluster-token";

fn bin(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netdiag"));
    c.env("NO_COLOR", "1")
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

/// What the served cluster does with one node's Pod.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Fault {
    PendingForever,
    ImagePull,
    /// The Pod is gone (404) on its first GET, as when its Node is deleted.
    Disappears,
    GarbageLog,
    /// The first GET of its Pod fails with 500 (a busy API server); the node is still collected.
    FlakyOnce,
}

struct PodRec {
    node: String,
    gets: usize,
    body: Value,
}

#[derive(Default)]
struct Sim {
    /// Resource lists by path, as JSON text.
    lists: BTreeMap<String, String>,
    objects: BTreeMap<String, String>,
    /// Node → its Pod's log.
    logs: HashMap<String, String>,
    faults: HashMap<String, Fault>,
    forbid_create: bool,
    pods: Mutex<BTreeMap<String, PodRec>>,
    /// Every Pod ever created (name → manifest), and deleted.
    created: Mutex<Vec<(String, Value)>>,
    deleted: Mutex<Vec<String>>,
    phases_seen: Mutex<BTreeMap<String, Vec<String>>>,
    max_live: Mutex<usize>,
    log_reads: Mutex<usize>,
}

fn status(code: u16, reason: &str, message: &str) -> String {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code})
    .to_string()
}

fn list_text(kind: &str, api: &str, items: &[Value]) -> String {
    json!({"kind": kind, "apiVersion": api, "metadata": {"resourceVersion": "7"}, "items": items})
        .to_string()
}

impl Sim {
    /// The intent of documents as `kubectl get -o json|yaml` prints them, served per resource.
    fn with_intent(docs: &[Value]) -> Sim {
        let mut by: BTreeMap<String, (String, String, Vec<Value>)> = BTreeMap::new();
        let mut sim = Sim::default();
        for d in docs {
            let items = match d.get("items") {
                Some(Value::Array(i)) => i.clone(),
                _ => vec![d.clone()],
            };
            for mut o in items {
                let kind = o["kind"].as_str().unwrap_or("").to_string();
                if kind == "ConfigMap" {
                    let path = format!(
                        "/api/v1/namespaces/{}/configmaps/{}",
                        o["metadata"]["namespace"].as_str().unwrap_or(""),
                        o["metadata"]["name"].as_str().unwrap_or("")
                    );
                    sim.objects.insert(path, o.to_string());
                    continue;
                }
                let (path, api) = match kind.as_str() {
                    "Node" => ("/api/v1/nodes".to_string(), "v1"),
                    "Pod" => ("/api/v1/pods".to_string(), "v1"),
                    "IPPool" => (
                        "/apis/crd.projectcalico.org/v1/ippools".into(),
                        "crd.projectcalico.org/v1",
                    ),
                    "IPAMBlock" => (
                        "/apis/crd.projectcalico.org/v1/ipamblocks".into(),
                        "crd.projectcalico.org/v1",
                    ),
                    "BlockAffinity" => (
                        "/apis/crd.projectcalico.org/v1/blockaffinities".into(),
                        "crd.projectcalico.org/v1",
                    ),
                    "FelixConfiguration" => (
                        "/apis/crd.projectcalico.org/v1/felixconfigurations".into(),
                        "crd.projectcalico.org/v1",
                    ),
                    other => panic!("unexpected kind {other}"),
                };
                if let Some(m) = o.as_object_mut() {
                    m.remove("apiVersion");
                    m.remove("kind");
                }
                by.entry(path)
                    .or_insert_with(|| (format!("{kind}List"), api.to_string(), Vec::new()))
                    .2
                    .push(o);
            }
        }
        for (path, (kind, api, items)) in by {
            sim.lists.insert(path, list_text(&kind, &api, &items));
        }
        sim
    }

    fn answer(&self, method: &str, target: &str, body: &str) -> (u16, String) {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let pods_prefix = "/api/v1/namespaces/netdiag/pods";
        match (method, path) {
            ("GET", "/apis") => {
                return (200, json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                    {"name": "crd.projectcalico.org", "versions": [{"groupVersion": "crd.projectcalico.org/v1", "version": "v1"}]}]}).to_string())
            }
            ("POST", p) if p == pods_prefix => {
                if self.forbid_create {
                    return (403, status(403, "Forbidden", "pods is forbidden: User \"alice\" cannot create resource \"pods\" in API group \"\" in the namespace \"netdiag\""));
                }
                let pod: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                let name = pod["metadata"]["name"].as_str().unwrap_or("").to_string();
                let node = pod["spec"]["nodeName"].as_str().unwrap_or("").to_string();
                let mut pods = self.pods.lock().expect("pods");
                if pods.contains_key(&name) {
                    return (409, status(409, "AlreadyExists", "exists"));
                }
                pods.insert(name.clone(), PodRec { node, gets: 0, body: pod.clone() });
                let live = pods.len();
                let mut m = self.max_live.lock().expect("max");
                *m = (*m).max(live);
                self.created.lock().expect("created").push((name, pod.clone()));
                return (201, pod.to_string());
            }
            ("GET", p) if p == pods_prefix => {
                let sel = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("labelSelector="))
                    .unwrap_or("")
                    .replace("%2F", "/")
                    .replace("%3D", "=");
                let (k, v) = sel.split_once('=').unwrap_or(("", ""));
                let pods = self.pods.lock().expect("pods");
                let items: Vec<Value> = pods
                    .values()
                    .filter(|p| k.is_empty() || p.body["metadata"]["labels"][k] == v)
                    .map(|p| p.body.clone())
                    .collect();
                return (200, list_text("PodList", "v1", &items));
            }
            _ => {}
        }
        if let Some(rest) = path.strip_prefix(&format!("{pods_prefix}/")) {
            let (name, sub) = rest.split_once('/').unwrap_or((rest, ""));
            let mut pods = self.pods.lock().expect("pods");
            let Some(rec) = pods.get_mut(name) else {
                return (
                    404,
                    status(404, "NotFound", &format!("pods \"{name}\" not found")),
                );
            };
            let fault = self.faults.get(&rec.node).copied();
            match (method, sub) {
                ("DELETE", "") => {
                    pods.remove(name);
                    self.deleted.lock().expect("deleted").push(name.to_string());
                    return (200, status(200, "", ""));
                }
                ("GET", "log") => {
                    *self.log_reads.lock().expect("reads") += 1;
                    if fault == Some(Fault::GarbageLog) {
                        return (
                            200,
                            "Error: exec: \"netdiag\": executable file not found in $PATH\n".into(),
                        );
                    }
                    let log = self.logs.get(&rec.node).cloned().unwrap_or_default();
                    return (200, log);
                }
                ("GET", "") => {
                    rec.gets += 1;
                    if fault == Some(Fault::FlakyOnce) && rec.gets == 1 {
                        return (
                            500,
                            status(500, "InternalError", "etcdserver: request timed out"),
                        );
                    }
                    if fault == Some(Fault::Disappears) {
                        pods.remove(name);
                        return (
                            404,
                            status(404, "NotFound", &format!("pods \"{name}\" not found")),
                        );
                    }
                    let mut pod = rec.body.clone();
                    let phase = match (fault, rec.gets) {
                        (Some(Fault::PendingForever), _) => {
                            pod["status"] = json!({"phase": "Pending", "conditions": [
                                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/6 nodes are available: 1 node(s) had untolerated taint"}]});
                            "Pending"
                        }
                        (Some(Fault::ImagePull), _) => {
                            pod["status"] = json!({"phase": "Pending", "containerStatuses": [
                                {"name": "netdiag", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"netdiag:0.1.0\""}}}]});
                            "Pending"
                        }
                        (Some(Fault::FlakyOnce), 2) | (_, 1) => {
                            pod["status"] = json!({"phase": "Pending"});
                            "Pending"
                        }
                        (_, 2) => {
                            pod["status"] = json!({"phase": "Running"});
                            "Running"
                        }
                        _ => {
                            pod["status"] = json!({"phase": "Succeeded", "containerStatuses": [
                                {"name": "netdiag", "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]});
                            "Succeeded"
                        }
                    };
                    let mut seen = self.phases_seen.lock().expect("seen");
                    let v = seen.entry(name.to_string()).or_default();
                    if v.last().map(String::as_str) != Some(phase) {
                        v.push(phase.to_string());
                    }
                    return (200, pod.to_string());
                }
                _ => return (405, status(405, "MethodNotAllowed", "no")),
            }
        }
        if method != "GET" {
            return (405, status(405, "MethodNotAllowed", "no"));
        }
        if let Some(o) = self.objects.get(path) {
            return (200, o.clone());
        }
        if let Some(l) = self.lists.get(path) {
            let sel = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("labelSelector="));
            if let (Some(sel), "/api/v1/nodes") = (sel, path) {
                let sel = sel.replace("%3D", "=");
                let (k, v) = sel.split_once('=').unwrap_or((&sel, ""));
                let all: Value = serde_json::from_str(l).unwrap_or(Value::Null);
                let items: Vec<Value> = all["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|n| n["metadata"]["labels"][k] == v)
                    .cloned()
                    .collect();
                return (200, list_text("NodeList", "v1", &items));
            }
            return (200, l.clone());
        }
        if path.starts_with("/apis/crd.projectcalico.org/v1/") || path.starts_with("/api/v1/") {
            if path.contains("/configmaps/") {
                return (404, status(404, "NotFound", "not found"));
            }
            return (200, list_text("List", "v1", &[]));
        }
        (
            404,
            status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        )
    }
}

fn serve(sim: Sim) -> (u16, Arc<Sim>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let sim = Arc::new(sim);
    let s = Arc::clone(&sim);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let s = Arc::clone(&s);
            std::thread::spawn(move || connection(stream, &s));
        }
    });
    (port, sim)
}

fn connection(stream: TcpStream, sim: &Sim) {
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
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("GET").to_string();
        let target = parts.next().unwrap_or("/").to_string();
        let (mut auth, mut len) = (None, 0usize);
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
                } else if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len.min(16 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (code, text) = if auth.as_deref() != Some(&format!("Bearer {TOKEN}")) {
            (401, status(401, "Unauthorized", "Unauthorized"))
        } else {
            sim.answer(&method, &target, &String::from_utf8_lossy(&body))
        };
        let mut response = format!(
            "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            text.len()
        );
        response.push_str(&text);
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(port: u16) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let kc = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: t\n  context:\n    cluster: t\n    user: u\ncurrent-context: t\nusers:\n- name: u\n  user:\n    token: {TOKEN}\n"
        );
        std::fs::write(dir.path().join("kubeconfig"), kc).expect("kubeconfig");
        std::fs::create_dir(dir.path().join("home")).expect("home");
        Env { dir }
    }

    fn run(&self, extra: &[&str]) -> Output {
        let kc = self.dir.path().join("kubeconfig");
        let mut args = vec![
            "cluster-status",
            "--kubeconfig",
            kc.to_str().expect("utf8"),
            "--poll-interval",
            "20ms",
        ];
        args.extend_from_slice(extra);
        bin(&self.dir.path().join("home"))
            .args(&args)
            .output()
            .expect("binary runs")
    }
}

impl Env {
    /// `netdiag bundle --all-nodes` against the stand-in, writing `file` in the test's directory.
    fn bundle(&self, file: &str, extra: &[&str]) -> (Output, std::path::PathBuf) {
        let kc = self.dir.path().join("kubeconfig");
        let f = self.dir.path().join(file);
        let mut args = vec![
            "bundle",
            "--all-nodes",
            "--kubeconfig",
            kc.to_str().expect("utf8"),
            "--poll-interval",
            "20ms",
            "-o",
            f.to_str().expect("utf8"),
        ];
        args.extend_from_slice(extra);
        let o = bin(&self.dir.path().join("home"))
            .args(&args)
            .output()
            .expect("binary runs");
        (o, f)
    }
}

/// Every member of a bundle by name (read with the archive crates, not netdiag).
fn bundle_members(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let f = std::fs::File::open(path).expect("open bundle");
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut m = BTreeMap::new();
    for e in a.entries().expect("entries") {
        let mut e = e.expect("entry");
        let name = String::from_utf8(e.path_bytes().into_owned()).expect("utf-8 name");
        let mut b = Vec::new();
        e.read_to_end(&mut b).expect("read member");
        m.insert(name, b);
    }
    m
}

/// The synthetic cluster's intent as Kubernetes/Calico resources.
fn synthetic_docs(n: usize) -> Vec<Value> {
    let mut docs = vec![
        json!({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool", "metadata": {"name": "default-ipv4-ippool"},
               "spec": {"cidr": "10.128.0.0/9", "blockSize": 26, "vxlanMode": "Always", "ipipMode": "Never", "natOutgoing": true}}),
        json!({"apiVersion": "crd.projectcalico.org/v1", "kind": "FelixConfiguration", "metadata": {"name": "default"}, "spec": {}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "calico-config", "namespace": "kube-system"},
               "data": {"calico_backend": "vxlan", "veth_mtu": "0"}}),
    ];
    for i in 0..n {
        let name = synth::node_name(i);
        docs.push(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "pool": if i % 2 == 0 { "even" } else { "odd" }},
                         "annotations": {"projectcalico.org/IPv4Address": format!("{}/16", synth::node_ip(i)),
                                         "projectcalico.org/IPv4VXLANTunnelAddr": synth::tunnel_ip(i).to_string()}},
            "spec": {}, "status": {"addresses": [{"type": "InternalIP", "address": synth::node_ip(i).to_string()}]}}));
        let mut allocations = vec![Value::Null; 64];
        allocations[0] = json!(0);
        docs.push(json!({"apiVersion": "crd.projectcalico.org/v1", "kind": "IPAMBlock",
            "metadata": {"name": synth::block(i).to_string().replace(['.', '/'], "-")},
            "spec": {"cidr": synth::block(i).to_string(), "affinity": format!("host:{name}"), "allocations": allocations,
                     "attributes": [{"handle_id": format!("vxlan-tunnel-addr-{name}"), "secondary": {"node": name, "type": "vxlanTunnelAddress"}}],
                     "unallocated": (1..64).collect::<Vec<u32>>(), "deleted": false}}));
        docs.push(json!({"apiVersion": "crd.projectcalico.org/v1", "kind": "BlockAffinity",
            "metadata": {"name": format!("{name}-{}", synth::block(i).to_string().replace(['.', '/'], "-"))},
            "spec": {"cidr": synth::block(i).to_string(), "node": name, "state": "confirmed", "deleted": "false"}}));
    }
    docs
}

fn state_log(state: &netdiag_core::NodeState) -> String {
    json!({"schema_version": "netdiag/v1", "kind": "state", "node": state.node, "source": "netlink", "items": state})
        .to_string()
}

fn synthetic_sim(n: usize) -> Sim {
    let mut sim = Sim::with_intent(&synthetic_docs(n));
    for i in 0..n {
        sim.logs
            .insert(synth::node_name(i), state_log(&synth::state(i, n)));
    }
    sim
}

fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}{}", out(o), err(o)))
}

fn culprits(r: &Value) -> Vec<(String, String)> {
    r["culprits"]
        .as_array()
        .expect("culprits")
        .iter()
        .map(|c| {
            (
                c["node"].as_str().unwrap_or("").to_string(),
                c["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn healthy_run_creates_polls_reads_and_deletes_every_pod() {
    let (port, sim) = serve(synthetic_sim(4));
    let env = Env::new(port);
    let o = env.run(&["-o", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(err(&o).is_empty(), "quiet off a terminal: {}", err(&o));
    let r = report(&o);
    assert_eq!(r["schema_version"], "netdiag.cluster/v1");
    assert_eq!(culprits(&r), Vec::<(String, String)>::new(), "{}", out(&o));
    assert_eq!(r["summary"]["collected"], 4);
    assert_eq!(r["summary"]["pairs_checked"], 12);
    let created = sim.created.lock().expect("created").clone();
    assert_eq!(created.len(), 4);
    let nodes: BTreeSet<String> = created
        .iter()
        .map(|(_, p)| p["spec"]["nodeName"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(nodes.len(), 4, "one Pod per node");
    for (name, pod) in &created {
        assert_eq!(pod["metadata"]["namespace"], "netdiag");
        assert_eq!(
            pod["metadata"]["labels"]["app.kubernetes.io/name"],
            "netdiag"
        );
        assert!(pod["metadata"]["labels"]["netdiag.io/run"].is_string());
        assert_eq!(pod["spec"]["hostNetwork"], true);
        assert_eq!(pod["spec"]["restartPolicy"], "Never");
        assert_eq!(pod["spec"]["tolerations"], json!([{"operator": "Exists"}]));
        let c = &pod["spec"]["containers"][0];
        assert_eq!(c["image"], concat!("netdiag:", env!("CARGO_PKG_VERSION")));
        assert_eq!(
            c["command"],
            json!(["netdiag", "show", "state", "-o", "json"])
        );
        assert_eq!(
            c["securityContext"]["capabilities"],
            json!({"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]})
        );
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        let seen = sim
            .phases_seen
            .lock()
            .expect("seen")
            .get(name)
            .cloned()
            .unwrap_or_default();
        assert_eq!(seen, vec!["Pending", "Running", "Succeeded"], "{name}");
    }
    assert_eq!(*sim.log_reads.lock().expect("reads"), 4);
    let mut deleted = sim.deleted.lock().expect("deleted").clone();
    deleted.sort();
    let mut names: Vec<String> = created.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    assert_eq!(deleted, names, "every Pod deleted");
    assert!(sim.pods.lock().expect("pods").is_empty());

    // Text: the summary and the matrix.
    let o = env.run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("✓ no culprit"), "{}", out(&o));
    assert!(out(&o).contains("matrix"), "{}", out(&o));
}

#[test]
fn node_selector_picks_the_nodes() {
    let (port, sim) = serve(synthetic_sim(4));
    let env = Env::new(port);
    let o = env.run(&["--nodes", "pool=even", "-o", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r = report(&o);
    assert_eq!(r["summary"]["collected"], 2);
    let nodes: Vec<String> = sim
        .created
        .lock()
        .expect("created")
        .iter()
        .map(|(_, p)| p["spec"]["nodeName"].as_str().unwrap_or("").to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(nodes, vec![synth::node_name(0), synth::node_name(2)]);
    let o = env.run(&["--nodes", "pool=none"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no Node matches --nodes"), "{}", err(&o));
}

#[test]
fn failing_nodes_are_reported_with_why_and_the_rest_still_checked() {
    let mut sim = synthetic_sim(6);
    sim.faults
        .insert(synth::node_name(1), Fault::PendingForever);
    sim.faults.insert(synth::node_name(2), Fault::ImagePull);
    sim.faults.insert(synth::node_name(3), Fault::Disappears);
    sim.faults.insert(synth::node_name(4), Fault::GarbageLog);
    sim.faults.insert(synth::node_name(5), Fault::FlakyOnce);
    let (port, sim) = serve(sim);
    let env = Env::new(port);
    let o = env.run(&["--timeout", "1s", "-o", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    let r = report(&o);
    assert_eq!(r["summary"]["collected"], 2);
    assert_eq!(r["summary"]["unreachable"], 4);
    let why: BTreeMap<String, (String, String)> = r["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["status"] == "unreachable")
        .map(|n| {
            let u = &n["unreachable"];
            (
                n["name"].as_str().unwrap_or("").to_string(),
                (
                    u["reason"].as_str().unwrap_or("").to_string(),
                    u["detail"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect();
    let get = |i: usize| why.get(&synth::node_name(i)).cloned().unwrap_or_default();
    assert_eq!(get(1).0, "pending-timeout");
    assert!(get(1).1.contains("Unschedulable"), "{:?}", get(1));
    assert_eq!(get(2).0, "image-pull");
    assert!(get(2).1.contains("ImagePullBackOff"), "{:?}", get(2));
    assert_eq!(get(3).0, "node-gone");
    assert_eq!(get(4).0, "log-not-json");
    assert!(
        get(4).1.contains("executable file not found"),
        "{:?}",
        get(4)
    );
    let mut codes = culprits(&r);
    codes.sort();
    assert_eq!(
        codes,
        (1..=4)
            .map(|i| (synth::node_name(i), "CLUSTER-NODE-UNREACHABLE".to_string()))
            .collect::<Vec<_>>()
    );
    assert!(
        sim.pods.lock().expect("pods").is_empty(),
        "every Pod deleted, failed ones too"
    );
    // Text: the unreachable section says why.
    let o = env.run(&["--timeout", "1s"]);
    assert!(out(&o).contains("unreachable 4"), "{}", out(&o));
    assert!(out(&o).contains("ImagePullBackOff"), "{}", out(&o));
}

#[test]
fn bundle_all_nodes_through_the_api_holds_every_node_and_why_one_failed() {
    let mut sim = synthetic_sim(4);
    sim.faults
        .insert(synth::node_name(2), Fault::PendingForever);
    let (port, sim) = serve(sim);
    let env = Env::new(port);
    let (o, file) = env.bundle("all.tar.gz", &["--timeout", "1s", "--concurrency", "2"]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(
        sim.pods.lock().expect("pods").is_empty(),
        "every Pod deleted"
    );
    let m = bundle_members(&file);
    let manifest: Value = serde_json::from_slice(&m["manifest.json"]).expect("manifest");
    let collected: Vec<String> = [0, 1, 3].iter().map(|&i| synth::node_name(i)).collect();
    assert_eq!(manifest["nodes"], json!(collected));
    let failures = manifest["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(
        failures[0]["what"],
        json!(format!("node {}", synth::node_name(2)))
    );
    assert!(
        failures[0]["why"]
            .as_str()
            .unwrap_or_default()
            .starts_with("pending-timeout: "),
        "{failures:?}"
    );
    for n in &collected {
        assert!(m.contains_key(&format!("nodes/{n}/state.json")), "{n}");
        assert!(
            m.contains_key(&format!("nodes/{n}/node-status.json")),
            "{n}"
        );
    }
    assert!(m.contains_key("cluster/intent.json"));
    let r: Value = serde_json::from_slice(&m["cluster-status.json"]).expect("report");
    assert_eq!(r["summary"]["collected"], 3);
    assert_eq!(r["summary"]["unreachable"], 1);
    assert!(std::str::from_utf8(&m["cluster-status.txt"])
        .expect("utf-8")
        .contains("unreachable 1"));

    // Read back: verified, and one node's report from it.
    let o = bin(&env.dir.path().join("home"))
        .args(["bundle", "inspect", file.to_str().expect("utf8")])
        .output()
        .expect("inspect");
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains(&collected.join(", ")), "{}", out(&o));
    let o = bin(&env.dir.path().join("home"))
        .args([
            "node-status",
            "--from",
            file.to_str().expect("utf8"),
            "--node",
            &collected[0],
            "-o",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .expect("node-status");
    assert!(o.status.success(), "{}", err(&o));
    let from: Value = serde_json::from_slice(&o.stdout).expect("node-status json");
    let inside: Value =
        serde_json::from_slice(&m[&format!("nodes/{}/node-status.json", collected[0])])
            .expect("node-status.json");
    assert_eq!(from["findings"], inside["findings"]);
}

#[test]
fn forbidden_create_is_one_line_naming_the_rbac_manifest() {
    let mut sim = synthetic_sim(3);
    sim.forbid_create = true;
    let (port, sim) = serve(sim);
    let env = Env::new(port);
    let o = env.run(&[]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.starts_with("netdiag: "), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    assert!(e.contains("deploy/netdiag-cluster-status-rbac.yaml"), "{e}");
    assert!(e.contains("POST /api/v1/namespaces/netdiag/pods"), "{e}");
    assert!(out(&o).is_empty());
    assert!(sim.pods.lock().expect("pods").is_empty());
}

#[test]
fn an_unreachable_api_is_one_line_and_exit_2() {
    let env = Env::new(1);
    let o = env.run(&[]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.starts_with("netdiag: ") && e.trim_end().lines().count() == 1,
        "{e}"
    );
    assert!(e.contains("unreachable"), "{e}");
}

#[test]
fn ctrl_c_deletes_every_pod_it_created() {
    let mut sim = synthetic_sim(3);
    for i in 0..3 {
        sim.faults
            .insert(synth::node_name(i), Fault::PendingForever);
    }
    let (port, sim) = serve(sim);
    let env = Env::new(port);
    let kc = env.dir.path().join("kubeconfig");
    let child = bin(&env.dir.path().join("home"))
        .args([
            "cluster-status",
            "--kubeconfig",
            kc.to_str().expect("utf8"),
            "--poll-interval",
            "20ms",
            "--timeout",
            "60s",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Bounded: 10 s for the three Pods to exist.
    for _ in 0..500 {
        if sim.pods.lock().expect("pods").len() == 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        sim.pods.lock().expect("pods").len(),
        3,
        "the Pods were created"
    );
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let o = child.wait_with_output().expect("wait");
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.starts_with("netdiag: interrupted: 3 Pod(s) deleted"),
        "{e}"
    );
    assert!(
        sim.pods.lock().expect("pods").is_empty(),
        "nothing left behind"
    );
}

#[test]
fn cleanup_deletes_leftover_pods_by_label() {
    let sim = synthetic_sim(2);
    {
        let mut pods = sim.pods.lock().expect("pods");
        for (name, app) in [
            ("netdiag-dead-0000", "netdiag"),
            ("netdiag-dead-0001", "netdiag"),
            ("someone-else", "web"),
        ] {
            pods.insert(name.into(), PodRec { node: "node-0000".into(), gets: 0,
                body: json!({"metadata": {"name": name, "namespace": "netdiag", "labels": {"app.kubernetes.io/name": app}}}) });
        }
    }
    let (port, sim) = serve(sim);
    let env = Env::new(port);
    let o = env.run(&["--cleanup"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("deleted pod netdiag/netdiag-dead-0000"),
        "{}",
        out(&o)
    );
    let left: Vec<String> = sim.pods.lock().expect("pods").keys().cloned().collect();
    assert_eq!(left, vec!["someone-else"]);
}

/// 1 000 nodes through the served API with the default concurrency (16): at most 16 Pods alive
/// at once, every Pod deleted, no culprit; prints wall time and peak RSS. Not a timed assertion;
/// `cargo test --release -p netdiag --test cluster -- --ignored --nocapture scale`.
#[test]
#[ignore]
fn scale_1000_nodes() {
    let n = 1000;
    let (port, sim) = serve(synthetic_sim(n));
    let env = Env::new(port);
    let kc = env.dir.path().join("kubeconfig");
    let args = [
        "cluster-status",
        "--kubeconfig",
        kc.to_str().expect("utf8"),
        "--poll-interval",
        "20ms",
        "-o",
        "json",
        "--request-timeout",
        "30s",
    ];
    let time = Path::new("/usr/bin/time");
    let start = std::time::Instant::now();
    let o = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-v")
            .arg(env!("CARGO_BIN_EXE_netdiag"))
            .args(args)
            .env("HOME", env.dir.path().join("home"))
            .env_remove("KUBECONFIG");
        c.output().expect("time runs")
    } else {
        bin(&env.dir.path().join("home"))
            .args(args)
            .output()
            .expect("runs")
    };
    let wall = start.elapsed();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        err(&o).lines().last().unwrap_or("")
    );
    let r = report(&o);
    assert_eq!(r["summary"]["collected"], n);
    assert_eq!(r["summary"]["pairs_checked"], n * (n - 1));
    assert!(r["culprits"].as_array().expect("culprits").is_empty());
    let max = *sim.max_live.lock().expect("max");
    assert!(max <= 16, "at most --concurrency Pods at once, saw {max}");
    assert_eq!(sim.deleted.lock().expect("deleted").len(), n);
    let pick = |what: &str| {
        err(&o)
            .lines()
            .find(|l| l.contains(what))
            .map(|l| l.trim().to_string())
            .unwrap_or_default()
    };
    eprintln!(
        "scale: {n} nodes, concurrency 16, max Pods alive {max}: {}; {}; {}; {} (seen by the test: {wall:?})",
        pick("Elapsed (wall clock)"), pick("User time"), pick("System time"), pick("Maximum resident set size")
    );
}

// ---- the lab (root) --------------------------------------------------------------------------

use lab_util::{netdiag, text, Lab};

impl Lab {
    fn cluster_json(&self) -> Value {
        let o = netdiag(&[
            "cluster-status",
            "--lab",
            &self.name,
            "-o",
            "json",
            "--fail-on",
            "never",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("json")
    }

    /// The lab's nodes' `show state -o json` (what their Pods would print) and its intent, served
    /// by the stand-in API; `cluster-status` over it.
    fn cluster_json_via_api(&self) -> Value {
        let plan = netdiag::lab::load(&self.name).expect("lab.json");
        let mut docs = Vec::new();
        for (_, yaml) in netdiag::lab::intent::documents(&plan).expect("intent") {
            docs.push(serde_saphyr::from_str::<Value>(&yaml).expect("yaml"));
        }
        let mut sim = Sim::with_intent(&docs);
        for n in &plan.nodes {
            let o = netdiag(&[
                "show", "state", "--lab", &self.name, "--node", &n.name, "-o", "json",
            ]);
            assert!(o.status.success(), "{}", text(&o.stderr));
            sim.logs.insert(n.name.clone(), text(&o.stdout));
        }
        let (port, sim) = serve(sim);
        let env = Env::new(port);
        let o = env.run(&["-o", "json", "--fail-on", "never"]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert!(sim.pods.lock().expect("pods").is_empty());
        let mut v: Value = serde_json::from_slice(&o.stdout).expect("json");
        v["source"] = Value::Null;
        v
    }
}

fn without_source(mut v: Value) -> Value {
    v["source"] = Value::Null;
    v
}

#[test]
fn lab_cluster_status_names_the_culprit_and_equals_the_api_path() {
    if !privileged::can_run("lab_cluster_status_names_the_culprit_and_equals_the_api_path") {
        return;
    }
    let lab = Lab::up("cs", &[]);
    let healthy = lab.cluster_json();
    assert_eq!(
        culprits(&healthy),
        Vec::<(String, String)>::new(),
        "{healthy:#}"
    );
    assert_eq!(healthy["summary"]["collected"], 4);
    assert_eq!(
        without_source(healthy.clone()),
        lab.cluster_json_via_api(),
        "same report both ways (healthy)"
    );

    lab.break_fault("stale-fdb", "worker", "worker3");
    let stale = lab.cluster_json();
    assert_eq!(
        culprits(&stale),
        vec![("worker".to_string(), "CLUSTER-STALE-PEER-STATE".to_string())],
        "{stale:#}"
    );
    assert_eq!(stale["culprits"][0]["peers"], json!(["worker3"]));
    let o = netdiag(&["cluster-status", "--lab", &lab.name]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("worker holds stale state for 1 peer"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(
        without_source(stale),
        lab.cluster_json_via_api(),
        "same report both ways (stale-fdb)"
    );

    let o = netdiag(&["lab", "heal", "--name", &lab.name]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = netdiag(&[
        "lab",
        "break",
        "node-ip-changed",
        "--name",
        &lab.name,
        "--node",
        "worker",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let moved = lab.cluster_json();
    let got = culprits(&moved);
    assert!(
        got.iter().all(|(n, _)| n == "worker"),
        "only worker is blamed: {got:?}"
    );
    assert!(
        got.contains(&("worker".into(), "CLUSTER-NODE-IP-CHANGED".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("worker".into(), "CLUSTER-NODE-IP-NOT-LOCAL".into())),
        "{got:?}"
    );
    assert_eq!(
        without_source(moved),
        lab.cluster_json_via_api(),
        "same report both ways (node-ip-changed)"
    );
}
