from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jeongje.record import Document, Edit, Source, Span, _compose
from tests.helpers import replay

json_scalars = st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text()
metadata = st.dictionaries(st.text(min_size=1), st.recursive(
    json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
    max_leaves=8), max_size=5)


@st.composite
def documents(draw):
    text = draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
    edits = [Edit(draw(st.sampled_from(["normalize.unicode", "clean.pii"])), 1, "r",
                  draw(st.integers(0, 9)), draw(st.integers(10, 20)), draw(st.text(max_size=5)),
                  draw(metadata)) for _ in range(draw(st.integers(0, 3)))]
    return Document(draw(st.text(min_size=1)), text,
                    Source(draw(st.text(min_size=1)), line=draw(st.none() | st.integers(1, 10**6))),
                    draw(metadata), edits, draw(st.integers(0, 10**9)))


@given(documents(), st.none() | st.text(max_size=8))
def test_document_round_trips_through_its_stored_row(doc, original):
    """`to_row`/`from_row` is the one serialisation: through the real work-file schema
    (Arrow), with the text as read kept only when it differs from the text."""
    import pyarrow as pa

    from jeongje.io.layout import WORK_SCHEMA
    from jeongje.io.work import work_row

    doc.original = original
    stored = pa.Table.from_pylist([work_row(doc)], schema=WORK_SCHEMA).to_pylist()[0]
    back = Document.from_row(stored)
    assert back == doc
    assert back.original == (original if original != doc.text else None)


@given(st.text(max_size=60), st.data())
def test_edit_replaces_spans_and_records_offsets_in_received_text(text, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=2, max_size=6)))
    spans = [Span(cuts[i], cuts[i + 1], "r", data.draw(st.text(max_size=3)))
             for i in range(0, len(cuts) - 1, 2)]
    doc = Document("x", text, Source("f", line=1))
    doc.edit("s", 1, spans)
    expected, pos = [], 0
    for s in spans:
        expected += [text[pos:s.start], s.replacement]
        pos = s.end
    assert doc.text == "".join(expected) + text[pos:]
    assert [(e.start, e.end) for e in doc.edits] == [
        (s.start, s.end) for s in spans if s.start != s.end or s.replacement]  # no-ops dropped


def test_edit_rejects_overlapping_spans():
    doc = Document("x", "가나다라마", Source("f", line=1))
    with pytest.raises(ValueError, match="overlapping"):
        doc.edit("s", 1, [Span(0, 3, "a"), Span(2, 4, "b")])
    assert doc.text == "가나다라마" and doc.edits == []


def test_source_and_derived_id():
    assert str(Source("a/b.jsonl", line=7)) == "a/b.jsonl:7"
    assert Source("t.parquet", row=0).derived_id() == "t.parquet:0"




@st.composite
def edit_rounds(draw):
    text = draw(st.text(alphabet="가나다 ab\n", max_size=30))
    rounds = []
    current_len = len(text)
    for _ in range(draw(st.integers(1, 4))):
        cuts = sorted(draw(st.lists(st.integers(0, current_len), min_size=2, max_size=6)))
        spans = [(cuts[i], cuts[i + 1], draw(st.text(alphabet="XY ", max_size=3)))
                 for i in range(0, len(cuts) - 1, 2)]
        rounds.append(spans)
        current_len += sum(len(r) - (e - s) for s, e, r in spans)
    return text, rounds


@given(edit_rounds())
def test_several_edit_calls_in_one_stage_record_offsets_into_the_stage_input(case):
    text, rounds = case
    doc = Document("x", text, Source("f", line=1), edits=[Edit("earlier", 1, "r", 0, 0, "")])
    doc.text = text
    doc.begin_stage()
    for spans in rounds:
        doc.edit("s", 1, [Span(s, e, "r", r) for s, e, r in spans])
    mine = [e for e in doc.edits if e.stage == "s"]
    assert replay(text, mine) == doc.text
    assert all(0 <= e.start <= e.end <= len(text) for e in mine)
    assert doc.edits[0].stage == "earlier"


@st.composite
def dense_edit_rounds(draw):
    """Several rounds of many small spans, touching, empty (insertions) and deletions."""
    text = draw(st.text(alphabet="가나 a\n", max_size=40))
    rounds, current_len = [], len(text)
    for _ in range(draw(st.integers(1, 5))):
        cuts = sorted(draw(st.lists(st.integers(0, current_len), max_size=14)))
        spans, pos = [], 0
        for i in range(0, len(cuts) - 1, 2):
            if cuts[i] >= pos:
                spans.append((cuts[i], cuts[i + 1], draw(st.sampled_from(["", "X", "YZ", " "]))))
                pos = cuts[i + 1]
        rounds.append(spans)
        current_len += sum(len(r) - (e - s) for s, e, r in spans)
    return text, rounds


@given(dense_edit_rounds())
def test_composing_edits_matches_the_quadratic_statement(case):
    text, rounds = case
    doc = Document("x", text, Source("f", line=1))
    expected: list[Edit] = []
    current = text  # the text after `expected`
    for n, spans in enumerate(rounds):
        doc.edit("s", 1, [Span(s, e, f"r{n}", r) for s, e, r in spans])
        if not expected:  # nothing to fold into: the spans are the edits
            expected = [Edit("s", 1, f"r{n}", s, e, r) for s, e, r in spans if s != e or r]
        else:
            shift = 0
            for s, e, r in spans:
                if s == e and not r:
                    continue
                moved = Span(s + shift, e + shift, f"r{n}", r)
                # the quadratic statement: each span against every edit and the whole text
                expected = _compose(expected, moved, lambda p, q, t=current: t[p:q], "s", 1)
                current = current[:moved.start] + r + current[moved.end:]
                shift += len(r) - (e - s)
        assert doc.edits == expected
        current = doc.text
    assert replay(text, doc.edits) == doc.text
