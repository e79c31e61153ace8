//! Clustering benchmark: a random graph of about NODES entities and LINKS links with a
//! planted structure (gangs with a marked rogue host, leaked numbers, bulk accounts,
//! cases, payees and mules; victims shared between neighbouring gangs), ordinary
//! households of accounts, numbers, SIMs, handsets and addresses, and hubs (NATs,
//! SMSCs, `radio`, a web client's fixed device id, busy banks) that everyone touches.
//! Entities are interned in a random order, so the union-find sees the scattered memory
//! access of real input. Prints the time of each phase and checks that every gang came
//! out as one cluster of its own.
//!
//! `cargo run --release -p duanka-link --example cluster_bench -- [NODES] [LINKS] [SEED]`
//! (defaults 10000000 50000000 42). `bench/link.sh` runs it under `/usr/bin/time -v`.

use std::error::Error;
use std::fmt::Write as _;
use std::time::Instant;

use duanka_link::{Contact, EntityType as T, GraphBuilder, NodeId, Provenance, Settings, Via};
use duanka_model::Severity;

/// splitmix64: tiny, fast and fixed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

const GANGS: usize = 100;
const LEAKED_PER_GANG: usize = 1000;
const CASES_PER_GANG: usize = 20;
const HOUSEHOLD: usize = 100;
/// Per household: accounts, numbers, SIMs, handsets, addresses (20 each).
const PER_TYPE: usize = HOUSEHOLD / 5;
const NAT_HUBS: usize = 300;
const SMSC_HUBS: usize = 100;
const WEB_HUBS: usize = 300;
const BANK_HUBS: usize = 300;
const HUB_SHARE: f64 = 0.10;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: usize, d: u64| -> Result<u64, Box<dyn Error>> {
        Ok(args.get(k).map(|s| s.parse()).transpose()?.unwrap_or(d))
    };
    let nodes_target = arg(1, 10_000_000)? as usize;
    let links_target = arg(2, 50_000_000)? as usize;
    let mut rng = Rng(arg(3, 42)?);

    let t0 = Instant::now();
    let mut g = GraphBuilder::with_capacity(nodes_target + 1024, links_target + 1024);
    let mut id = String::new();
    let mut ent = |g: &mut GraphBuilder, t: T, args: std::fmt::Arguments<'_>| {
        id.clear();
        let _ = id.write_fmt(args);
        g.entity(t, &id)
    };

    // Hubs.
    let mut nat = Vec::new();
    for k in 0..NAT_HUBS {
        nat.push(ent(
            &mut g,
            T::Ip,
            format_args!("100.64.{}.{}", k / 256, k % 256),
        )?);
    }
    let mut smsc = Vec::new();
    for k in 0..SMSC_HUBS {
        smsc.push(ent(&mut g, T::Ip, format_args!("10.0.{}.5", k))?);
    }
    smsc.push(g.entity(T::Node, "radio")?);
    let mut web = Vec::new();
    for k in 0..WEB_HUBS {
        web.push(ent(&mut g, T::Device, format_args!("web-client-{k:04}"))?);
    }
    let mut bank = Vec::new();
    for k in 0..BANK_HUBS {
        bank.push(ent(&mut g, T::Account, format_args!("6200{k:012}"))?);
    }

    // Gangs.
    let ts = 1_760_000_000i64;
    let mut gang_cases: Vec<Vec<String>> = Vec::new();
    let mut fraud_numbers: Vec<NodeId> = Vec::new();
    let mut case_no = 0usize;
    let mut gang_links = 0usize;
    for gi in 0..GANGS {
        let rogue = ent(&mut g, T::Ip, format_args!("10.1.{gi}.106"))?;
        g.mark(rogue, "core_interception", 0.95, Severity::High)?;
        let jump = ent(&mut g, T::Ip, format_args!("45.76.{gi}.10"))?;
        let insider = ent(&mut g, T::User, format_args!("insider.{gi:03}"))?;
        let proxy = ent(&mut g, T::Ip, format_args!("103.20.{gi}.7"))?;
        g.link(
            rogue,
            jump,
            Via::FlowPeer,
            Provenance::span(24, ts, ts + 86_400),
        )?;
        g.link(rogue, insider, Via::AuditObject, Provenance::at(ts))?;
        g.link(
            rogue,
            insider,
            Via::AuditSrcIp,
            Provenance::span(30, ts, ts + 86_400),
        )?;
        g.link(
            rogue,
            smsc[gi % SMSC_HUBS],
            Via::FlowPeer,
            Provenance::rows(24),
        )?;
        gang_links += 4;
        let mut accounts = Vec::with_capacity(LEAKED_PER_GANG);
        for k in 0..LEAKED_PER_GANG {
            let num = ent(&mut g, T::Msisdn, format_args!("86133{gi:03}{k:05}"))?;
            g.mark(num, "otp_sink", 0.9, Severity::High)?;
            let acct = ent(&mut g, T::Account, format_args!("wxid_g{gi:03}_{k:05}"))?;
            g.link(num, rogue, Via::DeliveryNode, Provenance::rows(12))?;
            g.link(acct, num, Via::SignupMsisdn, Provenance::at(ts + k as i64))?;
            // Bulk sign-ups come through the gang's proxy, some through a big NAT.
            let ip = if k % 10 == 0 {
                nat[rng.below(NAT_HUBS)]
            } else {
                proxy
            };
            g.link(acct, ip, Via::SignupIp, Provenance::at(ts + k as i64))?;
            gang_links += 3;
            accounts.push(acct);
            if k < 3 {
                fraud_numbers.push(num);
            }
        }
        let mut ids = Vec::new();
        for c in 0..CASES_PER_GANG {
            case_no += 1;
            let case_id = format!("JJ{case_no:08}");
            let loss = 300_000 + rng.below(20_000_000) as i64;
            let case = g.case(&case_id, Some(loss))?;
            let payee = ent(&mut g, T::Account, format_args!("6222{gi:04}{c:04}"))?;
            g.link(
                case,
                accounts[c * 7],
                Via::CaseFraudAccount,
                Provenance::rows(1),
            )?;
            g.link(case, payee, Via::CasePayee, Provenance::rows(1))?;
            // The first victim of each gang was also a victim of the previous gang.
            let victim = if c == 0 && gi > 0 {
                ent(
                    &mut g,
                    T::Msisdn,
                    format_args!("86189{:06}", (gi - 1) * 100 + 1),
                )?
            } else {
                ent(&mut g, T::Msisdn, format_args!("86189{:06}", gi * 100 + c))?
            };
            g.link(case, victim, Via::CaseVictim, Provenance::rows(1))?;
            for m in 0..2 {
                let mule = ent(&mut g, T::Account, format_args!("6228{gi:04}{c:04}{m}"))?;
                g.transfer(payee, mule, loss / 2, Provenance::at(ts + 3600))?;
            }
            g.transfer(
                payee,
                bank[rng.below(BANK_HUBS)],
                loss / 50,
                Provenance::at(ts),
            )?;
            gang_links += 6;
            ids.push(case_id);
        }
        gang_cases.push(ids);
    }

    // Ordinary households, interned in a random order so that indices scatter.
    let fixed = g.entities();
    let households = nodes_target.saturating_sub(fixed) / HOUSEHOLD;
    let cross = households * 2 / 5;
    let hub_links = (links_target as f64 * HUB_SHARE) as usize;
    let inner_total = links_target.saturating_sub(gang_links + cross + hub_links);
    let per_house = inner_total / households.max(1);
    let mut order: Vec<u32> = (0..(households * HOUSEHOLD) as u32).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
    // Every slot is overwritten below; `radio` only fills the vector.
    let mut slot = vec![smsc[SMSC_HUBS]; order.len()];
    const TYPES: [T; 5] = [T::Account, T::Msisdn, T::Imsi, T::Imei, T::Ip];
    for &o in &order {
        let (h, s) = (o as usize / HOUSEHOLD, o as usize % HOUSEHOLD);
        let n = match TYPES[s / PER_TYPE] {
            T::Account => ent(&mut g, T::Account, format_args!("acct_{h:07}_{s:02}"))?,
            T::Msisdn => ent(&mut g, T::Msisdn, format_args!("8617{h:07}{s:02}"))?,
            T::Imsi => ent(&mut g, T::Imsi, format_args!("46011{h:08}{s:02}"))?,
            T::Imei => ent(&mut g, T::Imei, format_args!("86{h:011}{s:02}"))?,
            _ => ent(&mut g, T::Ip, format_args!("fd00::{h:x}:{s:x}"))?,
        };
        slot[o as usize] = n;
    }
    drop(order);
    let node = |h: usize, kind: usize, k: usize| slot[h * HOUSEHOLD + kind * PER_TYPE + k];
    let t_intern = t0.elapsed();

    const KINDS: [(usize, usize, Via); 7] = [
        (0, 1, Via::SignupMsisdn),
        (0, 3, Via::SignupDevice),
        (0, 4, Via::SignupIp),
        (1, 2, Via::AttachImsi),
        (1, 3, Via::AttachImei),
        (4, 4, Via::FlowPeer),
        (0, 0, Via::Transfer),
    ];
    for h in 0..households {
        for _ in 0..per_house {
            let (fk, tk, via) = KINDS[rng.below(KINDS.len())];
            let (a, b) = (
                node(h, fk, rng.below(PER_TYPE)),
                node(h, tk, rng.below(PER_TYPE)),
            );
            let r = rng.next();
            let prov = Provenance::span(
                1 + (r & 7) as u32,
                ts + (r >> 40) as i64,
                ts + (r >> 38) as i64,
            );
            if via == Via::Transfer {
                g.transfer(a, b, (r & 0xFFFF) as i64, prov)?;
            } else {
                g.link(a, b, via, prov)?;
            }
        }
    }
    // A few links between households: small groups of households, no giant component.
    for _ in 0..cross {
        let (h1, h2) = (rng.below(households), rng.below(households));
        g.link(
            node(h1, 0, rng.below(PER_TYPE)),
            node(h2, 4, rng.below(PER_TYPE)),
            Via::SignupIp,
            Provenance::rows(1),
        )?;
    }
    for _ in 0..hub_links {
        let h = rng.below(households);
        let k = rng.below(PER_TYPE);
        match rng.below(4) {
            0 => g.link(
                node(h, 0, k),
                nat[rng.below(NAT_HUBS)],
                Via::SignupIp,
                Provenance::rows(1),
            )?,
            1 => g.link(
                node(h, 1, k),
                smsc[rng.below(smsc.len())],
                Via::DeliveryNode,
                Provenance::rows(3),
            )?,
            2 => g.link(
                node(h, 0, k),
                web[rng.below(WEB_HUBS)],
                Via::SignupDevice,
                Provenance::rows(1),
            )?,
            _ => g.transfer(
                node(h, 0, k),
                bank[rng.below(BANK_HUBS)],
                10_000,
                Provenance::rows(1),
            )?,
        }
    }
    // Contacts of the gangs' numbers with ordinary subscribers, for the warning list.
    for k in 0..100_000 {
        let sub = node(rng.below(households), 1, rng.below(PER_TYPE));
        let r = rng.next();
        g.contact(
            sub,
            fraud_numbers[k % fraud_numbers.len()],
            Contact {
                calls: (r & 3) as u32,
                talk_s: ((r >> 8) & 255) as u32,
                sms: ((r >> 16) & 3) as u32,
                last_ts: Some(ts + (r >> 44) as i64),
            },
        )?;
    }
    let t_feed = t0.elapsed();
    let (entities, links) = (g.entities(), g.links());

    let t1 = Instant::now();
    let linked = g.build(&Settings::default());
    let t_build = t1.elapsed();

    let t2 = Instant::now();
    let mut sink = std::io::sink();
    linked.write_clusters_jsonl(&mut sink)?;
    let warnings = linked.warnings().len();
    let t_write = t2.elapsed();

    // Every gang must be exactly one cluster holding all of its cases and nothing else.
    let mut exact = 0;
    for cases in &gang_cases {
        let c = linked.cluster_of(T::Case, &cases[0]);
        if c.is_some_and(|c| {
            &c.case_ids == cases && c.chain.last().is_some_and(|h| h.entity_type == T::User)
        }) {
            exact += 1;
        }
    }
    let s = linked.stats();
    println!("entities            {entities}");
    println!("links fed           {links}");
    println!("links after merge   {}", s.links);
    println!("hubs                {}", s.hubs);
    println!("hub links skipped   {}", s.hub_links);
    println!("hub thresholds      {:?}", s.hub_threshold);
    println!("clusters            {}", s.clusters);
    println!("warnings            {warnings}");
    println!("gangs recovered     {exact}/{GANGS} (own cluster, all cases, chain to the insider)");
    println!("intern entities     {:.2} s", t_intern.as_secs_f64());
    println!("feed (incl. intern) {:.2} s", t_feed.as_secs_f64());
    println!("build (cluster)     {:.2} s", t_build.as_secs_f64());
    println!("write + warnings    {:.2} s", t_write.as_secs_f64());
    if let Some(top) = linked.clusters().first() {
        let chain: Vec<String> = top
            .chain
            .iter()
            .map(|h| format!("{}:{}", h.entity_type, h.entity_id))
            .collect();
        println!(
            "top cluster         {} cases, chain {}",
            top.case_ids.len(),
            chain.join(" → ")
        );
    }
    if exact != GANGS {
        return Err(format!("only {exact} of {GANGS} gangs recovered").into());
    }
    Ok(())
}
