//! duanka's SQL functions through a real session: over the bundled example dataset and
//! over the real public reference data (the built-in snapshot and the repository's copy).

#![allow(clippy::unwrap_used)] // test helpers: a failure is the test failing

use std::path::PathBuf;

use arrow::util::pretty::pretty_format_batches;
use duanka_ingest::reference::ReferenceChoice;
use duanka_ingest::{ReadOptions, read_dataset};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `query` in a session over `ds` and prints the result as a table.
fn query(ds: &duanka_ingest::Dataset, query: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let batches = rt.block_on(async {
        let ctx = duanka_query::session_for(ds, &duanka_query::Resources::threads(2)).unwrap();
        duanka_query::sql(&ctx, query).await.unwrap()
    });
    pretty_format_batches(&batches).unwrap().to_string()
}

fn run(opts: &ReadOptions, sql: &str) -> String {
    query(
        &read_dataset(&root().join("examples/tiny"), opts).unwrap(),
        sql,
    )
}

fn check(query: &str, expected: &str) {
    let got = run(&ReadOptions::default(), query);
    assert_eq!(got.trim(), expected.trim(), "query: {query}\n{got}");
}

#[test]
fn identifier_functions() {
    check(
        "SELECT msisdn_block(8613312345678) AS b, msisdn_prefix(8613312345678, 5) AS p, msisdn_segment(8613312345678) AS s, \
         imei_luhn_ok(490154203237518) AS ok, imei_luhn_ok(490154203237519) AS bad, imei_tac(490154203237518) AS tac, \
         imsi_mcc(460110123456789) AS mcc, imsi_country(460110123456789) AS cc, imsi_carrier(460110123456789) AS carrier",
        "
+-----------+-------+---------+------+-------+----------+-----+----+----------+
| b         | p     | s       | ok   | bad   | tac      | mcc | cc | carrier  |
+-----------+-------+---------+------+-------+----------+-----+----+----------+
| 861331234 | 86133 | 1331234 | true | false | 49015420 | 460 | CN | 中国电信 |
+-----------+-------+---------+------+-------+----------+-----+----+----------+",
    );
}

#[test]
fn sms_classification() {
    check(
        "SELECT msisdn_segment(msisdn) AS seg, sms_is_otp(content) AS otp, sms_service(content) AS service, count(*) AS n \
         FROM sms WHERE direction = 'MT' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        "
+---------+-------+----------+----+
| seg     | otp   | service  | n  |
+---------+-------+----------+----+
| 1331234 | false | 中国电信 | 10 |
| 1331234 | true  | 京东     | 5  |
| 1331234 | true  | 微信     | 3  |
| 1331234 | true  | 抖音     | 2  |
| 1890200 | true  | 京东     | 6  |
| 1890200 | true  | 微信     | 6  |
| 1890200 | true  | 抖音     | 6  |
| 1890200 | true  | 支付宝   | 6  |
+---------+-------+----------+----+",
    );
    // The classifier agrees with the category the example carries.
    check(
        "SELECT count(*) AS disagree FROM sms WHERE sms_is_otp(content) <> (category = 'otp')",
        "
+----------+
| disagree |
+----------+
| 0        |
+----------+",
    );
}

#[test]
fn lookups_from_the_dataset_reference_tables() {
    check(
        "SELECT DISTINCT dst_ip, ip_country(dst_ip) AS c, ip_is_private(dst_ip) AS private, ip_in_cidr(dst_ip, '10.0.0.0/8') AS internal \
         FROM flows ORDER BY dst_ip",
        "
+------------+---------+---------+----------+
| dst_ip     | c       | private | internal |
+------------+---------+---------+----------+
| 10.1.1.5   | private | true    | true     |
| 45.76.1.10 | JP      | false   | false    |
+------------+---------+---------+----------+",
    );
    check(
        "SELECT segment_province(msisdn) AS p, segment_city(msisdn) AS c, segment_carrier(msisdn) AS k, count(*) AS n \
         FROM subscribers GROUP BY 1, 2, 3 ORDER BY 2",
        "
+--------+--------+----------+----+
| p      | c      | k        | n  |
+--------+--------+----------+----+
| 广东省 | 广州市 | 中国电信 | 10 |
| 广东省 | 深圳市 | 中国电信 | 6  |
+--------+--------+----------+----+",
    );
}

#[test]
fn counting_distinct_over_dictionary_peers_and_joining_tac() {
    check(
        "SELECT count(DISTINCT peer) AS services FROM sms WHERE category = 'otp' AND msisdn = 8618902000000",
        "
+----------+
| services |
+----------+
| 4        |
+----------+",
    );
    check(
        "SELECT t.brand, count(*) AS handsets FROM attach a JOIN tac t ON imei_tac(a.imei) = t.tac GROUP BY 1 ORDER BY 1",
        "
+--------+----------+
| brand  | handsets |
+--------+----------+
| Apple  | 3        |
| Huawei | 3        |
| Xiaomi | 5        |
+--------+----------+",
    );
}

#[test]
fn lookups_from_the_public_reference_data() {
    // The example dataset holds its own small geoip/segments; an empty folder shows the
    // public data being used: the snapshot built into duanka, and the repository's copy
    // of the same files read as a `--reference` folder.
    let empty = std::env::temp_dir().join(format!("duanka-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let choices = [
        ReferenceChoice::Builtin,
        ReferenceChoice::Dir(root().join("data/reference")),
    ];
    for choice in choices {
        let opts = ReadOptions {
            reference: choice.clone(),
            ..ReadOptions::default()
        };
        let ds = read_dataset(&empty, &opts).unwrap();
        let got = query(
            &ds,
            "SELECT ip_country('1.0.1.5') AS cn, ip_country('8.8.8.8') AS us, ip_country('192.168.1.1') AS lan, \
             segment_province(8613302311234) AS p, segment_city(8613302311234) AS c, segment_carrier(8613302311234) AS k",
        );
        assert!(
            got.contains("| CN | US | private | 广东省 | 深圳市 | 中国电信 |"),
            "{choice:?}: {got}"
        );
    }
    // Off: only the dataset's own reference tables, so nothing is known.
    let opts = ReadOptions {
        reference: ReferenceChoice::Off,
        ..ReadOptions::default()
    };
    let ds = read_dataset(&empty, &opts).unwrap();
    let got = query(&ds, "SELECT ip_country('8.8.8.8') AS us");
    assert!(got.contains("| unknown |"), "{got}");
    std::fs::remove_dir_all(empty).unwrap();
}

#[test]
fn any_role_loads_the_same_functions_through_a_function_registry() {
    // A cluster scheduler or executor gets a bare session state and registers the list
    // itself; the functions must work the same there.
    let mut state = datafusion::execution::SessionStateBuilder::new()
        .with_default_features()
        .build();
    duanka_query::register_functions(
        &mut state,
        std::sync::Arc::new(duanka_query::Lookups::empty()),
    )
    .unwrap();
    let ctx = datafusion::prelude::SessionContext::new_with_state(state);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let batches = rt.block_on(async {
        duanka_query::sql(&ctx, "SELECT imei_luhn_ok(490154203237518) AS ok, ip_country('8.8.8.8') AS c, segment_city(8613312345678) AS city")
            .await
            .unwrap()
    });
    let got = pretty_format_batches(&batches).unwrap().to_string();
    assert!(got.contains("| true | unknown |      |"), "{got}");
}
