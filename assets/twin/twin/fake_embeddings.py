"""The fake Bedrock's answer to embedding calls (InvokeModel, ``POST /model/{id}/invoke``), apart from its chat code.

LiteLLM 1.108.7 sends embeddings to InvokeModel in each provider's own body (``litellm/llms/bedrock/embed/``):
Amazon Titan Text Embeddings V2 one call per input, ``{"inputText": …}``, read back from ``embedding`` and
``inputTextTokenCount``; Cohere Embed one call for all inputs, ``{"texts": […], "input_type": …}``, read back from
``embeddings`` by type (``litellm/llms/cohere/embed/transformation.py``). The vectors are derived from the text, so
a test can tell that the vector it got is the one for its input.
"""
from __future__ import annotations

import hashlib
from typing import Any

DIMENSIONS = 8  # short vectors: the shape is what the test checks, not the size


def is_embedding_model(model_id: str) -> bool:
    """Whether ``model_id`` (a foundation model or a profile such as ``us.cohere.embed-v4:0``) embeds."""
    base = model_id.split('.', 1)[1] if model_id.split('.', 1)[0] in ('us', 'eu', 'apac', 'jp', 'au', 'ca', 'us-gov', 'global') else model_id
    return base.startswith(('amazon.titan-embed', 'cohere.embed'))


def vector_for(text: str) -> list[float]:
    """The vector the fake returns for ``text``: stable, unit-free, different for different texts."""
    digest = hashlib.sha256(text.encode()).digest()
    return [round(b / 255, 6) for b in digest[:DIMENSIONS]]


def embedding_response(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The InvokeModel answer of an embedding model to ``body``, in that provider's response shape."""
    if 'texts' in body:  # Cohere Embed
        texts = [str(t) for t in body.get('texts') or []]
        vectors = [vector_for(t) for t in texts]
        return {
            'id': f'twin-{model_id}', 'texts': texts, 'response_type': 'embeddings_by_type',
            'embeddings': {'float': vectors},
            'meta': {'billed_units': {'input_tokens': sum(len(t.split()) for t in texts)}},
        }
    text = str(body.get('inputText', ''))  # Amazon Titan Text Embeddings
    vector = vector_for(text)
    return {'embedding': vector, 'embeddingsByType': {'float': vector}, 'inputTextTokenCount': len(text.split())}
