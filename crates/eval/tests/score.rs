#![allow(clippy::unwrap_used)]
//! Scores of hand-made scan outputs whose right answers are known: perfect, empty, half
//! right.

use std::path::{Path, PathBuf};

use duanka_eval::{evaluate, render_table};

const TRUTH: &str = "entity_type,entity_id,label
msisdn,8613300000001,otp_sink
msisdn,8613300000002,otp_sink
msisdn,8613300000003,otp_sink
msisdn,8613300000004,otp_sink
account,wxid_a,bulk_account
account,wxid_b,bulk_account
ip,10.1.2.106,rogue_host
ip,45.76.1.10,jump_host
user,zhou.bin,insider
case,JJ1,linked_case
case,JJ2,linked_case
case,JJ3,other_gang_case
";

const NEGATIVES: &str = "entity_type,entity_id,kind
msisdn,8613399999999,shop_many_otp
";

fn setup(name: &str, alerts: &[String], clusters: Option<&[String]>) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("duanka-eval-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("scan");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(dir.join("truth.csv"), TRUTH).unwrap();
    std::fs::write(dir.join("hard_negatives.csv"), NEGATIVES).unwrap();
    std::fs::write(out.join("alerts.jsonl"), alerts.join("\n")).unwrap();
    if let Some(c) = clusters {
        std::fs::write(out.join("clusters.jsonl"), c.join("\n")).unwrap();
    }
    (dir, out)
}

fn alert(detector: &str, ty: &str, id: &str, severity: &str) -> String {
    format!(
        r#"{{"detector":"{detector}","entity_type":"{ty}","entity_id":"{id}","score":0.9,"severity":"{severity}","first_seen":0,"last_seen":0,"explanation":"x","evidence":{{}}}}"#
    )
}

fn cluster(id: &str, cases: &[&str], members: &[(&str, &str)]) -> String {
    let cases: Vec<String> = cases.iter().map(|c| format!("\"{c}\"")).collect();
    let members: Vec<String> = members
        .iter()
        .map(|(t, i)| format!(r#"{{"entity_type":"{t}","entity_id":"{i}"}}"#))
        .collect();
    format!(
        r#"{{"cluster_id":"{id}","case_ids":[{}],"total_loss":100,"members":[{}],"chain":[]}}"#,
        cases.join(","),
        members.join(",")
    )
}

fn run(dir: &Path, out: &Path) -> duanka_eval::Report {
    evaluate(
        &dir.join("truth.csv"),
        Some(&dir.join("hard_negatives.csv")),
        out,
        "medium",
    )
    .unwrap()
}

#[test]
fn perfect_output_scores_one_everywhere() {
    let truth: Vec<(&str, &str, &str)> = TRUTH
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[1], f[2])
        })
        .collect();
    let alerts: Vec<String> = truth
        .iter()
        .map(|(t, id, l)| alert(l, t, id, "high"))
        .collect();
    let clusters = [cluster(
        "c0001",
        &["JJ1", "JJ2"],
        &[
            ("account", "wxid_a"),
            ("ip", "10.1.2.106"),
            ("ip", "45.76.1.10"),
            ("user", "zhou.bin"),
        ],
    )];
    let (dir, out) = setup("perfect", &alerts, Some(&clusters));
    let r = run(&dir, &out);
    for (label, s) in &r.per_label {
        assert_eq!(s.precision, Some(1.0), "{label}");
        assert_eq!(s.recall, Some(1.0), "{label}");
        assert_eq!(s.f1, Some(1.0), "{label}");
    }
    assert_eq!(r.overall.f1, Some(1.0));
    assert!(r.false_positives_by_kind.is_empty());
    assert_eq!(r.chain.share_linked_in_one_cluster, 1.0);
    assert_eq!(r.chain.unrelated_cases_merged, 0);
    assert!(r.chain.reaches_rogue_host && r.chain.reaches_jump_host && r.chain.reaches_insider);
    assert!(render_table(&r).contains("reaches the insider           yes"));
}

#[test]
fn empty_output_finds_nothing() {
    let (dir, out) = setup("empty", &[], None);
    let r = run(&dir, &out);
    let s = &r.per_label["otp_sink"];
    assert_eq!((s.predicted, s.positives, s.true_positives), (0, 4, 0));
    assert_eq!(s.precision, None);
    assert_eq!(s.recall, Some(0.0));
    assert_eq!(s.f1, None);
    assert_eq!(r.overall.recall, Some(0.0));
    assert_eq!(r.chain.clusters, 0);
    assert_eq!(r.chain.chain_cluster, None);
    assert!(!r.chain.reaches_rogue_host);
}

#[test]
fn half_right_output_scores_one_half() {
    let alerts = vec![
        alert("otp_sink", "msisdn", "8613300000001", "high"),
        alert("otp_sink", "msisdn", "8613300000002", "medium"),
        alert("otp_sink", "msisdn", "8613399999999", "high"),
        alert("otp_sink", "msisdn", "8613388888888", "medium"),
        // A lead, not a claim: ignored.
        alert("otp_sink", "msisdn", "8613377777777", "low"),
        alert("bulk_account", "account", "wxid_a", "high"),
        alert("bulk_account", "account", "wxid_zzz", "high"),
    ];
    let clusters = [
        cluster("c0001", &["JJ1", "JJ3"], &[("account", "wxid_a")]),
        cluster("c0002", &["JJ2"], &[("ip", "10.1.2.106")]),
    ];
    let (dir, out) = setup("half", &alerts, Some(&clusters));
    let r = run(&dir, &out);
    assert_eq!(r.alerts_below_severity, 1);
    for label in ["otp_sink", "bulk_account"] {
        let s = &r.per_label[label];
        assert_eq!(s.precision, Some(0.5), "{label}");
        assert_eq!(s.recall, Some(0.5), "{label}");
        assert_eq!(s.f1, Some(0.5), "{label}");
    }
    assert_eq!(r.per_label["insider"].recall, Some(0.0));
    let m = &r.per_entity_type["msisdn"];
    assert_eq!((m.predicted, m.positives, m.true_positives), (4, 4, 2));
    assert_eq!(r.false_positives_by_kind["shop_many_otp"], 1);
    assert_eq!(r.false_positives_by_kind["other"], 2);
    // Ties go to the higher-ranked cluster: c0001 holds one linked and one unrelated case.
    assert_eq!(r.chain.chain_cluster.as_deref(), Some("c0001"));
    assert_eq!(r.chain.share_linked_in_one_cluster, 0.5);
    assert_eq!(r.chain.unrelated_cases_merged, 1);
    assert!(!r.chain.reaches_rogue_host);
}

#[test]
fn malformed_alert_names_its_line() {
    let (dir, out) = setup(
        "bad",
        &[alert("x", "msisdn", "1", "high"), "{not json".into()],
        None,
    );
    let e = evaluate(&dir.join("truth.csv"), None, &out, "medium").unwrap_err();
    assert!(e.to_string().contains("alerts.jsonl:2"), "{e}");
}
