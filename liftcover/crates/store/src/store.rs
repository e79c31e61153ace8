//! The repository: every read and write liftcover makes, each write in one transaction
//! that is rolled back whole on any error, so a rejected or interrupted command leaves
//! the data as it was.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime};
use liftcover_core::apportion::{self, ConsentReport, HouseholdInput, Method, Scheme};
use liftcover_core::billing;
use liftcover_core::fault;
use liftcover_core::money::{format_fixed, format_yuan, parse_fixed, parse_yuan};
use liftcover_core::presets;
use liftcover_core::resolver::{self, ContractKind, ContractTerm};
use liftcover_core::schedule::{self, TaskKind};
use liftcover_core::time::{check_range, format_datetime, parse_date, parse_datetime};
use liftcover_core::ValidationError;

use crate::db::{Conn, Dialect, PgConn, Row, SqliteConn, Value};
use crate::model::*;
use crate::{migrations, Result, StoreError};

pub(crate) fn now_text() -> String {
    format_datetime(chrono::Local::now().naive_local())
}

fn invalid(field: &str, reason: impl Into<String>) -> StoreError {
    StoreError::Invalid(ValidationError::new(field, reason))
}

fn non_empty(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    Ok(v.to_string())
}

fn stored_date(s: &str) -> Result<NaiveDate> {
    parse_date("stored date", s).map_err(StoreError::from)
}

/// 64-bit FNV-1a, enough to show that a stored scheme text was not edited in place.
fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub struct Store {
    conn: Box<dyn Conn>,
}

const BUILDING_SELECT: &str =
    "SELECT b.id, b.community_id, c.name, s.name, b.name, b.floors, b.lift_code, \
     b.lift_description, b.in_use_since, b.urban FROM buildings b \
     JOIN communities c ON c.id = b.community_id JOIN sub_districts s ON s.id = c.sub_district_id";

fn building_from(r: &Row) -> Result<Building> {
    Ok(Building {
        id: r.int(0)?,
        community_id: r.int(1)?,
        community: r.text(2)?,
        sub_district: r.text(3)?,
        name: r.text(4)?,
        floors: r.int(5)?,
        lift_code: r.text(6)?,
        lift_description: r.text(7)?,
        in_use_since: r.text(8)?,
        urban: r.int(9)? != 0,
    })
}

fn household_from(r: &Row) -> Result<Household> {
    let area = r.int(4)?;
    Ok(Household {
        id: r.int(0)?,
        building_id: r.int(1)?,
        unit: r.text(2)?,
        floor: r.int(3)?,
        area_centi_m2: area,
        area_m2: format_fixed(area, 2),
        contact: r.text(5)?,
    })
}

fn contract_from(r: &Row) -> Result<Contract> {
    let fee = r.int(6)?;
    let covers = r.text(7)?;
    Ok(Contract {
        id: r.int(0)?,
        building_id: r.int(1)?,
        party: r.text(2)?,
        kind: r.text(3)?,
        start: r.text(4)?,
        end: r.text(5)?,
        annual_fee_fen: fee,
        annual_fee: format_yuan(fee),
        covers: covers
            .split('\n')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

fn term_of(c: &Contract) -> Result<ContractTerm> {
    Ok(ContractTerm {
        id: c.id,
        kind: ContractKind::parse(&c.kind)?,
        party: c.party.clone(),
        start: stored_date(&c.start)?,
        end: stored_date(&c.end)?,
        covers: c.covers.clone(),
    })
}

const FAULT_SELECT: &str = "SELECT f.id, f.building_id, b.lift_code, f.reported_at, f.reporter, f.trapped, \
     f.description, f.routed_party, f.routed_contract_id, f.coverage_state, f.deadline, f.arrived_at, \
     f.resolved_at, f.resolution, f.parts, f.cost_fen, f.paid_by, b.urban \
     FROM faults f JOIN buildings b ON b.id = f.building_id";

fn fault_from(r: &Row) -> Result<Fault> {
    let reported_at = r.text(3)?;
    let trapped = r.int(5)? != 0;
    let arrived_at = r.opt_text(11)?;
    let urban = r.int(17)? != 0;
    let outcome = match &arrived_at {
        Some(a) => Some(fault::response_outcome(
            parse_datetime("stored time", &reported_at)?,
            parse_datetime("stored time", a)?,
            trapped,
            urban,
        )),
        None => None,
    };
    Ok(Fault {
        id: r.int(0)?,
        building_id: r.int(1)?,
        lift_code: r.text(2)?,
        reported_at,
        reporter: r.text(4)?,
        trapped,
        description: r.text(6)?,
        routed_party: r.opt_text(7)?,
        routed_contract_id: r.opt_int(8)?,
        coverage_state: r.text(9)?,
        deadline: r.text(10)?,
        arrived_at,
        response_minutes: outcome.as_ref().map(|o| o.minutes),
        response_met: outcome.as_ref().map(|o| o.met),
        resolved_at: r.opt_text(12)?,
        resolution: r.opt_text(13)?,
        parts: r
            .opt_text(14)?
            .map(|p| {
                p.split('\n')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        cost_fen: r.opt_int(15)?,
        paid_by: r.opt_text(16)?,
    })
}

const BILL_SELECT: &str =
    "SELECT bl.id, bl.building_id, bl.household_id, h.unit, h.floor, bl.contract_id, \
     bl.bill_year, bl.period_start, bl.period_end, bl.due_date, bl.amount_fen, bl.scheme_version \
     FROM bills bl JOIN households h ON h.id = bl.household_id";

impl Store {
    /// Opens SQLite at a file path, or PostgreSQL when given a `postgres://` or
    /// `postgresql://` URL, and brings the schema up to date.
    pub fn open(target: &str) -> Result<Store> {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            Store::open_postgres(target, None)
        } else {
            Store::open_sqlite(target)
        }
    }

    pub fn open_sqlite(path: &str) -> Result<Store> {
        let conn = rusqlite::Connection::open(path)
            .map_err(|e| StoreError::Db(format!("cannot open SQLite database `{path}`: {e}")))?;
        Store::from_sqlite(conn)
    }

    pub fn open_sqlite_memory() -> Result<Store> {
        let conn =
            rusqlite::Connection::open_in_memory().map_err(|e| StoreError::Db(e.to_string()))?;
        Store::from_sqlite(conn)
    }

    fn from_sqlite(conn: rusqlite::Connection) -> Result<Store> {
        let mut c = SqliteConn(conn);
        // WAL with full sync: a commit is on disk before it is acknowledged, and a crash
        // mid-write leaves the last committed state.
        c.batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")?;
        let mut store = Store { conn: Box::new(c) };
        migrations::migrate(store.conn.as_mut())?;
        Ok(store)
    }

    /// Connects to PostgreSQL; with `schema`, works inside that schema, creating it
    /// afresh (used to isolate test runs sharing one database).
    pub fn open_postgres(url: &str, schema: Option<&str>) -> Result<Store> {
        let client = postgres::Client::connect(url, postgres::NoTls)
            .map_err(|e| StoreError::Db(format!("cannot connect to PostgreSQL: {e}")))?;
        let mut c = PgConn(client);
        if let Some(s) = schema {
            if !s.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') || s.is_empty() {
                return Err(invalid(
                    "schema",
                    "use letters, digits and underscores only",
                ));
            }
            c.batch(&format!(
                "DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}; SET search_path TO {s}"
            ))?;
        }
        let mut store = Store { conn: Box::new(c) };
        migrations::migrate(store.conn.as_mut())?;
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    /// The newest applied migration.
    pub fn schema_version(&mut self) -> Result<i64> {
        let rows = self
            .conn
            .query("SELECT MAX(version) FROM schema_migrations", &[])?;
        Ok(rows
            .first()
            .map(|r| r.opt_int(0))
            .transpose()?
            .flatten()
            .unwrap_or(0))
    }

    /// Runs `f` in one transaction, committing on success and rolling back on any
    /// error; public so that callers composing several raw statements stay atomic too.
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        self.tx(f)
    }

    /// Runs `f` in a transaction, committing on success and rolling back on any error.
    fn tx<T>(&mut self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        let begin = match self.conn.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        };
        self.conn.batch(begin)?;
        match f(self.conn.as_mut()) {
            Ok(v) => {
                self.conn.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                // The original error matters more than a failed rollback.
                let _ = self.conn.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn insert_id(conn: &mut dyn Conn, sql: &str, params: &[Value]) -> Result<i64> {
        let rows = conn.query(&format!("{sql} RETURNING id"), params)?;
        rows.first()
            .ok_or_else(|| StoreError::Db("insert returned no id".into()))?
            .int(0)
    }

    // ---- register -------------------------------------------------------------

    pub fn create_sub_district(&mut self, name: &str) -> Result<SubDistrict> {
        let name = non_empty("name", name)?;
        let id = self.tx(|c| {
            Self::insert_id(
                c,
                "INSERT INTO sub_districts (name) VALUES (?)",
                &[name.clone().into()],
            )
        })?;
        Ok(SubDistrict { id, name })
    }

    pub fn sub_districts(&mut self) -> Result<Vec<SubDistrict>> {
        self.conn
            .query("SELECT id, name FROM sub_districts ORDER BY id", &[])?
            .iter()
            .map(|r| {
                Ok(SubDistrict {
                    id: r.int(0)?,
                    name: r.text(1)?,
                })
            })
            .collect()
    }

    pub fn create_community(&mut self, sub_district_id: i64, name: &str) -> Result<Community> {
        let name = non_empty("name", name)?;
        let id = self.tx(|c| {
            if c.query(
                "SELECT id FROM sub_districts WHERE id = ?",
                &[sub_district_id.into()],
            )?
            .is_empty()
            {
                return Err(StoreError::not_found("sub-district", sub_district_id));
            }
            Self::insert_id(
                c,
                "INSERT INTO communities (sub_district_id, name) VALUES (?, ?)",
                &[sub_district_id.into(), name.clone().into()],
            )
        })?;
        Ok(Community {
            id,
            sub_district_id,
            name,
        })
    }

    pub fn communities(&mut self) -> Result<Vec<Community>> {
        self.conn
            .query(
                "SELECT id, sub_district_id, name FROM communities ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(Community {
                    id: r.int(0)?,
                    sub_district_id: r.int(1)?,
                    name: r.text(2)?,
                })
            })
            .collect()
    }

    pub fn create_building(&mut self, input: &NewBuilding) -> Result<Building> {
        let name = non_empty("name", &input.name)?;
        let code = non_empty("lift_code", &input.lift_code)?;
        if !(1..=60).contains(&input.floors) {
            return Err(invalid(
                "floors",
                format!("{} is not between 1 and 60", input.floors),
            ));
        }
        let since = parse_date("in_use_since", &input.in_use_since)?;
        let community_id = input.community_id;
        self.tx(|c| {
            if c.query("SELECT id FROM communities WHERE id = ?", &[community_id.into()])?.is_empty() {
                return Err(StoreError::not_found("community", community_id));
            }
            if !c.query("SELECT id FROM buildings WHERE lift_code = ?", &[code.clone().into()])?.is_empty() {
                return Err(StoreError::Conflict(format!("lift code `{code}` is already registered")));
            }
            Self::insert_id(
                c,
                "INSERT INTO buildings (community_id, name, floors, lift_code, lift_description, in_use_since, urban) VALUES (?, ?, ?, ?, ?, ?, ?)",
                &[
                    community_id.into(),
                    name.clone().into(),
                    input.floors.into(),
                    code.clone().into(),
                    input.lift_description.trim().into(),
                    since.to_string().into(),
                    input.urban.into(),
                ],
            )
        })?;
        self.building(&code)
    }

    pub fn buildings(&mut self) -> Result<Vec<Building>> {
        self.conn
            .query(&format!("{BUILDING_SELECT} ORDER BY b.id"), &[])?
            .iter()
            .map(building_from)
            .collect()
    }

    /// The building whose lift has this equipment code.
    pub fn building(&mut self, lift_code: &str) -> Result<Building> {
        let rows = self.conn.query(
            &format!("{BUILDING_SELECT} WHERE b.lift_code = ?"),
            &[lift_code.trim().into()],
        )?;
        match rows.first() {
            Some(r) => building_from(r),
            None => Err(StoreError::not_found("lift code", lift_code)),
        }
    }

    pub fn add_household(&mut self, lift_code: &str, input: &NewHousehold) -> Result<Household> {
        let b = self.building(lift_code)?;
        let unit = non_empty("unit", &input.unit)?;
        if input.floor < 1 || input.floor > b.floors {
            return Err(invalid(
                "floor",
                format!(
                    "floor {} is outside building `{}`, which has floors 1 to {}",
                    input.floor, b.name, b.floors
                ),
            ));
        }
        let area = parse_fixed("area_m2", &input.area_m2, 2)?;
        if area == 0 {
            return Err(invalid("area_m2", "must be more than zero"));
        }
        let id = self.tx(|c| {
            if !c
                .query("SELECT id FROM households WHERE building_id = ? AND unit = ?", &[b.id.into(), unit.clone().into()])?
                .is_empty()
            {
                return Err(StoreError::Conflict(format!("unit `{unit}` already exists in this building")));
            }
            Self::insert_id(
                c,
                "INSERT INTO households (building_id, unit, floor, area_centi_m2, contact) VALUES (?, ?, ?, ?, ?)",
                &[b.id.into(), unit.clone().into(), input.floor.into(), area.into(), input.contact.trim().into()],
            )
        })?;
        Ok(Household {
            id,
            building_id: b.id,
            unit,
            floor: input.floor,
            area_centi_m2: area,
            area_m2: format_fixed(area, 2),
            contact: input.contact.trim().to_string(),
        })
    }

    pub fn households(&mut self, lift_code: &str) -> Result<Vec<Household>> {
        let b = self.building(lift_code)?;
        self.households_of(b.id)
    }

    fn households_of(&mut self, building_id: i64) -> Result<Vec<Household>> {
        self.conn
            .query(
                "SELECT id, building_id, unit, floor, area_centi_m2, contact FROM households WHERE building_id = ? ORDER BY floor, unit",
                &[building_id.into()],
            )?
            .iter()
            .map(household_from)
            .collect()
    }

    pub fn add_contract(&mut self, lift_code: &str, input: &NewContract) -> Result<Contract> {
        let b = self.building(lift_code)?;
        let party = non_empty("party", &input.party)?;
        let kind = ContractKind::parse(&input.kind)?;
        let start = parse_date("start", &input.start)?;
        let end = parse_date("end", &input.end)?;
        check_range(start, end)?;
        let fee = parse_yuan("annual_fee", &input.annual_fee)?;
        let covers: Vec<String> = input
            .covers
            .iter()
            .map(|s| s.trim().replace('\n', " "))
            .filter(|s| !s.is_empty())
            .collect();
        let id = self.tx(|c| {
            Self::insert_id(
                c,
                "INSERT INTO contracts (building_id, party, kind, start_date, end_date, annual_fee_fen, covers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                &[
                    b.id.into(),
                    party.clone().into(),
                    kind.as_str().into(),
                    start.to_string().into(),
                    end.to_string().into(),
                    fee.into(),
                    covers.join("\n").into(),
                ],
            )
        })?;
        Ok(Contract {
            id,
            building_id: b.id,
            party,
            kind: kind.as_str().to_string(),
            start: start.to_string(),
            end: end.to_string(),
            annual_fee_fen: fee,
            annual_fee: format_yuan(fee),
            covers,
        })
    }

    pub fn contracts(&mut self, lift_code: &str) -> Result<Vec<Contract>> {
        let b = self.building(lift_code)?;
        self.contracts_of(b.id)
    }

    fn contracts_of(&mut self, building_id: i64) -> Result<Vec<Contract>> {
        self.conn
            .query(
                "SELECT id, building_id, party, kind, start_date, end_date, annual_fee_fen, covers FROM contracts WHERE building_id = ? ORDER BY start_date, id",
                &[building_id.into()],
            )?
            .iter()
            .map(contract_from)
            .collect()
    }

    // ---- apportionment schemes ---------------------------------------------------

    fn build_scheme(b: &Building, households: &[Household], input: &SchemeInput) -> Result<Scheme> {
        let floors = i32::try_from(b.floors).map_err(|_| invalid("floors", "out of range"))?;
        for f in &input.exempt_floors {
            if *f < 1 || i64::from(*f) > b.floors {
                return Err(invalid(
                    "exempt_floors",
                    format!("floor {f} is not in this building (1 to {})", b.floors),
                ));
            }
        }
        let coefficients = || -> Result<BTreeMap<i32, i64>> {
            match &input.preset {
                Some(p) => {
                    if !input.coefficients.is_empty() {
                        return Err(invalid(
                            "coefficients",
                            "give either a preset or coefficients, not both",
                        ));
                    }
                    Ok(presets::coefficients(p, floors)?)
                }
                None => {
                    if input.coefficients.is_empty() {
                        return Err(invalid(
                            "coefficients",
                            "give a preset or a coefficient per floor",
                        ));
                    }
                    input
                        .coefficients
                        .iter()
                        .map(|(f, c)| Ok((*f, parse_fixed(&format!("coefficients.{f}"), c, 3)?)))
                        .collect()
                }
            }
        };
        let method = match input.method.trim() {
            "floor_coefficients" | "floor" => Method::FloorCoefficients { coefficients: coefficients()? },
            "coefficient_times_area" | "area" => Method::CoefficientTimesArea { coefficients: coefficients()? },
            "custom_ratio" | "ratio" => {
                if input.preset.is_some() {
                    return Err(invalid("preset", "a custom ratio takes no preset"));
                }
                let mut ratios = BTreeMap::new();
                for (unit, pct) in &input.ratios {
                    let h = households
                        .iter()
                        .find(|h| &h.unit == unit)
                        .ok_or_else(|| invalid("ratios", format!("unit `{unit}` is not in this building")))?;
                    ratios.insert(h.id, parse_fixed(&format!("ratios.{unit}"), pct, 2)?);
                }
                Method::CustomRatio { ratios }
            }
            other => {
                return Err(invalid(
                    "method",
                    format!("`{other}` is not a method; use floor_coefficients, coefficient_times_area or custom_ratio"),
                ))
            }
        };
        Ok(Scheme {
            method,
            exempt_floors: input.exempt_floors.iter().copied().collect(),
            preset: input.preset.clone(),
        })
    }

    fn inputs(households: &[Household]) -> Result<Vec<HouseholdInput>> {
        households
            .iter()
            .map(|h| {
                Ok(HouseholdInput {
                    id: h.id,
                    floor: i32::try_from(h.floor).map_err(|_| invalid("floor", "out of range"))?,
                    area_centi_m2: h.area_centi_m2,
                })
            })
            .collect()
    }

    /// Records a new, immutable version of the building's scheme with its signatures.
    /// The version is adopted (usable for billing) when ¾ of households and ¾ of the area
    /// signed; otherwise it is kept as a record of the attempt.
    pub fn propose_scheme(
        &mut self,
        lift_code: &str,
        input: &NewSchemeVersion,
    ) -> Result<SchemeVersion> {
        let b = self.building(lift_code)?;
        let households = self.households_of(b.id)?;
        let scheme = Self::build_scheme(&b, &households, &input.scheme)?;
        let hin = Self::inputs(&households)?;
        // Validates the scheme against the households: every floor priced, ratios total 100 %.
        apportion::apportion(0, &hin, &scheme)?;
        apportion::weights(&hin, &scheme)?;
        let signed_on = parse_date("signed_on", &input.signed_on)?;
        let mut signed = BTreeSet::new();
        for unit in &input.signed_by {
            let h = households
                .iter()
                .find(|h| h.unit == unit.trim())
                .ok_or_else(|| {
                    invalid(
                        "signed_by",
                        format!("unit `{unit}` is not in this building"),
                    )
                })?;
            signed.insert(h.id);
        }
        let consent = apportion::consent(&hin, &signed);
        let text = serde_json::to_string(&scheme).map_err(|e| StoreError::Db(e.to_string()))?;
        let fp = fingerprint(&text);
        let created_at = now_text();
        let adopted = consent.passed;
        let id = self.tx(|c| {
            let rows = c.query(
                "SELECT COALESCE(MAX(version), 0) FROM scheme_versions WHERE building_id = ?",
                &[b.id.into()],
            )?;
            let next = rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0) + 1;
            let id = Self::insert_id(
                c,
                "INSERT INTO scheme_versions (building_id, version, scheme_json, fingerprint, signed_on, adopted, households_total, households_signed, area_total_centi_m2, area_signed_centi_m2, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[b.id.into(), next.into(), text.clone().into(), fp.clone().into(), signed_on.to_string().into(), adopted.into(), consent.households_total.into(), consent.households_signed.into(), consent.area_total_centi_m2.into(), consent.area_signed_centi_m2.into(), created_at.clone().into()],
            )?;
            for h in &signed {
                c.exec(
                    "INSERT INTO scheme_signatures (scheme_version_id, household_id) VALUES (?, ?)",
                    &[id.into(), (*h).into()],
                )?;
            }
            Ok(id)
        })?;
        self.scheme_by_id(id)
    }

    fn scheme_by_id(&mut self, id: i64) -> Result<SchemeVersion> {
        let rows = self.conn.query(
            "SELECT id, building_id, version, scheme_json, fingerprint, signed_on, adopted, created_at, households_total, households_signed, area_total_centi_m2, area_signed_centi_m2 FROM scheme_versions WHERE id = ?",
            &[id.into()],
        )?;
        let r = rows
            .first()
            .ok_or_else(|| StoreError::not_found("scheme version", id))?;
        let building_id = r.int(1)?;
        let text = r.text(3)?;
        let scheme: Scheme = serde_json::from_str(&text)
            .map_err(|e| StoreError::Db(format!("stored scheme {id}: {e}")))?;
        let signed_rows = self.conn.query(
            "SELECT s.household_id, h.unit FROM scheme_signatures s JOIN households h ON h.id = s.household_id WHERE s.scheme_version_id = ? ORDER BY h.floor, h.unit",
            &[id.into()],
        )?;
        let signed_by = signed_rows
            .iter()
            .map(|s| s.text(1))
            .collect::<Result<Vec<_>>>()?;
        // The consent as it stood when the version was signed, not against today's
        // household list.
        let consent = ConsentReport::from_counts(r.int(8)?, r.int(9)?, r.int(10)?, r.int(11)?);
        Ok(SchemeVersion {
            id,
            building_id,
            version: r.int(2)?,
            fingerprint: r.text(4)?,
            scheme,
            signed_on: r.text(5)?,
            signed_by,
            consent,
            adopted: r.int(6)? != 0,
            created_at: r.text(7)?,
        })
    }

    pub fn schemes(&mut self, lift_code: &str) -> Result<Vec<SchemeVersion>> {
        let b = self.building(lift_code)?;
        let ids: Vec<i64> = self
            .conn
            .query(
                "SELECT id FROM scheme_versions WHERE building_id = ? ORDER BY version",
                &[b.id.into()],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect::<Result<_>>()?;
        ids.into_iter().map(|id| self.scheme_by_id(id)).collect()
    }

    /// The latest adopted version.
    pub fn adopted_scheme(&mut self, lift_code: &str) -> Result<SchemeVersion> {
        self.schemes(lift_code)?
            .into_iter()
            .rev()
            .find(|s| s.adopted)
            .ok_or_else(|| StoreError::not_found("adopted scheme for lift", lift_code))
    }

    /// Each household's share of `total_fen` under the adopted scheme.
    pub fn shares(
        &mut self,
        lift_code: &str,
        total_fen: i64,
    ) -> Result<(SchemeVersion, Vec<ShareLine>)> {
        let sv = self.adopted_scheme(lift_code)?;
        let households = self.households_of(sv.building_id)?;
        let shares = apportion::apportion(total_fen, &Self::inputs(&households)?, &sv.scheme)?;
        let lines = households
            .iter()
            .zip(shares)
            .map(|(h, s)| ShareLine {
                household_id: h.id,
                unit: h.unit.clone(),
                floor: h.floor,
                area_m2: h.area_m2.clone(),
                weight: s.weight,
                amount_fen: s.amount,
                amount: format_yuan(s.amount),
            })
            .collect();
        Ok((sv, lines))
    }

    // ---- responsibility --------------------------------------------------------------

    pub fn status(&mut self, lift_code: &str, date: &str) -> Result<LiftStatus> {
        let date = parse_date("date", date)?;
        let b = self.building(lift_code)?;
        self.status_of(&b, date)
    }

    fn status_of(&mut self, b: &Building, date: NaiveDate) -> Result<LiftStatus> {
        let entry = stored_date(&b.in_use_since)?;
        let terms = self
            .contracts_of(b.id)?
            .iter()
            .map(term_of)
            .collect::<Result<Vec<_>>>()?;
        Ok(LiftStatus {
            lift_code: b.lift_code.clone(),
            resolution: resolver::resolve(entry, &terms, date),
            findings: resolver::audit(entry, &terms),
            covered_until: resolver::covered_until(&terms, date).map(|d| d.to_string()),
        })
    }

    // ---- schedules ---------------------------------------------------------------

    pub fn record_maintenance(
        &mut self,
        lift_code: &str,
        input: &NewMaintenance,
    ) -> Result<MaintenanceRecord> {
        let b = self.building(lift_code)?;
        let kind = TaskKind::parse(&input.kind)?;
        let done_on = parse_date("done_on", &input.done_on)?;
        let entry = stored_date(&b.in_use_since)?;
        if done_on < entry {
            return Err(invalid(
                "done_on",
                format!("{done_on} is before the lift entered use on {entry}"),
            ));
        }
        let party = non_empty("party", &input.party)?;
        let id = self.tx(|c| {
            Self::insert_id(
                c,
                "INSERT INTO maintenance_records (building_id, kind, done_on, party, notes) VALUES (?, ?, ?, ?, ?)",
                &[b.id.into(), kind.as_str().into(), done_on.to_string().into(), party.clone().into(), input.notes.trim().into()],
            )
        })?;
        Ok(MaintenanceRecord {
            id,
            building_id: b.id,
            kind: kind.as_str().to_string(),
            done_on: done_on.to_string(),
            party,
            notes: input.notes.trim().to_string(),
        })
    }

    pub fn schedule(&mut self, lift_code: &str, today: &str) -> Result<Schedule> {
        let today = parse_date("date", today)?;
        let b = self.building(lift_code)?;
        self.schedule_of(&b, today)
    }

    fn schedule_of(&mut self, b: &Building, today: NaiveDate) -> Result<Schedule> {
        let rows = self.conn.query(
            "SELECT kind, MAX(done_on) FROM maintenance_records WHERE building_id = ? AND done_on <= ? GROUP BY kind",
            &[b.id.into(), today.to_string().into()],
        )?;
        let mut last = BTreeMap::new();
        for r in &rows {
            last.insert(TaskKind::parse(&r.text(0)?)?, stored_date(&r.text(1)?)?);
        }
        let status = self.status_of(b, today)?;
        let insurer_since = status
            .resolution
            .responsible
            .as_ref()
            .filter(|c| c.kind == ContractKind::Insurer)
            .map(|c| c.start);
        let entry = stored_date(&b.in_use_since)?;
        Ok(Schedule {
            lift_code: b.lift_code.clone(),
            items: schedule::due_items(entry, &last, insurer_since, today),
        })
    }

    // ---- faults --------------------------------------------------------------------

    /// Records a fault report and routes it to whoever is responsible on its date.
    pub fn report_fault(&mut self, input: &NewFault) -> Result<Fault> {
        let b = self.building(&input.lift_code)?;
        let at = parse_datetime("reported_at", &input.reported_at)?;
        let reporter = non_empty("reporter", &input.reporter)?;
        let status = self.status_of(&b, at.date())?;
        let responsible = status.resolution.responsible.clone();
        let deadline = fault::response_deadline(at, input.trapped, b.urban)
            .ok_or_else(|| invalid("reported_at", "is too far in the future"))?;
        let id = self.tx(|c| {
            Self::insert_id(
                c,
                "INSERT INTO faults (building_id, reported_at, reporter, trapped, description, routed_party, routed_contract_id, coverage_state, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    b.id.into(),
                    format_datetime(at).into(),
                    reporter.clone().into(),
                    input.trapped.into(),
                    input.description.trim().into(),
                    responsible.as_ref().map(|c| c.party.clone()).into(),
                    responsible.as_ref().map(|c| c.id).into(),
                    status.resolution.state.as_str().into(),
                    format_datetime(deadline).into(),
                ],
            )
        })?;
        self.fault(id)
    }

    pub fn fault(&mut self, id: i64) -> Result<Fault> {
        let rows = self
            .conn
            .query(&format!("{FAULT_SELECT} WHERE f.id = ?"), &[id.into()])?;
        rows.first()
            .map(fault_from)
            .unwrap_or_else(|| Err(StoreError::not_found("fault", id)))
    }

    pub fn faults(&mut self) -> Result<Vec<Fault>> {
        self.conn
            .query(&format!("{FAULT_SELECT} ORDER BY f.reported_at, f.id"), &[])?
            .iter()
            .map(fault_from)
            .collect()
    }

    fn fault_times(&mut self, id: i64) -> Result<(NaiveDateTime, Option<NaiveDateTime>, bool)> {
        let f = self.fault(id)?;
        let reported = parse_datetime("reported_at", &f.reported_at)?;
        let arrived = f
            .arrived_at
            .as_deref()
            .map(|a| parse_datetime("arrived_at", a))
            .transpose()?;
        Ok((reported, arrived, f.resolved_at.is_some()))
    }

    pub fn fault_arrived(&mut self, id: i64, arrived_at: &str) -> Result<Fault> {
        let (reported, arrived, _) = self.fault_times(id)?;
        if arrived.is_some() {
            return Err(StoreError::Conflict(format!(
                "fault {id} already has an arrival time"
            )));
        }
        let at = parse_datetime("arrived_at", arrived_at)?;
        if at < reported {
            return Err(invalid(
                "arrived_at",
                format!(
                    "{} is before the report at {}",
                    format_datetime(at),
                    format_datetime(reported)
                ),
            ));
        }
        self.tx(|c| {
            c.exec(
                "UPDATE faults SET arrived_at = ? WHERE id = ?",
                &[format_datetime(at).into(), id.into()],
            )
        })?;
        self.fault(id)
    }

    pub fn resolve_fault(&mut self, id: i64, input: &FaultResolution) -> Result<Fault> {
        let (reported, arrived, resolved) = self.fault_times(id)?;
        if resolved {
            return Err(StoreError::Conflict(format!(
                "fault {id} is already resolved"
            )));
        }
        let at = parse_datetime("resolved_at", &input.resolved_at)?;
        if at < reported || arrived.is_some_and(|a| at < a) {
            return Err(invalid(
                "resolved_at",
                "is before the report or the arrival",
            ));
        }
        let resolution = non_empty("resolution", &input.resolution)?;
        let cost = parse_yuan("cost", &input.cost)?;
        let paid_by = non_empty("paid_by", &input.paid_by)?;
        let parts: Vec<String> = input
            .parts
            .iter()
            .map(|p| p.trim().replace('\n', " "))
            .filter(|p| !p.is_empty())
            .collect();
        self.tx(|c| {
            c.exec(
                "UPDATE faults SET resolved_at = ?, resolution = ?, parts = ?, cost_fen = ?, paid_by = ?, arrived_at = COALESCE(arrived_at, ?) WHERE id = ?",
                &[format_datetime(at).into(), resolution.clone().into(), parts.join("\n").into(), cost.into(), paid_by.clone().into(), format_datetime(at).into(), id.into()],
            )
        })?;
        self.fault(id)
    }

    // ---- billing -------------------------------------------------------------------

    /// Issues bill year `year` of contract `contract_id` to every household, split by the
    /// adopted scheme. The bills of one building-year always total the contract's fee.
    pub fn generate_bills(
        &mut self,
        lift_code: &str,
        contract_id: i64,
        year: u32,
    ) -> Result<Vec<Bill>> {
        let b = self.building(lift_code)?;
        let contract = self
            .contracts_of(b.id)?
            .into_iter()
            .find(|c| c.id == contract_id)
            .ok_or_else(|| StoreError::not_found("contract of this lift", contract_id))?;
        let term = term_of(&contract)?;
        let (start, end, due) = billing::bill_period(term.start, term.end, year)?;
        let (sv, shares) = self.shares(lift_code, contract.annual_fee_fen)?;
        let total: i64 = shares.iter().map(|s| s.amount_fen).sum();
        if total != contract.annual_fee_fen {
            return Err(StoreError::Db(format!(
                "shares total {total} fen, fee is {} fen",
                contract.annual_fee_fen
            )));
        }
        self.tx(|c| {
            let existing = c.query(
                "SELECT COUNT(*) FROM bills WHERE contract_id = ? AND bill_year = ?",
                &[contract_id.into(), i64::from(year).into()],
            )?;
            if existing.first().map(|r| r.int(0)).transpose()?.unwrap_or(0) > 0 {
                return Err(StoreError::Conflict(format!("bill year {year} of contract {contract_id} was already issued")));
            }
            for s in &shares {
                c.exec(
                    "INSERT INTO bills (building_id, household_id, contract_id, bill_year, period_start, period_end, due_date, amount_fen, scheme_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &[b.id.into(), s.household_id.into(), contract_id.into(), i64::from(year).into(), start.to_string().into(), end.to_string().into(), due.to_string().into(), s.amount_fen.into(), sv.version.into()],
                )?;
            }
            Ok(())
        })?;
        Ok(self
            .bills(lift_code)?
            .into_iter()
            .filter(|bl| bl.contract_id == contract_id && bl.bill_year == i64::from(year))
            .collect())
    }

    fn bills_where(&mut self, clause: &str, params: &[Value]) -> Result<Vec<Bill>> {
        let rows = self.conn.query(
            &format!("{BILL_SELECT} {clause} ORDER BY bl.bill_year, h.floor, h.unit, bl.id"),
            params,
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id = r.int(0)?;
            let amount = r.int(10)?;
            let paid: i64 = self
                .conn
                .query(
                    "SELECT amount_fen FROM payments WHERE bill_id = ?",
                    &[id.into()],
                )?
                .iter()
                .map(|p| p.int(0))
                .sum::<Result<i64>>()?;
            out.push(Bill {
                id,
                building_id: r.int(1)?,
                household_id: r.int(2)?,
                unit: r.text(3)?,
                floor: r.int(4)?,
                contract_id: r.int(5)?,
                bill_year: r.int(6)?,
                period_start: r.text(7)?,
                period_end: r.text(8)?,
                due_date: r.text(9)?,
                amount_fen: amount,
                paid_fen: paid,
                outstanding_fen: billing::outstanding(amount, paid),
                scheme_version: r.int(11)?,
            });
        }
        Ok(out)
    }

    pub fn bills(&mut self, lift_code: &str) -> Result<Vec<Bill>> {
        let b = self.building(lift_code)?;
        self.bills_where("WHERE bl.building_id = ?", &[b.id.into()])
    }

    pub fn bill(&mut self, id: i64) -> Result<Bill> {
        self.bills_where("WHERE bl.id = ?", &[id.into()])?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::not_found("bill", id))
    }

    pub fn record_payment(&mut self, bill_id: i64, input: &NewPayment) -> Result<Payment> {
        let bill = self.bill(bill_id)?;
        let paid_on = parse_date("paid_on", &input.paid_on)?;
        let amount = parse_yuan("amount", &input.amount)?;
        if amount == 0 {
            return Err(invalid("amount", "must be more than zero"));
        }
        if amount > bill.outstanding_fen {
            return Err(invalid(
                "amount",
                format!(
                    "{} is more than the {} still owed on bill {bill_id}",
                    format_yuan(amount),
                    format_yuan(bill.outstanding_fen)
                ),
            ));
        }
        let note = input.note.trim().to_string();
        let id = self.tx(|c| {
            Self::insert_id(
                c,
                "INSERT INTO payments (bill_id, paid_on, amount_fen, note) VALUES (?, ?, ?, ?)",
                &[
                    bill_id.into(),
                    paid_on.to_string().into(),
                    amount.into(),
                    note.clone().into(),
                ],
            )
        })?;
        Ok(Payment {
            id,
            bill_id,
            paid_on: paid_on.to_string(),
            amount_fen: amount,
            note,
        })
    }

    // ---- reports -------------------------------------------------------------------

    pub fn report(&mut self, as_of: &str) -> Result<Report> {
        let today = parse_date("date", as_of)?;
        let buildings = self.buildings()?;
        let mut coverage = Vec::new();
        let mut overdue = Vec::new();
        for b in &buildings {
            let st = self.status_of(b, today)?;
            let covered_until = resolver::covered_until(
                &self
                    .contracts_of(b.id)?
                    .iter()
                    .map(term_of)
                    .collect::<Result<Vec<_>>>()?,
                today,
            );
            coverage.push(CoverageRow {
                lift_code: b.lift_code.clone(),
                building: b.name.clone(),
                community: b.community.clone(),
                sub_district: b.sub_district.clone(),
                state: st.resolution.state.as_str().to_string(),
                responsible: st.resolution.responsible.as_ref().map(|c| c.party.clone()),
                covered_until: covered_until.map(|d| d.to_string()),
                days_left: covered_until.map(|d| (d - today).num_days()),
                findings: st.findings.len(),
            });
            for item in self
                .schedule_of(b, today)?
                .items
                .into_iter()
                .filter(|i| i.is_overdue())
            {
                overdue.push(OverdueRow {
                    lift_code: b.lift_code.clone(),
                    building: b.name.clone(),
                    kind: item.kind.as_str().to_string(),
                    last_done: item.last_done.map(|d| d.to_string()),
                    due: item.due.to_string(),
                    overdue_days: item.overdue_days,
                });
            }
        }
        let renewals_due = coverage
            .iter()
            .filter(|c| match c.days_left {
                Some(d) => d <= 90,
                None => c.state == "renewal-due" || c.state == "gap",
            })
            .cloned()
            .collect();
        let mut arrears = Vec::new();
        for b in &buildings {
            for bill in self.bills_where("WHERE bl.building_id = ?", &[b.id.into()])? {
                let due = stored_date(&bill.due_date)?;
                if bill.outstanding_fen > 0 && due < today {
                    arrears.push(ArrearsRow {
                        lift_code: b.lift_code.clone(),
                        building: b.name.clone(),
                        unit: bill.unit.clone(),
                        bill_id: bill.id,
                        bill_year: bill.bill_year,
                        due_date: bill.due_date.clone(),
                        outstanding_fen: bill.outstanding_fen,
                        ageing: billing::ageing(due, today).as_str().to_string(),
                    });
                }
            }
        }
        let mut faults = self.faults()?;
        // Open faults first; within each group, oldest first.
        faults.sort_by_key(|f| (f.resolved_at.is_some(), f.reported_at.clone(), f.id));
        Ok(Report {
            as_of: today.to_string(),
            coverage,
            renewals_due,
            overdue_maintenance: overdue,
            faults,
            arrears,
        })
    }
}
