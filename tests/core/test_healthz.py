def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_503_when_the_database_is_unreachable(make_app, tmp_path):
    from tests.conftest import free_port

    for url in (
        f"sqlite:///{tmp_path}/missing/dir/db.sqlite",
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2",
    ):
        app = make_app(SQLALCHEMY_DATABASE_URI=url)
        response = app.test_client().get("/healthz")
        assert response.status_code == 503, url
        assert response.get_json() == {"status": "unavailable", "reason": "database unreachable"}
