//! Reading the lists villages send: XLSX, XLS, ODS and CSV into a grid of text cells that
//! keeps the row numbers the spreadsheet shows; finding the header row below title rows and
//! merged cells; mapping the column names villages actually use; and checking every row into a
//! report (accepted / accepted with warnings / rejected, with the column and the reason).
//! Pure: bytes in, report out. Saving is the store's job.

pub mod dates;
pub mod fuzzing;
pub mod grid;
pub mod header;
pub mod rows;
pub mod template;
pub mod welfare;

pub use grid::{Cell, CellKind, Grid, GridRow, Limits, ReadError, one_row, read, read_sheets};
pub use header::{
    ChoiceError, Corrections, Field, Mapping, MappingChoice, apply_corrections, column_titles, find_header,
};
pub use rows::{Draft, Message, RowReport, RowStatus, check_rows};
