def test_home_page_introduces_the_app_to_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Techniekrooster" in response.get_data(as_text=True)
