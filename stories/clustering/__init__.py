"""Story clustering: a pure-Python engine, fed and drained by ``stories.services``.

Public API (plain data, no Django):

- ``ArticleDoc(id, title, text, language, published_at, source, vector)``: an article to place,
  with its multilingual sentence vector when it has one.
- ``Engine(config=None, representation=None, story_ids=None, event_ids=None, constraints=None,
  linker=None, projection=None)`` (the shipped ``linker.json`` and ``projection.npz`` by default)
  with ``assign(doc) -> Assignment``, ``load(doc, story_id, event_id)`` (replay),
  ``story(story_id) -> StoryView``, ``similarity(a, b)``, editor constraints
  ``pin``/``unpin``/``exclude``/``lock``/``unlock``/``merge``/``split``.
  Merging the fragments of one story is the consolidation pass's (``consolidation``).
- ``EngineConfig``: thresholds and bounds; ``TfidfRepresentation``/``Representation``: the
  pluggable article representation; ``bcubed``: the evaluation metric.

See ``engine`` and ``representation`` for how placement works.
"""

from __future__ import annotations

from .engine import Assignment, EditorConstraints, Engine, EngineConfig, Merge, StoryView, shorten
from .metrics import BCubed, bcubed
from .representation import ArticleDoc, Representation, SparseVector, TfidfConfig, TfidfRepresentation

__all__ = [
    "ArticleDoc",
    "Assignment",
    "BCubed",
    "EditorConstraints",
    "Engine",
    "EngineConfig",
    "Merge",
    "Representation",
    "SparseVector",
    "StoryView",
    "TfidfConfig",
    "TfidfRepresentation",
    "bcubed",
    "shorten",
]
