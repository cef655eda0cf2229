//! outflow's baseline store: what the stateful analytics learnt (hosts,
//! programs and destinations with when, in event time, they were first and
//! last seen), kept between runs in one SQLite file.
//!
//! Each analytic's state is stored whole, as the JSON its `snapshot()`
//! gives, under its name, with the store's schema version, the outflow
//! version that wrote it, the event-time range the baseline covers and when
//! it was written. The file is marked as outflow's (SQLite `application_id`),
//! so another program's database is refused rather than written into.

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `application_id` of an outflow baseline file ("OUTF").
const APPLICATION_ID: i32 = 0x4f55_5446;
/// Layout of the tables; another one is refused.
pub const SCHEMA_VERSION: i32 = 1;
/// How long a write waits for another process holding the file.
const BUSY_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not an SQLite database, or damaged ({detail}); move it aside and relearn with `outflow baseline`")]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path}: an SQLite database of another program (application id {found:#x}), not an outflow baseline")]
    Foreign { path: PathBuf, found: i32 },
    #[error("{path}: baseline layout {found}, this outflow reads layout {SCHEMA_VERSION}")]
    Schema { path: PathBuf, found: i32 },
    #[error("{path}: in use by another process (locked); try again when it is done")]
    Locked { path: PathBuf },
    #[error("{path}: analytic '{analytic}': saved state is not JSON ({detail})")]
    State {
        path: PathBuf,
        analytic: String,
        detail: String,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// One analytic's saved baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub analytic: String,
    pub state: serde_json::Value,
    pub info: PartInfo,
}

/// What is known about a saved baseline besides its state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PartInfo {
    /// The outflow version that wrote it.
    pub outflow_version: String,
    /// Event-time range (µs since the epoch) of the data it was learnt from.
    pub first_event: Option<i64>,
    pub last_event: Option<i64>,
    /// When it was written (RFC 3339, wall clock).
    pub updated_at: String,
}

/// An open baseline file.
pub struct BaselineStore {
    conn: Connection,
    path: PathBuf,
}

impl BaselineStore {
    /// Opens `path`, creating an empty store when the file does not exist.
    pub fn open(path: &Path) -> Result<BaselineStore, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(path, e))?;
        conn.busy_timeout(BUSY_WAIT)
            .map_err(|e| classify(path, e))?;
        let store = BaselineStore {
            conn,
            path: path.to_path_buf(),
        };
        store.check()?;
        Ok(store)
    }

    /// Opens an existing store without creating one; `None` when absent.
    pub fn open_existing(path: &Path) -> Result<Option<BaselineStore>, StoreError> {
        if !path.exists() {
            return Ok(None);
        }
        BaselineStore::open(path).map(Some)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    fn check(&self) -> Result<(), StoreError> {
        // Reading the header is the first thing that fails on a damaged file.
        let app: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if app == 0 && tables == 0 {
            return self.create();
        }
        if app != APPLICATION_ID {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
                found: app,
            });
        }
        let version: i32 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                path: self.path.clone(),
                found: version,
            });
        }
        Ok(())
    }

    fn create(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(&format!(
                "BEGIN;
                 PRAGMA application_id = {APPLICATION_ID};
                 PRAGMA user_version = {SCHEMA_VERSION};
                 CREATE TABLE analytic_state (
                     analytic        TEXT PRIMARY KEY,
                     state           TEXT NOT NULL,
                     outflow_version TEXT NOT NULL,
                     first_event     INTEGER,
                     last_event      INTEGER,
                     updated_at      TEXT NOT NULL
                 );
                 COMMIT;"
            ))
            .map_err(|e| self.err(e))
    }

    /// Every saved baseline, by analytic name.
    pub fn load(&self) -> Result<Vec<Part>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT analytic, state, outflow_version, first_event, last_event, updated_at
                 FROM analytic_state ORDER BY analytic",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    PartInfo {
                        outflow_version: r.get(2)?,
                        first_event: r.get(3)?,
                        last_event: r.get(4)?,
                        updated_at: r.get(5)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (analytic, text, info) = row.map_err(|e| self.err(e))?;
            let state = serde_json::from_str(&text).map_err(|e| StoreError::State {
                path: self.path.clone(),
                analytic: analytic.clone(),
                detail: e.to_string(),
            })?;
            out.push(Part {
                analytic,
                state,
                info,
            });
        }
        Ok(out)
    }

    /// Saves each analytic's state in one transaction, replacing what was
    /// saved under its name; the event-time range covered widens to include
    /// `range` (µs).
    pub fn save(
        &mut self,
        parts: &[(String, serde_json::Value)],
        range: Option<(i64, i64)>,
        outflow_version: &str,
        updated_at: &str,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| classify(&path, e))?;
        for (name, state) in parts {
            let old: Option<(Option<i64>, Option<i64>)> = tx
                .query_row(
                    "SELECT first_event, last_event FROM analytic_state WHERE analytic = ?1",
                    params![name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| classify(&path, e))?;
            let (of, ol) = old.unwrap_or((None, None));
            let first = min_opt(of, range.map(|r| r.0));
            let last = max_opt(ol, range.map(|r| r.1));
            tx.execute(
                "INSERT OR REPLACE INTO analytic_state
                 (analytic, state, outflow_version, first_event, last_event, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    name,
                    state.to_string(),
                    outflow_version,
                    first,
                    last,
                    updated_at
                ],
            )
            .map_err(|e| classify(&path, e))?;
        }
        tx.commit().map_err(|e| classify(&path, e))
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// SQLite's error as the store's: damaged, locked, or other.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path,
            detail: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked { path },
        _ => StoreError::Sqlite { path, source: e },
    }
}
