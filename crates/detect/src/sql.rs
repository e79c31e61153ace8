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
