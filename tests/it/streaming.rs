//! A million wide rows through the real `meshgate serve` binary, read slowly, with the
//! server's peak memory watched from outside (`VmHWM` in /proc): results stream with TCP
//! backpressure on the simple protocol, the extended protocol and COPY, so the server's
//! memory grows by far less than the result. The rows come from `generate_series`, which
//! any user may read (it reads no storage): deterministic, and no product data set of this
//! size needs to be committed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::{StreamExt, pin_mut};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::common::demo_catalog;

const ROWS: i64 = 1_000_000;
/// About 200 bytes a row: the number and a 190-character string.
const WIDE: &str =
    "SELECT value, concat(repeat('x', 190), value) AS pad FROM generate_series(1, 1000000)";
/// Bytes of the result's values: 1M 190-character pads plus their digits, and the numbers
/// (a server that buffered the result would hold at least this much more).
const RESULT_BYTES: u64 = 190 * ROWS as u64 + 5_888_896 + 8 * ROWS as u64;

/// `meshgate serve` as a child process; killed when dropped.
struct Served {
    child: Child,
    port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on a free port with the committed demo config, catalog and users.
fn serve(dir: &Path) -> Served {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = std::fs::read_to_string(root.join("meshgate.toml")).unwrap();
    let config = config
        .replace(
            "catalog = \"catalog\"",
            &format!("catalog = {:?}", demo_catalog().display().to_string()),
        )
        .replace(
            "audit_dir = \".meshgate/audit\"",
            &format!("audit_dir = {:?}", dir.join("audit").display().to_string()),
        );
    let path = dir.join("meshgate.toml");
    std::fs::write(&path, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshgate"))
        .args(["serve", "--config", path.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("MESHGATE_LISTEN")
        .env_remove("MESHGATE_CATALOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port = loop {
        let line = lines.next().expect("the server exited").unwrap();
        if let Some(addr) = line.split("serving database mesh on ").nth(1) {
            let addr = addr.split_whitespace().next().unwrap();
            break addr.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    // keep draining the log so the server never blocks on a full pipe
    std::thread::spawn(move || lines.for_each(drop));
    Served { child, port }
}

/// A `Vm*` value of the server's /proc status, in bytes.
fn vm(served: &Served, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", served.child.id())).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in {status}"));
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

async fn connect(served: &Served) -> Client {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(served.port)
        .user("analyst")
        .password("analyst")
        .dbname("mesh")
        .connect(NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// Reads slowly: a pause every 50,000 items lets the server run into TCP backpressure.
/// Samples the server's resident memory meanwhile; returns the largest sample.
async fn pace(served: &Served, count: u64, sampled: &mut u64) {
    if count.is_multiple_of(50_000) {
        *sampled = (*sampled).max(vm(served, "VmRSS:"));
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_wide_rows_stream_in_bounded_server_memory() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let client = connect(&served).await;
    // warm up (catalog, planner, the allocator's arenas) with a tenth of the result
    let warm = client
        .query(&WIDE.replace("1000000", "100000"), &[])
        .await
        .unwrap();
    assert_eq!(warm.len(), 100_000);
    drop(warm);
    let baseline = vm(&served, "VmHWM:");
    let mut sampled = 0;

    // extended protocol (tokio-postgres' query_raw: Execute with max_rows = 0)
    let rows = client
        .query_raw(WIDE, std::iter::empty::<i32>())
        .await
        .unwrap();
    pin_mut!(rows);
    let (mut count, mut sum) = (0u64, 0i64);
    while let Some(row) = rows.next().await {
        let row = row.unwrap();
        let value: i64 = row.get(0);
        assert_eq!(row.get::<_, &str>(1).len(), 190 + value.to_string().len());
        sum += value;
        count += 1;
        pace(&served, count, &mut sampled).await;
    }
    assert_eq!((count, sum), (ROWS as u64, ROWS * (ROWS + 1) / 2));

    // simple protocol
    let messages = client.simple_query_raw(WIDE).await.unwrap();
    pin_mut!(messages);
    let mut count = 0u64;
    while let Some(message) = messages.next().await {
        if let SimpleQueryMessage::Row(row) = message.unwrap() {
            count += 1;
            assert!(row.get(1).unwrap().starts_with("xxx"));
            pace(&served, count, &mut sampled).await;
        }
    }
    assert_eq!(count, ROWS as u64);

    // COPY, binary
    let copy = client
        .copy_out(&format!("COPY ({WIDE}) TO STDOUT (FORMAT binary)"))
        .await
        .unwrap();
    pin_mut!(copy);
    let (mut messages, mut bytes) = (0u64, 0u64);
    while let Some(data) = copy.next().await {
        bytes += data.unwrap().len() as u64;
        messages += 1;
        pace(&served, messages, &mut sampled).await;
    }
    assert_eq!(
        messages,
        ROWS as u64 + 1,
        "a message per row, and the trailer"
    );
    assert!(bytes > RESULT_BYTES, "{bytes}");

    let peak = vm(&served, "VmHWM:");
    let growth = peak.saturating_sub(baseline);
    eprintln!(
        "server memory: baseline peak {} MB, final peak {} MB (largest RSS sample {} MB), result {} MB per read",
        baseline >> 20,
        peak >> 20,
        sampled >> 20,
        RESULT_BYTES >> 20
    );
    // measured: 30-45 MB in a debug build (batches in flight, allocator arenas), the same
    // after one read or several; a server that buffered a result would grow by > 194 MB
    assert!(
        growth < RESULT_BYTES / 3,
        "the server's peak memory grew by {} MB streaming a {} MB result",
        growth >> 20,
        RESULT_BYTES >> 20
    );
}
