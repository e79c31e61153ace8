//! End-to-end suite through the HTTP API: one scenario — the seed's building, from
//! registration to the sub-district report — run on SQLite and, when
//! `LIFTCOVER_TEST_PG_URL` is set, on PostgreSQL. Bad inputs must be refused with a named
//! field and leave the data unchanged.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use liftcover_server::{app, AppState};
use liftcover_store::Store;
use serde_json::{json, Value};
use tower::ServiceExt;

const CODE: &str = "31103302002018060001";

async fn call(app: &Router, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (status, text) = call_text(app, method, uri, body).await;
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

async fn call_text(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let resp = app
        .clone()
        .oneshot(req.body(body).expect("request"))
        .await
        .expect("response");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn post(app: &Router, uri: &str, body: Value) -> (StatusCode, Value) {
    call(app, Method::POST, uri, Some(body)).await
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    call(app, Method::GET, uri, None).await
}

async fn count(app: &Router, uri: &str) -> usize {
    let (s, v) = get(app, uri).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    v.as_array().map_or(0, Vec::len)
}

fn assert_invalid(status: StatusCode, v: &Value, field: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], field, "{v}");
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
}

async fn scenario(app: Router) {
    let (s, sd) = post(&app, "/api/sub-districts", json!({"name": "东柳街道"})).await;
    assert_eq!(s, StatusCode::CREATED, "{sd}");
    let (s, cm) = post(
        &app,
        "/api/communities",
        json!({"sub_district_id": sd["id"], "name": "中兴社区"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cm}");
    let (s, b) = post(
        &app,
        "/api/buildings",
        json!({"community_id": cm["id"], "name": "中兴新家园9号楼", "floors": 6, "lift_code": CODE,
               "lift_description": "retrofitted passenger lift", "in_use_since": "2018-06-15"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, v) = post(&app, "/api/buildings", json!({"community_id": cm["id"], "name": "dup", "floors": 6, "lift_code": CODE, "in_use_since": "2018-06-15"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    for floor in 1..=6 {
        for (n, area) in [(1, "78.50"), (2, "92.30")] {
            let (s, v) = post(
                &app,
                &format!("/api/lifts/{CODE}/households"),
                json!({"unit": format!("{floor}0{n}"), "floor": floor, "area_m2": area, "contact": format!("resident {floor}0{n}")}),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
    }
    let households = format!("/api/lifts/{CODE}/households");
    assert_eq!(count(&app, &households).await, 12);

    // Bad input: clear error, nothing changed.
    let (s, v) = post(&app, &households, json!({"unit": "x2", "area_m2": "50"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap_or("")
            .contains("missing field `floor`"),
        "{v}"
    );

    // Bad input: clear error, nothing changed.
    let (s, v) = post(
        &app,
        "/api/lifts/NO-SUCH-LIFT/households",
        json!({"unit": "x", "floor": 1, "area_m2": "50"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(
        v["error"].as_str().unwrap_or("").contains("NO-SUCH-LIFT"),
        "{v}"
    );
    let (s, v) = post(
        &app,
        &households,
        json!({"unit": "701", "floor": 7, "area_m2": "80"}),
    )
    .await;
    assert_invalid(s, &v, "floor");
    assert!(
        v["reason"].as_str().unwrap_or("").contains("floors 1 to 6"),
        "{v}"
    );
    let (s, v) = post(
        &app,
        &households,
        json!({"unit": "x1", "floor": 2, "area_m2": "-3"}),
    )
    .await;
    assert_invalid(s, &v, "area_m2");
    assert_eq!(count(&app, &households).await, 12);

    let contracts = format!("/api/lifts/{CODE}/contracts");
    let (s, v) = post(&app, &contracts, json!({"party": "Lift Co", "kind": "installer-warranty", "start": "2020-06-14", "end": "2018-06-15", "annual_fee": "0"})).await;
    assert_invalid(s, &v, "end");
    let (s, v) = post(&app, &contracts, json!({"party": "Lift Co", "kind": "warranty?", "start": "2018-06-15", "end": "2020-06-14", "annual_fee": "0"})).await;
    assert_invalid(s, &v, "kind");
    assert_eq!(count(&app, &contracts).await, 0);

    let (s, installer) = post(&app, &contracts, json!({"party": "实力电梯公司", "kind": "installer-warranty", "start": "2018-06-15", "end": "2020-06-14", "annual_fee": "0", "covers": ["repairs", "maintenance"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{installer}");
    let (s, insurer) = post(&app, &contracts, json!({"party": "人保财险宁波", "kind": "insurer", "start": "2020-06-15", "end": "2025-06-14", "annual_fee": "4,950", "covers": ["passenger-risk", "spare-parts", "cleaning-and-maintenance", "monthly-inspection"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{insurer}");
    assert_eq!(insurer["annual_fee_fen"], 495_000);

    // Entry 2018-06-15; 29 Feb 2020 falls in the first two years, so the warranty runs
    // 731 days: day 731 is 2020-06-14, the insurer starts on day 732.
    let (_, st) = get(&app, &format!("/api/lifts/{CODE}/status?date=2020-06-14")).await;
    assert_eq!(st["resolution"]["state"], "installer", "{st}");
    assert_eq!(st["resolution"]["day_of_use"], 731);
    let (_, st) = get(&app, &format!("/api/lifts/{CODE}/status?date=2020-06-15")).await;
    assert_eq!(st["resolution"]["state"], "insurer", "{st}");
    assert_eq!(st["resolution"]["year_of_use"], 3);
    assert_eq!(st["findings"].as_array().map(Vec::len), Some(0));
    let (_, st) = get(&app, &format!("/api/lifts/{CODE}/status?date=2025-06-14")).await;
    assert_eq!(st["resolution"]["state"], "insurer");
    let (_, st) = get(&app, &format!("/api/lifts/{CODE}/status?date=2025-06-15")).await;
    assert_eq!(st["resolution"]["state"], "renewal-due");
    let (s, v) = get(&app, "/api/lifts/NOPE/status?date=2025-06-15").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = get(&app, &format!("/api/lifts/{CODE}/status?date=2025-13-01")).await;
    assert_invalid(s, &v, "date");

    // Schemes: a ratio that does not total 100 % is refused and stores nothing.
    let schemes = format!("/api/lifts/{CODE}/schemes");
    let all_units: Vec<String> = (1..=6)
        .flat_map(|f| [format!("{f}01"), format!("{f}02")])
        .collect();
    let mut ratios = serde_json::Map::new();
    for u in &all_units {
        ratios.insert(u.clone(), json!("8"));
    }
    let (s, v) = post(&app, &schemes, json!({"scheme": {"method": "custom_ratio", "ratios": ratios}, "signed_by": all_units, "signed_on": "2018-05-01"})).await;
    assert_invalid(s, &v, "ratios");
    assert!(
        v["reason"].as_str().unwrap_or("").contains("96.00 %"),
        "{v}"
    );
    assert_eq!(count(&app, &schemes).await, 0);

    // Version 1: only 8 of 12 signed — kept, not adopted.
    let (s, v1) = post(&app, &schemes, json!({"scheme": {"method": "floor_coefficients", "preset": "guangzhou"}, "signed_by": &all_units[..8], "signed_on": "2018-05-01"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["adopted"], false);
    assert_eq!(v1["consent"]["households_ok"], false);
    let (s, v) = get(&app, &format!("/api/lifts/{CODE}/shares?total=4950")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // Version 2: ten signed, well over ¾ of households and of area.
    let (s, v2) = post(&app, &schemes, json!({"scheme": {"method": "floor_coefficients", "preset": "guangzhou"}, "signed_by": &all_units[2..], "signed_on": "2018-05-20"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["adopted"], true, "{v2}");
    assert_eq!(count(&app, &schemes).await, 2);
    let (s, sh) = get(&app, &format!("/api/lifts/{CODE}/shares?total=4950")).await;
    assert_eq!(s, StatusCode::OK, "{sh}");
    let amounts: Vec<i64> = sh["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|x| x["amount_fen"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(
        amounts,
        vec![0, 0, 24_265, 24_265, 48_530, 48_530, 53_382, 53_382, 58_235, 58_235, 63_088, 63_088]
    );

    // Bills: year 1 of the insurer contract; the building's bills total the fee.
    let bills = format!("/api/lifts/{CODE}/bills");
    let (s, v) = post(
        &app,
        &bills,
        json!({"contract_id": insurer["id"], "year": 6}),
    )
    .await;
    assert_invalid(s, &v, "year");
    let (s, issued) = post(
        &app,
        &bills,
        json!({"contract_id": insurer["id"], "year": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{issued}");
    let issued = issued.as_array().cloned().unwrap_or_default();
    assert_eq!(issued.len(), 12);
    assert_eq!(
        issued
            .iter()
            .map(|b| b["amount_fen"].as_i64().unwrap_or(0))
            .sum::<i64>(),
        495_000
    );
    assert_eq!(issued[0]["due_date"], "2020-07-15");
    let (s, v) = post(
        &app,
        &bills,
        json!({"contract_id": insurer["id"], "year": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(count(&app, &bills).await, 12);
    let top = issued
        .iter()
        .find(|b| b["unit"] == "601")
        .cloned()
        .unwrap_or_default();
    let (s, v) = post(
        &app,
        &format!("/api/bills/{}/payments", top["id"]),
        json!({"paid_on": "2020-07-01", "amount": "1000"}),
    )
    .await;
    assert_invalid(s, &v, "amount");
    for b in &issued {
        if b["floor"].as_i64().unwrap_or(0) >= 3 && b["unit"] != "601" {
            let (s, v) = post(&app, &format!("/api/bills/{}/payments", b["id"]), json!({"paid_on": "2020-07-01", "amount": format!("{}.{:02}", b["amount_fen"].as_i64().unwrap_or(0) / 100, b["amount_fen"].as_i64().unwrap_or(0) % 100)})).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
    }
    let (s, v) = post(
        &app,
        &format!("/api/bills/{}/payments", top["id"]),
        json!({"paid_on": "2020-07-01", "amount": "300"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Maintenance and schedule.
    let (s, v) = post(
        &app,
        &format!("/api/lifts/{CODE}/maintenance"),
        json!({"kind": "half-monthly", "done_on": "2021-02-20", "party": "人保财险宁波"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = post(
        &app,
        &format!("/api/lifts/{CODE}/maintenance"),
        json!({"kind": "fortnightly", "done_on": "2021-02-20", "party": "x"}),
    )
    .await;
    assert_invalid(s, &v, "kind");
    let (_, sched) = get(&app, &format!("/api/lifts/{CODE}/schedule?date=2021-03-10")).await;
    let hm = sched["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["kind"] == "half-monthly").cloned())
        .unwrap_or_default();
    assert_eq!(hm["due"], "2021-03-07");
    assert_eq!(hm["overdue_days"], 3);
    assert!(sched["items"]
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i["kind"] == "insurer-monthly-inspection")));

    // Faults: routed by date, 30-minute clock for a trapped passenger.
    let (s, v) = post(&app, "/api/faults", json!({"lift_code": "NOPE", "reported_at": "2021-03-01T10:00", "reporter": "601", "trapped": true})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(count(&app, "/api/faults").await, 0);
    let (s, f) = post(&app, "/api/faults", json!({"lift_code": CODE, "reported_at": "2021-03-01T10:00", "reporter": "张苏莲 (401)", "trapped": true, "description": "stuck between 3F and 4F"})).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    assert_eq!(f["routed_party"], "人保财险宁波");
    assert_eq!(f["deadline"], "2021-03-01T10:30:00");
    let (_, early) = post(&app, "/api/faults", json!({"lift_code": CODE, "reported_at": "2019-01-10 09:00", "reporter": "101", "description": "door slow"})).await;
    assert_eq!(early["routed_party"], "实力电梯公司", "{early}");
    assert_eq!(early["deadline"], "2019-01-11T09:00:00");
    let (s, v) = post(
        &app,
        &format!("/api/faults/{}/arrival", f["id"]),
        json!({"arrived_at": "2021-03-01T09:00"}),
    )
    .await;
    assert_invalid(s, &v, "arrived_at");
    let (s, v) = post(
        &app,
        &format!("/api/faults/{}/arrival", f["id"]),
        json!({"arrived_at": "2021-03-01T10:25"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["response_minutes"], 25);
    assert_eq!(v["response_met"], true);
    let (s, v) = post(&app, &format!("/api/faults/{}/resolution", f["id"]), json!({"resolved_at": "2021-03-01T11:40", "resolution": "door operator board replaced", "parts": ["door operator board"], "cost": "1280.00", "paid_by": "人保财险宁波"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cost_fen"], 128_000);
    assert_eq!(v["parts"][0], "door operator board");

    // Report on 2025-04-01: renewal within 90 days, arrears with ageing, open fault.
    let (s, r) = get(&app, "/api/report?date=2025-04-01").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["coverage"][0]["state"], "insurer");
    assert_eq!(r["renewals_due"][0]["days_left"], 74);
    let arrears = r["arrears"].as_array().cloned().unwrap_or_default();
    // 101, 102, 201, 202 unpaid (101/102 owe nothing: exempt by coefficient 0), 601 part-paid.
    let owing: Vec<&str> = arrears.iter().filter_map(|a| a["unit"].as_str()).collect();
    assert_eq!(owing, vec!["201", "202", "601"]);
    assert!(arrears.iter().all(|a| a["ageing"] == "over-365"));
    let top_owed = arrears
        .iter()
        .find(|a| a["unit"] == "601")
        .map(|a| a["outstanding_fen"].clone());
    assert_eq!(top_owed, Some(json!(63_088 - 30_000)));
    assert!(r["faults"]
        .as_array()
        .is_some_and(|a| a.len() == 2 && a[0]["resolved_at"].is_null()));
    assert!(r["overdue_maintenance"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));

    let (s, csv) = call_text(
        &app,
        Method::GET,
        "/reports/arrears.csv?date=2025-04-01",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(csv.starts_with("as_of,lift_code,building,unit"), "{csv}");
    assert_eq!(csv.lines().count(), 4);
    let (s, csv) = call_text(
        &app,
        Method::GET,
        "/reports/coverage.csv?date=2025-04-01",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(csv.contains(CODE) && csv.contains("insurer"), "{csv}");
    let (s, _) = call_text(&app, Method::GET, "/reports/nothing.csv", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for page in [
        "/?date=2025-04-01",
        "/report?date=2025-04-01",
        &format!("/lifts/{CODE}?date=2025-04-01"),
        "/faults/new",
    ] {
        let (s, html) = call_text(&app, Method::GET, page, None).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(html.contains("<html"), "{page}");
    }
    let (_, html) = call_text(
        &app,
        Method::GET,
        &format!("/lifts/{CODE}?date=2025-04-01"),
        None,
    )
    .await;
    assert!(
        html.contains("中兴新家园9号楼") && html.contains("630.88"),
        "lift page lacks shares"
    );
    let (s, _) = call_text(&app, Method::GET, "/lifts/NOPE", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The office's fault form: a good report redirects to the lift page, a bad one
    // re-shows the form with the reason and stores nothing.
    let form = |body: String| {
        Request::builder()
            .method(Method::POST)
            .uri("/faults/new")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request")
    };
    let resp = app
        .clone()
        .oneshot(form(
            "lift_code=NOPE&reported_at=2021-05-01T08%3A00&reporter=x&trapped=1&description="
                .into(),
        ))
        .await
        .expect("response");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(count(&app, "/api/faults").await, 2);
    let resp = app
        .clone()
        .oneshot(form(format!("lift_code={CODE}&reported_at=2021-05-01T08%3A00&reporter=502&trapped=1&description=stuck")))
        .await
        .expect("response");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, faults) = get(&app, "/api/faults").await;
    let last = faults
        .as_array()
        .and_then(|a| a.last().cloned())
        .unwrap_or_default();
    assert_eq!(last["routed_party"], "人保财险宁波");
    assert_eq!(last["trapped"], true);
    assert_eq!(last["deadline"], "2021-05-01T08:30:00");
}

fn run(store: Store) {
    let state = AppState::new(store);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(scenario(app(state.clone())));
    drop(rt);
    // The PostgreSQL client owns a runtime of its own: drop it outside any async context.
    drop(state);
}

#[test]
fn end_to_end_sqlite() {
    let dir = std::env::temp_dir().join(format!("liftcover-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("e2e.sqlite3");
    let _ = std::fs::remove_file(&path);
    let store = Store::open_sqlite(path.to_str().expect("utf-8 path")).expect("open sqlite");
    run(store);
    // The file holds the data after the store is gone.
    let mut again = Store::open_sqlite(path.to_str().expect("utf-8 path")).expect("reopen");
    assert_eq!(again.households(CODE).expect("households").len(), 12);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn end_to_end_postgres() {
    let Ok(url) = std::env::var("LIFTCOVER_TEST_PG_URL") else {
        eprintln!("note: LIFTCOVER_TEST_PG_URL is not set; skipping the PostgreSQL run (scripts/test.sh sets it)");
        return;
    };
    // Set but unreachable is a failure, not a skip.
    let store = Store::open_postgres(&url, Some("liftcover_e2e"))
        .expect("PostgreSQL named by LIFTCOVER_TEST_PG_URL must be reachable");
    run(store);
}
