"""A statistical category classifier that complements the knowledge-file rules.

The rules are precise and explainable but only know the phrasings someone
wrote down. This model learns from the labelled descriptions in
``data/nlu/concern_*.yml`` (each block carries ``metadata: hoth_category``)
and adds a category the rules missed only when it is confident. It never
removes a category the rules found, and never adds one the rules saw
denied ("he hasn't gone missing").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from bot.vocabulary import CATEGORIES

NONE = "none"
LABELS = (*CATEGORIES, NONE)
# The conversation model also learns whether practitioners would act today.
URGENT = "urgent"


def _ngram_classifier(C: float, seed: int, balanced: bool = False):
    """Word 1-2-grams and character 3-5-grams into a logistic regression."""
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)),
        ]
    )
    classifier = LogisticRegression(
        C=C, max_iter=3000, random_state=seed, class_weight="balanced" if balanced else None
    )
    return make_pipeline(features, classifier)


class CategoryModelError(ValueError):
    """The training data cannot train the model."""


@dataclass
class CategoryModel:
    """Word and character n-grams into a multinomial logistic regression."""

    pipeline: object
    classes: tuple[str, ...]

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], seed: int = 42) -> CategoryModel:
        unknown = sorted(set(labels) - set(LABELS))
        if unknown:
            raise CategoryModelError(f"unknown category labels {unknown}; use {LABELS}")
        if len(set(labels)) < 2:
            raise CategoryModelError("the category model needs examples of at least two categories")
        pipeline = _ngram_classifier(C=8.0, seed=seed)
        pipeline.fit(list(texts), list(labels))
        return cls(pipeline=pipeline, classes=tuple(pipeline.classes_))

    def scores(self, text: str) -> dict[str, float]:
        """Probability of each category (and of none) for a prepared text."""
        probabilities = self.pipeline.predict_proba([text])[0]
        return {label: float(p) for label, p in zip(self.classes, probabilities, strict=True)}


@dataclass
class DangerModel:
    """How likely a message is to say that a child is in danger now.

    The knowledge file's danger-now patterns are certain but know only the
    phrasings someone wrote down; a frightened parent or a taxi driver puts
    it in words of their own ("he's kicking her door in", "the man has her in
    his van"). Trained on the `emergency` examples against every other
    example; the caller decides which messages it may judge (never a "no",
    a "she's safe now" or a general question) and how sure it must be.
    """

    pipeline: object

    @classmethod
    def train(cls, texts: Sequence[str], in_danger: Sequence[bool], seed: int = 42) -> DangerModel:
        if len(set(in_danger)) < 2:
            raise CategoryModelError("the danger model needs examples of danger now and of not")
        pipeline = _ngram_classifier(C=4.0, seed=seed, balanced=True)
        pipeline.fit(list(texts), [bool(label) for label in in_danger])
        return cls(pipeline=pipeline)

    def probability(self, text: str) -> float:
        """Probability that a prepared text says a child is in danger now."""
        classes = list(self.pipeline.classes_)
        return float(self.pipeline.predict_proba([text])[0][classes.index(True)])


@dataclass
class ConversationModel:
    """What a whole conversation points to, learnt from labelled conversations.

    Practitioners judge a conversation as a whole: a second phone in the
    opening and "found in Reading" two messages later make criminal
    exploitation and going missing together. One logistic regression per
    category over word and character n-grams, with raw (unnormalised)
    TF-IDF features: a conversation's features are then the sum of its
    messages', so its score is the intercept plus the sum of each message's
    `contributions`. That lets each message be read once, as it arrives, and
    only numbers (never words) be kept for the rest of the conversation.
    Besides the categories it learns `URGENT`: whether the conversation was
    labelled urgent or an emergency.
    """

    pipeline: object
    weights: dict[str, object]
    intercepts: dict[str, float]

    @classmethod
    def train(
        cls, conversations: Sequence[Sequence[str]], labels: Sequence[Sequence[str]], C: float = 0.1
    ) -> ConversationModel:
        """``conversations``: each a list of prepared messages; ``labels``: each its categories,
        and `URGENT` when it was urgent or an emergency."""
        if len(conversations) != len(labels) or not conversations:
            raise CategoryModelError("the conversation model needs labelled conversations")
        unknown = sorted({c for row in labels for c in row} - {*CATEGORIES, URGENT})
        if unknown:
            raise CategoryModelError(f"unknown category labels {unknown}; use {(*CATEGORIES, URGENT)}")
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), norm=None)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, norm=None)),
            ]
        )
        matrix = features.fit_transform(["\n".join(messages) for messages in conversations])
        weights, intercepts = {}, {}
        for category in (*CATEGORIES, URGENT):
            target = [category in row for row in labels]
            if len(set(target)) < 2:
                continue
            classifier = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
            classifier.fit(matrix, target)
            weights[category] = classifier.coef_[0]
            intercepts[category] = float(classifier.intercept_[0])
        if not weights:
            raise CategoryModelError("no category has both labelled and unlabelled conversations")
        return cls(pipeline=features, weights=weights, intercepts=intercepts)

    def contributions(self, text: str) -> dict[str, float]:
        """How far one prepared message moves each category's score (log-odds)."""
        row = self.pipeline.transform([text])
        return {category: float((row @ w)[0]) for category, w in self.weights.items()}
