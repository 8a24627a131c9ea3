""" "🙋 Ask a person": a citizen's question reaches the officers of their commune or ward, and
their answers come back through the outbox, in the citizen's own channel and language.

    service.py   citizens ask, add, close and rate; officers see the queue, take, answer,
                 close and suggest a guide (every officer service checks the unit itself)
    notices.py   what the outbox sends: announcements to officers (at most one per officer per
                 `handoff.announce_every_minutes`), answers to citizens; quiet hours respected
    jobs.py      escalation of unanswered questions and the retention purge
    hours.py     when to expect an answer: the unit's office hours
    canned.py    canned answers per unit (content/handoff/answers.toml)
    numbers.py   asked, answered, median time to first answer, unanswered > 24 h per unit
    privacy.py   questions are the citizen's data: /privacy shows, downloads and deletes them
"""
