"""A model command loads the CA certificates no more often than it must: the TLS context langchain-openai makes at
import, and the one of the HTTP client that sends the requests; the async client draftmate never uses shares the
first, unless a proxy is configured (then langchain-openai builds its clients its own way, to honour it)."""

from __future__ import annotations

import os
import subprocess
import sys

# Counts the certificate loads of importing langchain-openai and building the ChatOpenAI a draft uses.
COUNT_LOADS = """
import ssl
loads = []
original = ssl.SSLContext.load_verify_locations
def counted(self, *args, **kwargs):
    loads.append(1)
    return original(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counted
import sys
if sys.argv[1] == "draftmate":
    from draftmate.llm.chat import OpenAIChat
    from draftmate.settings.config import Settings
    OpenAIChat(Settings(base_url="http://127.0.0.1:9/v1", model="m")).runnable(logprobs=True)
else:  # langchain-openai left to itself
    from langchain_openai import ChatOpenAI
    ChatOpenAI(model="m", base_url="http://127.0.0.1:9/v1", api_key="k", use_responses_api=False, stream_usage=True)
print(len(loads))
"""


def certificate_loads(who: str, **environment: str) -> int:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()} | environment
    done = subprocess.run(
        [sys.executable, "-c", COUNT_LOADS, who], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def test_the_unused_async_client_loads_no_certificates_of_its_own() -> None:
    assert certificate_loads("langchain-openai") == 3, "an import-time context, one for each client"
    assert certificate_loads("draftmate") == 2


def test_with_a_proxy_langchain_openai_builds_its_clients_as_it_would() -> None:
    proxy = "http://127.0.0.1:9"
    assert certificate_loads("draftmate", HTTPS_PROXY=proxy) == certificate_loads("langchain-openai", HTTPS_PROXY=proxy)
