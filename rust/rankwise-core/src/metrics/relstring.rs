//! trec_eval's `relstring` (`m_relstring.c`, the same in 9.0.4 and 10.0): the labels of the
//! first `N` documents of a ranking (10 by default, `-m relstring.N`) as a string, one
//! character per document, printed per query only (`-q`), as
//! `printf("%-22s\t%s\t'%s'\n", name, qid, string)`, in the measure table's place 12 (after
//! `P`, before `recall`); it has no summary (`all`) line and no number.
//!
//! It is text, not a measure value: only `rankwise eval`'s trec output prints it
//! ([`crate::trec::output`]); the Python API and `--format json|csv|table` refuse it
//! (`docs/guide/exactness.md`).

use crate::error::{RankError, Result};

/// trec_eval's name.
pub const NAME: &str = "relstring";
/// Its place in trec_eval's output order (`te_trec_measures` in `measures.c`): after `P`
/// (11), before `recall` (13); the `order` of [`super::table::TrecName`].
pub const ORDER: usize = 12;
/// Documents shown without a parameter (`relstring_len` in `m_relstring.c`).
pub const DEFAULT_LEN: usize = 10;

/// `relstring` as asked: how many documents, and the name printed (`relstring`, or
/// `relstring_N` for `-m relstring.N`, the parameter as written: `append_string` in
/// `meas_init.c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelString {
    pub len: usize,
    pub name: String,
}

/// Whether `name` names `relstring` (with or without parameters, well formed or not).
pub fn is_relstring(name: &str) -> bool {
    name.strip_prefix(NAME)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '_']))
}

impl RelString {
    /// `relstring` or `relstring.N` (`N` a whole number of documents, written with digits);
    /// anything else that [`is_relstring`] is refused with an error naming both forms.
    /// (trec_eval reads `relstring.3.7` and `relstring.2,5` as 3 and 2 with `atof`, names
    /// them `relstring_3.7` and `relstring_2,5`; rankwise refuses them.)
    pub fn parse(name: &str) -> Result<RelString> {
        if name == NAME {
            return Ok(RelString {
                len: DEFAULT_LEN,
                name: NAME.to_owned(),
            });
        }
        let param = name.strip_prefix("relstring.").unwrap_or("");
        match param.parse::<usize>() {
            Ok(len) if param.bytes().all(|b| b.is_ascii_digit()) => Ok(RelString {
                len,
                name: format!("{NAME}_{param}"),
            }),
            _ => Err(RankError::InvalidMeasure {
                name: name.to_owned(),
                reason: "relstring takes one parameter, a whole number of documents: \
                         relstring (the first 10) or relstring.N (the first N)"
                    .into(),
            }),
        }
    }

    /// The string of a ranking whose labels, in rank order, are `labels` (NaN: not in the
    /// qrels), all the documents it keeps after trec_eval's `-M` and, where there are fewer
    /// than [`RelString::len`], every one: under `-J` (`judged_only`) the documents without a
    /// label `>= 0` are left out first (`te_form_res_rels`). Each document is
    /// `te_calc_relstring`'s character: `-` outside the qrels (`RELVALUE_NONPOOL`), `.` for a
    /// negative label (in the pool, unjudged: `RELVALUE_UNJUDGED`), `>` above 9, else the
    /// digit of the label's integer part (trec_eval reads labels with `atol`; rankwise keeps
    /// their fractions, `docs/guide/exactness.md`). `<` (any other value) cannot occur.
    pub fn text(&self, labels: &[f64], judged_only: bool) -> String {
        labels
            .iter()
            .filter(|&&l| !judged_only || l >= 0.0)
            .take(self.len)
            .map(|&l| label_char(l))
            .collect()
    }
}

fn label_char(label: f64) -> char {
    if label.is_nan() {
        '-'
    } else if label < 0.0 {
        '.'
    } else if label >= 10.0 {
        '>'
    } else {
        // 0 <= label < 10: its integer part is one digit.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let digit = label as u8;
        char::from(b'0' + digit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_follow_m_relstring_c() {
        let rs = RelString::parse("relstring").unwrap();
        let labels = [
            1.0,
            f64::NAN,
            0.0,
            2.5,
            -1.0,
            12.0,
            9.99,
            -0.5,
            f64::NAN,
            3.0,
            4.0,
        ];
        assert_eq!(rs.text(&labels, false), "1-02.>9.-3");
        assert_eq!(rs.text(&labels, true), "102>934");
        assert_eq!(rs.text(&[], false), "");
        let five = RelString::parse("relstring.5").unwrap();
        assert_eq!((five.len, five.name.as_str()), (5, "relstring_5"));
        assert_eq!(five.text(&labels, false), "1-02.");
        assert_eq!(
            RelString::parse("relstring.0")
                .unwrap()
                .text(&labels, false),
            ""
        );
    }

    #[test]
    fn only_whole_numbers_of_documents() {
        for bad in [
            "relstring.",
            "relstring.3.7",
            "relstring.2,5",
            "relstring.-1",
            "relstring_5",
            "relstring.+3",
        ] {
            assert!(is_relstring(bad), "{bad}");
            let e = RelString::parse(bad).unwrap_err().to_string();
            assert!(e.contains("relstring.N"), "{e}");
        }
        assert!(!is_relstring("relstrings") && !is_relstring("P.5"));
    }
}
