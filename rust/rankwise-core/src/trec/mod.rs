//! Qrels and runs: columnar, immutable collections of judged or retrieved documents, built
//! from TREC files or from (query, doc, value) triples.

mod collection;
pub mod parse;
pub mod qrels;
pub mod run;
pub mod strings;

pub use parse::{read_qrels, read_run};
pub use qrels::{Qrels, QrelsBuilder};
pub use run::{Run, RunBuilder};
pub use strings::StrTable;
