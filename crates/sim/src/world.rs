//! The population plan: every line in the register with its number, SIM, handset, kind
//! and status, decided up front from the world stream so that any unit of work can look
//! up anyone (a callee, a victim) without coordination. Lines are laid out segment by
//! segment in number order, so index neighbours share a segment and a city, which is what
//! social circles are drawn from.

use crate::reference::Reference;
use crate::rng::{R, Stream, mix};
use crate::{Config, SimError};

/// What a line is in the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A person: social calls and texts, a few codes a week, one handset.
    Ordinary,
    /// Shop owner or reseller: many codes from many services, but a normal life otherwise.
    Shop,
    /// IoT / M2M SIM: attaches, never calls or texts.
    Iot,
    /// A family member whose SIM shares one handset with relatives.
    Family,
    /// A person who changes phones during the window.
    Switcher,
    /// A test SIM of the legitimate bulk-SMS test lab.
    Lab,
    /// Never sold.
    Stock,
    Cancelled,
    Suspended,
    /// Leaked number whose codes are taken off the rogue host; never attaches.
    Sink,
    /// Leaked number sitting in a modem pool (modem-pool scenario).
    PoolSink,
}

impl Kind {
    /// Lives a human life on the network (calls, texts, attaches).
    pub fn talks(self) -> bool {
        matches!(
            self,
            Kind::Ordinary | Kind::Shop | Kind::Family | Kind::Switcher
        )
    }
}

pub struct World {
    pub start: i64,
    pub days: u32,
    pub msisdn: Vec<i64>,
    pub imsi: Vec<i64>,
    pub imei: Vec<i64>,
    /// The second handset of switchers (0 otherwise), used from `switch_at` on.
    pub imei2: Vec<i64>,
    pub switch_at: Vec<i64>,
    pub kind: Vec<Kind>,
    pub active_status: Vec<bool>,
    pub activated_at: Vec<i64>,
    pub cell: Vec<u32>,
    pub sinks: Vec<usize>,
    /// The leaked blocks: (segment, first suffix, count).
    pub leak_runs: Vec<(i64, u32, u32)>,
    /// Segments the world's own numbers come from.
    pub own_segments: Vec<i64>,
    pub family_groups: u64,
}

impl World {
    pub fn len(&self) -> usize {
        self.msisdn.len()
    }

    pub fn is_empty(&self) -> bool {
        self.msisdn.is_empty()
    }

    /// The handset line `i` uses at time `ts`.
    pub fn imei_at(&self, i: usize, ts: i64) -> i64 {
        if self.imei2[i] != 0 && ts >= self.switch_at[i] {
            self.imei2[i]
        } else {
            self.imei[i]
        }
    }

    /// Contact `k` (0..CIRCLE) of line `i`: an index of a talking line, or `Err(number)`
    /// for someone outside the operator. Derived by hashing, so circles are stable and
    /// symmetric enough without storing them.
    pub fn contact(&self, seed: u64, i: usize, k: u64, others: &[i64]) -> Result<usize, i64> {
        let h = mix(seed ^ mix((i as u64) << 8 | k));
        // Two in three contacts are on-net neighbours (same area), the rest elsewhere.
        if !h.is_multiple_of(3) {
            let off = (h >> 8) % 600;
            let j = (i as i64 + off as i64 - 300).clamp(0, self.len() as i64 - 1) as usize;
            if j != i && self.kind[j].talks() {
                return Ok(j);
            }
        }
        let seg = others[((h >> 20) % others.len().max(1) as u64) as usize];
        Err(86 * 100_000_000_000 + seg * 10_000 + ((h >> 40) % 10_000) as i64)
    }
}

/// Number of circle contacts.
pub const CIRCLE: u64 = 8;

/// Fill rate of a number segment: about three in five numbers are sold.
const FILL: f64 = 0.6;

/// Builds the register.
pub fn build(cfg: &Config, reference: &Reference) -> Result<World, SimError> {
    let mut r = R::new(cfg.seed, Stream::World, 0);
    let n = cfg.subscribers as usize;
    // The leaked numbers: stock numbers of the leaked blocks, and live subscribers.
    let n_all = cfg.sink_count() as usize;
    let n_live = ((n_all as f64 * cfg.chain.live_share).round() as usize).min(n_all);
    let n_sinks = n_all - n_live;
    let blocks = cfg.chain.leak_blocks.clamp(1, crate::MAX_LEAK_BLOCKS) as usize;
    let run = n_sinks.div_ceil(blocks);
    if run as u64 > crate::MAX_LEAK_RUN {
        return Err(SimError::Config(format!(
            "{n_sinks} leaked numbers in {blocks} blocks do not fit in 10 000-number segments; raise --leak-blocks"
        )));
    }
    let mut segs: Vec<i64> = reference.own_segments.iter().map(|s| s.prefix).collect();
    segs.sort_unstable();
    // A seed-dependent shuffle, so different seeds use different areas.
    for i in (1..segs.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        segs.swap(i, j);
    }
    // Unrelated stock numbers around the leaked runs: up to 8 % of each block, but never
    // more than 5 % of the register, so small worlds keep their ordinary population.
    let room = (blocks * (10_000 - run)) as f64;
    let leak_filler_p = (0.05 * n as f64 / room).min(0.08);
    let leak_lines_est = n_sinks + ((10_000 - run) as f64 * leak_filler_p * blocks as f64) as usize;
    let normal = n.saturating_sub(leak_lines_est);
    let needed = (normal as f64 / (FILL * 10_000.0)).ceil() as usize + blocks + 1;
    if needed > segs.len() {
        // Past the province's own list the register goes on in the operator's segments
        // of other provinces, shuffled by the seed like the rest; the leaked blocks stay
        // in the province (they are the last of `segs`).
        let mut spare: Vec<i64> = reference.spare_segments.iter().map(|s| s.prefix).collect();
        for i in (1..spare.len()).rev() {
            let j = r.below(i as u64 + 1) as usize;
            spare.swap(i, j);
        }
        let more = needed - segs.len();
        if more > spare.len() {
            return Err(SimError::Config(format!(
                "{n} subscribers need about {needed} number segments but the reference data has {} China Telecom segments; lower --subscribers",
                segs.len() + spare.len()
            )));
        }
        segs.splice(0..0, spare.into_iter().take(more));
    }
    let leak_segs: Vec<i64> = segs[segs.len() - blocks..].to_vec();
    let mut own: Vec<i64> = segs[..needed - blocks].to_vec();
    own.sort_unstable();

    let mut w = World {
        start: cfg.start_epoch(),
        days: cfg.days,
        msisdn: Vec::with_capacity(n),
        imsi: Vec::with_capacity(n),
        imei: Vec::with_capacity(n),
        imei2: Vec::with_capacity(n),
        switch_at: Vec::with_capacity(n),
        kind: Vec::with_capacity(n),
        active_status: Vec::with_capacity(n),
        activated_at: Vec::with_capacity(n),
        cell: Vec::with_capacity(n),
        sinks: Vec::new(),
        leak_runs: Vec::new(),
        own_segments: own.clone(),
        family_groups: 0,
    };
    let mut handsets = Handsets::new(reference, cfg.seed);
    let s = &cfg.shares;
    let mut family_left = 0u32;
    let mut family_imei = 0i64;
    'fill: for (si, &seg) in own.iter().enumerate() {
        for suffix in 0..10_000i64 {
            if w.len() >= normal {
                break 'fill;
            }
            if !r.chance(FILL) {
                continue;
            }
            let i = w.len();
            let msisdn = 86 * 100_000_000_000 + seg * 10_000 + suffix;
            let kind = if family_left > 0 {
                family_left -= 1;
                Kind::Family
            } else {
                let u = r.f64();
                let mut c = s.stock;
                if u < c {
                    Kind::Stock
                } else if u < {
                    c += s.cancelled;
                    c
                } {
                    Kind::Cancelled
                } else if u < {
                    c += s.suspended;
                    c
                } {
                    Kind::Suspended
                } else if u < {
                    c += s.iot;
                    c
                } {
                    Kind::Iot
                } else if u < {
                    c += s.shop;
                    c
                } {
                    Kind::Shop
                } else if u < {
                    c += s.family;
                    c
                } {
                    family_left = r.range(1, 3) as u32;
                    family_imei = 0;
                    Kind::Family
                } else if u < {
                    c += s.switcher;
                    c
                } {
                    Kind::Switcher
                } else {
                    Kind::Ordinary
                }
            };
            let (imei, imei2, switch_at) = match kind {
                Kind::Ordinary | Kind::Shop | Kind::Lab => (handsets.handset(&mut r), 0, 0),
                Kind::Family => {
                    if family_imei == 0 {
                        family_imei = handsets.handset(&mut r);
                        w.family_groups += 1;
                    }
                    (family_imei, 0, 0)
                }
                Kind::Switcher => {
                    let a = handsets.handset(&mut r);
                    let b = handsets.handset(&mut r);
                    let at = w.start + r.below(u64::from(cfg.days) * 86_400) as i64;
                    (a, b, at)
                }
                Kind::Iot => (handsets.module(&mut r), 0, 0),
                _ => (0, 0, 0),
            };
            let active = !matches!(kind, Kind::Stock | Kind::Cancelled | Kind::Suspended);
            let activated = match kind {
                Kind::Stock => 0,
                _ => w.start - (r.log_uniform(20.0, 3_000.0) * 86_400.0) as i64,
            };
            w.msisdn.push(msisdn);
            w.imsi.push(imsi_of(cfg.seed, i as u64));
            w.imei.push(imei);
            w.imei2.push(imei2);
            w.switch_at.push(switch_at);
            w.kind.push(kind);
            w.active_status.push(active);
            w.activated_at.push(activated);
            // Neighbouring numbers live in neighbouring cells of the segment's area.
            w.cell.push((si as u32) * 40 + r.below(40) as u32);
        }
    }
    // Lab SIMs: a few ordinary lines taken over by the test lab.
    let ordinary: Vec<usize> = (0..w.len())
        .filter(|&i| w.kind[i] == Kind::Ordinary)
        .collect();
    let lab = (cfg.shares.lab_sims as usize).min(ordinary.len() / 4);
    for k in 0..lab {
        let i = ordinary[(k * ordinary.len()) / lab.max(1)];
        w.kind[i] = Kind::Lab;
        w.cell[i] = LAB_CELL;
    }

    // The leaked blocks: a contiguous run per block segment, with a few unrelated stock
    // numbers around it.
    let per_block = n_sinks.div_ceil(blocks);
    let mut left = n_sinks;
    let pool_share = if cfg.scenario == Scenario::ModemPool {
        cfg.chain.modem_pool_share
    } else {
        0.0
    };
    for &seg in &leak_segs {
        let count = per_block.min(left);
        left -= count;
        let first = r.below((10_000 - count) as u64 / 100) as i64 * 100;
        w.leak_runs.push((seg, first as u32, count as u32));
        for suffix in 0..10_000i64 {
            let in_run = suffix >= first && suffix < first + count as i64;
            if !in_run && !r.chance(leak_filler_p) {
                continue;
            }
            let i = w.len();
            let kind = if !in_run {
                Kind::Stock
            } else if r.chance(pool_share) {
                Kind::PoolSink
            } else {
                Kind::Sink
            };
            let active = match kind {
                Kind::Stock => false,
                Kind::PoolSink => true,
                _ => r.chance(cfg.chain.sink_active_share),
            };
            if in_run {
                w.sinks.push(i);
            }
            w.msisdn.push(86 * 100_000_000_000 + seg * 10_000 + suffix);
            w.imsi.push(imsi_of(cfg.seed, i as u64));
            w.imei.push(0);
            w.imei2.push(0);
            w.switch_at.push(0);
            w.kind.push(kind);
            w.active_status.push(active);
            // Leaked numbers that were "sold" went out in one batch a few days earlier.
            w.activated_at.push(if active {
                w.start - 86_400 * r.range(3, 9) as i64
            } else {
                0
            });
            w.cell.push(0);
        }
    }
    // Live victims: ordinary people, spread over the register, whose codes the rogue
    // host takes while they go on living on the network.
    if n_live > 0 {
        let ordinary: Vec<usize> = (0..w.len())
            .filter(|&i| w.kind[i] == Kind::Ordinary)
            .collect();
        let n_live = n_live.min(ordinary.len() / 4);
        for k in 0..n_live {
            // Offset by half a stride from the lab's picks.
            let i = ordinary[(2 * k + 1) * ordinary.len() / (2 * n_live)];
            w.sinks.push(i);
        }
    }
    Ok(w)
}

/// The test lab's cell.
pub const LAB_CELL: u32 = 99_999;

pub use crate::Scenario;

/// A unique China Telecom IMSI for line `i`: MCC 460, MNC 11 (a few 03), and a bijection
/// of the index for the MSIN so no two lines share one.
fn imsi_of(seed: u64, i: u64) -> i64 {
    let msin = (i.wrapping_mul(2_654_435_761) % 10_000_000_000 + mix(seed) % 10_000_000_000)
        % 10_000_000_000;
    let mnc = if mix(seed ^ i).is_multiple_of(10) {
        3
    } else {
        11
    };
    (460 * 100 + mnc) as i64 * 10_000_000_000 + msin as i64
}

/// Handset IMEIs with real TACs and valid check digits, unique per handset: each TAC
/// hands out serials by a stride coprime to 10⁶.
pub struct Handsets {
    handset_tacs: Vec<u32>,
    module_tacs: Vec<u32>,
    next: std::collections::BTreeMap<u32, u64>,
    salt: u64,
}

impl Handsets {
    pub fn new(reference: &Reference, seed: u64) -> Self {
        Handsets {
            handset_tacs: reference.handset_tacs.iter().map(|t| t.tac).collect(),
            module_tacs: reference.module_tacs.iter().map(|t| t.tac).collect(),
            next: Default::default(),
            salt: seed % 1_000_000,
        }
    }

    fn from(&mut self, tac: u32) -> i64 {
        let c = self.next.entry(tac).or_insert(0);
        let serial = (*c * 104_729 + self.salt) % 1_000_000;
        *c += 1;
        imei_with_check(tac, serial as u32)
    }

    pub fn handset(&mut self, r: &mut R) -> i64 {
        // Skewed towards the first brands in the list, as real markets are.
        let n = self.handset_tacs.len() as u64;
        let k = r.below(n).min(r.below(n)) as usize;
        let tac = self.handset_tacs[k];
        self.from(tac)
    }

    pub fn module(&mut self, r: &mut R) -> i64 {
        let tac = *r.pick(&self.module_tacs);
        self.from(tac)
    }
}

/// A 15-digit IMEI from TAC and serial with a correct Luhn digit.
pub fn imei_with_check(tac: u32, serial: u32) -> i64 {
    let body = u64::from(tac) * 1_000_000 + u64::from(serial % 1_000_000);
    (body * 10 + u64::from(duanka_model::luhn_check_digit(body))) as i64
}

/// The same IMEI with a wrong check digit, as IMEI-changing software often writes.
pub fn imei_bad_check(tac: u32, serial: u32) -> i64 {
    let good = imei_with_check(tac, serial);
    let body = good / 10;
    body * 10 + (good % 10 + 1 + (i64::from(serial) % 8)) % 10
}
