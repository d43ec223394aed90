//! Claims for the billing office: what is ready and what is held, batches
//! written as X12 837P or CSV, the payer's acknowledgements and remittance,
//! corrections and voids, and paid against billed.

mod api;
mod pages;

use accompany_domain::catalog::Catalog;
use accompany_domain::records::parse_date;
use accompany_domain::{FieldError, Invalid};
use accompany_store::claims::ClaimScope;

use accompany_store::claims::{BatchFormat, ExportedBatch};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

pub use api::routes as api_routes;
pub use pages::routes as page_routes;

/// A scope as typed (blank means "not given"), checked into the store's terms.
pub(crate) fn scope(
    catalog: &Catalog,
    payer: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    organization: Option<&str>,
) -> Result<ClaimScope, Invalid> {
    let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    let mut errs = Invalid::default();
    let mut day = |field: &'static str, v: Option<String>| match v {
        None => None,
        Some(t) => {
            let d = parse_date(&t);
            if d.is_none() {
                errs.push(FieldError::new(field, "date-format", "write the day as YYYY-MM-DD"));
            }
            d
        }
    };
    let from = day("from", given(from));
    let to = day("to", given(to));
    let payer = given(payer);
    if let Some(p) = &payer {
        if catalog.payer(p).is_none() {
            errs.push(FieldError::new("payer", "no-such-payer", "choose a payer from the catalog"));
        }
    }
    errs.finish()?;
    Ok(ClaimScope { payer, from, to, organization: given(organization) })
}

/// A batch's file as a download, named by its interchange number.
pub(crate) fn file_response(b: ExportedBatch, format: BatchFormat) -> Response {
    let content_type = match format {
        BatchFormat::X12 => "application/edi-x12",
        BatchFormat::Csv => "text/csv; charset=utf-8",
    };
    let disposition = format!("attachment; filename=\"claims-{:09}.{}\"", b.batch.interchange_control, format.extension());
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], b.file).into_response()
}
