"""A small OpenAI-compatible chat server (stdlib only) for recording cassettes and for benchmarks.

It answers /v1/chat/completions (streamed or not, n choices, token log-probabilities, json_schema output for
draftmate's schemas) and /v1/models, deterministically from the request, after an optional fixed latency.
PyPI's llmock returns no log-probabilities, which draftmate's logprobs signal and `doctor` need; hence this.

    python bench/oai_server.py --port 8765 --latency 0.0
prints `listening on http://127.0.0.1:PORT/v1` once it accepts requests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1_767_225_600  # fixed, so recorded answers do not change between runs


def digest(*parts: str) -> int:
    """A stable number from text, for deterministic variety."""
    return int(hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:8], 16)


def last_user(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message."""
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def system_text(messages: list[dict[str, Any]]) -> str:
    """The text of the system messages."""
    return "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")


def topic_words(text: str, count: int = 6) -> str:
    """A few content words from a request, to make answers about it."""
    found = [w for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", text) if w.lower() not in {"write", "draft", "this"}]
    return " ".join(found[:count]) or "the request"


TAIL_MARKER = "<<<WEAK SPOTS>>>"  # draftmate's draft templates ask for a weak-spots list after this line


def prose(messages: list[dict[str, Any]]) -> str:
    """A markdown or code draft about the request, with the weak-spots tail when the prompt asks for one."""
    text = draft_text(messages)
    if TAIL_MARKER not in system_text(messages):
        return text
    return f"{text.rstrip()}\n\n{TAIL_MARKER}\n{json.dumps(weak_spots(text))}\n"


def draft_text(messages: list[dict[str, Any]]) -> str:
    """The draft itself."""
    user, system = last_user(messages), system_text(messages)
    if "single word" in user:
        return "ready"
    request = user.split("request:", 1)[-1].split("Context files:", 1)[0].strip()
    words = topic_words(request)
    if "code only" in system:
        name = re.sub(r"\W+", "_", words.split()[0].lower()) if words.split() else "answer"
        return f'def {name}(values):\n    """{words}."""\n    return sorted(values)[: len(values) // 2]\n'
    return (
        f"# {words.title()}\n\n"
        f"This draft answers the request about {words}. It was written by a local test server.\n\n"
        "## Details\n\n"
        "Adoption grew by 42% in 2025, according to the team's own figures.\n"
    )


def ideas(user: str) -> dict[str, Any]:
    """Brainstorm ideas shaped by the angle and topic in the prompt."""
    count = int(m.group(1)) if (m := re.search(r"Give (\d+) distinct ideas", user)) else 3
    angle = m.group(1) if (m := re.search(r"Angle to take this time: (.+)", user)) else "any"
    topic = m.group(1) if (m := re.search(r"Topic: (.+)", user)) else "the topic"
    lead = " ".join(angle.split()[1:4]).title()
    return {
        "ideas": [
            {
                "title": f"{lead} ({i + 1})",
                "rationale": f"{angle[:60]}, for {topic[:40]}",
                "risks": [f"may cost more than planned ({i + 1})"],
            }
            for i in range(count)
        ]
    }


def weak_spots(draft: str) -> dict[str, Any]:
    """The first line of the draft holding a digit, as the weak spot."""
    lines = [line.strip() for line in draft.splitlines() if re.search(r"\d", line)]
    return {"weak_spots": [{"quote": lines[0][:80], "why": "the figure is not in any source given"}] if lines else []}


CLAIM_BLOCK = re.compile(
    r"\[(\d+)\] SENTENCE: (.*?)\n\s*PASSAGES: (.*?)(?=\n\n\[\d+\] SENTENCE: |\n\nFor each sentence)", re.S
)


def claims(user: str) -> dict[str, Any] | str:
    """Verdicts by a plain rule: all the sentence's words in its passage, supported; most of them but a number
    the passage lacks, contradicted; else not found. A sentence saying "reportedly" gets a quote made up from
    itself (which draftmate must discard); one saying "gibberish" gets an answer out of the schema's shape."""
    verdicts: list[dict[str, Any]] = []
    for number, sentence, passage in CLAIM_BLOCK.findall(user):
        if "gibberish" in sentence:
            return json.dumps({"claims": [{"sentence": "first", "verdict": "perhaps"}]})
        words = set(re.findall(r"[a-z]{4,}", sentence.lower()))
        found = set(re.findall(r"[a-z]{4,}", passage.lower()))
        numbers = set(re.findall(r"\d+", sentence)) - set(re.findall(r"\d+", passage))
        share = len(words & found) / len(words) if words else 0.0
        parts = re.split(r"(?<=\.) ", passage.strip())
        first = max(parts, key=lambda p: len(words & set(re.findall(r"[a-z]{4,}", p.lower()))))
        if "reportedly" in sentence:
            verdict = {"verdict": "supported", "quote": sentence.strip()}
        elif share >= 0.5 and numbers:
            verdict = {"verdict": "contradicted", "quote": first}
        elif share >= 0.8:
            verdict = {"verdict": "supported", "quote": first}
        else:
            verdict = {"verdict": "not_found", "quote": ""}
        verdicts.append({"sentence": int(number), **verdict})
    return {"claims": verdicts}


def structured(name: str, schema: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    """JSON that validates against the schema draftmate asked for."""
    user = last_user(messages)
    if name == "IdeasOut":
        return json.dumps(ideas(user))
    if name == "ClaimVerdicts":
        answer = claims(user)
        return answer if isinstance(answer, str) else json.dumps(answer)
    if name == "Ping":
        return json.dumps({"ok": True})
    return json.dumps(instance(schema, schema, "value"))


def instance(schema: dict[str, Any], root: dict[str, Any], label: str) -> Any:
    """A minimal value of a JSON schema."""
    if "$ref" in schema:
        schema = root.get("$defs", {}).get(schema["$ref"].rsplit("/", 1)[-1], {})
    kind = schema.get("type", "object")
    if kind == "object":
        return {k: instance(v, root, k) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [instance(schema.get("items", {}), root, label)]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return 1
    return f"{label} text"


def tokens(text: str) -> list[str]:
    """Text split into word-ish tokens that join back to it."""
    return re.findall(r"\S+\s*|\s+", text)


def logprob_entry(token: str, top: int) -> dict[str, Any]:
    """A token's made-up but stable log-probability, with alternatives."""
    value = -round((digest(token) % 250) / 100, 3)
    alternatives = [{"token": token, "logprob": value, "bytes": None}]
    alternatives += [{"token": f"{token.strip()}_{i}", "logprob": value - 1 - i, "bytes": None} for i in range(top - 1)]
    return {"token": token, "logprob": value, "bytes": None, "top_logprobs": alternatives[:top]}


class Handler(BaseHTTPRequestHandler):
    """One request; the server object carries the latency and counts requests."""

    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def _json(self, status: int, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in self.server.models]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        with self.server.lock:
            self.server.requests += 1
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        time.sleep(self.server.latency)
        messages = body.get("messages", [])
        model = body.get("model", "test-model")
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema", {})
            base = structured(spec.get("name", ""), spec.get("schema", {}), messages)
        else:
            base = prose(messages)
        n = int(body.get("n") or 1)
        texts = [base] + [base.replace("42%", f"{40 + i}%") for i in range(1, n)]
        top = int(body.get("top_logprobs") or 1) if body.get("logprobs") else 0
        if body.get("stream"):
            self._stream(model, texts[0], top, bool((body.get("stream_options") or {}).get("include_usage")))
            return
        choices = []
        for index, text in enumerate(texts):
            logprobs = {"content": [logprob_entry(t, top) for t in tokens(text)], "refusal": None} if top else None
            choices.append(
                {
                    "index": index,
                    "message": {"role": "assistant", "content": text},
                    "logprobs": logprobs,
                    "finish_reason": "stop",
                }
            )
        usage = {"prompt_tokens": len(json.dumps(messages)) // 4, "completion_tokens": len(tokens(base))}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        self._json(
            200,
            {
                "id": "chatcmpl-local",
                "object": "chat.completion",
                "created": CREATED,
                "model": model,
                "choices": choices,
                "usage": usage,
            },
        )

    def _stream(self, model: str, text: str, top: int, usage: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        base = {"id": "chatcmpl-local", "object": "chat.completion.chunk", "created": CREATED, "model": model}
        parts = tokens(text)
        for i, token in enumerate(parts):
            choice: dict[str, Any] = {
                "index": 0,
                "delta": {"role": "assistant", "content": token} if i == 0 else {"content": token},
                "finish_reason": "stop" if i == len(parts) - 1 else None,
            }
            if top:
                choice["logprobs"] = {"content": [logprob_entry(token, top)], "refusal": None}
            self.wfile.write(f"data: {json.dumps({**base, 'choices': [choice]})}\n\n".encode())
        if usage:
            counts = {"prompt_tokens": 10, "completion_tokens": len(parts), "total_tokens": 10 + len(parts)}
            self.wfile.write(f"data: {json.dumps({**base, 'choices': [], 'usage': counts})}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    """The HTTP server with the knobs the handler reads."""

    daemon_threads = True

    def __init__(self, port: int, latency: float, models: list[str]) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.latency = latency
        self.models = models
        self.requests = 0
        self.lock = threading.Lock()


def start(port: int = 0, latency: float = 0.0, models: list[str] | None = None) -> Server:
    """A running server in a background thread; `server.server_address[1]` is its port."""
    server = Server(port, latency, models or ["test-model", "backup-model"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args()
    server = Server(args.port, args.latency, ["test-model", "backup-model"])
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
