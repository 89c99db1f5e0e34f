//! Which deleted file became which added file in one commit, by git's rules for `git diff -M`
//! (git's `diffcore-rename.c` and `diffcore-delta.c`, reimplemented): identical contents first
//! (a source with the destination's file name preferred), then pairs whose file names are the
//! same and unique on both sides at a raised threshold (75%), then every remaining pair scored
//! by git's similarity, best first, keeping a pair at 50% or more. Only deleted files are
//! sources: a file that stays where it was is never renamed, so a copy is an addition.
//!
//! This module owns the pairing only; reading blobs is the caller's (`read`), and so is what a
//! pair means for a file's history.

use git2::Oid;

/// git's scale for similarity scores: 100%.
const MAX_SCORE: u64 = 60_000;
/// git's default minimum for `-M`: 50%.
pub const MINIMUM_SCORE: u64 = MAX_SCORE / 2;
/// The score a pair of same-named files needs in git's basename pass: halfway between the
/// minimum and 100% (git's `min_basename_score` with its default factor).
const BASENAME_SCORE: u64 = MINIMUM_SCORE + (MAX_SCORE - MINIMUM_SCORE) / 2;
/// git's `diff.renameLimit` default: above this many sources times destinations (squared
/// limit), only exact and same-name renames are found.
const RENAME_LIMIT: u64 = 1000;
/// git keeps this many best sources per destination before sorting all pairs.
const CANDIDATES_PER_DESTINATION: usize = 4;
/// The modulus git's span hashes are reduced by.
const HASH_BASE: u32 = 107_927;

/// One side of a possible rename: a deleted (source) or added (destination) file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub path: String,
    pub blob: Oid,
}

/// The (source, destination) index pairs that are renames, in no particular order.
pub fn pair(
    sources: &[Side],
    destinations: &[Side],
    read: impl Fn(Oid) -> Option<Vec<u8>>,
) -> Vec<(usize, usize)> {
    if sources.is_empty() || destinations.is_empty() {
        return Vec::new();
    }
    let mut pairing = Pairing::new(sources, destinations);
    pairing.identical_contents();
    if !pairing.dst_paired.contains(&false) || !pairing.src_used.contains(&false) {
        return pairing.pairs;
    }
    let mut scorer = Scorer {
        spans: Default::default(),
        read,
    };
    pairing.unique_names(&mut scorer);
    pairing.by_similarity(&mut scorer);
    pairing.pairs
}

/// The pairs found so far, and which sources and destinations they took.
struct Pairing<'a> {
    sources: &'a [Side],
    destinations: &'a [Side],
    /// Source indices in path order: git registers both sides in path order, and every pass
    /// walks them in that order.
    src_order: Vec<usize>,
    /// Destination indices in path order.
    dst_order: Vec<usize>,
    src_used: Vec<bool>,
    dst_paired: Vec<bool>,
    pairs: Vec<(usize, usize)>,
}

impl<'a> Pairing<'a> {
    fn new(sources: &'a [Side], destinations: &'a [Side]) -> Self {
        let mut src_order: Vec<usize> = (0..sources.len()).collect();
        src_order.sort_by(|&a, &b| sources[a].path.cmp(&sources[b].path));
        let mut dst_order: Vec<usize> = (0..destinations.len()).collect();
        dst_order.sort_by(|&a, &b| destinations[a].path.cmp(&destinations[b].path));
        Pairing {
            sources,
            destinations,
            src_order,
            dst_order,
            src_used: vec![false; sources.len()],
            dst_paired: vec![false; destinations.len()],
            pairs: Vec::new(),
        }
    }

    fn take(&mut self, s: usize, d: usize) {
        self.src_used[s] = true;
        self.dst_paired[d] = true;
        self.pairs.push((s, d));
    }

    /// The sources and destinations not paired yet, in path order.
    fn open(&self) -> (Vec<usize>, Vec<usize>) {
        still_open(
            &self.src_order,
            &self.src_used,
            &self.dst_order,
            &self.dst_paired,
        )
    }

    /// 1. Identical contents: the first unused source in path order, one with the same file
    ///    name preferred.
    fn identical_contents(&mut self) {
        for d in self.dst_order.clone() {
            let dst = &self.destinations[d];
            let mut best: Option<(usize, bool)> = None;
            for &s in &self.src_order {
                if self.src_used[s] || self.sources[s].blob != dst.blob {
                    continue;
                }
                let same = basename_same(&self.sources[s].path, &dst.path);
                if best.is_none_or(|(_, b)| same && !b) {
                    best = Some((s, same));
                }
                if same {
                    break;
                }
            }
            if let Some((s, _)) = best {
                self.take(s, d);
            }
        }
    }

    /// 2. A file name that is unique among the remaining sources and among the remaining
    ///    destinations pairs its two files at 75% or more.
    fn unique_names<R: Fn(Oid) -> Option<Vec<u8>>>(&mut self, scorer: &mut Scorer<R>) {
        let (open_src, open_dst) = self.open();
        let src_names = unique_basenames(open_src.iter().map(|&s| self.sources[s].path.as_str()));
        let dst_names =
            unique_basenames(open_dst.iter().map(|&d| self.destinations[d].path.as_str()));
        for &s in &open_src {
            let name = basename(&self.sources[s].path);
            let (Some(Some(_)), Some(Some(d))) = (src_names.get(name), dst_names.get(name)) else {
                continue;
            };
            let d = open_dst[*d];
            if scorer.score(&self.sources[s], &self.destinations[d], MINIMUM_SCORE)
                >= BASENAME_SCORE
            {
                self.take(s, d);
            }
        }
    }

    /// 3. Every remaining pair, unless there are too many: each destination's best
    ///    candidates, all sorted, kept best first at 50% or more.
    fn by_similarity<R: Fn(Oid) -> Option<Vec<u8>>>(&mut self, scorer: &mut Scorer<R>) {
        let (open_src, open_dst) = self.open();
        let (n_src, n_dst) = (open_src.len() as u64, open_dst.len() as u64);
        if n_src == 0
            || n_dst == 0
            || !((n_dst <= RENAME_LIMIT || n_src <= RENAME_LIMIT)
                && n_dst * n_src <= RENAME_LIMIT * RENAME_LIMIT)
        {
            return;
        }
        let mut matrix: Vec<Candidate> = Vec::with_capacity(open_dst.len() * 4);
        for &d in &open_dst {
            matrix.extend(self.best_candidates(scorer, &open_src, d));
        }
        // Stable, like the merge sort git's QSORT uses: equal pairs keep destination order.
        matrix.sort_by(Candidate::order);
        for c in matrix {
            let Some(d) = c.dst else { break };
            if c.score < MINIMUM_SCORE {
                break;
            }
            if self.dst_paired[d] || self.src_used[c.src] {
                continue;
            }
            self.take(c.src, d);
        }
    }

    /// The best `CANDIDATES_PER_DESTINATION` sources of destination `d`, as git keeps them.
    fn best_candidates<R: Fn(Oid) -> Option<Vec<u8>>>(
        &self,
        scorer: &mut Scorer<R>,
        open_src: &[usize],
        d: usize,
    ) -> [Candidate; CANDIDATES_PER_DESTINATION] {
        let mut best = [Candidate::UNUSED; CANDIDATES_PER_DESTINATION];
        for &s in open_src {
            let this = Candidate {
                src: s,
                dst: Some(d),
                score: scorer.score(&self.sources[s], &self.destinations[d], MINIMUM_SCORE),
                name_score: basename_same(&self.sources[s].path, &self.destinations[d].path),
            };
            // git's record_if_better: replace the worst kept candidate if this one sorts
            // before it.
            let mut worst = 0;
            for i in 1..CANDIDATES_PER_DESTINATION {
                if best[i].order(&best[worst]).is_gt() {
                    worst = i;
                }
            }
            if best[worst].order(&this).is_gt() {
                best[worst] = this;
            }
        }
        best
    }
}

/// Each file name among `paths`, with its position when it is unique there (`None` when two
/// paths share it).
fn unique_basenames<'p>(
    paths: impl Iterator<Item = &'p str>,
) -> std::collections::HashMap<String, Option<usize>> {
    let mut names: std::collections::HashMap<String, Option<usize>> = Default::default();
    for (i, p) in paths.enumerate() {
        names
            .entry(basename(p).to_string())
            .and_modify(|e| *e = None)
            .or_insert(Some(i));
    }
    names
}

/// Scores pairs by git's similarity, reading each blob (with `read`) once.
struct Scorer<R> {
    spans: std::collections::HashMap<Oid, Option<Spans>>,
    read: R,
}

impl<R: Fn(Oid) -> Option<Vec<u8>>> Scorer<R> {
    fn score(&mut self, s: &Side, d: &Side, minimum: u64) -> u64 {
        for side in [s, d] {
            self.spans
                .entry(side.blob)
                .or_insert_with(|| (self.read)(side.blob).map(|data| Spans::of(&data)));
        }
        match (&self.spans[&s.blob], &self.spans[&d.blob]) {
            (Some(a), Some(b)) => similarity(a, b, minimum),
            _ => 0,
        }
    }
}

/// One scored (source, destination) pair of the matrix; `dst: None` is an empty slot.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    src: usize,
    dst: Option<usize>,
    score: u64,
    name_score: bool,
}

impl Candidate {
    const UNUSED: Candidate = Candidate {
        src: 0,
        dst: None,
        score: 0,
        name_score: false,
    };

    /// git's score_compare: empty slots last, then higher scores, then same file names.
    fn order(&self, other: &Candidate) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self.dst, other.dst) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            _ => other
                .score
                .cmp(&self.score)
                .then(other.name_score.cmp(&self.name_score)),
        }
    }
}

fn basename(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Whether two paths end in the same file name.
fn basename_same(a: &str, b: &str) -> bool {
    basename(a) == basename(b)
}

/// A blob as git's similarity sees it: its size, and how many bytes fall in each hash of its
/// spans (a line, or 64 bytes of a longer one), sorted by hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spans {
    size: u64,
    counts: Vec<(u32, u64)>,
}

impl Spans {
    pub fn of(data: &[u8]) -> Spans {
        // git's buffer_is_binary: a NUL in the first 8000 bytes.
        let text = !data[..data.len().min(8000)].contains(&0);
        let mut counts: std::collections::HashMap<u32, u64> = Default::default();
        let (mut accum1, mut accum2, mut n) = (0u32, 0u32, 0u64);
        for (i, &byte) in data.iter().enumerate() {
            // The CR of a CRLF does not count in text.
            if text && byte == b'\r' && data.get(i + 1) == Some(&b'\n') {
                continue;
            }
            let c = u32::from(byte);
            let old1 = accum1;
            accum1 = (accum1 << 7) ^ (accum2 >> 25);
            accum2 = (accum2 << 7) ^ (old1 >> 25);
            accum1 = accum1.wrapping_add(c);
            n += 1;
            if n < 64 && byte != b'\n' {
                continue;
            }
            let hash = accum1.wrapping_add(accum2.wrapping_mul(0x61)) % HASH_BASE;
            *counts.entry(hash).or_default() += n;
            n = 0;
            accum1 = 0;
            accum2 = 0;
        }
        // As in git, a last span without a newline is not counted.
        let mut counts: Vec<(u32, u64)> = counts.into_iter().collect();
        counts.sort_unstable();
        Spans {
            size: data.len() as u64,
            counts,
        }
    }
}

/// git's estimate_similarity: the bytes of `dst` that come from `src`, relative to the larger
/// of the two, on a scale of `MAX_SCORE`; 0 when the sizes alone rule out `minimum`.
fn similarity(src: &Spans, dst: &Spans, minimum: u64) -> u64 {
    let max = src.size.max(dst.size);
    let delta = max - src.size.min(dst.size);
    if max * (MAX_SCORE - minimum) < delta * MAX_SCORE || max == 0 {
        return 0;
    }
    let (mut i, mut j, mut copied) = (0, 0, 0u64);
    while i < src.counts.len() && j < dst.counts.len() {
        let (a, b) = (src.counts[i], dst.counts[j]);
        match a.0.cmp(&b.0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                copied += a.1.min(b.1);
                i += 1;
                j += 1;
            }
        }
    }
    copied * MAX_SCORE / max
}

/// The sources not yet used and the destinations not yet paired, each in its order.
fn still_open(
    src_order: &[usize],
    src_used: &[bool],
    dst_order: &[usize],
    dst_paired: &[bool],
) -> (Vec<usize>, Vec<usize>) {
    let open = |order: &[usize], taken: &[bool]| -> Vec<usize> {
        order.iter().copied().filter(|&i| !taken[i]).collect()
    };
    (open(src_order, src_used), open(dst_order, dst_paired))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).unwrap()
    }

    fn side(path: &str, n: u8) -> Side {
        Side {
            path: path.into(),
            blob: oid(n),
        }
    }

    /// `lines` numbered lines, of which those below `changed` are rewritten.
    fn text(lines: usize, changed: usize, tag: &str) -> Vec<u8> {
        (0..lines)
            .map(|i| {
                if i < changed {
                    format!("{tag} rewrote line {i} entirely\n")
                } else {
                    format!("line {i} stays as it was\n")
                }
            })
            .collect::<String>()
            .into_bytes()
    }

    fn score_of(a: &[u8], b: &[u8]) -> u64 {
        similarity(&Spans::of(a), &Spans::of(b), MINIMUM_SCORE) * 100 / MAX_SCORE
    }

    #[test]
    fn similarity_counts_the_bytes_kept_against_the_larger_file() {
        assert_eq!(score_of(&text(10, 0, "a"), &text(10, 0, "a")), 100);
        let (kept_60, kept_40) = (score_of(&text(10, 0, "a"), &text(10, 4, "b")), {
            score_of(&text(10, 0, "a"), &text(10, 6, "b"))
        });
        assert!((50..70).contains(&kept_60), "{kept_60}");
        assert!(kept_40 < 50, "{kept_40}");
        // CRLF counts as LF; a last line without a newline is not a span.
        assert_eq!(Spans::of(b"a\r\nb\r\n").counts, Spans::of(b"a\nb\n").counts);
        assert_eq!(Spans::of(b"a\nb").counts, Spans::of(b"a\n").counts);
        // Sizes alone rule a pair out.
        assert_eq!(score_of(&text(4, 0, "a"), &text(40, 0, "a")), 0);
    }

    #[test]
    fn identical_contents_prefer_the_source_with_the_same_name() {
        let sources = [side("a/x.md", 1), side("b/y.md", 1)];
        let destinations = [side("c/y.md", 1)];
        assert_eq!(pair(&sources, &destinations, |_| None), [(1, 0)]);
        // Without a same-named source, the first in path order.
        let destinations = [side("c/z.md", 1)];
        assert_eq!(pair(&sources, &destinations, |_| None), [(0, 0)]);
    }

    #[test]
    fn a_source_is_renamed_once_and_the_rest_are_additions() {
        let sources = [side("old.md", 1)];
        let destinations = [side("a.md", 1), side("b.md", 1)];
        assert_eq!(pair(&sources, &destinations, |_| None), [(0, 0)]);
    }

    #[test]
    fn similar_pairs_at_fifty_percent_or_more_best_first() {
        let blobs = |o: Oid| -> Option<Vec<u8>> {
            Some(match o.as_bytes()[0] {
                1 => text(10, 0, "a"),
                2 => text(10, 4, "b"),
                3 => text(10, 2, "c"),
                4 => text(10, 6, "d"),
                _ => return None,
            })
        };
        // Both destinations resemble the source; the closer one (80%) gets it.
        let sources = [side("old.md", 1)];
        let destinations = [side("n1.md", 2), side("n2.md", 3)];
        assert_eq!(pair(&sources, &destinations, blobs), [(0, 1)]);
        // 40% is not a rename.
        let destinations = [side("n.md", 4)];
        assert!(pair(&sources, &destinations, blobs).is_empty());
        // Same names need 75%: 60% is still a rename through the matrix, 80% through the name.
        let destinations = [side("d/old.md", 2)];
        assert_eq!(pair(&sources, &destinations, blobs), [(0, 0)]);
    }

    #[test]
    fn equal_scores_prefer_the_same_file_name() {
        let blobs = |o: Oid| -> Option<Vec<u8>> {
            Some(match o.as_bytes()[0] {
                1 => text(10, 0, "a"),
                2 => text(10, 4, "b"),
                _ => return None,
            })
        };
        // Two sources with the same text, the second one's name matches the destination's.
        let sources = [side("a/first.md", 1), side("b/x.md", 1), side("c/x.md", 1)];
        let destinations = [side("d/x.md", 2)];
        let got = pair(&sources, &destinations, blobs);
        assert_eq!(got.len(), 1);
        assert!(basename_same(&sources[got[0].0].path, "d/x.md"), "{got:?}");
    }
}
