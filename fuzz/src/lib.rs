//! Shared by the fuzz targets: limits small enough that no input makes a run slow.

use jixiao::formats::{read, Format};
use jixiao::ReadLimits;

/// Limits for fuzzing: a few MB and a few hundred thousand cells.
pub fn limits() -> ReadLimits {
    ReadLimits {
        max_file_bytes: 4 << 20,
        max_inflated_bytes: 16 << 20,
        max_cells: 200_000,
        max_line_bytes: 64 << 10,
    }
}

/// Reads `data` as `format` in this process: any result is fine; a panic or an abort is
/// a finding.
pub fn read_as(format: Format, data: &[u8]) {
    let _ = read(data, format, &limits());
}
