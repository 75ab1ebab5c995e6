//! Value-reader throughput benchmark (being written).
fn main() {}
