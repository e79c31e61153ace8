//! The seed's supply chain, every link planted: the insider who creates a host and
//! bulk-reads the number pool from it; the rogue host in the management network with
//! SMPP sessions to the SMSC and a long tunnel abroad; the leaked numbers whose codes it
//! takes (or, in the modem-pool scenario, a SIM farm on tampered handsets); the bulk
//! sign-ups; the fraud cases and the money's way through two levels of mules. Also the
//! unrelated gang with its own cases and mules, and the bank's ordinary transfers.
//! Small next to the population, so it runs on one stream in one thread.

use crate::clock::DAY;
use crate::out::{TableId, TableSet};
use crate::population::{Ctx, Peer, account_id, attach_row, call_row, otp_text, sms_row};
use crate::reference::{Block, Reference, ip_text};
use crate::rng::{R, Stream};
use crate::truth::{Truth, ety, label};
use crate::world::{Kind, imei_bad_check, imei_with_check};
use crate::{Config, Scenario};

/// Addresses of the operator's own hosts (see `infra`).
pub const SMSC: &str = "10.1.1.5";
pub const INSIDER: &str = "zhou.bin";
pub const INSIDER_WS: &str = "10.1.3.57";
/// Cell of the modem pool's location.
const POOL_CELL: u32 = 88_888;

/// Who the chain's actors are, for the other generators and the summary.
#[derive(Debug, Clone)]
pub struct Actors {
    pub rogue: String,
    pub jump: String,
    pub jump_country: String,
    pub proxies: Vec<String>,
}

pub fn actors(cfg: &Config, reference: &Reference) -> Actors {
    let mut r = R::new(cfg.seed, Stream::Chain, 1);
    // The management network's listed hosts use .1-.99; the rogue host sits above.
    let rogue = format!("10.1.2.{}", 100 + r.below(120));
    let jump_country = reference
        .country(&["kh", "ph", "jp", "hk", "sg"])
        .unwrap_or("hk")
        .to_string();
    let jump = host_in(&mut r, reference.blocks(&jump_country));
    let mut proxies = Vec::new();
    for k in 0..cfg.chain.proxy_ips.max(1) {
        let cc = if k % 2 == 0 { "cn" } else { "hk" };
        let blocks = if reference.blocks(cc).is_empty() {
            reference.blocks("cn")
        } else {
            reference.blocks(cc)
        };
        proxies.push(host_in(&mut r, blocks));
    }
    Actors {
        rogue,
        jump,
        jump_country,
        proxies,
    }
}

pub fn host_in(r: &mut R, blocks: &[Block]) -> String {
    if blocks.is_empty() {
        return "203.0.113.10".to_string();
    }
    let b = *r.pick(blocks);
    ip_text(b.host(r.u64()))
}

/// One bank account number (19 digits, as Chinese debit cards).
fn card(prefix: &str, r: &mut R) -> String {
    format!("{prefix}{:013}", r.below(10_000_000_000_000))
}

#[allow(clippy::too_many_arguments)]
pub fn flow_row(
    out: &mut TableSet,
    start: i64,
    end: i64,
    src: &str,
    dst: &str,
    ports: (u32, u32),
    proto: &str,
    bytes: u64,
) {
    out.get(TableId::Flows)
        .row()
        .f_time(start)
        .f_time(end.max(start))
        .f_str(src)
        .f_str(dst)
        .f_u64(u64::from(ports.0))
        .f_u64(u64::from(ports.1))
        .f_str(proto)
        .f_u64(bytes)
        .f_u64(bytes / 900 + 1)
        .end();
}

pub fn audit_row(
    out: &mut TableSet,
    ts: i64,
    user: &str,
    action: &str,
    object: &str,
    count: u64,
    src: &str,
) {
    out.get(TableId::Audit)
        .row()
        .f_time(ts)
        .f_str(user)
        .f_str(action)
        .f_str(object)
        .f_u64(count)
        .f_str(src)
        .end();
}

fn transfer_row(out: &mut TableSet, ts: i64, from: &str, to: &str, fen: i64) {
    out.get(TableId::Transfers)
        .row()
        .f_time(ts)
        .f_str(from)
        .f_str(to)
        .f_yuan(fen)
        .end();
}

const GANG_TYPES: [&str; 3] = ["investment", "loan", "customer_service"];

/// A case before ids are given out.
struct CaseDraft {
    reported_at: i64,
    victim: i64,
    loss_fen: i64,
    fraud_type: &'static str,
    channel: &'static str,
    fraud_account: Option<String>,
    fraud_msisdn: Option<i64>,
    payee: String,
    linked: bool,
    /// The victim cannot have paid before the fraud account existed.
    not_before: i64,
}

/// The careful insider's day: number-pool lookups and a small extract from his own
/// workstation in office hours, a few times what a colleague reads. Its own stream, so
/// that the rest of the chain is the same whether he is careful or not.
fn careful_reads(out: &mut TableSet, day0: i64, seed: u64, day: i64) {
    let mut r = R::new(seed, Stream::Chain, 40 + day as u64);
    let mut t = day0 + 9 * 3600 + r.below(1_800) as i64;
    for _ in 0..r.range(5, 8) {
        t += r.range(1_200, 3_600) as i64;
        let n = r.range(60, 160);
        audit_row(out, t, INSIDER, "query", "number_pool", n, INSIDER_WS);
    }
    let t = day0 + 16 * 3600 + r.below(3_600) as i64;
    audit_row(
        out,
        t,
        INSIDER,
        "export",
        "number_pool",
        r.range(200, 400),
        INSIDER_WS,
    );
}

/// The verification SMS of a sign-up `(platform, number, time)`, sent `lead` seconds
/// (a range) before it and delivered by `node`.
fn signup_code(
    ctx: &Ctx<'_>,
    r: &mut R,
    text: &mut Vec<u8>,
    out: &mut TableSet,
    (platform, msisdn, ts): (&str, i64, i64),
    lead: (u64, u64),
    node: &str,
) {
    let svc = ctx.texts.service_of(platform);
    otp_text(ctx.texts, r, svc, text);
    let code = ctx.texts.services[svc].code.as_str();
    sms_row(
        out,
        (ts - r.range(lead.0, lead.1) as i64).max(ctx.world.start),
        false,
        msisdn,
        Peer::Code(code),
        text,
        Some("otp"),
        Some(node),
    );
}

/// The households behind the gang's residential proxies: ordinary subscribers signing
/// up from their own connection, on their own phones, whenever they like. Hard
/// negatives: sharing an address with a gang is no evidence of one's own.
fn households(ctx: &Ctx<'_>, actors: &Actors, out: &mut TableSet, truth: &mut Truth) {
    let w = ctx.world;
    let cfg = ctx.cfg;
    let mut r = R::new(cfg.seed, Stream::Chain, 30);
    let mut text = Vec::with_capacity(256);
    let leaked: std::collections::BTreeSet<usize> = w.sinks.iter().copied().collect();
    let people: Vec<usize> = (0..w.len())
        .filter(|&i| w.kind[i] == Kind::Ordinary && !leaked.contains(&i))
        .collect();
    if people.is_empty() {
        return;
    }
    let platforms = ["wechat", "qq", "douyin", "xianyu"];
    let span = (i64::from(cfg.days) * DAY) as u64;
    for proxy in &actors.proxies {
        for _ in 0..cfg.chain.proxy_households {
            let i = *r.pick(&people);
            let p = *r.pick(&platforms);
            let ts = w.start + r.below(span) as i64;
            signup_code(
                ctx,
                &mut r,
                &mut text,
                out,
                (p, w.msisdn[i], ts),
                (15, 90),
                "radio",
            );
            let acc = account_id(p, &mut r);
            out.get(TableId::Registrations)
                .row()
                .f_time(ts)
                .f_str(p)
                .f_str(&acc)
                .f_msisdn(w.msisdn[i])
                .f_imei(w.imei_at(i, ts))
                .f_str(proxy)
                .end();
            truth.negative(ety::ACCOUNT, acc.as_str(), "household_behind_proxy");
            truth.negative(
                ety::MSISDN,
                w.msisdn[i].to_string(),
                "household_behind_proxy",
            );
        }
    }
}

/// Writes the chain and the unrelated gang; returns nothing but rows and truth.
pub fn generate(
    ctx: &Ctx<'_>,
    reference: &Reference,
    actors: &Actors,
    out: &mut TableSet,
    truth: &mut Truth,
) {
    let cfg = ctx.cfg;
    let w = ctx.world;
    let mut r = R::new(cfg.seed, Stream::Chain, 2);
    let mut text = Vec::with_capacity(256);
    let days = i64::from(cfg.days);
    let rogue = actors.rogue.as_str();

    truth.add(ety::IP, rogue, label::ROGUE_HOST);
    truth.add(ety::IP, actors.jump.as_str(), label::JUMP_HOST);
    truth.add(ety::USER, INSIDER, label::INSIDER);

    // The insider: a host created from the office, then the number pool read from it,
    // at night — or, careful, read from his own workstation by day at a few times his
    // colleagues' volume.
    let hour = if cfg.chain.careful_insider { 10 } else { 2 };
    let t0 = w.start + hour * 3600 + r.below(1800) as i64;
    audit_row(out, t0 - 600, INSIDER, "login", "oss", 0, INSIDER_WS);
    audit_row(out, t0, INSIDER, "create_host", rogue, 1, INSIDER_WS);
    flow_row(
        out,
        t0 - 300,
        t0 + 1_800,
        INSIDER_WS,
        rogue,
        (52_114, 22),
        "tcp",
        4_200_000,
    );
    let total_export: u64 = 9_000_000;
    for d in 0..days {
        if cfg.chain.careful_insider {
            careful_reads(out, w.start + d * DAY, cfg.seed, d);
            if d == 0 {
                let t = w.start + 11 * 3600 + r.below(3_600) as i64;
                audit_row(
                    out,
                    t,
                    INSIDER,
                    "modify",
                    "sms_route",
                    w.sinks.len() as u64,
                    INSIDER_WS,
                );
            }
        } else {
            let night = w.start + d * DAY + 2 * 3600 + 2_400 + r.below(3_600) as i64;
            audit_row(out, night, INSIDER, "login", "oss", 0, rogue);
            let parts = r.range(2, 4);
            let share = total_export / days.max(1) as u64;
            for p in 0..parts {
                let t = night + 300 + p as i64 * 900 + r.below(300) as i64;
                audit_row(
                    out,
                    t,
                    INSIDER,
                    "query",
                    "number_pool",
                    r.range(2_000, 20_000),
                    rogue,
                );
                audit_row(
                    out,
                    t + 120,
                    INSIDER,
                    "export",
                    "number_pool",
                    share / parts,
                    rogue,
                );
                flow_row(
                    out,
                    t,
                    t + 600,
                    rogue,
                    "10.1.2.14",
                    (40_000 + p as u32, 1521),
                    "tcp",
                    share / parts * 60,
                );
            }
            if d == 0 {
                audit_row(
                    out,
                    night + 4_000,
                    INSIDER,
                    "modify",
                    "sms_route",
                    w.sinks.len() as u64,
                    rogue,
                );
            }
        }
        // SMPP binds to the SMSC all day, and the tunnel abroad.
        let day0 = w.start + d * DAY;
        for h in 0..24 {
            let s = day0 + h * 3600 + r.below(120) as i64;
            let bytes = (w.sinks.len() as u64 * 30 + 20_000) * r.range(80, 120) / 100;
            flow_row(
                out,
                s,
                s + 3_540,
                rogue,
                SMSC,
                (33_000 + h as u32, 2775),
                "tcp",
                bytes,
            );
        }
        let s = day0 + r.below(300) as i64;
        flow_row(
            out,
            s,
            day0 + DAY - 1 - r.below(300) as i64,
            rogue,
            &actors.jump,
            (45_000 + d as u32, 443),
            "tcp",
            r.range(300_000_000, 1_200_000_000),
        );
    }

    // Modem pool: leaked SIMs in slots of a few modems with tampered identities.
    let pool: Vec<usize> = w
        .sinks
        .iter()
        .copied()
        .filter(|&i| w.kind[i] == Kind::PoolSink)
        .collect();
    let mut modem_of = std::collections::BTreeMap::new();
    if cfg.scenario == Scenario::ModemPool && !pool.is_empty() {
        let slots = 32usize;
        let n_modems = pool.len().div_ceil(slots).max(2);
        let module = &reference.module_tacs;
        let modems: Vec<i64> = (0..n_modems)
            .map(|m| {
                let serial = r.below(1_000_000) as u32;
                match m % 3 {
                    0 => imei_bad_check(r.pick(module).tac, serial),
                    // A TAC no manufacturer was given (not in the TAC table).
                    1 => imei_with_check(unknown_tac(reference, &mut r), serial),
                    _ => imei_bad_check(r.pick(&reference.handset_tacs).tac, serial),
                }
            })
            .collect();
        for &m in &modems {
            truth.add(ety::IMEI, imei_text(m), label::SIM_FARM);
            truth.add(ety::IMEI, imei_text(m), label::TAMPERED_IMEI);
        }
        for (k, &i) in pool.iter().enumerate() {
            modem_of.insert(i, modems[k % n_modems]);
        }
        for d in 0..days {
            let day0 = w.start + d * DAY;
            for (k, &i) in pool.iter().enumerate() {
                let imei = modems[k % n_modems];
                for _ in 0..r.range(3, 6) {
                    let ts = day0 + r.below(DAY as u64) as i64;
                    attach_row(out, ts, w.imsi[i], w.msisdn[i], imei, POOL_CELL);
                }
                // One token call a day to another SIM of the pool, to look alive.
                let k2 = (k + 1 + r.below(pool.len() as u64 - 1) as usize) % pool.len();
                if k2 == k {
                    continue;
                }
                let j = pool[k2];
                let ts = day0 + 9 * 3600 + r.below(10 * 3600) as i64;
                let dur = r.range(3, 15);
                let imei_j = modems[k2 % n_modems];
                call_row(
                    out,
                    ts,
                    true,
                    w.msisdn[i],
                    w.msisdn[j],
                    dur,
                    POOL_CELL,
                    imei,
                );
                call_row(
                    out,
                    ts,
                    false,
                    w.msisdn[j],
                    w.msisdn[i],
                    dur,
                    POOL_CELL,
                    imei_j,
                );
            }
        }
    }

    // Codes from many services to every leaked number, taken off the rogue host (or
    // received by the modem pool).
    let n_services = ctx.texts.services.len() as u64;
    let node_of = |i: usize| {
        if w.kind[i] == Kind::PoolSink {
            "radio"
        } else {
            rogue
        }
    };
    for &i in &w.sinks {
        truth.add(ety::MSISDN, w.msisdn[i].to_string(), label::OTP_SINK);
        for d in 0..days {
            let day0 = w.start + d * DAY;
            let k = r.range(6, 24);
            let first = r.below(n_services);
            for s in 0..k {
                let svc = ((first + s * 7) % n_services) as usize;
                for _ in 0..r.range(1, 2) {
                    let ts = day0 + r.below(DAY as u64) as i64;
                    otp_text(ctx.texts, &mut r, svc, &mut text);
                    let cat = if r.chance(cfg.shares.category_blank) {
                        None
                    } else {
                        Some("otp")
                    };
                    let code = ctx.texts.services[svc].code.as_str();
                    sms_row(
                        out,
                        ts,
                        false,
                        w.msisdn[i],
                        Peer::Code(code),
                        &text,
                        cat,
                        Some(node_of(i)),
                    );
                }
            }
        }
    }

    // Bulk sign-ups in bursts over consecutive leaked numbers, with IMEI-changing
    // software's device ids and a few proxies.
    let mut wechat_accounts: Vec<(String, i64)> = Vec::new();
    let mut k = 0usize;
    let extra_platforms = ["qq", "douyin", "momo", "xianyu"];
    while k < w.sinks.len() {
        let burst = (r.range(10, 40) as usize).min(w.sinks.len() - k);
        let mut ts = w.start + r.below((days * DAY - 6 * 3600).max(3600) as u64) as i64;
        let proxy = r.pick(&actors.proxies).clone();
        truth.add(ety::IP, proxy.as_str(), label::PROXY_IP);
        for &i in &w.sinks[k..k + burst] {
            let mut platforms = Vec::with_capacity(2);
            if r.chance(0.92) {
                platforms.push("wechat");
            }
            if r.chance(0.3) {
                platforms.push(*r.pick(&extra_platforms));
            }
            for p in platforms {
                ts += r.range(20, 120) as i64;
                signup_code(
                    ctx,
                    &mut r,
                    &mut text,
                    out,
                    (p, w.msisdn[i], ts),
                    (8, 40),
                    node_of(i),
                );
                let acc = account_id(p, &mut r);
                let tac = r.pick(&reference.handset_tacs).tac;
                let serial = r.below(1_000_000) as u32;
                let device = if r.chance(0.4) {
                    imei_bad_check(tac, serial)
                } else {
                    imei_with_check(tac, serial)
                };
                out.get(TableId::Registrations)
                    .row()
                    .f_time(ts)
                    .f_str(p)
                    .f_str(&acc)
                    .f_msisdn(w.msisdn[i])
                    .f_imei(device)
                    .f_str(&proxy)
                    .end();
                truth.add(ety::ACCOUNT, acc.as_str(), label::BULK_ACCOUNT);
                truth.add(ety::IMEI, imei_text(device), label::TAMPERED_IMEI);
                if p == "wechat" {
                    wechat_accounts.push((acc, ts));
                }
            }
        }
        k += burst;
    }
    if cfg.chain.proxy_households > 0 {
        households(ctx, actors, out, truth);
    }

    // Cases whose fraud accounts are those bulk accounts.
    let mut drafts = Vec::new();
    let mules1: Vec<String> = (0..(cfg.chain.cases / 7).max(3))
        .map(|_| card("622202", &mut r))
        .collect();
    let mules2: Vec<String> = (0..(cfg.chain.cases / 15).max(2))
        .map(|_| card("623058", &mut r))
        .collect();
    for m in &mules1 {
        truth.add(ety::ACCOUNT, m.as_str(), label::MULE);
    }
    for m in &mules2 {
        truth.add(ety::ACCOUNT, m.as_str(), label::MULE);
    }
    let types: [(&str, f64); 6] = [
        ("impersonate_boss", 0.25),
        ("customer_service", 0.2),
        ("investment", 0.2),
        ("part_time_job", 0.15),
        ("romance", 0.1),
        ("loan", 0.1),
    ];
    let mut victims_used = Vec::new();
    for c in 0..cfg.chain.cases as usize {
        if wechat_accounts.is_empty() {
            break;
        }
        let (acc, reg_ts) = wechat_accounts[(c * 7919) % wechat_accounts.len()].clone();
        let reported_at = reg_ts + (r.range(1, 25) as i64) * DAY + r.below(DAY as u64) as i64;
        let (fraud_type, loss_fen) = if c == 0 {
            // The seed's own case: a "boss" asking for ¥150,000.
            ("impersonate_boss", 15_000_000)
        } else {
            let u = r.f64();
            let mut acc_p = 0.0;
            let t = types
                .iter()
                .find(|(_, p)| {
                    acc_p += p;
                    u < acc_p
                })
                .map_or("loan", |(t, _)| t);
            let yuan = r.log_uniform(3_000.0, 200_000.0);
            let yuan = if r.chance(0.7) {
                (yuan / 100.0).round() * 100.0
            } else {
                yuan.round()
            };
            (t, (yuan as i64).clamp(3_000, 200_000) * 100)
        };
        let (victim, at) = victim(ctx, &mut r);
        victims_used.push((victim, at));
        drafts.push(CaseDraft {
            reported_at,
            victim,
            loss_fen,
            fraud_type,
            channel: "wechat",
            fraud_account: Some(acc),
            fraud_msisdn: None,
            payee: r.pick(&mules1).clone(),
            linked: true,
            not_before: reg_ts + 3_600,
        });
    }

    // The unrelated gang: calls from its own numbers, its own mules. One of its victims
    // was also a victim of the chain, so linking on victims alone merges the two.
    let gang_numbers: Vec<i64> = (0..3)
        .map(|_| {
            let seg = *r.pick(&ctx.others);
            86 * 100_000_000_000 + seg * 10_000 + r.below(10_000) as i64
        })
        .collect();
    for n in &gang_numbers {
        truth.add(ety::MSISDN, n.to_string(), label::OTHER_GANG_NUMBER);
    }
    let gang_mules1: Vec<String> = (0..2).map(|_| card("621700", &mut r)).collect();
    let gang_mules2: Vec<String> = (0..2).map(|_| card("621483", &mut r)).collect();
    for m in gang_mules1.iter().chain(&gang_mules2) {
        truth.add(ety::ACCOUNT, m.as_str(), label::OTHER_GANG_MULE);
    }
    for c in 0..cfg.chain.other_gang_cases as usize {
        let (victim, at) = if c == 0 && !victims_used.is_empty() {
            victims_used[0]
        } else {
            victim(ctx, &mut r)
        };
        let fraud_msisdn = *r.pick(&gang_numbers);
        let reported_at = w.start + r.below((days * DAY) as u64 + 20 * DAY as u64) as i64;
        drafts.push(CaseDraft {
            reported_at,
            victim,
            loss_fen: (r.log_uniform(2_000.0, 80_000.0) as i64) * 100,
            fraud_type: GANG_TYPES[r.below(GANG_TYPES.len() as u64) as usize],
            channel: "call",
            fraud_account: None,
            fraud_msisdn: Some(fraud_msisdn),
            payee: r.pick(&gang_mules1).clone(),
            linked: false,
            not_before: reported_at - 3 * DAY,
        });
        // The gang's calls to the victim, when both the call and the victim are ours.
        if let Some(j) = at {
            let ts = (reported_at - r.range(1, 6) as i64 * 3600).max(w.start);
            if ts < w.start + days * DAY {
                call_row(
                    out,
                    ts,
                    false,
                    victim,
                    fraud_msisdn,
                    r.range(300, 2_400),
                    w.cell[j],
                    w.imei_at(j, ts),
                );
            }
        }
    }

    // Case ids in report order, so the id does not tell which gang a case belongs to.
    drafts.sort_by_key(|d| d.reported_at);
    let year = crate::clock::civil_from_days((w.start + crate::clock::OFFSET).div_euclid(DAY)).0;
    let mut seq = 100_000 + r.below(50_000);
    let mut victim_cards = std::collections::BTreeMap::new();
    for d in &drafts {
        seq += r.range(1, 40);
        let id = format!("JJ{year}{seq:06}");
        truth.add(
            ety::CASE,
            id.as_str(),
            if d.linked {
                label::LINKED_CASE
            } else {
                label::OTHER_GANG_CASE
            },
        );
        let rows = out.get(TableId::Cases);
        rows.row()
            .f_str(&id)
            .f_time(d.reported_at)
            .f_msisdn(d.victim)
            .f_yuan(d.loss_fen);
        rows.f_str(d.fraud_type).f_str(d.channel);
        match &d.fraud_account {
            Some(a) => rows.f_text(a),
            None => rows.f_null(),
        };
        match d.fraud_msisdn {
            Some(n) => rows.f_msisdn(n),
            None => rows.f_null(),
        };
        rows.f_str(&d.payee).end();

        // Victim → mule → second-level mules, minus the launderers' cut.
        let vcard = victim_cards
            .entry(d.victim)
            .or_insert_with(|| card("621226", &mut r))
            .clone();
        let paid = (d.reported_at - r.range(2, 72) as i64 * 3600)
            .max(d.not_before)
            .min(d.reported_at - 600);
        transfer_row(out, paid, &vcard, &d.payee, d.loss_fen);
        let second = if d.linked { &mules2 } else { &gang_mules2 };
        let parts = r.range(1, 3) as i64;
        let kept = d.loss_fen * r.range(95, 99) as i64 / 100;
        for p in 0..parts {
            let to = r.pick(second);
            let amount = kept / parts + if p == 0 { kept % parts } else { 0 };
            transfer_row(out, paid + r.range(300, 5_400) as i64, &d.payee, to, amount);
        }
    }

    bank_background(ctx, &mut r, out, truth, &victim_cards);
}

fn unknown_tac(reference: &Reference, r: &mut R) -> u32 {
    loop {
        let tac = 86_000_000 + r.below(100_000) as u32;
        if reference
            .all_tacs
            .binary_search_by_key(&tac, |t| t.tac)
            .is_err()
        {
            return tac;
        }
    }
}

pub fn imei_text(imei: i64) -> String {
    format!("{imei:015}")
}

/// A victim: mostly the operator's own subscribers (with their line), some on other
/// networks.
fn victim(ctx: &Ctx<'_>, r: &mut R) -> (i64, Option<usize>) {
    let w = ctx.world;
    if r.chance(0.85) {
        for _ in 0..64 {
            let i = r.below(w.len() as u64) as usize;
            if w.kind[i].talks() {
                return (w.msisdn[i], Some(i));
            }
        }
    }
    let seg = *r.pick(&ctx.others);
    (
        86 * 100_000_000_000 + seg * 10_000 + r.below(10_000) as i64,
        None,
    )
}

/// Ordinary transfers: people paying each other, and a payroll account that fans out to
/// many accounts on payday (a hard negative for fan-out rules).
fn bank_background(
    ctx: &Ctx<'_>,
    r: &mut R,
    out: &mut TableSet,
    truth: &mut Truth,
    victim_cards: &std::collections::BTreeMap<i64, String>,
) {
    let w = ctx.world;
    let n_accounts = (w.len() / 10).max(200);
    let accounts: Vec<String> = (0..n_accounts)
        .map(|_| card("621700", r))
        .chain(victim_cards.values().cloned())
        .collect();
    let per_day = (w.len() / 40).max(200);
    let rhythm = &ctx.rhythm;
    for d in 0..i64::from(ctx.cfg.days) {
        let day0 = w.start + d * DAY;
        let weekend = crate::clock::weekday(day0) >= 5;
        for _ in 0..per_day {
            let a = r.pick(&accounts);
            let b = r.pick(&accounts);
            if a == b {
                continue;
            }
            let yuan = if r.chance(0.01) {
                r.log_uniform(100_000.0, 600_000.0)
            } else {
                r.log_uniform(20.0, 30_000.0)
            };
            transfer_row(
                out,
                day0 + rhythm.second(r, weekend),
                a,
                b,
                (yuan * 100.0) as i64,
            );
        }
    }
    let payroll = card("955880", r);
    truth.negative(ety::ACCOUNT, payroll.as_str(), "payroll");
    let payday = w.start + 10 * 3600;
    for k in 0..60 {
        let to = &accounts[(k * 37) % accounts.len()];
        let fen = (r.log_uniform(4_000.0, 30_000.0) * 100.0) as i64;
        transfer_row(out, payday + k as i64 * 7, &payroll, to, fen);
    }
}
