//! `extra_float_digits` over the wire: float4/float8 text output (rows, arrays, cursors,
//! COPY) follows PostgreSQL 12+, per session; binary output never changes.

use tokio_postgres::Client;

use crate::copy::copy_text;
use crate::server::{connect, server, text_rows};

/// 0.1 + 0.2 in float8 and 1/3 in float4, a large float8, NaN, -Infinity and a float8 array.
const FLOATS: &str = "SELECT CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE) AS f8, \
    CAST(1 AS REAL) / CAST(3 AS REAL) AS f4, CAST(1e15 AS DOUBLE) AS big, \
    CAST('NaN' AS DOUBLE) AS nan, CAST('-inf' AS DOUBLE) AS minf, \
    make_array(CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE), CAST(2 AS DOUBLE) / CAST(3 AS DOUBLE)) AS arr";

async fn floats(client: &Client) -> Vec<String> {
    let rows = text_rows(client, FLOATS).await;
    rows[0].iter().map(|v| v.clone().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_float_digits_shapes_text_output() {
    let server = server().await;
    let client = connect(&server, "analyst").await;
    let shortest = [
        "0.30000000000000004",
        "0.33333334",
        "1e+15",
        "NaN",
        "-Infinity",
        "{0.30000000000000004,0.6666666666666666}",
    ];
    assert_eq!(floats(&client).await, shortest);
    client
        .batch_execute("SET extra_float_digits = 0")
        .await
        .unwrap();
    let rounded = [
        "0.3",
        "0.333333",
        "1e+15",
        "NaN",
        "-Infinity",
        "{0.3,0.666666666666667}",
    ];
    assert_eq!(floats(&client).await, rounded);
    client
        .batch_execute("SET extra_float_digits TO -3")
        .await
        .unwrap();
    assert_eq!(floats(&client).await[..2], ["0.3", "0.333"]);

    // another session keeps the default; pgjdbc's 3 is shortest too
    let other = connect(&server, "analyst").await;
    assert_eq!(floats(&other).await, shortest);
    other
        .batch_execute("SET extra_float_digits = 3")
        .await
        .unwrap();
    assert_eq!(floats(&other).await, shortest);

    // binary results carry the exact value whatever the setting
    let row = client.query_one(FLOATS, &[]).await.unwrap();
    assert_eq!(row.get::<_, f64>(0), 0.1 + 0.2);
    assert_eq!(row.get::<_, f32>(1), 1.0 / 3.0);

    // cursors apply the setting at FETCH, COPY text and CSV like rows
    client
        .batch_execute("SET extra_float_digits = 0")
        .await
        .unwrap();
    client
        .batch_execute(&format!("BEGIN; DECLARE c CURSOR FOR {FLOATS}"))
        .await
        .unwrap();
    assert_eq!(
        text_rows(&client, "FETCH c").await[0][0],
        Some("0.3".into())
    );
    client.batch_execute("COMMIT").await.unwrap();
    let copy = |format: &str| format!("COPY ({FLOATS}) TO STDOUT {format}");
    assert_eq!(
        copy_text(&client, &copy("")).await,
        "0.3\t0.333333\t1e+15\tNaN\t-Infinity\t{0.3,0.666666666666667}\n"
    );
    assert_eq!(
        copy_text(&client, &copy("WITH (FORMAT csv)")).await,
        "0.3,0.333333,1e+15,NaN,-Infinity,\"{0.3,0.666666666666667}\"\n"
    );
    client
        .batch_execute("RESET extra_float_digits")
        .await
        .unwrap();
    assert_eq!(floats(&client).await, shortest);
}
