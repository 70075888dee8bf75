#!/usr/bin/python3
"""Password hashes made by other systems' own libraries, for the imported-hash tests.

passlib 1.7 (FastAPI's tutorial family, Flask) and argon2-cffi (its argon2 backend), as Debian packages
them (apt-get install python3-passlib python3-argon2), plus Django's own format, whose hasher is
PBKDF2 from Python's hashlib. Prints JSON: one entry per scheme, each with the password it hashes.
Regenerate with: /usr/bin/python3 test/clients/password_hashes.py > test/fixtures/imported-hashes.json
Small work factors, so the tests stay fast; the formats are the real ones.
"""
import base64
import hashlib
import json
import os

from passlib.hash import argon2, bcrypt, pbkdf2_sha256, scrypt

entries = []


def add(scheme, password, hashed):
    entries.append({"scheme": scheme, "password": password, "hash": hashed})


add("bcrypt-2a", "correct horse 2a", bcrypt.using(ident="2a", rounds=4).hash("correct horse 2a"))
add("bcrypt-2b", "correct horse 2b", bcrypt.using(ident="2b", rounds=4).hash("correct horse 2b"))
add("bcrypt-2y", "correct horse 2y", bcrypt.using(ident="2y", rounds=4).hash("correct horse 2y"))
add("argon2id", "correct horse id", argon2.using(type="ID", memory_cost=1024, rounds=2, parallelism=1).hash("correct horse id"))
add("argon2i", "correct horse i", argon2.using(type="I", memory_cost=1024, rounds=2, parallelism=2).hash("correct horse i"))
add("scrypt", "correct horse scrypt", scrypt.using(rounds=10, block_size=8, parallelism=1).hash("correct horse scrypt"))
add("pbkdf2-sha256", "correct horse pbkdf2", pbkdf2_sha256.using(rounds=1000).hash("correct horse pbkdf2"))
# Django's PBKDF2PasswordHasher: algorithm$iterations$salt$base64(hash), the salt as text.
salt = base64.b64encode(os.urandom(9)).decode().replace("+", "a").replace("/", "b")
digest = hashlib.pbkdf2_hmac("sha256", "correct horse django".encode(), salt.encode(), 1000)
add("django-pbkdf2-sha256", "correct horse django", f"pbkdf2_sha256$1000${salt}${base64.b64encode(digest).decode()}")
# A non-ASCII password: every scheme hashes its UTF-8 bytes.
add("argon2id-unicode", "pässwörd ✓", argon2.using(type="ID", memory_cost=1024, rounds=2, parallelism=1).hash("pässwörd ✓"))

print(json.dumps(entries, indent=2, ensure_ascii=False))
