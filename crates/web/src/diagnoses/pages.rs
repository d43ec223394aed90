//! The diagnoses section of a member's record page: adding and ending.

use accompany_domain::claim_data::{DiagnosisInput, EndDiagnosisInput};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;

use crate::page::{csrf_refused, PageResult, PageUser};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/members/{id}/diagnoses", post(add_diagnosis)).route("/members/{id}/diagnoses/{diagnosis}/end", post(end_diagnosis))
}

#[derive(Deserialize, Default)]
struct DiagnosisForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    start_date: String,
}

async fn add_diagnosis(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<DiagnosisForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let input = DiagnosisInput { code: f.code, description: Some(f.description), start_date: f.start_date, end_date: None };
    s.access(&state).add_diagnosis(&id, &input).await?;
    Ok(Redirect::to(&format!("/members/{id}#diagnoses")).into_response())
}

#[derive(Deserialize, Default)]
struct EndForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    end_date: String,
}

async fn end_diagnosis(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path((id, diagnosis)): Path<(String, String)>,
    Form(f): Form<EndForm>,
) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    s.access(&state).end_diagnosis(&id, &diagnosis, f.version, &EndDiagnosisInput { end_date: f.end_date }, "").await?;
    Ok(Redirect::to(&format!("/members/{id}#diagnoses")).into_response())
}
