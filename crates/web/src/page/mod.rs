//! What every page is made with: the layout and its navigation, the error
//! page, forms and their error summary, names of things, records as rows,
//! and CSV downloads. Nothing here knows any feature.

pub mod charts;
mod csv;
mod error;
mod forms;
mod labels;
mod layout;
mod nav;
mod rows;
mod user;

pub use csv::csv_download;
pub use error::{error_page, not_found, page_error, show_failures, PageError, PageResult, ReaderLanguage};
pub use forms::{
    anchored_error_list, csrf_refused, done_or_error, error_list, errors_by_field, form_page, saved_or_form, CsrfForm, ErrorList, FieldErrors,
};
pub use labels::{
    category_name, language_name, local_now, modality_choices, money, notice_text, options, payer_name, pricing_text, rate_text, when_text, Choice,
    CHOOSABLE,
};
pub use layout::{render, Layout, MessagePage};
pub use rows::{member_rows, member_view, team_rows, worker_rows, MemberRow, MemberView, TeamRow, WorkerRow};
pub use user::PageUser;
