//! Streaming plumbing shared by the importers: the import context (JSON path, sink, warnings),
//! `DeserializeSeed`s that walk objects and arrays one member at a time, the handlers most
//! reports need (one array member of an object, an object per array element, a first-pass
//! survey of each element), and lenient value types.
//!
//! Every importer reads its input with `serde_json::Deserializer::from_reader` and these seeds:
//! an array of results is visited element by element, each element deserialized into a small
//! struct, converted and handed to the sink before the next one is read, so memory stays
//! bounded by the largest single element, not by the file. The context keeps the JSON path of
//! the value being read (`$.runs[0].results[12]`): a seed pushes a segment before reading a
//! member and pops it after, and leaves it in place when reading fails, so an error names the
//! path where it happened.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Unexpected, Visitor,
};

use super::ImportWarning;
use super::finalize::finalize;
use crate::RawFinding;

/// The message of the `serde` error raised to unwind the parser when the sink fails; the
/// sink's own message is kept in [`Ctx`] and reported instead.
pub(crate) const ABORT: &str = "devspm: import aborted by the finding sink";

/// At most this many warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 1000;

/// The sink failed; the import must stop.
#[derive(Debug)]
pub(crate) struct Abort;

/// Raises [`ABORT`] as a `serde` error.
pub(crate) fn abort<E: de::Error>(_: Abort) -> E {
    E::custom(ABORT)
}

/// One step of a JSON path.
#[derive(Clone, Debug)]
pub(crate) enum Seg {
    Key(String),
    Index(u64),
    /// The record of a JSON Lines input that starts on this line (1-based); always first.
    Line(u64),
}

/// Renders a path as JSONPath: `$.runs[0].results[12]`, `$['$schema']`; in a JSON Lines
/// input, the record's line first: `line 3: $.fields.advisory`.
pub(crate) fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    let rest = match path.first() {
        Some(Seg::Line(line)) => {
            let _ = write!(out, "line {line}: ");
            &path[1..]
        }
        _ => path,
    };
    out.push('$');
    for seg in rest {
        match seg {
            Seg::Line(line) => {
                let _ = write!(out, "[line {line}]");
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Seg::Key(k) if is_shorthand(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Key(k) => {
                out.push_str("['");
                for c in k.chars() {
                    match c {
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c if c.is_control() => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
        }
    }
    out
}

/// Whether a member name can be written `.name` (RFC 9535 member-name-shorthand).
fn is_shorthand(key: &str) -> bool {
    let mut chars = key.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || !c.is_ascii() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
}

/// The sink a caller hands to the importer.
pub(crate) type SinkFn<'s> = dyn FnMut(RawFinding) -> Result<(), String> + 's;

/// State of one pass over one input.
pub(crate) struct Ctx<'s> {
    pub(crate) file: String,
    path: Vec<Seg>,
    sink: Option<&'s mut SinkFn<'s>>,
    /// `(json path, message)` of the sink's failure, if it failed.
    pub(crate) sink_error: Option<(String, String)>,
    warnings: Vec<ImportWarning>,
    dropped_warnings: u64,
    /// Results skipped on purpose, by reason: count and the first one's path.
    skipped: BTreeMap<&'static str, (u64, String)>,
    /// Results imported with a caveat common to many, by caveat: count and the first one's
    /// path.
    tallies: BTreeMap<&'static str, (u64, String)>,
    pub(crate) results: u64,
}

impl<'s> Ctx<'s> {
    pub(crate) fn new(file: &str, sink: Option<&'s mut SinkFn<'s>>) -> Ctx<'s> {
        Ctx {
            file: file.to_string(),
            path: Vec::new(),
            sink,
            sink_error: None,
            warnings: Vec::new(),
            dropped_warnings: 0,
            skipped: BTreeMap::new(),
            tallies: BTreeMap::new(),
            results: 0,
        }
    }

    pub(crate) fn push(&mut self, seg: Seg) {
        self.path.push(seg);
    }

    pub(crate) fn pop(&mut self) {
        self.path.pop();
    }

    /// The JSON path of the value being read.
    pub(crate) fn path(&self) -> String {
        render_path(&self.path)
    }

    /// The JSON path of the value being read, with `suffix` (e.g. `.locations`) appended.
    pub(crate) fn path_with(&self, suffix: &str) -> String {
        let mut p = self.path();
        p.push_str(suffix);
        p
    }

    /// Records a warning about the value at `json_path`.
    pub(crate) fn warn(&mut self, json_path: String, message: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(ImportWarning {
                json_path,
                message: message.into(),
            });
        } else {
            self.dropped_warnings += 1;
        }
    }

    /// Counts a result deliberately not imported (e.g. a passed check); one warning per reason
    /// is reported at the end.
    pub(crate) fn skip(&mut self, reason: &'static str, json_path: String) {
        self.skipped
            .entry(reason)
            .and_modify(|(n, _)| *n += 1)
            .or_insert((1, json_path));
    }

    /// Counts a result imported with a caveat that many results may share (e.g. a secret the
    /// producer redacted); one warning per caveat is reported at the end.
    pub(crate) fn tally(&mut self, caveat: &'static str, json_path: String) {
        self.tallies
            .entry(caveat)
            .and_modify(|(n, _)| *n += 1)
            .or_insert((1, json_path));
    }

    /// Hands one finding to the sink, after enforcing the model's rules (sorted identifiers,
    /// no secret outside `secret`). On failure the sink's message is kept and [`Abort`]
    /// returned: the caller must unwind with [`abort`].
    pub(crate) fn emit(&mut self, mut finding: RawFinding) -> Result<(), Abort> {
        finalize(&mut finding);
        self.results += 1;
        if let Some(sink) = self.sink.as_mut() {
            let origin = finding.origin.clone();
            if let Err(message) = sink(finding) {
                self.sink_error = Some((origin, message));
                return Err(Abort);
            }
        }
        Ok(())
    }

    /// The number of results emitted and the warnings, including one per skip reason and a
    /// count of warnings not kept.
    pub(crate) fn finish(mut self) -> (u64, Vec<ImportWarning>) {
        let skipped = std::mem::take(&mut self.skipped);
        for (reason, (count, first)) in skipped {
            let noun = if count == 1 { "result" } else { "results" };
            self.warn(
                first,
                format!("{count} {noun} not imported: {reason} (the first is at this path)"),
            );
        }
        let tallies = std::mem::take(&mut self.tallies);
        for (caveat, (count, first)) in tallies {
            let noun = if count == 1 { "result" } else { "results" };
            self.warn(
                first,
                format!("{count} {noun}: {caveat} (the first is at this path)"),
            );
        }
        if self.dropped_warnings > 0 {
            let n = self.dropped_warnings;
            self.warnings.push(ImportWarning {
                json_path: "$".to_string(),
                message: format!("{n} more warnings not shown"),
            });
        }
        (self.results, self.warnings)
    }
}

/// Handles the members of a JSON object, one at a time.
pub(crate) trait Fields<'s> {
    /// Called for each member; must consume its value from `map` (with `next_value` or
    /// `next_value_seed`). The context's path already ends with `key`.
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error>;
}

/// Handles the elements of a JSON array, one at a time.
pub(crate) trait Elements<'s> {
    /// Reads the next element from `seq`; returns `false` at the end of the array. The
    /// context's path already ends with the element's index.
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        seq: &mut A,
    ) -> Result<bool, A::Error>;
}

/// The non-container values a lenient seed accepts and ignores; `null` is always accepted.
macro_rules! scalar_visits {
    ($ret:expr) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            self.reject(Unexpected::Bool(v))?;
            Ok($ret(self))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.reject(Unexpected::Signed(v))?;
            Ok($ret(self))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.reject(Unexpected::Unsigned(v))?;
            Ok($ret(self))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            self.reject(Unexpected::Float(v))?;
            Ok($ret(self))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            self.reject(Unexpected::Str(v))?;
            Ok($ret(self))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($ret(self))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($ret(self))
        }
    };
}

/// Walks a JSON object with a [`Fields`] handler and returns the handler. `null` counts as an
/// empty object. A strict object rejects other values; a lenient one skips them (used while
/// detecting the format, when the document's shape is not known yet).
pub(crate) struct Object<'c, 's, H> {
    ctx: &'c mut Ctx<'s>,
    handler: H,
    strict: bool,
}

impl<'c, 's, H> Object<'c, 's, H> {
    pub(crate) fn strict(ctx: &'c mut Ctx<'s>, handler: H) -> Self {
        Object {
            ctx,
            handler,
            strict: true,
        }
    }

    pub(crate) fn lenient(ctx: &'c mut Ctx<'s>, handler: H) -> Self {
        Object {
            ctx,
            handler,
            strict: false,
        }
    }

    fn reject<E: de::Error>(&self, got: Unexpected<'_>) -> Result<(), E> {
        if self.strict {
            Err(E::invalid_type(got, &"a JSON object"))
        } else {
            Ok(())
        }
    }
}

impl<'de, 'c, 's, H: Fields<'s>> DeserializeSeed<'de> for Object<'c, 's, H> {
    type Value = H;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<H, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'c, 's, H: Fields<'s>> Visitor<'de> for Object<'c, 's, H> {
    type Value = H;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    scalar_visits!(|s: Self| s.handler);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<H, A::Error> {
        self.reject(Unexpected::Seq)?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(self.handler)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<H, A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            self.ctx.push(Seg::Key(key.clone()));
            self.handler.field(self.ctx, &key, &mut map)?;
            self.ctx.pop();
        }
        Ok(self.handler)
    }
}

/// Walks a JSON array with an [`Elements`] handler and returns the handler. `null` counts as an
/// empty array; strict and lenient as for [`Object`].
pub(crate) struct Array<'c, 's, H> {
    ctx: &'c mut Ctx<'s>,
    handler: H,
    strict: bool,
}

impl<'c, 's, H> Array<'c, 's, H> {
    pub(crate) fn strict(ctx: &'c mut Ctx<'s>, handler: H) -> Self {
        Array {
            ctx,
            handler,
            strict: true,
        }
    }

    pub(crate) fn lenient(ctx: &'c mut Ctx<'s>, handler: H) -> Self {
        Array {
            ctx,
            handler,
            strict: false,
        }
    }

    fn reject<E: de::Error>(&self, got: Unexpected<'_>) -> Result<(), E> {
        if self.strict {
            Err(E::invalid_type(got, &"a JSON array"))
        } else {
            Ok(())
        }
    }
}

impl<'de, 'c, 's, H: Elements<'s>> DeserializeSeed<'de> for Array<'c, 's, H> {
    type Value = H;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<H, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'c, 's, H: Elements<'s>> Visitor<'de> for Array<'c, 's, H> {
    type Value = H;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }

    scalar_visits!(|s: Self| s.handler);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<H, A::Error> {
        self.reject(Unexpected::Map)?;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(self.handler)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<H, A::Error> {
        let mut index = 0u64;
        loop {
            self.ctx.push(Seg::Index(index));
            let more = self.handler.element(self.ctx, &mut seq)?;
            self.ctx.pop();
            if !more {
                return Ok(self.handler);
            }
            index += 1;
        }
    }
}

/// An [`Elements`] handler that deserializes each element into `T` and hands it to `f`.
pub(crate) struct Each<T, F> {
    f: F,
    _t: PhantomData<fn() -> T>,
}

impl<T, F> Each<T, F> {
    pub(crate) fn new(f: F) -> Self {
        Each { f, _t: PhantomData }
    }
}

impl<'s, T, F> Elements<'s> for Each<T, F>
where
    T: DeserializeOwned,
    F: FnMut(&mut Ctx<'s>, T) -> Result<(), Abort>,
{
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        match seq.next_element::<T>()? {
            None => Ok(false),
            Some(value) => {
                (self.f)(ctx, value).map_err(abort)?;
                Ok(true)
            }
        }
    }
}

/// A [`Fields`] handler that reads the member `key` (or either of two) as a strict array, with
/// a fresh [`Elements`] handler from `make` each time such a member appears, and skips every
/// other member.
pub(crate) struct ArrayField<F> {
    keys: [&'static str; 2],
    make: F,
}

impl<F> ArrayField<F> {
    pub(crate) fn new(key: &'static str, make: F) -> Self {
        ArrayField {
            keys: [key, key],
            make,
        }
    }

    /// Reads both `keys` the same way (SonarQube's `issues` and `hotspots`).
    pub(crate) fn either(keys: [&'static str; 2], make: F) -> Self {
        ArrayField { keys, make }
    }
}

impl<'s, F, H> Fields<'s> for ArrayField<F>
where
    F: FnMut() -> H,
    H: Elements<'s>,
{
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if self.keys.contains(&key) {
            map.next_value_seed(Array::strict(ctx, (self.make)()))?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// Reads the value of the member `map` is at as a strict array, deserializing each element
/// into `T` and handing it to `f` (as [`Each`] does).
pub(crate) fn next_each<'de, 's, A, T, F>(
    map: &mut A,
    ctx: &mut Ctx<'s>,
    f: F,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: DeserializeOwned,
    F: FnMut(&mut Ctx<'s>, T) -> Result<(), Abort>,
{
    map.next_value_seed(Array::strict(ctx, Each::new(f)))?;
    Ok(())
}

/// A [`Fields`] handler that hands `f` a `T` with the name of the member it came from: each
/// element of every member read as a strict array ([`EachMember::elements`]: a detect-secrets
/// file, a cargo-audit warning kind), or every member's value ([`EachMember::values`]: an npm
/// audit package entry).
pub(crate) struct EachMember<T, F> {
    f: F,
    elements: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T, F> EachMember<T, F> {
    pub(crate) fn elements(f: F) -> Self {
        EachMember {
            f,
            elements: true,
            _t: PhantomData,
        }
    }

    pub(crate) fn values(f: F) -> Self {
        EachMember {
            f,
            elements: false,
            _t: PhantomData,
        }
    }
}

impl<'s, T, F> Fields<'s> for EachMember<T, F>
where
    T: DeserializeOwned,
    F: FnMut(&mut Ctx<'s>, &str, T) -> Result<(), Abort>,
{
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let f = &mut self.f;
        if self.elements {
            next_each(map, ctx, |ctx, value: T| f(ctx, key, value))
        } else {
            let value = map.next_value::<T>()?;
            f(ctx, key, value).map_err(abort)
        }
    }
}

/// Streams a document that is a strict object whose member `key` is an object read with the
/// [`Fields`] handler `make` builds (each time the member appears); every other member is
/// skipped.
pub(crate) fn stream_object_field<'de, 's, D, F, H>(
    d: D,
    ctx: &mut Ctx<'s>,
    key: &'static str,
    make: F,
) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
    F: FnMut() -> H,
    H: Fields<'s>,
{
    struct ObjectField<F> {
        key: &'static str,
        make: F,
    }
    impl<'s, F, H> Fields<'s> for ObjectField<F>
    where
        F: FnMut() -> H,
        H: Fields<'s>,
    {
        fn field<'de, A: MapAccess<'de>>(
            &mut self,
            ctx: &mut Ctx<'s>,
            key: &str,
            map: &mut A,
        ) -> Result<(), A::Error> {
            if key == self.key {
                map.next_value_seed(Object::strict(ctx, (self.make)()))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    Object::strict(ctx, ObjectField { key, make }).deserialize(d)?;
    Ok(())
}

/// Streams a document that is a strict object whose member `key` is the array of results,
/// read with [`ArrayField`]; every other member is skipped.
pub(crate) fn stream_array_field<'de, 's, D, F, H>(
    d: D,
    ctx: &mut Ctx<'s>,
    key: &'static str,
    make: F,
) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
    F: FnMut() -> H,
    H: Elements<'s>,
{
    Object::strict(ctx, ArrayField::new(key, make)).deserialize(d)?;
    Ok(())
}

/// An [`Elements`] handler that reads each element as a strict object with the [`Fields`]
/// handler `make` builds for the element's index.
pub(crate) struct ObjectEach<F> {
    make: F,
    next: usize,
}

impl<F> ObjectEach<F> {
    pub(crate) fn new(make: F) -> Self {
        ObjectEach { make, next: 0 }
    }
}

impl<'s, F, H> Elements<'s> for ObjectEach<F>
where
    F: FnMut(usize) -> H,
    H: Fields<'s>,
{
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        let handler = (self.make)(self.next);
        self.next += 1;
        Ok(seq
            .next_element_seed(Object::strict(ctx, handler))?
            .is_some())
    }
}

/// An [`Elements`] handler for a first pass: reads each element as a lenient object into a fresh
/// `H::default()` and hands the filled handler to `f`.
pub(crate) struct SurveyEach<H, F> {
    f: F,
    saw_array: bool,
    _h: PhantomData<fn() -> H>,
}

impl<H, F> SurveyEach<H, F> {
    pub(crate) fn new(f: F) -> Self {
        SurveyEach {
            f,
            saw_array: false,
            _h: PhantomData,
        }
    }

    /// Whether the value was an array (an empty one included).
    pub(crate) fn saw_array(&self) -> bool {
        self.saw_array
    }
}

impl<'s, H, F> Elements<'s> for SurveyEach<H, F>
where
    H: Fields<'s> + Default,
    F: FnMut(H),
{
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        self.saw_array = true;
        match seq.next_element_seed(Object::lenient(ctx, H::default()))? {
            Some(handler) => {
                (self.f)(handler);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// An [`Elements`] handler that skips every element (keeping the index in the path).
pub(crate) struct SkipEach;

impl<'s> Elements<'s> for SkipEach {
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        _ctx: &mut Ctx<'s>,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        Ok(seq.next_element::<IgnoredAny>()?.is_some())
    }
}

/// What kind of JSON value [`Skip`] passed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl JsonKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Bool => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        }
    }
}

/// Skips any value without keeping it, tracking the JSON path `depth` levels down (so that an
/// error inside names where it is), and says what kind of value it was.
pub(crate) struct Skip<'c, 's> {
    ctx: &'c mut Ctx<'s>,
    depth: u8,
}

impl<'c, 's> Skip<'c, 's> {
    pub(crate) fn new(ctx: &'c mut Ctx<'s>, depth: u8) -> Self {
        Skip { ctx, depth }
    }
}

impl<'de> DeserializeSeed<'de> for Skip<'_, '_> {
    type Value = JsonKind;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<JsonKind, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip<'_, '_> {
    type Value = JsonKind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<JsonKind, E> {
        Ok(JsonKind::Bool)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<JsonKind, E> {
        Ok(JsonKind::Number)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<JsonKind, E> {
        Ok(JsonKind::Number)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<JsonKind, E> {
        Ok(JsonKind::Number)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<JsonKind, E> {
        Ok(JsonKind::String)
    }
    fn visit_unit<E: de::Error>(self) -> Result<JsonKind, E> {
        Ok(JsonKind::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<JsonKind, E> {
        Ok(JsonKind::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonKind, A::Error> {
        if self.depth == 0 {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(JsonKind::Array);
        }
        let mut index = 0u64;
        loop {
            self.ctx.push(Seg::Index(index));
            let seed = Skip::new(self.ctx, self.depth - 1);
            let more = seq.next_element_seed(seed)?.is_some();
            self.ctx.pop();
            if !more {
                return Ok(JsonKind::Array);
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonKind, A::Error> {
        if self.depth == 0 {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(JsonKind::Object);
        }
        while let Some(key) = map.next_key::<String>()? {
            self.ctx.push(Seg::Key(key));
            map.next_value_seed(Skip::new(self.ctx, self.depth - 1))?;
            self.ctx.pop();
        }
        Ok(JsonKind::Object)
    }
}

/// A scalar read as text: strings as they are, numbers and booleans written out; `null`,
/// arrays and objects give `None` (and are skipped without being kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Text(pub(crate) Option<String>);

impl Text {
    /// The text, if present and not blank.
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.trim().is_empty())
    }

    /// The trimmed text as an owned string, if present and not blank.
    pub(crate) fn owned(&self) -> Option<String> {
        self.get().map(|s| s.trim().to_string())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(Some(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
                Text::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object read into `T`; any other value gives `None` (skipped without being kept), so a
/// producer's odd value in a field devspm reads does not fail the import.
#[derive(Clone, Debug)]
pub(crate) struct Obj<T>(pub(crate) Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<T> Obj<T> {
    pub(crate) fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Obj<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|v| Obj(Some(v)))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An array read into `Vec<T>`; any other value gives an empty list (skipped without being
/// kept).
#[derive(Clone, Debug)]
pub(crate) struct List<T>(pub(crate) Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<T> List<T> {
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    pub(crate) fn first(&self) -> Option<&T> {
        self.0.first()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<List<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON array")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(List::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<T>()? {
                    out.push(v);
                }
                Ok(List(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_as_jsonpath() {
        let path = vec![
            Seg::Key("runs".into()),
            Seg::Index(0),
            Seg::Key("results".into()),
            Seg::Index(12),
        ];
        assert_eq!(render_path(&path), "$.runs[0].results[12]");
        assert_eq!(render_path(&[Seg::Key("$schema".into())]), "$['$schema']");
        assert_eq!(render_path(&[Seg::Key("it's".into())]), "$['it\\'s']");
        assert_eq!(render_path(&[]), "$");
        let record = [Seg::Line(3), Seg::Key("fields".into())];
        assert_eq!(render_path(&record), "line 3: $.fields");
    }

    #[test]
    fn lenient_types_accept_odd_values() {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct S {
            a: Text,
            b: Obj<std::collections::BTreeMap<String, Text>>,
            c: List<Text>,
        }
        let s: S = serde_json::from_str(r#"{"a": 5, "b": [1, 2], "c": {"x": 1}}"#).unwrap();
        assert_eq!(s.a.get(), Some("5"));
        assert!(s.b.get().is_none());
        assert!(s.c.is_empty());
        let s: S =
            serde_json::from_str(r#"{"a": {"x": 1}, "b": {"k": "v"}, "c": ["x", null]}"#).unwrap();
        assert_eq!(s.a.get(), None);
        assert_eq!(s.b.get().unwrap()["k"].get(), Some("v"));
        assert_eq!(s.c.0.len(), 2);
    }
}
