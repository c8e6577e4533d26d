//! The Kubernetes edge of `netdiag cluster-status`: list the selected Nodes, create one collector
//! Pod per node in the `netdiag` namespace, read its phase and its log, delete it; list and delete
//! leftovers by label. Raw requests through the `kube` client, as `kube.rs` does for the intent.
//!
//! Guarantees: writes only Pods in namespace [`NAMESPACE`] labelled `app.kubernetes.io/name=netdiag`
//! (the Role in deploy/netdiag-cluster-status-rbac.yaml allows nothing else); every request is
//! limited by `--request-timeout`; every failure is one line, 403s naming that manifest.

use std::time::Duration;

use anyhow::{anyhow, Result};
use serde_json::{json, Value};

use super::kube;

pub const NAMESPACE: &str = "netdiag";
/// The label every collector Pod carries (`--cleanup` deletes by it).
pub const APP_LABEL: (&str, &str) = ("app.kubernetes.io/name", "netdiag");
/// The label of one run's Pods.
pub const RUN_LABEL: &str = "netdiag.io/run";
pub const RBAC: &str = "deploy/netdiag-cluster-status-rbac.yaml";
pub const NAMESPACE_MANIFEST: &str = "deploy/netdiag-namespace.yaml";

/// A failed request: the API's status code and message, or a transport failure as one line.
#[derive(Debug)]
pub enum ApiError {
    Status {
        code: u16,
        reason: String,
        message: String,
    },
    Other(anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> Option<u16> {
        match self {
            ApiError::Status { code, .. } => Some(*code),
            ApiError::Other(_) => None,
        }
    }

    /// One line, naming what to grant on 403.
    pub fn line(&self, server: &str, method: &str, path: &str) -> String {
        let shown = path.split('?').next().unwrap_or(path);
        match self {
            ApiError::Status { code: 403, message, .. } => format!(
                "API server {server}: forbidden: RBAC does not allow {method} {shown}: apply {NAMESPACE_MANIFEST} and {RBAC} and bind the Role to this user (server: {})",
                message.replace('\n', " ")
            ),
            ApiError::Status { code: 401, .. } => format!(
                "API server {server}: 401 Unauthorized on {method} {shown}: the kubeconfig's credentials were rejected (expired token or certificate?)"
            ),
            ApiError::Status {
                code,
                reason,
                message,
            } => format!(
                "API server {server}: {method} {shown}: {code} {reason}: {}",
                message.replace('\n', " ")
            ),
            ApiError::Other(e) => format!("{e:#}"),
        }
    }
}

/// The API as cluster-status uses it.
#[derive(Clone)]
pub struct PodApi {
    client: ::kube::Client,
    pub server: String,
    timeout: Option<Duration>,
}

/// A Pod's phase, and why it waits when it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodPhase {
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
    pub phase: String,
    /// The container's waiting reason and message (`ErrImagePull: …`), else a false condition's
    /// (`Unschedulable: 0/3 nodes …`), else the Pod's own.
    pub why: Option<String>,
    /// The waiting reason alone (`ErrImagePull`, `ImagePullBackOff`, …).
    pub waiting_reason: Option<String>,
}

impl PodApi {
    pub async fn connect(args: &crate::cli::SourceArgs) -> Result<PodApi> {
        let (client, server, timeout) = kube::connect(args).await?;
        Ok(PodApi {
            client,
            server,
            timeout,
        })
    }

    async fn send(
        &self,
        method: http::Method,
        path: &str,
        body: Option<Value>,
    ) -> std::result::Result<String, ApiError> {
        let mut req = http::Request::builder()
            .method(method.clone())
            .uri(path)
            .header(http::header::ACCEPT, "application/json");
        let bytes = match body {
            Some(b) => {
                req = req.header(http::header::CONTENT_TYPE, "application/json");
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        let req = req
            .body(bytes)
            .map_err(|e| ApiError::Other(anyhow!("{method} {path}: {e}")))?;
        let fut = self.client.request_text(req);
        let res = match self.timeout {
            Some(t) => tokio::time::timeout(t, fut).await.map_err(|_| {
                ApiError::Other(kube::describe_timeout(
                    &self.server,
                    method.as_str(),
                    path,
                    t,
                ))
            })?,
            None => fut.await,
        };
        res.map_err(|e| match e {
            ::kube::Error::Api(s) => ApiError::Status {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            },
            other => ApiError::Other(kube::describe_transport(
                &self.server,
                self.timeout,
                method.as_str(),
                path,
                other,
            )),
        })
    }

    /// The names of the Nodes matching `selector` (all without one), every page.
    pub async fn node_names(&self, selector: Option<&str>) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..100_000 {
            let mut path = "/api/v1/nodes?limit=500".to_string();
            if let Some(sel) = selector {
                path.push_str("&labelSelector=");
                path.push_str(&encode(sel));
            }
            if let Some(t) = &token {
                path.push_str("&continue=");
                path.push_str(&encode(t));
            }
            let text = self
                .send(http::Method::GET, &path, None)
                .await
                .map_err(|e| match e.code() {
                    Some(403) => anyhow!(
                        "API server {}: forbidden: RBAC does not allow verb \"list\" on \"nodes\" cluster-wide: bind the ClusterRole in deploy/netdiag-clusterrole.yaml to this user",
                        self.server
                    ),
                    _ => anyhow!("{}", e.line(&self.server, "GET", &path)),
                })?;
            let v: Value = serde_json::from_str(&text).map_err(|e| {
                anyhow!(
                    "API server {}: GET /api/v1/nodes: not a NodeList: {e}",
                    self.server
                )
            })?;
            for item in v["items"].as_array().into_iter().flatten() {
                if let Some(n) = item["metadata"]["name"].as_str() {
                    names.push(n.to_string());
                }
            }
            token = v["metadata"]["continue"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                names.sort();
                names.dedup();
                return Ok(names);
            }
        }
        Err(anyhow!(
            "API server {}: GET /api/v1/nodes: the list did not end",
            self.server
        ))
    }

    pub async fn create_pod(&self, pod: Value) -> std::result::Result<(), ApiError> {
        let path = format!("/api/v1/namespaces/{NAMESPACE}/pods");
        self.send(http::Method::POST, &path, Some(pod))
            .await
            .map(|_| ())
    }

    pub async fn pod_phase(&self, name: &str) -> std::result::Result<PodPhase, ApiError> {
        let path = format!("/api/v1/namespaces/{NAMESPACE}/pods/{name}");
        let text = self.send(http::Method::GET, &path, None).await?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| ApiError::Other(anyhow!("GET {path}: not a Pod: {e}")))?;
        Ok(phase_of(&v))
    }

    pub async fn pod_log(&self, name: &str) -> std::result::Result<String, ApiError> {
        let path = format!("/api/v1/namespaces/{NAMESPACE}/pods/{name}/log?container=netdiag");
        self.send(http::Method::GET, &path, None).await
    }

    /// Deletes a Pod; a 404 (already gone) is success.
    pub async fn delete_pod(&self, name: &str) -> std::result::Result<(), ApiError> {
        let path = format!("/api/v1/namespaces/{NAMESPACE}/pods/{name}?gracePeriodSeconds=0");
        match self.send(http::Method::DELETE, &path, None).await {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The names of the Pods in [`NAMESPACE`] with `label=value`.
    pub async fn pods_labelled(&self, label: &str, value: &str) -> Result<Vec<String>> {
        let path = format!(
            "/api/v1/namespaces/{NAMESPACE}/pods?labelSelector={}",
            encode(&format!("{label}={value}"))
        );
        let text = self
            .send(http::Method::GET, &path, None)
            .await
            .map_err(|e| anyhow!("{}", e.line(&self.server, "GET", &path)))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| anyhow!("API server {}: GET {path}: not a PodList: {e}", self.server))?;
        Ok(v["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_string))
            .collect())
    }
}

/// The phase and the most specific reason a Pod gives for waiting.
pub fn phase_of(pod: &Value) -> PodPhase {
    let phase = pod["status"]["phase"]
        .as_str()
        .unwrap_or("Pending")
        .to_string();
    let mut waiting_reason = None;
    let mut why = None;
    for cs in pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let w = &cs["state"]["waiting"];
        if let Some(r) = w["reason"].as_str() {
            waiting_reason = Some(r.to_string());
            why = Some(match w["message"].as_str() {
                Some(m) => format!("{r}: {m}"),
                None => r.to_string(),
            });
        }
        let t = &cs["state"]["terminated"];
        if why.is_none() {
            if let Some(r) = t["reason"].as_str() {
                why = Some(format!(
                    "{r} (exit code {})",
                    t["exitCode"].as_i64().unwrap_or(-1)
                ));
            }
        }
    }
    if why.is_none() {
        for c in pod["status"]["conditions"].as_array().into_iter().flatten() {
            if c["status"] == "False" {
                if let Some(r) = c["reason"].as_str() {
                    why = Some(match c["message"].as_str() {
                        Some(m) => format!("{r}: {m}"),
                        None => r.to_string(),
                    });
                    break;
                }
            }
        }
    }
    if why.is_none() {
        why = pod["status"]["reason"]
            .as_str()
            .map(|r| match pod["status"]["message"].as_str() {
                Some(m) => format!("{r}: {m}"),
                None => r.to_string(),
            });
    }
    PodPhase {
        phase,
        why: why.map(|w| w.replace('\n', " ")),
        waiting_reason,
    }
}

/// The collector Pod for `node`: host network, only NET_ADMIN and NET_RAW, read-only root, every
/// taint tolerated, no service-account token, never restarted.
pub fn pod_manifest(name: &str, node: &str, run: &str, image: &str, deadline: Duration) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": { APP_LABEL.0: APP_LABEL.1, RUN_LABEL: run },
            "annotations": { "netdiag.io/node": node },
        },
        "spec": {
            "nodeName": node,
            "hostNetwork": true,
            "restartPolicy": "Never",
            "automountServiceAccountToken": false,
            "terminationGracePeriodSeconds": 0,
            "activeDeadlineSeconds": deadline.as_secs().max(1),
            "tolerations": [{ "operator": "Exists" }],
            "containers": [{
                "name": "netdiag",
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "command": ["netdiag", "show", "state", "-o", "json"],
                "securityContext": {
                    "capabilities": { "add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"] },
                    "readOnlyRootFilesystem": true,
                    "allowPrivilegeEscalation": false,
                },
                "resources": {
                    "requests": { "cpu": "10m", "memory": "32Mi" },
                    "limits": { "memory": "256Mi" },
                },
            }],
        },
    })
}

/// Percent-encodes a query value.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pod_asks_for_nothing_more_than_reading_needs() {
        let p = pod_manifest(
            "nd-x-0000",
            "worker",
            "x",
            "netdiag:0.1.0",
            Duration::from_secs(90),
        );
        let c = &p["spec"]["containers"][0];
        assert_eq!(
            c["securityContext"]["capabilities"]["add"],
            json!(["NET_ADMIN", "NET_RAW"])
        );
        assert_eq!(c["securityContext"]["capabilities"]["drop"], json!(["ALL"]));
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(p["spec"]["hostNetwork"], true);
        assert_eq!(p["spec"]["restartPolicy"], "Never");
        assert_eq!(p["spec"]["nodeName"], "worker");
        assert_eq!(p["spec"]["tolerations"], json!([{ "operator": "Exists" }]));
        assert_eq!(p["metadata"]["labels"]["app.kubernetes.io/name"], "netdiag");
        assert_eq!(p["metadata"]["labels"]["netdiag.io/run"], "x");
    }

    #[test]
    fn waiting_reasons_come_first() {
        let pod = json!({"status": {"phase": "Pending",
            "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
            "containerStatuses": [{"state": {"waiting": {"reason": "ErrImagePull", "message": "pull access denied"}}}]}});
        let p = phase_of(&pod);
        assert_eq!(p.phase, "Pending");
        assert_eq!(p.waiting_reason.as_deref(), Some("ErrImagePull"));
        assert_eq!(p.why.as_deref(), Some("ErrImagePull: pull access denied"));
        let pod = json!({"status": {"phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes"}]}});
        assert_eq!(
            phase_of(&pod).why.as_deref(),
            Some("Unschedulable: 0/3 nodes")
        );
    }
}
