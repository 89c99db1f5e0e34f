//! Work shared out in chunks: one task per worker thread, each taking the next chunk of the
//! items until none is left.
//!
//! The history's passes (the walk over commits, the facts of blobs) cost more per item at one
//! end of the history than at the other: recent commits have the largest trees. Splitting the
//! items into one contiguous part per thread left one thread working alone for the last
//! quarter of the walk. Chunks taken in order from a shared counter keep every thread busy to
//! within one chunk of the end, while each worker still opens its repository once and keeps
//! its caches from one chunk to the next.
//!
//! Chunks shrink as the work does ("guided" scheduling): each is a share of what is left, no
//! smaller than a minimum. Large chunks early keep the per-chunk cost low (a worker's first
//! commit of a chunk reads its trees afresh); small ones at the end leave no worker alone with
//! a long last chunk (with equal chunks, a 20,000-commit walk ended with one thread idle for
//! most of a chunk's tenth of a second).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Each chunk is at least this share of what is left, per worker.
const SHARES_PER_WORKER: usize = 4;

/// The chunks of a slice, handed out in order to whichever worker asks next.
pub struct Chunks<'a, T> {
    items: &'a [T],
    plan: Plan,
    next: &'a AtomicUsize,
    /// The chunk the worker was started with.
    first: Option<&'a [T]>,
}

impl<'a, T> Iterator for Chunks<'a, T> {
    type Item = &'a [T];

    fn next(&mut self) -> Option<&'a [T]> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        take(self.items, self.plan, self.next)
    }
}

/// How chunks are sized: a share of what is left, at least `min` items.
#[derive(Clone, Copy)]
struct Plan {
    min: usize,
    workers: usize,
}

/// The next chunk: `next` is the index of the first item not yet handed out.
fn take<'a, T>(items: &'a [T], plan: Plan, next: &AtomicUsize) -> Option<&'a [T]> {
    let mut start = next.load(Ordering::Relaxed);
    loop {
        let left = items.len().checked_sub(start).filter(|&n| n > 0)?;
        let size = (left / (plan.workers * SHARES_PER_WORKER)).max(plan.min);
        let end = start + size.min(left);
        match next.compare_exchange_weak(start, end, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Some(&items[start..end]),
            Err(now) => start = now,
        }
    }
}

/// Runs `work` once on each thread of the current rayon pool that finds a chunk left, with the
/// chunks it is to take (in order; each of at least `min_size` items but the last). Returns
/// what each worker returned (in no particular order), or the first error met; after an error,
/// workers take no more chunks.
pub fn by_workers<T, R, E>(
    items: &[T],
    min_size: usize,
    work: impl Fn(&mut Chunks<'_, T>) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    let min = min_size.max(1);
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, items.len().div_ceil(min).max(1));
    let plan = Plan { min, workers };
    let results = Mutex::new(Vec::with_capacity(workers));
    rayon::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|_| {
                // A worker that starts after the last chunk was taken does nothing (and opens
                // nothing).
                let Some(first) = take(items, plan, &next) else {
                    return;
                };
                let mut chunks = Chunks {
                    items,
                    plan,
                    next: &next,
                    first: Some(first),
                };
                let result = work(&mut chunks);
                if result.is_err() {
                    next.store(items.len(), Ordering::Relaxed);
                }
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item is handed out exactly once, in chunks no smaller than asked for (but the
    /// last) that shrink as the work does, and each chunk's items stay in order.
    #[test]
    fn every_item_once() {
        let items: Vec<u32> = (0..10_003).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let seen: Vec<Vec<Vec<u32>>> = pool
            .install(|| {
                by_workers(&items, 100, |chunks| {
                    Ok::<_, ()>(chunks.map(<[u32]>::to_vec).collect::<Vec<_>>())
                })
            })
            .unwrap();
        assert!(!seen.is_empty() && seen.len() <= 3);
        let mut all: Vec<Vec<u32>> = seen.into_iter().flatten().collect();
        all.sort();
        // 10,003 items over 3 workers: the first chunk is a twelfth of them.
        assert_eq!(all[0].len(), 10_003 / 12);
        let (last, rest) = all.split_last().unwrap();
        assert!(
            rest.iter().all(|c| c.len() >= 100),
            "{:?}",
            all.iter().map(Vec::len).collect::<Vec<_>>()
        );
        assert!(rest.windows(2).all(|w| w[0].len() >= w[1].len()));
        assert!(!last.is_empty() && last.len() <= 100);
        assert!(rest.iter().filter(|c| c.len() == 100).count() > 3);
        assert_eq!(all.concat(), items);
    }

    /// An error stops the workers from taking more chunks, and is what returns.
    #[test]
    fn an_error_stops_the_work() {
        let items: Vec<u32> = (0..10_000).collect();
        let taken = AtomicUsize::new(0);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let result: Result<Vec<()>, String> = pool.install(|| {
            by_workers(&items, 10, |chunks| {
                for chunk in chunks {
                    taken.fetch_add(chunk.len(), Ordering::Relaxed);
                    if chunk.contains(&50) {
                        return Err("the chunk of item 50 is broken".to_string());
                    }
                    // Work takes time: the failing worker stops the others meanwhile.
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                Ok(())
            })
        });
        assert_eq!(result.unwrap_err(), "the chunk of item 50 is broken");
        // The first chunk (an eighth of the items) failed; the other worker took one or two
        // chunks meanwhile, not the half of the items that the next four would be.
        assert!(taken.load(Ordering::Relaxed) < 5_000, "{taken:?}");
    }

    #[test]
    fn nothing_to_do() {
        let items: Vec<u32> = Vec::new();
        let result: Vec<u32> = by_workers(&items, 10, |_| Ok::<_, ()>(1)).unwrap();
        assert!(result.is_empty());
    }
}
