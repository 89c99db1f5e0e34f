//! "Did you mean": the nearest known word to one a user typed.

/// The closest candidate to `word`, if one is close enough to be a plausible typo: similar by
/// Jaro-Winkler (long words, transpositions), or one edit away ignoring case (short ids such
/// as `CFO` for `CEO`, where one letter is a third of the word). Fewer edits win, then the
/// more similar.
pub fn did_you_mean<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_lowercase();
    candidates
        .filter(|c| *c != word)
        .filter_map(|c| {
            let similar = strsim::jaro_winkler(word, c);
            let edits = strsim::damerau_levenshtein(&lower, &c.to_lowercase());
            let close = similar > 0.8 || (edits <= 1 && word.chars().count() >= 2);
            close.then_some((edits, similar, c))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn near_words_are_suggested_and_far_ones_not() {
        let roles = ["CEO", "CISO", "CTO", "SYSADMIN"];
        assert_eq!(did_you_mean("CE", roles.into_iter()), Some("CEO"));
        assert_eq!(did_you_mean("ceo", roles.into_iter()), Some("CEO"));
        assert_eq!(did_you_mean("SYSADMN", roles.into_iter()), Some("SYSADMIN"));
        assert_eq!(did_you_mean("BOARD", roles.into_iter()), None);
        let ids = ["ROL-001", "POL-001"];
        assert_eq!(did_you_mean("POL-01", ids.into_iter()), Some("POL-001"));
        assert_eq!(
            did_you_mean("ownr", ["owner", "version"].into_iter()),
            Some("owner")
        );
    }
}
