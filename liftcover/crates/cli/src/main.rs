//! The `liftcover` command: register buildings, households and contracts, agree schemes,
//! resolve responsibility, record maintenance, faults, bills and payments, print reports,
//! run the web UI, and `demo` the seed's building. It only parses arguments and prints;
//! rules live in liftcover-core, data in liftcover-store, pages in liftcover-server.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use liftcover_core::money::{format_fixed, format_yuan, parse_yuan};
use liftcover_core::resolver::standard_two_plus_five;
use liftcover_core::time::parse_date;
use liftcover_store::{
    FaultResolution, NewBuilding, NewContract, NewFault, NewHousehold, NewMaintenance, NewPayment,
    NewSchemeVersion, SchemeInput, Store,
};
use serde::Serialize;

/// Prints a line, ignoring a closed stdout (e.g. piped into `head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "liftcover",
    version,
    about = "Insurance + service for lifts retrofitted into old walk-ups"
)]
struct Cli {
    /// SQLite file path, or a postgres:// URL.
    #[arg(
        long,
        env = "LIFTCOVER_DB",
        default_value = "liftcover.sqlite3",
        global = true
    )]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the seed's building (¥4,950 a year, 6 storeys, 12 households) and print shares and bills.
    Demo {
        /// Keep the demo data in --db instead of an in-memory database.
        #[arg(long)]
        keep: bool,
    },
    /// Serve the web UI and JSON API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// Create a sub-district.
    SubDistrict { name: String },
    /// Create a community in a sub-district.
    Community {
        #[arg(long)]
        sub_district: i64,
        name: String,
    },
    /// Register a building and its lift.
    Building {
        #[arg(long)]
        community: i64,
        #[arg(long)]
        name: String,
        #[arg(long)]
        floors: i64,
        /// The lift's equipment code.
        #[arg(long)]
        lift_code: String,
        /// YYYY-MM-DD the lift entered use.
        #[arg(long)]
        in_use_since: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Outside a city district (60-minute trapped-passenger response).
        #[arg(long)]
        rural: bool,
    },
    /// List buildings.
    Buildings,
    /// Add a household to the building of a lift.
    Household {
        lift: String,
        #[arg(long)]
        unit: String,
        #[arg(long)]
        floor: i64,
        /// m², up to two decimals.
        #[arg(long)]
        area: String,
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// List a lift's households.
    Households { lift: String },
    /// Add a contract to a lift.
    Contract {
        lift: String,
        #[arg(long)]
        party: String,
        /// installer-warranty, insurer or maintenance.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        start: String,
        /// Inclusive.
        #[arg(long)]
        end: String,
        /// Yuan a year.
        #[arg(long, default_value = "0")]
        fee: String,
        /// Comma-separated.
        #[arg(long, value_delimiter = ',')]
        covers: Vec<String>,
    },
    /// Add the standard 2+5 contracts: installer years 1–2, insurer years 3–7.
    TwoPlusFive {
        lift: String,
        #[arg(long)]
        installer: String,
        #[arg(long)]
        insurer: String,
        /// The insurer's yuan a year.
        #[arg(long, default_value = "4950")]
        fee: String,
    },
    /// List a lift's contracts.
    Contracts { lift: String },
    /// List the shipped coefficient presets.
    Presets,
    /// Record a new signed version of a building's apportionment scheme.
    Scheme {
        lift: String,
        /// floor_coefficients, coefficient_times_area or custom_ratio.
        #[arg(long, default_value = "floor_coefficients")]
        method: String,
        #[arg(long)]
        preset: Option<String>,
        /// FLOOR=COEFFICIENT, repeatable.
        #[arg(long = "coefficient")]
        coefficients: Vec<String>,
        /// UNIT=PERCENT, repeatable.
        #[arg(long = "ratio")]
        ratios: Vec<String>,
        #[arg(long = "exempt", value_delimiter = ',')]
        exempt_floors: Vec<i32>,
        /// Units that signed, comma-separated.
        #[arg(long, value_delimiter = ',')]
        signed_by: Vec<String>,
        #[arg(long)]
        signed_on: String,
    },
    /// List a building's scheme versions and their consent.
    Schemes { lift: String },
    /// Each household's share of a yearly total under the adopted scheme.
    Shares {
        lift: String,
        /// Yuan.
        #[arg(long, default_value = "4950")]
        total: String,
    },
    /// Who is responsible for a lift on a date, and contract gaps/overlaps.
    Status {
        lift: String,
        #[arg(long)]
        date: Option<String>,
    },
    /// Record completed maintenance or inspection.
    Maintenance {
        lift: String,
        /// half-monthly, quarterly, half-yearly, yearly, insurer-monthly-inspection, statutory-inspection.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        done_on: String,
        #[arg(long)]
        party: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Next due dates and overdue items for a lift.
    Schedule {
        lift: String,
        #[arg(long)]
        date: Option<String>,
    },
    /// Report a fault; it is routed to the party responsible on that date.
    Fault {
        lift: String,
        /// YYYY-MM-DDTHH:MM.
        #[arg(long)]
        at: String,
        #[arg(long)]
        reporter: String,
        #[arg(long)]
        trapped: bool,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Record when help arrived for a fault.
    Arrived {
        id: i64,
        #[arg(long)]
        at: String,
    },
    /// Record a fault's resolution.
    Resolved {
        id: i64,
        #[arg(long)]
        at: String,
        #[arg(long)]
        resolution: String,
        #[arg(long, value_delimiter = ',')]
        parts: Vec<String>,
        /// Yuan.
        #[arg(long, default_value = "0")]
        cost: String,
        #[arg(long)]
        paid_by: String,
    },
    /// List faults.
    Faults,
    /// Issue bill year N of a contract to every household.
    Bill {
        lift: String,
        #[arg(long)]
        contract: i64,
        #[arg(long)]
        year: u32,
    },
    /// List a building's bills.
    Bills { lift: String },
    /// Record a payment against a bill.
    Pay {
        bill: i64,
        #[arg(long)]
        on: String,
        /// Yuan.
        #[arg(long)]
        amount: String,
    },
    /// The sub-district report: JSON by default, or one CSV section, or printable HTML.
    Report {
        #[arg(long)]
        date: Option<String>,
        /// coverage, renewals, overdue, faults or arrears.
        #[arg(long)]
        csv: Option<String>,
        #[arg(long)]
        html: bool,
    },
}

fn print_json<T: Serialize>(v: &T) -> Result<()> {
    say!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

fn pairs(field: &str, items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_string(), v.trim().to_string())),
            None => bail!("{field}: `{s}` is not KEY=VALUE"),
        })
        .collect()
}

fn main() {
    if let Err(e) = real_main() {
        // `{:#}` prints the context chain on one line, without a backtrace.
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { keep } => {
            let mut store = if keep {
                open(&cli.db)?
            } else {
                Store::open_sqlite_memory()?
            };
            demo(&mut store)
        }
        Command::Serve { addr } => {
            let store = open(&cli.db)?;
            let rt = tokio::runtime::Runtime::new()?;
            say!("liftcover serving on http://{addr}/");
            rt.block_on(liftcover_server::serve(store, &addr))
                .with_context(|| format!("serving on {addr}"))
        }
        command => {
            let mut store = open(&cli.db)?;
            run(&mut store, command)
        }
    }
}

fn open(db: &str) -> Result<Store> {
    Store::open(db).with_context(|| "opening the database (--db or LIFTCOVER_DB)".to_string())
}

fn run(st: &mut Store, command: Command) -> Result<()> {
    match command {
        Command::Demo { .. } | Command::Serve { .. } => unreachable_command(),
        Command::SubDistrict { name } => print_json(&st.create_sub_district(&name)?),
        Command::Community { sub_district, name } => {
            print_json(&st.create_community(sub_district, &name)?)
        }
        Command::Building {
            community,
            name,
            floors,
            lift_code,
            in_use_since,
            description,
            rural,
        } => print_json(&st.create_building(&NewBuilding {
            community_id: community,
            name,
            floors,
            lift_code,
            lift_description: description,
            in_use_since,
            urban: !rural,
        })?),
        Command::Buildings => print_json(&st.buildings()?),
        Command::Household {
            lift,
            unit,
            floor,
            area,
            contact,
        } => print_json(&st.add_household(
            &lift,
            &NewHousehold {
                unit,
                floor,
                area_m2: area,
                contact,
            },
        )?),
        Command::Households { lift } => print_json(&st.households(&lift)?),
        Command::Contract {
            lift,
            party,
            kind,
            start,
            end,
            fee,
            covers,
        } => print_json(&st.add_contract(
            &lift,
            &NewContract {
                party,
                kind,
                start,
                end,
                annual_fee: fee,
                covers,
            },
        )?),
        Command::TwoPlusFive {
            lift,
            installer,
            insurer,
            fee,
        } => print_json(&two_plus_five(st, &lift, installer, insurer, fee)?),
        Command::Contracts { lift } => print_json(&st.contracts(&lift)?),
        Command::Presets => print_json(&liftcover_core::presets::all()),
        Command::Scheme {
            lift,
            method,
            preset,
            coefficients,
            ratios,
            exempt_floors,
            signed_by,
            signed_on,
        } => {
            let mut coeffs = BTreeMap::new();
            for (k, v) in pairs("coefficient", &coefficients)? {
                let floor: i32 = k
                    .parse()
                    .with_context(|| format!("coefficient: `{k}` is not a floor number"))?;
                coeffs.insert(floor, v);
            }
            let scheme = SchemeInput {
                method,
                preset,
                coefficients: coeffs,
                ratios: pairs("ratio", &ratios)?.into_iter().collect(),
                exempt_floors,
            };
            print_json(&st.propose_scheme(
                &lift,
                &NewSchemeVersion {
                    scheme,
                    signed_by,
                    signed_on,
                },
            )?)
        }
        Command::Schemes { lift } => print_json(&st.schemes(&lift)?),
        Command::Shares { lift, total } => {
            let total = parse_yuan("total", &total)?;
            let (sv, lines) = st.shares(&lift, total)?;
            say!(
                "Scheme version {} ({}), total ¥{}",
                sv.version,
                sv.scheme.preset.as_deref().unwrap_or("custom"),
                format_yuan(total)
            );
            say!("| Unit | Floor | Area m² | Share ¥ |\n|---|---:|---:|---:|");
            for l in &lines {
                say!(
                    "| {} | {} | {} | {} |",
                    l.unit,
                    l.floor,
                    l.area_m2,
                    l.amount
                );
            }
            say!(
                "| **Total** | | | **{}** |",
                format_yuan(lines.iter().map(|l| l.amount_fen).sum())
            );
            Ok(())
        }
        Command::Status { lift, date } => {
            print_json(&st.status(&lift, &date.unwrap_or_else(today))?)
        }
        Command::Maintenance {
            lift,
            kind,
            done_on,
            party,
            notes,
        } => print_json(&st.record_maintenance(
            &lift,
            &NewMaintenance {
                kind,
                done_on,
                party,
                notes,
            },
        )?),
        Command::Schedule { lift, date } => {
            print_json(&st.schedule(&lift, &date.unwrap_or_else(today))?)
        }
        Command::Fault {
            lift,
            at,
            reporter,
            trapped,
            description,
        } => print_json(&st.report_fault(&NewFault {
            lift_code: lift,
            reported_at: at,
            reporter,
            trapped,
            description,
        })?),
        Command::Arrived { id, at } => print_json(&st.fault_arrived(id, &at)?),
        Command::Resolved {
            id,
            at,
            resolution,
            parts,
            cost,
            paid_by,
        } => print_json(&st.resolve_fault(
            id,
            &FaultResolution {
                resolved_at: at,
                resolution,
                parts,
                cost,
                paid_by,
            },
        )?),
        Command::Faults => print_json(&st.faults()?),
        Command::Bill {
            lift,
            contract,
            year,
        } => print_json(&st.generate_bills(&lift, contract, year)?),
        Command::Bills { lift } => print_json(&st.bills(&lift)?),
        Command::Pay { bill, on, amount } => print_json(&st.record_payment(
            bill,
            &NewPayment {
                paid_on: on,
                amount,
                note: String::new(),
            },
        )?),
        Command::Report { date, csv, html } => {
            let report = st.report(&date.unwrap_or_else(today))?;
            if let Some(section) = csv {
                match liftcover_server::csv(&report, &section) {
                    Some(text) => say_raw!("{text}"),
                    None => bail!("csv: no section `{section}`; use coverage, renewals, overdue, faults or arrears"),
                }
                Ok(())
            } else if html {
                say!("{}", liftcover_server::report_html(&report));
                Ok(())
            } else {
                print_json(&report)
            }
        }
    }
}

fn two_plus_five(
    st: &mut Store,
    lift: &str,
    installer: String,
    insurer: String,
    fee: String,
) -> Result<Vec<liftcover_store::Contract>> {
    let b = st.building(lift)?;
    let entry = parse_date("in_use_since", &b.in_use_since)?;
    let Some([(a0, a1), (b0, b1)]) = standard_two_plus_five(entry) else {
        bail!("in_use_since: {entry} is too late in the calendar for a 7-year term");
    };
    Ok(vec![
        st.add_contract(
            lift,
            &NewContract {
                party: installer,
                kind: "installer-warranty".into(),
                start: a0.to_string(),
                end: a1.to_string(),
                annual_fee: "0".into(),
                covers: vec!["repairs".into(), "maintenance".into(), "spare-parts".into()],
            },
        )?,
        st.add_contract(
            lift,
            &NewContract {
                party: insurer,
                kind: "insurer".into(),
                start: b0.to_string(),
                end: b1.to_string(),
                annual_fee: fee,
                covers: insurer_covers(),
            },
        )?,
    ])
}

fn unreachable_command() -> Result<()> {
    bail!("this command is handled before the database is opened")
}

fn insurer_covers() -> Vec<String> {
    [
        "passenger-risk",
        "spare-parts",
        "cleaning-and-maintenance",
        "monthly-inspection",
    ]
    .map(String::from)
    .to_vec()
}

/// The seed's case: 中兴新家园9号楼, six storeys, two flats a landing, lift in use from
/// June 2018, "2+5" contracts and ¥4,950 a year from year 3.
fn demo(st: &mut Store) -> Result<()> {
    let sd = st.create_sub_district("东柳街道")?;
    let cm = st.create_community(sd.id, "中兴社区")?;
    let code = "3310-DEMO-0009";
    st.create_building(&NewBuilding {
        community_id: cm.id,
        name: "中兴新家园9号楼".into(),
        floors: 6,
        lift_code: code.into(),
        lift_description: "retrofitted passenger lift".into(),
        in_use_since: "2018-06-15".into(),
        urban: true,
    })?;
    let mut units = Vec::new();
    for floor in 1..=6 {
        for (n, area) in [(1, "78.50"), (2, "92.30")] {
            let unit = format!("{floor}0{n}");
            st.add_household(
                code,
                &NewHousehold {
                    unit: unit.clone(),
                    floor,
                    area_m2: area.into(),
                    contact: String::new(),
                },
            )?;
            units.push(unit);
        }
    }
    two_plus_five(
        st,
        code,
        "Lift company".into(),
        "Insurer".into(),
        "4950".into(),
    )?;
    let contracts = st.contracts(code)?;
    say!(
        "\n# liftcover demo: 中兴新家园9号楼 (6 storeys, 12 households), lift in use 2018-06-15\n"
    );
    for c in &contracts {
        say!(
            "- {} `{}` {} .. {} fee ¥{} covers {}",
            c.kind,
            c.party,
            c.start,
            c.end,
            c.annual_fee,
            c.covers.join(", ")
        );
    }
    say!("\nResponsibility:");
    for d in [
        "2020-06-13",
        "2020-06-14",
        "2020-06-15",
        "2025-06-14",
        "2025-06-15",
    ] {
        let s = st.status(code, d)?;
        let r = &s.resolution;
        say!(
            "- {d}: day {} / year {} → {} ({})",
            r.day_of_use.unwrap_or(0),
            r.year_of_use.unwrap_or(0),
            r.state.as_str(),
            r.responsible
                .as_ref()
                .map_or("nobody", |c| c.party.as_str())
        );
    }
    let mut by_preset: Vec<(String, Vec<i64>)> = Vec::new();
    for (method, p, label) in [
        ("floor_coefficients", "guangzhou", "guangzhou"),
        ("floor_coefficients", "nanjing-gulou", "nanjing-gulou"),
        ("floor_coefficients", "beijing", "beijing"),
        ("coefficient_times_area", "guangzhou", "guangzhou × area"),
    ] {
        let v = st.propose_scheme(
            code,
            &NewSchemeVersion {
                scheme: SchemeInput {
                    method: method.into(),
                    preset: Some(p.into()),
                    ..SchemeInput::default()
                },
                signed_by: units.clone(),
                signed_on: "2018-05-20".into(),
            },
        )?;
        let (_, lines) = st.shares(code, 495_000)?;
        by_preset.push((
            format!("{label} (v{})", v.version),
            lines.iter().map(|l| l.amount_fen).collect(),
        ));
    }
    // The Guangzhou version is the one this demo bills with: record it last.
    let adopted = st.propose_scheme(
        code,
        &NewSchemeVersion {
            scheme: SchemeInput {
                method: "floor_coefficients".into(),
                preset: Some("guangzhou".into()),
                ..SchemeInput::default()
            },
            signed_by: units[2..].to_vec(),
            signed_on: "2018-05-28".into(),
        },
    )?;
    say!(
        "\nAdopted scheme: version {} (Guangzhou preset), signed by {}/{} households and {}/{} m² — ¾ of both needed: {}",
        adopted.version,
        adopted.consent.households_signed,
        adopted.consent.households_total,
        format_fixed(adopted.consent.area_signed_centi_m2, 2),
        format_fixed(adopted.consent.area_total_centi_m2, 2),
        if adopted.consent.passed { "passed" } else { "failed" }
    );
    let households = st.households(code)?;
    say!("\n¥4,950.00 a year, shares by scheme version (exact to the fen):\n");
    say!(
        "| Unit | Floor | Area m² | {} |",
        by_preset
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    say!("|---|---:|---:|{}", "---:|".repeat(by_preset.len()));
    for (i, h) in households.iter().enumerate() {
        let cells: Vec<String> = by_preset
            .iter()
            .map(|(_, a)| a.get(i).map_or("—".into(), |f| format_yuan(*f)))
            .collect();
        say!(
            "| {} | {} | {} | {} |",
            h.unit,
            h.floor,
            h.area_m2,
            cells.join(" | ")
        );
    }
    let totals: Vec<String> = by_preset
        .iter()
        .map(|(_, a)| format!("**{}**", format_yuan(a.iter().sum())))
        .collect();
    say!("| **Total** | | | {} |", totals.join(" | "));
    let insurer = contracts
        .iter()
        .find(|c| c.kind == "insurer")
        .context("demo insurer contract")?;
    let bills = st.generate_bills(code, insurer.id, 1)?;
    say!(
        "\nBills for insurer year 1 (year 3 of use), due {}:",
        bills.first().map_or("", |b| b.due_date.as_str())
    );
    for b in &bills {
        say!("- unit {}: ¥{}", b.unit, format_yuan(b.amount_fen));
    }
    say!(
        "Building total: ¥{} (contract fee ¥{})",
        format_yuan(bills.iter().map(|b| b.amount_fen).sum()),
        insurer.annual_fee
    );
    Ok(())
}
