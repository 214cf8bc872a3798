"""Store short notes in SQLite."""

import sqlite3
import uuid
from contextlib import closing


def connect(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
    return conn


def add(conn, body):
    note_id = uuid.uuid4().hex
    with conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (note_id, body))
    return note_id


def search(conn, word):
    with closing(conn.cursor()) as cursor:
        cursor.execute("SELECT id, body FROM notes WHERE body LIKE ?", (f"%{word}%",))
        rows = cursor.fetchall()
    return [{"id": row[0], "body": row[1]} for row in rows]
