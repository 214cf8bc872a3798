"""Re-record the model cassettes.

    python cassettes/record.py                     # against bench/oai_server.py, started here on 127.0.0.1:8765
    OPENAI_API_KEY=sk-... python cassettes/record.py --base-url https://api.openai.com/v1 --model gpt-4o-mini

Every scenario in cassettes/scenarios.py runs with vcrpy in record mode `all`; secrets are scrubbed by
cassettes/vcr_config.py before anything is written; recorded_with.json tells the tests which endpoint to replay.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LOCAL_PORT = 8765
# A key-shaped value sent while recording locally, so the secret scan proves the scrubbing works.
RECORDING_KEY = "sk-local-recording-0000000000000000"


def start_local_server() -> subprocess.Popen[str]:
    """bench/oai_server.py on the fixed port the cassettes name."""
    server = subprocess.Popen(
        [sys.executable, str(REPO / "bench" / "oai_server.py"), "--port", str(LOCAL_PORT)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if "listening" not in line:
        server.kill()
        raise SystemExit(f"the local server did not start: {line!r}")
    return server


def main() -> None:
    """Record every scenario."""
    parser = argparse.ArgumentParser(description="Re-record draftmate's model cassettes.")
    parser.add_argument("--base-url", help="record against this endpoint instead of the local server")
    parser.add_argument("--model", default="test-model")
    args = parser.parse_args()
    sys.path[:0] = [str(HERE), str(REPO / "src")]
    import scenarios
    import vcr_config

    server = None
    if args.base_url is None:
        server = start_local_server()
        base_url, key = f"http://127.0.0.1:{LOCAL_PORT}/v1", RECORDING_KEY
    else:
        base_url, key = args.base_url, os.environ.get("OPENAI_API_KEY", "")
    try:
        recorder = vcr_config.make_vcr("all")
        for name, scenario in scenarios.SCENARIOS.items():
            (HERE / f"{name}.yaml").unlink(missing_ok=True)  # mode `all` would append to the old tape
            with tempfile.TemporaryDirectory() as tmp:
                os.environ.update(
                    DRAFTMATE_HOME=str(Path(tmp) / "home"),
                    DRAFTMATE_BASE_URL=base_url,
                    DRAFTMATE_MODEL=args.model,
                    DRAFTMATE_API_KEY=key,
                )
                cwd = os.getcwd()
                os.chdir(tmp)
                try:
                    with recorder.use_cassette(f"{name}.yaml") as cassette:
                        results = scenario(Path(tmp))
                finally:
                    os.chdir(cwd)
                for label, result in results.items():
                    if result.exit_code != 0:
                        raise SystemExit(f"{name}/{label} failed: {result.stdout}{result.stderr}")
                print(f"recorded {name}: {len(cassette)} requests")
        recorded = {"base_url": vcr_config.public_url(base_url), "model": args.model}  # replays need no credentials
        vcr_config.RECORDED_WITH.write_text(json.dumps(recorded, indent=2) + "\n")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
