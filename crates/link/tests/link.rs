#![allow(clippy::unwrap_used)]
// Money in fen is written yuan_fen (`150_000_00`), so the fen stay visible.
#![allow(clippy::inconsistent_digit_grouping)]
//! Hand-built graphs whose right answers are known: the two gangs with a shared victim,
//! each hub pattern, chains with a missing link, the warning tiers, the exports, and
//! determinism under shuffled input.

use duanka_link::{
    Contact, EntityType as T, GraphBuilder, LinkError, Linked, Provenance, Scope, Settings, Tier,
    Via,
};
use duanka_model::Severity;

/// One thing fed to the builder; tests shuffle lists of these.
#[derive(Clone, Debug)]
enum Op {
    Case(String, i64),
    Link(T, String, T, String, Via, u32),
    Transfer(String, String, i64),
    Mark(T, String, &'static str, f64, Severity),
    Contact(String, String, Contact),
    Common(T, String, &'static str),
}

fn link(ft: T, f: &str, tt: T, t: &str, via: Via) -> Op {
    Op::Link(ft, f.into(), tt, t.into(), via, 1)
}

fn apply(ops: &[Op], s: &Settings) -> Linked {
    let mut g = GraphBuilder::new();
    for op in ops {
        match op {
            Op::Case(id, loss) => {
                g.case(id, Some(*loss)).unwrap();
            }
            Op::Link(ft, f, tt, t, via, rows) => {
                let ts = 1_760_000_000 + i64::from(*rows) * 60;
                g.link_ids(
                    (*ft, f),
                    (*tt, t),
                    *via,
                    Provenance::span(*rows, ts, ts + 10),
                )
                .unwrap();
            }
            Op::Transfer(f, t, amount) => {
                let a = g.entity(T::Account, f).unwrap();
                let b = g.entity(T::Account, t).unwrap();
                g.transfer(a, b, *amount, Provenance::at(1_760_100_000))
                    .unwrap();
            }
            Op::Mark(t, id, det, score, sev) => {
                let n = g.entity(*t, id).unwrap();
                g.mark(n, det, *score, *sev).unwrap();
            }
            Op::Contact(a, b, c) => {
                let a = g.entity(T::Msisdn, a).unwrap();
                let b = g.entity(T::Msisdn, b).unwrap();
                g.contact(a, b, *c).unwrap();
            }
            Op::Common(t, id, why) => {
                let n = g.entity(*t, id).unwrap();
                g.declare_common(n, why).unwrap();
            }
        }
    }
    g.build(s)
}

/// The case ids of every cluster, in rank order.
fn case_groups(l: &Linked) -> Vec<Vec<String>> {
    l.clusters().iter().map(|c| c.case_ids.clone()).collect()
}

fn small_hubs() -> Settings {
    Settings {
        hub_floor: 5,
        ..Settings::default()
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const ROGUE: &str = "10.1.2.106";
const JUMP: &str = "45.76.1.10";
const SHARED_VICTIM: &str = "8618900000099";

/// The seed's chain (gang A: bulk accounts on leaked numbers whose codes go through a
/// rogue host, a jump host abroad and an insider) and an unrelated gang B (calls from
/// three numbers, its own mules), with one victim in common and the ordinary network's
/// SMSC and proxy around them.
fn two_gangs() -> Vec<Op> {
    let mut ops = vec![
        Op::Mark(
            T::Ip,
            ROGUE.into(),
            "core_interception",
            0.95,
            Severity::High,
        ),
        link(T::Ip, ROGUE, T::Ip, JUMP, Via::FlowPeer),
        link(T::Ip, ROGUE, T::User, "zhou.bin", Via::AuditObject),
        link(T::Ip, ROGUE, T::User, "zhou.bin", Via::AuditSrcIp),
        link(T::Ip, "10.0.8.15", T::Ip, ROGUE, Via::FlowPeer),
        link(T::Ip, "10.0.8.15", T::User, "zhou.bin", Via::AuditSrcIp),
        link(T::Ip, ROGUE, T::Ip, "10.0.0.5", Via::FlowPeer),
        Op::Common(T::Ip, "10.0.0.5".into(), "asset inventory: smsc"),
    ];
    for k in 1..=12 {
        let num = format!("86133000000{k:02}");
        let acct = format!("wxid_a{k:02}");
        ops.push(link(T::Msisdn, &num, T::Ip, ROGUE, Via::DeliveryNode));
        ops.push(Op::Mark(
            T::Msisdn,
            num.clone(),
            "otp_sink",
            0.9,
            Severity::High,
        ));
        ops.push(link(T::Account, &acct, T::Msisdn, &num, Via::SignupMsisdn));
        ops.push(link(T::Account, &acct, T::Ip, "103.20.0.7", Via::SignupIp));
        ops.push(link(
            T::Account,
            &acct,
            T::Device,
            &format!("dev_a{k:02}"),
            Via::SignupDevice,
        ));
    }
    for k in 1..=4 {
        let case = format!("A{k}");
        let payee = format!("6222A{k}");
        let victim = if k == 1 {
            SHARED_VICTIM.to_string()
        } else {
            format!("86189000000{k:02}")
        };
        ops.push(Op::Case(case.clone(), 100_000_00 * k));
        ops.push(link(
            T::Case,
            &case,
            T::Account,
            &format!("wxid_a{k:02}"),
            Via::CaseFraudAccount,
        ));
        ops.push(link(T::Case, &case, T::Account, &payee, Via::CasePayee));
        ops.push(link(T::Case, &case, T::Msisdn, &victim, Via::CaseVictim));
        ops.push(Op::Transfer(
            format!("6217V{k}"),
            payee.clone(),
            100_000_00 * k,
        ));
        ops.push(Op::Transfer(
            payee.clone(),
            format!("6228M{k}"),
            97_000_00 * k,
        ));
    }
    // Three numbers shared over the gang's cases: B1 and B2 used the first, B2 and B3
    // the second, B3 also the third.
    for (k, nums) in [(1, &[1][..]), (2, &[1, 2][..]), (3, &[2, 3][..])] {
        let case = format!("B{k}");
        let num = format!("861800000000{}", nums[0]);
        let payee = format!("6222B{k}");
        let victim = if k == 1 {
            SHARED_VICTIM.to_string()
        } else {
            format!("86188000000{k:02}")
        };
        ops.push(Op::Case(case.clone(), 20_000_00 * k));
        for n in nums {
            ops.push(link(
                T::Case,
                &case,
                T::Msisdn,
                &format!("861800000000{n}"),
                Via::CaseFraudMsisdn,
            ));
        }
        ops.push(link(T::Case, &case, T::Account, &payee, Via::CasePayee));
        ops.push(link(T::Case, &case, T::Msisdn, &victim, Via::CaseVictim));
        ops.push(Op::Transfer(
            payee.clone(),
            format!("6228N{k}"),
            19_000_00 * k,
        ));
        // Every gang-B number also called the shared victim.
        ops.push(Op::Contact(
            SHARED_VICTIM.into(),
            num.clone(),
            Contact {
                calls: 2,
                talk_s: 300,
                sms: 0,
                last_ts: Some(1_760_200_000),
            },
        ));
    }
    ops
}

#[test]
fn two_gangs_with_a_shared_victim_stay_apart() {
    let l = apply(&two_gangs(), &Settings::default());
    assert_eq!(
        case_groups(&l),
        vec![strs(&["A1", "A2", "A3", "A4"]), strs(&["B1", "B2", "B3"])]
    );
    let a = &l.clusters()[0];
    assert_eq!(a.cluster_id, "c0001");
    assert_eq!(a.total_loss, 1_000_000_00);
    let has = |t: T, id: &str| {
        a.members
            .iter()
            .any(|m| m.entity_type == t && m.entity_id == id)
    };
    assert!(has(T::Ip, ROGUE) && has(T::Ip, JUMP) && has(T::User, "zhou.bin"));
    assert!(
        has(T::Account, "6228M3"),
        "second-level mule joins through the payee"
    );
    assert!(
        !has(T::Account, "6217V3"),
        "the victim's card paid the payee; it is no member"
    );
    assert!(!has(T::Msisdn, SHARED_VICTIM));
    assert!(!has(T::Ip, "10.0.0.5"), "the SMSC is common infrastructure");
    assert_eq!(a.members_by_type.get("msisdn"), Some(&12));
    assert!(a.hubs.iter().any(|h| h.entity_id == "10.0.0.5"));

    let chain: Vec<(&str, &str, Option<&str>)> = a
        .chain
        .iter()
        .map(|h| {
            (
                h.entity_type.as_str(),
                h.entity_id.as_str(),
                h.via.map(|v| v.as_str()),
            )
        })
        .collect();
    assert_eq!(
        chain,
        vec![
            ("case", "A1", None),
            ("account", "wxid_a01", Some("cases.fraud_account")),
            ("msisdn", "8613300000001", Some("registrations.msisdn")),
            ("ip", ROGUE, Some("sms.delivery_node")),
            ("user", "zhou.bin", Some("audit.src_ip")),
        ]
    );
    assert_eq!(a.stop, None);

    let b = &l.clusters()[1];
    assert_eq!(b.total_loss, 120_000_00);
    assert_eq!(b.chain.len(), 2);
    assert_eq!(
        b.stop.as_deref(),
        Some("no delivery node known for 8618000000001: no sms.delivery_node links it")
    );
}

#[test]
fn linking_on_victims_alone_would_merge_the_gangs() {
    // The control: the same world with the victim link treated as a fraud-side link
    // (a shared fraud number) does merge, so the test above is not vacuous.
    let mut ops = two_gangs();
    ops.push(link(
        T::Case,
        "A1",
        T::Msisdn,
        "8618000000001",
        Via::CaseFraudMsisdn,
    ));
    let l = apply(&ops, &Settings::default());
    assert_eq!(l.clusters().len(), 1);
    assert_eq!(l.clusters()[0].case_ids.len(), 7);
}

#[test]
fn json_lines_keep_the_contract_fields_first() {
    let l = apply(&two_gangs(), &Settings::default());
    let mut out = Vec::new();
    l.write_clusters_jsonl(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with(
        r#"{"cluster_id":"c0001","case_ids":["A1","A2","A3","A4"],"total_loss":100000000,"members":[{"entity_type":"account","entity_id":"6222A1"}"#
    ));
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(
        v["chain"][0],
        serde_json::json!({"entity_type":"case","entity_id":"A1","via":null})
    );
    assert_eq!(v["chain"][4]["via"], "audit.src_ip");
    assert!(v["stop"].is_null());
    assert_eq!(v["alerts"][0]["entity_id"], ROGUE);
    assert_eq!(v["alerts"][0]["severity"], "high");
}

/// Two gangs (one case each, account → sign-up number) and `shared` as an extra link of
/// both, plus `background` ordinary entities using the same value.
fn pair_through(shared: impl Fn(&str, &str) -> Vec<Op>, background: usize) -> Vec<Op> {
    let mut ops = Vec::new();
    for (case, acct, num) in [
        ("G1", "acct_g1", "8613300000001"),
        ("G2", "acct_g2", "8613400000002"),
    ] {
        ops.push(Op::Case(case.into(), 1_000_00));
        ops.push(link(T::Case, case, T::Account, acct, Via::CaseFraudAccount));
        ops.push(link(T::Account, acct, T::Msisdn, num, Via::SignupMsisdn));
        ops.extend(shared(acct, num));
    }
    for k in 0..background {
        let acct = format!("user_{k:04}");
        let num = format!("86177{k:08}");
        ops.push(link(T::Account, &acct, T::Msisdn, &num, Via::SignupMsisdn));
        ops.extend(shared(&acct, &num));
    }
    ops
}

fn apart(ops: &[Op], s: &Settings) -> bool {
    case_groups(&apply(ops, s)) == vec![strs(&["G1"]), strs(&["G2"])]
}

#[test]
fn smsc_like_hub_does_not_merge_unless_marked() {
    let via_smsc =
        |_: &str, num: &str| vec![link(T::Msisdn, num, T::Ip, "10.0.0.5", Via::DeliveryNode)];
    let ops = pair_through(via_smsc, 60);
    let s = small_hubs();
    assert!(apart(&ops, &s));
    let l = apply(&ops, &s);
    assert_eq!(l.degree(T::Ip, "10.0.0.5"), Some(62));
    assert!(
        l.hub_reason(T::Ip, "10.0.0.5")
            .unwrap()
            .starts_with("62 links, above the ip hub threshold")
    );
    // Few links: not a hub, so it merges (this is why the background matters).
    assert!(!apart(&pair_through(via_smsc, 0), &s));

    // The rogue host's case: the same degree, but a detector vouches for it.
    let mut marked = ops.clone();
    marked.push(Op::Mark(
        T::Ip,
        "10.0.0.5".into(),
        "core_interception",
        0.6,
        Severity::Medium,
    ));
    assert!(!apart(&marked, &s));
    let mut low = ops;
    low.push(Op::Mark(
        T::Ip,
        "10.0.0.5".into(),
        "weak_lead",
        0.3,
        Severity::Low,
    ));
    assert!(
        apart(&low, &s),
        "a low-severity lead does not lift the hub rule"
    );
}

#[test]
fn radio_never_merges_and_stops_the_chain() {
    let via_radio =
        |_: &str, num: &str| vec![link(T::Msisdn, num, T::Node, "radio", Via::DeliveryNode)];
    let ops = pair_through(via_radio, 0);
    let l = apply(&ops, &Settings::default());
    assert!(
        apart(&ops, &Settings::default()),
        "two links are enough: radio is common by nature"
    );
    let c = &l.clusters()[0];
    assert_eq!(c.chain.last().unwrap().entity_id, "8613300000001");
    assert_eq!(
        c.stop.as_deref(),
        Some("no delivery node known for 8613300000001: OTPs arrived by radio")
    );
    assert_eq!(c.hubs[0].entity_id, "radio");
}

#[test]
fn popular_platform_device_id_does_not_merge() {
    // A popular web client presents one fixed device id at every sign-up.
    let web = |acct: &str, _: &str| {
        vec![link(
            T::Account,
            acct,
            T::Device,
            "web-client-0000",
            Via::SignupDevice,
        )]
    };
    assert!(apart(&pair_through(web, 80), &small_hubs()));
    assert!(!apart(&pair_through(web, 0), &small_hubs()));
}

#[test]
fn popular_service_node_does_not_merge() {
    // An SMS aggregator's interface, named rather than addressed, carries many numbers'
    // codes.
    let gw = |_: &str, num: &str| {
        vec![link(
            T::Msisdn,
            num,
            T::Node,
            "aggregator-gw",
            Via::DeliveryNode,
        )]
    };
    assert!(apart(&pair_through(gw, 80), &small_hubs()));
}

#[test]
fn big_proxy_or_nat_does_not_merge() {
    let nat =
        |acct: &str, _: &str| vec![link(T::Account, acct, T::Ip, "100.64.0.1", Via::SignupIp)];
    assert!(apart(&pair_through(nat, 150), &small_hubs()));
    // With the default floor (100) it takes more than a hundred sign-ups.
    assert!(apart(&pair_through(nat, 150), &Settings::default()));
    assert!(!apart(&pair_through(nat, 50), &Settings::default()));
}

#[test]
fn hub_threshold_follows_the_types_p99() {
    // Every ip has 20 sign-ups; one has 100. With a floor of 5 and 2 × p99 the usual
    // ones (20) are not hubs, the big one (100 > 40) is.
    let mut ops = Vec::new();
    for ip in 0..200 {
        let n = if ip == 0 { 100 } else { 20 };
        for k in 0..n {
            ops.push(link(
                T::Account,
                &format!("a{ip}_{k}"),
                T::Ip,
                &format!("10.9.{ip}.1"),
                Via::SignupIp,
            ));
        }
    }
    let s = Settings {
        hub_floor: 5,
        hub_p99_multiple: 2.0,
        ..Settings::default()
    };
    let l = apply(&ops, &s);
    assert_eq!(l.stats().hub_threshold["ip"], 40);
    assert!(l.hub_reason(T::Ip, "10.9.0.1").is_some());
    assert!(l.hub_reason(T::Ip, "10.9.1.1").is_none());
    // When every address is that busy, the ceiling still calls them hubs.
    let s = Settings {
        hub_ceiling: 10,
        ..s
    };
    let l = apply(&ops, &s);
    assert_eq!(l.stats().hub_threshold["ip"], 10);
    assert!(l.hub_reason(T::Ip, "10.9.1.1").is_some());
}

#[test]
fn busy_bank_does_not_merge_but_mules_do() {
    let mut ops = pair_through(|_: &str, _: &str| Vec::new(), 0);
    for (case, payee, mule) in [("G1", "pay_g1", "mule_g1"), ("G2", "pay_g2", "mule_g2")] {
        ops.push(link(T::Case, case, T::Account, payee, Via::CasePayee));
        ops.push(Op::Transfer(payee.into(), mule.into(), 900_00));
        ops.push(Op::Transfer(payee.into(), "exchange_bank".into(), 50_00));
        // Third level: followed with the default two hops.
        ops.push(Op::Transfer(mule.into(), format!("{mule}_l3"), 800_00));
        ops.push(Op::Transfer(
            format!("{mule}_l3"),
            format!("{mule}_l4"),
            700_00,
        ));
    }
    for k in 0..120 {
        ops.push(Op::Transfer(
            format!("shopper_{k}"),
            "exchange_bank".into(),
            10_00,
        ));
    }
    let s = small_hubs();
    assert!(apart(&ops, &s));
    let l = apply(&ops, &s);
    let g1 = l.cluster_of(T::Account, "pay_g1").unwrap();
    let ids: Vec<&str> = g1.members.iter().map(|m| m.entity_id.as_str()).collect();
    assert!(ids.contains(&"mule_g1") && ids.contains(&"mule_g1_l3"));
    assert!(
        !ids.contains(&"mule_g1_l4"),
        "money is followed two levels from the payee"
    );
    assert!(l.cluster_of(T::Account, "exchange_bank").is_none());
    assert!(l.cluster_of(T::Account, "shopper_3").is_none());
}

#[test]
fn shared_victim_alone_does_not_merge() {
    let victim = |_: &str, _: &str| Vec::new();
    let mut ops = pair_through(victim, 0);
    ops.push(link(
        T::Case,
        "G1",
        T::Msisdn,
        SHARED_VICTIM,
        Via::CaseVictim,
    ));
    ops.push(link(
        T::Case,
        "G2",
        T::Msisdn,
        SHARED_VICTIM,
        Via::CaseVictim,
    ));
    let l = apply(&ops, &Settings::default());
    assert!(apart(&ops, &Settings::default()));
    assert!(l.cluster_of(T::Msisdn, SHARED_VICTIM).is_none());
}

#[test]
fn chain_with_a_missing_link_stops_at_the_last_known_hop() {
    // Sign-up known, delivery node unknown.
    let ops = vec![
        Op::Case("C1".into(), 5_000_00),
        link(T::Case, "C1", T::Account, "wxid_x", Via::CaseFraudAccount),
        link(
            T::Account,
            "wxid_x",
            T::Msisdn,
            "8613300000007",
            Via::SignupMsisdn,
        ),
    ];
    let c = apply(&ops, &Settings::default()).clusters()[0].clone();
    assert_eq!(c.chain.len(), 3);
    assert_eq!(
        c.stop.as_deref(),
        Some("no delivery node known for 8613300000007: no sms.delivery_node links it")
    );

    // No sign-up record at all.
    let ops = vec![
        Op::Case("C2".into(), 5_000_00),
        link(T::Case, "C2", T::Account, "wxid_y", Via::CaseFraudAccount),
    ];
    let c = apply(&ops, &Settings::default()).clusters()[0].clone();
    assert_eq!(c.chain.len(), 2);
    assert_eq!(
        c.stop.as_deref(),
        Some("no sign-up record known for account wxid_y")
    );

    // Delivery node known, but nothing behind the host.
    let ops = vec![
        Op::Case("C3".into(), 5_000_00),
        link(T::Case, "C3", T::Account, "wxid_z", Via::CaseFraudAccount),
        link(
            T::Account,
            "wxid_z",
            T::Msisdn,
            "8613300000008",
            Via::SignupMsisdn,
        ),
        link(
            T::Msisdn,
            "8613300000008",
            T::Ip,
            "10.1.2.107",
            Via::DeliveryNode,
        ),
    ];
    let c = apply(&ops, &Settings::default()).clusters()[0].clone();
    assert_eq!(c.chain.last().unwrap().via, Some(Via::DeliveryNode));
    assert_eq!(
        c.stop.as_deref(),
        Some("no flow or audit record links ip 10.1.2.107 to a peer or an operator user")
    );
}

#[test]
fn chain_prefers_marked_ends() {
    // Two hosts behind the same number's sign-up; both end at a flow peer (stage 5).
    // The marked peer wins although its id sorts later.
    let ops = vec![
        Op::Case("C1".into(), 1_00),
        link(
            T::Case,
            "C1",
            T::Msisdn,
            "8613300000001",
            Via::CaseFraudMsisdn,
        ),
        link(
            T::Msisdn,
            "8613300000001",
            T::Ip,
            "10.0.0.1",
            Via::DeliveryNode,
        ),
        link(T::Ip, "10.0.0.1", T::Ip, "1.1.1.1", Via::FlowPeer),
        link(T::Ip, "10.0.0.1", T::Ip, "9.9.9.9", Via::FlowPeer),
        Op::Mark(
            T::Ip,
            "9.9.9.9".into(),
            "foreign_tunnel",
            0.7,
            Severity::Medium,
        ),
    ];
    let c = apply(&ops, &Settings::default()).clusters()[0].clone();
    assert_eq!(c.chain.last().unwrap().entity_id, "9.9.9.9");
    assert_eq!(
        c.stop.as_deref(),
        Some("no audit record links ip 9.9.9.9 to an operator user")
    );
}

#[test]
fn clusters_rank_by_loss_and_marked_groups_without_cases_follow() {
    let ops = vec![
        Op::Case("SMALL".into(), 1_00),
        Op::Case("BIG".into(), 9_00),
        link(
            T::Account,
            "lone",
            T::Msisdn,
            "8613300000001",
            Via::SignupMsisdn,
        ),
        Op::Mark(
            T::Msisdn,
            "8613300000001".into(),
            "otp_sink",
            0.9,
            Severity::High,
        ),
        // A marked entity alone is an alert, not a cluster.
        Op::Mark(
            T::Msisdn,
            "8613300000002".into(),
            "otp_sink",
            0.9,
            Severity::High,
        ),
    ];
    let l = apply(&ops, &Settings::default());
    assert_eq!(
        case_groups(&l),
        vec![strs(&["BIG"]), strs(&["SMALL"]), vec![]]
    );
    let lead = &l.clusters()[2];
    assert_eq!(lead.cluster_id, "c0003");
    assert!(lead.chain.is_empty());
    assert_eq!(
        lead.stop.as_deref(),
        Some("no case in this cluster: nothing to trace from")
    );
    assert_eq!(l.stats().clusters, 3);
}

#[test]
fn warning_tiers() {
    let mut ops = two_gangs();
    let contact = |calls, talk_s, sms| Contact {
        calls,
        talk_s,
        sms,
        last_ts: Some(1_760_300_000),
    };
    ops.push(Op::Contact(
        "8613900000001".into(),
        "8618000000002".into(),
        contact(1, 90, 0),
    ));
    ops.push(Op::Contact(
        "8613900000002".into(),
        "8618000000002".into(),
        contact(0, 0, 1),
    ));
    ops.push(Op::Contact(
        "8613900000003".into(),
        "8618000000003".into(),
        contact(1, 0, 2),
    ));
    // Reversed sides: the fraud number is the subscriber column.
    ops.push(Op::Contact(
        "8618000000001".into(),
        "8613900000004".into(),
        contact(1, 20, 0),
    ));
    // Fraud numbers talking to each other are not warned.
    ops.push(Op::Contact(
        "8618000000001".into(),
        "8613300000001".into(),
        contact(5, 500, 0),
    ));
    ops.push(Op::Transfer("6217P1".into(), "6222A2".into(), 5_000_00));
    let l = apply(&ops, &Settings::default());
    let w = l.warnings();
    let rows: Vec<(&str, &str, Tier, bool)> = w
        .iter()
        .map(|x| {
            (
                x.entity_type.as_str(),
                x.entity_id.as_str(),
                x.tier,
                x.known_victim,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("account", "6217P1", Tier::High, false),
            ("account", "6217V1", Tier::High, false),
            ("account", "6217V2", Tier::High, false),
            ("account", "6217V3", Tier::High, false),
            ("account", "6217V4", Tier::High, false),
            ("msisdn", "8613900000001", Tier::High, false),
            ("msisdn", SHARED_VICTIM, Tier::High, true),
            ("msisdn", "8613900000003", Tier::Medium, false),
            ("msisdn", "8613900000004", Tier::Medium, false),
            ("msisdn", "8613900000002", Tier::Low, false),
        ]
    );
    let p = &w[0];
    assert_eq!(p.paid_fen, 5_000_00);
    assert_eq!(p.cluster_id, "c0001");
    assert!(
        p.reason
            .starts_with("paid ¥5000.00 in 1 transfer(s) to 1 account(s) of fraud cluster c0001")
    );
    let v = w.iter().find(|x| x.entity_id == SHARED_VICTIM).unwrap();
    assert_eq!((v.fraud_contacts, v.calls, v.talk_s), (2, 6, 900));
    assert!(v.reason.ends_with("; already a victim in a case"));
    assert_eq!(v.cluster_id, "c0002");

    let mut csv = Vec::new();
    l.write_warnings_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("entity_type,entity_id,tier,reason,cluster_id,"));
    assert_eq!(csv.lines().count(), 1 + 10);
    assert!(csv.contains(",2025-10-11T16:26:40Z,true\n"));
}

#[test]
fn graphml_parses_and_refers_to_declared_nodes() {
    use quick_xml::events::Event;
    let mut ops = two_gangs();
    ops.push(link(
        T::Account,
        "odd&<\"id'>",
        T::Msisdn,
        "8613300000001",
        Via::SignupMsisdn,
    ));
    let l = apply(&ops, &Settings::default());
    for scope in [Scope::All, Scope::Cluster("c0001")] {
        let mut out = Vec::new();
        l.write_graphml(scope, &mut out).unwrap();
        let mut r = quick_xml::Reader::from_reader(out.as_slice());
        let (mut keys, mut nodes, mut edges) =
            (Vec::new(), std::collections::HashSet::new(), Vec::new());
        let mut buf = Vec::new();
        loop {
            match r.read_event_into(&mut buf).unwrap() {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let attr = |k: &[u8]| {
                        e.attributes()
                            .map(|a| a.unwrap())
                            .find(|a| a.key.as_ref() == k)
                            .map(|a| a.unescape_value().unwrap().into_owned())
                    };
                    match e.name().as_ref() {
                        b"key" => keys.push(attr(b"id").unwrap()),
                        b"node" => {
                            nodes.insert(attr(b"id").unwrap());
                        }
                        b"edge" => edges.push((attr(b"source").unwrap(), attr(b"target").unwrap())),
                        b"data" => assert!(keys.contains(&attr(b"key").unwrap())),
                        _ => {}
                    }
                }
                _ => {}
            }
            buf.clear();
        }
        for k in ["type", "label", "score", "loss", "cluster", "via"] {
            assert!(keys.iter().any(|x| x == k), "key {k} declared");
        }
        assert!(!edges.is_empty());
        for (s, t) in &edges {
            assert!(nodes.contains(s) && nodes.contains(t), "{s} → {t}");
        }
        assert!(nodes.contains("account:odd&<\"id'>"));
        if scope == Scope::All {
            assert!(nodes.contains(&format!("msisdn:{SHARED_VICTIM}")));
        } else {
            assert!(!nodes.contains(&format!("msisdn:{SHARED_VICTIM}")));
            assert!(nodes.contains("user:zhou.bin"));
        }
    }
    assert!(matches!(
        l.write_graphml(Scope::Cluster("c0099"), Vec::new()),
        Err(duanka_link::ExportError::NoSuchCluster(_))
    ));
}

#[test]
fn i2_tables_link_known_entities() {
    let l = apply(&two_gangs(), &Settings::default());
    let (mut ents, mut links) = (Vec::new(), Vec::new());
    l.write_i2(Scope::Cluster("c0002"), &mut ents, &mut links)
        .unwrap();
    let ents = String::from_utf8(ents).unwrap();
    let links = String::from_utf8(links).unwrap();
    let mut el = ents.lines();
    assert_eq!(
        el.next(),
        Some("Entity ID,Entity Type,Label,Score,Severity,Detectors,Loss (fen),Cluster,Hub")
    );
    let ids: Vec<&str> = el.map(|l| l.split(',').next().unwrap()).collect();
    // Three cases, three numbers, three payees, three mules.
    assert_eq!(ids.len(), 12);
    assert!(ents.contains("case:B2,case,B2,,,,4000000,c0002,\n"));
    let mut ll = links.lines();
    assert_eq!(
        ll.next(),
        Some("From ID,To ID,Link Type,via,Rows,First Seen,Last Seen,Amount (fen)")
    );
    let rows: Vec<&str> = ll.collect();
    assert_eq!(rows.len(), 11);
    for r in &rows {
        let f: Vec<&str> = r.split(',').collect();
        assert!(ids.contains(&f[0]) && ids.contains(&f[1]), "{r}");
    }
    assert!(rows.contains(
        &"account:6222B2,account:6228N2,transfer,transfers.to_account,1,2025-10-10T12:40:00Z,2025-10-10T12:40:00Z,3800000"
    ));
}

/// A small deterministic shuffle (xorshift), so the test needs no dependency.
fn shuffle(ops: &mut [Op], mut seed: u64) {
    for i in (1..ops.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        ops.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

fn all_outputs(l: &Linked) -> Vec<u8> {
    let mut out = Vec::new();
    l.write_clusters_jsonl(&mut out).unwrap();
    l.write_warnings_csv(&mut out).unwrap();
    l.write_graphml(Scope::All, &mut out).unwrap();
    let mut links = Vec::new();
    l.write_i2(Scope::All, &mut out, &mut links).unwrap();
    out.extend(links);
    out
}

#[test]
fn same_input_in_any_order_gives_the_same_bytes() {
    let mut ops = two_gangs();
    // Ties everywhere: duplicate links, equal scores, a hub, both audit links.
    ops.extend(pair_through(
        |_: &str, num: &str| vec![link(T::Msisdn, num, T::Ip, "10.0.0.5", Via::DeliveryNode)],
        30,
    ));
    ops.push(link(
        T::Account,
        "wxid_a01",
        T::Ip,
        "103.20.0.7",
        Via::SignupIp,
    ));
    ops.push(Op::Mark(
        T::Ip,
        ROGUE.into(),
        "second_detector",
        0.5,
        Severity::Medium,
    ));
    ops.push(Op::Case("A2".into(), 1));
    let s = small_hubs();
    let reference = all_outputs(&apply(&ops, &s));
    for seed in [1, 7, 42, 1_000_003] {
        let mut o = ops.clone();
        shuffle(&mut o, seed);
        assert!(all_outputs(&apply(&o, &s)) == reference, "seed {seed}");
    }
    let mut reversed = ops;
    reversed.reverse();
    assert!(all_outputs(&apply(&reversed, &s)) == reference);
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let mut g = GraphBuilder::new();
    let case = g.case("C1", None).unwrap();
    let num = g.entity(T::Msisdn, "8613300000001").unwrap();
    let err = g
        .link(case, num, Via::CaseFraudAccount, Provenance::rows(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cases.fraud_account needs account at its to end, not msisdn"
    );
    assert_eq!(
        g.entity(T::Ip, "  "),
        Err(LinkError::EmptyId { entity_type: T::Ip })
    );
    let alert = duanka_model::Alert {
        detector: "x",
        entity_type: "planet",
        entity_id: "mars".into(),
        score: 0.5,
        severity: Severity::Medium,
        first_seen: None,
        last_seen: None,
        explanation: String::new(),
        evidence: Vec::new(),
    };
    assert_eq!(
        g.mark_alert(&alert),
        Err(LinkError::UnknownType("planet".into()))
    );
    assert!(g.contact(case, num, Contact::default()).is_err());
    let other = GraphBuilder::new().entity(T::Ip, "1.2.3.4").unwrap();
    let mut empty = GraphBuilder::new();
    assert_eq!(
        empty.mark(other, "x", 0.9, Severity::High),
        Err(LinkError::ForeignNode(0))
    );
}

#[test]
fn every_module_says_what_it_owns() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut seen = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let path = f.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("//! "),
            "{} must open with a //! paragraph",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 7);
}
