//! Benchmarks of the log store (issue 10, item 8): placeholder, filled in below.
fn main() {}
