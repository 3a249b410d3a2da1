//! cwl_eval's command line (Azzopardi, Thomas & Moffat, "cwl_eval: An evaluation tool for
//! information retrieval", SIGIR 2019; `cwl/cwl_eval.py` 1.0.12): a gain file (TREC qrels
//! whose judgements are gains in `[0, 1]`), a result file whose second column is each
//! document's element type, an optional cost file mapping element types to costs (without
//! it, or for a type it lacks, a document costs 1), and the C/W/L measures to report, as
//! cwl_eval's metrics file names them (`RBPCWLMetric(0.8)`).
//!
//! Topics are evaluated in the order the result file gives them, each run of consecutive
//! lines of one topic as one ranking in file order (cwl_eval reads no rank or score), and
//! rows are printed as cwl_eval prints them (`{:.4f}`, tab separated).

use std::collections::HashMap;

use crate::RankError;
use crate::error::quote_input;
use crate::metrics::cwl::{BpmDynamic, CWL_MAX_RANKS, Costed, CwlModel, cwl_columns};

/// A measure of cwl_eval's metrics file: its model and its name in the output.
#[derive(Debug, Clone, PartialEq)]
pub struct CwlMeasure {
    pub name: String,
    pub model: Model,
}

/// A model of [`CwlMeasure`]: one the C/W/L walk computes, or AP (`cwl_ap.py`), whose
/// continuation reads the gains of every later rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    Walk(CwlModel),
    Ap,
}

/// One row of the output: a topic, a measure, `[EU, ETU, EC, ETC, ED]`, and with residuals
/// the best case minus that.
#[derive(Debug, Clone, PartialEq)]
pub struct CwlRow {
    pub topic: String,
    pub measure: String,
    pub values: [f64; 5],
    pub residuals: Option<[f64; 5]>,
}

/// A numeric argument as cwl_eval casts it: a float when its text has a `.`, else an int;
/// `text` is how Python's `str` writes it (the measure's name shows it).
struct Arg {
    value: f64,
    int: Option<usize>,
    text: String,
}

/// Python's `repr` of a float (`1.0`, `0.25`, `1e-05`).
fn py_float(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{x:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
        return format!("{m}e{sign}{digits:0>2}");
    }
    if x.fract() == 0.0 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn parse_arg(text: &str) -> Option<Arg> {
    let t = text.trim();
    if t.contains('.') {
        let value: f64 = t.parse().ok()?;
        Some(Arg {
            value,
            int: None,
            text: py_float(value),
        })
    } else {
        let v: i64 = t.parse().ok()?;
        #[allow(clippy::cast_precision_loss)]
        Some(Arg {
            value: v as f64,
            int: usize::try_from(v).ok(),
            text: v.to_string(),
        })
    }
}

/// The measures cwl_eval reports without a metrics file (`CWLRuler.__init__`).
pub fn default_measures() -> Vec<CwlMeasure> {
    [
        "PrecisionCWLMetric(1)",
        "PrecisionCWLMetric(2)",
        "PrecisionCWLMetric(3)",
        "PrecisionCWLMetric(4)",
        "PrecisionCWLMetric(5)",
        "PrecisionCWLMetric(10)",
        "RBPCWLMetric(0.2)",
        "RBPCWLMetric(0.4)",
        "RBPCWLMetric(0.8)",
        "NDCGCWLMetric(5)",
        "NDCGCWLMetric(10)",
        "RRCWLMetric()",
        "APCWLMetric()",
        "INSTCWLMetric(1.0)",
        "INSTCWLMetric(2.0)",
        "INSTCWLMetric(3.0)",
    ]
    .iter()
    .filter_map(|s| parse_measure(s).ok())
    .collect()
}

/// The measures cwl_eval knows, for error messages.
const CLASSES: &str = "PrecisionCWLMetric(k=10), RBPCWLMetric(theta=0.9), NDCGCWLMetric(k), \
    RRCWLMetric(), APCWLMetric(), INSTCWLMetric(T=1.0), INSQCWLMetric(T=1.0), \
    BPMCWLMetric(T=1.0, K=10), BPMDCWLMetric(T=1, K=10, hb=1.0, hc=1.0, gain_med=0.5), \
    NERReq8CWLMetric(k), NERReq9CWLMetric(k), NERReq10CWLMetric(phi=0.9), NERReq11CWLMetric(T=1.0)";

/// A line of cwl_eval's metrics file, `ClassName(arg, ...)`; the error is the reason.
pub fn parse_measure(line: &str) -> Result<CwlMeasure, String> {
    let line = line.trim();
    let (class, rest) = line
        .split_once('(')
        .ok_or_else(|| format!("expected ClassName(arguments), one of {CLASSES}"))?;
    let inner = rest
        .strip_suffix(')')
        .ok_or_else(|| "expected a closing parenthesis".to_string())?;
    let mut args = Vec::new();
    for piece in inner.split(',') {
        if piece.trim().is_empty() {
            continue;
        }
        args.push(parse_arg(piece).ok_or_else(|| format!("{piece:?} is not a number"))?);
    }
    let given = args.len();
    let want = |n: usize| -> Result<(), String> {
        if given > n {
            Err(format!("{class} takes at most {n} arguments; got {given}"))
        } else {
            Ok(())
        }
    };
    let arg = |i: usize, default: &str| -> Arg {
        args.get(i).map_or_else(
            || {
                parse_arg(default).unwrap_or(Arg {
                    value: 0.0,
                    int: None,
                    text: String::new(),
                })
            },
            |a| Arg {
                value: a.value,
                int: a.int,
                text: a.text.clone(),
            },
        )
    };
    let required = |i: usize| -> Result<Arg, String> {
        if i < given {
            Ok(arg(i, "0"))
        } else {
            Err(format!("{class} needs its argument k"))
        }
    };
    let count = |a: &Arg| -> Result<usize, String> {
        a.int
            .filter(|&k| k >= 1)
            .ok_or_else(|| format!("{class}'s k must be an integer >= 1; got {}", a.text))
    };
    let (name, model) = match class {
        "PrecisionCWLMetric" => {
            want(1)?;
            let k = arg(0, "10");
            (
                format!("P@{}", k.text),
                Model::Walk(CwlModel::Precision { k: count(&k)? }),
            )
        }
        "RBPCWLMetric" => {
            want(1)?;
            let t = arg(0, "0.9");
            (
                format!("RBP@{}", t.text),
                Model::Walk(CwlModel::Rbp { theta: t.value }),
            )
        }
        "NDCGCWLMetric" => {
            want(1)?;
            let k = required(0)?;
            (
                format!("NDCG-k@{}", k.text),
                Model::Walk(CwlModel::Ndcg { k: count(&k)? }),
            )
        }
        "RRCWLMetric" => {
            want(0)?;
            ("RR".to_string(), Model::Walk(CwlModel::Rr))
        }
        "APCWLMetric" => {
            want(0)?;
            ("AP".to_string(), Model::Ap)
        }
        "INSTCWLMetric" | "INSQCWLMetric" | "NERReq11CWLMetric" => {
            want(1)?;
            let t = arg(0, "1.0");
            match class {
                "INSTCWLMetric" => (
                    format!("INST-T={}", t.text),
                    Model::Walk(CwlModel::Inst { t: t.value }),
                ),
                "INSQCWLMetric" => (
                    format!("INSQ-T={}", t.text),
                    Model::Walk(CwlModel::Insq { t: t.value }),
                ),
                _ => (
                    format!("NERR-EQ11@T={}", t.text),
                    Model::Walk(CwlModel::Nerr11 { t: t.value }),
                ),
            }
        }
        "BPMCWLMetric" => {
            want(2)?;
            let (t, k) = (arg(0, "1.0"), arg(1, "10"));
            (
                format!("BPM-Static-T={}-K={}", t.text, k.text),
                Model::Walk(CwlModel::Bpm {
                    t: t.value,
                    k: k.value,
                    dynamic: None,
                }),
            )
        }
        "BPMDCWLMetric" => {
            want(5)?;
            let (t, k, hb, hc, med) = (
                arg(0, "1"),
                arg(1, "10"),
                arg(2, "1.0"),
                arg(3, "1.0"),
                arg(4, "0.5"),
            );
            (
                format!(
                    "BPM-Dynamic-T={}-K={}-hb={}-hc={}",
                    t.text, k.text, hb.text, hc.text
                ),
                Model::Walk(CwlModel::Bpm {
                    t: t.value,
                    k: k.value,
                    dynamic: Some(BpmDynamic {
                        hb: hb.value,
                        hc: hc.value,
                        gain_med: med.value,
                    }),
                }),
            )
        }
        "NERReq8CWLMetric" | "NERReq9CWLMetric" => {
            want(1)?;
            let k = required(0)?;
            let n = count(&k)?;
            if class == "NERReq8CWLMetric" {
                (
                    format!("NERR-EQ8@k={}", k.text),
                    Model::Walk(CwlModel::Nerr8 { k: n }),
                )
            } else {
                (
                    format!("NERR-EQ9@k={}", k.text),
                    Model::Walk(CwlModel::Nerr9 { k: n }),
                )
            }
        }
        "NERReq10CWLMetric" => {
            want(1)?;
            let p = arg(0, "0.9");
            (
                format!("NERR-EQ10@phi={}", p.text),
                Model::Walk(CwlModel::Nerr10 { phi: p.value }),
            )
        }
        _ => return Err(format!("unknown measure class {class:?}; known: {CLASSES}")),
    };
    Ok(CwlMeasure { name, model })
}

/// The lines of a text, numbered from 1, without their line ends.
fn lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    (1u64..).zip(text.lines())
}

fn parse_error(path: &str, line: u64, reason: &str, text: &str) -> RankError {
    RankError::Parse {
        path: path.to_string(),
        line,
        reason: reason.to_string(),
        text: quote_input(text.as_bytes()),
    }
}

/// The lines of `text` split on whitespace, with their numbers and text; a line whose number
/// of fields `fits` refuses is a parse error saying `expected` (the check of every file
/// cwl_eval reads).
fn fields<'t>(
    path: &'t str,
    text: &'t str,
    fits: impl Fn(usize) -> bool + 't,
    expected: &'t str,
) -> impl Iterator<Item = Result<(u64, &'t str, Vec<&'t str>), RankError>> + 't {
    lines(text).map(move |(n, line)| {
        let f: Vec<&str> = line.split_whitespace().collect();
        if fits(f.len()) {
            Ok((n, line, f))
        } else {
            Err(parse_error(path, n, expected, line))
        }
    })
}

/// The measures of a metrics file (`path` names it in errors); blank lines are skipped.
pub fn parse_measures(path: &str, text: &str) -> Result<Vec<CwlMeasure>, RankError> {
    let mut out = Vec::new();
    for (n, line) in lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        out.push(parse_measure(line).map_err(|r| parse_error(path, n, &r, line))?);
    }
    Ok(out)
}

/// Gains by topic and document: cwl_eval's `TrecQrelHandler` (the fourth column as a float,
/// a later line replacing an earlier one), each within `[0, 1]` (`validate_gains`).
pub type Gains = HashMap<String, HashMap<String, f64>>;

pub fn parse_gains(path: &str, text: &str) -> Result<Gains, RankError> {
    let mut gains = Gains::new();
    let expected = "expected 4 columns: topic unused doc gain";
    for row in fields(path, text, |n| n >= 4, expected) {
        let (n, line, f) = row?;
        let g: f64 = f[3]
            .parse()
            .map_err(|_| parse_error(path, n, "the gain must be a number", line))?;
        if !(0.0..=1.0).contains(&g) {
            return Err(parse_error(path, n, "the gain must be within [0, 1]", line));
        }
        gains
            .entry(f[0].to_string())
            .or_default()
            .insert(f[2].to_string(), g);
    }
    Ok(gains)
}

/// Costs by element type (`read_in_cost_file`: two columns, a later line replacing).
pub fn parse_costs(path: &str, text: &str) -> Result<HashMap<String, f64>, RankError> {
    let mut costs = HashMap::new();
    let expected = "expected 2 columns: element_type cost";
    for row in fields(path, text, |n| n == 2, expected) {
        let (n, line, f) = row?;
        let c: f64 = f[1]
            .parse()
            .map_err(|_| parse_error(path, n, "the cost must be a number", line))?;
        costs.insert(f[0].to_string(), c);
    }
    Ok(costs)
}

/// A result file's rankings: each run of consecutive lines of one topic, in file order, as
/// `(topic, [(doc, element_type)])`.
pub type Rankings = Vec<(String, Vec<(String, String)>)>;

pub fn parse_rankings(path: &str, text: &str) -> Result<Rankings, RankError> {
    let mut out: Rankings = Vec::new();
    let expected = "expected 6 columns: topic element_type doc rank score run";
    for row in fields(path, text, |n| n == 6, expected) {
        let (_, _, f) = row?;
        let item = (f[2].to_string(), f[1].to_string());
        match out.last_mut() {
            Some((topic, items)) if topic == f[0] => items.push(item),
            _ => out.push((f[0].to_string(), vec![item])),
        }
    }
    Ok(out)
}

/// Each ranking's rows, measure by measure (cwl_eval's `-r` adds the residuals). An unjudged
/// document gains 0 (1 in the best case); a type missing from `costs` costs 1, as does every
/// document without `costs`.
pub fn evaluate(
    gains: &Gains,
    costs: Option<&HashMap<String, f64>>,
    rankings: &Rankings,
    measures: &[CwlMeasure],
    residuals: bool,
) -> Vec<CwlRow> {
    let mut rows = Vec::new();
    for (topic, items) in rankings {
        let judged = gains.get(topic);
        let items = &items[..items.len().min(CWL_MAX_RANKS)];
        let g: Vec<f64> = items
            .iter()
            .map(|(d, _)| judged.and_then(|j| j.get(d)).copied().unwrap_or(f64::NAN))
            .collect();
        let c: Vec<f64> = items
            .iter()
            .map(|(_, e)| costs.and_then(|c| c.get(e)).copied().unwrap_or(f64::NAN))
            .collect();
        for m in measures {
            let at = |fill: (f64, f64)| {
                let ranks = Costed {
                    gains: &g,
                    costs: &c,
                    fill,
                };
                match m.model {
                    Model::Walk(model) => cwl_columns(&ranks, model),
                    Model::Ap => ap_columns(&ranks),
                }
            };
            let worst = at((0.0, 1.0));
            let res = residuals.then(|| {
                let best = at((1.0, 1.0));
                std::array::from_fn(|i| best[i] - worst[i])
            });
            rows.push(CwlRow {
                topic: topic.clone(),
                measure: m.name.clone(),
                values: worst,
                residuals: res,
            });
        }
    }
    rows
}

/// AP's columns (`cwl_ap.py`): `C(i) = sum_{j > i} r(j) / sum_{j >= i} r(j)` with
/// `r(j) = g(j) / (j + 1)` over the top [`CWL_MAX_RANKS`] ranks (0 where the numerator is),
/// summed rank by rank as `cwl_metrics.py` does.
#[allow(clippy::cast_precision_loss)]
fn ap_columns(ranks: &Costed<'_>) -> [f64; 5] {
    const N: usize = CWL_MAX_RANKS;
    let (fg, fc) = ranks.fill;
    let pick = |v: Option<&f64>, fill: f64| v.copied().filter(|x| !x.is_nan()).unwrap_or(fill);
    let g: Vec<f64> = (0..N).map(|i| pick(ranks.gains.get(i), fg)).collect();
    let c: Vec<f64> = (0..N).map(|i| pick(ranks.costs.get(i), fc)).collect();
    let mut suffix = vec![0.0; N + 1];
    for i in (0..N).rev() {
        suffix[i] = suffix[i + 1] + g[i] / (i + 1) as f64;
    }
    let (mut reach, mut depth, mut wg, mut wc, mut etu, mut etc) = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut cum_g, mut cum_c) = (0.0, 0.0);
    for i in 0..N {
        let top = suffix[i + 1];
        let cont = if i + 1 < N && top > 0.0 {
            top / suffix[i]
        } else {
            0.0
        };
        depth += reach;
        wg += reach * g[i];
        wc += reach * c[i];
        cum_g += g[i];
        cum_c += c[i];
        etu += reach * (1.0 - cont) * cum_g;
        etc += reach * (1.0 - cont) * cum_c;
        reach *= cont;
    }
    [wg / depth, etu, wc / depth, etc, depth]
}

/// The text of the file at `path` (an I/O error names it; bytes that are not UTF-8 are
/// replaced, so a parse error quotes the line).
pub fn read_text(path: &std::path::Path) -> Result<String, RankError> {
    let bytes = std::fs::read(path).map_err(|e| RankError::Io {
        path: path.display().to_string(),
        kind: e.kind(),
        message: e.to_string(),
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Evaluate cwl_eval's files: the gain file, the result file, the optional cost and metrics
/// files (or the metrics file's `lines`; without either, [`default_measures`]).
pub fn evaluate_files(
    gains: &std::path::Path,
    run: &std::path::Path,
    costs: Option<&std::path::Path>,
    metrics: Option<&std::path::Path>,
    lines: Option<&[String]>,
    residuals: bool,
) -> Result<Vec<CwlRow>, RankError> {
    let name = |p: &std::path::Path| p.display().to_string();
    let g = parse_gains(&name(gains), &read_text(gains)?)?;
    let r = parse_rankings(&name(run), &read_text(run)?)?;
    let c = match costs {
        Some(p) => Some(parse_costs(&name(p), &read_text(p)?)?),
        None => None,
    };
    let m = match (metrics, lines) {
        (Some(p), _) => parse_measures(&name(p), &read_text(p)?)?,
        (None, Some(lines)) => parse_measures("metrics", &lines.join("\n"))?,
        (None, None) => default_measures(),
    };
    Ok(evaluate(&g, c.as_ref(), &r, &m, residuals))
}

/// The rows as cwl_eval prints them, with its `-n` heading line when `headings`.
pub fn format_rows(rows: &[CwlRow], headings: bool, residuals: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if headings {
        out.push_str("Topic\tMetric\tEU\tETU\tEC\tETC\tED");
        if residuals {
            out.push_str("\tResEU\tResETU\tResEC\tResETC\tResED");
        }
        out.push('\n');
    }
    for r in rows {
        let _ = write!(out, "{}\t{}", r.topic, r.measure);
        for v in r.values.iter().chain(r.residuals.iter().flatten()) {
            let _ = write!(out, "\t{v:.4}");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_repr() {
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.25), "0.25");
        assert_eq!(py_float(1e-5), "1e-05");
        assert_eq!(py_float(1e16), "1e+16");
    }

    #[test]
    fn measure_names_as_cwl_eval_prints_them() {
        let m = parse_measure("BPMDCWLMetric(1,10,0.5,1.0)").unwrap();
        assert_eq!(m.name, "BPM-Dynamic-T=1-K=10-hb=0.5-hc=1.0");
        assert!(parse_measure("FooCWLMetric()").is_err());
        assert!(parse_measure("NDCGCWLMetric()").is_err());
        assert_eq!(default_measures().len(), 16);
    }
}
