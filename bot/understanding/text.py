"""Text normalisation shared by every matcher.

Messages arrive typed on phones, in text-speak and professional shorthand.
Normalising once (lower case, apostrophes, common contractions written
without apostrophes, numbers as words) lets the knowledge files use one
spelling per word.
"""

from __future__ import annotations

import re

# Whole-token replacements (after lower-casing). Values may be several words.
TOKEN_MAP = {
    "im": "i'm",
    "ive": "i've",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "hadnt": "hadn't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "arent": "aren't",
    "shouldnt": "shouldn't",
    "wouldnt": "wouldn't",
    "couldnt": "couldn't",
    "aint": "ain't",
    "hes": "he's",
    "shes": "she's",
    "theyre": "they're",
    "theyve": "they've",
    "thats": "that's",
    "whats": "what's",
    "wats": "what's",
    "wots": "what's",
    "u": "you",
    "ya": "you",
    "ur": "your",
    "r": "are",
    "ppl": "people",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "coz": "because",
    "cos": "because",
    "cuz": "because",
    "bc": "because",
    "wiv": "with",
    "wid": "with",
    "nite": "night",
    "2nite": "tonight",
    "tonite": "tonight",
    "2day": "today",
    "rn": "right now",
    "atm": "at the moment",
    "pls": "please",
    "plz": "please",
    "mom": "mum",
    "mam": "mum",
    "mommy": "mum",
    "mummy": "mum",
    "yrs": "years",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "dunno": "don't know",
    "idk": "i don't know",
    "b4": "before",
    "thru": "through",
    "fone": "phone",
    "phne": "phone",
    "fones": "phones",
    "kno": "know",
    "knw": "know",
    "wen": "when",
    "wat": "what",
    "wot": "what",
    "luv": "love",
    "nd": "and",
    "n": "and",
    "&": "and",
    "oldr": "older",
    "sum1": "someone",
    "some1": "someone",
    "any1": "anyone",
    "every1": "everyone",
    "evry1": "everyone",
    "evry": "every",
    "everyon": "everyone",
    "theyl": "they'll",
    "hel": "he'll",
    "shel": "she'll",
    "ne1": "anyone",
    "no1": "no one",
    "noone": "no one",
    "no-one": "no one",
    "skl": "school",
    "skool": "school",
    "bcoz": "because",
    "becuase": "because",
    "tho": "though",
    "thn": "then",
    "pic": "picture",
    "pix": "pics",
    "ok": "okay",
    "yeh": "yeah",
    "yh": "yeah",
    "wk": "week",
    "wks": "weeks",
    "min": "minute",
    "mins": "minutes",
    "hr": "hour",
    "hrs": "hours",
    "hav": "have",
    "bout": "about",
    "abt": "about",
    "frm": "from",
    "sed": "said",
    "sez": "says",
    "msg": "message",
    "msgs": "messages",
    "msged": "messaged",
    "txt": "text",
    "txts": "texts",
    "txted": "texted",
    "sumthin": "something",
    "summat": "something",
    "nuffin": "nothing",
    "nuthin": "nothing",
    "nothin": "nothing",
    "tryna": "trying to",
    "gimme": "give me",
    "lemme": "let me",
    "theyll": "they'll",
    "youre": "you're",
    "ig": "instagram",
    "insta": "instagram",
    "bday": "birthday",
    "b'day": "birthday",
    "gurl": "girl",
    "grl": "girl",
    "boi": "boy",
    "bredrin": "mate",
    "aswell": "as well",
    "nife": "knife",
    "nives": "knives",
    "knif": "knife",
}

NUMBER_WORDS = {
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
}

# Words often typed without their final g ("goin country", "carryin").
_G_DROPPED = frozenset(
    "going doing being saying carrying running selling dealing getting taking coming trying sending asking "
    "telling making having shotting trapping hanging staying moving holding hiding hitting threatening "
    "messaging talking chatting grooming touching forcing plugging stabbing sleeping shouting hurting beating "
    "following chasing robbing paying sexting cutting drinking smoking crying screaming waiting picking dropping "
    "meeting sending buying giving drugging filming threatening leaking posting storing minding nothing something "
    "anything".split()
)

_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc`´]")
_QUOTES = re.compile(r"[\u201c\u201d\"]")
_DASHES = re.compile(r"[\u2013\u2014]")
# Keep letters, digits, apostrophes, sentence punctuation and a few symbols
# that patterns use (& £ / - . +).
_OTHER = re.compile(r"[^a-z0-9'&£/\-.,;:!?+\s]")
_SPACES = re.compile(r"\s+")
_AGE_SUFFIX = re.compile(r"\b(\d{1,2}) ?(yo|y/o|yrs? ?old|years? ?old|yr|yrs)\b")
_SCHOOL_YEAR = re.compile(r"\b(?:y|yr|year) ?(\d{1,2})\b")
_TOKEN = re.compile(r"[a-z0-9'&£/\-+]+|[.,;:!?]")
# "hell send them to everyone", "shell tell": "he'll" and "she'll" typed without
# the apostrophe, read as such only before a verb.
_WILL_TYPED_BARE = re.compile(
    r"\b(he|she)ll (?=(send|post|share|leak|show|spread|put|sell|kill|hurt|batter|stab|smash|find|tell|"
    r"come|get|do|make|take|ruin|expose|pay|go|be|never|just|actually|probably|definitely)\b)"
)


def normalise(text: str) -> str:
    """Lower-case ``text`` and write it in the spelling the knowledge files use."""
    text = _APOSTROPHES.sub("'", text.lower())
    text = _QUOTES.sub(" ", text)
    text = _DASHES.sub(" - ", text)
    text = _OTHER.sub(" ", text)
    tokens = []
    for token in _TOKEN.findall(text):
        bare = token.strip("'-/")
        if not bare:
            continue
        word = NUMBER_WORDS.get(bare, bare)
        if word.endswith("in") and len(word) >= 4 and word + "g" in _G_DROPPED:
            word += "g"
        tokens.append(TOKEN_MAP.get(word, word))
    text = " ".join(tokens)
    text = _WILL_TYPED_BARE.sub(r"\1'll ", text)
    # "15yo", "15 yr old" -> "15 year old"; "y9", "yr 9" -> "year 9"
    text = _AGE_SUFFIX.sub(r"\1 year old", text)
    text = _SCHOOL_YEAR.sub(r"year \1", text)
    text = re.sub(r" ([.,;:!?])", r"\1", text)
    return _SPACES.sub(" ", text).strip()


_CLAUSE_BREAK = re.compile(
    r"[.;!?\n]|,|\b(?:but|though|although|however|except|whereas|yet|then again|apart from that)\b"
)


def clause_start(text: str, position: int) -> int:
    """Index where the clause containing ``position`` starts."""
    start = 0
    for match in _CLAUSE_BREAK.finditer(text, 0, position):
        start = match.end()
    return start


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9'£]+", text)
