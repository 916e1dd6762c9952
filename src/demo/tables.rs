//! The TPC-H tables of the demo mesh and the domain each belongs to.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::error::ArrowError;
use tpchgen::generators::{
    CustomerGenerator, LineItemGenerator, NationGenerator, OrderGenerator, PartGenerator,
    PartSuppGenerator, RegionGenerator, SupplierGenerator,
};
use tpchgen_arrow::{
    CustomerArrow, LineItemArrow, NationArrow, OrderArrow, PartArrow, PartSuppArrow, RegionArrow,
    SupplierArrow,
};

use crate::catalog::Format;

/// Record batches of one generated table.
pub type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// One table of the demo mesh.
#[derive(Debug, Clone, Copy)]
pub struct DemoTable {
    /// Owning domain.
    pub domain: &'static str,
    /// Table name.
    pub name: &'static str,
    /// Storage format.
    pub format: Format,
    generate: fn(f64, usize) -> Batches,
}

impl DemoTable {
    /// Generates the table at TPC-H `scale` in batches of `batch_size` rows.
    pub fn generate(&self, scale: f64, batch_size: usize) -> Batches {
        (self.generate)(scale, batch_size)
    }
}

/// Every demo table, by domain.
pub const DEMO_TABLES: [DemoTable; 8] = [
    DemoTable {
        domain: "sales",
        name: "orders",
        format: Format::Delta,
        generate: |scale, size| {
            Box::new(OrderArrow::new(OrderGenerator::new(scale, 1, 1)).with_batch_size(size))
        },
    },
    DemoTable {
        domain: "sales",
        name: "lineitem",
        format: Format::Delta,
        generate: |scale, size| {
            Box::new(LineItemArrow::new(LineItemGenerator::new(scale, 1, 1)).with_batch_size(size))
        },
    },
    DemoTable {
        domain: "customers",
        name: "customer",
        format: Format::Parquet,
        generate: |scale, size| {
            Box::new(CustomerArrow::new(CustomerGenerator::new(scale, 1, 1)).with_batch_size(size))
        },
    },
    DemoTable {
        domain: "customers",
        name: "nation",
        format: Format::Parquet,
        generate: |scale, size| {
            Box::new(NationArrow::new(NationGenerator::new(scale, 1, 1)).with_batch_size(size))
        },
    },
    DemoTable {
        domain: "customers",
        name: "region",
        format: Format::Parquet,
        generate: |scale, size| {
            Box::new(RegionArrow::new(RegionGenerator::new(scale, 1, 1)).with_batch_size(size))
        },
    },
    DemoTable {
        domain: "supply",
        name: "part",
        format: Format::Parquet,
        generate: |scale, size| {
            Box::new(PartArrow::new(PartGenerator::new(scale, 1, 1)).with_batch_size(size))
        },
    },
    DemoTable {
        domain: "supply",
        name: "partsupp",
        format: Format::Parquet,
        generate: |scale, size| {
            Box::new(PartSuppArrow::new(PartSuppGenerator::new(scale, 1, 1)).with_batch_size(size))
        },
    },
    DemoTable {
        domain: "supply",
        name: "supplier",
        format: Format::Csv,
        generate: |scale, size| {
            Box::new(SupplierArrow::new(SupplierGenerator::new(scale, 1, 1)).with_batch_size(size))
        },
    },
];
