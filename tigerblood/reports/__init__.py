"""Reports for people: the audience audit ("how much of my audience is real?") and the mirror
("how do I look to others?"), as self-contained HTML, JSON and a terminal summary, in English and
French. They read only the store (model tables, features, verdicts), never a source format.
"""
