//! SQL pieces shared by several detectors (and by the benchmark that compares duanka's
//! per-number OTP aggregation with other engines), so that there is one definition of
//! "an OTP row" and one way of counting services per number.

/// An SMS row is an OTP when its category says so, or, where the category is empty, when
/// the OTP classifier recognises its content.
pub const OTP_PREDICATE: &str =
    "(category = 'otp' OR (category IS NULL AND content IS NOT NULL AND sms_is_otp(content)))";

/// The common table expressions of the per-number OTP aggregation: `otp` (the OTP rows
/// received), `recv` (per number: OTPs, first and last), `svc` (per number: distinct
/// OTP senders, counted on the integer `peer_key` in a DISTINCT step of its own — see
/// ARCHITECTURE.md on why never `count(DISTINCT <string>)` per group).
pub fn otp_ctes() -> [String; 3] {
    [
        format!(
            "otp AS (SELECT msisdn, peer_key, ts FROM sms WHERE direction = 'MT' AND {OTP_PREDICATE})"
        ),
        "recv AS (SELECT msisdn, count(*) AS otp_sms, min(ts) AS first_seen, max(ts) AS last_seen FROM otp GROUP BY msisdn)".into(),
        "svc AS (SELECT msisdn, count(*) AS services FROM (SELECT DISTINCT msisdn, peer_key FROM otp) GROUP BY msisdn)".into(),
    ]
}

/// The per-number OTP aggregation on its own: per msisdn that received any OTP, its SMS
/// count, OTP count and distinct OTP services, ordered by msisdn.
pub fn otp_per_number() -> String {
    format!(
        "WITH {}, allsms AS (SELECT msisdn, count(*) AS sms FROM sms GROUP BY msisdn) \
         SELECT r.msisdn, a.sms, r.otp_sms, s.services FROM recv r JOIN svc s ON s.msisdn = r.msisdn \
         JOIN allsms a ON a.msisdn = r.msisdn ORDER BY r.msisdn",
        otp_ctes().join(", ")
    )
}

/// The common table expressions describing every sign-up (`registrations` row), ending
/// in `reg`: `account_id`, `platform`, `msisdn`, `device_id`, `ip`, `t` (epoch seconds),
/// `dev` (the device id as an IMEI, NULL when it is not one), `dev_offnet` (1 when that
/// IMEI was never seen in `attach` while the number is the operator's own, NULL when
/// unknown), `device_numbers` (distinct numbers signed up with the same device id),
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
        ctes.push("netdev AS (SELECT DISTINCT imei FROM attach)".into());
        let ours = if has_subscribers {
            ctes.push("ours AS (SELECT DISTINCT msisdn FROM subscribers)".into());
            "o.msisdn IS NOT NULL"
        } else {
            "TRUE"
        };
        (
            format!(
                "LEFT JOIN netdev nd ON nd.imei = r.dev {}",
                if has_subscribers {
                    "LEFT JOIN ours o ON o.msisdn = r.msisdn"
                } else {
                    ""
                }
            ),
            format!(
                "CASE WHEN r.dev IS NULL THEN CAST(NULL AS BIGINT) WHEN nd.imei IS NULL AND {ours} THEN 1 ELSE 0 END"
            ),
        )
    } else {
        (String::new(), "CAST(NULL AS BIGINT)".to_string())
    };
    ctes.push(format!(
        "reg1 AS (SELECT r.*, {offnet} AS dev_offnet FROM reg0 r {net_join})"
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

/// Roles (`assets.role`) of the nodes that carry SMS and signalling: talking to them is
/// what a host stealing codes must do.
pub const SIGNALLING_ROLES: &str =
    "('smsc', 'smsgw', 'hlr', 'stp', 'hss', 'msc', 'mme', 'signalling')";

/// The common table expressions describing the hosts seen in `flows`, ending in `hosts`:
/// `f` (flows with text addresses and epoch seconds), `ends` (every address seen),
/// `hosts` (`ip`, `listed` 1/0, `role`, `network` from the inventory; an address is
/// listed when an `assets` row names it or a CIDR row covers it, matched with an
/// equi-join for plain addresses and a cross join only against the few CIDR rows).
/// Without `assets`, nothing is listed.
pub fn host_ctes(has_assets: bool) -> Vec<String> {
    let mut ctes = vec![
        "f AS (SELECT CAST(src_ip AS VARCHAR) AS src, CAST(dst_ip AS VARCHAR) AS dst, src_port, dst_port, \
         CAST(ts_start AS BIGINT) AS t0, CAST(ts_end AS BIGINT) AS t1, bytes FROM flows)"
            .to_string(),
        "ends AS (SELECT src AS ip FROM f UNION SELECT dst AS ip FROM f)".into(),
    ];
    if has_assets {
        ctes.push(
            "inv AS (SELECT CAST(ip AS VARCHAR) AS cidr, CAST(role AS VARCHAR) AS role, CAST(network AS VARCHAR) AS network FROM assets)"
                .into(),
        );
        ctes.push(
            "hit AS (SELECT e.ip, i.role, i.network FROM ends e JOIN inv i ON i.cidr = e.ip \
             UNION ALL SELECT e.ip, i.role, i.network FROM ends e CROSS JOIN (SELECT * FROM inv WHERE strpos(cidr, '/') > 0) i \
             WHERE ip_in_cidr(e.ip, i.cidr))"
                .into(),
        );
        ctes.push(
            "hosts AS (SELECT e.ip, CASE WHEN count(h.ip) > 0 THEN 1 ELSE 0 END AS listed, min(h.role) AS role, min(h.network) AS network \
             FROM ends e LEFT JOIN hit h ON h.ip = e.ip GROUP BY e.ip)"
                .into(),
        );
    } else {
        ctes.push(
            "hosts AS (SELECT ip, 0 AS listed, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS VARCHAR) AS network FROM ends)"
                .into(),
        );
    }
    ctes
}
