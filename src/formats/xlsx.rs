//! XLSX reader (being written).

use crate::model::Grid;
use crate::{Error, ReadLimits, Result};

/// Reads a XLSX file into the cell model.
pub fn read(_bytes: &[u8], _limits: &ReadLimits) -> Result<Grid> {
    Err(Error::unsupported("XLSX", "not supported yet"))
}
