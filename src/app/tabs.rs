//! The state of one tab: which resources are in it (indices into the app's compute or job list),
//! the filtered and sorted view of them, the selection and scroll offset, the sort and the
//! filter, and the width each column needs over every row of the view (measured once when the
//! data changes, folded when the filter or sort does: never per frame, so widths do not change
//! while scrolling). Rebuilding a view is the hot path of a refresh (10,000 rows must take well
//! under 2 ms), so rows are indices, names are compared in place, only non-name sort keys are
//! computed (once per row) and cells are measured without allocating. No I/O.

use super::TabId;
use super::filter::Filter;
use super::kinds::{self, Item, SortKey};
use crate::azure::models::{ComputeResource, Job};
use std::cmp::Ordering;

/// The resources a tab's indices point into.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Computes(&'a [ComputeResource]),
    Jobs(&'a [Job]),
}

impl<'a> Source<'a> {
    /// The item at `index` (indices come from the same list, so they are in range; an index
    /// out of range yields `None`).
    pub fn item(&self, index: u32) -> Option<Item<'a>> {
        let i = index as usize;
        match self {
            Source::Computes(list) => list.get(i).map(Item::Compute),
            Source::Jobs(list) => list.get(i).map(Item::Job),
        }
    }

    fn name(&self, index: u32) -> &'a str {
        self.item(index).map(|item| item.name()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_order_like_a_case_insensitive_compare() {
        let names = [
            "b",
            "a",
            "A",
            "ab",
            "aB",
            "abc",
            "cluster-00010",
            "cluster-0001",
            "Cluster-00010",
            "very-long-name-with-shared-prefix-2",
            "very-long-name-with-shared-prefix-10",
            "VERY-long-name-with-shared-prefix-1",
            "",
            "z9",
            "Z10",
        ];
        let mut keys: Vec<NameKey<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| NameKey::new(n, i as u32))
            .collect();
        keys.sort_by(|a, b| a.cmp(b));
        let got: Vec<(&str, u32)> = keys.iter().map(|k| (k.name, k.index)).collect();
        let mut want: Vec<(&str, u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, i as u32))
            .collect();
        want.sort_by(|a, b| cmp_ignore_case(a.0, b.0).then(a.1.cmp(&b.1)));
        assert_eq!(got, want);
    }
}

/// ASCII-case-insensitive comparison without allocating.
fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b.iter()) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// A name to sort by, ignoring ASCII case. The first 16 bytes, lower-cased, are kept inline as
/// a number, so most comparisons never touch the strings themselves (scattered on the heap);
/// equal prefixes fall back to comparing the whole names. Ties are broken by index, so the
/// order is total.
struct NameKey<'a> {
    prefix: u128,
    name: &'a str,
    has_upper: bool,
    index: u32,
}

impl<'a> NameKey<'a> {
    fn new(name: &'a str, index: u32) -> Self {
        let mut bytes = [0u8; 16];
        for (slot, b) in bytes.iter_mut().zip(name.bytes()) {
            *slot = b.to_ascii_lowercase();
        }
        NameKey {
            prefix: u128::from_be_bytes(bytes),
            name,
            has_upper: name.bytes().any(|b| b.is_ascii_uppercase()),
            index,
        }
    }

    fn cmp(&self, other: &NameKey<'_>) -> Ordering {
        self.prefix
            .cmp(&other.prefix)
            .then_with(|| {
                if self.has_upper || other.has_upper {
                    cmp_ignore_case(self.name, other.name)
                } else {
                    self.name.cmp(other.name)
                }
            })
            .then(self.index.cmp(&other.index))
    }
}

#[derive(Debug, Clone)]
pub struct TabState {
    pub id: TabId,
    /// Every resource of the tab (indices into the source list).
    pub items: Vec<u32>,
    /// The rows shown: `items` filtered and sorted.
    pub view: Vec<u32>,
    /// Selected row (index into `view`).
    pub selected: usize,
    /// First row on screen (index into `view`).
    pub offset: usize,
    pub sort_column: usize,
    pub sort_descending: bool,
    pub filter: Filter,
    /// Some resource of the tab is in progress (faster refresh, spinner).
    pub busy: bool,
    /// The filter haystacks of `items`, built at the first filtering after the data changed.
    search_cache: Option<SearchCache>,
    /// Width each item needs in each content-sized column (see `Column::sized_by_content`):
    /// `items.len()` rows of `content_columns.len()` widths.
    item_widths: Vec<u16>,
    /// The columns measured per item.
    content_columns: Vec<usize>,
    /// Per column, the width its content needs over every row of the view (a fixed or clock
    /// column: its `max`). The table lays columns out from these.
    pub widths: Vec<u16>,
}

/// The filter haystacks of a tab's items, in one string.
#[derive(Debug, Clone, Default)]
struct SearchCache {
    text: String,
    /// End offset of each item's haystack in `text`.
    ends: Vec<u32>,
}

impl SearchCache {
    fn build(items: &[u32], mut fill: impl FnMut(u32, &mut String)) -> SearchCache {
        let mut cache = SearchCache {
            text: String::with_capacity(items.len() * 40),
            ends: Vec::with_capacity(items.len()),
        };
        for &i in items {
            fill(i, &mut cache.text);
            cache.ends.push(cache.text.len() as u32);
        }
        cache
    }

    fn text(&self, position: usize) -> &str {
        let start = if position == 0 {
            0
        } else {
            self.ends[position - 1] as usize
        };
        let end = self.ends[position] as usize;
        self.text.get(start..end).unwrap_or("")
    }
}

impl TabState {
    pub fn new(id: TabId) -> TabState {
        let (sort_column, sort_descending) = kinds::kind(id).default_sort();
        TabState {
            id,
            items: Vec::new(),
            view: Vec::new(),
            selected: 0,
            offset: 0,
            sort_column,
            sort_descending,
            filter: Filter::new(""),
            busy: false,
            search_cache: None,
            item_widths: Vec::new(),
            content_columns: kinds::kind(id)
                .columns()
                .iter()
                .enumerate()
                .filter(|(_, c)| c.sized_by_content())
                .map(|(i, _)| i)
                .collect(),
            widths: kinds::kind(id).columns().iter().map(|c| c.max).collect(),
        }
    }

    /// The selected row's resource index, if any row is selected.
    pub fn selected_index(&self) -> Option<u32> {
        self.view.get(self.selected).copied()
    }

    /// Forgets every resource (a new workspace).
    pub fn clear(&mut self) {
        self.items.clear();
        self.view.clear();
        self.selected = 0;
        self.offset = 0;
        self.busy = false;
        self.search_cache = None;
        self.item_widths.clear();
        self.fold_widths(&[]);
    }

    /// The selected row's name.
    pub fn selected_name<'a>(&self, source: Source<'a>) -> Option<&'a str> {
        self.selected_index().map(|i| source.name(i))
    }

    /// Replaces the tab's resources and rebuilds the view, keeping the selection on `keep`
    /// (the name selected before the data changed) when it is still there.
    pub fn set_items(
        &mut self,
        items: Vec<u32>,
        source: Source<'_>,
        viewport: usize,
        keep: Option<&str>,
    ) {
        let kind = kinds::kind(self.id);
        let busy = items
            .iter()
            .filter_map(|&i| source.item(i))
            .any(|item| kind.in_progress(item));
        self.set_items_busy(items, busy, source, viewport, keep);
    }

    /// As [`TabState::set_items`] when the caller already knows whether an item is in progress.
    pub fn set_items_busy(
        &mut self,
        items: Vec<u32>,
        busy: bool,
        source: Source<'_>,
        viewport: usize,
        keep: Option<&str>,
    ) {
        self.busy = busy;
        self.items = items;
        self.search_cache = None;
        self.measure(source);
        self.rebuild_keeping(keep, source, viewport);
    }

    /// One resource of the tab changed in place (its run history arrived): measures its cells
    /// again and forgets the filter haystacks, so widths and filtering see what it shows now.
    /// The caller rebuilds the view.
    pub fn item_changed(&mut self, index: u32, source: Source<'_>) {
        self.search_cache = None;
        let stride = self.content_columns.len();
        let (Some(p), Some(item)) = (
            self.items.iter().position(|&i| i == index),
            source.item(index),
        ) else {
            return;
        };
        let kind = kinds::kind(self.id);
        if let Some(row) = self.item_widths.get_mut(p * stride..(p + 1) * stride) {
            for (slot, &column) in row.iter_mut().zip(&self.content_columns) {
                *slot = u16::try_from(kind.cell_width(item, column)).unwrap_or(u16::MAX);
            }
        }
    }

    /// Measures every item's content-sized cells (once per data change).
    fn measure(&mut self, source: Source<'_>) {
        let kind = kinds::kind(self.id);
        let stride = self.content_columns.len();
        self.item_widths.clear();
        self.item_widths.reserve(self.items.len() * stride);
        for &i in &self.items {
            match source.item(i) {
                Some(item) => {
                    for &column in &self.content_columns {
                        let width = kind.cell_width(item, column);
                        self.item_widths
                            .push(u16::try_from(width).unwrap_or(u16::MAX));
                    }
                }
                None => self.item_widths.extend(std::iter::repeat_n(0, stride)),
            }
        }
    }

    /// The widths of the columns over the rows at `positions` (indices into `items`).
    fn fold_widths(&mut self, positions: &[usize]) {
        let columns = kinds::kind(self.id).columns();
        let stride = self.content_columns.len();
        let mut content = vec![0u16; stride];
        if self.item_widths.len() == self.items.len() * stride {
            for &p in positions {
                let row = &self.item_widths[p * stride..(p + 1) * stride];
                for (max, w) in content.iter_mut().zip(row) {
                    *max = (*max).max(*w);
                }
            }
        }
        self.widths = columns.iter().map(|c| c.max).collect();
        for (k, &column) in self.content_columns.iter().enumerate() {
            self.widths[column] = content[k];
        }
    }

    /// Rebuilds the view after a filter or sort change (or new items), keeping the selection
    /// on `keep` (a name) when given and present, else on the same position.
    pub fn rebuild_keeping(&mut self, keep: Option<&str>, source: Source<'_>, viewport: usize) {
        let kind = kinds::kind(self.id);
        let positions: Vec<usize> = if self.filter.is_empty() {
            (0..self.items.len()).collect()
        } else {
            if self
                .search_cache
                .as_ref()
                .is_some_and(|c| c.ends.len() != self.items.len())
            {
                self.search_cache = None;
            }
            let cache = self.search_cache.get_or_insert_with(|| {
                SearchCache::build(&self.items, |i, out| {
                    if let Some(item) = source.item(i) {
                        kind.search_text(item, out);
                    }
                })
            });
            let filter = &mut self.filter;
            (0..self.items.len())
                .filter(|&p| filter.matches(cache.text(p)))
                .collect()
        };
        self.fold_widths(&positions);
        // Sort compact (key, name, index) tuples: one pass over the resources, then the sort
        // touches only the tuples and the names' bytes.
        let descending = self.sort_descending;
        let column = self.sort_column;
        let sorted: Vec<(u32, &str)> = if column == 0 {
            let mut keyed: Vec<NameKey<'_>> = positions
                .iter()
                .map(|&p| NameKey::new(source.name(self.items[p]), self.items[p]))
                .collect();
            keyed.sort_unstable_by(|a, b| {
                let ord = a.cmp(b);
                if descending { ord.reverse() } else { ord }
            });
            keyed.into_iter().map(|k| (k.index, k.name)).collect()
        } else {
            let mut keyed: Vec<(SortKey, NameKey<'_>)> = positions
                .iter()
                .map(|&p| {
                    let i = self.items[p];
                    let key = source
                        .item(i)
                        .map(|item| kind.sort_key(item, column))
                        .unwrap_or(SortKey::Missing);
                    (key, NameKey::new(source.name(i), i))
                })
                .collect();
            keyed
                .sort_unstable_by(|a, b| a.0.compare(&b.0, descending).then_with(|| a.1.cmp(&b.1)));
            keyed.into_iter().map(|(_, k)| (k.index, k.name)).collect()
        };
        if let Some(name) = keep
            && let Some(pos) = sorted.iter().position(|(_, n)| *n == name)
        {
            self.selected = pos;
        }
        self.view = sorted.into_iter().map(|(i, _)| i).collect();
        self.clamp(viewport);
    }

    /// Keeps the selection in range and on screen (`viewport` rows).
    pub fn clamp(&mut self, viewport: usize) {
        if self.view.is_empty() {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        self.selected = self.selected.min(self.view.len() - 1);
        let viewport = viewport.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + viewport {
            self.offset = self.selected + 1 - viewport;
        }
        // Do not leave empty space below the last row when the list shrank.
        let max_offset = self.view.len().saturating_sub(viewport);
        self.offset = self.offset.min(max_offset);
    }

    /// Moves the selection by `delta` rows.
    pub fn move_by(&mut self, delta: isize, viewport: usize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() - 1;
        let target = (self.selected as isize + delta).clamp(0, last as isize);
        self.selected = target as usize;
        self.clamp(viewport);
    }

    pub fn select(&mut self, row: usize, viewport: usize) {
        self.selected = row;
        self.clamp(viewport);
    }
}
