"""Story clustering: the online engine that groups articles into stories (pure, no I/O).

Public API: `StoryEngine`, `EngineParams`, `NewsItem`, `Assignment`, `StoryView`, `RepairResult`.
"""

from everyside.domain.clustering.engine import Assignment, EngineParams, StoryEngine
from everyside.domain.clustering.text import NewsItem
from everyside.domain.clustering.view import StoryView

__all__ = ["Assignment", "EngineParams", "NewsItem", "StoryEngine", "StoryView"]
