"""Rasa NLU component: the HOTH analyser inside the Rasa pipeline.

It runs after the intent classifier and adds entities whose values are ids
(`user_role`, `area`, `hoth_sign`, `hoth_topic`, `hoth_flag`, `language_term`,
`danger_answer`), so forms fill their slots inside Rasa without calling the
action server, and later turns can be assessed from ids alone once the
message text has been dropped.

It also overrides the intent where safety needs certainty rather than a
classifier's confidence: a child in danger now is always `emergency`; a
disclosure of abuse is never small talk.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.evaluate import CaseError, load_cases
from bot.understanding.analyse import (
    DANGER_THRESHOLD,
    MODEL_EXTRA_THRESHOLD,
    MODEL_THRESHOLD,
    Analysis,
    analyse,
    prepare,
)
from bot.understanding.assess import encode_contributions, encode_evidence
from bot.understanding.category_model import (
    URGENT,
    CategoryModel,
    CategoryModelError,
    ConversationModel,
    DangerModel,
)
from bot.understanding.knowledge import KNOWLEDGE_DIR, default_knowledge

logger = logging.getLogger(__name__)
MODEL_FILE = "category_model.joblib"
DANGER_MODEL_FILE = "danger_model.joblib"
CONVERSATION_MODEL_FILE = "conversation_model.joblib"
# Labelled conversations for the conversation model (relative to where `rasa train` runs).
CONVERSATIONS = "data/conversations.yml"

EXTRACTOR = "HothAnnotator"
# Intents that say nothing about a concern: when the analyser finds signs in
# such a message, the message is treated as a description.
SMALL_TALK = {
    "greet",
    "thank",
    "goodbye",
    "out_of_scope",
    "nlu_fallback",
    "bot_challenge",
    "ask_privacy",
    "ask_contacts",
    "start_over",
    "retract",
}
# Answers to the form's questions keep their intent; their signs still count.
ANSWERS = {"affirm", "deny", "dont_know", "inform", "decline_to_say"}


def entities_for(analysis: Analysis) -> list[dict[str, Any]]:
    """Rasa entities (ids only, no text offsets) for one analysis."""
    found: list[tuple[str, str]] = []
    if analysis.role:
        # "I'm her neighbour" is who is asking, whenever it is said; "my
        # daughter says..." is only taken as that before the questions start
        # or as the answer to "who's asking?" (domain.yml).
        found.append(("user_role" if analysis.role_said else "role_mention", analysis.role))
    if analysis.area:
        found.append(("area", analysis.area))
    found += [("hoth_sign", sign) for sign in analysis.signs]
    found += [("hoth_sign", reason) for reason in analysis.urgent_reasons if reason not in analysis.signs]
    found += [("hoth_topic", topic) for topic in analysis.topics]
    found += [("hoth_category", category) for category in analysis.categories]
    found += [("hoth_evidence", evidence) for evidence in encode_evidence(analysis)]
    found += [("hoth_flag", flag) for flag in analysis.flags]
    found += [("hoth_flag", f"vulnerability:{v}") for v in analysis.vulnerabilities]
    found += [("language_term", term) for term in analysis.language_terms]
    if analysis.danger_now:
        found.append(("hoth_flag", "danger_now"))
    if analysis.urgent_reasons:
        found.append(("hoth_flag", "urgent"))
    if analysis.question:
        found.append(("hoth_flag", "question"))
    if analysis.answer in {"no", "unsure"} and not analysis.danger_now:
        found.append(("danger_answer", analysis.answer))
    if analysis.role is None and analysis.role_hint:
        found.append(("role_guess", analysis.role_hint))
    elif _unplaced_answer(analysis, analysis.role):
        found.append(("role_guess", "community_member"))
    # "picked up at the bus station, dropped at a hotel off great western way"
    # answers "where?" at 13 words; the question asked again for ever.
    if _unplaced_answer(analysis, analysis.area, max_words=AREA_ANSWER_MAX_WORDS):
        found.append(("area_guess", "elsewhere"))
    return _entities(found)


def _entities(found: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """Rasa entities for (name, id) pairs; no text offsets."""
    return [
        {
            "entity": name,
            "value": value,
            "start": 0,
            "end": 0,
            "confidence_entity": 1.0,
            "extractor": EXTRACTOR,
        }
        for name, value in found
    ]


SMALL_TALK_CONFIDENCE = 0.5


AREA_ANSWER_MAX_WORDS = 40


def _unplaced_answer(analysis: Analysis, known: str | None, max_words: int = 12) -> bool:
    """A reply of up to 12 words (40 for a place) whose role or place (``known``) we do not
    recognise ("EAL coordinator at the secondary school", "Kirkby Stephen"):
    used only as the answer to "who's asking?" (someone else) or "where are
    you?" (somewhere else; the areas list every town and village of both
    partnerships), so neither question is asked again and again. It may
    mention a place or a sign, but is not a question, a yes/no or danger."""
    return (
        known is None
        and analysis.answer is None
        and 0 < analysis.word_count <= max_words
        and analysis.understood
        and not (analysis.question or analysis.danger_now or analysis.urgent_reasons)
    )


def decide_intent(intent: str | None, confidence: float, analysis: Analysis) -> str | None:
    """The intent to use, or None to keep the classifier's."""
    if analysis.danger_now:
        return "emergency"
    if not analysis.understood:
        # Nothing recognisable: the fallback, which carries 999 and Childline.
        return "nlu_fallback"
    # "banbury" in answer to "where are you?": an answer (somewhere else), not
    # a message to apologise for. The fallback here repeated the question for ever.
    if intent == "nlu_fallback" and analysis.name_like:
        return "inform"
    # Any message that opens with a clear yes answers the question asked, however
    # much it goes on to say: "yes, he's still there now, they've taken his
    # shoes" to "is anyone in danger right now?" must get 999 first. Its signs
    # still count.
    if analysis.answer == "yes":
        return "affirm"
    # The intent classifier's own "emergency" is never enough: it called "I'm
    # her foster carer, she's been with us since March" an emergency. Danger
    # now comes from the analyser (patterns, then the danger model), which
    # missed no emergency on the dev split without it (README, "How it understands").
    if intent == "emergency":
        if analysis.answer == "no" or analysis.not_in_danger:
            return "deny"
        if analysis.answer == "unsure":
            return "dont_know"
        return "disclose_abuse" if analysis.urgent_reasons else "describe_concern"
    # "How do u know if a relationship is toxic... not for me just wondering"
    # is a question, not a "no" (which ended the conversation with "take care").
    if intent in {"affirm", "deny"} and analysis.answer is None and analysis.question:
        return "ask_information"
    # "I walk my dog there every night" (goodbye at 0.9) answers "who's asking?".
    if (
        intent in {"greet", "thank", "goodbye"}
        and not analysis.social
        and analysis.word_count >= 4
        and not analysis.has_concern
    ):
        return "inform"
    # A guess at small talk ("retract" at 0.3 for "not yet, it's only
    # Wednesday" or "I was walking my dog") would stop the questions: an
    # unsure guess is an answer instead.
    if (
        intent in SMALL_TALK - {"nlu_fallback"}
        and confidence < SMALL_TALK_CONFIDENCE
        and not analysis.has_concern
    ):
        return {"no": "deny", "unsure": "dont_know"}.get(analysis.answer or "", "inform")
    # "What's the advice if a pupil tells us someone is blackmailing them?" from
    # a teacher planning an assembly is a question, not a disclosure.
    if analysis.hypothetical and intent not in ANSWERS - {"inform"}:
        return "ask_information"
    if analysis.urgent_reasons and intent not in {"disclose_abuse"} | (ANSWERS - {"inform"}):
        return "disclose_abuse"
    # "What is CSE?" or "how do I report kids dealing without anyone knowing
    # it was me?" asks about a topic, not about a child: it is answered and
    # still routed, but does not read as a concern about someone.
    if (
        intent not in ANSWERS - {"inform"}
        and analysis.question
        and not analysis.urgent_reasons
        and (analysis.general or not analysis.signs)
        and (analysis.topics or analysis.signs)
    ):
        return "ask_information"
    # "Is it normal that my son has two phones?" is a concern put as a question.
    if intent == "ask_information" and analysis.question and not analysis.general and analysis.signs:
        return "describe_concern"
    if analysis.has_concern and intent in SMALL_TALK:
        return "describe_concern"
    if analysis.topics and not analysis.has_concern and intent in SMALL_TALK:
        return "ask_information"
    if intent == "inform" and analysis.has_concern and not (analysis.role or analysis.area):
        return "describe_concern"
    return None


def labelled_examples(training_data: TrainingData, key: str) -> tuple[list[str], list[str]]:
    """Texts and labels of the examples whose block says `metadata: {key: label}`."""
    texts, labels = [], []
    knowledge = default_knowledge()
    for example in training_data.training_examples:
        block = (example.get("metadata") or {}).get("intent")
        if isinstance(block, dict) and block.get(key) and example.get("text"):
            texts.append(prepare(example.get("text"), knowledge))
            labels.append(str(block[key]))
    return texts, labels


def labelled_conversations(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    """Each conversation's messages (prepared, in the order the driver sends them) and its
    categories, with `URGENT` when it was labelled urgent or an emergency."""
    knowledge = default_knowledge()
    conversations, labels = [], []
    for case in load_cases(path):
        said = [case.opening, case.role_answer, case.area_answer, case.danger_answer, *case.more]
        conversations.append([prepare(text, knowledge) for text in said])
        urgent = [URGENT] if case.expect.get("urgency") in {"urgent", "emergency"} else []
        labels.append(list(case.expect.get("categories") or []) + urgent)
    return conversations, labels


def danger_examples(training_data: TrainingData) -> tuple[list[str], list[bool]]:
    """Every example's text, and whether its intent is `emergency`."""
    texts, in_danger = [], []
    knowledge = default_knowledge()
    for example in training_data.intent_examples:
        if example.get("text"):
            texts.append(prepare(example.get("text"), knowledge))
            in_danger.append(example.get("intent") == "emergency")
    return texts, in_danger


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=True,
)
class HothAnnotator(GraphComponent):
    """Adds HOTH ids as entities and makes danger and disclosure certain."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "knowledge_dir": None,
            "category_threshold": MODEL_THRESHOLD,
            "category_extra_threshold": MODEL_EXTRA_THRESHOLD,
            "danger_threshold": DANGER_THRESHOLD,
            "conversations": CONVERSATIONS,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        category_model: CategoryModel | None = None,
        danger_model: DangerModel | None = None,
        conversation_model: ConversationModel | None = None,
    ) -> None:
        # Load and validate the knowledge files once, at model load: a broken
        # file stops the server instead of failing a conversation.
        self._knowledge = default_knowledge(config.get("knowledge_dir"))
        self._threshold = float(config.get("category_threshold", MODEL_THRESHOLD))
        self._extra_threshold = float(config.get("category_extra_threshold", MODEL_EXTRA_THRESHOLD))
        self._storage = model_storage
        self._resource = resource
        self._category_model = category_model
        self._danger_model = danger_model
        self._danger_threshold = float(config.get("danger_threshold", DANGER_THRESHOLD))
        self._conversation_model = conversation_model
        self._conversations = config.get("conversations") or CONVERSATIONS

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa reuses a trained component while its config and training data are
        unchanged; the labelled conversations, the knowledge files (which
        prepare every text) and the code that trains the models are read from
        outside those, so they count too."""
        digest = hashlib.sha256()
        files = [Path(config.get("conversations") or CONVERSATIONS)]
        files += sorted(Path(config.get("knowledge_dir") or KNOWLEDGE_DIR).glob("*.yml"))
        files += [Path(__file__), *sorted((Path(__file__).parent / "understanding").glob("*.py"))]
        for path in files:
            digest.update(str(path).encode())
            digest.update(path.read_bytes() if path.is_file() else b"absent")
        return digest.hexdigest()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> HothAnnotator:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = labelled_examples(training_data, "hoth_category")
        try:
            self._category_model = CategoryModel.train(texts, labels)
        except CategoryModelError as error:
            logger.warning("category model not trained (%s); the rules work alone", error)
        texts, in_danger = danger_examples(training_data)
        try:
            self._danger_model = DangerModel.train(texts, in_danger)
        except CategoryModelError as error:
            logger.warning("danger model not trained (%s); the danger-now patterns work alone", error)
        try:
            self._conversation_model = ConversationModel.train(
                *labelled_conversations(Path(self._conversations))
            )
        except (CategoryModelError, CaseError) as error:
            logger.warning("conversation model not trained (%s); the rest works without it", error)
        with self._storage.write_to(self._resource) as directory:
            for model, name in (
                (self._category_model, MODEL_FILE),
                (self._danger_model, DANGER_MODEL_FILE),
                (self._conversation_model, CONVERSATION_MODEL_FILE),
            ):
                if model is not None:
                    joblib.dump(model, Path(directory) / name)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> HothAnnotator:
        models: dict[str, Any] = {}
        try:
            with model_storage.read_from(resource) as directory:
                for name in (MODEL_FILE, DANGER_MODEL_FILE, CONVERSATION_MODEL_FILE):
                    path = Path(directory) / name
                    if path.exists():
                        models[name] = joblib.load(path)
        except ValueError:
            pass
        if MODEL_FILE not in models:
            logger.warning("no category model in this Rasa model; the rules work alone")
        if DANGER_MODEL_FILE not in models:
            logger.warning("no danger model in this Rasa model; the danger-now patterns work alone")
        if CONVERSATION_MODEL_FILE not in models:
            logger.warning("no conversation model in this Rasa model; the rest works without it")
        return cls(
            config,
            model_storage,
            resource,
            models.get(MODEL_FILE),
            models.get(DANGER_MODEL_FILE),
            models.get(CONVERSATION_MODEL_FILE),
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get("text") or ""
            if not text or text.startswith("/"):
                continue
            analysis = analyse(
                text,
                self._knowledge,
                self._category_model,
                self._threshold,
                self._extra_threshold,
                self._danger_model,
                self._danger_threshold,
            )
            entities = [e for e in message.get("entities", []) if e.get("extractor") != EXTRACTOR]
            found = entities_for(analysis)
            if self._conversation_model is not None:
                found += _entities(
                    ("hoth_evidence", value)
                    for value in encode_contributions(
                        self._conversation_model.contributions(prepare(text, self._knowledge)),
                        self._conversation_model.intercepts,
                    )
                )
            message.set("entities", entities + found, add_to_output=True)
            intent = message.get("intent") or {}
            override = decide_intent(intent.get("name"), float(intent.get("confidence") or 0.0), analysis)
            if override and override != intent.get("name"):
                message.set("intent", {"name": override, "confidence": 1.0}, add_to_output=True)
                ranking = [r for r in message.get("intent_ranking", []) if r.get("name") != override]
                message.set(
                    "intent_ranking", [{"name": override, "confidence": 1.0}, *ranking], add_to_output=True
                )
        return messages
