//! One number's life in a scanned dataset, for the analysts' number profile: its SMS in
//! and out and the verification codes among them, hour by hour; the codes by service;
//! its calls; its attach events; the nodes that took delivery of its messages. Plans over
//! the contract tables of a session (`duanka_query::session_for`), for one number only.
//!
//! Values that identify other subscribers (the peers of its calls and messages, the IMEIs
//! it attached with) are not returned in clear: counts, services, delivery nodes and the
//! TAC of each handset are.

use std::collections::BTreeMap;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use serde::Serialize;

/// An hour of the number's traffic.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Hour {
    /// Start of the hour, Unix seconds.
    pub hour: i64,
    pub sms_in: i64,
    pub sms_out: i64,
    /// Verification codes received.
    pub codes: i64,
    pub calls: i64,
    pub talk_s: i64,
    pub attaches: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Count {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Attach {
    pub ts: i64,
    /// The handset's TAC (its model); the serial stays out.
    pub tac: String,
    pub cell_id: Option<String>,
}

/// What the profile shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Profile {
    pub msisdn: String,
    pub hours: Vec<Hour>,
    pub codes_by_service: Vec<Count>,
    pub delivery_nodes: Vec<Count>,
    /// The first 200 attach events, oldest first.
    pub attaches: Vec<Attach>,
    /// Tables the dataset lacks, so that an empty row is not read as "nothing happened".
    pub missing: Vec<String>,
}

fn column(batch: &RecordBatch, name: &str, to: &DataType) -> Result<ArrayRef, DataFusionError> {
    let c = batch
        .column_by_name(name)
        .ok_or_else(|| DataFusionError::Internal(format!("profile: no column {name}")))?;
    Ok(cast(c, to)?)
}

async fn rows(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, DataFusionError> {
    ctx.sql(sql).await?.collect().await
}

fn has(ctx: &SessionContext, table: &str) -> bool {
    ctx.table_exist(table).unwrap_or(false)
}

async fn has_column(ctx: &SessionContext, table: &str, col: &str) -> bool {
    ctx.table(table)
        .await
        .map(|t| t.schema().field_with_unqualified_name(col).is_ok())
        .unwrap_or(false)
}

/// Adds `(hour, value)` pairs of a query's two columns into the hours.
async fn per_hour(
    ctx: &SessionContext,
    sql: &str,
    hours: &mut BTreeMap<i64, Hour>,
    add: fn(&mut Hour, i64, i64),
) -> Result<(), DataFusionError> {
    for b in rows(ctx, sql).await? {
        let h = column(&b, "h", &DataType::Int64)?;
        let n = column(&b, "n", &DataType::Int64)?;
        let x = column(&b, "x", &DataType::Int64)?;
        let (h, n, x) = (
            h.as_primitive::<arrow::datatypes::Int64Type>(),
            n.as_primitive::<arrow::datatypes::Int64Type>(),
            x.as_primitive::<arrow::datatypes::Int64Type>(),
        );
        for i in 0..b.num_rows() {
            if h.is_null(i) {
                continue;
            }
            let hour = hours.entry(h.value(i)).or_insert_with(|| Hour {
                hour: h.value(i),
                ..Hour::default()
            });
            add(hour, n.value(i), if x.is_null(i) { 0 } else { x.value(i) });
        }
    }
    Ok(())
}

async fn counts(ctx: &SessionContext, sql: &str) -> Result<Vec<Count>, DataFusionError> {
    let mut out = Vec::new();
    for b in rows(ctx, sql).await? {
        let name = column(&b, "name", &DataType::Utf8)?;
        let n = column(&b, "n", &DataType::Int64)?;
        let (name, n) = (
            name.as_string::<i32>(),
            n.as_primitive::<arrow::datatypes::Int64Type>(),
        );
        for i in 0..b.num_rows() {
            out.push(Count {
                name: if name.is_null(i) {
                    "–".into()
                } else {
                    name.value(i).to_string()
                },
                count: n.value(i),
            });
        }
    }
    Ok(out)
}

const HOUR: &str = "to_unixtime(date_trunc('hour', ts))";

/// The profile of `msisdn` (its canonical digits, as alerts name it).
pub async fn number_profile(
    ctx: &SessionContext,
    msisdn: &str,
) -> Result<Profile, DataFusionError> {
    let number: i64 = msisdn.parse().map_err(|_| {
        DataFusionError::Plan(format!("{msisdn}: not a number as duanka writes them"))
    })?;
    let mut hours = BTreeMap::new();
    let mut missing = Vec::new();
    let mut codes_by_service = Vec::new();
    let mut delivery_nodes = Vec::new();
    if has(ctx, "sms") {
        let otp = if has_column(ctx, "sms", "content").await {
            "CASE WHEN direction = 'MT' AND sms_is_otp(content) THEN 1 ELSE 0 END"
        } else {
            "0"
        };
        per_hour(
            ctx,
            &format!(
                "SELECT {HOUR} AS h, SUM(CASE WHEN direction = 'MT' THEN 1 ELSE 0 END) AS n, SUM({otp}) AS x \
                 FROM sms WHERE msisdn = {number} GROUP BY 1"
            ),
            &mut hours,
            |h, n, x| {
                h.sms_in += n;
                h.codes += x;
            },
        )
        .await?;
        per_hour(
            ctx,
            &format!(
                "SELECT {HOUR} AS h, SUM(CASE WHEN direction = 'MO' THEN 1 ELSE 0 END) AS n, 0 AS x \
                 FROM sms WHERE msisdn = {number} GROUP BY 1"
            ),
            &mut hours,
            |h, n, _| h.sms_out += n,
        )
        .await?;
        if has_column(ctx, "sms", "content").await {
            codes_by_service = counts(
                ctx,
                &format!(
                    "SELECT COALESCE(sms_service(content), 'unnamed') AS name, COUNT(*) AS n FROM sms \
                     WHERE msisdn = {number} AND direction = 'MT' AND sms_is_otp(content) GROUP BY 1 ORDER BY n DESC, name LIMIT 50"
                ),
            )
            .await?;
        }
        if has_column(ctx, "sms", "delivery_node").await {
            delivery_nodes = counts(
                ctx,
                &format!(
                    "SELECT CAST(delivery_node AS VARCHAR) AS name, COUNT(*) AS n FROM sms \
                     WHERE msisdn = {number} AND direction = 'MT' GROUP BY 1 ORDER BY n DESC, name LIMIT 50"
                ),
            )
            .await?;
        }
    } else {
        missing.push("sms".to_string());
    }
    if has(ctx, "calls") {
        per_hour(
            ctx,
            &format!(
                "SELECT {HOUR} AS h, COUNT(*) AS n, SUM(duration_s) AS x FROM calls WHERE msisdn = {number} GROUP BY 1"
            ),
            &mut hours,
            |h, n, x| {
                h.calls += n;
                h.talk_s += x;
            },
        )
        .await?;
    } else {
        missing.push("calls".to_string());
    }
    let mut attaches = Vec::new();
    if has(ctx, "attach") && has_column(ctx, "attach", "msisdn").await {
        per_hour(
            ctx,
            &format!("SELECT {HOUR} AS h, COUNT(*) AS n, 0 AS x FROM attach WHERE msisdn = {number} GROUP BY 1"),
            &mut hours,
            |h, n, _| h.attaches += n,
        )
        .await?;
        let cell = if has_column(ctx, "attach", "cell_id").await {
            "CAST(cell_id AS VARCHAR)"
        } else {
            "CAST(NULL AS VARCHAR)"
        };
        for b in rows(
            ctx,
            &format!(
                "SELECT to_unixtime(ts) AS t, CAST(imei AS VARCHAR) AS imei, {cell} AS cell \
                 FROM attach WHERE msisdn = {number} ORDER BY ts LIMIT 200"
            ),
        )
        .await?
        {
            let t = column(&b, "t", &DataType::Int64)?;
            let imei = column(&b, "imei", &DataType::Utf8)?;
            let cell = column(&b, "cell", &DataType::Utf8)?;
            let (t, imei, cell) = (
                t.as_primitive::<arrow::datatypes::Int64Type>(),
                imei.as_string::<i32>(),
                cell.as_string::<i32>(),
            );
            for i in 0..b.num_rows() {
                attaches.push(Attach {
                    ts: t.value(i),
                    tac: if imei.is_null(i) {
                        String::new()
                    } else {
                        imei.value(i).chars().take(8).collect()
                    },
                    cell_id: (!cell.is_null(i)).then(|| cell.value(i).to_string()),
                });
            }
        }
    } else {
        missing.push("attach".to_string());
    }
    Ok(Profile {
        msisdn: msisdn.to_string(),
        hours: hours.into_values().collect(),
        codes_by_service,
        delivery_nodes,
        attaches,
        missing,
    })
}
