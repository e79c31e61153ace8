//! The everyday network: the register rows and the calls, texts, attaches and sign-ups
//! of ordinary people and of the hard negatives (shops, IoT SIMs, shared family
//! handsets, phone switchers, the test lab's SIMs). Generated per chunk of lines, each
//! chunk from its own random stream, so chunks run in parallel and the bytes do not
//! depend on how many threads ran them.

use crate::Config;
use crate::clock::{self, DAY};
use crate::out::{TableId, TableSet};
use crate::reference::{Block, ip_text};
use crate::rng::{R, Rhythm, Stream, mix};
use crate::text::{Texts, render};
use crate::world::{CIRCLE, Kind, LAB_CELL, World};

/// Lines per chunk: large enough to amortise per-chunk setup, small enough to balance
/// two to sixteen threads.
pub const CHUNK: usize = 8_192;

/// Shared, read-only inputs of every chunk.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub world: &'a World,
    pub texts: &'a Texts,
    pub rhythm: Rhythm,
    pub others: Vec<i64>,
    pub cn: &'a [Block],
    /// Two campus NAT addresses behind which many students sign up, legitimately.
    pub campus: [String; 2],
    /// Service codes of the test lab.
    pub lab_codes: [&'static str; 3],
}

/// Services a person uses (indices into `Texts::services`), stable per line.
fn used_service(seed: u64, i: usize, pick: u64, pool: usize, n: usize) -> usize {
    (mix(seed ^ mix(i as u64 ^ 0x5e71_ce00) ^ (pick % pool as u64)) % n as u64) as usize
}

/// Generates chunk `c`.
pub fn chunk(ctx: &Ctx<'_>, c: usize) -> TableSet {
    let w = ctx.world;
    let lo = c * CHUNK;
    let hi = ((c + 1) * CHUNK).min(w.len());
    let mut r = R::new(ctx.cfg.seed, Stream::Population, c as u64);
    let mut out = TableSet::new();
    let lines = hi - lo;
    let days = ctx.cfg.days as usize;
    // Rough sizes avoid regrowing the buffers.
    out.get(TableId::Subscribers).buf.reserve(lines * 72);
    out.get(TableId::Sms).buf.reserve(lines * days * 420);
    out.get(TableId::Calls).buf.reserve(lines * days * 230);
    out.get(TableId::Attach).buf.reserve(lines * days * 280);
    let mut text = Vec::with_capacity(256);
    for i in lo..hi {
        subscriber_row(ctx, &mut out, i);
        for d in 0..days {
            let day0 = w.start + d as i64 * DAY;
            let weekend = clock::weekday(day0) >= 5;
            match w.kind[i] {
                k if k.talks() => person_day(ctx, &mut out, &mut r, &mut text, i, day0, weekend),
                Kind::Iot => iot_day(&mut out, &mut r, w, i, day0),
                Kind::Lab => lab_day(ctx, &mut out, &mut r, &mut text, i, day0),
                _ => {}
            }
        }
    }
    out
}

fn subscriber_row(ctx: &Ctx<'_>, out: &mut TableSet, i: usize) {
    let w = ctx.world;
    let seed = ctx.cfg.seed;
    let kind = w.kind[i];
    let rows = out.get(TableId::Subscribers);
    rows.row().f_msisdn(w.msisdn[i]).f_i64(w.imsi[i]);
    if w.activated_at[i] != 0 {
        rows.f_time(w.activated_at[i]);
    } else {
        rows.f_null();
    }
    let h = mix(seed ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    match kind {
        Kind::Stock => {
            rows.f_null().f_null();
        }
        Kind::Sink | Kind::PoolSink if w.active_status[i] => {
            // Leaked numbers that were sold went out through one agent, under a handful
            // of straw identities.
            rows.f_str(SHADY_CHANNEL);
            rows.f_str("h");
            let id = mix(seed ^ 0xbad) ^ (h % 4);
            hex16(&mut rows.buf, id);
        }
        Kind::Sink | Kind::PoolSink => {
            rows.f_null().f_null();
        }
        _ => {
            rows.f_str("GD");
            crate::out::push_padded(&mut rows.buf, u64::from(w.cell[i] / 8) % 10_000, 4);
            rows.f_str("h");
            // Family members' lines are held under the head of the family's identity.
            let holder = if kind == Kind::Family {
                mix(seed ^ w.imei[i] as u64)
            } else {
                h
            };
            hex16(&mut rows.buf, holder);
        }
    }
    let status = match kind {
        Kind::Stock => "stock",
        Kind::Cancelled => "cancelled",
        Kind::Suspended => "suspended",
        Kind::Sink if !w.active_status[i] => "stock",
        _ => "active",
    };
    rows.f_str(status).end();
}

/// The sales channel through which the sold leaked numbers were activated.
pub const SHADY_CHANNEL: &str = "GD7301";

fn hex16(buf: &mut Vec<u8>, v: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for k in (0..16).rev() {
        buf.push(HEX[((v >> (k * 4)) & 15) as usize]);
    }
}

/// Appends an SMS row.
#[allow(clippy::too_many_arguments)]
pub fn sms_row(
    out: &mut TableSet,
    ts: i64,
    mo: bool,
    msisdn: i64,
    peer: Peer<'_>,
    text: &[u8],
    category: Option<&str>,
    node: Option<&str>,
) {
    let rows = out.get(TableId::Sms);
    rows.row()
        .f_time(ts)
        .f_str(if mo { "MO" } else { "MT" })
        .f_msisdn(msisdn);
    match peer {
        Peer::Number(n) => rows.f_msisdn(n),
        Peer::Code(c) => rows.f_str(c),
    };
    rows.f_text_parts(&[text]);
    match category {
        Some(c) => rows.f_str(c),
        None => rows.f_null(),
    };
    match node {
        Some(n) => rows.f_str(n),
        None => rows.f_null(),
    };
    rows.end();
}

#[derive(Debug, Clone, Copy)]
pub enum Peer<'a> {
    Number(i64),
    Code(&'a str),
}

/// Appends a call row.
#[allow(clippy::too_many_arguments)]
pub fn call_row(
    out: &mut TableSet,
    ts: i64,
    mo: bool,
    msisdn: i64,
    peer: i64,
    duration: u64,
    cell: u32,
    imei: i64,
) {
    let rows = out.get(TableId::Calls);
    rows.row()
        .f_time(ts)
        .f_str(if mo { "MO" } else { "MT" })
        .f_msisdn(msisdn)
        .f_msisdn(peer)
        .f_u64(duration)
        .f_cell(cell)
        .f_imei(imei)
        .end();
}

pub fn attach_row(out: &mut TableSet, ts: i64, imsi: i64, msisdn: i64, imei: i64, cell: u32) {
    out.get(TableId::Attach)
        .row()
        .f_time(ts)
        .f_i64(imsi)
        .f_msisdn(msisdn)
        .f_imei(imei)
        .f_cell(cell)
        .end();
}

fn category<'a>(ctx: &Ctx<'_>, r: &mut R, c: &'a str) -> Option<&'a str> {
    if r.chance(ctx.cfg.shares.category_blank) {
        None
    } else {
        Some(c)
    }
}

/// A verification code of 4 or 6 digits.
pub fn code(r: &mut R) -> (u32, u32) {
    if r.chance(0.2) {
        (r.below(10_000) as u32, 4)
    } else {
        (r.below(1_000_000) as u32, 6)
    }
}

/// Renders a code message from service `s`.
pub fn otp_text(texts: &Texts, r: &mut R, s: usize, buf: &mut Vec<u8>) {
    let svc = &texts.services[s];
    let t = if svc.english && r.chance(0.8) {
        r.pick(&texts.otp_en)
    } else {
        r.pick(&texts.otp_zh)
    };
    let (c, len) = code(r);
    let minutes = *r.pick(&[5u32, 5, 10, 15, 30]);
    render(buf, t, svc.signature, c, len, minutes);
}

fn person_day(
    ctx: &Ctx<'_>,
    out: &mut TableSet,
    r: &mut R,
    text: &mut Vec<u8>,
    i: usize,
    day0: i64,
    weekend: bool,
) {
    let w = ctx.world;
    let seed = ctx.cfg.seed;
    let me = w.msisdn[i];
    let shop = w.kind[i] == Kind::Shop;
    let busy = if shop { 2.5 } else { 1.0 } * if weekend { 0.85 } else { 1.0 };
    let cell_at = |j: usize, s: i64| -> u32 {
        // Daytime on weekdays people are at work, one cell over.
        if !weekend && (9 * 3600..18 * 3600).contains(&s) {
            w.cell[j] + 1
        } else {
            w.cell[j]
        }
    };
    let contact = |r: &mut R| {
        let k = r.below(CIRCLE).min(r.below(CIRCLE));
        w.contact(seed, i, k, &ctx.others)
    };

    // Calls this person makes, and the callee's side when the callee is on-net.
    for _ in 0..r.poisson(1.5 * busy) {
        let s = ctx.rhythm.second(r, weekend);
        let ts = day0 + s;
        let duration = if r.chance(0.13) {
            0
        } else {
            r.log_uniform(6.0, 1_800.0) as u64
        };
        match contact(r) {
            Ok(j) => {
                call_row(
                    out,
                    ts,
                    true,
                    me,
                    w.msisdn[j],
                    duration,
                    cell_at(i, s),
                    w.imei_at(i, ts),
                );
                call_row(
                    out,
                    ts,
                    false,
                    w.msisdn[j],
                    me,
                    duration,
                    cell_at(j, s),
                    w.imei_at(j, ts),
                );
            }
            Err(n) => call_row(
                out,
                ts,
                true,
                me,
                n,
                duration,
                cell_at(i, s),
                w.imei_at(i, ts),
            ),
        }
    }
    // Calls from outside the operator.
    for _ in 0..r.poisson(0.5 * busy) {
        let s = ctx.rhythm.second(r, weekend);
        let ts = day0 + s;
        // On-net callers appear through their own outgoing calls above.
        let peer = match contact(r) {
            Err(n) if r.chance(0.7) => n,
            _ => {
                let seg = *r.pick(&ctx.others);
                86 * 100_000_000_000 + seg * 10_000 + r.below(10_000) as i64
            }
        };
        if peer == me {
            continue;
        }
        let duration = if r.chance(0.25) {
            0
        } else {
            r.log_uniform(5.0, 900.0) as u64
        };
        call_row(
            out,
            ts,
            false,
            me,
            peer,
            duration,
            cell_at(i, s),
            w.imei_at(i, ts),
        );
    }

    // Verification codes from the services this person uses.
    let (otp_mean, pool) = if shop { (24.0, 24) } else { (0.45, 6) };
    let n_services = ctx.texts.services.len();
    for _ in 0..r.poisson(otp_mean * if weekend { 0.8 } else { 1.0 }) {
        let s = ctx.rhythm.second(r, weekend);
        let svc = used_service(seed, i, r.below(pool as u64), pool, n_services);
        otp_text(ctx.texts, r, svc, text);
        let cat = category(ctx, r, "otp");
        let code = ctx.texts.services[svc].code.as_str();
        sms_row(
            out,
            day0 + s,
            false,
            me,
            Peer::Code(code),
            text,
            cat,
            Some("radio"),
        );
    }
    for _ in 0..r.poisson(0.5) {
        let s = ctx.rhythm.second(r, weekend);
        let (code, t) = r.pick(&ctx.texts.notice);
        render(text, t, "", r.below(10_000) as u32, 4, 0);
        let cat = category(ctx, r, "notice");
        sms_row(
            out,
            day0 + s,
            false,
            me,
            Peer::Code(code),
            text,
            cat,
            Some("radio"),
        );
    }
    for _ in 0..r.poisson(0.6) {
        let s = ctx.rhythm.second(r, weekend);
        let (code, t) = r.pick(&ctx.texts.marketing);
        let sig = ctx.texts.services[r.below(n_services as u64 / 2) as usize].signature;
        render(text, t, sig, 0, 0, 0);
        let cat = category(ctx, r, "marketing");
        sms_row(
            out,
            day0 + s,
            false,
            me,
            Peer::Code(code),
            text,
            cat,
            Some("radio"),
        );
    }
    // Personal texts sent, and received by on-net friends.
    for _ in 0..r.poisson(0.9 * busy) {
        let s = ctx.rhythm.second(r, weekend);
        let msg = r.pick(ctx.texts.personal).as_bytes();
        let cat = category(ctx, r, "personal");
        match contact(r) {
            Ok(j) => {
                sms_row(
                    out,
                    day0 + s,
                    true,
                    me,
                    Peer::Number(w.msisdn[j]),
                    msg,
                    cat,
                    None,
                );
                let t = day0 + s + r.range(1, 8) as i64;
                sms_row(
                    out,
                    t,
                    false,
                    w.msisdn[j],
                    Peer::Number(me),
                    msg,
                    cat,
                    Some("radio"),
                );
            }
            Err(n) => sms_row(out, day0 + s, true, me, Peer::Number(n), msg, cat, None),
        }
    }
    for _ in 0..r.poisson(0.3) {
        let s = ctx.rhythm.second(r, weekend);
        let seg = *r.pick(&ctx.others);
        let n = 86 * 100_000_000_000 + seg * 10_000 + r.below(10_000) as i64;
        let msg = r.pick(ctx.texts.personal).as_bytes();
        let cat = category(ctx, r, "personal");
        sms_row(
            out,
            day0 + s,
            false,
            me,
            Peer::Number(n),
            msg,
            cat,
            Some("radio"),
        );
    }

    // Location updates: at least morning and evening, more for people who move.
    for _ in 0..r.range(2, 5) {
        let s = ctx.rhythm.second(r, weekend);
        let ts = day0 + s;
        attach_row(out, ts, w.imsi[i], me, w.imei_at(i, ts), cell_at(i, s));
    }
    if w.imei2[i] != 0 && w.switch_at[i] >= day0 && w.switch_at[i] < day0 + DAY {
        // The new phone registers as soon as the SIM moves into it.
        let ts = (w.switch_at[i] + r.range(30, 600) as i64).min(day0 + DAY - 1);
        attach_row(out, ts, w.imsi[i], me, w.imei2[i], w.cell[i]);
    }

    // Now and then a sign-up to a platform, with its code first.
    if r.chance(0.02) {
        let s = ctx.rhythm.second(r, weekend);
        let ts = day0 + s;
        let platforms: Vec<usize> = (0..n_services)
            .filter(|&k| ctx.texts.services[k].platform.is_some())
            .collect();
        let svc = *r.pick(&platforms);
        otp_text(ctx.texts, r, svc, text);
        let code = ctx.texts.services[svc].code.as_str();
        let cat = category(ctx, r, "otp");
        sms_row(
            out,
            (ts - r.range(15, 90) as i64).max(day0),
            false,
            me,
            Peer::Code(code),
            text,
            cat,
            Some("radio"),
        );
        let platform = ctx.texts.services[svc].platform.unwrap_or("wechat");
        let ip = if r.chance(0.15) {
            ctx.campus[r.below(2) as usize].clone()
        } else {
            home_ip(ctx.cn, seed, i)
        };
        let acc = account_id(platform, r);
        out.get(TableId::Registrations)
            .row()
            .f_time(ts)
            .f_str(platform)
            .f_str(&acc)
            .f_msisdn(me)
            .f_imei(w.imei_at(i, ts))
            .f_str(&ip)
            .end();
    }
}

/// A residential address of line `i`, stable across days.
pub fn home_ip(cn: &[Block], seed: u64, i: usize) -> String {
    let h = mix(seed ^ 0x1_0000_0000 ^ i as u64);
    let b = cn[(h % cn.len().max(1) as u64) as usize];
    ip_text(b.host(h >> 20))
}

/// A platform account id in the platform's usual shape.
pub fn account_id(platform: &str, r: &mut R) -> String {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::with_capacity(24);
    match platform {
        "wechat" => {
            s.push_str("wxid_");
            for _ in 0..14 {
                s.push(ALNUM[r.below(36) as usize] as char);
            }
        }
        "qq" => {
            s.push_str(&r.range(100_000_000, 3_999_999_999).to_string());
        }
        "alipay" => {
            s.push_str("2088");
            s.push_str(&format!("{:012}", r.below(1_000_000_000_000)));
        }
        p => {
            s.push_str(p);
            s.push('_');
            for _ in 0..12 {
                s.push(ALNUM[r.below(36) as usize] as char);
            }
        }
    }
    s
}

fn iot_day(out: &mut TableSet, r: &mut R, w: &World, i: usize, day0: i64) {
    // Meters and trackers report on a timer, day and night alike.
    let n = r.range(1, 3);
    for k in 0..n {
        let ts = day0 + (k as i64 * DAY) / n as i64 + r.below(3_600) as i64;
        attach_row(out, ts, w.imsi[i], w.msisdn[i], w.imei[i], w.cell[i]);
    }
}

fn lab_day(ctx: &Ctx<'_>, out: &mut TableSet, r: &mut R, text: &mut Vec<u8>, i: usize, day0: i64) {
    let w = ctx.world;
    for h in 0..12 {
        let ts = day0 + h * 7_200 + r.below(600) as i64;
        attach_row(out, ts, w.imsi[i], w.msisdn[i], w.imei[i], LAB_CELL);
    }
    // The lab replays customers' templates all day, from its own codes.
    let n_services = ctx.texts.services.len() as u64;
    for _ in 0..r.range(150, 300) {
        let ts = day0 + r.below(DAY as u64) as i64;
        let svc = r.below(n_services) as usize;
        otp_text(ctx.texts, r, svc, text);
        let code = *r.pick(&ctx.lab_codes);
        let cat = category(ctx, r, "otp");
        sms_row(
            out,
            ts,
            false,
            w.msisdn[i],
            Peer::Code(code),
            text,
            cat,
            Some("radio"),
        );
    }
}
