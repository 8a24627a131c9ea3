"""Text → search tokens, the same way for guide text and for what people type.

Folding: NFC or NFD input, lower case, diacritics removed, đ → d by hand (it does not
decompose). Tokens are runs of letters or of digits; punctuation splits text into segments so
that syllable pairs never straddle a comma. Abbreviations ("dvc", "gplx") become the phrase
they stand for, chat shorthand ("ko", "dc") its word, joined names ("i hanoi") one token.
Spelling variants meet: "ký"/"kí" both fold to "ki"; English words lose their endings and keep
six letters ("registration", "registered" → "regist").

Telex leftovers ("ddăng kys") are repaired by `telex()`; the index applies it only to query
words it does not know, so an English "lost" is never read as Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.search.lexicon import (
    ABBREVIATIONS,
    ACCENTED_STOP_WORDS,
    COMPOUNDS,
    NUMBER_CONTEXT,
    NUMBER_WORDS,
    SHORTHAND,
    STOP_PHRASES,
    STOP_WORDS,
    SYNONYMS,
)

_MARKS = re.compile(r"[\u0300-\u036f]")
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")
_RAW_TOKEN = re.compile(r"[^\W\d_]+|\d+")
# Prefix of a word that is a function word as typed ("mà"), so it never meets "mã".
STOP_MARK = "~"
_SEGMENTS = re.compile(r"[.,;:!?()\[\]{}\"“”‘’«»/\\|\n\r\t…•*#>]+|\s-\s")
_TOKEN = re.compile(r"[a-z]+|[0-9]+")
_VOWEL = re.compile(r"[aeiouy]")
# One Vietnamese syllable, folded: initial consonant, one to three vowels, final consonant.
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?"
)
# Syllables written with either i or y ("ký"/"kí", "lý"/"lí", "quy"/"qui").
_I_OR_Y = re.compile(r"(?:[bdhklmnstv]|qu)y")
_ENGLISH_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ied", "ies", "ed", "es", "s")
_STEM_LENGTH = 6
_MULTI = {k: v.split() for k, v in {**SHORTHAND, **ABBREVIATIONS}.items()}
_PHRASES: dict[tuple[str, ...], list[str]] = {
    **{k: [v] for k, v in COMPOUNDS.items()},
    **{tuple(k.split()): v.split() for k, v in SYNONYMS.items()},
}
# First word → the lengths of the phrases it starts, longest first.
_PHRASE_SIZES: dict[str, list[int]] = {}
for _key in _PHRASES:
    _PHRASE_SIZES.setdefault(_key[0], []).append(len(_key))
for _sizes in _PHRASE_SIZES.values():
    _sizes.sort(reverse=True)
_STOP_PHRASE_FIRST = {p[0] for p in STOP_PHRASES}
_STOP_PHRASE_SIZES = sorted({len(p) for p in STOP_PHRASES}, reverse=True)


def fold(text: str) -> str:
    """Lower case without diacritics; đ/Đ → d. NFC and NFD input give the same result."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return _MARKS.sub("", text)


@lru_cache(maxsize=65536)
def _fold_token(raw: str) -> tuple[str, ...]:
    if raw in ACCENTED_STOP_WORDS:
        return (STOP_MARK + fold(raw),)
    return tuple(_TOKEN.findall(fold(raw)))


def segments(text: str) -> list[list[str]]:
    """Folded tokens, grouped by the punctuation that separates them. A function word typed
    with its diacritics ("mà", "cái") comes back marked as such."""
    nfc = _APOSTROPHE.sub("", unicodedata.normalize("NFC", text.lower()))
    out = []
    for part in _SEGMENTS.split(nfc):
        tokens = [t for raw in _RAW_TOKEN.findall(part) for t in _fold_token(raw)]
        if tokens:
            out.append(tokens)
    return out


def is_syllable(token: str) -> bool:
    return _SYLLABLE.fullmatch(token) is not None


@lru_cache(maxsize=65536)
def term(token: str) -> str:
    """The indexed form of one folded token (i/y spelling, English endings)."""
    if _I_OR_Y.fullmatch(token):
        return token[:-1] + "i"
    if len(token) < 4 or token.isdigit() or is_syllable(token):
        return token
    for suffix in _ENGLISH_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)] + ("y" if suffix in ("ied", "ies") else "")
            break
    return token[:_STEM_LENGTH]


def expand(tokens: list[str]) -> list[str]:
    """Shorthand and abbreviations become words, joined names one token, synonyms one form,
    number words after "mức"/"level" digits."""
    return list(_expand(tuple(tokens)))


@lru_cache(maxsize=65536)
def _expand(tokens: tuple[str, ...]) -> tuple[str, ...]:
    words: list[str] = []
    for token in tokens:
        words.extend(_MULTI.get(token, (token,)))
    words = _replace_phrases(words)
    for i in range(1, len(words)):
        if words[i] in NUMBER_WORDS and words[i - 1] in NUMBER_CONTEXT:
            words[i] = NUMBER_WORDS[words[i]]
    return tuple(words)


def _replace_phrases(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in _PHRASE_SIZES.get(words[i], ()):
            replacement = _PHRASES.get(tuple(words[i : i + size]))
            if replacement is not None:
                out.extend(replacement)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


_KNOWN_WORDS = (
    set(_MULTI)
    | STOP_WORDS
    | {w for p in (*_PHRASES, *STOP_PHRASES) for w in p}
    | set(NUMBER_WORDS)
)


def is_known_word(token: str) -> bool:
    """A word the word lists know (an abbreviation, a stop word, part of a set phrase)."""
    return token in _KNOWN_WORDS


def stop_flags(words: list[str]) -> list[tuple[bool, bool]]:
    return list(_stop_flags(tuple(words)))


@lru_cache(maxsize=65536)
def _stop_flags(words: tuple[str, ...]) -> tuple[tuple[bool, bool], ...]:
    """For each word: does it only frame the question (alone, or inside a phrase such as
    "hướng dẫn"), and may it join a neighbour into a pair? Words typed as function words
    ("mà", "cái") and the words of framing phrases never pair."""
    flags = [
        (w in STOP_WORDS or w.startswith(STOP_MARK), not w.startswith(STOP_MARK)) for w in words
    ]
    if _STOP_PHRASE_FIRST.intersection(words):
        for size in _STOP_PHRASE_SIZES:
            for i in range(len(words) - size + 1):
                if tuple(words[i : i + size]) in STOP_PHRASES:
                    flags[i : i + size] = [(True, False)] * size
    return tuple(flags)


def normalize(text: str) -> str:
    """The whole text in normal form: folded, expanded, one space between terms."""
    return " ".join(" ".join(term(t) for t in expand(seg)) for seg in segments(text))


# The tone each Telex key types, as accents.Marks writes it.
TELEX_TONES = {"s": "'", "f": "`", "r": "?", "x": "~", "j": "."}


def telex_tone(token: str) -> str:
    """The tone a Telex leftover typed ("visa" → "'", as in "vía"); "" for none."""
    m = _VOWEL.search(token)
    keys = [c for c in token[m.start() :] if c in TELEX_TONES] if m else []
    return TELEX_TONES[keys[-1]] if keys else ""


@lru_cache(maxsize=65536)
def telex(token: str) -> str | None:
    """Repair a Telex leftover ("ddawngs" → "dang", "kys" → "ki"); None if it is not one.

    Telex writes â ê ô as doubled vowels, ă ơ ư with a w, đ as dd, and the tone as one of
    s f r x j (z: none) typed anywhere after the vowel. None of those letters can follow the
    vowel of a real Vietnamese syllable, so they are dropped there.
    """
    t = token
    if t.startswith("dd"):
        t = t[1:]
    t = t.replace("aa", "a").replace("ee", "e").replace("oo", "o")
    t = t.replace("aw", "a").replace("ow", "o").replace("uw", "u")
    # A w left over marks an earlier a/o/u typed late ("hopwj" = hợp), or is ư on its own
    # ("chwa" = chưa).
    t = re.sub(r"w", lambda m: "" if re.search(r"[aou]", t[: m.start()]) else "u", t)
    m = _VOWEL.search(t)
    if m is None:
        return None
    head, rest = t[: m.start()], t[m.start() :]
    rest = re.sub(r"[sfrxjz]", "", rest)
    if head.startswith("d") and rest.endswith("d"):  # "dangd": the second d marks đ
        rest = rest[:-1]
    fixed = head + rest
    if fixed == token or not is_syllable(fixed):
        return None
    return term(fixed)
