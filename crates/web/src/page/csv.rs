//! CSV downloads.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::problem::AppError;

use super::PageError;

/// A CSV file to download as `filename`: the header row, then each row.
/// When it cannot be written, the error page says `failure`.
pub fn csv_download<R, F>(filename: &str, header: &[&str], rows: R, failure: &str) -> Result<Response, PageError>
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    let written = w.write_record(header).and_then(|()| rows.into_iter().try_for_each(|row| w.write_record(row)));
    match (written, w.into_inner()) {
        (Ok(()), Ok(bytes)) => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            ],
            bytes,
        )
            .into_response()),
        _ => Err(AppError::Internal(failure.into()).into()),
    }
}
