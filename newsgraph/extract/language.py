"""Language identification with py3langid, on a bounded sample of the text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, min_chars: int = 40) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short to tell."""
    sample = text[:2000]
    if len(sample.strip()) < min_chars:
        return None
    code, probability = _identifier().classify(sample)
    return str(code) if probability >= 0.5 else None
