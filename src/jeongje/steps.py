"""A recipe cut into steps at its global stages.

Each global stage (deduplication) ends a step: every shard runs the step's per-document
stages and stores the documents that go on with the rows the global stage asked for; the
global stage then decides once over all shards; the next step starts from the stored
documents, and its first stage is `ApplyDecisions`, which carries out those decisions on
each document like any other stage. A recipe without global stages has one step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .record import Decision, Document, Drop
from .stage import GlobalStage, Resources, Stage


@dataclass(eq=False)
class ApplyDecisions(Stage):
    """The first stage of every step after the first: the decisions that the global stage
    ending the step before made (drop, annotate, or edit from a payload) carried out on
    each document, through that stage's `apply`. It answers to that stage's name, version
    and reasons, so the ledger names the global stage. Not registered: steps make it."""

    stage: GlobalStage
    decisions: Mapping[str, Decision] = field(default_factory=dict, repr=False)

    @property  # type: ignore[override]
    def name(self) -> str:
        return self.stage.name

    @property  # type: ignore[override]
    def version(self) -> int:
        return self.stage.version

    @property  # type: ignore[override]
    def reasons(self) -> frozenset[str]:
        return self.stage.reasons

    def params(self) -> dict[str, object]:
        return self.stage.params()

    def check(self) -> None:
        self.stage.check()

    def setup(self) -> None:
        self.stage.setup()

    def process(self, doc: Document) -> Drop | None:
        decision = self.decisions.get(doc.id)
        if decision is None or decision.empty:
            return None
        return self.stage.apply(doc, decision)

    def resources(self) -> Resources:
        return Resources()  # applying is per document; the decision's memory was the reduce's


@dataclass(frozen=True)
class Step:
    """One step of a recipe: its per-document stages (after the first step, `ApplyDecisions`
    first) and the global stage that ends it (None for the last step)."""

    index: int
    count: int
    stages: tuple[Stage, ...]
    global_stage: GlobalStage | None

    @property
    def final(self) -> bool:
        return self.index == self.count - 1

    @property
    def decided_by(self) -> GlobalStage | None:
        """The global stage whose decisions this step applies first (None in step 0)."""
        first = self.stages[0] if self.stages else None
        return first.stage if isinstance(first, ApplyDecisions) else None

    @property
    def columnar(self) -> bool:
        """True for a last step whose only work is to apply decisions that only drop and
        annotate: its stored documents can be finished column by column."""
        decided_by = self.decided_by
        return self.final and len(self.stages) == 1 and decided_by is not None and not decided_by.edits_text

    @property
    def title(self) -> str:
        """What the step does, for progress output: "read, 12 stages, dedup.lines keys"."""
        own = [s for s in self.stages if not isinstance(s, ApplyDecisions)]
        parts = ["read"] if self.index == 0 else []
        if self.decided_by is not None:
            parts.append(f"apply {self.decided_by.name}")
        if own:
            parts.append(f"{len(own)} stage{'s' * (len(own) != 1)}")
        parts.append(f"{self.global_stage.name} keys" if self.global_stage else "write documents")
        return ", ".join(parts)

    def bind(self, decisions: Mapping[str, Decision]) -> tuple[Stage, ...]:
        """The stages for one shard: `ApplyDecisions` given that shard's decisions."""
        first = self.stages[0] if self.stages else None
        if not isinstance(first, ApplyDecisions):
            return self.stages
        return (ApplyDecisions(first.stage, decisions), *self.stages[1:])

    def setup(self) -> None:
        """Check and set up every stage of the step (once per worker: a worker on another
        node may lack a package the driver has)."""
        stages = [*self.stages, *([self.global_stage] if self.global_stage else [])]
        for stage in stages:
            stage.check()
        for stage in stages:
            stage.setup()

    def resources(self) -> Resources:
        """What a worker running this step's shards needs: the most CPUs any of its stages
        declares (the global stage's map side included); memory is not declared per shard."""
        stages = [*self.stages, *([self.global_stage] if self.global_stage else [])]
        return Resources(cpus=max([s.resources().cpus for s in stages] or [1.0]))


def cut(stages: list[Stage]) -> list[Step]:
    """The steps of a recipe's stage list."""
    groups: list[tuple[list[Stage], GlobalStage | None]] = []
    current: list[Stage] = []
    for stage in stages:
        if isinstance(stage, GlobalStage):
            groups.append((current, stage))
            current = [ApplyDecisions(stage)]
        else:
            current.append(stage)
    groups.append((current, None))
    return [Step(i, len(groups), tuple(s), g) for i, (s, g) in enumerate(groups)]
