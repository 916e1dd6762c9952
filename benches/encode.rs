//! Arrow → pgwire encoding, per type and format: one 8,192-row column of each type the
//! demo mesh and Parquet/Delta produce, encoded into DataRows as text and as binary.
//!
//! `cargo bench --bench encode`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a bench, not an API

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, RecordBatch, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{Field, Schema};
use meshgate::server::encode::TextStyle;
use meshgate::server::encode::{columns, encode_batch};
use pgwire::api::results::FieldFormat;
use tpchgen::generators::LineItemGenerator;
use tpchgen_arrow::LineItemArrow;

const ROWS: usize = 8192;

/// One column per type: lineitem's own (int8, numeric, date, text) and three built here.
fn typed_columns() -> Vec<(&'static str, ArrayRef)> {
    let lineitem = LineItemArrow::new(LineItemGenerator::new(0.01, 1, 1))
        .with_batch_size(ROWS)
        .next()
        .expect("a batch")
        .expect("generated");
    let column = |name: &str| Arc::clone(lineitem.column_by_name(name).expect(name));
    let n = ROWS as i64;
    vec![
        ("int8", column("l_orderkey")),
        ("numeric(15,2)", column("l_extendedprice")),
        ("date", column("l_shipdate")),
        ("text", column("l_comment")),
        (
            "bool",
            Arc::new(BooleanArray::from_iter((0..n).map(|i| Some(i % 3 == 0)))),
        ),
        (
            "float8",
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| i as f64 / 7.0),
            )),
        ),
        (
            "timestamp",
            Arc::new(TimestampMicrosecondArray::from_iter_values(
                (0..n).map(|i| 1_700_000_000_000_000 + i * 1_234_567),
            )),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode 8192 rows");
    group.throughput(Throughput::Elements(ROWS as u64));
    for (type_name, array) in typed_columns() {
        let schema = Arc::new(Schema::new(vec![Field::new(
            "value",
            array.data_type().clone(),
            true,
        )]));
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![array]).expect("batch");
        for (format_name, format) in [("text", FieldFormat::Text), ("binary", FieldFormat::Binary)]
        {
            let columns = columns(&schema, |_| format, &TextStyle::default());
            group.bench_with_input(
                BenchmarkId::new(type_name, format_name),
                &batch,
                |b, batch| b.iter(|| encode_batch(batch, &columns).expect("encode")),
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
