//! The language of the index: English as elasticlunr-rs has it (trimmer, stop words,
//! stemmer), each distinct word taken through it once.

/// English as elasticlunr-rs has it, with each distinct word taken through the pipeline
/// (trimmer, stop words, stemmer) once: a policy corpus says the same few thousand words
/// over and over, and running the pipeline on every occurrence was a fifth of the index's
/// cost. `tokenize` returns the pipeline's output, so the pipeline the index runs after it is
/// made of pass-through steps, named as English's are: the index says the same, and
/// elasticlunr.js runs the real steps on a query.
///
/// Words are split as English's tokenizer splits them (at whitespace and hyphens) and looked
/// up as they stand in the text, so a word seen before costs one lookup: no lower-cased copy,
/// and a hash made for short keys (FxHash) rather than the default SipHash.
pub(super) struct Prepared {
    english: elasticlunr::lang::English,
    pipeline: elasticlunr::pipeline::Pipeline,
    memo: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, Option<String>>>,
}

impl Prepared {
    pub(super) fn new() -> Prepared {
        use elasticlunr::lang::Language;
        let english = elasticlunr::lang::English::new();
        Prepared {
            pipeline: english.make_pipeline(),
            english,
            memo: Default::default(),
        }
    }
}

impl Prepared {
    /// What the pipeline makes of one word of a text (`None`: it is dropped).
    pub(super) fn prepare(&self, word: &str) -> Option<String> {
        // The trim and lower-casing of `elasticlunr::lang::tokenize_whitespace`, once per
        // distinct word.
        self.pipeline.run(vec![word.trim().to_lowercase()]).pop()
    }
}

/// The words of a text as English's tokenizer splits them (`tokenize_whitespace`: at
/// whitespace and hyphens, empty pieces dropped), before trimming and lower-casing.
pub(super) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == '-')
        .filter(|word| !word.is_empty())
}

impl elasticlunr::lang::Language for Prepared {
    fn name(&self) -> String {
        self.english.name()
    }

    fn code(&self) -> String {
        self.english.code()
    }

    fn tokenize(&self, text: &str) -> Vec<String> {
        let mut memo = self.memo.borrow_mut();
        words(text)
            .filter_map(|word| {
                if let Some(done) = memo.get(word) {
                    return done.clone();
                }
                let done = self.prepare(word);
                memo.insert(word.into(), done.clone());
                done
            })
            .collect()
    }

    fn make_pipeline(&self) -> elasticlunr::pipeline::Pipeline {
        elasticlunr::pipeline::Pipeline {
            queue: (self.pipeline.queue.iter())
                .map(|step| {
                    let name = step.name();
                    Box::new(elasticlunr::pipeline::FnWrapper(name, Some))
                        as Box<dyn elasticlunr::pipeline::PipelineFn>
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::search::script::FIELDS;

    #[test]
    fn the_prepared_language_makes_the_index_english_makes() {
        let docs = [
            [
                "POL-001",
                "Access Control Policy",
                "policy",
                "approved",
                "Users' access is reviewed quarterly; reviewers review the reviews. The the and.",
            ],
            [
                "PRC-002",
                "Back-up procedure",
                "procedure",
                "draft",
                "Backups are running nightly -- restoring, restored, restores... (tested) \u{e9}t\u{e9}",
            ],
            [
                "ROL-003",
                "",
                "role",
                "",
                "  ...  --- !!! 42 4.2 x-ray X-Ray \u{c9}T\u{c9} a\u{a0}b\tc\u{2003}d -lead trail- Review REVIEW review",
            ],
        ];
        let build = |language: Box<dyn elasticlunr::lang::Language>| {
            let mut index = elasticlunr::IndexBuilder::with_language(language)
                .save_docs(false)
                .add_fields(FIELDS)
                .set_ref("ref")
                .build();
            for (n, doc) in docs.iter().enumerate() {
                index.add_doc(&n.to_string(), doc);
            }
            serde_json::to_string(&index).unwrap()
        };
        let english = build(Box::new(elasticlunr::lang::English::new()));
        assert_eq!(build(Box::new(Prepared::new())), english);
        // The steps do run (the same word twice: once through them, once from the memo).
        use elasticlunr::lang::Language;
        let text = "The reviewers reviewed reviews, reviews.";
        let plain = elasticlunr::lang::English::new();
        let expected = plain.make_pipeline().run(plain.tokenize(text));
        assert_eq!(expected, ["review", "review", "review", "review"]);
        assert_eq!(Prepared::new().tokenize(text), expected);
    }
}
