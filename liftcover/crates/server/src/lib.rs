//! liftcover-server: the HTTP face of liftcover for the sub-district office — a JSON API
//! under `/api`, CSV exports under `/reports`, and server-rendered HTML pages. It owns
//! routing, request/response shapes and rendering; every rule lives in liftcover-core and
//! every read or write goes through liftcover-store. It must not talk SQL or compute
//! business results itself.

mod html;

pub use html::csv;

/// The printable sub-district report page.
pub fn report_html(r: &liftcover_store::Report) -> String {
    html::report(r)
}

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use liftcover_core::money::{format_yuan, parse_yuan};
use liftcover_store::{
    FaultResolution, NewBuilding, NewContract, NewFault, NewHousehold, NewMaintenance, NewPayment,
    NewSchemeVersion, Store, StoreError,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Shared state: one store behind a mutex. The store's drivers block, so every use runs
/// on the blocking pool, never on the async workers.
#[derive(Clone)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        AppState {
            store: Arc::new(Mutex::new(store)),
        }
    }
}

/// An error as the API reports it: status plus `{error, field?, reason?}`.
#[derive(Debug)]
pub struct ApiError(StatusCode, serde_json::Value);

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e {
            StoreError::Invalid(v) => ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": message, "field": v.field, "reason": v.reason}),
            ),
            StoreError::NotFound { .. } => {
                ApiError(StatusCode::NOT_FOUND, json!({"error": message}))
            }
            StoreError::Conflict(_) => ApiError(StatusCode::CONFLICT, json!({"error": message})),
            StoreError::Db(_) => {
                ApiError(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": message}))
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// `Json` whose rejections (malformed body, missing or mistyped field) come back as the
/// API's JSON error shape rather than plain text.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    Json<T>: axum::extract::FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError(
                rejection.status(),
                json!({"error": rejection.body_text()}),
            )),
        }
    }
}

async fn with_store<T, F>(state: &AppState, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || {
        // A panic elsewhere cannot leave a half-done write: every write is a transaction.
        let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    })
    .await
    .map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": e.to_string()}),
        )
    })?
    .map_err(ApiError::from)
}

fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

#[derive(Deserialize)]
struct DateQuery {
    date: Option<String>,
}

impl DateQuery {
    fn date(self) -> String {
        self.date
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(today)
    }
}

#[derive(Deserialize)]
struct NameBody {
    name: String,
}

#[derive(Deserialize)]
struct CommunityBody {
    sub_district_id: i64,
    name: String,
}

#[derive(Deserialize)]
struct SharesQuery {
    /// Yuan.
    total: String,
}

#[derive(Deserialize)]
struct BillsBody {
    contract_id: i64,
    year: u32,
}

#[derive(Deserialize)]
struct ArrivalBody {
    arrived_at: String,
}

#[derive(Serialize)]
struct SharesResponse {
    version: i64,
    total_fen: i64,
    total: String,
    shares: Vec<liftcover_store::ShareLine>,
}

/// The whole application: API, CSV exports and HTML pages.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(page_index))
        .route("/lifts/{code}", get(page_lift))
        .route("/report", get(page_report))
        .route("/faults/new", get(page_fault_form).post(page_fault_submit))
        .route("/reports/{section}", get(csv_section))
        .route("/api/health", get(|| async { Json(json!({"ok": true})) }))
        .route(
            "/api/presets",
            get(|| async { Json(liftcover_core::presets::all()) }),
        )
        .route(
            "/api/sub-districts",
            post(create_sub_district).get(list_sub_districts),
        )
        .route(
            "/api/communities",
            post(create_community).get(list_communities),
        )
        .route("/api/buildings", post(create_building).get(list_buildings))
        .route("/api/lifts/{code}", get(get_building))
        .route(
            "/api/lifts/{code}/households",
            post(add_household).get(list_households),
        )
        .route(
            "/api/lifts/{code}/contracts",
            post(add_contract).get(list_contracts),
        )
        .route(
            "/api/lifts/{code}/schemes",
            post(propose_scheme).get(list_schemes),
        )
        .route("/api/lifts/{code}/shares", get(get_shares))
        .route("/api/lifts/{code}/status", get(get_status))
        .route("/api/lifts/{code}/maintenance", post(add_maintenance))
        .route("/api/lifts/{code}/schedule", get(get_schedule))
        .route(
            "/api/lifts/{code}/bills",
            post(generate_bills).get(list_bills),
        )
        .route("/api/bills/{id}/payments", post(add_payment))
        .route("/api/faults", post(report_fault).get(list_faults))
        .route("/api/faults/{id}/arrival", post(fault_arrival))
        .route("/api/faults/{id}/resolution", post(fault_resolution))
        .route("/api/report", get(get_report))
        .with_state(state)
}

/// Serves `app` on `addr` until the process ends.
pub async fn serve(store: Store, addr: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app(AppState::new(store))).await
}

async fn create_sub_district(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<NameBody>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| st.create_sub_district(&b.name)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn list_sub_districts(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, |st| st.sub_districts()).await?))
}

async fn create_community(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<CommunityBody>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| {
        st.create_community(b.sub_district_id, &b.name)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn list_communities(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, |st| st.communities()).await?))
}

async fn create_building(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<NewBuilding>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| st.create_building(&b)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn list_buildings(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, |st| st.buildings()).await?))
}

async fn get_building(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, move |st| st.building(&code)).await?))
}

async fn add_household(
    State(s): State<AppState>,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NewHousehold>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| st.add_household(&code, &b)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn list_households(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, move |st| st.households(&code)).await?))
}

async fn add_contract(
    State(s): State<AppState>,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NewContract>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| st.add_contract(&code, &b)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn list_contracts(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, move |st| st.contracts(&code)).await?))
}

async fn propose_scheme(
    State(s): State<AppState>,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NewSchemeVersion>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| st.propose_scheme(&code, &b)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn list_schemes(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, move |st| st.schemes(&code)).await?))
}

async fn get_shares(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<SharesQuery>,
) -> ApiResult<impl IntoResponse> {
    let total = parse_yuan("total", &q.total).map_err(StoreError::from)?;
    let (sv, shares) = with_store(&s, move |st| st.shares(&code, total)).await?;
    Ok(Json(SharesResponse {
        version: sv.version,
        total_fen: total,
        total: format_yuan(total),
        shares,
    }))
}

async fn get_status(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<DateQuery>,
) -> ApiResult<impl IntoResponse> {
    let date = q.date();
    Ok(Json(
        with_store(&s, move |st| st.status(&code, &date)).await?,
    ))
}

async fn add_maintenance(
    State(s): State<AppState>,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NewMaintenance>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| st.record_maintenance(&code, &b)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn get_schedule(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<DateQuery>,
) -> ApiResult<impl IntoResponse> {
    let date = q.date();
    Ok(Json(
        with_store(&s, move |st| st.schedule(&code, &date)).await?,
    ))
}

async fn generate_bills(
    State(s): State<AppState>,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<BillsBody>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| {
        st.generate_bills(&code, b.contract_id, b.year)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn list_bills(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, move |st| st.bills(&code)).await?))
}

async fn add_payment(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewPayment>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| st.record_payment(id, &b)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn report_fault(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<NewFault>,
) -> ApiResult<impl IntoResponse> {
    let r = with_store(&s, move |st| st.report_fault(&b)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn list_faults(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    Ok(Json(with_store(&s, |st| st.faults()).await?))
}

async fn fault_arrival(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ArrivalBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        with_store(&s, move |st| st.fault_arrived(id, &b.arrived_at)).await?,
    ))
}

async fn fault_resolution(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<FaultResolution>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        with_store(&s, move |st| st.resolve_fault(id, &b)).await?,
    ))
}

async fn get_report(
    State(s): State<AppState>,
    Query(q): Query<DateQuery>,
) -> ApiResult<impl IntoResponse> {
    let date = q.date();
    Ok(Json(with_store(&s, move |st| st.report(&date)).await?))
}

async fn csv_section(
    State(s): State<AppState>,
    Path(section): Path<String>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Response> {
    let name = section.strip_suffix(".csv").unwrap_or(&section).to_string();
    if !html::CSV_SECTIONS.contains(&name.as_str()) {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no report `{name}`; reports: {}", html::CSV_SECTIONS.join(", "))}),
        ));
    }
    let date = q.date();
    let report = with_store(&s, move |st| st.report(&date)).await?;
    let body = html::csv(&report, &name).unwrap_or_default();
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

fn page_error(e: ApiError) -> Response {
    let msg =
        e.1.get("error")
            .and_then(|v| v.as_str())
            .unwrap_or("error")
            .to_string();
    (e.0, Html(html::error_page(&msg))).into_response()
}

async fn page_index(State(s): State<AppState>, Query(q): Query<DateQuery>) -> Response {
    let date = q.date();
    match with_store(&s, move |st| st.report(&date)).await {
        Ok(r) => Html(html::index(&r)).into_response(),
        Err(e) => page_error(e),
    }
}

async fn page_report(State(s): State<AppState>, Query(q): Query<DateQuery>) -> Response {
    let date = q.date();
    match with_store(&s, move |st| st.report(&date)).await {
        Ok(r) => Html(html::report(&r)).into_response(),
        Err(e) => page_error(e),
    }
}

async fn page_lift(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<DateQuery>,
) -> Response {
    let date = q.date();
    let res = with_store(&s, move |st| html::LiftPage::load(st, &code, &date)).await;
    match res {
        Ok(p) => Html(html::lift(&p)).into_response(),
        Err(e) => page_error(e),
    }
}

async fn page_fault_form() -> Html<String> {
    Html(html::fault_form(None))
}

#[derive(Deserialize)]
struct FaultForm {
    lift_code: String,
    reported_at: String,
    reporter: String,
    trapped: Option<String>,
    description: String,
}

async fn page_fault_submit(State(s): State<AppState>, Form(f): Form<FaultForm>) -> Response {
    let input = NewFault {
        lift_code: f.lift_code,
        reported_at: f.reported_at,
        reporter: f.reporter,
        trapped: f.trapped.is_some(),
        description: f.description,
    };
    match with_store(&s, move |st| st.report_fault(&input)).await {
        Ok(fault) => {
            Redirect::to(&format!("/lifts/{}", html::url_part(&fault.lift_code))).into_response()
        }
        Err(e) => {
            let msg =
                e.1.get("error")
                    .and_then(|v| v.as_str())
                    .unwrap_or("error")
                    .to_string();
            (e.0, Html(html::fault_form(Some(&msg)))).into_response()
        }
    }
}
