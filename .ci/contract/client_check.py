"""The generated Python client against a running demo: sign in as the state
admin, list members, read the first one by id.

Run by .ci/contract/run after `openapi-python-client generate` and a pip
install of target/contract/client. Environment:
  CONTRACT_BASE_URL  the demo server, e.g. http://127.0.0.1:8080
  CONTRACT_SIGN_IN   the demo's line "state-admin: USERNAME / PASSWORD"
"""

import os
import sys
from http import HTTPStatus

# The package is named after the document's title, "Accompany API"; its
# operation modules after the operation ids (list_members, ...), grouped by
# the operations' tags (account, members, ...).
from accompany_api_client import AuthenticatedClient, Client
from accompany_api_client.api.account import login
from accompany_api_client.api.members import get_member, list_members
from accompany_api_client.models import LoginBody


def fail(message: str) -> None:
    print(f"client check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    base_url = os.environ["CONTRACT_BASE_URL"]
    persona, sign_in = os.environ["CONTRACT_SIGN_IN"].split(": ", 1)
    if persona != "state-admin":
        fail(f"expected the state admin's sign-in, got {persona!r}")
    username, password = sign_in.split(" / ", 1)

    anonymous = Client(base_url=base_url, raise_on_unexpected_status=False)
    answer = login.sync_detailed(client=anonymous, body=LoginBody(username=username, password=password))
    if answer.status_code != HTTPStatus.OK or answer.parsed is None:
        fail(f"sign-in answered {answer.status_code}: {answer.content[:300]!r}")
    token = answer.parsed.token
    if not isinstance(token, str) or not token:
        fail(f"sign-in gave no token: {answer.parsed!r}")
    if answer.parsed.user is None or getattr(answer.parsed.user, "username", None) != username:
        fail(f"sign-in answered another user: {answer.parsed.user!r}")

    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=False)
    page = list_members.sync_detailed(client=client)
    if page.status_code != HTTPStatus.OK or page.parsed is None:
        fail(f"GET /api/v1/members answered {page.status_code}: {page.content[:300]!r}")
    items = page.parsed.items
    if not items:
        fail("GET /api/v1/members: the state admin sees no member in the demo")
    first = items[0]
    if not isinstance(first.id, str) or not first.id:
        fail(f"the first member has no id: {first!r}")

    one = get_member.sync_detailed(client=client, id=first.id)
    if one.status_code != HTTPStatus.OK or one.parsed is None:
        fail(f"GET /api/v1/members/{first.id} answered {one.status_code}: {one.content[:300]!r}")
    member = one.parsed
    if member.id != first.id:
        fail(f"GET /api/v1/members/{first.id} answered the member {member.id!r}")
    for field in ("given_name", "family_name"):
        if getattr(member, field, None) != getattr(first, field, None):
            fail(f"{field} differs between the list ({getattr(first, field, None)!r}) and the read ({getattr(member, field, None)!r})")
    print(f"client check: signed in as {username}, listed {len(items)} members, read {member.id} ({member.given_name} {member.family_name})")


if __name__ == "__main__":
    main()
