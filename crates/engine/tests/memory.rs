#![allow(clippy::unwrap_used)]
//! A scan whose plans need more memory than they are given stops with an error that
//! names the stage and the setting to raise, instead of growing until the system kills it.

use std::path::Path;

use duanka_engine::{ScanError, ScanSettings, scan};
use duanka_ingest::{ReadOptions, read_dataset};
use duanka_query::Resources;

fn tiny() -> duanka_ingest::Dataset {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny");
    read_dataset(&root, &ReadOptions::default()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_past_its_memory_stops_naming_the_stage_and_the_setting() {
    let ds = tiny();
    let config = duanka_detect::Config::default();
    let starved = ScanSettings {
        detectors: &config,
        link: None,
        resources: Resources {
            threads: 2,
            pool_bytes: Some(1024),
        },
        engine: duanka_query::Engine::Embedded,
    };
    let Err(e) = scan(&ds, &starved, &|_| {}).await else {
        panic!("a 1 KiB pool ran every plan");
    };
    let ScanError::Memory { stage, .. } = &e else {
        panic!("not told as memory: {e}");
    };
    let text = e.to_string();
    assert!(
        stage.starts_with("detector ") || stage.starts_with("resolving"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{stage} ran out of memory")),
        "{text}"
    );
    assert!(text.contains("--memory-limit"), "{text}");

    // Given room, the same scan runs.
    let roomy = ScanSettings {
        resources: Resources {
            pool_bytes: Some(256 << 20),
            ..starved.resources.clone()
        },
        ..starved
    };
    let done = scan(&ds, &roomy, &|_| {}).await.unwrap();
    assert!(!done.output.alerts.is_empty());
}
