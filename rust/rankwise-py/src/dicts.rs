//! Reading `{query_id: {doc_id: value}}` dicts at the speed of the CPython API.
//!
//! Building a `Qrels` or `Run` from the pytrec_eval/ranx dict shape visits every (query,
//! document) pair once with the GIL held: millions of pairs for a real run, so the per-pair
//! cost decides the end-to-end time. The common case (exact `str` keys, exact `float`/`int`
//! values) is read with raw CPython calls on borrowed references; everything else (str or
//! float subclasses, numpy scalars, wrong types) goes through PyO3's safe API, which also
//! produces the error messages.
//!
//! This is the only module of rankwise with `unsafe` code. The invariants:
//! * the GIL is held for the whole iteration (`Bound<'py, _>` arguments prove it);
//! * `PyDict_Next` hands out borrowed references that stay valid while the dicts are not
//!   mutated; on the fast path no Python code runs, so nothing can mutate them;
//! * before any call that may run Python code (the slow path: `__float__` of a subclass, error
//!   formatting), the borrowed references are turned into owned ones (`Bound::from_borrowed_ptr`
//!   increments the reference count), so they outlive whatever that code does;
//! * `PyUnicode_AsUTF8AndSize` returns a buffer owned by the string object: it is copied
//!   before the next call into Python.
#![allow(unsafe_code)]

use std::os::raw::c_char;

use pyo3::exceptions::PyOverflowError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyString};

use crate::errors::{invalid_value, type_error};

/// What a dict of dicts is poured into.
pub trait Sink {
    fn reserve(&mut self, n: usize);
    fn begin_query(&mut self, query: &str);
    fn push_doc(&mut self, doc: &str, value: f64);
}

/// Short type name of a Python object, for error messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// A `str` (of any subclass) as UTF-8, or a `TypeError` naming `what`.
pub fn as_str<'a>(obj: &'a Bound<'_, PyAny>, what: impl FnOnce() -> String) -> PyResult<&'a str> {
    match obj.cast::<PyString>() {
        // A str that is not text (a lone surrogate, as os.fsdecode makes of undecodable
        // bytes) cannot become an id: a value error naming the entry, not UnicodeEncodeError.
        Ok(s) => s.to_str().map_err(|_| {
            invalid_value(
                obj.py(),
                format!(
                    "{} must be a str that UTF-8 can encode; got {} (a lone surrogate)",
                    what(),
                    obj.repr()
                        .map_or_else(|_| "?".to_owned(), |r| r.to_string())
                ),
            )
        }),
        Err(_) => Err(type_error(
            obj.py(),
            format!("{} must be a str; got {}", what(), type_name(obj)),
        )),
    }
}

/// A number (float, int, numpy scalar, anything with `__float__`), or a `TypeError`.
pub fn as_number(obj: &Bound<'_, PyAny>, what: impl FnOnce() -> String) -> PyResult<f64> {
    if let Ok(f) = obj.cast_exact::<PyFloat>() {
        return Ok(f.value());
    }
    if let Ok(i) = obj.cast_exact::<PyInt>()
        && let Ok(v) = i.extract::<i64>()
    {
        #[allow(clippy::cast_precision_loss)]
        return Ok(v as f64);
    }
    if obj.is_instance_of::<PyString>() {
        return Err(type_error(
            obj.py(),
            format!("{} must be a number; got str {:?}", what(), obj.to_string()),
        ));
    }
    obj.extract::<f64>().map_err(|e| {
        // An int too large for a float64 is a number out of range, not a wrong type.
        if e.is_instance_of::<PyOverflowError>(obj.py()) {
            let bits = obj
                .call_method0("bit_length")
                .and_then(|b| b.extract::<u64>())
                .unwrap_or(0);
            invalid_value(
                obj.py(),
                format!(
                    "{} must be a number in the float64 range (|x| <= 1.8e308); got an \
                     integer of {bits} bits",
                    what()
                ),
            )
        } else {
            type_error(
                obj.py(),
                format!("{} must be a number; got {}", what(), type_name(obj)),
            )
        }
    })
}

/// Iterate a dict: `f(key, value)` with borrowed pointers. `f` must not keep them past its
/// return, and must own them (`Bound::from_borrowed_ptr`) before running Python code.
fn for_each_borrowed(
    dict: &Bound<'_, PyDict>,
    mut f: impl FnMut(*mut ffi::PyObject, *mut ffi::PyObject) -> PyResult<()>,
) -> PyResult<()> {
    let mut pos: ffi::Py_ssize_t = 0;
    let mut key: *mut ffi::PyObject = std::ptr::null_mut();
    let mut value: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: `dict` is a live dict and the GIL is held (`Bound`); PyDict_Next only reads it.
    while unsafe { ffi::PyDict_Next(dict.as_ptr(), &raw mut pos, &raw mut key, &raw mut value) }
        != 0
    {
        f(key, value)?;
    }
    Ok(())
}

/// Documents in all the `{doc_id: value}` dicts of `outer` (other values count 0): the room
/// to reserve before reading it, counted without the list `values()` would build (and the
/// reference counts it would touch, one per query).
pub fn total_docs(outer: &Bound<'_, PyDict>) -> usize {
    let mut total = 0;
    let _ = for_each_borrowed(outer, |_, docs| {
        // SAFETY: borrowed from `outer` during its iteration, GIL held; `PyDict_Size` reads
        // the size field of a dict (of any subclass) and runs no Python code.
        unsafe {
            if ffi::PyDict_Check(docs) != 0 {
                total += usize::try_from(ffi::PyDict_Size(docs)).unwrap_or(0);
            }
        }
        Ok(())
    });
    total
}

/// UTF-8 bytes of an exact `str`, or `None` for anything else.
///
/// # Safety
/// `obj` must be a valid object pointer and the GIL held. The returned slice borrows the
/// string's cached UTF-8 buffer: use it before running any Python code.
unsafe fn exact_str<'a>(obj: *mut ffi::PyObject) -> Option<&'a str> {
    // SAFETY: per the function contract.
    unsafe {
        if ffi::PyUnicode_CheckExact(obj) == 0 {
            return None;
        }
        let mut len: ffi::Py_ssize_t = 0;
        let data: *const c_char = ffi::PyUnicode_AsUTF8AndSize(obj, &raw mut len);
        if data.is_null() {
            ffi::PyErr_Clear(); // e.g. lone surrogates: the slow path reports them
            return None;
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), usize::try_from(len).ok()?);
        // CPython encoded this buffer as UTF-8 (strings it cannot encode, such as lone
        // surrogates, fail above and take the slow path).
        Some(std::str::from_utf8_unchecked(bytes))
    }
}

/// The value of an exact `float` or a small exact `int`, or `None` for anything else.
///
/// # Safety
/// `obj` must be a valid object pointer and the GIL held.
unsafe fn exact_number(obj: *mut ffi::PyObject) -> Option<f64> {
    // SAFETY: per the function contract; neither call runs Python code for exact types.
    unsafe {
        if ffi::PyFloat_CheckExact(obj) != 0 {
            return Some(ffi::PyFloat_AsDouble(obj));
        }
        if ffi::PyLong_CheckExact(obj) != 0 {
            let v = ffi::PyLong_AsLongLong(obj);
            if v == -1 && !ffi::PyErr_Occurred().is_null() {
                ffi::PyErr_Clear(); // too large for i64: the slow path converts it
                return None;
            }
            #[allow(clippy::cast_precision_loss)]
            return Some(v as f64);
        }
        None
    }
}

/// The labels read so far, by the address of their exact `int` or `float` object: labels
/// are few distinct objects (CPython shares the ints -5..=256 for the whole process), so most
/// are read with one comparison rather than a call into the interpreter. An address names the
/// same object, hence the same value (numbers are immutable), only while no object is freed:
/// one cache serves one stretch of code that runs no Python code, and no longer.
struct LabelCache {
    /// Direct-mapped on the address (objects of the small-int table and of pymalloc's
    /// number sizes lie 32 bytes apart, so neighbours take neighbouring slots).
    slots: [(*mut ffi::PyObject, f64); 8],
}

impl LabelCache {
    fn new() -> Self {
        LabelCache {
            slots: [(std::ptr::null_mut(), 0.0); 8],
        }
    }

    /// [`exact_number`] of `obj`, remembered.
    ///
    /// # Safety
    /// As [`exact_number`]; and no object may have been freed since this cache was made.
    #[inline]
    unsafe fn number(&mut self, obj: *mut ffi::PyObject) -> Option<f64> {
        let slot = &mut self.slots[(obj as usize >> 5) & 7];
        if slot.0 == obj {
            return Some(slot.1);
        }
        // SAFETY: per the function contract.
        let v = unsafe { exact_number(obj) }?;
        *slot = (obj, v);
        Some(v)
    }
}

/// Pour `{query_id: {doc_id: value}}` into `sink`; `argument` names the dict in errors.
pub fn fill_from_dict(
    argument: &str,
    data: &Bound<'_, PyAny>,
    sink: &mut impl Sink,
) -> PyResult<()> {
    let py = data.py();
    let outer = data.cast::<PyDict>().map_err(|_| {
        type_error(
            py,
            format!(
                "`{argument}` must be a dict {{query_id: {{doc_id: value}}}}; got {}",
                type_name(data)
            ),
        )
    })?;
    // Size the columns once: growing them would touch every page several times.
    sink.reserve(total_docs(outer));
    for_each_borrowed(outer, |qid_ptr, docs_ptr| {
        // SAFETY: borrowed from `outer` during its iteration; owned before any Python code.
        let (qid, docs) = unsafe {
            (
                Bound::from_borrowed_ptr(py, qid_ptr),
                Bound::from_borrowed_ptr(py, docs_ptr),
            )
        };
        let q = as_str(&qid, || format!("query ids of `{argument}`"))?;
        let docs = docs.cast::<PyDict>().map_err(|_| {
            type_error(
                py,
                format!(
                    "`{argument}[{q:?}]` must be a dict {{doc_id: value}}; got {}",
                    type_name(&docs)
                ),
            )
        })?;
        sink.begin_query(q);
        for_each_borrowed(docs, |doc_ptr, value_ptr| {
            // SAFETY: borrowed from `docs` during its iteration, GIL held; on this path no
            // Python code runs before the key's bytes are copied into the sink.
            if let Some(doc) = unsafe { exact_str(doc_ptr) }
                && let Some(v) = unsafe { exact_number(value_ptr) }
            {
                sink.push_doc(doc, v);
                return Ok(());
            }
            // SAFETY: as above; owned references survive whatever Python code runs next.
            let (doc, value) = unsafe {
                (
                    Bound::from_borrowed_ptr(py, doc_ptr),
                    Bound::from_borrowed_ptr(py, value_ptr),
                )
            };
            let d = as_str(&doc, || format!("document ids of `{argument}[{q:?}]`"))?;
            let v = as_number(&value, || format!("`{argument}[{q:?}][{d:?}]`"))?;
            sink.push_doc(d, v);
            Ok(())
        })
    })
}

/// The error that ends an iteration early (never raised: the caller only sees `false`).
fn stop() -> PyErr {
    pyo3::exceptions::PyValueError::new_err("not on the fast path")
}

/// Whether `obj` is exactly a `dict` (not a subclass, whose methods Python code may define).
///
/// # Safety
/// `obj` must be a valid object pointer and the GIL held.
unsafe fn exact_dict(obj: *mut ffi::PyObject) -> bool {
    // SAFETY: per the function contract.
    unsafe { ffi::PyDict_CheckExact(obj) != 0 }
}

/// A qrels entry as the fast paths take it: `Ok(Some(id))` for a judged query (an exact `str`
/// id of text whose value is an exact, non-empty dict), `Ok(None)` for a query without
/// judgements (dropped, as `Qrels` drops it), the error of [`stop`] for anything else.
///
/// # Safety
/// `qid` and `docs` must be valid object pointers and the GIL held; the id borrows `qid`'s
/// UTF-8 buffer, valid while `qid` lives.
unsafe fn judged_entry<'a>(
    qid: *mut ffi::PyObject,
    docs: *mut ffi::PyObject,
) -> PyResult<Option<&'a str>> {
    // SAFETY: per the function contract; nothing here runs Python code.
    unsafe {
        let (Some(q), true) = (exact_str(qid), exact_dict(docs)) else {
            return Err(stop());
        };
        Ok((ffi::PyDict_Size(docs) != 0).then_some(q))
    }
}

/// The judged queries of a qrels dict (those with a judgement; `Qrels` drops the others), in
/// its order, for [`read_labelled_run`]: each query's judgements are read when the run reaches
/// that query (while its dict is in cache for the lookups that follow), the others at the end;
/// or, kept by [`judgements_snapshot`], read and checked once, then taken from `labels`.
pub struct DictJudgements {
    /// Query ids, by judged query index.
    pub ids: Vec<String>,
    /// The same ids as the qrels dict's own `str` objects (keys of a result dict: their hash
    /// is cached already).
    pub keys: Vec<Py<PyAny>>,
    /// Judged query index by id, built when first needed: a run in the qrels' order of the
    /// same id objects never needs it (see [`read_labelled_run`]).
    index: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
    /// Each judged query's `{doc_id: label}` dict.
    dicts: Vec<Py<PyDict>>,
    /// Every judged query's labels, in its dict's order, where they were read and checked
    /// already (the dicts are then private copies that nothing changes).
    labels: Option<LabelTable>,
}

/// Labels of judged queries, one after another: query `k`'s are `values[starts[k]..starts[k + 1]]`.
struct LabelTable {
    starts: Vec<usize>,
    values: Vec<f64>,
}

impl DictJudgements {
    fn with_capacity(n: usize) -> Self {
        DictJudgements {
            ids: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            index: std::sync::OnceLock::new(),
            dicts: Vec::with_capacity(n),
            labels: None,
        }
    }

    /// The index of the judged query `id`.
    fn index(&self, id: &str) -> Option<usize> {
        let index = self.index.get_or_init(|| {
            let ids = self.ids.iter().enumerate();
            ids.map(|(k, id)| (id.clone(), k)).collect()
        });
        index.get(id).copied()
    }

    /// Keep a judged query: its id (an exact `str`) and its `{doc_id: label}` dict.
    fn push(&mut self, id: &str, key: Py<PyAny>, docs: Py<PyDict>) {
        self.ids.push(id.to_owned());
        self.keys.push(key);
        self.dicts.push(docs);
    }
}

/// The judged queries of a `{query_id: {doc_id: label}}` qrels dict whose query ids are exact
/// `str` (text) and values exact `dict`s, or `None` for anything else: the caller then builds
/// `Qrels` the ordinary way, which accepts or refuses the rest as always.
pub fn read_judgements(qrels: &Bound<'_, PyDict>) -> Option<DictJudgements> {
    let py = qrels.py();
    let mut out = DictJudgements::with_capacity(qrels.len());
    let done = for_each_borrowed(qrels, |qid, docs| {
        // SAFETY: borrowed from `qrels` during its iteration, GIL held; no Python code runs
        // on this path, and the inner dict is owned (a new reference) before it is kept.
        unsafe {
            let Some(q) = judged_entry(qid, docs)? else {
                return Ok(());
            };
            out.push(
                q,
                Bound::from_borrowed_ptr(py, qid).unbind(),
                Bound::from_borrowed_ptr(py, docs)
                    .cast_into_unchecked::<PyDict>()
                    .unbind(),
            );
            Ok(())
        }
    });
    (done.is_ok() && !out.ids.is_empty()).then_some(out)
}

/// The UTF-8 of the exact `str` objects read so far, by address: ids a program reads from one
/// list of its own (interned, or simply the same objects in the qrels and the run dicts) are
/// few distinct objects, each then read with one comparison rather than a call into the
/// interpreter. As [`LabelCache`]: an address names the same object only while no object is
/// freed, so one cache serves one stretch of code that runs no Python code, and no longer.
struct StrCache {
    /// Direct-mapped on the address; the buffer is the string's own (cached by CPython in the
    /// object), valid while the object lives.
    slots: Vec<(*mut ffi::PyObject, *const u8, usize)>,
}

impl StrCache {
    const BITS: u32 = 10;

    fn new() -> Self {
        StrCache {
            slots: vec![(std::ptr::null_mut(), std::ptr::null(), 0); 1 << Self::BITS],
        }
    }

    /// [`exact_str`] of `obj`, remembered.
    ///
    /// # Safety
    /// As [`exact_str`]; and no object may have been freed since this cache was made.
    #[inline]
    unsafe fn get<'a>(&mut self, obj: *mut ffi::PyObject) -> Option<&'a str> {
        let slot = &mut self.slots[address_hash(obj, Self::BITS)];
        if slot.0 == obj {
            // SAFETY: `exact_str` made this slice of `obj`, alive and unchanged since (str
            // objects are immutable), and checked that it is UTF-8.
            return Some(unsafe {
                std::str::from_utf8_unchecked(std::slice::from_raw_parts(slot.1, slot.2))
            });
        }
        // SAFETY: per the function contract.
        let s = unsafe { exact_str(obj) }?;
        *slot = (obj, s.as_ptr(), s.len());
        Some(s)
    }
}

/// `bits` bits of an object's address, mixed (Fibonacci hashing: objects lie 16 or more bytes
/// apart, so the low bits alone would leave most slots unused).
#[inline]
fn address_hash(obj: *mut ffi::PyObject, bits: u32) -> usize {
    let mixed = ((obj as usize as u64) >> 4).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // The top `bits` bits (at most 22, see `JudgedDocs`): always below 2^bits.
    #[allow(clippy::cast_possible_truncation)]
    let slot = (mixed >> (64 - bits)) as usize;
    slot
}

/// One judged query's documents by the address of their `str` key, with their UTF-8 and
/// label: a run document that is the very object the qrels dict holds (the common case when
/// one program built both dicts from the same ids) is found with a comparison or two, without
/// hashing it, reading its bytes through the interpreter or probing the qrels dict. Anything
/// else is looked up in the qrels dict. Valid, as [`StrCache`], only while no object is freed.
struct JudgedDocs {
    /// Open addressing (linear probing); a slot whose `generation` is not the current one is
    /// empty, so that a new query needs no clearing.
    slots: Vec<JudgedDoc>,
    bits: u32,
    generation: u32,
}

#[derive(Clone, Copy)]
struct JudgedDoc {
    key: *mut ffi::PyObject,
    data: *const u8,
    len: usize,
    label: f64,
    generation: u32,
}

impl JudgedDocs {
    /// Most documents of a table (`2 * MAX_DOCS` slots at most); a query judging more is
    /// looked up in its dict.
    const MAX_DOCS: ffi::Py_ssize_t = 1 << 20;

    fn new() -> Self {
        JudgedDocs {
            slots: Vec::new(),
            bits: 0,
            generation: 0,
        }
    }

    /// Empty the table, with room for `n` documents (at most [`JudgedDocs::MAX_DOCS`]): at
    /// most half the slots in use.
    fn begin(&mut self, n: usize) {
        self.bits = (n.max(4) * 2).next_power_of_two().trailing_zeros();
        let size = 1usize << self.bits;
        self.generation = self.generation.wrapping_add(1);
        if self.slots.len() < size || self.generation == 0 {
            // `generation` wrapped around: slots of generation 1 could be stale, start afresh
            let empty = JudgedDoc {
                key: std::ptr::null_mut(),
                data: std::ptr::null(),
                len: 0,
                label: 0.0,
                generation: 0,
            };
            self.slots = vec![empty; size.max(self.slots.len())];
            self.generation = 1;
        }
    }

    /// Add a document (each key at most once: keys of one dict are distinct objects).
    fn insert(&mut self, key: *mut ffi::PyObject, id: &str, label: f64) {
        let mask = (1usize << self.bits) - 1;
        let mut i = address_hash(key, self.bits);
        // At most half the slots are full (`begin`): an empty slot is found.
        while self.slots[i].generation == self.generation {
            i = (i + 1) & mask;
        }
        self.slots[i] = JudgedDoc {
            key,
            data: id.as_ptr(),
            len: id.len(),
            label,
            generation: self.generation,
        };
    }

    /// The id and label of `key` if it is one of the documents added since `begin`.
    ///
    /// # Safety
    /// The objects added must still be alive (no object freed since `begin`).
    #[inline]
    unsafe fn get<'a>(&self, key: *mut ffi::PyObject) -> Option<(&'a str, f64)> {
        let mask = (1usize << self.bits) - 1;
        let mut i = address_hash(key, self.bits);
        loop {
            let slot = &self.slots[i];
            if slot.generation != self.generation {
                return None;
            }
            if slot.key == key {
                // SAFETY: the UTF-8 of a live, immutable str (`exact_str` checked it).
                let id = unsafe {
                    std::str::from_utf8_unchecked(std::slice::from_raw_parts(slot.data, slot.len))
                };
                return Some((id, slot.label));
            }
            i = (i + 1) & mask;
        }
    }
}

/// Hand each entry of a judged query's dict to `label` (the key object, its id and its
/// label), or `false` if an entry is not an exact `str` id (text) with an exact finite
/// `float` or small `int` label.
///
/// # Safety
/// `docs` must be a live exact dict and the GIL held; `cache` as [`LabelCache::number`],
/// `strs` as [`StrCache::get`].
unsafe fn read_labels(
    docs: *mut ffi::PyObject,
    cache: &mut LabelCache,
    mut strs: Option<&mut StrCache>,
    mut label: impl FnMut(*mut ffi::PyObject, &str, f64),
) -> bool {
    let mut pos: ffi::Py_ssize_t = 0;
    let mut doc: *mut ffi::PyObject = std::ptr::null_mut();
    let mut value: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: per the function contract; nothing here runs Python code.
    unsafe {
        while ffi::PyDict_Next(docs, &raw mut pos, &raw mut doc, &raw mut value) != 0 {
            let id = match strs.as_deref_mut() {
                Some(strs) => strs.get(doc),
                None => exact_str(doc),
            };
            match (id, cache.number(value)) {
                (Some(id), Some(l)) if l.is_finite() => label(doc, id, l),
                _ => return false,
            }
        }
    }
    true
}

/// Where [`read_labelled_run`] pours a run dict's judged queries.
pub trait LabelSink {
    /// Total documents of the run dict, before any.
    fn reserve(&mut self, n: usize);
    /// A judged query starts: `key` is its index in the judgements.
    fn begin_query(&mut self, key: u32);
    /// A label of the current query's judgements (all of them come before its documents).
    fn judgement(&mut self, label: f64);
    /// A document of the current query, with its label (NaN if not judged).
    fn push(&mut self, doc: &str, score: f64, label: f64);
}

/// Whether [`read_labelled_run`] still looks documents up by address ([`JudgedDocs`]): it
/// stops once most lookups have missed (dicts that share no `str` objects), where building
/// the tables would only add work.
struct SharedIds {
    on: bool,
    lookups: usize,
    found: usize,
}

impl SharedIds {
    /// Lookups before the first verdict.
    const TRIAL: usize = 4096;

    fn tally(&mut self, found: bool) {
        self.lookups += 1;
        self.found += usize::from(found);
        if self.lookups == Self::TRIAL {
            self.on = self.found * 2 >= self.lookups;
        }
    }
}

/// Read a `{query_id: {doc_id: score}}` run dict against `judgements`: each query the qrels
/// judge goes to `sink`, its judgements first, then every document with its label (NaN where
/// not judged), found in the qrels dict itself; the other queries are only checked, and so
/// are, at the end, the judgements of queries the run lacks. `false` for anything the
/// ordinary `Qrels` or `Run` would refuse or read the slow way (an id that is not an exact
/// `str` of text, a value that is not an exact `float` or small `int`, a NaN score, a label
/// that is not finite, a dict subclass): the caller then takes the ordinary path, which
/// reports it.
pub fn read_labelled_run(
    run: &Bound<'_, PyDict>,
    judgements: &DictJudgements,
    sink: &mut impl LabelSink,
) -> bool {
    sink.reserve(total_docs(run));
    let mut seen = vec![false; judgements.ids.len()];
    // Nothing below runs Python code, so no object is freed: one of each cache serves the
    // whole read.
    let mut cache = LabelCache::new();
    let mut strs = StrCache::new();
    let mut judged_docs = JudgedDocs::new();
    let mut shared = SharedIds {
        on: judgements.labels.is_none(),
        lookups: 0,
        found: 0,
    };
    // The judged query expected next: runs often list their queries in the qrels' order, so
    // the id is first compared, by address, with that query's own `str` object.
    let mut next = 0usize;
    let read = for_each_borrowed(run, |qid, docs| {
        // SAFETY: borrowed from `run` (and from the judged query's dict, owned by
        // `judgements`) during the iteration, GIL held. A judged query's dict is looked up
        // only once `read_labels` found every key an exact `str`, so a lookup with an exact
        // `str` runs no Python code; neither does anything else here.
        unsafe {
            if !exact_dict(docs) {
                return Err(stop());
            }
            let k = if judgements
                .keys
                .get(next)
                .is_some_and(|key| key.as_ptr() == qid)
            {
                Some(next)
            } else {
                let Some(q) = exact_str(qid) else {
                    return Err(stop());
                };
                judgements.index(q)
            };
            let labels = k.map(|k| judgements.dicts[k].as_ptr());
            let by_address =
                shared.on && labels.is_some_and(|l| ffi::PyDict_Size(l) <= JudgedDocs::MAX_DOCS);
            if let (Some(k), Some(labels)) = (k, labels) {
                next = k + 1;
                sink.begin_query(u32::try_from(k).unwrap_or(u32::MAX));
                seen[k] = true;
                if let Some(table) = &judgements.labels {
                    for &l in &table.values[table.starts[k]..table.starts[k + 1]] {
                        sink.judgement(l);
                    }
                } else if by_address {
                    judged_docs.begin(usize::try_from(ffi::PyDict_Size(labels)).unwrap_or(0));
                    if !read_labels(labels, &mut cache, Some(&mut strs), |key, id, l| {
                        judged_docs.insert(key, id, l);
                        sink.judgement(l);
                    }) {
                        return Err(stop());
                    }
                } else if !read_labels(labels, &mut cache, Some(&mut strs), |_, _, l| {
                    sink.judgement(l);
                }) {
                    return Err(stop());
                }
            }
            let mut pos: ffi::Py_ssize_t = 0;
            let mut doc: *mut ffi::PyObject = std::ptr::null_mut();
            let mut score: *mut ffi::PyObject = std::ptr::null_mut();
            while ffi::PyDict_Next(docs, &raw mut pos, &raw mut doc, &raw mut score) != 0 {
                let Some(s) = exact_number(score) else {
                    return Err(stop());
                };
                if s.is_nan() {
                    return Err(stop());
                }
                if by_address {
                    let found = judged_docs.get(doc);
                    shared.tally(found.is_some());
                    if let Some((d, label)) = found {
                        sink.push(d, s, label);
                        continue;
                    }
                }
                let Some(d) = strs.get(doc) else {
                    return Err(stop());
                };
                if let Some(labels) = labels {
                    let found = ffi::PyDict_GetItemWithError(labels, doc);
                    let label = if found.is_null() {
                        if !ffi::PyErr_Occurred().is_null() {
                            ffi::PyErr_Clear(); // cannot happen for exact str keys
                            return Err(stop());
                        }
                        f64::NAN
                    } else if let Some(l) = cache.number(found) {
                        l
                    } else {
                        return Err(stop());
                    };
                    sink.push(d, s, label);
                }
            }
            Ok(())
        }
    });
    // The judgements of queries the run lacks are checked too (unless they were already), as
    // `Qrels` checks them.
    read.is_ok()
        && (judgements.labels.is_some()
            || seen.iter().zip(&judgements.dicts).all(|(&seen, docs)| {
                // SAFETY: an exact dict owned by `judgements`, GIL held.
                seen || unsafe {
                    read_labels(docs.as_ptr(), &mut cache, Some(&mut strs), |_, _, _| {})
                }
            }))
}

/// A copy of a `{query_id: {doc_id: label}}` qrels dict that [`read_labelled_run`] takes as it
/// is: its judged queries (those with a judgement, in order), each `{doc_id: label}` dict
/// copied (`PyDict_Copy`: the keys' cached hashes are kept, nothing is parsed) and its labels
/// read once, with the copies gathered in one dict too (for `Qrels`, should a run need it);
/// or `None` for any qrels [`read_judgements`] or [`read_labelled_run`] would not take (an id
/// that is not an exact `str` of text, a label that is not an exact finite `float` or small
/// `int`, a dict subclass, no judgement at all): the caller then builds `Qrels` the ordinary
/// way, which accepts or refuses it as always. The copy makes later changes to the caller's
/// dicts invisible, as pytrec_eval's copy of the qrels at construction does.
pub fn judgements_snapshot<'py>(
    qrels: &Bound<'py, PyAny>,
) -> PyResult<Option<(DictJudgements, Bound<'py, PyDict>)>> {
    let py = qrels.py();
    let Ok(outer) = qrels.cast_exact::<PyDict>() else {
        return Ok(None);
    };
    let out = PyDict::new(py);
    let mut judged = DictJudgements::with_capacity(outer.len());
    let mut table = LabelTable {
        starts: Vec::with_capacity(outer.len() + 1),
        // Sized once: growing it would copy (and fault in) every page several times.
        values: Vec::with_capacity(total_docs(outer)),
    };
    table.starts.push(0);
    let mut failed: Option<PyErr> = None;
    let done = for_each_borrowed(outer, |qid, docs| {
        // SAFETY: borrowed from `outer` during its iteration, GIL held. The checks and
        // `read_labels` run no Python code (one label cache each: see below). The new dict of
        // `PyDict_Copy` may start a garbage collection (Python 3.11 collects as it
        // allocates), whose finalizers may run Python code: the id and the dict are owned
        // before, so they outlive whatever that code does. `PyDict_SetItem` with an exact
        // `str` key only hash-inserts.
        unsafe {
            let Some(q) = judged_entry(qid, docs)? else {
                return Ok(());
            };
            if !read_labels(docs, &mut LabelCache::new(), None, |_, _, l| {
                table.values.push(l);
            }) {
                return Err(stop());
            }
            table.starts.push(table.values.len());
            let (qid, docs) = (
                Bound::from_borrowed_ptr(py, qid),
                Bound::from_borrowed_ptr(py, docs),
            );
            let copy = ffi::PyDict_Copy(docs.as_ptr());
            if copy.is_null() {
                failed = Some(PyErr::fetch(py));
                return Err(stop());
            }
            let copy = Bound::from_owned_ptr(py, copy).cast_into_unchecked::<PyDict>();
            if ffi::PyDict_SetItem(out.as_ptr(), qid.as_ptr(), copy.as_ptr()) != 0 {
                failed = Some(PyErr::fetch(py));
                return Err(stop());
            }
            judged.push(q, qid.unbind(), copy.unbind());
            Ok(())
        }
    });
    if let Some(e) = failed {
        return Err(e); // out of memory: not a reason to read the dict another way
    }
    if done.is_err() || judged.ids.is_empty() {
        return Ok(None);
    }
    judged.labels = Some(table);
    Ok(Some((judged, out)))
}

/// `{query_key(q): {zero_keys...: 0.0, keys[i]: value(q, i)}}` for `q < queries`: the nested
/// result of pytrec_eval's shape, built in one loop of CPython calls. Every query's dict has
/// the same keys in the same order, so each is a copy of one dict holding them all
/// (`PyDict_Copy` clones its table whole, hashes included: no insertion, no resizing) whose
/// values are then replaced in place. A key listed twice keeps its first place and its last
/// value, as inserting them one by one would.
pub fn nested_dict<'py>(
    py: Python<'py>,
    zero_keys: &[Bound<'py, PyString>],
    keys: &[Bound<'py, PyString>],
    queries: usize,
    query_key: impl Fn(usize) -> Bound<'py, PyAny>,
    value: impl Fn(usize, usize) -> f64,
) -> PyResult<Bound<'py, PyDict>> {
    let zero = PyFloat::new(py, 0.0);
    let template = PyDict::new(py);
    for key in zero_keys.iter().chain(keys) {
        template.set_item(key, &zero)?;
    }
    let out = PyDict::new(py);
    for q in 0..queries {
        let id = query_key(q);
        // SAFETY: the GIL is held; every pointer is a live object owned here (`template`,
        // `row`, `v`, `id`, the keys); `PyDict_Copy` of an exact dict and `PyDict_SetItem`
        // with `str` keys (exact: `PyString` of rankwise's own making or the qrels' exact
        // keys) run no Python code. A NULL or -1 becomes the Python error it set.
        unsafe {
            let row = Bound::from_owned_ptr_or_err(py, ffi::PyDict_Copy(template.as_ptr()))?;
            for (i, key) in keys.iter().enumerate() {
                let v = Bound::from_owned_ptr_or_err(py, ffi::PyFloat_FromDouble(value(q, i)))?;
                if ffi::PyDict_SetItem(row.as_ptr(), key.as_ptr(), v.as_ptr()) != 0 {
                    return Err(PyErr::fetch(py));
                }
            }
            if ffi::PyDict_SetItem(out.as_ptr(), id.as_ptr(), row.as_ptr()) != 0 {
                return Err(PyErr::fetch(py));
            }
        }
    }
    Ok(out)
}
