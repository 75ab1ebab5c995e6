//! XLS and ODS through calamine (being written).

use super::Format;
use crate::model::Grid;
use crate::{Error, ReadLimits, Result};

/// Reads an XLS or ODS workbook into the cell model.
pub fn read(_bytes: &[u8], format: Format, _limits: &ReadLimits) -> Result<Grid> {
    Err(Error::unsupported(format.as_str(), "not supported yet"))
}
