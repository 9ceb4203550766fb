"""Keys for rate limits: the client's address, and the account named in a login form."""

from flask import current_app, request


def client_address() -> str:
    """The client's IP address, trusting X-Forwarded-For only from configured proxies."""
    proxies = current_app.config.get("PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.remote_addr or "unknown"


def submitted_account() -> str:
    return "account:" + request.form.get("email", "").strip().lower()[:254]


def submitted_account_from_address() -> str:
    """The pair that throttles a guesser without locking the account's owner out elsewhere."""
    return f"{submitted_account()}@{client_address()}"


def refuse_per_process_storage(config) -> None:
    """Production with several workers needs shared counters (Redis); in-memory ones let each
    worker count on its own, which multiplies every limit by the number of workers."""
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://") and not config["RATELIMIT_ALLOW_PER_PROCESS"]:
        raise RuntimeError(
            "Refusing to start: RATELIMIT_STORAGE_URI is memory://, which counts per process, so with several "
            "workers every rate limit (wrong passwords included) is multiplied by their number. Set "
            "RATELIMIT_STORAGE_URI=redis://host:6379/0, or RATELIMIT_ALLOW_PER_PROCESS=true if this "
            "installation runs a single process."
        )
