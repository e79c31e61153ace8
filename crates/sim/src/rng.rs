//! Seeded randomness. Every unit of work (a chunk of subscribers, the chain, the
//! infrastructure) draws from its own ChaCha8 stream derived from the run's seed and the
//! unit's identity, so output depends only on the arguments, never on thread count or
//! scheduling.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Independent streams of one run.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    World = 1,
    Population = 2,
    Chain = 3,
    Infra = 4,
    Gang = 5,
}

/// SplitMix64 finaliser: a cheap, well-mixed hash of one word.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub struct R(ChaCha8Rng);

impl R {
    pub fn new(seed: u64, stream: Stream, index: u64) -> Self {
        let s = mix(seed ^ mix((stream as u64) << 40 ^ index));
        R(ChaCha8Rng::seed_from_u64(s))
    }

    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    pub fn f64(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A Poisson count with mean `lambda` (small means only; inversion).
    pub fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        let l = (-lambda).exp();
        let mut k = 0u32;
        let mut p = 1.0;
        loop {
            p *= self.f64();
            if p <= l || k >= 200 {
                return k;
            }
            k += 1;
        }
    }

    /// Log-uniform in `lo..hi`: heavy-tailed amounts and durations.
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.f64() * (hi.ln() - lo.ln())).exp()
    }
}

/// Hour-of-day weights (per mille) for human activity: a deep night lull, a morning
/// climb, a lunch dip and an evening peak. Weekends start later.
const WEEKDAY: [u32; 24] = [
    8, 4, 3, 2, 2, 4, 14, 36, 58, 64, 66, 62, 50, 54, 62, 62, 60, 60, 66, 68, 66, 56, 38, 16,
];
const WEEKEND: [u32; 24] = [
    14, 8, 5, 3, 2, 3, 6, 16, 32, 48, 60, 64, 60, 58, 60, 62, 62, 62, 66, 70, 70, 64, 46, 24,
];

/// Cumulative tables for fast hour sampling.
pub struct Rhythm {
    weekday: [u32; 24],
    weekend: [u32; 24],
}

impl Default for Rhythm {
    fn default() -> Self {
        Self::new()
    }
}

impl Rhythm {
    pub fn new() -> Self {
        let cum = |w: &[u32; 24]| {
            let mut c = [0u32; 24];
            let mut s = 0;
            for (i, v) in w.iter().enumerate() {
                s += v;
                c[i] = s;
            }
            c
        };
        Rhythm {
            weekday: cum(&WEEKDAY),
            weekend: cum(&WEEKEND),
        }
    }

    /// A second of the day following the rhythm.
    pub fn second(&self, r: &mut R, weekend: bool) -> i64 {
        let c = if weekend {
            &self.weekend
        } else {
            &self.weekday
        };
        let x = r.below(u64::from(c[23])) as u32;
        let hour = c.iter().position(|&v| x < v).unwrap_or(23) as i64;
        hour * 3600 + r.below(3600) as i64
    }
}
