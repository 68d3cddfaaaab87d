"""Who reported an event first and who followed: the chain, its pages and feeds, and the desk's
corrections of an article's credit."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from articles import attribution_metrics as metrics
from articles import services as article_services
from articles.attribution import OutletIndex, SourceName, attribute
from articles.models import Article
from articles.tests.factories import BASE_TIME, ArticleFactory, SourceFactory
from articles.tests.test_attribution import SEED_LEAD
from conftest import REPO_ROOT, eval_path
from stories.models import AuditEntry, Event, Story
from stories.services import chains, history
from stories.services.editing import refresh_event_stats
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory
from stories.timeline.chain import Report, build_chain

AXIOS_REPORT = (
    "Iran's foreign minister Abbas Araghchi has been in direct contact with U.S. envoy Steve Witkoff "
    "as Washington weighs options against Tehran, two sources told Axios."
)


def report(pk: int, source: int, minutes: int, **credit) -> Report:
    return Report(
        id=pk,
        source_id=source,
        source_name=f"Source {source}",
        outlet=credit.pop("outlet", ""),
        published_at=BASE_TIME + timedelta(minutes=minutes),
        language=credit.pop("language", "en"),
        url=f"https://news.example/{pk}",
        title=f"Report {pk}",
        **credit,
    )


def test_the_rewrite_follows_the_report_it_credits_across_languages():
    original = report(1, 1, 0, outlet="axios")
    rewrite = report(2, 2, 90, language="ar", credit_name="أكسيوس", credit_outlet="axios")
    independent = report(3, 3, 30)
    chain = build_chain([rewrite, independent, original])
    assert chain["first"]["article"] == 1
    assert [(f["article"], f["how"], f["original"]) for f in chain["followers"]] == [(2, "credit", 1)]
    assert chain["followed_by"] == 1
    assert [entry["article"] for entry in chain["independent"]] == [3]


def test_a_rewrite_published_before_its_original_never_comes_first():
    original = report(1, 1, 60, outlet="axios")
    skewed = report(2, 2, 0, language="ar", credit_name="أكسيوس", credit_outlet="axios")
    chain = build_chain([skewed, original])
    assert chain["first"]["article"] == 1
    assert chain["followers"][0]["original"] == 1


def test_an_event_where_no_one_follows_anyone_has_no_chain():
    assert build_chain([report(1, 1, 0), report(2, 2, 5, language="ar"), report(3, 3, 9)]) == {}


def test_a_near_copy_follows_its_original():
    chain = build_chain([report(1, 1, 0), report(2, 2, 30, duplicate_of_id=1)])
    assert [(f["article"], f["how"], f["original"]) for f in chain["followers"]] == [(2, "copy", 1)]


def test_credits_to_an_outlet_the_event_does_not_hold_name_it_first_without_a_link():
    chain = build_chain([report(1, 1, 0, credit_name="Reuters", credit_outlet="reuters")])
    assert chain["first"] == {
        "article": None,
        "source": "Reuters",
        "outlet": "reuters",
        "url": "",
        "title": "",
        "language": "",
        "published_at": None,
    }
    assert chain["followers"][0]["original"] is None


def test_the_chain_module_imports_no_django():
    code = "import sys, stories.timeline.chain; print('django' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert out.stdout.strip() == "False"


# --- The seed case, stored -----------------------------------------------------------------------


@pytest.fixture
def seed_event(db):
    """The seed page's Arabic rewrite and an English Axios report of the same happening, in one event."""
    axios = SourceFactory(name="Axios", url="https://api.axios.com/feed/", language="en")
    rt = SourceFactory(name="RT Arabic", url="https://arabic.rt.com/rss/", language="ar")
    event = EventFactory(story=StoryFactory(language="ar"))
    english = ArticleFactory(source=axios, title="Iran and U.S. keep a direct channel", text=AXIOS_REPORT)
    arabic = article_services.store_text(
        article=ArticleFactory.build(source=rt, published_at=english.published_at + timedelta(hours=3)),
        title="إيران والولايات المتحدة تحافظان على قناة اتصال مباشرة رغم التوترات",
        body=SEED_LEAD,
        language_hint="ar",
        status=Article.Status.EXTRACTED,
    )
    for article in (english, arabic):
        MembershipFactory(event=event, article=article)
    refresh_event_stats(event_ids=[event.pk])
    event.refresh_from_db()
    return event, english, arabic


def test_the_seed_rewrite_credits_axios_links_to_the_english_report_and_axios_comes_first(seed_event):
    event, english, arabic = seed_event
    assert (arabic.credit_outlet, arabic.credited_source_id) == ("axios", english.source_id)
    assert event.chain["first"]["article"] == english.pk
    assert event.chain["first"]["source"] == "Axios"
    [follower] = event.chain["followers"]
    assert (follower["article"], follower["original"], follower["original_url"]) == (
        arabic.pk,
        english.pk,
        english.url,
    )


def test_the_story_page_shows_who_reported_first_and_the_rewrites_credit(client, seed_event):
    event, english, _ = seed_event
    page = client.get(event.story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert f'أول من نشره: <a href="{english.url}" rel="noopener" dir="auto">أكسيوس</a>' in page
    assert "تبعته وسيلة واحدة" in page
    assert f'<span class="credit">(<a href="{english.url}" rel="noopener">نقلا عن أكسيوس</a>)</span>' in page
    page = client.get(event.story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'First reported by <a href="{english.url}" rel="noopener" dir="auto">Axios</a>' in page
    assert "1 outlet followed" in page
    assert f'<a href="{english.url}" rel="noopener">via Axios</a>' in page


def test_an_event_without_credits_shows_no_chain(client, db):
    event = EventFactory()
    for _ in range(2):
        MembershipFactory(event=event)
    refresh_event_stats(event_ids=[event.pk])
    event.refresh_from_db()
    assert event.chain == {}
    page = client.get(event.story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="chain"' not in page
    assert 'class="credit"' not in page


def test_the_story_page_reads_the_chain_without_another_query(client, seed_event):
    event, _, _ = seed_event
    client.get(event.story.get_absolute_url())  # what a first request loads once
    Story.objects.filter(pk=event.story_id).update(updated_at=timezone.now())
    with CaptureQueriesContext(connection) as with_chain:
        assert 'class="chain"' in client.get(event.story.get_absolute_url()).content.decode()
    Event.objects.filter(pk=event.pk).update(chain={})
    Story.objects.filter(pk=event.story_id).update(updated_at=timezone.now())
    with CaptureQueriesContext(connection) as without:
        assert 'class="chain"' not in client.get(event.story.get_absolute_url()).content.decode()
    # The chain comes with the event's row: the page makes the same queries either way.
    assert len(with_chain) == len(without)


def test_the_json_feed_carries_the_chain(client, seed_event):
    event, english, arabic = seed_event
    feed = json.loads(client.get(reverse("stories:feed_json", kwargs={"slug": event.story.slug})).content)
    [item] = feed["items"]
    assert item["_silsila"]["first_reported_by"] == {
        "name": "أكسيوس" if item["language"] == "ar" else "Axios",
        "url": english.url,
        "date_published": english.published_at.isoformat(),
    }
    assert item["_silsila"]["followed_by"] == 1
    assert item["_silsila"]["followers"] == [
        {
            "source": "RT Arabic",
            "url": arabic.url,
            "language": "ar",
            "how": "credit",
            "credits": "أكسيوس",
            "original_url": english.url,
        }
    ]


@pytest.mark.parametrize(("name", "language"), [("feed_atom", "en"), ("feed_rss", "en"), ("feed_atom", "ar")])
def test_the_atom_and_rss_feeds_say_who_reported_first_and_how_many_followed(
    client, seed_event, name, language
):
    event, _english, _arabic = seed_event
    url = reverse(f"stories:{name}", kwargs={"slug": event.story.slug})
    xml = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    if language == "en":
        assert "First reported by Axios, 1 outlet followed" in xml
    else:
        assert "أول من نشره: أكسيوس، تبعته وسيلة واحدة" in xml


def test_the_feeds_say_nothing_of_a_chain_an_event_does_not_have(client, db):
    event = EventFactory()
    for _ in range(2):
        MembershipFactory(event=event)
    refresh_event_stats(event_ids=[event.pk])
    xml = client.get(reverse("stories:feed_atom", kwargs={"slug": event.story.slug})).content.decode()
    assert "First reported" not in xml and "followed" not in xml


# --- Editors' corrections ------------------------------------------------------------------------


def test_an_editors_correction_is_audited_changes_the_chain_and_is_undone_by_undo(seed_event, admin_user):
    event, english, arabic = seed_event
    entry = chains.set_article_credit(article=arabic, name="", user=admin_user)
    arabic.refresh_from_db()
    event.refresh_from_db()
    assert (arabic.credit_name, arabic.credited_source_id, arabic.credit_by_editor) == ("", None, True)
    assert event.chain == {}
    assert entry.action == AuditEntry.Action.CREDIT
    with translation.override("en"):
        words = history.describe_entries([entry])[entry.pk]
    assert words.endswith("now credits no one (was: “\u2068أكسيوس\u2069”).")
    history.undo(entry=entry, user=admin_user)
    arabic.refresh_from_db()
    event.refresh_from_db()
    assert (arabic.credit_name, arabic.credit_outlet, arabic.credited_source_id) == (
        "أكسيوس",
        "axios",
        english.source_id,
    )
    assert arabic.credit_by_editor is False
    assert event.chain["first"]["article"] == english.pk


def test_the_desk_corrects_a_credit_by_an_outlets_name_in_either_script(client, seed_event, admin_user):
    event, _, arabic = seed_event
    reuters = SourceFactory(name="Reuters", url="https://www.reuters.com/rss")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:stories_story_do", args=[event.story_id, "credit"]),
        {"article": arabic.pk, f"credit-{arabic.pk}": "رويترز"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    arabic.refresh_from_db()
    assert (arabic.credit_outlet, arabic.credited_source_id) == ("reuters", reuters.pk)
    event.refresh_from_db()
    assert event.chain["followers"][0]["original"] is None  # Reuters holds no report of this event
    response = client.post(
        reverse("admin:stories_story_do", args=[event.story_id, "credit"]),
        {"article": arabic.pk, f"credit-{arabic.pk}": "Nobody Knows Media"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "is neither a known outlet nor a source" in response.content.decode()
    arabic.refresh_from_db()
    assert arabic.credit_outlet == "reuters"


def test_re_reading_an_article_keeps_the_editors_credit(seed_event, admin_user):
    _, _, arabic = seed_event
    chains.set_article_credit(article=arabic, name="AFP", user=admin_user)
    arabic.refresh_from_db()
    article_services.attribute_articles(articles=Article.objects.filter(pk=arabic.pk))
    arabic.refresh_from_db()
    assert (arabic.credit_name, arabic.credit_outlet) == ("AFP", "afp")


def test_the_command_rebuilds_chains_after_credits_were_re_read(seed_event, capsys):
    event, _, _ = seed_event
    Event.objects.filter(pk=event.pk).update(chain={})
    call_command("refresh_event_chains")
    event.refresh_from_db()
    assert event.chain["first"]["source"] == "Axios"
    assert "1 event(s) read, 1 chain(s) changed; 1 event(s) have a chain" in capsys.readouterr().out


def test_events_change_their_chain_when_articles_move(seed_event):
    event, english, _ = seed_event
    other = EventFactory(story=event.story)
    english.membership.event = other
    english.membership.save()
    refresh_event_stats(event_ids=[event.pk, other.pk])
    event.refresh_from_db()
    # The rewrite now credits an outlet its event does not hold: Axios, unseen, came first.
    assert event.chain["first"]["article"] is None and event.chain["first"]["outlet"] == "axios"
    assert Event.objects.get(pk=other.pk).chain == {}


def test_in_the_dev_stream_each_rewrite_follows_its_original_and_never_comes_first():
    """The ten Arabic rewrites of ar-en-stories-dev, their credits read as at ingest, in their
    labelled events: each follows the English original the README names."""
    path = eval_path("ar-en-stories-dev.jsonl")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rewrites = metrics.read_rewrites(path.with_name("ar-en-stories-dev.README.md"))
    names = sorted({r["source"] for r in records})
    source_ids = {name: n for n, name in enumerate(names, start=1)}
    index = OutletIndex([SourceName(source_ids[name], name) for name in names])
    events: dict[str, list[Report]] = defaultdict(list)
    for number, record in enumerate(records, start=1):
        source_id = source_ids[record["source"]]
        credit = attribute(title=record["title"], text=record["text"], index=index, own_source_id=source_id)
        events[record["event"]].append(
            Report(
                id=number,
                source_id=source_id,
                source_name=record["source"],
                outlet="",
                published_at=datetime.fromisoformat(record["published_at"].replace("Z", "+00:00")),
                language=record["lang"],
                url=record["id"],  # the record's id stands in for its address
                title=record["title"],
                credit_name=credit.name if credit else "",
                credit_outlet=credit.outlet if credit else "",
                credited_source_id=credit.source_id if credit else None,
            )
        )
    chains = {event: build_chain(reports) for event, reports in events.items()}
    found = {
        follower["url"]: follower["original_url"]
        for chain in chains.values()
        for follower in chain.get("followers", [])
    }
    assert found == rewrites
    # First is the earliest independent report: the original, or an earlier report of its own
    # (d-075 came before the Gulf Ledger report that d-078 rewrites); never a rewrite.
    by_id = {record["id"]: record for record in records}
    for chain in filter(None, chains.values()):
        first = chain["first"]["url"]
        assert first not in rewrites
        for follower in chain["followers"]:
            assert by_id[first]["published_at"] <= by_id[follower["original_url"]]["published_at"]
    assert sum(chain["first"]["url"] in rewrites.values() for chain in chains.values() if chain) == 6
