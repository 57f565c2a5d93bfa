//! One writer per database file at a time.
//!
//! Every devspm command that writes reads some state first (the recorded refs, the known
//! aliases, the findings of a tool) and then appends what is new relative to it. Two such
//! commands at once would each decide from the same state: every new person registered twice
//! under two random alias ids, every ref move recorded twice, every imported finding counted
//! "new" by both. SQLite serialises transactions, not these read-decide-append sequences, so
//! the writer holds an exclusive lock on a file beside the database (`<db>.lock`) from the
//! moment it opens the store until it drops it; a second writer waits for it (and is told who
//! it waits for). Readers (`audit verify`, `findings`) take no lock: they read one consistent
//! snapshot in a read transaction, which a concurrent append never disturbs.
//!
//! The lock is the kernel's (`flock`): a writer killed at any moment releases it with its last
//! file descriptor, so a crashed run never leaves a stale lock behind. The file itself only
//! tells a waiting process who holds the lock (process id and start time); it holds no state.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use devspm_ledger::LedgerError;

/// The held lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

/// The lock file of a database: `<db>.lock` beside it.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// How long to wait for another writer: `$DEVSPM_LOCK_TIMEOUT` seconds, or for as long as it
/// takes (the holder is a live process: a dead one has released the lock).
fn timeout() -> Option<Duration> {
    std::env::var("DEVSPM_LOCK_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Takes the writer lock of `db`. When another process holds it, `on_wait` is called once with
/// a description of the holder, and the call blocks until the lock is free (or the timeout
/// of `$DEVSPM_LOCK_TIMEOUT` passes: then [`LedgerError::Locked`]). Without `on_wait`, a held
/// lock is [`LedgerError::Locked`] at once.
pub fn acquire(
    db: &Path,
    on_wait: Option<&mut dyn FnMut(&str)>,
) -> Result<WriterLock, LedgerError> {
    let path = lock_path(db);
    let shown = db.display().to_string();
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| LedgerError::Open {
            path: shown.clone(),
            reason: format!("cannot open its lock file {}: {e}", path.display()),
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let Some(on_wait) = on_wait else {
                return Err(LedgerError::Locked { path: shown });
            };
            on_wait(&holder(&mut file).map_or_else(
                || "another devspm process".to_owned(),
                |note| format!("another devspm process ({note})"),
            ));
            let deadline = timeout().map(|t| Instant::now() + t);
            match deadline {
                None => file.lock().map_err(|e| LedgerError::Open {
                    path: shown.clone(),
                    reason: format!("cannot lock {}: {e}", path.display()),
                })?,
                Some(deadline) => loop {
                    match file.try_lock() {
                        Ok(()) => break,
                        Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        Err(TryLockError::WouldBlock) => {
                            return Err(LedgerError::Locked { path: shown });
                        }
                        Err(TryLockError::Error(e)) => {
                            return Err(LedgerError::Open {
                                path: shown,
                                reason: format!("cannot lock {}: {e}", path.display()),
                            });
                        }
                    }
                },
            }
        }
        Err(TryLockError::Error(e)) => {
            return Err(LedgerError::Open {
                path: shown,
                reason: format!("cannot lock {}: {e}", path.display()),
            });
        }
    }
    // Who holds it now, for the next process that has to wait. Best effort: the lock is what
    // counts, not this note.
    let started = jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M:%S UTC");
    let note = format!("process {} since {started}\n", std::process::id());
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(note.as_bytes()));
    Ok(WriterLock { _file: file })
}

/// The holder's note (`process N since …`), if it can be read. The holder writes it just after
/// taking the lock, so a waiter that arrives in between finds the file empty: it looks again
/// for up to 200 ms before it settles for a description without the note.
fn holder(file: &mut File) -> Option<String> {
    for attempt in 0..20 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut text = String::new();
        let _ = file
            .rewind()
            .and_then(|()| file.take(200).read_to_string(&mut text).map(|_| ()));
        let text: String = text.trim().chars().filter(|c| !c.is_control()).collect();
        if !text.is_empty() {
            return Some(text);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_waits_for_the_first_and_is_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let first = acquire(&db, Some(&mut |_| panic!("nobody holds it yet"))).unwrap();
        assert!(matches!(
            acquire(&db, None),
            Err(LedgerError::Locked { .. })
        ));
        let (tx, rx) = std::sync::mpsc::channel();
        let db2 = db.clone();
        let waiter = std::thread::spawn(move || {
            let mut told = None;
            let lock = acquire(&db2, Some(&mut |who| told = Some(who.to_owned()))).unwrap();
            tx.send(()).unwrap();
            drop(lock);
            told
        });
        // The waiter cannot get the lock while the first holds it.
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        drop(first);
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let told = waiter.join().unwrap().expect("the waiter was told");
        assert!(
            told.starts_with(&format!(
                "another devspm process (process {}",
                std::process::id()
            )),
            "{told}"
        );
    }
}
