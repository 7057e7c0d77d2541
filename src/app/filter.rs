//! The `/` filter: fzf syntax through nucleo-matcher. Words are matched fuzzily and must all
//! match; `'word` matches an exact substring, `^word` a prefix, `word$` a suffix and `!word`
//! excludes. Case is smart (a capital letter makes the word case-sensitive). The haystack of a
//! row is built by its kind (name, type, state). Pure: no I/O, no ordering by score (rows keep
//! the sort the user chose), so fuzzy words use nucleo's greedy matcher: whether a word matches
//! (as a subsequence) is all a filter needs, and it is several times cheaper than scoring.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// A compiled filter query.
pub struct Filter {
    query: String,
    pattern: Pattern,
    matcher: Matcher,
    buf: Vec<char>,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filter")
            .field("query", &self.query)
            .finish()
    }
}

impl Clone for Filter {
    fn clone(&self) -> Self {
        Filter::new(&self.query)
    }
}

impl Filter {
    pub fn new(query: &str) -> Filter {
        Filter {
            query: query.to_owned(),
            pattern: Pattern::parse(query, CaseMatching::Smart, Normalization::Smart),
            matcher: Matcher::new(Config::DEFAULT),
            buf: Vec::new(),
        }
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    /// True when the query has no words (everything matches).
    pub fn is_empty(&self) -> bool {
        self.pattern.atoms.is_empty()
    }

    /// Whether `haystack` matches every word of the query.
    pub fn matches(&mut self, haystack: &str) -> bool {
        if self.pattern.atoms.is_empty() {
            return true;
        }
        let text = Utf32Str::new(haystack, &mut self.buf);
        for atom in &self.pattern.atoms {
            let hit = match atom.kind {
                AtomKind::Fuzzy => {
                    // Smart case, as `Atom` does it: a capital letter makes the word exact.
                    let needle = atom.needle_text();
                    self.matcher.config.ignore_case = !needle.chars().any(char::is_uppercase);
                    self.matcher.fuzzy_match_greedy(text, needle).is_some() != atom.negative
                }
                _ => atom.score(text, &mut self.matcher).is_some(),
            };
            if !hit {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_exact_and_negated_words() {
        let mut f = Filter::new("gpu run");
        assert!(f.matches("gpu-cluster AmlCompute Running"));
        assert!(!f.matches("cpu-cluster AmlCompute Steady"));
        let mut f = Filter::new("gclr");
        assert!(f.matches("gpu-cluster AmlCompute Steady"));
        let mut f = Filter::new("'gclr");
        assert!(!f.matches("gpu-cluster AmlCompute Steady"));
        let mut f = Filter::new("!failed");
        assert!(f.matches("a ComputeInstance Running"));
        assert!(!f.matches("b ComputeInstance CreateFailed"));
        let mut f = Filter::new("   ");
        assert!(f.is_empty());
        assert!(f.matches("anything"));
    }

    #[test]
    fn smart_case() {
        let mut lower = Filter::new("steady");
        assert!(lower.matches("x AmlCompute Steady"));
        let mut upper = Filter::new("'STEADY");
        assert!(!upper.matches("x AmlCompute Steady"));
    }
}
