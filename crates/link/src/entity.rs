//! What the graph is made of: entity types (the truth table's names), the kinds of link
//! (`Via`, named by the table and column that make them) with their merge policy and
//! upstream stage, and the interner that turns `(type, id)` into dense `u32` indices.
//!
//! Owns the vocabulary and the rules attached to it; must not know how clusters are
//! formed or written.

use std::fmt;

/// The kind of an entity, with the truth table's names. `account` covers platform
/// accounts and bank accounts alike (the truth table does too); which one an account is
/// shows in the links that reach it (`cases.fraud_account` or `cases.payee_account`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityType {
    Case,
    Account,
    Msisdn,
    Imsi,
    Imei,
    /// A device id that is not an IMEI (a platform's device fingerprint).
    Device,
    Ip,
    /// A delivery node given by name rather than address, `radio` among them.
    Node,
    User,
}

impl EntityType {
    /// Every type, in output order.
    pub const ALL: [EntityType; 9] = [
        EntityType::Case,
        EntityType::Account,
        EntityType::Msisdn,
        EntityType::Imsi,
        EntityType::Imei,
        EntityType::Device,
        EntityType::Ip,
        EntityType::Node,
        EntityType::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Case => "case",
            EntityType::Account => "account",
            EntityType::Msisdn => "msisdn",
            EntityType::Imsi => "imsi",
            EntityType::Imei => "imei",
            EntityType::Device => "device",
            EntityType::Ip => "ip",
            EntityType::Node => "node",
            EntityType::User => "user",
        }
    }

    /// The type named `s` (exact truth-table spelling), if any.
    pub fn parse(s: &str) -> Option<EntityType> {
        EntityType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn from_index(i: u8) -> EntityType {
        // Only indices written by `index` are stored, so the fallback is never taken;
        // it keeps the function total without a panic path.
        EntityType::ALL
            .get(usize::from(i))
            .copied()
            .unwrap_or(EntityType::Node)
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a link may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Joins its two ends into one cluster (unless an end is an unmarked hub).
    Merge,
    /// Joins only when its source is already on the fraud side: transfers onward from a
    /// case's payee, up to `Settings::money_hops` levels. Transfers into a fraud-side
    /// account from outside are payments: they feed the warning list, never a merge.
    Money,
    /// Shown and exported, never merges: a case's victim.
    Context,
}

/// A kind of link, named after the table and column that make it. The `from` end is the
/// downstream side (case, account, number, host), the `to` end what it was linked via.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// case → account the fraudster used.
    CaseFraudAccount,
    /// case → number the fraudster used.
    CaseFraudMsisdn,
    /// case → bank account the money went to.
    CasePayee,
    /// case → victim's number. Context: a victim of two gangs must not merge them.
    CaseVictim,
    /// account → number verified at sign-up.
    SignupMsisdn,
    /// account → device (IMEI or platform device id) presented at sign-up.
    SignupDevice,
    /// account → client address at sign-up.
    SignupIp,
    /// number → SIM (IMSI) seen with it.
    AttachImsi,
    /// number or SIM → handset identity it attached with.
    AttachImei,
    /// number → the node (address or name) its OTPs were delivered via.
    DeliveryNode,
    /// host → peer in flow records (peers outside the asset inventory; inventory
    /// addresses are declared common). The chain follows it both ways.
    FlowPeer,
    /// host → the operator user who acted from it.
    AuditSrcIp,
    /// host → the operator user who acted on it (`create_host` of that address).
    AuditObject,
    /// account → account it paid.
    Transfer,
    /// host → the operator user the inventory names its owner (an insider may list his
    /// own server).
    AssetOwner,
}

impl Via {
    pub const ALL: [Via; 15] = [
        Via::CaseFraudAccount,
        Via::CaseFraudMsisdn,
        Via::CasePayee,
        Via::CaseVictim,
        Via::SignupMsisdn,
        Via::SignupDevice,
        Via::SignupIp,
        Via::AttachImsi,
        Via::AttachImei,
        Via::DeliveryNode,
        Via::FlowPeer,
        Via::AuditSrcIp,
        Via::AuditObject,
        Via::Transfer,
        Via::AssetOwner,
    ];

    /// `table.column`, as written in `clusters.jsonl`'s `via`.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::CaseFraudAccount => "cases.fraud_account",
            Via::CaseFraudMsisdn => "cases.fraud_msisdn",
            Via::CasePayee => "cases.payee_account",
            Via::CaseVictim => "cases.victim_msisdn",
            Via::SignupMsisdn => "registrations.msisdn",
            Via::SignupDevice => "registrations.device_id",
            Via::SignupIp => "registrations.ip",
            Via::AttachImsi => "attach.imsi",
            Via::AttachImei => "attach.imei",
            Via::DeliveryNode => "sms.delivery_node",
            Via::FlowPeer => "flows.dst_ip",
            Via::AuditSrcIp => "audit.src_ip",
            Via::AuditObject => "audit.object",
            Via::Transfer => "transfers.to_account",
            Via::AssetOwner => "assets.owner",
        }
    }

    /// A short human name, used as the link type in exports.
    pub fn label(self) -> &'static str {
        match self {
            Via::CaseFraudAccount => "fraud account",
            Via::CaseFraudMsisdn => "fraud number",
            Via::CasePayee => "payee",
            Via::CaseVictim => "victim",
            Via::SignupMsisdn => "sign-up number",
            Via::SignupDevice => "sign-up device",
            Via::SignupIp => "sign-up address",
            Via::AttachImsi => "SIM",
            Via::AttachImei => "handset",
            Via::DeliveryNode => "OTP delivery node",
            Via::FlowPeer => "flow",
            Via::AuditSrcIp => "acted from",
            Via::AuditObject => "acted on",
            Via::Transfer => "transfer",
            Via::AssetOwner => "owner",
        }
    }

    pub fn policy(self) -> Policy {
        match self {
            Via::CaseVictim => Policy::Context,
            Via::Transfer => Policy::Money,
            _ => Policy::Merge,
        }
    }

    /// How far upstream the `to` end sits in the supply chain: case 0, what the
    /// fraudster used 1–2, what the sign-up used 3, the delivery node 4, the host's
    /// peers 5, the operator user behind it 6. `None`: not a supplier link (money,
    /// victims), never walked by the chain.
    pub fn stage(self) -> Option<u8> {
        match self {
            Via::CaseFraudAccount | Via::CasePayee => Some(1),
            Via::CaseFraudMsisdn | Via::SignupMsisdn => Some(2),
            Via::SignupDevice | Via::SignupIp | Via::AttachImsi | Via::AttachImei => Some(3),
            Via::DeliveryNode => Some(4),
            Via::FlowPeer => Some(5),
            Via::AuditSrcIp | Via::AuditObject | Via::AssetOwner => Some(6),
            Via::CaseVictim | Via::Transfer => None,
        }
    }

    /// Whether the chain may also walk this link from `to` to `from`: a flow's
    /// direction says who opened the connection, not who controls whom.
    pub fn both_ways(self) -> bool {
        matches!(self, Via::FlowPeer)
    }

    /// The entity types allowed at the `from` and `to` ends.
    pub fn ends(self) -> (&'static [EntityType], &'static [EntityType]) {
        use EntityType as T;
        match self {
            Via::CaseFraudAccount | Via::CasePayee => (&[T::Case], &[T::Account]),
            Via::CaseFraudMsisdn | Via::CaseVictim => (&[T::Case], &[T::Msisdn]),
            Via::SignupMsisdn => (&[T::Account], &[T::Msisdn]),
            Via::SignupDevice => (&[T::Account], &[T::Imei, T::Device]),
            Via::SignupIp => (&[T::Account], &[T::Ip]),
            Via::AttachImsi => (&[T::Msisdn], &[T::Imsi]),
            Via::AttachImei => (&[T::Msisdn, T::Imsi], &[T::Imei]),
            Via::DeliveryNode => (&[T::Msisdn], &[T::Ip, T::Node]),
            Via::FlowPeer => (&[T::Ip], &[T::Ip]),
            Via::AuditSrcIp | Via::AuditObject | Via::AssetOwner => (&[T::Ip], &[T::User]),
            Via::Transfer => (&[T::Account], &[T::Account]),
        }
    }

    pub(crate) fn from_index(i: u8) -> Via {
        // Only indices written as `via as u8` are stored; see EntityType::from_index.
        Via::ALL
            .get(usize::from(i))
            .copied()
            .unwrap_or(Via::CaseVictim)
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dense handle on one interned `(type, id)`. Only meaningful for the graph that made
/// it (another graph refuses it when out of its range, but cannot tell otherwise); its
/// number depends on insertion order, so nothing written out ever uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    pub fn index(self) -> u32 {
        self.0
    }
}

/// The largest index plus one; also the "full" answer of `intern`.
const MAX_ENTITIES: u32 = u32::MAX;
const EMPTY: u64 = u64::MAX;

/// `(type, id)` → dense index. The ids live in one string arena and the hash table holds
/// only an index and 32 bits of the id's hash per slot (open addressing, linear
/// probing), so ten million ids cost about 30 bytes each plus their text, not a `String`
/// and a map entry apiece. The stored hash bits place a slot without touching the arena
/// (when the table grows) and rule out most non-matching slots before any string is
/// compared.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    arena: String,
    /// Start of id `i` in the arena; `starts[i + 1]` is its end.
    starts: Vec<u64>,
    types: Vec<u8>,
    /// `hash bits << 32 | index`, or `EMPTY`. The slot of an entry is `hash bits & mask`.
    table: Vec<u64>,
}

fn hash(t: u8, s: &[u8]) -> u64 {
    // A multiply-xorshift over 8-byte words: fast, fixed (no per-process key), and good
    // enough for ids that are mostly digits.
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = u64::from(t).wrapping_add(K) ^ (s.len() as u64).wrapping_mul(K);
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
        h ^= h >> 29;
    }
    let mut w = [0u8; 8];
    let rest = chunks.remainder();
    w[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
    h ^= h >> 32;
    h.wrapping_mul(K) ^ (h >> 29)
}

impl Interner {
    pub(crate) fn with_capacity(nodes: usize, text_bytes: usize) -> Self {
        let mut starts = Vec::with_capacity(nodes + 1);
        starts.push(0);
        let cap = (nodes.max(8) * 4 / 3 + 1).next_power_of_two();
        Interner {
            arena: String::with_capacity(text_bytes),
            starts,
            types: Vec::with_capacity(nodes),
            table: vec![EMPTY; cap],
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.types.len()
    }

    pub(crate) fn id(&self, i: u32) -> &str {
        let i = i as usize;
        let (a, b) = (self.starts[i] as usize, self.starts[i + 1] as usize);
        &self.arena[a..b]
    }

    pub(crate) fn entity_type(&self, i: u32) -> EntityType {
        EntityType::from_index(self.types[i as usize])
    }

    /// The slot holding `(t, s)`, or the empty slot where it would go; and its tag.
    fn slot(&self, t: u8, s: &str) -> (usize, u32, Option<u32>) {
        let mask = self.table.len() - 1;
        let tag = (hash(t, s.as_bytes()) >> 32) as u32;
        let mut pos = tag as usize & mask;
        loop {
            let v = self.table[pos];
            if v == EMPTY {
                return (pos, tag, None);
            }
            let i = v as u32;
            if (v >> 32) as u32 == tag && self.types[i as usize] == t && self.id(i) == s {
                return (pos, tag, Some(i));
            }
            pos = (pos + 1) & mask;
        }
    }

    pub(crate) fn get(&self, t: EntityType, s: &str) -> Option<u32> {
        if self.table.is_empty() {
            return None;
        }
        self.slot(t.index() as u8, s).2
    }

    /// The index of `(t, s)`, adding it when new. `None` when the graph already holds
    /// `u32::MAX` entities (every index below `u32::MAX`, which marks "none").
    pub(crate) fn intern(&mut self, t: EntityType, s: &str) -> Option<u32> {
        if self.table.is_empty() {
            *self = Interner::with_capacity(8, 64);
        }
        let tb = t.index() as u8;
        let (pos, tag, found) = self.slot(tb, s);
        if let Some(v) = found {
            return Some(v);
        }
        let n = self.types.len();
        if n >= MAX_ENTITIES as usize {
            return None;
        }
        self.arena.push_str(s);
        self.starts.push(self.arena.len() as u64);
        self.types.push(tb);
        self.table[pos] = (u64::from(tag) << 32) | n as u64;
        if (n + 1) * 4 > self.table.len() * 3 {
            self.grow();
        }
        Some(n as u32)
    }

    fn grow(&mut self) {
        let cap = self.table.len() * 2;
        let mask = cap - 1;
        let mut table = vec![EMPTY; cap];
        for &v in &self.table {
            if v == EMPTY {
                continue;
            }
            let mut pos = (v >> 32) as usize & mask;
            while table[pos] != EMPTY {
                pos = (pos + 1) & mask;
            }
            table[pos] = v;
        }
        self.table = table;
    }

    /// Ordering of two entities by (type, id): the only order outputs use.
    pub(crate) fn cmp_key(&self, a: u32, b: u32) -> std::cmp::Ordering {
        self.types[a as usize]
            .cmp(&self.types[b as usize])
            .then_with(|| self.id(a).cmp(self.id(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_by_type_and_id() {
        let mut i = Interner::default();
        let a = i.intern(EntityType::Msisdn, "8613300000001");
        let b = i.intern(EntityType::Imsi, "8613300000001");
        let c = i.intern(EntityType::Msisdn, "8613300000001");
        assert_ne!(a, b);
        assert_eq!(a, c);
        for k in 0..10_000 {
            i.intern(EntityType::Ip, &format!("10.0.{}.{}", k / 256, k % 256));
        }
        assert_eq!(i.len(), 10_002);
        assert_eq!(i.get(EntityType::Ip, "10.0.39.15"), Some(2 + 39 * 256 + 15));
        assert_eq!(i.id(2 + 39 * 256 + 15), "10.0.39.15");
        assert_eq!(i.get(EntityType::Ip, "10.0.99.0"), None);
        assert_eq!(i.entity_type(b.unwrap_or(0)), EntityType::Imsi);
    }

    #[test]
    fn names_round_trip() {
        for t in EntityType::ALL {
            assert_eq!(EntityType::parse(t.as_str()), Some(t));
            assert_eq!(EntityType::from_index(t.index() as u8), t);
        }
        for (k, v) in Via::ALL.into_iter().enumerate() {
            assert_eq!(Via::from_index(k as u8), v);
        }
    }
}
