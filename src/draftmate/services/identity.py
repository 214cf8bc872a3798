"""Who is at the keyboard, as git knows them: apart from the review use cases, so `draft` can ask it cheaply."""

from __future__ import annotations


def git_identity() -> str | None:
    """`Name <email>` from git's config, if git is there and knows."""
    import subprocess

    def get(key: str) -> str:
        try:
            out = subprocess.run(["git", "config", "--get", key], capture_output=True, text=True, timeout=5)
        except (OSError, subprocess.SubprocessError):
            return ""
        return out.stdout.strip()

    name, email = get("user.name"), get("user.email")
    if name and email:
        return f"{name} <{email}>"
    return name or email or None
