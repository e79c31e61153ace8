//! `distinct_count` against DataFusion's own `count(DISTINCT …)` on the same rows, in each
//! way a plan can drive it: grouped by hash, grouped over input sorted by the key (groups
//! emitted early), with the partial step skipped, and ungrouped; with NULL ids, a FILTER
//! clause with NULLs, and groups large enough to leave the short-list form.

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionContext, col};

/// Rows `(g, v, f)` sorted by `g`: most groups see one to five ids, every 97th group a
/// few hundred; about 5 % of ids and 5 % of filter values are NULL.
fn rows() -> (Vec<i64>, Vec<Option<i64>>, Vec<Option<bool>>) {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        state >> 33
    };
    let (mut g, mut v, mut f) = (Vec::new(), Vec::new(), Vec::new());
    for group in 0..20_000i64 {
        let (rows, ids) = if group % 97 == 0 {
            (900, 400)
        } else {
            (1 + next() % 8, 1 + next() % 5)
        };
        for _ in 0..rows {
            g.push(group);
            v.push((next() % 20 != 0).then(|| (next() % ids) as i64 * 7_919));
            f.push((next() % 20 != 0).then(|| next() % 3 != 0));
        }
    }
    (g, v, f)
}

fn batches(parts: usize) -> (Arc<Schema>, Vec<Vec<RecordBatch>>) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("g", DataType::Int64, false),
        Field::new("v", DataType::Int64, true),
        Field::new("f", DataType::Boolean, true),
    ]));
    let (g, v, f) = rows();
    // Contiguous slices keep each partition sorted by `g`.
    let chunk = g.len().div_ceil(parts);
    let mut out = Vec::new();
    for start in (0..g.len()).step_by(chunk) {
        let end = (start + chunk).min(g.len());
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(g[start..end].to_vec())),
            Arc::new(Int64Array::from(v[start..end].to_vec())),
            Arc::new(BooleanArray::from(f[start..end].to_vec())),
        ];
        let b = RecordBatch::try_new(Arc::clone(&schema), cols).unwrap();
        // Small batches, so a sorted aggregation emits many times.
        out.push(
            (0..b.num_rows())
                .step_by(1000)
                .map(|o| b.slice(o, 1000.min(b.num_rows() - o)))
                .collect(),
        );
    }
    (schema, out)
}

fn session(parts: usize, sorted: bool, skip_partial: bool) -> SessionContext {
    let mut config = duanka_query::session_config(parts).unwrap();
    if skip_partial {
        let exec = &mut config.options_mut().execution;
        exec.skip_partial_aggregation_probe_rows_threshold = 10;
        exec.skip_partial_aggregation_probe_ratio_threshold = 0.0;
    }
    let ctx = SessionContext::new_with_config(config);
    for f in duanka_query::udaf::all_udafs() {
        ctx.register_udaf(f);
    }
    let (schema, parts) = batches(parts);
    let mut table = MemTable::try_new(schema, parts).unwrap();
    if sorted {
        table = table.with_sort_order(vec![vec![col("g").sort(true, false)]]);
    }
    ctx.register_table("t", Arc::new(table)).unwrap();
    ctx
}

fn run(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { duanka_query::sql(ctx, sql).await.unwrap() })
}

/// Every group's `distinct_count` next to `count(DISTINCT)`, plain and filtered; asserts
/// they agree and returns how many groups were compared.
fn compare(ctx: &SessionContext) -> usize {
    let b = run(
        ctx,
        "SELECT g, distinct_count(v) AS a, count(DISTINCT v) AS b, \
         distinct_count(v) FILTER (WHERE f) AS fa, count(DISTINCT v) FILTER (WHERE f) AS fb \
         FROM t GROUP BY g",
    );
    let mut groups = 0;
    let mut large = 0;
    for batch in &b {
        let c = |i: usize| batch.column(i).as_primitive::<Int64Type>().clone();
        let (g, a, bb, fa, fb) = (c(0), c(1), c(2), c(3), c(4));
        for r in 0..batch.num_rows() {
            assert_eq!(a.value(r), bb.value(r), "group {}", g.value(r));
            assert_eq!(fa.value(r), fb.value(r), "group {} filtered", g.value(r));
            groups += 1;
            large += usize::from(a.value(r) > 16);
        }
    }
    assert!(large > 100, "only {large} groups reached the hash-set form");
    groups
}

fn plan(ctx: &SessionContext) -> String {
    let b = run(ctx, "EXPLAIN SELECT g, distinct_count(v) FROM t GROUP BY g");
    arrow::util::pretty::pretty_format_batches(&b)
        .unwrap()
        .to_string()
}

#[test]
fn agrees_with_count_distinct_grouped_by_hash() {
    for parts in [1, 3] {
        assert_eq!(compare(&session(parts, false, false)), 20_000);
    }
}

#[test]
fn agrees_with_count_distinct_on_sorted_input() {
    let ctx = session(3, true, false);
    assert!(
        plan(&ctx).contains("ordering_mode=Sorted"),
        "{}",
        plan(&ctx)
    );
    assert_eq!(compare(&ctx), 20_000);
}

#[test]
fn agrees_with_count_distinct_when_the_partial_step_is_skipped() {
    assert_eq!(compare(&session(2, false, true)), 20_000);
}

#[test]
fn agrees_with_count_distinct_ungrouped() {
    let ctx = session(3, false, false);
    let b = run(
        &ctx,
        "SELECT distinct_count(v), count(DISTINCT v), distinct_count(v) FILTER (WHERE f), \
         count(DISTINCT v) FILTER (WHERE f), distinct_count(CAST(g AS INT)) FROM t",
    );
    let row: Vec<i64> = (0..5)
        .map(|i| b[0].column(i).as_primitive::<Int64Type>().value(0))
        .collect();
    assert_eq!(row[0], row[1]);
    assert_eq!(row[2], row[3]);
    assert_eq!(row[4], 20_000);
    assert_eq!(row[0], 400, "{row:?}");
}

#[test]
fn an_empty_group_counts_zero_and_strings_are_refused() {
    let ctx = session(2, false, false);
    let b = run(
        &ctx,
        "SELECT g, distinct_count(v) FILTER (WHERE false) AS n FROM t WHERE g < 3 GROUP BY g ORDER BY g",
    );
    let n = b[0].column(1).as_primitive::<Int64Type>();
    assert_eq!(n.values().to_vec(), vec![0, 0, 0]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(duanka_query::sql(
            &ctx,
            "SELECT distinct_count(CAST(v AS VARCHAR)) FROM t",
        ))
        .unwrap_err();
    assert!(err.to_string().contains("distinct_count"), "{err}");
}
