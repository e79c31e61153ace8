//! Server-rendered pages and CSV exports. Plain HTML with a print stylesheet, so the
//! sub-district report prints as it looks; every value is escaped on the way out.

use std::fmt::Write;

use liftcover_core::money::format_yuan;
use liftcover_store::{
    Bill, Building, Contract, Fault, Household, LiftStatus, Report, Schedule, SchemeVersion,
    ShareLine, Store, StoreError,
};

pub const CSV_SECTIONS: [&str; 5] = ["coverage", "renewals", "overdue", "faults", "arrears"];

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment.
pub fn url_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{t} · liftcover</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5rem;color:#111}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}td,th{{border:1px solid #999;padding:.25rem .5rem;text-align:left}}
th{{background:#eee}}.num{{text-align:right}}.bad{{color:#a00;font-weight:bold}}.ok{{color:#060}}
nav a{{margin-right:1rem}}form label{{display:block;margin:.4rem 0}}
@media print{{nav,.noprint{{display:none}}body{{margin:0}}}}
</style></head><body>
<nav><a href="/">Lifts</a><a href="/report">Printable report</a><a href="/faults/new">Report a fault</a></nav>
<h1>{t}</h1>
{body}
</body></html>"#,
        t = esc(title)
    )
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr>");
    if rows.is_empty() {
        let _ = write!(s, "<tr><td colspan=\"{}\">none</td></tr>", head.len());
    }
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            // Cells arrive escaped or as trusted markup built here.
            let _ = write!(s, "<td>{c}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    s
}

fn opt(s: &Option<String>) -> String {
    esc(s.as_deref().unwrap_or("—"))
}

fn coverage_rows(rows: &[liftcover_store::CoverageRow], link: bool) -> Vec<Vec<String>> {
    rows.iter()
        .map(|c| {
            let code = if link {
                format!(
                    "<a href=\"/lifts/{}\">{}</a>",
                    url_part(&c.lift_code),
                    esc(&c.lift_code)
                )
            } else {
                esc(&c.lift_code)
            };
            let state_class = if matches!(c.state.as_str(), "renewal-due" | "gap") {
                "bad"
            } else {
                "ok"
            };
            vec![
                code,
                esc(&format!(
                    "{} / {} / {}",
                    c.sub_district, c.community, c.building
                )),
                format!("<span class=\"{state_class}\">{}</span>", esc(&c.state)),
                opt(&c.responsible),
                opt(&c.covered_until),
                c.days_left.map_or("—".into(), |d| d.to_string()),
                c.findings.to_string(),
            ]
        })
        .collect()
}

const COVERAGE_HEAD: [&str; 7] = [
    "Lift code",
    "Building",
    "State",
    "Responsible",
    "Covered until",
    "Days left",
    "Contract findings",
];

fn report_sections(r: &Report, link: bool) -> String {
    let mut s = String::new();
    let _ = write!(s, "<p>As of {}</p>", esc(&r.as_of));
    s.push_str("<h2>Lifts by coverage state</h2>");
    s.push_str(&table(&COVERAGE_HEAD, &coverage_rows(&r.coverage, link)));
    s.push_str("<h2>Renewals due within 90 days</h2>");
    s.push_str(&table(
        &COVERAGE_HEAD,
        &coverage_rows(&r.renewals_due, link),
    ));
    s.push_str("<h2>Overdue maintenance and inspections</h2>");
    let rows: Vec<Vec<String>> = r
        .overdue_maintenance
        .iter()
        .map(|o| {
            vec![
                esc(&o.lift_code),
                esc(&o.building),
                esc(&o.kind),
                opt(&o.last_done),
                esc(&o.due),
                format!("<span class=\"bad\">{}</span>", o.overdue_days),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "Lift code",
            "Building",
            "Task",
            "Last done",
            "Due",
            "Days overdue",
        ],
        &rows,
    ));
    s.push_str("<h2>Faults and response times</h2>");
    s.push_str(&faults_table(&r.faults));
    s.push_str("<h2>Arrears</h2>");
    let rows: Vec<Vec<String>> = r
        .arrears
        .iter()
        .map(|a| {
            vec![
                esc(&a.lift_code),
                esc(&a.building),
                esc(&a.unit),
                a.bill_year.to_string(),
                esc(&a.due_date),
                format!(
                    "<span class=\"num\">{}</span>",
                    format_yuan(a.outstanding_fen)
                ),
                esc(&a.ageing),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "Lift code",
            "Building",
            "Unit",
            "Bill year",
            "Due",
            "Outstanding ¥",
            "Ageing (days past due)",
        ],
        &rows,
    ));
    let total: i64 = r.arrears.iter().map(|a| a.outstanding_fen).sum();
    let _ = write!(s, "<p>Total arrears: ¥{}</p>", format_yuan(total));
    s.push_str("<p class=\"noprint\">CSV: ");
    for sec in CSV_SECTIONS {
        let _ = write!(
            s,
            "<a href=\"/reports/{sec}.csv?date={}\">{sec}</a> ",
            esc(&r.as_of)
        );
    }
    s.push_str("</p>");
    s
}

fn faults_table(faults: &[Fault]) -> String {
    let rows: Vec<Vec<String>> = faults
        .iter()
        .map(|f| {
            let met = match f.response_met {
                Some(true) => "<span class=\"ok\">met</span>".to_string(),
                Some(false) => "<span class=\"bad\">missed</span>".to_string(),
                None => "—".to_string(),
            };
            vec![
                f.id.to_string(),
                esc(&f.lift_code),
                esc(&f.reported_at),
                if f.trapped {
                    "<span class=\"bad\">yes</span>".into()
                } else {
                    "no".into()
                },
                f.routed_party
                    .as_deref()
                    .map_or("<span class=\"bad\">nobody responsible</span>".into(), esc),
                esc(&f.deadline),
                f.response_minutes.map_or("—".into(), |m| m.to_string()),
                met,
                if f.resolved_at.is_some() {
                    "resolved".into()
                } else {
                    "<b>open</b>".into()
                },
                f.cost_fen.map_or("—".into(), format_yuan),
                opt(&f.paid_by),
            ]
        })
        .collect();
    table(
        &[
            "#",
            "Lift",
            "Reported",
            "Trapped",
            "Routed to",
            "Respond by",
            "Response min",
            "Met limit",
            "State",
            "Cost ¥",
            "Paid by",
        ],
        &rows,
    )
}

pub fn index(r: &Report) -> String {
    let mut s = String::new();
    let _ = write!(s, "<form class=\"noprint\" method=\"get\">Date <input name=\"date\" value=\"{}\"> <button>Show</button></form>", esc(&r.as_of));
    s.push_str(&report_sections(r, true));
    layout("Retrofitted lifts — insurance + service", &s)
}

pub fn report(r: &Report) -> String {
    layout(
        "Sub-district report: retrofitted lifts",
        &report_sections(r, false),
    )
}

pub fn error_page(msg: &str) -> String {
    layout("Error", &format!("<p class=\"bad\">{}</p>", esc(msg)))
}

pub fn fault_form(error: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(e) = error {
        let _ = write!(s, "<p class=\"bad\">{}</p>", esc(e));
    }
    s.push_str(
        r#"<form method="post" action="/faults/new">
<label>Lift code <input name="lift_code" required></label>
<label>Reported at (YYYY-MM-DDTHH:MM) <input name="reported_at" type="datetime-local" required></label>
<label>Reporter <input name="reporter" required></label>
<label><input type="checkbox" name="trapped" value="1"> Passenger trapped</label>
<label>Description <textarea name="description"></textarea></label>
<button>Report</button></form>"#,
    );
    layout("Report a fault", &s)
}

/// Everything the lift page shows, read in one go.
pub struct LiftPage {
    pub building: Building,
    pub status: LiftStatus,
    pub households: Vec<Household>,
    pub contracts: Vec<Contract>,
    pub schemes: Vec<SchemeVersion>,
    pub shares: Option<(i64, Vec<ShareLine>)>,
    pub schedule: Schedule,
    pub bills: Vec<Bill>,
    pub faults: Vec<Fault>,
}

impl LiftPage {
    pub fn load(st: &mut Store, code: &str, date: &str) -> Result<LiftPage, StoreError> {
        let building = st.building(code)?;
        let status = st.status(code, date)?;
        let contracts = st.contracts(code)?;
        let fee = contracts
            .iter()
            .filter(|c| c.kind == "insurer")
            .map(|c| c.annual_fee_fen)
            .next_back();
        let shares = match (fee, st.adopted_scheme(code)) {
            (Some(fee), Ok(_)) => Some((fee, st.shares(code, fee)?.1)),
            _ => None,
        };
        Ok(LiftPage {
            status,
            households: st.households(code)?,
            contracts,
            schemes: st.schemes(code)?,
            shares,
            schedule: st.schedule(code, date)?,
            bills: st.bills(code)?,
            faults: st
                .faults()?
                .into_iter()
                .filter(|f| f.building_id == building.id)
                .collect(),
            building,
        })
    }
}

pub fn lift(p: &LiftPage) -> String {
    let b = &p.building;
    let r = &p.status.resolution;
    let mut s = String::new();
    let _ = write!(
        s,
        "<p>{} / {} — {} storeys, lift {} ({}), in use since {}{}</p>",
        esc(&b.sub_district),
        esc(&b.community),
        b.floors,
        esc(&b.lift_code),
        esc(&b.lift_description),
        esc(&b.in_use_since),
        if b.urban { ", city district" } else { "" }
    );
    let _ = write!(
        s,
        "<h2>Responsibility on {}</h2><p>State <b>{}</b>, day {} / year {} of use; responsible: <b>{}</b>; covers: {}</p>",
        r.date,
        r.state.as_str(),
        r.day_of_use.map_or("—".into(), |d| d.to_string()),
        r.year_of_use.map_or("—".into(), |y| y.to_string()),
        r.responsible.as_ref().map_or("nobody".into(), |c| esc(&c.party)),
        esc(&r.covers.join(", "))
    );
    if !p.status.findings.is_empty() {
        s.push_str("<p class=\"bad\">Contract findings: ");
        for f in &p.status.findings {
            let _ = write!(s, "{} ", esc(&serde_json::to_string(f).unwrap_or_default()));
        }
        s.push_str("</p>");
    }
    s.push_str("<h2>Contracts</h2>");
    let rows: Vec<Vec<String>> = p
        .contracts
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                esc(&c.kind),
                esc(&c.party),
                esc(&c.start),
                esc(&c.end),
                c.annual_fee.clone(),
                esc(&c.covers.join(", ")),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "#",
            "Kind",
            "Party",
            "Start",
            "End",
            "Annual fee ¥",
            "Covers",
        ],
        &rows,
    ));
    s.push_str("<h2>Households and shares</h2>");
    if let Some((fee, _)) = &p.shares {
        let _ = write!(
            s,
            "<p>Annual fee ¥{} split by the adopted scheme.</p>",
            format_yuan(*fee)
        );
    }
    let rows: Vec<Vec<String>> = p
        .households
        .iter()
        .map(|h| {
            let share = p
                .shares
                .as_ref()
                .and_then(|(_, ls)| ls.iter().find(|l| l.household_id == h.id))
                .map_or("—".into(), |l| l.amount.clone());
            vec![
                esc(&h.unit),
                h.floor.to_string(),
                h.area_m2.clone(),
                esc(&h.contact),
                share,
            ]
        })
        .collect();
    s.push_str(&table(
        &["Unit", "Floor", "Area m²", "Contact", "Share ¥"],
        &rows,
    ));
    s.push_str("<h2>Scheme versions</h2>");
    let in_force = p
        .schemes
        .iter()
        .filter(|v| v.adopted)
        .map(|v| v.version)
        .max();
    let rows: Vec<Vec<String>> = p
        .schemes
        .iter()
        .map(|v| {
            vec![
                v.version.to_string(),
                esc(v.scheme.preset.as_deref().unwrap_or("custom")),
                esc(&v.signed_on),
                format!(
                    "{}/{}",
                    v.consent.households_signed, v.consent.households_total
                ),
                format!(
                    "{}/{}",
                    liftcover_core::money::format_fixed(v.consent.area_signed_centi_m2, 2),
                    liftcover_core::money::format_fixed(v.consent.area_total_centi_m2, 2)
                ),
                match (v.adopted, Some(v.version) == in_force) {
                    (true, true) => "<span class=\"ok\">in force</span>".into(),
                    (true, false) => "superseded".into(),
                    (false, _) => "<span class=\"bad\">consent short of ¾</span>".into(),
                },
                esc(&v.fingerprint),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "Version",
            "Preset",
            "Signed on",
            "Households signed",
            "Area signed m²",
            "State",
            "Fingerprint",
        ],
        &rows,
    ));
    s.push_str("<h2>Schedule</h2>");
    let rows: Vec<Vec<String>> = p
        .schedule
        .items
        .iter()
        .map(|i| {
            vec![
                i.kind.as_str().into(),
                i.last_done.map_or("—".into(), |d| d.to_string()),
                i.due.to_string(),
                if i.is_overdue() {
                    format!("<span class=\"bad\">{} days overdue</span>", i.overdue_days)
                } else {
                    "<span class=\"ok\">ok</span>".into()
                },
            ]
        })
        .collect();
    s.push_str(&table(&["Task", "Last done", "Due", "State"], &rows));
    s.push_str("<h2>Bills</h2>");
    let rows: Vec<Vec<String>> = p
        .bills
        .iter()
        .map(|bl| {
            vec![
                bl.id.to_string(),
                bl.bill_year.to_string(),
                esc(&bl.unit),
                esc(&bl.due_date),
                format_yuan(bl.amount_fen),
                format_yuan(bl.paid_fen),
                format_yuan(bl.outstanding_fen),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "#",
            "Year",
            "Unit",
            "Due",
            "Amount ¥",
            "Paid ¥",
            "Outstanding ¥",
        ],
        &rows,
    ));
    s.push_str("<h2>Faults</h2>");
    s.push_str(&faults_table(&p.faults));
    layout(&format!("{} — {}", b.name, b.lift_code), &s)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_lines(head: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = head.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn o(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// One report section as CSV; `None` for an unknown section.
pub fn csv(r: &Report, section: &str) -> Option<String> {
    let coverage = |rows: &[liftcover_store::CoverageRow]| {
        csv_lines(
            &[
                "as_of",
                "lift_code",
                "sub_district",
                "community",
                "building",
                "state",
                "responsible",
                "covered_until",
                "days_left",
                "findings",
            ],
            rows.iter()
                .map(|c| {
                    vec![
                        r.as_of.clone(),
                        c.lift_code.clone(),
                        c.sub_district.clone(),
                        c.community.clone(),
                        c.building.clone(),
                        c.state.clone(),
                        o(&c.responsible),
                        o(&c.covered_until),
                        c.days_left.map(|d| d.to_string()).unwrap_or_default(),
                        c.findings.to_string(),
                    ]
                })
                .collect(),
        )
    };
    Some(match section {
        "coverage" => coverage(&r.coverage),
        "renewals" => coverage(&r.renewals_due),
        "overdue" => csv_lines(
            &[
                "as_of",
                "lift_code",
                "building",
                "task",
                "last_done",
                "due",
                "overdue_days",
            ],
            r.overdue_maintenance
                .iter()
                .map(|x| {
                    vec![
                        r.as_of.clone(),
                        x.lift_code.clone(),
                        x.building.clone(),
                        x.kind.clone(),
                        o(&x.last_done),
                        x.due.clone(),
                        x.overdue_days.to_string(),
                    ]
                })
                .collect(),
        ),
        "faults" => csv_lines(
            &[
                "id",
                "lift_code",
                "reported_at",
                "trapped",
                "routed_party",
                "coverage_state",
                "deadline",
                "arrived_at",
                "response_minutes",
                "response_met",
                "resolved_at",
                "cost",
                "paid_by",
            ],
            r.faults
                .iter()
                .map(|f| {
                    vec![
                        f.id.to_string(),
                        f.lift_code.clone(),
                        f.reported_at.clone(),
                        f.trapped.to_string(),
                        o(&f.routed_party),
                        f.coverage_state.clone(),
                        f.deadline.clone(),
                        o(&f.arrived_at),
                        f.response_minutes
                            .map(|m| m.to_string())
                            .unwrap_or_default(),
                        f.response_met.map(|m| m.to_string()).unwrap_or_default(),
                        o(&f.resolved_at),
                        f.cost_fen.map(format_yuan).unwrap_or_default(),
                        o(&f.paid_by),
                    ]
                })
                .collect(),
        ),
        "arrears" => csv_lines(
            &[
                "as_of",
                "lift_code",
                "building",
                "unit",
                "bill_id",
                "bill_year",
                "due_date",
                "outstanding",
                "ageing",
            ],
            r.arrears
                .iter()
                .map(|a| {
                    vec![
                        r.as_of.clone(),
                        a.lift_code.clone(),
                        a.building.clone(),
                        a.unit.clone(),
                        a.bill_id.to_string(),
                        a.bill_year.to_string(),
                        a.due_date.clone(),
                        format_yuan(a.outstanding_fen),
                        a.ageing.clone(),
                    ]
                })
                .collect(),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_and_csv() {
        assert_eq!(esc("<a&\"'>"), "&lt;a&amp;&quot;&#39;&gt;");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(url_part("33 01/9"), "33%2001%2F9");
    }
}
