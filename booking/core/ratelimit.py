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
