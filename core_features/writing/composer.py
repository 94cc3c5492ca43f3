"""The offline composer: a draft from templates and the record's facts, with no model, key or network.

It is the default, so the assistant works on a bare machine. It writes only what the context holds (names,
company, deal name and stage, the date of the last activity) and leaves the rest as placeholders for the
sender; it does not interpret free-text instructions, and says so. Its drafts pass the same fact check.
"""

from __future__ import annotations

import hashlib

from core_features.writing.context import Context
from core_features.writing.prompting import Request

__all__ = ["compose"]

_GREETING = {"formal": "Dear {name},", "friendly": "Hi {name},", "concise": "{name},"}
_CLOSING = {"formal": "Kind regards,", "friendly": "Best,", "concise": "Thanks,"}
_SUBJECT = {
    "introduce": "Introduction{about}",
    "follow_up": "Following up{about}",
    "book_meeting": "Time to talk{about}",
    "send_proposal": "Our proposal{about}",
    "check_in": "Checking in{about}",
    "thank_you": "Thank you",
    "re_engage": "Picking up where we left off{about}",
}
_ASK = {
    "introduce": ["I would welcome a short conversation to learn about your priorities{at}.",
                  "Would you be open to a brief call to see whether we could help{at}?"],
    "follow_up": ["I wanted to follow up on our last conversation{on} and agree on the next step{deal}.",
                  "Following our last exchange{on}, I would like to agree on the next step{deal}."],
    "book_meeting": ["Would you have time for a call{deal}? I could do [day and time].",
                     "Could we find a time to meet{deal}? [day and time] would suit me."],
    "send_proposal": ["Please find our proposal{deal} attached: [proposal details].",
                      "As promised, here is our proposal{deal}: [proposal details]."],
    "check_in": ["I wanted to check in and see how things stand on your side{deal}.",
                 "How are things going{deal}? I would be glad to help with anything you need."],
    "thank_you": ["Thank you for your time{on}; it was good to talk.",
                  "Many thanks for the conversation{on}."],
    "re_engage": ["It has been a while since we last spoke{on}, and I wanted to pick the conversation up again{deal}.",
                  "I wanted to reconnect{deal}; is this still a priority for you?"],
}
_MORE = ["Let me know which questions I can answer before then.",
         "If someone else on your team should join, feel free to bring them in."]
_LONGER = ["We work with teams like yours{industry}, and I would be glad to share how they approach it.",
           "I can also prepare a short overview tailored to {company} if that would help."]


def compose(context: Context, request: Request, *, sender: str | None, signature: str | None) -> tuple[str, list[str]]:
    """The draft as "Subject: …\\n\\nbody", and notes on what the composer left to the sender."""
    pick = int(hashlib.sha256(f"{context.record_id}:{request.goal}".encode()).hexdigest(), 16)
    slots = _slots(context)
    lines = [_GREETING[request.tone].format(name=context.recipient or "[name]"), "",
             _ASK[request.goal][pick % 2].format(**slots)]
    if request.length != "short":
        lines.append(_MORE[pick % 2])
    if request.length == "long":
        lines += ["", _LONGER[pick % 2].format(**slots)]
    lines += ["", _CLOSING[request.tone], signature or sender or "[your name]"]
    subject = _SUBJECT[request.goal].format(about=f": {slots['company']}" if context.fact("company.name") or
                                            context.fact("lead.company_name") else "")
    notes = ["the template composer does not follow free-text instructions; choose a model provider for that"] \
        if request.instructions else []
    return f"Subject: {subject}\n\n" + "\n".join(lines), notes


def _slots(context: Context) -> dict[str, str]:
    company = context.fact("company.name") or context.fact("lead.company_name")
    deal, industry = context.fact("deal.name"), context.fact("company.industry")
    last = next((f.value for f in context.facts if f.name == "activity"), None)
    day = last.split(" on ", 1)[1].split(",")[0] if last and " on " in last else None
    return {"company": company or "your team", "deal": f" about {deal}" if deal else "",
            "at": f" at {company}" if company else "", "on": f" on {day}" if day else "",
            "industry": f" in {industry.lower()}" if industry else ""}
