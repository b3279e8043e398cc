"""Check the Sandbox's webhook deliveries with a third-party parser (fidelity.py runs this).

githubkit validates a payload against models generated from GitHub's published webhook schema
(`githubkit.webhooks.parse`), so a delivery it accepts has every field GitHub documents as
required, with the documented types. Signatures are checked with Python's own `hmac`, not with
anything of ours.

A receiver on 127.0.0.1 (an ephemeral port) collects the deliveries; the changes are made the
ways a coordinator and a human make them: labels through the REST API with the bot's token, and
labels, close, reopen, a title edit and a new issue through the Sandbox's control API.
"""
import hashlib
import hmac
import http.server
import json
import threading
import urllib.request
import uuid

SECRET = "fidelity webhook secret"


class Mismatch(Exception):
    pass


def expect(what, got, wanted):
    if got != wanted:
        raise Mismatch(f"{what}: expected {wanted!r}, got {got!r}")
    print(f"ok   {what}")


class Receiver:
    """Collects (headers, raw body) of every POST and answers 202."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def call(url, method="GET", body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def check_webhooks(github_url, control_url, scenario):
    try:
        import githubkit.webhooks
    except ImportError as error:
        raise Mismatch(f"githubkit is not installed ({error}): pip install -r Tests/Fidelity/requirements.txt")

    token = scenario["github"]["tokens"][0]["token"]
    bot = scenario["github"]["tokens"][0].get("login", "sandbox-bot")
    with Receiver() as receiver:
        hook = call(control_url + "/webhooks", "POST", {"url": receiver.url, "secret": SECRET, "events": ["issues"]})
        expect("webhook registered without its secret in the answer", "secret" in hook, False)
        issues = control_url + "/repos/acme/infra/issues"
        # What a coordinator does: a label through the REST API with its token.
        call(f"{github_url}/repos/acme/infra/issues/1/labels", "POST", {"labels": ["fidelity"]}, token=token)
        # What humans do.
        call(f"{issues}/1/labels", "PUT", {"labels": ["status-02:awaiting-planning"]})
        call(f"{issues}/1/close", "POST")
        call(f"{issues}/1/reopen", "POST")
        call(f"{issues}/1", "PATCH", {"title": "Renamed by the fidelity check"})
        created = call(issues, "POST", {"title": "Opened by the fidelity check", "labels": ["status-01:created"], "user": "alice"})
        settled = call(control_url + "/webhooks/settle", "POST", {"timeout_ms": 20000})
        expect("deliveries settled", settled.get("pending"), 0)
        call(f"{control_url}/webhooks/{hook['id']}", "DELETE")

    # acme/infra#1 starts as ["Overview"] in the example scenario.
    original = next(i for r in scenario["github"]["repositories"] if r["name"] == "infra"
                    for i in r["issues"] if i["number"] == 1)
    expect("acme/infra#1 starts with the labels this check assumes", original["labels"], ["Overview"])
    wanted = [
        ("labeled", "fidelity", bot),
        ("unlabeled", "Overview", "octocat"), ("unlabeled", "fidelity", "octocat"),
        ("labeled", "status-02:awaiting-planning", "octocat"),
        ("closed", None, "octocat"), ("reopened", None, "octocat"), ("edited", None, "octocat"),
        ("opened", None, "alice"), ("labeled", "status-01:created", "alice"),
    ]
    got = []
    for headers, body in receiver.received:
        expect_header(headers, "x-github-event", "issues")
        expect_header(headers, "content-type", "application/json")
        expect_header(headers, "x-github-hook-id", str(hook["id"]))
        if not headers.get("user-agent", "").startswith("GitHub-Hookshot/"):
            raise Mismatch(f"User-Agent {headers.get('user-agent')!r} is not GitHub-Hookshot/…")
        uuid.UUID(headers.get("x-github-delivery", ""))
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-hub-signature-256", ""), "sha256=" + digest):
            raise Mismatch(f"X-Hub-Signature-256 does not match the body: {headers.get('x-hub-signature-256')!r}")
        if not githubkit.webhooks.verify(SECRET, body, headers["x-hub-signature-256"]):
            raise Mismatch("githubkit.webhooks.verify rejected the signature")
        event = githubkit.webhooks.parse("issues", body)  # raises when the payload breaks the schema
        expect(f"parsed {event.action} carries its repository", event.repository.full_name,
               "acme/infra")
        label = getattr(event, "label", None)
        got.append((event.action, label.name if label else None, event.sender.login))
        if event.action == "edited":
            expect("edited names the old title", event.changes.title.from_, original["title"])
        if event.action == "opened":
            expect("opened is the new issue", event.issue.number, created["number"])
    expect(f"{len(wanted)} deliveries, parsed by githubkit, signed, in order", got, wanted)


def expect_header(headers, name, wanted):
    if headers.get(name) != wanted:
        raise Mismatch(f"header {name}: expected {wanted!r}, got {headers.get(name)!r}")
