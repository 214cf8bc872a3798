"""Fetch a URL with the standard library and decode its JSON."""

import json
import urllib.parse
import urllib.request

USER_AGENT = "bench-fetch/1.0"


def build_url(base, params):
    query = urllib.parse.urlencode(params)
    return f"{base}?{query}" if query else base


def fetch_json(url, timeout=10):
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        charset = response.headers.get_content_charset() or "utf-8"
        body = response.read().decode(charset)
    return json.loads(body)


def host_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or ""
