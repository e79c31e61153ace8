//! duanka's aggregate functions, registered beside the scalar ones ([`crate::udf`]).
//!
//! | function | result |
//! | --- | --- |
//! | `distinct_count(id)` | the exact number of distinct non-NULL integer ids in the group |
//!
//! `distinct_count` answers what `count(DISTINCT id)` answers, with a state that suits
//! the shape of duanka's data: millions of groups (numbers, handsets) that each see a
//! handful of distinct ids (senders, SIMs) and a few that see thousands. Each group keeps
//! a short list while it is small and a hash set once it is not, so a group costs a few
//! dozen bytes, and a group emitted early (input sorted by the grouping key) is dropped
//! without touching the others. DataFusion's own `count(DISTINCT)` keeps one set for all
//! groups, which it rebuilds on every early emission, or one pre-sized set per group for
//! strings (see ARCHITECTURE.md).

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray};
use arrow::buffer::{OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

/// Every duanka aggregate function.
pub fn all_udafs() -> Vec<AggregateUDF> {
    vec![AggregateUDF::new_from_impl(DistinctCount::new())]
}

/// `distinct_count(id)`: see the module documentation.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DistinctCount {
    signature: Signature,
}

impl DistinctCount {
    fn new() -> Self {
        // Any integer argument is cast to BIGINT, so one state type serves them all.
        DistinctCount {
            signature: Signature::uniform(1, vec![DataType::Int64], Volatility::Immutable),
        }
    }
}

impl Default for DistinctCount {
    fn default() -> Self {
        Self::new()
    }
}

fn list_field() -> FieldRef {
    Arc::new(Field::new_list_field(DataType::Int64, true))
}

impl AggregateUDFImpl for DistinctCount {
    fn name(&self) -> &str {
        "distinct_count"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "ids"),
            DataType::List(list_field()),
            false,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(DistinctCountAccumulator::default()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(DistinctCountGroups::default()))
    }
}

/// Ids a group holds without a heap allocation: most numbers hear from one to three
/// services a day, and two million small allocations cost more than the counting.
const INLINE: usize = 3;

/// Past this many ids a group's list becomes a hash set: below it, a linear scan of a
/// cache line or two beats hashing.
const SMALL: usize = 16;

/// The distinct ids one group has seen.
#[derive(Debug)]
enum IdSet {
    Inline(u8, [i64; INLINE]),
    Small(Vec<i64>),
    // Boxed so every group's slot stays 32 bytes: only a few groups ever get here.
    #[allow(clippy::box_collection)]
    Large(Box<HashSet<i64>>),
}

impl Default for IdSet {
    fn default() -> Self {
        IdSet::Inline(0, [0; INLINE])
    }
}

impl IdSet {
    /// Adds `id`; true when it was new.
    fn insert(&mut self, id: i64) -> bool {
        match self {
            IdSet::Inline(len, ids) => {
                let n = usize::from(*len);
                if ids[..n].contains(&id) {
                    return false;
                }
                if n < INLINE {
                    ids[n] = id;
                    *len += 1;
                } else {
                    let mut v = Vec::with_capacity(2 * INLINE + 2);
                    v.extend_from_slice(ids);
                    v.push(id);
                    *self = IdSet::Small(v);
                }
                true
            }
            IdSet::Small(ids) => {
                if ids.contains(&id) {
                    return false;
                }
                if ids.len() < SMALL {
                    ids.push(id);
                } else {
                    let mut set: HashSet<i64> = ids.drain(..).collect();
                    set.insert(id);
                    *self = IdSet::Large(Box::new(set));
                }
                true
            }
            IdSet::Large(set) => set.insert(id),
        }
    }

    fn len(&self) -> usize {
        match self {
            IdSet::Inline(len, _) => usize::from(*len),
            IdSet::Small(ids) => ids.len(),
            IdSet::Large(set) => set.len(),
        }
    }

    fn extend_into(&self, out: &mut Vec<i64>) {
        match self {
            IdSet::Inline(len, ids) => out.extend_from_slice(&ids[..usize::from(*len)]),
            IdSet::Small(ids) => out.extend_from_slice(ids),
            IdSet::Large(set) => out.extend(set.iter().copied()),
        }
    }
}

/// Rows of `values` that count: not NULL, and let through by the `FILTER` clause.
fn for_each_counted(
    values: &Int64Array,
    filter: Option<&BooleanArray>,
    mut f: impl FnMut(usize, i64),
) {
    let raw = values.values();
    // The rows that count as one bitmap, so the loop visits only them.
    let mut keep = filter.map(|fl| match fl.nulls() {
        Some(n) => fl.values() & n.inner(),
        None => fl.values().clone(),
    });
    if let Some(n) = values.nulls() {
        keep = Some(match keep {
            Some(k) => &k & n.inner(),
            None => n.inner().clone(),
        });
    }
    match keep {
        None => raw.iter().enumerate().for_each(|(i, &v)| f(i, v)),
        Some(k) => k.set_indices().for_each(|i| f(i, raw[i])),
    }
}

fn int64_values(values: &[ArrayRef]) -> Result<&Int64Array> {
    match values.first() {
        Some(a) if a.data_type() == &DataType::Int64 => Ok(a.as_primitive::<Int64Type>()),
        Some(a) => exec_err!("distinct_count expects BIGINT ids, got {}", a.data_type()),
        None => exec_err!("distinct_count needs one argument"),
    }
}

fn id_lists(values: &[ArrayRef]) -> Result<&ListArray> {
    match values.first().and_then(|a| a.as_list_opt::<i32>()) {
        Some(l) if l.values().data_type() == &DataType::Int64 => Ok(l),
        _ => exec_err!("distinct_count: the partial state is not a list of BIGINT"),
    }
}

/// Builds the partial state: one list of ids per group.
fn to_list(sets: &[IdSet]) -> ArrayRef {
    let mut offsets = Vec::with_capacity(sets.len() + 1);
    let mut ids = Vec::with_capacity(sets.iter().map(IdSet::len).sum());
    offsets.push(0i32);
    for s in sets {
        s.extend_into(&mut ids);
        offsets.push(ids.len() as i32);
    }
    Arc::new(ListArray::new(
        list_field(),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Arc::new(Int64Array::from(ids)),
        None,
    ))
}

/// The grouped form: one [`IdSet`] per group index.
#[derive(Debug, Default)]
struct DistinctCountGroups {
    sets: Vec<IdSet>,
    /// Ids held across all groups, for [`GroupsAccumulator::size`] without a walk.
    held: usize,
}

impl DistinctCountGroups {
    fn take(&mut self, emit_to: EmitTo) -> Vec<IdSet> {
        let taken = emit_to.take_needed(&mut self.sets);
        self.held -= taken.iter().map(IdSet::len).sum::<usize>();
        taken
    }
}

impl GroupsAccumulator for DistinctCountGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        let values = int64_values(values)?;
        self.sets.resize_with(total_num_groups, IdSet::default);
        let sets = &mut self.sets;
        let mut added = 0;
        for_each_counted(values, opt_filter, |row, id| {
            added += usize::from(sets[group_indices[row]].insert(id));
        });
        self.held += added;
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let counts: Vec<i64> = self.take(emit_to).iter().map(|s| s.len() as i64).collect();
        Ok(Arc::new(Int64Array::from(counts)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![to_list(&self.take(emit_to))])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let lists = id_lists(values)?;
        let ids = lists.values().as_primitive::<Int64Type>().values();
        let offsets = lists.offsets();
        self.sets.resize_with(total_num_groups, IdSet::default);
        let mut added = 0;
        for (row, &group) in group_indices.iter().enumerate() {
            let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
            for &id in &ids[start..end] {
                added += usize::from(self.sets[group].insert(id));
            }
        }
        self.held += added;
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // Each row its own group: a list of its one id, or an empty list.
        let values = int64_values(values)?;
        let mut offsets = Vec::with_capacity(values.len() + 1);
        let mut ids = Vec::with_capacity(values.len());
        offsets.push(0i32);
        let mut next = 0;
        for_each_counted(values, opt_filter, |row, id| {
            // Rows skipped before this one get empty lists.
            offsets.extend(std::iter::repeat_n(ids.len() as i32, row - next));
            ids.push(id);
            offsets.push(ids.len() as i32);
            next = row + 1;
        });
        offsets.extend(std::iter::repeat_n(ids.len() as i32, values.len() - next));
        Ok(vec![Arc::new(ListArray::new(
            list_field(),
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Arc::new(Int64Array::from(ids)),
            None,
        ))])
    }

    fn size(&self) -> usize {
        // Sets that turned into hash tables hold about twice their ids; the estimate
        // errs towards more so the memory pool stays honest.
        self.sets.capacity() * size_of::<IdSet>() + self.held * 2 * size_of::<i64>()
    }
}

/// The ungrouped form (`SELECT distinct_count(x) FROM t`).
#[derive(Debug, Default)]
struct DistinctCountAccumulator {
    set: IdSet,
}

impl Accumulator for DistinctCountAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let values = int64_values(values)?;
        for_each_counted(values, None, |_, id| {
            self.set.insert(id);
        });
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = id_lists(states)?;
        for &id in lists.values().as_primitive::<Int64Type>().values() {
            self.set.insert(id);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = to_list(std::slice::from_ref(&self.set));
        Ok(vec![ScalarValue::try_from_array(&list, 0)?])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.set.len() as i64)))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.set.len() * 2 * size_of::<i64>()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ints(a: &ArrayRef) -> Vec<i64> {
        a.as_primitive::<Int64Type>().values().to_vec()
    }

    #[test]
    fn a_group_costs_32_bytes_before_its_ids_outgrow_the_slot() {
        assert_eq!(size_of::<IdSet>(), 32);
    }

    #[test]
    fn emitting_the_first_groups_keeps_the_rest() {
        let mut acc = DistinctCountGroups::default();
        let v: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 1, 5, 5, 6, 7, 8, 9]));
        acc.update_batch(&[v], &[0, 0, 0, 1, 1, 2, 2, 2, 2], None, 3)
            .unwrap();
        assert_eq!(ints(&acc.evaluate(EmitTo::First(1)).unwrap()), vec![2]);
        // Group 2 is now group 1.
        let v: ArrayRef = Arc::new(Int64Array::from(vec![6, 10]));
        acc.update_batch(&[v], &[1, 1], None, 2).unwrap();
        assert_eq!(acc.held, 6);
        assert_eq!(ints(&acc.evaluate(EmitTo::All).unwrap()), vec![1, 5]);
        assert_eq!(acc.held, 0);
    }

    #[test]
    fn state_round_trips_and_direct_state_skips_filtered_rows() {
        let mut acc = DistinctCountGroups::default();
        let v: ArrayRef = Arc::new(Int64Array::from(
            (0..40).map(|i| i % 20).collect::<Vec<i64>>(),
        ));
        acc.update_batch(&[v], &[0; 40], None, 1).unwrap();
        let state = acc.state(EmitTo::All).unwrap();
        let mut merged = DistinctCountGroups::default();
        merged.merge_batch(&state, &[0], 1).unwrap();
        merged.merge_batch(&state, &[0], 1).unwrap();
        assert_eq!(ints(&merged.evaluate(EmitTo::All).unwrap()), vec![20]);

        let v: ArrayRef = Arc::new(Int64Array::from(vec![Some(3), None, Some(4), Some(5)]));
        let keep = BooleanArray::from(vec![Some(true), Some(true), None, Some(true)]);
        let direct = acc.convert_to_state(&[v], Some(&keep)).unwrap();
        let lists = direct[0].as_list::<i32>();
        assert_eq!(lists.offsets().to_vec(), vec![0, 1, 1, 1, 2]);
        assert_eq!(ints(lists.values()), vec![3, 5]);
    }
}
