"""Story clustering: the online engine that groups articles into stories (pure, no I/O).

Public API: `StoryEngine`, `EngineParams`, `NewsItem`, `Assignment`, `StoryView`, and
`repair(engine)` -> `RepairResult` (the periodic merge/split pass over an engine's open stories).
"""

from everyside.domain.clustering.engine import Assignment, EngineParams, StoryEngine
from everyside.domain.clustering.repair import RepairResult, repair
from everyside.domain.clustering.text import NewsItem
from everyside.domain.clustering.view import StoryView

__all__ = [
    "Assignment",
    "EngineParams",
    "NewsItem",
    "RepairResult",
    "StoryEngine",
    "StoryView",
    "repair",
]
