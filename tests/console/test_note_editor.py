"""The console's note editor: every field of a note entry (audience, linked features,
link rows, image URL, internal notes), errors at their field with their codes, what
publishes the note next, and the release's announcement point edited in its form."""

from __future__ import annotations

import html as markup
import re
from typing import Any

from premiere.services.communication import entries
from premiere.services.releases import records

from .conftest import Console

KEY = "recommendations-v2"
PAGE = f"/projects/demo/releases/{KEY}"
FIRST_PUBLIC = "Publishes when the release reaches its first public stage (stage 2, 5 %)"


def _note(demo: Console, index: int = 0) -> Any:
    return entries.list_release_notes(demo.store, "demo", KEY)[index]


def _url(note: Any) -> str:
    return f"{PAGE}/notes/{note['id']}"


def _save(demo: Console, note: Any, **fields: str) -> Any:
    url = _url(note)
    data = {"csrf": demo.csrf(url), "version": str(note["version"]), "title": note["title"]}
    data |= {"category": note["category"], "body": note["body"], "features_other": ""}
    data |= {f"links[{row}].{part}": "" for row in range(3) for part in ("label", "url")}
    return demo.client.request("POST", url, data={**data, **fields}, follow_redirects=False)


def test_note_page__demo_note__every_field_filled_and_what_publishes_it(demo: Console) -> None:
    note = _note(demo)
    page = markup.unescape(demo.client.get(_url(note)).text)

    assert FIRST_PUBLIC in page
    assert 'value="beta-testers">Segment beta-testers</option>' in page  # the audience select
    assert re.search(r'id="feature.recommendations-model" name="[^"]+" value="true" checked', page)
    assert (
        'id="links[0].label" name="links[0].label" type="text" value="How recommendations' in page
    )
    assert 'name="links[3].url"' in page and 'name="links[4].url"' not in page  # 3 empty rows
    assert '<label for="internal">Internal — never published</label>' in page
    assert '<label for="image_url">Image URL (optional)</label>' in page


def test_edit_note__links_audience_features_image__saved_empty_rows_left_out(
    demo: Console,
) -> None:
    note = _note(demo)
    answer = _save(
        demo,
        note,
        audience="beta-testers",
        features_other="dark-mode",
        image_url="https://cdn.acme.example/recs.png",
        internal="Ask #team-ml",
        **{"links[1].label": "Blog", "links[1].url": "https://acme.example/blog/recs"},
        **{"links[2].label": "FAQ", "links[2].url": "http://acme.example/faq"},
    )

    assert answer.status_code == 303, answer.text
    saved = _note(demo)
    assert saved["links"] == [
        {"label": "Blog", "url": "https://acme.example/blog/recs"},
        {"label": "FAQ", "url": "http://acme.example/faq"},
    ]
    assert saved["audience"] == "beta-testers"
    assert saved["features"] == ["dark-mode"]  # the release's feature unticked, another added
    assert (saved["image_url"], saved["internal"]) == (
        "https://cdn.acme.example/recs.png",
        "Ask #team-ml",
    )
    page = demo.client.get(_url(saved)).text
    assert 'name="links[4].url"' in page and 'name="links[5].url"' not in page


def test_edit_note__bad_link_url__422_at_its_row_with_the_code_nothing_saved(
    demo: Console,
) -> None:
    note = _note(demo)
    answer = _save(
        demo,
        note,
        title="Changed",
        **{"links[2].label": "Bad", "links[2].url": "javascript:alert(1)"},
    )

    assert answer.status_code == 422
    page = markup.unescape(answer.text)
    assert 'href="#links[2].url"' in page  # the summary links to the row's field
    error = re.search(r'id="links\[2\]\.url-error">(.*?)</p>', page, re.S)
    assert error and "http:// or https://" in error.group(1) and "[url]" in error.group(1)
    assert 'value="javascript:alert(1)"' in page  # the input kept
    assert _note(demo)["title"] == note["title"] and _note(demo)["version"] == note["version"]


def test_edit_note__unknown_other_flag_and_bad_image__each_at_its_field(demo: Console) -> None:
    note = _note(demo)
    image = _save(demo, note, image_url="ftp://x.example/a.png")
    flag = _save(demo, note, features_other="no-such-flag")

    assert (image.status_code, flag.status_code) == (422, 422)
    assert re.search(r'id="image_url-error">[^\n]*? \[url\]</p>', image.text)
    found = re.search(r'id="features_other-error">([^\n]*?) \[unknown_flag\]</p>', flag.text)
    assert found and "no-such-flag" in markup.unescape(found.group(1))
    assert _note(demo)["features"] == ["recommendations-model"]


def test_internal_notes__published_note__never_in_the_public_view(demo: Console) -> None:
    note = _note(demo, 2)
    assert _save(demo, note, internal="secret-escalation-path").status_code == 303
    note = _note(demo, 2)
    url = _url(note)
    publish = {"csrf": demo.csrf(url), "version": str(note["version"])}
    published = demo.client.request("POST", f"{url}/publish", data=publish, follow_redirects=False)
    assert published.status_code == 303

    token = {"Authorization": f"Bearer {demo.admin_token}"}
    public = demo.client.get("/api/v1/projects/demo/notes?public=true", headers=token)
    assert public.status_code == 200
    assert note["title"] in public.text
    assert "secret-escalation-path" not in public.text
    page = demo.client.get(url).text
    assert "Published by hand (Publish now)" in page
    assert "secret-escalation-path" in page  # the editor shows it, labelled internal


def test_release_edit__announce_at_a_percentage__the_note_page_says_which_stage(
    demo: Console,
) -> None:
    edit = f"{PAGE}/edit"
    page = demo.client.get(edit).text
    assert '<option value="first_public" selected>' in page
    release = records.get_release(demo.store, "demo", KEY)
    form = {
        "csrf": demo.csrf(edit),
        "version": str(release["version"]),
        "name": release["name"],
        "environment": "production",
        "feature_flag_0": "recommendations-model",
        "feature_value_0": "v2",
        "plan": "segment staff\n5%\n25% manual\n100%",
        "required_approvals": "1",
        "timezone": "UTC",
    }

    refused = demo.client.request(
        "POST", edit, data={**form, "announce_at": "percent", "announce_percent": "lots"}
    )
    assert refused.status_code == 422 and 'id="announce_percent-error"' in refused.text
    saved = demo.client.request(
        "POST", edit, data={**form, "announce_at": "percent", "announce_percent": "20"},
        follow_redirects=False,
    )  # fmt: skip

    assert saved.status_code == 303, saved.text
    assert records.get_release(demo.store, "demo", KEY)["announce"] == {
        "at": "percent",
        "percent": 20,
    }
    sentence = "Publishes when the release reaches 20 % of everyone (stage 3, 25 %)."
    assert sentence in demo.client.get(_url(_note(demo))).text
