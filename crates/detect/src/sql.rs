//! SQL pieces shared by several detectors (and by the benchmark that compares duanka's
//! per-number OTP aggregation with other engines), so that there is one definition of
//! "an OTP row" and one way of counting services per number.

/// An SMS row is an OTP when its category says so, or, where the category is empty, when
/// the OTP classifier recognises its content.
pub const OTP_PREDICATE: &str =
    "(category = 'otp' OR (category IS NULL AND content IS NOT NULL AND sms_is_otp(content)))";

/// The common table expressions of the per-number OTP aggregation: `otp` (the OTP rows
/// received), `pairs` (per number and sender: OTPs, first and last — the DISTINCT step of
/// its own, on the integer `peer_key`; see ARCHITECTURE.md on why never
/// `count(DISTINCT <string>)` per group), `recv` (per number: OTPs, distinct OTP senders,
/// first and last) and `svc` (per number: distinct OTP senders).
///
/// `recv` carries the services itself so that one pass over the OTP rows answers both
/// counts: on `sms` sorted by number (the Parquet cache), both steps stream.
pub fn otp_ctes() -> [String; 4] {
    [
        format!(
            "otp AS (SELECT msisdn, peer_key, ts FROM sms WHERE direction = 'MT' AND {OTP_PREDICATE})"
        ),
        "pairs AS (SELECT msisdn, peer_key, count(*) AS n, min(ts) AS first_seen, max(ts) AS last_seen FROM otp GROUP BY msisdn, peer_key)".into(),
        "recv AS (SELECT msisdn, sum(n) AS otp_sms, count(*) AS services, min(first_seen) AS first_seen, max(last_seen) AS last_seen FROM pairs GROUP BY msisdn)".into(),
        "svc AS (SELECT msisdn, services FROM recv)".into(),
    ]
}

/// The per-number OTP aggregation on its own: per msisdn that received any OTP, its SMS
/// count, OTP count and distinct OTP services, ordered by msisdn.
pub fn otp_per_number() -> String {
    format!(
        "WITH {}, allsms AS (SELECT msisdn, count(*) AS sms FROM sms GROUP BY msisdn) \
         SELECT r.msisdn, a.sms, r.otp_sms, r.services FROM recv r \
         JOIN allsms a ON a.msisdn = r.msisdn ORDER BY r.msisdn",
        otp_ctes().join(", ")
    )
}
