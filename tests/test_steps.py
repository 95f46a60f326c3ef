"""A recipe cut into steps: the previous step's decisions are the first stage of the next,
and only a last step that merely applies drop/annotate decisions is finished by columns."""

from __future__ import annotations

from jeongje.recipe import load_recipe, recipe_from_dict
from jeongje.record import Decision, Document, Drop, Source
from jeongje.steps import ApplyDecisions


def test_the_default_recipe_is_four_steps_each_starting_with_the_decisions_before_it():
    recipe = load_recipe("korean-news")
    steps = recipe.steps()
    assert [s.global_stage.name if s.global_stage else None for s in steps] == [
        "dedup.lines", "dedup.exact", "dedup.minhash", None]
    assert [s.decided_by.name if s.decided_by else None for s in steps] == [
        None, "dedup.lines", "dedup.exact", "dedup.minhash"]
    assert all(isinstance(s.stages[0], ApplyDecisions) for s in steps[1:])
    assert [s.columnar for s in steps] == [False, False, False, True]
    assert steps[0].stages[0].name == "extract.html" and steps[-1].final
    assert recipe.step(2) is steps[2] and recipe.steps() is steps


def test_a_last_step_that_edits_text_or_runs_stages_is_not_finished_by_columns():
    lines_last = recipe_from_dict({"name": "t", "stages": ["normalize.unicode", "dedup.lines"]})
    assert not lines_last.steps()[-1].columnar  # dedup.lines' apply removes lines
    after = recipe_from_dict({"name": "t", "stages": ["dedup.exact", "filter.length"]})
    assert not after.steps()[-1].columnar and len(after.steps()[-1].stages) == 2
    plain = recipe_from_dict({"name": "t", "stages": ["normalize.unicode"]})
    assert len(plain.steps()) == 1 and not plain.steps()[0].columnar


def test_bound_decisions_are_applied_under_the_global_stage_name():
    step = recipe_from_dict({"name": "t", "stages": ["dedup.exact", "filter.length"]}).step(1)
    apply = step.bind({"a": Decision("a", Drop("exact_duplicate", {"duplicate_of": "b"})),
                       "c": Decision("c", metadata={"dedup_cluster_size": 2})})[0]
    assert (apply.name, apply.version, apply.reasons) == ("dedup.exact", 1, frozenset({"exact_duplicate"}))
    docs = {i: Document(i, "본문", Source("f", line=1)) for i in "abc"}
    assert apply.process(docs["a"]) == Drop("exact_duplicate", {"duplicate_of": "b"})
    assert apply.process(docs["b"]) is None and docs["b"].metadata == {}
    assert apply.process(docs["c"]) is None and docs["c"].metadata == {"dedup_cluster_size": 2}
    assert step.stages[0].decisions == {}  # binding made a copy for the shard
