"""Text pools for generated scenarios, composed from parts so that texts rarely repeat.

Why composed: a scenario must not contain accidental campaigns. If every genuine account drew its
replies from ten fixed sentences, five of them would post the same sentence within a day and the
campaign clustering would be right to call it coordination. Each text here is two or three parts
drawn independently, which gives thousands of combinations per pool; only the patterns that repeat
themselves on purpose (a spammer's pitch, a campaign's message) reuse whole texts.
"""

from __future__ import annotations

import random

TOPICS = (
    "birding",
    "cycling",
    "sourdough",
    "gardening",
    "trail running",
    "film photography",
    "jazz piano",
    "chess",
    "woodworking",
    "astronomy",
    "knitting",
    "rock climbing",
)

ROOT_OPENERS = (
    "Finally got around to some {topic} this weekend.",
    "Small win today in {topic}:",
    "Question for the {topic} people here:",
    "Spent the whole morning on {topic} again.",
    "Three years into {topic} and still learning.",
    "Not sure anyone cares, but a {topic} update:",
    "Rainy day, so it was {topic} indoors.",
    "My {topic} notebook is getting full.",
)
ROOT_BODIES = (
    "the light was terrible but the company was great",
    "I kept making the same mistake until a friend pointed it out",
    "the old club meets on Thursdays now, which suits me better",
    "my neighbour asked to join next time, which made my week",
    "I finally understood why the second step matters so much",
    "it took four tries and a lot of patience",
    "the library had a book on it from 1974 that is still the best",
    "I wrote down everything so I can compare next month",
    "the kids thought it was boring until the very end",
    "turns out the cheap option works just as well",
    "I underestimated how long the preparation takes",
    "there is a lot more history behind it than I thought",
)
ROOT_CLOSERS = (
    "",
    "How do you all do it?",
    "Worth it.",
    "Photos later maybe.",
    "Anyone else?",
    "Onwards.",
    "Back at it tomorrow.",
    "Learned a lot.",
)

REACTIONS = (
    "Oh nice,",
    "Ha, same here,",
    "That sounds lovely,",
    "Honestly,",
    "Good point,",
    "Interesting,",
    "I feel this,",
    "Love that,",
    "No way,",
    "Fair enough,",
    "Wow,",
)
FOLLOWUPS = (
    "how long did the whole thing take you?",
    "I tried something similar last spring and gave up too early.",
    "did you follow a guide or just figure it out?",
    "my first attempt looked nothing like that.",
    "the Thursday group near me does the same thing.",
    "I never thought about the second step that way.",
    "what would you do differently next time?",
    "that is exactly why I keep a notebook too.",
    "the older books really are the best ones.",
    "patience is the whole trick, isn't it.",
    "I should take my kids along next time.",
    "do you think the cheap version holds up over a year?",
    "the preparation always takes me twice as long as planned.",
)
ANSWERS = (
    "About {n} years now, on and off.",
    "Mostly by trial and error, to be honest.",
    "A friend showed me the basics and I kept going.",
    "Probably {n} hours if you count the cleanup.",
    "I would start earlier in the day next time.",
    "Thanks, that means a lot coming from you.",
    "Yes! The notebook saved me more than once.",
    "Haha, mine neither, it took {n} attempts.",
    "I might write the whole process down some day.",
    "It holds up fine so far, ask me again in {n} months.",
)

FRIENDLY_OPENERS = (
    "This is great,",
    "Love this,",
    "So true,",
    "Beautiful,",
    "Totally agree,",
    "Ha, this made my day,",
    "Really inspiring,",
    "What a journey,",
    "Nice one,",
)
FRIENDLY_QUESTIONS = (
    "how did you get started with {topic}?",
    "what keeps you motivated with {topic}?",
    "do you do {topic} alone or with a group?",
    "what was the hardest part of {topic} for you?",
    "how often do you manage to fit {topic} in?",
    "what is your favourite thing about {topic}?",
    "any tips for someone new to {topic}?",
    "was {topic} hard to pick up at first?",
)
FRIENDLY_FOLLOWUPS = (
    "That makes a lot of sense, consistency really is everything.",
    "Respect, most people give up way before that point.",
    "I can tell you really care about doing it properly.",
    "That is the kind of story people need to hear more often.",
    "Honestly that is how the best ones always start.",
    "You clearly put in the work, it shows.",
    "Same experience here, the first months are the hardest.",
)

PITCH_OPENERS = (
    "By the way, I help people like you turn {topic} into real income.",
    "If you ever want to grow faster, I coach people on exactly this.",
    "Quick tip: my course cut my learning time in half.",
    "You would love what we are building for {topic} fans.",
    "I put together a program for people serious about {topic}.",
)
PITCH_OFFERS = (
    "It is 50% off this week only,",
    "Spots are limited this month,",
    "The first lesson is free,",
    "Use my code for a discount,",
    "Limited offer for my followers,",
)
PITCH_CALLS = (
    "check it out here {link}",
    "grab your spot at {link}",
    "DM me or sign up at {link}",
    "link is {link}",
    "start now at {link}",
)

SPAM_LINES = (
    "Earn $500 a day from home, no experience needed {link}",
    "Get 10k real followers in 24 hours, guaranteed {link}",
    "Hot singles in your area want to meet you {link}",
    "Free gift cards for the first 100 people, claim now {link}",
    "Make money watching videos, join free today {link}",
    "Your account qualifies for a crypto bonus, claim {link}",
    "Lose 10kg in 2 weeks with this one trick {link}",
    "Cheap designer watches, 90% off, order today {link}",
)

CAMPAIGN_INTROS = (
    "This is the one everyone will talk about next week:",
    "Do not miss this, seriously:",
    "Early access is open right now:",
    "Been waiting for this for months:",
    "Huge if true, go look:",
    "My whole timeline should see this:",
    "Claim it before it closes:",
    "The team just announced it:",
)
CAMPAIGN_MESSAGE = (
    "The new MOONR token lists on Friday and early holders get a 10x bonus, get in before the "
    "listing"
)
CAMPAIGN_TAILS = ("", " #MOONR", " 🚀", " 🚀🚀", " #crypto", " #MOONR #airdrop", " !!!", " now")

NAMES = (
    "Maya",
    "Tom",
    "Priya",
    "Jonas",
    "Elena",
    "Kofi",
    "Lena",
    "Marco",
    "Aiko",
    "Sven",
    "Rosa",
    "Dev",
    "Ines",
    "Olu",
    "Hana",
    "Luca",
    "Nadia",
    "Pete",
    "Yara",
    "Felix",
)
PLACES = (
    "the old harbour",
    "my aunt's garden",
    "the community hall",
    "the river path",
    "the market",
    "the north ridge",
    "our kitchen",
    "the park by the station",
    "the library",
    "the allotment",
    "the lake",
    "my cousin's flat",
    "the hill behind the school",
    "the bike shed",
    "the pier",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DETAILS = (
    "{name} and I tried it at {place} on {day}.",
    "On {day} {name} brought a flask of tea to {place}.",
    "Last {day} at {place} it rained for {n} hours straight.",
    "{name} still talks about the time at {place}.",
    "We counted {n} people at {place} on {day}, a record.",
    "My notes from {place} say {n} attempts before it worked.",
    "{name} lent me the gear, I owe them {n} coffees.",
    "It was colder than {n} degrees at {place} on {day}.",
)

NEWS_COMMENTS = (
    "Stay safe everyone.",
    "This is worrying.",
    "Good summary of what is happening.",
    "Finally some clear information.",
    "Sharing for the people in the area.",
    "Read the whole thing, it is worth it.",
    "Interesting numbers in the middle part.",
)


def detail(rng: random.Random) -> str:
    """A concrete detail (who, where, when, how many): what makes people's texts their own."""
    return rng.choice(DETAILS).format(
        name=rng.choice(NAMES), place=rng.choice(PLACES), day=rng.choice(DAYS), n=rng.randint(2, 40)
    )


def root_text(rng: random.Random, topic: str) -> str:
    """A genuine account's post about its hobby."""
    opener = rng.choice(ROOT_OPENERS).format(topic=topic)
    closer = rng.choice(ROOT_CLOSERS)
    body = rng.choice(ROOT_BODIES).capitalize()
    return f"{opener} {body}. {detail(rng)} {closer}".strip()


def reply_text(rng: random.Random) -> str:
    """A genuine reply in a conversation."""
    return f"{rng.choice(REACTIONS)} {rng.choice(FOLLOWUPS)} {detail(rng)}"


def answer_text(rng: random.Random) -> str:
    """A genuine account answering someone in its thread."""
    answer = rng.choice(ANSWERS).format(n=rng.randint(2, 9))
    return f"{answer} {detail(rng)}" if rng.random() < 0.8 else answer


def friendly_text(rng: random.Random, topic: str, first: bool) -> str:
    """A pitch conversationalist's small talk before the pitch."""
    if first:
        question = rng.choice(FRIENDLY_QUESTIONS).format(topic=topic)
        return f"{rng.choice(FRIENDLY_OPENERS)} {question} {detail(rng)}"
    return f"{rng.choice(FRIENDLY_FOLLOWUPS)} {detail(rng)}"


def pitch_text(rng: random.Random, topic: str, link_label: str) -> str:
    """The pitch that closes a pitch conversationalist's exchange."""
    opener = rng.choice(PITCH_OPENERS).format(topic=topic)
    call = rng.choice(PITCH_CALLS).format(link=link_label)
    return f"{opener} {rng.choice(PITCH_OFFERS)} {call}"
