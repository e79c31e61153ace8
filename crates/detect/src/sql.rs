//! SQL pieces shared by several detectors (and by the benchmark that compares duanka's
//! per-number OTP aggregation with other engines), so that there is one definition of
//! "an OTP row" and one way of counting services per number.

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

/// An SMS row is an OTP when its category says so, or, where the category is empty, when
/// the OTP classifier recognises its content.
pub const OTP_PREDICATE: &str =
    "(category = 'otp' OR (category IS NULL AND content IS NOT NULL AND sms_is_otp(content)))";

/// The common table expressions of the per-number OTP aggregation: `otp` (the OTP rows
/// received), `recv` (per number: OTPs, distinct OTP senders, first and last) and `svc`
/// (per number: distinct OTP senders).
///
/// Senders are counted with `distinct_count` on the integer `peer_key`, in the same pass
/// as the other figures: never `count(DISTINCT <string>)` per group (see ARCHITECTURE.md).
pub fn otp_ctes() -> [String; 3] {
    otp_ctes_from(&format!(
        "SELECT msisdn, peer_key, ts FROM sms WHERE direction = 'MT' AND {OTP_PREDICATE}"
    ))
}

/// The same aggregation over the session's OTP table (see [`ensure_otp_table`]), as the
/// detectors run it: the classifier then runs once per scan, not once per detector.
pub fn otp_ctes_cached() -> [String; 3] {
    otp_ctes_from(&format!("SELECT msisdn, peer_key, ts FROM {OTP_TABLE}"))
}

fn otp_ctes_from(rows: &str) -> [String; 3] {
    [
        format!("otp AS ({rows})"),
        "recv AS (SELECT msisdn, count(*) AS otp_sms, distinct_count(peer_key) AS services, min(ts) AS first_seen, max(ts) AS last_seen FROM otp GROUP BY msisdn)".into(),
        "svc AS (SELECT msisdn, services FROM recv)".into(),
    ]
}

/// Name of the session's table of received OTPs (see [`ensure_otp_table`]).
pub const OTP_TABLE: &str = "otp_sms";

/// Registers `otp_sms(msisdn, peer_key, ts, node)`: every SMS to a subscriber that is an
/// OTP ([`OTP_PREDICATE`]), with its delivery node as text (NULL when not given; a
/// hostname of the inventory as that host's address),
/// computed once per session. Classifying content costs about a microsecond a message;
/// the detectors and linkage that need OTPs read this table instead of classifying again.
pub async fn ensure_otp_table(ctx: &SessionContext) -> Result<(), DataFusionError> {
    if ctx.table_exist(OTP_TABLE)? {
        return Ok(());
    }
    // An SMSC may name the peer that took delivery by its configured name rather than its
    // address: a name the inventory gives one single address is read as that address, so
    // that the node, its flows and its audit trail are one host.
    let (names, node, join) = if ctx.table_exist("assets")? {
        (
            format!("WITH {HOST_NAMES} "),
            "coalesce(n.ip, CAST(delivery_node AS VARCHAR))",
            "LEFT JOIN host_names n ON n.name = lower(CAST(delivery_node AS VARCHAR))",
        )
    } else {
        (String::new(), "CAST(delivery_node AS VARCHAR)", "")
    };
    let sql = format!(
        "{names}SELECT msisdn, peer_key, ts, {node} AS node FROM sms {join} \
         WHERE direction = 'MT' AND {OTP_PREDICATE}"
    );
    materialise(ctx, OTP_TABLE, &sql).await
}

/// Name of the session's table of live numbers among those whose codes a node took (see
/// [`ensure_live_numbers`]).
pub const LIVE_NUMBERS: &str = "live_numbers";

/// Registers `live_numbers(msisdn)`, once per session: of the numbers whose OTPs were
/// delivered to a node other than the radio network, those whose handset is in use —
/// some message to them reached the radio network, or they sent one. Their codes going
/// elsewhere is a diversion, not how their line works. Needs [`ensure_otp_table`].
pub async fn ensure_live_numbers(ctx: &SessionContext) -> Result<(), DataFusionError> {
    if ctx.table_exist(LIVE_NUMBERS)? {
        return Ok(());
    }
    let diverted =
        format!("SELECT msisdn FROM {OTP_TABLE} WHERE node IS NOT NULL AND lower(node) <> 'radio'");
    // Most operators' data has no code delivered off the radio network: then there is
    // nothing to look up, and the pass over `sms` is saved.
    let any = ctx
        .sql(&format!("{diverted} LIMIT 1"))
        .await?
        .collect()
        .await?;
    let filter = if any.iter().any(|b| b.num_rows() > 0) {
        format!("msisdn IN ({diverted})")
    } else {
        "FALSE".to_string()
    };
    materialise(
        ctx,
        LIVE_NUMBERS,
        &format!(
            "SELECT DISTINCT msisdn FROM sms WHERE (direction = 'MO' OR lower(CAST(delivery_node AS VARCHAR)) = 'radio') \
             AND {filter}"
        ),
    )
    .await
}

/// The per-number OTP aggregation on its own: per msisdn that received any OTP, its SMS
/// count, OTP count and distinct OTP services, ordered by msisdn. One pass over `sms`:
/// on Parquet sorted by number (what `convert` writes) the grouping streams, and each
/// number's senders are dropped as soon as the number is done.
pub fn otp_per_number() -> String {
    format!(
        "SELECT msisdn, count(*) AS sms, count(*) FILTER (WHERE is_otp) AS otp_sms, \
         distinct_count(peer_key) FILTER (WHERE is_otp) AS services \
         FROM (SELECT msisdn, peer_key, direction = 'MT' AND {OTP_PREDICATE} AS is_otp FROM sms) \
         GROUP BY msisdn HAVING count(*) FILTER (WHERE is_otp) > 0 ORDER BY msisdn"
    )
}

/// The common table expressions describing every sign-up (`registrations` row), ending
/// in `reg`: `account_id`, `platform`, `msisdn`, `device_id`, `ip`, `t` (epoch seconds),
/// `dev` (the device id as an IMEI, NULL when it is not one), `dev_offnet` (1 when that
/// IMEI was never seen in `attach` while the number is the operator's own, 0 when it was
/// seen, NULL when unknown: no IMEI, or another operator's number on a device we never
/// saw), `own_handset` (1 when the device attached with this very number: its holder's
/// phone, NULL when unknown), `device_numbers` (distinct numbers signed up with the same device id),
/// `burst_offnet` (sign-ups from the same address within `window_s` seconds either side
/// whose device is off the network — IMEI-changing software writes a new identity per
/// account), `burst_block` (sign-ups from the same address within the window with a
/// number of the same block — consecutive numbers of a leaked range).
pub fn signup_ctes(has_attach: bool, has_subscribers: bool, window_s: i64) -> Vec<String> {
    let mut ctes = vec![
        "reg0 AS (SELECT CAST(account_id AS VARCHAR) AS account_id, CAST(platform AS VARCHAR) AS platform, msisdn, \
         CAST(device_id AS VARCHAR) AS device_id, CAST(ip AS VARCHAR) AS ip, CAST(ts AS BIGINT) AS t, \
         imei_parse(CAST(device_id AS VARCHAR)) AS dev FROM registrations)"
            .to_string(),
        "devshare AS (SELECT device_id, count(*) AS device_numbers FROM \
         (SELECT DISTINCT device_id, msisdn FROM reg0 WHERE device_id IS NOT NULL) GROUP BY device_id)"
            .into(),
    ];
    let (net_join, offnet) = if has_attach {
        // Only the sign-ups' devices and numbers: the network's tens of millions would
        // otherwise all be held, to be looked up by a few hundred thousand sign-ups.
        ctes.push(
            "netdev AS (SELECT DISTINCT imei FROM attach WHERE imei IN (SELECT dev FROM reg0 WHERE dev IS NOT NULL))"
                .into(),
        );
        ctes.push(
            "ownpair AS (SELECT DISTINCT msisdn, imei FROM attach WHERE msisdn IN (SELECT msisdn FROM reg0))"
                .into(),
        );
        let ours = if has_subscribers {
            ctes.push(
                "ours AS (SELECT DISTINCT msisdn FROM subscribers WHERE msisdn IN (SELECT msisdn FROM reg0))"
                    .into(),
            );
            "o.msisdn IS NOT NULL"
        } else {
            "TRUE"
        };
        (
            format!(
                "LEFT JOIN netdev nd ON nd.imei = r.dev LEFT JOIN ownpair op ON op.msisdn = r.msisdn AND op.imei = r.dev {}",
                if has_subscribers {
                    "LEFT JOIN ours o ON o.msisdn = r.msisdn"
                } else {
                    ""
                }
            ),
            format!(
                "CASE WHEN r.dev IS NULL THEN CAST(NULL AS BIGINT) WHEN nd.imei IS NOT NULL THEN 0 WHEN {ours} THEN 1 ELSE CAST(NULL AS BIGINT) END"
            ),
        )
    } else {
        (String::new(), "CAST(NULL AS BIGINT)".to_string())
    };
    let own = if has_attach {
        "CASE WHEN r.dev IS NULL THEN CAST(NULL AS BIGINT) WHEN op.imei IS NOT NULL THEN 1 ELSE 0 END"
    } else {
        "CAST(NULL AS BIGINT)"
    };
    ctes.push(format!(
        "reg1 AS (SELECT r.*, {offnet} AS dev_offnet, {own} AS own_handset FROM reg0 r {net_join})"
    ));
    let frame = format!("ORDER BY t RANGE BETWEEN {window_s} PRECEDING AND {window_s} FOLLOWING");
    ctes.push(format!(
        "reg AS (SELECT r.*, coalesce(d.device_numbers, 0) AS device_numbers, \
         CASE WHEN r.ip IS NULL THEN 0 ELSE sum(coalesce(r.dev_offnet, 0)) OVER (PARTITION BY r.ip {frame}) END AS burst_offnet, \
         CASE WHEN r.ip IS NULL THEN 0 ELSE count(*) OVER (PARTITION BY r.ip, msisdn_block(r.msisdn) {frame}) END AS burst_block \
         FROM reg1 r LEFT JOIN devshare d ON d.device_id = r.device_id)"
    ));
    ctes
}

/// The detectors whose msisdn findings say a number's codes went to the code platform
/// (as SQL list), as opposed to numbers named in cases.
pub const NUMBER_SIDE: &str = "('otp_sink', 'leaked_block', 'core_interception')";

/// What `[inventory]` of `duanka.toml` is about.
pub const INVENTORY_ABOUT: &str = "inventory: what the roles of your asset inventory (assets.role) do; every inventory names them its own way";

crate::settings! {
    /// The role vocabulary of the asset inventory, shared by `rogue_host`,
    /// `core_interception` and `jump_host`. Roles are compared in lower case.
    InventorySettings {
        /// Roles of the nodes that carry SMS and signalling: talking to them is what a host
        /// stealing codes must do, and taking delivery of subscribers' messages is theirs
        /// alone to do.
        signalling_roles: Vec<String> = ["smsc", "smsgw", "hlr", "stp", "hss", "msc", "mme", "smsf", "ipsmgw", "signalling"]
            .map(String::from)
            .to_vec(),
        /// Parts of the role names of hosts that bind to an SMSC over SMPP by design (SMS
        /// and signalling nodes, value-added and notification platforms, SMS gateways, the
        /// SMS test lab), matched anywhere in the role: `sms-gateway`, `qa-lab`, ...
        smpp_role_parts: Vec<String> = ["sms", "smpp", "esme", "vas", "notif", "test", "lab", "gateway", "gw", "signal"]
            .map(String::from)
            .to_vec(),
        /// Roles of the hosts that hold connections abroad by design: the gateways.
        gateway_roles: Vec<String> = ["vpn", "jump", "proxy"].map(String::from).to_vec(),
    }
}

impl InventorySettings {
    /// SQL: the role in `column` is one of `signalling_roles`.
    pub fn signalling(&self, column: &str) -> String {
        role_in(column, &self.signalling_roles)
    }

    /// SQL: the role in `column` is one that binds to an SMSC by design; false for a
    /// missing role.
    pub fn smpp(&self, column: &str) -> String {
        let parts: Vec<String> = self
            .smpp_role_parts
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| format!("strpos(lower(coalesce({column}, '')), {}) > 0", quoted(p)))
            .collect();
        if parts.is_empty() {
            "FALSE".into()
        } else {
            format!("({})", parts.join(" OR "))
        }
    }

    /// SQL: the role in `column` is one of `gateway_roles`.
    pub fn gateway(&self, column: &str) -> String {
        role_in(column, &self.gateway_roles)
    }

    /// Whether `role` is one of `gateway_roles`.
    pub fn is_gateway(&self, role: &str) -> bool {
        self.gateway_roles
            .iter()
            .any(|g| g.trim().eq_ignore_ascii_case(role.trim()))
    }
}

/// A text as an SQL string literal, lower-cased.
fn quoted(text: &str) -> String {
    format!("'{}'", text.trim().to_lowercase().replace('\'', "''"))
}

/// SQL: `column` (lower-cased) is one of `roles`; false for a missing role.
fn role_in(column: &str, roles: &[String]) -> String {
    let items: Vec<String> = roles
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| quoted(r))
        .collect();
    if items.is_empty() {
        "FALSE".into()
    } else {
        format!("coalesce(lower({column}) IN ({}), false)", items.join(", "))
    }
}

/// The inventory as `inv(cidr, host, plen, role, owner, network, approves)`. `assets.ip`
/// is normalised to CIDR form, so a single address (`/32`, `/128`) gets its plain text in
/// `host` for an equi-join, and only the real blocks (`host` NULL) need the costly
/// containment test. `approves` tells the two kinds of row apart (contract 1.1): a host
/// row (a single address, or a block with a `role`, such as a DHCP pool of desktops)
/// approves its addresses as hosts; a range row (a block without a role) only says
/// which network its addresses belong to.
pub const INVENTORY: &str = "inv AS (SELECT c.cidr, \
     CASE WHEN c.cidr LIKE '%/32' OR c.cidr LIKE '%/128' THEN split_part(c.cidr, '/', 1) END AS host, \
     CAST(split_part(c.cidr, '/', 2) AS INT) AS plen, c.role, c.owner, c.network, \
     (c.cidr LIKE '%/32' OR c.cidr LIKE '%/128' OR c.role IS NOT NULL) AS approves FROM \
     (SELECT CAST(ip AS VARCHAR) AS cidr, nullif(trim(CAST(role AS VARCHAR)), '') AS role, \
     nullif(trim(CAST(owner AS VARCHAR)), '') AS owner, CAST(network AS VARCHAR) AS network FROM assets) c)";

/// `host_names(name, ip)`: the inventory's hostnames (lower-case) that name one single
/// address, for data that names a host instead of giving its address (an SMSC's peer,
/// the object of `create_host`).
pub const HOST_NAMES: &str = "host_names AS (SELECT lower(trim(CAST(hostname AS VARCHAR))) AS name, \
     min(split_part(CAST(ip AS VARCHAR), '/', 1)) AS ip FROM assets \
     WHERE hostname IS NOT NULL AND (CAST(ip AS VARCHAR) LIKE '%/32' OR CAST(ip AS VARCHAR) LIKE '%/128') \
     GROUP BY lower(trim(CAST(hostname AS VARCHAR))) HAVING count(DISTINCT CAST(ip AS VARCHAR)) = 1)";

/// Common table expressions that match the addresses of the table expression `addrs`
/// (one text column `ip`, distinct) against the inventory, ending in
/// `inv_match(ip, listed, role, owner, network, in_range)`: `listed` when a host row
/// names or covers the address, with that row's role and owner (the most specific row
/// wins); `network` from the host row, else from the narrowest range row covering it;
/// `in_range` when a range row covers it (an unlisted host of a declared network).
/// Includes [`INVENTORY`].
pub fn inventory_match(addrs: &str) -> Vec<String> {
    let mut ctes = vec![INVENTORY.to_string()];
    ctes.extend(inventory_match_into(addrs, "inv_match"));
    ctes
}

/// The same match as [`inventory_match`] under the name `out`, for a plan that already
/// holds [`INVENTORY`] and matches a second set of addresses.
pub fn inventory_match_into(addrs: &str, out: &str) -> Vec<String> {
    vec![
        format!(
            "{out}_hit AS (SELECT a.ip, i.plen, i.role, i.owner, i.network, i.approves FROM {addrs} a JOIN inv i ON i.host = a.ip \
             UNION ALL SELECT a.ip, i.plen, i.role, i.owner, i.network, i.approves FROM {addrs} a \
             CROSS JOIN (SELECT * FROM inv WHERE host IS NULL) i WHERE ip_in_cidr(a.ip, i.cidr))"
        ),
        format!(
            "{out} AS (SELECT a.ip, coalesce(bool_or(h.approves), false) AS listed, \
             first_value(h.role ORDER BY h.approves DESC, h.plen DESC) AS role, \
             first_value(h.owner ORDER BY h.approves DESC, h.plen DESC) AS owner, \
             first_value(h.network ORDER BY h.approves DESC, h.plen DESC) AS network, \
             coalesce(bool_or(NOT h.approves), false) AS in_range \
             FROM {addrs} a LEFT JOIN {out}_hit h ON h.ip = a.ip GROUP BY a.ip)"
        ),
    ]
}

/// Name of the per-pair summary of `flows` (see [`ensure_flow_tables`]).
pub const FLOW_PAIRS: &str = "flow_pairs";
/// Name of the per-address summary of `flows` (see [`ensure_flow_tables`]).
pub const FLOW_HOSTS: &str = "flow_hosts";

/// Registers two summaries of `flows`, computed once per session and shared by every
/// detector and by linkage (flow records are the largest table; each plan re-reading
/// them cost a pass per reference):
/// - `flow_pairs(src, dst, flows, secs, longest, t0, t1, bytes, smpp, ssh)`: per (source,
///   destination) the flow count, summed and longest duration, first start, last end, bytes, and the
///   flows to the SMPP ports (2775, and 3550 for SMPP over TLS) and to SSH (22);
/// - `flow_hosts(ip, listed, role, owner, network, in_range, country, private, net, own_net)`:
///   per address seen, whether a host row of the inventory lists it, with that row's
///   role and owner, its network, whether a range row covers it (see
///   [`inventory_match`]), its `geoip` country upper-case (or PRIVATE / UNKNOWN) and
///   whether it is private, its network (`net`: IPv4 /16, IPv6 first three groups) and
///   whether it is the operator's own (`own_net`: the inventory has addresses in that
///   network, or a range row covers it). Without `assets` nothing is listed.
///
/// They are ordinary in-memory tables, so the plans that read them run anywhere.
pub async fn ensure_flow_tables(
    ctx: &SessionContext,
    has_assets: bool,
) -> Result<(), DataFusionError> {
    if ctx.table_exist(FLOW_HOSTS)? {
        return Ok(());
    }
    let pairs = "SELECT CAST(src_ip AS VARCHAR) AS src, CAST(dst_ip AS VARCHAR) AS dst, count(*) AS flows, \
         sum(CAST(ts_end AS BIGINT) - CAST(ts_start AS BIGINT)) AS secs, \
         max(CAST(ts_end AS BIGINT) - CAST(ts_start AS BIGINT)) AS longest, CAST(min(ts_start) AS BIGINT) AS t0, \
         CAST(max(ts_end) AS BIGINT) AS t1, sum(bytes) AS bytes, \
         sum(CASE WHEN dst_port IN (2775, 3550) THEN 1 ELSE 0 END) AS smpp, sum(CASE WHEN dst_port = 22 THEN 1 ELSE 0 END) AS ssh \
         FROM flows GROUP BY src_ip, dst_ip";
    materialise(ctx, FLOW_PAIRS, pairs).await?;
    let mut ctes = vec![format!(
        "ends AS (SELECT src AS ip FROM {FLOW_PAIRS} UNION SELECT dst AS ip FROM {FLOW_PAIRS})"
    )];
    // The address's network: first two octets of IPv4, first three groups of IPv6.
    const NET: &str = "CASE WHEN strpos(e_ip, ':') > 0 THEN concat_ws(':', split_part(e_ip, ':', 1), split_part(e_ip, ':', 2), split_part(e_ip, ':', 3)) \
         ELSE concat_ws('.', split_part(e_ip, '.', 1), split_part(e_ip, '.', 2)) END";
    let hosts = if has_assets {
        ctes.extend(inventory_match("ends"));
        ctes.push(format!(
            "nets AS (SELECT DISTINCT {} AS net FROM inv)",
            NET.replace("e_ip", "split_part(cidr, '/', 1)")
        ));
        format!(
            "SELECT m.ip, CASE WHEN m.listed THEN 1 ELSE 0 END AS listed, m.role, m.owner, m.network, m.in_range, \
             upper(ip_country(m.ip)) AS country, coalesce(ip_is_private(m.ip), false) AS private, {} AS net, \
             (n.net IS NOT NULL OR m.in_range) AS own_net FROM inv_match m LEFT JOIN nets n ON n.net = {}",
            NET.replace("e_ip", "m.ip"),
            NET.replace("e_ip", "m.ip")
        )
    } else {
        format!(
            "SELECT ip, 0 AS listed, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS VARCHAR) AS owner, \
             CAST(NULL AS VARCHAR) AS network, false AS in_range, \
             upper(ip_country(ip)) AS country, coalesce(ip_is_private(ip), false) AS private, {} AS net, \
             false AS own_net FROM ends",
            NET.replace("e_ip", "ip")
        )
    };
    materialise(
        ctx,
        FLOW_HOSTS,
        &format!("WITH {} {hosts}", ctes.join(", ")),
    )
    .await
}

/// Gives `attach` rows that carry only an IMSI the number of that SIM from
/// `subscribers`, once per session, so that every detector and linkage sees the radio
/// presence of a number however the attach feed was exported (`attach.msisdn` is
/// optional in the contract; many core networks log the IMSI alone). An IMSI the
/// register gives two numbers keeps none: a guess would put one number's presence on
/// another.
pub async fn resolve_attach_numbers(
    ctx: &SessionContext,
    present: &[String],
) -> Result<(), DataFusionError> {
    if !["attach", "subscribers"]
        .iter()
        .all(|t| present.iter().any(|p| p == t))
    {
        return Ok(());
    }
    let missing = ctx
        .sql("SELECT count(*) AS n FROM attach WHERE msisdn IS NULL")
        .await?
        .collect()
        .await?;
    let n = missing
        .first()
        .and_then(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
        })
        .map_or(0, |a| a.value(0));
    if n == 0 {
        return Ok(());
    }
    let schema = ctx.table("attach").await?.schema().as_arrow().clone();
    let cols: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            "msisdn" => "coalesce(a.msisdn, s.msisdn) AS msisdn".to_string(),
            name => format!("a.\"{name}\""),
        })
        .collect();
    let sql = format!(
        "SELECT {} FROM attach_raw a LEFT JOIN (SELECT imsi, min(msisdn) AS msisdn FROM subscribers \
         WHERE imsi IS NOT NULL GROUP BY imsi HAVING min(msisdn) = max(msisdn)) s ON s.imsi = a.imsi",
        cols.join(", ")
    );
    let raw = ctx
        .deregister_table("attach")?
        .ok_or_else(|| DataFusionError::Plan("attach is not registered".into()))?;
    ctx.register_table("attach_raw", raw)?;
    materialise(ctx, "attach", &sql).await?;
    ctx.deregister_table("attach_raw")?;
    Ok(())
}

/// Registers named columns as the session table `name`, replacing any table of that
/// name: how a detector hands a list it computed (findings, a frontier) to its next plan.
pub fn register_columns(
    ctx: &SessionContext,
    name: &str,
    columns: Vec<(&str, arrow::array::ArrayRef)>,
) -> Result<(), DataFusionError> {
    use std::sync::Arc;

    let fields: Vec<arrow::datatypes::Field> = columns
        .iter()
        .map(|(n, a)| arrow::datatypes::Field::new(*n, a.data_type().clone(), a.null_count() > 0))
        .collect();
    let schema = Arc::new(arrow::datatypes::Schema::new(fields));
    let batch = arrow::array::RecordBatch::try_new(
        Arc::clone(&schema),
        columns.into_iter().map(|(_, a)| a).collect(),
    )?;
    duanka_query::register_result(ctx, name, schema, vec![vec![batch]])
}

/// Runs `sql` over the session, then drops the session tables `scratch` (which the
/// caller materialised for it), whether the plan ran or not.
pub(crate) async fn collect_then_drop(
    ctx: &SessionContext,
    sql: &str,
    scratch: &[&str],
) -> Result<Vec<arrow::array::RecordBatch>, DataFusionError> {
    let ran = match ctx.sql(sql).await {
        Ok(df) => df.collect().await,
        Err(e) => Err(e),
    };
    for name in scratch {
        ctx.deregister_table(*name)?;
    }
    ran
}

/// Runs `sql` and registers its result as the session table `name` (in memory, or in a
/// cluster session's scratch folder).
pub(crate) async fn materialise(
    ctx: &SessionContext,
    name: &str,
    sql: &str,
) -> Result<(), DataFusionError> {
    duanka_query::materialise(ctx, name, sql).await
}
