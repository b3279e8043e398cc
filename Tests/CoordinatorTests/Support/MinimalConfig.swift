/// The smallest valid config file (GitHub, Jenkins, one repository `demo`), for the tests of one
/// table: each appends its own. Its two secrets are the values a test checks never show.
enum MinimalConfig {
    static let toml = """
        [github]
        token = "ghp_secret_value"
        [jenkins]
        server_url = "http://127.0.0.1:8080"
        username = "bot"
        api_token = "jenkins_secret_value"
        [coordinator.repos.demo]
        repo_url = "https://github.com/acme/demo.git"
        executor_job_path = "Job"
        github_credentials_id = "pat"

        """
}
