"""A minimal client for any OpenAI-compatible chat endpoint (llama.cpp, Ollama, vLLM, hosted).

Only `POST {llm_base_url}/chat/completions` is used, non-streaming, temperature 0. The base URL
is the one the server documents for OpenAI clients, e.g. `http://127.0.0.1:8080/v1` for
llama.cpp's server or `http://127.0.0.1:11434/v1` for Ollama. Errors are wrapped in `LLMError`
saying what failed and what to check. The client knows nothing about summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from everyside.errors import EverysideError
from everyside.settings import Settings


class LLMError(EverysideError):
    """The LLM endpoint could not be reached or gave an unusable answer."""


@dataclass
class LLMClient:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 60.0
    connect_timeout: float = 10.0
    user_agent: str = "everyside"
    transport: httpx.BaseTransport | None = None  # for tests; None = real network

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMClient | None:
        """The configured client, or None when `llm_base_url` is not set."""
        if not settings.llm_base_url:
            return None
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.total_timeout,
            connect_timeout=settings.connect_timeout,
            user_agent=settings.user_agent,
        )

    @property
    def url(self) -> str:
        base = self.base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else base + "/chat/completions"

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def chat(self, messages: list[dict[str, str]], max_tokens: int = 600) -> str:
        """The assistant's reply to `messages` (text only)."""
        payload: dict[str, Any] = {
            "model": self.model or "default",
            "messages": messages,
            "temperature": 0,
            "max_tokens": max_tokens,
            "stream": False,
        }
        timeout = httpx.Timeout(self.timeout, connect=self.connect_timeout)
        try:
            with httpx.Client(timeout=timeout, transport=self.transport) as client:
                response = client.post(self.url, json=payload, headers=self._headers())
        except httpx.HTTPError as e:
            raise LLMError(
                f"llm: request to {self.url} failed: {e!r}; check llm_base_url and that the "
                "server is running"
            ) from e
        return _content(self.url, response)


def _content(url: str, response: httpx.Response) -> str:
    if response.status_code != 200:
        raise LLMError(
            f"llm: {url} answered HTTP {response.status_code}: {response.text[:200]!r}; "
            "check llm_model and llm_api_key"
        )
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise LLMError(
            f"llm: {url} did not answer like an OpenAI-compatible chat endpoint ({e!r})"
        ) from e
    if not isinstance(content, str):
        raise LLMError(f"llm: {url} returned no text content")
    return content
