//! Linkage: the entity graph of a fraud supply chain, its clusters, the chain from a
//! case back to the furthest supplier, and the early-warning list of likely victims.
//!
//! This crate is pure: it never reads files (writers take `impl Write`), knows nothing
//! of DataFusion or Arrow, and depends only on `duanka-model` (for `Alert`, `Severity`
//! and time formatting) and serde. The engine feeds it the small set of edges the
//! detector plans produce; everything relational stays in the plans.
//!
//! # The graph
//!
//! Entities are `(type, id)` with the truth table's type names ([`EntityType`]): `case`,
//! `account` (platform and bank accounts alike), `msisdn`, `imsi`, `imei`, `device` (a
//! device id that is not an IMEI), `ip`, `node` (a delivery node given by name, `radio`
//! among them) and `user`. They are interned to dense `u32` indices; links are kept in a
//! flat vector of 24-byte records (ends, kind, rows, first and last time), so fifty
//! million links fit in 1.2 GB. Each link has a kind, [`Via`], named after the
//! `table.column` that made it, and its provenance ([`Provenance`]: how many rows, and
//! their time span). Alerts become marks on entities ([`Mark`]: highest score and
//! severity, every detector). Adding the same link twice merges it.
//!
//! # What merges
//!
//! Each kind of link has a policy ([`Policy`]):
//! - **merge**: the fraud side's links: case → fraud account / fraud number / payee;
//!   account → sign-up number, device, address; number → SIM, handset, delivery node;
//!   host ↔ flow peer; host → operator user (audit `src_ip` and `object`).
//! - **money**: transfers merge only onward from a case's payee, for
//!   [`Settings::money_hops`] levels (payee → 2nd-level mule → 3rd). A transfer *into* a
//!   payee from outside is a payment: it puts the payer on the warning list, it does not
//!   merge (a victim's card paid the payee; a victim is not a gang member).
//! - **context**: case → victim's number. Shown and exported, never merged: one victim
//!   of two gangs must not merge them. Contacts (calls, SMS) are not links at all; they
//!   feed only the warning list.
//!
//! # Hubs
//!
//! Some values are shared by everyone and prove nothing: the SMSC, `radio`, a carrier's
//! proxy or a campus NAT, a popular service's account, a busy bank account. An entity is
//! a **hub** when its number of links of merge or money kind exceeds
//! `min(max(hub_floor, hub_p99_multiple × p99), hub_ceiling)`, where p99 is the 99th
//! percentile of the degrees of the linked entities of the same type (defaults 100, 10
//! and 1000). The floor keeps ordinary busy values in: a number with a hundred sign-ups
//! is a hub wherever numbers normally have one or two. The p99 term lifts the threshold
//! for types whose entities are all busy (addresses of a carrier's NAT pool); it counts
//! only for types with at least 100 linked entities, since below that the percentile is
//! the largest value, hub included. The ceiling bounds it when the type's population is
//! itself mostly hubs (when only busy values were fed). A **common value** is a
//! hub by declaration: `radio` and placeholder values (`0.0.0.0`, loopback, an all-zero
//! IMEI) are declared by the crate, and the engine declares known infrastructure (the
//! asset inventory's SMSCs and gateways) with [`GraphBuilder::declare_common`].
//!
//! A hub's links are not followed: it stays out of every cluster, and the clusters it
//! touches list it under `hubs` with the reason. The one exception: a hub marked by a
//! detector at [`Settings::hub_exempt`] (`medium`) or above is a legitimate high-degree
//! member and merges. The insider's rogue host is exactly that: thousands of leaked
//! numbers' codes go through it, and the interception detector marks it.
//!
//! # Feeding it
//!
//! The engine feeds the fraud side and its surroundings, not the whole network: cases
//! (with fraud account, fraud number, payee, victim), sign-ups of the accounts and
//! numbers involved, delivery nodes of the numbers, flows of hosts to peers outside the
//! asset inventory, audit links between such hosts and users, transfers from payees
//! onward and into them, marks from every alert, and contacts of the cluster numbers.
//! Every address of the asset inventory is declared a common value: an approved SMSC,
//! database or workstation is shared by the whole operator and must not join a rogue
//! host to the staff who legitimately use it. The rogue host (absent from the inventory)
//! and the jump host (abroad) are not in it.
//!
//! # Clusters
//!
//! Union-find (path halving, union by size, `u32` throughout) over the merge links whose
//! ends are not hubs, then the money walk. A component becomes a [`Cluster`] when it
//! holds a case, or at least two entities one of which is marked `medium` or above. Each
//! cluster has its case ids, total loss (fen), members (every entity but the cases, by
//! type then id), members by type, the marked entities (`alerts`), the hubs it touches,
//! and its `chain`. Clusters are ranked by loss, then number of cases, highest alert
//! score, size, and the smallest member; ids are `c0001`, `c0002`, ... in that order.
//!
//! # The chain
//!
//! From the cluster's cases upstream along supplier links, each hop strictly further
//! upstream ([`Via::stage`]: case 0, fraud account or payee 1, number 2, sign-up device
//! or address 3, delivery node 4, the host's flow peers 5, the operator user 6). The
//! chosen path reaches the furthest stage, preferring marked ends with higher scores,
//! then paths through more marked entities, then the shorter; ties go to the smallest
//! `(type, id)` sequence. Money links are not supplier links and are not walked. When the chain ends
//! before an operator user, `stop` says why: the next link reaches a hub (`no delivery
//! node known for 86133…: OTPs arrived by radio`), or no record of the next kind exists.
//!
//! # Warnings
//!
//! [`Linked::warnings`] lists subscribers who called or texted a cluster's numbers and
//! accounts that paid into a cluster holding a case, in tiers `high` / `medium` / `low`
//! (rules in the `warn` module), with a reason sentence; known victims are noted,
//! cluster members are never warned.
//!
//! # Determinism
//!
//! Indices depend on insertion order, so no output uses them: clusters, members, chain
//! choices, warnings and exports are ordered by content (`(type, id)`, loss, scores).
//! Merging is by sums, minima and maxima. The same links, marks and cases added in any
//! order give byte-identical outputs.
//!
//! # Use
//!
//! ```
//! use duanka_link::{EntityType as T, GraphBuilder, Provenance, Settings, Via};
//!
//! let mut g = GraphBuilder::new();
//! let case = g.case("JJ1", Some(15_000_000))?;
//! let acct = g.entity(T::Account, "wxid_1")?;
//! g.link(case, acct, Via::CaseFraudAccount, Provenance::rows(1))?;
//! g.link_ids((T::Account, "wxid_1"), (T::Msisdn, "8613300000001"), Via::SignupMsisdn,
//!            Provenance::at(1_760_446_800))?;
//! let linked = g.build(&Settings::default());
//! let mut out = Vec::new();
//! linked.write_clusters_jsonl(&mut out)?;
//! assert!(String::from_utf8(out)?.starts_with(r#"{"cluster_id":"c0001","case_ids":["JJ1"]"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod chain;
mod cluster;
mod entity;
mod export;
mod graph;
mod warn;

pub use cluster::{
    CaseChain, Cluster, ClusterAlert, Hop, HubNote, LinkStats, Linked, Member, Settings,
};
pub use entity::{EntityType, NodeId, Policy, Via};
pub use export::{ExportError, Scope};
pub use graph::{Contact, GraphBuilder, LinkError, Mark, Provenance};
pub use warn::{Tier, Warning};
