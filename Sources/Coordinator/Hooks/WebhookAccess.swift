/// What a token needs for the webhook endpoints, in one place for `doctor` and `hooks sync`:
/// GitHub hides a repository's hooks (`404`) from a token without these rights, which looks like
/// "no webhook" unless the fix says otherwise.
public enum WebhookAccess {
    public static func fix(writing: Bool) -> String {
        writing
            ? "give the token the admin:repo_hook scope and admin rights on the repository (a fine-grained token: Webhooks read and write), or set the webhook up by hand in the repository's Settings → Webhooks"
            : "give the token the read:repo_hook scope (or admin:repo_hook; a fine-grained token: Webhooks read), or check the webhook by hand in the repository's Settings → Webhooks"
    }
}
