//! From links to clusters: merging equal links, degrees, hub recognition, union-find
//! (path halving, union by size over `u32`), the money walk from payees, and the ranked
//! clusters with their cases, loss, members, alerts and chain.
//!
//! Owns every decision about what belongs together; must not write anything (the
//! writers are in `export` and `warn`).

use std::collections::{BTreeMap, HashMap};

use duanka_model::Severity;
use serde::Serialize;

use crate::chain::{self, ChainInput};
use crate::entity::{EntityType, Interner, Policy, Via};
use crate::graph::{ContactRec, Edge, GraphBuilder, Mark, max_ts};

/// Knobs of the linkage. `Default` is what the documentation describes.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// A hub has more links than this whatever its type's usual degree.
    pub hub_floor: u32,
    /// ... and more than this many times the 99th percentile of its type's degrees ...
    pub hub_p99_multiple: f64,
    /// ... but always when it has more links than this: a type whose linked entities are
    /// mostly hubs themselves (when only busy values were fed) has an inflated p99.
    pub hub_ceiling: u32,
    /// A hub or common value marked at this severity or above merges after all.
    pub hub_exempt: Severity,
    /// Levels of transfers followed from a case's payee (payee → 2nd level is 1).
    pub money_hops: u8,
    /// Warning list: seconds of talk with fraud numbers that make a subscriber `high`.
    pub warn_high_talk_s: u32,
    /// Warning list: calls + SMS with fraud numbers that make a subscriber `medium`.
    pub warn_medium_contacts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            hub_floor: 100,
            hub_p99_multiple: 10.0,
            hub_ceiling: 1000,
            hub_exempt: Severity::Medium,
            money_hops: 2,
            warn_high_talk_s: 60,
            warn_medium_contacts: 3,
        }
    }
}

/// An entity named in an output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Member {
    #[serde(serialize_with = "ser_type")]
    pub entity_type: EntityType,
    pub entity_id: String,
}

/// One hop of a chain: the entity and the `table.column` linking it to the previous hop
/// (`None` for the first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    #[serde(serialize_with = "ser_type")]
    pub entity_type: EntityType,
    pub entity_id: String,
    #[serde(serialize_with = "ser_via")]
    pub via: Option<Via>,
}

/// A marked entity inside a cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterAlert {
    #[serde(serialize_with = "ser_type")]
    pub entity_type: EntityType,
    pub entity_id: String,
    #[serde(serialize_with = "ser_score")]
    pub score: f64,
    #[serde(serialize_with = "ser_severity")]
    pub severity: Severity,
    pub detectors: Vec<String>,
}

/// A hub the cluster touches but was not merged through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubNote {
    #[serde(serialize_with = "ser_type")]
    pub entity_type: EntityType,
    pub entity_id: String,
    /// Links between this hub and the cluster's members.
    pub links_here: u64,
    /// Why it is a hub.
    pub reason: String,
}

/// One linked group, as written to `clusters.jsonl`. The first five fields are the
/// contract's; the rest are additions (extra JSON fields are allowed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    pub cluster_id: String,
    pub case_ids: Vec<String>,
    /// Fen.
    pub total_loss: i64,
    /// Every entity of the cluster except its cases, by type then id.
    pub members: Vec<Member>,
    pub chain: Vec<Hop>,
    /// Why the chain ends where it does; `None` when it reached an operator user.
    pub stop: Option<String>,
    pub members_by_type: BTreeMap<String, u64>,
    /// Marked members and cases, highest score first.
    pub alerts: Vec<ClusterAlert>,
    /// Up to ten hubs touching the cluster, most links first.
    pub hubs: Vec<HubNote>,
    /// Each case's own chain (the cluster's `chain` starts from its best case), for
    /// tracing one case; only for clusters of at most `MAX_CASE_CHAINS` cases.
    pub case_chains: BTreeMap<String, CaseChain>,
}

/// One case's chain upstream and why it stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseChain {
    pub chain: Vec<Hop>,
    pub stop: Option<String>,
}

fn ser_type<S: serde::Serializer>(t: &EntityType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.as_str())
}

fn ser_via<S: serde::Serializer>(v: &Option<Via>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(v.as_str()),
        None => s.serialize_none(),
    }
}

/// Scores are written to four decimals, as in `alerts.jsonl`, so that linking from a
/// scan or from its written alerts gives the same bytes.
fn ser_score<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((v * 1e4).round() / 1e4)
}

fn ser_severity<S: serde::Serializer>(v: &Severity, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

/// Counts describing a built graph.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct LinkStats {
    pub entities: u64,
    /// Links after equal ones were merged.
    pub links: u64,
    /// Links that joined two entities into one cluster.
    pub merged_links: u64,
    /// Links not followed because an end is a hub or common value.
    pub hub_links: u64,
    pub hubs: u64,
    /// Per entity type: the degree above which an entity is a hub.
    pub hub_threshold: BTreeMap<String, u64>,
    pub clusters: u64,
    pub contacts: u64,
}

pub(crate) const NONE: u32 = u32::MAX;
const MAX_HUBS_LISTED: usize = 10;
/// Clusters with more cases keep only the cluster's chain: a search per case would grow
/// with cases × members.
const MAX_CASE_CHAINS: usize = 500;

/// The built graph: clusters ranked by loss, and everything the writers need.
#[derive(Debug)]
pub struct Linked {
    pub(crate) nodes: Interner,
    /// Merged links, sorted by (from, to, via) index.
    pub(crate) edges: Vec<Edge>,
    /// Transfer amounts by (from, to), sorted, for binary search.
    pub(crate) amounts: Vec<(u32, u32, i64)>,
    pub(crate) contacts: Vec<ContactRec>,
    pub(crate) marks: HashMap<u32, Mark>,
    pub(crate) cases: HashMap<u32, i64>,
    /// Hubs and common values that did not merge, with the reason.
    pub(crate) hubs: HashMap<u32, String>,
    pub(crate) degree: Vec<u32>,
    /// Node → rank of its cluster (index into `clusters`), or `NONE`.
    pub(crate) cluster_of: Vec<u32>,
    pub(crate) clusters: Vec<Cluster>,
    pub(crate) settings: Settings,
    pub(crate) stats: LinkStats,
}

struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        // Path halving: every other node on the way points to its grandparent.
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            let g = self.parent[p as usize];
            self.parent[x as usize] = g;
            x = g;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        ra != rb && {
            self.join_roots(ra, rb);
            true
        }
    }

    /// Joins two different roots, the smaller under the larger; returns the new root.
    fn join_roots(&mut self, mut ra: u32, mut rb: u32) -> u32 {
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        ra
    }
}

/// One bit per entity: small enough to stay in cache where a `Vec<u32>` would not.
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }

    fn set(&mut self, i: u32) {
        self.0[i as usize >> 6] |= 1 << (i & 63);
    }

    fn get(&self, i: u32) -> bool {
        self.0[i as usize >> 6] & (1 << (i & 63)) != 0
    }
}

fn edge_key(e: &Edge) -> (u64, u8) {
    ((u64::from(e.a) << 32) | u64::from(e.b), e.via)
}

/// Below this many links one thread sorts faster than two start.
const PARALLEL_SORT_MIN: usize = 1 << 20;

/// Sorts links by (from, to, via) and transfer amounts by (from, to), merging equal
/// ones. Large inputs are split by `from` at the middle index and the halves sorted on
/// two threads; halves of a partition by key are sorted when concatenated.
fn sort_and_merge(edges: &mut Vec<Edge>, amounts: &mut Vec<(u32, u32, i64)>, parallel_min: usize) {
    let two = std::thread::available_parallelism().is_ok_and(|p| p.get() >= 2);
    if two && edges.len() >= parallel_min {
        let mid = edges.iter().map(|e| u64::from(e.a)).sum::<u64>() / edges.len() as u64;
        let split = partition(edges, |e| u64::from(e.a) <= mid);
        let (lo, hi) = edges.split_at_mut(split);
        std::thread::scope(|s| {
            s.spawn(|| {
                lo.sort_unstable_by_key(edge_key);
                amounts.sort_unstable_by_key(|x| (x.0, x.1));
            });
            hi.sort_unstable_by_key(edge_key);
        });
    } else {
        edges.sort_unstable_by_key(edge_key);
        amounts.sort_unstable_by_key(|x| (x.0, x.1));
    }
    merge_sorted(edges);
    amounts.dedup_by(|x, keep| {
        let same = x.0 == keep.0 && x.1 == keep.1;
        if same {
            keep.2 = keep.2.saturating_add(x.2);
        }
        same
    });
}

/// Moves the links for which `left` holds to the front; returns how many there are.
fn partition(v: &mut [Edge], left: impl Fn(&Edge) -> bool) -> usize {
    let (mut i, mut j) = (0, v.len());
    loop {
        while i < j && left(&v[i]) {
            i += 1;
        }
        while i < j && !left(&v[j - 1]) {
            j -= 1;
        }
        if i >= j {
            return i;
        }
        v.swap(i, j - 1);
        i += 1;
        j -= 1;
    }
}

/// Merges equal neighbours of a sorted list (rows add, span widens).
fn merge_sorted(edges: &mut Vec<Edge>) {
    let mut w = 0usize;
    for r in 0..edges.len() {
        let e = edges[r];
        if w > 0 {
            let p = &mut edges[w - 1];
            if p.a == e.a && p.b == e.b && p.via == e.via {
                p.rows = p.rows.saturating_add(e.rows);
                p.first = p.first.min(e.first);
                p.last = max_ts(p.last, e.last);
                continue;
            }
        }
        edges[w] = e;
        w += 1;
    }
    edges.truncate(w);
}

/// Below this many linked entities of a type its 99th percentile is its maximum, hub
/// included, so only the floor applies.
const MIN_FOR_P99: usize = 100;

fn p99(mut v: Vec<u32>) -> u32 {
    if v.len() < MIN_FOR_P99 {
        return 0;
    }
    let k = (v.len() - 1) * 99 / 100;
    *v.select_nth_unstable(k).1
}

impl GraphBuilder {
    /// Merges equal links, finds hubs, forms and ranks the clusters, traces their chains.
    pub fn build(self, settings: &Settings) -> Linked {
        let GraphBuilder {
            nodes,
            mut edges,
            amounts: raw_amounts,
            contacts,
            marks,
            cases,
            common,
        } = self;
        let n = nodes.len();
        let mut amounts = raw_amounts;
        sort_and_merge(&mut edges, &mut amounts, PARALLEL_SORT_MIN);

        // Degrees over the links that could merge: context links (victims) say nothing
        // about how common a value is among the fraud side's links.
        let mut degree = vec![0u32; n];
        for e in &edges {
            if e.via().policy() != Policy::Context {
                degree[e.a as usize] = degree[e.a as usize].saturating_add(1);
                degree[e.b as usize] = degree[e.b as usize].saturating_add(1);
            }
        }
        let mut by_type: Vec<Vec<u32>> = vec![Vec::new(); EntityType::ALL.len()];
        for (i, &d) in degree.iter().enumerate() {
            if d > 0 {
                by_type[nodes.entity_type(i as u32).index()].push(d);
            }
        }
        let mut threshold = [0u32; EntityType::ALL.len()];
        let mut stats = LinkStats {
            entities: n as u64,
            links: edges.len() as u64,
            contacts: contacts.len() as u64,
            ..LinkStats::default()
        };
        for (k, v) in by_type.into_iter().enumerate() {
            let q = p99(v);
            let by_p99 = (f64::from(q) * settings.hub_p99_multiple).ceil();
            threshold[k] = settings
                .hub_floor
                .max(by_p99.min(f64::from(u32::MAX)) as u32)
                .min(settings.hub_ceiling.max(settings.hub_floor));
            stats.hub_threshold.insert(
                EntityType::ALL[k].as_str().to_string(),
                u64::from(threshold[k]),
            );
        }
        let exempt = |i: u32| {
            marks
                .get(&i)
                .is_some_and(|m| m.severity >= settings.hub_exempt)
        };
        let mut is_hub = Bits::new(n);
        let mut hubs: HashMap<u32, String> = HashMap::new();
        for (i, &d) in degree.iter().enumerate() {
            let t = nodes.entity_type(i as u32);
            if d > threshold[t.index()] && !exempt(i as u32) {
                is_hub.set(i as u32);
                hubs.insert(
                    i as u32,
                    format!(
                        "{d} links, above the {t} hub threshold {}",
                        threshold[t.index()]
                    ),
                );
            }
        }
        for (&i, why) in &common {
            if !exempt(i) {
                is_hub.set(i);
                hubs.insert(i, format!("common value: {why}"));
            }
        }
        stats.hubs = hubs.len() as u64;

        let mut uf = UnionFind::new(n);
        // Links are sorted by `from`: the root of a run's `from` is found once and kept
        // up to date through the run's own unions, which halves the finds.
        let (mut run, mut root) = (NONE, NONE);
        for e in &edges {
            let policy = e.via().policy();
            if policy == Policy::Context {
                continue;
            }
            if is_hub.get(e.a) || is_hub.get(e.b) {
                stats.hub_links += 1;
            } else if policy == Policy::Merge {
                if e.a != run {
                    run = e.a;
                    root = uf.find(e.a);
                }
                let rb = uf.find(e.b);
                if rb != root {
                    root = uf.join_roots(root, rb);
                    stats.merged_links += 1;
                }
            }
        }
        stats.merged_links += money_walk(&edges, &is_hub, settings.money_hops, &mut uf);

        // A component is a cluster when it holds a case, or when at least two entities
        // are linked and one carries a mark of medium or above.
        let mut cluster_of = vec![NONE; n];
        let mut roots: Vec<u32> = Vec::new();
        let mut seeds: Vec<u32> = cases.keys().copied().collect();
        seeds.extend(
            marks
                .iter()
                .filter(|(_, m)| m.severity >= Severity::Medium)
                .map(|(&i, _)| i),
        );
        // `cluster_of` first holds, at each chosen root, its cluster's slot.
        for s in seeds {
            let r = uf.find(s);
            let keep = cases.contains_key(&s) || uf.size[r as usize] >= 2;
            if keep && cluster_of[r as usize] == NONE {
                cluster_of[r as usize] = roots.len() as u32;
                roots.push(r);
            }
        }
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); roots.len()];
        let mut clustered = Bits::new(n);
        if !roots.is_empty() {
            // Roots first, so that every node can then read its root's slot.
            let mut root_of = std::mem::take(&mut uf.size);
            for i in 0..n as u32 {
                root_of[i as usize] = uf.find(i);
            }
            for i in 0..n {
                let s = cluster_of[root_of[i] as usize];
                if s != NONE {
                    members[s as usize].push(i as u32);
                    clustered.set(i as u32);
                }
            }
            for i in 0..n {
                cluster_of[i] = if clustered.get(i as u32) {
                    cluster_of[root_of[i] as usize]
                } else {
                    NONE
                };
            }
        }
        drop(uf);
        drop(is_hub);

        // The links inside clusters (for the chains) and from clusters to hubs (for the
        // stop reasons and the hub notes); one pass, usually a tiny share of the graph,
        // so a bitset that fits in cache answers most links.
        let mut inner: Vec<Vec<u32>> = vec![Vec::new(); roots.len()];
        let mut to_hub: Vec<Vec<u32>> = vec![Vec::new(); roots.len()];
        for (k, e) in edges.iter().enumerate() {
            if !clustered.get(e.a) && !clustered.get(e.b) {
                continue;
            }
            let (ca, cb) = (cluster_of[e.a as usize], cluster_of[e.b as usize]);
            if ca == cb {
                inner[ca as usize].push(k as u32);
            } else if ca != NONE && hubs.contains_key(&e.b) {
                to_hub[ca as usize].push(k as u32);
            } else if cb != NONE && hubs.contains_key(&e.a) {
                to_hub[cb as usize].push(k as u32);
            }
        }

        let mut built: Vec<(RankKey, Cluster, Vec<u32>)> = Vec::with_capacity(roots.len());
        for (s, mut ms) in members.into_iter().enumerate() {
            ms.sort_unstable_by(|&a, &b| nodes.cmp_key(a, b));
            let input = ChainInput {
                nodes: &nodes,
                edges: &edges,
                inner: &inner[s],
                to_hub: &to_hub[s],
                marks: &marks,
                hubs: &hubs,
            };
            let (cluster, key) = describe(&ms, &input, &cases);
            built.push((key, cluster, ms));
        }
        built.sort_by(|x, y| x.0.cmp(&y.0));
        let mut rank_of_slot = vec![0u32; built.len()];
        let mut clusters = Vec::with_capacity(built.len());
        for (rank, (_, mut c, ms)) in built.into_iter().enumerate() {
            c.cluster_id = format!("c{:04}", rank + 1);
            if let Some(&first) = ms.first() {
                rank_of_slot[cluster_of[first as usize] as usize] = rank as u32;
            }
            clusters.push(c);
        }
        for c in cluster_of.iter_mut() {
            if *c != NONE {
                *c = rank_of_slot[*c as usize];
            }
        }
        stats.clusters = clusters.len() as u64;

        Linked {
            nodes,
            edges,
            amounts,
            contacts,
            marks,
            cases,
            hubs,
            degree,
            cluster_of,
            clusters,
            settings: settings.clone(),
            stats,
        }
    }
}

/// Follows transfers from every case's payee for `hops` levels, merging each receiving
/// account that is not a hub. Returns the merges made. Links are sorted by `from`, so an
/// account's transfers are found by binary search, not through a map of all transfers.
fn money_walk(edges: &[Edge], is_hub: &Bits, hops: u8, uf: &mut UnionFind) -> u64 {
    let mut frontier: Vec<u32> = edges
        .iter()
        .filter(|e| e.via() == Via::CasePayee && !is_hub.get(e.b))
        .map(|e| e.b)
        .collect();
    frontier.sort_unstable();
    frontier.dedup();
    let mut seen: std::collections::HashSet<u32> = frontier.iter().copied().collect();
    let mut merged = 0;
    for _ in 0..hops {
        let mut next = Vec::new();
        for f in frontier {
            let start = edges.partition_point(|e| e.a < f);
            let end = start + edges[start..].partition_point(|e| e.a == f);
            for e in &edges[start..end] {
                if e.via() != Via::Transfer || is_hub.get(e.b) {
                    continue;
                }
                if uf.union(f, e.b) {
                    merged += 1;
                }
                if seen.insert(e.b) {
                    next.push(e.b);
                }
            }
        }
        frontier = next;
    }
    merged
}

/// Ranking: larger loss first, then more cases, higher alert score, more members, and
/// finally the smallest member key (unique, since clusters are disjoint).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RankKey {
    loss: std::cmp::Reverse<i64>,
    cases: std::cmp::Reverse<usize>,
    score: std::cmp::Reverse<u64>,
    size: std::cmp::Reverse<usize>,
    first: (EntityType, String),
}

fn describe(ms: &[u32], input: &ChainInput<'_>, cases: &HashMap<u32, i64>) -> (Cluster, RankKey) {
    let nodes = input.nodes;
    let mut case_ids = Vec::new();
    let mut case_nodes = Vec::new();
    let mut total_loss: i64 = 0;
    let mut members = Vec::new();
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut alerts = Vec::new();
    for &m in ms {
        let t = nodes.entity_type(m);
        let id = nodes.id(m).to_string();
        if let Some(&loss) = cases.get(&m) {
            total_loss = total_loss.saturating_add(loss);
            case_ids.push(id.clone());
            case_nodes.push(m);
        } else {
            *by_type.entry(t.as_str().to_string()).or_insert(0) += 1;
            members.push(Member {
                entity_type: t,
                entity_id: id.clone(),
            });
        }
        if let Some(mark) = input.marks.get(&m) {
            alerts.push(ClusterAlert {
                entity_type: t,
                entity_id: id,
                score: mark.score,
                severity: mark.severity,
                detectors: mark.detectors.clone(),
            });
        }
    }
    // Members are already in key order; a stable sort keeps it among equal scores.
    alerts.sort_by(|a, b| b.score.total_cmp(&a.score));
    let (chain, stop) = chain::trace(&case_nodes, input);
    let mut case_chains = BTreeMap::new();
    if case_nodes.len() <= MAX_CASE_CHAINS {
        for (&c, id) in case_nodes.iter().zip(&case_ids) {
            let (chain, stop) = chain::trace(&[c], input);
            case_chains.insert(id.clone(), CaseChain { chain, stop });
        }
    }

    let mut per_hub: BTreeMap<u32, u64> = BTreeMap::new();
    for &k in input.to_hub {
        let e = input.edges[k as usize];
        let h = if input.hubs.contains_key(&e.b) {
            e.b
        } else {
            e.a
        };
        *per_hub.entry(h).or_insert(0) += 1;
    }
    let mut hub_list: Vec<(u32, u64)> = per_hub.into_iter().collect();
    hub_list.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| nodes.cmp_key(x.0, y.0)));
    let hubs = hub_list
        .into_iter()
        .take(MAX_HUBS_LISTED)
        .map(|(h, k)| HubNote {
            entity_type: nodes.entity_type(h),
            entity_id: nodes.id(h).to_string(),
            links_here: k,
            reason: input.hubs.get(&h).cloned().unwrap_or_default(),
        })
        .collect();

    let best_score = alerts.first().map_or(0, |a| (a.score * 1e9) as u64);
    let first = ms
        .first()
        .map(|&m| (nodes.entity_type(m), nodes.id(m).to_string()))
        .unwrap_or((EntityType::Case, String::new()));
    let key = RankKey {
        loss: std::cmp::Reverse(total_loss),
        cases: std::cmp::Reverse(case_ids.len()),
        score: std::cmp::Reverse(best_score),
        size: std::cmp::Reverse(ms.len()),
        first,
    };
    let cluster = Cluster {
        cluster_id: String::new(),
        case_ids,
        total_loss,
        members,
        chain,
        stop,
        members_by_type: by_type,
        alerts,
        hubs,
        case_chains,
    };
    (cluster, key)
}

impl Linked {
    /// The summed amount of the transfers `a → b`.
    pub(crate) fn amount(&self, a: u32, b: u32) -> Option<i64> {
        self.amounts
            .binary_search_by_key(&(a, b), |x| (x.0, x.1))
            .ok()
            .map(|k| self.amounts[k].2)
    }

    /// The clusters, ranked by loss; `clusters()[k].cluster_id` is `c{k+1:04}`.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    pub fn stats(&self) -> &LinkStats {
        &self.stats
    }

    /// The cluster holding `(t, id)`, if any.
    pub fn cluster_of(&self, t: EntityType, id: &str) -> Option<&Cluster> {
        let n = self.nodes.get(t, id)?;
        let c = *self.cluster_of.get(n as usize)?;
        self.clusters.get(c as usize)
    }

    /// Why `(t, id)` links nothing together, when it is a hub or common value.
    pub fn hub_reason(&self, t: EntityType, id: &str) -> Option<&str> {
        let n = self.nodes.get(t, id)?;
        self.hubs.get(&n).map(String::as_str)
    }

    /// Links of `(t, id)` that could merge (the degree used for hub recognition).
    pub fn degree(&self, t: EntityType, id: &str) -> Option<u32> {
        let n = self.nodes.get(t, id)?;
        self.degree.get(n as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_find_joins_and_counts() {
        let mut uf = UnionFind::new(6);
        assert!(uf.union(0, 1));
        assert!(uf.union(2, 3));
        assert!(uf.union(1, 3));
        assert!(!uf.union(0, 2));
        assert_eq!(uf.find(0), uf.find(3));
        assert_ne!(uf.find(0), uf.find(4));
        let r = uf.find(2);
        assert_eq!(uf.size[r as usize], 4);
    }

    #[test]
    fn equal_links_merge_rows_and_span() {
        let e = |a, rows, first, last| Edge {
            a,
            b: 9,
            via: Via::SignupIp as u8,
            rows,
            first,
            last,
        };
        let mut v = vec![
            e(1, 2, 50, 60),
            e(0, 1, 10, 10),
            e(1, 3, crate::graph::NO_TS, crate::graph::NO_TS),
            e(1, 1, 40, 70),
        ];
        let mut none = Vec::new();
        sort_and_merge(&mut v, &mut none, PARALLEL_SORT_MIN);
        assert_eq!(v.len(), 2);
        assert_eq!((v[1].rows, v[1].first, v[1].last), (6, 40, 70));
    }

    #[test]
    fn two_thread_sort_equals_one_thread_sort() {
        let mut x: u64 = 7;
        let mut v = Vec::new();
        let mut amounts = Vec::new();
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (a, b) = ((x % 300) as u32, ((x >> 20) % 300) as u32);
            v.push(Edge {
                a,
                b,
                via: ((x >> 40) % 3) as u8,
                rows: 1,
                first: (x >> 50) as u32,
                last: (x >> 44) as u32,
            });
            amounts.push((a, b, (x >> 33) as i64 % 1000));
        }
        let (mut one, mut one_amounts) = (v.clone(), amounts.clone());
        sort_and_merge(&mut one, &mut one_amounts, usize::MAX);
        sort_and_merge(&mut v, &mut amounts, 16);
        assert!(one.len() < 5000);
        assert_eq!(one, v);
        assert_eq!(one_amounts, amounts);
        assert!(v.windows(2).all(|w| edge_key(&w[0]) < edge_key(&w[1])));
    }

    #[test]
    fn p99_picks_the_high_tail() {
        let v: Vec<u32> = (1..=1000).collect();
        assert_eq!(p99(v), 990);
        assert_eq!(p99(vec![1, 1, 500]), 0, "too few to have a tail");
    }
}
