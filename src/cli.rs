//! The `accompany` command line: calls the domain and the store directly,
//! never over HTTP.

use std::path::PathBuf;
use std::sync::Arc;

use accompany_domain::records::Persona;
use accompany_domain::Catalog;
use accompany_store::{AuditKey, Checkpoint, CheckpointKey, Store};
use accompany_synthetic::Plan;
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use crate::seed::{seed, today, SeedReport};

#[derive(Parser, Debug)]
#[command(name = "accompany", version, about = "Runs a state's lived-experience workforce and the members who choose their peers.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Database to use: sqlite://FILE (created if missing) or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long, env = "ACCOMPANY_DATABASE_URL", default_value = "sqlite://accompany.db")]
    pub database_url: String,
    /// A state's catalog of roles and rules (TOML). Default: the embedded Massachusetts catalog.
    #[arg(long, env = "ACCOMPANY_CATALOG")]
    pub catalog: Option<PathBuf>,
    /// The secret that links the audit trail, kept outside the database. Default for SQLite:
    /// FILE.audit-key beside the database file; required for PostgreSQL. Created at the first
    /// start on an empty trail; back it up.
    #[arg(long, env = "ACCOMPANY_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
}

impl Common {
    /// Where the audit key is: the file given, or beside a SQLite database.
    pub fn audit_key_path(&self) -> anyhow::Result<PathBuf> {
        match (&self.audit_key_file, sqlite_file(&self.database_url)) {
            (Some(p), _) => Ok(p.clone()),
            (None, Some(db)) => Ok(PathBuf::from(format!("{db}.audit-key"))),
            (None, None) => bail!(
                "the audit key file is not set: with PostgreSQL, set ACCOMPANY_AUDIT_KEY_FILE (or --audit-key-file) to a file outside the database, kept and backed up apart from it"
            ),
        }
    }
}

/// The file of a sqlite:// URL.
fn sqlite_file(url: &str) -> Option<&str> {
    let file = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(file.split('?').next().unwrap_or(file))
}

#[derive(Args, Debug, Clone)]
pub struct SeedArgs {
    /// Number of synthetic members.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=50_000_000))]
    pub members: u64,
    /// Number of synthetic workers (default: one per 200 members, at least 60).
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
    pub workers: Option<u64>,
    /// Seed of the random generator: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl SeedArgs {
    pub fn plan(&self) -> Plan {
        Plan { seed: self.seed, members: self.members, workers: self.workers.unwrap_or((self.members / 200).max(60)), today: today() }
    }
}

/// Where messages beyond the app go. Without --smtp-host they are written to the log.
#[derive(Args, Debug, Clone, Default)]
pub struct MailArgs {
    /// SMTP server for email notifications.
    #[arg(long, env = "ACCOMPANY_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default: 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, env = "ACCOMPANY_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    #[arg(long, env = "ACCOMPANY_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// Read from the environment only, so it never shows in a process list.
    #[arg(skip = std::env::var("ACCOMPANY_SMTP_PASSWORD").ok())]
    pub smtp_password: Option<String>,
    /// The sender address of notification emails.
    #[arg(long, env = "ACCOMPANY_SMTP_FROM", default_value = "Accompany <no-reply@localhost>")]
    pub smtp_from: String,
    /// starttls, tls, or none (only for a relay on the same machine).
    #[arg(long, env = "ACCOMPANY_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: String,
}

impl MailArgs {
    pub fn sender(&self) -> anyhow::Result<Arc<dyn accompany_store::Sender>> {
        match &self.smtp_host {
            None => Ok(Arc::new(accompany_store::LogSender)),
            Some(host) => {
                let settings = accompany_store::SmtpSettings {
                    host: host.clone(),
                    port: self.smtp_port,
                    username: self.smtp_username.clone(),
                    password: self.smtp_password.clone(),
                    from: self.smtp_from.clone(),
                    tls: self.smtp_tls.clone(),
                };
                Ok(Arc::new(accompany_store::SmtpSender::new(&settings).map_err(anyhow::Error::msg)?))
            }
        }
    }
}

/// How the server guards its edges: sign-in delays, sessions, proxies.
#[derive(Args, Debug, Clone)]
pub struct EdgeArgs {
    /// Proxies (CIDR, comma-separated) whose X-Forwarded-For names the client; from anyone
    /// else the connection's address counts.
    #[arg(long, env = "ACCOMPANY_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_cidr)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Failed sign-ins in a row, per username and per address, answered without delay.
    #[arg(long, env = "ACCOMPANY_SIGN_IN_FREE_FAILURES", default_value_t = 3)]
    pub sign_in_free_failures: u32,
    /// The longest delay, in seconds, after failed sign-ins (delays double from 2 s up to it).
    #[arg(long, env = "ACCOMPANY_SIGN_IN_DELAY_CAP", default_value_t = 60)]
    pub sign_in_delay_cap: u32,
    /// Minutes after which failed sign-ins are forgotten.
    #[arg(long, env = "ACCOMPANY_SIGN_IN_FORGET_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=10_080))]
    pub sign_in_forget_minutes: u32,
    /// A browser session ends after this many minutes without a request.
    #[arg(long, env = "ACCOMPANY_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1_440))]
    pub session_idle_minutes: u32,
    /// A browser session ends this many hours after signing in, used or not.
    #[arg(long, env = "ACCOMPANY_SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=168))]
    pub session_hours: u32,
    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "ACCOMPANY_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub header_timeout: u64,
    /// Seconds a request may run before it is answered 503.
    #[arg(long, env = "ACCOMPANY_REQUEST_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub request_timeout: u64,
    /// Seconds a connection may stay open with no bytes either way.
    #[arg(long, env = "ACCOMPANY_IDLE_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub idle_timeout: u64,
    /// Connections open at once; more wait to be accepted (keep it below the open-file limit).
    #[arg(long, env = "ACCOMPANY_MAX_CONNECTIONS", default_value_t = 1_024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// Requests handled at once; more wait their turn within the request timeout.
    #[arg(long, env = "ACCOMPANY_MAX_REQUESTS", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_requests: u64,
}

impl EdgeArgs {
    pub fn server_limits(&self) -> accompany_web::ServerLimits {
        use std::time::Duration;
        accompany_web::ServerLimits {
            header_timeout: Duration::from_secs(self.header_timeout),
            request_timeout: Duration::from_secs(self.request_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            max_requests: usize::try_from(self.max_requests).unwrap_or(usize::MAX),
        }
    }

    pub fn limits(&self) -> accompany_domain::limits::SignInLimits {
        accompany_domain::limits::SignInLimits {
            free_failures: self.sign_in_free_failures,
            delay_cap_seconds: self.sign_in_delay_cap,
            forget_after_minutes: self.sign_in_forget_minutes,
            session_idle_minutes: self.session_idle_minutes,
            session_hours: self.session_hours,
        }
    }
}

fn parse_cidr(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is not an address or a CIDR block such as 10.0.0.0/8 or 2001:db8::/32"))
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// Deliver every message that is due, once, and print what happened.
    Drain {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// List messages with their status (pending, delivered, failed), newest first.
    List {
        #[command(flatten)]
        common: Common,
        /// Only messages with this status.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web pages and the API.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on.
        #[arg(long, env = "ACCOMPANY_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Serve cookies for plain HTTP: without Secure, without the __Host- prefix and without
        /// HSTS. Only for a server that users reach without TLS (a laptop, a test).
        #[arg(long, env = "ACCOMPANY_INSECURE_COOKIES")]
        insecure_cookies: bool,
        /// No longer needed: cookies are Secure by default.
        #[arg(long, env = "ACCOMPANY_SECURE_COOKIES", hide = true)]
        secure_cookies: bool,
        /// The organization whose staff take public self-referrals (and requests from
        /// doors outside any plan). Without it, only state admins see them.
        #[arg(long, env = "ACCOMPANY_INTAKE_ORGANIZATION")]
        intake_organization: Option<String>,
        #[command(flatten)]
        edges: EdgeArgs,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Fill a fresh database with synthetic data, print a sign-in for each persona, and serve it.
    Demo {
        #[arg(long, env = "ACCOMPANY_DATABASE_URL", default_value = "sqlite://accompany-demo.db")]
        database_url: String,
        #[arg(long, env = "ACCOMPANY_CATALOG")]
        catalog: Option<PathBuf>,
        /// Where to write the demo's new audit key (replaced at every start). Default: beside a
        /// SQLite database, else accompany-demo.audit-key in the working directory.
        #[arg(long)]
        audit_key_file: Option<PathBuf>,
        #[command(flatten)]
        seed: SeedArgs,
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        #[command(flatten)]
        edges: EdgeArgs,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Fill a database with the demo's synthetic data without serving (for benchmarks).
    Seed {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        seed: SeedArgs,
        /// Empty the database first. Without it, seed refuses a database that already holds members.
        #[arg(long)]
        reset: bool,
        /// Print no progress bars.
        #[arg(long)]
        quiet: bool,
    },
    /// Print the API's OpenAPI document (what /api/openapi.json serves) for the catalog.
    Openapi {
        #[arg(long, env = "ACCOMPANY_CATALOG")]
        catalog: Option<PathBuf>,
    },
    /// Bring the database schema up to date (also done at every start).
    Migrate {
        #[command(flatten)]
        common: Common,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Keep the workforce whole: credentials, supervision, fidelity.
    Workforce {
        #[command(subcommand)]
        command: WorkforceCommand,
    },
    /// Match members with peers: rank, batch assignment, benchmark.
    Match {
        #[command(subcommand)]
        command: MatchCommand,
    },
    /// Messages to deliver by email or text: drain once, or list with status.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Members' coverage by payer.
    Coverage {
        #[command(subcommand)]
        command: CoverageCommand,
    },
    /// Acute-care events (ED visits, inpatient stays, outpatient visits) from plans and hospitals.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// Claims: write batches as X12 837P or CSV, read acknowledgements and remittance.
    Claims {
        #[command(subcommand)]
        command: ClaimsCommand,
    },
    /// Outcome measures: follow-up after acute care, use before and after, engagement, retention, goals.
    Measures {
        #[command(subcommand)]
        command: MeasuresCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum MeasuresCommand {
    /// Recompute every member's measures (run it nightly; writes mark members for recomputing in between).
    Rebuild {
        #[command(flatten)]
        common: Common,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Act as this account (default: the command line, as a state admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Print every measure with numerator, denominator and rate, after the small-cell rule.
    Report {
        #[command(flatten)]
        common: Common,
        /// Index days from this day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// Index days up to this day (YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
        /// Only this organization's members: a provider's (served by its peers) or a health plan's.
        #[arg(long)]
        organization: Option<String>,
        /// JSON, as GET /api/v1/measures answers.
        #[arg(long)]
        json: bool,
        /// Act as this account (default: the command line, as a state admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum EventsCommand {
    /// Load events from CSV (a header row, then masshealth_id, kind, start and optionally end,
    /// facility, diagnoses, part2, external_id) or NDJSON (one FHIR R4 Encounter per line). Every
    /// row is checked and every member matched first; nothing is loaded unless all are good, and
    /// each problem names its line. Events loaded before (by external_id) are skipped.
    Import {
        #[command(flatten)]
        common: Common,
        file: PathBuf,
        /// csv or ndjson.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Act as this account (default: the command line, as a state admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ClaimsCommand {
    /// Write every ready claim not yet in a batch: one batch per billing organization and payer.
    /// With --batch, write that batch again instead. Exits non-zero when nothing is billable.
    Export {
        #[command(flatten)]
        common: Common,
        /// x12 (837P, 005010X222A1) or csv.
        #[arg(long, default_value = "x12")]
        format: String,
        /// Only this catalog payer.
        #[arg(long)]
        payer: Option<String>,
        /// First day of service (YYYY-MM-DD); default a year before --to.
        #[arg(long)]
        from: Option<String>,
        /// Last day of service (YYYY-MM-DD); default today.
        #[arg(long)]
        to: Option<String>,
        /// Only this billing organization (state admins; others bill for their own).
        #[arg(long)]
        organization: Option<String>,
        /// Write this existing batch again rather than new claims.
        #[arg(long)]
        batch: Option<String>,
        /// Where to write; with several batches, each gets its interchange number added.
        #[arg(long)]
        output: PathBuf,
        /// Act as this account (default: the command line, as a state admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Time a month of claims at state scale built and written as 837P, in memory.
    Bench {
        /// Billable contacts in the month.
        #[arg(long, default_value_t = 650_000)]
        contacts: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Read a payer's 999 or 277CA acknowledgement or 835 remittance (told apart by content) and
    /// mark the claims it names.
    Import {
        #[command(flatten)]
        common: Common,
        file: PathBuf,
        /// Act as this account (default: the command line, as a state admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CoverageCommand {
    /// Load coverage from a CSV file with a header row: masshealth_id, payer_id, start
    /// (YYYY-MM-DD), and optionally plan_name, subscriber_id, priority (1 is primary), end and
    /// initiating_visit. Every row is checked first; nothing is loaded unless all are good,
    /// and each problem names its line.
    Import {
        #[command(flatten)]
        common: Common,
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum WorkforceCommand {
    /// Print every compliance problem (expiring or expired credentials, missing requirements,
    /// overdue supervision, unqualified supervisors, prohibited tasks, single-peer programs);
    /// exit non-zero when there is any, for a nightly job.
    Check {
        #[command(flatten)]
        common: Common,
        /// Print the problems as JSON (an object with `count` and `problems`).
        #[arg(long)]
        json: bool,
        /// Only this organization (its id).
        #[arg(long)]
        organization: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum MatchCommand {
    /// Rank every peer a member may choose, best first, with the reasons.
    Rank {
        #[command(flatten)]
        common: Common,
        /// The member's id.
        #[arg(long)]
        member: String,
        /// Show at most this many peers.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
        /// Act as this account (default: the command line, as a state admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Assign the waiting list (or a departing peer's caseload) to peers optimally, and report who is left unmatched and why.
    Batch {
        #[command(flatten)]
        common: Common,
        /// Compute and report, change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
        /// Write the minimum-cost flow problem solved, in DIMACS format, to FILE.
        #[arg(long, value_name = "FILE")]
        export_dimacs: Option<PathBuf>,
        /// Only the members this worker left when their employment ended.
        #[arg(long, value_name = "WORKER_ID")]
        departing: Option<String>,
        /// Act as this account (default: the command line, as a state admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Measure ranking and batch assignment on the database's data.
    Bench {
        #[command(flatten)]
        common: Common,
        /// Members whose ranking is timed.
        #[arg(long, default_value_t = 2_000)]
        samples: usize,
        /// Use at most this many waiting members in the batch.
        #[arg(long)]
        members: Option<usize>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the keyed chain of the audit trail; name the first broken link and exit non-zero if any.
    Verify {
        #[command(flatten)]
        common: Common,
        /// Also check that the trail still reaches the head this checkpoint signed.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        #[command(flatten)]
        key: CheckpointKeyArg,
    },
    /// Verify the trail, then print its head (sequence, hash, time) signed with the checkpoint
    /// key, to keep away from the server and its database.
    Checkpoint {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        key: CheckpointKeyArg,
    },
}

#[derive(Args, Debug, Clone)]
pub struct CheckpointKeyArg {
    /// The Ed25519 key that signs checkpoints (created by the first checkpoint when missing).
    /// Keep it off the server.
    #[arg(long, env = "ACCOMPANY_CHECKPOINT_KEY_FILE")]
    pub checkpoint_key_file: Option<PathBuf>,
    /// Check checkpoints with this public key (hex, printed in every checkpoint) instead of
    /// the checkpoint key file, so that verifying needs no secret.
    #[arg(long, env = "ACCOMPANY_CHECKPOINT_PUBLIC_KEY")]
    pub checkpoint_public_key: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account. The password is read from ACCOMPANY_PASSWORD, or made up and printed.
    Add {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// member, peer-worker, supervisor, care-coordinator, organization-admin or state-admin.
        #[arg(long, value_parser = parse_persona)]
        persona: Persona,
        #[arg(long)]
        organization: Option<String>,
        /// For a member account: the member record it belongs to.
        #[arg(long)]
        member: Option<String>,
    },
    /// Set an account's password and end every session and token it has. The password is read
    /// from ACCOMPANY_PASSWORD, or made up and printed.
    Password {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Make a bearer token for an API client acting as USER. Printed once.
    Create {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        user: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        days: Option<i64>,
        #[arg(long, default_value = "command line")]
        label: String,
    },
}

fn parse_persona(s: &str) -> Result<Persona, String> {
    Persona::parse(s).ok_or_else(|| format!("unknown persona {s:?}; use one of: {}", Persona::ALL.map(|p| p.as_str()).join(", ")))
}

pub fn load_catalog(path: Option<&PathBuf>) -> anyhow::Result<Arc<Catalog>> {
    let catalog = match path {
        None => Catalog::massachusetts()?,
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the catalog file {}: check the path given to --catalog", p.display()))?;
            Catalog::from_toml(&p.display().to_string(), &text)?
        }
    };
    Ok(Arc::new(catalog))
}

/// Open the database with its audit key, and bring the schema up to date.
/// A missing key file is created only while the trail is still empty: a
/// trail with events needs the key that linked them.
pub async fn open(common: &Common) -> anyhow::Result<Store> {
    let catalog = load_catalog(common.catalog.as_ref())?;
    let path = common.audit_key_path()?;
    if path.exists() {
        let key = AuditKey::read(&path).map_err(anyhow::Error::msg)?;
        let store = Store::connect(&common.database_url, catalog, key).await?;
        store.migrate().await?;
        return Ok(store);
    }
    let key = AuditKey::generate();
    let store = Store::connect(&common.database_url, catalog, key.clone()).await?;
    store.migrate().await?;
    let events = store.audit_event_count().await?;
    if events > 0 {
        bail!(
            "the audit key file {} is missing but the trail holds {events} events linked with a key: restore the key file from its backup, or point ACCOMPANY_AUDIT_KEY_FILE at it",
            path.display()
        );
    }
    key.save(&path).map_err(anyhow::Error::msg)?;
    eprintln!("Created the audit key {}: keep it secret and back it up apart from the database.", path.display());
    Ok(store)
}

async fn listen(bind: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}: is another program using it? Choose another with --bind HOST:PORT"))
}

pub fn print_report(report: &SeedReport) {
    eprintln!(
        "Loaded {} members, {} workers and {} organizations in {:.1} s ({:.0} rows/s).",
        report.members,
        report.workers,
        report.organizations,
        report.seconds,
        report.rows_per_second()
    );
    eprintln!("Generated {} acute-care events, {} peer contacts and {} referrals.", report.events, report.contacts, report.referrals);
    for c in &report.credentials {
        println!("{}: {} / {}", c.persona.as_str(), c.username, c.password);
    }
    if let Some(org) = &report.intake_organization {
        eprintln!("Public self-referrals go to the intake organization {org}.");
    }
}

/// A checkpoint file whose signature holds under the checkpoint public key.
fn read_checkpoint(file: &std::path::Path, key: &CheckpointKeyArg) -> anyhow::Result<Checkpoint> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read the checkpoint {}", file.display()))?;
    let c: Checkpoint =
        serde_json::from_str(&text).with_context(|| format!("{} is not a checkpoint printed by `accompany audit checkpoint`", file.display()))?;
    let public = match (&key.checkpoint_public_key, &key.checkpoint_key_file) {
        (Some(p), _) => p.clone(),
        (None, Some(path)) => CheckpointKey::read(path).map_err(anyhow::Error::msg)?.public_hex(),
        (None, None) => bail!(
            "to trust a checkpoint, give its public key: ACCOMPANY_CHECKPOINT_PUBLIC_KEY (or --checkpoint-public-key), or the key file with ACCOMPANY_CHECKPOINT_KEY_FILE"
        ),
    };
    c.check(&public).map_err(|e| anyhow::anyhow!("the checkpoint {} is not trustworthy: {e}", file.display()))?;
    Ok(c)
}

/// How often the background worker looks for messages to deliver.
const OUTBOX_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
/// How often the server refreshes the planner's statistics (SQLite advises hourly to daily).
const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Refresh the planner's statistics now and every [`STATISTICS_EVERY`].
fn spawn_statistics(store: Store) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = store.optimize().await {
                tracing::warn!(target: "accompany::statistics", error = %e, "refreshing the planner's statistics failed");
            }
            tokio::time::sleep(STATISTICS_EVERY).await;
        }
    });
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { common, bind, insecure_cookies, secure_cookies, intake_organization, edges, mail } => {
            if secure_cookies && insecure_cookies {
                bail!("--secure-cookies and --insecure-cookies contradict each other; cookies are Secure by default, so drop --secure-cookies");
            }
            if secure_cookies {
                eprintln!("Note: --secure-cookies (ACCOMPANY_SECURE_COOKIES) is now the default and can be removed.");
            }
            let store = open(&common).await?.with_limits(edges.limits());
            if let Some(org) = &intake_organization {
                if store.organization_row(org).await?.is_none() {
                    bail!("--intake-organization {org}: no organization has this id; list them with GET /api/v1/organizations");
                }
            }
            let store = store.with_intake_organization(intake_organization);
            let listener = listen(&bind).await?;
            accompany_web::spawn_outbox_worker(store.clone(), mail.sender()?, OUTBOX_EVERY);
            spawn_statistics(store.clone());
            eprintln!("Serving on http://{}", listener.local_addr()?);
            let state = accompany_web::AppState::new(store, !insecure_cookies)
                .with_trusted_proxies(edges.trusted_proxies.clone())
                .with_limits(edges.server_limits());
            accompany_web::serve(state, listener).await?;
        }
        Command::Demo { database_url, catalog, audit_key_file, seed: args, bind, edges, mail } => {
            let listener = listen(&bind).await?;
            // The demo starts afresh, its audit key too: beside a SQLite
            // file, or in the working directory.
            let beside = match sqlite_file(&database_url) {
                Some(file) => {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{file}{suffix}"));
                    }
                    PathBuf::from(format!("{file}.audit-key"))
                }
                None => PathBuf::from("accompany-demo.audit-key"),
            };
            let key_path = audit_key_file.unwrap_or(beside);
            let _ = std::fs::remove_file(&key_path);
            let key = AuditKey::generate();
            key.save(&key_path).map_err(anyhow::Error::msg)?;
            let catalog = load_catalog(catalog.as_ref())?;
            let store = Store::connect(&database_url, catalog, key).await?.with_limits(edges.limits());
            store.reset().await?;
            store.migrate().await?;
            let report = seed(&store, args.plan(), false).await?;
            let store = store.with_intake_organization(report.intake_organization.clone());
            crate::seed::demo_booking(&store, &report).await?;
            print_report(&report);
            accompany_web::spawn_outbox_worker(store.clone(), mail.sender()?, OUTBOX_EVERY);
            eprintln!("Serving on http://{}", listener.local_addr()?);
            let state =
                accompany_web::AppState::new(store, false).with_trusted_proxies(edges.trusted_proxies.clone()).with_limits(edges.server_limits());
            accompany_web::serve(state, listener).await?;
        }
        Command::Seed { common, seed: args, reset, quiet } => {
            let store = open(&common).await?;
            if reset {
                store.reset().await?;
                store.migrate().await?;
            } else if store.has_members().await? {
                bail!("the database already holds members; pass --reset to empty it first, or use another --database-url");
            }
            let report = seed(&store, args.plan(), quiet).await?;
            print_report(&report);
        }
        Command::Openapi { catalog } => {
            let catalog = load_catalog(catalog.as_ref())?;
            println!("{}", serde_json::to_string_pretty(&accompany_web::api_document(&catalog))?);
        }
        Command::Migrate { common } => {
            // Migrating writes no audit event: any key will do.
            let catalog = load_catalog(common.catalog.as_ref())?;
            let store = Store::connect(&common.database_url, catalog, AuditKey::generate()).await?;
            let applied = store.migrate().await?;
            if applied.is_empty() {
                eprintln!("The schema is up to date.");
            } else {
                eprintln!("Applied: {}", applied.join(", "));
            }
        }
        Command::User { command: UserCommand::Add { common, username, name, persona, organization, member } } => {
            let store = open(&common).await?;
            let (password, made_up) = match std::env::var("ACCOMPANY_PASSWORD") {
                Ok(p) => (p, false),
                Err(_) => (crate::seed::made_up_password(), true),
            };
            let user = store
                .create_user(accompany_store::NewUser {
                    username: &username,
                    display_name: &name,
                    password: &password,
                    persona,
                    organization_id: organization.as_deref(),
                    member_id: member.as_deref(),
                })
                .await?;
            eprintln!("Added {} ({}).", user.username, user.persona.as_str());
            if made_up {
                println!("{}: {} / {}", user.persona.as_str(), user.username, password);
            }
        }
        Command::User { command: UserCommand::Password { common, username } } => {
            let store = open(&common).await?;
            let (password, made_up) = match std::env::var("ACCOMPANY_PASSWORD") {
                Ok(p) => (p, false),
                Err(_) => (crate::seed::made_up_password(), true),
            };
            match store.reset_password(&username, &password).await {
                Err(accompany_store::StoreError::NotFound) => bail!("no user named {username:?}; add one with `accompany user add`"),
                r => r?,
            }
            eprintln!("Changed the password of {username}; every session and token it had has ended.");
            if made_up {
                println!("{username} / {password}");
            }
        }
        Command::Audit { command: AuditCommand::Checkpoint { common, key } } => {
            let Some(path) = key.checkpoint_key_file else {
                bail!("set ACCOMPANY_CHECKPOINT_KEY_FILE (or --checkpoint-key-file) to the file of the key that signs checkpoints; it is created when missing");
            };
            let signing = if path.exists() {
                CheckpointKey::read(&path).map_err(anyhow::Error::msg)?
            } else {
                let k = CheckpointKey::create(&path).map_err(anyhow::Error::msg)?;
                eprintln!("Created the checkpoint key {}: keep it off the server and back it up.", path.display());
                k
            };
            let store = open(&common).await?;
            match store.audit_checkpoint(&signing).await? {
                Ok(c) => println!("{}", serde_json::to_string_pretty(&c)?),
                Err(accompany_store::AuditCheck::Broken { seq, problem }) => {
                    bail!("no checkpoint: the audit trail is broken at event {seq}: {problem}")
                }
                Err(accompany_store::AuditCheck::Intact { .. }) => bail!("no checkpoint was made"),
            }
        }
        Command::Audit { command: AuditCommand::Verify { common, checkpoint, key } } => {
            let checkpoint = match &checkpoint {
                None => None,
                Some(file) => Some(read_checkpoint(file, &key)?),
            };
            let store = open(&common).await?;
            match store.verify_audit_against(checkpoint.as_ref()).await? {
                accompany_store::AuditCheck::Intact { events } => {
                    println!("The audit trail is intact: {events} events, every link verified.");
                    if let Some(c) = &checkpoint {
                        println!("It passes through the checkpoint of event {} signed at {}.", c.seq, c.at);
                    }
                    let unkeyed = store.audit_unkeyed_events().await?;
                    if unkeyed > 0 {
                        println!("The first {unkeyed} events predate the audit key and are linked by plain SHA-256 only.");
                    }
                }
                accompany_store::AuditCheck::Broken { seq, problem } => {
                    bail!("the audit trail is broken at event {seq}: {problem}. Restore the audit tables from a backup and investigate who had write access to the database");
                }
            }
        }
        Command::Workforce { command: WorkforceCommand::Check { common, json, organization } } => {
            let store = open(&common).await?;
            if let Some(o) = &organization {
                if !store.organization_names().await?.contains_key(o) {
                    bail!("no organization with id {o:?}; list them with GET /api/v1/organizations");
                }
            }
            let problems = store.workforce_problems(organization.as_deref(), today()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "count": problems.len(), "problems": problems }))?);
            } else {
                let names = store.organization_names().await?;
                for p in &problems {
                    let org = names.get(&p.organization_id).map_or(p.organization_id.as_str(), String::as_str);
                    println!("{}\t{}\t{}", p.kind.as_str(), org, p.message);
                }
            }
            if !problems.is_empty() {
                let mut by_kind: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
                for p in &problems {
                    *by_kind.entry(p.kind.as_str()).or_default() += 1;
                }
                let summary = by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ");
                bail!("{} workforce compliance problems: {summary}", problems.len());
            }
            eprintln!("No workforce compliance problems.");
        }
        Command::Coverage { command: CoverageCommand::Import { common, file } } => {
            let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let rows = coverage_rows(&text)?;
            let store = open(&common).await?;
            match store.import_coverage(&rows).await {
                Ok(n) => eprintln!("Loaded {n} coverage rows from {}.", file.display()),
                Err(accompany_store::StoreError::Invalid(e)) => {
                    for f in &e.0 {
                        eprintln!("{}: {}", f.field, f.message);
                    }
                    bail!("{} problems in {}; nothing was loaded", e.0.len(), file.display());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Claims { command: ClaimsCommand::Export { common, format, payer, from, to, organization, batch, output, as_user } } => {
            let store = open(&common).await?;
            let o = crate::claims::ExportOptions { format, payer, from, to, organization, batch, output, as_user };
            crate::claims::export(&store, o).await?;
        }
        Command::Events { command: EventsCommand::Import { common, file, format, as_user } } => {
            let Some(format) = accompany_domain::events::FileFormat::parse(&format) else {
                bail!("--format {format:?} is not one we read; use csv or ndjson")
            };
            let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let problems = |e: &accompany_domain::Invalid| e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("\n");
            let store = open(&common).await?;
            let rows = match accompany_domain::events::read_events(&text, format, &store.catalog().measures) {
                Ok(rows) => rows,
                Err(e) => bail!("{}\n{} problems in {}; nothing was loaded", problems(&e), e.0.len(), file.display()),
            };
            let access = crate::matching::actor(&store, as_user.as_deref()).await?;
            match access.import_events(&rows).await {
                Ok(r) => eprintln!("Loaded {} events from {} ({} loaded before, skipped).", r.loaded, file.display(), r.already_loaded),
                Err(accompany_store::StoreError::Invalid(e)) => {
                    bail!("{}\n{} problems in {}; nothing was loaded", problems(&e), e.0.len(), file.display())
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Claims { command: ClaimsCommand::Bench { contacts, seed } } => crate::claims::bench(contacts, seed)?,
        Command::Measures { command: MeasuresCommand::Rebuild { common, quiet, as_user } } => {
            let store = open(&common).await?;
            crate::measures::rebuild(&store, as_user.as_deref(), quiet).await?;
        }
        Command::Measures { command: MeasuresCommand::Report { common, from, to, organization, json, as_user } } => {
            let filter = crate::measures::filter(from.as_deref(), to.as_deref(), organization)?;
            let store = open(&common).await?;
            crate::measures::report(&store, filter, json, as_user.as_deref()).await?;
        }
        Command::Claims { command: ClaimsCommand::Import { common, file, as_user } } => {
            let store = open(&common).await?;
            crate::claims::import(&store, &file, as_user.as_deref()).await?;
        }
        Command::Match { command } => match command {
            MatchCommand::Rank { common, member, limit, json, as_user } => {
                let store = open(&common).await?;
                crate::matching::rank_member(&store, as_user.as_deref(), &member, limit, json).await?;
            }
            MatchCommand::Batch { common, dry_run, json, export_dimacs, departing, as_user } => {
                let store = open(&common).await?;
                let o = crate::matching::BatchOptions { as_user, dry_run, json, export_dimacs, departing };
                crate::matching::batch(&store, o).await?;
            }
            MatchCommand::Bench { common, samples, members, json } => {
                let store = open(&common).await?;
                crate::matching::bench(&store, samples, members, json).await?;
            }
        },
        Command::Outbox { command: OutboxCommand::Drain { common, mail } } => {
            let store = open(&common).await?;
            let sender = mail.sender()?;
            let mut total = accompany_store::DeliveryReport::default();
            loop {
                let r = store.deliver_due(sender.as_ref(), &accompany_web::render_message, 500).await?;
                total.delivered += r.delivered;
                total.retried += r.retried;
                total.failed += r.failed;
                if r.delivered + r.retried + r.failed == 0 {
                    break;
                }
            }
            println!("delivered {}, to retry later {}, failed {}", total.delivered, total.retried, total.failed);
        }
        Command::Outbox { command: OutboxCommand::List { common, status, limit, json } } => {
            let store = open(&common).await?;
            let messages = store.outbox_messages(status.as_deref(), limit).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "messages": messages }))?);
            } else {
                for m in &messages {
                    println!(
                        "{}\t{}\t{}\t{}\t{} attempts\t{}\t{}",
                        m.created_at,
                        m.status,
                        m.channel.as_str(),
                        m.address,
                        m.attempts,
                        m.text_key,
                        m.last_error.as_deref().unwrap_or("")
                    );
                }
            }
        }
        Command::Token { command: TokenCommand::Create { common, user, days, label } } => {
            let store = open(&common).await?;
            let Some(u) = store.user_by_username(&user).await? else {
                bail!("no user named {user:?}; add one with `accompany user add`");
            };
            println!("{}", store.create_token(&u.id, &label, days).await?);
        }
    }
    Ok(())
}

/// The rows of a coverage file with their line numbers (the header is line 1).
fn coverage_rows(text: &str) -> anyhow::Result<Vec<(usize, accompany_domain::coverage::CoverageRow)>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize::<accompany_domain::coverage::CoverageRow>().enumerate() {
        let line = i + 2;
        rows.push((line, row.map_err(|e| anyhow::anyhow!("line {line}: {e}; the columns are masshealth_id, payer_id, start and optionally plan_name, subscriber_id, priority, end, initiating_visit"))?));
    }
    if rows.is_empty() {
        bail!("the file has no rows under its header");
    }
    Ok(rows)
}
