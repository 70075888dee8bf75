"""requests-oauthlib against /oauth2/token, used as its own docs say (LegacyApplicationClient: the
password grant; refresh_token for the refresh grant). Prints one JSON object of what it saw; the jest
test test/integration/python-clients.test.ts judges it. Usage: requests_oauthlib_client.py API USER PASSWORD
"""
import json
import os
import sys

os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the dev server is plain http on 127.0.0.1

from oauthlib.oauth2 import InvalidGrantError, InvalidScopeError, LegacyApplicationClient  # noqa: E402
from requests_oauthlib import OAuth2Session  # noqa: E402

api, username, password = sys.argv[1:4]
token_url = api + "/oauth2/token"
seen = {}


def session(scope=None):
    return OAuth2Session(client=LegacyApplicationClient(client_id="py-cli", scope=scope), scope=scope)


# A scope the server does not declare: refused, and the library raises the RFC's error.
try:
    session(["orders:read"]).fetch_token(token_url, username=username, password=password)
    seen["orders_read"] = "granted"
except InvalidScopeError as e:
    seen["orders_read"] = e.error

# No scope: tokens (the library sends client_id as HTTP Basic with an empty secret), then refreshes.
plain = session()
token = plain.fetch_token(token_url, username=username, password=password)
seen["token_keys"] = sorted(token.keys())
seen["token_scope"] = token.get("scope")
# A refresh naming no client is the default client's, not py-cli's: refused, and nothing rotated.
try:
    plain.refresh_token(token_url, refresh_token=token["refresh_token"])
    seen["refresh_without_client_id"] = "refreshed"
except InvalidGrantError as e:
    seen["refresh_without_client_id"] = e.error
# As the library's docs show it: the client's id in the refresh's extra parameters.
refreshed = plain.refresh_token(token_url, refresh_token=token["refresh_token"], client_id="py-cli")
seen["refreshed"] = refreshed["refresh_token"] != token["refresh_token"] and "access_token" in refreshed

# openid: a built-in scope the default client may ask for, granted as asked; had the answer's
# "scope" differed, oauthlib would raise its "Scope has changed" warning.
try:
    granted = session(["openid"]).fetch_token(token_url, username=username, password=password)
    seen["openid"] = granted.get("scope")
except Warning as w:  # oauthlib's "Scope has changed" warning, raised unless relaxed
    seen["openid"] = {"old": w.old_scope, "new": w.new_scope}

print(json.dumps(seen))
