//! Feeding `duanka-link` from a dataset and a scan's alerts.
//!
//! Only the fraud side and its surroundings are fed, not the whole network: the cases;
//! the sign-ups of accounts or numbers that a detector flagged at `medium` or above or
//! that a case names; the OTP delivery nodes and the handsets of those numbers; the flows
//! of flagged hosts; the audit rows acting from or creating a flagged host; every
//! transfer (the link crate follows money only onward from a case's payee); and calls or
//! SMS between subscribers and the numbers fraudsters reach people with (named in cases;
//! not code sinks, whose owners' friends are no victims), for the warning list. Every alert is a
//! mark. Every address the asset inventory lists is declared a common value, so that an
//! approved SMSC or database cannot join a rogue host to the staff who use it.

use std::collections::BTreeMap;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_detect::Columns;
use duanka_detect::sql::OTP_TABLE;
use duanka_link::{
    Contact, EntityType as T, GraphBuilder, LinkError, Linked, Provenance, Settings, Via,
};
use duanka_model::{Alert, format_imei, parse_imei, parse_ip};

/// Why linkage could not run.
#[derive(Debug, thiserror::Error)]
pub enum LinkageError {
    #[error("{0}")]
    Plan(#[from] DataFusionError),
    #[error("linking: {0}")]
    Link(#[from] LinkError),
}

/// What linkage reads: the session with the dataset's tables, which of them are present,
/// and the scan's alerts.
pub struct LinkInput<'a> {
    pub ctx: &'a SessionContext,
    pub present: &'a [String],
    pub alerts: &'a [Alert],
}

/// Severity floor (as a score) from which a finding puts an entity on the fraud side.
const FRAUD_SIDE: f64 = 0.5;

fn has(present: &[String], t: &str) -> bool {
    present.iter().any(|p| p == t)
}

/// Runs `sql` and calls `f` with every row of its result.
async fn for_each_row(
    ctx: &SessionContext,
    sql: &str,
    mut f: impl FnMut(&Columns<'_>, usize) -> Result<(), LinkageError>,
) -> Result<(), LinkageError> {
    for b in ctx.sql(sql).await?.collect().await? {
        let c = Columns::new(&b);
        for r in 0..b.num_rows() {
            f(&c, r)?;
        }
    }
    Ok(())
}

/// A delivery node or peer as an entity: an address when it parses as one.
fn node_entity(s: &str) -> T {
    if parse_ip(s).is_ok() { T::Ip } else { T::Node }
}

fn prov(rows: Option<i64>, first: Option<i64>, last: Option<i64>) -> Provenance {
    let n = rows.unwrap_or(1).clamp(1, i64::from(u32::MAX)) as u32;
    match (first, last) {
        (Some(a), Some(b)) => Provenance::span(n, a, b),
        (Some(a), None) | (None, Some(a)) => Provenance::span(n, a, a),
        _ => Provenance::rows(n),
    }
}

/// Builds the graph from the dataset and the alerts, and links it.
pub async fn link(input: &LinkInput<'_>, settings: &Settings) -> Result<Linked, LinkageError> {
    let (ctx, present) = (input.ctx, input.present);
    duanka_detect::register_findings(ctx, input.alerts)?;
    let mut g = GraphBuilder::new();
    for a in input.alerts {
        g.mark_alert(a)?;
    }
    let has_cases = has(present, "cases");
    let has_regs = has(present, "registrations");

    // The fraud side's numbers and accounts: flagged, or named in a case.
    let mut fm = format!(
        "SELECT CAST(entity_id AS BIGINT) AS msisdn FROM findings WHERE entity_type = 'msisdn' AND score >= {FRAUD_SIDE}"
    );
    let mut fa = format!(
        "SELECT entity_id AS account FROM findings WHERE entity_type = 'account' AND score >= {FRAUD_SIDE}"
    );
    if has_cases {
        fm.push_str(
            " UNION SELECT fraud_msisdn AS msisdn FROM cases WHERE fraud_msisdn IS NOT NULL",
        );
        fa.push_str(" UNION SELECT CAST(fraud_account AS VARCHAR) AS account FROM cases WHERE fraud_account IS NOT NULL");
    }
    // Numbers whose supply matters: the fraud numbers and the sign-up numbers of the
    // fraud accounts.
    let side = if has_regs {
        format!(
            "fm AS ({fm}), fa AS ({fa}), side AS (SELECT msisdn FROM fm UNION SELECT r.msisdn FROM registrations r \
             JOIN fa ON fa.account = CAST(r.account_id AS VARCHAR))"
        )
    } else {
        format!("fm AS ({fm}), fa AS ({fa}), side AS (SELECT msisdn FROM fm)")
    };

    if has_cases {
        let sql = "SELECT CAST(case_id AS VARCHAR) AS case_id, loss, CAST(fraud_account AS VARCHAR) AS fraud_account, \
             fraud_msisdn, CAST(payee_account AS VARCHAR) AS payee, victim_msisdn, CAST(reported_at AS BIGINT) AS t \
             FROM cases ORDER BY case_id";
        for_each_row(ctx, sql, |c, r| {
            let Some(id) = c.text("case_id", r)? else {
                return Ok(());
            };
            let case = g.case(&id, c.int("loss", r)?)?;
            let p = prov(Some(1), c.int("t", r)?, None);
            for (col, t, via) in [
                ("fraud_account", T::Account, Via::CaseFraudAccount),
                ("fraud_msisdn", T::Msisdn, Via::CaseFraudMsisdn),
                ("payee", T::Account, Via::CasePayee),
                ("victim_msisdn", T::Msisdn, Via::CaseVictim),
            ] {
                // Numbers come back as their canonical digits.
                if let Some(v) = c.text(col, r)? {
                    let n = g.entity(t, &v)?;
                    g.link(case, n, via, p)?;
                }
            }
            Ok(())
        })
        .await?;
    }

    if has_regs {
        let sql = format!(
            "WITH {side} SELECT CAST(r.account_id AS VARCHAR) AS account, r.msisdn, CAST(r.device_id AS VARCHAR) AS device, \
                 CAST(r.ip AS VARCHAR) AS ip, CAST(r.ts AS BIGINT) AS t FROM registrations r \
                 LEFT JOIN (SELECT DISTINCT account AS fa_account FROM fa) a ON a.fa_account = CAST(r.account_id AS VARCHAR) \
                 LEFT JOIN (SELECT DISTINCT msisdn AS fm_msisdn FROM fm) m ON m.fm_msisdn = r.msisdn \
                 WHERE a.fa_account IS NOT NULL OR m.fm_msisdn IS NOT NULL \
                 ORDER BY account, t"
        );
        for_each_row(ctx, &sql, |c, r| {
            let Some(account) = c.text("account", r)? else {
                return Ok(());
            };
            let p = prov(Some(1), c.int("t", r)?, None);
            let acc = (T::Account, account.as_str());
            if let Some(m) = c.int("msisdn", r)? {
                g.link_ids(acc, (T::Msisdn, &m.to_string()), Via::SignupMsisdn, p)?;
            }
            if let Some(d) = c.text("device", r)? {
                match parse_imei(&d) {
                    Ok(imei) => {
                        g.link_ids(acc, (T::Imei, &format_imei(imei)), Via::SignupDevice, p)?
                    }
                    Err(_) => g.link_ids(acc, (T::Device, d.trim()), Via::SignupDevice, p)?,
                }
            }
            if let Some(ip) = c.text("ip", r)? {
                g.link_ids(acc, (T::Ip, &ip), Via::SignupIp, p)?;
            }
            Ok(())
        })
        .await?;
    }

    if has(present, "sms") {
        duanka_detect::sql::ensure_otp_table(ctx).await?;
        let sql = format!(
            "WITH {side} SELECT s.msisdn, s.node, count(*) AS n, \
                 CAST(min(s.ts) AS BIGINT) AS t0, CAST(max(s.ts) AS BIGINT) AS t1 FROM {OTP_TABLE} s \
                 WHERE s.node IS NOT NULL AND s.msisdn IN (SELECT msisdn FROM side) GROUP BY s.msisdn, s.node \
                 ORDER BY s.msisdn, s.node"
        );
        for_each_row(ctx, &sql, |c, r| {
            let (Some(m), Some(node)) = (c.int("msisdn", r)?, c.text("node", r)?) else {
                return Ok(());
            };
            let node = node.trim().to_string();
            let t = if node.eq_ignore_ascii_case("radio") {
                T::Node
            } else {
                node_entity(&node)
            };
            let id = if t == T::Node && node.eq_ignore_ascii_case("radio") {
                "radio".to_string()
            } else {
                node
            };
            g.link_ids(
                (T::Msisdn, &m.to_string()),
                (t, &id),
                Via::DeliveryNode,
                prov(c.int("n", r)?, c.int("t0", r)?, c.int("t1", r)?),
            )?;
            Ok(())
        })
        .await?;
    }

    if has(present, "attach") {
        let sql = format!(
            "WITH {side} SELECT a.msisdn, a.imsi, a.imei, count(*) AS n, CAST(min(a.ts) AS BIGINT) AS t0, \
                 CAST(max(a.ts) AS BIGINT) AS t1 FROM attach a WHERE a.msisdn IN (SELECT msisdn FROM side) \
                 GROUP BY a.msisdn, a.imsi, a.imei ORDER BY a.msisdn, a.imsi, a.imei"
        );
        for_each_row(ctx, &sql, |c, r| {
            let Some(m) = c.int("msisdn", r)? else {
                return Ok(());
            };
            let p = prov(c.int("n", r)?, c.int("t0", r)?, c.int("t1", r)?);
            let num = (T::Msisdn, m.to_string());
            if let Some(imsi) = c.int("imsi", r)? {
                g.link_ids(
                    (num.0, &num.1),
                    (T::Imsi, &imsi.to_string()),
                    Via::AttachImsi,
                    p,
                )?;
            }
            if let Some(imei) = c.int("imei", r)? {
                g.link_ids(
                    (num.0, &num.1),
                    (T::Imei, &format_imei(imei)),
                    Via::AttachImei,
                    p,
                )?;
            }
            Ok(())
        })
        .await?;
    }

    let flagged_hosts = format!(
        "SELECT entity_id AS ip FROM findings WHERE entity_type = 'ip' AND score >= {FRAUD_SIDE}"
    );
    if has(present, "flows") {
        let has_assets = has(present, "assets");
        duanka_detect::sql::ensure_flow_tables(ctx, has_assets).await?;
        for_each_row(
            ctx,
            &format!(
                "WITH fh AS ({flagged_hosts}) SELECT * FROM (SELECT src, dst, flows AS n, t0, t1 FROM flow_pairs \
                 WHERE src IN (SELECT ip FROM fh) UNION SELECT src, dst, flows AS n, t0, t1 FROM flow_pairs \
                 WHERE dst IN (SELECT ip FROM fh)) ORDER BY src, dst"
            ),
            |c, r| {
                let (Some(src), Some(dst)) = (c.text("src", r)?, c.text("dst", r)?) else {
                    return Ok(());
                };
                g.link_ids(
                    (T::Ip, &src),
                    (T::Ip, &dst),
                    Via::FlowPeer,
                    prov(c.int("n", r)?, c.int("t0", r)?, c.int("t1", r)?),
                )?;
                Ok(())
            },
        )
        .await?;
        if has_assets {
            // Only the listed addresses the fed flows touch: declaring the whole
            // inventory would add thousands of entities that link nothing. A flagged
            // host stays a link however it is listed: its owner may have listed it.
            let sql = format!(
                "WITH fh AS ({flagged_hosts}), near AS (SELECT dst AS ip FROM flow_pairs WHERE src IN (SELECT ip FROM fh) \
                     UNION SELECT src AS ip FROM flow_pairs WHERE dst IN (SELECT ip FROM fh)) \
                     SELECT h.ip, h.role FROM flow_hosts h JOIN near ON near.ip = h.ip WHERE h.listed = 1 \
                     AND h.ip NOT IN (SELECT ip FROM fh) ORDER BY h.ip"
            );
            for_each_row(ctx, &sql, |c, r| {
                let Some(ip) = c.text("ip", r)? else {
                    return Ok(());
                };
                let role = c.text("role", r)?.unwrap_or_else(|| "host".into());
                let n = g.entity(T::Ip, &ip)?;
                g.declare_common(n, &format!("listed in the asset inventory ({role})"))?;
                Ok(())
            })
            .await?;
        }
    }

    if has(present, "audit") {
        // A host is created under its address or under the name the inventory gives it.
        let (names_cte, object_host, object_join) = if has(present, "assets") {
            (
                format!(", {}", duanka_detect::sql::HOST_NAMES),
                "coalesce(hn.ip, CAST(a.object AS VARCHAR))",
                "LEFT JOIN host_names hn ON hn.name = lower(CAST(a.object AS VARCHAR))",
            )
        } else {
            (String::new(), "CAST(a.object AS VARCHAR)", "")
        };
        let sql = format!(
            "WITH fh AS ({flagged_hosts}){names_cte}, \
                 created AS (SELECT {object_host} AS host, CAST(a.\"user\" AS VARCHAR) AS who, CAST(a.ts AS BIGINT) AS t \
                 FROM audit a {object_join} WHERE CAST(a.action AS VARCHAR) = 'create_host') \
                 SELECT CAST(src_ip AS VARCHAR) AS host, CAST(\"user\" AS VARCHAR) AS who, 'src' AS how, count(*) AS n, \
                 CAST(min(ts) AS BIGINT) AS t0, CAST(max(ts) AS BIGINT) AS t1 FROM audit \
                 WHERE CAST(src_ip AS VARCHAR) IN (SELECT ip FROM fh) GROUP BY CAST(src_ip AS VARCHAR), CAST(\"user\" AS VARCHAR) \
                 UNION ALL \
                 SELECT host, who, 'object' AS how, count(*) AS n, min(t) AS t0, max(t) AS t1 FROM created \
                 WHERE host IN (SELECT ip FROM fh) GROUP BY host, who ORDER BY host, who, how"
        );
        for_each_row(ctx, &sql, |c, r| {
            let (Some(host), Some(who), Some(how)) =
                (c.text("host", r)?, c.text("who", r)?, c.text("how", r)?)
            else {
                return Ok(());
            };
            let via = if how == "object" {
                Via::AuditObject
            } else {
                Via::AuditSrcIp
            };
            g.link_ids(
                (T::Ip, &host),
                (T::User, &who),
                via,
                prov(c.int("n", r)?, c.int("t0", r)?, c.int("t1", r)?),
            )?;
            Ok(())
        })
        .await?;
    }

    if has(present, "assets") {
        // The owner the inventory names for a flagged host: an insider may list his own
        // server. Owners that are teams, not accounts, link nothing when the audit trail
        // says which accounts exist.
        let mut ctes = vec![format!("fh AS ({flagged_hosts})")];
        ctes.extend(duanka_detect::sql::inventory_match("fh"));
        let (owner, users) = if has(present, "audit") {
            (
                "u.who",
                "JOIN (SELECT DISTINCT CAST(\"user\" AS VARCHAR) AS who FROM audit) u ON lower(u.who) = lower(trim(m.owner))",
            )
        } else {
            ("m.owner", "")
        };
        let sql = format!(
            "WITH {} SELECT m.ip, {owner} AS owner FROM inv_match m {users} \
             WHERE m.listed AND m.owner IS NOT NULL ORDER BY m.ip, owner",
            ctes.join(", ")
        );
        for_each_row(ctx, &sql, |c, r| {
            let (Some(ip), Some(owner)) = (c.text("ip", r)?, c.text("owner", r)?) else {
                return Ok(());
            };
            g.link_ids(
                (T::Ip, &ip),
                (T::User, owner.trim()),
                Via::AssetOwner,
                prov(Some(1), None, None),
            )?;
            Ok(())
        })
        .await?;
    }

    if has(present, "transfers") {
        let sql = "SELECT CAST(from_account AS VARCHAR) AS src, CAST(to_account AS VARCHAR) AS dst, sum(amount) AS fen, count(*) AS n, \
             CAST(min(ts) AS BIGINT) AS t0, CAST(max(ts) AS BIGINT) AS t1 FROM transfers \
             GROUP BY CAST(from_account AS VARCHAR), CAST(to_account AS VARCHAR) ORDER BY src, dst";
        for_each_row(ctx, sql, |c, r| {
            let (Some(src), Some(dst)) = (c.text("src", r)?, c.text("dst", r)?) else {
                return Ok(());
            };
            let a = g.entity(T::Account, &src)?;
            let z = g.entity(T::Account, &dst)?;
            g.transfer(
                a,
                z,
                c.int("fen", r)?.unwrap_or(0),
                prov(c.int("n", r)?, c.int("t0", r)?, c.int("t1", r)?),
            )?;
            Ok(())
        })
        .await?;
    }

    // Contacts with the numbers the fraudsters reach people with: those named in cases
    // (and the findings made of them). A code sink is not one: its codes are taken at
    // the core, and a live number whose codes were stolen keeps its owner's friends, who
    // are no victims.
    let reach = format!(
        "SELECT CAST(entity_id AS BIGINT) AS msisdn FROM findings WHERE entity_type = 'msisdn' \
         AND score >= {FRAUD_SIDE} AND detector NOT IN {}{}",
        duanka_detect::sql::NUMBER_SIDE,
        if has_cases {
            " UNION SELECT fraud_msisdn AS msisdn FROM cases WHERE fraud_msisdn IS NOT NULL"
        } else {
            ""
        }
    );
    let mut contacts: BTreeMap<(i64, i64), Contact> = BTreeMap::new();
    for (table, is_call) in [("calls", true), ("sms", false)] {
        if !has(present, table) {
            continue;
        }
        let talk = if is_call {
            "sum(CASE WHEN duration_s > 0 THEN duration_s ELSE 0 END)"
        } else {
            "0"
        };
        let sql = format!(
            "WITH reach AS ({reach}) SELECT t.msisdn, t.peer_key AS peer, count(*) AS n, {talk} AS talk, CAST(max(t.ts) AS BIGINT) AS last \
                 FROM {table} t WHERE t.peer_key IN (SELECT msisdn FROM reach) GROUP BY t.msisdn, t.peer_key ORDER BY t.msisdn, peer"
        );
        for_each_row(ctx, &sql, |c, r| {
            let (Some(m), Some(peer)) = (c.int("msisdn", r)?, c.int("peer", r)?) else {
                return Ok(());
            };
            let e = contacts.entry((m, peer)).or_default();
            let n = c.int("n", r)?.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
            if is_call {
                e.calls = e.calls.saturating_add(n);
                let talk = c.int("talk", r)?.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
                e.talk_s = e.talk_s.saturating_add(talk);
            } else {
                e.sms = e.sms.saturating_add(n);
            }
            e.last_ts = e.last_ts.max(c.int("last", r)?);
            Ok(())
        })
        .await?;
    }
    for ((m, peer), contact) in contacts {
        let a = g.entity(T::Msisdn, &m.to_string())?;
        let b = g.entity(T::Msisdn, &peer.to_string())?;
        g.contact(a, b, contact)?;
    }

    Ok(g.build(settings))
}
