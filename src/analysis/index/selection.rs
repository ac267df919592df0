//! Which candidates to create, chosen for the whole workload: the total estimated cost
//! (Σ weight × cost of each statement, plus the cost of maintaining each new index for the
//! logged writes) is minimised within a storage budget and an index count.
//!
//! A statement's weight is its calls — unless the log timed it: then its logged time is
//! what it weighs (see [`weights`]). The planner's costs still choose between plans; what a
//! plan saves on a statement counts as that share of the time the statement really took, so
//! a query the planner prices at a few units (LIMIT optimism, a misestimate) but that the
//! log shows taking seconds is not lost under the noise floor.
//!
//! Two lazy greedy passes with re-evaluation (an index's benefit is re-asked after every
//! choice, so two indexes that serve one query are not both counted) — one by benefit per
//! byte, one by benefit — the better kept; then a local search that drops, swaps and adds
//! single indexes while that lowers the total. Costs are cached by (statement, the indexes
//! it could use), so no plan is asked for twice.

use super::cost::{CostModel, CostRequest, CutShort};
use super::definition::IndexDef;
use super::evidence::LoggedEvidence;
use crate::analysis::facts::{QueryFacts, StatementKind};
use crate::findings::{Basis, Weighting};
use crate::model::catalog::{Catalog, QualifiedName};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Planner cost units charged for each index entry written (a leaf page dirtied and logged).
pub const INDEX_ENTRY_WRITE_COST: f64 = 4.0;
/// By default an index must save at least this share of the workload's cost to be worth
/// its DDL, review and upkeep: smaller savings are within any cost model's noise.
pub const DEFAULT_MIN_SAVING_SHARE: f64 = 0.001;
/// A bound on local-search rounds (each is a strict improvement, so it ends anyway).
const MAX_LOCAL_SEARCH_ROUNDS: usize = 100;
/// Plans the local search may always ask for, however few the greedy passes needed.
const MIN_LOCAL_SEARCH_EVALUATIONS: usize = 2_000;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub budget_bytes: Option<f64>,
    pub max_indexes: Option<usize>,
    /// The least share of the workload's cost an index must save.
    pub min_saving_share: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            budget_bytes: None,
            max_indexes: None,
            min_saving_share: DEFAULT_MIN_SAVING_SHARE,
        }
    }
}

/// A statement of the workload: how often it ran and, when the log timed it, how long it
/// took in all.
pub struct WorkloadQuery<'a> {
    pub id: u64,
    pub calls: f64,
    /// Logged execution time of all its calls (ms), when its calls were timed.
    pub logged_ms: Option<f64>,
    pub facts: &'a QueryFacts,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub basis: Basis,
    pub weighting: Weighting,
    /// Σ weight × cost with the existing indexes only.
    pub baseline: f64,
    /// After the greedy passes, before local search.
    pub greedy: f64,
    /// With the chosen indexes, their write overhead included.
    pub total: f64,
    pub chosen: Vec<Chosen>,
    pub rejected: Vec<Rejected>,
    /// Statements the model could not cost (left out of every figure).
    pub uncosted: Vec<u64>,
    /// Statements of the workload left out of the advice (beyond `--advise-top`).
    pub left_out: usize,
    /// Plans asked of the model (cache hits not counted).
    pub evaluations: usize,
    /// Set when the what-if costing lost its server on the way.
    pub cut_short: Option<CutShort>,
    /// Every costed statement's cost with the existing indexes, beside what the log
    /// measured of it.
    pub priced: Vec<Priced>,
    /// What the log said of the tables and plans, which the findings cite.
    pub evidence: LoggedEvidence,
}

/// A statement's estimated cost a call beside its logged time.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub query: u64,
    pub calls: f64,
    pub cost: f64,
    /// Logged time of all its calls (ms), when the log timed it.
    pub logged_ms: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Chosen {
    pub def: IndexDef,
    pub size_bytes: f64,
    pub write_overhead: f64,
    /// What removing it from the chosen set would cost (never summed across indexes).
    pub saving: f64,
    /// What it saves with no other recommendation in place.
    pub saving_alone: f64,
    /// What it and the indexes ranked before it in `Plan::chosen` save together, with no
    /// other recommendation in place: the running total of the advice taken in order.
    pub cumulative_saving: f64,
    pub served: Vec<Served>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    pub query: u64,
    pub calls: f64,
    /// Its weight in the search (its calls, or its logged time in cost units).
    pub weight: f64,
    /// Per execution, without and with this index (the other chosen ones present).
    pub before: f64,
    pub after: f64,
}

#[derive(Debug, Clone)]
pub struct Rejected {
    pub def: IndexDef,
    pub size_bytes: f64,
    /// Its saving on its own, against the existing indexes.
    pub saving_alone: f64,
    pub reason: RejectReason,
    /// The statements it could have served.
    pub could_serve: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RejectReason {
    /// No plan uses it.
    NoPlanUsesIt,
    /// It saves less than its maintenance costs.
    WritesOutweigh { write_overhead: f64 },
    /// It would not fit in what the budget leaves.
    OverBudget,
    /// The chosen indexes already give most of what it would.
    ServedByChosen { remaining_saving: f64 },
}

struct PoolEntry {
    def: IndexDef,
    size: f64,
    overhead: f64,
}

/// Chooses indexes among `candidates` for `queries`.
pub fn select(
    model: &mut dyn CostModel,
    queries: &[WorkloadQuery<'_>],
    candidates: Vec<IndexDef>,
    catalog: &Catalog,
    limits: Limits,
) -> Plan {
    let sizes = {
        let refs: Vec<&IndexDef> = candidates.iter().collect();
        model.sizes(&refs)
    };
    let writes = TableWrites::of(queries);
    let pool: Vec<PoolEntry> = candidates
        .into_iter()
        .zip(sizes)
        .map(|(def, size)| {
            let overhead = writes.overhead(&def, catalog);
            PoolEntry {
                def,
                size,
                overhead,
            }
        })
        .collect();
    let mut search = Search::new(model, queries, pool, limits);
    search.measure_alone();
    let by_ratio = search.greedy_from(Vec::new(), &[], true);
    let by_benefit = search.greedy_from(Vec::new(), &[], false);
    let start = if search.objective(&by_benefit) < search.objective(&by_ratio) {
        by_benefit
    } else {
        by_ratio
    };
    let greedy = search.objective(&start);
    let chosen = search.local_search(start);
    search.plan(chosen, greedy)
}

/// The writes each table receives, weighted by calls.
#[derive(Default)]
struct TableWrites {
    /// Inserted or deleted rows' statements per table.
    inserts_deletes: BTreeMap<QualifiedName, f64>,
    /// UPDATE statements per table, with the columns they set.
    updates: BTreeMap<QualifiedName, Vec<(BTreeSet<String>, f64)>>,
}

impl TableWrites {
    fn of(queries: &[WorkloadQuery<'_>]) -> Self {
        let mut writes = TableWrites::default();
        for query in queries {
            let facts = query.facts;
            for table in &facts.tables {
                match facts.kind {
                    StatementKind::Insert | StatementKind::Delete
                        if table.access != crate::analysis::facts::Access::Read =>
                    {
                        *writes
                            .inserts_deletes
                            .entry(table.table.clone())
                            .or_default() += query.calls;
                    }
                    StatementKind::Update
                        if table.access == crate::analysis::facts::Access::Update =>
                    {
                        let columns = facts
                            .written_columns
                            .iter()
                            .filter(|c| c.table == table.table)
                            .map(|c| c.column.clone())
                            .collect();
                        writes
                            .updates
                            .entry(table.table.clone())
                            .or_default()
                            .push((columns, query.calls));
                    }
                    _ => {}
                }
            }
        }
        writes
    }

    /// Cost units per workload of keeping `def` up to date: one entry per inserted or
    /// deleted row's statement, one per update of its columns — and an update that touched
    /// no indexed column before loses HOT, so every index of the table is written.
    fn overhead(&self, def: &IndexDef, catalog: &Catalog) -> f64 {
        let mut entries = self.inserts_deletes.get(&def.table).copied().unwrap_or(0.0);
        let existing: Vec<&crate::model::catalog::Index> = catalog
            .indexes
            .values()
            .filter(|i| i.table == def.table)
            .collect();
        let mut covered: BTreeSet<&str> = def.covered_columns().collect();
        // An update of a column a partial index's condition names loses HOT too.
        if let (Some(condition), Some(table)) = (&def.predicate, catalog.tables.get(&def.table)) {
            covered.extend(condition.mentions(table.columns.iter().map(|c| c.name.as_str())));
        }
        for (columns, calls) in self.updates.get(&def.table).into_iter().flatten() {
            let touches_new = columns.iter().any(|c| covered.contains(c.as_str()))
                || def.keys.iter().any(|k| !k.is_column);
            if !touches_new {
                continue;
            }
            let was_hot = !existing.iter().any(|index| {
                index
                    .keys
                    .iter()
                    .map(|k| k.expression.as_str())
                    .chain(index.include.iter().map(String::as_str))
                    .any(|c| columns.contains(c))
            });
            entries += calls
                * if was_hot {
                    1.0 + existing.len() as f64
                } else {
                    1.0
                };
        }
        entries * INDEX_ENTRY_WRITE_COST
    }
}

/// The search state: the model, the cache and each statement's current cost.
struct Search<'m, 'q> {
    model: &'m mut dyn CostModel,
    queries: Vec<&'q WorkloadQuery<'q>>,
    pool: Vec<PoolEntry>,
    limits: Limits,
    /// For each pool entry, the statements that could use it.
    users: Vec<Vec<usize>>,
    cache: HashMap<(usize, Vec<usize>), f64>,
    baseline: Vec<f64>,
    /// Each statement's weight (see [`weights`]).
    weights: Vec<f64>,
    weighting: Weighting,
    uncosted: Vec<u64>,
    evaluations: usize,
    /// Saving of each pool entry alone (filled by the first greedy pass).
    alone: Vec<Option<f64>>,
    /// The least saving an index must bring (`Limits::min_saving_share` of the baseline).
    min_gain: f64,
    /// Σ weight × baseline cost.
    baseline_total: f64,
}

impl<'m, 'q> Search<'m, 'q> {
    fn new(
        model: &'m mut dyn CostModel,
        all_queries: &'q [WorkloadQuery<'q>],
        pool: Vec<PoolEntry>,
        limits: Limits,
    ) -> Self {
        let requests: Vec<CostRequest<'_>> = all_queries
            .iter()
            .map(|q| CostRequest {
                query: q.id,
                indexes: Vec::new(),
            })
            .collect();
        let costs = model.costs(&requests);
        let mut queries = Vec::new();
        let mut baseline = Vec::new();
        let mut uncosted = Vec::new();
        for (query, cost) in all_queries.iter().zip(costs) {
            match cost {
                Some(cost) => {
                    queries.push(query);
                    baseline.push(cost);
                }
                None => uncosted.push(query.id),
            }
        }
        let users = pool
            .iter()
            .map(|entry| {
                (0..queries.len())
                    .filter(|&q| could_use(queries[q].facts, &entry.def))
                    .collect()
            })
            .collect();
        let mut cache = HashMap::new();
        for (q, cost) in baseline.iter().enumerate() {
            cache.insert((q, Vec::new()), *cost);
        }
        let alone = vec![None; pool.len()];
        let (weights, weighting) = weights(&queries, &baseline);
        let baseline_total: f64 = baseline.iter().zip(&weights).map(|(c, w)| c * w).sum();
        let min_gain = limits.min_saving_share * baseline_total;
        Search {
            model,
            queries,
            pool,
            limits,
            users,
            cache,
            baseline,
            weights,
            weighting,
            uncosted,
            evaluations: requests.len(),
            alone,
            min_gain,
            baseline_total,
        }
    }

    /// The cost of each (statement, configuration), from the cache or the model.
    fn costs(&mut self, asks: &[(usize, &[usize])]) -> Vec<f64> {
        let keys: Vec<(usize, Vec<usize>)> = asks
            .iter()
            .map(|(q, config)| {
                let mut relevant: Vec<usize> = config
                    .iter()
                    .copied()
                    .filter(|&c| self.users[c].binary_search(q).is_ok())
                    .collect();
                relevant.sort_unstable();
                (*q, relevant)
            })
            .collect();
        let mut missing: Vec<&(usize, Vec<usize>)> = keys
            .iter()
            .filter(|key| !self.cache.contains_key(*key))
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            let requests: Vec<CostRequest<'_>> = missing
                .iter()
                .map(|(q, config)| CostRequest {
                    query: self.queries[*q].id,
                    indexes: config.iter().map(|&c| &self.pool[c].def).collect(),
                })
                .collect();
            let answers = self.model.costs(&requests);
            self.evaluations += requests.len();
            let owned: Vec<(usize, Vec<usize>)> = missing.into_iter().cloned().collect();
            for (key, answer) in owned.into_iter().zip(answers) {
                // A plan that fails with hypothetical indexes keeps its cost without them.
                let fallback = self.baseline[key.0];
                self.cache.insert(key, answer.unwrap_or(fallback));
            }
        }
        keys.iter().map(|key| self.cache[key]).collect()
    }

    fn query_costs(&mut self, config: &[usize], queries: &[usize]) -> Vec<f64> {
        let asks: Vec<(usize, &[usize])> = queries.iter().map(|&q| (q, config)).collect();
        self.costs(&asks)
    }

    /// Σ weight × cost + write overhead of `config`.
    /// Only the statements some index of `config` could serve are asked: the others keep
    /// their baseline cost.
    fn objective(&mut self, config: &[usize]) -> f64 {
        let mut served: Vec<usize> = config
            .iter()
            .flat_map(|&c| self.users[c].iter().copied())
            .collect();
        served.sort_unstable();
        served.dedup();
        let costs = self.query_costs(config, &served);
        let change: f64 = served
            .iter()
            .zip(&costs)
            .map(|(&q, cost)| (cost - self.baseline[q]) * self.weights[q])
            .sum();
        self.baseline_total + change + config.iter().map(|&c| self.pool[c].overhead).sum::<f64>()
    }

    /// What adding `candidate` to `config` saves (reads saved minus its upkeep).
    fn gain(&mut self, config: &[usize], candidate: usize) -> f64 {
        let users = self.users[candidate].clone();
        let before = self.query_costs(config, &users);
        let mut with: Vec<usize> = config.to_vec();
        with.push(candidate);
        let after = self.query_costs(&with, &users);
        let saved: f64 = users
            .iter()
            .zip(before.iter().zip(&after))
            .map(|(&q, (b, a))| (b - a) * self.weights[q])
            .sum();
        saved - self.pool[candidate].overhead
    }

    fn fits(&self, config: &[usize], candidate: usize) -> bool {
        let used: f64 = config.iter().map(|&c| self.pool[c].size).sum();
        self.limits
            .budget_bytes
            .is_none_or(|budget| used + self.pool[candidate].size <= budget)
            && self.limits.max_indexes.is_none_or(|max| config.len() < max)
    }

    /// Each candidate's saving on its own (the first greedy pass's upper bounds).
    fn measure_alone(&mut self) {
        for candidate in 0..self.pool.len() {
            let gain = self.gain(&[], candidate);
            self.alone[candidate] = Some(gain);
        }
    }

    /// Lazy greedy from `start`: a candidate's gain is only re-asked when it tops the queue
    /// with a gain measured against an older configuration (gains only shrink as indexes
    /// are added, so the alone-gain is a first bound). `banned` candidates are not added.
    fn greedy_from(&mut self, start: Vec<usize>, banned: &[usize], per_byte: bool) -> Vec<usize> {
        let mut config = start;
        let stale = usize::MAX;
        let mut queue: Vec<(f64, usize, usize)> = (0..self.pool.len())
            .filter(|c| !banned.contains(c) && !config.contains(c))
            .filter(|&c| self.alone[c].is_none_or(|gain| gain >= self.min_gain))
            .map(|c| {
                let bound = self.alone[c].unwrap_or(f64::INFINITY);
                let version = if config.is_empty() { 0 } else { stale };
                (self.score(bound, c, per_byte), c, version)
            })
            .collect();
        loop {
            queue.retain(|&(_, c, _)| !config.contains(&c) && self.fits(&config, c));
            let Some(best) = (0..queue.len()).max_by(|&a, &b| {
                queue[a]
                    .0
                    .total_cmp(&queue[b].0)
                    .then(queue[b].1.cmp(&queue[a].1))
            }) else {
                break;
            };
            let (score, candidate, version) = queue[best];
            if score <= 0.0 {
                break;
            }
            if version != config.len() {
                let gain = self.gain(&config, candidate);
                if gain < self.min_gain {
                    queue.swap_remove(best);
                    continue;
                }
                queue[best] = (
                    self.score(gain, candidate, per_byte),
                    candidate,
                    config.len(),
                );
                continue;
            }
            config.push(candidate);
            queue.swap_remove(best);
        }
        config
    }

    fn score(&self, gain: f64, candidate: usize, per_byte: bool) -> f64 {
        if per_byte && gain > 0.0 {
            gain / self.pool[candidate].size.max(1.0)
        } else {
            gain
        }
    }

    /// Improves a configuration while it can: drop an index that does not pay, or take one
    /// out and refill the budget greedily without it (a swap of one index for one or several
    /// others, found by the planner's own figures). Only strict improvements are taken, so
    /// it ends; then indexes whose own saving is under the minimum are pruned, weakest first.
    fn local_search(&mut self, mut config: Vec<usize>) -> Vec<usize> {
        let mut current = self.objective(&config);
        // As many new plans as the greedy passes asked for, at most: on a large workload
        // the search stops with what it has improved so far.
        let allowance = self.evaluations.max(MIN_LOCAL_SEARCH_EVALUATIONS);
        let stop_at = self.evaluations + allowance;
        'improve: for _ in 0..MAX_LOCAL_SEARCH_ROUNDS {
            for position in 0..config.len() {
                if self.evaluations >= stop_at {
                    break 'improve;
                }
                let mut without = config.clone();
                let removed = without.remove(position);
                let mut options = vec![without.clone()];
                for per_byte in [true, false] {
                    options.push(self.greedy_from(without.clone(), &[removed], per_byte));
                }
                for option in options {
                    let cost = self.objective(&option);
                    if cost < current * (1.0 - 1e-9) {
                        config = option;
                        current = cost;
                        continue 'improve;
                    }
                }
            }
            break;
        }
        self.prune(config)
    }

    /// Removes, one at a time and weakest first, indexes whose saving next to the others is
    /// under the minimum (each removal changes what the others save).
    fn prune(&mut self, mut config: Vec<usize>) -> Vec<usize> {
        loop {
            let total = self.objective(&config);
            let weakest = (0..config.len())
                .map(|position| {
                    let mut without = config.clone();
                    without.remove(position);
                    (self.objective(&without) - total, position)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match weakest {
                Some((saving, position)) if saving < self.min_gain => {
                    config.remove(position);
                }
                _ => return config,
            }
        }
    }

    fn plan(mut self, config: Vec<usize>, greedy: f64) -> Plan {
        let total = self.objective(&config);
        let mut chosen = self.chosen(&config);
        chosen.sort_by(|(_, a), (_, b)| b.saving.total_cmp(&a.saving).then(a.def.cmp(&b.def)));
        // The running totals: one costing of the workload per prefix of the ranking.
        for k in 0..chosen.len() {
            let prefix: Vec<usize> = chosen[..=k].iter().map(|(index, _)| *index).collect();
            chosen[k].1.cumulative_saving = self.baseline_total - self.objective(&prefix);
        }
        let chosen = chosen.into_iter().map(|(_, chosen)| chosen).collect();
        let rejected = self.rejections(&config);
        let baseline = self.baseline_total;
        let priced = self
            .queries
            .iter()
            .zip(&self.baseline)
            .map(|(query, &cost)| Priced {
                query: query.id,
                calls: query.calls,
                cost,
                logged_ms: query.logged_ms,
            })
            .collect();
        Plan {
            basis: self.model.basis(),
            weighting: self.weighting,
            baseline,
            greedy,
            total,
            chosen,
            rejected,
            uncosted: self.uncosted,
            left_out: 0,
            evaluations: self.evaluations,
            cut_short: None,
            priced,
            evidence: LoggedEvidence::default(),
        }
    }

    /// Each index of `config` (with its place in the pool) and what it saves and serves next
    /// to the others.
    fn chosen(&mut self, config: &[usize]) -> Vec<(usize, Chosen)> {
        let mut chosen = Vec::new();
        for &index in config {
            let without: Vec<usize> = config.iter().copied().filter(|&c| c != index).collect();
            let users = self.users[index].clone();
            let before = self.query_costs(&without, &users);
            let after = self.query_costs(config, &users);
            let mut served: Vec<Served> = users
                .iter()
                .zip(before.iter().zip(&after))
                .filter(|(_, (b, a))| a < b)
                .map(|(&q, (&before, &after))| Served {
                    query: self.queries[q].id,
                    calls: self.queries[q].calls,
                    weight: self.weights[q],
                    before,
                    after,
                })
                .collect();
            served.sort_by(|a, b| {
                ((b.before - b.after) * b.weight)
                    .total_cmp(&((a.before - a.after) * a.weight))
                    .then(a.query.cmp(&b.query))
            });
            let entry = &self.pool[index];
            let saving = served
                .iter()
                .map(|s| (s.before - s.after) * s.weight)
                .sum::<f64>()
                - entry.overhead;
            chosen.push((
                index,
                Chosen {
                    def: entry.def.clone(),
                    size_bytes: entry.size,
                    write_overhead: entry.overhead,
                    saving,
                    saving_alone: self.alone[index].unwrap_or(saving),
                    cumulative_saving: saving,
                    served,
                },
            ));
        }
        chosen
    }

    /// The best candidates left out, and why (so no rejection is silent).
    fn rejections(&mut self, config: &[usize]) -> Vec<Rejected> {
        let mut left_out: Vec<usize> = (0..self.pool.len())
            .filter(|c| !config.contains(c))
            .filter(|&c| !config.iter().any(|&k| self.pool[k].def == self.pool[c].def))
            .collect();
        left_out.sort_by(|&a, &b| {
            self.alone[b]
                .unwrap_or(0.0)
                .total_cmp(&self.alone[a].unwrap_or(0.0))
                .then(a.cmp(&b))
        });
        left_out.truncate(5);
        left_out
            .into_iter()
            .map(|c| {
                let alone = self.alone[c].unwrap_or(0.0);
                let entry_overhead = self.pool[c].overhead;
                let reason = if alone + entry_overhead <= 0.0 {
                    RejectReason::NoPlanUsesIt
                } else if alone <= 0.0 {
                    RejectReason::WritesOutweigh {
                        write_overhead: entry_overhead,
                    }
                } else if !self.fits(config, c) {
                    RejectReason::OverBudget
                } else {
                    RejectReason::ServedByChosen {
                        remaining_saving: self.gain(config, c),
                    }
                };
                Rejected {
                    def: self.pool[c].def.clone(),
                    size_bytes: self.pool[c].size,
                    saving_alone: alone,
                    reason,
                    could_serve: self.users[c].iter().map(|&q| self.queries[q].id).collect(),
                }
            })
            .collect()
    }
}

/// Each statement's weight: its calls, or — when the log timed it — its logged time in
/// cost units, at the rate (cost units per logged ms) that keeps the timed statements'
/// total what their calls × cost come to. So the workload's scale, and with it the write
/// overheads and the noise floor, stay in cost units, while each timed statement counts in
/// proportion to the time it took.
fn weights(queries: &[&WorkloadQuery<'_>], baseline: &[f64]) -> (Vec<f64>, Weighting) {
    let timed = |q: &WorkloadQuery<'_>| q.logged_ms.filter(|ms| *ms > 0.0);
    let untimed = queries.iter().filter(|q| timed(q).is_none()).count();
    let weighting = match untimed {
        0 if !queries.is_empty() => Weighting::LoggedTime,
        n if n == queries.len() => Weighting::EstimatedCost,
        _ => Weighting::Mixed,
    };
    // A statement costed at nothing cannot be made cheaper: it sets no rate.
    let (mut cost_of_timed, mut ms_of_timed) = (0.0, 0.0);
    for (query, &cost) in queries.iter().zip(baseline) {
        if let Some(ms) = timed(query).filter(|_| cost > 0.0) {
            cost_of_timed += query.calls * cost;
            ms_of_timed += ms;
        }
    }
    let weights = queries
        .iter()
        .zip(baseline)
        .map(|(query, &cost)| match timed(query).filter(|_| cost > 0.0) {
            Some(ms) => ms * cost_of_timed / ms_of_timed / cost,
            None => query.calls,
        })
        .collect();
    (weights, weighting)
}

/// Whether a statement could use an index at all: it reads the table and mentions the
/// index's leading column (or the index holds an expression, matched by the planner).
fn could_use(facts: &QueryFacts, def: &IndexDef) -> bool {
    let Some(used) = facts.columns_used.get(&def.table) else {
        return false;
    };
    match def.keys.first() {
        Some(key) if key.is_column => used.contains(&key.expression),
        Some(_) => true,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::facts::extract_facts;
    use crate::sql::parse::parse_sql;

    #[test]
    fn timed_statements_weigh_their_logged_time_at_the_workloads_rate() {
        let statement = &parse_sql("SELECT 1").unwrap()[0];
        let facts = extract_facts(statement, None, &[], &BTreeMap::new());
        let query = |calls: f64, logged_ms: Option<f64>| WorkloadQuery {
            id: 0,
            calls,
            logged_ms,
            facts: &facts,
        };
        // Costs 10 and 1000 a call; the log says the cheap one took 9 s, the dear one 1 s.
        let (cheap, dear) = (query(100.0, Some(9_000.0)), query(10.0, Some(1_000.0)));
        let (timed, weighting) = weights(&[&cheap, &dear], &[10.0, 1_000.0]);
        assert_eq!(weighting, Weighting::LoggedTime);
        let weighed: Vec<f64> = timed
            .iter()
            .zip([10.0, 1_000.0])
            .map(|(w, c)| w * c)
            .collect();
        // The total stays Σ calls × cost (11,000), shared 9:1 as the logged time is.
        assert!((weighed[0] - 9_900.0).abs() < 1e-6, "{weighed:?}");
        assert!((weighed[1] - 1_100.0).abs() < 1e-6, "{weighed:?}");

        let untimed = query(5.0, None);
        let (mixed, weighting) = weights(&[&cheap, &untimed], &[10.0, 3.0]);
        assert_eq!(weighting, Weighting::Mixed);
        assert_eq!(mixed[1], 5.0, "an untimed statement weighs its calls");
        let (_, weighting) = weights(&[&untimed], &[3.0]);
        assert_eq!(weighting, Weighting::EstimatedCost);
    }
}
