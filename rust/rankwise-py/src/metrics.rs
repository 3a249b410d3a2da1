//! Measure names.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rankwise_core::metrics::table::{self, MEASURES};
use rankwise_core::metrics::{Aggregate, MeasureSet};

use crate::errors::CoreError;

/// Validate measure names and return the names results are reported under (trec_eval
/// families such as `P` or `iprec_at_recall` expand into several), in the order asked or,
/// with `trec_order`, in the order trec_eval prints them.
#[pyfunction]
#[pyo3(signature = (names, *, trec_order = false))]
pub fn measure_names(names: Vec<String>, trec_order: bool) -> PyResult<Vec<String>> {
    let set = MeasureSet::parse(&names).map_err(CoreError)?;
    let all = set.names();
    if trec_order {
        Ok(rankwise_core::trec::output::trec_order(&set)
            .into_iter()
            .map(|i| all[i].to_owned())
            .collect())
    } else {
        Ok(all.into_iter().map(str::to_owned).collect())
    }
}

/// The measure table of the core, one dict per measure kind (see
/// `rankwise_core::metrics::table`): `family`, `cutoff` (`"none"`, `"optional"`,
/// `"required"`), `relevance_level`, `aggregate` (`"mean"`, `"sum"`, `"geometric_mean"`),
/// `parameters`, `ir_measures`, `trec_eval` (dicts: `name`, `form`, `order`, `groups`, `all_trec`),
/// `ranx`, `examples` (one name per spelling, each of which parses) and `help`, and
/// `rel_format`: `"qrels"`, or for the preference and judgement-group measures
/// (`table::REL_INFO_MEASURES`, after the others) `"prefs"` or `"qrels_jg"`, the `-R` format
/// whose parser reads their examples.
#[pyfunction]
pub fn measures(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    let mut rows = qrels_measures(py)?;
    for row in table::REL_INFO_MEASURES {
        let d = PyDict::new(py);
        d.set_item("family", row.name)?;
        d.set_item("rel_format", row.rel_format)?;
        let cutoff = match row.form {
            table::TrecForm::Cutoffs(_) => "optional",
            _ => "none",
        };
        d.set_item("cutoff", cutoff)?;
        d.set_item("relevance_level", row.rel_format == "qrels_jg")?;
        d.set_item("aggregate", if row.count { "sum" } else { "mean" })?;
        d.set_item("parameters", "none")?;
        d.set_item("ir_measures", Vec::<&str>::new())?;
        let e = PyDict::new(py);
        e.set_item("name", row.name)?;
        e.set_item("form", row.form.name())?;
        e.set_item("order", row.order)?;
        e.set_item("groups", row.groups.to_vec())?;
        e.set_item("all_trec", false)?;
        d.set_item("trec_eval", vec![e])?;
        d.set_item("ranx", Vec::<&str>::new())?;
        d.set_item("beir", Vec::<&str>::new())?;
        d.set_item("examples", table::rel_info_examples(row))?;
        d.set_item("help", row.help)?;
        rows.push(d);
    }
    Ok(rows)
}

fn qrels_measures(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    MEASURES
        .iter()
        .map(|row| {
            let d = PyDict::new(py);
            d.set_item("family", row.family)?;
            d.set_item("rel_format", "qrels")?;
            d.set_item("cutoff", row.cutoff.name())?;
            d.set_item("relevance_level", row.relevance_level)?;
            d.set_item(
                "aggregate",
                match row.aggregate {
                    Aggregate::Mean => "mean",
                    Aggregate::Sum => "sum",
                    Aggregate::GeometricMean => "geometric_mean",
                },
            )?;
            d.set_item("parameters", row.parameters)?;
            d.set_item("ir_measures", row.ir_measures.to_vec())?;
            let trec = row
                .trec_eval
                .iter()
                .map(|t| {
                    let e = PyDict::new(py);
                    e.set_item("name", t.name)?;
                    e.set_item("form", t.form.name())?;
                    e.set_item("order", t.order)?;
                    e.set_item("groups", t.groups.to_vec())?;
                    e.set_item("all_trec", t.all_trec)?;
                    Ok(e)
                })
                .collect::<PyResult<Vec<_>>>()?;
            d.set_item("trec_eval", trec)?;
            d.set_item("ranx", row.ranx.iter().map(|r| r.name).collect::<Vec<_>>())?;
            d.set_item("beir", row.beir.to_vec())?;
            d.set_item("examples", table::examples(row))?;
            d.set_item("help", row.help)?;
            Ok(d)
        })
        .collect()
}
