"""The series the operator exports, read from its registry in controller/src/metrics.rs (label
structs and collectors may live in its submodules, controller/src/metrics/*.rs).

A deliberately small parser of that one file, not of Rust: `Registry::with_prefix("...")`, each
`.register("name", "help", x.clone())` with x's type from `struct Metrics` (or a `let x =`), the
label structs (`#[derive(.. EncodeLabelSet)] struct X { a: String, .. }`, or an `impl EncodeLabelSet
for X` that encodes `("a", ..)` pairs) and each collector's
`encode_descriptor("name", "help", None, ConstX::..)`. Anything it cannot place raises, so a new
way of registering shows up as a failing test instead of a silently shorter list.

Series names follow prometheus-client's text encoding: counters get `_total`, histograms
`_bucket` (with `le`), `_sum` and `_count`.
"""

from __future__ import annotations

import re
from pathlib import Path

STRING = r'"(?:[^"\\]|\\.)*"'


class ParseError(AssertionError):
    pass


def _kind(rust_type: str) -> str:
    for word, kind in (("Histogram", "histogram"), ("Counter", "counter"), ("Gauge", "gauge")):
        if word in rust_type:
            return kind
    raise ParseError(f"cannot tell the metric type of `{rust_type}`")


def _label_structs(src: str) -> dict[str, set[str]]:
    found = re.finditer(r"#\[derive\([^)]*EncodeLabelSet[^)]*\)\]\s*"
                        r"(?:pub(?:\([^)]*\))?\s+)?struct\s+(\w+)\s*\{([^}]*)\}", src)
    structs = {m[1]: set(re.findall(r"(?:pub\s+)?(\w+)\s*:", m[2])) for m in found}
    # A label set encoded by hand: its labels are the ("name", value) pairs it encodes.
    for m in re.finditer(r"impl EncodeLabelSet for (\w+)\s*\{(.*?)\n\}", src, re.S):
        labels = set(re.findall(r'\(\s*"(\w+)"\s*,', m[2]))
        if not labels:
            raise ParseError(f"cannot find the labels that `impl EncodeLabelSet for {m[1]}` encodes")
        structs[m[1]] = labels
    return structs


def _types(src: str) -> dict[str, str]:
    """Field and local-variable name -> Rust type (for locals: the constructor's type)."""
    body = re.search(r"pub struct Metrics\s*\{(.*?)\n\}", src, re.S)
    if not body:
        raise ParseError("no `pub struct Metrics { .. }` in metrics.rs")
    types = {}
    for line in body[1].splitlines():
        field = re.match(r"\s*(?:pub\s+)?(\w+)\s*:\s*(.+?),?\s*$", line)
        if field and not line.strip().startswith("//"):
            types[field[1]] = field[2]
    for local in re.finditer(r"let\s+(\w+)\s*=\s*(\w+(?:<[^=;]*>)?)::", src):
        types.setdefault(local[1], local[2])
    return types


def _labels_of(rust_type: str, structs: dict[str, set[str]]) -> set[str]:
    family = re.match(r"Family<\s*(\w+)\s*,", rust_type)
    if not family:
        return set()
    if family[1] not in structs:
        raise ParseError(f"label struct {family[1]} of `{rust_type}` not found")
    return structs[family[1]]


def families(metrics_rs: Path) -> dict[str, tuple[str, set[str]]]:
    """Prefixed family name -> (counter | gauge | histogram, label names)."""
    src = metrics_rs.read_text()
    submodules = metrics_rs.with_suffix("")
    parts = sorted(submodules.glob("*.rs")) if submodules.is_dir() else []
    everything = "\n".join([src] + [p.read_text() for p in parts])
    prefix = re.search(r'Registry::with_prefix\(\s*"(\w+)"\s*\)', src)
    if not prefix:
        raise ParseError("no Registry::with_prefix(\"..\") in metrics.rs")
    if "register_with_unit" in src:
        raise ParseError("register_with_unit adds a unit suffix this parser does not model")
    structs, types = _label_structs(everything), _types(src)
    out: dict[str, tuple[str, set[str]]] = {}
    for reg in re.finditer(rf'\.register\(\s*"(\w+)"\s*,\s*{STRING}\s*,\s*(.*?)\)\s*;', src, re.S):
        var = re.search(r"(\w+)\.clone\(\)\s*$", reg[2].strip().rstrip(",").strip())
        if not var or var[1] not in types:
            raise ParseError(f"cannot find the type of the metric registered as {reg[1]!r} ({reg[2].strip()})")
        out[f"{prefix[1]}_{reg[1]}"] = (_kind(types[var[1]]), _labels_of(types[var[1]], structs))
    for block in re.finditer(r"impl Collector for \w+\s*\{(.*?)\n\}", everything, re.S):
        used = [s for s in structs if re.search(rf"\b{s}\s*\{{", block[1])]
        for desc in re.finditer(rf'encode_descriptor\(\s*"(\w+)"\s*,\s*{STRING}\s*,\s*(\w+)\s*,\s*(\w+)', block[1]):
            if desc[2] != "None":
                raise ParseError(f"collector metric {desc[1]!r} has a unit this parser does not model")
            if len(used) != 1:
                raise ParseError(f"collector metric {desc[1]!r}: expected one label struct, found {used}")
            out[f"{prefix[1]}_{desc[1]}"] = (_kind(desc[3]), structs[used[0]])
    if len(out) < 5:
        raise ParseError(f"found only {sorted(out)} in {metrics_rs}: has the registry moved?")
    return out


def series(fams: dict[str, tuple[str, set[str]]]) -> dict[str, set[str]]:
    """Series name as scraped -> its label names."""
    out: dict[str, set[str]] = {}
    for name, (kind, labels) in fams.items():
        if kind == "counter":
            out[f"{name}_total"] = labels
        elif kind == "histogram":
            out[f"{name}_bucket"] = labels | {"le"}
            out[f"{name}_sum"] = labels
            out[f"{name}_count"] = labels
        else:
            out[name] = labels
    return out
