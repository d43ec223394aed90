//! The one integration test binary (each file under tests/ would link
//! separately, and small machines pay for every link). Runs on SQLite, or
//! on PostgreSQL when TEST_DATABASE_URL is set.

mod api;
mod audit;
mod billing;
mod booking;
mod browser;
mod caseload;
mod claim_data;
mod claims;
mod cli;
mod contacts;
mod contracts;
mod dashboards;
mod edges;
mod equity;
mod equity_pages;
mod events;
mod fhir_check;
mod layering;
mod matching;
mod measures;
mod nav_golden;
mod org_activity;
mod pages;
mod persona_walk;
mod privacy;
mod referrals;
mod seeding;
mod side_doors;
mod support;
mod trends;
mod unmet;
mod what_if_pages;
mod workforce;
