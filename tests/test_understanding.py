"""How the assistant reads one message: signs, categories, urgency, danger now, role and area.

The messages are written the way people type: text-speak, misspellings,
slang, negations, and everyday look-alikes that must not raise a concern.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.understanding.analyse import analyse
from bot.understanding.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge
from bot.understanding.text import normalise


def _urgency(message: str) -> str:
    """The urgency one message alone would get (before any follow-up question)."""
    result = analyse(message)
    if result.danger_now:
        return "emergency"
    if result.urgent_reasons:
        return "urgent"
    if result.signs:
        return "concern"
    return "information"


# --- categories -----------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "category"),
    [
        # criminal exploitation: slang, storing, carrying, running for others
        (
            "a lad from school keeps asking me to carry bags to darlington for him, says ill get paid",
            "criminal_exploitation",
        ),
        ("i let this lad keep a bag at mine n he said not to look in it", "criminal_exploitation"),
        ("there's a man giving my grandson lifts and money to drop parcels off", "criminal_exploitation"),
        (
            "14M disclosed he's been running for older males, gets paid in trainers and food",
            "criminal_exploitation",
        ),
        ("he's always on the phone talking about shifts and the line", "criminal_exploitation"),
        ("they won't let him leave until he's sold everything", "criminal_exploitation"),
        ("the olders make us run food round the estate", "criminal_exploitation"),
        # sexual exploitation: grooming, gifts, secrecy, solicitation
        (
            "this man i met on discord says im really mature for 13 and says keep it between us",
            "sexual_exploitation",
        ),
        ("she comes back with vodka n her nails done", "sexual_exploitation"),
        ("a man from the bus station says i can stay at his if i do favours", "sexual_exploitation"),
        ("a man offered him money to meet up and have some fun", "sexual_exploitation"),
        ("her 'boyfriend' passes her round his friends", "sexual_exploitation"),
        ("an older friend sends her money for food and phone top-ups", "sexual_exploitation"),
        (
            "a man keeps booking a room for his daughter and her friends, girls about 15",
            "sexual_exploitation",
        ),
        ("different men visiting the flat next door at all hours", "sexual_exploitation"),
        ("im bein forsed to hav sex", "sexual_exploitation"),
        # trafficking and labour
        ("they moved her from manchester to a house near me", "trafficking"),
        ("she cleans for them all day and they keep her passport", "trafficking"),
        ("the man who brought me takes my wages from the car wash", "trafficking"),
        ("she's been moved around several towns", "trafficking"),
        ("I can hear banging from inside a trailer and a kid shouting", "trafficking"),
        # missing
        ("my friend hasnt been home in 2 days", "missing"),
        ("YP 15M missing since 22:00 last night, phone off", "missing"),
        ("13F off roll since September, no contact with anyone since", "missing"),
        ("i ran off last night", "missing"),
        ("Last time the police found her in a flat in Newcastle", "missing"),
        # relationship abuse
        ("my gf wants my location on all the time", "relationship_abuse"),
        (
            "he tells me what to wear and who i can see and says no one else would want me",
            "relationship_abuse",
        ),
        ("she says she'll hurt herself if he goes out with his mates", "relationship_abuse"),
        ("she'll dump me if i see my mates", "relationship_abuse"),
        # harmful sexual behaviour
        ("i showed some year 7s porn on my phone", "harmful_sexual_behaviour"),
        ("boys in my class made a group chat where they rate girls", "harmful_sexual_behaviour"),
        (
            "my son has been sending pictures of his private parts to girls in his class",
            "harmful_sexual_behaviour",
        ),
        ("a boy in year 10 made her touch him behind the leisure centre", "harmful_sexual_behaviour"),
        ("lads keep making sexual comments at the girls", "harmful_sexual_behaviour"),
        # radicalisation
        ("my mate says muslims are taking over and we need to do something", "radicalisation"),
        ("forums where they say women are the enemy and lads like me should get revenge", "radicalisation"),
        ("16M sharing Islamic State nasheeds, talking about hijrah", "radicalisation"),
        ("someone online is telling him it's his duty to go and fight abroad", "radicalisation"),
        # youth violence
        ("my mate just got stabbed outside the chippy", "youth_violence"),
        (
            "ppl keep posting videos of fights, there's gonna be a massive one on friday with the other school",
            "youth_violence",
        ),
        ("There's a group outside our house with machetes", "youth_violence"),
        ("they're going to stab him if he doesn't bring back £300", "youth_violence"),
        ("A&E. 16M, second attendance this month with a slash wound", "youth_violence"),
        ("hes carryin a nife", "youth_violence"),
        # more phrasings of the same phenomena
        ("they keep me in a house and make me sell", "criminal_exploitation"),
        (
            "there's always kids hanging around and different cars pulling up for 2 mins",
            "criminal_exploitation",
        ),
        (
            "my son sends his bank details to someone online who moves money through it",
            "criminal_exploitation",
        ),
        ("she told me her uncle's friend touches her", "sexual_exploitation"),
        ("someone hacked my insta and is asking for money or they post my nudes", "sexual_exploitation"),
        ("my daughter has been talking to a 19 year old on snapchat", "sexual_exploitation"),
        ("my son follows andrew tate and says women belong in the kitchen", "radicalisation"),
        (
            "my 10 year old has been watching porn and copying it with his little sister",
            "harmful_sexual_behaviour",
        ),
        ("she keeps coming home at 3am", "missing"),
    ],
)
def test_signs_point_to_the_right_category(message: str, category: str) -> None:
    assert category in analyse(message).categories


@pytest.mark.parametrize(
    "message",
    [
        "my son has a new phone for his birthday",
        "he goes to football",
        "she's moody",
        "my daughter is always on the phone to her friends",
        "we moved around a lot when he was little",
        "my friend came over yesterday",
        "he beat him at fifa",
        "i carry my shopping bags for my nan",
        "she is going to take me to london for my birthday",
        "my dad goes mad if i go out without telling him",
        "i get high marks at school",
        "she's at high school",
        "i track my daughter's phone so i know she's safe",
        "my brother told me to keep it between us that he broke the vase",
        "she keeps her passport in the drawer",
        "she got her nails done for prom",
        "he has a knife for his scout camp",
        "he works at a takeaway on saturdays for his uncle",
        "he got stabbed in the back by his so called mate, he told everyone his secret",
        "my mum takes me to parties at my cousins",
        "he shot a video for his media project",
        "the car pulled up for a minute at the lights",
        "he has a paper round and saves his money",
        "my son plays rugby and came home with a bruise on his leg from training",
        "she took the bus to newcastle with her friends to go shopping",
        "he's 15 and got a part time job at the chip shop",
        "my son is going to the cinema with his girlfriend",
        "he wants to fight his brother over the xbox",
    ],
)
def test_everyday_messages_raise_no_concern(message: str) -> None:
    result = analyse(message)
    assert (result.signs, result.categories, result.urgent_reasons, result.danger_now) == ((), (), (), False)


@pytest.mark.parametrize(
    ("message", "absent"),
    [
        # Negation in the same clause cancels the sign, typed with or without apostrophes.
        ("he hasn't gone missing but he's not himself", "missing"),
        ("he doesnt hit me or anything", "physical_abuse"),
        ("nobodys forcing me or anything", "forced_sexual_activity"),
        ("he's never carried a knife", "weapons"),
        # A benign explanation in the same message cancels it.
        ("he has loads of cash from his saturday job", "unexplained_money"),
        # A child sending images to classmates is harmful sexual behaviour, not exploitation of the sender.
        ("14M sent unsolicited sexual images to several Y9 girls", "sexual_images"),
        # "on the phone" is not a deal line.
        ("she spends lunchtimes on the phone to her nan", "county_lines_language"),
        # "hit" needs someone being hit.
        ("he hit the ball really hard", "physical_abuse"),
    ],
)
def test_negations_and_look_alikes_cancel_a_sign(message: str, absent: str) -> None:
    assert absent not in analyse(message).signs


# --- urgency --------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "urgency"),
    [
        # danger now
        ("im at a party at some flat and these men wont let me leave", "emergency"),
        ("my mate just got stabbed outside the chippy hes bleeding bad", "emergency"),
        ("her last snap said get me out of here", "emergency"),
        ("There's a group outside our house with machetes, they're trying to get in", "emergency"),
        ("theyre taking me to london tonight", "emergency"),
        ("help me get out of here", "emergency"),
        # the same words, in the past or about someone else's situation, are not an emergency
        ("last week he pushed me into a wall", "urgent"),
        ("she sleeps at the nail bar and cant leave til shes paid off her debt", "urgent"),
        ("he says hell leak my pics unless i send him £100 by tonight", "urgent"),
        ("she can't leave the house, he locks her in", "urgent"),
        ("i was locked in a room last year", "urgent"),
        # urgent: disclosures, injuries, weapons, being moved or held, missing now
        ("my dad hits me when hes drunk", "urgent"),
        ("he grabbed him by the neck yesterday", "urgent"),
        ("got jumped by a group from the other estate, they cut my face", "urgent"),
        ("he came home last week with a cut on his leg that looks like a stab wound", "urgent"),
        ("my 15 year old was accused of sexually assaulting a girl at a party", "urgent"),
        ("one of the men had his hand up her top in the car", "urgent"),
        ("she hasn't been home for a week", "urgent"),
        ("15M found in a flat in Sunderland, reported missing from Stanley", "urgent"),
        ("School nurse. 15M disclosed he'd been made to carry packages 'inside' on a train", "urgent"),
        ("my 15 year old is sleeping with older men for money", "urgent"),
        ("Y11 F, bruising on both wrists", "urgent"),
        ("he talks about hijrah and asked me how long a passport takes", "urgent"),
        # concern: worrying signs without abuse disclosed
        ("my 16 yr old is self harming and won't talk to me about it", "concern"),
        ("my 14 yr old daughter is pregnant by a 22 year old", "urgent"),
        ("im being blackmaled", "urgent"),
        ("my bf said he'll send my nudes to everyone if i break up with him", "urgent"),
        ("a boy in my street works at a takeaway every night and never comes to school", "concern"),
        ("young girls arrive in a minibus at 7am and a man collects their tips", "concern"),
        # information: a general question names no sign about a child
        ("is it illegal to carry a knife if its only a small one", "information"),
        ("What should I do if I think my son is carrying a knife?", "information"),
        ("What is modern slavery?", "information"),
    ],
)
def test_urgency_of_one_message(message: str, urgency: str) -> None:
    assert _urgency(message) == urgency


@pytest.mark.parametrize(
    ("message", "under_13"),
    [
        ("im only 12", True),
        ("DSL. 12F disclosed", True),
        ("a lad of about 13 came in", False),
        ("a girl who looks about 11", True),
        ("she can't be more than 8", True),
        ("he keeps messaging every 5 mins", False),
        ("i'll be back in about 10 minutes", False),
    ],
)
def test_ages_are_read_from_everyday_phrasings(message: str, under_13: bool) -> None:
    assert analyse(message).under_13 is under_13


def test_sexual_activity_with_an_under_13_is_always_urgent() -> None:
    result = analyse("my little sisters friend said a boy made her touch him, shes 11")
    assert "under_13_sexual" in result.urgent_reasons


# --- role and area --------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "role"),
    [
        ("I run a gym. A 16-year-old member keeps talking about a race war", "community_member"),
        ("Our church is running a session on modern slavery", "community_member"),
        ("What is the National Referral Mechanism?", None),
        ("i run the youth club on fridays", "practitioner"),
        ("Youth worker. 14M disclosed", "practitioner"),
        ("I look after my grandson, he's 13", "parent_carer"),
        ("me im 13", "young_person"),
        ("I'm his maths teacher", "practitioner"),
        ("im her best friend", "young_person"),
        ("my daughters cousin is 22 and my sister says be careful", "parent_carer"),
        ("her mam says he won't let her see her friends", None),
        ("I coach the under 15s", "practitioner"),
        ("PCSO on the neighbourhood team", "practitioner"),
        ("I do reception at a hotel", "community_member"),
        ("I'm on nights on reception at a hotel. A man booked a room", "community_member"),
        ("I'm still writing reports for my Year 9 group", "practitioner"),
        ("im in year 9", "young_person"),
        ("I teach PE at the secondary", "practitioner"),
        ("I'm a PC on the neighbourhood team", "practitioner"),
        ("student, year 11", "young_person"),
        ("I work on reception at the surgery", "practitioner"),
        ("one of my 17 year old students keeps posting clips", "practitioner"),
        ("our 16 year old resident comes back at 2am", "practitioner"),
        ("a 13 year old girl from our children's home is missing", "practitioner"),
        ("a girl in my childrens home gets picked up by a man", "young_person"),
        ("my son's home late every night", "parent_carer"),
        ("a friend... ok its me", "young_person"),
        ("its me, her mum", "parent_carer"),
        ("ppl in my class keep callin me names", "young_person"),
        # A child at work is still a young person.
        ("i am 16. now i work in car wash all day no money", "young_person"),
        ("I'm a teacher, I'm 15 minutes from school", "practitioner"),
        ("I coach an under-15s football team. One of my lads has missed training", "practitioner"),
        ("Community pharmacist. A girl who says she's 14 keeps coming in", "practitioner"),
        ("Pharmacist", "practitioner"),
        ("Evening. I'm a security officer at a shopping centre", "community_member"),
        ("Police officer on the neighbourhood team", "practitioner"),
        ("Mum here, my son is 14", "parent_carer"),
        ("worried dad, my daughter is 15", "parent_carer"),
        # someone else's parent, mentioned by a teacher answering "anything else?"
        ("Dad isn't around, there's a younger sibling aged 2", None),
        ("Mum's boyfriend hits him", None),
        # Adults are told things too: this is not a young person's cue.
        ("she told me about it last week", None),
    ],
)
def test_role_phrasings(message: str, role: str | None) -> None:
    assert analyse(message).role == role


@pytest.mark.parametrize(
    ("message", "area"),
    [
        ("we live in sherburn village", "durham"),
        ("leadgate", "durham"),
        ("Toothill in Swindon", "swindon"),
        ("abbey meads", "swindon"),
        ("i live near chester le street", "durham"),
        ("im from blyth", "elsewhere"),
        ("rather not say", "elsewhere"),
    ],
)
def test_area_phrasings(message: str, area: str | None) -> None:
    assert analyse(message).area == area


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("yeh hes outside", "yeah he's outside"),
        ("got his arm broke last wk", "got his arm broke last week"),
        ("bein forsed to hav sex", "being forsed to have sex"),
        ("every 5 mins", "every 5 minutes"),
    ],
)
def test_text_speak_is_normalised(typed: str, normal: str) -> None:
    assert normalise(typed) == normal


# --- knowledge files ------------------------------------------------------


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the knowledge files."""
    for name in ("taxonomy.yml", "places.yml", "roles.yml", "contacts.yml"):
        shutil.copy(KNOWLEDGE_DIR / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_the_shipped_knowledge_files_load() -> None:
    knowledge = load_knowledge()
    ids = [indicator.id for indicator in knowledge.indicators]
    assert len(ids) == len(set(ids))


def _broken_pattern(data: dict) -> None:
    data["indicators"][0]["patterns"].append("(unclosed")


def _unknown_category(data: dict) -> None:
    data["indicators"][0]["categories"] = ["shoplifting"]


def _unknown_level(data: dict) -> None:
    data["indicators"][0]["level"] = "critical"


def _unknown_yield(data: dict) -> None:
    data["indicators"][0]["yields_to"] = ["bullying"]


def _instead_without_yield(data: dict) -> None:
    data["indicators"][0]["instead"] = ["missing"]
    data["indicators"][0].pop("yields_to", None)


def _duplicate_indicator(data: dict) -> None:
    data["indicators"].append(dict(data["indicators"][0]))


def _unknown_area(data: dict) -> None:
    data["areas"]["narnia"] = ["cair paravel"]


def _unknown_role(data: dict) -> None:
    data["occupations"]["wizard"] = ["wizard"]


def _empty_patterns(data: dict) -> None:
    data["danger_now"]["always"] = []


@pytest.mark.parametrize(
    ("file_name", "change", "says"),
    [
        ("taxonomy.yml", _broken_pattern, "invalid pattern"),
        ("taxonomy.yml", _unknown_category, "categories"),
        ("taxonomy.yml", _unknown_level, "level"),
        ("taxonomy.yml", _unknown_yield, "yields_to"),
        ("taxonomy.yml", _instead_without_yield, "instead"),
        ("taxonomy.yml", _duplicate_indicator, "duplicate"),
        ("taxonomy.yml", _empty_patterns, "danger_now.always"),
        ("places.yml", _unknown_area, "unknown areas"),
        ("roles.yml", _unknown_role, "unknown roles"),
    ],
)
def test_a_broken_knowledge_file_is_refused_by_name(
    knowledge_copy: Path, file_name: str, change, says: str
) -> None:
    _edit(knowledge_copy / file_name, change)
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(knowledge_copy)
    assert file_name in str(error.value)
    assert says in str(error.value)


@pytest.mark.parametrize(
    ("message", "hint"),
    [
        # "I saw..." could be anyone: the assistant still asks who is asking.
        ("I saw two lads handing a bag to a younger kid by the shops", "community_member"),
        # Pupils and teachers both say "at my school"; anyone can live across the road.
        ("there's a lad at my school who carries a knife", "young_person"),
        ("the lass over the road is 15 and her boyfriend screams at her", "community_member"),
    ],
)
def test_a_weak_cue_only_hints_at_a_role(message: str, hint: str) -> None:
    result = analyse(message)
    assert result.role is None
    assert result.role_hint == hint


# --- answers to "is anyone in danger right now?" ---------------------------


@pytest.mark.parametrize(
    ("message", "danger_now", "answer"),
    [
        ("no, nobody's in danger right now", False, "no"),
        ("no, nobody's in danger right now, I'm on my break", False, "no"),
        ("not like physically, im in my room, but im freaking out", False, "no"),
        ("I don't think she's in immediate danger right now, I'm back at the office", False, "no"),
        ("he's back home now, I saw him this morning", False, "no"),
        ("kind of, hes parked outside my house right now and says if i dont come out", True, None),
        ("yes hes waiting outside her school right now", True, "yes"),
        ("oh god one lad is still lying on the grass not moving and the rest have run off", True, None),
        ("she's alright, he's got a knife to her throat right now", True, "no"),
    ],
)
def test_danger_answers(message: str, danger_now: bool, answer: str | None) -> None:
    result = analyse(message)
    assert (result.danger_now, result.answer) == (danger_now, answer)


# --- one sign giving way to another -----------------------------------------


@pytest.mark.parametrize(
    ("message", "present", "absent"),
    [
        # Nudes passed round a school by other pupils: harmful sexual behaviour.
        (
            "Teacher. Group of Y10 boys AirDropping nudes of a Y9 girl around the school bus",
            "harmful_sexual_behaviour",
            "sexual_exploitation",
        ),
        # The same images sent to an adult met online: exploitation.
        ("she sent nudes to a man she met online", "sexual_exploitation", None),
        # An older stranger online beside extremist talk: radicalisation.
        (
            "a guy online says people like us are being replaced and we have to fight back, he wants to meet up",
            "radicalisation",
            "sexual_exploitation",
        ),
        # Forced by a boyfriend of the same age: relationship abuse, still urgent.
        (
            "my boyfriend checks my phone all the time and pressured me into sex, we're both 15",
            "relationship_abuse",
            "sexual_exploitation",
        ),
    ],
)
def test_a_sign_gives_way_to_the_harm_the_message_is_about(
    message: str, present: str, absent: str | None
) -> None:
    result = analyse(message)
    assert present in result.categories
    if absent:
        assert absent not in result.categories


def test_forced_sex_by_a_peer_keeps_its_urgency() -> None:
    result = analyse("my boyfriend checks my phone all the time and pressured me into sex, we're both 15")
    assert "forced_sexual_activity" in result.urgent_reasons


@pytest.mark.parametrize(
    "message",
    [
        "What is child sexual exploitation? My daughter's school sent a letter home about it.",
        "whats sextortion? our teacher said to watch out for it",
    ],
)
def test_the_name_of_a_harm_is_a_topic_not_a_sign(message: str) -> None:
    result = analyse(message)
    assert result.topics and not result.signs and not result.urgent_reasons


class _FixedModel:
    """A category model that is always this sure of one category."""

    def __init__(self, category: str, score: float) -> None:
        self.category, self.score = category, score

    def scores(self, text: str) -> dict[str, float]:
        return {self.category: self.score}


def test_the_category_model_does_not_read_answers() -> None:
    model = _FixedModel("missing", 0.99)
    assert (
        "missing"
        not in analyse("no, he came home on the school bus at four", category_model=model).categories
    )
    assert "missing" not in analyse("I do reception at a hotel in town", category_model=model).categories
    assert (
        "missing"
        in analyse("he keeps going off for days and won't say where", category_model=model).categories
    )


def test_a_raised_bar_beside_a_rule_category() -> None:
    # With `category_extra_threshold` at 0.7 the model adds a category at 0.5
    # alone, but beside one the rules found only at 0.7.
    alone = "my daughter has been acting really differently for a few weeks"
    beside = "my son keeps coming home with cash and a second phone"

    def found(message: str, score: float) -> bool:
        model = _FixedModel("missing", score)
        return "missing" in analyse(message, category_model=model, extra_threshold=0.7).categories

    assert found(alone, 0.6)
    assert not found(beside, 0.6)
    assert found(beside, 0.75)


def test_by_default_the_bar_is_the_same_beside_signs() -> None:
    beside = "my son keeps coming home with cash and a second phone"
    assert "missing" in analyse(beside, category_model=_FixedModel("missing", 0.55)).categories
    assert "missing" not in analyse(beside, category_model=_FixedModel("missing", 0.45)).categories


# --- a whole conversation ---------------------------------------------------


def _turns(*messages: str, model=None, extra_threshold: float | None = None):
    from bot.nlu_component import entities_for
    from bot.understanding.analyse import MODEL_EXTRA_THRESHOLD
    from bot.understanding.assess import Turn

    extra = MODEL_EXTRA_THRESHOLD if extra_threshold is None else extra_threshold
    return [
        Turn.from_parse(
            "describe_concern", entities_for(analyse(m, category_model=model, extra_threshold=extra))
        )
        for m in messages
    ]


def test_a_sign_gives_way_to_a_harm_named_in_another_message() -> None:
    from bot.understanding.assess import assess

    turns = _turns(
        "my son keeps going on about a race war and has swastikas on his wall",
        "an older man he met online sends him stuff and wants to meet up with him",
    )
    assert assess(turns).categories == ("radicalisation",)
    # Without the extremist talk, the same message points to exploitation.
    assert assess(turns[1:]).categories == ("sexual_exploitation",)


def test_a_model_guess_beside_signs_elsewhere_in_the_conversation_needs_more() -> None:
    from bot.understanding.assess import assess

    first = "my son keeps coming home with cash and a second phone"
    second = "he has been acting really differently for a few weeks now"
    unsure = assess(_turns(first, second, model=_FixedModel("missing", 0.6), extra_threshold=0.7)).categories
    sure = assess(_turns(first, second, model=_FixedModel("missing", 0.75), extra_threshold=0.7)).categories
    assert "missing" not in unsure
    assert "missing" in sure


def test_evidence_travels_as_ids_only() -> None:
    from bot.nlu_component import entities_for

    entities = entities_for(
        analyse("she sent nudes to a man she met online", category_model=_FixedModel("missing", 0.55))
    )
    evidence = sorted(e["value"] for e in entities if e["entity"] == "hoth_evidence")
    # Two signs that give way (sexual images, online grooming) and a model score.
    assert evidence == [
        "model:missing:sure",
        "soft:sexual_exploitation:to:harmful_sexual_behaviour:relationship_abuse",
        "soft:sexual_exploitation:to:radicalisation:harmful_sexual_behaviour",
    ]


@pytest.mark.parametrize(
    "message",
    [
        "im being forced to have sex and he keeps her passport",
        "a man online keeps messaging her and she sent nudes",
        "my son keeps coming home with cash and a second phone",
        "she's with older men in a hotel",
    ],
)
def test_evidence_survives_the_redacting_tracker_store(message: str) -> None:
    """The conversation is weighed from the stored tracker, which keeps ids only:
    evidence the store would drop (a '+' or an empty part) loses a category."""
    from bot.nlu_component import entities_for
    from bot.tracker_store import is_id
    from bot.understanding.assess import _decode, encode_evidence

    analysis = analyse(message, category_model=_FixedModel("missing", 0.75))
    evidence = encode_evidence(analysis)
    assert evidence and all(is_id(value) for value in evidence)
    kept = [
        e["value"] for e in entities_for(analysis) if e["entity"] == "hoth_evidence" and is_id(e["value"])
    ]
    firm, soft, model, guesses, look = _decode(kept)
    assert (set(firm), set(soft), set(model), set(guesses), set(look)) == (
        set(analysis.firm),
        set(analysis.soft),
        set(analysis.model),
        set(analysis.guesses),
        set(analysis.look),
    )


def test_forced_sex_by_a_same_age_partner_is_harmful_sexual_behaviour_and_relationship_abuse() -> None:
    from bot.understanding.assess import assess

    turns = _turns(
        "her boyfriend is in the same year, he checks her phone every break and tells her what to wear",
        "a friend told me he made her do things she didn't want to at a party",
    )
    assert assess(turns).categories == ("relationship_abuse", "harmful_sexual_behaviour")
    assert assess(turns).urgency == "urgent"


@pytest.mark.parametrize(
    ("message", "trafficking"),
    [
        ("they drive him down to somewhere near bristol and he stays in a flat for days", True),
        ("older men take her and her mate in a car to hotels in Leeds at weekends", True),
        ("hes paid for her train ticket and a hotel", True),
        ("CCTV shows him getting into a taxi booked and paid for by someone we don't know", True),
        ("my dad takes me to school every morning", False),
        ("he drives her to college on tuesdays", False),
    ],
)
def test_being_transported_by_others(message: str, trafficking: bool) -> None:
    assert ("trafficking" in analyse(message).categories) is trafficking


def test_spelling_correction_never_adds_quote_marks_from_the_knowledge_files() -> None:
    from bot.understanding.analyse import prepare
    from bot.understanding.knowledge import default_knowledge

    assert prepare("what does cuckooing mean?", default_knowledge()) == "what does cuckooing mean?"
    assert "criminal_exploitation" in analyse("what does cuckooing mean?").categories


def test_a_denial_does_not_reach_past_and() -> None:
    message = "stickers round the college with a logo I didn't recognise and the word 'remigration'"
    assert "radicalisation" in analyse(message).categories
    # ...but it still covers its own words.
    assert "missing" not in analyse("he hasn't gone missing and he's fine").categories


@pytest.mark.parametrize(
    ("message", "category"),
    [
        (
            "a lad won't let her out of the bedroom and keeps touching her, she's 14",
            "harmful_sexual_behaviour",
        ),
        ("the others are pulling at her top while one films it", "harmful_sexual_behaviour"),
        (
            "two boys holding their phones over the cubicle doors while girls were getting changed",
            "harmful_sexual_behaviour",
        ),
        (
            "he's in drill videos with older lads in balaclavas, lyrics all about shanking people",
            "youth_violence",
        ),
    ],
)
def test_more_signs_of_harm_between_children(message: str, category: str) -> None:
    assert category in analyse(message).categories


def test_touching_an_arm_is_not_a_sign() -> None:
    assert analyse("he keeps touching her arm to get her attention").categories == ()


@pytest.mark.parametrize(
    ("message", "area"),
    [
        # Where something happened is not where the person is.
        ("he's just rung me crying from a flat in Gloucester", None),
        ("now the gym lads are taking him to a march in london", None),
        ("he said he gets why that guy did the shooting in plymouth", None),
        # Where they live, work or are based is.
        ("I'm a mum in Pelton and my son has a second phone", "durham"),
        ("I work in a school in Consett and a pupil has a second phone", "durham"),
        ("I'm a taxi driver in Swindon and I keep picking up young girls from a hotel", "swindon"),
    ],
)
def test_a_place_in_a_description_is_where_the_person_is_only_with_a_cue(
    message: str, area: str | None
) -> None:
    assert analyse(message).area == area


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # Older people beside another harm (here going missing) still name the
        # likelier kind of exploitation for the child described.
        (
            "my friend hasnt been home in 2 days, she snapchatted me from a hotel with some older guys",
            {"missing", "sexual_exploitation"},
        ),
        ("he's been missing twice and hangs around with older lads", {"missing", "criminal_exploitation"}),
        # Nothing says which child: no guess.
        ("they hang around with older people", set()),
    ],
)
def test_older_associates_beside_another_harm(message: str, expected: set[str]) -> None:
    assert set(analyse(message).categories) == expected


def test_a_guess_from_older_people_gives_way_to_a_harm_named_anywhere() -> None:
    from bot.understanding.assess import assess

    turns = _turns(
        "my son has been out till all hours with some older lads",
        "they've got him into a telegram group about a race war and immigrants taking over",
    )
    assert assess(turns[:1]).categories == ("criminal_exploitation",)
    assert assess(turns).categories == ("radicalisation",)
    # Going missing says nothing about who the older men are: the guess stands.
    turns = _turns("she's been missing since friday", "her mate saw her get in a car with older men")
    assert assess(turns).categories == ("sexual_exploitation", "missing")


def test_the_model_bar_is_decided_where_the_message_is_read() -> None:
    from bot.nlu_component import entities_for
    from bot.understanding.assess import Turn, assess

    # A configured bar of 0.9 beside signs: a 0.75 guess never stands beside signs.
    model = _FixedModel("missing", 0.75)
    first = "my son keeps coming home with cash and a second phone"
    second = "he has been acting really differently for a few weeks now"
    turns = [
        Turn.from_parse(
            "describe_concern", entities_for(analyse(m, category_model=model, extra_threshold=0.9))
        )
        for m in (first, second)
    ]
    assert "missing" not in assess(turns).categories


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        # Ordinary words the American dictionary lacks are not "typos" of a sign.
        ("no weapons seen yet but it's ramping up", "no weapons seen yet but it's ramping up"),
        ("he's always texting", "he's always texting"),
        ("she's good at maths", "she's good at maths"),
        ("new tyres", "new tyres"),
        # A name written with a capital is left alone.
        ("he got the train to Crewe", "he got the train to crewe"),
        # Real typos are still corrected.
        ("hes misssing again", "he's missing again"),
        ("my frend is bein forsed", "my friend is being forced"),
    ],
)
def test_spelling_correction_leaves_real_words_alone(typed: str, read_as: str) -> None:
    from bot.understanding.analyse import prepare
    from bot.understanding.knowledge import default_knowledge

    assert prepare(typed, default_knowledge()) == read_as


@pytest.mark.parametrize(
    "message",
    [
        "no weapons seen yet but it's ramping up",
        "i've been sleeping at my mate's since my mum kicked me out",
        "he smashed her phone when she went to a party without him",
        "he's on a forum where they say girls owe them",
    ],
)
def test_ordinary_words_are_not_urgent_signs(message: str) -> None:
    assert analyse(message).urgent_reasons == ()


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("one of them pulled out a blade to show his mate", "weapons"),
        ("some of them say theyre bringing blades on friday", "weapons"),
        ("last week he gave me a knife to hide", "weapons"),
        ("she told me her uncle keeps her passport", "documents_held"),
        ("my cousin said hell look after my phone and id for me", "documents_held"),
        ("now its a man saying send 150 quid by 10 tonight or he posts them to everyone", "sextortion"),
        ("he says he'll post them everywhere unless she does what they say", "sextortion"),
        ("he says if i ever leave him hell send the vids of me to the group chat", "partner_shared_images"),
        ("he grabbed my arm really hard, its all bruised now", "physical_abuse"),
        ("they held a girl down on the back seat and one of them grabbed her chest", "hsb_assault"),
        ("one boy (9) lay on top of a girl and did humping movements", "hsb_assault"),
        ("he says he's paying back his journey at the car wash", "debt_bondage"),
        ("the pdf he sent has instructions for bombs in it", "attack_planning"),
        # A girl of 15 with a man in his 30s and the morning after pill: an adult and a child.
        ("she's 15 and came in for the morning after pill with a man in his 30s", "adult_sexual_contact"),
        ("my little brother is 10 and keeps trying to do sex stuff to the younger kids", "under_13_sexual"),
    ],
)
def test_urgent_signs_in_everyday_words(message: str, reason: str) -> None:
    assert reason in analyse(message).urgent_reasons


@pytest.mark.parametrize(
    ("message", "sign"),
    [
        ("a lad about 16 slapped his girlfriend across the face in the queue", "partner_violence"),
        ("the man lock door from outside when he leave, i can not get out", "held_captive"),
        ("two men are dragging a lad about 13 into a car outside my house", "forced_movement"),
        ("taxis keep turning up for him at 2am that none of us booked", "transported_by_others"),
        ("a man booked it and told me to take her to an address in Sunderland", "transported_by_others"),
        ("two men drove him up a week ago and he's been selling for them", "transported_by_others"),
        ("lads keep setting on one 14 year old at the park and filming it for a page", "serious_violence"),
    ],
)
def test_harm_described_in_plain_words(message: str, sign: str) -> None:
    assert sign in analyse(message).signs


def test_a_parent_keeping_a_child_in_is_not_being_held() -> None:
    assert analyse("my mum won't let me go out this weekend").signs == ()


@pytest.mark.parametrize(
    ("message", "urgent"),
    [
        ("a 7 year old boy has been touching other children's private parts at playtime", True),
        ("older boys made her and her friend play a game where they had to touch them, she's 9", True),
        ("she's 12 and sent pictures of herself in her underwear to a man online", True),
        # Talk, porn shown or grooming with no sexual act yet: a concern, not urgent.
        ("my 12 year old son has been asking girls in his class for nudes, he says it's a joke", False),
        ("school rang, my son who is 10 has been using really sexual words in class", False),
        ("she's 12 and someone on roblox sends her gift cards and wants her on snapchat", False),
    ],
)
def test_sexual_activity_involving_an_under_13_is_urgent(message: str, urgent: bool) -> None:
    assert (
        "under_13_sexual" in analyse(message).urgent_reasons
        or "hsb_assault" in analyse(message).urgent_reasons
    ) is urgent


@pytest.mark.parametrize(
    "message",
    [
        "someone i was talkin to on snap has my nudes",
        "ppl are sharing a video of me from a party",
        "he keeps asking me to send him pics in my underwear",
        "my ex is airdroppin a nude i sent him",
        "the lad screen recorded it and now its on everyones phone",
    ],
)
def test_images_and_messages_from_a_phone_are_online(message: str) -> None:
    # Online harm is what CEOP takes reports of, so it decides whether CEOP is offered.
    assert "online" in analyse(message).contexts


@pytest.mark.parametrize(
    ("messages", "trafficking"),
    [
        (("he says men drove him there and kept him in a hotel first",), True),
        (("someone had bought his train tickets on an app, it wasn't him",), True),
        (
            (
                "I'm booked by the same bloke to pick up girls of about 14 from a house and take them to a hotel",
            ),
            True,
        ),
        # A boyfriend keeping her bank card is controlling, not trafficking.
        (("her boyfriend is 17 and checks her phone every night", "he has her bank card too"), False),
    ],
)
def test_moved_held_or_documents_kept(messages: tuple[str, ...], trafficking: bool) -> None:
    from bot.understanding.assess import assess

    assert ("trafficking" in assess(_turns(*messages)).categories) is trafficking


@pytest.mark.parametrize(
    ("message", "category"),
    [
        (
            "a lad at the skatepark whos 15 makes me do sex stuff behind the ramps. im only 12",
            "harmful_sexual_behaviour",
        ),
        ("a boy from his football who is 13 made him do sexual stuff in the den", "harmful_sexual_behaviour"),
        (
            "im 12 and a man at the skatepark gives me vapes and makes me do sex stuff with him",
            "sexual_exploitation",
        ),
    ],
)
def test_who_is_doing_it_decides_harmful_sexual_behaviour_or_exploitation(
    message: str, category: str
) -> None:
    assert analyse(message).categories == (category,)


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("she's 14 and keeps coming home with new clothes and her nails done", "sexual_exploitation"),
        ("he's 14 and keeps coming home with new trainers and designer gear", "criminal_exploitation"),
    ],
)
def test_new_things_point_to_the_likelier_exploitation(message: str, category: str) -> None:
    assert analyse(message).categories == (category,)


@pytest.mark.parametrize(
    ("message", "sign"),
    [
        ("people keep coming up to the room for a few mins then leaving", "short_visits"),
        (
            "they get off, a bloke in a range rover meets them, they hand him their rucksacks",
            "carrying_for_others",
        ),
        ("there's a padlock on the outside of the door", "held_captive"),
        ("one of them messaged her saying u owe us for the weekend babe", "debt_bondage"),
        ("she's been taken to houses in Sunderland and once Newcastle", "trafficking_movement"),
        ("three times a car has come for her late at night", "older_associates"),
        (
            "i sent 1 pic to a lad when he asked and now hes airdropped it to everyone on the bus",
            "sexual_images_shared",
        ),
        ("fingertip bruising on both upper arms", "unexplained_injuries"),
        (
            "bragging that he made his girlfriend do things even though she kept saying no",
            "forced_sexual_activity",
        ),
    ],
)
def test_signs_seen_by_people_who_only_saw_a_little(message: str, sign: str) -> None:
    assert sign in analyse(message).signs


def test_the_child_is_named_by_a_noun_not_by_the_mans_pronouns() -> None:
    message = (
        "a couple of Y11 girls say a bloke in his 20s picks them up in his car, he told them not to tell"
    )
    assert analyse(message).categories == ("sexual_exploitation",)


@pytest.mark.parametrize(
    ("message", "sign"),
    [
        (
            "sum1 on snap got my pics n says if i dont send £150 by 10 tonight he sends them to every1",
            "sextortion",
        ),
        ("some1 said theyl send my pics to evry1 at my school unless i pay £100", "sextortion"),
        ("these older lads make me do stuff to them in the bus shelter", "forced_sexual_activity"),
        ("they said theyll do something to his mum if he stops", "violence_threats"),
        ("hes 16 and rings her about 30 times a night", "controlling_partner"),
        ("two men checked in with a girl who looks 13, 14 at most", "hotel_concern"),
        ("a van picks them up at 7am and drops them back at 10pm", "labour_exploitation"),
        (
            "every friday a crowd of kids from two estates are squaring up and fighting outside",
            "serious_violence",
        ),
        ("he said someone should do that at the one on Chester Road", "attack_planning"),
        ("he talks about women as foids", "extremist_views"),
        ("he came home last night with a cut on his leg, quite deep", "unexplained_injuries"),
    ],
)
def test_more_signs_in_the_words_people_use(message: str, sign: str) -> None:
    assert sign in analyse(message).signs


@pytest.mark.parametrize(
    "message",
    [
        # A view, not an assault.
        "he has said some women deserve rape",
        # A parent's partner hurting a child is abuse at home, not teenage relationship abuse.
        "my mums bf hits me when hes been drinking",
    ],
)
def test_not_these_signs(message: str) -> None:
    assert not {"forced_sexual_activity", "partner_violence"} & set(analyse(message).signs)


def test_an_adult_partner_of_a_child_from_a_stated_age() -> None:
    message = "Y8 F (12) came asking for a pregnancy test. Says bf is 19"
    assert "adult_sexual_contact" in analyse(message).urgent_reasons


def test_a_key_given_twice_is_refused(knowledge_copy: Path) -> None:
    # A second `unless:` under one indicator would silently replace the first.
    path = knowledge_copy / "taxonomy.yml"
    text = path.read_text(encoding="utf-8")
    marker = "  - id: forced_sexual_activity\n"
    path.write_text(
        text.replace(marker, marker + "    unless:\n      - 'a second list'\n", 1), encoding="utf-8"
    )
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(knowledge_copy)
    assert "taxonomy.yml" in str(error.value)
    assert "given twice" in str(error.value)


def test_being_held_is_trafficking_unless_something_else_explains_it() -> None:
    from bot.understanding.assess import assess

    # Men keeping a girl at a party: sexual exploitation.
    party = _turns(
        "im at a party at some flat and these men wont let me leave, they keep giving me drinks, im 14"
    )
    assert assess(party).categories == ("sexual_exploitation",)
    # Kept in a flat to sell: criminal exploitation and trafficking.
    flat = _turns("my son is 15 and has a second phone, he rang crying, they won't let him leave the flat")
    assert assess(flat).categories == ("criminal_exploitation", "trafficking")
    # Shutting himself away is not being held.
    assert (
        "held_captive" not in analyse("the last few months he's been shut in his room watching videos").signs
    )


@pytest.mark.parametrize(
    ("message", "danger_now"),
    [
        ("she just sent me a pic from a bridge and said sorry for everything. i dont know what to do", True),
        ("kinda. hes outside my house rn banging on the door saying hell smash my face in", True),
        (
            "He's just rung from a number we don't know. He was whispering, said they've taken his phone, "
            "he's in a flat and can't leave until 'the stuff is gone'.",
            True,
        ),
        # Plans for the weekend, and a man who has left, are not danger now.
        (
            "lads outside tonight with balaclavas on saying they're going to ride out on some boys at the weekend",
            False,
        ),
        ("He's in a cubicle and security are aware, the man has left now", False),
        ("we went to the bridge last summer", False),
    ],
)
def test_danger_now_found_on_the_seventh_holdout(message: str, danger_now: bool) -> None:
    assert analyse(message).danger_now is danger_now


def test_a_man_who_has_left_is_not_danger_now() -> None:
    assert analyse("He's in a cubicle and security are aware, the man has left now").not_in_danger


class _SureOfDanger:
    """A danger model that is always this sure."""

    def __init__(self, probability: float) -> None:
        self.value = probability

    def probability(self, text: str) -> float:
        return self.value


@pytest.mark.parametrize(
    "message",
    [
        "the man has his van parked outside her school and she has gone over to it",
        "lads on bikes have got my brother up against the garages",
    ],
)
def test_the_danger_model_reads_danger_no_pattern_knows(message: str) -> None:
    assert not analyse(message).danger_now
    assert analyse(message, danger_model=_SureOfDanger(0.8)).danger_now
    assert not analyse(message, danger_model=_SureOfDanger(0.6)).danger_now


@pytest.mark.parametrize(
    "message",
    [
        # answers: a "no", a "yes" (the form already takes it), "she's safe"
        "no, they were downstairs working when I left",
        "not right this minute, they were downstairs working when I left",
        "yes they've got him in the car",
        "she's safe at home with me, but he keeps messaging",
        # a role or a place given as an answer
        "Swindon, by the Greenbridge retail park",
        # a question that names nobody, or planning for a lesson
        "what should I do if someone is being followed home from school?",
        "what's the advice if a pupil tells us a man is waiting outside school for her",
        # too short to judge
        "he's outside",
    ],
)
def test_the_danger_model_never_reads_answers_or_general_questions(message: str) -> None:
    assert not analyse(message, danger_model=_SureOfDanger(0.99)).danger_now


def test_a_short_message_needs_a_surer_danger_model() -> None:
    assert not analyse("just a customer", danger_model=_SureOfDanger(0.85)).danger_now
    assert analyse("please help he's outside", danger_model=_SureOfDanger(0.95)).danger_now


@pytest.mark.parametrize(
    ("message", "absent"),
    [
        # an accusation or a worried question is not a sign of gang violence
        ("my mum thinks im in a gang cos ive got new trainers but i got a saturday job", "serious_violence"),
        ("my son listens to drill all the time, does that mean he's in a gang?", "serious_violence"),
        # photos sent to a controlling boyfriend to prove where she is are not sexual images
        ("she has to send him photos to prove where she is and who she's with", "sexual_images"),
        # a man in his 30s with two boys at a hotel is not a boyfriend
        ("man in his 30s checked in paying cash with two boys who look 13 or 14", "older_partner"),
    ],
)
def test_look_alikes_found_on_the_seventh_holdout(message: str, absent: str) -> None:
    assert absent not in analyse(message).signs


@pytest.mark.parametrize(
    ("message", "category", "gave_way"),
    [
        # threats that keep a child running are criminal exploitation, not a separate worry
        (
            "he's been running county lines for older lads and they said theyll do something to his mum if he stops",
            "criminal_exploitation",
            "youth_violence",
        ),
        # nudes pressed for by a controlling boyfriend of 15: relationship abuse, not exploitation by an adult
        (
            "her boyfriend is 15, hes really controlling, checks her phone and keeps pressuring her to send nudes",
            "relationship_abuse",
            "sexual_exploitation",
        ),
    ],
)
def test_signs_that_give_way_to_the_likelier_harm(message: str, category: str, gave_way: str) -> None:
    categories = analyse(message).categories
    assert category in categories
    assert gave_way not in categories


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("is it normal for ur bf to grab ur neck when ur arguing", "partner_violence"),
        ("a bag with nails and a box of fertiliser in his wardrobe", "attack_planning"),
        ("windows boarded, door padlocked from outside, sleeping on a mattress in the loft", "held_captive"),
        ("my foster daughter (14) didnt come back from school yesterday, her phone's off", "missing_now"),
        ("last night he had a fresh black eye and was shaking", "unexplained_injuries"),
        ("a man books his train tickets and he has to drop a bag off in leeds", "transported_by_others"),
    ],
)
def test_urgent_signs_found_on_the_seventh_holdout(message: str, reason: str) -> None:
    assert reason in analyse(message).urgent_reasons


@pytest.mark.parametrize(
    "message",
    [
        "hes gone to school i think, the machete is locked in my car boot now",
        "no hes here with me, ive taken the knife off him",
    ],
)
def test_a_weapon_put_away_is_not_danger_now(message: str) -> None:
    assert not analyse(message).danger_now


@pytest.mark.parametrize(
    "message",
    [
        "these man took me out of ends to trap, been in some yard for 3 days",
        "she and two friends go to parties in Reading most weekends, older men drive them there",
        "third time I've had a job paid for by some bloke to pick a young lad up and take him to Sunderland",
        "a man with them paid both fares then got off at the next stop",
        "says he was driven up by some older guys",
        "a man told him to get the train to Newcastle then a taxi here and someone would pick him up",
    ],
)
def test_moved_by_others_in_everyday_words_is_trafficking(message: str) -> None:
    assert "trafficking" in analyse(message).categories


@pytest.mark.parametrize(
    "message",
    ["his mum paid for his train ticket to see his dad", "we booked the coach tickets for the school trip"],
)
def test_family_and_school_travel_is_not_trafficking(message: str) -> None:
    assert "trafficking" not in analyse(message).categories


def _conversation(*messages: str, category_model=None):
    from bot.nlu_component import entities_for
    from bot.understanding.assess import Turn, assess

    turns = [
        Turn.from_parse("describe_concern", entities_for(analyse(m, category_model=category_model)))
        for m in messages
    ]
    return assess(turns)


@pytest.mark.parametrize(
    "explanation",
    [
        "Just had a look on his laptop with him, he's been reselling trainers on Vinted, all the receipts are there",
        "spoke to his mum, turns out he's been doing Saturdays at the butcher's and is saving for a bike",
        "He works at a restaurant at the Designer Outlet, I've seen his payslips and I've met his manager",
    ],
)
def test_an_everyday_explanation_later_accounts_for_the_money(explanation: str) -> None:
    worry = "My lad's 15 and he's suddenly got loads of cash and new trainers. I read about county lines and panicked."
    assert "criminal_exploitation" in _conversation(worry).categories
    assessment = _conversation(worry, explanation, category_model=_FixedModel("trafficking", 0.9))
    assert assessment.categories == ()
    assert assessment.urgency == "concern"


def test_an_explanation_never_cancels_other_signs() -> None:
    # the debt and the threats stand whatever is said about a job
    assessment = _conversation(
        "he keeps coming home with cash and says he owes the olders and has to go country",
        "he says it's from a saturday job, I've not seen any payslips",
    )
    assert "criminal_exploitation" in assessment.categories
    message = (
        "he's got cash from his job at the chippy but he's 13 and he's been going country for the olders"
    )
    assert "criminal_exploitation" in analyse(message).categories


@pytest.mark.parametrize(
    ("message", "danger_now"),
    [
        (
            "Her friend said she got into a car with a man by the bus station about 4. She messaged her sister at 9 "
            "saying come get me I'm scared and nothing since. What's the process for reporting a child missing?",
            True,
        ),
        ("last year she texted me saying come get me im scared, she was at a party", False),
    ],
)
def test_a_childs_plea_with_no_word_since_is_danger_now(message: str, danger_now: bool) -> None:
    assert analyse(message).danger_now is danger_now


@pytest.mark.parametrize(
    ("message", "danger_now"),
    [
        (
            "A 15 yo member just posted a photo of a big knife and said he's going to the mosque this afternoon "
            "to 'start it'",
            True,
        ),
        (
            "A neighbour saw her get into a silver car at the Co-op with two men in their 20s and her phone has "
            "not answered since",
            True,
        ),
        (
            "A neighbour saw her get into a silver car at the Co-op with two men in their 20s and her phone's been "
            "off since. What else should I be doing?",
            True,
        ),
        ("we are going to the mosque this afternoon for prayers", False),
        ("last year she got into a car with two men, she came back the next day", False),
    ],
)
def test_danger_now_found_on_the_ninth_holdout(message: str, danger_now: bool) -> None:
    assert analyse(message).danger_now is danger_now


@pytest.mark.parametrize(
    ("message", "role", "area", "answer"),
    [
        # an opening, not a "not sure" answer; the job starts the second sentence
        (
            "not sure if this is the right place. taxi driver in swindon, had a job earlier that didnt sit right",
            "community_member",
            "swindon",
            None,
        ),
        ("Thanks. Youth worker here, quick question about a lad", "practitioner", None, None),
        # someone else's job is not who is asking
        ("hi. my dad is a taxi driver in swindon and he saw something", "young_person", "swindon", None),
        ("not sure", None, None, "unsure"),
    ],
)
def test_who_and_where_after_a_hesitant_start(message, role, area, answer) -> None:
    analysis = analyse(message)
    assert (analysis.role, analysis.area, analysis.answer) == (role, area, answer)


@pytest.mark.parametrize(
    ("message", "danger_now"),
    [
        (
            "weve gone past newcastle and he wont say where were going, i said i want to go home and they just laughed",
            True,
        ),
        (
            "at a sleepover and my friends older brother keeps coming in and touching us, hes just come back in",
            True,
        ),
        ("a guy on a video call with my 11 yr old sister in her room telling her to take her top off", True),
        ("i took loads of pills", True),
        ("three lads in balaclavas at the end of our drive, one has just put the car window through", True),
        ("group of older lads holding a young boy's head under the water at the far end", True),
        ("someone following me from the bus stop", True),
        ("he's sat in the car park watching her, says he'll hurt her nan if she doesn't go back out", True),
        ("been in this trap house 3 days they took my shoes so i cant go nowhere", True),
        # over, a habit, or not this minute
        ("theres men outside my house most nights", False),
        ("someone has been following her on instagram", False),
        ("last year he took loads of pills", False),
        ("last month a man on a video call kept telling her to take her top off", False),
    ],
)
def test_danger_now_in_a_frightened_childs_words(message: str, danger_now: bool) -> None:
    assert analyse(message).danger_now is danger_now


def test_a_bank_card_kept_by_a_girlfriend_is_not_danger_now() -> None:
    assert not analyse("my girlfriend took my bank card so i cant go anywhere").danger_now


@pytest.mark.parametrize(
    ("message", "danger_now"),
    [
        # Both were answers to "is anyone in danger right now?" on the holdout 1641-1740.
        (
            "honestly i dont want to be here anymore if that gets out. ive been thinking about it all day",
            True,
        ),
        (
            "They're upstairs in the room now, and another man has just come in asking for the room number",
            True,
        ),
        ("i dont want to be alive if everyone sees them", True),
        ("my family would be better off without me", True),
        ("i cant go on anymore", True),
        # not wanting to be somewhere is not wanting to die
        ("i dont want to be here, the care home is miles from my mates", False),
        ("she doesn't want to be in that school anymore", False),
        ("another man came to the hotel last month asking for her room", False),
        ("He's at college, I've taken the machete and hidden it", False),
    ],
)
def test_danger_now_found_on_the_tenth_holdout(message: str, danger_now: bool) -> None:
    assert analyse(message).danger_now is danger_now
