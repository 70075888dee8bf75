"""pyotp, a TOTP implementation nobody here wrote, against the MFA routes of a running API: it reads
the otpauth:// URI of the setup answer as an authenticator app would, computes every code itself,
and goes through the MFA step of both login routes. Prints one JSON object of what it saw; the jest
test test/integration/python-totp.test.ts judges it. Usage: pyotp_client.py API USER PASSWORD
"""
import json
import sys
import time

import pyotp
import requests

api, username, password = sys.argv[1:4]
MFA_GRANT = "urn:serverless-auth-api:params:oauth:grant-type:mfa"
seen = {}


def post(path, bearer=None, **kwargs):
    headers = {"authorization": "Bearer " + bearer} if bearer else {}
    return requests.post(api + path, headers=headers, timeout=10, **kwargs)


def cookie_login():
    return post("/auth/token", data={"username": username, "password": password})


def oauth_login():
    return post("/oauth2/token", data={"grant_type": "password", "username": username, "password": password})


def verify(mfa_token, **proof):
    reply = post("/auth/mfa/verify", json={"mfa_token": mfa_token, **proof})
    return reply.status_code


def step():
    return int(time.time()) // 30


# Set up: the URI is parsed by pyotp, and the codes come from what it parsed.
access = cookie_login().json()["access_token"]
setup = post("/auth/mfa/totp/setup", bearer=access).json()
totp = pyotp.parse_uri(setup["otpauth_uri"])
seen["parsed"] = {
    "name": totp.name,
    "issuer": totp.issuer,
    "digits": totp.digits,
    "interval": totp.interval,
    "secret_matches": totp.secret == setup["secret"],
}
# The step and the code from one instant: a step ending between the two would make them disagree.
now = time.time()
confirmed_at = int(now // totp.interval)
confirm = post("/auth/mfa/totp/confirm", bearer=access, json={"code": totp.at(now)})
seen["confirm"] = confirm.status_code
codes = confirm.json()["recovery_codes"]

# The cookie route: the password answers 403 with an MFA token; the confirm used this step, so the
# next step's code (+1, inside the window) starts the session; the same code again, +2 and -2 do not.
first = cookie_login()
seen["cookie_first_factor"] = [first.status_code, sorted(first.json().keys())]
token = first.json()["mfa_token"]
next_at = confirmed_at + 1
next_code = totp.at(next_at * totp.interval)
seen["cookie_plus_one"] = verify(token, code=next_code)
token = cookie_login().json()["mfa_token"]
seen["cookie_same_code_again"] = verify(token, code=next_code)
seen["cookie_plus_two"] = verify(token, code=totp.at(time.time(), counter_offset=2))
seen["cookie_minus_two"] = verify(token, code=totp.at(time.time(), counter_offset=-2))
# A recovery code works once.
seen["recovery_code"] = verify(token, recovery_code=codes[0])
token = cookie_login().json()["mfa_token"]
seen["recovery_code_again"] = verify(token, recovery_code=codes[0])

# The OAuth route, with a code: the steps up to next_at are used, so wait (at most 30 s) until
# next_at + 1 is inside the window, as a person would wait for the next code.
while step() < next_at:
    time.sleep(0.5)
first = oauth_login()
# The cookie route's refused codes locked the username for a moment (each took a place in its count,
# and the first factors' places stay taken until a second factor succeeds): wait as told, as a client would.
for _ in range(10):
    if first.status_code != 429:
        break
    time.sleep(float(first.headers.get("Retry-After", "1")))
    first = oauth_login()
seen["oauth_first_factor"] = [first.status_code, first.json().get("error")]
if "mfa_token" not in first.json():
    sys.exit(f"the password grant answered {first.status_code} {first.json()} instead of mfa_required")
grant = {"grant_type": MFA_GRANT, "mfa_token": first.json()["mfa_token"]}
grant["otp"] = totp.at((next_at + 1) * totp.interval)
tokens = post("/oauth2/token", data=grant)
seen["oauth_mfa_grant"] = [tokens.status_code, sorted(tokens.json().keys())]

# Disable with another recovery code; the password alone logs in again.
access = tokens.json()["access_token"]
seen["disable"] = post("/auth/mfa/totp/disable", bearer=access, json={"recovery_code": codes[1]}).status_code
seen["password_alone"] = cookie_login().status_code
print(json.dumps(seen))
