//! End-to-end tests of `duanka serve`'s API through `app(state)` with `oneshot`, each
//! on SQLite (a file) and on PostgreSQL (`DUANKA_TEST_PG_URL`, a server the test script
//! starts; `DUANKA_REQUIRE_PG=1` makes its absence a failure rather than a skip).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use duanka_server::{AppState, app, routes};
use duanka_store::{Role, Store, Who};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::Connection;
use tower::ServiceExt;

/// Subscriber identities of the fixture scan: none may appear in clear in a response
/// that did not reveal it, nor anywhere in the audit log.
const SECRETS: [&str; 5] = [
    "8613312345678",
    "8613387654321",
    "wxid_k3j4h5g6f7",
    "860123456789012",
    "460001234567890",
];

fn fixture(dir: &std::path::Path, second: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let mut alerts = vec![
        json!({"detector":"otp_sink","entity_type":"msisdn","entity_id":"8613312345678","score":0.95,"severity":"high",
               "first_seen":1760400000,"last_seen":1760486399,
               "explanation":"8613312345678 received 40 verification codes from 12 services and sent nothing",
               "evidence":{"otp_in":40,"services":12,"peer":"8613800000001"}}),
        json!({"detector":"signup_sink","entity_type":"msisdn","entity_id":"8613387654321","score":0.6,"severity":"medium",
               "first_seen":1760400000,"last_seen":1760486399,"explanation":"verified 3 sign-ups","evidence":{"signups":3}}),
        json!({"detector":"bulk_account","entity_type":"account","entity_id":"wxid_k3j4h5g6f7","score":0.55,"severity":"medium",
               "first_seen":1760400000,"last_seen":1760486399,"explanation":"wxid_k3j4h5g6f7 signed up inside a burst","evidence":{}}),
        json!({"detector":"tampered_imei","entity_type":"imei","entity_id":"860123456789012","score":0.9,"severity":"high",
               "first_seen":null,"last_seen":null,"explanation":"an IMEI of 9 sign-ups, never attached","evidence":{"accounts":9}}),
        json!({"detector":"rogue_host","entity_type":"ip","entity_id":"10.20.3.4","score":0.97,"severity":"high",
               "first_seen":1760400000,"last_seen":1760486399,"explanation":"unlisted host binding SMPP","evidence":{"smpp_binds":14}}),
        json!({"detector":"insider","entity_type":"user","entity_id":"ops_li","score":0.7,"severity":"medium",
               "first_seen":1760400000,"last_seen":1760486399,"explanation":"read 90,000 numbers","evidence":{"records":90000}}),
    ];
    if second {
        // Seen again at a higher severity, and one new finding.
        alerts[1]["score"] = json!(0.85);
        alerts[1]["severity"] = json!("high");
        alerts.push(json!({"detector":"sim_farm","entity_type":"imsi","entity_id":"460001234567890","score":0.3,"severity":"low",
               "first_seen":1760400000,"last_seen":1760486399,"explanation":"one of 64 cards in one cell","evidence":{}}));
    }
    let text: String = alerts.iter().map(|a| format!("{a}\n")).collect();
    std::fs::write(dir.join("alerts.jsonl"), text).unwrap();
    let cluster = json!({
        "cluster_id":"c0001","case_ids":["JJ1"],"total_loss":15000000,
        "members":[{"entity_type":"case","entity_id":"JJ1"},{"entity_type":"account","entity_id":"wxid_k3j4h5g6f7"},
                   {"entity_type":"msisdn","entity_id":"8613312345678"},{"entity_type":"ip","entity_id":"10.20.3.4"},
                   {"entity_type":"user","entity_id":"ops_li"}],
        "chain":[{"entity_type":"case","entity_id":"JJ1"},
                 {"entity_type":"account","entity_id":"wxid_k3j4h5g6f7","via":"cases.fraud_account"},
                 {"entity_type":"msisdn","entity_id":"8613312345678","via":"registrations.msisdn"},
                 {"entity_type":"ip","entity_id":"10.20.3.4","via":"sms.delivery_node"},
                 {"entity_type":"user","entity_id":"ops_li","via":"audit.object"}],
        "alerts":[{"entity_type":"msisdn","entity_id":"8613312345678","detectors":["otp_sink"],"severity":"high","score":0.95},
                  {"entity_type":"ip","entity_id":"10.20.3.4","detectors":["rogue_host"],"severity":"high","score":0.97}]
    });
    std::fs::write(dir.join("clusters.jsonl"), format!("{cluster}\n")).unwrap();
}

/// A fresh store on one backend.
struct Db {
    url: String,
    dir: PathBuf,
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn scratch(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("duanka-api-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Db {
    fn sqlite(tag: &str) -> Db {
        let dir = scratch(tag);
        Db {
            url: format!("sqlite://{}?mode=rwc", dir.join("cases.db").display()),
            dir,
        }
    }

    async fn postgres(tag: &str) -> Option<Db> {
        let Ok(admin) = std::env::var("DUANKA_TEST_PG_URL") else {
            assert!(
                std::env::var("DUANKA_REQUIRE_PG").is_err(),
                "DUANKA_REQUIRE_PG is set but DUANKA_TEST_PG_URL is not"
            );
            eprintln!("PostgreSQL variant skipped: DUANKA_TEST_PG_URL is not set");
            return None;
        };
        sqlx::any::install_default_drivers();
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("duanka_{}_{}_{n}", tag, std::process::id());
        let mut c = sqlx::AnyConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Some(Db {
            url: format!("{base}/{name}"),
            dir: scratch(tag),
        })
    }

    /// Runs SQL as the database's owner, around the store (what someone with the
    /// database's files or superuser rights could do).
    async fn tamper(&self, sql: &[&str]) {
        let mut c = sqlx::AnyConnection::connect(&self.url).await.unwrap();
        for s in sql {
            sqlx::query(s).execute(&mut c).await.unwrap();
        }
    }

    fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }
}

/// A running app with one user per role, each with an API token.
struct World {
    app: axum::Router,
    store: Store,
    db: Db,
    tokens: Vec<(Role, String, i64)>,
}

const PASSWORD: &str = "correct horse battery";

impl World {
    async fn new(db: Db) -> World {
        let store = Store::open(&db.url).await.unwrap();
        let mut tokens = Vec::new();
        let who = Who::cli("test");
        for (name, role) in [
            ("ana", Role::Analyst),
            ("sam", Role::Supervisor),
            ("aud", Role::Auditor),
            ("adm", Role::Admin),
            ("sue", Role::Supervisor),
            ("bob", Role::Analyst),
        ] {
            let mut tx = store.begin().await.unwrap();
            let u = tx.add_user(&who, name, role, PASSWORD).await.unwrap();
            let (_, t) = tx.add_token(&who, u.id, "tests").await.unwrap();
            tx.commit().await.unwrap();
            tokens.push((role, t, u.id));
        }
        let app = app(AppState::new(store.clone()));
        World {
            app,
            store,
            db,
            tokens,
        }
    }

    fn token(&self, name: &str) -> &str {
        let k = ["ana", "sam", "aud", "adm", "sue", "bob"]
            .iter()
            .position(|n| *n == name)
            .unwrap();
        &self.tokens[k].1
    }

    fn user_id(&self, name: &str) -> i64 {
        let k = ["ana", "sam", "aud", "adm", "sue", "bob"]
            .iter()
            .position(|n| *n == name)
            .unwrap();
        self.tokens[k].2
    }

    async fn call(
        &self,
        token: Option<&str>,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).to_string())
    }

    /// A request that must answer `status`; returns the body.
    async fn expect(
        &self,
        status: StatusCode,
        user: &str,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> String {
        let (s, text) = self.as_user(user, method, uri, body).await;
        assert_eq!(s, status, "{method} {uri} as {user}: {text}");
        text
    }

    async fn as_user(
        &self,
        user: &str,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        self.call(Some(self.token(user)), method, uri, body).await
    }

    async fn json(&self, user: &str, method: &str, uri: &str, body: Option<Value>) -> Value {
        let (status, text) = self.call(Some(self.token(user)), method, uri, body).await;
        assert_eq!(status, StatusCode::OK, "{method} {uri} as {user}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn import(&self, second: bool) -> Value {
        let dir = self.db.dir.join(if second { "scan2" } else { "scan1" });
        fixture(&dir, second);
        self.json(
            "sam",
            "POST",
            "/api/scans/import",
            Some(json!({"path": dir.display().to_string()})),
        )
        .await
    }

    async fn audit_text(&self) -> String {
        let v = self.json("aud", "GET", "/api/audit?limit=1000", None).await;
        v.to_string()
    }
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::Db::sqlite(stringify!($name))).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = super::Db::postgres(stringify!($name)).await {
                    super::$name(db).await
                }
            }
        }
    )*};
}

on_both!(
    role_matrix,
    masked_everywhere,
    reveal_with_purpose,
    four_eyes_export,
    audit_chain_finds_an_edit,
    audit_chain_finds_a_deletion,
    audit_chain_finds_a_reordering,
    triage_and_scans_seen_again,
    sign_in_lock_out_and_csrf,
    a_failed_audit_write_fails_the_request,
);

/// Each role × each endpoint: an admitted role never gets 401/403 from the guard, every
/// other role gets 403, an anonymous caller 401.
async fn role_matrix(db: Db) {
    let w = World::new(db).await;
    w.import(false).await;
    let case = w
        .json(
            "ana",
            "POST",
            "/api/cases",
            Some(json!({"title": "JJ1", "alert_ids": [1]})),
        )
        .await;
    assert_eq!(case["case"]["id"], 1);
    let mut checked = 0;
    for r in routes() {
        // Token 1 is the analyst's own: revoking it would end the walk.
        let id = if r.path.starts_with("/api/tokens") {
            "999"
        } else {
            "1"
        };
        let uri = r.path.replace("{id}", id);
        let method = r.method.to_uppercase();
        let body = (method != "GET").then(|| json!({}));
        let (anon, _) = w.call(None, &method, &uri, body.clone()).await;
        assert_eq!(anon, StatusCode::UNAUTHORIZED, "anonymous {method} {uri}");
        for (role, token, _) in w.tokens.iter().take(4) {
            // Logging out through a token ends nothing; the token keeps working.
            let (status, text) = w.call(Some(token), &method, &uri, body.clone()).await;
            if r.roles.contains(role) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{} must reach {method} {uri}, got {status}: {text}",
                    role.as_str()
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{} must not reach {method} {uri}: {text}",
                    role.as_str()
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, routes().len() * 4);
    // The document lists every route of the table, with its roles.
    let doc = w.json("aud", "GET", "/api/openapi.json", None).await;
    for r in routes() {
        let op = &doc["paths"][r.path][r.method];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            r.method,
            r.path
        );
        let roles: Vec<&str> = r.roles.iter().map(|x| x.as_str()).collect();
        assert_eq!(op["description"], format!("Roles: {}.", roles.join(", ")));
    }
    assert!(doc["paths"]["/api/login"]["post"].is_object());
}

/// No response shows a subscriber's identity in clear: lists, details, clusters, cases,
/// histories; the masked forms are there instead.
async fn masked_everywhere(db: Db) {
    let w = World::new(db).await;
    w.import(false).await;
    w.json(
        "ana",
        "POST",
        "/api/alerts/1/comments",
        Some(json!({"body": "called 8613312345678 twice"})),
    )
    .await;
    let mut seen = String::new();
    for uri in [
        "/api/alerts?assignee=any&status=all",
        "/api/alerts/1",
        "/api/alerts/2",
        "/api/alerts/3",
        "/api/alerts/4",
        "/api/clusters",
        "/api/clusters/1",
    ] {
        seen.push_str(&w.json("ana", "GET", uri, None).await.to_string());
    }
    w.json(
        "ana",
        "POST",
        "/api/cases",
        Some(json!({"title": "from the cluster", "cluster_id": 1})),
    )
    .await;
    seen.push_str(&w.json("ana", "GET", "/api/cases/1", None).await.to_string());
    for s in SECRETS.iter().take(4) {
        assert!(!seen.contains(s), "{s} in clear in a response");
    }
    for masked in ["86133****5678", "wx****f7", "86012345******2"] {
        assert!(seen.contains(masked), "{masked} missing");
    }
    // The cluster's hosts and users are the operator's own and stay in clear.
    assert!(seen.contains("10.20.3.4") && seen.contains("ops_li"));
    // A role that may not reveal cannot look a number up either.
    let (status, _) = w
        .as_user(
            "aud",
            "POST",
            "/api/search",
            Some(json!({"value": "8613312345678"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let found = w
        .json(
            "ana",
            "POST",
            "/api/search",
            Some(json!({"value": "8613312345678"})),
        )
        .await;
    assert_eq!(found["entities"][0]["masked"], "86133****5678");
    let audit = w.audit_text().await;
    for s in SECRETS {
        assert!(!audit.contains(s), "{s} in clear in the audit log");
    }
}

async fn reveal_with_purpose(db: Db) {
    let w = World::new(db).await;
    w.import(false).await;
    let entity = w.json("ana", "GET", "/api/alerts/1", None).await["alert"]["entity"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    // No case, no reveal; no reason, no reveal.
    w.expect(
        StatusCode::NOT_FOUND,
        "ana",
        "POST",
        "/api/reveals",
        Some(json!({"entity": entity, "case_id": 9, "reason": "to call the victim"})),
    )
    .await;
    w.json(
        "ana",
        "POST",
        "/api/cases",
        Some(json!({"title": "JJ1", "alert_ids": [1]})),
    )
    .await;
    w.expect(
        StatusCode::BAD_REQUEST,
        "ana",
        "POST",
        "/api/reveals",
        Some(json!({"entity": entity, "case_id": 1, "reason": " "})),
    )
    .await;
    w.expect(
        StatusCode::NOT_FOUND,
        "ana",
        "GET",
        "/api/entities/1/revealed",
        None,
    )
    .await;
    let r = w
        .json("ana", "POST", "/api/reveals",
              Some(json!({"entity": entity, "case_id": 1, "reason": "ask the operator to cut the number", "minutes": 5})))
        .await;
    assert_eq!(r["value"], "8613312345678");
    let expires =
        r["reveal"]["expires_at"].as_i64().unwrap() - r["reveal"]["granted_at"].as_i64().unwrap();
    assert_eq!(expires, 300);
    // While it lasts the same analyst reads it again; another analyst does not.
    let again = w.json("ana", "GET", "/api/entities/1/revealed", None).await;
    assert_eq!(again["value"], "8613312345678");
    w.expect(
        StatusCode::NOT_FOUND,
        "bob",
        "GET",
        "/api/entities/1/revealed",
        None,
    )
    .await;
    // The log holds the reveal, its case and reason, and the entity's token: never the value.
    let audit: Value = w.json("aud", "GET", "/api/audit?limit=1000", None).await;
    let entries = audit["entries"].as_array().unwrap();
    let rev = entries
        .iter()
        .find(|e| e["action"] == "reveal")
        .expect("a reveal entry");
    assert_eq!(rev["object"], entity);
    assert_eq!(rev["actor"], "ana");
    assert!(rev["new_value"].as_str().unwrap().contains("case:1"));
    assert!(!audit.to_string().contains("8613312345678"));
    let reveals = w.json("aud", "GET", "/api/reveals", None).await;
    assert_eq!(
        reveals["reveals"][0]["reason"],
        "ask the operator to cut the number"
    );
}

async fn four_eyes_export(db: Db) {
    let w = World::new(db).await;
    w.import(false).await;
    w.json(
        "ana",
        "POST",
        "/api/cases",
        Some(json!({"title": "JJ1", "cluster_id": 1})),
    )
    .await;
    // Masked: ready at once, masked inside.
    let x = w
        .json(
            "ana",
            "POST",
            "/api/exports",
            Some(json!({"case_id": 1, "format": "csv", "reason": "brief the team"})),
        )
        .await;
    assert_eq!(x["export"]["status"], "approved");
    let (s, csv) = w
        .as_user("ana", "GET", "/api/exports/1/download", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        csv.contains("86133****5678") && !csv.contains("8613312345678"),
        "{csv}"
    );
    // Unmasked: waits for a supervisor.
    let x = w
        .json("ana", "POST", "/api/exports",
              Some(json!({"case_id": 1, "format": "i2", "unmasked": true, "reason": "hand to the police for the cut"})))
        .await;
    assert_eq!(x["export"]["status"], "pending");
    w.expect(
        StatusCode::CONFLICT,
        "ana",
        "GET",
        "/api/exports/2/download",
        None,
    )
    .await;
    w.expect(
        StatusCode::FORBIDDEN,
        "ana",
        "POST",
        "/api/exports/2/approve",
        None,
    )
    .await;
    // A supervisor's own request needs another supervisor.
    w.json("sam", "POST", "/api/exports",
           Some(json!({"cluster_id": 1, "format": "graphml", "unmasked": true, "reason": "for the court file"})))
        .await;
    w.expect(
        StatusCode::CONFLICT,
        "sam",
        "POST",
        "/api/exports/3/approve",
        None,
    )
    .await;
    let ok = w.json("sue", "POST", "/api/exports/3/approve", None).await;
    assert_eq!(ok["export"]["status"], "approved");
    w.expect(
        StatusCode::CONFLICT,
        "sue",
        "GET",
        "/api/exports/3/download",
        None,
    )
    .await;
    let (s, graphml) = w
        .as_user("sam", "GET", "/api/exports/3/download", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        graphml.contains("8613312345678") && graphml.contains("sms.delivery_node"),
        "{graphml}"
    );
    w.json("sam", "POST", "/api/exports/2/approve", None).await;
    let (s, i2) = w
        .as_user("ana", "GET", "/api/exports/2/download", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        i2.contains("wxid_k3j4h5g6f7,registrations.msisdn,msisdn,8613312345678"),
        "{i2}"
    );
    w.expect(
        StatusCode::CONFLICT,
        "sue",
        "POST",
        "/api/exports/2/refuse",
        None,
    )
    .await;
    let audit: Value = w.json("aud", "GET", "/api/audit?limit=1000", None).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in ["export.request", "export.approve", "export.download"] {
        assert!(actions.contains(&a), "{a} not logged");
    }
}

async fn some_history(w: &World) {
    w.import(false).await;
    w.json("ana", "GET", "/api/alerts/1", None).await;
    w.json(
        "ana",
        "PATCH",
        "/api/alerts/1",
        Some(json!({"assignee": "me", "status": "in_progress"})),
    )
    .await;
}

async fn verify(w: &World) -> Value {
    let v = duanka_store::audit::verify(&w.store).await.unwrap();
    json!({"entries": v.entries, "broken": v.broken})
}

fn disable_triggers(db: &Db) -> Vec<&'static str> {
    if db.is_sqlite() {
        vec![
            "DROP TRIGGER audit_no_update",
            "DROP TRIGGER audit_no_delete",
        ]
    } else {
        vec!["ALTER TABLE audit DISABLE TRIGGER USER"]
    }
}

async fn append_only(w: &World) {
    // Through any connection, the triggers refuse it.
    let mut c = sqlx::AnyConnection::connect(&w.db.url).await.unwrap();
    let up = sqlx::query("UPDATE audit SET actor = 'nobody' WHERE seq = 2")
        .execute(&mut c)
        .await;
    assert!(up.is_err(), "an UPDATE of the audit log went through");
    let del = sqlx::query("DELETE FROM audit WHERE seq = 2")
        .execute(&mut c)
        .await;
    assert!(del.is_err(), "a DELETE of the audit log went through");
    let del = sqlx::query("DELETE FROM users WHERE name = 'bob'")
        .execute(&mut c)
        .await;
    assert!(del.is_err(), "a user was deleted");
}

async fn audit_chain_finds_an_edit(db: Db) {
    let w = World::new(db).await;
    some_history(&w).await;
    append_only(&w).await;
    let v = verify(&w).await;
    assert!(v["broken"].is_null(), "{v}");
    let mut sql = disable_triggers(&w.db);
    sql.push("UPDATE audit SET actor = 'sam' WHERE seq = 3");
    w.db.tamper(&sql).await;
    let v = verify(&w).await;
    assert_eq!(v["broken"][0], 3, "{v}");
    assert!(v["broken"][1].as_str().unwrap().contains("changed"), "{v}");
    let api = w.json("aud", "GET", "/api/audit/verify", None).await;
    assert_eq!(api["intact"], false);
}

async fn audit_chain_finds_a_deletion(db: Db) {
    let w = World::new(db).await;
    some_history(&w).await;
    let mut sql = disable_triggers(&w.db);
    sql.push("DELETE FROM audit WHERE seq = 4");
    w.db.tamper(&sql).await;
    let v = verify(&w).await;
    assert_eq!(v["broken"][0], 5, "{v}");
    assert!(v["broken"][1].as_str().unwrap().contains("missing"), "{v}");
}

async fn audit_chain_finds_a_reordering(db: Db) {
    let w = World::new(db).await;
    some_history(&w).await;
    let mut sql = disable_triggers(&w.db);
    // Entries 3 and 4 trade places, each keeping its own hash.
    sql.extend([
        "UPDATE audit SET seq = -1 WHERE seq = 3",
        "UPDATE audit SET seq = 3 WHERE seq = 4",
        "UPDATE audit SET seq = 4 WHERE seq = -1",
    ]);
    w.db.tamper(&sql).await;
    let v = verify(&w).await;
    assert_eq!(v["broken"][0], 3, "{v}");
    assert!(
        v["broken"][1].as_str().unwrap().contains("does not follow"),
        "{v}"
    );
}

async fn triage_and_scans_seen_again(db: Db) {
    let w = World::new(db).await;
    let first = w.import(false).await;
    assert_eq!(first["import"]["new_alerts"], 6);
    // The default queue: open, mine or nobody's, most severe first.
    let q = w.json("ana", "GET", "/api/alerts?limit=2", None).await;
    let ids: Vec<i64> = q["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [5, 1], "rogue host 0.97, then the sink 0.95");
    let next = q["next"].as_str().unwrap().to_string();
    // Soonest due first: the high ones (24 h) before the mediums, by id, in keyset pages.
    let due = w
        .json("ana", "GET", "/api/alerts?sort=due&limit=2", None)
        .await;
    let due_ids: Vec<i64> = due["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(due_ids, [1, 4], "{due}");
    let next_due = due["next"].as_str().unwrap().to_string();
    assert!(next_due.starts_with("due:"));
    let due2 = w
        .json(
            "ana",
            "GET",
            &format!("/api/alerts?sort=due&limit=2&after={next_due}"),
            None,
        )
        .await;
    assert_eq!(due2["alerts"][0]["id"], 5, "{due2}");
    let q2 = w
        .json(
            "ana",
            "GET",
            &format!("/api/alerts?limit=2&after={next}"),
            None,
        )
        .await;
    assert_eq!(q2["alerts"][0]["id"], 4);
    // Closing needs a disposition, a dismissal its reason.
    w.expect(
        StatusCode::BAD_REQUEST,
        "ana",
        "PATCH",
        "/api/alerts/2",
        Some(json!({"status": "closed"})),
    )
    .await;
    w.expect(
        StatusCode::BAD_REQUEST,
        "ana",
        "PATCH",
        "/api/alerts/2",
        Some(json!({"status": "closed", "disposition": "dismissed"})),
    )
    .await;
    w.json("ana", "PATCH", "/api/alerts/2",
           Some(json!({"status": "closed", "disposition": "dismissed", "reason": "the shop's own test line"})))
        .await;
    w.json("ana", "PATCH", "/api/alerts/3",
           Some(json!({"status": "closed", "disposition": "dismissed", "reason": "a household on the proxy"})))
        .await;
    // Assigning others is a supervisor's; an analyst takes only what is free.
    let bob = w.user_id("bob");
    w.expect(
        StatusCode::FORBIDDEN,
        "ana",
        "PATCH",
        "/api/alerts/4",
        Some(json!({"assignee": bob.to_string()})),
    )
    .await;
    w.json(
        "sam",
        "POST",
        "/api/alerts/bulk",
        Some(json!({"ids": [4, 6], "assignee": bob.to_string()})),
    )
    .await;
    w.expect(
        StatusCode::FORBIDDEN,
        "ana",
        "PATCH",
        "/api/alerts/4",
        Some(json!({"status": "in_progress"})),
    )
    .await;
    let mine = w.json("bob", "GET", "/api/alerts?assignee=me", None).await;
    assert_eq!(mine["alerts"].as_array().unwrap().len(), 2);
    let d = w.json("ana", "GET", "/api/alerts/2", None).await;
    let events = d["alert"]["history"]["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["field"] == "status" && e["old"] == "new" && e["new"] == "closed")
    );
    assert!(d["alert"]["due_at"].as_i64().unwrap() > 0 && d["alert"]["overdue"] == false);

    // The next scan: alert 3 again (stays dismissed), alert 2 again at a higher severity
    // (reopened), one new.
    let second = w.import(true).await;
    assert_eq!(second["import"]["new_alerts"], 1, "{second}");
    assert_eq!(second["import"]["reopened"], 1, "{second}");
    let a3 = w.json("ana", "GET", "/api/alerts/3", None).await;
    assert_eq!(
        (
            a3["alert"]["status"].as_str(),
            a3["alert"]["times_seen"].as_i64()
        ),
        (Some("closed"), Some(2))
    );
    let a2 = w.json("ana", "GET", "/api/alerts/2", None).await;
    assert_eq!(a2["alert"]["status"], "new");
    assert_eq!(a2["alert"]["severity"], "high");
    let scans = w.json("ana", "GET", "/api/scans", None).await;
    assert_eq!(scans["scans"].as_array().unwrap().len(), 2);
    // A bad line rolls the whole import back, naming the file and line.
    let bad = w.db.dir.join("bad");
    fixture(&bad, false);
    std::fs::write(bad.join("alerts.jsonl"), "{\"detector\":\"otp_sink\",\"entity_type\":\"msisdn\",\"entity_id\":\"1\",\"score\":0.5,\"severity\":\"low\"}\n{\"detector\":\"x\"}\n").unwrap();
    let text = w
        .expect(
            StatusCode::BAD_REQUEST,
            "sam",
            "POST",
            "/api/scans/import",
            Some(json!({"path": bad.display().to_string()})),
        )
        .await;
    assert!(
        text.contains("alerts.jsonl:2: unknown entity_type"),
        "{text}"
    );
    let scans = w.json("ana", "GET", "/api/scans", None).await;
    assert_eq!(
        scans["scans"].as_array().unwrap().len(),
        2,
        "nothing of the bad import kept"
    );
    // Merge into a case: the case is as severe as its worst alert.
    w.json(
        "ana",
        "POST",
        "/api/cases",
        Some(json!({"title": "the sink", "alert_ids": [7]})),
    )
    .await;
    let c = w
        .json(
            "ana",
            "POST",
            "/api/cases/1/alerts",
            Some(json!({"alert_ids": [1]})),
        )
        .await;
    assert_eq!(c["case"]["severity"], "high");
    assert_eq!(c["case"]["alerts"], 2);
}

async fn login(w: &World, name: &str, password: &str) -> (StatusCode, Option<String>, Value) {
    let req = Request::builder()
        .method("POST")
        .uri("/api/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"name": name, "password": password}).to_string(),
        ))
        .unwrap();
    let res = w.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        cookie,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn sign_in_lock_out_and_csrf(db: Db) {
    let w = World::new(db).await;
    w.import(false).await;
    let (s, cookie, body) = login(&w, "ana", PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    let cookie = cookie.unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP on loopback");
    let session = cookie.split(';').next().unwrap().to_string();
    let csrf = body["csrf_token"].as_str().unwrap().to_string();
    let send = |method: &str, uri: &str, csrf: Option<&str>, body: Option<Value>| {
        let mut r = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, &session);
        if let Some(c) = csrf {
            r = r.header("x-csrf-token", c);
        }
        let r = match body {
            Some(b) => r
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => r.body(Body::empty()),
        }
        .unwrap();
        w.app.clone().oneshot(r)
    };
    let res = send("GET", "/api/alerts", None, None).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a read needs no CSRF token");
    let change = json!({"body": "checked"});
    let res = send("POST", "/api/alerts/1/comments", None, Some(change.clone()))
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a change without the CSRF token"
    );
    let res = send(
        "POST",
        "/api/alerts/1/comments",
        Some("forged"),
        Some(change.clone()),
    )
    .await
    .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a change with a wrong CSRF token"
    );
    let res = send("POST", "/api/alerts/1/comments", Some(&csrf), Some(change))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Five wrong passwords lock the user out, even from the right one.
    for k in 0..4 {
        let (s, _, _) = login(&w, "bob", "wrong password!").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "attempt {k}");
    }
    let (s, _, _) = login(&w, "bob", "wrong password!").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let (s, _, _) = login(&w, "bob", PASSWORD).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let (s, _, _) = login(&w, "nobody", PASSWORD).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A locked user's sessions and tokens stop working at once; users are never deleted.
    let ana = w.user_id("ana");
    w.json(
        "adm",
        "PATCH",
        &format!("/api/users/{ana}"),
        Some(json!({"locked": true})),
    )
    .await;
    let res = send("GET", "/api/alerts", None, None).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    w.expect(StatusCode::UNAUTHORIZED, "ana", "GET", "/api/alerts", None)
        .await;
    let (s, _, _) = login(&w, "ana", PASSWORD).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let audit: Value = w.json("aud", "GET", "/api/audit?limit=1000", None).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "login",
        "login.failed",
        "login.locked_out",
        "login.refused",
        "user.lock",
    ] {
        assert!(actions.contains(&a), "{a} not logged: {actions:?}");
    }
    let web = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "comment.add")
        .unwrap();
    assert_eq!(web["channel"], "web");
    assert_eq!(web["actor"], "ana");
}

/// When the audit entry cannot be written, the change is not made and the value does
/// not leave: the request fails.
async fn a_failed_audit_write_fails_the_request(db: Db) {
    let w = World::new(db).await;
    w.import(false).await;
    w.json(
        "ana",
        "POST",
        "/api/cases",
        Some(json!({"title": "JJ1", "alert_ids": [1]})),
    )
    .await;
    let (refuse, allow): (Vec<&str>, Vec<&str>) = if w.db.is_sqlite() {
        (
            vec![
                "CREATE TRIGGER audit_full BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'disk full'); END",
            ],
            vec!["DROP TRIGGER audit_full"],
        )
    } else {
        (
            vec![
                "CREATE FUNCTION audit_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
                "CREATE TRIGGER audit_full BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_full()",
            ],
            vec!["DROP TRIGGER audit_full ON audit"],
        )
    };
    w.db.tamper(&refuse).await;
    w.expect(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ana",
        "POST",
        "/api/alerts/1/comments",
        Some(json!({"body": "lost?"})),
    )
    .await;
    let text = w
        .expect(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ana",
            "POST",
            "/api/reveals",
            Some(json!({"entity": "entity:1", "case_id": 1, "reason": "to cut the number"})),
        )
        .await;
    assert!(!text.contains("8613312345678"), "{text}");
    w.expect(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ana",
        "GET",
        "/api/alerts/1",
        None,
    )
    .await;
    w.db.tamper(&allow).await;
    let a = w.json("ana", "GET", "/api/alerts/1", None).await;
    assert_eq!(
        a["alert"]["history"]["comments"].as_array().unwrap().len(),
        0
    );
    let reveals = w.json("aud", "GET", "/api/reveals", None).await;
    assert_eq!(reveals["reveals"].as_array().unwrap().len(), 0);
    assert!(verify(&w).await["broken"].is_null());
}

/// A cluster too large to draw comes back with its chain and flagged members, a
/// bounded number of the rest, and one member per type for what is left.
#[test]
fn a_huge_cluster_is_aggregated_by_type() {
    let mut members: Vec<Value> = (0..12_000)
        .map(|k| json!({"entity_type": if k % 3 == 0 { "account" } else { "msisdn" }, "entity_id": format!("861330000{k:04}")}))
        .collect();
    members.push(json!({"entity_type": "ip", "entity_id": "10.20.3.4"}));
    let mut data = json!({
        "members": members,
        "chain": [{"entity_type": "ip", "entity_id": "10.20.3.4"}, {"entity_type": "msisdn", "entity_id": "8613300009998"}],
        "alerts": [{"entity_type": "msisdn", "entity_id": "8613300005000"}],
        "edges": [{"source": {"entity_type": "ip", "entity_id": "10.20.3.4"}, "target": {"entity_type": "msisdn", "entity_id": "8613300009998"}},
                  {"source": {"entity_type": "msisdn", "entity_id": "8613300011998"}, "target": {"entity_type": "ip", "entity_id": "10.20.3.4"}}],
    });
    duanka_server::api::aggregate(&mut data, 10_000, 2_000);
    let shown = data["members"].as_array().unwrap();
    assert!(shown.len() <= 2_010, "{}", shown.len());
    let has = |id: &str| shown.iter().any(|m| m["entity_id"] == id);
    assert!(
        has("10.20.3.4") && has("8613300009998") && has("8613300005000"),
        "the chain and the flagged stay"
    );
    let grouped: u64 = shown.iter().filter_map(|m| m["aggregate"].as_u64()).sum();
    let single = shown.iter().filter(|m| m["aggregate"].is_null()).count() as u64;
    assert_eq!(grouped + single, 12_001, "every member is counted once");
    assert_eq!(data["aggregated"]["total"], 12_001);
    assert_eq!(
        data["edges"].as_array().unwrap().len(),
        1,
        "links to members not shown are dropped"
    );
    // A cluster under the limit is left alone.
    let mut small = json!({"members": [{"entity_type": "ip", "entity_id": "10.0.0.1"}]});
    duanka_server::api::aggregate(&mut small, 10_000, 2_000);
    assert!(small.get("aggregated").is_none());
}
