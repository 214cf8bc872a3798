"""Signed provenance: the store's Ed25519 key signs each exported provenance record; public keys alone check it.

What is signed is the record's canonical JSON (keys sorted, no spaces, ASCII), without its `signature` field: it
holds `content_sha256`, so the signature vouches for the content too. The signature field names its key by
fingerprint, OpenSSH's `SHA256:...` of the public key (what `ssh-keygen -lf KEY.pub` prints), and public keys are
kept as OpenSSH lines (`ssh-ed25519 AAAA... NAME`), so a repository commits one line per key.

The private key is made on first use in the config directory (PKCS#8 PEM, mode 0600), and never leaves it: not into
the store, an export, a message or a log. Rotating it retires the old key's public half beside it, so exports
signed with the old key still check against the old public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from draftmate.errors import ConfigError, DraftmateError, UsageError

if TYPE_CHECKING:  # cryptography loads only when a key is used: `draftmate --help` and `list` never sign
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ALGORITHM = "ed25519"
SIGNATURE_FIELD = "signature"
KEY_FILE = "signing-key.pem"  # in the config directory
RETIRED_DIR = "retired-keys"  # beside it: the public halves of rotated keys
SSH_TYPE = "ssh-ed25519"


class Signature(TypedDict):
    """The `signature` field of a provenance record."""

    algorithm: str
    key_fingerprint: str
    value: str  # base64 of the 64-byte Ed25519 signature


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: the record without its signature, keys sorted, compact, ASCII."""
    unsigned = {k: v for k, v in record.items() if k != SIGNATURE_FIELD}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


# ---- public keys ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key: its raw 32 bytes, its fingerprint, and where it was read from."""

    raw: bytes
    name: str

    @property
    def blob(self) -> bytes:
        """The key in SSH wire format (what the OpenSSH line holds in base64)."""
        name = SSH_TYPE.encode()
        return len(name).to_bytes(4, "big") + name + len(self.raw).to_bytes(4, "big") + self.raw

    @property
    def fingerprint(self) -> str:
        """`SHA256:<base64, unpadded>` of the wire format, as `ssh-keygen -lf` prints it."""
        return "SHA256:" + base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")

    def openssh_line(self, comment: str = "draftmate") -> str:
        """The key as one OpenSSH line, for `.draftmate/keys/NAME.pub`."""
        return f"{SSH_TYPE} {base64.b64encode(self.blob).decode()} {comment}"

    def verifies(self, signature: bytes, data: bytes) -> bool:
        """Whether `signature` is this key's signature of `data`."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except InvalidSignature:
            return False
        return True


def parse_public_key(text: str, name: str) -> PublicKey:
    """An `ssh-ed25519 BASE64 [comment]` line; ValueError saying what is wrong otherwise."""
    fields = text.strip().split()
    if len(fields) < 2 or fields[0] != SSH_TYPE:
        raise ValueError(f"not an `{SSH_TYPE} AAAA...` line (`draftmate key show` prints one)")
    try:
        blob = base64.b64decode(fields[1], validate=True)
    except ValueError:
        raise ValueError("its key is not valid base64") from None
    name_length = int.from_bytes(blob[:4], "big")
    kind = blob[4 : 4 + name_length]
    rest = blob[4 + name_length :]
    key_length = int.from_bytes(rest[:4], "big")
    raw = rest[4:]
    if kind != SSH_TYPE.encode() or key_length != 32 or len(raw) != 32:
        raise ValueError("its key is not a 32-byte Ed25519 key")
    return PublicKey(raw, name)


# The most public keys and the largest key file `load_keyring` reads: a keys directory is one line per key.
MAX_KEYS = 1000
MAX_KEY_FILE_BYTES = 16_384


def load_keyring(directory: Path) -> tuple[dict[str, PublicKey], list[str]]:
    """The public keys in `directory/*.pub` by fingerprint, and a line for each file that is not one (skipped)."""
    keys: dict[str, PublicKey] = {}
    problems: list[str] = []
    try:
        names = sorted(p for p in directory.iterdir() if p.name.endswith(".pub"))
    except FileNotFoundError:
        return keys, problems
    except NotADirectoryError:
        raise UsageError(f"{directory} is a file; the public keys go in a directory of NAME.pub files") from None
    except OSError as e:
        raise DraftmateError(f"cannot read {directory}: {e.strerror}") from None
    for path in names[:MAX_KEYS]:
        try:
            if not path.is_file():
                raise ValueError("not a regular file")
            with path.open("rb") as f:
                add_key_file(keys, f.read(MAX_KEY_FILE_BYTES + 1), path.stem)
        except (OSError, ValueError) as e:
            problems.append(f"{path}: {e}; skipped")
    return keys, problems


def add_key_file(keys: dict[str, PublicKey], data: bytes, name: str) -> None:
    """Add the keys one .pub file's bytes hold to `keys` (ValueError, a UnicodeDecodeError among them, when one
    line is not a key: the lines before it are kept, as they were read)."""
    if len(data) > MAX_KEY_FILE_BYTES:
        raise ValueError("larger than any public key")
    for line in _key_lines(data.decode("utf-8")):
        key = parse_public_key(line, name)
        keys.setdefault(key.fingerprint, key)


def _key_lines(text: str) -> Iterable[str]:
    """The key lines of a .pub file: blank lines and `#` comments skipped."""
    return (line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


# ---- the private key ------------------------------------------------------------------------------------------


class Signer:
    """Signs provenance records with one private key (kept inside this object, never returned)."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self._key = key
        self.public = PublicKey(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), "this store")

    def signature(self, record: Mapping[str, Any]) -> Signature:
        """The signature field for `record` (its own signature field, if any, left out of what is signed)."""
        value = self._key.sign(canonical(record))
        return {
            "algorithm": ALGORITHM,
            "key_fingerprint": self.public.fingerprint,
            "value": base64.b64encode(value).decode("ascii"),
        }

    def __repr__(self) -> str:  # never the key itself, in a traceback or a log
        return f"Signer({self.public.fingerprint})"


JSON_LINE_HEAD = b'{"provenance":'
JSON_LINE_CONTENT = b',"content":'  # cannot occur inside the provenance: a quote in a JSON string is escaped


JSON_LINE_SIGNATURE = b',"signature":'  # the provenance's last key; likewise never inside a string


def signed_line(line: bytes, signer: Signer) -> bytes:
    """An `export --all` line (compact JSON, provenance first) with the signature that closes its provenance, as
    `--format json` writes it, in place of any it had; the content is not parsed."""
    if not line.startswith(JSON_LINE_HEAD):
        raise ValueError("not an export --all line")
    end = line.index(JSON_LINE_CONTENT)
    closing = end - 1  # the provenance's closing brace
    found = line.find(JSON_LINE_SIGNATURE, 0, end)
    cut = found if found >= 0 else closing
    provenance = json.loads(line[len(JSON_LINE_HEAD) : cut] + b"}")
    field = json.dumps(signer.signature(provenance), separators=(",", ":")).encode("ascii")
    return line[:cut] + JSON_LINE_SIGNATURE + field + line[closing:]


def signed_by_marker(signer: Signer) -> bytes:
    """How a compact JSON line names `signer`'s key in its signature field."""
    fingerprint = json.dumps(signer.public.fingerprint).encode("ascii")
    return JSON_LINE_SIGNATURE + b'{"algorithm":"ed25519","key_fingerprint":' + fingerprint + b","


def is_signed_line(line: bytes, marker: bytes) -> bool:
    """Whether an `export --all` line's provenance is signed by the key `marker` names (`signed_by_marker`)."""
    end = line.find(JSON_LINE_CONTENT)
    return end >= 0 and line.find(marker, 0, end) >= 0


def key_path(config_dir: Path) -> Path:
    """Where the private signing key lives."""
    return config_dir / KEY_FILE


def signer(config_dir: Path, *, create: bool = True) -> Signer:
    """The signer of this config directory's key; the key is made on first use (mode 0600) when `create`."""
    path = key_path(config_dir)
    if not path.exists() and not path.is_symlink():
        if not create:
            raise UsageError(f"no signing key yet at {path}; it is made on the first export (or `draftmate key show`)")
        _create(path)
    return Signer(_load(path))


def _create(path: Path, *, replace: bool = False) -> None:
    """A new private key at `path`, written atomically with mode 0600; one made meanwhile by another process wins,
    unless `replace` (rotation)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from draftmate.fileio import write_atomic

    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    try:
        write_atomic(path, pem, mode=0o600, overwrite=replace, make_parents=True)
    except UsageError:
        if replace or not path.is_file():  # not the race with another export: a real problem, as fileio says it
            raise


def _load(path: Path) -> Ed25519PrivateKey:
    """The private key at `path`: a regular file, private to its owner, holding an Ed25519 PKCS#8 PEM key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        st = path.stat()
    except OSError as e:
        reason = e.strerror
        raise ConfigError(f"cannot read the signing key {path}: {reason}; move it aside to make a new one") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"the signing key {path} is not a regular file; move it aside to make a new one")
    if stat.S_IMODE(st.st_mode) & 0o077:
        mode = oct(stat.S_IMODE(st.st_mode))[2:]
        raise ConfigError(f"the signing key {path} is readable by others (mode {mode}); run: chmod 600 {path}")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_KEY_FILE_BYTES)
        key = load_pem_private_key(data, password=None)
    except OSError as e:
        raise ConfigError(f"cannot read the signing key {path}: {e.strerror}; check its permissions") from None
    except (ValueError, TypeError):  # what cryptography raises for anything but an unencrypted PEM key
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(
            f"the signing key {path} is not an Ed25519 key draftmate wrote; move it aside and draftmate makes a new one"
        )
    return key


def rotate(config_dir: Path) -> tuple[PublicKey, PublicKey]:
    """Retire the current key (its public half kept in retired-keys/) and make a new one; (old, new) public keys."""
    old = signer(config_dir).public
    retired = config_dir / RETIRED_DIR
    retired.mkdir(parents=True, exist_ok=True, mode=0o700)
    from draftmate.fileio import write_atomic

    name = old.fingerprint.removeprefix("SHA256:").replace("/", "_").replace("+", "-")
    write_atomic(retired / f"{name}.pub", old.openssh_line() + "\n", overwrite=True)
    _create(key_path(config_dir), replace=True)  # the old private key is replaced, never left beside the new one
    return old, signer(config_dir).public


def retired_keys(config_dir: Path) -> list[PublicKey]:
    """The public halves of keys this config directory used before (oldest fingerprint order, not time)."""
    keys, _ = load_keyring(config_dir / RETIRED_DIR)
    return list(keys.values())


# ---- checking a record ----------------------------------------------------------------------------------------


def signature_fields(record: Mapping[str, Any]) -> tuple[str, bytes] | None:
    """(key fingerprint, signature bytes) of a record's signature field; None if it has none; ValueError if the
    field is not one draftmate writes."""
    field = record.get(SIGNATURE_FIELD)
    if field is None:
        return None
    if not isinstance(field, dict) or set(field) != {"algorithm", "key_fingerprint", "value"}:
        raise ValueError("its signature field is not the algorithm, key_fingerprint and value draftmate writes")
    if field["algorithm"] != ALGORITHM:
        raise ValueError(f"its signature algorithm is {str(field['algorithm'])[:20]!r}, not {ALGORITHM}")
    fingerprint, value = field["key_fingerprint"], field["value"]
    if not isinstance(fingerprint, str) or not isinstance(value, str):
        raise ValueError("its signature's key_fingerprint and value are not strings")
    try:
        signature = base64.b64decode(value, validate=True)
    except ValueError:
        raise ValueError("its signature value is not base64") from None
    if len(signature) != 64:
        raise ValueError("its signature value is not a 64-byte Ed25519 signature")
    return fingerprint, signature
