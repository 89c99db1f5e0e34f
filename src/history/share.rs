//! Work shared out in chunks: one task per worker thread, each taking the next chunk of the
//! items until none is left.
//!
//! The history's passes (the walk over commits, the facts of blobs) cost more per item at one
//! end of the history than at the other: recent commits have the largest trees. Splitting the
//! items into one contiguous part per thread left one thread working alone for the last
//! quarter of the walk. Chunks taken in order from a shared counter keep every thread busy to
//! within one chunk of the end, while each worker still opens its repository once and keeps
//! its caches from one chunk to the next.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The chunks of a slice, handed out in order to whichever worker asks next.
pub struct Chunks<'a, T> {
    items: &'a [T],
    size: usize,
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
        take(self.items, self.size, self.next)
    }
}

fn take<'a, T>(items: &'a [T], size: usize, next: &AtomicUsize) -> Option<&'a [T]> {
    let start = next.fetch_add(1, Ordering::Relaxed).checked_mul(size)?;
    (start < items.len()).then(|| &items[start..items.len().min(start + size)])
}

/// Runs `work` once on each thread of the current rayon pool that finds a chunk left, with the
/// chunks it is to take (in chunks of `size` items, in order). Returns what each worker
/// returned (in no particular order), or the first error met; after an error, workers take no
/// more chunks.
pub fn by_workers<T, R, E>(
    items: &[T],
    size: usize,
    work: impl Fn(&mut Chunks<'_, T>) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    let size = size.max(1);
    let next = AtomicUsize::new(0);
    let chunk_count = items.len().div_ceil(size);
    let workers = rayon::current_num_threads().clamp(1, chunk_count.max(1));
    let results = Mutex::new(Vec::with_capacity(workers));
    rayon::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|_| {
                // A worker that starts after the last chunk was taken does nothing (and opens
                // nothing).
                let Some(first) = take(items, size, &next) else {
                    return;
                };
                let mut chunks = Chunks {
                    items,
                    size,
                    next: &next,
                    first: Some(first),
                };
                let result = work(&mut chunks);
                if result.is_err() {
                    next.store(chunk_count, Ordering::Relaxed);
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

    /// Every item is handed out exactly once, in chunks of the size asked for, and each chunk's
    /// items stay in order.
    #[test]
    fn every_item_once() {
        let items: Vec<u32> = (0..1003).collect();
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
        assert_eq!(all.len(), 11);
        assert!(all[..10].iter().all(|c| c.len() == 100));
        assert_eq!(all.concat(), items);
    }

    /// An error stops the workers from taking more chunks, and is what returns.
    #[test]
    fn an_error_stops_the_work() {
        let items: Vec<u32> = (0..10_000).collect();
        let taken = AtomicUsize::new(0);
        let result: Result<Vec<()>, String> = by_workers(&items, 10, |chunks| {
            for chunk in chunks {
                taken.fetch_add(1, Ordering::Relaxed);
                if chunk[0] == 50 {
                    return Err("chunk 5 is broken".to_string());
                }
            }
            Ok(())
        });
        assert_eq!(result.unwrap_err(), "chunk 5 is broken");
        assert!(taken.load(Ordering::Relaxed) < 1000);
    }

    #[test]
    fn nothing_to_do() {
        let items: Vec<u32> = Vec::new();
        let result: Vec<u32> = by_workers(&items, 10, |_| Ok::<_, ()>(1)).unwrap();
        assert!(result.is_empty());
    }
}
