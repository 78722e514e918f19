import pytest

pytestmark = pytest.mark.django_db


def test_privacy_page_in_vietnamese_shows_policy_and_controller(client, controller, policy):
    response = client.get("/privacy/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Chính sách bảo mật thông tin" in page
    assert "Mục đích thu thập thông tin cá nhân" in page
    assert f"Phiên bản {policy.version}" in page
    assert "Công ty Cổ phần Thương mại Mỹ Tho" in page
    assert "67 Lê Lợi, Phường 1, TP Mỹ Tho, Tiền Giang" in page
    assert "1800 1595" in page  # the hotline, written the Vietnamese way
    assert "Đơn vị thu thập và quản lý thông tin" in page
    assert 'href="/en/privacy/"' in page


def test_privacy_page_in_english(client, controller, policy):
    response = client.get("/en/privacy/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Privacy policy" in page
    assert "Why we collect personal information" in page
    assert f"Version {policy.version}" in page
    assert "Who collects and manages your information" in page
    assert 'href="/privacy/"' in page


def test_privacy_page_without_a_policy_says_so(client, controller):
    response = client.get("/privacy/")
    assert response.status_code == 503
    assert "Chính sách bảo mật đang được cập nhật" in response.content.decode()
