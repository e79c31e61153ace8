//! The SMS classifier against real messages (issue 14): the labelled set that
//! `bench/otp-text.sh` builds from pinned public corpora. The messages belong to their
//! publishers and are not in the repository (only the labels are), so the set is read
//! from `DUANKA_OTP_TEXT` or `bench/otp-text/labelled.tsv`. Building it downloads the
//! sources, so this test is ignored by a plain `cargo test` (an offline clone has no
//! set to check) and run by `bench/otp-text.sh`, where a missing set is a failure. The
//! issue's own example messages are pinned as unit tests in `src/sms.rs` and run
//! everywhere.

#[allow(dead_code)]
#[path = "common/otp_score.rs"]
mod otp_score;

use std::path::{Path, PathBuf};

use otp_score::{MIN_OTPS, PRECISION_GOAL, SERVICE_GOAL, parse, recall_goal, score};

#[test]
#[ignore = "needs the labelled set that bench/otp-text.sh builds from the pinned sources"]
fn real_text_meets_the_goals() {
    let path = std::env::var_os("DUANKA_OTP_TEXT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/otp-text/labelled.tsv"),
        PathBuf::from,
    );
    let tsv = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "no labelled set at {} ({e}): run bench/otp-text.sh to build it",
            path.display()
        )
    });
    let set = parse(&tsv);
    assert!(!set.is_empty(), "{} holds no messages", path.display());
    // Dev and test pooled: each half holds only 20–25 Chinese OTPs; the per-split
    // figures are what bench/otp-text.sh reports. A language with fewer than MIN_OTPS
    // OTPs is reported there but held to no goal here: one message would swing it.
    let mut failures = Vec::new();
    let by_lang = score(&set, |m| m.lang.clone(), |_, _| {});
    let (mut named, mut signed) = (0, 0);
    for (lang, c) in &by_lang {
        named += c.named;
        signed += c.signed;
        if c.otps() < MIN_OTPS {
            continue;
        }
        if c.precision() < PRECISION_GOAL {
            failures.push(format!("{lang}: precision {:.3}", c.precision()));
        }
        if c.recall() < recall_goal(lang) {
            failures.push(format!("{lang}: recall {:.3}", c.recall()));
        }
    }
    let rate = named as f64 / signed.max(1) as f64;
    if rate < SERVICE_GOAL {
        failures.push(format!("service named for {rate:.3} of signed OTPs"));
    }
    assert!(
        failures.is_empty(),
        "below the goals:\n{}",
        failures.join("\n")
    );
}
