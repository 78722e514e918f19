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


def test_the_policy_reads_with_headings_lists_and_paragraphs(client, controller):
    from tests.factories import PolicyVersionFactory

    PolicyVersionFactory(
        version="2026.2",
        body_vi=(
            "Công ty ban hành chính sách này.\n\n1. Mục đích thu thập\n\n"
            "- Họ và tên\n- Số điện thoại <script>alert(1)</script>\n\nĐoạn cuối."
        ),
    )
    page = client.get("/privacy/").content.decode()
    assert "<h2>1. Mục đích thu thập</h2>" in page
    assert "<ul><li>Họ và tên</li><li>Số điện thoại &lt;script&gt;" in page
    assert "<p>Đoạn cuối.</p>" in page and "<script>alert" not in page


def test_the_site_root_and_the_admins_view_site_lead_to_the_policy(client, admin_client):
    assert client.get("/").headers["Location"] == "/privacy/"
    assert client.get("/en/").headers["Location"] == "/en/privacy/"
    assert 'href="/"' in admin_client.get("/admin/").content.decode()  # "View site"


def test_the_public_pages_have_a_favicon(client, controller, policy):
    from django.contrib.staticfiles import finders

    page = client.get("/privacy/").content.decode()
    assert 'rel="icon"' in page and "pdpdesk/favicon.svg" in page
    assert finders.find("pdpdesk/favicon.svg")


def test_the_business_hours_are_in_the_page_language(client, controller, policy):
    """The English pages (the privacy policy, the complaint form's contact card) show the
    controller's English hours; a profile without them shows the Vietnamese ones."""
    from customers import services

    services.controller_update(
        business_hours="Thứ Hai – Thứ Sáu, 8:00–17:00",
        business_hours_en="Monday to Friday, 8:00–17:00",
    )
    for path in ("/en/privacy/", "/en/complaints/new/"):
        page = client.get(path).content.decode()
        assert "Monday to Friday, 8:00–17:00" in page and "Thứ Hai" not in page
    assert "Thứ Hai – Thứ Sáu, 8:00–17:00" in client.get("/privacy/").content.decode()
    services.controller_update(business_hours_en="")
    assert "Thứ Hai – Thứ Sáu" in client.get("/en/privacy/").content.decode()
