//! The cluster intent from the Kubernetes API, read as kubectl would (kubeconfig, context, in-cluster
//! service account) with the `kube` client. Raw list requests only: every page is handed to the same
//! `parse_resources` that reads `kubectl get -o json` files, so files and API cannot disagree.
//!
//! Guarantees: read-only (`get`/`list` on the resources in `deploy/netdiag-clusterrole.yaml`, nothing
//! else, never Secrets); which Calico API group to use is discovered once (`projectcalico.org/v3`
//! when the Calico API server serves it, else the CRDs `crd.projectcalico.org/v1`); lists are paged
//! (`limit`/`continue`); every request has `--request-timeout`; every failure is one specific line
//! (unreachable, TLS, 401, 403 naming verb and resource, CRDs absent, timeout).
//!
//! Two kinds of failure, kept apart by type: a kubeconfig that cannot be used is the caller's
//! mistake (a plain error: exit 2), while an API that cannot be read once the client exists
//! (unreachable, TLS, 401, 403, CRDs absent, timeout, a page that does not parse) is an
//! [`Unavailable`]: `node-status` then still runs its local checks and reports the rest unknown.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};
use netdiag_core::model::cluster::Listed;
use netdiag_core::ClusterIntent;
use serde_json::Value;

use crate::cli::SourceArgs;

/// Items per list page: what kubectl uses, and small enough that a 150 000-pod list never sits in
/// memory as one response.
const PAGE_LIMIT: usize = 500;

/// The manifest to grant when the API says 403.
const CLUSTERROLE: &str = "deploy/netdiag-clusterrole.yaml";

/// The API server could not be read although the client could be built from the configuration:
/// the one-line error says what failed; [`Unavailable::hint`] says what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(String);

impl Unavailable {
    /// What to do, for a report that carries this error instead of the intent.
    pub fn hint(&self) -> String {
        format!(
            "the intent-dependent checks are unknown: grant read access (kubectl apply -f {CLUSTERROLE} and bind it), check --kubeconfig/--context and the server, or pass --from DIR with the cluster's resources in DIR/cluster/"
        )
    }
}

/// Whether the API can be asked: a kubeconfig exists (`--kubeconfig`, `KUBECONFIG`,
/// `~/.kube/config`) or netdiag runs in a pod (the service-account environment).
pub fn available(args: &SourceArgs) -> bool {
    args.kubeconfig.is_some()
        || args.context.is_some()
        || env_kubeconfig().is_some()
        || home_kubeconfig().is_some_and(|p| p.is_file())
        || in_cluster()
}

/// The API was asked for explicitly (`--kubeconfig` or `--context`): it wins over `--from`'s
/// `cluster/`.
pub fn explicit(args: &SourceArgs) -> bool {
    args.kubeconfig.is_some() || args.context.is_some()
}

fn env_kubeconfig() -> Option<String> {
    std::env::var("KUBECONFIG").ok().filter(|v| !v.is_empty())
}

fn home_kubeconfig() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube").join("config"))
}

fn in_cluster() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
        && std::env::var_os("KUBERNETES_SERVICE_PORT").is_some()
}

/// What a command needs from the API: listing only that keeps `show nodes` of a 150 000-pod cluster
/// from reading the pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Everything (`capture`, and `node-status` without `--node`).
    All,
    /// Everything, but with `--node` only that node's pods (`fieldSelector=spec.nodeName=`): the
    /// workload checks look at local pods only (`node-status`).
    AllLocalPods,
    Pools,
    Nodes,
    /// IPAM blocks and their affinities.
    Blocks,
    Pods,
}

/// Reads the intent: discovery, then every list (concurrently), merged in a fixed order.
pub fn load_intent(args: &SourceArgs) -> Result<ClusterIntent> {
    load_intent_for(args, Needs::All)
}

/// Reads the part of the intent that `needs` names (see [`Needs`]).
pub fn load_intent_for(args: &SourceArgs, needs: Needs) -> Result<ClusterIntent> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the Kubernetes client's runtime")?;
    rt.block_on(load(args, needs, None))
}

/// The whole intent, plus the text of every list page and object read, as the server sent them
/// (`netdiag bundle` keeps their safe part), and the server's URL.
pub fn load_intent_raw(args: &SourceArgs) -> Result<(ClusterIntent, Vec<String>, String)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the Kubernetes client's runtime")?;
    let raw = Raw::default();
    let intent = rt.block_on(load(args, Needs::All, Some(raw.clone())))?;
    let server = raw.server.lock().map(|s| s.clone()).unwrap_or_default();
    let pages = raw.pages.lock().map(|p| p.clone()).unwrap_or_default();
    Ok((intent, pages, server))
}

/// Where the raw responses go when asked for.
#[derive(Clone, Default)]
struct Raw {
    pages: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    server: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Raw {
    fn keep(api: &Api, text: &str) {
        if let Some(raw) = &api.raw {
            if let Ok(mut p) = raw.pages.lock() {
                p.push(text.to_string());
            }
        }
    }
}

struct Api {
    client: kube::Client,
    server: String,
    timeout: Option<Duration>,
    raw: Option<Raw>,
}

async fn config(args: &SourceArgs) -> Result<kube::Config> {
    let options = KubeConfigOptions {
        context: args.context.clone(),
        ..KubeConfigOptions::default()
    };
    if let Some(path) = &args.kubeconfig {
        let kc = Kubeconfig::read_from(path)
            .map_err(|e| anyhow!("{}: cannot read the kubeconfig: {e}", path.display()))?;
        return kube::Config::from_custom_kubeconfig(kc, &options)
            .await
            .map_err(|e| anyhow!("{}: unusable kubeconfig: {e}", path.display()));
    }
    if env_kubeconfig().is_some() || home_kubeconfig().is_some_and(|p| p.is_file()) {
        let which = env_kubeconfig().unwrap_or_else(|| "~/.kube/config".to_string());
        return kube::Config::from_kubeconfig(&options)
            .await
            .map_err(|e| anyhow!("{which}: unusable kubeconfig: {e}"));
    }
    kube::Config::incluster()
        .map_err(|e| anyhow!("in-cluster service account: unusable configuration: {e}"))
}

/// A client for `args` (kubeconfig, context, `--request-timeout`), its server URL and the
/// per-request limit: for commands that do more than read the intent (`cluster-status`'s Pods).
/// A configuration that cannot be used is a plain error (exit 2).
pub async fn connect(args: &SourceArgs) -> Result<(kube::Client, String, Option<Duration>)> {
    let mut cfg = config(args).await?;
    let timeout = (!args.request_timeout.is_zero()).then_some(args.request_timeout);
    cfg.connect_timeout = timeout;
    cfg.read_timeout = timeout;
    let server = cfg.cluster_url.to_string();
    let server = server.trim_end_matches('/').to_string();
    let client = kube::Client::try_from(cfg)
        .map_err(|e| anyhow!("API server {server}: cannot build a client: {e}"))?;
    Ok((client, server, timeout))
}

/// One line for a failed request that is not an API `Status` (unreachable, TLS, timeout), worded
/// as the intent's requests word theirs; `verb` is the HTTP method shown.
pub fn describe_transport(
    server: &str,
    timeout: Option<Duration>,
    method: &str,
    path: &str,
    e: kube::Error,
) -> anyhow::Error {
    let f = match e {
        kube::Error::Api(s) => Failure::Api(s),
        other => Failure::Other(other),
    };
    let line = describe_at(server, timeout, path, "get", f).to_string();
    anyhow!("{}", line.replacen("GET ", &format!("{method} "), 1))
}

/// A request timed out after `t` (the limit around one request).
pub fn describe_timeout(server: &str, method: &str, path: &str, t: Duration) -> anyhow::Error {
    let shown = path.split('?').next().unwrap_or(path);
    anyhow!(
        "API server {server}: {method} {shown} timed out after {}: the server is slow or unreachable (raise --request-timeout)",
        humantime(t)
    )
}

async fn load(args: &SourceArgs, needs: Needs, raw: Option<Raw>) -> Result<ClusterIntent> {
    let mut cfg = config(args).await?;
    let timeout = (!args.request_timeout.is_zero()).then_some(args.request_timeout);
    cfg.connect_timeout = timeout;
    cfg.read_timeout = timeout;
    let server = cfg.cluster_url.to_string();
    let server = server.trim_end_matches('/').to_string();
    let client = kube::Client::try_from(cfg)
        .map_err(|e| anyhow!("API server {server}: cannot build a client: {e}"))?;
    if let Some(r) = &raw {
        if let Ok(mut s) = r.server.lock() {
            s.clone_from(&server);
        }
    }
    let api = Api {
        client,
        server,
        timeout,
        raw,
    };
    read(args, needs, &api)
        .await
        .map_err(|e| anyhow::Error::new(Unavailable(e.to_string())))
}

/// Everything after the client exists: each failure here is the API's, not the configuration's.
async fn read(args: &SourceArgs, needs: Needs, api: &Api) -> Result<ClusterIntent> {
    let calico = discover(api).await?;
    // Flannel's (or Canal's) ConfigMap: looked for always, since it decides the dataplane.
    let mut flannel_notes = Vec::new();
    let mut flannel = None;
    for path in FLANNEL_CONFIGMAPS {
        match get_optional_or_denied(api, path).await? {
            Ok(Some(text)) => {
                Raw::keep(api, &text);
                flannel = Some(parse(&text, path)?);
                break;
            }
            Ok(None) => {}
            Err(note) => flannel_notes.push(note),
        }
    }
    let calico_served = calico.v3.is_some() || calico.crd;
    if !calico_served && flannel.is_none() {
        bail!(
            "API server {}: neither projectcalico.org/v3 nor crd.projectcalico.org/v1 is served: is Calico installed? (nor is Flannel: no kube-flannel/kube-flannel-cfg, kube-system/kube-flannel-cfg or kube-system/canal-config ConfigMap)",
            api.server
        );
    }
    let mut pods = match &args.namespace {
        Some(ns) => format!("/api/v1/namespaces/{ns}/pods"),
        None => "/api/v1/pods".to_string(),
    };
    if let (Needs::AllLocalPods, Some(node)) = (needs, &args.node) {
        pods.push_str("?fieldSelector=spec.nodeName%3D");
        pods.push_str(&encode(node));
    }
    let needs = match needs {
        Needs::AllLocalPods => Needs::All,
        other => other,
    };
    let all = needs == Needs::All;
    let mut lists: Vec<String> = Vec::new();
    for (resource, kind, wanted) in [
        ("ippools", "IPPool", all || needs == Needs::Pools),
        (
            "blockaffinities",
            "BlockAffinity",
            all || needs == Needs::Blocks,
        ),
        ("ipamblocks", "IPAMBlock", all || needs == Needs::Blocks),
        ("felixconfigurations", "FelixConfiguration", all),
    ] {
        // A Flannel-only cluster has no Calico resources to list.
        if wanted && calico_served {
            lists.push(calico.path(resource, kind, &api.server)?);
        }
    }
    if all || needs == Needs::Nodes {
        if calico.v3.as_ref().is_some_and(|r| r.contains("nodes")) {
            lists.push("/apis/projectcalico.org/v3/nodes".to_string());
        }
        lists.push("/api/v1/nodes".to_string());
    }
    if all || needs == Needs::Pods {
        lists.push(pods);
    }

    let listed = futures::future::try_join_all(lists.iter().map(|p| list(api, p))).await?;
    let configmap = if all && calico_served {
        get_optional(
            api,
            "/api/v1/namespaces/kube-system/configmaps/calico-config",
        )
        .await?
    } else {
        None
    };

    // The operator's Installation, when the operator is installed: absent (404) is normal, and
    // an older ClusterRole without it costs a note, not the intent.
    let installation = if all && calico.operator {
        list_optional(
            api,
            INSTALLATIONS,
            "the backend and MTU of the operator's Installation are not used",
        )
        .await?
    } else {
        None
    };
    // BGPConfigurations (whether confd writes the node-to-node mesh): absent is Calico's
    // defaults, and an older ClusterRole without them costs a note, not the intent.
    let bgp_path = calico
        .path("bgpconfigurations", "BGPConfiguration", &api.server)
        .ok()
        .filter(|_| all && calico_served);
    let bgp_configs = match bgp_path {
        Some(path) => {
            list_optional(
                api,
                &path,
                "whether the node-to-node mesh is on is assumed from BIRD's sessions",
            )
            .await?
        }
        None => None,
    };

    let mut intent = ClusterIntent::default();
    for part in listed {
        intent.extend(part);
    }
    // What the API listed is the whole truth, empty lists and a missing calico-config included.
    intent.listed = intent.listed.union(Listed {
        pools: calico_served && (all || needs == Needs::Pools),
        nodes: all || needs == Needs::Nodes,
        blocks: calico_served && (all || needs == Needs::Blocks),
        affinities: calico_served && (all || needs == Needs::Blocks),
        felix: calico_served && all,
        pods: all || needs == Needs::Pods,
        calico_config: calico_served && all,
    });
    if let Some(part) = flannel {
        intent.extend(part);
    }
    intent.notes.extend(flannel_notes);
    for part in [installation, bgp_configs].into_iter().flatten() {
        match part {
            Ok(part) => intent.extend(part),
            Err(note) => intent.notes.push(note),
        }
    }
    if let Some(text) = configmap {
        Raw::keep(api, &text);
        intent.extend(parse(
            &text,
            "/api/v1/namespaces/kube-system/configmaps/calico-config",
        )?);
    }
    Ok(intent)
}

/// Which Calico group serves what: `projectcalico.org/v3`'s resources (when the Calico API server
/// is installed), whether the CRDs' group is served, and whether the operator's group is.
struct Calico {
    v3: Option<HashSet<String>>,
    crd: bool,
    operator: bool,
}

/// The operator's Installations (one, `default`, in practice).
const INSTALLATIONS: &str = "/apis/operator.tigera.io/v1/installations";

impl Calico {
    /// The list path of a Calico resource: v3 when served there, else the CRD.
    fn path(&self, resource: &str, kind: &str, server: &str) -> Result<String> {
        if self.v3.as_ref().is_some_and(|r| r.contains(resource)) {
            Ok(format!("/apis/projectcalico.org/v3/{resource}"))
        } else if self.crd {
            Ok(format!("/apis/crd.projectcalico.org/v1/{resource}"))
        } else {
            bail!(
                "API server {server}: no {kind} resource in projectcalico.org/v3 and no crd.projectcalico.org/v1 group: is Calico installed?"
            )
        }
    }
}

async fn discover(api: &Api) -> Result<Calico> {
    let text = request(api, "/apis", "get").await?;
    let groups: Value = serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "API server {}: GET /apis: not an APIGroupList: {e}",
            api.server
        )
    })?;
    let served = |group: &str, version: &str| {
        groups["groups"].as_array().is_some_and(|gs| {
            gs.iter().any(|g| {
                g["name"] == group
                    && g["versions"]
                        .as_array()
                        .is_some_and(|vs| vs.iter().any(|v| v["version"] == version))
            })
        })
    };
    let crd = served("crd.projectcalico.org", "v1");
    let operator = served("operator.tigera.io", "v1");
    let v3 = if served("projectcalico.org", "v3") {
        let text = request(api, "/apis/projectcalico.org/v3", "get").await?;
        let list: Value = serde_json::from_str(&text).map_err(|e| {
            anyhow!(
                "API server {}: GET /apis/projectcalico.org/v3: not an APIResourceList: {e}",
                api.server
            )
        })?;
        Some(
            list["resources"]
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .filter_map(|r| r["name"].as_str())
                        .filter(|n| !n.contains('/'))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        )
    } else {
        None
    };
    // Neither group: a Flannel-only cluster, or no CNI netdiag knows; `read` decides once it has
    // looked for Flannel's ConfigMap.
    Ok(Calico { v3, crd, operator })
}

/// Every page of one list, each parsed as it arrives. The next page is requested while the current
/// one is parsed on a blocking thread: with 300 pages of pods, waiting for the server and parsing
/// one after the other would add the two up.
async fn list(api: &Api, path: &str) -> Result<ClusterIntent> {
    let url = |token: Option<&str>| {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={PAGE_LIMIT}");
        if let Some(t) = token {
            url.push_str("&continue=");
            url.push_str(&encode(t));
        }
        url
    };
    let mut intent = ClusterIntent::default();
    let mut token: Option<String> = None;
    let mut text = request(api, &url(None), "list").await?;
    // Bounded: a server handing out continue tokens forever stops after a million pages.
    for _ in 0..1_000_000 {
        let next = continue_token(&text);
        if next.is_some() && next == token {
            bail!(
                "API server {}: {path}: the server returned the same continue token twice",
                api.server
            );
        }
        Raw::keep(api, &text);
        let owned = path.to_string();
        let parsing = tokio::task::spawn_blocking(move || parse(&text, &owned));
        let (page, fetched) = match &next {
            Some(t) => {
                let next_url = url(Some(t));
                let (page, fetched) = tokio::join!(parsing, request(api, &next_url, "list"));
                (page, Some(fetched))
            }
            None => (parsing.await, None),
        };
        intent.extend(page.map_err(|e| anyhow!("{path}: parsing a page failed: {e}"))??);
        match fetched {
            None => return Ok(intent),
            Some(f) => text = f?,
        }
        token = next;
    }
    bail!(
        "API server {}: {path}: the list did not end after a million pages",
        api.server
    )
}

/// `metadata.continue` of a list response, without parsing the whole page twice: the API server
/// writes `metadata` before `items`, so the first `"continue"` key is the list's.
fn continue_token(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(rename = "continue", default)]
        cont: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(default)]
        metadata: Option<Meta>,
    }
    let head: Head = serde_json::from_str(text).ok()?;
    head.metadata?.cont.filter(|c| !c.is_empty())
}

fn parse(text: &str, path: &str) -> Result<ClusterIntent> {
    netdiag_parsers::cluster::parse_resources(text)
        .map_err(|e| e.in_file(format!("GET {path}")))
        .map_err(|e| anyhow!("{e}"))
}

/// Percent-encodes a continue token for a query string (tokens are base64, so `+`, `/`, `=`).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where Flannel's net-conf.json lives: kube-flannel.yml's namespace, older manifests' (and
/// RKE2's), and Canal's ConfigMap.
const FLANNEL_CONFIGMAPS: [&str; 4] = [
    "/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg",
    "/api/v1/namespaces/kube-system/configmaps/kube-flannel-cfg",
    "/api/v1/namespaces/kube-system/configmaps/canal-config",
    // RKE2's Canal chart.
    "/api/v1/namespaces/kube-system/configmaps/rke2-canal-config",
];

/// A GET whose 404 means absent and whose 403 costs a note (an older ClusterRole), not the intent.
async fn get_optional_or_denied(
    api: &Api,
    path: &str,
) -> Result<std::result::Result<Option<String>, String>> {
    match send(api, path).await {
        Ok(text) => Ok(Ok(Some(text))),
        Err(Failure::Api(s)) if s.code == 404 => Ok(Ok(None)),
        Err(Failure::Api(s)) if s.code == 403 => Ok(Err(format!(
            "GET {path} forbidden (403): Flannel's net-conf.json is not read; grant get on it ({CLUSTERROLE})"
        ))),
        Err(f) => Err(describe(api, path, "get", f)),
    }
}

/// A GET whose 404 means "absent", not an error (the `calico-config` ConfigMap).
async fn get_optional(api: &Api, path: &str) -> Result<Option<String>> {
    match send(api, path).await {
        Ok(text) => Ok(Some(text)),
        Err(Failure::Api(s)) if s.code == 404 => Ok(None),
        Err(f) => Err(describe(api, path, "get", f)),
    }
}

/// A list that may be absent or denied without costing the intent: `None` on 404, `Some(Err(note))`
/// on 403 (the note says what is `lost` without it and what to grant), else every page.
async fn list_optional(
    api: &Api,
    path: &str,
    lost: &str,
) -> Result<Option<std::result::Result<ClusterIntent, String>>> {
    let url = format!("{path}?limit={PAGE_LIMIT}");
    match send(api, &url).await {
        Ok(_) => Ok(Some(Ok(list(api, path).await?))),
        Err(Failure::Api(s)) if s.code == 404 => Ok(None),
        Err(Failure::Api(s)) if s.code == 403 => {
            let (res, _) = resource_of(path);
            Ok(Some(Err(format!(
                "{res} not readable (403): {lost}; grant list on it ({CLUSTERROLE})"
            ))))
        }
        Err(f) => Err(describe(api, path, "list", f)),
    }
}

async fn request(api: &Api, path: &str, verb: &str) -> Result<String> {
    send(api, path)
        .await
        .map_err(|f| describe(api, path, verb, f))
}

enum Failure {
    Api(Box<kube::core::Status>),
    Timeout(Duration),
    Other(kube::Error),
}

async fn send(api: &Api, path: &str) -> std::result::Result<String, Failure> {
    let req = http::Request::get(path)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| Failure::Other(kube::Error::HttpError(e)))?;
    let fut = api.client.request_text(req);
    let res = match api.timeout {
        Some(t) => tokio::time::timeout(t, fut)
            .await
            .map_err(|_| Failure::Timeout(t))?,
        None => fut.await,
    };
    res.map_err(|e| match e {
        kube::Error::Api(s) => Failure::Api(s),
        other => Failure::Other(other),
    })
}

/// `/apis/crd.projectcalico.org/v1/ippools` → (`ippools.crd.projectcalico.org`, cluster-wide?).
fn resource_of(path: &str) -> (String, Option<String>) {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", _v, rest @ ..] => (String::new(), rest),
        ["apis", g, _v, rest @ ..] => (g.to_string(), rest),
        _ => return (path.to_string(), None),
    };
    let (ns, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(ns.to_string()), rest),
        _ => (None, rest),
    };
    let name = rest.first().copied().unwrap_or("");
    let res = if group.is_empty() {
        name.to_string()
    } else {
        format!("{name}.{group}")
    };
    (res, ns)
}

fn describe(api: &Api, path: &str, verb: &str, f: Failure) -> anyhow::Error {
    describe_at(&api.server, api.timeout, path, verb, f)
}

fn describe_at(
    server: &str,
    timeout: Option<Duration>,
    path: &str,
    verb: &str,
    f: Failure,
) -> anyhow::Error {
    let shown = path.split('?').next().unwrap_or(path);
    match f {
        Failure::Timeout(t) => anyhow!(
            "API server {server}: GET {shown} timed out after {}: the server is slow or unreachable (raise --request-timeout)",
            humantime(t)
        ),
        Failure::Api(s) => match s.code {
            401 => anyhow!(
                "API server {server}: 401 Unauthorized on GET {shown}: the kubeconfig's credentials were rejected (expired token or certificate?)"
            ),
            403 => {
                let (res, ns) = resource_of(shown);
                let scope = match ns {
                    Some(ns) => format!("in namespace {ns}"),
                    None => "cluster-wide".to_string(),
                };
                let said = if s.message.is_empty() {
                    String::new()
                } else {
                    format!(" (server: {})", s.message.replace('\n', " "))
                };
                anyhow!(
                    "API server {server}: forbidden: RBAC does not allow verb {verb:?} on {res:?} {scope}: bind the ClusterRole in {CLUSTERROLE} to this user{said}"
                )
            }
            404 if shown.contains("projectcalico.org") => {
                let (res, _) = resource_of(shown);
                anyhow!(
                    "API server {server}: 404 on GET {shown}: {res} is not served (the Calico CRDs are absent: is Calico installed?)"
                )
            }
            code => anyhow!(
                "API server {server}: GET {shown}: {code} {}: {}",
                s.reason,
                s.message.replace('\n', " ")
            ),
        },
        Failure::Other(e) => {
            let chain = error_chain(&e);
            let lower = chain.to_lowercase();
            if lower.contains("connection refused") {
                anyhow!("API server {server} is unreachable: connection refused (is the kubeconfig's server address right?)")
            } else if lower.contains("certificate")
                || lower.contains("tls")
                || lower.contains("handshake")
            {
                anyhow!("API server {server}: TLS failure: {chain} (check the kubeconfig's certificate-authority and the server name)")
            } else if lower.contains("timed out") || lower.contains("timeout") {
                // The client's own read timeout is the same limit as the one around the request
                // and may fire first: say the same thing either way.
                let after = timeout
                    .map(|t| format!(" after {}", humantime(t)))
                    .unwrap_or_default();
                anyhow!(
                    "API server {server}: GET {shown} timed out{after}: the server is slow or unreachable (raise --request-timeout)"
                )
            } else if lower.contains("dns")
                || lower.contains("failed to lookup")
                || lower.contains("name or service")
            {
                anyhow!("API server {server} is unreachable: the name does not resolve: {chain}")
            } else {
                anyhow!("API server {server}: GET {shown} failed: {chain}")
            }
        }
    }
}

/// The error and all its sources on one line, duplicates dropped.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ").replace('\n', " ")
}

fn humantime(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_named_as_rbac_names_them() {
        assert_eq!(
            resource_of("/apis/crd.projectcalico.org/v1/ippools?limit=500"),
            ("ippools.crd.projectcalico.org".to_string(), None)
        );
        assert_eq!(
            resource_of("/api/v1/namespaces/kube-system/configmaps/calico-config"),
            ("configmaps".to_string(), Some("kube-system".to_string()))
        );
        assert_eq!(resource_of("/api/v1/pods"), ("pods".to_string(), None));
    }

    #[test]
    fn continue_tokens_are_read_and_encoded() {
        let page = r#"{"kind":"PodList","metadata":{"resourceVersion":"1","continue":"a+b/c="},"items":[]}"#;
        assert_eq!(continue_token(page).as_deref(), Some("a+b/c="));
        assert_eq!(encode("a+b/c="), "a%2Bb%2Fc%3D");
        assert_eq!(continue_token(r#"{"metadata":{"continue":""}}"#), None);
    }
}
