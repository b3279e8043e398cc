"""GitHub App authentication against the Sandbox, by githubkit's own App strategies.

githubkit signs the App's JWT with PyJWT (RS256), reads the App and the repository's installation
with it, buys an installation token and lists the repository's issues with that token, parsing
every answer against GitHub's published schema: a client nobody here wrote must be able to log
in to the Sandbox as an App.
"""


class Mismatch(Exception):
    pass


def expect(what, got, wanted):
    if got != wanted:
        raise Mismatch(f"{what}: expected {wanted!r}, got {got!r}")
    print(f"ok   {what}")


def check_app(base_url, scenario, app_id, key_file, installation_id, owner="acme", name="mcp_coder"):
    try:
        from githubkit import AppAuthStrategy, GitHub
    except ImportError as error:
        raise Mismatch(f"githubkit is not installed ({error}): pip install -r Tests/Fidelity/requirements.txt")
    with open(key_file, encoding="utf-8") as f:
        private_key = f.read()

    app = GitHub(AppAuthStrategy(app_id, private_key), base_url=base_url, auto_retry=False, http_cache=False, timeout=15)
    me = app.rest.apps.get_authenticated().parsed_data
    expect("app: githubkit's JWT reads GET /app", me.id, app_id)
    installation = app.rest.apps.get_repo_installation(owner, name).parsed_data
    expect(f"app: the installation of {owner}/{name}", installation.id, installation_id)
    listed = [i.id for i in app.rest.apps.list_installations().parsed_data]
    expect("app: GET /app/installations lists it", installation_id in listed, True)

    kit = app.with_auth(app.auth.as_installation(installation_id))
    issues = kit.rest.issues.list_for_repo(owner, name, state="open", per_page=100).parsed_data
    repo = next(r for r in scenario["github"]["repositories"] if r["owner"] == owner and r["name"] == name)
    wanted = sorted(i["number"] for i in repo["issues"] if i.get("state", "open") == "open")
    expect(f"app: the installation token lists {owner}/{name}'s open issues (pull requests too, as GitHub does)",
           sorted(i.number for i in issues), wanted)

    # A repository outside the installation is invisible to its token.
    others = [r for r in scenario["github"]["repositories"] if (r["owner"], r["name"]) != (owner, name)]
    if others:
        other = others[0]
        try:
            kit.rest.issues.list_for_repo(other["owner"], other["name"])
            raise Mismatch(f"app: the installation token read {other['owner']}/{other['name']}, which it does not cover")
        except Exception as error:  # githubkit raises RequestFailed with the response
            status = getattr(getattr(error, "response", None), "status_code", None)
            expect(f"app: {other['owner']}/{other['name']} outside the installation", status, 404)
