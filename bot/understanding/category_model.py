"""Statistical text models that complement the knowledge-file rules.

The rules are precise and explainable but only know the phrasings someone
wrote down. These models learn from the labelled descriptions in
``data/nlu/*.yml`` (blocks carry ``metadata: hoth_category`` and
``hoth_urgency``) and only ever add to what the rules found, when confident:

- the category model adds a category the rules missed, never one the
  message denies ("he hasn't gone missing");
- the urgency model marks a described concern as urgent (a disclosure,
  violence, sexual activity with an adult) when the rules saw signs but none
  of the urgent ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from bot.vocabulary import CATEGORIES

NONE = "none"
CATEGORY_LABELS = (*CATEGORIES, NONE)
URGENCY_LABELS = ("urgent", "concern")


class CategoryModelError(ValueError):
    """The training data cannot train the model."""


@dataclass
class TextModel:
    """Word and character n-grams into a (multinomial) logistic regression."""

    pipeline: object
    classes: tuple[str, ...]

    @classmethod
    def train(
        cls, texts: Sequence[str], labels: Sequence[str], allowed: Sequence[str], seed: int = 42
    ) -> TextModel:
        unknown = sorted(set(labels) - set(allowed))
        if unknown:
            raise CategoryModelError(f"unknown labels {unknown}; use {tuple(allowed)}")
        if len(set(labels)) < 2:
            raise CategoryModelError("a model needs examples of at least two labels")
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True),
                ),
            ]
        )
        classifier = LogisticRegression(C=8.0, max_iter=2000, random_state=seed)
        pipeline = make_pipeline(features, classifier)
        pipeline.fit(list(texts), list(labels))
        return cls(pipeline=pipeline, classes=tuple(pipeline.classes_))

    def scores(self, text: str) -> dict[str, float]:
        """Probability of each label for a prepared text."""
        probabilities = self.pipeline.predict_proba([text])[0]
        return {label: float(p) for label, p in zip(self.classes, probabilities, strict=True)}


class CategoryModel(TextModel):
    """Which HOTH category (or none) a description points to."""

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], allowed=CATEGORY_LABELS, seed: int = 42):
        return super().train(texts, labels, allowed, seed)


class UrgencyModel(TextModel):
    """Whether a description is urgent or a concern."""

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], allowed=URGENCY_LABELS, seed: int = 42):
        return super().train(texts, labels, allowed, seed)
