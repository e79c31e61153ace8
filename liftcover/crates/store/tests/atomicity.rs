//! A write is all-or-nothing: an error inside a transaction leaves nothing behind, and a
//! process killed in the middle of a transaction leaves the last committed state intact.

use liftcover_store::db::Value;
use liftcover_store::{NewBuilding, NewHousehold, Store, StoreError};

const CHILD_ENV: &str = "LIFTCOVER_CRASH_CHILD_DB";

fn seed(store: &mut Store) {
    let sd = store.create_sub_district("东柳街道").expect("sub-district");
    let cm = store
        .create_community(sd.id, "中兴社区")
        .expect("community");
    store
        .create_building(&NewBuilding {
            community_id: cm.id,
            name: "9号楼".into(),
            floors: 6,
            lift_code: "L9".into(),
            lift_description: String::new(),
            in_use_since: "2018-06-15".into(),
            urban: true,
        })
        .expect("building");
    store
        .add_household(
            "L9",
            &NewHousehold {
                unit: "101".into(),
                floor: 1,
                area_m2: "80".into(),
                contact: String::new(),
            },
        )
        .expect("household");
}

fn unit(n: i64) -> Vec<Value> {
    vec![
        Value::Int(1),
        Value::Text(format!("9{n:02}")),
        Value::Int(2),
        Value::Int(8000),
        Value::Text(String::new()),
    ]
}

const INSERT: &str = "INSERT INTO households (building_id, unit, floor, area_centi_m2, contact) VALUES (?, ?, ?, ?, ?)";

#[test]
fn error_inside_transaction_rolls_back_everything() {
    let mut store = Store::open_sqlite_memory().expect("open");
    seed(&mut store);
    let res: Result<(), StoreError> = store.in_transaction(|c| {
        for n in 0..5 {
            c.exec(INSERT, &unit(n))?;
        }
        Err(StoreError::Conflict(
            "simulated failure after five writes".into(),
        ))
    });
    assert!(res.is_err());
    assert_eq!(store.households("L9").expect("households").len(), 1);
}

/// Child half of the crash test: commits nothing new, writes inside a transaction and
/// dies before COMMIT.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut store = Store::open_sqlite(&path).expect("child open");
    let _: Result<(), StoreError> = store.in_transaction(|c| {
        for n in 0..50 {
            c.exec(INSERT, &unit(n))?;
        }
        std::process::abort();
    });
}

#[test]
fn crash_mid_transaction_keeps_last_committed_state() {
    let dir = std::env::temp_dir().join(format!("liftcover-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("crash.sqlite3");
    let path_s = path.to_str().expect("utf-8 path").to_string();
    {
        let mut store = Store::open_sqlite(&path_s).expect("open");
        seed(&mut store);
    }
    let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path_s)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run child");
    assert!(
        !status.success(),
        "the child must have died mid-transaction"
    );
    let mut store = Store::open_sqlite(&path_s).expect("reopen after crash");
    let hs = store.households("L9").expect("households");
    assert_eq!(
        hs.len(),
        1,
        "the interrupted transaction must leave no rows"
    );
    assert_eq!(hs[0].unit, "101");
    let _ = std::fs::remove_dir_all(&dir);
}
