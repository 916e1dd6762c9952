//! Peak resident memory of another process, sampled from /proc every 5 ms while a query runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A sampling thread; [`PeakRss::stop`] ends it and returns the peak in bytes.
pub struct PeakRss {
    done: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: JoinHandle<()>,
}

/// The resident set of `pid` in bytes, if /proc tells.
pub fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

impl PeakRss {
    /// Starts sampling `pid`.
    pub fn sample(pid: u32) -> PeakRss {
        let done = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let thread = {
            let (done, peak) = (Arc::clone(&done), Arc::clone(&peak));
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    if let Some(bytes) = rss(pid) {
                        peak.fetch_max(bytes, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        PeakRss { done, peak, thread }
    }

    /// Stops sampling; the highest resident set seen.
    pub fn stop(self) -> u64 {
        self.done.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.peak.load(Ordering::Relaxed)
    }
}
