//! Who is calling: a session cookie (the browser, channel `web`) or an API token
//! (`Authorization: Bearer dk_…`, channel `api`). Every route but sign-in passes the
//! guard, which refuses anonymous callers (401), callers whose role the route table does
//! not list (403), and a change made through a session without the session's CSRF token
//! in `X-CSRF-Token` (403). Also: sign-in with lock-out, sign-out, the request id and
//! the caller's address every audit entry carries.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use duanka_store::users::{LOCKOUT_SECONDS, SESSION_SECONDS, verify_password};
use duanka_store::{Channel, Role, User, Who};
use serde::Deserialize;
use tracing::Instrument;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

pub const SESSION_COOKIE: &str = "duanka_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The id and address of one request, set before anything else runs.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub id: String,
    pub address: String,
}

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// The name of the signed-in caller, left on the response by the guard for the
/// request's log line.
#[derive(Debug, Clone)]
pub struct CallerName(pub String);

/// Gives each request an id (returned in `X-Request-Id`), notes the caller's address,
/// and logs one line per request in a span that carries the id (so that an internal
/// error logged while serving it can be found by the id its caller was given).
pub async fn request_meta(mut req: Request, next: Next) -> Response {
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed);
    let id = format!("{:x}-{n:x}", std::process::id());
    let address = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    req.extensions_mut().insert(RequestMeta {
        id: id.clone(),
        address: address.clone(),
    });
    let span = tracing::info_span!("request", id = %id, %method, %path, %address);
    let started = std::time::Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let caller = res.extensions().get::<CallerName>().map(|c| c.0.clone());
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            user = caller.as_deref().unwrap_or("-"),
            "served"
        );
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// The signed-in caller of a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub who: Who,
    /// The session's token, when signed in through the browser.
    pub session: Option<String>,
}

impl Actor {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn who(user: &User, channel: Channel, meta: &RequestMeta) -> Who {
    Who {
        user_id: Some(user.id),
        actor: user.name.clone(),
        role: user.role.as_str().to_string(),
        channel,
        request_id: meta.id.clone(),
        address: meta.address.clone(),
    }
}

fn meta_of(req: &Request) -> RequestMeta {
    req.extensions()
        .get::<RequestMeta>()
        .cloned()
        .unwrap_or_else(|| RequestMeta {
            id: "-".into(),
            address: "unknown".into(),
        })
}

/// What the guard of one route needs: the app and the roles the route admits.
#[derive(Clone)]
pub struct Guard {
    pub app: AppState,
    pub roles: Arc<[Role]>,
}

/// Authenticates, checks the role and, for changes through a session, the CSRF token;
/// hands the handler an [`Actor`].
pub async fn guard(State(g): State<Guard>, mut req: Request, next: Next) -> Response {
    let (meta, method, headers) = (meta_of(&req), req.method().clone(), req.headers().clone());
    match authenticate(&g, &meta, &method, &headers).await {
        Ok(actor) => {
            let name = CallerName(actor.user.name.clone());
            req.extensions_mut().insert(actor);
            let mut res = next.run(req).await;
            res.extensions_mut().insert(name);
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn authenticate(
    g: &Guard,
    meta: &RequestMeta,
    method: &Method,
    headers: &HeaderMap,
) -> ApiResult<Actor> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let actor = if let Some(token) = bearer {
        let user = g
            .app
            .store
            .token_user(token)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Actor {
            who: who(&user, Channel::Api, meta),
            user,
            session: None,
        }
    } else {
        let token = cookie(headers, SESSION_COOKIE).ok_or(ApiError::Unauthenticated)?;
        let (user, csrf) = g
            .app
            .store
            .session_user(&token)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|s| constant_time_eq(s.as_bytes(), csrf.as_bytes())) {
                return Err(ApiError::Forbidden(format!(
                    "a change through a session needs its CSRF token in {CSRF_HEADER}"
                )));
            }
        }
        Actor {
            who: who(&user, Channel::Web, meta),
            user,
            session: Some(token),
        }
    };
    if !g.roles.contains(&actor.role()) {
        return Err(ApiError::Forbidden(format!(
            "a {} may not do this",
            actor.role().as_str()
        )));
    }
    Ok(actor)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    pub name: String,
    pub password: String,
}

/// `POST /api/login`: checks the password off the async threads, counts failures, locks
/// the user out after too many, and sets the session cookie.
pub async fn login(
    State(app): State<AppState>,
    req_meta: axum::Extension<RequestMeta>,
    headers: HeaderMap,
    crate::extract::Body(body): crate::extract::Body<LoginBody>,
) -> ApiResult<Response> {
    let meta = req_meta.0;
    let refused = || ApiError::Forbidden("wrong name or password".into());
    let creds = app.store.user_credentials(&body.name).await?;
    let Some(creds) = creds else {
        // Same work as for a known user, so that timing does not tell names apart.
        let _ =
            tokio::task::spawn_blocking(move || verify_password(DUMMY_HASH, &body.password)).await;
        return Err(refused());
    };
    let user = creds.user.clone();
    let w = who(&user, Channel::Web, &meta);
    if let Some(until) = user.locked_out_until {
        let mut tx = app.store.begin().await?;
        tx.audit(
            &w,
            "login.refused",
            &format!("user:{}", user.id),
            None,
            Some("locked out"),
        )
        .await?;
        tx.commit().await?;
        return Err(ApiError::LockedOut(
            ((until - duanka_store::now()) / 60).max(1),
        ));
    }
    if user.locked {
        let mut tx = app.store.begin().await?;
        tx.audit(
            &w,
            "login.refused",
            &format!("user:{}", user.id),
            None,
            Some("user locked"),
        )
        .await?;
        tx.commit().await?;
        return Err(ApiError::Forbidden("this user is locked".into()));
    }
    let hash = creds.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &body.password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut tx = app.store.begin().await?;
    if !ok {
        let locked = tx.login_failed(&w, user.id).await?;
        tx.commit().await?;
        return Err(if locked {
            ApiError::LockedOut(LOCKOUT_SECONDS / 60)
        } else {
            refused()
        });
    }
    let session = tx.login(&w, user.id).await?;
    tx.commit().await?;
    let secure = app.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{}",
        session.token,
        if secure { "; Secure" } else { "" }
    );
    let mut res = Json(serde_json::json!({
        "user": user,
        "csrf_token": session.csrf,
        "expires_at": session.expires_at,
    }))
    .into_response();
    let value = HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?;
    res.headers_mut().insert(header::SET_COOKIE, value);
    Ok(res)
}

/// An argon2id hash of a random password, checked when the name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2k0LtJgj6R1pkUHrA7wQ8Hf9N0iLjM0yJ5fE9b2d0xA";

/// `POST /api/logout`.
pub async fn logout(
    State(app): State<AppState>,
    axum::Extension(actor): axum::Extension<Actor>,
) -> ApiResult<Response> {
    let mut tx = app.store.begin().await?;
    match &actor.session {
        Some(token) => tx.logout(&actor.who, token).await?,
        None => {
            tx.audit(
                &actor.who,
                "logout",
                &format!("user:{}", actor.id()),
                None,
                Some("api token: nothing to end"),
            )
            .await?;
        }
    }
    tx.commit().await?;
    let mut res = Json(serde_json::json!({"signed_out": true})).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("duanka_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(res)
}
