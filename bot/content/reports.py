"""The numbers behind `trolyso report guides` and `trolyso report questions`.

Guides: views, starts, completions and "Did this help?" answers per guide, version and
language. Questions: the unanswered questions the search stored (bot/db/search_models.py),
grouped by their text, most asked first.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.guides_models import GuideEvent, GuideFeedback
from bot.db.search_models import UnansweredQuestion

GUIDES_HEADER = (
    "guide",
    "version",
    "locale",
    "views",
    "starts",
    "completions",
    "helpful_yes",
    "helpful_no",
    "comments",
)
QUESTIONS_HEADER = ("count", "locale", "question", "first_asked", "last_asked")


async def guide_rows(session: AsyncSession, since: datetime | None = None) -> list[tuple]:
    counts: dict[tuple[str, int, str], Counter] = {}
    events = sa.select(
        GuideEvent.guide_id,
        GuideEvent.version,
        GuideEvent.locale,
        GuideEvent.kind,
        sa.func.count(),
    ).group_by(GuideEvent.guide_id, GuideEvent.version, GuideEvent.locale, GuideEvent.kind)
    if since is not None:
        events = events.where(GuideEvent.at >= since)
    for gid, version, locale, kind, n in await session.execute(events):
        counts.setdefault((gid, version, locale), Counter())[kind] += n
    feedback = sa.select(
        GuideFeedback.guide_id,
        GuideFeedback.version,
        GuideFeedback.locale,
        GuideFeedback.helpful,
        sa.func.count(),
        sa.func.count(GuideFeedback.comment),
    ).group_by(
        GuideFeedback.guide_id, GuideFeedback.version, GuideFeedback.locale, GuideFeedback.helpful
    )
    if since is not None:
        feedback = feedback.where(GuideFeedback.created_at >= since)
    for gid, version, locale, helpful, n, comments in await session.execute(feedback):
        c = counts.setdefault((gid, version, locale), Counter())
        c["yes" if helpful else "no"] += n
        c["comments"] += comments
    return [
        (
            gid,
            version,
            locale,
            c["view"],
            c["start"],
            c["complete"],
            c["yes"],
            c["no"],
            c["comments"],
        )
        for (gid, version, locale), c in sorted(counts.items())
    ]


def question_key(text: str) -> str:
    """Questions that differ only in case, spacing or closing punctuation are one question."""
    text = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"[\s?.!…]+$", "", " ".join(text.split()))


@dataclass
class _Group:
    count: int
    forms: Counter
    first: datetime
    last: datetime


async def question_rows(
    session: AsyncSession, tz: ZoneInfo, since: datetime | None = None, limit: int = 100
) -> list[tuple]:
    query = sa.select(
        UnansweredQuestion.text, UnansweredQuestion.locale, UnansweredQuestion.asked_at
    )
    if since is not None:
        query = query.where(UnansweredQuestion.asked_at >= since)
    groups: dict[tuple[str, str], _Group] = {}
    for text, locale, asked_at in await session.execute(query):
        key = (locale, question_key(text))
        group = groups.get(key)
        if group is None:
            groups[key] = _Group(1, Counter({text.strip(): 1}), asked_at, asked_at)
            continue
        group.count += 1
        group.forms[text.strip()] += 1
        group.first, group.last = min(group.first, asked_at), max(group.last, asked_at)
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1].count, -kv[1].last.timestamp(), kv[0]))
    return [
        (g.count, locale, g.forms.most_common(1)[0][0], _local(g.first, tz), _local(g.last, tz))
        for (locale, _key), g in ranked[:limit]
    ]


def _local(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


COMMENTS_HEADER = ("created", "guide", "version", "locale", "helpful", "comment")


async def comment_rows(
    session: AsyncSession, tz: ZoneInfo, since: datetime | None = None
) -> list[tuple]:
    """Readers' comments, newest first (no user ids: what was said, not who said it)."""
    query = (
        sa.select(
            GuideFeedback.created_at,
            GuideFeedback.guide_id,
            GuideFeedback.version,
            GuideFeedback.locale,
            GuideFeedback.helpful,
            GuideFeedback.comment,
        )
        .where(GuideFeedback.comment.is_not(None))
        .order_by(GuideFeedback.created_at.desc(), GuideFeedback.id.desc())
    )
    if since is not None:
        query = query.where(GuideFeedback.created_at >= since)
    return [
        (_local(created, tz), gid, version, locale, "yes" if helpful else "no", comment)
        for created, gid, version, locale, helpful, comment in await session.execute(query)
    ]
