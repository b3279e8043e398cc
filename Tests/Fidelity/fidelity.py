#!/usr/bin/env python3
"""Drive a running Sandbox with real third-party clients and check what they get back.

PyGithub and python-jenkins encode their own expectations of GitHub and Jenkins (URL shapes,
pagination, label encoding, crumbs, queue locations). If they work against the Sandbox and
see the scenario's data, the Sandbox speaks the same protocol as the real services. githubkit
checks issue events against GitHub's published REST schema and, with --control, the Sandbox's
webhook deliveries against GitHub's webhook schema (webhooks.py); with --app-id, githubkit's own
GitHub App authentication logs in to the Sandbox and lists an installation's issues (apps.py).

Run against a fresh Sandbox started from the scenario given with --scenario (default: the
example shipped in Sources/Sandbox/Scenarios): the checks change labels and start builds.

Exit status 0 when every check passes; 1 with a message naming the first mismatch.
"""
import argparse
import datetime
import json
import os
import sys
import time
import urllib.request

import jenkins
import requests
from github import Auth, Github, GithubException

import apps
import webhooks

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCENARIO = os.path.join(HERE, "..", "..", "Sources", "Sandbox", "Scenarios", "example.json")


class Mismatch(Exception):
    pass


def expect(what, got, wanted):
    if got != wanted:
        raise Mismatch(f"{what}: expected {wanted!r}, got {got!r}")
    print(f"ok   {what}")


def scenario_repo(scenario, owner, name):
    for repo in scenario["github"]["repositories"]:
        if repo["owner"] == owner and repo["name"] == name:
            return repo
    raise Mismatch(f"scenario has no repository {owner}/{name}")


def check_github(base_url, scenario, mutate):
    token = scenario["github"]["tokens"][0]["token"]
    # retry=None: a Sandbox answer that a client would retry is itself a finding.
    # PyGithub spaces requests out by default (0.25 s, 1 s for writes) to be kind to
    # github.com; a loopback Sandbox needs none of that.
    gh = Github(base_url=base_url, auth=Auth.Token(token), per_page=3, retry=None, timeout=15,
                seconds_between_requests=None, seconds_between_writes=None)
    tag = f"[{base_url}]"

    repo = gh.get_repo("acme/mcp_coder")
    expect(f"{tag} repository full_name", repo.full_name, "acme/mcp_coder")
    expect(f"{tag} repository default_branch", repo.default_branch, "main")
    dotted = gh.get_repo("acme/web.site")
    expect(f"{tag} dotted repository name", dotted.name, "web.site")

    data = scenario_repo(scenario, "acme", "mcp_coder")
    open_items = sorted(i["number"] for i in data["issues"] if i.get("state", "open") == "open")
    listed = list(repo.get_issues(state="open"))
    if len(listed) <= 3:
        raise Mismatch(f"{tag} expected several pages of 3, got {len(listed)} items")
    expect(f"{tag} open issues over {len(listed) // 3 + 1} pages", sorted(i.number for i in listed), open_items)
    prs = sorted(i.number for i in listed if i.pull_request is not None)
    expect(f"{tag} pull requests marked", prs,
           sorted(i["number"] for i in data["issues"] if i.get("pull_request") and i.get("state", "open") == "open"))

    since = datetime.datetime(2026, 11, 24, 9, 30, tzinfo=datetime.timezone.utc)
    recent = sorted(i.number for i in repo.get_issues(state="all", since=since))
    wanted_recent = sorted(i["number"] for i in data["issues"]
                           if (i.get("updated_at") or i["created_at"]) >= "2026-11-24T09:30:00Z")
    expect(f"{tag} issues since 09:30Z", recent, wanted_recent)

    issue = repo.get_issue(105)
    expect(f"{tag} issue #105 title", issue.title, "Support Windows executors")
    expect(f"{tag} issue #105 labels", [l.name for l in issue.labels], ["status-05:plan-ready"])
    expect(f"{tag} issue #105 html_url", issue.html_url, "https://github.com/acme/mcp_coder/issues/105")

    try:
        repo.get_issue(9999)
        raise Mismatch(f"{tag} issue #9999 should be 404")
    except GithubException as error:
        expect(f"{tag} missing issue status", error.status, 404)

    if not mutate:
        return

    before = issue.updated_at
    issue.add_to_labels("status-06:implementing")
    issue.remove_from_labels("status-05:plan-ready")
    again = repo.get_issue(105)
    expect(f"{tag} labels after the move", [l.name for l in again.labels], ["status-06:implementing"])
    if not again.updated_at > before:
        raise Mismatch(f"{tag} updated_at did not move: {before} -> {again.updated_at}")
    print(f"ok   {tag} updated_at moved forward")
    try:
        again.remove_from_labels("status-05:plan-ready")
        raise Mismatch(f"{tag} removing an absent label should be 404")
    except GithubException as error:
        expect(f"{tag} absent label removal status", error.status, 404)

    site = dotted.get_issue(2)
    site.remove_from_labels("🚀 launch")
    expect(f"{tag} emoji label removed", [l.name for l in dotted.get_issue(2).labels], ["status-02:awaiting-planning"])
    site.add_to_labels("🚀 launch")
    expect(f"{tag} emoji label back", [l.name for l in dotted.get_issue(2).labels],
           ["status-02:awaiting-planning", "🚀 launch"])


def control(control_url, method, path, body=None):
    """A call to the Sandbox's /_sandbox/ API; its JSON answer, or None for an empty one."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(control_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
    return json.loads(text) if text else None


def check_issue_events(base_url, scenario):
    """GET /repos/{o}/{r}/issues/{n}/events after check_github's label moves: PyGithub's
    get_events() over pages of 3, and githubkit, which validates the answer against GitHub's
    published schema for the endpoint (issue-event-for-issue)."""
    account = scenario["github"]["tokens"][0]
    login = account.get("login", "sandbox-bot")
    gh = Github(base_url=base_url, auth=Auth.Token(account["token"]), per_page=3, retry=None, timeout=15,
                seconds_between_requests=None, seconds_between_writes=None)
    repo = gh.get_repo("acme/mcp_coder")

    def summary(events):
        return [(e.event, e.label.name if e.label else None, e.actor.login) for e in events]

    declared = next(i for i in scenario_repo(scenario, "acme", "mcp_coder")["issues"] if i["number"] == 107)["events"]
    history = list(repo.get_issue(107).get_events())
    expect("events: #107's declared history", summary(history),
           [(e["event"], e.get("label"), e.get("actor", "alice")) for e in declared])
    expect("events: #107's times", [e.created_at for e in history],
           [datetime.datetime.fromisoformat(e["created_at"].replace("Z", "+00:00")) for e in declared])

    moved = list(repo.get_issue(105).get_events())
    expect("events: #105's label move by the token's user", summary(moved)[-2:],
           [("labeled", "status-06:implementing", login), ("unlabeled", "status-05:plan-ready", login)])
    age = datetime.datetime.now(datetime.timezone.utc) - moved[-1].created_at
    if not datetime.timedelta(seconds=-5) <= age <= datetime.timedelta(minutes=10):
        raise Mismatch(f"events: the move's created_at is not about now: {moved[-1].created_at}")
    print("ok   events: the move is dated now, in UTC")

    site = scenario_repo(scenario, "acme", "web.site")
    two = next(i for i in site["issues"] if i["number"] == 2)
    paged = list(gh.get_repo("acme/web.site").get_issue(2).get_events())
    expect("events: web.site #2 over 2 pages of 3", summary(paged),
           [("labeled", name, two.get("user", "octocat")) for name in two["labels"]]
           + [("unlabeled", "🚀 launch", login), ("labeled", "🚀 launch", login)])

    try:
        gh.requester.requestJsonAndCheck("GET", "/repos/acme/mcp_coder/issues/9999/events")
        raise Mismatch("events of a missing issue should be 404")
    except GithubException as error:
        expect("events: missing issue status", error.status, 404)

    try:
        from githubkit import GitHub
    except ImportError as error:
        raise Mismatch(f"githubkit is not installed ({error}): pip install -r Tests/Fidelity/requirements.txt")
    kit = GitHub(account["token"], base_url=base_url, auto_retry=False, http_cache=False, timeout=15)
    # GitHub's published schema for this endpoint lists label, rename and other events but no
    # closed/reopened ones, so githubkit is asked only about issues whose history has none.
    for number in (105, 107):
        parsed = kit.rest.issues.list_events("acme", "mcp_coder", number, per_page=100).parsed_data
        expect(f"events: githubkit parses #{number}'s against the schema",
               [(type(e).__name__, e.label.name) for e in parsed],
               [(("Labeled" if e.event == "labeled" else "Unlabeled") + "IssueEvent", e.label.name)
                for e in repo.get_issue(number).get_events()])


def check_jenkins(url, scenario, control_url):
    users = scenario["jenkins"]["users"]
    bot = next(u for u in users if u.get("api_token"))
    server = jenkins.Jenkins(url, username=bot["username"], password=bot["api_token"], timeout=10)
    # get_version() sends no credentials until some other call has resolved them, so ask
    # who we are first, as python-jenkins' own examples do.
    expect("jenkins whoami", server.get_whoami().get("id"), bot["username"])
    expect("jenkins version header present", bool(server.get_version()), True)
    job = "Coordinator/mcp_coder/executor"
    info = server.get_job_info(job)
    expect("job fullName", info.get("fullName"), job)
    parameters = {
        "REPO_URL": "https://github.com/acme/mcp_coder.git",
        "BRANCH_NAME": "105-support-windows-executors",
        "COMMAND": "mcp-coder --log-level INFO implement 105 --update-labels",
        "GITHUB_CREDENTIALS_ID": "github-pat",
    }
    queue_id = server.build_job(job, parameters)
    # The queue listing, as python-jenkins reads it, shows the waiting item with its parameters
    # (start_delay_ms keeps it waiting for half a second).
    waiting = [i for i in server.get_queue_info() if i.get("id") == queue_id]
    expect("queue listing holds the new item", len(waiting), 1)
    listed = {p["name"]: p["value"] for a in waiting[0].get("actions", []) for p in a.get("parameters", [])}
    expect("queue listing parameters", listed, parameters)
    expect("queue listing task", waiting[0].get("task", {}).get("name"), "executor")
    item = server.get_queue_item(queue_id)
    expect("queue item id", item.get("id"), queue_id)
    if "executable" not in item or not item.get("executable"):
        if not item.get("why"):
            raise Mismatch(f"waiting queue item has no 'why': {item}")
        print("ok   queue item waiting with a reason")
    deadline = time.time() + 10
    while not (item.get("executable") or {}).get("number"):
        if time.time() > deadline:
            raise Mismatch(f"queue item never started: {item}")
        time.sleep(0.1)
        item = server.get_queue_item(queue_id)
    number = item["executable"]["number"]
    build = server.get_build_info(job, number)
    expect("build number", build.get("number"), number)
    got = {p["name"]: p["value"] for a in build.get("actions", []) for p in a.get("parameters", [])}
    expect("build parameters", got, parameters)
    if control_url:
        # The build runs for build_duration_ms; the control API ends it now as a failure, and
        # python-jenkins then reads what Jenkins shows of a finished build.
        ended = control(control_url, "POST", f"/jenkins/queue/{queue_id}/result", {"result": "FAILURE", "finish": True})
        expect("control API ended the build", (ended["build_number"], ended["result"]), (number, "FAILURE"))
        build = server.get_build_info(job, number)
        expect("ended build result", build.get("result"), "FAILURE")
        expect("ended build not building", build.get("building"), False)
        if not isinstance(build.get("duration"), int) or build["duration"] < 0:
            raise Mismatch(f"ended build duration is not a count of milliseconds: {build.get('duration')!r}")
        if not isinstance(build.get("timestamp"), int) or abs(build["timestamp"] / 1000 - time.time()) > 600:
            raise Mismatch(f"ended build timestamp is not epoch milliseconds of about now: {build.get('timestamp')!r}")
        print("ok   ended build duration and timestamp in milliseconds")
        expect("job's lastFailedBuild", server.get_job_info(job).get("lastFailedBuild", {}).get("number"), number)
        check_build_log(server, url, job, number, bot["username"], parameters)
        expect("queue item still leads to the build", server.get_queue_item(queue_id)["executable"]["number"], number)

    people = [u for u in users if u.get("password")]
    if people and scenario["jenkins"].get("crumb"):
        person = jenkins.Jenkins(url, username=people[0]["username"], password=people[0]["password"], timeout=10)
        second = person.build_job("Coordinator/web.site/executor", {"BRANCH_NAME": "main"})
        expect("password user fetched a crumb and started a build", isinstance(second, int), True)

    if control_url:
        with urllib.request.urlopen(control_url + "/builds", timeout=10) as response:
            builds = json.load(response)
        expect("sandbox saw the build", builds[0]["job_path"], job)
        expect("sandbox saw the parameters", builds[0]["parameters"], parameters)


def check_build_log(server, url, job, number, user, parameters):
    """python-jenkins reads the console of the build that just ended as a failure; the progressive
    endpoint, through the same authenticated session, reports the log's size and no more data."""
    console = server.get_build_console_output(job, number)
    lines = console.split("\n")
    expect("console log first line", lines[0], f"Started by user {user}")
    expect("console log last line", lines[-2:], ["Finished: FAILURE", ""])
    for name, value in parameters.items():
        if f"{name}={value}" not in console:
            raise Mismatch(f"console log does not show parameter {name}: {console!r}")
    print("ok   console log names its parameters")
    folders = "".join(f"/job/{part}" for part in job.split("/"))
    response = server.jenkins_request(requests.Request("GET", f"{url}{folders}/{number}/logText/progressiveText?start=0"))
    expect("progressive text size", response.headers.get("X-Text-Size"), str(len(console.encode("utf-8"))))
    expect("progressive text of an ended build has no more data", response.headers.get("X-More-Data"), None)
    expect("progressive text body", response.text.replace("\r\n", "\n"), console)
    tail = server.jenkins_request(requests.Request("GET", f"{url}{folders}/{number}/logText/progressiveText?start=8"))
    expect("progressive text from an offset", tail.text.replace("\r\n", "\n"), console[8:])


def check_doctor_endpoints(github_url, jenkins_url, scenario):
    """What `coordinator doctor` asks: the token's user and scopes, the paged label list, Jenkins'
    root and a job's parameter definitions."""
    account = scenario["github"]["tokens"][0]
    gh = Github(base_url=github_url, auth=Auth.Token(account["token"]), per_page=5, retry=None, timeout=15,
                seconds_between_requests=None, seconds_between_writes=None)
    expect("doctor: GET /user login", gh.get_user().login, account["login"])
    wanted_scopes = None if account.get("fine_grained") else account.get("scopes", ["repo"])
    expect("doctor: X-OAuth-Scopes as PyGithub reads it", gh.oauth_scopes, wanted_scopes)

    data = scenario_repo(scenario, "acme", "mcp_coder")
    defined = [label["name"] for label in scenario["github"].get("labels", []) + data.get("labels", [])]
    in_use = [name for issue in data["issues"] for name in issue.get("labels", [])]
    wanted = list(dict.fromkeys(defined + in_use))
    listed = [label.name for label in gh.get_repo("acme/mcp_coder").get_labels()]
    if len(wanted) <= 5:
        raise Mismatch(f"doctor: expected several pages of 5 labels, the scenario has {len(wanted)}")
    expect(f"doctor: repository labels over {len(listed) // 5 + 1} pages", sorted(listed), sorted(wanted))

    bot = next(u for u in scenario["jenkins"]["users"] if u.get("api_token"))
    server = jenkins.Jenkins(jenkins_url, username=bot["username"], password=bot["api_token"], timeout=10)
    expect("doctor: jenkins whoami", server.get_whoami().get("id"), bot["username"])
    expect("doctor: jenkins root", server.get_info().get("_class"), "hudson.model.Hudson")
    for job in scenario["jenkins"]["jobs"]:
        info = server.get_job_info(job["path"])
        names = [d.get("name") for p in info.get("property", [])
                 if p.get("_class") == "hudson.model.ParametersDefinitionProperty"
                 for d in p.get("parameterDefinitions", [])]
        expect(f"doctor: parameters of {job['path']}", names,
               job.get("parameters", ["REPO_URL", "BRANCH_NAME", "COMMAND", "GITHUB_CREDENTIALS_ID"]))


def check_hooks(github_url, scenario):
    """What `coordinator hooks sync` and `doctor` do with a repository's webhooks, through PyGithub:
    create one, list and read it (the secret masked), edit it, read its deliveries, delete it."""
    token = scenario["github"]["tokens"][0]["token"]
    gh = Github(base_url=github_url, auth=Auth.Token(token), retry=None, timeout=15,
                seconds_between_requests=None, seconds_between_writes=None)
    repo = gh.get_repo("acme/infra")
    url = "https://coordinator.example.com/webhooks/github"
    hook = repo.create_hook("web", {"url": url, "content_type": "form", "secret": "fidelity-hook-secret",
                                    "insecure_ssl": "0"}, events=["push"], active=True)
    listed = [(h.id, h.name, h.active, h.events, h.config.get("url"), h.config.get("content_type"),
               h.config.get("secret")) for h in repo.get_hooks()]
    expect("hooks: get_hooks after create_hook", listed,
           [(hook.id, "web", True, ["push"], url, "form", "********")])
    hook.edit("web", {"url": url, "content_type": "json", "secret": "fidelity-hook-secret", "insecure_ssl": "0"},
              add_events=["issues"], active=False)
    again = repo.get_hook(hook.id)
    expect("hooks: get_hook after edit", (again.active, sorted(again.events), again.config.get("content_type")),
           (False, ["issues", "push"], "json"))
    expect("hooks: deliveries of an inactive hook", list(repo.get_hook_deliveries(hook.id)), [])
    hook.delete()
    try:
        repo.get_hook(hook.id)
        raise Mismatch("hooks: a deleted hook is still there")
    except GithubException as error:
        expect("hooks: a deleted hook is 404", error.status, 404)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--github", required=True, help="GitHub REST base, e.g. http://127.0.0.1:PORT")
    parser.add_argument("--github-enterprise", help="the same data under /api/v3, checked read-only")
    parser.add_argument("--jenkins", required=True, help="Jenkins root, e.g. http://127.0.0.1:PORT/jenkins")
    parser.add_argument("--control", help="Sandbox control root, e.g. http://127.0.0.1:PORT/_sandbox")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="scenario the Sandbox was started with")
    parser.add_argument("--app-id", type=int, help="a GitHub App the Sandbox hosts (added to the scenario by the test)")
    parser.add_argument("--app-key", help="that App's private key, a PEM file")
    parser.add_argument("--app-installation", type=int, help="its installation on acme/mcp_coder")
    args = parser.parse_args()
    with open(args.scenario, encoding="utf-8") as f:
        scenario = json.load(f)
    try:
        # Read-only pass first, while the data still matches the scenario file.
        if args.github_enterprise:
            check_github(args.github_enterprise, scenario, mutate=False)
        check_github(args.github, scenario, mutate=True)
        check_issue_events(args.github, scenario)
        check_jenkins(args.jenkins, scenario, args.control)
        check_doctor_endpoints(args.github, args.jenkins, scenario)
        check_hooks(args.github, scenario)
        if args.control:
            webhooks.check_webhooks(args.github, args.control, scenario)
        if args.app_id is not None:
            apps.check_app(args.github, scenario, args.app_id, args.app_key, args.app_installation)
    except (Mismatch, webhooks.Mismatch, apps.Mismatch) as mismatch:
        print(f"FIDELITY MISMATCH: {mismatch}", file=sys.stderr)
        return 1
    except Exception as error:  # a client library rejecting the Sandbox's answer is a mismatch too
        print(f"FIDELITY MISMATCH: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print("all fidelity checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
