//! `duanka serve`: the analysts' JSON API over the case store. Thin handlers over
//! `duanka-store`; one route table ([`routes`]) says, for every endpoint, its method,
//! path, the roles it admits and what it does, and from that one table come the router
//! (each route behind the guard of `auth`), the OpenAPI document the server serves, and
//! the role matrix the tests walk.
//!
//! Every identifier of a subscriber leaves masked (`mask`); a value in clear leaves only
//! through a reveal or an approved export, after its audit entry is committed. Must not:
//! run detectors itself (a scan job calls `duanka-engine` through the [`ScanRunner`] the
//! binary provides), or print (it logs through `tracing`; the binary chooses where to).

pub mod api;
pub mod auth;
pub mod error;
pub mod export;
pub mod extract;
pub mod openapi;
pub mod web;

pub use duanka_store::mask;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, get, patch, post};
use duanka_store::{Role, Sla, Store};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// Runs a scan of a dataset folder into an output folder (the binary gives the
/// pipeline of `duanka-engine`); `progress` takes a line for the scan's record.
pub trait ScanRunner: Send + Sync {
    fn run(
        &self,
        dataset: &Path,
        out: &Path,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<(), String>;
}

/// Reads one number's profile from a dataset folder (the binary gives the engine's
/// `number_profile` over a session it may keep between calls); answers JSON.
pub trait ProfileSource: Send + Sync {
    fn profile(&self, dataset: &Path, msisdn: &str) -> Result<serde_json::Value, String>;
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub sla: Sla,
    /// Mark the session cookie `Secure` (served over TLS, or behind a TLS proxy).
    pub secure_cookies: bool,
    /// Where `POST /api/scans/run` writes each scan's outputs.
    pub scan_dir: Option<Arc<Path>>,
    pub runner: Option<Arc<dyn ScanRunner>>,
    pub profiles: Option<Arc<dyn ProfileSource>>,
}

impl AppState {
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            sla: Sla::default(),
            secure_cookies: false,
            scan_dir: None,
            runner: None,
            profiles: None,
        }
    }
}

use Role::{Admin, Analyst, Auditor, Supervisor};

/// Everyone signed in.
pub const ANYONE: &[Role] = &[Analyst, Supervisor, Auditor, Admin];
/// Those who read alerts, cases and clusters (masked).
pub const READERS: &[Role] = &[Analyst, Supervisor, Auditor];
/// Those who work alerts and cases, reveal for a case and ask for exports.
pub const WORKERS: &[Role] = &[Analyst, Supervisor];

/// One endpoint.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub roles: &'static [Role],
    pub summary: &'static str,
    pub handler: fn() -> MethodRouter<AppState>,
    /// The request body's schema and those it refers to, for the OpenAPI document.
    pub body: Option<fn() -> Vec<NamedSchema>>,
    /// The query parameters, for the OpenAPI document.
    pub query: Option<fn() -> Vec<utoipa::openapi::path::Parameter>>,
}

/// A component schema and its name.
pub type NamedSchema = (
    String,
    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
);

macro_rules! route {
    (@body) => { None };
    (@body $t:ty) => {
        Some(|| {
            let mut v = vec![(
                <$t as utoipa::ToSchema>::name().to_string(),
                <$t as utoipa::PartialSchema>::schema(),
            )];
            <$t as utoipa::ToSchema>::schemas(&mut v);
            v
        })
    };
    (@query) => { None };
    (@query $t:ty) => {
        Some(|| {
            <$t as utoipa::IntoParams>::into_params(|| {
                Some(utoipa::openapi::path::ParameterIn::Query)
            })
        })
    };
    ($method:ident $path:literal, $roles:expr, $summary:literal, $handler:path
     $(, body = $body:ty)? $(, query = $query:ty)?) => {
        Route {
            method: stringify!($method),
            path: $path,
            roles: $roles,
            summary: $summary,
            handler: || $method($handler),
            body: route!(@body $($body)?),
            query: route!(@query $($query)?),
        }
    };
}

/// Every endpoint but `POST /api/login`, which is the only one open to anonymous callers.
pub fn routes() -> Vec<Route> {
    use api::*;
    vec![
        route!(post "/api/logout", ANYONE, "End the session", auth::logout),
        route!(get "/api/me", ANYONE, "Who is signed in, with which role", me),
        route!(get "/api/openapi.json", ANYONE, "This document", openapi::document),
        route!(get "/api/users", &[Admin], "List users", list_users),
        route!(post "/api/users", &[Admin], "Add a user", add_user, body = NewUser),
        route!(patch "/api/users/{id}", &[Admin], "Lock or unlock a user, change a role or a password", update_user, body = UserChange),
        route!(get "/api/assignees", WORKERS, "Who can be assigned work (active analysts and supervisors)", list_assignees),
        route!(get "/api/tokens", ANYONE, "Your API tokens", list_tokens),
        route!(post "/api/tokens", ANYONE, "Make an API token (its value is shown once)", add_token, body = NewToken),
        route!(post "/api/tokens/{id}/revoke", ANYONE, "Revoke one of your API tokens", revoke_token),
        route!(get "/api/scans", ANYONE, "Scans imported or run", list_scans),
        route!(post "/api/scans/import", &[Supervisor, Admin], "Import a scan's output folder", import_scan, body = ImportBody),
        route!(post "/api/scans/run", &[Supervisor, Admin], "Scan a dataset folder in the background, then import it", run_scan, body = RunBody),
        route!(get "/api/scans/{id}", ANYONE, "One scan, with its progress", get_scan),
        route!(get "/api/alerts", READERS, "The alert queue (masked), filtered, one keyset page", list_alerts, query = AlertQuery),
        route!(post "/api/alerts/bulk", WORKERS, "Assign or close many alerts", bulk_alerts, body = BulkBody),
        route!(get "/api/alerts/{id}", READERS, "One alert with its evidence, history and comments (masked)", get_alert),
        route!(patch "/api/alerts/{id}", WORKERS, "Change an alert's status, disposition or assignee", update_alert, body = ChangeBody),
        route!(post "/api/alerts/{id}/comments", WORKERS, "Comment on an alert", comment_alert, body = CommentBody),
        route!(get "/api/cases", READERS, "Cases, most urgent first", list_cases, query = CaseQuery),
        route!(post "/api/cases", WORKERS, "Open a case from alerts or a cluster", open_case, body = NewCase),
        route!(get "/api/cases/{id}", READERS, "One case with its alerts, clusters, history and comments (masked)", get_case),
        route!(patch "/api/cases/{id}", WORKERS, "Change a case's status, disposition, assignee or title", update_case, body = ChangeBody),
        route!(post "/api/cases/{id}/alerts", WORKERS, "Merge alerts into a case", merge_into_case, body = MergeBody),
        route!(post "/api/cases/{id}/comments", WORKERS, "Comment on a case", comment_case, body = CommentBody),
        route!(get "/api/clusters", READERS, "Clusters of a scan (the latest by default)", list_clusters, query = ClusterQuery),
        route!(get "/api/clusters/{id}", READERS, "One cluster: members, chain, alerts (masked)", get_cluster),
        route!(post "/api/search", WORKERS, "Find an entity by its exact value (roles that may reveal only)", search, body = SearchBody),
        route!(post "/api/reveals", WORKERS, "Reveal one identity for a case, for a few minutes", reveal, body = RevealBody),
        route!(get "/api/reveals", &[Supervisor, Auditor], "Every reveal", list_reveals, query = LimitQuery),
        route!(get "/api/entities/{id}/profile", READERS, "A number's traffic in its scan's dataset: SMS, codes by service, calls, attaches, delivery nodes (masked)", profile, query = ProfileQuery),
        route!(get "/api/entities/{id}/revealed", WORKERS, "An identity you revealed, while the reveal lasts", revealed),
        route!(post "/api/exports", WORKERS, "Ask for an export of a case or a cluster (unmasked waits for a supervisor)", request_export, body = ExportBody),
        route!(get "/api/exports", &[Analyst, Supervisor, Auditor], "Exports (an analyst sees his own)", list_exports, query = LimitQuery),
        route!(post "/api/exports/{id}/approve", &[Supervisor], "Approve another's unmasked export", approve_export),
        route!(post "/api/exports/{id}/refuse", &[Supervisor], "Refuse another's unmasked export", refuse_export),
        route!(get "/api/exports/{id}/download", WORKERS, "Download an approved export you asked for", download_export),
        route!(get "/api/audit", &[Auditor], "The audit log, oldest first, one page", list_audit, query = AuditQuery),
        route!(get "/api/audit/verify", &[Auditor], "Walk the audit chain", verify_audit),
    ]
}

/// The whole application; tests call it with `oneshot`.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/api/login", post(auth::login))
        .route("/", get(web::index))
        .route("/assets/{*file}", get(web::asset));
    for r in routes() {
        let guard = auth::Guard {
            app: state.clone(),
            roles: r.roles.into(),
        };
        router = router.route(
            r.path,
            (r.handler)().route_layer(from_fn_with_state(guard, auth::guard)),
        );
    }
    router
        .layer(from_fn(auth::request_meta))
        .layer(RequestBodyLimitLayer::new(1 << 20))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .with_state(state)
}

/// Serves until the process ends.
pub async fn serve(state: AppState, listen: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/serve.md lists every endpoint with the roles the route table gives it.
    #[test]
    fn the_guide_lists_every_endpoint_with_its_roles() {
        let guide = include_str!("../../../docs/serve.md");
        for r in routes() {
            let roles: Vec<&str> = r.roles.iter().map(|x| x.as_str()).collect();
            let row = format!(
                "| `{} {}` | {} | {} |",
                r.method.to_uppercase(),
                r.path,
                roles.join(", "),
                r.summary
            );
            assert!(
                guide.contains(&row),
                "docs/serve.md lacks or misstates: {row}"
            );
        }
        let rows = guide.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(
            rows,
            routes().len() + 1,
            "docs/serve.md lists an endpoint that is not served"
        );
    }
}
