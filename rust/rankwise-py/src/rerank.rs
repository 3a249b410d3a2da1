//! Reading listwise rankers' answers (`rankwise.rerank`).

use pyo3::prelude::*;
use rankwise_core::rerank::{IdStyle, OnProblem, ParseOptions, parse_permutation as parse};

use crate::errors::{CoreError, invalid_value};

fn on_problem(py: Python<'_>, name: &str, value: &str) -> PyResult<OnProblem> {
    match value {
        "repair" => Ok(OnProblem::Repair),
        "error" => Ok(OnProblem::Error),
        _ => Err(invalid_value(
            py,
            format!("`{name}` must be \"repair\" or \"error\"; got {value:?}"),
        )),
    }
}

/// The order a listwise ranker gave to `n` candidates, read from its raw answer: returns
/// `(order, duplicates, out_of_range, missing)` (see `rankwise.rerank.parse_permutation`).
#[pyfunction]
#[pyo3(signature = (text, n, *, ids = "bracketed", first_id = 1, duplicates = "repair", out_of_range = "repair", missing = "repair"))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn parse_permutation(
    py: Python<'_>,
    text: &str,
    n: usize,
    ids: &str,
    first_id: u64,
    duplicates: &str,
    out_of_range: &str,
    missing: &str,
) -> PyResult<(Vec<usize>, Vec<usize>, Vec<String>, Vec<usize>)> {
    let style = match ids {
        "bracketed" => IdStyle::Bracketed,
        "numbers" => IdStyle::Numbers,
        "letters" => IdStyle::Letters,
        _ => {
            return Err(invalid_value(
                py,
                format!("`ids` must be \"bracketed\", \"numbers\" or \"letters\"; got {ids:?}"),
            ));
        }
    };
    let opts = ParseOptions {
        style,
        first_id,
        duplicates: on_problem(py, "duplicates", duplicates)?,
        out_of_range: on_problem(py, "out_of_range", out_of_range)?,
        missing: on_problem(py, "missing", missing)?,
    };
    let p = parse(text, n, &opts).map_err(CoreError)?;
    Ok((p.order, p.duplicates, p.out_of_range, p.missing))
}
