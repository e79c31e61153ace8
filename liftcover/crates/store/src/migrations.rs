//! Schema migrations, applied in order inside one transaction each and recorded in
//! `schema_migrations`. Applied migrations are never edited: a change is a new entry.
//! `{ID}` stands for each engine's auto-increment primary key.

use crate::db::{Conn, Dialect};
use crate::Result;

const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    r#"
CREATE TABLE sub_districts (
    id {ID},
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE communities (
    id {ID},
    sub_district_id BIGINT NOT NULL REFERENCES sub_districts(id),
    name TEXT NOT NULL,
    UNIQUE (sub_district_id, name)
);
CREATE TABLE buildings (
    id {ID},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    name TEXT NOT NULL,
    floors BIGINT NOT NULL CHECK (floors >= 1),
    lift_code TEXT NOT NULL UNIQUE,
    lift_description TEXT NOT NULL,
    in_use_since TEXT NOT NULL,
    urban BIGINT NOT NULL
);
CREATE TABLE households (
    id {ID},
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    unit TEXT NOT NULL,
    floor BIGINT NOT NULL,
    area_centi_m2 BIGINT NOT NULL CHECK (area_centi_m2 > 0),
    contact TEXT NOT NULL,
    UNIQUE (building_id, unit)
);
CREATE TABLE contracts (
    id {ID},
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    party TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    annual_fee_fen BIGINT NOT NULL CHECK (annual_fee_fen >= 0),
    covers TEXT NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE TABLE scheme_versions (
    id {ID},
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    version BIGINT NOT NULL,
    scheme_json TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    adopted BIGINT NOT NULL,
    households_total BIGINT NOT NULL,
    households_signed BIGINT NOT NULL,
    area_total_centi_m2 BIGINT NOT NULL,
    area_signed_centi_m2 BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (building_id, version)
);
CREATE TABLE scheme_signatures (
    scheme_version_id BIGINT NOT NULL REFERENCES scheme_versions(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    PRIMARY KEY (scheme_version_id, household_id)
);
CREATE TABLE maintenance_records (
    id {ID},
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    kind TEXT NOT NULL,
    done_on TEXT NOT NULL,
    party TEXT NOT NULL,
    notes TEXT NOT NULL
);
CREATE TABLE faults (
    id {ID},
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    reported_at TEXT NOT NULL,
    reporter TEXT NOT NULL,
    trapped BIGINT NOT NULL,
    description TEXT NOT NULL,
    routed_party TEXT,
    routed_contract_id BIGINT REFERENCES contracts(id),
    coverage_state TEXT NOT NULL,
    deadline TEXT NOT NULL,
    arrived_at TEXT,
    resolved_at TEXT,
    resolution TEXT,
    parts TEXT,
    cost_fen BIGINT,
    paid_by TEXT
);
CREATE TABLE bills (
    id {ID},
    building_id BIGINT NOT NULL REFERENCES buildings(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    bill_year BIGINT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    due_date TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    scheme_version BIGINT NOT NULL,
    UNIQUE (household_id, contract_id, bill_year)
);
CREATE TABLE payments (
    id {ID},
    bill_id BIGINT NOT NULL REFERENCES bills(id),
    paid_on TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    note TEXT NOT NULL
);
"#,
)];

pub fn migrate(conn: &mut dyn Conn) -> Result<()> {
    let id = match conn.dialect() {
        Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let done = conn.query(
            "SELECT version FROM schema_migrations WHERE version = ?",
            &[(*version).into()],
        )?;
        if !done.is_empty() {
            continue;
        }
        conn.batch(match conn.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        })?;
        let applied = conn.batch(&sql.replace("{ID}", id)).and_then(|_| {
            conn.exec(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                &[(*version).into(), crate::store::now_text().into()],
            )
        });
        match applied {
            Ok(_) => conn.batch("COMMIT")?,
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The newest migration this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}
