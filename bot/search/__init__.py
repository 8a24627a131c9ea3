"""Free-text question answering over the guides, Vietnamese-aware.

    index = build(catalogue)                 # once per catalogue (the content store keeps it
                                             # as services["search"], rebuilt on reload)
    answer(index, "làm sao đăng ký khai sinh", "vi")
        -> Answer(decision="open", answer="dvc-birth-registration", results=(...))

normalize.py folds text; accents.py keeps what diacritics say; lexicon.py holds the language's
word lists; index.py builds and scores; decide.py turns scores into open / choose / none.
"""

from bot.search.build import build
from bot.search.decide import Answer, Result, answer, answer_async, smalltalk
from bot.search.index import Index

__all__ = ["Answer", "Index", "Result", "answer", "answer_async", "build", "smalltalk"]
