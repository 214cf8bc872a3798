"""Prompt templates: markdown files with front matter, shipped in the wheel, overridden by name from a user dir.

A template file looks like this (variables use f-string syntax; a literal brace is doubled):

    ---
    name: draft-text
    version: 1
    description: one line saying what it is for
    variables: [spec, context]
    ---
    ## system
    ...
    ## user
    ... {spec} ...

Rendering is str.format on sections whose fields `parse` has checked are plain variable names (what langchain's
f-string PromptTemplate does), so a prompt is ready before langchain has finished importing.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from draftmate.domain.digests import sha256_hex
from draftmate.errors import ConfigError, NotFound

ROLES = ("system", "user")
FRONT_KEYS = ("name", "version", "description", "variables")
VARIABLE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


@dataclass(frozen=True)
class Template:
    """One prompt template and where it came from."""

    name: str
    version: str
    description: str
    variables: tuple[str, ...]
    sections: tuple[tuple[str, str], ...]  # (role, text) in order
    path: Path
    sha256: str
    origin: str  # "builtin" or "user"

    def ref(self) -> dict[str, str]:
        """What a stored draft records about the template it was made with."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}

    def render(self, **values: str) -> list[tuple[str, str]]:
        """The chat messages, each section's variables filled in."""
        missing = set(self.variables) - set(values)
        if missing:
            raise ValueError(f"template {self.name} needs {', '.join(sorted(missing))}")
        return [(role, text.format_map(values).strip()) for role, text in self.sections]


def builtin_dir() -> Path:
    """The templates shipped with draftmate: inside the wheel, else the repository's prompts/ (editable installs)."""
    packaged = Path(__file__).resolve().parents[1] / "prompts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "prompts"


def user_dir(prompts_dir: str | None = None) -> Path:
    """The user's templates: the prompts_dir setting, else <config dir>/prompts."""
    if prompts_dir:
        return Path(prompts_dir).expanduser()
    from draftmate.settings.paths import config_dir

    return config_dir() / "prompts"


def parse(text: str, path: Path, origin: str = "builtin") -> Template:
    """A template from its file text; ConfigError naming the file and what is wrong."""
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text.replace("\r\n", "\n"), re.S)
    if not match:
        raise ConfigError(f"{path}: a prompt template starts with front matter between '---' lines")
    front: dict[str, str] = {}
    for number, line in enumerate(match.group(1).splitlines(), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or key.strip() not in FRONT_KEYS:
            raise ConfigError(f"{path}:{number}: expected one of {', '.join(FRONT_KEYS)} as 'key: value'")
        front[key.strip()] = value.strip()
    missing = [k for k in FRONT_KEYS if k not in front]
    if missing:
        raise ConfigError(f"{path}: front matter lacks {', '.join(missing)}")
    variables = tuple(v.strip() for v in front["variables"].strip("[]").split(",") if v.strip())
    sections = _sections(match.group(2), path)
    used = {v for _, body in sections for v in VARIABLE.findall(body)}
    if used != set(variables):
        raise ConfigError(
            f"{path}: variables {sorted(variables)} in the front matter differ from those used: {sorted(used)}"
        )
    return Template(
        name=front["name"],
        version=front["version"],
        description=front["description"],
        variables=variables,
        sections=sections,
        path=path,
        sha256=sha256_hex(text),
        origin=origin,
    )


def _sections(body: str, path: Path) -> tuple[tuple[str, str], ...]:
    parts = re.split(r"^## (system|user)[ \t]*$", body, flags=re.M)
    if parts[0].strip():
        raise ConfigError(f"{path}: put the text under a '## system' or '## user' heading")
    _check_braces(body, path)
    sections = tuple((parts[i], parts[i + 1].strip("\n")) for i in range(1, len(parts), 2))
    if not any(role == "user" for role, _ in sections):
        raise ConfigError(f"{path}: a template needs a '## user' section")
    return sections


def _check_braces(body: str, path: Path) -> None:
    """ConfigError for a brace rendering would trip over (a JSON example written with single braces)."""
    fix = "write a literal brace twice, {{ and }}"
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(body) if name is not None]
    except ValueError as e:
        raise ConfigError(f"{path}: {e}; {fix}") from None
    for name in fields:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ConfigError(f"{path}: {{{name}}} is not a variable; {fix}")


def load_all(prompts_dir: str | None = None) -> dict[str, Template]:
    """Every template by name; a user's template replaces the shipped one of the same name."""
    found: dict[str, Template] = {}
    for origin, directory in (("builtin", builtin_dir()), ("user", user_dir(prompts_dir))):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.md")):
            if path.name.lower() == "readme.md":
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise ConfigError(f"cannot read prompt template {path}: {e}") from None
            template = parse(text, path, origin)
            found[template.name] = template
    return found


def load(name: str, prompts_dir: str | None = None) -> Template:
    """The template called `name`."""
    templates = load_all(prompts_dir)
    if name not in templates:
        raise NotFound(f"no prompt template {name!r}; `draftmate prompts list` shows them")
    return templates[name]
